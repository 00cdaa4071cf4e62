// gemm.ts — training/gemm's WebAssembly matrix product (gemm.c: packed SIMD128 tiles on a thread
// pool), loaded in Node and used by kernels.ts as the wasm backend's BatchMatMul.
//
// The module has its own memory, so a product copies its operands in and its result out: O(n²)
// copies against O(n³) arithmetic, ≈ 5–10 % of a product's time at the training step's shapes,
// for 3× XNNPACK's speed on one thread and a second thread tfjs cannot give in Node.
import createNanoGemm from "../../gemm/nano-gemm.mjs";
import type { NanoGemmModule } from "../../gemm/nano-gemm.mjs";

/** One product: c = op(a) · op(b) for each batch item (shapes as in BatchMatMul). */
export interface GemmShape {
  batch: number;
  /** a (or b) is one matrix shared by every batch item */
  aBroadcast: boolean;
  bBroadcast: boolean;
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** An instantiated gemm module with buffers for operands, reused and grown across calls. */
export class WasmGemm {
  private buffers = { a: 0, b: 0, c: 0 };
  private capacity = { a: 0, b: 0, c: 0 }; // floats

  private constructor(
    private readonly module: NanoGemmModule,
    /** The most threads setThreads accepts (the module's pool of workers). */
    readonly maxThreads: number,
  ) {}

  /** Threads each product runs on (the caller included). */
  get threads(): number {
    return this.module._nano_gemm_threads();
  }

  /**
   * Load the module with workers for up to `maxThreads` threads, using `threads` of them (Node
   * only: it reads the .wasm next to the glue).
   */
  static async create(maxThreads: number, threads = maxThreads): Promise<WasmGemm> {
    const { createRequire } = await import("node:module");
    const { readFile } = await import("node:fs/promises");
    const wasmBinary = new Uint8Array(
      await readFile(new URL("../../gemm/nano-gemm.wasm", import.meta.url)),
    );
    const module = await createNanoGemm({
      wasmBinary,
      // maxThreads - 1 workers, plus the one 3.1.6's glue needs to resolve
      nanoPoolSize: maxThreads,
      nodeRequire: createRequire(import.meta.url),
    });
    const gemm = new WasmGemm(module, maxThreads);
    gemm.setThreads(threads);
    return gemm;
  }

  /** Run products on `threads` threads from now on (1..maxThreads). */
  setThreads(threads: number): void {
    if (!Number.isInteger(threads) || threads < 1 || threads > this.maxThreads) {
      throw new RangeError(`nano-gemm: threads must be 1..${this.maxThreads}, got ${threads}`);
    }
    if (this.module._nano_gemm_init(threads) !== 0) {
      throw new Error(`nano-gemm: could not start ${threads} threads`);
    }
  }

  /** A buffer of at least `floats` floats for operand `which`, grown (never shrunk) on demand. */
  private buffer(which: "a" | "b" | "c", floats: number): number {
    if (floats > this.capacity[which]) {
      if (this.buffers[which]) this.module._free(this.buffers[which]);
      const capacity = Math.max(floats, Math.ceil(this.capacity[which] * 1.5));
      const pointer = this.module._malloc(capacity * 4);
      if (!pointer) throw new Error(`nano-gemm: out of memory for ${capacity} floats`);
      this.buffers[which] = pointer;
      this.capacity[which] = capacity;
    }
    return this.buffers[which];
  }

  /**
   * Multiply: a holds (aBroadcast ? 1 : batch) matrices of m × k (k × m when transposeA), b
   * (bBroadcast ? 1 : batch) of k × n (n × k when transposeB); the batch × m × n product is
   * written into `out`.
   */
  multiply(a: Float32Array, b: Float32Array, out: Float32Array, shape: GemmShape): void {
    const { batch, m, k, n } = shape;
    const aFloats = (shape.aBroadcast ? 1 : batch) * m * k;
    const bFloats = (shape.bBroadcast ? 1 : batch) * k * n;
    const cFloats = batch * m * n;
    if (a.length !== aFloats || b.length !== bFloats || out.length !== cFloats) {
      throw new Error(
        `nano-gemm: operand sizes ${a.length}, ${b.length}, ${out.length} do not match ` +
          `${batch} × (${m} × ${k}) · (${k} × ${n})`,
      );
    }
    const pa = this.buffer("a", aFloats);
    const pb = this.buffer("b", bFloats);
    const pc = this.buffer("c", cFloats);
    // views after the allocations: growing the memory replaces its buffer
    const heap = new Float32Array(this.module.wasmMemory.buffer);
    heap.set(a, pa / 4);
    heap.set(b, pb / 4);
    const status = this.module._nano_gemm(
      pa,
      pb,
      pc,
      batch,
      +shape.aBroadcast,
      +shape.bBroadcast,
      m,
      k,
      n,
      +shape.transposeA,
      +shape.transposeB,
    );
    if (status !== 0) throw new Error("nano-gemm: the product failed (out of memory?)");
    out.set(new Float32Array(this.module.wasmMemory.buffer, pc, cFloats));
  }

  /** Stop the pool's threads; the object is unusable afterwards. */
  dispose(): void {
    this.module.PThread.terminateAllThreads();
  }
}
