// Little-endian numbers inside bytevectors, bitwise operations on exact integers, and the few
// numeric kernels the Scheme transformer may switch to for speed.
//
//   (nanolm binary)  — reading the fields and tensors of a binary file such as a Nano `.bin`
//   (srfi 151)       — the bitwise subset a PRNG needs (xorshift on 64-bit exact integers)
//   (nanolm kernels) — dot products the model also has in plain Scheme, beside these
import type { Builtins } from "./registry.ts";
import { schemeError, wrongType } from "../errors.ts";
import { makeFlonum, normalizeBigInt } from "../values.ts";
import { checkBytevector, checkIndexValue, checkLength } from "./args.ts";
import { toFloat } from "./srfi4.ts";
import { readFileBytes } from "./ports.ts";

/** Check that [start, start + size) lies inside `bv`, naming the procedure in the error. */
function checkSpan(who: string, bv: Uint8Array, start: unknown, size: number): number {
  const k = checkIndexValue(who, start);
  if (k + size > bv.length)
    schemeError(
      `${who}: ${size} bytes at offset ${k} run past the end of a bytevector of ${bv.length}`,
    );
  return k;
}

function view(bv: Uint8Array): DataView {
  return new DataView(bv.buffer, bv.byteOffset, bv.byteLength);
}

function installBinary(b: Builtins): void {
  b.define("bytevector-u32-le-ref", 2, 2, (bv: unknown, k: unknown) => {
    const v = checkBytevector("bytevector-u32-le-ref", bv);
    return view(v).getUint32(checkSpan("bytevector-u32-le-ref", v, k, 4), true);
  });
  b.define("bytevector-s32-le-ref", 2, 2, (bv: unknown, k: unknown) => {
    const v = checkBytevector("bytevector-s32-le-ref", bv);
    return view(v).getInt32(checkSpan("bytevector-s32-le-ref", v, k, 4), true);
  });
  b.define("bytevector-f32-le-ref", 2, 2, (bv: unknown, k: unknown) => {
    const v = checkBytevector("bytevector-f32-le-ref", bv);
    return makeFlonum(view(v).getFloat32(checkSpan("bytevector-f32-le-ref", v, k, 4), true));
  });
  b.define("bytevector->f32vector", 3, 3, (bv: unknown, start: unknown, n: unknown) => {
    const v = checkBytevector("bytevector->f32vector", bv);
    const count = checkLength("bytevector->f32vector", n);
    const at = checkSpan("bytevector->f32vector", v, start, 4 * count);
    const out = new Float32Array(count);
    // Copy the bytes first: a Float32Array view needs 4-byte alignment, and the copy is what
    // the caller owns anyway. (Every platform NanoLM runs on is little-endian.)
    new Uint8Array(out.buffer).set(v.subarray(at, at + 4 * count));
    return out;
  });
  b.define("bytevector->s8vector", 3, 3, (bv: unknown, start: unknown, n: unknown) => {
    const v = checkBytevector("bytevector->s8vector", bv);
    const count = checkLength("bytevector->s8vector", n);
    const at = checkSpan("bytevector->s8vector", v, start, count);
    return new Int8Array(v.slice(at, at + count).buffer);
  });
  b.define("read-file-bytevector", 1, 1, (path: unknown) => {
    const [, bytes] = readFileBytes("read-file-bytevector", path);
    return bytes;
  });
}

// --- SRFI 151 (subset) -------------------------------------------------------------------------

function exactInteger(who: string, x: unknown): bigint {
  if (typeof x === "number" && Number.isInteger(x)) return BigInt(x);
  if (typeof x === "bigint") return x;
  return wrongType(who, "an exact integer", x);
}

/** Both arguments small enough that JS's 32-bit bitwise operators give the exact answer. */
function int32s(a: unknown, c: unknown): boolean {
  return typeof a === "number" && typeof c === "number" && (a | 0) === a && (c | 0) === c;
}

function bitwise(
  name: string,
  identity: bigint,
  op: (x: bigint, y: bigint) => bigint,
  op32: (x: number, y: number) => number,
) {
  return (...xs: unknown[]): unknown => {
    if (xs.length === 2 && int32s(xs[0], xs[1])) return op32(xs[0] as number, xs[1] as number);
    let acc = identity;
    for (const x of xs) acc = op(acc, exactInteger(name, x));
    return normalizeBigInt(acc);
  };
}

function installBitwise(b: Builtins): void {
  b.define(
    "bitwise-and",
    0,
    -1,
    bitwise(
      "bitwise-and",
      -1n,
      (x, y) => x & y,
      (x, y) => x & y,
    ),
  );
  b.define(
    "bitwise-ior",
    0,
    -1,
    bitwise(
      "bitwise-ior",
      0n,
      (x, y) => x | y,
      (x, y) => x | y,
    ),
  );
  b.define(
    "bitwise-xor",
    0,
    -1,
    bitwise(
      "bitwise-xor",
      0n,
      (x, y) => x ^ y,
      (x, y) => x ^ y,
    ),
  );
  b.define("bitwise-not", 1, 1, (x: unknown) => normalizeBigInt(~exactInteger("bitwise-not", x)));
  b.define("arithmetic-shift", 2, 2, (x: unknown, n: unknown) => {
    const v = exactInteger("arithmetic-shift", x);
    const s = exactInteger("arithmetic-shift", n);
    if (s > 1_000_000n) schemeError("arithmetic-shift: shift count too large", n);
    // A right shift of a bigint rounds toward negative infinity, as SRFI 151 asks.
    return normalizeBigInt(s >= 0n ? v << s : v >> -s);
  });
  b.define("bit-count", 1, 1, (x: unknown) => {
    let v = exactInteger("bit-count", x);
    if (v < 0n) v = ~v; // SRFI 151: count the zero bits of a negative number
    let count = 0;
    for (; v > 0n; v >>= 1n) if (v & 1n) count++;
    return count;
  });
}

