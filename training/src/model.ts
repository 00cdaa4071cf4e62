// model.ts — the Nano transformer in TensorFlow.js, for training: the same math as the reference
// forward pass (engine-c/ts/reference.ts, NANO-FORMAT.md §6) written with differentiable tfjs ops,
// plus what only training needs (dropout, seeded init, LoRA adapters). It mirrors nanoGPT's
// model.py: embedding → n_layer × (attention, feed-forward), pre-norm, residual → norm → logits.
//
// Matrices are stored (in, out) so that a projection is y = x·W with no transpose; the .bin file
// stores (out, in) and the exporter transposes.
import * as tf from "@tensorflow/tfjs";
import { ropeTables } from "../../engine-c/ts/synthetic.ts";
import type { ModelConfig } from "./config.ts";
import {
  fusedAttention,
  fusedAvailable,
  fusedCrossEntropy,
  fusedRmsNorm,
  fusedRope,
} from "./kernels/fused.ts";

/** RMSNorm's epsilon, as in the original (NANO-FORMAT.md §6). */
const RMS_NORM_EPS = 1e-5;
/** Added to the scores a query may not see; exp() of it is exactly 0 in float32. */
const MASKED_SCORE = -1e9;
/** The LoRA-adapted projections, as in the original's LoRA (§5). */
export const LORA_TARGETS = ["wq", "wk", "wv", "wo"] as const;

/** A Nano model whose parameters are tfjs variables, ready for the optimizer. */
export interface NanoTfModel {
  config: ModelConfig;
  /** every parameter by name (see parameterShapes); base + lora ones */
  params: Map<string, tf.Variable>;
  /** names of the parameters the optimizer updates (all, or only lora_* when LoRA) */
  trainable: string[];
  /** LoRA settings when the model carries adapters */
  lora?: { rank: number; alpha: number };
  /** logits (B, T, V) for tokens (B, T) int32. Dropout only when `dropoutSeed` is given
   *  (training): the same seed gives the same dropout masks, so a resumed run repeats a step. */
  logits(tokens: tf.Tensor2D, dropoutSeed?: number): tf.Tensor3D;
  /** mean cross-entropy over positions where mask = 1 (mask (B,T) float32), a scalar */
  loss(
    tokens: tf.Tensor2D,
    targets: tf.Tensor2D,
    mask: tf.Tensor2D,
    dropoutSeed?: number,
  ): tf.Scalar;
  /** free every variable and cached table */
  dispose(): void;
}

/** head_dim: each head's share of the embedding. */
export function headDim(c: ModelConfig): number {
  return c.nEmbd / c.nHead;
}

/** Check the shape is one the architecture (and the .bin format) can hold. */
export function checkModelConfig(c: ModelConfig): void {
  const ints: (keyof ModelConfig)[] = ["blockSize", "vocabSize", "nLayer", "nEmbd", "nHead"];
  for (const k of [...ints, "nKvHead", "nHidden"] as const) {
    const v = c[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
      throw new RangeError(`model.${k} must be a positive integer, got ${String(v)}`);
    }
  }
  if (c.nEmbd % c.nHead !== 0) throw new RangeError("model.nEmbd must be a multiple of nHead");
  if (headDim(c) % 2 !== 0) throw new RangeError("head_dim (nEmbd/nHead) must be even for RoPE");
  if (c.nHead % c.nKvHead !== 0) throw new RangeError("model.nHead must be a multiple of nKvHead");
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError("model.dropout must be in [0, 1)");
}

/**
 * Every parameter's name and tfjs shape, in the order they are initialised (the .bin order, §3).
 * Matrices are (in, out); LoRA A is (in, rank) and B is (rank, out).
 */
export function parameterShapes(
  c: ModelConfig,
  lora?: { rank: number },
): [name: string, shape: number[]][] {
  const E = c.nEmbd;
  const hd = headDim(c);
  const qDim = c.nHead * hd;
  const kvDim = c.nKvHead * hd;
  const shapes: [string, number[]][] = [["tok_embeddings", [c.vocabSize, E]]];
  for (let l = 0; l < c.nLayer; l++) {
    const p = `layers.${l}.`;
    shapes.push(
      [p + "attention_norm", [E]],
      [p + "wq", [E, qDim]],
      [p + "wk", [E, kvDim]],
      [p + "wv", [E, kvDim]],
      [p + "wo", [qDim, E]],
      [p + "ffn_norm", [E]],
      [p + "w1", [E, c.nHidden]],
      [p + "w2", [c.nHidden, E]],
      [p + "w3", [E, c.nHidden]],
    );
  }
  shapes.push(["norm", [E]]);
  if (!c.tiedEmbeddings) shapes.push(["output", [E, c.vocabSize]]);
  if (lora) {
    for (let l = 0; l < c.nLayer; l++) {
      for (const w of LORA_TARGETS) {
        const [inDim, outDim] = shapes.find(([n]) => n === `layers.${l}.${w}`)![1];
        shapes.push([`layers.${l}.${w}.lora_a`, [inDim, lora.rank]]);
        shapes.push([`layers.${l}.${w}.lora_b`, [lora.rank, outDim]]);
      }
    }
  }
  return shapes;
}

