// (nano model) against the C engine (its WebAssembly build, driven in-process through
// engine-c/ts/engine.ts, which the engine-c tests hold to the native build): logits at every
// step, greedy tokens, attention and residual observations, Q8_0, LoRA, unshared classifiers,
// non-causal seq2seq, the plain and fast kernels, and the errors a bad call gets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine-c/ts/engine.ts";
import { quantizeModel, readModel, writeLora, writeModel } from "../../engine-c/ts/format.ts";
import { makeSyntheticLora, makeSyntheticModel } from "../../engine-c/ts/synthetic.ts";
import { Primitive, Sym } from "../../interpreter/src/values.ts";
import {
  modelBytes,
  newScheme,
  PSYCHO_GREEDY_PREFIX,
  PSYCHO_PROMPT_IDS,
  fromScheme,
  schemeError,
  sharedModel,
  toScheme,
} from "./helpers.ts";

const psycho = sharedModel("psycho-230k.bin");
const sort6 = sharedModel("sort-6.bin");

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});
afterAll(() => engine?.dispose());

/* ---- helpers ---------------------------------------------------------------------------------- */

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

interface Step {
  token: number;
  logits: ArrayLike<number>;
  /** [layer][head] weights over positions 0..pos, when observed */
  attention?: Float32Array[][];
  /** [0] the embedding, [l+1] after layer l, when observed */
  residual?: Float32Array[];
}

/** Prompt tokens one at a time, then `steps` greedy tokens: every step's logits (like `dump`). */
function cEngineSteps(
  bytes: Uint8Array,
  prompt: readonly number[],
  steps: number,
  opts: { lora?: Uint8Array; observe?: boolean } = {},
): Step[] {
  const info = engine.load(bytes);
  if (opts.lora) engine.loadLora(opts.lora);
  if (opts.observe) engine.observe({ attention: true, residual: true });
  engine.reset();
  const out: Step[] = [];
  const take = (token: number, logits: Float32Array): void => {
    const step: Step = { token, logits: logits.slice() };
    if (opts.observe) {
      step.attention = [];
      for (let l = 0; l < info.config.nLayer; l++)
        step.attention.push(engine.attention(l).map((w) => Float32Array.from(w)));
      step.residual = [];
      for (let i = 0; i <= info.config.nLayer; i++)
        step.residual.push(Float32Array.from(engine.residual(i)));
    }
    out.push(step);
  };
  let logits = new Float32Array(0);
  for (const id of prompt) take(id, (logits = engine.step(id)));
  for (let s = 0; s < steps; s++) {
    const next = argmax(logits);
    take(next, (logits = engine.step(next)));
  }
  engine.observe({});
  return out;
}

/** The same steps on the Scheme engine, with everything the observer reported. */
function schemeSteps(
  bytes: Uint8Array,
  prompt: readonly number[],
  steps: number,
  opts: { lora?: Uint8Array; observe?: boolean; plain?: boolean } = {},
): Step[] {
  const out: Step[] = [];
  let current: Step | null = null;
  const { scheme } = newScheme({
    "model-bytes": bytes,
    "lora-bytes": opts.lora ?? false,
    prompt: toScheme([...prompt]),
    steps,
    "record-step!": new Primitive(
      "record-step!",
      (token: number, logits: Float32Array) => {
        const step: Step = current ?? { token, logits };
        step.token = token;
        step.logits = logits.slice();
        out.push(step);
        current = null;
      },
      2,
      2,
    ),
    "observe!": new Primitive(
      "observe!",
      (kind: Sym, _pos, layer, head, data: Float32Array) => {
        current ??= { token: -1, logits: [], attention: [], residual: [] };
        if (kind.name === "embedding") current.residual!.push(data.slice());
        if (kind.name === "residual") current.residual!.push(data.slice());
        if (kind.name === "attention") {
          (current.attention![layer as number] ??= [])[head as number] = data.slice();
        }
        return false;
      },
      5,
      5,
    ),
  });
  scheme.run(
    `(import (scheme base) (nano format) (nano model) (test data))
     (define model (bytevector->model model-bytes))
     (define session (make-session model (and lora-bytes (bytevector->lora lora-bytes))))
     ${opts.observe ? "(set-observer! observe!)" : ""}
     ${opts.plain ? "(use-fast-kernels! #f)" : ""}
     (define (step! token)
       (let ((logits (forward! session token)))
         (record-step! token logits)
         logits))
     (let loop ((ids prompt) (logits #f))
       (if (pair? ids)
           (loop (cdr ids) (step! (car ids)))
           (let greedy ((n steps) (logits logits))
             (when (> n 0) (greedy (- n 1) (step! (argmax logits)))))))`,
    "model-test.scm",
  );
  return out;
}

