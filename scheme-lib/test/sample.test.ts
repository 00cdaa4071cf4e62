// (nano sample) against the C sampler: the oracle is engine-c/src/sampler.c itself, run through
// the WebAssembly build's exported nano_sampler_init / nano_sample (no TS transcription), on
// synthetic logits (random, tied, extreme, infinite, NaN) under every setting and many seeds.
// The PRNG is also checked against a BigInt transcription of xorshift64*.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolve } from "node:path";
import { nodeInterpreter } from "../../interpreter/src/node.ts";
import { arrayToList } from "../../interpreter/src/runtime/args.ts";
import { Primitive } from "../../interpreter/src/values.ts";
import { loadNanoWasm, type NanoEngineModule } from "../../engine-c/ts/wasm-loader.ts";

const schemeLib = resolve(import.meta.dirname, "..");

/* ---- the cases -------------------------------------------------------------------------------- */

interface Settings {
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
}

interface Case {
  name: string;
  settings: Settings;
  seed: number;
  /** Successive calls on one sampler (so the PRNG state carries over), each with its history. */
  calls: { logits: Float32Array; history: number[] }[];
}

/** mulberry32: a small deterministic generator of floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = "random" | "ties" | "extreme" | "peaked" | "infinite" | "nan";

/** Logits of one kind: a vocabulary of n, from generator `rand`. */
function makeLogits(kind: Kind, n: number, rand: () => number): Float32Array {
  const x = new Float32Array(n);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case "random":
        x[i] = (rand() - 0.5) * 12;
        break;
      case "ties": // few distinct values: many equal probabilities, ordered by id
        x[i] = pick([0, 0.5, 1, 1, 2, -1]);
        break;
      case "extreme": // near the float range, subnormals, zeros of both signs
        x[i] = pick([
          3e38,
          -3e38,
          1e30,
          -1e30,
          1e-40,
          -1e-40,
          0,
          -0,
          88.7,
          -103,
          (rand() - 0.5) * 1e6,
        ]);
        break;
      case "peaked": // one clear winner among small noise
        x[i] = (rand() - 0.5) * 0.01;
        break;
      case "infinite":
        x[i] = rand() < 0.01 ? pick([Infinity, -Infinity]) : (rand() - 0.5) * 8;
        break;
      case "nan":
        x[i] = rand() < 0.02 ? NaN : (rand() - 0.5) * 8;
        break;
    }
  }
  if (kind === "peaked") x[Math.floor(rand() * n)] = 5;
  return x;
}

const SETTINGS: Settings[] = [
  { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1 }, // greedy
  { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1.3 }, // greedy with a penalty
  { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 },
  { temperature: 0.8, topK: 0, topP: 1, repetitionPenalty: 1 },
  { temperature: 1.7, topK: 0, topP: 1, repetitionPenalty: 1 },
  { temperature: 1e-3, topK: 0, topP: 1, repetitionPenalty: 1 }, // logits / t overflow
  { temperature: 1e-50, topK: 0, topP: 1, repetitionPenalty: 1 }, // 0 as a float: greedy
  { temperature: 0.8, topK: 1, topP: 1, repetitionPenalty: 1 },
  { temperature: 0.8, topK: 40, topP: 1, repetitionPenalty: 1 },
  { temperature: 1, topK: 5, topP: 1, repetitionPenalty: 1 },
  { temperature: 1, topK: 100000, topP: 1, repetitionPenalty: 1 }, // k >= V: off
  { temperature: 0.8, topK: 0, topP: 0.9, repetitionPenalty: 1 },
  { temperature: 1, topK: 0, topP: 0.5, repetitionPenalty: 1 },
  { temperature: 1, topK: 0, topP: 0.999, repetitionPenalty: 1 },
  { temperature: 1, topK: 0, topP: 1e-9, repetitionPenalty: 1 }, // the single most probable
  { temperature: 0.8, topK: 40, topP: 0.9, repetitionPenalty: 1.1 },
  { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1.1 },
  { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 0.7 }, // < 1: favours repeats
  { temperature: 0.5, topK: 3, topP: 0.6, repetitionPenalty: 2 },
];

const KINDS: Kind[] = ["random", "ties", "extreme", "peaked", "infinite", "nan"];
const VOCABS = [1, 2, 7, 80, 512];
const SEEDS = [0, 1, 42, 123456789, Number.MAX_SAFE_INTEGER];

