// synthetic.ts — deterministic made-up models and LoRA modules of any shape, for tests and
// benchmarks (e.g. the 168M benchmark shape) without shipping weights.
//
// Weights are pseudo-random, roughly N(0, 0.02) like a freshly initialised GPT; the residual
// projections (wo, w2) are scaled by 1/sqrt(2·n_layer) as GPT-2 does; norms are 1; the RoPE tables
// are computed as the original trainer does. Typed arrays are filled directly, and a Q8_0 model is
// quantized one tensor at a time, so the 168M shape costs its own size plus one tensor.
// Browser-safe.
import {
  DEFAULT_GROUP_SIZE,
  fitGroupSize,
  kvDim,
  MODEL_TYPE_NANO,
  QUANT_F32,
  QUANT_Q8_0,
  quantizeQ8_0Into,
  validateConfig,
  type F32Tensor,
  type LoraFile,
  type NanoConfig,
  type NanoModelFile,
  type NanoWeights,
  type Tensor,
  type VocabEntry,
} from "./format.ts";

/** The model shape to make; head_dim is derived and the classifier is shared unless told. */
export type SyntheticConfig = Omit<NanoConfig, "headDim" | "isSharedClassifier"> & {
  isSharedClassifier?: boolean;
};

/** Options of makeSyntheticModel. */
export interface SyntheticModelOptions {
  config: SyntheticConfig;
  /** Storage of the matrices (default "f32"). */
  quant?: "f32" | "q8_0";
  /** Q8_0 group size to start from; halved to fit like the exporter (default 128). */
  groupSize?: number;
  /** PRNG seed (default 1); the same seed gives the same model on every platform. */
  seed?: number;
  /** A vocabulary to use instead of the made-up one (length must be vocab_size). */
  vocab?: VocabEntry[];
  /** RoPE base (default 10000, as in the shipped files). */
  ropeTheta?: number;
}

/** The benchmark shape: 168M parameters (block 512, vocab 16384, 24 layers, n_embd 768, GQA 16/8). */
export const BENCHMARK_168M: SyntheticConfig = {
  blockSize: 512,
  vocabSize: 16384,
  nLayer: 24,
  nEmbd: 768,
  nHead: 16,
  nKvHead: 8,
  nHidden: 2048,
};

/** The special tokens every Nano vocabulary starts with, ids 0–6. */
export const SPECIAL_TOKEN_TEXTS = [
  "<|padding|>",
  "<|unknown|>",
  "<|bos|>",
  "<|eos|>",
  "<|instruct_mark|>",
  "<|response_mark|>",
  "<|BD4SUR|>",
];

/** A small seeded PRNG (mulberry32): uint32 outputs, identical on every JS engine. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next uint32. */
  next(): number {
    const a = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * Fill `out` with roughly normal values of standard deviation `std`: the sum of the two 16-bit
   * halves of one output is triangular, close enough for test weights; one draw per value (and
   * the generator inlined here) keeps the 168M model at a few seconds.
   */
  fillNormalish(out: Float32Array, std: number): void {
    const k = (std * Math.sqrt(6)) / 65536; // the triangular sum has std 65536/sqrt(6)
    // Everything stays int32 (no `>>> 0` to uint32), which lets V8 keep the loop in registers.
    let a = this.state | 0;
    const n = out.length;
    for (let i = 0; i < n; i++) {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      t = t ^ (t >>> 14); // = next() as int32
      out[i] = ((t & 0xffff) + ((t >>> 16) & 0xffff) - 65535) * k;
    }
    this.state = a >>> 0;
  }
}

/** 7 special tokens, then single characters: newline, space, printable ASCII, then CJK. */
export function makeSyntheticVocab(vocabSize: number): VocabEntry[] {
  if (vocabSize < SPECIAL_TOKEN_TEXTS.length) {
    throw new RangeError(
      `vocab_size ${vocabSize} cannot hold the ${SPECIAL_TOKEN_TEXTS.length} special tokens`,
    );
  }
  const chars: number[] = [0x0a, 0x20];
  for (let cp = 0x21; cp <= 0x7e; cp++) chars.push(cp);
  const vocab: VocabEntry[] = [];
  for (let id = 0; id < vocabSize; id++) {
    if (id < SPECIAL_TOKEN_TEXTS.length) {
      const text = SPECIAL_TOKEN_TEXTS[id];
      vocab.push({
        id,
        text,
        codePoints: [...text].map((ch) => ch.codePointAt(0)!),
        isSpecial: true,
      });
      continue;
    }
    const k = id - SPECIAL_TOKEN_TEXTS.length;
    const cp = k < chars.length ? chars[k] : 0x4e00 + (k - chars.length); // CJK has 20k+ in a row
    vocab.push({ id, text: String.fromCodePoint(cp), codePoints: [cp], isSpecial: false });
  }
  return vocab;
}

