// npm run bench:scheme-engine — tokens per second of the Scheme transformer on psycho-230k
// (a 6-token prompt, then 64 greedy tokens), run the ways a learner runs it, beside the C engine
// (WebAssembly in this process, and the native build) in the same run.
//
//   scheme fast          compiled normally, the fast dot-product kernels (the default)
//   scheme debug         compiled for the debugger with a breakpoint armed in (nano model)
//   scheme plain         the plain Scheme dot products (use-fast-kernels! #f)
//   scheme plain debug   both: what stepping into the dot product costs
//
// Each figure is the best of --runs (default 3). Decode tokens/s counts the 64 new tokens;
// prefill is the 6 prompt tokens. The last line is one JSON object.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Engine } from "../../engine-c/ts/engine.ts";
import { writeModel } from "../../engine-c/ts/format.ts";
import { makeSyntheticModel } from "../../engine-c/ts/synthetic.ts";
import { nodeInterpreter } from "../../interpreter/src/node.ts";
import { Pair, Primitive } from "../../interpreter/src/values.ts";
import { nativeEngine, PSYCHO_PROMPT_IDS, run, sharedModel } from "../../engine-c/test/helpers.ts";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const RUNS = Math.max(1, Number(args.runs));
const NEW_TOKENS = 64;
const schemeLib = resolve(import.meta.dirname, "..");
const modelSource = join(schemeLib, "nano", "model.sld");

// The real model, or a synthetic one of the same shape when ../shared is absent.
const psycho = sharedModel("psycho-230k.bin");
const modelPath = psycho ?? "(synthetic, psycho-230k's shape)";
const bytes = psycho
  ? new Uint8Array(readFileSync(psycho))
  : writeModel(
      makeSyntheticModel({
        config: {
          blockSize: 512,
          vocabSize: 4096,
          nLayer: 8,
          nEmbd: 32,
          nHead: 4,
          nKvHead: 2,
          nHidden: 96,
        },
      }),
    );

interface Rates {
  prefill: number;
  decode: number;
  ids: number[];
}

const DRIVER = `
(import (scheme base) (nano format) (nano model) (bench data))
(define model (bytevector->model model-bytes))
(define session (make-session model))
(use-fast-kernels! fast?)
(start!)
(define (feed ids logits) (if (null? ids) logits (feed (cdr ids) (forward! session (car ids)))))
(let ((logits (feed prompt #f)))
  (tick!)
  (let loop ((n new-tokens) (logits logits) (ids '()))
    (if (= n 0)
        (done! (reverse ids))
        (let ((next (argmax logits)))
          (loop (- n 1) (forward! session next) (cons next ids))))))`;

/** One generation on the Scheme engine, timed around the prompt and around the new tokens. */
function schemeOnce(fast: boolean, debug: boolean): Rates {
  let start = 0;
  let prefilled = 0;
  let end = 0;
  const ids: number[] = [];
  let prompt: unknown = null;
  for (let i = PSYCHO_PROMPT_IDS.length - 1; i >= 0; i--)
    prompt = new Pair(PSYCHO_PROMPT_IDS[i], prompt);
  const scheme = nodeInterpreter({ stdout: () => {}, searchPath: [schemeLib] });
  scheme.defineHostLibrary(["bench", "data"], {
    "model-bytes": bytes,
    prompt,
    "new-tokens": NEW_TOKENS,
    "fast?": fast,
    "start!": new Primitive("start!", () => ((start = performance.now()), false), 0, 0),
    "tick!": new Primitive("tick!", () => ((prefilled = performance.now()), false), 0, 0),
    "done!": new Primitive(
      "done!",
      (list: unknown) => {
        end = performance.now();
        for (let p = list; p instanceof Pair; p = p.cdr) ids.push(p.car as number);
        return false;
      },
      1,
      1,
    ),
  });
  // The breakpoint is armed on a line generation never reaches (the context-full error), so the
  // figure is the steady cost of running under the debugger, not of stopping.
  const armedLine =
    readFileSync(modelSource, "utf8")
      .split("\n")
      .findIndex((l) => l.includes("the context is full")) + 1;
  scheme.run(DRIVER, "bench-driver.scm", {
    debug,
    breakpoints: debug ? [{ file: modelSource, line: armedLine }] : undefined,
  });
  return {
    prefill: PSYCHO_PROMPT_IDS.length / ((prefilled - start) / 1000),
    decode: NEW_TOKENS / ((end - prefilled) / 1000),
    ids,
  };
}