/** Number of base parameters (no LoRA), the N of "6·N FLOPs per token". */
export function parameterCount(c: ModelConfig): number {
  return parameterShapes(c).reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
}

// ---- deterministic init ------------------------------------------------------------------------

/** mulberry32: a tiny seeded PRNG, identical on every JS engine, so a seed is a model. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296; // [0, 1)
  };
}

/** Initial values of one parameter, as nanoGPT initialises it (see createModel). */
function initialValues(
  name: string,
  shape: number[],
  c: ModelConfig,
  random: () => number,
): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (name.endsWith("norm")) return out.fill(1);
  if (name.endsWith(".lora_b")) return out; // zeros: the adapted model starts as the base
  if (name.endsWith(".lora_a")) {
    // nn.Linear's default (kaiming_uniform, a=√5): U(-1/√in, 1/√in), as LoRA's reference code
    const bound = 1 / Math.sqrt(shape[0]);
    for (let i = 0; i < size; i++) out[i] = (2 * random() - 1) * bound;
    return out;
  }
  // N(0, 0.02); GPT-2's scaled init of the residual projections: /√(2·n_layer)
  const residual = /\.(wo|w2)$/.test(name);
  const std = residual ? 0.02 / Math.sqrt(2 * c.nLayer) : 0.02;
  for (let i = 0; i < size; i += 2) {
    // Box–Muller: two independent normals from two uniforms
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    out[i] = std * r * Math.cos(theta);
    if (i + 1 < size) out[i + 1] = std * r * Math.sin(theta);
  }
  return out;
}

// ---- building blocks ---------------------------------------------------------------------------

/** RMSNorm over the last axis: x · w / sqrt(mean(x²) + eps). */
function rmsNorm(x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
  if (fusedAvailable("rmsNorm")) return fusedRmsNorm(x, weight, RMS_NORM_EPS);
  const meanSquare = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, RMS_NORM_EPS))), weight);
}

/**
 * RoPE on adjacent pairs (x[2i], x[2i+1]) of every head (§6), for x (B, T, heads, hd):
 * (a, b) → (a·cos − b·sin, a·sin + b·cos) = x·cos + swap(x)·sin with swap(a, b) = (−b, a).
 * `cos`/`sin` are (T, 1, hd): the original tables with each value repeated for its pair. The swap
 * is a product with a fixed (hd, hd) signed permutation: a matmul is fast on every backend,
 * where reversing pairs with tf.reverse is slow on wasm.
 */
function rope(x: tf.Tensor4D, cos: tf.Tensor, sin: tf.Tensor, pairSwap: tf.Tensor2D): tf.Tensor {
  const hd = x.shape[3];
  const swapped = tf.reshape(tf.matMul(tf.reshape(x, [-1, hd]) as tf.Tensor2D, pairSwap), x.shape);
  return tf.add(tf.mul(x, cos), tf.mul(swapped, sin));
}

/** The (hd, hd) matrix S with x·S = swap(x): column 2i takes −x[2i+1], column 2i+1 takes x[2i]. */
function pairSwapMatrix(hd: number): tf.Tensor2D {
  const s = new Float32Array(hd * hd);
  for (let i = 0; i < hd; i += 2) {
    s[(i + 1) * hd + i] = -1;
    s[i * hd + i + 1] = 1;
  }
  return tf.tensor2d(s, [hd, hd]);
}

/** Dropout that is reproducible: site `site` of the step seeded `seed` always drops the same. */
function dropout(x: tf.Tensor, rate: number, seed: number | undefined, site: string): tf.Tensor {
  if (seed === undefined || rate === 0) return x;
  return tf.dropout(x, rate, undefined, `${seed}/${site}`);
}

// ---- the model ---------------------------------------------------------------------------------

/**
 * A fresh model of shape `config`, initialised from `seed` like nanoGPT: matrices N(0, 0.02),
 * the residual projections wo and w2 scaled by 1/√(2·n_layer), norms 1. With `lora`, adapters
 * (A like nn.Linear, B zeros) are added on wq wk wv wo and only they are trainable.
 */
