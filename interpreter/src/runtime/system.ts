// (scheme time), (scheme process-context) except exit, and `features`.
import type { Builtins } from "./registry.ts";
import { MString, Pair, Sym, makeFlonum, list } from "../values.ts";
import { arrayToList, checkString } from "./args.ts";
import { getHost } from "./ports.ts";

let commandLine: string[] = ["nanolm"];
/** The program name and its arguments, as `(command-line)` returns them. */
export function setCommandLine(args: string[]): void {
  commandLine = [...args];
}

/** R7RS `features`: what `cond-expand` can test. */
export const FEATURES = [
  "r7rs",
  "exact-closed",
  "exact-complex",
  "ratios",
  "full-unicode",
  "nanolm",
  "srfi-4",
  "srfi-69",
];

const JIFFIES_PER_SECOND = 1_000_000;
let startTime = performance.now();
/** Restart `current-jiffy` from zero (a start-up snapshot calls this when it wakes up). */
export function resetClock(): void {
  startTime = performance.now();
}

function environment(): Record<string, string> {
  const env = getHost()?.environment?.() ?? {};
  return Array.isArray(env) ? Object.fromEntries(env) : env;
}

/** Defines the (scheme time) and (scheme process-context) primitives, and features. */
export function install(b: Builtins): void {
  b.define("current-second", 0, 0, () => makeFlonum(Date.now() / 1000));
  // Microseconds since start-up: exact, and small enough to stay a fixnum.
  b.define("current-jiffy", 0, 0, () =>
    Math.floor((performance.now() - startTime) * (JIFFIES_PER_SECOND / 1000)),
  );
  b.define("jiffies-per-second", 0, 0, () => JIFFIES_PER_SECOND);
  b.define("command-line", 0, 0, () => arrayToList(commandLine.map((a) => MString.from(a, false))));
  b.define("get-environment-variable", 1, 1, (name: unknown) => {
    const value = environment()[checkString("get-environment-variable", name).toString()];
    return value === undefined ? false : MString.from(value, false);
  });
  b.define("get-environment-variables", 0, 0, () =>
    arrayToList(
      Object.entries(environment()).map(
        ([k, v]) => new Pair(MString.from(k, false), MString.from(v, false)),
      ),
    ),
  );
  b.define("features", 0, 0, () => list(...FEATURES.map((f) => Sym.intern(f))));
}
