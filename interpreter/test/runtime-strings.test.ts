// Unit tests of the runtime primitives for characters and strings, (scheme char) included.
import { describe, expect, test } from "vitest";
import { Char, MString, NIL, UNSPECIFIED } from "../src/values.ts";
import { call, ch, errorOf, list, show, str } from "./runtime-support.ts";

type Case = [string, unknown[], string];
function table(cases: Case[]): void {
  for (const [name, args, expected] of cases)
    test(`(${[name, ...args.map(show)].join(" ")}) ⇒ ${expected}`, () => {
      expect(show(call(name, ...args))).toBe(expected);
    });
}

describe("characters", () => {
  table([
    ["char?", [ch("a")], "#t"],
    ["char?", [str("a")], "#f"],
    ["char->integer", [ch("A")], "65"],
    ["char->integer", [ch("λ")], "955"],
    ["char->integer", [ch("😀")], "128512"],
    ["integer->char", [97], "#\\a"],
    ["integer->char", [0x1f600], "#\\😀"],
    ["char=?", [ch("a"), ch("a")], "#t"],
    ["char=?", [ch("a"), ch("a"), ch("b")], "#f"],
    ["char<?", [ch("a"), ch("b"), ch("c")], "#t"],
    ["char<?", [ch("a"), ch("b"), ch("b")], "#f"],
    ["char<=?", [ch("a"), ch("b"), ch("b")], "#t"],
    ["char>?", [ch("c"), ch("b"), ch("a")], "#t"],
    ["char>=?", [ch("c"), ch("c"), ch("a")], "#t"],
    ["char>=?", [ch("a"), ch("c")], "#f"],
    ["char-ci=?", [ch("a"), ch("A")], "#t"],
    ["char-ci=?", [ch("σ"), ch("Σ")], "#t"],
    ["char-ci<?", [ch("a"), ch("B")], "#t"],
    ["char-ci>?", [ch("a"), ch("B")], "#f"],
    ["char-ci<=?", [ch("Z"), ch("z")], "#t"],
    ["char-ci>=?", [ch("Z"), ch("z")], "#t"],
    ["char-alphabetic?", [ch("a")], "#t"],
    ["char-alphabetic?", [ch("λ")], "#t"],
    ["char-alphabetic?", [ch("1")], "#f"],
    ["char-alphabetic?", [ch(" ")], "#f"],
    ["char-numeric?", [ch("7")], "#t"],
    ["char-numeric?", [ch("٣")], "#t"],
    ["char-numeric?", [ch("x")], "#f"],
    ["char-whitespace?", [ch(" ")], "#t"],
    ["char-whitespace?", [ch("\t")], "#t"],
    ["char-whitespace?", [ch("\n")], "#t"],
    ["char-whitespace?", [Char.of(0xa0)], "#t"],
    ["char-whitespace?", [ch("a")], "#f"],
    ["char-upper-case?", [ch("A")], "#t"],
    ["char-upper-case?", [ch("a")], "#f"],
    ["char-upper-case?", [ch("Λ")], "#t"],
    ["char-lower-case?", [ch("a")], "#t"],
    ["char-lower-case?", [ch("λ")], "#t"],
    ["char-lower-case?", [ch("1")], "#f"],
    ["digit-value", [ch("3")], "3"],
    ["digit-value", [ch("٤")], "4"],
    ["digit-value", [Char.of(0x0ed9)], "9"],
    ["digit-value", [ch("x")], "#f"],
    ["char-upcase", [ch("a")], "#\\A"],
    ["char-upcase", [ch("A")], "#\\A"],
    ["char-upcase", [ch("λ")], "#\\Λ"],
    ["char-upcase", [ch("ß")], "#\\ß"],
    ["char-upcase", [ch("1")], "#\\1"],
    ["char-downcase", [ch("A")], "#\\a"],
    ["char-downcase", [ch("Σ")], "#\\σ"],
    ["char-foldcase", [ch("A")], "#\\a"],
    ["char-foldcase", [ch("ς")], "#\\σ"],
    ["char-foldcase", [ch("Σ")], "#\\σ"],
  ]);
  test("errors", () => {
    expect(errorOf(() => call("char->integer", 5))).toBe(
      "char->integer: expected a character, got 5",
    );
    expect(errorOf(() => call("integer->char", 0xd800))).toBe(
      "integer->char: expected a Unicode scalar value, got 55296",
    );
    expect(errorOf(() => call("integer->char", -1))).toBe(
      "integer->char: expected a Unicode scalar value, got -1",
    );
    expect(errorOf(() => call("char<?", ch("a"), 1))).toBe("char<?: expected a character, got 1");
    expect(errorOf(() => call("char-upcase", 1))).toBe("char-upcase: expected a character, got 1");
  });
});

