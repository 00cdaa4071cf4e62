// config.ts — a training run described by one JSON file (like nanoGPT's settings at the top of
// train.py): the model shape, the data, the optimizer and schedule, and where the run lives.
// loadTrainConfig checks every field and fills the defaults, so the loop never meets a bad value.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { DataConfig } from "./data.ts";

/** The model shape (the Nano .bin header's config, plus the training-only dropout). */
export interface ModelConfig {
  blockSize: number;
  vocabSize: number;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nKvHead: number;
  nHidden: number;
  /** false for seq2seq models such as sort: every position attends to every other */
  causal: boolean;
  dropout: number;
  tiedEmbeddings: boolean;
}

/** Optimizer, schedule and bookkeeping settings. */
export interface TrainSettings {
  /** sequences per micro-batch */
  batchSize: number;
  /** micro-batches averaged into one optimizer step */
  gradAccum: number;
  maxSteps: number;
  /** peak learning rate, reached after warmupSteps */
  lr: number;
  /** the cosine decay ends here at maxSteps */
  minLr: number;
  warmupSteps: number;
  /** AdamW's decoupled weight decay, applied to matrices only */
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** global gradient-norm clip; 0 turns clipping off */
  gradClip: number;
  evalEvery: number;
  evalBatches: number;
  checkpointEvery: number;
  seed: number;
}

/** One training run. */
export interface TrainConfig {
  /** vocabSize comes from the tokenizer when absent */
  model: Omit<ModelConfig, "vocabSize"> & { vocabSize?: number };
  data: DataConfig;
  train: TrainSettings;
  /** SFT / LoRA: start from this checkpoint's weights */
  init?: { from: string };
  /** LoRA: freeze the base, train rank-`rank` adapters on wq wk wv wo */
  lora?: { rank: number; alpha: number };
  /** the run directory (checkpoints, log.jsonl) */
  out: string;
}

/** A config file that does not describe a valid run; the message names the field. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** nanoGPT-like defaults for everything but the shape and the step count (minLr: lr / 10). */
const TRAIN_DEFAULTS: Omit<TrainSettings, "maxSteps" | "minLr"> = {
  batchSize: 16,
  gradAccum: 1,
  lr: 1e-3,
  warmupSteps: 100,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  gradClip: 1.0,
  evalEvery: 250,
  evalBatches: 20,
  checkpointEvery: 250,
  seed: 1337,
};

/** Read, validate and complete a config file. Relative paths in it (out, init.from, data files)
 *  are resolved against the config file's folder. */
export function loadTrainConfig(path: string): TrainConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseTrainConfig(json, dirname(resolve(path)));
}

/** Validate a parsed config object; `baseDir` anchors its relative paths. */
export function parseTrainConfig(json: unknown, baseDir: string): TrainConfig {
  const root = object(json, "config");
  knownKeys(root, "config", ["model", "data", "train", "init", "lora", "out", "$comment"]);

  const m = object(root.model, "model");
  knownKeys(m, "model", [
    "blockSize",
    "vocabSize",
    "nLayer",
    "nEmbd",
    "nHead",
    "nKvHead",
    "nHidden",
    "causal",
    "dropout",
    "tiedEmbeddings",
  ]);
  const nHead = int(m.nHead, "model.nHead", 1);
  const model: TrainConfig["model"] = {
    blockSize: int(m.blockSize, "model.blockSize", 1),
    nLayer: int(m.nLayer, "model.nLayer", 1),
    nEmbd: int(m.nEmbd, "model.nEmbd", 1),
    nHead,
    nKvHead: int(m.nKvHead ?? nHead, "model.nKvHead", 1),
    nHidden: int(m.nHidden, "model.nHidden", 1),
    causal: bool(m.causal ?? true, "model.causal"),
    dropout: num(m.dropout ?? 0, "model.dropout", 0, 1, { maxExclusive: true }),
    tiedEmbeddings: bool(m.tiedEmbeddings ?? true, "model.tiedEmbeddings"),
  };
  if (m.vocabSize !== undefined) model.vocabSize = int(m.vocabSize, "model.vocabSize", 1);
  if (model.nEmbd % model.nHead !== 0) {
    throw new ConfigError(
      `model.nEmbd (${model.nEmbd}) must be a multiple of model.nHead (${model.nHead})`,
    );
  }
  if ((model.nEmbd / model.nHead) % 2 !== 0) {
    throw new ConfigError(
      `model.nEmbd / model.nHead (the head size, ${model.nEmbd / model.nHead}) ` +
        `must be even for RoPE`,
    );
  }
  if (model.nHead % model.nKvHead !== 0) {
    throw new ConfigError(
      `model.nHead (${model.nHead}) must be a multiple of model.nKvHead (${model.nKvHead})`,
    );
  }

  const t = object(root.train, "train");
  knownKeys(t, "train", ["maxSteps", "minLr", ...Object.keys(TRAIN_DEFAULTS)]);
  const d = TRAIN_DEFAULTS;
  const lr = num(t.lr ?? d.lr, "train.lr", 0, Infinity, { minExclusive: true });
  const train: TrainSettings = {
    batchSize: int(t.batchSize ?? d.batchSize, "train.batchSize", 1),
    gradAccum: int(t.gradAccum ?? d.gradAccum, "train.gradAccum", 1),
    maxSteps: int(t.maxSteps, "train.maxSteps", 1),
    lr,
    minLr: num(t.minLr ?? lr / 10, "train.minLr", 0, lr),
    warmupSteps: int(t.warmupSteps ?? d.warmupSteps, "train.warmupSteps", 0),
    weightDecay: num(t.weightDecay ?? d.weightDecay, "train.weightDecay", 0, Infinity),
    beta1: num(t.beta1 ?? d.beta1, "train.beta1", 0, 1, { maxExclusive: true }),
    beta2: num(t.beta2 ?? d.beta2, "train.beta2", 0, 1, { maxExclusive: true }),
    gradClip: num(t.gradClip ?? d.gradClip, "train.gradClip", 0, Infinity),
    evalEvery: int(t.evalEvery ?? d.evalEvery, "train.evalEvery", 1),
    evalBatches: int(t.evalBatches ?? d.evalBatches, "train.evalBatches", 1),
    checkpointEvery: int(t.checkpointEvery ?? d.checkpointEvery, "train.checkpointEvery", 1),
    seed: int(t.seed ?? d.seed, "train.seed", 0),
  };

  const config: TrainConfig = {
    model,
    data: parseDataConfig(root.data, baseDir),
    train,
    out: resolve(baseDir, str(root.out, "out")),
  };
  if (root.init !== undefined) {
    const init = object(root.init, "init");
    knownKeys(init, "init", ["from"]);
    config.init = { from: resolve(baseDir, str(init.from, "init.from")) };
  }
  if (root.lora !== undefined) {
    const lora = object(root.lora, "lora");
    knownKeys(lora, "lora", ["rank", "alpha"]);
    config.lora = {
      rank: int(lora.rank, "lora.rank", 1),
      alpha: num(lora.alpha ?? lora.rank, "lora.alpha", 0, Infinity, { minExclusive: true }),
    };
    if (!config.init) {
      throw new ConfigError("lora needs init.from: the base checkpoint the adapters train on");
    }
  }
  return config;
}

