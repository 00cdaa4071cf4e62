// The reader: R7RS lexical syntax → datums, source locations, errors, datum labels.
import { describe, expect, it } from "vitest";
import { SchemeError } from "../src/errors.ts";
import { writeSharedString, writeString } from "../src/printer.ts";
import { isIncompleteInput, readAll, readDatum } from "../src/reader/reader.ts";
import { carLocs, formLocs } from "../src/source-locs.ts";
import {
  Char,
  ErrorObject,
  Flonum,
  MString,
  Pair,
  Ratnum,
  Sym,
  listToArray,
  makeFlonum,
  type Loc,
} from "../src/values.ts";

/** The only datum of `text`. */
function read1(text: string): unknown {
  const all = readAll(text, "test.scm");
  expect(all).toHaveLength(1);
  return all[0].datum;
}

/** Every datum of `text`, written and joined by " | ". */
function readWritten(text: string): string {
  return readAll(text, "test.scm")
    .map((r) => writeString(r.datum))
    .join(" | ");
}

/** The reader error `text` raises. */
function readError(text: string): ErrorObject {
  try {
    readAll(text, "bad.scm");
  } catch (e) {
    expect(e).toBeInstanceOf(SchemeError);
    const payload = (e as SchemeError).payload;
    expect(payload).toBeInstanceOf(ErrorObject);
    expect((payload as ErrorObject).kind).toBe("read");
    return payload as ErrorObject;
  }
  throw new Error(`no error reading ${JSON.stringify(text)}`);
}

function where(loc: Loc | null | undefined): string {
  if (!loc) return "none";
  return `${loc.line}:${loc.col}-${loc.endLine}:${loc.endCol}`;
}

