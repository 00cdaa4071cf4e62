// R7RS §6.6 characters and the (scheme char) library, Unicode-aware through JS's Unicode
// property escapes and case mappings. Case mappings that would produce several characters
// (ß → SS) leave the character unchanged, as R7RS requires for the char procedures.
import type { Builtins } from "./registry.ts";
import { wrongType } from "../errors.ts";
import { Char } from "../values.ts";
import { checkChar } from "./args.ts";

const ALPHABETIC = /^\p{Alphabetic}$/u;
const NUMERIC = /^\p{Nd}$/u;
const WHITESPACE = /^\p{White_Space}$/u;
const UPPER = /^\p{Uppercase}$/u;
const LOWER = /^\p{Lowercase}$/u;

function testChar(re: RegExp, code: number): boolean {
  return code < 128 ? asciiTest(re, code) : re.test(String.fromCodePoint(code));
}

/** ASCII fast paths for the common case. */
function asciiTest(re: RegExp, c: number): boolean {
  if (re === ALPHABETIC) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  if (re === NUMERIC) return c >= 48 && c <= 57;
  if (re === WHITESPACE) return c === 32 || (c >= 9 && c <= 13);
  if (re === UPPER) return c >= 65 && c <= 90;
  return c >= 97 && c <= 122;
}

/** A one-character case mapping, or the code itself when the mapping isn't a single character. */
function mapSingle(code: number, map: (s: string) => string): number {
  const mapped = map(String.fromCodePoint(code));
  const first = mapped.codePointAt(0)!;
  return mapped.length === (first > 0xffff ? 2 : 1) ? first : code;
}

/** `char-upcase` on a code point. */
export function upcase(code: number): number {
  if (code < 128) return code >= 97 && code <= 122 ? code - 32 : code;
  return mapSingle(code, (s) => s.toUpperCase());
}
/** `char-downcase` on a code point. */
export function downcase(code: number): number {
  if (code < 128) return code >= 65 && code <= 90 ? code + 32 : code;
  return mapSingle(code, (s) => s.toLowerCase());
}
/** Simple case folding: lowercase of uppercase maps σ/ς/Σ alike; the Turkish dotted/dotless i stay. */
export function foldcase(code: number): number {
  if (code < 128) return downcase(code);
  if (code === 0x130 || code === 0x131) return code;
  return downcase(upcase(code));
}

const NON_ASCII = /[^\u0000-\u007f]/; // eslint-disable-line no-control-regex

/**
 * Full case folding of a string (Unicode CaseFolding C+F): ß → ss, ς → σ, ﬁ → fi. Folded a
 * character at a time, so that the final-sigma rule of toLowerCase does not apply.
 */
export function fullFold(s: string): string {
  if (!NON_ASCII.test(s)) return s.toLowerCase();
  let out = "";
  for (const ch of s) out += ch === "\u0131" ? ch : ch.toUpperCase().toLowerCase();
  return out;
}

/** `digit-value`: Unicode decimal digits come in runs of ten starting at zero. */
function digitValue(code: number): number | false {
  if (code >= 48 && code <= 57) return code - 48;
  if (!testChar(NUMERIC, code)) return false;
  let zero = code;
  while (testChar(NUMERIC, zero - 1)) zero--;
  return (code - zero) % 10;
}

function isScalarValue(n: unknown): n is number {
  return (
    typeof n === "number" &&
    Number.isInteger(n) &&
    n >= 0 &&
    n <= 0x10ffff &&
    !(n >= 0xd800 && n <= 0xdfff)
  );
}

/**
 * An n-ary comparison on character codes, after an optional case fold. The two-argument call is
 * the hot one (`(char=? c #\a)` in scanning loops), so it avoids the general path's array.
 */
function defineCompare(
  b: Builtins,
  name: string,
  holds: (a: number, b: number) => boolean,
  fold: boolean,
): void {
  const code = (x: unknown): number => {
    const c = checkChar(name, x).code;
    return fold ? foldcase(c) : c;
  };
  b.define(name, 1, -1, (x: unknown, y?: unknown, ...more: unknown[]) => {
    if (y === undefined) {
      code(x); // a single argument is still checked
      return true;
    }
    if (more.length === 0) return holds(code(x), code(y));
    const codes = [x, y, ...more].map(code);
    for (let i = 1; i < codes.length; i++) if (!holds(codes[i - 1], codes[i])) return false;
    return true;
  });
}

/** The comparison suffixes shared by the char and string predicates (`char<?`, `string-ci>=?`...). */
export const COMPARISONS: [string, (a: number, b: number) => boolean][] = [
  ["=?", (a, b) => a === b],
  ["<?", (a, b) => a < b],
  [">?", (a, b) => a > b],
  ["<=?", (a, b) => a <= b],
  [">=?", (a, b) => a >= b],
];

/** Defines the character primitives of (scheme base) and (scheme char). */
export function install(b: Builtins): void {
  b.define("char?", 1, 1, (x: unknown) => x instanceof Char);
  b.define("char->integer", 1, 1, (c: unknown) => checkChar("char->integer", c).code);
  b.define("integer->char", 1, 1, (n: unknown) => {
    if (!isScalarValue(n)) wrongType("integer->char", "a Unicode scalar value", n);
    return Char.of(n);
  });
  for (const [suffix, holds] of COMPARISONS) {
    defineCompare(b, `char${suffix}`, holds, false);
    defineCompare(b, `char-ci${suffix}`, holds, true);
  }
  const predicates: [string, RegExp][] = [
    ["char-alphabetic?", ALPHABETIC],
    ["char-numeric?", NUMERIC],
    ["char-whitespace?", WHITESPACE],
    ["char-upper-case?", UPPER],
    ["char-lower-case?", LOWER],
  ];
  for (const [name, re] of predicates)
    b.define(name, 1, 1, (c: unknown) => testChar(re, checkChar(name, c).code));
  b.define("digit-value", 1, 1, (c: unknown) => digitValue(checkChar("digit-value", c).code));
  b.define("char-upcase", 1, 1, (c: unknown) => Char.of(upcase(checkChar("char-upcase", c).code)));
  b.define("char-downcase", 1, 1, (c: unknown) =>
    Char.of(downcase(checkChar("char-downcase", c).code)),
  );
  b.define("char-foldcase", 1, 1, (c: unknown) =>
    Char.of(foldcase(checkChar("char-foldcase", c).code)),
  );
}
