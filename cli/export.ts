// `nanolm export`: a training checkpoint → a Nano `.bin` model (F32 or Q8_0) or LoRA module, which
// every NanoLM engine runs. The conversion lives in training/src/export.ts; the file is written to a
// temporary name and renamed into place, so a failure never leaves a half-written model behind.
import { resolve } from "node:path";
import { ExportError, exportCheckpoint } from "../training/src/export.ts";
import { CliError, existingFile, parseFlags } from "./common.ts";

const USAGE = `usage: nanolm export CKPT OUT.bin [--q80] [--lora] [--merge]

Write a training checkpoint as a Nano .bin model.
  --q80    quantize to Q8_0, byte-identical to the original Nano exporter (default F32)
  --lora   LoRA checkpoints: write the adapters alone as a LoRA module (load it with its base)
  --merge  LoRA checkpoints: fold the adapters into the base weights and write a full model`;

/** nanolm export */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      q80: { type: "boolean" },
      lora: { type: "boolean" },
      merge: { type: "boolean" },
    },
    USAGE,
    2,
  );
  if (positionals.length !== 2) throw new CliError(`CKPT and OUT.bin are required\n\n${USAGE}`, 2);
  const [ckptPath, outPath] = positionals;
  if (resolve(ckptPath) === resolve(outPath)) throw new CliError("OUT.bin must differ from CKPT");
  existingFile(ckptPath);
  let summary;
  try {
    summary = exportCheckpoint(ckptPath, outPath, {
      q80: values.q80,
      lora: values.lora,
      merge: values.merge,
    });
  } catch (e) {
    // Checkpoint and format errors carry messages meant for the user; anything else is a bug.
    const name = (e as Error)?.name;
    if (e instanceof ExportError || name === "NanoFormatError" || name === "CheckpointError") {
      throw new CliError((e as Error).message);
    }
    throw e;
  }
  const what = summary.kind === "lora" ? "LoRA module" : values.q80 ? "Q8_0 model" : "F32 model";
  process.stderr.write(
    `nanolm: wrote ${outPath}: ${what}, ${summary.bytes.toLocaleString("en-US")} bytes, ` +
      `from step ${summary.step}\n`,
  );
  for (const note of summary.notes) process.stderr.write(`nanolm: note: ${note}\n`);
  return 0;
}