/** Every setting × kind, with vocabularies and seeds cycling; 3 calls per case. */
function makeCases(): Case[] {
  const cases: Case[] = [];
  const rand = mulberry32(2024);
  let k = 0;
  for (const settings of SETTINGS) {
    for (const kind of KINDS) {
      const n = VOCABS[k % VOCABS.length];
      const seed = SEEDS[Math.floor(k / VOCABS.length) % SEEDS.length];
      k++;
      const calls = [];
      const history: number[] = [-1, n + 3]; // out of range: ignored
      for (let c = 0; c < 3; c++) {
        for (let h = 0; h < 4; h++) history.push(Math.floor(rand() * n)); // with repeats
        calls.push({ logits: makeLogits(kind, n, rand), history: [...history] });
      }
      cases.push({
        name: `${kind} V=${n} seed=${seed} ${JSON.stringify(settings)}`,
        settings,
        seed,
        calls,
      });
    }
  }
  // A real vocabulary's size, the shape of a model's logits.
  for (const [i, settings] of SETTINGS.entries()) {
    const calls = [0, 1].map(() => ({
      logits: makeLogits("random", 4096, rand),
      history: [192, 561, 187, 293, 673, 190, 192],
    }));
    cases.push({ name: `V=4096 #${i}`, settings, seed: 7 + i, calls });
  }
  return cases;
}

/* ---- the C sampler through WebAssembly -------------------------------------------------------- */

let wasm: NanoEngineModule;

beforeAll(async () => {
  wasm = await loadNanoWasm({ threads: 1 });
});

afterAll(() => {
  wasm?.PThread.terminateAllThreads();
});

/** What one sample call gives: the id, and the float32 array C leaves behind (the probabilities,
 * or the penalized logits when greedy) as bit patterns, every NaN made the same. */
interface Pick {
  id: number;
  bits: number[];
}

function bitsOf(x: Float32Array): number[] {
  const canonical = Float32Array.from(x, (v) => (Number.isNaN(v) ? NaN : v));
  return Array.from(new Uint32Array(canonical.buffer));
}

/** What the C sampler gives for a case's calls. */
function cSample(c: Case): Pick[] {
  const m = wasm;
  const V = c.calls[0].logits.length;
  const sampler = m._malloc(64);
  const logits = m._malloc(V * 4);
  const history = m._malloc(1024 * 4);
  const scratch = m._malloc(V * 8);
  try {
    const s = c.settings;
    m._nano_sampler_init(
      sampler,
      s.temperature,
      s.topK,
      s.topP,
      s.repetitionPenalty,
      BigInt(c.seed),
    );
    return c.calls.map((call) => {
      new Float32Array(m.wasmMemory.buffer, logits, V).set(call.logits);
      new Int32Array(m.wasmMemory.buffer, history, call.history.length).set(call.history);
      const id = m._nano_sample(sampler, logits, V, history, call.history.length, scratch);
      return { id, bits: bitsOf(new Float32Array(m.wasmMemory.buffer, logits, V)) };
    });
  } finally {
    for (const p of [sampler, logits, history, scratch]) m._free(p);
  }
}

/* ---- the Scheme sampler ------------------------------------------------------------------------ */

/** What (nano sample) gives for every case, in one interpreter run. */
function schemeSample(cases: Case[]): Pick[][] {
  const scheme = nodeInterpreter({ searchPath: [schemeLib] });
  const at = (i: unknown) => cases[i as number];
  scheme.defineHostLibrary(["test", "cases"], {
    "case-count": new Primitive("case-count", () => cases.length, 0, 0),
    "case-settings": new Primitive(
      "case-settings",
      (i: unknown) => {
        const { temperature, topK, topP, repetitionPenalty } = at(i).settings;
        return arrayToList([temperature, topK, topP, repetitionPenalty, at(i).seed]);
      },
      1,
      1,
    ),
    "case-calls": new Primitive(
      "case-calls",
      (i: unknown) => arrayToList(at(i).calls.map((c) => [c.logits, arrayToList(c.history)])),
      1,
      1,
    ),
  });
  const program = `
    (import (scheme base) (srfi 4) (nano sample) (test cases))
    ;; Each case: a fresh sampler, then its calls in order; per call the id and a copy of the
    ;; probabilities.
    (define (run-case i)
      (let* ((s (case-settings i))
             (sp (apply make-sampler s)))
        (list->vector
         (map (lambda (call)
                (let ((id (sample! sp (vector-ref call 0) (vector-ref call 1))))
                  (vector id (f32vector-copy (sampler-probabilities sp)))))
              (case-calls i)))))
    (let loop ((i 0) (out '()))
      (if (= i (case-count)) (list->vector (reverse out)) (loop (+ i 1) (cons (run-case i) out))))`;
  const results = scheme.run(program, "sample-cases.scm") as [number, Float32Array][][];
  return results.map((calls) => calls.map(([id, probs]) => ({ id, bits: bitsOf(probs) })));
}

