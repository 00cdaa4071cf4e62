// export.ts — trained tfjs parameters → the Nano `.bin` model and LoRA formats
// (../../shared/NANO-FORMAT.md §3–5), through engine-c/ts/format.ts, so every NanoLM engine (and
// the original Nano ones) can run what we train.
//
// tfjs stores every matrix as (in, out) so that y = x·W needs no transpose; the `.bin` stores
// (out, in) so that y = W·x walks rows. Exporting is therefore mostly transposing.
import { existsSync } from "node:fs";
import {
  DEFAULT_GROUP_SIZE,
  MODEL_TYPE_NANO,
  QUANT_F32,
  quantizeModel,
  writeLora,
  writeModel,
  type F32Tensor,
  type LoraFile,
  type NanoConfig,
  type NanoModelFile,
  type NanoWeights,
} from "../../engine-c/ts/format.ts";
import { ropeTables } from "../../engine-c/ts/synthetic.ts";
import { loadCheckpoint, writeFileAtomically } from "./checkpoint.ts";
import type { ModelConfig } from "./config.ts";
import { Tokenizer, type TokenizerJson } from "./tokenizer.ts";

/** One parameter as a checkpoint holds it: row-major float32 in tfjs's shape. */
export interface ParamTensor {
  shape: number[];
  data: Float32Array;
}

/** Every parameter by its tfjs name (`layers.0.wq`, `layers.0.wq.lora_a`, …). */
export type ParamMap = Map<string, ParamTensor>;

/** LoRA hyperparameters as the training config holds them. */
export interface LoraSettings {
  rank: number;
  alpha: number;
}

/** The header version the original trainer's exporter writes (as in the shipped models, §7). */
export const EXPORT_VERSION = { major: 2025, minor: 12, configLength: 32 } as const;
/** The header version the original writes into LoRA modules. */
export const LORA_EXPORT_VERSION = { major: 2024, minor: 10, configLength: 32 } as const;

/** The projections LoRA adapts, in the order the LoRA file stores them (§5). */
export const LORA_TARGETS = ["wq", "wk", "wv", "wo"] as const;
type LoraTarget = (typeof LORA_TARGETS)[number];

/** An export that cannot be done (a missing tensor, a bad shape, a bad option); a one-line message. */
export class ExportError extends Error {
  override name = "ExportError";
}

// ---- tensors ------------------------------------------------------------------------------------

// The parameter `name`, checked to have exactly `shape`.
function param(params: ParamMap, name: string, shape: number[]): ParamTensor {
  const p = params.get(name);
  if (!p) throw new ExportError(`parameter ${name} is missing`);
  const ok =
    p.shape.length === shape.length &&
    p.shape.every((d, i) => d === shape[i]) &&
    p.data.length === shape.reduce((a, b) => a * b, 1);
  if (!ok) {
    throw new ExportError(
      `parameter ${name} has shape (${p.shape.join(", ")}), expected (${shape.join(", ")})`,
    );
  }
  return p;
}

/** (rows, cols) row-major → its transpose (cols, rows), as a `.bin` tensor. */
export function transpose(data: Float32Array, rows: number, cols: number): F32Tensor {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return { type: "f32", rows: cols, cols: rows, data: out };
}

// A tfjs (in, out) matrix as the `.bin`'s (out, in).
function binMatrix(params: ParamMap, name: string, inF: number, outF: number): F32Tensor {
  return transpose(param(params, name, [inF, outF]).data, inF, outF);
}

/** The `.bin` config of a training config (head_dim derived, classifier shared when tied). */
export function nanoConfig(config: ModelConfig): NanoConfig {
  return {
    blockSize: config.blockSize,
    vocabSize: config.vocabSize,
    nLayer: config.nLayer,
    nEmbd: config.nEmbd,
    nHead: config.nHead,
    nKvHead: config.nKvHead,
    nHidden: config.nHidden,
    isSharedClassifier: config.tiedEmbeddings,
    headDim: config.nEmbd / config.nHead,
  };
}

// (in, out) features of each LoRA-adapted projection in tfjs terms.
function projectionFeatures(c: NanoConfig): Record<LoraTarget, [number, number]> {
  const q = c.nHead * c.headDim;
  const kv = c.nKvHead * c.headDim;
  return { wq: [c.nEmbd, q], wk: [c.nEmbd, kv], wv: [c.nEmbd, kv], wo: [q, c.nEmbd] };
}

/** Whether the parameters hold LoRA adapters (`layers.0.wq.lora_a`, …). */
export function hasLoraParams(params: ParamMap): boolean {
  for (const name of params.keys()) if (name.endsWith(".lora_a")) return true;
  return false;
}

// ---- models -------------------------------------------------------------------------------------

/** Options of exportModel. */
export interface ExportModelOptions {
  /** Quantize to Q8_0 exactly as the original exporter (quantizeModel). */
  q80?: boolean;
  /** Q8_0 group size to start from, halved until it fits (default 128, as the original). */
  groupSize?: number;
  /** Fold the LoRA adapters into the base weights: W + (alpha/rank)·A·B (tfjs orientation). */
  merge?: LoraSettings;
}

