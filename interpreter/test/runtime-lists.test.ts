// Unit tests of the runtime primitives for equivalence, booleans, pairs, lists and symbols.
import { describe, expect, test } from "vitest";
import { Char, MString, NIL, Pair, Ratnum, Sym, UNSPECIFIED } from "../src/values.ts";
import { call, ch, errorOf, fl, list, show, str, sym } from "./runtime-support.ts";

/** [procedure, arguments, expected result as `show` prints it] */
type Case = [string, unknown[], string];

function table(cases: Case[]): void {
  for (const [name, args, expected] of cases)
    test(`(${[name, ...args.map(show)].join(" ")}) ⇒ ${expected}`, () => {
      expect(show(call(name, ...args))).toBe(expected);
    });
}

const L = list;

describe("equivalence", () => {
  const pair = L(1, 2);
  const vec = [1, 2];
  const s = str("abc");
  table([
    ["eq?", [sym("a"), sym("a")], "#t"],
    ["eq?", [sym("a"), sym("b")], "#f"],
    ["eq?", [NIL, NIL], "#t"],
    ["eq?", [pair, pair], "#t"],
    ["eq?", [L(1), L(1)], "#f"],
    ["eq?", [5, 5], "#t"],
    ["eq?", [ch("a"), Char.of(97)], "#t"],
    ["eq?", [Char.of(0x3bb), Char.of(0x3bb)], "#t"],
    ["eq?", [true, true], "#t"],
    ["eq?", [s, s], "#t"],
    ["eqv?", [1, 1], "#t"],
    ["eqv?", [1, fl(1)], "#f"],
    ["eqv?", [fl(1), fl(1)], "#t"],
    ["eqv?", [fl(0), fl(-0)], "#f"],
    ["eqv?", [NaN, NaN], "#t"],
    ["eqv?", [1.5, 1.5], "#t"],
    ["eqv?", [2n ** 70n, 2n ** 70n], "#t"],
    ["eqv?", [2n ** 70n, 2n ** 71n], "#f"],
    ["eqv?", [new Ratnum(1n, 2n), new Ratnum(1n, 2n)], "#t"],
    ["eqv?", [new Ratnum(1n, 2n), new Ratnum(1n, 3n)], "#f"],
    ["eqv?", [Char.of(0x1f600), Char.of(0x1f600)], "#t"],
    ["eqv?", [str(""), str("")], "#f"],
    ["eqv?", [vec, vec], "#t"],
    ["eqv?", [[], []], "#f"],
    ["equal?", [L(1, L(2, str("x")), [3]), L(1, L(2, str("x")), [3])], "#t"],
    ["equal?", [L(1, 2), L(1, 3)], "#f"],
    ["equal?", [new Pair(1, 2), new Pair(1, 2)], "#t"],
    ["equal?", [str("abc"), str("abc")], "#t"],
    ["equal?", [str("abc"), MString.fromCodePoints(Uint32Array.of(97, 98, 99))], "#t"],
    ["equal?", [str("abc"), str("abd")], "#f"],
    [
      "equal?",
      [
        [1, [2, 3]],
        [1, [2, 3]],
      ],
      "#t",
    ],
    [
      "equal?",
      [
        [1, 2],
        [1, 2, 3],
      ],
      "#f",
    ],
    ["equal?", [Uint8Array.of(1, 2), Uint8Array.of(1, 2)], "#t"],
    ["equal?", [Uint8Array.of(1, 2), Int8Array.of(1, 2)], "#f"],
    ["equal?", [Float32Array.of(1.5), Float32Array.of(1.5)], "#t"],
    ["equal?", [1, fl(1)], "#f"],
    ["equal?", [fl(2), fl(2)], "#t"],
    ["equal?", [ch("x"), ch("x")], "#t"],
  ]);

  test("equal? on a deeply nested tree does not overflow the stack", () => {
    const build = () => {
      let t: unknown = NIL;
      for (let i = 0; i < 300_000; i++) t = new Pair(t, [i]);
      return t;
    };
    expect(call("equal?", build(), build())).toBe(true);
    const other = build() as Pair;
    (other.cdr as unknown[])[0] = -1;
    expect(call("equal?", build(), other)).toBe(false);
  });
  test("equal? terminates on circular structures", () => {
    const cycle = (items: unknown[]) => {
      const l = list(...items) as Pair;
      let last = l;
      while (last.cdr instanceof Pair) last = last.cdr;
      last.cdr = l;
      return l;
    };
    expect(call("equal?", cycle([1, 2]), cycle([1, 2]))).toBe(true);
    expect(call("equal?", cycle([1, 2]), cycle([1, 2, 1, 2]))).toBe(true);
    expect(call("equal?", cycle([1, 2]), cycle([1, 3]))).toBe(false);
    const v: unknown[] = [1];
    v.push(v);
    const w: unknown[] = [1];
    w.push(w);
    expect(call("equal?", v, w)).toBe(true);
  });
  test("equal? on a million-element list does not overflow the stack", () => {
    const build = () => {
      let l: unknown = NIL;
      for (let i = 0; i < 1_000_000; i++) l = new Pair(i, l);
      return l;
    };
    expect(call("equal?", build(), build())).toBe(true);
  });
});

