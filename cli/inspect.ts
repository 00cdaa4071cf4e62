// `nanolm inspect`: what a .bin file holds — header, config, parameter count, tokenizer — read and
// fully validated by the one format module (engine-c/ts/format.ts).
import {
  describeLora,
  describeModel,
  fileKind,
  formatLoraDescription,
  formatModelDescription,
  readLora,
  readModel,
} from "../engine-c/ts/format.ts";
import { existingFile, parseFlags } from "./common.ts";
import { readBytes } from "./run.ts";

const USAGE = `usage: nanolm inspect PATH [--json]

Show a Nano .bin file's header, config, parameter count and tokenizer summary (or, for a LoRA
module, its rank, alpha and the base-model shape it fits). The whole file is validated.`;

/** nanolm inspect */
export async function inspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } }, USAGE, 1);
  const path = positionals[0];
  if (path === undefined) {
    process.stderr.write(`nanolm: error: a file to inspect is required\n\n${USAGE}\n`);
    return 2;
  }
  const bytes = readBytes(existingFile(path));
  const description =
    fileKind(bytes) === "lora"
      ? { kind: "lora" as const, ...describeLora(readLora(bytes)) }
      : { kind: "model" as const, ...describeModel(readModel(bytes)) };
  if (values.json) {
    process.stdout.write(JSON.stringify(description) + "\n");
  } else {
    const text =
      description.kind === "lora"
        ? formatLoraDescription(description)
        : formatModelDescription(description);
    process.stdout.write(`${path}\n${text}\n`);
  }
  return 0;
}
