// operand.ts — how a kernel hands nano-gemm (gemm.ts) an array: plain, or keyed by the tfjs
// tensor it holds. Apart from gemm.ts so that code bundled for the browser (kernels.ts, fused.ts)
// can make operands without importing the module's Node-only loader.
import type { TensorInfo } from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * An array for the module: plain (copied in every call), or with the key of the tensor it holds
 * (its tfjs dataId), which lets the module keep and reuse its copy.
 */
export type Operand = Float32Array | { data: Float32Array; key: object };

/**
 * A float32 tensor of the tfjs wasm backend as an operand: a view of the backend's heap (take it
 * after every makeOutput: growing the heap detaches views) keyed by the tensor's dataId, so the
 * module can reuse a copy it already holds.
 */
export function tensorOperand(backend: BackendWasm, t: TensorInfo): Operand {
  return { data: backend.typedArrayFromHeap(t) as Float32Array, key: t.dataId };
}

export function unpack(operand: Operand): { data: Float32Array; key?: object } {
  return operand instanceof Float32Array ? { data: operand } : operand;
}
