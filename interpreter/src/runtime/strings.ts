// R7RS §6.7 strings and the string procedures of (scheme char). Strings are `MString`s: O(1)
// `ref`/`set` on code points; literals and symbol names are immutable.
import type { Builtins } from "./registry.ts";
import { schemeError } from "../errors.ts";
import { Char, MString, UNSPECIFIED } from "../values.ts";
import {
  arrayToList,
  checkChar,
  checkIndex,
  checkLength,
  checkList,
  checkMutableString,
  checkRange,
  checkString,
  checkVector,
} from "./args.ts";
import { COMPARISONS, fullFold } from "./chars.ts";

/** Compare two strings by code point: negative, zero or positive. */
function compareStrings(a: MString, b: MString): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.ref(i);
    const y = b.ref(i);
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

/** An n-ary string comparison; the ci versions compare full case foldings ("Straße" = "STRASSE"). */
function defineCompare(
  b: Builtins,
  name: string,
  holds: (a: number, b: number) => boolean,
  fold: boolean,
): void {
  const operand = (x: unknown): MString => {
    const s = checkString(name, x);
    return fold ? MString.from(fullFold(s.toString())) : s;
  };
  b.define(name, 1, -1, (x: unknown, y?: unknown, ...more: unknown[]) => {
    if (y === undefined) {
      operand(x); // a single argument is still checked
      return true;
    }
    if (more.length === 0) return holds(compareStrings(operand(x), operand(y)), 0);
    const strings = [x, y, ...more].map(operand);
    for (let i = 1; i < strings.length; i++)
      if (!holds(compareStrings(strings[i - 1], strings[i]), 0)) return false;
    return true;
  });
}

/** A string built from the code points of characters, checking each one. */
function stringFromChars(who: string, chars: unknown[]): MString {
  const cps = new Uint32Array(chars.length);
  for (let i = 0; i < chars.length; i++) cps[i] = checkChar(who, chars[i]).code;
  return MString.fromCodePoints(cps);
}

/** `string-append` joins the JS forms: fast for the common case of one-unit characters. */
function stringAppend(...xs: unknown[]): MString {
  let s = "";
  for (const x of xs) s += checkString("string-append", x).toString();
  return MString.from(s);
}

/** `string-copy!`: handles overlapping ranges by copying through a snapshot. */
function stringCopyInto(
  to: unknown,
  at: unknown,
  from: unknown,
  start?: unknown,
  end?: unknown,
): unknown {
  const dst = checkMutableString("string-copy!", to);
  const src = checkString("string-copy!", from);
  const [s, e] = checkRange("string-copy!", start, end, src.length);
  const [a] = checkRange("string-copy!", at, undefined, dst.length);
  if (a + (e - s) > dst.length)
    schemeError(
      `string-copy!: ${e - s} characters do not fit at index ${a} in a string of length ${dst.length}`,
    );
  const cps = src.codePoints(s, e);
  for (let i = 0; i < cps.length; i++) dst.set(a + i, cps[i]);
  return UNSPECIFIED;
}

function caseMap(who: string, map: (s: string) => string) {
  return (x: unknown) => MString.from(map(checkString(who, x).toString()));
}

