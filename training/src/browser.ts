// browser.ts — the training loop of train.ts cut down to what runs in a web page: the sort task
// trained step by step with the real model (model.ts), optimizer and schedule (optim.ts), so the
// course can train a model while the reader watches. No files, no checkpoints, no Node modules:
// the page drives `step()` itself and draws what it returns. The backend is chosen by the page
// (startBrowserBackend), because only the page knows where its .wasm files are served.
import * as tf from "@tensorflow/tfjs";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { ModelConfig, TrainSettings } from "./config.ts";
import { registerWasmKernels, useWasmGemm } from "./kernels.ts";
import { createModel, parameterCount, type NanoTfModel } from "./model.ts";
import { accumulateGradients, AdamW, clipGradients, globalNorm, learningRate } from "./optim.ts";
import { mixSeeds, Rng } from "./rng.ts";
import { sortTask } from "./tasks/sort.ts";

/** The .wasm binaries of @tensorflow/tfjs-backend-wasm, by file name, as the page serves them. */
export type WasmBinaryUrls = Partial<
  Record<
    | "tfjs-backend-wasm.wasm"
    | "tfjs-backend-wasm-simd.wasm"
    | "tfjs-backend-wasm-threaded-simd.wasm",
    string
  >
>;

/**
 * Start a tfjs backend in the browser: "wasm" (with our kernels, kernels.ts, and, where the page
 * is cross-origin isolated, our nano-gemm module for the products, attention and the fused
 * kernels, on the page's own thread: "wasm+nano-gemm"), when its binaries are given and it
 * starts, else the pure-JavaScript "cpu" one. WebGL is never chosen: for a model this small the
 * cost of each of its hundreds of tiny kernel launches dwarfs the arithmetic, and in a headless
 * browser it is often a software rasterizer. Returns the backend's name.
 */
export async function startBrowserBackend(wasm?: WasmBinaryUrls): Promise<string> {
  const name = await startTfBackend(wasm);
  if (name !== "wasm") return name;
  if (!browserGemm) {
    try {
      // One thread: the page's. Its pool would need the page to block while workers finish,
      // and a model this small gains nothing from a second thread. (A separate chunk: pages
      // that never train do not load the glue.)
      const { WasmGemm } = await import("./kernels/gemm.ts");
      browserGemm = await WasmGemm.create(1, 1);
    } catch (e) {
      console.warn(`nano-gemm did not load (${(e as Error).message}); using tfjs's kernels`);
      return name;
    }
  }
  useWasmGemm(browserGemm);
  return "wasm+nano-gemm";
}

/** The page's nano-gemm module, once loaded. */
let browserGemm: import("./kernels/gemm.ts").WasmGemm | null = null;

async function startTfBackend(wasm?: WasmBinaryUrls): Promise<string> {
  tf.env().set("PROD", true);
  if (wasm && Object.keys(wasm).length > 0) {
    try {
      // Before anything asks tfjs for its backend: the first such question (even
      // tf.getBackend()) starts the best registered backend with the default flags, which in a
      // cross-origin-isolated page means the threaded build and its pthread workers.
      if (!wasmConfigured) {
        registerWasmKernels();
        tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
        setThreadsCount(1);
        setWasmPaths(wasm);
        wasmConfigured = true;
      }
      if ((await tf.setBackend("wasm")) && tf.getBackend() === "wasm") return "wasm";
    } catch {
      // fall through to cpu: a browser without WebAssembly, say
    }
  }
  await tf.setBackend("cpu");
  return tf.getBackend();
}

/** Whether the wasm backend's flags and binaries were set (tfjs accepts them once). */
let wasmConfigured = false;

/** The sort model of training/configs/sort.json: 6 digits in, the same digits sorted out. */
export const SORT_MODEL: Omit<ModelConfig, "vocabSize"> = {
  blockSize: 6,
  nLayer: 2,
  nEmbd: 32,
  nHead: 4,
  nKvHead: 2,
  nHidden: 64,
  causal: false,
  dropout: 0,
  tiedEmbeddings: true,
};

/** The settings a page may change; the rest are the defaults of config.ts. */
export type SortTrainSettings = Pick<
  TrainSettings,
  "maxSteps" | "batchSize" | "lr" | "minLr" | "warmupSteps" | "weightDecay" | "seed"
>;

/** A schedule short enough to watch: loss visibly falls within the first minute in a browser. */
export const BROWSER_SORT_SETTINGS: SortTrainSettings = {
  maxSteps: 1500,
  batchSize: 32,
  lr: 1e-2,
  minLr: 5e-4,
  warmupSteps: 30,
  weightDecay: 0.01,
  seed: 1337,
};

/** The sort task's vocabulary: the 7 Nano special tokens, then "0"–"9" (tasks/index.ts's
 *  taskTokenizer; written out here because that module reads files in Node). */
const FIRST_DIGIT_ID = 7;
const VOCAB_SIZE = FIRST_DIGIT_ID + 10;

/** What one optimizer step did. */
export interface StepReport {
  /** optimizer steps completed */
  step: number;
  /** the mean cross-entropy of the step's batch, before the update */
  loss: number;
  /** the learning rate the step used */
  lr: number;
  /** the gradients' global norm, before clipping */
  gradNorm: number;
}