describe("datums, written back", () => {
  const cases: [string, string][] = [
    // lists, dotted pairs, brackets
    ["()", "()"],
    ["(a)", "(a)"],
    ["(a b c)", "(a b c)"],
    ["(a . b)", "(a . b)"],
    ["(a b . c)", "(a b . c)"],
    ["(a . (b c))", "(a b c)"],
    ["(a . ())", "(a)"],
    ["((a) (b (c)))", "((a) (b (c)))"],
    ["[a b]", "(a b)"],
    ["(let ([x 1]) x)", "(let ((x 1)) x)"],
    ["(  a\n\t b  )", "(a b)"],
    ["(a.b)", "(a.b)"],
    ["(... a)", "(... a)"],
    // abbreviations
    ["'a", "(quote a)"],
    ["'(a b)", "(quote (a b))"],
    ["`(a ,b ,@c)", "(quasiquote (a (unquote b) (unquote-splicing c)))"],
    ["''a", "(quote (quote a))"],
    ["' a", "(quote a)"],
    ["'()", "(quote ())"],
    [",@ x", "(unquote-splicing x)"],
    ["(a 'b)", "(a (quote b))"],
    ["'#(1)", "(quote #(1))"],
    // booleans
    ["#t", "#t"],
    ["#f", "#f"],
    ["#true", "#t"],
    ["#false", "#f"],
    ["#T", "#t"],
    ["(#t #f #true)", "(#t #f #t)"],
    // symbols
    ["abc", "abc"],
    ["ABC", "ABC"],
    ["+", "+"],
    ["-", "-"],
    ["...", "..."],
    ["->x", "->x"],
    ["<=?", "<=?"],
    ["a->b!", "a->b!"],
    ["+a", "+a"],
    ["-.a", "-.a"],
    ["+.a", "+.a"],
    ["..a", "..a"],
    ["λ", "λ"],
    ["|hello world|", "|hello world|"],
    ["||", "||"],
    ["|a|", "a"],
    ["|a\\|b|", "|a\\|b|"],
    ["|\\x41;bc|", "Abc"],
    ["|a\\nb|", "|a\\nb|"],
    ["|1|", "|1|"],
    ["|+5|", "|+5|"],
    ["|#foo|", "|#foo|"],
    ["|.|", "|.|"],
    ["|+inf.0|", "|+inf.0|"],
    // numbers
    ["42", "42"],
    ["-17", "-17"],
    ["+5", "5"],
    ["-0", "0"],
    ["007", "7"],
    ["1/3", "1/3"],
    ["-6/4", "-3/2"],
    ["4/2", "2"],
    ["1.5", "1.5"],
    ["1.", "1.0"],
    [".5", "0.5"],
    ["-.5", "-0.5"],
    ["1e3", "1000.0"],
    ["1E3", "1000.0"],
    ["1.5e-3", "0.0015"],
    ["-0.0", "-0.0"],
    ["+inf.0", "+inf.0"],
    ["-inf.0", "-inf.0"],
    ["+nan.0", "+nan.0"],
    ["-nan.0", "+nan.0"],
    ["123456789012345678901234567890", "123456789012345678901234567890"],
    ["-123456789012345678901234567890", "-123456789012345678901234567890"],
    ["#x1F", "31"],
    ["#XfF", "255"],
    ["#b-101", "-5"],
    ["#o17", "15"],
    ["#d10", "10"],
    ["#e1.5", "3/2"],
    ["#e1e3", "1000"],
    ["#e1.2e-2", "3/250"],
    ["#i1/3", "0.3333333333333333"],
    ["#i3", "3.0"],
    ["#x#e10", "16"],
    ["#e#x10", "16"],
    ["#i#x10", "16.0"],
    ["#x-ff/a", "-51/2"],
    ["1e21", "1e21"],
    ["1e400", "+inf.0"],
    // characters
    ["#\\a", "#\\a"],
    ["#\\A", "#\\A"],
    ["#\\space", "#\\space"],
    ["#\\newline", "#\\newline"],
    ["#\\tab", "#\\tab"],
    ["#\\nul", "#\\null"],
    ["#\\null", "#\\null"],
    ["#\\alarm", "#\\alarm"],
    ["#\\backspace", "#\\backspace"],
    ["#\\delete", "#\\delete"],
    ["#\\escape", "#\\escape"],
    ["#\\return", "#\\return"],
    ["#\\x41", "#\\A"],
    ["#\\x3bb", "#\\λ"],
    ["#\\x", "#\\x"],
    ["#\\X", "#\\X"],
    ["#\\(", "#\\("],
    ["#\\)", "#\\)"],
    ["#\\;", "#\\;"],
    ['#\\"', '#\\"'],
    ["#\\ ", "#\\space"],
    ["#\\λ", "#\\λ"],
    ["#\\😀", "#\\😀"],
    ["(#\\a #\\b)", "(#\\a #\\b)"],
    ["#\\x0", "#\\null"],
    ["#\\x1", "#\\x1"],
    // strings
    ['""', '""'],
    ['"abc"', '"abc"'],
    ['"a\\"b"', '"a\\"b"'],
    ['"a\\\\b"', '"a\\\\b"'],
    ['"a\\nb"', '"a\\nb"'],
    ['"a\\tb"', '"a\\tb"'],
    ['"\\a\\b\\r"', '"\\a\\b\\r"'],
    ['"\\x41;\\x3bb;"', '"Aλ"'],
    ['"a\\|b"', '"a|b"'],
    ['"line1\nline2"', '"line1\\nline2"'],
    ['"abc \\\n    def"', '"abc def"'],
    ['"abc \\  \n  def"', '"abc def"'],
    ['"😀"', '"😀"'],
    ['"a;b"', '"a;b"'],
    // vectors and bytevectors
    ["#()", "#()"],
    ["#(1 2 3)", "#(1 2 3)"],
    ["#(a (b) #(c))", "#(a (b) #(c))"],
    ["#u8()", "#u8()"],
    ["#u8(0 1 255)", "#u8(0 1 255)"],
    ["#U8(1)", "#u8(1)"],
    ["#s8(-128 0 127)", "#s8(-128 0 127)"],
    ["#f32(1 2.5 0.1)", "#f32(1.0 2.5 0.1)"],
    ["#f64(1 2.5 -0.0)", "#f64(1.0 2.5 -0.0)"],
    ["#f64(1/2)", "#f64(0.5)"],
    ["(#f #f32(1))", "(#f #f32(1.0))"],
    // comments
    ["; only a comment\n42", "42"],
    ["42 ; trailing", "42"],
    ["#| block |# 42", "42"],
    ["#| nested #| deeper |# still |# 42", "42"],
    ["#|\n multi\n line\n|# 42", "42"],
    ["#;(ignored datum) 42", "42"],
    ["#; ignored 42", "42"],
    ["(a #;b c)", "(a c)"],
    ["(a #;#;b c d)", "(a d)"],
    ["#;#;1 2 3", "3"],
    ["(a . #;b c)", "(a . c)"],
    ["(a #| x |# b)", "(a b)"],
    ["'#;a b", "(quote b)"],
    ["#!/usr/bin/env nanolm\n(x)", "(x)"],
    // fold-case
    ["#!fold-case ABC", "abc"],
    ["#!fold-case (Hello #\\SPACE |Keep|)", "(hello #\\space Keep)"],
    ["#!fold-case A #!no-fold-case B", "a | B"],
  ];
  it.each(cases)("%s", (source, written) => {
    expect(readWritten(source)).toBe(written);
  });

  it("reads several datums in order", () => {
    expect(readWritten('1 two "three" (4)')).toBe('1 | two | "three" | (4)');
    expect(readAll("", "e.scm")).toEqual([]);
    expect(readAll("  ; nothing\n #| here |# #;(x)", "e.scm")).toEqual([]);
  });
});

