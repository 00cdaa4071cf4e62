// kernels.test.ts — our wasm kernels (src/kernels.ts) and matrix product (gemm/gemm.c through
// src/kernels/gemm.ts) against plain references: the product against a float64 triple loop on
// shapes that exercise every edge of its tiling, and each replaced tfjs kernel against the cpu
// backend's own.
import * as tf from "@tensorflow/tfjs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, setWasmThreads, wasmThreads } from "../src/backend.ts";
import { WasmGemm, type AttentionShape, type GemmShape } from "../src/kernels/gemm.ts";
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

/** Attention forward and backward in float64, straight from the definitions (attention.c). */
function referenceAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  dout: Float32Array,
  s: AttentionShape,
) {
  const { items, rows, T, hd, causal } = s;
  const out = new Float64Array(items * rows * hd);
  const probs = new Float64Array(items * rows * T);
  const dq = new Float64Array(items * rows * hd);
  const dk = new Float64Array(items * T * hd);
  const dv = new Float64Array(items * T * hd);
  for (let it = 0; it < items; it++) {
    const qo = it * rows * hd,
      ko = it * T * hd,
      po = it * rows * T;
    for (let r = 0; r < rows; r++) {
      const seen = causal ? (r % T) + 1 : T;
      const scores = Array.from({ length: seen }, (_, j) => {
        let dot = 0;
        for (let d = 0; d < hd; d++) dot += q[qo + r * hd + d] * k[ko + j * hd + d];
        return dot;
      });
      const max = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - max));
      const sum = e.reduce((a, b) => a + b, 0);
      const p = e.map((x) => x / sum);
      p.forEach((pj, j) => (probs[po + r * T + j] = pj));
      for (let d = 0; d < hd; d++) {
        for (let j = 0; j < seen; j++) out[qo + r * hd + d] += p[j] * v[ko + j * hd + d];
      }
      // backward of this row
      const dp = p.map((_, j) => {
        let dot = 0;
        for (let d = 0; d < hd; d++) dot += dout[qo + r * hd + d] * v[ko + j * hd + d];
        return dot;
      });
      const rowDot = dp.reduce((a, x, j) => a + x * p[j], 0);
      const ds = p.map((pj, j) => pj * (dp[j] - rowDot));
      for (let j = 0; j < seen; j++) {
        for (let d = 0; d < hd; d++) {
          dv[ko + j * hd + d] += p[j] * dout[qo + r * hd + d];
          dq[qo + r * hd + d] += ds[j] * k[ko + j * hd + d];
          dk[ko + j * hd + d] += ds[j] * q[qo + r * hd + d];
        }
      }
    }
  }
  return { out, probs, dq, dk, dv };
}

describe("nano-gemm's C, built natively under ASan + UBSan (engine-c/Makefile gemm-check)", () => {
  const binary = fileURLToPath(new URL("../../engine-c/build/asan/gemm-check", import.meta.url));
  it("passes its float64 checks with no sanitizer report", () => {
    // incremental: rebuilt only when a source or flag changed
    execFileSync("make", [
      "-s",
      "-C",
      fileURLToPath(new URL("../../engine-c", import.meta.url)),
      "gemm-check",
    ]);
    const output = execFileSync(binary, {
      encoding: "utf8",
      env: { ...process.env, ASAN_OPTIONS: "detect_leaks=1", UBSAN_OPTIONS: "halt_on_error=1" },
    });
    expect(output).toContain("gemm-check: ok");
  });
});