describe("booleans", () => {
  table([
    ["not", [false], "#t"],
    ["not", [0], "#f"],
    ["not", [NIL], "#f"],
    ["boolean?", [false], "#t"],
    ["boolean?", [NIL], "#f"],
    ["boolean=?", [true, true], "#t"],
    ["boolean=?", [false, false, false], "#t"],
    ["boolean=?", [true, false], "#f"],
  ]);
  test("boolean=? checks its arguments", () => {
    expect(errorOf(() => call("boolean=?", true, 1))).toBe("boolean=?: expected a boolean, got 1");
  });
});

describe("pairs", () => {
  table([
    ["cons", [1, 2], "(1 . 2)"],
    ["cons", [1, NIL], "(1)"],
    ["car", [L(1, 2)], "1"],
    ["cdr", [L(1, 2)], "(2)"],
    ["pair?", [L(1)], "#t"],
    ["pair?", [NIL], "#f"],
    ["pair?", [[1]], "#f"],
    ["caar", [L(L(1, 2), 3)], "1"],
    ["cadr", [L(1, 2, 3)], "2"],
    ["cdar", [L(L(1, 2), 3)], "(2)"],
    ["cddr", [L(1, 2, 3)], "(3)"],
    ["caddr", [L(1, 2, 3)], "3"],
    ["cdddr", [L(1, 2, 3, 4)], "(4)"],
    ["cadddr", [L(1, 2, 3, 4)], "4"],
    ["cddddr", [L(1, 2, 3, 4, 5)], "(5)"],
    ["caaaar", [L(L(L(L(7))))], "7"],
    ["cdadr", [L(1, L(2, 3))], "(3)"],
  ]);
  test("set-car! and set-cdr!", () => {
    const p = new Pair(1, 2);
    expect(call("set-car!", p, 10)).toBe(UNSPECIFIED);
    call("set-cdr!", p, 20);
    expect(show(p)).toBe("(10 . 20)");
  });
  test("error messages", () => {
    expect(errorOf(() => call("car", 5))).toBe("car: expected a pair, got 5");
    expect(errorOf(() => call("cdr", 5))).toBe("cdr: expected a pair, got 5");
    expect(errorOf(() => call("set-car!", 5, 1))).toBe("set-car!: expected a pair, got 5");
    expect(errorOf(() => call("cadr", 7))).toBe("cadr: expected a pair whose cdr is a pair, got 7");
    expect(errorOf(() => call("caddr", 7))).toBe(
      "caddr: expected a pair whose cddr is a pair, got 7",
    );
  });
  test("all 28 cxr procedures exist", () => {
    for (const p of ["a", "d"])
      for (const q of ["", "a", "d"])
        for (const r of q === "" ? [""] : ["", "a", "d"])
          for (const s of r === "" ? [""] : ["", "a", "d"]) {
            const name = `c${p}${q}${r}${s}r`;
            expect(() => call(name, L(L(L(L(1))))), name).not.toThrow(/no builtin/);
          }
  });
});

