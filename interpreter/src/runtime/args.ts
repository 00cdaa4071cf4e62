// Argument checks shared by the runtime primitives. Each one either returns the argument, narrowed
// to its TypeScript type, or throws the standard Scheme error naming the procedure (`who`).
import { wrongType, outOfRange, schemeError } from "../errors.ts";
import { Char, MString, NIL, Pair, Sym } from "../values.ts";

/** An exact non-negative integer usable as an index or a count. */
export function checkIndexValue(who: string, k: unknown): number {
  if (typeof k === "number" && Number.isInteger(k) && k >= 0) return k;
  if (typeof k === "bigint" && k >= 0n) outOfRange(who, k, 0);
  return wrongType(who, "an exact non-negative integer", k);
}

/** An index `k` with 0 <= k < length. */
export function checkIndex(who: string, k: unknown, length: number): number {
  if (typeof k === "number" && Number.isInteger(k) && k >= 0 && k < length) return k;
  if (isExactInt(k)) outOfRange(who, k, length);
  return wrongType(who, "an exact integer index", k);
}

/** A count of elements for `make-vector`, `make-string`... (bounded so allocation can't explode). */
export function checkLength(who: string, k: unknown): number {
  if (typeof k === "number" && Number.isInteger(k) && k >= 0 && k <= 0x7fffffff) return k;
  return wrongType(who, "an exact non-negative integer length", k);
}

function isExactInt(x: unknown): boolean {
  return (typeof x === "number" && Number.isInteger(x)) || typeof x === "bigint";
}

/**
 * The optional `[start [end]]` arguments of R7RS sequence procedures, defaulted to the whole
 * sequence and checked so that 0 <= start <= end <= length.
 */
export function checkRange(
  who: string,
  start: unknown,
  end: unknown,
  length: number,
): [number, number] {
  const s = start === undefined ? 0 : boundInRange(who, start, length);
  const e = end === undefined ? length : boundInRange(who, end, length);
  if (s > e) schemeError(`${who}: start ${s} is greater than end ${e}`);
  return [s, e];
}

/** A range bound: like an index, but `length` itself is allowed. */
function boundInRange(who: string, k: unknown, length: number): number {
  if (typeof k === "number" && Number.isInteger(k) && k >= 0 && k <= length) return k;
  if (isExactInt(k)) outOfRange(who, k, length);
  return wrongType(who, "an exact integer index", k);
}

/** The argument, which must be a pair. */
export function checkPair(who: string, x: unknown): Pair {
  if (x instanceof Pair) return x;
  return wrongType(who, "a pair", x);
}

/** The argument, which must be a string. */
export function checkString(who: string, x: unknown): MString {
  if (x instanceof MString) return x;
  return wrongType(who, "a string", x);
}

/** The argument, which must be a string that string-set! may change. */
export function checkMutableString(who: string, x: unknown): MString {
  const s = checkString(who, x);
  if (!s.mutable) schemeError(`${who}: string is immutable`);
  return s;
}

/** The argument, which must be a character. */
export function checkChar(who: string, x: unknown): Char {
  if (x instanceof Char) return x;
  return wrongType(who, "a character", x);
}

/** The argument, which must be a symbol. */
export function checkSymbol(who: string, x: unknown): Sym {
  if (x instanceof Sym) return x;
  return wrongType(who, "a symbol", x);
}

/** The argument, which must be a vector. */
export function checkVector(who: string, x: unknown): unknown[] {
  if (Array.isArray(x)) return x;
  return wrongType(who, "a vector", x);
}

/** The argument, which must be a bytevector. */
export function checkBytevector(who: string, x: unknown): Uint8Array {
  if (x instanceof Uint8Array) return x;
  return wrongType(who, "a bytevector", x);
}

/** The argument, which must be an exact integer from 0 to 255. */
export function checkByte(who: string, x: unknown): number {
  if (typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= 255) return x;
  return wrongType(who, "a byte (an exact integer from 0 to 255)", x);
}

/** The elements of a proper list; the error names the procedure and shows the bad value. */
export function checkList(who: string, x: unknown): unknown[] {
  const out: unknown[] = [];
  let slow = x;
  let p = x;
  while (p instanceof Pair) {
    out.push(p.car);
    p = p.cdr;
    if ((out.length & 1) === 0) {
      slow = (slow as Pair).cdr;
      if (slow === p && p instanceof Pair)
        schemeError(`${who}: expected a proper list, got a circular list`);
    }
  }
  if (p !== NIL) wrongType(who, "a proper list", x);
  return out;
}

/** A JS array as a fresh Scheme list. */
export function arrayToList(items: ArrayLike<unknown>, start = 0, end = items.length): unknown {
  let out: unknown = NIL;
  for (let i = end - 1; i >= start; i--) out = new Pair(items[i], out);
  return out;
}