/**
 * Same tokens and bit-identical logits at every step (and observations, when recorded): the
 * Scheme engine computes in float32 in the C engine's order, so nothing may differ at all.
 */
function expectSameSteps(scheme: Step[], c: Step[]): void {
  expect(scheme.map((s) => s.token)).toEqual(c.map((s) => s.token));
  for (let i = 0; i < c.length; i++) {
    expect(maxAbsDiff(scheme[i].logits, c[i].logits), `logits of step ${i}`).toBe(0);
    if (!c[i].attention) continue;
    for (let l = 0; l < c[i].attention!.length; l++)
      for (let h = 0; h < c[i].attention![l].length; h++)
        expect(maxAbsDiff(scheme[i].attention![l][h], c[i].attention![l][h])).toBe(0);
    for (let r = 0; r < c[i].residual!.length; r++)
      expect(maxAbsDiff(scheme[i].residual![r], c[i].residual![r])).toBe(0);
  }
}

/** A small synthetic model's bytes (F32 or Q8_0, shared or unshared classifier). */
function synthetic(quant: "f32" | "q8_0", shared = true, seed = 3): Uint8Array {
  return writeModel(
    makeSyntheticModel({
      config: {
        blockSize: 32,
        vocabSize: 96,
        nLayer: 2,
        nEmbd: 32,
        nHead: 4,
        nKvHead: 2,
        nHidden: 64,
        isSharedClassifier: shared,
      },
      quant,
      groupSize: 16,
      seed,
    }),
  );
}

/* ---- the real model ----------------------------------------------------------------------------- */

describe.skipIf(!psycho)("psycho-230k (F32) against the C engine", () => {
  const bytes = psycho ? modelBytes(psycho) : new Uint8Array();

  it("reproduces the golden first step and greedy prefix", () => {
    const steps = schemeSteps(bytes, PSYCHO_PROMPT_IDS, 6);
    const first = steps[PSYCHO_PROMPT_IDS.length - 1].logits;
    expect(argmax(first)).toBe(188);
    expect(first[188]).toBeCloseTo(5.6438, 3);
    expect(steps.slice(PSYCHO_PROMPT_IDS.length).map((s) => s.token)).toEqual(PSYCHO_GREEDY_PREFIX);
  });

  it("greedy 64 tokens identical, logits bit-identical at every step, for several prompts", () => {
    const tokens = (text: string): number[] => engine.encode(text);
    engine.load(bytes);
    const prompts = [PSYCHO_PROMPT_IDS, tokens("精神分析"), tokens("梦"), tokens("我们的欲望与")];
    for (const prompt of prompts) {
      const c = cEngineSteps(bytes, prompt, 64);
      expectSameSteps(schemeSteps(bytes, prompt, 64), c);
    }
  });

  it("observes the same attention weights and residual stream as the C engine", () => {
    const c = cEngineSteps(bytes, PSYCHO_PROMPT_IDS, 4, { observe: true });
    const scheme = schemeSteps(bytes, PSYCHO_PROMPT_IDS, 4, { observe: true });
    expect(scheme[3].attention!.length).toBe(8);
    expect(scheme[3].attention![0].length).toBe(4);
    expect(scheme[3].attention![0][0].length).toBe(4); // position 3 sees positions 0..3
    expectSameSteps(scheme, c);
  });

  it("a Q8_0 copy gives the C engine's Q8_0 tokens and logits, bit for bit", () => {
    const q8 = writeModel(quantizeModel(readModel(bytes)));
    const c = cEngineSteps(q8, PSYCHO_PROMPT_IDS, 64);
    expectSameSteps(schemeSteps(q8, PSYCHO_PROMPT_IDS, 64), c);
  });

  it("runs a LoRA module like the C engine", () => {
    const model = readModel(bytes);
    const lora = writeLora(makeSyntheticLora(model.config, 4, 8, 7));
    const c = cEngineSteps(bytes, PSYCHO_PROMPT_IDS, 10, { lora });
    engine.unloadLora();
    expectSameSteps(schemeSteps(bytes, PSYCHO_PROMPT_IDS, 10, { lora }), c);
  });
});

/* ---- synthetic models: every storage and classifier layout --------------------------------------- */

