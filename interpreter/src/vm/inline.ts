// Fast paths for primitives the compiler inlines when a call's operator is an immutable global
// holding a known builtin. Each helper handles the common case in a few JS operations (V8
// inlines it into the compiled procedure) and otherwise calls the primitive itself, `p`, which
// computes the general case or throws the proper error message.
import * as values from "../values.ts";
import type { Primitive } from "../values.ts";

// Module-local copies: some loaders turn imported bindings into getter calls.
const Pair = values.Pair;
const Flonum = values.Flonum;
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
function flo(r: number): unknown {
  return Number.isInteger(r) ? new Flonum(r) : r;
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
  cons: { arity: 2, template: "new Pair($0, $1)" },
  "pair?": { arity: 1, template: "($0 instanceof Pair)" },
  "null?": { arity: 1, template: "($0 === null)" },
  not: { arity: 1, template: "($0 === false)" },
  "eq?": { arity: 2, template: "($0 === $1)" },
};
