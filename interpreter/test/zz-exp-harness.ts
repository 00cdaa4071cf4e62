import { existsSync, readFileSync } from "node:fs";
import { GlobalCell } from "../src/core.ts";
import { Expander } from "../src/expander/index.ts";
import { writeString } from "../src/printer.ts";
import { readAll } from "../src/reader/reader.ts";
import { PRELUDE_FILES, installAll } from "../src/runtime/index.ts";
import { STANDARD_LIBRARIES } from "../src/runtime/libraries.ts";
import { flushConsole, setConsoleSinks } from "../src/runtime/ports.ts";
import { Builtins } from "../src/runtime/registry.ts";
import { VM } from "../src/vm/index.ts";
const dir = "/work/main/interpreter/src/runtime/prelude/";
function runIt(src: string): { v: unknown; out: string } {
  const builtins = installAll(new Builtins());
  const systemCells = new Map<string, GlobalCell>();
  for (const [name, value] of builtins.table) { const c = new GlobalCell(name, true); c.value = value; systemCells.set(name, c); }
  const ex = new Expander({ systemCells, libraries: STANDARD_LIBRARIES, host: { readFile: () => null, resolve: (a, b) => b, dirname: () => "." } });
  const vm = new VM({ evalHook: (d, e) => ex.expandTopLevel(d, e as never) });
  let out = "";
  setConsoleSinks({ stdout: (s) => (out += s), stderr: (s) => (out += s) });
  for (const n of PRELUDE_FILES) if (existsSync(dir + n))
    for (const { datum, loc } of readAll(readFileSync(dir + n, "utf8"), n))
      vm.runToCompletion(vm.compile(ex.expandTopLevel(datum, ex.systemEnvironment(), loc), { library: true }));
  const v = vm.runToCompletion(vm.compile(ex.expandProgram(readAll(src, "test.scm"), "test.scm")));
  flushConsole();
  return { v, out };
}
export const evalScheme = (s: string): string => writeString(runIt(s).v);
export const runScheme = (s: string): string => runIt(s).out;
