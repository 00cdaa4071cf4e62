// fused.ts — the model's pieces as one WebAssembly call each way (training/gemm: attention.c,
// pointwise.c), registered as custom kernels of the tfjs wasm backend and given their gradients
// with tf.customGrad: the attention core, RoPE, RMSNorm, cross-entropy, and the AdamW update. Written with tf ops these are 4–20 small kernels each way — hundreds per training
// step, each a pass over memory and a trip through tfjs's bookkeeping. The model and optimizer
// call them only where fusedAvailable() (the wasm backend with nano-gemm loaded), and run their
// composite forms elsewhere; model.test.ts checks the two agree (wasm against cpu).
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { WasmGemm } from "./gemm.ts";
import { tensorOperand, type Operand } from "./operand.ts";

const WASM = "wasm";
type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

let gemm: WasmGemm | null = null;

/** Use `module` for the fused kernels, and for kernels.ts's products and exp (null: none, the
 *  composite forms and the backend's own kernels run). The one place the module is kept. */
export function useFusedGemm(module: WasmGemm | null): void {
  gemm = module;
}

/** The module set by useFusedGemm, or null. */
export function currentGemm(): WasmGemm | null {
  return gemm;
}

/** The fused ops by name; each can be turned off (its composite form then runs everywhere),
 *  for tests and benchmarks that compare the two. */
export const FUSED_OPS = {
  attention: true,
  rope: true,
  rmsNorm: true,
  crossEntropy: true,
  adamW: true,
};

/** Whether fused op `op` runs here: it is on, and the wasm backend runs with nano-gemm. */
export function fusedAvailable(op: keyof typeof FUSED_OPS): boolean {
  return FUSED_OPS[op] && gemm !== null && tf.getBackend() === WASM;
}

/** A kernel's tensors as operands for nano-gemm (see tensorOperand). */
function heapOf(backend: BackendWasm) {
  return (t: Info): Operand => tensorOperand(backend, t);
}

/** Element count of a tensor. */
function count(t: Info): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs);
  return Array.isArray(out) ? out : [out];
}

// ---- attention ---------------------------------------------------------------------------------

const ATTENTION = "NanoAttention";
const ATTENTION_GRAD = "NanoAttentionGrad";

/**
 * softmax(q·kᵀ (causal)) · v in one call each way (training/gemm/attention.c), for q (B, kvH,
 * group·T, hd) — the query heads sharing a kv head stacked along time — and k, v (B, kvH, T, hd);
 * the 1/√hd scale already in q. The same math as two matMuls, a mask and a softmax, minus the
 * work the causal mask makes zero. Only where fusedAvailable().
 */
export function fusedAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  causal: boolean,
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [qs, ks, vs, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [out, probs] = tf
      .engine()
      .runKernel(ATTENTION, { q: qs, k: ks, v: vs }, { causal }) as tf.Tensor[];
    save([qs, ks, vs, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved;
        return tf
          .engine()
          .runKernel(
            ATTENTION_GRAD,
            { dy, q: sq, k: sk, v: sv, probs: sp },
            { causal },
          ) as tf.Tensor[];
      },
    };
  });
  return op(q, k, v) as tf.Tensor4D;
}

const ROPE = "NanoRope";

/**
 * RoPE on adjacent pairs of x (B, T, heads, hd) with cos, sin (T, hd) (each value repeated for
 * its pair) in one wasm call, and its gradient the inverse rotation of dy: the same values, bit
 * for bit, as the composite x·cos + swap(x)·sin. Only where fusedAvailable().
 */
export function fusedRope(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const rotate = (t: tf.Tensor, c: tf.Tensor, s: tf.Tensor, inverse: boolean) =>
      tf.engine().runKernel(ROPE, { x: t, cos: c, sin: s }, { inverse }) as tf.Tensor;
    save([cos, sin]); // kept for the backward pass (they are not inputs of the op)
    return {
      value: rotate(xs, cos, sin, false),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [rotate(dy, saved[0], saved[1], true)],
    };
  });
  return op(x) as tf.Tensor4D;
}

