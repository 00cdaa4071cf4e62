// The VM's public face: compile Core to a top-level closure, start executions, run them to
// completion or in time slices, and the debugger (breakpoints, stepping, frames, eval in frame).
import type { Core, Var } from "../core.ts";
import { SchemeError } from "../errors.ts";
import { ErrorObject } from "../values.ts";
import { compileUnit } from "../compiler/codegen.ts";
import { Closure, CodeInfo, Execution, type MachineHost, type RunResult } from "./machine.ts";

export { Closure, Execution, Box, CodeInfo } from "./machine.ts";
export type { RunResult, FrameView } from "./machine.ts";

/** A compiled top-level form (or program): a closure of no arguments. */
export type CompiledTopLevel = Closure;

/** Thrown by `runToCompletion` when the program called `exit`. */
export class SchemeExit extends Error {
  constructor(readonly code: unknown) {
    super(`exit ${String(code)}`);
    this.name = "SchemeExit";
  }
}

export interface VMOptions {
  /** `(eval datum env)` → Core (the facade expands the datum in env). */
  evalHook?: (datum: unknown, env: unknown) => Core;
  /** Called by `exit` and `emergency-exit` with the exit code. */
  exitHook?: (code: unknown) => void;
}

export class VM implements MachineHost {
  private readonly evalHook?: (datum: unknown, env: unknown) => Core;
  readonly exitHook?: (code: unknown) => void;
  /** Infos of all debug-compiled procedures, for breakpoints. */
  private debugInfos: CodeInfo[] = [];
  private breakpoints = new Map<string, Set<number>>();

  constructor(opts: VMOptions = {}) {
    this.evalHook = opts.evalHook;
    this.exitHook = opts.exitHook;
  }

  /** Compile Core (a program or one top-level form) to a closure of no arguments. */
  compile(core: Core, opts: { debug?: boolean; library?: boolean } = {}): CompiledTopLevel {
    const top = { kind: "lambda" as const, params: [], rest: null, body: core, name: null };
    const unit = compileUnit(top, opts);
    if (opts.debug && !opts.library) {
      this.debugInfos.push(...unit.infos);
      for (const info of unit.infos) this.armBreakpoints(info);
    }
    return new Closure(unit.code, unit.info, []);
  }

  start(code: CompiledTopLevel): Execution {
    return new Execution(this, code);
  }

  /** Start + run to the end: the value, or throws SchemeError (uncaught raise) / SchemeExit. */
  runToCompletion(code: CompiledTopLevel): unknown {
    return finish(this.start(code).run());
  }

  /** Line breakpoints of one file (replacing that file's previous ones). */
  setBreakpoints(file: string, lines: number[]): void {
    this.breakpoints.set(file, new Set(lines));
    for (const info of this.debugInfos) this.armBreakpoints(info);
  }

  /** A breakpoint on a line stops at the first step point of that line in each procedure. */
  private armBreakpoints(info: CodeInfo): void {
    const seen = new Set<number>();
    info.sites.forEach((site, i) => {
      info.bp[i] = 0;
      const loc = site.loc;
      if (!site.step || !loc || seen.has(loc.line)) return;
      seen.add(loc.line);
      if (this.breakpoints.get(loc.file)?.has(loc.line)) info.bp[i] = 1;
    });
  }

  compileForEval(datum: unknown, env: unknown): Closure {
    if (!this.evalHook) throw new SchemeError(new ErrorObject("eval: not available here", []));
    return this.compile(this.evalHook(datum, env));
  }

  /**
   * Evaluate Core in paused frame `frameIndex` of x: the Core may refer to the frame's variables
   * (those of `x.frameVariables(frameIndex)`, by their `Var`). Assignments to variables the
   * program itself assigns are visible to it; others change only the debugger's copy.
   */
  evalInFrame(x: Execution, frameIndex: number, core: Core): unknown {
    const boxes = x.frameBoxes(frameIndex);
    const outer: Var[] = boxes.map((b) => b.v);
    const top = { kind: "lambda" as const, params: [], rest: null, body: core, name: "<eval>" };
    const unit = compileUnit(top, { outer });
    const clo = new Closure(
      unit.code,
      unit.info,
      boxes.map((b) => b.box),
    );
    const evaluation = new Execution(this, clo);
    evaluation.ignoreBreakpoints = true;
    return finish(evaluation.run());
  }
}

function finish(r: RunResult): unknown {
  switch (r.state) {
    case "done":
      return r.value;
    case "error":
      throw new SchemeError(r.payload);
    case "exit":
      throw new SchemeExit(r.code);
    default:
      throw new Error(`execution stopped: ${r.state}`);
  }
}
