// (nanolm binary), (srfi 151) and (nanolm kernels): the primitives the Scheme transformer is
// built on (reading a `.bin`, the sampler's 64-bit PRNG, the switchable fast dot products).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evalScheme, schemeFailure } from "./helpers.ts";

const IMPORTS = `(import (scheme base) (srfi 4) (nanolm binary) (srfi 151) (nanolm kernels))`;
const run = (body: string): string => evalScheme(`${IMPORTS}\n${body}`);
const fails = (body: string): string => schemeFailure(`${IMPORTS}\n${body}`).message;

describe("(nanolm binary)", () => {
  it("reads little-endian integers and floats", () => {
    expect(run(`(bytevector-u32-le-ref (bytevector 1 2 3 4 255 255 255 255) 4)`)).toBe(
      "4294967295",
    );
    expect(run(`(bytevector-s32-le-ref (bytevector 1 2 3 4 255 255 255 255) 4)`)).toBe("-1");
    expect(run(`(bytevector-u32-le-ref (bytevector 9 1 2 3 4) 1)`)).toBe(String(0x04030201));
    expect(run(`(bytevector-f32-le-ref (bytevector 0 0 128 63) 0)`)).toBe("1.0");
    expect(run(`(bytevector-f32-le-ref (bytevector 0 0 0 0 0 0 192 191) 4)`)).toBe("-1.5");
  });
  it("copies tensors out of any offset, aligned or not", () => {
    expect(run(`(bytevector->f32vector (bytevector 7 0 0 128 63 0 0 0 64) 1 2)`)).toBe(
      "#f32(1.0 2.0)",
    );
    expect(run(`(bytevector->s8vector (bytevector 7 255 128 127) 1 3)`)).toBe("#s8(-1 -128 127)");
    expect(run(`(f32vector-length (bytevector->f32vector (bytevector 1 2 3) 3 0))`)).toBe("0");
  });
  it("refuses to read past the end", () => {
    expect(fails(`(bytevector-u32-le-ref (bytevector 1 2 3) 0)`)).toMatch(
      /bytevector-u32-le-ref: 4 bytes at offset 0 run past the end of a bytevector of 3/,
    );
    expect(fails(`(bytevector->f32vector (make-bytevector 8) 4 2)`)).toMatch(/run past the end/);
    expect(fails(`(bytevector->s8vector (make-bytevector 8) -1 2)`)).toMatch(
      /bytevector->s8vector/,
    );
    expect(fails(`(bytevector-f32-le-ref "abcd" 0)`)).toMatch(/expected a bytevector/);
  });
  it("reads whole files and names a missing one", () => {
    const dir = mkdtempSync(join(tmpdir(), "nanolm-binary-"));
    writeFileSync(join(dir, "x.bin"), Buffer.from([5, 6, 7]));
    expect(run(`(read-file-bytevector "${dir}/x.bin")`)).toBe("#u8(5 6 7)");
    expect(fails(`(read-file-bytevector "${dir}/missing.bin")`)).toMatch(
      /read-file-bytevector: cannot open file/,
    );
  });
});

describe("(srfi 151)", () => {
  it("works on small integers and on 64-bit (bigint) ones alike", () => {
    expect(
      run(`(list (bitwise-and 12 10) (bitwise-ior 12 10) (bitwise-xor 12 10) (bitwise-not 0))`),
    ).toBe("(8 14 6 -1)");
    const a = 12345678901234567890n;
    const b = 98765432109876543210n;
    expect(run(`(bitwise-xor ${a} ${b})`)).toBe(String(a ^ b));
    expect(run(`(bitwise-and ${a} #xFFFFFFFF)`)).toBe(String(a & 0xffffffffn));
    expect(run(`(bitwise-and)`)).toBe("-1");
  });
  it("shifts both ways, rounding toward negative infinity", () => {
    expect(
      run(`(list (arithmetic-shift 1 64) (arithmetic-shift -5 -1) (arithmetic-shift 5 -1))`),
    ).toBe("(18446744073709551616 -3 2)");
    expect(run(`(bit-count 255)`)).toBe("8");
    expect(run(`(bit-count -1)`)).toBe("0");
  });
  it("rejects non-integers", () => {
    expect(fails(`(bitwise-and 1.5 1)`)).toMatch(/bitwise-and: expected an exact integer/);
  });
});

describe("(nanolm kernels)", () => {
  it("float32 rounds to the nearest single-precision number, staying inexact", () => {
    expect(run(`(float32 0.1)`)).toBe(String(Math.fround(0.1)));
    expect(run(`(list (float32 1) (float32 16777217) (exact? (float32 3)))`)).toBe(
      "(1.0 16777216.0 #f)",
    );
    expect(fails(`(float32 "x")`)).toMatch(/float32: expected a real number/);
  });
  it("dot-f32 adds in the C engine's order: 16 float32 lanes, folded, then the tail", () => {
    // 1e8 + 1 − 1e8 is 0 in float32 when added in order, but the lanes keep them apart: lane 0
    // gets 1e8 and −1e8 (columns 0 and 16), lane 1 gets the 1, so the fold leaves 1.
    const w = [1e8, 1, ...Array(14).fill(0), -1e8, ...Array(15).fill(0)];
    expect(run(`(dot-f32 (f32vector ${w.join(" ")}) 0 (make-f64vector 32 1.0) 32)`)).toBe("1.0");
    expect(run(`(dot-f32 (f32vector 1e8 1 -1e8) 0 (f64vector 1 1 1) 3)`)).toBe("0.0");
  });
  it("dot-f32 multiplies a row slice by a vector", () => {
    expect(run(`(dot-f32 (f32vector 9 1 2 3) 1 (f64vector 1 0.5 2) 3)`)).toBe("8.0");
    expect(fails(`(dot-f32 (f32vector 1 2) 1 (f64vector 1 1) 2)`)).toMatch(/run past the end/);
  });
  it("dot-q8 sums integer products per group, then scales", () => {
    // groups of 2 from element 2: (3·1 + 4·1)·0.25·2
    expect(
      run(`(dot-q8 (s8vector 1 2 3 4) 2 (f32vector 0.5 0.25) (s8vector 1 1) (f32vector 2) 2 2)`),
    ).toBe("3.5");
    expect(
      fails(`(dot-q8 (s8vector 1 2 3 4) 1 (f32vector 1 1) (s8vector 1 1) (f32vector 1) 2 2)`),
    ).toMatch(/group size 2 must divide/);
  });
});