describe("nano-gemm attention and exp", () => {
  let gemm: WasmGemm;
  beforeAll(async () => {
    gemm = await WasmGemm.create(2);
  });
  afterAll(() => gemm.dispose());

  const SHAPES: AttentionShape[] = [
    { items: 3, rows: 14, T: 7, hd: 6, causal: true }, // nothing a multiple of the tiles
    { items: 3, rows: 14, T: 7, hd: 6, causal: false },
    { items: 2, rows: 64, T: 32, hd: 16, causal: true }, // group of 2, like the model's GQA
    { items: 5, rows: 9, T: 9, hd: 33, causal: true },
    { items: 1, rows: 1, T: 1, hd: 2, causal: true },
  ];

  it.each(SHAPES)(
    "forward and backward match float64 ($items×$rows×$T×$hd, causal $causal)",
    (s) => {
      const rng = new Rng(5);
      const q = randomArray(s.items * s.rows * s.hd, rng);
      const k = randomArray(s.items * s.T * s.hd, rng);
      const v = randomArray(s.items * s.T * s.hd, rng);
      const dout = randomArray(s.items * s.rows * s.hd, rng);
      const out = new Float32Array(q.length).fill(NaN);
      const probs = new Float32Array(s.items * s.rows * s.T).fill(NaN);
      const dq = new Float32Array(q.length).fill(NaN);
      const dk = new Float32Array(k.length).fill(NaN);
      const dv = new Float32Array(v.length).fill(NaN);
      gemm.attentionForward(q, k, v, out, probs, s);
      gemm.attentionBackward(dout, q, k, v, probs, dq, dk, dv, s);
      const expected = referenceAttention(q, k, v, dout, s);
      const worst = (a: Float32Array, b: Float64Array) =>
        a.reduce((w, x, i) => Math.max(w, Math.abs(x - b[i])), 0);
      expect(worst(probs, expected.probs)).toBeLessThan(1e-6); // masked entries exactly 0
      expect(worst(out, expected.out)).toBeLessThan(1e-5);
      expect(worst(dq, expected.dq)).toBeLessThan(1e-5);
      expect(worst(dk, expected.dk)).toBeLessThan(1e-5);
      expect(worst(dv, expected.dv)).toBeLessThan(1e-5);
    },
  );

  it("rejects shapes that do not fit", () => {
    const s = { items: 1, rows: 6, T: 4, hd: 2, causal: true };
    const f = (n: number) => new Float32Array(n);
    expect(() => gemm.attentionForward(f(12), f(8), f(8), f(12), f(24), s)).toThrow(
      /rows \(6\) must be a multiple of T \(4\)/,
    );
    const ok = { ...s, rows: 8 };
    expect(() => gemm.attentionForward(f(16), f(8), f(9), f(16), f(32), ok)).toThrow(
      /an attention operand has 9 floats, not 8/,
    );
  });

  it("exp is within 2 ulp of Math.exp, 0 far below, ∞ above, NaN for NaN", () => {
    const x = Float32Array.from({ length: 4099 }, (_, i) => -90 + (i * 180) / 4098);
    x.set([-1e9, -87.5, 88.7, 89, 1e9, NaN, 0, -0], 4090 - 8);
    const y = new Float32Array(x.length);
    gemm.exp(x, y);
    x.forEach((xi, i) => {
      const e = Math.exp(xi);
      if (Number.isNaN(xi)) expect(y[i]).toBeNaN();
      else if (xi < -87.33654) expect(y[i]).toBe(0);
      else if (e > 3.4028234663852886e38) expect(y[i]).toBe(Infinity);
      else expect(Math.abs(y[i] - e) / e, `exp(${xi})`).toBeLessThan(2.5e-7);
    });
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

  it("Exp, through nano-gemm", async () => {
    const x = tf.mul(t([300]), 30);
    await bothBackends(() => tf.exp(x), 3e-7);
  });

  it("fused attention equals matMul, mask and softmax, forward and gradients", async () => {
    const { fusedAttention } = await import("../src/kernels/fused.ts");
    const [B, kvH, group, T, hd] = [2, 2, 2, 5, 4];
    const q = t([B, kvH, group * T, hd]) as tf.Tensor4D;
    const k = t([B, kvH, T, hd]) as tf.Tensor4D;
    const v = t([B, kvH, T, hd]) as tf.Tensor4D;
    const w = t([B, kvH, group * T, hd]);
    const mask = tf.tensor2d(
      Array.from({ length: group * T * T }, (_, i) => (i % T > Math.floor(i / T) % T ? -1e9 : 0)),
      [group * T, T],
    );
    for (const causal of [true, false]) {
      const composite = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        let scores = tf.matMul(a, b, false, true);
        if (causal) scores = tf.add(scores, mask);
        return tf.matMul(tf.softmax(scores), c);
      };
      const loss = (f: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, b, c), w)));
      await initBackend("wasm");
      const fused = [
        fusedAttention(q, k, v, causal),
        ...loss((a, b, c) =>
          fusedAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, causal),
        )([q, k, v]),
      ];
      const plain = [composite(q, k, v), ...loss(composite)([q, k, v])];
      for (let i = 0; i < 4; i++) {
        const a = await fused[i].data();
        const b = await plain[i].data();
        a.forEach((x, j) => expect(Math.abs(x - b[j]), `output ${i}[${j}]`).toBeLessThan(1e-5));
      }
      tf.dispose([...fused, ...plain]);
    }
  });

  it("fused RoPE equals the composite rotation bit for bit, and its gradient rotates back", async () => {
    const { fusedRope } = await import("../src/kernels/fused.ts");
    const [B, T, heads, hd] = [2, 5, 3, 6];
    const x = t([B, T, heads, hd]) as tf.Tensor4D;
    const angles = Array.from(
      { length: T * hd },
      (_, i) => Math.floor(i / hd) * 0.1 * (1 + Math.floor((i % hd) / 2)),
    );
    const cos = tf.tensor2d(angles.map(Math.cos), [T, hd]);
    const sin = tf.tensor2d(angles.map(Math.sin), [T, hd]);
    await initBackend("wasm");
    const swap = (v: tf.Tensor) => {
      const pairs = tf.reshape(v, [B, T, heads, hd / 2, 2]);
      const [a, b] = tf.split(pairs, 2, 4);
      return tf.reshape(tf.concat([tf.neg(b), a], 4), [B, T, heads, hd]);
    };
    const c3 = tf.reshape(cos, [T, 1, hd]);
    const s3 = tf.reshape(sin, [T, 1, hd]);
    const composite = (v: tf.Tensor) => tf.add(tf.mul(v, c3), tf.mul(swap(v), s3));
    expect(await fusedRope(x, cos, sin).data()).toEqual(await composite(x).data());
    const w = t([B, T, heads, hd]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(fusedRope(v as tf.Tensor4D, cos, sin), w)))(
      x,
    );
    const expected = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(composite(v), w)))(x);
    const [a, b] = [await g.data(), await expected.data()];
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-6));
  });

  it("fused cross-entropy names a target outside the vocabulary", async () => {
    const { fusedCrossEntropy } = await import("../src/kernels/fused.ts");
    await initBackend("wasm");
    const logits = t([3, 5]) as tf.Tensor2D;
    expect(() => fusedCrossEntropy(logits, tf.tensor1d([0, 5, 1], "int32"))).toThrow(
      /cross-entropy: target 5 of row 1 is not in \[0, 5\)/,
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