/** Defines the string primitives of (scheme base) and (scheme char). */
export function install(b: Builtins): void {
  b.define("string?", 1, 1, (x: unknown) => x instanceof MString);
  b.define("make-string", 1, 2, (k: unknown, c?: unknown) =>
    MString.make(
      checkLength("make-string", k),
      c === undefined ? 32 : checkChar("make-string", c).code,
    ),
  );
  b.define("string", 0, -1, (...chars: unknown[]) => stringFromChars("string", chars));
  b.define("string-length", 1, 1, (s: unknown) => checkString("string-length", s).length);
  b.define("string-ref", 2, 2, (s: unknown, k: unknown) => {
    const str = checkString("string-ref", s);
    return Char.of(str.ref(checkIndex("string-ref", k, str.length)));
  });
  b.define("string-set!", 3, 3, (s: unknown, k: unknown, c: unknown) => {
    const str = checkString("string-set!", s);
    const i = checkIndex("string-set!", k, str.length);
    const code = checkChar("string-set!", c).code;
    if (!str.mutable) schemeError("string-set!: string is immutable");
    str.set(i, code);
    return UNSPECIFIED;
  });
  for (const [suffix, holds] of COMPARISONS) {
    defineCompare(b, `string${suffix}`, holds, false);
    defineCompare(b, `string-ci${suffix}`, holds, true);
  }
  b.define(
    "string-upcase",
    1,
    1,
    caseMap("string-upcase", (s) => s.toUpperCase()),
  );
  b.define(
    "string-downcase",
    1,
    1,
    caseMap("string-downcase", (s) => s.toLowerCase()),
  );
  b.define("string-foldcase", 1, 1, caseMap("string-foldcase", fullFold));
  b.define("substring", 2, 3, (s: unknown, start: unknown, end?: unknown) => {
    const str = checkString("substring", s);
    const [a, e] = checkRange("substring", start, end, str.length);
    return MString.fromCodePoints(str.codePoints(a, e));
  });
  b.define("string-append", 0, -1, stringAppend);
  b.define("string->list", 1, 3, (s: unknown, start?: unknown, end?: unknown) => {
    const str = checkString("string->list", s);
    const [a, e] = checkRange("string->list", start, end, str.length);
    const chars: Char[] = [];
    for (let i = a; i < e; i++) chars.push(Char.of(str.ref(i)));
    return arrayToList(chars);
  });
  b.define("list->string", 1, 1, (l: unknown) =>
    stringFromChars("list->string", checkList("list->string", l)),
  );
  b.define("string-copy", 1, 3, (s: unknown, start?: unknown, end?: unknown) => {
    const str = checkString("string-copy", s);
    const [a, e] = checkRange("string-copy", start, end, str.length);
    return MString.fromCodePoints(str.codePoints(a, e));
  });
  b.define("string-copy!", 3, 5, stringCopyInto);
  b.define("string-fill!", 2, 4, (s: unknown, c: unknown, start?: unknown, end?: unknown) => {
    const str = checkMutableString("string-fill!", s);
    const code = checkChar("string-fill!", c).code;
    const [a, e] = checkRange("string-fill!", start, end, str.length);
    for (let i = a; i < e; i++) str.set(i, code);
    return UNSPECIFIED;
  });
  b.define("string->vector", 1, 3, (s: unknown, start?: unknown, end?: unknown) => {
    const str = checkString("string->vector", s);
    const [a, e] = checkRange("string->vector", start, end, str.length);
    const out: Char[] = [];
    for (let i = a; i < e; i++) out.push(Char.of(str.ref(i)));
    return out;
  });
  b.define("vector->string", 1, 3, (v: unknown, start?: unknown, end?: unknown) => {
    const vec = checkVector("vector->string", v);
    const [a, e] = checkRange("vector->string", start, end, vec.length);
    return stringFromChars("vector->string", vec.slice(a, e));
  });
  // Extras (SRFI 13 / 130 style) that programs commonly expect.
  b.define("string-contains", 2, 2, (s: unknown, t: unknown) => {
    const hay = checkString("string-contains", s).toString();
    const needle = checkString("string-contains", t).toString();
    const i = hay.indexOf(needle);
    return i < 0 ? false : codePointIndex(hay, i);
  });
  b.define("string-join", 1, 2, (l: unknown, sep?: unknown) => {
    const parts = checkList("string-join", l).map((x) => checkString("string-join", x).toString());
    const separator = sep === undefined ? " " : checkString("string-join", sep).toString();
    return MString.from(parts.join(separator));
  });
  b.define("%string-split-char", 2, 2, (s: unknown, c: unknown) => {
    const str = checkString("string-split", s).toString();
    const ch = String.fromCodePoint(checkChar("string-split", c).code);
    return arrayToList(str.split(ch).map((p) => MString.from(p)));
  });
  b.define("string-null?", 1, 1, (s: unknown) => checkString("string-null?", s).length === 0);
}

/** Convert a UTF-16 offset into a code-point index. */
function codePointIndex(s: string, utf16: number): number {
  let n = 0;
  for (let i = 0; i < utf16; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}
