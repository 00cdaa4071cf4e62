// `nanolm demo`: a short command-line tour of the engines on NanoLM's own bundled models — the
// sort model as sequence-to-sequence, then nano-pico writing a story — on the C engine and on the
// Scheme engine, which give the same tokens.
import { join } from "node:path";
import { existsSync } from "node:fs";
import { CliError, parseFlags, repoRoot } from "./common.ts";

const USAGE = `usage: nanolm demo [--engine native|wasm|scheme]

A short tour on NanoLM's bundled models (models/): sort.bin sorts digits, then nano-pico.bin
writes a story, greedy and sampled. Without --engine it runs the native C engine, then the
Scheme engine on the same prompt to show they agree.`;

/** nanolm demo */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { engine: { type: "string" } }, USAGE);
  const sort = join(repoRoot, "models", "sort.bin");
  const pico = join(repoRoot, "models", "nano-pico.bin");
  for (const m of [sort, pico])
    if (!existsSync(m)) throw new CliError(`bundled model missing: ${m} (npm run train:sort|pico)`);
  const { runCommand, seq2seqCommand } = await import("./run.ts");
  const say = (line: string) => process.stdout.write(line + "\n");
  const engines = values.engine ? [values.engine] : ["native", "scheme"];
  const story = "Once upon a time, there was a little boy named";

  say("NanoLM demo\n");
  say("1. sort.bin is a non-causal model: it sees all six digits at once and writes them sorted.");
  for (const input of ["654321", "102938", "114515"]) {
    process.stdout.write(`   ${input} → `);
    const status = await seq2seqCommand([
      "--model",
      sort,
      "--input",
      input,
      "--engine",
      engines[0],
    ]);
    if (status !== 0) return status;
  }
  for (const engine of engines) {
    say(`\n2. nano-pico.bin (431k parameters, ${engine} engine), greedy:`);
    process.stdout.write(`   ${story}`);
    const status = await runCommand([
      ...["--model", pico, "--prompt", story, "--engine", engine],
      ...["--temperature", "0", "--max-new-tokens", "60"],
    ]);
    if (status !== 0) return status;
  }
  say(`\n3. Sampled instead (temperature 0.8, top-p 0.9, seed 1, ${engines[0]} engine):`);
  process.stdout.write("   One day,");
  return runCommand([
    ...["--model", pico, "--prompt", "One day,", "--engine", engines[0]],
    ...["--temperature", "0.8", "--top-p", "0.9", "--seed", "1", "--max-new-tokens", "60"],
  ]);
}