/* ---- the PRNG ---------------------------------------------------------------------------------- */

/** xorshift64* as sampler.c's header specifies it, in BigInt: the first n u32 draws. */
function xorshiftU32s(seed: bigint, n: number): number[] {
  const mask = (1n << 64n) - 1n;
  let s = (seed & mask) ^ 0x9e3779b97f4a7c15n;
  if (s === 0n) s = 1n;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s >> 12n;
    s ^= (s << 25n) & mask;
    s ^= s >> 27n;
    out.push(Number(((s * 0x2545f4914f6cdd1dn) & mask) >> 32n));
  }
  return out;
}

describe("(nano sample)", () => {
  it("draws the same u32 sequence as a BigInt xorshift64*", () => {
    const seeds = [
      0n,
      1n,
      42n,
      2n ** 53n + 1n,
      2n ** 64n - 1n,
      0x9e3779b97f4a7c15n /* state 0 → 1 */,
    ];
    const scheme = nodeInterpreter({ searchPath: [schemeLib] });
    const program = `
      (import (scheme base) (nano sample))
      (define (draws seed n)
        (let ((sp (make-sampler 1.0 0 1.0 1.0 seed)))
          (let loop ((k 0) (out '()))
            (if (= k n) (list->vector (reverse out)) (loop (+ k 1) (cons (random-u32! sp) out))))))
      (vector ${seeds.map((s) => `(draws ${s} 100)`).join(" ")})`;
    const got = scheme.run(program, "prng.scm") as number[][];
    seeds.forEach((seed, i) => expect(got[i], `seed ${seed}`).toEqual(xorshiftU32s(seed, 100)));
  });

  it("turns a draw into (u32 >> 8) / 2^24", () => {
    const scheme = nodeInterpreter({ searchPath: [schemeLib] });
    const got = scheme.run(
      `(import (scheme base) (nano sample))
       (let ((sp (make-sampler 1.0 0 1.0 1.0 99)))
         (vector (random-float! sp) (random-float! sp) (random-float! sp)))`,
      "float.scm",
    ) as unknown[];
    const want = xorshiftU32s(99n, 3).map((u) => (u >>> 8) / 16777216);
    expect(got.map((x) => Number((x as { value?: number }).value ?? x))).toEqual(want);
  });

  it("picks the same ids as the C sampler (WebAssembly) on synthetic logits", () => {
    const cases = makeCases();
    const got = schemeSample(cases);
    let compared = 0;
    cases.forEach((c, i) => {
      const want = cSample(c);
      expect(
        got[i].map((p) => p.id),
        c.name,
      ).toEqual(want.map((p) => p.id));
      // The probabilities too, bit for bit: a float32 rounding missed anywhere shows here even
      // when it is too small to change the pick.
      got[i].forEach((p, k) => {
        const diff = p.bits.findIndex((b, j) => b !== want[k].bits[j]);
        expect(diff, `${c.name} call ${k}: probabilities differ at id ${diff}`).toBe(-1);
      });
      compared += c.calls.length;
    });
    expect(compared).toBeGreaterThan(300);
  });

  it("leaves the caller's logits unchanged and accepts f64vectors", () => {
    const scheme = nodeInterpreter({ searchPath: [schemeLib] });
    const got = scheme.run(
      `(import (scheme base) (srfi 4) (nano sample))
       (define l32 (f32vector 1.5 0.25 3.0 -2.0))
       (define l64 (f64vector 1.5 0.25 3.0 -2.0))
       (define a (make-sampler 0.9 2 0.95 1.2 5))
       (define b (make-sampler 0.9 2 0.95 1.2 5))
       (vector (sample! a l32 '(2)) (sample! b l64 '(2)) (f32vector->vector l32))`,
      "f64.scm",
    ) as unknown[];
    expect(got[0]).toBe(got[1]);
    expect((got[2] as unknown[]).map((x) => Number((x as { value?: number }).value ?? x))).toEqual([
      1.5, 0.25, 3, -2,
    ]);
  });
});
