// model.test.ts — the tfjs training model against the float64 oracle (engine-c/ts/reference.ts):
// logits on the cpu and wasm backends, gradients by finite differences of the oracle's loss,
// the two backends against each other, the loss mask, and reproducible dropout.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { LoraFile, NanoModelFile, F32Tensor } from "../../engine-c/ts/format.ts";
import { forwardSequence } from "../../engine-c/ts/reference.ts";
import { makeSyntheticVocab, ropeTables } from "../../engine-c/ts/synthetic.ts";
import { initBackend } from "../src/backend.ts";
import type { ModelConfig } from "../src/config.ts";
import { createModel, LORA_TARGETS, type NanoTfModel } from "../src/model.ts";

const BASE: ModelConfig = {
  blockSize: 12,
  vocabSize: 23,
  nLayer: 2,
  nEmbd: 16,
  nHead: 4,
  nKvHead: 2, // GQA: two query heads per key/value head
  nHidden: 24,
  causal: true,
  dropout: 0,
  tiedEmbeddings: true,
};
const LORA = { rank: 3, alpha: 6 };
const TOKENS = [
  [3, 17, 5, 9, 22, 0, 11, 8, 14, 2],
  [7, 7, 1, 20, 4, 13, 6, 19, 10, 15],
];

/** A tiny PRNG for test values (not the model's init). */
function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Overwrite every parameter with O(1)-scale random values so that every path shows. */
function randomize(model: NanoTfModel, seed: number): void {
  const random = uniforms(seed);
  for (const [name, v] of model.params) {
    const fanIn = v.shape.length === 2 ? v.shape[0] : 1;
    const bound = name.endsWith("norm") ? 0.5 : Math.sqrt(3 / fanIn);
    const center = name.endsWith("norm") ? 1 : 0;
    const data = Float32Array.from({ length: v.size }, () => center + bound * (2 * random() - 1));
    v.assign(tf.tensor(data, v.shape));
  }
}

/** (in, out) tfjs matrix → the .bin's (out, in) F32 tensor. */
function fileMatrix(v: tf.Variable): F32Tensor {
  const [inDim, outDim] = v.shape;
  const data = tf.tidy(() => tf.transpose(v).dataSync() as Float32Array);
  return { type: "f32", rows: outDim, cols: inDim, data: Float32Array.from(data) };
}

/** The model as a NanoModelFile (+ LoRA file when it has adapters), for the reference pass. */
function toFiles(model: NanoTfModel): { file: NanoModelFile; lora: LoraFile | null } {
  const c = model.config;
  const p = (name: string) => model.params.get(name)!;
  const vector = (name: string) => Float32Array.from(p(name).dataSync());
  const perLayer = (w: string) =>
    Array.from({ length: c.nLayer }, (_, l) => fileMatrix(p(`layers.${l}.${w}`)));
  const hd = c.nEmbd / c.nHead;
  const rope = ropeTables(c.blockSize, hd);
  const embedding = p("tok_embeddings");
  const file: NanoModelFile = {
    header: {
      majorVersion: 2025,
      minorVersion: 12,
      modelType: 0,
      configLength: 32,
      quantType: 0,
      groupSize: 0,
    },
    config: { ...c, isSharedClassifier: c.tiedEmbeddings, headDim: hd },
    vocab: makeSyntheticVocab(c.vocabSize),
    weights: {
      attentionNorm: Array.from({ length: c.nLayer }, (_, l) =>
        vector(`layers.${l}.attention_norm`),
      ),
      ffnNorm: Array.from({ length: c.nLayer }, (_, l) => vector(`layers.${l}.ffn_norm`)),
      norm: vector("norm"),
      // the embedding is (V, E) in both layouts: a lookup table, not a projection
      tokEmbeddings: {
        type: "f32",
        rows: c.vocabSize,
        cols: c.nEmbd,
        data: Float32Array.from(embedding.dataSync()),
      },
      wq: perLayer("wq"),
      wk: perLayer("wk"),
      wv: perLayer("wv"),
      wo: perLayer("wo"),
      w1: perLayer("w1"),
      w2: perLayer("w2"),
      w3: perLayer("w3"),
      freqsCos: { type: "f32", rows: c.blockSize, cols: hd / 2, data: rope.cos },
      freqsSin: { type: "f32", rows: c.blockSize, cols: hd / 2, data: rope.sin },
    },
  };
  if (!c.tiedEmbeddings) file.weights.output = fileMatrix(p("output"));
  if (!model.lora) return { file, lora: null };
  // file A is (rank, in) = our (in, rank)ᵀ; file B is (out, rank) = our (rank, out)ᵀ
  const adapters = (w: string, ab: "a" | "b") =>
    Array.from({ length: c.nLayer }, (_, l) => fileMatrix(p(`layers.${l}.${w}.lora_${ab}`)));
  const lora: LoraFile = {
    header: { majorVersion: 2024, minorVersion: 10, configLength: 32 },
    rank: model.lora.rank,
    alpha: model.lora.alpha,
    base: {
      nLayer: c.nLayer,
      nEmbd: c.nEmbd,
      nHead: c.nHead,
      nKvHead: c.nKvHead,
      nHidden: c.nHidden,
    },
    reserved: 0,
    wqA: adapters("wq", "a"),
    wqB: adapters("wq", "b"),
    wkA: adapters("wk", "a"),
    wkB: adapters("wk", "b"),
    wvA: adapters("wv", "a"),
    wvB: adapters("wv", "b"),
    woA: adapters("wo", "a"),
    woB: adapters("wo", "b"),
  };
  return { file, lora };
}

