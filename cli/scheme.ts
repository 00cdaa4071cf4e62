// `nanolm scheme FILE.scm [args…]` runs a Scheme program; `nanolm repl` is the interactive REPL.
// Both are also bundled into the start-up snapshot build/interpreter/scheme.blob, so that start-up
// skips tsx (see bin/nanolm and scripts/build-interpreter.mjs).
import { describeFigure, makeDocsLibrary } from "../docs/lib/docs-library.ts";
import { existsSync, readFileSync, appendFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Interpreter } from "../interpreter/src/interpreter.ts";
import { nodeInterpreter } from "../interpreter/src/node.ts";
import { SchemeError, formatErrorReport } from "../interpreter/src/errors.ts";
import { isIncompleteInput } from "../interpreter/src/reader/reader.ts";
import { writeString } from "../interpreter/src/printer.ts";
import { UNSPECIFIED, MultipleValues } from "../interpreter/src/values.ts";
import { repoRoot } from "./common.ts";

/** NanoLM's own libraries — (nano model) and the rest — are found without -I. */
const schemeLibDir = join(repoRoot, "scheme-lib");

export class SchemeUsageError extends Error {}

const SCHEME_USAGE = `usage: nanolm scheme [options] FILE.scm [args…]

Run a Scheme program (R7RS-small). A program may start with (import …); without one every
standard library is available. Exit status: 0, the program's (exit n), or 1 on an uncaught error
(reported on stderr with a Scheme stack trace).

options:
  -I, --lib-path DIR   also look for libraries (import (foo bar) → DIR/foo/bar.sld) in DIR;
                       NanoLM's (nano …) libraries in scheme-lib/ are always found
  --debug-bench        run with the debugger attached and a breakpoint armed on a line that never
                       runs (what \`npm run bench:scheme\` measures)
  -h, --help           show this help`;

const REPL_USAGE = `usage: nanolm repl [options]

An interactive Scheme REPL: multi-line input (a form is run once its parentheses balance),
history in ~/.nanolm_history, errors shown with their location. Ctrl-D quits.

options:
  -I, --lib-path DIR   also look for libraries in DIR (scheme-lib/ is always searched)
  -h, --help           show this help`;

interface Parsed {
  libPath: string[];
  debugBench: boolean;
  rest: string[];
}

/** Options come before FILE; everything after FILE belongs to the program's (command-line). */
function parseOptions(argv: string[], usage: string, takesFile: boolean): Parsed | number {
  const parsed: Parsed = { libPath: [], debugBench: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      process.stdout.write(usage + "\n");
      return 0;
    } else if (arg === "-I" || arg === "--lib-path") {
      const dir = argv[++i];
      if (dir === undefined) throw new SchemeUsageError(`${arg} needs a directory\n\n${usage}`);
      parsed.libPath.push(resolve(dir));
    } else if (arg === "--debug-bench" && takesFile) {
      parsed.debugBench = true;
    } else if (arg.startsWith("-") && arg !== "-") {
      throw new SchemeUsageError(`unknown option '${arg}'\n\n${usage}`);
    } else if (takesFile) {
      parsed.rest = argv.slice(i);
      break;
    } else {
      throw new SchemeUsageError(`unexpected argument '${arg}'\n\n${usage}`);
    }
  }
  parsed.libPath.push(schemeLibDir);
  return parsed;
}

/** Makes the interpreter a command runs; a start-up snapshot passes one that reuses its own. */
export type InterpreterFactory = (libPath: string[], commandLine: string[]) => Interpreter;

export function consoleInterpreter(libPath: string[], commandLine: string[]): Interpreter {
  const scheme = nodeInterpreter({
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    searchPath: libPath,
    commandLine,
  });
  // The course's (nanolm docs): in a terminal a figure prints what it would draw.
  const docs = makeDocsLibrary((figure) => {
    scheme.flush();
    process.stdout.write(`${describeFigure(figure)}\n`);
  });
  scheme.defineHostLibrary(["nanolm", "docs"], docs.bindings);
  return scheme;
}

