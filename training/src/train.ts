// train.ts — the training loop, nanoGPT's train.py in TypeScript: build the data, the model and
// the optimizer from one config, then step: micro-batches → averaged gradients → clip → AdamW,
// with periodic validation, checkpoints (last.ckpt, best.ckpt) and a JSONL log. A run killed at
// any moment continues with --resume exactly as if it had never stopped.
import * as tf from "@tensorflow/tfjs";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { initBackend, wasmThreads } from "./backend.ts";
import { isModelFile, readBaseModel, type BaseModel } from "./import-bin.ts";
import {
  loadCheckpoint,
  saveCheckpoint,
  writeFileAtomically,
  type Checkpoint,
  type StoredTensor,
} from "./checkpoint.ts";
import type { ModelConfig, TrainConfig } from "./config.ts";
import { openDataset, type Batch, type Dataset } from "./data.ts";
import { createModel, type NanoTfModel } from "./model.ts";
import { accumulateGradients, AdamW, clipGradients, globalNorm, learningRate } from "./optim.ts";
import { Progress, type OutputStream } from "./progress.ts";
import { mixSeeds } from "./rng.ts";

/** Options of a run besides its config (the `nanolm train` flags). */
export interface TrainOptions {
  /** continue from `out/last.ckpt` */
  resume?: boolean;
  /** "node", "wasm" or "cpu"; the fastest available when absent */
  backend?: string;
  /** where the progress bar and messages go (stderr by default) */
  stream?: OutputStream;
}

/** How a run ended. */
export interface TrainResult {
  backend: string;
  /** optimizer steps completed */
  step: number;
  bestValLoss: number | null;
  outDir: string;
}

/** A run that cannot start or go on (bad resume, NaN); the message says what to do. */
export class TrainingError extends Error {
  override name = "TrainingError";
}

/** The files of a run directory. */
export function runFiles(outDir: string) {
  return {
    last: join(outDir, "last.ckpt"),
    best: join(outDir, "best.ckpt"),
    log: join(outDir, "log.jsonl"),
  };
}