/**
 * A trained model's parameters as a `.bin` model: matrices transposed to (out, in), the RoPE tables
 * the original trainer computes, the tokenizer's vocabulary, no `output` when embeddings are tied.
 * Non-causal models export the same way: the format has no causal flag — a non-causal model (like
 * sort-6) is one that is *run* as seq2seq (NANO-FORMAT.md §6).
 */
export function exportModel(
  config: ModelConfig,
  tokenizer: TokenizerJson,
  params: ParamMap,
  opts: ExportModelOptions = {},
): NanoModelFile {
  const c = nanoConfig(config);
  let vocab;
  try {
    vocab = new Tokenizer(tokenizer).toVocabEntries();
  } catch (e) {
    throw new ExportError(`the checkpoint's tokenizer is not valid: ${(e as Error).message}`);
  }
  if (vocab.length !== c.vocabSize) {
    throw new ExportError(
      `the tokenizer has ${vocab.length} tokens but the model's vocab_size is ${c.vocabSize}`,
    );
  }
  const { nEmbd: E, nHidden: H, vocabSize: V, nLayer: L } = c;
  const features = projectionFeatures(c);
  const layers = (fn: (l: number) => F32Tensor) => Array.from({ length: L }, (_, l) => fn(l));
  const vector = (name: string) => param(params, name, [E]).data.slice();
  const adapted = (l: number, target: LoraTarget): F32Tensor => {
    const [inF, outF] = features[target];
    const name = `layers.${l}.${target}`;
    const base = param(params, name, [inF, outF]).data;
    const merged = opts.merge ? mergeLora(params, name, inF, outF, base, opts.merge) : base;
    return transpose(merged, inF, outF);
  };
  const rope = ropeTables(c.blockSize, c.headDim);
  const half = c.headDim / 2;

  const weights: NanoWeights = {
    attentionNorm: Array.from({ length: L }, (_, l) => vector(`layers.${l}.attention_norm`)),
    ffnNorm: Array.from({ length: L }, (_, l) => vector(`layers.${l}.ffn_norm`)),
    norm: vector("norm"),
    // (V, E) in both: a row per token, which is also the tied classifier's (out, in).
    tokEmbeddings: {
      type: "f32",
      rows: V,
      cols: E,
      data: param(params, "tok_embeddings", [V, E]).data.slice(),
    },
    wq: layers((l) => adapted(l, "wq")),
    wk: layers((l) => adapted(l, "wk")),
    wv: layers((l) => adapted(l, "wv")),
    wo: layers((l) => adapted(l, "wo")),
    w1: layers((l) => binMatrix(params, `layers.${l}.w1`, E, H)),
    w2: layers((l) => binMatrix(params, `layers.${l}.w2`, H, E)),
    w3: layers((l) => binMatrix(params, `layers.${l}.w3`, E, H)),
    freqsCos: { type: "f32", rows: c.blockSize, cols: half, data: rope.cos },
    freqsSin: { type: "f32", rows: c.blockSize, cols: half, data: rope.sin },
  };
  if (!c.isSharedClassifier) weights.output = binMatrix(params, "output", E, V);

  const model: NanoModelFile = {
    header: {
      majorVersion: EXPORT_VERSION.major,
      minorVersion: EXPORT_VERSION.minor,
      modelType: MODEL_TYPE_NANO,
      configLength: EXPORT_VERSION.configLength,
      quantType: QUANT_F32,
      groupSize: 0,
    },
    config: c,
    vocab,
    weights,
  };
  // The original exporter quantizes the finished F32 model; doing the same keeps us byte-identical.
  return opts.q80 ? quantizeModel(model, opts.groupSize ?? DEFAULT_GROUP_SIZE) : model;
}

// W + (alpha/rank)·A·B, all in tfjs's (in, out) orientation: A is (in, rank), B is (rank, out).
// Summed in float64 and rounded once, so the merged model is as close to the adapted one as f32 allows.
function mergeLora(
  params: ParamMap,
  name: string,
  inF: number,
  outF: number,
  base: Float32Array,
  lora: LoraSettings,
): Float32Array {
  const r = lora.rank;
  const a = param(params, `${name}.lora_a`, [inF, r]).data;
  const b = param(params, `${name}.lora_b`, [r, outF]).data;
  const scale = lora.alpha / r;
  const out = new Float32Array(inF * outF);
  for (let i = 0; i < inF; i++) {
    for (let o = 0; o < outF; o++) {
      let sum = 0;
      for (let k = 0; k < r; k++) sum += a[i * r + k] * b[k * outF + o];
      out[i * outF + o] = base[i * outF + o] + scale * sum;
    }
  }
  return out;
}

// ---- LoRA modules -------------------------------------------------------------------------------