describe("datum representation", () => {
  it("small exact integers are JS numbers, large ones bigints", () => {
    expect(read1("42")).toBe(42);
    expect(read1("9007199254740991")).toBe(9007199254740991);
    expect(read1("9007199254740992")).toBe(9007199254740992n);
    expect(read1("-9007199254740993")).toBe(-9007199254740993n);
    expect(read1("#x10000000000000000")).toBe(2n ** 64n);
  });
  it("rationals are Ratnums, flonums keep their inexactness", () => {
    const r = read1("2/6") as Ratnum;
    expect(r).toBeInstanceOf(Ratnum);
    expect([r.num, r.den]).toEqual([1n, 3n]);
    expect(read1("1.5")).toBe(1.5);
    const one = read1("1.0");
    expect(one).toBeInstanceOf(Flonum);
    expect((one as Flonum).value).toBe(1);
    expect(Object.is((read1("-0.0") as Flonum).value, -0)).toBe(true);
    expect(read1("+nan.0")).toBeNaN();
  });
  it("symbols are interned, strings immutable MStrings, chars Char", () => {
    expect(read1("foo")).toBe(Sym.intern("foo"));
    expect(read1("|foo|")).toBe(Sym.intern("foo"));
    const s = read1('"héllo"') as MString;
    expect(s).toBeInstanceOf(MString);
    expect(s.mutable).toBe(false);
    expect(s.toString()).toBe("héllo");
    const astral = read1('"a😀b"') as MString;
    expect(astral.length).toBe(3);
    expect(astral.ref(1)).toBe(0x1f600);
    expect(read1("#\\a")).toBe(Char.of(97));
    expect((read1("#\\x1F600") as Char).code).toBe(0x1f600);
  });
  it("vectors are arrays, bytevectors and SRFI 4 vectors typed arrays", () => {
    expect(read1("#(1 2)")).toEqual([1, 2]);
    expect(read1("#u8(1 2)")).toEqual(new Uint8Array([1, 2]));
    expect(read1("#s8(-1)")).toEqual(new Int8Array([-1]));
    expect(read1("#f32(0.5)")).toEqual(new Float32Array([0.5]));
    expect(read1("#f64(0.25 1)")).toEqual(new Float64Array([0.25, 1]));
  });
  it("booleans and the empty list are JS values", () => {
    expect(read1("#t")).toBe(true);
    expect(read1("#false")).toBe(false);
    expect(read1("()")).toBe(null);
  });
  it("quote forms are two-element lists", () => {
    const q = read1("'x") as Pair;
    expect(listToArray(q)).toEqual([Sym.intern("quote"), Sym.intern("x")]);
  });
});

