// Unit tests of the runtime primitives for vectors, bytevectors and SRFI 4 vectors.
import { describe, expect, test } from "vitest";
import { Flonum, NIL, Ratnum, UNSPECIFIED } from "../src/values.ts";
import { call, ch, errorOf, fl, list, show, str } from "./runtime-support.ts";

type Case = [string, unknown[], string];
function table(cases: Case[]): void {
  for (const [name, args, expected] of cases)
    test(`(${[name, ...args.map(show)].join(" ")}) ⇒ ${expected}`, () => {
      expect(show(call(name, ...args))).toBe(expected);
    });
}

describe("vectors", () => {
  table([
    ["vector?", [[1]], "#t"],
    ["vector?", [list(1)], "#f"],
    ["vector?", [Uint8Array.of(1)], "#f"],
    ["make-vector", [3, 0], "#(0 0 0)"],
    ["make-vector", [0], "#()"],
    ["vector", [1, str("a"), ch("b")], '#(1 "a" #\\b)'],
    ["vector", [], "#()"],
    ["vector-length", [[1, 2, 3]], "3"],
    ["vector-ref", [[1, 2, 3], 0], "1"],
    ["vector-ref", [[1, 2, 3], 2], "3"],
    ["vector->list", [[1, 2, 3]], "(1 2 3)"],
    ["vector->list", [[1, 2, 3], 1], "(2 3)"],
    ["vector->list", [[1, 2, 3], 1, 2], "(2)"],
    ["vector->list", [[]], "()"],
    ["list->vector", [list(1, 2)], "#(1 2)"],
    ["list->vector", [NIL], "#()"],
    ["vector-copy", [[1, 2, 3]], "#(1 2 3)"],
    ["vector-copy", [[1, 2, 3], 1], "#(2 3)"],
    ["vector-copy", [[1, 2, 3], 1, 2], "#(2)"],
    ["vector-append", [[1], [2, 3], []], "#(1 2 3)"],
    ["vector-append", [], "#()"],
  ]);
  test("vector-set! and vector-fill!", () => {
    const v = [1, 2, 3, 4];
    expect(call("vector-set!", v, 0, str("x"))).toBe(UNSPECIFIED);
    expect(show(v)).toBe('#("x" 2 3 4)');
    call("vector-fill!", v, 0, 1, 3);
    expect(show(v)).toBe('#("x" 0 0 4)');
    call("vector-fill!", v, 9);
    expect(show(v)).toBe("#(9 9 9 9)");
  });
  test("vector-copy makes a new vector", () => {
    const v = [1, 2];
    const c = call("vector-copy", v) as unknown[];
    c[0] = 5;
    expect(v[0]).toBe(1);
  });
  test("vector-copy!", () => {
    const v = [1, 2, 3, 4, 5];
    call("vector-copy!", v, 0, [sym2("a"), sym2("b")]);
    expect(show(v)).toBe("#(a b 3 4 5)");
    const w = [1, 2, 3, 4, 5];
    call("vector-copy!", w, 1, w, 0, 3); // overlapping, to the right
    expect(show(w)).toBe("#(1 1 2 3 5)");
    const x = [1, 2, 3, 4, 5];
    call("vector-copy!", x, 0, x, 2); // overlapping, to the left
    expect(show(x)).toBe("#(3 4 5 4 5)");
  });
  test("errors", () => {
    expect(errorOf(() => call("vector-ref", [1, 2, 3], 10))).toBe(
      "vector-ref: index 10 out of range for length 3",
    );
    expect(errorOf(() => call("vector-ref", [1, 2, 3], 2n ** 70n))).toBe(
      `vector-ref: index ${2n ** 70n} out of range for length 3`,
    );
    expect(errorOf(() => call("vector-ref", list(1), 0))).toMatch(
      /^vector-ref: expected a vector, got/,
    );
    expect(errorOf(() => call("vector-set!", [1], 1, 0))).toBe(
      "vector-set!: index 1 out of range for length 1",
    );
    expect(errorOf(() => call("vector-length", 5))).toBe("vector-length: expected a vector, got 5");
    expect(errorOf(() => call("make-vector", 1.5))).toBe(
      "make-vector: expected an exact non-negative integer length, got 1.5",
    );
    expect(errorOf(() => call("vector-copy", [1, 2], 3))).toBe(
      "vector-copy: index 3 out of range for length 2",
    );
    expect(errorOf(() => call("vector-copy!", [1], 0, [1, 2]))).toMatch(
      /^vector-copy!: 2 elements do not fit at index 0/,
    );
    expect(errorOf(() => call("list->vector", 5))).toBe(
      "list->vector: expected a proper list, got 5",
    );
  });
});