describe("lists", () => {
  const circular = L(1, 2, 3) as Pair;
  ((circular.cdr as Pair).cdr as Pair).cdr = circular;
  table([
    ["null?", [NIL], "#t"],
    ["null?", [L(1)], "#f"],
    ["list?", [L(1, 2)], "#t"],
    ["list?", [NIL], "#t"],
    ["list?", [new Pair(1, 2)], "#f"],
    ["list?", [circular], "#f"],
    ["list?", [5], "#f"],
    ["make-list", [3, sym("x")], "(x x x)"],
    ["make-list", [0], "()"],
    ["list", [], "()"],
    ["list", [1, 2, 3], "(1 2 3)"],
    ["cons*", [1, 2, L(3)], "(1 2 3)"],
    ["cons*", [1], "1"],
    ["length", [L(1, 2, 3)], "3"],
    ["length", [NIL], "0"],
    ["append", [], "()"],
    ["append", [L(1)], "(1)"],
    ["append", [L(1), L(2, 3), NIL, L(4)], "(1 2 3 4)"],
    ["append", [L(1), 2], "(1 . 2)"],
    ["append", [NIL, 5], "5"],
    ["reverse", [L(1, 2, 3)], "(3 2 1)"],
    ["reverse", [NIL], "()"],
    ["list-tail", [L(1, 2, 3), 1], "(2 3)"],
    ["list-tail", [L(1, 2, 3), 3], "()"],
    ["list-ref", [L(1, 2, 3), 2], "3"],
    ["list-copy", [L(1, 2, 3)], "(1 2 3)"],
    ["list-copy", [new Pair(1, 2)], "(1 . 2)"],
    ["list-copy", [5], "5"],
    ["last-pair", [L(1, 2, 3)], "(3)"],
    ["memq", [sym("c"), L(sym("a"), sym("c"), sym("d"))], "(c d)"],
    ["memq", [sym("z"), L(sym("a"))], "#f"],
    ["memv", [101, L(100, 101, 102)], "(101 102)"],
    ["memv", [fl(1), L(1, fl(1))], "(1.0)"],
    ["%member", [L(sym("a")), L(sym("b"), L(sym("a")), sym("c"))], "((a) c)"],
    ["%member", [str("b"), L(str("a"), str("b"))], '("b")'],
    ["assq", [sym("b"), L(L(sym("a"), 1), L(sym("b"), 2))], "(b 2)"],
    ["assq", [sym("z"), L(L(sym("a"), 1))], "#f"],
    ["assv", [5, L(L(2, 3), L(5, 7))], "(5 7)"],
    ["%assoc", [L(5), L(L(L(5), 7))], "((5) 7)"],
    ["%assoc", [2.5, L(L(2.5, 1))], "(2.5 1)"],
  ]);
  test("list-set! mutates the list", () => {
    const l = L(1, 2, 3);
    call("list-set!", l, 1, sym("x"));
    expect(show(l)).toBe("(1 x 3)");
  });
  test("list-copy copies the spine", () => {
    const l = L(1, 2);
    const c = call("list-copy", l) as Pair;
    c.car = 9;
    expect(show(l)).toBe("(1 2)");
  });
  test("append shares its last argument", () => {
    const tail = L(3);
    const r = call("append", L(1, 2), tail) as Pair;
    expect((r.cdr as Pair).cdr).toBe(tail);
  });
  test("error messages", () => {
    expect(errorOf(() => call("length", new Pair(1, 2)))).toMatch(
      /^length: expected a proper list/,
    );
    expect(errorOf(() => call("length", circular))).toBe(
      "length: expected a proper list, got a circular list",
    );
    expect(errorOf(() => call("length", 5))).toBe("length: expected a proper list, got 5");
    expect(errorOf(() => call("append", 1, L(2)))).toBe("append: expected a proper list, got 1");
    expect(errorOf(() => call("reverse", 4))).toBe("reverse: expected a proper list, got 4");
    expect(errorOf(() => call("reverse", circular))).toBe(
      "reverse: expected a proper list, got a circular list",
    );
    for (const name of ["memq", "memv", "%member"])
      expect(errorOf(() => call(name, 99, circular))).toMatch(/got a circular list$/);
    expect(errorOf(() => call("list-copy", circular))).toMatch(/^list-copy: .*circular list$/);
    expect(errorOf(() => call("last-pair", circular))).toMatch(/^last-pair: .*circular list$/);
    expect(errorOf(() => call("list->vector", circular))).toBe(
      "list->vector: expected a proper list, got a circular list",
    );
    expect(errorOf(() => call("list-ref", L(1, 2), 2))).toBe(
      "list-ref: index 2 is past the end of the list",
    );
    expect(errorOf(() => call("list-tail", L(1, 2), 3))).toBe(
      "list-tail: index 3 is past the end of the list",
    );
    expect(errorOf(() => call("list-ref", L(1, 2), -1))).toBe(
      "list-ref: expected an exact non-negative integer, got -1",
    );
    expect(errorOf(() => call("list-ref", L(1, 2), 1.5))).toBe(
      "list-ref: expected an exact non-negative integer, got 1.5",
    );
    expect(errorOf(() => call("make-list", -1))).toBe(
      "make-list: expected an exact non-negative integer length, got -1",
    );
    expect(errorOf(() => call("memq", 1, 2))).toBe("memq: expected a proper list, got 2");
    expect(errorOf(() => call("assq", 1, L(1)))).toMatch(/^assq: expected an association list/);
  });
  test("memq on a long list", () => {
    let l: unknown = NIL;
    for (let i = 0; i < 100000; i++) l = new Pair(i, l);
    expect(show(call("memv", 0, l))).toBe("(0)");
  });
});

