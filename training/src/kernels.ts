// kernels.ts — the kernels the tfjs wasm backend lacks or runs slowly, registered in place of its
// own, so the model's plain tfjs code trains fast on it (tfjs 4.22, measured in bench/README.md):
//   - BatchMatMul with transposeA/transposeB takes a slow generic path (≈6× slower for B, ≈20×
//     for A, than without). Every backward pass of a matmul asks for one, so the replacement
//     transposes the operand explicitly (a cheap copy) and runs the fast untransposed product.
//   - UnsortedSegmentSum, the gradient of gather (the embedding lookup), has no wasm kernel.
// Each replacement sits beside the thing it replaces and returns exactly the same values.
import * as tf from "@tensorflow/tfjs";
// importing the package registers its kernels, which registerWasmKernels wraps
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

const WASM = "wasm";
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Element count of a shape. */
function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Swap the last two axes of x (…, rows, cols) into a new wasm tensor. A plain JS loop over the
 * wasm heap: ≈10× faster here than the backend's generic Transpose kernel for these shapes.
 */
function transposeLastTwo(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const n = x.shape.length;
  const rows = x.shape[n - 2];
  const cols = x.shape[n - 1];
  const batch = sizeOf(x.shape.slice(0, n - 2));
  const out = backend.makeOutput([...x.shape.slice(0, n - 2), cols, rows], x.dtype);
  // views after the allocation: growing the wasm memory detaches older views
  const src = backend.typedArrayFromHeap(x) as Float32Array; // BatchMatMul is float32-only
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let r = 0; r < rows; r++) {
      const from = base + r * cols;
      for (let c = 0; c < cols; c++) dst[base + c * rows + r] = src[from + c];
    }
  }
  return out;
}

/** A copy of matrix `index` of a (batch, rows, cols) tensor, as its own (rows, cols) tensor. */
function sliceMatrix(x: tf.TensorInfo, index: number, backend: BackendWasm): tf.TensorInfo {
  const [rows, cols] = x.shape.slice(-2);
  const out = backend.makeOutput([rows, cols], x.dtype);
  const size = rows * cols;
  backend
    .typedArrayFromHeap(out)
    .set(backend.typedArrayFromHeap(x).subarray(index * size, (index + 1) * size));
  return out;
}

/**
 * BatchMatMul for wasm: a·b as fast untransposed 2-D products.
 *  - transposeA/transposeB become explicit transposes first (O(n²) copies against O(n³) work);
 *  - a batch of matrices (the attention's (B, heads) products) is multiplied one matrix at a
 *    time: the backend's single-matrix path is XNNPACK with SIMD, its batched path a plain loop
 *    (≈10× slower for our shapes).
 */
function fastBatchMatMulConfig(): tf.KernelConfig {
  const original = tf.getKernel(tf.BatchMatMul, WASM)!;
  const plainProduct = (a: tf.TensorInfo, b: tf.TensorInfo, backend: BackendWasm) =>
    original.kernelFunc({
      inputs: { a, b },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as tf.TensorInfo;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const backend = args.backend as BackendWasm;
    const batchA = sizeOf(a.shape.slice(0, -2));
    const batchB = sizeOf(b.shape.slice(0, -2));
    const sameBatch = batchA === batchB || batchB === 1 || batchA === 1;
    if ((!transposeA && !transposeB && batchA === 1 && batchB === 1) || !sameBatch) {
      return original.kernelFunc(args) as tf.TensorInfo;
    }
    const aPlain = transposeA ? transposeLastTwo(a, backend) : a;
    const bPlain = transposeB ? transposeLastTwo(b, backend) : b;
    let out: tf.TensorInfo;
    if (batchA === 1 && batchB === 1) {
      out = plainProduct(aPlain, bPlain, backend);
      out.shape = [...a.shape.slice(0, -2), ...out.shape.slice(-2)];
    } else {
      const batch = Math.max(batchA, batchB);
      const rows = aPlain.shape[aPlain.shape.length - 2];
      const cols = bPlain.shape[bPlain.shape.length - 1];
      const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
      out = backend.makeOutput([...outer, rows, cols], a.dtype);
      for (let i = 0; i < batch; i++) {
        const ai = sliceMatrix(aPlain, batchA === 1 ? 0 : i, backend);
        const bi = sliceMatrix(bPlain, batchB === 1 ? 0 : i, backend);
        const product = plainProduct(ai, bi, backend);
        backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(product), i * rows * cols);
        for (const t of [ai, bi, product]) backend.disposeData(t.dataId);
      }
    }
    // the temporaries are ours alone: free them now, not at the end of a tidy
    if (aPlain !== a) backend.disposeData(aPlain.dataId);
    if (bPlain !== b) backend.disposeData(bPlain.dataId);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as tf.KernelFunc };
}

/**
 * UnsortedSegmentSum for wasm: out[segmentIds[i]] += x[i] over the first axis (the gradient of
 * gather: each embedding row receives the sum of the gradients of the positions that read it).
 * Ids outside [0, numSegments) are dropped, as TensorFlow does.
 */
function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const backend = args.backend as BackendWasm;
  const idsRank = segmentIds.shape.length;
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rowShape = x.shape.slice(idsRank);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  const values = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const sums = backend.typedArrayFromHeap(out);
  sums.fill(0); // fresh heap memory is not zeroed
  for (let i = 0; i < rows; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * rowSize;
    const to = segment * rowSize;
    for (let j = 0; j < rowSize; j++) sums[to + j] += values[from + j];
  }
  return out;
}

let registered = false;

/** Register the replacements above for the wasm backend (idempotent; call before training). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const batchMatMul = fastBatchMatMulConfig();
  tf.unregisterKernel(tf.BatchMatMul, WASM);
  tf.registerKernel(batchMatMul);
  if (tf.getKernel(tf.UnsortedSegmentSum, WASM)) tf.unregisterKernel(tf.UnsortedSegmentSum, WASM);
  tf.registerKernel({
    kernelName: tf.UnsortedSegmentSum,
    backendName: WASM,
    kernelFunc: unsortedSegmentSum as tf.KernelFunc,
  });
}
