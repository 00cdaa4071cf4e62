// Helpers for the runtime unit tests: a Builtins table with the runtime modules installed, a way
// to call a primitive by name (checking its arity like the VM does), and a printer independent of
// printer.ts so these tests do not depend on it.
import { Builtins } from "../src/runtime/registry.ts";
import { SchemeError, errorMessage } from "../src/errors.ts";
import {
  Char,
  ErrorObject,
  Flonum,
  MString,
  Pair,
  Primitive,
  Ratnum,
  Record,
  Sym,
  list,
} from "../src/values.ts";
import { install as installEquivalence } from "../src/runtime/equivalence.ts";
import { install as installLists } from "../src/runtime/lists.ts";
import { install as installSymbols } from "../src/runtime/symbols.ts";
import { install as installChars } from "../src/runtime/chars.ts";
import { install as installStrings } from "../src/runtime/strings.ts";
import { install as installVectors } from "../src/runtime/vectors.ts";
import { install as installBytevectors } from "../src/runtime/bytevectors.ts";
import { install as installSrfi4 } from "../src/runtime/srfi4.ts";
import { install as installRecords } from "../src/runtime/records.ts";
import { install as installHashTables } from "../src/runtime/hashtables.ts";
import { install as installPorts } from "../src/runtime/ports.ts";
import { install as installSystem } from "../src/runtime/system.ts";
import { install as installPromises } from "../src/runtime/promises.ts";

/** The runtime modules this helper owns (numbers and control are tested elsewhere). */
export function runtimeBuiltins(): Builtins {
  const b = new Builtins();
  for (const install of [
    installEquivalence,
    installLists,
    installSymbols,
    installChars,
    installStrings,
    installVectors,
    installBytevectors,
    installSrfi4,
    installRecords,
    installHashTables,
    installPorts,
    installSystem,
    installPromises,
  ])
    install(b);
  return b;
}

export const b = runtimeBuiltins();

/** Calls a procedure object with an arity check, as the VM would. */
export function apply(p: unknown, args: unknown[]): unknown {
  if (!(p instanceof Primitive)) throw new Error(`not a primitive: ${String(p)}`);
  if (args.length < p.minArgs || (p.maxArgs >= 0 && args.length > p.maxArgs))
    throw new Error(`${p.name}: wrong number of arguments (${args.length})`);
  return p.fn(...args);
}

/** Calls the builtin `name`. */
export function call(name: string, ...args: unknown[]): unknown {
  const p = b.get(name);
  if (p === undefined) throw new Error(`no builtin ${name}`);
  return apply(p, args);
}

/** The message of the Scheme error `f` throws (fails the test if it throws none). */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SchemeError && e.payload instanceof ErrorObject)
      return errorMessage(e.payload);
    throw e;
  }
  throw new Error("expected a Scheme error");
}

/** The payload of the Scheme error `f` throws. */
export function payloadOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    if (e instanceof SchemeError) return e.payload;
    throw e;
  }
  throw new Error("expected a Scheme error");
}

// Value constructors
export const str = (s: string): MString => MString.from(s);
export const sym = (s: string): Sym => Sym.intern(s);
export const ch = (s: string): Char => Char.of(s.codePointAt(0)!);
export const fl = (x: number): number | Flonum => (Number.isInteger(x) ? new Flonum(x) : x);
export { list };

/** A small `write` for test expectations. */
export function show(x: unknown): string {
  if (x === null) return "()";
  if (x === true) return "#t";
  if (x === false) return "#f";
  if (typeof x === "number") return Number.isInteger(x) ? String(x) : String(x);
  if (typeof x === "bigint") return String(x);
  if (x instanceof Flonum) return Object.is(x.value, -0) ? "-0.0" : `${x.value}.0`;
  if (x instanceof Ratnum) return `${x.num}/${x.den}`;
  if (x instanceof Sym) return x.name;
  if (x instanceof MString) return JSON.stringify(x.toString());
  if (x instanceof Char) return `#\\${String.fromCodePoint(x.code)}`;
  if (x instanceof Pair) {
    const parts: string[] = [];
    let p: unknown = x;
    while (p instanceof Pair) {
      if (parts.length > 1000) return `(${parts.join(" ")} ...)`; // circular lists
      parts.push(show(p.car));
      p = p.cdr;
    }
    return `(${parts.join(" ")}${p === null ? "" : ` . ${show(p)}`})`;
  }
  if (Array.isArray(x)) return `#(${x.map(show).join(" ")})`;
  if (x instanceof Uint8Array) return `#u8(${[...x].join(" ")})`;
  if (x instanceof Int8Array) return `#s8(${[...x].join(" ")})`;
  if (x instanceof Float32Array) return `#f32(${[...x].join(" ")})`;
  if (x instanceof Float64Array) return `#f64(${[...x].join(" ")})`;
  if (x instanceof Record) return `#<${x.type.name} ${x.fields.map(show).join(" ")}>`;
  if (x instanceof Primitive) return `#<procedure ${x.name}>`;
  return String(x);
}