/** RoPE tables (block_size, head_dim/2) as the original trainer computes them, in float32. */
export function ropeTables(
  blockSize: number,
  headDim: number,
  theta = 10000,
): { cos: Float32Array; sin: Float32Array } {
  const f32 = Math.fround;
  const half = headDim / 2;
  const cos = new Float32Array(blockSize * half);
  const sin = new Float32Array(blockSize * half);
  for (let i = 0; i < half; i++) {
    // freq_i = 1 / theta^(2i / head_dim), each step rounded to float32 like torch does.
    const freq = f32(1 / f32(Math.pow(theta, f32((2 * i) / headDim))));
    for (let pos = 0; pos < blockSize; pos++) {
      const angle = f32(pos * freq);
      cos[pos * half + i] = Math.cos(angle);
      sin[pos * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** A deterministic pseudo-random model of the given shape, F32 or Q8_0. */
export function makeSyntheticModel(options: SyntheticModelOptions): NanoModelFile {
  const sc = options.config;
  const config: NanoConfig = {
    ...sc,
    isSharedClassifier: sc.isSharedClassifier ?? true,
    headDim: sc.nEmbd / sc.nHead,
  };
  const quantized = (options.quant ?? "f32") === "q8_0";
  const quantType = quantized ? QUANT_Q8_0 : QUANT_F32;
  const groupSize = quantized ? fitGroupSize(config, options.groupSize ?? DEFAULT_GROUP_SIZE) : 0;
  validateConfig(config, quantType, groupSize);
  const vocab = options.vocab ?? makeSyntheticVocab(config.vocabSize);
  if (vocab.length !== config.vocabSize) {
    throw new RangeError(`vocab has ${vocab.length} tokens but vocab_size is ${config.vocabSize}`);
  }

  const rng = new Rng(options.seed ?? 1);
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * config.nLayer);
  // One scratch buffer, as large as the largest matrix, when quantizing on the fly.
  const { nEmbd: E, nHidden: H, vocabSize: V, nLayer: L } = config;
  const qDim = config.nHead * config.headDim;
  const kv = kvDim(config);
  const scratch = quantized ? new Float32Array(Math.max(V * E, H * E, qDim * E)) : null;
  const matrix = (rows: number, cols: number, s: number): Tensor => {
    const n = rows * cols;
    if (!scratch) {
      const data = new Float32Array(n);
      rng.fillNormalish(data, s);
      return { type: "f32", rows, cols, data };
    }
    const src = scratch.subarray(0, n);
    rng.fillNormalish(src, s);
    const values = new Int8Array(n);
    const scales = new Float32Array(n / groupSize);
    quantizeQ8_0Into(src, 0, n, groupSize, values, scales, 0);
    return { type: "q8_0", rows, cols, values, scales, groupSize };
  };
  const layers = (rows: number, cols: number, s: number) =>
    Array.from({ length: L }, () => matrix(rows, cols, s));
  const ones = () => new Float32Array(E).fill(1);
  const rope = ropeTables(config.blockSize, config.headDim, options.ropeTheta ?? 10000);
  const half = config.headDim / 2;

  // File order (§3), so that the same seed always gives the same tensors.
  const weights: NanoWeights = {
    attentionNorm: Array.from({ length: L }, ones),
    ffnNorm: Array.from({ length: L }, ones),
    norm: ones(),
    tokEmbeddings: matrix(V, E, std),
    wq: layers(qDim, E, std),
    wk: layers(kv, E, std),
    wv: layers(kv, E, std),
    wo: layers(E, qDim, residualStd),
    w1: layers(H, E, std),
    w2: layers(E, H, residualStd),
    w3: layers(H, E, std),
    freqsCos: { type: "f32", rows: config.blockSize, cols: half, data: rope.cos },
    freqsSin: { type: "f32", rows: config.blockSize, cols: half, data: rope.sin },
  };
  if (!config.isSharedClassifier) weights.output = matrix(V, E, std);
  return {
    header: {
      majorVersion: 2025,
      minorVersion: 12,
      modelType: MODEL_TYPE_NANO,
      configLength: 32,
      quantType,
      groupSize,
    },
    config,
    vocab,
    weights,
  };
}

/** A deterministic pseudo-random LoRA module for a base model of the given shape. */
export function makeSyntheticLora(
  base: NanoConfig,
  rank: number,
  alpha: number,
  seed = 1,
): LoraFile {
  const rng = new Rng(seed);
  const kv = kvDim(base);
  const tensors = (rows: number, cols: number): F32Tensor[] =>
    Array.from({ length: base.nLayer }, () => {
      const data = new Float32Array(rows * cols);
      rng.fillNormalish(data, 0.02); // B is non-zero (unlike at training start) so it shows
      return { type: "f32", rows, cols, data };
    });
  const E = base.nEmbd;
  return {
    header: { majorVersion: 2024, minorVersion: 10, configLength: 32 },
    rank,
    alpha,
    base: {
      nLayer: base.nLayer,
      nEmbd: E,
      nHead: base.nHead,
      nKvHead: base.nKvHead,
      nHidden: base.nHidden,
    },
    reserved: 0,
    wqA: tensors(rank, E),
    wqB: tensors(E, rank),
    wkA: tensors(rank, E),
    wkB: tensors(kv, rank),
    wvA: tensors(rank, E),
    wvB: tensors(kv, rank),
    woA: tensors(rank, E),
    woB: tensors(E, rank),
  };
}
