// kernels.test.ts — our wasm kernels (src/kernels.ts) and matrix product (gemm/gemm.c through
// src/kernels/gemm.ts) against plain references: the product against a float64 triple loop on
// shapes that exercise every edge of its tiling, and each replaced tfjs kernel against the cpu
// backend's own.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, setWasmThreads, wasmThreads } from "../src/backend.ts";
import { WasmGemm, type GemmShape } from "../src/kernels/gemm.ts";
import { Rng } from "../src/rng.ts";

function randomArray(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
}

/** op(a) · op(b) per batch item in float64, as gemm.c defines it. */
function referenceProduct(a: Float32Array, b: Float32Array, s: GemmShape): Float64Array {
  const { batch, m, k, n } = s;
  const out = new Float64Array(batch * m * n);
  for (let item = 0; item < batch; item++) {
    const ao = s.aBroadcast ? 0 : item * m * k;
    const bo = s.bBroadcast ? 0 : item * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = s.transposeA ? a[ao + p * m + i] : a[ao + i * k + p];
          const bv = s.transposeB ? b[bo + j * k + p] : b[bo + p * n + j];
          sum += av * bv;
        }
        out[item * m * n + i * n + j] = sum;
      }
    }
  }
  return out;
}

function shape(batch: number, m: number, k: number, n: number, more: Partial<GemmShape> = {}) {
  return {
    batch,
    m,
    k,
    n,
    aBroadcast: false,
    bBroadcast: false,
    transposeA: false,
    transposeB: false,
    ...more,
  };
}

// Tiles are 4 × 8, row blocks 64, k blocks 512: sizes on, below and past each boundary.
const SHAPES: GemmShape[] = [
  shape(1, 1, 1, 1),
  shape(1, 4, 8, 8),
  shape(1, 5, 3, 9),
  shape(1, 63, 17, 65),
  shape(1, 64, 512, 8),
  shape(1, 67, 513, 23), // a second k block, partial tiles in both directions
  shape(1, 130, 1100, 40, { transposeA: true }),
  shape(1, 33, 70, 129, { transposeB: true }),
  shape(1, 29, 45, 31, { transposeA: true, transposeB: true }),
  shape(6, 19, 12, 10),
  shape(6, 19, 12, 10, { transposeA: true, transposeB: true }),
  shape(5, 16, 32, 24, { aBroadcast: true }),
  shape(5, 16, 32, 24, { bBroadcast: true, transposeB: true }),
  shape(3, 7, 0, 5), // k = 0: the product of empty rows is zero
];

describe("nano-gemm", () => {
  let gemm: WasmGemm;
  beforeAll(async () => {
    gemm = await WasmGemm.create(2);
  });
  afterAll(() => gemm.dispose());

  it.each([1, 2])("matches a float64 product on every tiling edge (%i threads)", (threads) => {
    gemm.setThreads(threads);
    expect(gemm.threads).toBe(threads);
    const rng = new Rng(7);
    for (const s of SHAPES) {
      const a = randomArray((s.aBroadcast ? 1 : s.batch) * s.m * s.k, rng);
      const b = randomArray((s.bBroadcast ? 1 : s.batch) * s.k * s.n, rng);
      const out = new Float32Array(s.batch * s.m * s.n).fill(NaN);
      gemm.multiply(a, b, out, s);
      const expected = referenceProduct(a, b, s);
      let worst = 0;
      for (let i = 0; i < out.length; i++) {
        worst = Math.max(worst, Math.abs(out[i] - expected[i]) / (1 + Math.sqrt(s.k)));
      }
      expect(worst, JSON.stringify(s)).toBeLessThan(1e-6);
    }
  });

  it("gives the same bits on 1 and 2 threads", () => {
    const rng = new Rng(3);
    const s = shape(4, 100, 600, 50, { transposeA: true });
    const a = randomArray(s.batch * s.m * s.k, rng);
    const b = randomArray(s.batch * s.k * s.n, rng);
    const one = new Float32Array(s.batch * s.m * s.n);
    const two = new Float32Array(s.batch * s.m * s.n);
    gemm.setThreads(1);
    gemm.multiply(a, b, one, s);
    gemm.setThreads(2);
    gemm.multiply(a, b, two, s);
    expect(two).toEqual(one);
  });

  it("rejects operands of the wrong size and bad thread counts", () => {
    const s = shape(2, 3, 4, 5);
    expect(() =>
      gemm.multiply(new Float32Array(23), new Float32Array(40), new Float32Array(30), s),
    ).toThrow(/operand sizes 23, 40, 30 do not match 2 × \(3 × 4\) · \(4 × 5\)/);
    expect(() => gemm.setThreads(0)).toThrow(RangeError);
    expect(() => gemm.setThreads(3)).toThrow(/threads must be 1..2, got 3/);
  });
});