describe("source locations", () => {
  it("gives each top-level datum its range", () => {
    const all = readAll('(define x 1)\n  foo\n"s"', "f.scm");
    expect(all.map((r) => where(r.loc))).toEqual(["1:1-1:13", "2:3-2:6", "3:1-3:4"]);
    expect(all[0].loc.file).toBe("f.scm");
  });
  it("records formLocs for lists and carLocs for every pair", () => {
    const [{ datum }] = readAll("(if (< n 2)\n    n\n    (f (- n 1)))", "f.scm");
    const form = datum as Pair;
    expect(where(formLocs.get(form))).toBe("1:1-3:17");
    const items: Pair[] = [];
    for (let p: unknown = form; p instanceof Pair; p = p.cdr) items.push(p);
    expect(items.map((p) => where(carLocs.get(p)))).toEqual([
      "1:2-1:4",
      "1:5-1:12",
      "2:5-2:6",
      "3:5-3:16",
    ]);
    const test = items[1].car as Pair;
    expect(where(formLocs.get(test))).toBe("1:5-1:12");
    expect(where(carLocs.get(test.cdr as Pair))).toBe("1:8-1:9");
  });
  it("dotted tails and empty lists", () => {
    const [{ datum }] = readAll("(a . b)", "f.scm");
    expect(where(formLocs.get(datum as Pair))).toBe("1:1-1:8");
    expect(where(carLocs.get(datum as Pair))).toBe("1:2-1:3");
  });
  it("records vectors and quote forms", () => {
    const [{ datum: v }] = readAll(" #(1 2)", "f.scm");
    expect(where(formLocs.get(v as object))).toBe("1:2-1:8");
    const [{ datum: q, loc }] = readAll("'(a b)", "f.scm");
    expect(where(loc)).toBe("1:1-1:7");
    expect(where(formLocs.get(q as Pair))).toBe("1:1-1:7");
    expect(where(carLocs.get(q as Pair))).toBe("1:1-1:2");
    const quoted = (q as Pair).cdr as Pair;
    expect(where(carLocs.get(quoted))).toBe("1:2-1:7");
    expect(where(formLocs.get(quoted.car as Pair))).toBe("1:2-1:7");
  });
  it("counts columns after comments and multi-line strings", () => {
    const all = readAll('#| a\nb |# x "1\n2" y', "f.scm");
    expect(all.map((r) => where(r.loc))).toEqual(["2:6-2:7", "2:8-3:3", "3:4-3:5"]);
  });
  it("finds lines for forms spanning many lines", () => {
    const body = Array.from({ length: 30 }, (_, i) => `  (step ${i})`).join("\n");
    const [{ datum, loc }] = readAll(`(begin\n${body})`, "f.scm");
    expect(where(loc)).toBe("1:1-31:13");
    const items: Pair[] = [];
    for (let p: unknown = datum; p instanceof Pair; p = p.cdr) items.push(p);
    expect(where(formLocs.get(items[1].car as Pair))).toBe("2:3-2:11");
    expect(where(formLocs.get(items[30].car as Pair))).toBe("31:3-31:12");
    expect(where(carLocs.get(items[15]))).toBe("16:3-16:12");
  });
  it("handles CRLF line ends", () => {
    const all = readAll("a\r\nb", "f.scm");
    expect(all.map((r) => where(r.loc))).toEqual(["1:1-1:2", "2:1-2:2"]);
  });
});