function sym2(name: string) {
  return call("string->symbol", str(name));
}

describe("bytevectors", () => {
  table([
    ["bytevector?", [Uint8Array.of()], "#t"],
    ["bytevector?", [[1]], "#f"],
    ["bytevector?", [Int8Array.of(1)], "#f"],
    ["make-bytevector", [2, 12], "#u8(12 12)"],
    ["make-bytevector", [3], "#u8(0 0 0)"],
    ["bytevector", [1, 3, 5, 1, 3, 5], "#u8(1 3 5 1 3 5)"],
    ["bytevector", [], "#u8()"],
    ["bytevector-length", [Uint8Array.of(1, 2)], "2"],
    ["bytevector-u8-ref", [Uint8Array.of(1, 1, 2, 3, 5, 8, 13, 21), 5], "8"],
    ["bytevector-copy", [Uint8Array.of(1, 2, 3, 4, 5), 2, 4], "#u8(3 4)"],
    ["bytevector-copy", [Uint8Array.of(1, 2, 3)], "#u8(1 2 3)"],
    ["bytevector-append", [Uint8Array.of(0, 1, 2), Uint8Array.of(3, 4, 5)], "#u8(0 1 2 3 4 5)"],
    ["bytevector-append", [], "#u8()"],
    ["utf8->string", [Uint8Array.of(0x41)], '"A"'],
    ["utf8->string", [Uint8Array.of(0xce, 0xbb)], '"λ"'],
    ["utf8->string", [Uint8Array.of(0x41, 0xce, 0xbb, 0x42), 1, 3], '"λ"'],
    ["string->utf8", [str("λ")], "#u8(206 187)"],
    ["string->utf8", [str("aλb"), 1], "#u8(206 187 98)"],
    ["string->utf8", [str("aλb"), 1, 2], "#u8(206 187)"],
    ["string->utf8", [str("😀")], "#u8(240 159 152 128)"],
  ]);
  test("bytevector-u8-set! and copy!", () => {
    const bv = Uint8Array.of(1, 2, 3, 4, 5);
    call("bytevector-u8-set!", bv, 0, 255);
    expect(show(bv)).toBe("#u8(255 2 3 4 5)");
    const a = Uint8Array.of(1, 2, 3, 4, 5);
    const b = Uint8Array.of(10, 20, 30, 40, 50);
    call("bytevector-copy!", b, 1, a, 0, 2);
    expect(show(b)).toBe("#u8(10 1 2 40 50)");
    call("bytevector-copy!", a, 1, a, 0, 3);
    expect(show(a)).toBe("#u8(1 1 2 3 5)");
  });
  test("errors", () => {
    expect(errorOf(() => call("bytevector", 256))).toBe(
      "bytevector: expected a byte (an exact integer from 0 to 255), got 256",
    );
    expect(errorOf(() => call("bytevector-u8-set!", Uint8Array.of(1), 0, -1))).toBe(
      "bytevector-u8-set!: expected a byte (an exact integer from 0 to 255), got -1",
    );
    expect(errorOf(() => call("bytevector-u8-ref", Uint8Array.of(1), 1))).toBe(
      "bytevector-u8-ref: index 1 out of range for length 1",
    );
    expect(errorOf(() => call("bytevector-length", [1]))).toMatch(
      /^bytevector-length: expected a bytevector/,
    );
    expect(errorOf(() => call("utf8->string", 5))).toBe(
      "utf8->string: expected a bytevector, got 5",
    );
  });
});

