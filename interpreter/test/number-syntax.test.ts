// Number syntax: parseNumber (reader, string->number) and formatNumber (printer, number->string).
import { describe, expect, it } from "vitest";
import { formatNumber, parseNumber, ratioToFloat } from "../src/reader/number-syntax.ts";
import { Flonum, Ratnum, makeFlonum, type SchemeNumber } from "../src/values.ts";

/** A parsed number described by kind and value, so exactness shows in the expectations. */
function describeNumber(x: SchemeNumber | false): string {
  if (x === false) return "false";
  if (typeof x === "bigint") return `big ${x}`;
  if (x instanceof Ratnum) return `ratio ${x.num}/${x.den}`;
  if (x instanceof Flonum) return `flo ${Object.is(x.value, -0) ? "-0" : x.value}`;
  return Number.isInteger(x) ? `int ${x}` : `flo ${x}`;
}

describe("parseNumber", () => {
  const cases: [string, string][] = [
    ["0", "int 0"],
    ["42", "int 42"],
    ["-42", "int -42"],
    ["+42", "int 42"],
    ["-0", "int 0"],
    ["9007199254740991", "int 9007199254740991"],
    ["-9007199254740991", "int -9007199254740991"],
    ["9007199254740992", "big 9007199254740992"],
    ["-9007199254740992", "big -9007199254740992"],
    ["100000000000000000000", "big 100000000000000000000"],
    ["000000000000000000001", "int 1"],
    ["1/2", "ratio 1/2"],
    ["-1/2", "ratio -1/2"],
    ["+3/6", "ratio 1/2"],
    ["6/3", "int 2"],
    ["0/5", "int 0"],
    ["1/0", "false"],
    ["1/-2", "false"],
    ["1/", "false"],
    ["/2", "false"],
    ["1.5", "flo 1.5"],
    ["-1.5", "flo -1.5"],
    ["1.0", "flo 1"],
    ["1.", "flo 1"],
    [".5", "flo 0.5"],
    ["+.5", "flo 0.5"],
    ["-0.0", "flo -0"],
    ["0.0", "flo 0"],
    ["1e2", "flo 100"],
    ["1e+2", "flo 100"],
    ["1E-2", "flo 0.01"],
    ["1.5e10", "flo 15000000000"],
    [".5e1", "flo 5"],
    ["1e400", "flo Infinity"],
    ["1e-400", "flo 0"],
    ["+inf.0", "flo Infinity"],
    ["-inf.0", "flo -Infinity"],
    ["+INF.0", "flo Infinity"],
    ["+nan.0", "flo NaN"],
    ["-nan.0", "flo NaN"],
    ["inf.0", "false"],
    ["nan.0", "false"],
    ["+inf.1", "false"],
    ["#x10", "int 16"],
    ["#XFF", "int 255"],
    ["#xff", "int 255"],
    ["#x-ff", "int -255"],
    ["#x1/2", "ratio 1/2"],
    ["#xA/C", "ratio 5/6"],
    ["#b101", "int 5"],
    ["#b-101", "int -5"],
    ["#b2", "false"],
    ["#o777", "int 511"],
    ["#o8", "false"],
    ["#d99", "int 99"],
    ["#d1.5", "flo 1.5"],
    ["#x1.5", "false"],
    ["#xffffffffffffffffff", "big 4722366482869645213695"],
    ["#b" + "1".repeat(60), `big ${2n ** 60n - 1n}`],
    ["#e1.5", "ratio 3/2"],
    ["#e-1.25", "ratio -5/4"],
    ["#e1.0", "int 1"],
    ["#e.1", "ratio 1/10"],
    ["#e1e2", "int 100"],
    ["#e1.5e1", "int 15"],
    ["#e1e-2", "ratio 1/100"],
    ["#e1e30", "big 1000000000000000000000000000000"],
    ["#e+inf.0", "false"],
    ["#e+nan.0", "false"],
    ["#e1/2", "ratio 1/2"],
    ["#i1/2", "flo 0.5"],
    ["#i1/3", `flo ${1 / 3}`],
    ["#i4/2", "flo 2"],
    ["#i5", "flo 5"],
    ["#i-0", "flo -0"],
    ["#i1.5", "flo 1.5"],
    ["#i+inf.0", "flo Infinity"],
    ["#x#e10", "int 16"],
    ["#e#x10", "int 16"],
    ["#i#x10", "flo 16"],
    ["#x#i10", "flo 16"],
    ["#e#e1", "false"],
    ["#x#x1", "false"],
    ["#e#i1", "false"],
    ["#q1", "false"],
    ["#", "false"],
    ["#x", "false"],
    ["", "false"],
    ["+", "false"],
    ["-", "false"],
    [".", "false"],
    ["...", "false"],
    ["abc", "false"],
    ["1a", "false"],
    ["1.2.3", "false"],
    ["1e", "false"],
    ["e1", "false"],
    ["1+2+3i", "false"],
    ["i", "false"],
    ["1@", "false"],
    ["@2", "false"],
    ["1+2j", "false"],
    [" 1", "false"],
    ["1 ", "false"],
    ["--1", "false"],
    ["+-1", "false"],
    ["0x10", "false"],
  ];
  it.each(cases)("%s", (text, expected) => {
    expect(describeNumber(parseNumber(text))).toBe(expected);
  });

  const radixCases: [string, number, string][] = [
    ["ff", 16, "int 255"],
    ["FF", 16, "int 255"],
    ["-ff", 16, "int -255"],
    ["101", 2, "int 5"],
    ["17", 8, "int 15"],
    ["10", 10, "int 10"],
    ["#d10", 16, "int 10"],
    ["1.5", 16, "false"],
    ["1/10", 2, "ratio 1/2"],
    ["12", 2, "false"],
    ["10", 7, "false"],
  ];
  it.each(radixCases)("%s in radix %i", (text, radix, expected) => {
    expect(describeNumber(parseNumber(text, radix))).toBe(expected);
  });
});

