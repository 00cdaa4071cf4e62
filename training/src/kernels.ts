// kernels.ts — the kernels the tfjs wasm backend lacks or runs slowly, registered in place of its
// own, so the model's plain tfjs code trains fast on it (tfjs 4.22, measured in bench/README.md):
//   - BatchMatMul: in Node, our own product (training/gemm, kernels/gemm.ts: 3× XNNPACK's speed
//     on one thread, and threads). Without it (the browser), the backend's own with two fixes:
//     its transposeA/transposeB path is slow and generic (≈6× slower for B, ≈20× for A, than
//     without), and every backward pass of a matmul asks for one, so the replacement transposes
//     the operand explicitly (a cheap copy) and runs the fast untransposed product.
//   - UnsortedSegmentSum, the gradient of gather (the embedding lookup), has no wasm kernel.
//   - Sum over leading axes (the gradient of every broadcast add and scale: (B·T, C) → (C)) is a
//     transpose then a reduction, ≈1.6 ms for 1024 × 128; a JS loop down the rows takes ≈0.1.
//   - GatherV2 (the embedding lookup) on axis 0: 4 ms for 1024 rows in the backend, row copies
//     here.
//   - Identity, and Cast to the same dtype, copy their input; every gradient that passes a value
//     through asks for one (hundreds per step). Tensors are immutable, so they share the input's
//     data instead, as the backend's own Reshape does.
//   - Exp is a scalar loop of std::exp (≈ 7 ns an element); nano-gemm's is vectorized.
// Each replacement sits beside the thing it replaces and returns the same values: exactly, or
// (products, exp) to float32 rounding. The fused ops the model calls are in kernels/fused.ts.
import * as tf from "@tensorflow/tfjs";
// importing the package registers its kernels, which registerWasmKernels wraps
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { WasmGemm } from "./kernels/gemm.ts";
import { tensorOperand } from "./kernels/operand.ts";
import { currentGemm, registerFusedKernels, useFusedGemm } from "./kernels/fused.ts";

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

/** Route float32 products, exp and the fused ops through `product` (null: back to the
 *  backend's own kernels and the composite forms). */
export function useWasmGemm(product: WasmGemm | null): void {
  useFusedGemm(product);
}

/**
 * BatchMatMul on `product`: both operands copied into its memory, the result copied out. The
 * batch dimensions must match or one side must have none but the matrix (broadcast); anything
 * else returns null for the caller's fallback.
 */
function gemmBatchMatMul(
  product: WasmGemm,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  backend: BackendWasm,
): tf.TensorInfo | null {
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  const sameOuter =
    a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (!sameOuter && batchA !== 1 && batchB !== 1) return null;
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  if ((transposeB ? bCols : bRows) !== k) return null; // let the backend report the mismatch
  const batch = Math.max(batchA, batchB);
  const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
  const out = backend.makeOutput([...outer, m, n], "float32");
  // views after the allocation: growing the backend's memory detaches older views
  const operand = (t: tf.TensorInfo) => tensorOperand(backend, t);
  product.multiply(operand(a), operand(b), operand(out), {
    batch,
    aBroadcast: batchA === 1,
    bBroadcast: batchB === 1,
    m,
    k,
    n,
    transposeA,
    transposeB,
  });
  return out;
}

/**
 * BatchMatMul for wasm: our gemm when set (useWasmGemm), else a·b as fast untransposed 2-D
 * products of the backend's own.
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
    const gemm = currentGemm();
    if (gemm) {
      const out = gemmBatchMatMul(gemm, a, b, !!transposeA, !!transposeB, backend);
      if (out) return out;
    }
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

/** Identity: the input's data under a new tensor (tensor data is never written in place). */
function shareInput(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const backend = args.backend as BackendWasm;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Cast: shares the data when the dtype does not change, else the backend's own kernel. */
function castConfig(): tf.KernelConfig {
  const original = tf.getKernel(tf.Cast, WASM)!;
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    return x.dtype === dtype ? shareInput(args) : original.kernelFunc(args);
  };
  return { ...original, kernelFunc: kernelFunc as tf.KernelFunc };
}

/**
 * Sum: over a run of leading axes of a float32 tensor (out[j] = Σ_i x[i, j] with x seen as
 * rows × cols) by adding rows in place; other reductions go to the backend's own kernel.
 */
function sumConfig(): tf.KernelConfig {
  const original = tf.getKernel(tf.Sum, WASM)!;
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.every((a, i) => a === i);
    if (x.dtype !== "float32" || !leading || axes.length === x.shape.length) {
      return original.kernelFunc(args);
    }
    const backend = args.backend as BackendWasm;
    const kept = x.shape.slice(axes.length);
    const rows = sizeOf(x.shape.slice(0, axes.length));
    const cols = sizeOf(kept);
    const shape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
    const out = backend.makeOutput(shape, "float32");
    const values = backend.typedArrayFromHeap(x) as Float32Array;
    const sums = backend.typedArrayFromHeap(out) as Float32Array;
    sums.set(values.subarray(0, cols));
    for (let r = 1; r < rows; r++) {
      const from = r * cols;
      for (let j = 0; j < cols; j++) sums[j] += values[from + j];
    }
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as tf.KernelFunc };
}

/** GatherV2 on axis 0 without batch dimensions (an embedding lookup) as row copies. */
function gatherConfig(): tf.KernelConfig {
  const original = tf.getKernel(tf.GatherV2, WASM)!;
  const kernelFunc = (args: KernelArgs) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as tf.GatherV2Attrs;
    const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
    if (parsedAxis !== 0 || (batchDims ?? 0) !== 0 || x.dtype === "string") {
      return original.kernelFunc(args);
    }
    const backend = args.backend as BackendWasm;
    const rowShape = x.shape.slice(1);
    const rowSize = sizeOf(rowShape);
    const out = backend.makeOutput([...indices.shape, ...rowShape], x.dtype);
    const ids = backend.typedArrayFromHeap(indices);
    const table = backend.typedArrayFromHeap(x);
    const rows = backend.typedArrayFromHeap(out);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < x.shape[0])) {
        backend.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${id} is not in [0, ${x.shape[0] - 1}]`);
      }
      rows.set(table.subarray(id * rowSize, (id + 1) * rowSize), i * rowSize);
    }
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as tf.KernelFunc };
}

/** Exp on float32 through nano-gemm's SIMD exp (the backend's is a scalar loop of std::exp). */
function expConfig(): tf.KernelConfig {
  const original = tf.getKernel(tf.Exp, WASM)!;
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const gemm = currentGemm();
    if (!gemm || x.dtype !== "float32") return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(x.shape, "float32");
    gemm.exp(tensorOperand(backend, x), tensorOperand(backend, out));
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as tf.KernelFunc };
}

let registered = false;

/** Register the replacements above for the wasm backend (idempotent; call before training). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const replacements = [
    fastBatchMatMulConfig(),
    castConfig(),
    sumConfig(),
    gatherConfig(),
    expConfig(),
  ];
  replacements.push({ kernelName: tf.Identity, backendName: WASM, kernelFunc: shareInput });
  for (const config of replacements) {
    tf.unregisterKernel(config.kernelName, WASM);
    tf.registerKernel(config);
  }
  if (tf.getKernel(tf.UnsortedSegmentSum, WASM)) tf.unregisterKernel(tf.UnsortedSegmentSum, WASM);
  registerFusedKernels();
  tf.registerKernel({
    kernelName: tf.UnsortedSegmentSum,
    backendName: WASM,
    kernelFunc: unsortedSegmentSum as tf.KernelFunc,
  });
}
