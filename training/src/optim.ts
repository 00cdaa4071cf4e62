// optim.ts — the optimizer side of the loop, as nanoGPT's train.py does it with PyTorch: gradient
// accumulation over micro-batches, global-norm clipping, AdamW with decoupled weight decay on the
// matrices only, and a warmup + cosine learning-rate schedule. Written with plain tf ops on the
// model's parameter Map so that every number the optimizer keeps can be checkpointed.
import * as tf from "@tensorflow/tfjs";
import type { TrainSettings } from "./config.ts";
import { fusedAdamW, fusedAvailable } from "./kernels/fused.ts";

// ---- learning-rate schedule ----

/** The learning rate for optimizer step `step` (0-based): linear warmup to `lr` over
 *  `warmupSteps`, then cosine decay to `minLr` at `maxSteps` (nanoGPT's get_lr). */
export function learningRate(
  step: number,
  s: Pick<TrainSettings, "lr" | "minLr" | "warmupSteps" | "maxSteps">,
): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / (s.warmupSteps + 1);
  if (step >= s.maxSteps) return s.minLr;
  const decayRatio = (step - s.warmupSteps) / Math.max(1, s.maxSteps - s.warmupSteps);
  const coeff = 0.5 * (1 + Math.cos(Math.PI * decayRatio));
  return s.minLr + coeff * (s.lr - s.minLr);
}

// ---- gradients ----

/** Gradients of the mean loss over `microBatches` micro-batches (gradient accumulation: each
 *  micro-batch's gradient is summed, then the sum divided by their count), keyed by parameter name.
 *  `microLoss(i)` builds micro-batch i's scalar loss. Returns the mean loss too. */
export function accumulateGradients(
  microLoss: (micro: number) => tf.Scalar,
  microBatches: number,
  params: Map<string, tf.Variable>,
  trainable: string[],
): { loss: number; grads: Map<string, tf.Tensor> } {
  const variables = trainable.map((name) => param(params, name));
  const sums = new Map<string, tf.Tensor>();
  let lossSum = 0;
  for (let micro = 0; micro < microBatches; micro++) {
    const { value, grads } = tf.variableGrads(() => microLoss(micro), variables);
    lossSum += value.dataSync()[0];
    value.dispose();
    trainable.forEach((name, i) => {
      const g = grads[variables[i].name];
      if (!g) throw new Error(`no gradient for parameter ${name}`);
      const previous = sums.get(name);
      if (previous) {
        sums.set(name, tf.add(previous, g));
        previous.dispose();
        g.dispose();
      } else {
        sums.set(name, g);
      }
    });
  }
  if (microBatches > 1) {
    for (const [name, sum] of sums) {
      sums.set(name, tf.div(sum, microBatches));
      sum.dispose();
    }
  }
  return { loss: lossSum / microBatches, grads: sums };
}

/** The global L2 norm of all gradients together (what clipping and the NaN check look at). */
export function globalNorm(grads: Map<string, tf.Tensor>): number {
  const norm = tf.tidy(() => {
    const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
    return tf.sqrt(tf.addN(squares));
  });
  const value = norm.dataSync()[0];
  norm.dispose();
  return value;
}

/** Scale all gradients so their global norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_:
 *  factor maxNorm / (norm + 1e-6), never above 1). Replaces and disposes the old tensors. */
export function clipGradients(grads: Map<string, tf.Tensor>, norm: number, maxNorm: number): void {
  if (maxNorm <= 0) return;
  const factor = maxNorm / (norm + 1e-6);
  if (factor >= 1) return;
  for (const [name, g] of grads) {
    grads.set(name, tf.mul(g, factor));
    g.dispose();
  }
}

// ---- AdamW ----

/** Settings of AdamW (PyTorch's names and eps). */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  weightDecay: number;
  eps?: number;
}

/** AdamW (Loshchilov & Hutter): Adam moments plus weight decay applied to the weights directly,
 *  not through the gradient. Decay only on tensors with 2 or more dimensions (the matrices and the
 *  embedding table), never on the norm gains, as nanoGPT's configure_optimizers does. */
export class AdamW {
  /** first moments (mean of gradients), one per trainable parameter */
  readonly m = new Map<string, tf.Variable>();
  /** second moments (mean of squared gradients) */
  readonly v = new Map<string, tf.Variable>();
  /** optimizer steps taken so far (drives the bias correction) */
  stepCount = 0;
  private readonly eps: number;

  constructor(
    private readonly params: Map<string, tf.Variable>,
    private readonly trainable: string[],
    private readonly options: AdamWOptions,
  ) {
    this.eps = options.eps ?? 1e-8;
    for (const name of trainable) {
      const p = param(params, name);
      // tidy frees the zeros tensors; the variables keep their own reference to the data.
      this.m.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
      this.v.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
    }
  }

  /** Whether weight decay applies to this parameter. */
  decays(name: string): boolean {
    return param(this.params, name).rank >= 2;
  }

  /** One update with learning rate `lr`, as torch.optim.AdamW computes it:
   *  p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
   *  p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε). */
  step(grads: Map<string, tf.Tensor>, lr: number): void {
    this.stepCount++;
    const { beta1, beta2, weightDecay } = this.options;
    const biasCorrection1 = 1 - Math.pow(beta1, this.stepCount);
    const sqrtBiasCorrection2 = Math.sqrt(1 - Math.pow(beta2, this.stepCount));
    for (const name of this.trainable) {
      const g = grads.get(name);
      if (!g) throw new Error(`no gradient for parameter ${name}`);
      const p = param(this.params, name);
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const decays = this.decays(name) && weightDecay > 0;
      if (fusedAvailable("adamW")) {
        // the same arithmetic in one wasm call (kernels/fused.ts)
        const [pNext, mNext, vNext] = fusedAdamW(p, m, v, g, {
          beta1,
          beta2,
          eps: this.eps,
          decay: decays ? 1 - lr * weightDecay : 1,
          stepSize: lr / biasCorrection1,
          sqrtBiasCorrection2,
        });
        m.assign(mNext);
        v.assign(vNext);
        p.assign(pNext);
        tf.dispose([pNext, mNext, vNext]);
        continue;
      }
      tf.tidy(() => {
        const mNext = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const vNext = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denominator = tf.add(tf.div(tf.sqrt(vNext), sqrtBiasCorrection2), this.eps);
        const decayed = decays ? tf.mul(p, 1 - lr * weightDecay) : p;
        const update = tf.mul(tf.div(mNext, denominator), lr / biasCorrection1);
        m.assign(mNext);
        v.assign(vNext);
        p.assign(tf.sub(decayed, update));
      });
    }
  }

  /** Free the moment tensors. */
  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

function param(params: Map<string, tf.Variable>, name: string): tf.Variable {
  const p = params.get(name);
  if (!p) throw new Error(`the model has no parameter named ${name}`);
  return p;
}