describe("datum labels", () => {
  it("shares labelled structure", () => {
    const d = read1("(#0=(a) #0#)") as Pair;
    expect(d.car).toBe((d.cdr as Pair).car);
    expect(writeSharedString(d)).toBe("(#0=(a) #0#)");
    expect(writeString(d)).toBe("((a) (a))");
  });
  it("builds cycles", () => {
    const d = read1("#0=(a b . #0#)") as Pair;
    expect(((d.cdr as Pair).cdr as Pair) === d).toBe(true);
    expect(writeString(d)).toBe("#0=(a b . #0#)");
    const v = read1("#1=#(1 #1#)") as unknown[];
    expect(v[1]).toBe(v);
    const car = read1("#0=(#0# x)") as Pair;
    expect(car.car).toBe(car);
    expect(writeString(car)).toBe("#0=(#0# x)");
  });
  it("labels atoms and nested labels", () => {
    expect(readWritten("(#0=5 #0#)")).toBe("(5 5)");
    expect(readWritten("(#0=(#1=x #1#) #0#)")).toBe("((x x) (x x))");
    expect(readWritten("#123=(a . #123#)")).toBe("#0=(a . #0#)");
  });
  it("labels are scoped to one top-level datum", () => {
    expect(readError("#0=(a) #0#").message).toBe("undefined datum label #0#");
  });
});

