// The WebAssembly engine through its TypeScript wrapper (engine-c/ts/engine.ts): golden outputs on
// the real Nano models, agreement with itself (threads, prefill vs steps, seeds) and with the
// native engine (ids exactly, logits and observations to 1e-4), LoRA modules and bad input.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Engine, NanoEngineError, type ModelInfo } from "../ts/engine.ts";
import { quantizeModel, readModel, writeModel } from "../ts/format.ts";
import { makeSyntheticModel } from "../ts/synthetic.ts";
import {
  CUT_SHAPE,
  edgeShapeModel,
  EDGE_SHAPES,
  modelBytes,
  nativeEngine,
  repoRoot,
  PSYCHO_GREEDY_PREFIX,
  PSYCHO_PROMPT,
  PSYCHO_PROMPT_IDS,
  run,
  sharedModel,
  tempDir,
} from "./helpers.ts";

const psycho = sharedModel("psycho-230k.bin");
const sort6 = sharedModel("sort-6.bin");
const hasNative = existsSync(nativeEngine);
if (!hasNative)
  console.warn(`SKIPPED: native comparisons need ${nativeEngine} (npm run build:native)`);

/* ---- helpers ---------------------------------------------------------------------------------- */

/** Greedy ids of `generate` (EOS ignored, so the count is exact). */
async function greedy(engine: Engine, prompt: readonly number[], n: number): Promise<number[]> {
  const ids: number[] = [];
  for await (const t of engine.generate(prompt, {
    maxNewTokens: n,
    ignoreEos: true,
    sampler: { temperature: 0 },
  }))
    ids.push(t.id);
  return ids;
}

/** Index of the largest value, lowest index on ties (the engine's greedy rule). */
function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A deterministic generator of small floats in [-scale, scale) (mulberry32). */
function smallRandom(seed: number, scale: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  };
}

interface LoraShape {
  rank: number;
  alpha: number;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nKvHead: number;
  nHidden: number;
}

/** The bytes of a LoRA module (NANO-FORMAT.md §5) with small random tensors. */
function makeLora(shape: LoraShape, seed: number): Uint8Array {
  const { rank, nLayer, nEmbd, nHead, nKvHead } = shape;
  const headDim = nEmbd / nHead;
  const qDim = nHead * headDim;
  const kvDim = nKvHead * headDim;
  // (in_features, out_features) of wq, wk, wv, wo, in file order.
  const projections: [number, number][] = [
    [nEmbd, qDim],
    [nEmbd, kvDim],
    [nEmbd, kvDim],
    [qDim, nEmbd],
  ];
  let floats = 0;
  for (const [inF, outF] of projections) floats += nLayer * (rank * inF + outF * rank);
  const bytes = new Uint8Array(256 + floats * 4);
  const view = new DataView(bytes.buffer);
  const header = [0x42443453, 0x55524c4d, 2025, 12, 10, 32];
  const config = [rank, shape.alpha, nLayer, nEmbd, nHead, nKvHead, shape.nHidden, 0];
  [...header, ...config].forEach((x, i) => view.setInt32(4 * i, x, true));
  const next = smallRandom(seed, 0.1);
  for (let off = 256; off < bytes.length; off += 4) view.setFloat32(off, next(), true);
  return bytes;
}

/** LoRA shape that fits psycho-230k. */
function psychoLoraShape(info: ModelInfo, rank = 4): LoraShape {
  const c = info.config;
  return {
    rank,
    alpha: 8,
    nLayer: c.nLayer,
    nEmbd: c.nEmbd,
    nHead: c.nHead,
    nKvHead: c.nKvHead,
    nHidden: c.nHidden,
  };
}

interface DumpStep {
  pos: number;
  token: number;
  logits: number[];
  attention?: number[][][];
  residual?: number[][];
}

