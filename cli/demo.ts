// `nanolm demo` (what `npm start` runs until the playground exists): a short tour of the engines
// on the models at hand — the sort model as sequence-to-sequence, then the text model generating.
import { parseFlags, sharedModel } from "./common.ts";
import { runNative } from "./native.ts";

const USAGE = `usage: nanolm demo [--engine native|wasm]

A short tour: the original Nano sort model sorts digits, then the psycho-230k text model
generates. Needs the two Nano models in ../shared/nano-models (or NANOLM_SHARED).`;

/** nanolm demo */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { engine: { type: "string" } }, USAGE);
  const engine = values.engine ?? "native";
  const sort6 = sharedModel("sort-6.bin");
  const psycho = sharedModel("psycho-230k.bin");
  if (!sort6 || !psycho) {
    process.stdout.write(
      "NanoLM demo: the original Nano models were not found in ../shared/nano-models.\n" +
        "NanoLM's own bundled models arrive with the training issue; until then point\n" +
        "NANOLM_SHARED at a folder holding nano-models/sort-6.bin and psycho-230k.bin.\n",
    );
    return 0;
  }
  const say = (line: string) => process.stdout.write(line + "\n");
  const engineFlags = ["--engine", engine];
  const exec = async (args: string[]) => {
    if (engine === "native") return runNative(args);
    const { runCommand, seq2seqCommand } = await import("./run.ts");
    const [cmd, ...rest] = args;
    return cmd === "run"
      ? runCommand([...rest, ...engineFlags])
      : seq2seqCommand([...rest, ...engineFlags]);
  };

  say(`NanoLM demo — ${engine} engine\n`);
  say("1. sort-6 is a non-causal model: it sees all six digits at once and writes them sorted.");
  for (const input of ["654321", "102938", "114515"]) {
    process.stdout.write(`   ${input} → `);
    const status = await exec(["seq2seq", "--model", sort6, "--input", input]);
    if (status !== 0) return status;
  }
  say(
    "\n2. psycho-230k is a 230k-parameter Chinese text model; greedy decoding from 人类的本质是:",
  );
  process.stdout.write("   人类的本质是");
  const status = await exec([
    "run",
    "--model",
    psycho,
    "--prompt",
    "人类的本质是",
    "--temperature",
    "0",
    "--max-new-tokens",
    "48",
  ]);
  if (status !== 0) return status;
  say("\n3. Sampled instead (temperature 0.8, top-p 0.9, seed 1):");
  process.stdout.write("   人类的本质是");
  return exec([
    "run",
    "--model",
    psycho,
    "--prompt",
    "人类的本质是",
    "--temperature",
    "0.8",
    "--top-p",
    "0.9",
    "--seed",
    "1",
    "--max-new-tokens",
    "48",
  ]);
}
