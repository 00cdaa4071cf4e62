// The machine that runs compiled Scheme: closures, the explicit stack, the trampoline, errors
// raised into Scheme, stack traces, and the debugger's view of frames.
//
// Stack layout. A frame starts at `fp`: S[fp] is the running closure, S[fp+1..] its arguments,
// then its locals and temporaries (`info.frameSize` slots in all). Below it, the return header
// the caller pushed: S[fp-2] = the caller's resume pc, S[fp-1] = the caller's fp. The caller's
// closure is S[callerFp], so returning is: x.val = value; x.pc = S[fp-2]; x.fp = S[fp-1].
//
// Every compiled procedure is a JS function `code(x, pc)` — a resumable state machine. It runs
// until it must call or return to another procedure, sets x.fp/x.pc, and returns to the
// trampoline (`loop`), so the Scheme stack never lives on the JS stack.
import type { Core, Var } from "../core.ts";
import { SchemeError } from "../errors.ts";
import { writeString } from "../printer.ts";
import * as values from "../values.ts";
import { ErrorObject, Procedure, type Loc, type TraceFrame } from "../values.ts";

// Module-local copies of hot imports (some loaders turn imported bindings into getter calls).
const Primitive = values.Primitive;
const Pair = values.Pair;
const MultipleValues = values.MultipleValues;

export type CodeFn = (x: Execution, pc: number) => void;
/** The direct version of a pure procedure (compiler/codegen.ts): its value, or a throw. */
export type DirectFn = (x: Execution, depth: number, ...args: unknown[]) => unknown;

/** Where a variable lives in a frame: a stack slot (fp + index) or the closure's `free[index]`. */
export interface VarSlot {
  v: Var;
  free: boolean;
  index: number;
  boxed: boolean;
}

/** A point in a procedure the debugger or a stack trace can name: a call site or a step point. */
export interface Site {
  loc: Loc | null;
  /** The variables in scope there. */
  scope: VarSlot[];
  /** A step point (where breakpoints can be armed) rather than only a call/error site. */
  step?: boolean;
}

/** What the machine knows about a compiled procedure. */
export class CodeInfo {
  /** Breakpoint flags per site (debug code only). */
  bp: Uint8Array = new Uint8Array(0);
  /** Required parameter count and whether there is a rest parameter (case-lambda dispatch). */
  params = 0;
  hasRest = false;
  /** The direct version, when the procedure is pure (see codegen's DIRECT_BAIL). */
  direct: DirectFn | null = null;
  /** How often a direct run gave up. */
  directFails = 0;
  constructor(
    public name: string,
    public frameSize: number,
    /** Indexed by site number. */
    public sites: Site[] = [],
    /** Resume pc → the site of the call that returns there. */
    public labelSite: number[] = [],
    public library = false,
  ) {}
}

export class Closure extends Procedure {
  constructor(
    public code: CodeFn,
    public info: CodeInfo,
    public free: unknown[],
  ) {
    super(info.name);
  }
}

/** A heap cell for a variable that is assigned or captured before initialization. */
export class Box {
  constructor(public v: unknown) {}
}

/** The exception handler stack, the dynamic-wind list and parameter bindings: linked lists. */
export interface HandlerNode {
  handler: unknown;
  next: HandlerNode | null;
}
export interface WindNode {
  before: unknown;
  after: unknown;
  next: WindNode | null;
  depth: number;
}
export interface ParamNode {
  param: unknown;
  value: unknown;
  next: ParamNode | null;
}

export const RUNNING = 0,
  DONE = 1,
  YIELD = 2,
  PAUSED = 3,
  FAILED = 4,
  EXITED = 5;

export const enum StepMode {
  None = 0,
  Into = 1,
  Over = 2,
  Out = 3,
  Pause = 4,
}

export type RunResult =
  | { state: "done"; value: unknown }
  | { state: "yield" }
  | { state: "paused"; reason: "breakpoint" | "step" | "pause"; loc: Loc | null }
  | { state: "error"; payload: unknown }
  | { state: "exit"; code: unknown };