describe("wasm kernels agree with the cpu backend", () => {
  /** Run `f` on the cpu backend and on wasm (with our kernels) and compare the results. */
  async function bothBackends(f: () => tf.Tensor, tolerance = 1e-5): Promise<void> {
    await initBackend("cpu");
    const expected = tf.tidy(f);
    const expectedValues = await expected.data();
    await initBackend("wasm");
    const actual = tf.tidy(f);
    expect(actual.shape).toEqual(expected.shape);
    expect(actual.dtype).toBe(expected.dtype);
    const values = await actual.data();
    for (let i = 0; i < values.length; i++) {
      expect(Math.abs(values[i] - expectedValues[i]), `element ${i}`).toBeLessThanOrEqual(
        tolerance * (1 + Math.abs(expectedValues[i])),
      );
    }
    tf.dispose([expected, actual]);
  }

  const rng = new Rng(11);
  const t = (shape: number[]) =>
    tf.tensor(
      randomArray(
        shape.reduce((a, b) => a * b, 1),
        rng,
      ),
      shape,
    );

  it("uses our product, on the threads asked for", async () => {
    await initBackend("wasm");
    setWasmThreads(1);
    expect(wasmThreads()).toBe(1);
    setWasmThreads(2);
    expect(wasmThreads()).toBe(2);
  });

  it.each([
    { a: [37, 20], b: [20, 11], ta: false, tb: false },
    { a: [20, 37], b: [11, 20], ta: true, tb: true },
    { a: [3, 2, 9, 5], b: [3, 2, 5, 7], ta: false, tb: false },
    { a: [3, 2, 5, 9], b: [3, 2, 7, 5], ta: true, tb: true },
    { a: [4, 9, 5], b: [5, 6], ta: false, tb: false }, // b broadcast over the batch
    { a: [9, 5], b: [4, 6, 5], ta: false, tb: true }, // a broadcast
    { a: [2, 1, 4, 3], b: [1, 3, 3, 2], ta: false, tb: false }, // mixed broadcast: backend's own
  ])("BatchMatMul $a · $b (transposeA $ta, transposeB $tb)", async ({ a, b, ta, tb }) => {
    const x = t(a);
    const y = t(b);
    await bothBackends(() => tf.matMul(x, y, ta, tb));
  });

  it("Sum over leading axes, with and without keepDims; other axes", async () => {
    const x = t([6, 5, 7]);
    for (const [axis, keepDims] of [
      [0, false],
      [[0, 1], true],
      [[1, 0], false],
      [2, false],
      [1, true],
      [[0, 1, 2], false],
    ] as const) {
      await bothBackends(() => tf.sum(x, axis as number | number[], keepDims));
    }
  });

  it("GatherV2 of rows, and its index check", async () => {
    const table = t([10, 3, 2]);
    const ids = tf.tensor2d(
      [
        [0, 9, 4],
        [4, 4, 1],
      ],
      [2, 3],
      "int32",
    );
    await bothBackends(() => tf.gather(table, ids));
    await bothBackends(() => tf.gather(table, tf.tensor1d([2, 0], "int32"), 1)); // not axis 0
    await initBackend("wasm");
    expect(() => tf.gather(table, tf.tensor1d([3, 10], "int32"))).toThrow(
      /GatherV2: the index value 10 is not in \[0, 9\]/,
    );
  });

  it("Identity and same-dtype Cast share data; other casts convert", async () => {
    const x = t([4, 4]);
    await bothBackends(() => tf.clone(x));
    await bothBackends(() => tf.cast(x, "float32"));
    await bothBackends(() => tf.cast(tf.mul(x, 10), "int32"));
    await initBackend("wasm");
    const copy = tf.clone(x);
    x.dispose(); // the shared data outlives the tensor it came from
    expect(copy.dataSync().length).toBe(16);
    copy.dispose();
  });
});