describe("symbols", () => {
  table([
    ["symbol?", [sym("foo")], "#t"],
    ["symbol?", [str("foo")], "#f"],
    ["symbol?", [NIL], "#f"],
    ["symbol=?", [sym("a"), sym("a")], "#t"],
    ["symbol=?", [sym("a"), sym("a"), sym("b")], "#f"],
    ["symbol->string", [sym("flying-fish")], '"flying-fish"'],
    ["string->symbol", [str("mISSISSIppi")], "mISSISSIppi"],
    ["symbol<?", [sym("a"), sym("b")], "#t"],
    ["symbol<?", [sym("b"), sym("a")], "#f"],
  ]);
  test("symbol->string returns an immutable string", () => {
    expect((call("symbol->string", sym("x")) as MString).mutable).toBe(false);
  });
  test("string->symbol interns", () => {
    expect(call("string->symbol", str("hello"))).toBe(Sym.intern("hello"));
  });
  test("uninterned symbols", () => {
    const u = call("string->uninterned-symbol", str("x")) as Sym;
    expect(u.name).toBe("x");
    expect(u).not.toBe(Sym.intern("x"));
    expect(call("symbol-interned?", u)).toBe(false);
    expect(call("symbol-interned?", sym("x"))).toBe(true);
    const g1 = call("gensym");
    const g2 = call("gensym", str("tmp"));
    expect(g1).not.toBe(g2);
    expect((g2 as Sym).name.startsWith("tmp")).toBe(true);
  });
  test("errors", () => {
    expect(errorOf(() => call("symbol->string", 5))).toBe(
      "symbol->string: expected a symbol, got 5",
    );
    expect(errorOf(() => call("string->symbol", 5))).toBe(
      "string->symbol: expected a string, got 5",
    );
    expect(errorOf(() => call("symbol=?", sym("a"), 5))).toBe("symbol=?: expected a symbol, got 5");
  });
});