/** The oracle's masked mean cross-entropy, in float64. */
function referenceLoss(model: NanoTfModel, targets: number[][], mask: number[][]): number {
  const { file, lora } = toFiles(model);
  let sum = 0;
  let count = 0;
  TOKENS.forEach((row, b) => {
    const logits = forwardSequence(file, row, { causal: model.config.causal, lora });
    logits.forEach((l, t) => {
      const max = Math.max(...l);
      const logSumExp = max + Math.log(l.reduce((s, v) => s + Math.exp(v - max), 0));
      sum += mask[b][t] * (logSumExp - l[targets[b][t]]);
      count += mask[b][t];
    });
  });
  return sum / count;
}

const tokens = () => tf.tensor2d(TOKENS, undefined, "int32");
const TARGETS = TOKENS.map((row) => row.map((t) => (t * 5 + 3) % BASE.vocabSize));
const FULL_MASK = TOKENS.map((row) => row.map(() => 1));

function lossAndGrads(model: NanoTfModel, mask = FULL_MASK, seed?: number) {
  const vars = model.trainable.map((n) => model.params.get(n)!);
  const { value, grads } = tf.variableGrads(
    () => model.loss(tokens(), tf.tensor2d(TARGETS, undefined, "int32"), tf.tensor2d(mask), seed),
    vars,
  );
  const byName = new Map(
    model.trainable.map((n) => [n, grads[model.params.get(n)!.name].dataSync()]),
  );
  return { loss: value.dataSync()[0], grads: byName };
}

const VARIANTS: { name: string; config: ModelConfig; lora?: typeof LORA }[] = [
  { name: "causal, tied", config: BASE },
  { name: "non-causal, tied", config: { ...BASE, causal: false } },
  { name: "causal, untied", config: { ...BASE, tiedEmbeddings: false } },
  {
    name: "non-causal, untied, LoRA",
    config: { ...BASE, causal: false, tiedEmbeddings: false },
    lora: LORA,
  },
  { name: "causal, tied, LoRA", config: BASE, lora: LORA },
];

describe.each(["cpu", "wasm"])("model on the %s backend", (backend) => {
  beforeAll(async () => {
    expect(await initBackend(backend)).toBe(backend);
  });

  it.each(VARIANTS)("logits equal the reference ($name)", ({ config, lora }) => {
    const model = createModel(config, 5, lora);
    randomize(model, 11);
    const logits = model.logits(tokens());
    expect(logits.shape).toEqual([2, TOKENS[0].length, config.vocabSize]);
    const ours = logits.arraySync();
    const { file, lora: loraFile } = toFiles(model);
    let worst = 0;
    TOKENS.forEach((row, b) => {
      const expected = forwardSequence(file, row, { causal: config.causal, lora: loraFile });
      expected.forEach((l, t) =>
        l.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours[b][t][i])))),
      );
    });
    expect(worst).toBeLessThan(1e-4);
    logits.dispose();
    model.dispose();
  });
});