export function createModel(
  config: ModelConfig,
  seed: number,
  lora?: { rank: number; alpha: number },
): NanoTfModel {
  checkModelConfig(config);
  if (lora && !(Number.isInteger(lora.rank) && lora.rank >= 1 && lora.alpha > 0)) {
    throw new RangeError("lora.rank must be a positive integer and lora.alpha positive");
  }
  const c = config;
  const hd = headDim(c);
  const groupSize = c.nHead / c.nKvHead; // query heads per key/value head (GQA)

  const random = mulberry32(seed);
  const params = new Map<string, tf.Variable>();
  for (const [name, shape] of parameterShapes(c, lora)) {
    const trainable = !lora || name.includes(".lora_");
    const values = initialValues(name, shape, c, random);
    const initial = tf.tensor(values, shape);
    params.set(name, tf.variable(initial, trainable)); // the variable copies it
    initial.dispose();
  }
  const trainable = [...params.keys()].filter((n) => params.get(n)!.trainable);
  const p = (name: string): tf.Variable => params.get(name)!;
  const loraScale = lora ? Math.fround(lora.alpha / lora.rank) : 0;

  // Constant tables, built once and kept (outside every tidy): RoPE cos/sin repeated for each
  // pair (blockSize, hd), the pair swap, and per sequence length the causal mask.
  const tables = ropeTables(c.blockSize, hd);
  const repeatPairs = (t: Float32Array) =>
    Float32Array.from({ length: t.length * 2 }, (_, i) => t[i >> 1]);
  const ropeCos = tf.keep(tf.tensor2d(repeatPairs(tables.cos), [c.blockSize, hd]));
  const ropeSin = tf.keep(tf.tensor2d(repeatPairs(tables.sin), [c.blockSize, hd]));
  const pairSwap = tf.keep(pairSwapMatrix(hd));
  const causalMasks = new Map<number, tf.Tensor2D>();

  /** (groupSize·T, T): query row g·T + t may see keys 0..t; 0 where allowed, −1e9 elsewhere. */
  function causalMask(T: number): tf.Tensor2D {
    let mask = causalMasks.get(T);
    if (!mask) {
      const values = new Float32Array(groupSize * T * T);
      for (let g = 0; g < groupSize; g++)
        for (let t = 0; t < T; t++)
          for (let s = t + 1; s < T; s++) values[(g * T + t) * T + s] = MASKED_SCORE;
      mask = tf.keep(tf.tensor2d(values, [groupSize * T, T]));
      causalMasks.set(T, mask);
    }
    return mask;
  }

  /** x·W (+ (alpha/rank)·x·A·B when `name` carries LoRA adapters), x (N, in). */
  function project(x: tf.Tensor2D, name: string): tf.Tensor2D {
    const y = tf.matMul(x, p(name)) as tf.Tensor2D;
    if (!lora) return y;
    const update = tf.matMul(tf.matMul(x, p(name + ".lora_a")), p(name + ".lora_b"));
    return tf.add(y, tf.mul(update, loraScale)) as tf.Tensor2D;
  }

  /**
   * Grouped-query self-attention of x (B·T, E) → (B·T, E). The query heads that share a
   * key/value head are stacked along the time axis, so one batched matmul per kv head computes
   * all of them and K, V are never copied per query head.
   */
  function attention(l: number, x: tf.Tensor2D, B: number, T: number, seed?: number): tf.Tensor2D {
    const name = `layers.${l}.`;
    const cos = tf.slice(ropeCos, [0, 0], [T, hd]) as tf.Tensor2D;
    const sin = tf.slice(ropeSin, [0, 0], [T, hd]) as tf.Tensor2D;
    // (B, T, heads, hd) → rotate → (B, heads, T, hd)
    const heads = (t: tf.Tensor, n: number, rotate: boolean) => {
      const split = tf.reshape(t, [B, T, n, hd]) as tf.Tensor4D;
      let rotated: tf.Tensor = split;
      if (rotate && fusedAvailable("rope"))
        rotated = fusedRope(split, cos, sin); // one wasm call (kernels/fused.ts)
      else if (rotate)
        rotated = rope(split, cos.reshape([T, 1, hd]), sin.reshape([T, 1, hd]), pairSwap);
      return tf.transpose(rotated, [0, 2, 1, 3]);
    };
    // 1/√hd folded into q: cheaper than scaling the (T, T) scores, same math
    const q = heads(tf.mul(project(x, name + "wq"), 1 / Math.sqrt(hd)), c.nHead, true);
    const k = heads(project(x, name + "wk"), c.nKvHead, true); // (B, kvH, T, hd)
    const v = heads(project(x, name + "wv"), c.nKvHead, false); // (B, kvH, T, hd)
    // query head h reads kv head ⌊h / groupSize⌋: group them → (B, kvH, groupSize·T, hd)
    const qGrouped = tf.reshape(q, [B, c.nKvHead, groupSize * T, hd]);
    let out: tf.Tensor; // (B, kvH, groupSize·T, hd)
    if (fusedAvailable("attention") && (c.dropout === 0 || seed === undefined)) {
      // the same math in one wasm call each way, skipping what the mask zeroes (kernels.ts)
      out = fusedAttention(qGrouped as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, c.causal);
    } else {
      let scores = tf.matMul(qGrouped, k, false, true); // (B, kvH, groupSize·T, T)
      if (c.causal) scores = tf.add(scores, causalMask(T));
      const weights = dropout(tf.softmax(scores), c.dropout, seed, `attn${l}`);
      out = tf.matMul(weights, v);
    }
    // back to (B, T, nHead·hd), heads in order
    const merged = tf.transpose(tf.reshape(out, [B, c.nHead, T, hd]), [0, 2, 1, 3]);
    const o = project(tf.reshape(merged, [B * T, c.nHead * hd]), name + "wo");
    return dropout(o, c.dropout, seed, `resid${l}`) as tf.Tensor2D;
  }

  /** SwiGLU feed-forward: W2·(SiLU(W1·x) ⊙ W3·x), x (B·T, E). */
  function feedForward(l: number, x: tf.Tensor2D, seed?: number): tf.Tensor2D {
    const name = `layers.${l}.`;
    const gate = tf.matMul(x, p(name + "w1"));
    const up = tf.matMul(x, p(name + "w3"));
    // SiLU(gate) ⊙ up, SiLU(g) = g·σ(g)
    const hidden = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
    const down = tf.matMul(hidden, p(name + "w2"));
    return dropout(down, c.dropout, seed, `ffn${l}`) as tf.Tensor2D;
  }

  /** The whole forward pass without the final reshape: logits (B·T, V). */
  function forward(tokens: tf.Tensor2D, seed?: number): tf.Tensor2D {
    const [B, T] = tokens.shape;
    if (T > c.blockSize)
      throw new RangeError(`sequence of ${T} tokens exceeds block size ${c.blockSize}`);
    const embedding = p("tok_embeddings");
    let x = tf.gather(embedding, tf.reshape(tokens, [B * T])) as tf.Tensor2D; // (B·T, E)
    x = dropout(x, c.dropout, seed, "embed") as tf.Tensor2D;
    for (let l = 0; l < c.nLayer; l++) {
      const name = `layers.${l}.`;
      x = tf.add(
        x,
        attention(l, rmsNorm(x, p(name + "attention_norm")) as tf.Tensor2D, B, T, seed),
      );
      x = tf.add(x, feedForward(l, rmsNorm(x, p(name + "ffn_norm")) as tf.Tensor2D, seed));
    }
    const final = rmsNorm(x, p("norm")) as tf.Tensor2D;
    // tied: the classifier is the embedding table, used transposed
    return c.tiedEmbeddings
      ? tf.matMul(final, embedding, false, true)
      : tf.matMul(final, p("output"));
  }

  return {
    config: c,
    params,
    trainable,
    lora: lora ? { ...lora } : undefined,
    logits(tokens, dropoutSeed) {
      return tf.tidy(() => {
        const [B, T] = tokens.shape;
        return tf.reshape(forward(tokens, dropoutSeed), [B, T, c.vocabSize]);
      });
    },
    loss(tokens, targets, mask, dropoutSeed) {
      return tf.tidy(() => {
        const [B, T] = tokens.shape;
        const logits = forward(tokens, dropoutSeed); // (B·T, V)
        const flatTargets = tf.reshape(targets, [B * T]) as tf.Tensor1D;
        let nll: tf.Tensor; // −log softmax(logits)[target], (B·T)
        if (fusedAvailable("crossEntropy")) nll = fusedCrossEntropy(logits, flatTargets);
        else {
          const onTarget = tf.oneHot(flatTargets, c.vocabSize);
          nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), onTarget), -1));
        }
        const weights = tf.reshape(mask, [B * T]);
        // mean over the positions that count; an all-zero mask gives 0, not NaN
        return tf.div(tf.sum(tf.mul(nll, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
      });
    },
    dispose() {
      for (const v of params.values()) v.dispose();
      for (const m of causalMasks.values()) m.dispose();
      ropeCos.dispose();
      ropeSin.dispose();
      pairSwap.dispose();
    },
  };
}