describe("SRFI 4", () => {
  table([
    ["make-f32vector", [2, 1.5], "#f32(1.5 1.5)"],
    ["make-f32vector", [2], "#f32(0 0)"],
    ["f32vector", [1, 2.5, fl(3)], "#f32(1 2.5 3)"],
    ["f32vector?", [new Float32Array(1)], "#t"],
    ["f32vector?", [new Float64Array(1)], "#f"],
    ["f32vector-length", [new Float32Array(3)], "3"],
    ["f32vector-ref", [Float32Array.of(1.5, 2), 0], "1.5"],
    ["f32vector-ref", [Float32Array.of(1.5, 2), 1], "2.0"],
    ["f32vector->list", [Float32Array.of(1, 2.5)], "(1.0 2.5)"],
    ["f32vector->list", [Float32Array.of(1, 2.5, 3), 1, 2], "(2.5)"],
    ["list->f32vector", [list(1, 0.5)], "#f32(1 0.5)"],
    ["f32vector", [new Ratnum(1n, 2n)], "#f32(0.5)"],
    ["f32vector-copy", [Float32Array.of(1, 2, 3), 1], "#f32(2 3)"],
    ["f32vector->vector", [Float32Array.of(0.5)], "#(0.5)"],
    ["vector->f32vector", [[1, 0.5]], "#f32(1 0.5)"],
    ["make-f64vector", [1, 0.1], "#f64(0.1)"],
    ["f64vector", [0.1, 2], "#f64(0.1 2)"],
    ["f64vector-ref", [Float64Array.of(0.1), 0], "0.1"],
    ["f64vector?", [new Float64Array(1)], "#t"],
    ["f64vector->list", [Float64Array.of(-0)], "(-0.0)"],
    ["list->f64vector", [list(1, 2)], "#f64(1 2)"],
    ["make-s8vector", [2, -3], "#s8(-3 -3)"],
    ["s8vector", [-128, 127], "#s8(-128 127)"],
    ["s8vector-ref", [Int8Array.of(-5), 0], "-5"],
    ["s8vector?", [new Int8Array(1)], "#t"],
    ["s8vector?", [new Uint8Array(1)], "#f"],
    ["s8vector->list", [Int8Array.of(1, -1)], "(1 -1)"],
    ["list->s8vector", [list(1, -1)], "#s8(1 -1)"],
    ["make-u8vector", [2, 7], "#u8(7 7)"],
    ["u8vector", [1, 255], "#u8(1 255)"],
    ["u8vector?", [new Uint8Array(1)], "#t"],
    ["u8vector-ref", [Uint8Array.of(9), 0], "9"],
    ["u8vector->list", [Uint8Array.of(1, 2)], "(1 2)"],
    ["list->u8vector", [list(3)], "#u8(3)"],
    ["u8vector-copy", [Uint8Array.of(1, 2, 3), 2], "#u8(3)"],
    ["bytevector?", [call("make-u8vector", 1, 0)], "#t"],
  ]);
  test("f32vector-ref returns flonums, f32vector-set! takes any real", () => {
    const v = new Float32Array(3);
    call("f32vector-set!", v, 0, 2);
    call("f32vector-set!", v, 1, 0.25);
    call("f32vector-set!", v, 2, 2n ** 70n);
    expect(call("f32vector-ref", v, 0)).toBeInstanceOf(Flonum);
    expect(show(call("f32vector-ref", v, 1))).toBe("0.25");
    expect(v[2]).toBe(Math.fround(2 ** 70));
  });
  test("f32vector-set! rounds to single precision", () => {
    const v = new Float32Array(1);
    call("f32vector-set!", v, 0, 0.1);
    expect(call("f32vector-ref", v, 0)).toBe(Math.fround(0.1));
  });
  test("fill! and copy!", () => {
    const v = new Float64Array(4);
    call("f64vector-fill!", v, 1.5, 1, 3);
    expect(show(v)).toBe("#f64(0 1.5 1.5 0)");
    call("f64vector-copy!", v, 0, Float64Array.of(7, 8));
    expect(show(v)).toBe("#f64(7 8 1.5 0)");
    const u = Uint8Array.of(1, 2, 3);
    call("u8vector-fill!", u, 0);
    expect(show(u)).toBe("#u8(0 0 0)");
  });
  test("errors", () => {
    expect(errorOf(() => call("f32vector-ref", Float32Array.of(1), 1))).toBe(
      "f32vector-ref: index 1 out of range for length 1",
    );
    expect(errorOf(() => call("f32vector-ref", Float64Array.of(1), 0))).toMatch(
      /^f32vector-ref: expected a f32vector/,
    );
    expect(errorOf(() => call("f32vector-set!", new Float32Array(1), 0, str("x")))).toMatch(
      /^f32vector-set!: expected a real number/,
    );
    expect(errorOf(() => call("s8vector", 128))).toBe(
      "s8vector: expected an exact integer from -128 to 127, got 128",
    );
    expect(errorOf(() => call("s8vector-set!", new Int8Array(1), 0, 1.5))).toBe(
      "s8vector-set!: expected an exact integer from -128 to 127, got 1.5",
    );
    expect(errorOf(() => call("u8vector", -1))).toBe(
      "u8vector: expected an exact integer from 0 to 255, got -1",
    );
  });
});
