// The printer: write, display, write-shared and write-simple for every kind of value.
import { describe, expect, it } from "vitest";
import {
  displayString,
  writeSharedString,
  writeSimpleString,
  writeString,
} from "../src/printer.ts";
import {
  Char,
  EOF_OBJECT,
  ErrorObject,
  Flonum,
  MString,
  MultipleValues,
  Pair,
  Primitive,
  Procedure,
  Ratnum,
  Record,
  RecordType,
  Sym,
  UNASSIGNED,
  UNSPECIFIED,
  list,
} from "../src/values.ts";

const sym = (name: string) => Sym.intern(name);
const str = (s: string) => MString.from(s);
const ch = (s: string) => Char.of(s.codePointAt(0)!);

class Closure extends Procedure {}

describe("write and display of atoms", () => {
  // [value, write, display]
  const cases: [string, unknown, string, string][] = [
    ["true", true, "#t", "#t"],
    ["false", false, "#f", "#f"],
    ["empty list", null, "()", "()"],
    ["integer", 42, "42", "42"],
    ["negative", -7, "-7", "-7"],
    ["bigint", 2n ** 70n, "1180591620717411303424", "1180591620717411303424"],
    ["ratio", new Ratnum(-1n, 3n), "-1/3", "-1/3"],
    ["flonum", 2.5, "2.5", "2.5"],
    ["integral flonum", new Flonum(3), "3.0", "3.0"],
    ["negative zero", new Flonum(-0), "-0.0", "-0.0"],
    ["infinity", -Infinity, "-inf.0", "-inf.0"],
    ["nan", NaN, "+nan.0", "+nan.0"],
    ["big flonum", new Flonum(1e100), "1e100", "1e100"],
    ["symbol", sym("abc"), "abc", "abc"],
    ["symbol with space", sym("hello world"), "|hello world|", "hello world"],
    ["empty symbol", sym(""), "||", ""],
    ["symbol with bar", sym("a|b"), "|a\\|b|", "a|b"],
    ["symbol with backslash", sym("a\\b"), "|a\\\\b|", "a\\b"],
    ["symbol with newline", sym("a\nb"), "|a\\nb|", "a\nb"],
    ["symbol with paren", sym("a(b"), "|a(b|", "a(b"],
    ["symbol with quote", sym("a'b"), "|a'b|", "a'b"],
    ["symbol with semicolon", sym("a;b"), "|a;b|", "a;b"],
    ["numeric symbol", sym("123"), "|123|", "123"],
    ["signed numeric symbol", sym("-5"), "|-5|", "-5"],
    ["bad-number symbol", sym("1+"), "|1+|", "1+"],
    ["inf symbol", sym("+inf.0"), "|+inf.0|", "+inf.0"],
    ["dot symbol", sym("."), "|.|", "."],
    ["hash symbol", sym("#foo"), "|#foo|", "#foo"],
    ["peculiar +", sym("+"), "+", "+"],
    ["peculiar ...", sym("..."), "...", "..."],
    ["peculiar ->x", sym("->x"), "->x", "->x"],
    ["plus-a", sym("+a"), "+a", "+a"],
    ["unicode symbol", sym("λx"), "λx", "λx"],
    ["mixed case symbol", sym("Hello"), "Hello", "Hello"],
    ["string", str("hello"), '"hello"', "hello"],
    ["empty string", str(""), '""', ""],
    ["string with quote", str('say "hi"'), '"say \\"hi\\""', 'say "hi"'],
    ["string with backslash", str("a\\b"), '"a\\\\b"', "a\\b"],
    ["string with newline", str("a\nb"), '"a\\nb"', "a\nb"],
    ["string with tab", str("a\tb"), '"a\\tb"', "a\tb"],
    ["string with return", str("a\rb"), '"a\\rb"', "a\rb"],
    ["string with alarm", str("\x07"), '"\\a"', "\x07"],
    ["string with backspace", str("\b"), '"\\b"', "\b"],
    ["string with nul", str("\0"), '"\\x0;"', "\0"],
    ["string with escape", str("\x1b"), '"\\x1b;"', "\x1b"],
    ["string with delete", str("\x7f"), '"\\x7f;"', "\x7f"],
    ["string with bar", str("a|b"), '"a|b"', "a|b"],
    ["unicode string", str("héllo λ 😀"), '"héllo λ 😀"', "héllo λ 😀"],
    ["char", ch("a"), "#\\a", "a"],
    ["char upper", ch("Z"), "#\\Z", "Z"],
    ["char space", ch(" "), "#\\space", " "],
    ["char newline", ch("\n"), "#\\newline", "\n"],
    ["char tab", ch("\t"), "#\\tab", "\t"],
    ["char nul", ch("\0"), "#\\null", "\0"],
    ["char alarm", ch("\x07"), "#\\alarm", "\x07"],
    ["char backspace", ch("\b"), "#\\backspace", "\b"],
    ["char delete", ch("\x7f"), "#\\delete", "\x7f"],
    ["char escape", ch("\x1b"), "#\\escape", "\x1b"],
    ["char return", ch("\r"), "#\\return", "\r"],
    ["char control", ch("\x01"), "#\\x1", "\x01"],
    ["char no-break space", ch("\u00a0"), "#\\xa0", "\u00a0"],
    ["char lambda", ch("λ"), "#\\λ", "λ"],
    ["char astral", ch("😀"), "#\\😀", "😀"],
    ["char paren", ch("("), "#\\(", "("],
    ["char backslash", ch("\\"), "#\\\\", "\\"],
    ["unspecified", UNSPECIFIED, "#<unspecified>", "#<unspecified>"],
    ["eof", EOF_OBJECT, "#<eof>", "#<eof>"],
    ["unassigned", UNASSIGNED, "#<unassigned>", "#<unassigned>"],
    ["primitive", new Primitive("car", () => 0, 1, 1), "#<procedure car>", "#<procedure car>"],
    ["named closure", new Closure("fact"), "#<procedure fact>", "#<procedure fact>"],
    ["anonymous closure", new Closure(null), "#<procedure>", "#<procedure>"],
    ["typed object", { typeName: "hash-table" }, "#<hash-table>", "#<hash-table>"],
    ["plain object", {}, "#<object>", "#<object>"],
    ["undefined", undefined, "#<undefined>", "#<undefined>"],
  ];
  it.each(cases)("%s", (_name, value, written, displayed) => {
    expect(writeString(value)).toBe(written);
    expect(displayString(value)).toBe(displayed);
    expect(writeSimpleString(value)).toBe(written);
    expect(writeSharedString(value)).toBe(written);
  });
});

