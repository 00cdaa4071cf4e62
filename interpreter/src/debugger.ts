// The debugger as the playground sees it: one session per program run. It drives a VM execution
// in slices (so a browser stays responsive and Stop works), and stops at breakpoints and steps.
import type { Execution, RunResult, FrameView } from "./vm/index.ts";
import type { Interpreter } from "./interpreter.ts";
import type { Environment } from "./expander/index.ts";
import { readAll } from "./reader/reader.ts";
import { SchemeError, formatErrorReport } from "./errors.ts";
import { flushConsole } from "./runtime/ports.ts";
import { ErrorObject, type Loc } from "./values.ts";

export type DebugStatus =
  /** Stopped before the expression at `loc`. */
  | { state: "paused"; reason: "breakpoint" | "step" | "pause"; loc: Loc | null }
  /** The step budget ran out: call run() again to continue (time slicing). */
  | { state: "running" }
  | { state: "done"; value: unknown }
  | { state: "error"; payload: unknown; report: string }
  | { state: "exit"; code: unknown };

export class DebugSession {
  private last: DebugStatus = { state: "running" };

  constructor(
    private readonly scheme: Interpreter,
    private readonly exec: Execution,
    private readonly env: Environment,
  ) {}

  /** The state after the last call: whether the program is still going. */
  get status(): DebugStatus {
    return this.last;
  }

  get finished(): boolean {
    return this.last.state === "done" || this.last.state === "error" || this.last.state === "exit";
  }

  /** Replace one file's line breakpoints (they apply to every procedure compiled from it). */
  setBreakpoints(file: string, lines: number[]): void {
    this.exec.setBreakpoints(file, lines);
  }

  /** Run (or continue) until a breakpoint, the end, or `budget` steps have passed. */
  run(budget = Infinity): DebugStatus {
    return this.advance(budget);
  }

  /** Stop at the next expression, entering calls. */
  stepInto(budget = Infinity): DebugStatus {
    this.exec.stepInto();
    return this.advance(budget);
  }

  /** Stop at the next expression of this frame (or of a caller once this one returns). */
  stepOver(budget = Infinity): DebugStatus {
    this.exec.stepOver();
    return this.advance(budget);
  }

  /** Stop once the current procedure has returned. */
  stepOut(budget = Infinity): DebugStatus {
    this.exec.stepOut();
    return this.advance(budget);
  }

  /** Ask a running program to stop at its next expression (takes effect in the next run()). */
  pause(): void {
    this.exec.requestPause();
  }

  /** The call stack, innermost first: procedure names, where each is, and its variables. */
  frames(): FrameView[] {
    return this.exec.frames();
  }

  /**
   * Evaluate `source` (one expression) in paused frame `frameIndex`: it sees that frame's local
   * variables and the program's globals. Throws SchemeError when the expression fails.
   */
  evaluate(frameIndex: number, source: string): unknown {
    const forms = readAll(source, "<debugger>");
    if (forms.length !== 1)
      throw new SchemeError(
        new ErrorObject(`evaluate: expected one expression, got ${forms.length}`, []),
      );
    const locals = this.exec.frameVariables(frameIndex);
    const core = this.scheme.expander.expandInScope(forms[0].datum, this.env, locals, forms[0].loc);
    try {
      return this.exec.evalInFrame(frameIndex, core);
    } finally {
      flushConsole();
    }
  }

  private advance(budget: number): DebugStatus {
    let r: RunResult;
    try {
      r = this.exec.run(budget);
    } finally {
      flushConsole();
    }
    switch (r.state) {
      case "yield":
        this.last = { state: "running" };
        break;
      case "error":
        this.last = { state: "error", payload: r.payload, report: formatErrorReport(r.payload) };
        break;
      default:
        this.last = r;
    }
    return this.last;
  }
}
