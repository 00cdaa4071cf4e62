// reference.ts — a plain, slow, obviously-correct forward pass of a Nano model (NANO-FORMAT.md §6),
// the oracle the engines are tested against. It mirrors the original engine (bd4sur/Nano
// infer/infer.c) formula by formula, not its speed tricks.
//
// Precision: every activation, sum and table lookup is a float64 (JS number); weights are the
// file's float32 values. So it agrees with a float32 engine to about 1e-5 relative, never bit for
// bit, and it is the more accurate of the two.
//
// Q8_0 models follow what the original engine does (read from infer.c and tensor.c, 2025):
//   - the embedding lookup uses the dequantized table: float32(q · scale);
//   - before every quantized matrix-vector product the input vector is quantized to Q8_0 with the
//     same group size: scale = float32(max|x| / 127), q = round(float32(x / scale)) where round is
//     C's round(), i.e. ties AWAY from zero (the weights were rounded ties-to-even by torch); an
//     all-zero group gets scale 0 and codes 0 (the original divides by zero there);
//   - each output is Σ over groups of (int32 Σ qx·qw) · w_scale · x_scale;
//   - the shared classifier is the quantized embedding table, used through the same product;
//   - LoRA branches read the float activations (before quantization), as in the original.
// Activations are rounded to float32 just before they are quantized, so the int8 codes equal a
// float32 engine's except where its accumulated rounding moves a value across a .5 boundary.
//
// Browser-safe; no allocation concerns (this is the slow path on purpose).
import {
  checkLoraFits,
  RMS_NORM_EPS,
  type LoraFile,
  type NanoConfig,
  type NanoModelFile,
  type Tensor,
} from "./format.ts";
import { TOKEN_EOS } from "./tokenizer.ts";

const f32 = Math.fround;

/** Round to the nearest integer, ties away from zero (C's round(), used on activations). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** Quantize an activation vector to Q8_0 the way the original C engine does (see the header). */
export function quantizeActivation(
  x: ArrayLike<number>,
  groupSize: number,
): { values: Int8Array; scales: Float32Array } {
  const n = x.length;
  const values = new Int8Array(n);
  const scales = new Float32Array(n / groupSize);
  for (let g = 0; g < n / groupSize; g++) {
    let max = 0;
    for (let i = g * groupSize; i < (g + 1) * groupSize; i++)
      max = Math.max(max, Math.abs(f32(x[i])));
    const scale = f32(max / 127);
    scales[g] = scale;
    if (scale === 0) continue; // all-zero group: codes stay 0
    for (let i = g * groupSize; i < (g + 1) * groupSize; i++) {
      values[i] = roundHalfAwayFromZero(f32(f32(x[i]) / scale));
    }
  }
  return { values, scales };
}

/** W·x for a (rows, cols) matrix, F32 in float64, Q8_0 with the activation quantized first. */
export function matVec(w: Tensor, x: Float64Array): Float64Array {
  const { rows, cols } = w;
  if (x.length !== cols)
    throw new Error(`matVec: x has ${x.length} elements, W has ${cols} columns`);
  const out = new Float64Array(rows);
  if (w.type === "f32") {
    for (let i = 0; i < rows; i++) {
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += w.data[i * cols + j] * x[j];
      out[i] = sum;
    }
    return out;
  }
  const gs = w.groupSize;
  const xq = quantizeActivation(x, gs);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let g = 0; g < cols / gs; g++) {
      let isum = 0; // exact: at most 127·127·group_size
      for (let k = g * gs; k < (g + 1) * gs; k++) isum += xq.values[k] * w.values[i * cols + k];
      sum += isum * w.scales[(i * cols) / gs + g] * xq.scales[g];
    }
    out[i] = sum;
  }
  return out;
}

/** Row `row` of an embedding table as float64 (Q8_0: the dequantized float32 values). */
export function tensorRow(t: Tensor, row: number): Float64Array {
  const out = new Float64Array(t.cols);
  const base = row * t.cols;
  for (let j = 0; j < t.cols; j++) {
    out[j] =
      t.type === "f32"
        ? t.data[base + j]
        : f32(t.values[base + j] * t.scales[Math.floor((base + j) / t.groupSize)]);
  }
  return out;
}

/** RMSNorm (§6): x · w / sqrt(mean(x²) + 1e-5). */
export function rmsNorm(x: Float64Array, weight: Float32Array): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const inv = 1 / Math.sqrt(ss / x.length + RMS_NORM_EPS);
  return x.map((v, i) => weight[i] * (inv * v));
}

/** Softmax in place over the whole array. */
export function softmax(x: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] = Math.exp(x[i] - max);
  for (let i = 0; i < x.length; i++) x[i] /= sum;
  return x;
}