describe("compound values", () => {
  const cases: [string, unknown, string, string][] = [
    ["list", list(1, 2, 3), "(1 2 3)", "(1 2 3)"],
    ["singleton", list(sym("a")), "(a)", "(a)"],
    ["dotted pair", new Pair(1, 2), "(1 . 2)", "(1 . 2)"],
    ["dotted list", new Pair(1, new Pair(2, 3)), "(1 2 . 3)", "(1 2 . 3)"],
    ["nested", list(list(1), list(list(2))), "((1) ((2)))", "((1) ((2)))"],
    ["empty inner lists", list(null, null), "(() ())", "(() ())"],
    ["quote not abbreviated", list(sym("quote"), sym("x")), "(quote x)", "(quote x)"],
    ["strings inside", list(str("a b"), ch("c")), '("a b" #\\c)', "(a b c)"],
    ["symbols inside", list(sym("a b"), sym("c")), "(|a b| c)", "(a b c)"],
    ["vector", [1, str("x"), sym("y")], '#(1 "x" y)', "#(1 x y)"],
    ["empty vector", [], "#()", "#()"],
    ["nested vector", [[1], list(2)], "#(#(1) (2))", "#(#(1) (2))"],
    ["bytevector", new Uint8Array([0, 128, 255]), "#u8(0 128 255)", "#u8(0 128 255)"],
    ["empty bytevector", new Uint8Array(0), "#u8()", "#u8()"],
    ["s8vector", new Int8Array([-128, 5]), "#s8(-128 5)", "#s8(-128 5)"],
    [
      "f32vector",
      new Float32Array([1, 2.5, 0.1, -0]),
      "#f32(1.0 2.5 0.1 -0.0)",
      "#f32(1.0 2.5 0.1 -0.0)",
    ],
    [
      "f32 awkward",
      new Float32Array([1 / 3, 1e-8, 3.4e38]),
      "#f32(0.33333334 1e-8 3.4e38)",
      "#f32(0.33333334 1e-8 3.4e38)",
    ],
    [
      "f64vector",
      new Float64Array([1, 0.1, NaN, Infinity]),
      "#f64(1.0 0.1 +nan.0 +inf.0)",
      "#f64(1.0 0.1 +nan.0 +inf.0)",
    ],
    [
      "vector of numbers",
      [new Flonum(1), new Ratnum(1n, 2n), 3n ** 40n],
      "#(1.0 1/2 12157665459056928801)",
      "#(1.0 1/2 12157665459056928801)",
    ],
  ];
  it.each(cases)("%s", (_name, value, written, displayed) => {
    expect(writeString(value)).toBe(written);
    expect(displayString(value)).toBe(displayed);
    expect(writeSimpleString(value)).toBe(written);
  });

  it("records print their type name and fields", () => {
    const point = new RecordType("<point>", ["x", "y"]);
    expect(writeString(new Record(point, [1, 2]))).toBe("#<point 1 2>");
    const named = new RecordType("node", ["label"]);
    expect(writeString(new Record(named, [str("a")]))).toBe('#<node "a">');
    expect(displayString(new Record(named, [str("a")]))).toBe("#<node a>");
    expect(writeString(new Record(new RecordType("<empty>", []), []))).toBe("#<empty>");
    expect(writeString(list(new Record(point, [list(1), 2])))).toBe("(#<point (1) 2>)");
  });

  it("error objects print their message and irritants", () => {
    const e = new ErrorObject("bad thing:", [42, str("str"), list(sym("a"))]);
    expect(writeString(e)).toBe('#<error "bad thing:" 42 "str" (a)>');
    expect(displayString(e)).toBe('#<error "bad thing:" 42 str (a)>');
    expect(writeString(new ErrorObject('say "x"', []))).toBe('#<error "say \\"x\\"">');
  });

  it("multiple values print separated by spaces", () => {
    expect(writeString(new MultipleValues([1, str("a"), sym("b")]))).toBe('1 "a" b');
    expect(displayString(new MultipleValues([1, str("a")]))).toBe("1 a");
    expect(writeString(new MultipleValues([]))).toBe("");
  });
});