/** The native engine's `dump` of a prompt plus greedy steps. */
function nativeDump(args: string[]): DumpStep[] {
  const r = run(nativeEngine, ["dump", ...args]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return (JSON.parse(r.stdout) as { steps: DumpStep[] }).steps;
}

/** The same steps as `dump` (prompt one token at a time, then greedy), on the WASM engine. */
function wasmDump(
  engine: Engine,
  prompt: readonly number[],
  steps: number,
  observe: boolean,
): DumpStep[] {
  const { nLayer } = engine.info.config;
  const record = (pos: number, token: number, logits: Float32Array): DumpStep => {
    const step: DumpStep = { pos, token, logits: Array.from(logits) };
    if (observe) {
      step.attention = Array.from({ length: nLayer }, (_, l) =>
        engine.attention(l).map((h) => Array.from(h)),
      );
      step.residual = Array.from({ length: nLayer + 1 }, (_, i) => Array.from(engine.residual(i)));
    }
    return step;
  };
  engine.observe({ attention: observe, residual: observe });
  engine.reset();
  const out: DumpStep[] = [];
  let logits = new Float32Array(0);
  for (const id of prompt) {
    const pos = engine.position;
    logits = engine.step(id);
    out.push(record(pos, id, logits));
  }
  for (let s = 0; s < steps; s++) {
    const id = argmax(logits);
    const pos = engine.position;
    logits = engine.step(id);
    out.push(record(pos, id, logits));
  }
  engine.observe({});
  return out;
}

/** Native and WASM dumps agree: same tokens, logits (and observations, where both have them) within 1e-4. */
function expectSameDump(wasm: DumpStep[], native: DumpStep[]): void {
  expect(wasm.map((s) => s.token)).toEqual(native.map((s) => s.token));
  expect(wasm.map((s) => s.pos)).toEqual(native.map((s) => s.pos));
  for (let i = 0; i < native.length; i++) {
    expect(maxAbsDiff(wasm[i].logits, native[i].logits)).toBeLessThan(1e-4);
    if (native[i].attention && wasm[i].attention) {
      expect(maxAbsDiff(wasm[i].attention!.flat(2), native[i].attention!.flat(2))).toBeLessThan(
        1e-4,
      );
      expect(maxAbsDiff(wasm[i].residual!.flat(), native[i].residual!.flat())).toBeLessThan(1e-4);
    }
  }
}

/* ---- psycho-230k ------------------------------------------------------------------------------ */

describe.skipIf(!psycho)("WASM engine on psycho-230k", () => {
  let one: Engine; // 1 thread
  let two: Engine; // 2 threads
  let bytes: Uint8Array;
  let info: ModelInfo;

  beforeAll(async () => {
    bytes = modelBytes(psycho!);
    one = await Engine.create({ threads: 1 });
    two = await Engine.create({ threads: 2 });
    info = one.load(bytes);
    two.load(bytes);
  });
  afterAll(() => {
    one?.dispose();
    two?.dispose();
  });

  it("reports the model's config and parameter count", () => {
    expect(info.config).toMatchObject({
      blockSize: 512,
      vocabSize: 4096,
      nLayer: 8,
      nEmbd: 32,
      nHead: 4,
      nKvHead: 2,
    });
    expect(info.config).toMatchObject({
      nHidden: 96,
      headDim: 8,
      isSharedClassifier: true,
      quantType: "F32",
    });
    expect(info.paramCount).toBe(229_920);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
  });

  it("tokenizes the golden prompt and decodes it back", () => {
    expect(one.encode(PSYCHO_PROMPT)).toEqual(PSYCHO_PROMPT_IDS);
    expect(one.decode(PSYCHO_PROMPT_IDS)).toBe(PSYCHO_PROMPT);
    expect(one.decodeToken(3)).toBe("<|eos|>");
    expect(one.isSpecial(3)).toBe(true);
    expect(one.isSpecial(PSYCHO_PROMPT_IDS[0])).toBe(false);
    expect(one.encode("")).toEqual([]);
  });

  it("first step: top logit is id 188 at about 5.6438", () => {
    one.reset();
    const logits = one.prefill(PSYCHO_PROMPT_IDS);
    expect(argmax(logits)).toBe(188);
    expect(logits[188]).toBeCloseTo(5.6438, 3);
    expect(one.position).toBe(PSYCHO_PROMPT_IDS.length);
    expect(Array.from(one.logits())).toEqual(Array.from(logits));
  });

  it("greedy 64 tokens start with the golden ids, identically at 1 and 2 threads", async () => {
    const a = await greedy(one, PSYCHO_PROMPT_IDS, 64);
    const b = await greedy(two, PSYCHO_PROMPT_IDS, 64);
    expect(a).toHaveLength(64);
    expect(a.slice(0, 6)).toEqual(PSYCHO_GREEDY_PREFIX);
    expect(one.decode(a).startsWith("一切个体的普遍")).toBe(true);
    expect(b).toEqual(a);
    const stats = one.stats;
    expect(stats.promptTokens).toBe(6);
    expect(stats.decodeTokens).toBe(63);
  });

  it("1 and 2 threads give bit-identical logits", () => {
    one.reset();
    two.reset();
    expect(Array.from(two.prefill(PSYCHO_PROMPT_IDS))).toEqual(
      Array.from(one.prefill(PSYCHO_PROMPT_IDS)),
    );
    expect(Array.from(two.step(188))).toEqual(Array.from(one.step(188)));
  });

  it("prefill and step-by-step give bit-identical logits", () => {
    for (const engine of [one, two]) {
      engine.reset();
      const batched = Array.from(engine.prefill(PSYCHO_PROMPT_IDS));
      engine.reset();
      let stepped = new Float32Array(0);
      for (const id of PSYCHO_PROMPT_IDS) stepped = engine.step(id);
      expect(Array.from(stepped)).toEqual(batched);
      // A second prefill continues from the current position.
      const more = Array.from(engine.prefill([188, 589]));
      engine.reset();
      engine.prefill(PSYCHO_PROMPT_IDS);
      engine.step(188);
      expect(Array.from(engine.step(589))).toEqual(more);
    }
  });

  it("a seeded sampled run is reproducible, and the seed matters", async () => {
    const sampler = { temperature: 0.9, topK: 40, topP: 0.9, repetitionPenalty: 1.1 };
    const sampled = async (engine: Engine, seed: number | bigint) => {
      const ids: number[] = [];
      for await (const t of engine.generate(PSYCHO_PROMPT_IDS, {
        maxNewTokens: 48,
        sampler: { ...sampler, seed },
      }))
        ids.push(t.id);
      return ids;
    };
    const a = await sampled(one, 7);
    expect(await sampled(one, 7)).toEqual(a);
    expect(await sampled(two, 7)).toEqual(a);
    expect(await sampled(one, 8)).not.toEqual(a);
    // A 64-bit seed (BigInt) is accepted too.
    expect(await sampled(one, 2n ** 63n + 5n)).toHaveLength(48);
  });

  it("sample() draws from given logits like generate() does", async () => {
    one.setSampler({ temperature: 0 });
    const logits = new Float32Array(info.vocabSize);
    logits[42] = 1;
    expect(one.sample(logits, [])).toBe(42);
    // Repetition penalty 2 halves a positive logit of a seen id: 0.6 → 0.3 loses to 0.5.
    logits[42] = 0.6;
    logits[43] = 0.5;
    one.setSampler({ temperature: 0, repetitionPenalty: 2 });
    expect(one.sample(logits, [42])).toBe(43);
    // generate's first token with its logits.
    const first = await one
      .generate(PSYCHO_PROMPT_IDS, {
        maxNewTokens: 1,
        sampler: { temperature: 0 },
        withLogits: true,
      })
      .next();
    expect(first.done).toBe(false);
    if (!first.done) {
      expect(first.value.id).toBe(188);
      expect(first.value.text).toBe(one.decodeToken(188));
      expect(argmax(first.value.logits!)).toBe(188);
    }
  });

  it("observes attention weights and the residual stream", () => {
    const { nLayer, nHead, nEmbd } = info.config;
    one.reset();
    expect(() => one.attention(0)).toThrow(/observe/);
    one.observe({ attention: true, residual: true });
    one.prefill(PSYCHO_PROMPT_IDS);
    one.step(188);
    for (let l = 0; l < nLayer; l++) {
      const heads = one.attention(l);
      expect(heads).toHaveLength(nHead);
      for (const h of heads) {
        expect(h).toHaveLength(PSYCHO_PROMPT_IDS.length + 1); // positions 0..pos
        expect(h.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
      }
    }
    for (let i = 0; i <= nLayer; i++) expect(one.residual(i)).toHaveLength(nEmbd);
    expect(() => one.attention(nLayer)).toThrow(NanoEngineError);
    expect(() => one.residual(nLayer + 1)).toThrow(NanoEngineError);
    one.observe({});
  });

  it("a LoRA module changes the logits; unloading restores the base exactly", () => {
    one.reset();
    const base = Array.from(one.prefill(PSYCHO_PROMPT_IDS));
    one.loadLora(makeLora(psychoLoraShape(info), 1));
    expect(one.hasLora).toBe(true);
    one.reset();
    const adapted = one.prefill(PSYCHO_PROMPT_IDS);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-3);
    // Replacing it with another module, then detaching.
    one.loadLora(makeLora(psychoLoraShape(info, 2), 2));
    one.reset();
    expect(maxAbsDiff(one.prefill(PSYCHO_PROMPT_IDS), adapted)).toBeGreaterThan(1e-4);
    one.unloadLora();
    expect(one.hasLora).toBe(false);
    one.reset();
    expect(Array.from(one.prefill(PSYCHO_PROMPT_IDS))).toEqual(base);
  });

  it("a LoRA module for another base model is rejected with a clear error", () => {
    const wrong = makeLora({ ...psychoLoraShape(info), nHidden: 64 }, 3);
    expect(() => one.loadLora(wrong)).toThrow(/another base model|n_hidden/);
    try {
      one.loadLora(wrong);
    } catch (e) {
      expect(e).toBeInstanceOf(NanoEngineError);
      expect((e as NanoEngineError).code).toBe(-4);
    }
    const truncated = makeLora(psychoLoraShape(info), 4).slice(0, 1000);
    expect(() => one.loadLora(truncated)).toThrow(NanoEngineError);
    expect(one.hasLora).toBe(false);
  });

  it("a prompt longer than the context and ids out of range are clear errors", () => {
    one.reset();
    expect(() => one.prefill(new Array(513).fill(188))).toThrow(/block_size/);
    expect(() => one.prefill([])).toThrow(NanoEngineError);
    expect(() => one.step(4096)).toThrow(/out of range/);
    expect(() => one.step(-1)).toThrow(/out of range/);
    expect(one.position).toBe(0);
  });

  describe.skipIf(!hasNative)("agrees with the native engine", () => {
    it("greedy 64 ids are identical", async () => {
      const r = run(nativeEngine, [
        "run",
        "--model",
        psycho!,
        "--prompt",
        PSYCHO_PROMPT,
        "--temperature",
        "0",
        "--max-new-tokens",
        "64",
        "--ignore-eos",
        "--json",
      ]);
      expect(r.status).toBe(0);
      const native = JSON.parse(r.stdout) as { output_ids: number[] };
      expect(await greedy(one, PSYCHO_PROMPT_IDS, 64)).toEqual(native.output_ids);
    });

    it("logits, attention and residuals of every step within 1e-4", () => {
      const native = nativeDump([
        "--model",
        psycho!,
        "--prompt",
        PSYCHO_PROMPT,
        "--steps",
        "10",
        "--observe",
      ]);
      expectSameDump(wasmDump(one, PSYCHO_PROMPT_IDS, 10, true), native);
      expectSameDump(wasmDump(two, PSYCHO_PROMPT_IDS, 10, false), native);
    });

    it("with a LoRA module, logits within 1e-4", () => {
      const path = join(tempDir(), "psycho.lora.bin");
      const lora = makeLora(psychoLoraShape(info), 5);
      writeFileSync(path, lora);
      const native = nativeDump([
        "--model",
        psycho!,
        "--prompt",
        PSYCHO_PROMPT,
        "--steps",
        "6",
        "--lora",
        path,
      ]);
      one.loadLora(lora);
      try {
        expectSameDump(wasmDump(one, PSYCHO_PROMPT_IDS, 6, false), native);
      } finally {
        one.unloadLora();
      }
    });

    it("a Q8_0 copy: identical greedy ids, logits within 1e-4", async () => {
      const q8 = writeModel(quantizeModel(readModel(bytes)));
      const path = join(tempDir(), "psycho-q8.bin");
      writeFileSync(path, q8);
      const engine = await Engine.create({ threads: 2 });
      try {
        expect(engine.load(q8).config.quantType).toBe("Q8_0");
        const native = nativeDump(["--model", path, "--prompt", PSYCHO_PROMPT, "--steps", "16"]);
        expectSameDump(wasmDump(engine, PSYCHO_PROMPT_IDS, 16, false), native);
      } finally {
        engine.dispose();
      }
    });
  });
});

/* ---- sort-6 ----------------------------------------------------------------------------------- */

describe.skipIf(!sort6)("WASM engine on sort-6 (non-causal seq2seq)", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    engine.load(modelBytes(sort6!));
  });
  afterAll(() => engine?.dispose());

  for (const [input, sorted] of [
    ["654321", "123456"],
    ["102938", "012389"],
    ["114515", "111455"],
  ]) {
    it(`${input} → ${sorted}`, () => {
      const ids = engine.encode(input);
      expect(ids).toHaveLength(6);
      expect(engine.decode(engine.seq2seq(ids))).toBe(sorted);
    });
  }

  it("an input of the wrong length is a clear error", () => {
    expect(() => engine.seq2seq(engine.encode("123"))).toThrow(/exactly block_size \(6\)/);
  });

  it("a prompt longer than block_size is a clear error", () => {
    engine.reset();
    expect(() => engine.prefill(engine.encode("1234567"))).toThrow(/block_size is 6/);
  });
});