export interface FrameView {
  name: string;
  loc: Loc | null;
  variables: { name: string; value: unknown; v: Var }[];
}

const MAX_TRACE = 100;
/** The most ticks a run counts down at once (a small integer: 2^30 - 1). */
const TICKS_MAX = 0x3fffffff;
/** Room above a frame pointer that is always allocated (frames larger than this still work: the
 *  JS array grows on its own, only less efficiently). */
const STACK_MARGIN = 512;
/** Slots of a new stack segment. */
const SEGMENT_SIZE = 1 << 16;

/** What the bottom of a stack segment remembers of the segment below. */
interface SegmentLink {
  stack: unknown[];
  fp: number;
  pc: number;
  /** The live part of `stack` ends here. */
  top: number;
  base: number;
}

interface FrameRef {
  S: unknown[];
  fp: number;
  clo: Closure;
  site: number;
}

function copySegments(S: unknown[], top: number): unknown[] {
  const copy = S.slice(0, top);
  if (copy[2] === UNDERFLOW) {
    const link = copy[3] as SegmentLink;
    copy[3] = { ...link, stack: copySegments(link.stack, link.top) };
  }
  return copy;
}

/** The hooks an execution needs from its VM (compilation for `eval` and debugger expressions). */
export interface MachineHost {
  /** `(eval datum env)`: compile to a top-level closure. */
  compileForEval(datum: unknown, env: unknown): Closure;
  /** Called by `exit` / `emergency-exit` before the run ends; may be absent. */
  exitHook?: (code: unknown) => void;
  setBreakpoints(file: string, lines: number[]): void;
  evalInFrame(x: Execution, frameIndex: number, core: Core): unknown;
}

export class Execution {
  stack: unknown[] = new Array(1024).fill(undefined);
  /** Procedure entry checks fp against this and grows the stack beyond it. */
  limit = 1024 - STACK_MARGIN;
  fp = 0;
  pc = 0;
  argc = 0;
  val: unknown = undefined;
  /** Procedure entries and loop iterations left before yielding to `run`'s caller. */
  ticks = TICKS_MAX;
  /** The rest of the budget beyond `ticks` (Infinity without a budget): `ticks` stays a small
   *  integer, so counting it down never allocates a heap number, even in unoptimized code. */
  reserve = Infinity;
  stop = RUNNING;
  /** How many compiled procedures are running nested on the JS stack below the trampoline (a
   *  caller may run its callee's code directly; see codegen's emitCall). Compiled code records
   *  its frame on a throw only when the throw is its own (nest as on entry). */
  nest = 0;
  /** Site of the innermost error, recorded by compiled code when it throws. */
  site = -1;
  handlers: HandlerNode | null = null;
  winders: WindNode | null = null;
  params: ParamNode | null = null;
  /** Nonzero when every step point must call `atStep` (stepping or a pause requested). */
  dbg = 0;
  stepMode: StepMode = StepMode.None;
  /** Depth (segmentBase + fp) of the frame stepping started from. */
  stepDepth = 0;
  /** Position of the current stack segment's slot 0 in one tall imaginary stack: frame depths
   *  (segmentBase + fp) compare correctly across segments. */
  segmentBase = 0;
  paused: { reason: "breakpoint" | "step" | "pause"; fp: number; site: number } | null = null;
  /** Set for the debugger's own evaluations: they run to the end, whatever breakpoints say. */
  ignoreBreakpoints = false;
  result: unknown = undefined;
  exitCode: unknown = undefined;
  private inLoop = false;
  /** A stack segment left by the last underflow, reused by the next overflow. */
  spare: unknown[] | null = null;

  constructor(
    readonly host: MachineHost,
    top: Closure,
  ) {
    const S = this.stack;
    // The bottom frame: HALT at fp 2, whose "caller" is nobody (fp -1).
    S[0] = 0;
    S[1] = -1;
    S[2] = HALT;
    // The top-level code, called from HALT.
    S[3] = 0;
    S[4] = 2;
    S[5] = top;
    this.fp = 5;
    this.pc = 0;
    this.argc = 0;
  }