/** The data section: checked for shape here (clear messages early); data.ts reads the files. */
function parseDataConfig(value: unknown, baseDir: string): DataConfig {
  const d = object(value, "data");
  const kind = str(d.kind, "data.kind");
  const fraction = (v: unknown) =>
    num(v ?? 0.1, "data.valFraction", 0, 1, { minExclusive: true, maxExclusive: true });
  switch (kind) {
    case "text": {
      knownKeys(d, "data", ["kind", "train", "valFraction", "tokenizer", "words"]);
      const files = typeof d.train === "string" ? [d.train] : d.train;
      if (!Array.isArray(files) || files.length === 0) {
        throw new ConfigError("data.train must be a file path or a non-empty list of file paths");
      }
      const config: DataConfig = {
        kind,
        train: files.map((f, i) => resolve(baseDir, str(f, `data.train[${i}]`))),
        valFraction: fraction(d.valFraction),
      };
      if (d.tokenizer !== undefined) {
        config.tokenizer = resolve(baseDir, str(d.tokenizer, "data.tokenizer"));
      }
      if (d.words !== undefined) config.words = int(d.words, "data.words", 0);
      return config;
    }
    case "stories": {
      knownKeys(d, "data", ["kind", "count", "seed", "valFraction", "words"]);
      const config: DataConfig = {
        kind,
        count: int(d.count, "data.count", 1),
        seed: int(d.seed ?? 1, "data.seed", 0),
        valFraction: fraction(d.valFraction),
      };
      if (d.words !== undefined) config.words = int(d.words, "data.words", 0);
      return config;
    }
    case "sft":
      knownKeys(d, "data", ["kind", "train", "valFraction", "tokenizer"]);
      return {
        kind,
        train: resolve(baseDir, str(d.train, "data.train")),
        valFraction: fraction(d.valFraction),
        tokenizer: resolve(baseDir, str(d.tokenizer, "data.tokenizer")),
      };
    case "task": {
      knownKeys(d, "data", ["kind", "task", "length", "trainSize", "valSize"]);
      const task = str(d.task, "data.task");
      if (task !== "sort" && task !== "reverse" && task !== "boolean") {
        throw new ConfigError(
          `data.task must be "sort", "reverse" or "boolean", got ${JSON.stringify(task)}`,
        );
      }
      const config: DataConfig = { kind, task };
      if (d.length !== undefined) config.length = int(d.length, "data.length", 1);
      if (d.trainSize !== undefined) config.trainSize = int(d.trainSize, "data.trainSize", 1);
      if (d.valSize !== undefined) config.valSize = int(d.valSize, "data.valSize", 1);
      return config;
    }
    default:
      throw new ConfigError(
        `data.kind must be "text", "stories", "sft" or "task", got ${JSON.stringify(kind)}`,
      );
  }
}

// ---- field checkers: each names the field it rejects ----

function describe(value: unknown): string {
  return value === undefined ? "nothing (the field is missing)" : JSON.stringify(value);
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${field} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A misspelt key would otherwise silently fall back to its default. */
function knownKeys(obj: Record<string, unknown>, field: string, keys: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key)) {
      throw new ConfigError(`unknown field ${field}.${key} (known: ${keys.join(", ")})`);
    }
  }
}

function str(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") {
    throw new ConfigError(`${field} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") {
    throw new ConfigError(`${field} must be true or false, got ${describe(value)}`);
  }
  return value;
}

function num(
  value: unknown,
  field: string,
  min: number,
  max: number,
  { minExclusive = false, maxExclusive = false } = {},
): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ConfigError(`${field} must be a number, got ${describe(value)}`);
  }
  const tooLow = minExclusive ? value <= min : value < min;
  const tooHigh = maxExclusive ? value >= max : value > max;
  if (tooLow || tooHigh) {
    const lo = `${minExclusive ? "(" : "["}${min}`;
    const hi = `${max}${maxExclusive ? ")" : "]"}`;
    throw new ConfigError(`${field} must be in ${lo}, ${hi}, got ${value}`);
  }
  return value;
}

function int(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ConfigError(`${field} must be an integer, got ${describe(value)}`);
  }
  if (value < min) throw new ConfigError(`${field} must be at least ${min}, got ${value}`);
  return value;
}