/* ---- bad files -------------------------------------------------------------------------------- */

describe.skipIf(!sort6)("WASM engine refuses bad model files", () => {
  let engine: Engine;
  let good: Uint8Array;
  beforeAll(async () => {
    engine = await Engine.create();
    good = modelBytes(sort6!);
  });
  afterAll(() => engine?.dispose());

  const patched = (offset: number, value: number) => {
    const copy = good.slice();
    new DataView(copy.buffer).setInt32(offset, value, true);
    return copy;
  };

  it("a truncated file", () => {
    expect(() => engine.load(good.slice(0, good.length - 100))).toThrow(/bytes/);
    try {
      engine.load(good.slice(0, good.length - 100));
    } catch (e) {
      expect((e as NanoEngineError).code).toBe(-2);
    }
  });

  it("an empty file, a wrong magic, a zero n_layer, a LoRA module given as a model", () => {
    expect(() => engine.load(new Uint8Array(0))).toThrow(NanoEngineError);
    expect(() => engine.load(patched(0, 0x12345678))).toThrow(/magic/i);
    expect(() => engine.load(patched(32, 0))).toThrow(/n_layer/);
    expect(() => engine.load(patched(16, 10))).toThrow(/LoRA/);
  });

  it("the engine still works after a failed load", () => {
    expect(() => engine.load(patched(0, 0))).toThrow(NanoEngineError);
    expect(() => engine.encode("1")).toThrow(/no model loaded/);
    engine.load(good);
    expect(engine.decode(engine.seq2seq(engine.encode("654321")))).toBe("123456");
  });

  it("a disposed engine says so", async () => {
    const e = await Engine.create();
    e.load(good);
    e.dispose();
    e.dispose(); // idempotent
    expect(() => e.encode("1")).toThrow(/disposed/);
  });
});