  // ───────────── running ─────────────

  run(budget = Infinity): RunResult {
    if (this.stop === DONE) return { state: "done", value: this.result };
    if (this.stop === FAILED) return { state: "error", payload: this.result };
    if (this.stop === EXITED) return { state: "exit", code: this.exitCode };
    if (this.inLoop) throw new Error("Execution.run: already running (re-entrant call)");
    this.stop = RUNNING;
    this.ticks = Math.min(budget, TICKS_MAX);
    this.reserve = budget - this.ticks;
    this.paused = null;
    this.nest = 0;
    this.inLoop = true;
    try {
      this.loop();
    } finally {
      this.inLoop = false;
    }
    switch (this.stop) {
      case DONE:
        return { state: "done", value: this.result };
      case FAILED:
        return { state: "error", payload: this.result };
      case EXITED:
        return { state: "exit", code: this.exitCode };
      case PAUSED: {
        const p = this.paused!;
        const info = (this.stack[p.fp] as Closure).info;
        return { state: "paused", reason: p.reason, loc: info.sites[p.site]?.loc ?? null };
      }
      default:
        return { state: "yield" };
    }
  }

  private loop(): void {
    for (;;) {
      try {
        while (this.stop === RUNNING) {
          (this.stack[this.fp] as Closure).code(this, this.pc);
        }
        return;
      } catch (e) {
        this.nest = 0;
        this.raiseThrown(e);
      }
    }
  }

  /**
   * Called on procedure entry when `ticks` ran out (yield to the caller of `run`) or the frame is
   * near the end of the stack array (continue on a new stack segment).
   */
  tick(): void {
    if (this.fp > this.limit) this.overflow();
    if (this.ticks < 0 && this.stop === RUNNING) {
      if (this.reserve > 0) {
        const more = Math.min(this.reserve, TICKS_MAX);
        this.reserve -= more;
        this.ticks += more;
      } else this.stop = YIELD;
    }
  }

  /**
   * Move the frame just entered (at fp) to the bottom of a fresh stack segment, above an
   * UNDERFLOW frame that switches back to the old segment when the frame returns. Segments mean
   * deep recursion never copies the stack (touching fresh memory is what costs).
   */
  private overflow(): void {
    const S = this.stack;
    const fp = this.fp;
    const size = (S[fp] as Closure).info.frameSize;
    const needed = 6 + size + 2 * STACK_MARGIN;
    const spare = this.spare;
    const T =
      spare !== null && spare.length >= needed
        ? spare
        : new Array(Math.max(SEGMENT_SIZE, 2 * needed)).fill(undefined);
    this.spare = null;
    const link: SegmentLink = {
      stack: S,
      fp: S[fp - 1] as number,
      pc: S[fp - 2] as number,
      top: fp - 2,
      base: this.segmentBase,
    };
    T[0] = 0;
    T[1] = -1;
    T[2] = UNDERFLOW;
    T[3] = link;
    T[4] = 0;
    T[5] = 2;
    for (let i = 0; i < size; i++) T[6 + i] = S[fp + i];
    this.stack = T;
    this.segmentBase += fp - 6;
    this.fp = 6;
    this.limit = T.length - STACK_MARGIN;
  }

  /** The stack below `top` (all segments), copied: for continuations. */
  captureStack(top: number): unknown[] {
    return copySegments(this.stack, top);
  }

  /** A JS exception escaped compiled code: raise its payload in Scheme from the current frame. */
  private raiseThrown(e: unknown): void {
    const payload =
      e instanceof SchemeError
        ? e.payload
        : new ErrorObject(e instanceof Error ? e.message : String(e), []);
    const S = this.stack;
    const fp = this.fp;
    if (payload instanceof ErrorObject && payload.trace === null)
      payload.trace = this.traceFrom(fp, this.site);
    const clo = S[fp];
    const base = fp + (clo instanceof Closure ? clo.info.frameSize : 8);
    // The return pc of this call is never used (raise does not return); it encodes the site.
    S[base] = -2 - this.site;
    S[base + 1] = fp;
    S[base + 2] = RAISE;
    S[base + 3] = payload;
    this.fp = base + 2;
    this.argc = 1;
    this.pc = 0;
    this.site = -1;
  }