describe("strings", () => {
  table([
    ["string?", [str("x")], "#t"],
    ["string?", [ch("x")], "#f"],
    ["make-string", [3, ch("a")], '"aaa"'],
    ["make-string", [0], '""'],
    ["make-string", [2], '"  "'],
    ["string", [], '""'],
    ["string", [ch("a"), ch("λ"), ch("😀")], '"aλ😀"'],
    ["string-length", [str("abc")], "3"],
    ["string-length", [str("a😀b")], "3"],
    ["string-length", [str("")], "0"],
    ["string-ref", [str("abc"), 1], "#\\b"],
    ["string-ref", [str("a😀b"), 1], "#\\😀"],
    ["string-ref", [str("a😀b"), 2], "#\\b"],
    ["string=?", [str("abc"), str("abc")], "#t"],
    ["string=?", [str("abc"), str("abc"), str("abd")], "#f"],
    ["string=?", [str(""), str("")], "#t"],
    ["string<?", [str("abc"), str("abd")], "#t"],
    ["string<?", [str("ab"), str("abc")], "#t"],
    ["string<?", [str("abc"), str("ab")], "#f"],
    ["string<?", [str("a"), str("b"), str("c")], "#t"],
    ["string<?", [str("\uffff"), str("😀")], "#t"],
    ["string>?", [str("b"), str("a")], "#t"],
    ["string<=?", [str("a"), str("a"), str("b")], "#t"],
    ["string>=?", [str("b"), str("b"), str("a")], "#t"],
    ["string>=?", [str("a"), str("b")], "#f"],
    ["string-ci=?", [str("Hello"), str("hELLO")], "#t"],
    ["string-ci=?", [str("Straße"), str("STRASSE")], "#t"],
    ["string-ci<?", [str("apple"), str("BANANA")], "#t"],
    ["string-ci>?", [str("apple"), str("BANANA")], "#f"],
    ["string-ci<=?", [str("A"), str("a")], "#t"],
    ["string-ci>=?", [str("b"), str("A")], "#t"],
    ["string-upcase", [str("hello λ")], '"HELLO Λ"'],
    ["string-upcase", [str("straße")], '"STRASSE"'],
    ["string-downcase", [str("HELLO Σ")], '"hello σ"'],
    ["string-foldcase", [str("HeLLo")], '"hello"'],
    ["string-foldcase", [str("ΧΑΟΣ")], '"χαοσ"'],
    ["string-foldcase", [str("Straße")], '"strasse"'],
    ["string-downcase", [str("ΧΑΟΣ")], '"χαος"'],
    ["string-downcase", [str("ΧΑΟΣ Σ")], '"χαος σ"'],
    ["string-upcase", [str("χαος")], '"ΧΑΟΣ"'],
    ["string-ci=?", [str("ΧΑΟΣ"), str("χαος")], "#t"],
    ["substring", [str("hello"), 1, 3], '"el"'],
    ["substring", [str("hello"), 2], '"llo"'],
    ["substring", [str("hello"), 5, 5], '""'],
    ["string-append", [], '""'],
    ["string-append", [str("a"), str("bc"), str(""), str("😀")], '"abc😀"'],
    ["string->list", [str("abc")], "(#\\a #\\b #\\c)"],
    ["string->list", [str("abcd"), 1], "(#\\b #\\c #\\d)"],
    ["string->list", [str("abcd"), 1, 3], "(#\\b #\\c)"],
    ["string->list", [str("")], "()"],
    ["list->string", [list(ch("a"), ch("😀"))], '"a😀"'],
    ["list->string", [NIL], '""'],
    ["string-copy", [str("hello")], '"hello"'],
    ["string-copy", [str("hello"), 1], '"ello"'],
    ["string-copy", [str("hello"), 1, 4], '"ell"'],
    ["string->vector", [str("abc")], "#(#\\a #\\b #\\c)"],
    ["string->vector", [str("abc"), 1, 2], "#(#\\b)"],
    ["vector->string", [[ch("x"), ch("y")]], '"xy"'],
    ["vector->string", [[ch("x"), ch("y"), ch("z")], 1], '"yz"'],
    ["string-contains", [str("hello world"), str("o w")], "4"],
    ["string-contains", [str("😀hello"), str("hello")], "1"],
    ["string-contains", [str("hello"), str("xyz")], "#f"],
    ["string-join", [list(str("a"), str("b"), str("c")), str(", ")], '"a, b, c"'],
    ["string-join", [list(str("a"), str("b"))], '"a b"'],
    ["%string-split-char", [str("a,b,,c"), ch(",")], '("a" "b" "" "c")'],
    ["string-null?", [str("")], "#t"],
    ["string-null?", [str("a")], "#f"],
  ]);

  test("string-set! is O(1) and works on astral characters", () => {
    const s = call("make-string", 3, ch("a")) as MString;
    expect(call("string-set!", s, 1, ch("😀"))).toBe(UNSPECIFIED);
    expect(show(s)).toBe('"a😀a"');
    const t = call("string-copy", str("hello")) as MString;
    call("string-set!", t, 0, ch("j"));
    expect(show(t)).toBe('"jello"');
  });
  test("string-set! on a literal is an error", () => {
    const literal = MString.from("abc", false);
    expect(errorOf(() => call("string-set!", literal, 0, ch("x")))).toBe(
      "string-set!: string is immutable",
    );
    expect(errorOf(() => call("string-fill!", literal, ch("x")))).toBe(
      "string-fill!: string is immutable",
    );
  });
  test("string-copy makes a mutable, independent string", () => {
    const literal = MString.from("abc", false);
    const c = call("string-copy", literal) as MString;
    call("string-set!", c, 0, ch("z"));
    expect(show(literal)).toBe('"abc"');
    expect(show(c)).toBe('"zbc"');
  });
  test("string-fill!", () => {
    const s = str("abcde");
    call("string-fill!", s, ch("x"), 1, 3);
    expect(show(s)).toBe('"axxde"');
    call("string-fill!", s, ch("y"));
    expect(show(s)).toBe('"yyyyy"');
  });
  test("string-copy!", () => {
    const s = str("abcde");
    call("string-copy!", s, 1, str("XY"));
    expect(show(s)).toBe('"aXYde"');
    const t = str("12345");
    call("string-copy!", t, 0, str("abcde"), 3);
    expect(show(t)).toBe('"de345"');
    const u = str("abcde");
    call("string-copy!", u, 1, u, 0, 3); // overlapping
    expect(show(u)).toBe('"aabce"');
  });
  test("string-append of a 1 MiB string", () => {
    const big = call("make-string", 1 << 20, ch("x")) as MString;
    const r = call("string-append", big, str("y")) as MString;
    expect(r.length).toBe((1 << 20) + 1);
    expect(show(call("string-ref", r, 1 << 20))).toBe("#\\y");
  });
  test("errors", () => {
    expect(errorOf(() => call("string-ref", str("abc"), 3))).toBe(
      "string-ref: index 3 out of range for length 3",
    );
    expect(errorOf(() => call("string-ref", str("abc"), -1))).toBe(
      "string-ref: index -1 out of range for length 3",
    );
    expect(errorOf(() => call("string-ref", str("abc"), 1.5))).toBe(
      "string-ref: expected an exact integer index, got 1.5",
    );
    expect(errorOf(() => call("string-ref", 5, 0))).toBe("string-ref: expected a string, got 5");
    expect(errorOf(() => call("string-length", 5))).toBe("string-length: expected a string, got 5");
    expect(errorOf(() => call("substring", str("abc"), 2, 1))).toBe(
      "substring: start 2 is greater than end 1",
    );
    expect(errorOf(() => call("substring", str("abc"), 0, 4))).toBe(
      "substring: index 4 out of range for length 3",
    );
    expect(errorOf(() => call("string-append", str("a"), 5))).toBe(
      "string-append: expected a string, got 5",
    );
    expect(errorOf(() => call("list->string", list(ch("a"), 5)))).toBe(
      "list->string: expected a character, got 5",
    );
    expect(errorOf(() => call("string", 5))).toBe("string: expected a character, got 5");
    expect(errorOf(() => call("string-set!", str("abc"), 0, 5))).toBe(
      "string-set!: expected a character, got 5",
    );
    expect(errorOf(() => call("make-string", -1))).toBe(
      "make-string: expected an exact non-negative integer length, got -1",
    );
    expect(errorOf(() => call("string-copy!", str("ab"), 1, str("xyz")))).toMatch(
      /^string-copy!: 3 characters do not fit/,
    );
    expect(errorOf(() => call("string<?", str("a"), 5))).toBe("string<?: expected a string, got 5");
  });
});