function best(label: string, once: () => Rates): Rates {
  let top: Rates | null = null;
  for (let i = 0; i < RUNS; i++) {
    const r = once();
    if (!top || r.decode > top.decode) top = r;
  }
  console.log(
    `${label.padEnd(22)} decode ${top!.decode.toFixed(1).padStart(9)} tok/s   prefill ${top!.prefill
      .toFixed(1)
      .padStart(9)} tok/s`,
  );
  return top!;
}

/** The C engine compiled to WebAssembly, in this process, one thread. */
async function wasmRates(): Promise<Rates> {
  const engine = await Engine.create({ threads: 1 });
  try {
    engine.load(bytes);
    return best("C engine (wasm)", () => {
      engine.reset();
      const t0 = performance.now();
      let logits = engine.prefill(PSYCHO_PROMPT_IDS);
      const t1 = performance.now();
      const ids: number[] = [];
      for (let i = 0; i < NEW_TOKENS; i++) {
        let next = 0;
        for (let j = 1; j < logits.length; j++) if (logits[j] > logits[next]) next = j;
        ids.push(next);
        logits = engine.step(next);
      }
      const t2 = performance.now();
      return {
        prefill: PSYCHO_PROMPT_IDS.length / ((t1 - t0) / 1000),
        decode: NEW_TOKENS / ((t2 - t1) / 1000),
        ids,
      };
    });
  } finally {
    engine.dispose();
  }
}

/** The native C engine's own benchmark (one thread), when it is built and the model is a file. */
function nativeRates(): Rates | null {
  if (!psycho || !existsSync(nativeEngine)) return null;
  const args = [
    "bench",
    "--model",
    psycho,
    "--prefill-tokens",
    "6",
    "--decode-tokens",
    "64",
    "--threads",
    "1",
  ];
  let top: Rates | null = null;
  for (let i = 0; i < RUNS; i++) {
    const r = run(nativeEngine, args);
    if (r.status !== 0) return null;
    const j = JSON.parse(r.stdout) as { prefill_tokens_per_s: number; decode_tokens_per_s: number };
    if (!top || j.decode_tokens_per_s > top.decode)
      top = { prefill: j.prefill_tokens_per_s, decode: j.decode_tokens_per_s, ids: [] };
  }
  console.log(
    `${"C engine (native)".padEnd(22)} decode ${top!.decode.toFixed(1).padStart(9)} tok/s   prefill ${top!.prefill
      .toFixed(1)
      .padStart(9)} tok/s`,
  );
  return top;
}

console.log(
  `model: ${modelPath}; prompt ${PSYCHO_PROMPT_IDS.length} tokens, ${NEW_TOKENS} new (greedy); best of ${RUNS}`,
);
const fast = best("scheme fast", () => schemeOnce(true, false));
const debug = best("scheme debug (armed)", () => schemeOnce(true, true));
const plain = best("scheme plain", () => schemeOnce(false, false));
const plainDebug = best("scheme plain debug", () => schemeOnce(false, true));
const wasm = await wasmRates();
const native = nativeRates();
if (native === null)
  console.log("C engine (native)      skipped (needs the model file and npm run build:native)");

// Every way of running gives the same tokens (the engines agree bit for bit).
for (const r of [debug, plain, plainDebug, wasm])
  if (r.ids.join() !== fast.ids.join()) throw new Error("the runs generated different tokens");

const TARGET_FAST = 30;
const TARGET_DEBUG = 5;
console.log(
  `targets: fast ≥ ${TARGET_FAST} tok/s ${fast.decode >= TARGET_FAST ? "met" : "MISSED"}, ` +
    `debugger armed ≥ ${TARGET_DEBUG} tok/s ${debug.decode >= TARGET_DEBUG ? "met" : "MISSED"}`,
);
const round = (x: number): number => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    model: psycho ? "psycho-230k" : "synthetic-psycho-shape",
    prompt_tokens: PSYCHO_PROMPT_IDS.length,
    new_tokens: NEW_TOKENS,
    scheme_fast_tok_s: round(fast.decode),
    scheme_debug_armed_tok_s: round(debug.decode),
    scheme_plain_tok_s: round(plain.decode),
    scheme_plain_debug_armed_tok_s: round(plainDebug.decode),
    wasm_tok_s: round(wasm.decode),
    native_tok_s: native ? round(native.decode) : null,
    scheme_fast_vs_wasm: round((fast.decode / wasm.decode) * 1000) / 1000,
    target_fast_met: fast.decode >= TARGET_FAST,
    target_debug_met: debug.decode >= TARGET_DEBUG,
  }),
);