/**
 * The LoRA adapters alone as a LoRA module (§5): A = (rank, in) is tfjs's lora_a (in, rank)
 * transposed, B = (out, rank) is tfjs's lora_b (rank, out) transposed. It runs on top of the base
 * model it was trained from (the checkpoint's `init.from`, exported separately).
 */
export function exportLora(config: ModelConfig, params: ParamMap, lora: LoraSettings): LoraFile {
  const c = nanoConfig(config);
  const { rank, alpha } = lora;
  if (!Number.isInteger(alpha)) {
    throw new ExportError(
      `LoRA alpha ${alpha} is not an integer, and a LoRA .bin stores it as one: use --merge instead`,
    );
  }
  const features = projectionFeatures(c);
  const part = (target: LoraTarget, which: "a" | "b"): F32Tensor[] =>
    Array.from({ length: c.nLayer }, (_, l) => {
      const [inF, outF] = features[target];
      const name = `layers.${l}.${target}.lora_${which}`;
      return which === "a"
        ? transpose(param(params, name, [inF, rank]).data, inF, rank)
        : transpose(param(params, name, [rank, outF]).data, rank, outF);
    });
  return {
    header: {
      majorVersion: LORA_EXPORT_VERSION.major,
      minorVersion: LORA_EXPORT_VERSION.minor,
      configLength: LORA_EXPORT_VERSION.configLength,
    },
    rank,
    alpha,
    base: {
      nLayer: c.nLayer,
      nEmbd: c.nEmbd,
      nHead: c.nHead,
      nKvHead: c.nKvHead,
      nHidden: c.nHidden,
    },
    reserved: 0,
    wqA: part("wq", "a"),
    wqB: part("wq", "b"),
    wkA: part("wk", "a"),
    wkB: part("wk", "b"),
    wvA: part("wv", "a"),
    wvB: part("wv", "b"),
    woA: part("wo", "a"),
    woB: part("wo", "b"),
  };
}

// ---- checkpoints --------------------------------------------------------------------------------

/** Options of exportCheckpoint (the `nanolm export` flags). */
export interface ExportCheckpointOptions {
  /** Q8_0 instead of F32 (models only). */
  q80?: boolean;
  /** Write the LoRA adapters alone as a LoRA module. */
  lora?: boolean;
  /** Fold the LoRA adapters into the base weights and write a full model. */
  merge?: boolean;
}

/** What exportCheckpoint wrote, for the CLI to report. */
export interface ExportSummary {
  kind: "model" | "lora";
  bytes: number;
  step: number;
  /** Things the user should know (non-causal, which base a LoRA module needs). */
  notes: string[];
}

/** Read a training checkpoint and write it as a `.bin` model or LoRA module, atomically. */
export function exportCheckpoint(
  ckptPath: string,
  outPath: string,
  opts: ExportCheckpointOptions = {},
): ExportSummary {
  if (opts.lora && opts.merge) {
    throw new ExportError("--lora and --merge exclude each other: adapters alone, or merged");
  }
  if (opts.lora && opts.q80) throw new ExportError("LoRA modules are always F32: drop --q80");
  if (!existsSync(ckptPath)) throw new ExportError(`no such file: ${ckptPath}`);
  const ckpt = loadCheckpoint(ckptPath);
  const config: ModelConfig = {
    ...ckpt.config.model,
    vocabSize: ckpt.config.model.vocabSize ?? ckpt.tokenizer.tokens.length,
  };
  const lora = ckpt.config.lora;
  const isLora = lora !== undefined && hasLoraParams(ckpt.params);
  if ((opts.lora || opts.merge) && !isLora) {
    throw new ExportError(
      `${ckptPath} is not a LoRA checkpoint: --${opts.lora ? "lora" : "merge"} needs one`,
    );
  }
  if (isLora && !opts.lora && !opts.merge) {
    throw new ExportError(
      `${ckptPath} holds LoRA adapters: pass --lora (the adapters alone) or --merge (a full model)`,
    );
  }
  const notes: string[] = [];
  let bytes: Uint8Array;
  if (opts.lora) {
    bytes = writeLora(exportLora(config, ckpt.params, lora!));
    const base = ckpt.config.init?.from;
    notes.push(
      `LoRA module: load it on the base model exported from ${base ?? "its base checkpoint"}`,
    );
  } else {
    bytes = writeModel(
      exportModel(config, ckpt.tokenizer, ckpt.params, {
        q80: opts.q80,
        merge: opts.merge ? lora : undefined,
      }),
    );
  }
  if (!config.causal && !opts.lora) {
    notes.push(
      "non-causal model: the .bin has no causal flag; run it as seq2seq (nanolm seq2seq), " +
        "block_size tokens in, one argmax per position out",
    );
  }
  try {
    writeFileAtomically(outPath, [bytes]);
  } catch (e) {
    throw new ExportError(`cannot write ${outPath}: ${(e as Error).message}`);
  }
  return { kind: opts.lora ? "lora" : "model", bytes: bytes.length, step: ckpt.step, notes };
}
