// Test helpers for scheme-lib: run Scheme that imports the (nano …) libraries, hand it data from
// TypeScript, and turn what it returns back into plain JS values for comparison.
import { resolve } from "node:path";
import type { Interpreter } from "../../interpreter/src/interpreter.ts";
import { nodeInterpreter } from "../../interpreter/src/node.ts";
import { SchemeError, errorMessage } from "../../interpreter/src/errors.ts";
import { writeString } from "../../interpreter/src/printer.ts";
import { Char, ErrorObject, Flonum, MString, Pair, Sym } from "../../interpreter/src/values.ts";

export {
  sharedModel,
  modelBytes,
  tempDir,
  repoRoot,
  nanolmBin,
  PSYCHO_PROMPT,
  PSYCHO_PROMPT_IDS,
  PSYCHO_GREEDY_PREFIX,
} from "../../engine-c/test/helpers.ts";

/** The folder `(import (nano …))` finds its libraries in. */
export const schemeLibDir = resolve(import.meta.dirname, "..");

/**
 * A fresh interpreter that finds scheme-lib's libraries, with its console output collected.
 * `data` values are bound in a host library, so a program can `(import (test data))` and use them
 * (bytevectors as Uint8Array, strings as MString, lists via toScheme).
 */
export function newScheme(data: Record<string, unknown> = {}): {
  scheme: Interpreter;
  output: () => string;
} {
  let out = "";
  const scheme = nodeInterpreter({
    stdout: (s) => (out += s),
    stderr: (s) => (out += s),
    searchPath: [schemeLibDir],
  });
  scheme.defineHostLibrary(["test", "data"], data);
  return { scheme, output: () => out };
}

/** Run a program and return its last value as Scheme's `write` prints it. */
export function evalScheme(source: string, data: Record<string, unknown> = {}): string {
  return writeString(newScheme(data).scheme.run(source, "test.scm"));
}

/** Run a program and return its last value converted by fromScheme. */
export function schemeValue(source: string, data: Record<string, unknown> = {}): unknown {
  return fromScheme(newScheme(data).scheme.run(source, "test.scm"));
}

/** Run a program and return what it printed. */
export function runScheme(source: string, data: Record<string, unknown> = {}): string {
  const { scheme, output } = newScheme(data);
  scheme.run(source, "test.scm");
  return output();
}

/** Run a program that must raise an error; return the error's message (with its irritants). */
export function schemeError(source: string, data: Record<string, unknown> = {}): string {
  try {
    newScheme(data).scheme.run(source, "test.scm");
  } catch (e) {
    if (!(e instanceof SchemeError)) throw e;
    const p = e.payload;
    return p instanceof ErrorObject ? errorMessage(p) : writeString(p);
  }
  throw new Error("expected the program to fail, but it succeeded");
}

/**
 * A Scheme value as plain JS: lists and vectors → arrays, strings → string, chars → one-char
 * string, flonums → number, symbols → their name; typed arrays, booleans, numbers stay as they are.
 */
export function fromScheme(x: unknown): unknown {
  if (x === null) return [];
  if (x instanceof Pair) {
    const out: unknown[] = [];
    let p: unknown = x;
    for (; p instanceof Pair; p = p.cdr) out.push(fromScheme(p.car));
    return out;
  }
  if (Array.isArray(x)) return x.map(fromScheme);
  if (x instanceof MString) return x.toString();
  if (x instanceof Char) return String.fromCodePoint(x.code);
  if (x instanceof Flonum) return x.value;
  if (x instanceof Sym) return x.name;
  return x;
}

/** A JS value as Scheme data for `data`: strings → MString, arrays → lists. */
export function toScheme(x: unknown): unknown {
  if (typeof x === "string") return MString.from(x);
  if (Array.isArray(x)) {
    let list: unknown = null;
    for (let i = x.length - 1; i >= 0; i--) list = new Pair(toScheme(x[i]), list);
    return list;
  }
  return x;
}

/** A Scheme string literal for any text (every character outside printable ASCII escaped). */
export function schemeString(text: string): string {
  let s = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") s += "\\" + ch;
    else if (cp >= 0x20 && cp < 0x7f) s += ch;
    else s += `\\x${cp.toString(16)};`;
  }
  return s + '"';
}