describe("errors", () => {
  const cases: [string, string, string][] = [
    [")", 'unbalanced ")"', "1:1-1:2"],
    ["(a))", 'unbalanced ")"', "1:4-1:5"],
    ["(a\n b))", 'unbalanced ")"', "2:4-2:5"],
    ["(a]", '"]" does not match the "(" opened at 1:1', "1:3-1:4"],
    ["[a)", '")" does not match the "[" opened at 1:1', "1:3-1:4"],
    ["#(a]", '"]" does not match the "#(" opened at 1:1', "1:4-1:5"],
    ["(. a)", 'unexpected "." (a dot must follow at least one datum inside a list)', "1:2-1:3"],
    [".", 'unexpected "." (a dot must follow at least one datum inside a list)', "1:1-1:2"],
    ["(a . b c)", 'more than one datum after "." in a list', "1:8-1:9"],
    ["(a . )", 'expected a datum after "." in a list', "1:6-1:7"],
    ["(a . . b)", 'unexpected "." (a dot must follow at least one datum inside a list)', "1:6-1:7"],
    ["#(a . b)", 'unexpected "." (a dot must follow at least one datum inside a list)', "1:5-1:6"],
    ["(')", 'expected a datum after "\'", found ")"', "1:3-1:4"],
    ["(#;)", 'expected a datum after "#;", found ")"', "1:4-1:5"],
    ["(#0=)", 'expected a datum after "#0=", found ")"', "1:5-1:6"],
    ["#0#", "undefined datum label #0#", "1:1-1:4"],
    ["#\\foo", 'bad character name "#\\foo"', "1:1-1:6"],
    ["#\\xZZ", 'bad character name "#\\xZZ"', "1:1-1:6"],
    ["#\\xD800", 'bad character name "#\\xD800"', "1:1-1:8"],
    ["#foo", 'bad # syntax "#foo"', "1:1-1:5"],
    ["#", 'bad # syntax "#"', "1:1-1:2"],
    ["#!eof", 'bad # syntax "#!eof"', "1:1-1:6"],
    ["#u16(1)", 'bad # syntax "#u16"', "1:1-1:5"],
    ["#x1G", 'bad number "#x1G"', "1:1-1:5"],
    ["#e+inf.0", 'bad number "#e+inf.0"', "1:1-1:9"],
    ["#x#x1", 'bad number "#x#x1"', "1:1-1:6"],
    ["#x1.5", 'bad number "#x1.5"', "1:1-1:6"],
    ["1/0", 'bad number "1/0"', "1:1-1:4"],
    ["12abc", 'bad number "12abc"', "1:1-1:6"],
    ["1.2.3", 'bad number "1.2.3"', "1:1-1:6"],
    ["1+2+3i", 'bad number "1+2+3i"', "1:1-1:7"],
    ["(a\n #u8(1 256))", "bytevector element out of range (0 to 255)", "2:8-2:11"],
    ["#u8(-1)", "bytevector element out of range (0 to 255)", "1:5-1:7"],
    ["#u8(1.0)", "bytevector element out of range (0 to 255)", "1:5-1:8"],
    ["#u8(a)", "bytevector element out of range (0 to 255)", "1:5-1:6"],
    ["#s8(128)", "#s8( vector element out of range (-128 to 127)", "1:5-1:8"],
    ["#f32(a)", "#f32( element must be a real number", "1:6-1:7"],
    ['"a\\qb"', 'bad escape "\\q"', "1:3-1:5"],
    ['"\\x41"', 'bad \\x escape (expected hex digits and ";", e.g. "\\x41;")', "1:2-1:4"],
    ['"\\xZZ;"', 'bad \\x escape (expected hex digits and ";", e.g. "\\x41;")', "1:2-1:4"],
    ['"\\xD800;"', 'bad \\x escape (expected hex digits and ";", e.g. "\\x41;")', "1:2-1:4"],
  ];
  it.each(cases)("%s", (source, message, loc) => {
    const e = readError(source);
    expect(e.message).toBe(message);
    expect(where(e.loc)).toBe(loc);
    expect(e.loc!.file).toBe("bad.scm");
    expect(isIncompleteInput(new SchemeError(e))).toBe(false);
  });

  const incomplete: [string, string, string][] = [
    ["(", 'unexpected end of input (missing ")" for "(" opened at 1:1)', "1:2-1:2"],
    [
      "(define (f x)\n  (+ x 1)",
      'unexpected end of input (missing ")" for "(" opened at 1:1)',
      "2:10-2:10",
    ],
    ["(a (b", 'unexpected end of input (missing ")" for "(" opened at 1:4)', "1:6-1:6"],
    ["[a", 'unexpected end of input (missing "]" for "[" opened at 1:1)', "1:3-1:3"],
    ["#(1", 'unexpected end of input (missing ")" for "#(" opened at 1:1)', "1:4-1:4"],
    ["#u8(1", 'unexpected end of input (missing ")" for "#u8(" opened at 1:1)', "1:6-1:6"],
    ["'", 'unexpected end of input (expected a datum after "\'" at 1:1)', "1:2-1:2"],
    ["(a . ", 'unexpected end of input (missing ")" for "(" opened at 1:1)', "1:6-1:6"],
    ["#;", 'unexpected end of input (expected a datum after "#;" at 1:1)', "1:3-1:3"],
    ["#0=", 'unexpected end of input (expected a datum after "#0=" at 1:1)', "1:4-1:4"],
    ['"abc', "unterminated string (starting at 1:1)", "1:5-1:5"],
    ['(display "abc\n', "unterminated string (starting at 1:10)", "2:1-2:1"],
    ['"abc\\"', "unterminated string (starting at 1:1)", "1:7-1:7"],
    ["|abc", "unterminated |symbol| (starting at 1:1)", "1:5-1:5"],
    ["#| abc", "unterminated block comment (starting at 1:1)", "1:7-1:7"],
    ["#| a #| b |#", "unterminated block comment (starting at 1:1)", "1:13-1:13"],
    ["#\\", "unterminated character (starting at 1:1)", "1:3-1:3"],
  ];
  it.each(incomplete)("incomplete: %s", (source, message, loc) => {
    const e = readError(source);
    expect(e.message).toBe(message);
    expect(where(e.loc)).toBe(loc);
    expect(isIncompleteInput(new SchemeError(e))).toBe(true);
  });

  it("isIncompleteInput is false for other errors and non-errors", () => {
    let thrown: unknown;
    try {
      readAll("(", "x");
    } catch (e) {
      thrown = e;
    }
    expect(isIncompleteInput(thrown)).toBe(true);
    expect(isIncompleteInput(new Error("("))).toBe(false);
    expect(isIncompleteInput(null)).toBe(false);
    expect(isIncompleteInput(new SchemeError(new ErrorObject("x", [])))).toBe(false);
  });

  it("SchemeError's JS message is the reader's message", () => {
    expect(() => readAll("(a))", "x.scm")).toThrow('unbalanced ")"');
  });
});

