// A stand-in for helpers.ts while the facade (interpreter.ts) cannot load the prelude yet: the
// same three helpers, built directly from the reader, expander, VM and this runtime's prelude.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { readAll } from "../src/reader/reader.ts";
import { Expander } from "../src/expander/index.ts";
import { VM } from "../src/vm/index.ts";
import { Builtins } from "../src/runtime/registry.ts";
import { PRELUDE_FILES, installAll } from "../src/runtime/index.ts";
import { STANDARD_LIBRARIES } from "../src/runtime/libraries.ts";
import { flushConsole, setConsoleSinks, setHost } from "../src/runtime/ports.ts";
import { GlobalCell } from "../src/core.ts";
import { SchemeError, errorMessage, formatErrorReport } from "../src/errors.ts";
import { writeString } from "../src/printer.ts";
import { ErrorObject } from "../src/values.ts";

function newRunner(): { run: (source: string) => unknown; output: () => string } {
  const b = new Builtins();
  installAll(b);
  const systemCells = new Map<string, GlobalCell>();
  for (const [name, value] of b.table) {
    const cell = new GlobalCell(name, true);
    cell.value = value;
    systemCells.set(name, cell);
  }
  const host = {
    readFile: () => null,
    exists: () => false,
    resolve: (d: string, r: string) => `${d}/${r}`,
  };
  const expander = new Expander({
    systemCells,
    libraries: STANDARD_LIBRARIES,
    host: host as never,
  });
  const vm = new VM({ evalHook: (datum, env) => expander.expandTopLevel(datum, env as never) });
  let out = "";
  setConsoleSinks({ stdout: (s) => (out += s), stderr: (s) => (out += s), stdin: () => null });
  setHost({
    readFile: (path) => (existsSync(path) ? new Uint8Array(readFileSync(path)) : null),
    writeFile: (path, data) => writeFileSync(path, data),
    fileExists: (path) => existsSync(path),
    deleteFile: (path) => unlinkSync(path),
    environment: () => ({ NANOLM_TEST_VAR: "yes" }),
  });
  const system = expander.systemEnvironment();
  for (const f of PRELUDE_FILES) {
    const url = new URL(`../src/runtime/prelude/${f}`, import.meta.url);
    if (!existsSync(url)) continue; // control.scm may not be written yet
    const text = readFileSync(url, "utf8");
    for (const { datum, loc } of readAll(text, f))
      vm.runToCompletion(
        vm.compile(expander.expandTopLevel(datum, system, loc), { library: true }),
      );
  }
  return {
    run(source) {
      try {
        return vm.runToCompletion(
          vm.compile(expander.expandProgram(readAll(source, "test.scm"), "test.scm")),
        );
      } finally {
        flushConsole();
      }
    },
    output: () => out,
  };
}

export function evalScheme(source: string): string {
  return writeString(newRunner().run(source));
}

export function runScheme(source: string): string {
  const r = newRunner();
  r.run(source);
  return r.output();
}

export function schemeFailure(source: string): {
  message: string;
  report: string;
  payload: unknown;
} {
  try {
    newRunner().run(source);
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