  /** Reinstate a saved stack (a continuation's copy, copied again: it may be re-entered). */
  replaceStack(saved: unknown[], segmentBase: number): void {
    this.segmentBase = segmentBase;
    const S = copySegments(saved, saved.length);
    for (let i = 0; i < 2 * STACK_MARGIN; i++) S.push(undefined);
    this.stack = S;
    this.limit = S.length - STACK_MARGIN;
  }

  /** Ends the run with an uncaught raised object. */
  uncaught(payload: unknown): void {
    this.stop = FAILED;
    this.result = payload;
  }

  // ───────────── helpers for compiled and hand-written code ─────────────

  /** Enter f with `argc` arguments already at S[fp+1..], replacing the frame at fp. */
  tailCall(fp: number, f: unknown, argc: number): void {
    const S = this.stack;
    if (f instanceof Closure) {
      S[fp] = f;
      this.fp = fp;
      this.argc = argc;
      this.pc = 0;
      return;
    }
    const v = this.applyPrimitive(f, fp + 1, argc);
    this.val = v;
    this.pc = S[fp - 2] as number;
    this.fp = S[fp - 1] as number;
  }

  /** From the frame at fp, call f with args, resuming at retpc of the same code with the result. */
  callThen(fp: number, base: number, retpc: number, f: unknown, args: unknown[]): void {
    const S = this.stack;
    S[base] = retpc;
    S[base + 1] = fp;
    S[base + 2] = f;
    for (let i = 0; i < args.length; i++) S[base + 3 + i] = args[i];
    if (f instanceof Closure) {
      this.fp = base + 2;
      this.argc = args.length;
      this.pc = 0;
      return;
    }
    this.val = this.applyPrimitive(f, base + 3, args.length);
    this.fp = fp;
    this.pc = retpc;
  }

  /** Return v from the frame at fp. */
  returnFrom(fp: number, v: unknown): void {
    const S = this.stack;
    this.val = v;
    this.pc = S[fp - 2] as number;
    this.fp = S[fp - 1] as number;
  }

  /** Call a non-closure: a primitive (arity checked) or an error. */
  applyPrimitive(f: unknown, at: number, argc: number): unknown {
    if (f instanceof Primitive) {
      if (argc < f.minArgs || (f.maxArgs >= 0 && argc > f.maxArgs))
        throw arityError(f.name ?? "primitive", f.minArgs, f.maxArgs, argc);
      const S = this.stack;
      switch (argc) {
        case 0:
          return f.fn();
        case 1:
          return f.fn(S[at]);
        case 2:
          return f.fn(S[at], S[at + 1]);
        case 3:
          return f.fn(S[at], S[at + 1], S[at + 2]);
        default:
          return argc > MAX_SPREAD
            ? applyMany(f, S.slice(at, at + argc))
            : f.fn(...S.slice(at, at + argc));
      }
    }
    throw nonProcedure(f);
  }

  /** Wrong argument count on entry to a compiled procedure. */
  arityFail(fp: number, params: number, rest: boolean): never {
    const info = (this.stack[fp] as Closure).info;
    this.site = -1;
    throw arityError(info.name, params, rest ? -1 : params, this.argc);
  }

  /** The rest-argument list of a procedure with `params` required parameters. */
  restList(fp: number, params: number): unknown {
    const S = this.stack;
    let l: unknown = null;
    for (let i = fp + this.argc; i > fp + params; i--) l = new Pair(S[i], l);
    return l;
  }

  // ───────────── stack traces and frames ─────────────

