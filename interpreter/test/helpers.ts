// Shared helpers for the interpreter's tests: run Scheme source and look at what came out.
import type { Interpreter } from "../src/interpreter.ts";
import { nodeInterpreter } from "../src/node.ts";
import { SchemeError, errorMessage, formatErrorReport } from "../src/errors.ts";
import { writeString } from "../src/printer.ts";
import { ErrorObject } from "../src/values.ts";

/** A fresh interpreter whose console output is collected. */
export function newScheme(): { scheme: Interpreter; output: () => string } {
  let out = "";
  const scheme = nodeInterpreter({ stdout: (s) => (out += s), stderr: (s) => (out += s) });
  return { scheme, output: () => out };
}

/** Run a program and return its last value as `write` prints it. */
export function evalScheme(source: string): string {
  return writeString(newScheme().scheme.run(source, "test.scm"));
}

/** Run a program and return what it printed. */
export function runScheme(source: string): string {
  const { scheme, output } = newScheme();
  scheme.run(source, "test.scm");
  return output();
}

/** Run a program that must fail; return the error's message and full report (with the trace). */
export function schemeFailure(source: string): {
  message: string;
  report: string;
  payload: unknown;
} {
  try {
    newScheme().scheme.run(source, "test.scm");
  } catch (e) {
    if (!(e instanceof SchemeError)) throw e;
    const p = e.payload;
    return {
      message: p instanceof ErrorObject ? errorMessage(p) : writeString(p),
      report: formatErrorReport(p),
      payload: p,
    };
  }
  throw new Error("expected the program to fail, but it succeeded");
}
