// gemm.ts — training/gemm's WebAssembly module (gemm.c: matrix products of packed SIMD128 tiles on
// a thread pool; attention.c: the attention core forward and backward, and exp), loaded in Node
// or a page and used by kernels.ts for the wasm backend's BatchMatMul and Exp and the model's
// attention.
//
// The module has its own memory, so a call copies its operands in and its results out: O(n²)
// copies against O(n³) arithmetic, ≈ 5–10 % of a product's time at the training step's shapes,
// for 3× XNNPACK's speed on one thread and a second thread tfjs cannot give in Node.
import createNanoGemm from "../../gemm/nano-gemm.mjs";
import type { NanoGemmModule } from "../../gemm/nano-gemm.mjs";
import { unpack, type Operand } from "./operand.ts";

/** The most floats the module keeps cached copies of (256 MB). */
const CACHE_FLOATS = 64 << 20;

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
   * Load the module with workers for up to `maxThreads` threads, using `threads` of them. Node
   * reads the .wasm next to the glue; a page fetches it (and must be cross-origin isolated: the
   * module's memory is shared).
   */
  static async create(maxThreads: number, threads = maxThreads): Promise<WasmGemm> {
    const wasmUrl = new URL("../../gemm/nano-gemm.wasm", import.meta.url);
    // maxThreads - 1 workers, plus the one 3.1.6's glue needs to resolve
    const options: Parameters<typeof createNanoGemm>[0] = { nanoPoolSize: maxThreads };
    if (typeof process === "object" && typeof process.versions?.node === "string") {
      // The glue would fetch() a file path and call require(): give it the bytes and a require.
      const { createRequire } = await import("node:module");
      const { readFile } = await import("node:fs/promises");
      options.wasmBinary = new Uint8Array(await readFile(wasmUrl));
      options.nodeRequire = createRequire(import.meta.url);
    } else {
      if (typeof SharedArrayBuffer === "undefined")
        throw new Error("nano-gemm needs SharedArrayBuffer: the page is not cross-origin isolated");
      const response = await fetch(wasmUrl);
      if (!response.ok) throw new Error(`could not fetch ${wasmUrl}: HTTP ${response.status}`);
      options.wasmBinary = new Uint8Array(await response.arrayBuffer());
    }
    const module = await createNanoGemm(options);
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
      this.buffers[slot] = this.allocate(capacity);
      this.capacity[slot] = capacity;
    }
    return this.buffers[slot];
  }

  private allocate(floats: number): number {
    const pointer = this.module._malloc(floats * 4);
    if (!pointer) throw new Error(`nano-gemm: out of memory for ${floats} floats`);
    return pointer;
  }

  /**
   * Operands the module holds a copy of, by their tensor's key (its tfjs dataId: tensor data
   * never changes, so one key always means the same values), least recently used first. A call
   * whose operand is here skips the copy: the activations a forward pass feeds to three
   * projections, an output that the next call reads, the optimizer state one step hands the next.
   */
  private cache = new Map<object, { pointer: number; floats: number }>();
  private cachedFloats = 0;

  /** A cache entry of `floats` floats for `key` (evicting the least recently used, never one
   *  in `pinned`), or null when it cannot fit. */
  private cacheEntry(key: object, floats: number, pinned: Set<number>): number | null {
    if (floats > CACHE_FLOATS) return null;
    for (const [old, entry] of this.cache) {
      if (this.cachedFloats + floats <= CACHE_FLOATS) break;
      if (pinned.has(entry.pointer)) continue;
      this.module._free(entry.pointer);
      this.cachedFloats -= entry.floats;
      this.cache.delete(old);
    }
    if (this.cachedFloats + floats > CACHE_FLOATS) return null;
    const pointer = this.allocate(floats);
    this.cache.set(key, { pointer, floats });
    this.cachedFloats += floats;
    pinned.add(pointer);
    return pointer;
  }

  /**
   * Put `inputs` into module memory (copying those not cached), call `body` with their
   * pointers and then those of `outputs`, and copy the outputs back. `body` returns the C
   * status: non-zero throws `failure`. Keyed outputs stay cached for later calls.
   */
  private call(
    inputs: Operand[],
    outputs: Operand[],
    body: (pointers: number[]) => number,
    failure: string,
  ): void {
    const pinned = new Set<number>();
    const toCopy: [Float32Array, number][] = [];
    const pointers = inputs.map((operand, slot) => {
      const { data, key } = unpack(operand);
      if (key) {
        const hit = this.cache.get(key);
        if (hit && hit.floats === data.length) {
          this.cache.delete(key); // most recently used: to the end
          this.cache.set(key, hit);
          pinned.add(hit.pointer);
          return hit.pointer;
        }
        if (hit) this.forget(key);
        const pointer = this.cacheEntry(key, data.length, pinned);
        if (pointer !== null) {
          toCopy.push([data, pointer]);
          return pointer;
        }
      }
      const pointer = this.buffer(slot, data.length);
      toCopy.push([data, pointer]);
      return pointer;
    });
    outputs.forEach((operand, i) => {
      const { data, key } = unpack(operand);
      if (key) this.forget(key);
      const cached = key ? this.cacheEntry(key, data.length, pinned) : null;
      pointers.push(cached ?? this.buffer(inputs.length + i, data.length));
    });
    // views after the allocations: growing the memory replaces its buffer
    const heap = new Float32Array(this.module.wasmMemory.buffer);
    for (const [data, pointer] of toCopy) heap.set(data, pointer / 4);
    if (body(pointers) !== 0) throw new Error(`nano-gemm: ${failure}`);
    const after = this.module.wasmMemory.buffer;
    outputs.forEach((operand, i) => {
      const { data } = unpack(operand);
      data.set(new Float32Array(after, pointers[inputs.length + i], data.length));
    });
  }

  /** Drop `key`'s cached copy, if any. */
  private forget(key: object): void {
    const entry = this.cache.get(key);
    if (!entry) return;
    this.module._free(entry.pointer);
    this.cachedFloats -= entry.floats;
    this.cache.delete(key);
  }

  /**
   * Multiply: a holds (aBroadcast ? 1 : batch) matrices of m × k (k × m when transposeA), b
   * (bBroadcast ? 1 : batch) of k × n (n × k when transposeB); the batch × m × n product is
   * written into `out`.
   */
  multiply(a: Operand, b: Operand, out: Operand, shape: GemmShape): void {
    const { batch, m, k, n } = shape;
    const aFloats = (shape.aBroadcast ? 1 : batch) * m * k;
    const bFloats = (shape.bBroadcast ? 1 : batch) * k * n;
    const cFloats = batch * m * n;
    const [al, bl, cl] = [a, b, out].map((o) => unpack(o).data.length);
    if (al !== aFloats || bl !== bFloats || cl !== cFloats) {
      throw new Error(
        `nano-gemm: operand sizes ${al}, ${bl}, ${cl} do not match ` +
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
    q: Operand,
    k: Operand,
    v: Operand,
    out: Operand,
    probs: Operand,
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
    dout: Operand,
    q: Operand,
    k: Operand,
    v: Operand,
    probs: Operand,
    dq: Operand,
    dk: Operand,
    dv: Operand,
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
    queryShaped: Operand[],
    keyShaped: Operand[],
    probShaped: Operand[],
  ): void {
    const { items, rows, T, hd } = s;
    const sizes: [Operand[], number][] = [
      [queryShaped, items * rows * hd],
      [keyShaped, items * T * hd],
      [probShaped, items * rows * T],
    ];
    if (!(T >= 1 && rows >= T && rows % T === 0)) {
      throw new Error(`nano-gemm: attention rows (${rows}) must be a multiple of T (${T})`);
    }
    for (const [arrays, size] of sizes) {
      for (const operand of arrays) {
        const { length } = unpack(operand).data;
        if (length !== size) {
          throw new Error(
            `nano-gemm: an attention operand has ${length} floats, not ${size} ` +
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
    x: Operand,
    cos: Operand,
    sin: Operand,
    out: Operand,
    s: { batch: number; T: number; heads: number; hd: number; inverse: boolean },
  ): void {
    const size = s.batch * s.T * s.heads * s.hd;
    const [xl, cl, sl, ol] = [x, cos, sin, out].map((o) => unpack(o).data.length);
    if (xl !== size || ol !== size || cl !== s.T * s.hd || sl !== cl) {
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
  kernel(fn: FusedKernel, inputs: Operand[], outputs: Operand[], scalars: number[]): void {
    const call = this.module[fn] as (...args: number[]) => number;
    this.call(inputs, outputs, (pointers) => call(...pointers, ...scalars), `${fn} failed`);
  }

  /** y = exp(x), elementwise (exactly 0 below −87.3; see attention.c). */
  exp(x: Operand, y: Operand): void {
    const n = unpack(x).data.length;
    if (n !== unpack(y).data.length) throw new Error("nano-gemm: exp needs arrays of one length");
    this.call([x], [y], ([px, py]) => this.module._nano_exp(px, py, n), "exp failed");
  }

  /** Stop the pool's threads; the object is unusable afterwards. */
  dispose(): void {
    this.module.PThread.terminateAllThreads();
  }
}