  /** Frames from the one at fp outwards, across stack segments. */
  private *walk(fp: number, site: number): Generator<FrameRef> {
    let S = this.stack;
    while (fp >= 0) {
      const clo = S[fp];
      if (clo === HALT || !(clo instanceof Closure)) return;
      yield { S, fp, clo, site };
      let retpc = S[fp - 2] as number;
      fp = S[fp - 1] as number;
      if (fp < 0) return;
      if (S[fp] === UNDERFLOW) {
        const link = S[fp + 1] as SegmentLink;
        S = link.stack;
        retpc = link.pc;
        fp = link.fp;
      }
      const caller = S[fp];
      if (!(caller instanceof Closure)) return;
      site = retpc <= -2 ? -2 - retpc : (caller.info.labelSite[retpc] ?? -1);
    }
  }

  traceFrom(fp: number, site: number): TraceFrame[] {
    const out: TraceFrame[] = [];
    for (const f of this.walk(fp, site)) {
      if (out.length >= MAX_TRACE) break;
      out.push({ name: f.clo.info.name, loc: f.clo.info.sites[f.site]?.loc ?? null });
    }
    return out;
  }

  private frameList(): FrameRef[] {
    if (!this.paused) return [...this.walk(this.fp, -1)];
    return [...this.walk(this.paused.fp, this.paused.site)];
  }

  /** The Scheme stack, innermost first (only meaningful while paused or stopped). */
  frames(): FrameView[] {
    return this.frameList().map((f) => ({
      name: f.clo.info.name,
      loc: f.clo.info.sites[f.site]?.loc ?? null,
      variables: this.variablesOf(f),
    }));
  }

  frameVariables(i: number): { name: string; value: unknown; v: Var }[] {
    const f = this.frameList()[i];
    return f ? this.variablesOf(f) : [];
  }

  /** The boxes (shared when the variable is boxed, fresh otherwise) of a frame's variables. */
  frameBoxes(i: number): { v: Var; box: Box }[] {
    const f = this.frameList()[i];
    if (!f) return [];
    return (f.clo.info.sites[f.site]?.scope ?? []).map((s) => {
      const raw = s.free ? f.clo.free[s.index] : f.S[f.fp + s.index];
      return { v: s.v, box: s.boxed ? (raw as Box) : new Box(raw) };
    });
  }

  private variablesOf({ S, fp, clo, site }: FrameRef) {
    const scope = clo.info.sites[site]?.scope ?? [];
    return scope.map((s) => {
      const raw = s.free ? clo.free[s.index] : S[fp + s.index];
      return { name: s.v.name, value: s.boxed ? (raw as Box).v : raw, v: s.v };
    });
  }

  // ───────────── debugger ─────────────

  /** Called at a step point of debug code when `dbg` is set or the site has a breakpoint. */
  atStep(fp: number, site: number): boolean {
    if (this.ignoreBreakpoints) return false;
    const info = (this.stack[fp] as Closure).info;
    let reason: "breakpoint" | "step" | "pause" | null = null;
    if (info.bp[site]) reason = "breakpoint";
    else
      switch (this.stepMode) {
        case StepMode.Into:
          reason = "step";
          break;
        case StepMode.Over:
          if (this.segmentBase + fp <= this.stepDepth) reason = "step";
          break;
        case StepMode.Out:
          if (this.segmentBase + fp < this.stepDepth) reason = "step";
          break;
        case StepMode.Pause:
          reason = "pause";
          break;
      }
    if (reason === null) return false;
    this.paused = { reason, fp, site };
    this.stop = PAUSED;
    this.setStepMode(StepMode.None);
    return true;
  }

