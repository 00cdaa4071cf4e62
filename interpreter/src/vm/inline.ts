// Fast paths for primitives the compiler inlines when a call's operator is an immutable global
// holding a known builtin. Each helper handles the common case in a few JS operations (V8
// inlines it into the compiled procedure) and otherwise calls the primitive itself, `p`, which
// computes the general case or throws the proper error message.
import * as values from "../values.ts";
import type { Primitive } from "../values.ts";

// Module-local copies: some loaders turn imported bindings into getter calls.
const Pair = values.Pair;
const Flonum = values.Flonum;
const Char = values.Char;
const MString = values.MString;
const UNSPECIFIED = values.UNSPECIFIED;

type P = Primitive;

export function add(a: unknown, b: unknown, p: P): unknown {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (!Number.isInteger(r)) return r;
    if (Number.isSafeInteger(r) && Number.isInteger(a) && Number.isInteger(b)) return r;
  }
  return p.fn(a, b);
}
export function sub(a: unknown, b: unknown, p: P): unknown {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (!Number.isInteger(r)) return r;
    if (Number.isSafeInteger(r) && Number.isInteger(a) && Number.isInteger(b)) return r;
  }
  return p.fn(a, b);
}
export function mul(a: unknown, b: unknown, p: P): unknown {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (!Number.isInteger(r)) return r;
    if (Number.isSafeInteger(r) && Number.isInteger(a) && Number.isInteger(b) && r !== 0) return r;
  }
  return p.fn(a, b);
}
export function div(a: unknown, b: unknown, p: P): unknown {
  if (typeof a === "number" && typeof b === "number" && !Number.isInteger(a * b)) {
    const r = a / b;
    if (!Number.isInteger(r)) return r;
  }
  return p.fn(a, b);
}
export function numEq(a: unknown, b: unknown, p: P): unknown {
  return typeof a === "number" && typeof b === "number" ? a === b : p.fn(a, b);
}
export function lt(a: unknown, b: unknown, p: P): unknown {
  return typeof a === "number" && typeof b === "number" ? a < b : p.fn(a, b);
}
export function le(a: unknown, b: unknown, p: P): unknown {
  return typeof a === "number" && typeof b === "number" ? a <= b : p.fn(a, b);
}
export function gt(a: unknown, b: unknown, p: P): unknown {
  return typeof a === "number" && typeof b === "number" ? a > b : p.fn(a, b);
}
export function ge(a: unknown, b: unknown, p: P): unknown {
  return typeof a === "number" && typeof b === "number" ? a >= b : p.fn(a, b);
}
export function car(a: unknown, p: P): unknown {
  return a instanceof Pair ? a.car : p.fn(a);
}
export function cdr(a: unknown, p: P): unknown {
  return a instanceof Pair ? a.cdr : p.fn(a);
}
export function vectorRef(v: unknown, i: unknown, p: P): unknown {
  if (Array.isArray(v) && typeof i === "number" && i >>> 0 === i && i < v.length) return v[i];
  return p.fn(v, i);
}
export function vectorSet(v: unknown, i: unknown, x: unknown, p: P): unknown {
  if (Array.isArray(v) && typeof i === "number" && i >>> 0 === i && i < v.length) {
    v[i] = x;
    return UNSPECIFIED;
  }
  return p.fn(v, i, x);
}
export function vectorLength(v: unknown, p: P): unknown {
  return Array.isArray(v) ? v.length : p.fn(v);
}
export function exp(a: unknown, p: P): unknown {
  if (typeof a === "number") {
    const r = Math.exp(a);
    if (!Number.isInteger(r)) return r;
  }
  return p.fn(a);
}
/** Two numbers of the same exactness (both bare integers or both bare non-integers), no NaN. */
export function max(a: unknown, b: unknown, p: P): unknown {
  if (
    typeof a === "number" &&
    typeof b === "number" &&
    Number.isInteger(a) === Number.isInteger(b)
  ) {
    if (a >= b) return a;
    if (b > a) return b;
  }
  return p.fn(a, b);
}
export function min(a: unknown, b: unknown, p: P): unknown {
  if (
    typeof a === "number" &&
    typeof b === "number" &&
    Number.isInteger(a) === Number.isInteger(b)
  ) {
    if (a <= b) return a;
    if (b < a) return b;
  }
  return p.fn(a, b);
}
export function modulo(a: unknown, b: unknown, p: P): unknown {
  if (
    typeof a === "number" &&
    typeof b === "number" &&
    Number.isInteger(a) &&
    Number.isInteger(b) &&
    b !== 0
  ) {
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r + 0;
  }
  return p.fn(a, b);
}
export function remainder(a: unknown, b: unknown, p: P): unknown {
  if (
    typeof a === "number" &&
    typeof b === "number" &&
    Number.isInteger(a) &&
    Number.isInteger(b) &&
    b !== 0
  )
    return (a % b) + 0;
  return p.fn(a, b);
}
export function quotient(a: unknown, b: unknown, p: P): unknown {
  if (
    typeof a === "number" &&
    typeof b === "number" &&
    Number.isInteger(a) &&
    Number.isInteger(b) &&
    b !== 0
  )
    return (a - (a % b)) / b + 0;
  return p.fn(a, b);
}
export function isZero(a: unknown, p: P): unknown {
  return typeof a === "number" ? a === 0 : p.fn(a);
}
export function stringRef(s: unknown, i: unknown, p: P): unknown {
  if (s instanceof MString && typeof i === "number" && i >>> 0 === i && i < s.length)
    return Char.of(s.ref(i));
  return p.fn(s, i);
}
export function stringSet(s: unknown, i: unknown, c: unknown, p: P): unknown {
  if (
    s instanceof MString &&
    typeof i === "number" &&
    i >>> 0 === i &&
    i < s.length &&
    c instanceof Char &&
    s.mutable
  ) {
    s.set(i, c.code);
    return UNSPECIFIED;
  }
  return p.fn(s, i, c);
}
export function stringLength(s: unknown, p: P): unknown {
  return s instanceof MString ? s.length : p.fn(s);
}
export function charToInteger(c: unknown, p: P): unknown {
  return c instanceof Char ? c.code : p.fn(c);
}
export function integerToChar(n: unknown, p: P): unknown {
  return typeof n === "number" && n >>> 0 === n && n < 0xd800 ? Char.of(n) : p.fn(n);
}
export function charEq(a: unknown, b: unknown, p: P): unknown {
  return a instanceof Char && b instanceof Char ? a.code === b.code : p.fn(a, b);
}

