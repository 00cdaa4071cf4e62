// The facade: one object that wires reader → expander → compiler → VM, loads the prelude, and
// gives the CLI, the tests and the playground a small API. It imports nothing from Node (see
// node.ts for the Node wiring), so the playground can bundle it for the browser.
import { readAll } from "./reader/reader.ts";
import { Expander, type Environment, type HostFs as ExpanderHost } from "./expander/index.ts";
import { VM, SchemeExit, type Execution, type RunResult } from "./vm/index.ts";
import { Builtins } from "./runtime/registry.ts";
import { installAll } from "./runtime/index.ts";
import { STANDARD_LIBRARIES } from "./runtime/libraries.ts";
import { setConsoleSinks, flushConsole, setHost as setPortHost } from "./runtime/ports.ts";
import { setCommandLine } from "./runtime/system.ts";
import { GlobalCell, type Core } from "./core.ts";
import { DebugSession } from "./debugger.ts";
import { SchemeError } from "./errors.ts";
import { ErrorObject, Pair, Sym, UNSPECIFIED, type Loc } from "./values.ts";

/** Everything the interpreter needs from the outside world's files. */
export interface HostFs extends ExpanderHost {
  readBytes(path: string): Uint8Array | null;
  writeBytes(path: string, data: Uint8Array): void;
  exists(path: string): boolean;
  deleteFile(path: string): void;
  environment?(): [string, string][];
}

/** A Scheme source file given as text (the prelude, or files in a browser). */
export interface SourceFile {
  name: string;
  text: string;
}

export interface InterpreterOptions {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Extra directories searched by `(import (foo bar))` after the importing file's directory. */
  searchPath?: string[];
  /** What `(command-line)` returns: program name, then its arguments. */
  commandLine?: string[];
  /** File access for include, libraries and file ports. Without one, files cannot be opened. */
  host?: HostFs;
  /** The prelude's Scheme sources (runtime/prelude/*.scm in PRELUDE_FILES order). Required. */
  prelude: SourceFile[];
}

export interface RunOptions {
  /** Compile with step points (what the debugger needs). */
  debug?: boolean;
  breakpoints?: { file: string; line: number }[];
}

const NO_FILES: HostFs = {
  readFile: () => null,
  readBytes: () => null,
  writeBytes: () => {
    throw new SchemeError(new ErrorObject("no file system here", [], "file"));
  },
  exists: () => false,
  deleteFile: () => {
    throw new SchemeError(new ErrorObject("no file system here", [], "file"));
  },
  resolve: (dir, rel) => (rel.startsWith("/") || dir === "" ? rel : `${dir}/${rel}`),
  dirname: (path) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "."),
};

export class Interpreter {
  readonly builtins = new Builtins();
  readonly systemCells = new Map<string, GlobalCell>();
  readonly expander: Expander;
  readonly vm: VM;
  private readonly host: HostFs;
  private readonly replEnv: Environment;
  /** Shared with the expander, so `configure` can extend it after construction. */
  private readonly searchPath: string[];
  /** Set when the program called `(exit n)`: the process exit status it asked for. */
  exitCode: number | undefined;

  constructor(private options: InterpreterOptions) {
    this.host = options.host ?? NO_FILES;
    this.searchPath = [...(options.searchPath ?? [])];
    installAll(this.builtins);
    for (const [name, value] of this.builtins.table) {
      const cell = new GlobalCell(name, true);
      cell.value = value;
      this.systemCells.set(name, cell);
    }
    this.expander = new Expander({
      systemCells: this.systemCells,
      libraries: STANDARD_LIBRARIES,
      host: this.host,
      searchPath: this.searchPath,
    });
    this.vm = new VM({
      evalHook: (datum, env) =>
        this.expander.expandTopLevel(datum, (env as Environment | undefined) ?? this.replEnv),
    });
    this.bindRuntime();
    // The prelude is expanded form by form (a define-syntax affects the forms after it) but
    // compiled as one unit: one `new Function` instead of hundreds keeps start-up short.
    const system = this.expander.systemEnvironment();
    const prelude: Core[] = [];
    for (const file of options.prelude)
      for (const { datum, loc } of readAll(file.text, file.name))
        prelude.push(this.expander.expandTopLevel(datum, system, loc));
    if (prelude.length > 0)
      this.vm.runToCompletion(this.vm.compile({ kind: "seq", body: prelude }, { library: true }));
    // The environment `(interaction-environment)` returns: REPL input and import-less programs.
    this.replEnv = this.expander.replEnvironment();
  }

