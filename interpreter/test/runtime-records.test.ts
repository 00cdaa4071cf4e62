// Unit tests of the record and hash table primitives (define-record-type's back end, SRFI 69).
import { describe, expect, test } from "vitest";
import { Char, MString, Pair, Primitive, Record, RecordType } from "../src/values.ts";
import { apply, b, call, errorOf, fl, list, show, str, sym } from "./runtime-support.ts";

describe("records", () => {
  const rtd = call("%make-record-type", sym("<point>"), list(sym("x"), sym("y"))) as RecordType;
  const make = call("%record-constructor", rtd, list(sym("x"), sym("y"))) as Primitive;
  const isPoint = call("%record-predicate", rtd) as Primitive;
  const px = call("%record-accessor", rtd, sym("x")) as Primitive;
  const py = call("%record-accessor", rtd, sym("y")) as Primitive;
  const setX = call("%record-modifier", rtd, sym("x")) as Primitive;

  test("construct, test, access, modify", () => {
    const p = apply(make, [1, 2]);
    expect(p).toBeInstanceOf(Record);
    expect(apply(isPoint, [p])).toBe(true);
    expect(apply(isPoint, [5])).toBe(false);
    expect(apply(px, [p])).toBe(1);
    expect(apply(py, [p])).toBe(2);
    apply(setX, [p, 10]);
    expect(apply(px, [p])).toBe(10);
  });
  test("procedure names follow the usual convention", () => {
    expect([make.name, isPoint.name, px.name, setX.name]).toEqual([
      "make-point",
      "point?",
      "point-x",
      "set-point-x!",
    ]);
    expect(rtd.name).toBe("<point>");
    expect(rtd.fieldNames).toEqual(["x", "y"]);
  });
  test("constructor with a subset of the fields, in another order", () => {
    const make2 = call("%record-constructor", rtd, list(sym("y"))) as Primitive;
    const p = apply(make2, [7]) as Record;
    expect(p.fields).toEqual([false, 7]);
    const make3 = call("%record-constructor", rtd, list(sym("y"), sym("x"))) as Primitive;
    expect((apply(make3, [1, 2]) as Record).fields).toEqual([2, 1]);
  });
  test("a record of another type is rejected", () => {
    const other = call("%make-record-type", sym("<other>"), list(sym("x"))) as RecordType;
    const makeOther = call("%record-constructor", other, list(sym("x"))) as Primitive;
    const o = apply(makeOther, [1]);
    expect(apply(isPoint, [o])).toBe(false);
    expect(errorOf(() => apply(px, [o]))).toMatch(/^point-x: expected a point, got/);
  });
  test("error messages", () => {
    expect(errorOf(() => apply(px, [5]))).toBe("point-x: expected a point, got 5");
    expect(errorOf(() => apply(setX, [5, 1]))).toBe("set-point-x!: expected a point, got 5");
    expect(errorOf(() => make.fn(1))).toBe("make-point: expected 2 arguments, got 1");
    expect(errorOf(() => call("%record-accessor", rtd, sym("z")))).toBe(
      "%record-accessor: record type <point> has no field z",
    );
    expect(errorOf(() => call("%make-record-type", sym("t"), list(sym("a"), sym("a"))))).toBe(
      "define-record-type: duplicate field a in t",
    );
  });
  test("a renamed procedure reports its new name", () => {
    const acc = call("%record-accessor", rtd, sym("y")) as Primitive;
    acc.name = "point-y-coordinate";
    expect(errorOf(() => apply(acc, [5]))).toBe("point-y-coordinate: expected a point, got 5");
  });
  test("record? and the type name", () => {
    expect(call("record?", apply(make, [1, 2]))).toBe(true);
    expect(call("record?", [1])).toBe(false);
    expect(show(call("%record-type-name", rtd))).toBe("<point>");
  });
});