function flo(r: number): unknown {
  return Number.isInteger(r) ? new Flonum(r) : r;
}
export function float32(a: unknown, p: P): unknown {
  return typeof a === "number" ? flo(Math.fround(a)) : p.fn(a);
}
export function f64Ref(v: unknown, i: unknown, p: P): unknown {
  if (v instanceof Float64Array && typeof i === "number" && i >>> 0 === i && i < v.length)
    return flo(v[i]);
  return p.fn(v, i);
}
export function f32Ref(v: unknown, i: unknown, p: P): unknown {
  if (v instanceof Float32Array && typeof i === "number" && i >>> 0 === i && i < v.length)
    return flo(v[i]);
  return p.fn(v, i);
}
export function f64Set(v: unknown, i: unknown, x: unknown, p: P): unknown {
  if (
    v instanceof Float64Array &&
    typeof i === "number" &&
    i >>> 0 === i &&
    i < v.length &&
    typeof x === "number" &&
    !Number.isInteger(x)
  ) {
    v[i] = x;
    return UNSPECIFIED;
  }
  return p.fn(v, i, x);
}
export function f32Set(v: unknown, i: unknown, x: unknown, p: P): unknown {
  if (
    v instanceof Float32Array &&
    typeof i === "number" &&
    i >>> 0 === i &&
    i < v.length &&
    typeof x === "number" &&
    !Number.isInteger(x)
  ) {
    v[i] = x;
    return UNSPECIFIED;
  }
  return p.fn(v, i, x);
}

/**
 * Builtin name → how to inline a call with `n` arguments: the helper's name (called with the
 * arguments and the primitive) or a JS template over the argument expressions `$0 $1`.
 * `pure` templates cannot fail, so they need no error site.
 */
export interface InlineRule {
  arity: number;
  helper?: string;
  template?: string;
}
export const INLINE_RULES: Record<string, InlineRule> = {
  "+": { arity: 2, helper: "add" },
  "-": { arity: 2, helper: "sub" },
  "*": { arity: 2, helper: "mul" },
  "/": { arity: 2, helper: "div" },
  "=": { arity: 2, helper: "numEq" },
  "<": { arity: 2, helper: "lt" },
  "<=": { arity: 2, helper: "le" },
  ">": { arity: 2, helper: "gt" },
  ">=": { arity: 2, helper: "ge" },
  car: { arity: 1, helper: "car" },
  cdr: { arity: 1, helper: "cdr" },
  "vector-ref": { arity: 2, helper: "vectorRef" },
  "vector-set!": { arity: 3, helper: "vectorSet" },
  "vector-length": { arity: 1, helper: "vectorLength" },
  "f64vector-ref": { arity: 2, helper: "f64Ref" },
  "f32vector-ref": { arity: 2, helper: "f32Ref" },
  "f64vector-set!": { arity: 3, helper: "f64Set" },
  "f32vector-set!": { arity: 3, helper: "f32Set" },
  exp: { arity: 1, helper: "exp" },
  float32: { arity: 1, helper: "float32" },
  max: { arity: 2, helper: "max" },
  min: { arity: 2, helper: "min" },
  modulo: { arity: 2, helper: "modulo" },
  remainder: { arity: 2, helper: "remainder" },
  quotient: { arity: 2, helper: "quotient" },
  "zero?": { arity: 1, helper: "isZero" },
  "string-ref": { arity: 2, helper: "stringRef" },
  "string-set!": { arity: 3, helper: "stringSet" },
  "string-length": { arity: 1, helper: "stringLength" },
  "char->integer": { arity: 1, helper: "charToInteger" },
  "integer->char": { arity: 1, helper: "integerToChar" },
  "char=?": { arity: 2, helper: "charEq" },
  cons: { arity: 2, template: "new Pair($0, $1)" },
  "pair?": { arity: 1, template: "($0 instanceof Pair)" },
  "null?": { arity: 1, template: "($0 === null)" },
  not: { arity: 1, template: "($0 === false)" },
  "eq?": { arity: 2, template: "($0 === $1)" },
};