describe("synthetic models against the C engine", () => {
  const prompt = [2, 17, 40, 9, 63];
  for (const quant of ["f32", "q8_0"] as const) {
    for (const shared of [true, false]) {
      it(`${quant}, ${shared ? "shared" : "unshared"} classifier, with and without LoRA`, () => {
        const bytes = synthetic(quant, shared);
        expectSameSteps(schemeSteps(bytes, prompt, 20), cEngineSteps(bytes, prompt, 20));
        const lora = writeLora(makeSyntheticLora(readModel(bytes).config, 2, 4, 11));
        const c = cEngineSteps(bytes, prompt, 8, { lora });
        engine.unloadLora();
        expectSameSteps(schemeSteps(bytes, prompt, 8, { lora }), c);
      });
    }
  }

  it("the plain Scheme kernels give exactly the fast kernels' logits", () => {
    for (const quant of ["f32", "q8_0"] as const) {
      const bytes = synthetic(quant);
      const fast = schemeSteps(bytes, prompt, 6);
      const plain = schemeSteps(bytes, prompt, 6, { plain: true });
      for (let i = 0; i < fast.length; i++)
        expect(Array.from(plain[i].logits)).toEqual(Array.from(fast[i].logits));
    }
  });

  it("a causal forward-sequence equals feeding the tokens one by one", () => {
    const bytes = synthetic("f32");
    const steps = schemeSteps(bytes, prompt, 0);
    const { scheme } = newScheme({ "model-bytes": bytes, prompt: toScheme(prompt) });
    const all = scheme.run(
      `(import (scheme base) (nano format) (nano model) (test data))
       (forward-sequence (bytevector->model model-bytes) prompt #t)`,
    ) as Float32Array[];
    expect(all.length).toBe(prompt.length);
    for (let i = 0; i < all.length; i++) expect(maxAbsDiff(all[i], steps[i].logits)).toBe(0);
  });
});

/* ---- non-causal: sort-6 ------------------------------------------------------------------------- */

describe.skipIf(!sort6)("sort-6 seq2seq", () => {
  it("sorts like the C engine on 300 inputs, including the golden ones", () => {
    const bytes = modelBytes(sort6!);
    engine.load(bytes);
    const inputs = ["654321", "102938", "114515", "000000", "999999"];
    let seed = 12345;
    while (inputs.length < 300) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      inputs.push(String(seed % 1000000).padStart(6, "0"));
    }
    const ids = inputs.map((s) => engine.encode(s));
    const expected = ids.map((x) => engine.seq2seq(x));
    const { scheme } = newScheme({ "model-bytes": bytes, inputs: toScheme(ids) });
    const got = scheme.run(
      `(import (scheme base) (nano format) (nano model) (test data))
       (define model (bytevector->model model-bytes))
       (map (lambda (ids) (seq2seq model ids)) inputs)`,
    );
    const outputs = fromScheme(got) as number[][];
    expect(outputs).toEqual(expected);
    expect(engine.decode(outputs[0])).toBe("123456");
    expect(engine.decode(outputs[1])).toBe("012389");
  });
});

/* ---- errors --------------------------------------------------------------------------------------- */

describe("errors", () => {
  const bytes = synthetic("f32");
  const prelude = `(import (scheme base) (nano format) (nano model) (test data))
                   (define model (bytevector->model model-bytes))`;

  it("rejects a token outside the vocabulary", () => {
    expect(
      schemeError(`${prelude} (forward! (make-session model) 96)`, { "model-bytes": bytes }),
    ).toMatch(/token id outside the vocabulary 96 96/);
    expect(
      schemeError(`${prelude} (forward! (make-session model) -1)`, { "model-bytes": bytes }),
    ).toMatch(/token id outside the vocabulary/);
  });

  it("refuses to go past block_size, and a reset starts again", () => {
    expect(
      schemeError(
        `${prelude} (define s (make-session model))
         (do ((i 0 (+ i 1))) ((= i 33)) (forward! s 5))`,
        { "model-bytes": bytes },
      ),
    ).toMatch(/the context is full \(block_size tokens\) 32/);
    const { scheme } = newScheme({ "model-bytes": bytes });
    expect(
      scheme.run(`${prelude} (define s (make-session model))
                  (do ((i 0 (+ i 1))) ((= i 32)) (forward! s 5))
                  (session-reset! s) (forward! s 5) (session-position s)`),
    ).toBe(1);
  });

  it("refuses a LoRA module made for another model", () => {
    const other = makeSyntheticModel({
      config: {
        blockSize: 8,
        vocabSize: 96,
        nLayer: 3,
        nEmbd: 32,
        nHead: 4,
        nKvHead: 2,
        nHidden: 64,
      },
    });
    const lora = writeLora(makeSyntheticLora(other.config, 2, 4));
    expect(
      schemeError(`${prelude} (make-session model (bytevector->lora lora-bytes))`, {
        "model-bytes": bytes,
        "lora-bytes": lora,
      }),
    ).toMatch(/lora/i);
  });

  it("refuses a sequence longer than block_size", () => {
    expect(
      schemeError(`${prelude} (seq2seq model (vector->list (make-vector 33 1)))`, {
        "model-bytes": bytes,
      }),
    ).toMatch(/does not fit block_size 33 32/);
  });
});