describe("formatNumber", () => {
  const cases: [SchemeNumber, string][] = [
    [0, "0"],
    [42, "42"],
    [-42, "-42"],
    [9007199254740991, "9007199254740991"],
    [2n ** 64n, "18446744073709551616"],
    [-(2n ** 64n), "-18446744073709551616"],
    [new Ratnum(1n, 3n), "1/3"],
    [new Ratnum(-22n, 7n), "-22/7"],
    [1.5, "1.5"],
    [-1.5, "-1.5"],
    [0.1, "0.1"],
    [1 / 3, "0.3333333333333333"],
    [new Flonum(1), "1.0"],
    [new Flonum(0), "0.0"],
    [new Flonum(-0), "-0.0"],
    [new Flonum(100), "100.0"],
    [new Flonum(-7), "-7.0"],
    [new Flonum(1e20), "100000000000000000000.0"],
    [new Flonum(1e21), "1e21"],
    [new Flonum(1e300), "1e300"],
    [new Flonum(-1e300), "-1e300"],
    [1.5e-7, "1.5e-7"],
    [1e-7, "1e-7"],
    [123.456, "123.456"],
    [5e-324, "5e-324"],
    [new Flonum(1.7976931348623157e308), "1.7976931348623157e308"],
    [Infinity, "+inf.0"],
    [-Infinity, "-inf.0"],
    [NaN, "+nan.0"],
  ];
  it.each(cases)("%s", (x, expected) => {
    expect(formatNumber(x)).toBe(expected);
  });

  it("writes exact numbers in other radixes", () => {
    expect(formatNumber(255, 16)).toBe("ff");
    expect(formatNumber(-255, 16)).toBe("-ff");
    expect(formatNumber(5, 2)).toBe("101");
    expect(formatNumber(8, 8)).toBe("10");
    expect(formatNumber(2n ** 64n, 16)).toBe("10000000000000000");
    expect(formatNumber(new Ratnum(1n, 2n), 2)).toBe("1/10");
    expect(formatNumber(0.5, 2)).toBe("0.1");
  });

  it("round-trips through parseNumber", () => {
    const values: SchemeNumber[] = [
      0,
      -1,
      123456789,
      2n ** 100n,
      -(3n ** 50n),
      new Ratnum(355n, 113n),
      new Ratnum(-1n, 2n ** 70n),
      0.1,
      -2.5e-10,
      Math.PI,
      new Flonum(2),
      new Flonum(1e25),
      new Flonum(-0),
      Infinity,
      -Infinity,
    ];
    for (const x of values) {
      const text = formatNumber(x);
      expect(formatNumber(parseNumber(text) as SchemeNumber)).toBe(text);
    }
    for (const radix of [2, 8, 16]) {
      for (const x of [0, 1, -77, 2n ** 80n + 5n, new Ratnum(7n, 16n)] as SchemeNumber[]) {
        const text = formatNumber(x, radix);
        expect(formatNumber(parseNumber(text, radix) as SchemeNumber, radix)).toBe(text);
      }
    }
  });

  it("random flonums print shortest and read back exactly", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const x = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
      const parsed = parseNumber(formatNumber(makeFlonum(x)));
      const value = parsed instanceof Flonum ? parsed.value : parsed;
      expect(value).toBe(x);
    }
  });
});

describe("ratioToFloat", () => {
  it("divides small ratios exactly rounded", () => {
    expect(ratioToFloat(1n, 3n)).toBe(1 / 3);
    expect(ratioToFloat(-7n, 2n)).toBe(-3.5);
  });
  it("handles numerators and denominators beyond the float range", () => {
    expect(ratioToFloat(10n ** 400n, 10n ** 399n)).toBeCloseTo(10, 12);
    expect(ratioToFloat(1n, 10n ** 400n)).toBe(0);
    expect(ratioToFloat(10n ** 400n, 3n)).toBe(Infinity);
    expect(ratioToFloat(2n ** 1100n + 1n, 2n ** 1099n)).toBe(2);
    expect(ratioToFloat(1n, 2n ** 1074n)).toBe(5e-324);
    expect(ratioToFloat(-(10n ** 30n), 10n ** 320n)).toBeCloseTo(-1e-290, 300);
  });
});