/* ---- without a model -------------------------------------------------------------------------- */

describe("WASM engine without a model", () => {
  it("says what is missing, and measures memory bandwidth", async () => {
    const engine = await Engine.create({ threads: 2 });
    try {
      expect(() => engine.encode("x")).toThrow(/no model loaded/);
      expect(() => engine.info).toThrow(/no model loaded/);
      expect(engine.measureReadBandwidth(8 << 20, 1)).toBeGreaterThan(0);
    } finally {
      engine.dispose();
    }
    await expect(Engine.create({ threads: 0 })).rejects.toThrow(/threads/);
  });

  it.skipIf(!sort6)("a Node script that never disposes its engines still exits", async () => {
    // The pthread workers must not keep Node's event loop alive (see wasm/build.sh).
    const script = join(tempDir(), "no-dispose.mts");
    const engineUrl = pathToFileURL(join(repoRoot, "engine-c", "ts", "engine.ts")).href;
    writeFileSync(
      script,
      `import { readFileSync } from "node:fs";
import { Engine } from ${JSON.stringify(engineUrl)};
const engine = await Engine.create({ threads: 2 });
engine.load(new Uint8Array(readFileSync(${JSON.stringify(sort6)})));
console.log(engine.decode(engine.seq2seq(engine.encode("654321"))));
`,
    );
    // Spawned asynchronously, so that a hang fails the test at vitest's timeout.
    const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: repoRoot });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill();
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const status = await new Promise<number | null>((done) => child.on("close", done));
    expect(stderr).toBe("");
    expect(stdout.trim()).toBe("123456");
    expect(status).toBe(0);
  });
});