export async function schemeCommand(
  argv: string[],
  makeInterpreter: InterpreterFactory = consoleInterpreter,
): Promise<number> {
  const parsed = parseOptions(argv, SCHEME_USAGE, true);
  if (typeof parsed === "number") return parsed;
  const [file, ...args] = parsed.rest;
  if (file === undefined) throw new SchemeUsageError(`missing FILE.scm\n\n${SCHEME_USAGE}`);
  if (!existsSync(file)) {
    process.stderr.write(`nanolm: error: no such file: ${file}\n`);
    return 1;
  }
  const scheme = makeInterpreter(parsed.libPath, [file, ...args]);
  try {
    if (parsed.debugBench) {
      // A breakpoint on a line no program has: every step point still pays its check.
      scheme.runFile(file, {
        debug: true,
        breakpoints: [{ file: resolve(file), line: 1_000_000 }],
      });
    } else {
      scheme.runFile(file);
    }
    return scheme.exitCode ?? 0;
  } catch (e) {
    scheme.flush();
    if (e instanceof SchemeError) {
      process.stderr.write(`error: ${formatErrorReport(e.payload)}\n`);
      return scheme.exitCode ?? 1;
    }
    throw e;
  } finally {
    scheme.flush();
  }
}

const HISTORY_FILE = join(homedir(), ".nanolm_history");

function printValue(value: unknown): void {
  if (value === UNSPECIFIED || value === undefined) return;
  if (value instanceof MultipleValues) {
    for (const v of value.values) process.stdout.write(writeString(v) + "\n");
    return;
  }
  process.stdout.write(writeString(value) + "\n");
}

export async function replCommand(
  argv: string[],
  makeInterpreter: InterpreterFactory = consoleInterpreter,
): Promise<number> {
  const parsed = parseOptions(argv, REPL_USAGE, false);
  if (typeof parsed === "number") return parsed;
  const scheme = makeInterpreter(parsed.libPath, ["repl"]);
  // Loaded here, not at the top: the start-up snapshot must not contain readline's state (and
  // a snapshot cannot use dynamic import()).
  const { createInterface } = process.getBuiltinModule("node:readline");
  const interactive = process.stdin.isTTY === true;
  let history: string[] = [];
  if (interactive && existsSync(HISTORY_FILE)) {
    history = readFileSync(HISTORY_FILE, "utf8")
      .split("\n")
      .filter(Boolean)
      .reverse()
      .slice(0, 1000);
  }
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    history,
    historySize: 1000,
    prompt: "> ",
  });
  if (interactive) process.stdout.write("NanoLM Scheme (R7RS-small). Ctrl-D to quit.\n");
  let pending = "";
  let lineNo = 0;
  const prompt = () => {
    if (interactive) {
      rl.setPrompt(pending === "" ? "> " : "… ");
      rl.prompt();
    }
  };
  // Ctrl-C stops a running evaluation (it runs in slices, so the keyboard is still read), or
  // else throws away the input typed so far. It never quits: that is Ctrl-D or (exit).
  let evaluating = false;
  let interrupted = false;
  rl.on("SIGINT", () => {
    if (evaluating) {
      interrupted = true;
      return;
    }
    rl.write(null, { ctrl: true, name: "u" });
    process.stdout.write(pending === "" ? "\n(Ctrl-D or (exit) to quit)\n" : "\n");
    pending = "";
    prompt();
  });
  prompt();
  for await (const line of rl) {
    lineNo++;
    if (interactive && line.trim() !== "") appendFileSync(HISTORY_FILE, line + "\n");
    pending += line + "\n";
    try {
      interrupted = false;
      evaluating = true;
      const values = await scheme.replSliced(
        pending,
        `repl#${lineNo}`,
        () => interrupted,
        () => new Promise((resolve) => setImmediate(resolve)),
      );
      evaluating = false;
      pending = "";
      scheme.flush();
      for (const v of values) printValue(v);
    } catch (e) {
      evaluating = false;
      if (isIncompleteInput(e)) {
        prompt();
        continue;
      }
      pending = "";
      scheme.flush();
      if (e instanceof SchemeError)
        process.stdout.write(`error: ${formatErrorReport(e.payload)}\n`);
      else throw e;
    }
    if (scheme.exitCode !== undefined) break;
    prompt();
  }
  rl.close();
  if (interactive) process.stdout.write("\n");
  return scheme.exitCode ?? 0;
}