/** Train as `config` says; resolves when maxSteps are done, rejects with TrainingError on NaN. */
export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const stream = options.stream ?? process.stderr;
  const say = (line: string) => stream.write(line + "\n");
  const s = config.train;
  const files = runFiles(config.out);

  // ---- where we start: fresh, from a base checkpoint (SFT/LoRA), or resuming ----
  let resumed: Checkpoint | undefined;
  if (options.resume) {
    if (!existsSync(files.last)) {
      throw new TrainingError(`nothing to resume: ${files.last} does not exist`);
    }
    resumed = loadCheckpoint(files.last);
    checkSameRun(config, resumed.config);
    if (JSON.stringify(config.train) !== JSON.stringify(resumed.config.train)) {
      say(
        "note: the train settings differ from the checkpoint's; the run goes on with the new ones",
      );
    }
  } else if (existsSync(files.last)) {
    throw new TrainingError(
      `${files.last} already exists: pass --resume to continue that run, ` +
        `or delete ${config.out} (or change "out") to start afresh`,
    );
  }
  // The base of an SFT or LoRA run: a checkpoint, or a .bin model (read once the model's shape is
  // known, below).
  const initFrom = config.init && !resumed ? config.init.from : undefined;
  let base: BaseModel | undefined =
    initFrom && !isModelFile(initFrom) ? loadCheckpoint(initFrom) : undefined;

  let backend: string;
  try {
    backend = await initBackend(options.backend);
  } catch (e) {
    throw new TrainingError((e as Error).message);
  }
  const threads = wasmThreads();
  say(`backend: ${backend}${threads === null ? "" : ` (nano-gemm kernels, ${threads} threads)`}`);

  // loadTrainConfig made every data path absolute, so the base folder is only a formality.
  let dataset: Dataset;
  try {
    dataset = await openDataset(config.data, config.model.blockSize, s.seed, process.cwd());
  } catch (e) {
    throw new TrainingError(`cannot open the data: ${(e as Error).message}`);
  }
  const tokenizer = dataset.tokenizer;
  if (initFrom && isModelFile(initFrom)) {
    const vocabSize = config.model.vocabSize ?? tokenizer.vocabSize;
    try {
      base = readBaseModel(initFrom, { ...config.model, vocabSize });
    } catch (e) {
      throw new TrainingError((e as Error).message);
    }
  }
  if (base && JSON.stringify(base.tokenizer) !== JSON.stringify(tokenizer.json)) {
    throw new TrainingError(
      `the tokenizer of the data differs from the one ${config.init!.from} was trained with`,
    );
  }
  const vocabSize = config.model.vocabSize ?? tokenizer.vocabSize;
  if (vocabSize < tokenizer.vocabSize) {
    throw new TrainingError(
      `model.vocabSize ${vocabSize} is smaller than the tokenizer's ${tokenizer.vocabSize} tokens`,
    );
  }
  const modelConfig: ModelConfig = { ...config.model, vocabSize };
  const model = createModel(modelConfig, s.seed, config.lora);
  if (base) loadBaseWeights(model, base, config.init!.from);
  const optimizer = new AdamW(model.params, model.trainable, s);

  let step = 0;
  let bestValLoss: number | null = null;
  let elapsedBefore = 0;
  mkdirSync(config.out, { recursive: true });
  if (resumed) {
    restore(model, optimizer, dataset, resumed);
    step = resumed.step;
    bestValLoss = resumed.bestValLoss;
    elapsedBefore = resumed.elapsedSeconds;
    // The log may run past the checkpoint (the kill came later): drop those lines, so the log
    // holds each step once and continues seamlessly.
    truncateLog(files.log, step);
    say(`resuming from ${files.last} at step ${step}`);
  } else {
    writeFileAtomically(files.log, []);
  }
  const logFd = openSync(files.log, "a");
  const log = (entry: object) => writeSync(logFd, JSON.stringify(entry) + "\n");

  const paramCount = [...model.params.values()].reduce((n, p) => n + p.size, 0);
  const trainableCount = model.trainable.reduce((n, name) => n + model.params.get(name)!.size, 0);
  say(
    `model: ${paramCount} parameters` +
      (trainableCount !== paramCount ? ` (${trainableCount} trainable: LoRA)` : "") +
      `, vocabulary ${vocabSize}, ${modelConfig.causal ? "causal" : "non-causal"}`,
  );

  const validation = dataset.validationBatches(s.batchSize, s.evalBatches);
  const sessionStart = performance.now();
  const checkpoint = (path: string, completed: number) => {
    const params = snapshot(model.params);
    for (const [name, t] of params) {
      if (!t.data.every(Number.isFinite)) {
        throw new TrainingError(
          `training stopped at step ${completed}: parameter ${name} is no longer finite, so no ` +
            `checkpoint was written over the last good one. ` +
            `A lower train.lr or a train.gradClip usually help.`,
        );
      }
    }
    fsyncSync(logFd); // the log is at least as far as the checkpoint
    saveCheckpoint(path, {
      config,
      tokenizer: tokenizer.json,
      params,
      trainable: model.trainable,
      optimizer: {
        stepCount: optimizer.stepCount,
        m: snapshot(optimizer.m),
        v: snapshot(optimizer.v),
      },
      step: completed,
      dataState: dataset.getState(),
      // Dropout seeds are a function of (seed, step, micro-step) and the data stream's RNG lives
      // in dataState, so no other random state exists to save.
      rngStates: {},
      bestValLoss,
      elapsedSeconds: elapsedBefore + (performance.now() - sessionStart) / 1000,
    });
  };

  const tokensPerStep = s.batchSize * modelConfig.blockSize * s.gradAccum;
  const progress = new Progress(s.maxSteps, step, stream);
  try {
    for (; step < s.maxSteps; step++) {
      const stepStart = performance.now();
      const lr = learningRate(step, s);
      const batches = Array.from({ length: s.gradAccum }, () =>
        dataset.nextTrainBatch(s.batchSize),
      );
      const { loss, grads } = accumulateGradients(
        (micro) => batchLoss(model, batches[micro], mixSeeds(s.seed, step, micro)),
        s.gradAccum,
        model.params,
        model.trainable,
      );
      const norm = globalNorm(grads);
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
        for (const g of grads.values()) g.dispose();
        const what = Number.isFinite(loss) ? `the gradient norm is ${norm}` : `the loss is ${loss}`;
        const kept = existsSync(files.last)
          ? `the last good checkpoint is ${files.last} (step ${loadCheckpoint(files.last).step})`
          : "no checkpoint was written yet";
        throw new TrainingError(
          `training stopped at step ${step + 1}: ${what}. Nothing was updated; ${kept}. ` +
            `A lower train.lr, a train.gradClip or more train.warmupSteps usually help.`,
        );
      }
      clipGradients(grads, norm, s.gradClip);
      optimizer.step(grads, lr);
      for (const g of grads.values()) g.dispose();

      const completed = step + 1;
      const now = performance.now();
      const tokensPerSecond = tokensPerStep / ((now - stepStart) / 1000);
      log({
        step: completed,
        loss,
        lr,
        tokens_per_s: round(tokensPerSecond, 1),
        elapsed_s: round(elapsedBefore + (now - sessionStart) / 1000, 3),
      });
      progress.update({ step: completed, loss, lr, tokensPerSecond });

      if (completed % s.evalEvery === 0 || completed === s.maxSteps) {
        const valLoss = evaluate(model, validation);
        log({ step: completed, val_loss: valLoss });
        const isBest = bestValLoss === null || valLoss < bestValLoss;
        if (isBest) bestValLoss = valLoss;
        progress.log(`step ${completed}: val loss ${valLoss.toFixed(4)}${isBest ? " (best)" : ""}`);
        if (isBest) checkpoint(files.best, completed);
      }
      if (completed % s.checkpointEvery === 0 || completed === s.maxSteps) {
        checkpoint(files.last, completed);
      }
    }
  } finally {
    progress.finish();
    closeSync(logFd);
    optimizer.dispose();
    model.dispose();
  }
  say(`done: ${step} steps, best val loss ${bestValLoss?.toFixed(4) ?? "—"}, in ${config.out}`);
  return { backend, step, bestValLoss, outDir: config.out };
}

