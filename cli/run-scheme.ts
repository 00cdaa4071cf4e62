// `nanolm run|seq2seq --engine scheme`: the same contract as the native and WebAssembly engines
// (flags, streamed text, one JSON object), on the readable Scheme engine in scheme-lib/. The
// Scheme side is scheme-lib/nano/cli-driver.scm; this file gives it the command line, the file
// bytes and the output through the host library (nanolm cli), and times prefill and decode.
import { join } from "node:path";
import type { Interpreter } from "../interpreter/src/interpreter.ts";
import { nodeInterpreter } from "../interpreter/src/node.ts";
import { SchemeError } from "../interpreter/src/errors.ts";
import { writeString } from "../interpreter/src/printer.ts";
import { checkList } from "../interpreter/src/runtime/args.ts";
import { ErrorObject, MString, Primitive, Sym } from "../interpreter/src/values.ts";
import { CliError, repoRoot } from "./common.ts";
import { readBytes, type RunOptions, type Seq2SeqOptions } from "./run.ts";

const schemeLib = join(repoRoot, "scheme-lib");

/** Makes the interpreter the driver runs in. The start-up snapshot (cli/scheme-snapshot.ts)
 *  replaces it with its prebuilt interpreter, so a run skips building one (~1 s under tsx). */
let makeInterpreter = (searchPath: string[]): Interpreter =>
  nodeInterpreter({
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    searchPath,
  });

export function useSchemeInterpreter(make: (searchPath: string[]) => Interpreter): void {
  makeInterpreter = make;
}
const driver = join(schemeLib, "nano", "cli-driver.scm");

/** Which file an error is about while the driver is at a stage (see `stage!` in the driver). */
type Stage = "model" | "lora" | "generate";

/** What the driver reports back. */
interface Outcome {
  promptIds: number[];
  /** How many tokens generation could produce at most (within max-new-tokens and block_size). */
  budget: number;
  outputIds: number[];
  text: string;
  /** performance.now() when the driver started, the prompt had run, generation ended. */
  startMs: number;
  prefilledMs?: number;
  /** seq2seq */
  inputIds?: number[];
}

const ids = (who: string, list: unknown): number[] => checkList(who, list) as number[];

/** Run the driver for `command` with these option values; returns what it reported. */
function runDriver(
  command: "run" | "seq2seq",
  options: Record<string, unknown>,
  files: { model: string; lora?: string },
  onToken: (text: string) => void,
): Outcome {
  const modelBytes = readBytes(files.model);
  const loraBytes = files.lora === undefined ? false : readBytes(files.lora);
  const outcome: Outcome = { promptIds: [], budget: 0, outputIds: [], text: "", startMs: 0 };
  let stage: Stage = "model";
  const values: Record<string, unknown> = { ...options, command: Sym.intern(command) };
  const host = {
    "model-bytes": new Primitive("model-bytes", () => modelBytes, 0, 0),
    "lora-bytes": new Primitive("lora-bytes", () => loraBytes, 0, 0),
    "cli-option": new Primitive(
      "cli-option",
      (name: Sym) => {
        if (!(name.name in values)) throw new Error(`cli-option: no option ${name.name}`);
        const v = values[name.name];
        return typeof v === "string" ? MString.from(v, false) : v;
      },
      1,
      1,
    ),
    "stage!": new Primitive(
      "stage!",
      (s: Sym) => {
        stage = s.name as Stage;
      },
      1,
      1,
    ),
    "prompt-encoded!": new Primitive(
      "prompt-encoded!",
      (list: unknown, budget: number) => {
        outcome.promptIds = ids("prompt-encoded!", list);
        outcome.budget = budget;
        outcome.startMs = performance.now();
      },
      2,
      2,
    ),
    "prefill-done!": new Primitive(
      "prefill-done!",
      () => {
        outcome.prefilledMs = performance.now();
      },
      0,
      0,
    ),
    "emit-token!": new Primitive(
      "emit-token!",
      (id: number, text: MString) => {
        const s = text.toString();
        outcome.outputIds.push(id);
        outcome.text += s;
        onToken(s);
      },
      2,
      2,
    ),
    "seq2seq-done!": new Primitive(
      "seq2seq-done!",
      (input: unknown, output: unknown, text: MString) => {
        outcome.inputIds = ids("seq2seq-done!", input);
        outcome.outputIds = ids("seq2seq-done!", output);
        outcome.text = text.toString();
      },
      3,
      3,
    ),
  };
  const scheme = makeInterpreter([schemeLib]);
  scheme.defineHostLibrary(["nanolm", "cli"], host);
  try {
    scheme.runFile(driver);
  } catch (e) {
    if (e instanceof SchemeError) {
      const where = stage === "model" ? files.model : stage === "lora" ? files.lora : undefined;
      const message = errorText(e.payload);
      throw new CliError(where ? `${where}: ${message}` : message);
    }
    throw e;
  } finally {
    scheme.flush();
  }
  return outcome;
}

/** A Scheme error as one line: the message without its "nano LIBRARY: " prefix, then the
 *  irritants as `write` shows them. */
function errorText(error: unknown): string {
  if (!(error instanceof ErrorObject)) return `uncaught ${writeString(error)}`;
  const message = String(error.message).replace(/^nano [a-z-]+: /, "");
  const irritants = (error.irritants ?? []).map((x) => writeString(x));
  return [message, ...irritants].join(" ");
}

/** Tokens per second, 0 when nothing was timed. */
function rate(tokens: number, ms: number): number {
  return tokens > 0 && ms > 0 ? tokens / (ms / 1000) : 0;
}

/** Print a value as JSON on one line (the contract's single object). */
function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

/** nanolm run --engine scheme (--threads is accepted and ignored: the engine is one thread). */
export function runScheme(o: RunOptions): number {
  const outcome = runDriver(
    "run",
    {
      prompt: o.prompt,
      instruct: o.instruct,
      "max-new-tokens": o.maxNewTokens ?? false,
      temperature: o.temperature,
      "top-k": o.topK,
      "top-p": o.topP,
      "repetition-penalty": o.repetitionPenalty,
      seed: o.seed ?? false,
      "ignore-eos": o.ignoreEos,
    },
    { model: o.model, lora: o.lora },
    (text) => {
      if (!o.json) process.stdout.write(text);
    },
  );
  const endMs = performance.now();
  if (o.json) {
    const prefilled = outcome.prefilledMs ?? endMs;
    // Every token but the last is run through the model, unless generation stopped at <|eos|>
    // or the end of the context, after running the last one (as the C engine counts).
    const n = outcome.outputIds.length;
    const steps = n > 0 && n === outcome.budget ? n - 1 : n;
    printJson({
      prompt_ids: outcome.promptIds,
      output_ids: outcome.outputIds,
      text: outcome.text,
      stats: {
        prefill_tokens_per_s: rate(outcome.promptIds.length, prefilled - outcome.startMs),
        decode_tokens_per_s: rate(steps, endMs - prefilled),
      },
    });
  } else {
    process.stdout.write("\n");
  }
  return 0;
}

/** nanolm seq2seq --engine scheme */
export function seq2seqScheme(o: Seq2SeqOptions): number {
  const outcome = runDriver("seq2seq", { input: o.input }, { model: o.model }, () => {});
  if (o.json)
    printJson({ input_ids: outcome.inputIds, output_ids: outcome.outputIds, text: outcome.text });
  else process.stdout.write(outcome.text + "\n");
  return 0;
}