/* ---- profiling ---------------------------------------------------------------------------------- */

// Engine.profile: where the passes' time went (nano_session_profile). Only its structure and the
// nesting of its intervals can be checked (jobs inside passes, each thread's chunks inside the
// jobs, attention inside the chunks), not the figures themselves.
describe("WASM engine profile", () => {
  // every matrix over 64 KiB, so that 2 threads share the jobs
  const bytes = writeModel(makeSyntheticModel({ config: CUT_SHAPE, quant: "q8_0", seed: 16 }));
  for (const threads of [1, 2]) {
    it(`${threads} thread${threads > 1 ? "s" : ""}: intervals nest, one entry per thread`, async () => {
      const engine = await Engine.create({ threads });
      try {
        expect(() => engine.profile(true)).toThrow(/no model loaded/);
        engine.load(bytes);
        let logits = engine.prefill([7, 8, 9, 10, 11, 12, 13, 14]);
        engine.profile(true);
        for (let i = 0; i < 12; i++) logits = engine.step(argmax(logits));
        const p = engine.profileReport();
        expect(p.passes).toBe(12);
        expect(p.jobs).toBeGreaterThan(0);
        expect(p.busyMs).toHaveLength(threads);
        expect(p.attentionMs).toHaveLength(threads);
        for (const v of [p.startLagMs, p.endGapMs, ...p.busyMs, ...p.attentionMs])
          expect(v).toBeGreaterThanOrEqual(0);
        expect(p.jobMs).toBeLessThanOrEqual(p.passMs);
        for (const [t, busy] of p.busyMs.entries()) {
          expect(busy).toBeLessThanOrEqual(p.jobMs);
          expect(p.attentionMs[t]).toBeLessThanOrEqual(busy);
        }
        expect(p.attentionMs.reduce((a, b) => a + b)).toBeGreaterThan(0);
        if (threads === 1) expect([p.startLagMs, p.endGapMs]).toEqual([0, 0]);
        else expect(p.busyMs[0] + p.busyMs[1]).toBeGreaterThan(0);
        // off: nothing more is counted; on again: from zero
        engine.profile(false);
        engine.step(argmax(logits));
        expect(engine.profileReport()).toEqual(p);
        engine.profile(true);
        expect(engine.profileReport().passes).toBe(0);
      } finally {
        engine.dispose();
      }
    });
  }
});