// --- kernels --------------------------------------------------------------------------------

type FloatVector = Float32Array | Float64Array;

function floatVector(who: string, x: unknown): FloatVector {
  if (x instanceof Float32Array || x instanceof Float64Array) return x;
  return wrongType(who, "an f32vector or f64vector", x);
}

function int8Vector(who: string, x: unknown): Int8Array {
  if (x instanceof Int8Array) return x;
  return wrongType(who, "an s8vector", x);
}

function checkCount(
  who: string,
  n: unknown,
  start: number,
  w: ArrayLike<number>,
  x: ArrayLike<number>,
): number {
  const count = checkLength(who, n);
  if (start + count > w.length)
    schemeError(
      `${who}: ${count} elements from ${start} run past the end of a vector of ${w.length}`,
    );
  if (count > x.length)
    schemeError(`${who}: ${count} elements, but the second vector has ${x.length}`);
  return count;
}

/**
 * Σ_{j<n} w[start + j]·x[j] in float32, in the C engine's order (engine-c/src/kernels.c
 * dot_f32): 16 running sums, lane l over the columns j ≡ l (mod 16) of the first n − n mod 16,
 * folded as p[l] + p[l+8], then + p[l+4], + p[l+2], + p[l+1]; then the leftover columns one by
 * one. Every product and sum is rounded to float32 on its own, as C's `float` arithmetic does.
 */
export function dotF32(
  w: ArrayLike<number>,
  start: number,
  x: ArrayLike<number>,
  n: number,
): number {
  const f = Math.fround;
  const lanes = new Float32Array(16); // stores round to float32
  const n16 = n - (n % 16);
  for (let j = 0; j < n16; j += 16)
    for (let l = 0; l < 16; l++) lanes[l] = lanes[l] + f(w[start + j + l] * x[j + l]);
  for (let width = 8; width >= 1; width /= 2)
    for (let l = 0; l < width; l++) lanes[l] = lanes[l] + lanes[l + width];
  let sum = lanes[0];
  for (let j = n16; j < n; j++) sum = f(sum + f(w[start + j] * x[j]));
  return sum;
}

function installKernels(b: Builtins): void {
  b.define("float32", 1, 1, (x: unknown) => makeFlonum(Math.fround(toFloat("float32", x))));
  // (dot-f32 w w-start x n): dotF32 above.
  b.define("dot-f32", 4, 4, (wv: unknown, ws: unknown, xv: unknown, n: unknown) => {
    const w = floatVector("dot-f32", wv);
    const x = floatVector("dot-f32", xv);
    const start = checkIndexValue("dot-f32", ws);
    const count = checkCount("dot-f32", n, start, w, x);
    return makeFlonum(dotF32(w, start, x, count));
  });
  // (dot-q8 wq w-start wscales xq xscales n group-size): Q8_0 · Q8_0 as the C engine computes
  // it: per group an exact integer sum, then val += (isum · w-scale) · x-scale in float32.
  b.define("dot-q8", 7, 7, (...args: unknown[]) => {
    const who = "dot-q8";
    const f = Math.fround;
    const wq = int8Vector(who, args[0]);
    const start = checkIndexValue(who, args[1]);
    const wScales = floatVector(who, args[2]);
    const xq = int8Vector(who, args[3]);
    const xScales = floatVector(who, args[4]);
    const count = checkCount(who, args[5], start, wq, xq);
    const gs = checkLength(who, args[6]);
    if (gs === 0 || start % gs !== 0 || count % gs !== 0)
      schemeError(
        `${who}: group size ${gs} must divide the start ${start} and the length ${count}`,
      );
    const groups = count / gs;
    const g0 = start / gs;
    if (g0 + groups > wScales.length || groups > xScales.length)
      schemeError(`${who}: the scale vectors are too short for ${groups} groups from group ${g0}`);
    let sum = 0;
    for (let g = 0; g < groups; g++) {
      let isum = 0; // exact: |isum| ≤ 127·127·group_size < 2^24, so float32(isum) is exact too
      const base = g * gs;
      for (let k = 0; k < gs; k++) isum += wq[start + base + k] * xq[base + k];
      sum = f(sum + f(f(isum * wScales[g0 + g]) * xScales[g]));
    }
    return makeFlonum(sum);
  });
}

export function install(b: Builtins): void {
  installBinary(b);
  installBitwise(b);
  installKernels(b);
}

export const BINARY_NAMES = [
  "bytevector-u32-le-ref",
  "bytevector-s32-le-ref",
  "bytevector-f32-le-ref",
  "bytevector->f32vector",
  "bytevector->s8vector",
  "read-file-bytevector",
];
export const SRFI_151_NAMES = [
  "bitwise-and",
  "bitwise-ior",
  "bitwise-xor",
  "bitwise-not",
  "arithmetic-shift",
  "bit-count",
];
export const KERNEL_NAMES = ["float32", "dot-f32", "dot-q8"];