function ropeKernel({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, cos, sin } = inputs as Record<string, Info>;
  const { inverse } = attrs as unknown as { inverse: boolean };
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(x.shape, "float32");
  const heap = heapOf(wasm);
  const [batch, T, heads, hd] = x.shape;
  gemm!.rope(heap(x), heap(cos), heap(sin), heap(out), { batch, T, heads, hd, inverse });
  return out;
}

function attentionShape(q: Info, k: Info, causal: boolean) {
  const [B, kvHeads, rows, hd] = q.shape;
  return { items: B * kvHeads, rows, T: k.shape[2], hd, causal };
}

function attentionKernel({ inputs, backend, attrs }: KernelArgs): Info[] {
  const { q, k, v } = inputs as { q: Info; k: Info; v: Info };
  const { causal } = attrs as unknown as { causal: boolean };
  const wasm = backend as BackendWasm;
  const shape = attentionShape(q, k, causal);
  const out = wasm.makeOutput(q.shape, "float32");
  const probs = wasm.makeOutput([...q.shape.slice(0, 3), shape.T], "float32");
  const heap = heapOf(wasm);
  gemm!.attentionForward(heap(q), heap(k), heap(v), heap(out), heap(probs), shape);
  return [out, probs];
}

function attentionGradKernel({ inputs, backend, attrs }: KernelArgs): Info[] {
  const { dy, q, k, v, probs } = inputs as Record<string, Info>;
  const { causal } = attrs as unknown as { causal: boolean };
  const wasm = backend as BackendWasm;
  const dq = wasm.makeOutput(q.shape, "float32");
  const dk = wasm.makeOutput(k.shape, "float32");
  const dv = wasm.makeOutput(v.shape, "float32");
  const heap = heapOf(wasm);
  gemm!.attentionBackward(
    heap(dy),
    heap(q),
    heap(k),
    heap(v),
    heap(probs),
    heap(dq),
    heap(dk),
    heap(dv),
    attentionShape(q, k, causal),
  );
  return [dq, dk, dv];
}

// ---- RMSNorm, cross-entropy ------------------------------------------------------------

const RMS_NORM = "NanoRmsNorm";
const RMS_NORM_GRAD = "NanoRmsNormGrad";
const CROSS_ENTROPY = "NanoCrossEntropy";
const CROSS_ENTROPY_GRAD = "NanoCrossEntropyGrad";
const ADAMW = "NanoAdamW";

/** RMSNorm over the last axis: x / √(mean(x²) + eps) · weight, x (…, E), weight (E). */
export function fusedRmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([xs, w]);
    return {
      value: runKernel(RMS_NORM, { x: xs, weight: w }, { eps })[0],
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runKernel(RMS_NORM_GRAD, { dy, x: saved[0], weight: saved[1] }, { eps }),
    };
  });
  return op(x, weight);
}

function rmsNormKernel({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, weight } = inputs as Record<string, Info>;
  const { eps } = attrs as unknown as { eps: number };
  const wasm = backend as BackendWasm;
  const y = wasm.makeOutput(x.shape, "float32");
  const heap = heapOf(wasm);
  const width = weight.shape[0];
  const rows = count(x) / width;
  gemm!.kernel("_nano_rmsnorm_forward", [heap(x), heap(weight)], [heap(y)], [rows, width, eps]);
  return y;
}

function rmsNormGradKernel({ inputs, backend, attrs }: KernelArgs): Info[] {
  const { dy, x, weight } = inputs as Record<string, Info>;
  const { eps } = attrs as unknown as { eps: number };
  const wasm = backend as BackendWasm;
  const dx = wasm.makeOutput(x.shape, "float32");
  const dw = wasm.makeOutput(weight.shape, "float32");
  const heap = heapOf(wasm);
  const width = weight.shape[0];
  gemm!.kernel(
    "_nano_rmsnorm_backward",
    [heap(dy), heap(x), heap(weight)],
    [heap(dx), heap(dw)],
    [count(x) / width, width, eps],
  );
  return [dx, dw];
}

/** Per row of logits (N, V): −log softmax(logits)[target], targets (N) int32 → (N). */
export function fusedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  // targets are integers: no gradient flows to them, so they are saved, not an input
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [l, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([l, targets]);
    return {
      value: runKernel(CROSS_ENTROPY, { logits: l, targets })[0],
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        runKernel(CROSS_ENTROPY_GRAD, { dy, logits: saved[0], targets: saved[1] })[0],
      ],
    };
  });
  return op(logits) as tf.Tensor1D;
}