/** Index of the largest value; the lowest index wins ties (the engines' greedy rule). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

// The forward pass pieces shared by the KV-cache session and the whole-sequence pass.
class Forward {
  readonly c: NanoConfig;
  lora: LoraFile | null = null;

  constructor(readonly model: NanoModelFile) {
    this.c = model.config;
  }

  // x = embed[token]
  embed(token: number): Float64Array {
    if (!Number.isInteger(token) || token < 0 || token >= this.c.vocabSize) {
      throw new RangeError(
        `token id ${token} is outside the vocabulary (0–${this.c.vocabSize - 1})`,
      );
    }
    return tensorRow(this.model.weights.tokEmbeddings, token);
  }

  // W·x (+ (alpha/rank)·B·(A·x) when a LoRA module adapts this projection), §5.
  project(layer: number, which: "wq" | "wk" | "wv" | "wo", x: Float64Array): Float64Array {
    const y = matVec(this.model.weights[which][layer], x);
    const lora = this.lora;
    if (lora) {
      const scale = f32(lora.alpha / lora.rank); // the original computes it in float
      const ax = matVec(lora[`${which}A`][layer], x); // (rank)
      const bax = matVec(lora[`${which}B`][layer], ax); // (out_features)
      for (let i = 0; i < y.length; i++) y[i] += scale * bax[i];
    }
    return y;
  }

  // Rotate adjacent pairs (v[2i], v[2i+1]) of every head by row `pos` of the RoPE tables, §6.
  rope(v: Float64Array, nHeads: number, pos: number): void {
    const hd = this.c.headDim;
    const cos = this.model.weights.freqsCos.data;
    const sin = this.model.weights.freqsSin.data;
    for (let h = 0; h < nHeads; h++) {
      for (let i = 0; i < hd / 2; i++) {
        const a = v[h * hd + 2 * i];
        const b = v[h * hd + 2 * i + 1];
        const fc = cos[pos * (hd / 2) + i];
        const fs = sin[pos * (hd / 2) + i];
        v[h * hd + 2 * i] = a * fc - b * fs;
        v[h * hd + 2 * i + 1] = a * fs + b * fc;
      }
    }
  }

  // Grouped-query attention of one query over positions [0, n): returns the (n_head·head_dim)
  // output and, per head, the attention weights.
  attend(
    q: Float64Array,
    keys: Float64Array[],
    values: Float64Array[],
    n: number,
  ): { out: Float64Array; weights: Float64Array[] } {
    const { nHead, nKvHead, headDim: hd } = this.c;
    const out = new Float64Array(nHead * hd);
    const weights: Float64Array[] = [];
    const perKv = nHead / nKvHead;
    for (let h = 0; h < nHead; h++) {
      const kvh = Math.floor(h / perKv); // query head h reads key/value head h / (n_head/n_kv_head)
      const scores = new Float64Array(n);
      for (let t = 0; t < n; t++) {
        let s = 0;
        for (let i = 0; i < hd; i++) s += q[h * hd + i] * keys[t][kvh * hd + i];
        scores[t] = s / Math.sqrt(hd);
      }
      softmax(scores);
      for (let t = 0; t < n; t++) {
        for (let i = 0; i < hd; i++) out[h * hd + i] += scores[t] * values[t][kvh * hd + i];
      }
      weights.push(scores);
    }
    return { out, weights };
  }

  // x + W2·(SiLU(W1·xb) ⊙ W3·xb) with xb = RMSNorm(x), in place on x.
  feedForward(layer: number, x: Float64Array): void {
    const w = this.model.weights;
    const xb = rmsNorm(x, w.ffnNorm[layer]);
    const gate = matVec(w.w1[layer], xb); // (n_hidden)
    const up = matVec(w.w3[layer], xb); // (n_hidden)
    const hidden = gate.map((g, i) => g * (1 / (1 + Math.exp(-g))) * up[i]);
    const down = matVec(w.w2[layer], hidden); // (n_embd)
    for (let i = 0; i < x.length; i++) x[i] += down[i];
  }

  // logits = classifier · RMSNorm(x); the classifier is tok_embeddings when shared.
  classify(x: Float64Array): Float64Array {
    const w = this.model.weights;
    return matVec(w.output ?? w.tokEmbeddings, rmsNorm(x, w.norm));
  }

  setLora(lora: LoraFile | null): void {
    if (lora) checkLoraFits(lora.base, this.model);
    this.lora = lora;
  }
}

/** Options of a reference session. */
export interface ReferenceOptions {
  /** LoRA module applied to wq, wk, wv, wo (checked against the model). */
  lora?: LoraFile | null;
  /** Record attention weights and the residual stream of every step (for observation tests). */
  observe?: boolean;
}

/** A causal decoding session with a KV cache: step(token) → logits, like nano_step. */
export class ReferenceSession {
  /** Position of the next token (= tokens in the KV cache). */
  pos = 0;
  /** With `observe`: attention weights of the last step, [layer][head] over positions 0..pos. */
  attention: Float64Array[][] = [];
  /** With `observe`: residual stream of the last step, [0] the embedding, [l+1] after layer l. */
  residual: Float64Array[] = [];
  private readonly f: Forward;
  private readonly observe: boolean;
  // key/value cache: [layer][pos] each (kv_dim)
  private keys: Float64Array[][] = [];
  private values: Float64Array[][] = [];

  constructor(model: NanoModelFile, options: ReferenceOptions = {}) {
    this.f = new Forward(model);
    this.f.setLora(options.lora ?? null);
    this.observe = options.observe ?? false;
    this.reset();
  }

