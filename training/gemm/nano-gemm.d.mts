// Types for nano-gemm.mjs, the Emscripten glue that engine-c/wasm/build.sh generates from
// gemm.c and attention.c: the module factory and the functions it exports (pointers are byte offsets into
// `wasmMemory`).

/** Options the factory reads (a subset of Emscripten's Module object). */
export interface NanoGemmModuleOptions {
  /** The .wasm bytes; without it the glue fetches nano-gemm.wasm next to the .mjs. */
  wasmBinary?: Uint8Array;
  /** Pool workers to start before the promise resolves (at least 1: 3.1.6 hangs with none). */
  nanoPoolSize?: number;
  /** Node only: a CommonJS `require` for the glue's use of fs/path/worker_threads. */
  nodeRequire?: (id: string) => unknown;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

/** The instantiated module: gemm.c's functions plus the runtime pieces the wrapper uses. */
export interface NanoGemmModule {
  wasmMemory: WebAssembly.Memory;
  PThread: { terminateAllThreads(): void };

  _malloc(size: number): number;
  _free(ptr: number): void;

  _nano_gemm_init(threads: number): number;
  _nano_gemm(a: number, b: number, c: number, batch: number, aBroadcast: number, bBroadcast: number, m: number, k: number, n: number, transposeA: number, transposeB: number): number;
  _nano_gemm_threads(): number;
  _nano_attention_forward(q: number, k: number, v: number, out: number, probs: number, items: number, rows: number, T: number, hd: number, causal: number): number;
  _nano_attention_backward(dout: number, q: number, k: number, v: number, probs: number, dq: number, dk: number, dv: number, items: number, rows: number, T: number, hd: number, causal: number): number;
  _nano_exp(x: number, y: number, n: number): number;
  _nano_rmsnorm_forward(x: number, w: number, y: number, rows: number, width: number, eps: number): number;
  _nano_rmsnorm_backward(dy: number, x: number, w: number, dx: number, dw: number, rows: number, width: number, eps: number): number;
  _nano_cross_entropy_forward(logits: number, targets: number, nll: number, scratch: number, rows: number, width: number): number;
  _nano_cross_entropy_backward(dnll: number, logits: number, targets: number, dlogits: number, scratch: number, rows: number, width: number): number;
  _nano_adamw(p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, n: number, beta1: number, c1: number, beta2: number, c2: number, eps: number, decay: number, stepSize: number, sqrtBiasCorrection2: number): number;
  _nano_rope(x: number, cos: number, sin: number, out: number, batch: number, T: number, heads: number, hd: number, inverse: number): number;
}

/** Instantiate the module; resolves once the wasm is compiled and the worker pool is loaded. */
declare function createNanoGemm(options?: NanoGemmModuleOptions): Promise<NanoGemmModule>;
export default createNanoGemm;