/** The targets as floats, for the C kernel (ids are exact in float32 below 2^24), checked to be
 *  classes of the `width` logits so that a bad id is named here rather than failing in C. */
function targetsAsFloats(backend: BackendWasm, targets: Info, width: number): Float32Array {
  const ids = backend.typedArrayFromHeap(targets) as Int32Array;
  const row = ids.findIndex((id) => !(id >= 0 && id < width));
  if (row >= 0) {
    throw new RangeError(`cross-entropy: target ${ids[row]} of row ${row} is not in [0, ${width})`);
  }
  return Float32Array.from(ids);
}

function crossEntropyKernel({ inputs, backend }: KernelArgs): Info {
  const { logits, targets } = inputs as Record<string, Info>;
  const wasm = backend as BackendWasm;
  const [rows, width] = logits.shape;
  const nll = wasm.makeOutput([rows], "float32");
  const heap = heapOf(wasm);
  gemm!.kernel(
    "_nano_cross_entropy_forward",
    [heap(logits), targetsAsFloats(wasm, targets, width)],
    [heap(nll), new Float32Array(width)],
    [rows, width],
  );
  return nll;
}

function crossEntropyGradKernel({ inputs, backend }: KernelArgs): Info {
  const { dy, logits, targets } = inputs as Record<string, Info>;
  const wasm = backend as BackendWasm;
  const [rows, width] = logits.shape;
  const dLogits = wasm.makeOutput(logits.shape, "float32");
  const heap = heapOf(wasm);
  gemm!.kernel(
    "_nano_cross_entropy_backward",
    [heap(dy), heap(logits), targetsAsFloats(wasm, targets, width)],
    [heap(dLogits), new Float32Array(width)],
    [rows, width],
  );
  return dLogits;
}

// ---- AdamW -------------------------------------------------------------------------------------

/** One AdamW step's constants (see optim.ts's AdamW.step). */
export interface AdamWStep {
  beta1: number;
  beta2: number;
  eps: number;
  /** p is first multiplied by this (1 − lr·weight decay, or 1) */
  decay: number;
  /** lr / (1 − β1^t) */
  stepSize: number;
  /** √(1 − β2^t) */
  sqrtBiasCorrection2: number;
}

/** The new [p, m, v] of one AdamW step, in one wasm call (pointwise.c's nano_adamw). */
export function fusedAdamW(
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  step: AdamWStep,
): tf.Tensor[] {
  return runKernel(ADAMW, { p, m, v, g }, { ...step });
}

function adamWKernel({ inputs, backend, attrs }: KernelArgs): Info[] {
  const { p, m, v, g } = inputs as Record<string, Info>;
  const s = attrs as unknown as AdamWStep;
  const wasm = backend as BackendWasm;
  const outs = [p, m, v].map((t) => wasm.makeOutput(t.shape, "float32"));
  const heap = heapOf(wasm);
  const n = count(p);
  // 1 − β as tfjs computes the composite's constants: in double, then rounded to float32
  const scalars = [n, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.eps, s.decay, s.stepSize];
  gemm!.kernel("_nano_adamw", [p, m, v, g].map(heap), outs.map(heap), [
    ...scalars,
    s.sqrtBiasCorrection2,
  ]);
  return outs;
}

// ---- registration ------------------------------------------------------------------------------

let registered = false;

/** Register the fused kernels for the wasm backend (idempotent). */
export function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, (args: KernelArgs) => Info | Info[]][] = [
    [ATTENTION, attentionKernel],
    [ATTENTION_GRAD, attentionGradKernel],
    [ROPE, ropeKernel],
    [RMS_NORM, rmsNormKernel],
    [RMS_NORM_GRAD, rmsNormGradKernel],
    [CROSS_ENTROPY, crossEntropyKernel],
    [CROSS_ENTROPY_GRAD, crossEntropyGradKernel],
    [ADAMW, adamWKernel],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    tf.registerKernel({ kernelName, backendName: WASM, kernelFunc: kernelFunc as tf.KernelFunc });
  }
}
