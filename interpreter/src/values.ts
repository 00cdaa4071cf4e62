// The Scheme value representation, shared by every part of the interpreter.
//
// Numbers are the subtle part. Exact integers and flonums must stay distinct (1 is not 1.0), yet
// both must be fast: fib/tak live on small integers, the transformer lives on flonums. So:
//   - an exact integer is a JS `number` holding a safe integer, or a `bigint` outside that range
//     (never a bigint inside it: `normalizeBigInt` keeps that invariant);
//   - a flonum is a JS `number` that is NOT an integer (1.5, NaN, ±Infinity), or a `Flonum` box
//     when its value is integral (1.0, -0.0, 1e300) — rare in numeric code, so rarely allocated;
//   - an exact non-integer rational is a `Ratnum` (bigint numerator/denominator, normalized).
// Hence `typeof x === "number"` plus one `Number.isInteger` test classifies the hot cases.

/** The empty list. */
export const NIL = null;
export type Nil = null;

export class Pair {
  constructor(
    public car: unknown,
    public cdr: unknown,
  ) {}
}

export class Sym {
  private static readonly table = new Map<string, Sym>();
  private constructor(readonly name: string) {}
  /** The interned symbol with this name. */
  static intern(name: string): Sym {
    let s = Sym.table.get(name);
    if (s === undefined) {
      s = new Sym(name);
      Sym.table.set(name, s);
    }
    return s;
  }
  private static gensymCounter = 0;
  /** A fresh uninterned symbol (never `eq?` to any interned one). */
  static gensym(prefix = "g"): Sym {
    return new Sym(`${prefix}${++Sym.gensymCounter}`);
  }
  toString(): string {
    return this.name;
  }
}

