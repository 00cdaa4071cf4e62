// gemm.ts — training/gemm's WebAssembly module (gemm.c: matrix products of packed SIMD128 tiles on
// a thread pool; attention.c: the attention core forward and backward, and exp), loaded in Node
// and used by kernels.ts for the wasm backend's BatchMatMul and Exp and the model's attention.
//
// The module has its own memory, so a call copies its operands in and its results out: O(n²)
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

/** One attention call: `items` slices of rows = group·T queries over T keys, head size hd. */
export interface AttentionShape {
  items: number;
  rows: number;
  T: number;
  hd: number;
  causal: boolean;
}

/** The fused kernels of pointwise.c that `kernel` runs. */
export type FusedKernel =
  | "_nano_rmsnorm_forward"
  | "_nano_rmsnorm_backward"
  | "_nano_cross_entropy_forward"
  | "_nano_cross_entropy_backward"
  | "_nano_adamw";

/** An instantiated module with buffers for operands, reused and grown across calls. */
export class WasmGemm {
  private buffers: number[] = [];
  private capacity: number[] = []; // floats

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

  /** Buffer `slot`, of at least `floats` floats, grown (never shrunk) on demand. */
  private buffer(slot: number, floats: number): number {
    if (floats > (this.capacity[slot] ?? 0)) {
      if (this.buffers[slot]) this.module._free(this.buffers[slot]);
      const capacity = Math.max(floats, Math.ceil((this.capacity[slot] ?? 0) * 1.5));
      const pointer = this.module._malloc(capacity * 4);
      if (!pointer) throw new Error(`nano-gemm: out of memory for ${capacity} floats`);
      this.buffers[slot] = pointer;
      this.capacity[slot] = capacity;
    }
    return this.buffers[slot];
  }

  /**
   * Copy `inputs` into buffers 0.., call `body` with their pointers and those of `outputs`
   * (the next buffers, sized to the arrays), and copy the outputs back. `body` returns the C
   * status: non-zero throws `failure`.
   */
  private call(
    inputs: Float32Array[],
    outputs: Float32Array[],
    body: (pointers: number[]) => number,
    failure: string,
  ): void {
    const arrays = [...inputs, ...outputs];
    const pointers = arrays.map((array, slot) => this.buffer(slot, array.length));
    // views after the allocations: growing the memory replaces its buffer
    const heap = new Float32Array(this.module.wasmMemory.buffer);
    inputs.forEach((array, i) => heap.set(array, pointers[i] / 4));
    if (body(pointers) !== 0) throw new Error(`nano-gemm: ${failure}`);
    const after = this.module.wasmMemory.buffer;
    outputs.forEach((array, i) => {
      const pointer = pointers[inputs.length + i];
      array.set(new Float32Array(after, pointer, array.length));
    });
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
    this.call(
      [a, b],
      [out],
      ([pa, pb, pc]) =>
        this.module._nano_gemm(
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
        ),
      "the product failed (out of memory?)",
    );
  }

  /**
   * Attention forward (attention.c): out = softmax(q·kᵀ, causal) · v and probs = the softmax,
   * q and out items × rows × hd, k and v items × T × hd, probs items × rows × T.
   */
  attentionForward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    out: Float32Array,
    probs: Float32Array,
    s: AttentionShape,
  ): void {
    this.checkAttention(s, [q, out], [k, v], [probs]);
    this.call(
      [q, k, v],
      [out, probs],
      ([pq, pk, pv, po, pp]) =>
        this.module._nano_attention_forward(
          pq,
          pk,
          pv,
          po,
          pp,
          s.items,
          s.rows,
          s.T,
          s.hd,
          +s.causal,
        ),
      "attention failed (out of memory?)",
    );
  }

  /** Attention backward: dq, dk, dv from dout and the forward pass's q, k, v and probs. */
  attentionBackward(
    dout: Float32Array,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    probs: Float32Array,
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
    s: AttentionShape,
  ): void {
    this.checkAttention(s, [dout, q, dq], [k, v, dk, dv], [probs]);
    this.call(
      [dout, q, k, v, probs],
      [dq, dk, dv],
      ([pdo, pq, pk, pv, pp, pdq, pdk, pdv]) =>
        this.module._nano_attention_backward(
          pdo,
          pq,
          pk,
          pv,
          pp,
          pdq,
          pdk,
          pdv,
          s.items,
          s.rows,
          s.T,
          s.hd,
          +s.causal,
        ),
      "attention's gradient failed (out of memory?)",
    );
  }

  private checkAttention(
    s: AttentionShape,
    queryShaped: Float32Array[],
    keyShaped: Float32Array[],
    probShaped: Float32Array[],
  ): void {
    const { items, rows, T, hd } = s;
    const sizes: [Float32Array[], number][] = [
      [queryShaped, items * rows * hd],
      [keyShaped, items * T * hd],
      [probShaped, items * rows * T],
    ];
    if (!(T >= 1 && rows >= T && rows % T === 0)) {
      throw new Error(`nano-gemm: attention rows (${rows}) must be a multiple of T (${T})`);
    }
    for (const [arrays, size] of sizes) {
      for (const array of arrays) {
        if (array.length !== size) {
          throw new Error(
            `nano-gemm: an attention operand has ${array.length} floats, not ${size} ` +
              `(items ${items}, rows ${rows}, T ${T}, hd ${hd})`,
          );
        }
      }
    }
  }

  /**
   * RoPE on adjacent pairs of x (batch, T, heads, hd) with tables cos, sin (T, hd), each value
   * repeated for its pair; `inverse` rotates back (the gradient). See attention.c.
   */
  rope(
    x: Float32Array,
    cos: Float32Array,
    sin: Float32Array,
    out: Float32Array,
    s: { batch: number; T: number; heads: number; hd: number; inverse: boolean },
  ): void {
    const size = s.batch * s.T * s.heads * s.hd;
    if (
      x.length !== size ||
      out.length !== size ||
      cos.length !== s.T * s.hd ||
      sin.length !== cos.length
    ) {
      throw new Error(
        `nano-gemm: RoPE operands do not match (${s.batch}, ${s.T}, ${s.heads}, ${s.hd})`,
      );
    }
    this.call(
      [x, cos, sin],
      [out],
      ([px, pc, ps, po]) =>
        this.module._nano_rope(px, pc, ps, po, s.batch, s.T, s.heads, s.hd, +s.inverse),
      "RoPE failed (head size must be even)",
    );
  }

  /**
   * Run `fn`, one of the module's fused kernels (pointwise.c), as fn(...inputs, ...outputs,
   * ...scalars) with the arrays copied in and the outputs copied back. The caller sizes the
   * arrays as the kernel's comment says; a non-zero status throws.
   */
  kernel(
    fn: FusedKernel,
    inputs: Float32Array[],
    outputs: Float32Array[],
    scalars: number[],
  ): void {
    const call = this.module[fn] as (...args: number[]) => number;
    this.call(inputs, outputs, (pointers) => call(...pointers, ...scalars), `${fn} failed`);
  }

  /** y = exp(x), elementwise (exactly 0 below −87.3; see attention.c). */
  exp(x: Float32Array, y: Float32Array): void {
    if (x.length !== y.length) throw new Error("nano-gemm: exp needs arrays of one length");
    this.call([x], [y], ([px, py]) => this.module._nano_exp(px, py, x.length), "exp failed");
  }

  /** Stop the pool's threads; the object is unusable afterwards. */
  dispose(): void {
    this.module.PThread.terminateAllThreads();
  }
}