describe("shared and cyclic structure", () => {
  function cycle(...items: unknown[]): Pair {
    const head = list(...items) as Pair;
    let last = head;
    while (last.cdr instanceof Pair) last = last.cdr;
    last.cdr = head;
    return head;
  }

  it("write labels a cyclic list", () => {
    expect(writeString(cycle(1, 2, 3))).toBe("#0=(1 2 3 . #0#)");
    expect(displayString(cycle(sym("a"), str("s")))).toBe("#0=(a s . #0#)");
    expect(writeString(cycle(1))).toBe("#0=(1 . #0#)");
  });

  it("write labels a cycle through a car", () => {
    const p = new Pair(null, null);
    p.car = p;
    expect(writeString(p)).toBe("#0=(#0#)");
  });

  it("write labels the pair that closes a cycle, not the head", () => {
    const inner = cycle(2, 3);
    expect(writeString(new Pair(1, inner))).toBe("(1 . #0=(2 3 . #0#))");
    expect(writeString(list(sym("x"), inner))).toBe("(x #0=(2 3 . #0#))");
  });

  it("write labels cyclic vectors and records", () => {
    const v: unknown[] = [1, null];
    v[1] = v;
    expect(writeString(v)).toBe("#0=#(1 #0#)");
    const type = new RecordType("<box>", ["value"]);
    const box = new Record(type, [null]);
    box.fields[0] = list(box);
    expect(writeString(box)).toBe("#0=#<box (#0#)>");
  });

  it("write does not label sharing without a cycle; write-shared does", () => {
    const shared = list(1, 2);
    const both = list(shared, shared);
    expect(writeString(both)).toBe("((1 2) (1 2))");
    expect(writeSharedString(both)).toBe("(#0=(1 2) #0#)");
    expect(writeSimpleString(both)).toBe("((1 2) (1 2))");
    const v = [shared, shared, [shared]];
    expect(writeSharedString(v)).toBe("#(#0=(1 2) #0# #(#0#))");
  });

  it("write-shared labels a shared tail", () => {
    const tail = list(2, 3);
    expect(writeSharedString(list(new Pair(1, tail), tail))).toBe("((1 . #0=(2 3)) #0#)");
  });

  it("numbers labels in the order they are printed", () => {
    const a = cycle(sym("a"));
    const b = cycle(sym("b"));
    expect(writeString(list(a, b))).toBe("(#0=(a . #0#) #1=(b . #1#))");
    const sharedA = list(1);
    const sharedB = list(2);
    expect(writeSharedString(list(sharedB, sharedA, sharedB, sharedA))).toBe(
      "(#0=(2) #1=(1) #0# #1#)",
    );
  });

  it("cycles inside multiple values are labelled", () => {
    const c = cycle(1);
    expect(writeString(new MultipleValues([c, 2]))).toBe("#0=(1 . #0#) 2");
  });

  it("flat lists and vectors, cyclic or not", () => {
    expect(writeString(list(1, 2, 3))).toBe("(1 2 3)");
    expect(writeString(new Pair(1, new Pair(2, 3)))).toBe("(1 2 . 3)");
    expect(writeString([1, sym("a"), str("s")])).toBe('#(1 a "s")');
    for (let n = 1; n <= 6; n++) {
      const items = Array.from({ length: n }, (_, i) => i);
      const inner = cycle(...items);
      expect(writeString(inner)).toBe(`#0=(${items.join(" ")} . #0#)`);
      expect(writeString(new Pair(sym("x"), inner))).toBe(`(x . #0=(${items.join(" ")} . #0#))`);
    }
  });

  it("a long cyclic list prints once around", () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const text = writeString(cycle(...items));
    expect(text.startsWith("#0=(0 1 2 ")).toBe(true);
    expect(text.endsWith(" 9998 9999 . #0#)")).toBe(true);
  });
});

describe("size", () => {
  it("prints a 100k-element list and vector", () => {
    const items = Array.from({ length: 100_000 }, (_, i) => i);
    const text = writeString(list(...items));
    expect(text.length).toBe(items.join(" ").length + 2);
    expect(displayString(items)).toBe(`#(${items.join(" ")})`);
    expect(writeSharedString(list(...items)).length).toBe(text.length);
    expect(writeSimpleString(list(...items)).length).toBe(text.length);
  });
  it("prints a long improper list and moderately deep nesting", () => {
    let improper: unknown = sym("end");
    for (let i = 0; i < 50_000; i++) improper = new Pair(i, improper);
    expect(writeString(improper).endsWith("49999 . end)".replace("49999", "0"))).toBe(true);
    let nested: unknown = null;
    for (let i = 0; i < 1000; i++) nested = list(nested);
    expect(writeString(nested)).toBe("(".repeat(1000) + "()" + ")".repeat(1000));
  });
});