  /** Forget the KV cache: the next token goes to position 0. */
  reset(): void {
    this.pos = 0;
    this.keys = Array.from({ length: this.f.c.nLayer }, () => []);
    this.values = Array.from({ length: this.f.c.nLayer }, () => []);
  }

  /** Attach (or detach with null) a LoRA module from the next token on; the KV cache is kept. */
  setLora(lora: LoraFile | null): void {
    this.f.setLora(lora);
  }

  /** Run one token at the current position and advance; returns its logits (vocab_size). */
  step(token: number): Float64Array {
    const { f } = this;
    const c = f.c;
    if (this.pos >= c.blockSize) {
      throw new RangeError(`position ${this.pos} is past the block size ${c.blockSize}`);
    }
    const pos = this.pos;
    const w = f.model.weights;
    const x = f.embed(token); // (n_embd), the residual stream
    const residual = this.observe ? [x.slice()] : [];
    const attention: Float64Array[][] = [];
    for (let l = 0; l < c.nLayer; l++) {
      const xb = rmsNorm(x, w.attentionNorm[l]);
      const q = f.project(l, "wq", xb); // (n_head·head_dim)
      const k = f.project(l, "wk", xb); // (kv_dim)
      const v = f.project(l, "wv", xb); // (kv_dim)
      f.rope(q, c.nHead, pos);
      f.rope(k, c.nKvHead, pos);
      this.keys[l][pos] = k;
      this.values[l][pos] = v;
      const att = f.attend(q, this.keys[l], this.values[l], pos + 1); // causal: 0..pos
      const o = f.project(l, "wo", att.out); // (n_embd)
      for (let i = 0; i < x.length; i++) x[i] += o[i];
      f.feedForward(l, x);
      if (this.observe) {
        attention.push(att.weights);
        residual.push(x.slice());
      }
    }
    this.attention = attention;
    this.residual = residual;
    this.pos++;
    return f.classify(x);
  }
}

/**
 * The whole sequence at once, layer by layer: logits of every position. Causal (the default) it
 * equals stepping a ReferenceSession token by token; non-causal every position attends to all
 * positions in both directions (what the original's seq2seq converges to, §6).
 */
export function forwardSequence(
  model: NanoModelFile,
  tokens: readonly number[],
  options: { causal?: boolean; lora?: LoraFile | null } = {},
): Float64Array[] {
  const causal = options.causal ?? true;
  const f = new Forward(model);
  f.setLora(options.lora ?? null);
  const c = model.config;
  const w = model.weights;
  const T = tokens.length;
  if (T < 1 || T > c.blockSize) {
    throw new RangeError(`sequence of ${T} tokens does not fit block_size ${c.blockSize}`);
  }
  const xs = tokens.map((t) => f.embed(t)); // [T] each (n_embd)
  for (let l = 0; l < c.nLayer; l++) {
    const qs: Float64Array[] = [];
    const ks: Float64Array[] = []; // [T] each (kv_dim)
    const vs: Float64Array[] = [];
    for (let t = 0; t < T; t++) {
      const xb = rmsNorm(xs[t], w.attentionNorm[l]);
      const q = f.project(l, "wq", xb);
      const k = f.project(l, "wk", xb);
      f.rope(q, c.nHead, t);
      f.rope(k, c.nKvHead, t);
      qs.push(q);
      ks.push(k);
      vs.push(f.project(l, "wv", xb));
    }
    for (let t = 0; t < T; t++) {
      const att = f.attend(qs[t], ks, vs, causal ? t + 1 : T);
      const o = f.project(l, "wo", att.out);
      for (let i = 0; i < c.nEmbd; i++) xs[t][i] += o[i];
      f.feedForward(l, xs[t]);
    }
  }
  return xs.map((x) => f.classify(x));
}

/** Non-causal sequence-to-sequence map (§6): the argmax of every position's logits. */
export function seq2seq(model: NanoModelFile, tokens: readonly number[]): number[] {
  return forwardSequence(model, tokens, { causal: false }).map((logits) => argmax(logits));
}

/** Greedy decoding: feed the prompt, then append argmax tokens until <|eos|> or `maxNewTokens`. */
export function greedyDecode(
  model: NanoModelFile,
  promptIds: readonly number[],
  maxNewTokens: number,
  options: ReferenceOptions & { ignoreEos?: boolean } = {},
): { ids: number[]; firstLogits: Float64Array } {
  if (promptIds.length < 1) throw new RangeError("the prompt is empty");
  const session = new ReferenceSession(model, options);
  let logits: Float64Array = new Float64Array(0);
  for (const id of promptIds) logits = session.step(id);
  const firstLogits = logits;
  const ids: number[] = [];
  // The last token may land at position block_size: it is emitted but never fed back.
  while (ids.length < maxNewTokens) {
    const next = argmax(logits);
    if (next === TOKEN_EOS && !options.ignoreEos) break;
    ids.push(next);
    if (ids.length === maxNewTokens || session.pos >= model.config.blockSize) break;
    logits = session.step(next);
  }
  return { ids, firstLogits };
}