// ---- pieces of the loop ----

/** The scalar loss of one batch; dropout on (seeded) when `dropoutSeed` is given. */
function batchLoss(model: NanoTfModel, b: Batch, dropoutSeed?: number): tf.Scalar {
  return tf.tidy(() => {
    const shape: [number, number] = [b.batchSize, b.blockSize];
    return model.loss(
      tf.tensor2d(b.tokens, shape, "int32"),
      tf.tensor2d(b.targets, shape, "int32"),
      tf.tensor2d(b.mask, shape, "float32"),
      dropoutSeed,
    );
  });
}

/** Mean loss over the fixed validation batches, without dropout. */
function evaluate(model: NanoTfModel, batches: Batch[]): number {
  let sum = 0;
  for (const b of batches) {
    const loss = batchLoss(model, b);
    sum += loss.dataSync()[0];
    loss.dispose();
  }
  return sum / batches.length;
}

/** Copy tensors out of tfjs for a checkpoint. */
function snapshot(tensors: Map<string, tf.Tensor>): Map<string, StoredTensor> {
  const out = new Map<string, StoredTensor>();
  for (const [name, t] of tensors) {
    out.set(name, {
      shape: t.shape.slice(),
      data: Float32Array.from(t.dataSync() as Float32Array),
    });
  }
  return out;
}

/** Assign stored values to variables, checking names and shapes match. */
function assign(
  variables: Map<string, tf.Variable>,
  stored: Map<string, StoredTensor>,
  what: string,
): void {
  for (const [name, v] of variables) {
    const t = stored.get(name);
    if (!t) throw new TrainingError(`${what} has no ${name}`);
    if (t.shape.join() !== v.shape.join()) {
      throw new TrainingError(`${what}: ${name} has shape (${t.shape}), the model (${v.shape})`);
    }
    v.assign(tf.tensor(t.data, t.shape));
  }
}

/** Put a resumed run back exactly where it was. */
function restore(model: NanoTfModel, optimizer: AdamW, dataset: Dataset, ckpt: Checkpoint): void {
  if (ckpt.trainable.join() !== model.trainable.join()) {
    throw new TrainingError("the checkpoint trains different parameters than this config");
  }
  tf.tidy(() => {
    assign(model.params, ckpt.params, "the checkpoint");
    assign(optimizer.m, ckpt.optimizer.m, "the checkpoint's optimizer state");
    assign(optimizer.v, ckpt.optimizer.v, "the checkpoint's optimizer state");
  });
  optimizer.stepCount = ckpt.optimizer.stepCount;
  dataset.setState(ckpt.dataState);
}

/** SFT / LoRA: start from a base checkpoint's weights. Every base parameter must fit; only LoRA
 *  adapters (which the base does not have) keep their fresh initialization. */
function loadBaseWeights(model: NanoTfModel, base: BaseModel, from: string): void {
  tf.tidy(() => {
    for (const [name, v] of model.params) {
      const t = base.params.get(name);
      if (!t) {
        if (name.includes(".lora_")) continue;
        throw new TrainingError(`${from} has no parameter ${name}: it is not this model's base`);
      }
      if (t.shape.join() !== v.shape.join()) {
        throw new TrainingError(
          `${from}: ${name} has shape (${t.shape}) but this config's model has (${v.shape}); ` +
            `the model section must match the base run's`,
        );
      }
      v.assign(tf.tensor(t.data, t.shape));
    }
  });
}

/** A resume must continue the same run: same model, data and init; only train settings may
 *  change (and then the run no longer repeats an uninterrupted one). */
function checkSameRun(config: TrainConfig, saved: TrainConfig): void {
  for (const key of ["model", "data", "init", "lora"] as const) {
    if (JSON.stringify(config[key]) !== JSON.stringify(saved[key])) {
      throw new TrainingError(
        `cannot resume: the config's "${key}" section differs from the checkpoint's ` +
          `(${JSON.stringify(saved[key])})`,
      );
    }
  }
}

/** Keep only the log lines of steps ≤ `step` (and drop a half-written last line). */
function truncateLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => {
      try {
        return (JSON.parse(line) as { step: number }).step <= step;
      } catch {
        return false;
      }
    });
  writeFileAtomically(path, [Buffer.from(kept.map((l) => l + "\n").join(""))]);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