/** A sort model being trained in the page: call `step()` as often as the page likes. */
export class SortTrainer {
  readonly model: NanoTfModel;
  readonly parameters: number;
  private readonly optimizer: AdamW;
  private readonly task = sortTask(6);
  private readonly random: () => number;
  private readonly heldOut: string[];
  private readonly heldOutSet: Set<string>;
  private completed = 0;

  /** A fresh model from `settings.seed`, and `heldOutCount` inputs it never trains on. */
  constructor(
    readonly settings: SortTrainSettings = BROWSER_SORT_SETTINGS,
    heldOutCount = 500,
  ) {
    const config: ModelConfig = { ...SORT_MODEL, vocabSize: VOCAB_SIZE };
    this.model = createModel(config, settings.seed);
    this.parameters = parameterCount(config);
    this.optimizer = new AdamW(this.model.params, this.model.trainable, {
      beta1: 0.9,
      beta2: 0.95,
      weightDecay: settings.weightDecay,
    });
    // Held-out inputs from their own seed, excluded from training, so accuracy on them
    // measures sorting rather than memory.
    const heldOutRng = new Rng(mixSeeds(settings.seed, 0x4e1d));
    const seen = new Set<string>();
    while (seen.size < heldOutCount) seen.add(this.task.randomInput(() => heldOutRng.nextFloat()));
    this.heldOutSet = seen;
    this.heldOut = [...seen];
    const trainRng = new Rng(mixSeeds(settings.seed, 0x7a5c));
    this.random = () => trainRng.nextFloat();
  }

  /** Optimizer steps taken so far. */
  get stepCount(): number {
    return this.completed;
  }

  /** Whether the schedule has run to its end (more steps would use minLr). */
  get finished(): boolean {
    return this.completed >= this.settings.maxSteps;
  }

  /** One step of train.ts's loop: a fresh batch, gradients, clipping at 1, AdamW. */
  step(): StepReport {
    const s = this.settings;
    const lr = learningRate(this.completed, s);
    const inputs: string[] = [];
    while (inputs.length < s.batchSize) {
      const input = this.task.randomInput(this.random);
      if (!this.heldOutSet.has(input)) inputs.push(input);
    }
    const tokens = tf.tensor2d(inputs.map(encodeDigits), [s.batchSize, 6], "int32");
    const targets = tf.tensor2d(
      inputs.map((i) => encodeDigits(this.task.solve(i))),
      [s.batchSize, 6],
      "int32",
    );
    const mask = tf.ones([s.batchSize, 6]) as tf.Tensor2D;
    try {
      const { loss, grads } = accumulateGradients(
        () => this.model.loss(tokens, targets, mask),
        1,
        this.model.params,
        this.model.trainable,
      );
      const gradNorm = globalNorm(grads);
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        for (const g of grads.values()) g.dispose();
        throw new Error(`training diverged at step ${this.completed + 1} (loss ${loss})`);
      }
      clipGradients(grads, gradNorm, 1.0);
      this.optimizer.step(grads, lr);
      for (const g of grads.values()) g.dispose();
      this.completed++;
      return { step: this.completed, loss, lr, gradNorm };
    } finally {
      tokens.dispose();
      targets.dispose();
      mask.dispose();
    }
  }

  /** The model's answer for each input of six digits: the most likely digit at every position
   *  (a special token, which a half-trained model may still pick, shows as "?"). */
  sort(inputs: string[]): string[] {
    for (const input of inputs) {
      if (!/^[0-9]{6}$/.test(input)) throw new RangeError(`expected six digits, got "${input}"`);
    }
    return tf.tidy(() => {
      const tokens = tf.tensor2d(inputs.map(encodeDigits), [inputs.length, 6], "int32");
      const best = tf.argMax(this.model.logits(tokens), -1).arraySync() as number[][];
      return best.map((row) => row.map(decodeDigit).join(""));
    });
  }

  /** The mean cross-entropy on the held-out inputs (the same inputs every time, so the curve is
   *  smooth where the training batches' losses are noisy). */
  heldOutLoss(): number {
    const n = this.heldOut.length;
    const loss = tf.tidy(() =>
      this.model.loss(
        tf.tensor2d(this.heldOut.map(encodeDigits), [n, 6], "int32"),
        tf.tensor2d(
          this.heldOut.map((i) => encodeDigits(this.task.solve(i))),
          [n, 6],
          "int32",
        ),
        tf.ones([n, 6]) as tf.Tensor2D,
      ),
    );
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  }

  /** Exact-match accuracy on the held-out inputs: the share sorted entirely right. */
  heldOutAccuracy(): { accuracy: number; correct: number; total: number } {
    const got = this.sort(this.heldOut);
    const correct = got.filter((out, i) => out === this.task.solve(this.heldOut[i])).length;
    return { accuracy: correct / this.heldOut.length, correct, total: this.heldOut.length };
  }

  /** Free the model's and the optimizer's tensors. */
  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}

function encodeDigits(digits: string): number[] {
  return [...digits].map((d) => FIRST_DIGIT_ID + d.charCodeAt(0) - 48);
}

function decodeDigit(id: number): string {
  return id >= FIRST_DIGIT_ID && id < VOCAB_SIZE ? String(id - FIRST_DIGIT_ID) : "?";
}