describe("readDatum", () => {
  it("reads one datum at a time and reports where it ended", () => {
    const text = '(a b) 42 ; comment\n "s"  ';
    const first = readDatum(text, 0, "port")!;
    expect(writeString(first.datum)).toBe("(a b)");
    expect(first.end).toBe(5);
    const second = readDatum(text, first.end, "port")!;
    expect(second.datum).toBe(42);
    expect(second.end).toBe(8);
    const third = readDatum(text, second.end, "port")!;
    expect(writeString(third.datum)).toBe('"s"');
    expect(third.end).toBe(23);
    expect(readDatum(text, third.end, "port")).toBeNull();
  });
  it("starts anywhere, e.g. after characters consumed by read-char", () => {
    const text = "abc def";
    const r = readDatum(text, 1, "port")!;
    expect(r.datum).toBe(Sym.intern("bc"));
    expect(r.end).toBe(3);
    expect(readDatum(text, 3, "port")!.datum).toBe(Sym.intern("def"));
    expect(readDatum("", 0, "port")).toBeNull();
    expect(readDatum("   ", 2, "port")).toBeNull();
  });
  it("reads a datum comment as part of the next datum", () => {
    const r = readDatum("#;skip keep rest", 0, "port")!;
    expect(r.datum).toBe(Sym.intern("keep"));
    expect(r.end).toBe(11);
  });
  it("throws reader errors, incomplete ones marked", () => {
    expect(() => readDatum(")", 0, "port")).toThrow('unbalanced ")"');
    try {
      readDatum("(a", 0, "port");
      expect.unreachable();
    } catch (e) {
      expect(isIncompleteInput(e)).toBe(true);
    }
  });
  it("does not reuse a reader across different texts", () => {
    expect(readDatum("1 2", 0, "p")!.end).toBe(1);
    expect(readDatum("3 4", 1, "p")!.datum).toBe(4);
    expect(readDatum("1 2", 1, "p")!.datum).toBe(2);
  });
});

describe("round trips: read → write → read → write", () => {
  const sources = [
    "(a b c)",
    '(1 2.5 -3/4 #t #f () "str\\n" #\\x #\\space)',
    "#(1 #(2) (3 . 4))",
    "#u8(0 127 255)",
    "#f64(1.5 -0.0 1e-300)",
    "(|a b| || |x\\|y| λ ->x ...)",
    "(1e21 1e-7 123.456 -0.001 +inf.0 -inf.0 +nan.0)",
    "(12345678901234567890123 -98765432109876543210/7)",
    '("\\x0;\\x7f;" "tab\\there" "quote\\"" "back\\\\slash")',
    "(#\\null #\\alarm #\\x1 #\\λ #\\delete)",
    "(quote (quasiquote (unquote x)))",
    "((((((((((deep))))))))))",
    "(a . (b . (c . d)))",
  ];
  it.each(sources)("%s", (source) => {
    const once = writeString(read1(source));
    expect(writeString(read1(once))).toBe(once);
  });
  it("writes flonums that read back to the same float", () => {
    for (const x of [0.1, 1 / 3, 2 ** -1074, Number.MAX_VALUE, 123456.789e10, -5e-324, 1e22]) {
      const written = writeString(makeFlonum(x));
      const back = read1(written);
      expect(back instanceof Flonum ? back.value : back).toBe(x);
    }
  });
});

describe("size and depth", () => {
  it("reads a 100k-element list and a 100 KB source", () => {
    const items = Array.from({ length: 100_000 }, (_, i) => String(i)).join(" ");
    const list = read1(`(${items})`);
    expect(listToArray(list)!.length).toBe(100_000);
    const source = "(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n".repeat(1600);
    expect(source.length).toBeGreaterThan(100_000);
    expect(readAll(source, "big.scm")).toHaveLength(1600);
  });
  it("reads deeply nested lists without exhausting the JS stack", () => {
    const depth = 100_000;
    let d = read1("(".repeat(depth) + ")".repeat(depth));
    let n = 0;
    while (d instanceof Pair) {
      d = d.car;
      n++;
    }
    expect(n).toBe(depth - 1);
  });
});