/* ---- every build, the same bits ----------------------------------------------------------- */

// The kernels give every output the same operations in the same order on every build
// (kernels.c), including the Q8_0 matrices each build repacks at load time into its own tile
// layout. On shapes at the edges of those layouts (helpers.ts EDGE_SHAPES), the WASM engine's
// logits and observations equal the native engine's exactly, at 1 and 2 threads.
describe.skipIf(!hasNative)("synthetic shapes: WASM and native agree bit for bit", () => {
  const dir = tempDir();
  for (const [i, shape] of EDGE_SHAPES.entries()) {
    for (const quant of ["f32", "q8_0"] as const) {
      it(`n_embd ${shape.nEmbd}, ${quant}`, async () => {
        const bytes = edgeShapeModel(i, quant);
        const path = join(dir, `${i}-${quant}.bin`);
        writeFileSync(path, bytes);
        const prompt = [9, 20, 31, 42, 53, 64, 75];
        const native = nativeDump([
          "--model",
          path,
          "--ids",
          prompt.join(","),
          "--steps",
          "12",
          "--observe",
        ]);
        // `dump` prints each f32 with 9 significant digits: exactly that f32 once rounded back
        const f32 = (steps: DumpStep[]) =>
          JSON.stringify(steps, (_, v: unknown) => (typeof v === "number" ? Math.fround(v) : v));
        for (const threads of [1, 2]) {
          const engine = await Engine.create({ threads });
          try {
            engine.load(bytes);
            expect(f32(wasmDump(engine, prompt, 12, true))).toBe(f32(native));
          } finally {
            engine.dispose();
          }
        }
      });
    }
  }
});
