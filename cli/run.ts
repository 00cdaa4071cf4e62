// `nanolm run` and `nanolm seq2seq`: generate with the native, the WebAssembly or the Scheme
// engine. All take the same flags and print the same JSON (the CLI contract in README.md).
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { CliError, existingFile, numberFlag, parseFlags, required } from "./common.ts";

const RUN_USAGE = `usage: nanolm run --model PATH --prompt TEXT [options]

Generate text from a prompt.

options:
  --engine E                 native, wasm or scheme: which engine runs it (default native)
  --max-new-tokens N         stop after N new tokens (default: up to 256, within block_size)
  --temperature T            0 = greedy (default 1.0)
  --top-k K                  sample from the K most likely tokens (default 0 = off)
  --top-p P                  nucleus sampling threshold (default 1.0 = off)
  --repetition-penalty R     penalize tokens already seen (default 1.0 = off)
  --seed S                   random seed; the same seed gives the same text (default: from the clock)
  --lora PATH                apply a LoRA module
  --instruct                 wrap the prompt in the instruction template
  --ignore-eos               keep generating after <|eos|>
  --threads N                worker threads (default: CPU count, at most 8; scheme: one)
  --json                     print one JSON object instead of streaming text`;

const SEQ2SEQ_USAGE = `usage: nanolm seq2seq --model PATH --input TEXT [--engine native|wasm|scheme] [--threads N] [--json]

Run a non-causal (sequence-to-sequence) model: the input must be exactly block_size tokens;
the output is the most likely token at every position (e.g. sort-6: 654321 → 123456).`;

const engineFlag = { type: "string" } as const;

/** Threads to use when the user did not say: the CPU count, at most 8. */
function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

function engineChoice(raw: string | undefined): "native" | "wasm" | "scheme" {
  const engine = raw ?? "native";
  if (engine !== "native" && engine !== "wasm" && engine !== "scheme") {
    throw new CliError(`--engine must be native, wasm or scheme, got '${engine}'`, 2);
  }
  return engine;
}

/** nanolm run */
export async function runCommand(argv: string[]): Promise<number> {
  const { values: v } = parseFlags(
    argv,
    {
      model: { type: "string" },
      prompt: { type: "string" },
      engine: engineFlag,
      "max-new-tokens": { type: "string" },
      temperature: { type: "string" },
      "top-k": { type: "string" },
      "top-p": { type: "string" },
      "repetition-penalty": { type: "string" },
      seed: { type: "string" },
      lora: { type: "string" },
      instruct: { type: "boolean" },
      "ignore-eos": { type: "boolean" },
      threads: { type: "string" },
      json: { type: "boolean" },
    },
    RUN_USAGE,
  );
  const options: RunOptions = {
    model: existingFile(required("model", v.model, RUN_USAGE)),
    prompt: required("prompt", v.prompt, RUN_USAGE),
    maxNewTokens: numberFlag("max-new-tokens", v["max-new-tokens"], { min: 0, integer: true }),
    temperature: numberFlag("temperature", v.temperature, { min: 0 }) ?? 1,
    topK: numberFlag("top-k", v["top-k"], { min: 0, integer: true }) ?? 0,
    topP: numberFlag("top-p", v["top-p"], { min: 0, max: 1 }) ?? 1,
    repetitionPenalty: numberFlag("repetition-penalty", v["repetition-penalty"], { min: 0 }) ?? 1,
    seed: numberFlag("seed", v.seed, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }),
    lora: v.lora === undefined ? undefined : existingFile(v.lora),
    instruct: v.instruct ?? false,
    ignoreEos: v["ignore-eos"] ?? false,
    threads:
      numberFlag("threads", v.threads, { min: 1, max: 64, integer: true }) ?? defaultThreads(),
    json: v.json ?? false,
  };
  if (options.repetitionPenalty <= 0) throw new CliError("--repetition-penalty must be > 0", 2);
  if (options.prompt === "") throw new CliError("--prompt is empty", 2);
  const engine = engineChoice(v.engine);
  if (engine === "native")
    return (await import("./native.ts")).runNative(["run", ...withoutEngine(argv)]);
  if (engine === "scheme") return (await import("./run-scheme.ts")).runScheme(options);
  const { runWasm } = await import("./run-wasm.ts");
  return runWasm(options);
}

/** nanolm seq2seq */
export async function seq2seqCommand(argv: string[]): Promise<number> {
  const { values: v } = parseFlags(
    argv,
    {
      model: { type: "string" },
      input: { type: "string" },
      engine: engineFlag,
      threads: { type: "string" },
      json: { type: "boolean" },
    },
    SEQ2SEQ_USAGE,
  );
  const options: Seq2SeqOptions = {
    model: existingFile(required("model", v.model, SEQ2SEQ_USAGE)),
    input: required("input", v.input, SEQ2SEQ_USAGE),
    threads:
      numberFlag("threads", v.threads, { min: 1, max: 64, integer: true }) ?? defaultThreads(),
    json: v.json ?? false,
  };
  const engine = engineChoice(v.engine);
  if (engine === "native")
    return (await import("./native.ts")).runNative(["seq2seq", ...withoutEngine(argv)]);
  if (engine === "scheme") return (await import("./run-scheme.ts")).seq2seqScheme(options);
  const { seq2seqWasm } = await import("./run-wasm.ts");
  return seq2seqWasm(options);
}

/** Drop --engine (and its value) so the remaining flags can go to the native engine as they are. */
function withoutEngine(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--engine") i++;
    else if (!argv[i].startsWith("--engine=")) out.push(argv[i]);
  }
  return out;
}

export interface RunOptions {
  model: string;
  prompt: string;
  maxNewTokens?: number;
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
  seed?: number;
  lora?: string;
  instruct: boolean;
  ignoreEos: boolean;
  threads: number;
  json: boolean;
}

export interface Seq2SeqOptions {
  model: string;
  input: string;
  threads: number;
  json: boolean;
}

/** Read a whole file as bytes, with a clear error. */
export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
}