describe("gradients", () => {
  // a few entries of each kind of parameter, against central differences of the float64 oracle
  it.each(VARIANTS)("match finite differences ($name)", async ({ config, lora }) => {
    await initBackend("cpu");
    const model = createModel(config, 3, lora);
    randomize(model, 17);
    const { loss, grads } = lossAndGrads(model);
    expect(Math.abs(loss - referenceLoss(model, TARGETS, FULL_MASK))).toBeLessThan(1e-5);
    const h = 1e-3;
    const checked = model.trainable.filter((n) =>
      /^(tok_embeddings|output|norm|layers\.1\.(wq|wk|wv|wo|w1|w2|attention_norm)(\.lora_[ab])?)$/.test(
        n,
      ),
    );
    expect(checked.length).toBeGreaterThan(3);
    for (const name of checked) {
      const v = model.params.get(name)!;
      const values = Float32Array.from(v.dataSync());
      for (const index of [0, Math.floor(v.size / 2), v.size - 1]) {
        const original = values[index];
        const lossAt = (x: number) => {
          values[index] = x;
          v.assign(tf.tensor(values, v.shape));
          return referenceLoss(model, TARGETS, FULL_MASK);
        };
        // the perturbation is applied to float32 weights: divide by the step actually taken
        const up = Math.fround(original + h);
        const down = Math.fround(original - h);
        const numeric = (lossAt(up) - lossAt(down)) / (up - down);
        lossAt(original);
        const analytic = grads.get(name)![index];
        expect(Math.abs(analytic - numeric), `${name}[${index}]`).toBeLessThan(
          2e-4 + 1e-3 * Math.abs(numeric),
        );
      }
    }
    model.dispose();
  });

  it.each(VARIANTS)("are the same on wasm and cpu ($name)", async ({ config, lora }) => {
    const run = async (backend: string) => {
      await initBackend(backend);
      const model = createModel(config, 9, lora);
      randomize(model, 23);
      const result = lossAndGrads(model, FULL_MASK, config.dropout > 0 ? 4 : undefined);
      model.dispose();
      return result;
    };
    const cpu = await run("cpu");
    const wasm = await run("wasm");
    expect(Math.abs(cpu.loss - wasm.loss)).toBeLessThan(1e-4);
    for (const [name, g] of cpu.grads) {
      const other = wasm.grads.get(name)!;
      let worst = 0;
      for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - other[i]));
      expect(worst, name).toBeLessThan(1e-4);
    }
  });
});

describe("loss mask and dropout", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("ignores masked positions and averages over the rest", () => {
    const model = createModel(BASE, 2);
    randomize(model, 29);
    const mask = TOKENS.map((row, b) => row.map((_, t) => ((t + b) % 3 === 0 ? 0 : 1)));
    const masked = lossAndGrads(model, mask).loss;
    expect(Math.abs(masked - referenceLoss(model, TARGETS, mask))).toBeLessThan(1e-5);
    // changing the targets where the mask is 0 changes nothing
    const otherTargets = TARGETS.map((row, b) =>
      row.map((t, i) => (mask[b][i] ? t : (t + 1) % BASE.vocabSize)),
    );
    const again = model.loss(
      tokens(),
      tf.tensor2d(otherTargets, undefined, "int32"),
      tf.tensor2d(mask),
    );
    expect(again.dataSync()[0]).toBeCloseTo(masked, 6);
    // an all-zero mask is a zero loss, not NaN
    const none = model.loss(
      tokens(),
      tf.tensor2d(TARGETS, undefined, "int32"),
      tf.zeros([2, TOKENS[0].length]),
    );
    expect(none.dataSync()[0]).toBe(0);
    model.dispose();
  });

  it("repeats the same dropout masks for the same seed, and none without one", () => {
    const config = { ...BASE, dropout: 0.2 };
    const model = createModel(config, 2, LORA);
    const first = lossAndGrads(model, FULL_MASK, 42);
    const second = lossAndGrads(model, FULL_MASK, 42);
    const other = lossAndGrads(model, FULL_MASK, 43);
    expect(second.loss).toBe(first.loss);
    for (const [name, g] of first.grads)
      expect(Array.from(second.grads.get(name)!)).toEqual(Array.from(g));
    expect(other.loss).not.toBe(first.loss);
    // without a seed the model is deterministic and equals the dropout-free model
    const plain = createModel({ ...config, dropout: 0 }, 2, LORA);
    const a = model.logits(tokens()).dataSync();
    const b = plain.logits(tokens()).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    model.dispose();
    plain.dispose();
  });

  it("initialises the same from the same seed, with the documented scales", () => {
    const a = createModel(BASE, 7, LORA);
    const b = createModel(BASE, 7, LORA);
    for (const [name, v] of a.params)
      expect(Array.from(v.dataSync()), name).toEqual(Array.from(b.params.get(name)!.dataSync()));
    const std = (name: string) =>
      tf.tidy(() => tf.moments(a.params.get(name)!).variance.sqrt().dataSync()[0]);
    expect(std("tok_embeddings")).toBeCloseTo(0.02, 2);
    expect(std("layers.0.w2")).toBeCloseTo(0.02 / Math.sqrt(2 * BASE.nLayer), 2);
    expect(Array.from(a.params.get("norm")!.dataSync())).toEqual(new Array(BASE.nEmbd).fill(1));
    expect(
      a.params
        .get("layers.0.wq.lora_b")!
        .dataSync()
        .every((x) => x === 0),
    ).toBe(true);
    expect(a.trainable.every((n) => n.includes(".lora_"))).toBe(true);
    expect(a.trainable).toHaveLength(BASE.nLayer * LORA_TARGETS.length * 2);
    a.dispose();
    b.dispose();
  });
});