  /**
   * Change what the constructor was given. A start-up snapshot builds the interpreter (prelude
   * and all) ahead of time, then configures it for the program it runs.
   */
  configure(opts: { searchPath?: string[]; commandLine?: string[] }): void {
    if (opts.searchPath) this.searchPath.splice(0, this.searchPath.length, ...opts.searchPath);
    if (opts.commandLine) this.options.commandLine = opts.commandLine;
  }

  /**
   * The runtime's console, command line and file host are module-level state (one program runs at
   * a time on a thread); each entry point binds them to this interpreter before running.
   */
  private bindRuntime(): void {
    const out = this.options.stdout ?? ((s: string) => void globalThis.console?.log(s));
    setConsoleSinks({ stdout: out, stderr: this.options.stderr ?? out, stdin: () => null });
    setCommandLine(this.options.commandLine ?? ["nanolm"]);
    const host = this.host;
    setPortHost({
      readFile: (p) => host.readBytes(p),
      writeFile: (p, d) => host.writeBytes(p, d),
      fileExists: (p) => host.exists(p),
      deleteFile: (p) => host.deleteFile(p),
      environment: () => host.environment?.() ?? [],
    });
  }

  /** Compile and run to the end; `(exit n)` ends the run and records the status. */
  private execute(core: Core, opts: RunOptions = {}): unknown {
    const code = this.vm.compile(core, { debug: opts.debug });
    if (opts.breakpoints)
      for (const bp of opts.breakpoints) this.vm.setBreakpoints(bp.file, [bp.line]);
    try {
      return opts.debug ? runUnattended(this.vm.start(code)) : this.vm.runToCompletion(code);
    } catch (e) {
      if (e instanceof SchemeExit) {
        this.exitCode = exitStatus(e.code);
        return undefined;
      }
      throw e;
    }
  }

  /** Run a whole program; returns its last value, throws SchemeError when it fails. */
  run(source: string, file = "<string>", opts: RunOptions = {}): unknown {
    this.bindRuntime();
    try {
      // A program without (import …) runs in the interaction environment, so `eval` and `load`
      // see its definitions (as in Chez and Guile).
      const core = this.expander.expandProgram(readAll(source, file), file, this.replEnv);
      return this.execute(core, opts);
    } finally {
      flushConsole();
    }
  }

  runFile(path: string, opts: RunOptions = {}): unknown {
    const text = this.host.readFile(path);
    if (text === null)
      throw new SchemeError(new ErrorObject(`cannot read file ${path}`, [], "file"));
    return this.run(text, path, opts);
  }

  /** REPL semantics: each form of `source` runs in the persistent interaction environment. */
  repl(source: string, file = "repl"): unknown[] {
    this.bindRuntime();
    try {
      const values: unknown[] = [];
      for (const { datum, loc } of readAll(source, file)) {
        const value = this.execute(this.expander.expandTopLevel(datum, this.replEnv, loc));
        // A definition's value is unspecified; a REPL shows nothing for it.
        values.push(isDefinition(datum) ? UNSPECIFIED : value);
        if (this.exitCode !== undefined) break;
      }
      return values;
    } finally {
      flushConsole();
    }
  }