export class Char {
  private static readonly cache: Char[] = [];
  private constructor(readonly code: number) {}
  /** The character with this Unicode scalar value (small ones are shared, so `eq?` often works). */
  static of(code: number): Char {
    if (code < 256) return (Char.cache[code] ??= new Char(code));
    return new Char(code);
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * A Scheme string: a fixed-length sequence of Unicode scalar values with O(1) `ref` and `set`.
 * Two representations, switched internally: a JS string while every character is one UTF-16 unit
 * (then charCodeAt is the code point), or a typed array of code points once mutated or when it
 * holds astral characters. The array is as narrow as the characters allow (Uint8Array while they
 * are all below 256, then Uint16Array, then Uint32Array) and widens when `set` stores a larger
 * one: a big `make-string` touches a quarter of the memory. Callers only see the methods.
 */
export class MString {
  private js: string | null;
  private cps: Uint8Array | Uint16Array | Uint32Array | null;
  /** The largest code point `cps` can hold. */
  private cap: number;
  readonly length: number;
  /** Literals and symbol->string results are immutable; string-set! on them is an error. */
  mutable: boolean;

  private constructor(
    js: string | null,
    cps: Uint8Array | Uint16Array | Uint32Array | null,
    length: number,
    mutable: boolean,
  ) {
    this.js = js;
    this.cps = cps;
    this.cap = cps instanceof Uint8Array ? 0xff : cps instanceof Uint16Array ? 0xffff : 0x10ffff;
    this.length = length;
    this.mutable = mutable;
  }
  static from(s: string, mutable = true): MString {
    if (!SURROGATE.test(s)) return new MString(s, null, s.length, mutable);
    const cps = Uint32Array.from(s, (c) => c.codePointAt(0)!);
    return new MString(null, cps, cps.length, mutable);
  }
  static fromCodePoints(cps: Uint32Array, mutable = true): MString {
    return new MString(null, cps, cps.length, mutable);
  }
  static make(length: number, fill: number): MString {
    const cps =
      fill <= 0xff
        ? new Uint8Array(length)
        : fill <= 0xffff
          ? new Uint16Array(length)
          : new Uint32Array(length);
    if (fill !== 0) cps.fill(fill);
    return new MString(null, cps, length, true);
  }
  ref(i: number): number {
    const cps = this.cps;
    return cps !== null ? cps[i] : this.js!.charCodeAt(i);
  }
  set(i: number, code: number): void {
    let cps = this.cps;
    if (cps === null || code > this.cap) cps = this.widen(code);
    cps[i] = code;
    this.js = null;
  }
  /** Switch to (or widen) the array representation so that it can hold `code`. */
  private widen(code: number): Uint8Array | Uint16Array | Uint32Array {
    let cps = this.cps;
    if (cps === null) {
      // A JS string representation has no surrogates: every unit is a code point.
      const js = this.js!;
      cps = new Uint16Array(js.length);
      for (let i = 0; i < js.length; i++) cps[i] = js.charCodeAt(i);
      this.cap = 0xffff;
    }
    if (code > this.cap) {
      if (code > 0xffff) {
        cps = new Uint32Array(cps);
        this.cap = 0x10ffff;
      } else {
        cps = new Uint16Array(cps);
        this.cap = 0xffff;
      }
    }
    this.cps = cps;
    return cps;
  }
  /** A copy of the code points (callers may keep or mutate it). */
  codePoints(start = 0, end = this.length): Uint32Array {
    const cps = this.cps;
    if (cps !== null)
      return cps instanceof Uint32Array
        ? cps.slice(start, end)
        : new Uint32Array(cps.subarray(start, end));
    const out = new Uint32Array(end - start);
    const js = this.js!;
    for (let i = start; i < end; i++) out[i - start] = js.charCodeAt(i);
    return out;
  }
  toString(): string {
    if (this.js === null) {
      const cps = this.cps!;
      let s = "";
      for (let i = 0; i < cps.length; i += 8192)
        s += String.fromCodePoint(...cps.subarray(i, Math.min(i + 8192, cps.length)));
      this.js = s;
    }
    return this.js;
  }
}

/** An inexact number whose value is integral (1.0, -0.0, 1e300). Non-integral flonums are bare JS numbers. */
export class Flonum {
  constructor(readonly value: number) {}
}

/** An exact rational that is not an integer: den > 1, gcd(num, den) = 1. */
export class Ratnum {
  constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}
}

export type SchemeNumber = number | bigint | Flonum | Ratnum;

/** Box a float result as a flonum: integral values (and -0) need the Flonum wrapper. */
export function makeFlonum(x: number): number | Flonum {
  return Number.isInteger(x) ? new Flonum(x) : x;
}

/** An exact integer from a bigint, as a JS number when it is a safe integer. */
export function normalizeBigInt(b: bigint): number | bigint {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

function bigAbs(b: bigint): bigint {
  return b < 0n ? -b : b;
}
export function bigGcd(a: bigint, b: bigint): bigint {
  a = bigAbs(a);
  b = bigAbs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The exact rational n/d in canonical form (an exact integer when d divides n). d must not be 0. */
export function makeRational(n: bigint, d: bigint): number | bigint | Ratnum {
  if (d === 0n) throw new RangeError("makeRational: zero denominator");
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = bigGcd(n, d);
  if (g !== 1n) {
    n /= g;
    d /= g;
  }
  return d === 1n ? normalizeBigInt(n) : new Ratnum(n, d);
}

export function isExactInteger(x: unknown): x is number | bigint {
  return (typeof x === "number" && Number.isInteger(x)) || typeof x === "bigint";
}
export function isFlonum(x: unknown): x is number | Flonum {
  return (typeof x === "number" && !Number.isInteger(x)) || x instanceof Flonum;
}
export function isNumber(x: unknown): x is SchemeNumber {
  return (
    typeof x === "number" || typeof x === "bigint" || x instanceof Flonum || x instanceof Ratnum
  );
}
/** A flonum's float value (x must be a flonum). */
export function flonumValue(x: number | Flonum): number {
  return typeof x === "number" ? x : x.value;
}

/** Base class of everything `procedure?` accepts. */
export abstract class Procedure {
  constructor(public name: string | null) {}
}

/**
 * A procedure written in TypeScript. `fn` takes the Scheme arguments positionally and returns
 * the result; it signals Scheme errors by throwing (see errors.ts). It must not call back into
 * Scheme: procedures that need to (map, apply, dynamic-wind...) live in the VM or the prelude.
 */
export class Primitive extends Procedure {
  constructor(
    name: string,
    readonly fn: (...args: any[]) => unknown, // eslint-disable-line @typescript-eslint/no-explicit-any
    readonly minArgs: number,
    /** -1 for "any number" */
    readonly maxArgs: number,
  ) {
    super(name);
  }
}

/** What `(values a b ...)` returns for any count other than one. */
export class MultipleValues {
  constructor(readonly values: unknown[]) {}
}

class Singleton {
  constructor(readonly printed: string) {}
  toString(): string {
    return this.printed;
  }
}
/** The value of expressions whose value R7RS leaves unspecified; the REPL prints nothing for it. */
export const UNSPECIFIED = new Singleton("#<unspecified>");
export const EOF_OBJECT = new Singleton("#<eof>");
/** The value of a letrec variable read before its initialization: reading it is an error. */
export const UNASSIGNED = new Singleton("#<unassigned>");

export class RecordType {
  constructor(
    readonly name: string,
    readonly fieldNames: string[],
  ) {}
}
export class Record {
  constructor(
    readonly type: RecordType,
    readonly fields: unknown[],
  ) {}
}

export type ErrorKind = "error" | "read" | "file";

/** One frame of a Scheme stack trace: the procedure and where in the source it was executing. */
export interface TraceFrame {
  name: string;
  loc: Loc | null;
}

/** A source range. Lines and columns are 1-based; `end*` point just past the last character. */
export interface Loc {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export function formatLoc(loc: Loc): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** An R7RS error object (`error-object?`), raised by `error`, by primitives and by the reader. */
export class ErrorObject {
  /** The Scheme stack when it was first raised, innermost first; filled in by the VM. */
  trace: TraceFrame[] | null = null;
  constructor(
    readonly message: string,
    readonly irritants: unknown[],
    readonly kind: ErrorKind = "error",
    /** Where the error was detected when known without a stack (reader, expander). */
    public loc: Loc | null = null,
  ) {}
}

/** Scheme's `#t`/`#f` are JS booleans; everything except `false` is true. */
export function isTrue(x: unknown): boolean {
  return x !== false;
}

export function list(...items: unknown[]): Pair | null {
  let out: Pair | null = NIL;
  for (let i = items.length - 1; i >= 0; i--) out = new Pair(items[i], out);
  return out;
}

/** The elements of a proper list as an array; undefined if `x` is not a proper list. */
export function listToArray(x: unknown): unknown[] | undefined {
  const out: unknown[] = [];
  let slow = x;
  while (x instanceof Pair) {
    out.push(x.car);
    x = x.cdr;
    if (out.length % 2 === 0) {
      slow = (slow as Pair).cdr;
      if (slow === x && x instanceof Pair) return undefined; // circular
    }
  }
  return x === NIL ? out : undefined;
}