  setStepMode(mode: StepMode): void {
    this.stepMode = mode;
    this.dbg = mode === StepMode.None ? 0 : 1;
    this.stepDepth = this.segmentBase + (this.paused ? this.paused.fp : this.fp);
  }
  requestPause(): void {
    this.setStepMode(StepMode.Pause);
  }
  stepInto(): void {
    this.setStepMode(StepMode.Into);
  }
  stepOver(): void {
    this.setStepMode(StepMode.Over);
  }
  stepOut(): void {
    this.setStepMode(StepMode.Out);
  }
  /** Line breakpoints of a file, for every debug-compiled procedure of this VM. */
  setBreakpoints(file: string, lines: number[]): void {
    this.host.setBreakpoints(file, lines);
  }
  /** Run Core referring to frame `frameIndex`'s variables (see VM.evalInFrame). */
  evalInFrame(frameIndex: number, core: Core): unknown {
    return this.host.evalInFrame(this, frameIndex, core);
  }
}

/** More arguments than this cannot be spread into a JS call (the JS stack would overflow). */
const MAX_SPREAD = 8192;
/** Variadic primitives that may be applied to a long argument list piece by piece. */
const ASSOCIATIVE = new Set(["+", "*", "max", "min", "append", "string-append"]);

/** `(apply f huge-list)` for a primitive: fold associative ones in chunks, build lists/vectors. */
function applyMany(f: values.Primitive, args: unknown[]): unknown {
  switch (f.name) {
    case "list": {
      let l: unknown = null;
      for (let i = args.length - 1; i >= 0; i--) l = new Pair(args[i], l);
      return l;
    }
    case "vector":
      return args;
  }
  if (!ASSOCIATIVE.has(f.name ?? "")) return f.fn(...args);
  let r = f.fn(...args.slice(0, MAX_SPREAD));
  for (let i = MAX_SPREAD; i < args.length; i += MAX_SPREAD - 1)
    r = f.fn(r, ...args.slice(i, i + MAX_SPREAD - 1));
  return r;
}

export function arityError(name: string, min: number, max: number, got: number): SchemeError {
  const plural = (n: number) => `${n} argument${n === 1 ? "" : "s"}`;
  const expected =
    max < 0
      ? `at least ${plural(min)}`
      : min === max
        ? plural(min)
        : `between ${min} and ${plural(max)}`;
  return new SchemeError(new ErrorObject(`${name}: expected ${expected}, got ${got}`, []));
}

export function nonProcedure(f: unknown): SchemeError {
  return new SchemeError(new ErrorObject(`attempt to apply non-procedure ${writeString(f)}`, []));
}

/** Hand-written machine procedures (`apply`, `call/cc`...): a code function and a frame size. */
export function machineProcedure(name: string, code: CodeFn, frameSize = 12): Closure {
  return new Closure(code, new CodeInfo(name, frameSize), []);
}

/** The bottom frame: when the top-level code returns to it, the run is done. */
export const HALT = machineProcedure("<halt>", (x) => {
  x.stop = DONE;
  x.result = x.val;
});

/** The code of a `case-lambda` closure: its `free` holds one closure per clause. */
export const CASE_LAMBDA: CodeFn = (x) => {
  const S = x.stack;
  const fp = x.fp;
  const self = S[fp] as Closure;
  for (const c of self.free as Closure[]) {
    if (x.argc === c.info.params || (c.info.hasRest && x.argc >= c.info.params)) {
      S[fp] = c;
      x.pc = 0;
      return;
    }
  }
  x.site = -1;
  throw new SchemeError(
    new ErrorObject(`${self.info.name}: no clause accepts ${x.argc} arguments`, []),
  );
};

/** The bottom frame of a stack segment: returning to it continues on the segment below. */
const UNDERFLOW = machineProcedure("<underflow>", (x) => {
  const link = x.stack[3] as SegmentLink;
  x.spare = x.stack;
  x.stack = link.stack;
  x.fp = link.fp;
  x.pc = link.pc;
  x.limit = link.stack.length - STACK_MARGIN;
  x.segmentBase = link.base;
});

/** Set by runtime/control.ts: the `raise` procedure used for errors thrown by host code. */
export let RAISE: Closure = HALT;
export function setRaise(r: Closure): void {
  RAISE = r;
}

export function packValues(S: unknown[], at: number, n: number): unknown {
  return n === 1 ? S[at] : new MultipleValues(S.slice(at, at + n));
}
