// R7RS §6.1 equivalence predicates: eq?, eqv? and equal?. The TS functions are exported for the
// other runtime modules (member/assoc, hash tables) and for the compiler to inline.
import type { Builtins } from "./registry.ts";
import { Compnum } from "../complex.ts";
import { Char, Flonum, MString, Pair, Ratnum } from "../values.ts";

/** `eq?`: identity, except that characters compare by code (they are not always shared). */
export function isEq(a: unknown, b: unknown): boolean {
  return a === b || (a instanceof Char && b instanceof Char && a.code === b.code);
}

/**
 * `eqv?`: `eq?`, plus numbers of the same exactness that are numerically equal. Flonums compare
 * like `Object.is`, so (eqv? 0.0 -0.0) is #f and (eqv? +nan.0 +nan.0) is #t.
 */
export function isEqv(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number") return typeof b === "number" && Object.is(a, b);
  if (a instanceof Flonum) return b instanceof Flonum && Object.is(a.value, b.value);
  if (a instanceof Ratnum) return b instanceof Ratnum && a.num === b.num && a.den === b.den;
  if (a instanceof Char) return b instanceof Char && a.code === b.code;
  if (a instanceof Compnum) return b instanceof Compnum && isEqv(a.re, b.re) && isEqv(a.im, b.im);
  return false;
}

/**
 * `equal?`: structural equality on pairs, vectors, strings, bytevectors and SRFI 4 vectors, `eqv?`
 * elsewhere. Iterative, with an explicit stack of pending comparisons, so neither a million-element
 * list nor a deeply nested tree can overflow the JS stack. R7RS requires it to terminate on
 * circular structures too: after many nodes it starts remembering which (a, b) container pairs it
 * has compared, and treats a pair met again as equal (the structures are then bisimilar).
 */
export function isEqual(a: unknown, b: unknown): boolean {
  if (isEqv(a, b)) return true;
  if (!(a instanceof Pair) && !Array.isArray(a)) return shallowEqual(a, b);
  const pending: unknown[] = []; // [a1, b1, a2, b2, ...] still to compare
  let budget = 1 << 20; // containers compared before cycle detection starts
  let compared: Map<object, Set<unknown>> | null = null;
  for (;;) {
    if (!isEqv(a, b)) {
      if (a instanceof Pair || Array.isArray(a)) {
        if (--budget < 0) {
          compared ??= new Map();
          let partners = compared.get(a);
          if (partners === undefined) compared.set(a, (partners = new Set()));
          if (partners.has(b))
            a = b = null; // already being compared: assume equal
          else partners.add(b);
        }
        if (a instanceof Pair) {
          if (!(b instanceof Pair)) return false;
          pending.push(a.cdr, b.cdr);
          a = a.car;
          b = b.car;
          continue;
        }
        if (Array.isArray(a)) {
          if (!Array.isArray(b) || a.length !== b.length) return false;
          for (let i = a.length - 1; i >= 0; i--) pending.push(a[i], b[i]);
        }
      } else if (!shallowEqual(a, b)) return false;
    }
    if (pending.length === 0) return true;
    b = pending.pop();
    a = pending.pop();
  }
}

/** `equal?` on values without Scheme-value children: strings and typed arrays. */
function shallowEqual(a: unknown, b: unknown): boolean {
  if (a instanceof MString) return b instanceof MString && stringsEqual(a, b);
  if (ArrayBuffer.isView(a)) return typedArraysEqual(a, b);
  return false;
}

function stringsEqual(a: MString, b: MString): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a.ref(i) !== b.ref(i)) return false;
  return true;
}

/** Bytevectors and SRFI 4 vectors: same kind, same length, same elements (floats by `Object.is`). */
function typedArraysEqual(a: ArrayBufferView, b: unknown): boolean {
  if (!ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
  const x = a as unknown as ArrayLike<number>;
  const y = b as unknown as ArrayLike<number>;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

/** Defines eq?, eqv? and equal?. */
export function install(b: Builtins): void {
  b.define("eq?", 2, 2, isEq);
  b.define("eqv?", 2, 2, isEqv);
  b.define("equal?", 2, 2, isEqual);
}