describe("hash tables", () => {
  const eqP = b.get("eq?");
  const eqvP = b.get("eqv?");
  const stringEqP = b.get("string=?");
  const stringCiEqP = b.get("string-ci=?");

  test("equal? tables (the default) on structured keys", () => {
    const t = call("make-hash-table");
    call("hash-table-set!", t, list(1, 2), sym("a"));
    call("hash-table-set!", t, str("key"), sym("b"));
    call("hash-table-set!", t, [1, str("v")], sym("c"));
    call("hash-table-set!", t, 1, sym("one"));
    call("hash-table-set!", t, fl(1), sym("one-point-oh"));
    call("hash-table-set!", t, Uint8Array.of(1, 2), sym("bv"));
    expect(show(call("hash-table-ref/default", t, list(1, 2), false))).toBe("a");
    expect(show(call("hash-table-ref/default", t, str("key"), false))).toBe("b");
    expect(show(call("hash-table-ref/default", t, [1, str("v")], false))).toBe("c");
    expect(show(call("hash-table-ref/default", t, 1, false))).toBe("one");
    expect(show(call("hash-table-ref/default", t, fl(1), false))).toBe("one-point-oh");
    expect(show(call("hash-table-ref/default", t, Uint8Array.of(1, 2), false))).toBe("bv");
    expect(show(call("hash-table-ref/default", t, list(1, 3), false))).toBe("#f");
    expect(call("hash-table-size", t)).toBe(6);
    call("hash-table-set!", t, list(1, 2), sym("a2"));
    expect(call("hash-table-size", t)).toBe(6);
    expect(show(call("hash-table-ref/default", t, list(1, 2), false))).toBe("a2");
    call("hash-table-delete!", t, list(1, 2));
    expect(call("hash-table-exists?", t, list(1, 2))).toBe(false);
    expect(call("hash-table-contains?", t, str("key"))).toBe(true);
    expect(call("hash-table-size", t)).toBe(5);
  });
  test("eqv? semantics for numbers and characters", () => {
    const t = call("make-hash-table", eqvP);
    call("hash-table-set!", t, 2n ** 80n, 1);
    call("hash-table-set!", t, fl(0), sym("zero"));
    call("hash-table-set!", t, Char.of(0x3bb), sym("lambda"));
    expect(call("hash-table-ref/default", t, 2n ** 80n, false)).toBe(1);
    expect(show(call("hash-table-ref/default", t, fl(0), false))).toBe("zero");
    expect(show(call("hash-table-ref/default", t, fl(-0), false))).toBe("#f");
    expect(show(call("hash-table-ref/default", t, Char.of(0x3bb), false))).toBe("lambda");
    expect(show(call("hash-table-ref/default", t, list(1), false))).toBe("#f");
  });
  test("eq? tables compare strings by identity", () => {
    const t = call("make-hash-table", eqP);
    const k = str("k");
    call("hash-table-set!", t, k, 1);
    call("hash-table-set!", t, sym("s"), 2);
    expect(call("hash-table-ref/default", t, k, false)).toBe(1);
    expect(call("hash-table-ref/default", t, str("k"), false)).toBe(false);
    expect(call("hash-table-ref/default", t, sym("s"), false)).toBe(2);
  });
  test("string=? and string-ci=? tables", () => {
    const t = call("make-hash-table", stringEqP);
    call("hash-table-set!", t, str("Abc"), 1);
    expect(call("hash-table-ref/default", t, str("Abc"), false)).toBe(1);
    expect(call("hash-table-ref/default", t, str("abc"), false)).toBe(false);
    const u = call("make-hash-table", stringCiEqP);
    call("hash-table-set!", u, str("Abc"), 1);
    expect(call("hash-table-ref/default", u, str("aBC"), false)).toBe(1);
    expect(errorOf(() => call("hash-table-set!", t, 5, 1))).toBe(
      "hash-table: expected a string, got 5",
    );
  });
  test("%hash-table-ref returns the sentinel for missing keys", () => {
    const t = call("make-hash-table");
    expect(call("%hash-table-ref", t, 1)).toBe(call("%hash-table-missing"));
    call("hash-table-set!", t, 1, false);
    expect(call("%hash-table-ref", t, 1)).toBe(false);
  });
  test("keys, values, alist, copy, clear", () => {
    const t = call(
      "alist->hash-table",
      list(new Pair(sym("a"), 1), new Pair(sym("b"), 2), new Pair(sym("a"), 3)),
      eqP,
    );
    expect(call("hash-table-size", t)).toBe(2);
    expect(call("hash-table-ref/default", t, sym("a"), false)).toBe(1); // the first wins
    expect(show(call("hash-table-keys", t))).toBe("(a b)");
    expect(show(call("hash-table-values", t))).toBe("(1 2)");
    expect(show(call("hash-table->alist", t))).toBe("((a . 1) (b . 2))");
    const c = call("hash-table-copy", t);
    call("hash-table-set!", c, sym("c"), 3);
    expect(call("hash-table-size", t)).toBe(2);
    expect(call("hash-table-size", c)).toBe(3);
    call("hash-table-clear!", c);
    expect(call("hash-table-size", c)).toBe(0);
    const frozen = call("hash-table-copy", t, false);
    expect(errorOf(() => call("hash-table-set!", frozen, 1, 1))).toBe(
      "hash-table-set!: hash table is immutable",
    );
    expect(call("hash-table-equivalence-function", t)).toBe(eqP);
  });
  test("many structured keys", () => {
    const t = call("make-hash-table");
    for (let i = 0; i < 2000; i++) call("hash-table-set!", t, list(i, str(String(i))), i);
    expect(call("hash-table-size", t)).toBe(2000);
    for (let i = 0; i < 2000; i += 97)
      expect(call("hash-table-ref/default", t, list(i, str(String(i))), false)).toBe(i);
    for (let i = 0; i < 1000; i++) call("hash-table-delete!", t, list(i, str(String(i))));
    expect(call("hash-table-size", t)).toBe(1000);
  });
  test("hash functions are consistent with equal?", () => {
    expect(call("hash", list(1, str("a")))).toBe(call("hash", list(1, str("a"))));
    expect(call("string-hash", str("abc"))).toBe(call("string-hash", str("abc")));
    expect(call("string-ci-hash", str("ABC"))).toBe(call("string-ci-hash", str("abc")));
    const h = call("hash", str("abc"), 10) as number;
    expect(h >= 0 && h < 10).toBe(true);
    expect(call("hash", MString.fromCodePoints(Uint32Array.of(97)))).toBe(call("hash", str("a")));
  });
  test("errors", () => {
    expect(errorOf(() => call("hash-table-set!", 5, 1, 1))).toBe(
      "hash-table-set!: expected a hash table, got 5",
    );
    expect(errorOf(() => call("make-hash-table", b.get("car")))).toMatch(
      /^make-hash-table: unsupported equivalence predicate/,
    );
    expect(errorOf(() => call("hash", 1, 0))).toBe(
      "hash: expected a positive exact integer bound, got 0",
    );
  });
});