  /**
   * `repl`, but run in slices that give the host's event loop a turn in between, so a user can
   * interrupt a runaway evaluation (Ctrl-C at the REPL): once `interrupted()` says so, the form
   * stops with an "interrupted" error and the environment keeps what was defined before it.
   */
  async replSliced(
    source: string,
    file: string,
    interrupted: () => boolean,
    yieldToHost: () => Promise<void> = () => new Promise((resolve) => setTimeout(resolve, 0)),
  ): Promise<unknown[]> {
    const values: unknown[] = [];
    for (const { datum, loc } of readAll(source, file)) {
      this.bindRuntime();
      const code = this.vm.compile(this.expander.expandTopLevel(datum, this.replEnv, loc));
      const exec = this.vm.start(code);
      for (;;) {
        const r = exec.run(REPL_SLICE);
        flushConsole();
        if (r.state === "done") {
          values.push(isDefinition(datum) ? UNSPECIFIED : r.value);
          break;
        }
        if (r.state === "error") throw new SchemeError(r.payload);
        if (r.state === "exit") {
          this.exitCode = exitStatus(r.code);
          return values;
        }
        await yieldToHost();
        if (interrupted()) throw new SchemeError(new ErrorObject("interrupted", []));
      }
    }
    return values;
  }

  /**
   * Start a program under the debugger. Nothing runs until the session's `run(budget)` or a step
   * call; set breakpoints first (`session.setBreakpoints(file, lines)`).
   */
  debug(source: string, file = "<string>"): DebugSession {
    this.bindRuntime();
    const core = this.expander.expandProgram(readAll(source, file), file, this.replEnv);
    const exec = this.vm.start(this.vm.compile(core, { debug: true }));
    return new DebugSession(this, exec, this.replEnv);
  }

  /**
   * Start a program without the debugger's step points, to be run in slices by the caller
   * (`execution.run(budget)` until it is not "yield"): a host that must stay responsive runs it
   * at full speed and can still stop between slices.
   */
  start(source: string, file = "<string>"): Execution {
    this.bindRuntime();
    const core = this.expander.expandProgram(readAll(source, file), file, this.replEnv);
    return this.vm.start(this.vm.compile(core));
  }

  /**
   * After a library's source changed: forget every library read from a file or a
   * `define-library` form, so the next `(import …)` reads and runs it again. Host libraries
   * (`defineHostLibrary`) and the standard ones stay; values made by the old libraries keep
   * working but are no longer what a fresh import gives.
   */
  reloadLibraries(): void {
    this.expander.forgetUserLibraries();
  }

  /** Expose TypeScript procedures to Scheme as a library, e.g. `(import (nanolm tensor))`. */
  defineHostLibrary(name: string[], bindings: Record<string, unknown>): void {
    const cells = new Map<string, GlobalCell>();
    for (const [id, value] of Object.entries(bindings)) {
      const cell = new GlobalCell(`(${name.join(" ")})::${id}`, true);
      cell.value = value;
      cells.set(id, cell);
    }
    this.expander.defineHostLibrary(name, cells);
  }

  flush(): void {
    flushConsole();
  }
}

/** Run a debug execution with nobody stepping: pauses cannot happen unless a breakpoint is hit,
 *  and then we just continue (benchmarks measure the cost of an armed breakpoint). */
function runUnattended(exec: Execution): unknown {
  for (;;) {
    const r: RunResult = exec.run(Infinity);
    if (r.state === "done") return r.value;
    if (r.state === "error") throw new SchemeError(r.payload);
    if (r.state === "exit") throw new SchemeExit(r.code);
  }
}

/** Steps per REPL slice: a few milliseconds of work between two looks at the keyboard. */
const REPL_SLICE = 200_000;

function isDefinition(datum: unknown): boolean {
  return datum instanceof Pair && datum.car instanceof Sym && datum.car.name.startsWith("define");
}

/** R7RS: `(exit)` and `(exit #t)` succeed, `(exit #f)` fails, an integer is the status. */
function exitStatus(code: unknown): number {
  if (code === undefined || code === true) return 0;
  if (code === false) return 1;
  return typeof code === "number" && Number.isInteger(code) ? code & 0xff : 1;
}

export type { Loc, Environment, Execution, DebugSession };
