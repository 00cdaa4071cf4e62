// Control procedures that need the machine: they call Scheme procedures, capture or reinstate
// continuations, or change the dynamic state (handlers, dynamic-wind, parameters). Each is a
// hand-written "code function" like the compiler's output: `code(x, pc)` reads its arguments
// from the frame at x.fp, and calls Scheme with `x.callThen(fp, base, resumePc, f, args)`, which
// resumes it at `resumePc` with the result in x.val.
import { SchemeError, schemeError } from "../errors.ts";
import { ErrorObject, MString, MultipleValues, Procedure, list, listToArray } from "../values.ts";
import {
  Closure,
  CodeInfo,
  EXITED,
  arityError,
  machineProcedure,
  packValues,
  setRaise,
  type CodeFn,
  type Execution,
  type HandlerNode,
  type ParamNode,
  type WindNode,
} from "../vm/machine.ts";
import type { Builtins } from "./registry.ts";

function expectArgs(x: Execution, name: string, min: number, max: number): void {
  if (x.argc < min || (max >= 0 && x.argc > max)) {
    x.site = -1;
    throw arityError(name, min, max, x.argc);
  }
}

// ───────────── apply, values ─────────────

const apply = machineProcedure("apply", (x) => {
  expectArgs(x, "apply", 1, -1);
  const S = x.stack;
  const fp = x.fp;
  const argc = x.argc;
  const args = S.slice(fp + 2, fp + argc);
  if (argc >= 2) {
    const rest = listToArray(S[fp + argc]);
    if (rest === undefined) schemeError("apply: expected a proper list as last argument");
    for (const a of rest) args.push(a);
  }
  const f = S[fp + 1];
  for (let i = 0; i < args.length; i++) S[fp + 1 + i] = args[i];
  x.tailCall(fp, f, args.length);
});

const callWithValues = machineProcedure("call-with-values", (x, pc) => {
  const S = x.stack;
  const fp = x.fp;
  if (pc === 0) {
    expectArgs(x, "call-with-values", 2, 2);
    return x.callThen(fp, fp + 3, 1, S[fp + 1], []);
  }
  const v = x.val;
  const args = v instanceof MultipleValues ? v.values : [v];
  const consumer = S[fp + 2];
  for (let i = 0; i < args.length; i++) S[fp + 1 + i] = args[i];
  x.tailCall(fp, consumer, args.length);
});

// ───────────── continuations and dynamic-wind ─────────────

interface SavedContinuation {
  stack: unknown[];
  segmentBase: number;
  fp: number;
  pc: number;
  winders: WindNode | null;
  handlers: HandlerNode | null;
  params: ParamNode | null;
}

const continuationInfo = new CodeInfo("continuation", 8);

/** The thunks to run to move the dynamic-wind state from `from` to `to`. */
function windSteps(
  from: WindNode | null,
  to: WindNode | null,
): { thunk: unknown; winders: WindNode | null }[] {
  let a = from;
  let b = to;
  while ((a?.depth ?? 0) > (b?.depth ?? 0)) a = a!.next;
  while ((b?.depth ?? 0) > (a?.depth ?? 0)) b = b!.next;
  while (a !== b) {
    a = a!.next;
    b = b!.next;
  }
  const common = a;
  const steps: { thunk: unknown; winders: WindNode | null }[] = [];
  for (let w = from; w !== common; w = w!.next) steps.push({ thunk: w!.after, winders: w!.next });
  const befores: { thunk: unknown; winders: WindNode | null }[] = [];
  for (let w = to; w !== common; w = w!.next) befores.push({ thunk: w!.before, winders: w!.next });
  return steps.concat(befores.reverse());
}

/** Runs the wind steps stored at S[fp+2] (index at S[fp+3]); true when all are done. */
function runWindSteps(x: Execution, fp: number, resumePc: number): boolean {
  const S = x.stack;
  const steps = S[fp + 2] as { thunk: unknown; winders: WindNode | null }[];
  const i = S[fp + 3] as number;
  if (i >= steps.length) return true;
  S[fp + 3] = i + 1;
  x.winders = steps[i].winders;
  x.callThen(fp, fp + 4, resumePc, steps[i].thunk, []);
  return false;
}

const continuationCode: CodeFn = (x, pc) => {
  const S = x.stack;
  const fp = x.fp;
  const k = (S[fp] as Closure).free[0] as SavedContinuation;
  if (pc === 0) {
    S[fp + 1] = packValues(S, fp + 1, x.argc);
    S[fp + 2] = windSteps(x.winders, k.winders);
    S[fp + 3] = 0;
  }
  if (!runWindSteps(x, fp, 1)) return;
  const v = S[fp + 1];
  x.replaceStack(k.stack, k.segmentBase);
  x.fp = k.fp;
  x.pc = k.pc;
  x.val = v;
  x.winders = k.winders;
  x.handlers = k.handlers;
  x.params = k.params;
};

const callcc = machineProcedure("call-with-current-continuation", (x) => {
  expectArgs(x, "call-with-current-continuation", 1, 1);
  const S = x.stack;
  const fp = x.fp;
  const saved: SavedContinuation = {
    stack: x.captureStack(fp),
    segmentBase: x.segmentBase,
    fp: S[fp - 1] as number,
    pc: S[fp - 2] as number,
    winders: x.winders,
    handlers: x.handlers,
    params: x.params,
  };
  const f = S[fp + 1];
  S[fp + 1] = new Closure(continuationCode, continuationInfo, [saved]);
  x.tailCall(fp, f, 1);
});

const dynamicWind = machineProcedure("dynamic-wind", (x, pc) => {
  const S = x.stack;
  const fp = x.fp;
  switch (pc) {
    case 0:
      expectArgs(x, "dynamic-wind", 3, 3);
      return x.callThen(fp, fp + 4, 1, S[fp + 1], []);
    case 1: {
      const next = x.winders;
      x.winders = { before: S[fp + 1], after: S[fp + 3], next, depth: (next?.depth ?? 0) + 1 };
      return x.callThen(fp, fp + 4, 2, S[fp + 2], []);
    }
    case 2:
      S[fp + 4] = x.val;
      x.winders = x.winders!.next;
      return x.callThen(fp, fp + 5, 3, S[fp + 3], []);
    default:
      return x.returnFrom(fp, S[fp + 4]);
  }
});

// ───────────── exceptions ─────────────

const withExceptionHandler = machineProcedure("with-exception-handler", (x, pc) => {
  const S = x.stack;
  const fp = x.fp;
  if (pc === 0) {
    expectArgs(x, "with-exception-handler", 2, 2);
    S[fp + 3] = x.handlers;
    x.handlers = { handler: S[fp + 1], next: x.handlers };
    return x.callThen(fp, fp + 4, 1, S[fp + 2], []);
  }
  x.handlers = S[fp + 3] as HandlerNode | null;
  x.returnFrom(fp, x.val);
});

function raiser(name: string, continuable: boolean): Closure {
  return machineProcedure(name, (x, pc) => {
    const S = x.stack;
    const fp = x.fp;
    const obj = S[fp + 1];
    if (pc === 0) {
      expectArgs(x, name, 1, 1);
      if (obj instanceof ErrorObject && obj.trace === null)
        obj.trace = x.traceFrom(fp, -1).slice(1);
      const h = x.handlers;
      if (h === null) return x.uncaught(obj);
      S[fp + 2] = h;
      x.handlers = h.next;
      return x.callThen(fp, fp + 3, 1, h.handler, [obj]);
    }
    const h = S[fp + 2] as HandlerNode;
    if (continuable) {
      x.handlers = h;
      return x.returnFrom(fp, x.val);
    }
    x.site = -1;
    throw new SchemeError(
      new ErrorObject("exception handler returned from non-continuable raise", [obj]),
    );
  });
}
const raise = raiser("raise", false);
const raiseContinuable = raiser("raise-continuable", true);
setRaise(raise);

// ───────────── parameters ─────────────

/** A parameter object: called with no arguments it returns its current value. */
export class Parameter extends Closure {
  constructor(
    public value: unknown,
    readonly converter: unknown,
  ) {
    super(parameterCode, parameterInfo, []);
  }
}
const parameterInfo = new CodeInfo("parameter", 4);

function parameterCode(x: Execution): void {
  const S = x.stack;
  const fp = x.fp;
  const p = S[fp] as Parameter;
  let binding: ParamNode | null = x.params;
  while (binding !== null && binding.param !== p) binding = binding.next;
  if (x.argc === 1) {
    if (binding) binding.value = S[fp + 1];
    else p.value = S[fp + 1];
  } else expectArgs(x, "parameter", 0, 0);
  x.returnFrom(fp, binding ? binding.value : p.value);
}

const makeParameter = machineProcedure("make-parameter", (x, pc) => {
  const S = x.stack;
  const fp = x.fp;
  if (pc === 0) {
    expectArgs(x, "make-parameter", 1, 2);
    if (x.argc === 2) return x.callThen(fp, fp + 3, 1, S[fp + 2], [S[fp + 1]]);
    S[fp + 2] = false;
    x.val = S[fp + 1];
  }
  x.returnFrom(fp, new Parameter(x.val, S[fp + 2] === false ? null : S[fp + 2]));
});

function toArray(who: string, v: unknown): unknown[] {
  const a = Array.isArray(v) ? v : listToArray(v);
  if (a === undefined) schemeError(`${who}: expected a list`);
  return a;
}

/** `(%with-parameters (list p ...) (list v ...) thunk)`: the expansion of `parameterize`. */
const withParameters = machineProcedure("%with-parameters", (x, pc) => {
  const S = x.stack;
  const fp = x.fp;
  type State = { ps: unknown[]; vs: unknown[]; conv: unknown[] };
  if (pc === 0) {
    expectArgs(x, "parameterize", 3, 3);
    const ps = toArray("parameterize", S[fp + 1]);
    const vs = toArray("parameterize", S[fp + 2]);
    for (const p of ps)
      if (!(p instanceof Parameter)) schemeError("parameterize: not a parameter", p);
    S[fp + 4] = { ps, vs, conv: [] } satisfies State;
  } else if (pc === 2) {
    (S[fp + 4] as State).conv.push(x.val);
  } else if (pc === 3) {
    x.params = S[fp + 5] as ParamNode | null;
    return x.returnFrom(fp, x.val);
  }
  const st = S[fp + 4] as State;
  while (st.conv.length < st.ps.length) {
    const i = st.conv.length;
    const p = st.ps[i] as Parameter;
    if (p.converter !== null) return x.callThen(fp, fp + 6, 2, p.converter, [st.vs[i]]);
    st.conv.push(st.vs[i]);
  }
  S[fp + 5] = x.params;
  st.ps.forEach((param, i) => (x.params = { param, value: st.conv[i], next: x.params }));
  x.callThen(fp, fp + 6, 3, S[fp + 3], []);
});

// ───────────── eval and exit ─────────────

const evalProcedure = machineProcedure("eval", (x) => {
  expectArgs(x, "eval", 1, 2);
  const S = x.stack;
  const fp = x.fp;
  x.tailCall(fp, x.host.compileForEval(S[fp + 1], x.argc === 2 ? S[fp + 2] : undefined), 0);
});

function finishExit(x: Execution, code: unknown): void {
  x.host.exitHook?.(code);
  x.exitCode = code;
  x.stop = EXITED;
}

/** `exit` runs the `after` thunks of the active dynamic-winds, then ends the run. */
const exit = machineProcedure("exit", (x, pc) => {
  const S = x.stack;
  const fp = x.fp;
  if (pc === 0) {
    expectArgs(x, "exit", 0, 1);
    S[fp + 1] = x.argc === 1 ? S[fp + 1] : 0;
    S[fp + 2] = windSteps(x.winders, null);
    S[fp + 3] = 0;
  }
  if (runWindSteps(x, fp, 1)) finishExit(x, S[fp + 1]);
});

const emergencyExit = machineProcedure("emergency-exit", (x) => {
  expectArgs(x, "emergency-exit", 0, 1);
  finishExit(x, x.argc === 1 ? x.stack[x.fp + 1] : 0);
});

// ───────────── install ─────────────

function messageText(m: unknown): string {
  return m instanceof MString ? m.toString() : typeof m === "string" ? m : String(m);
}

export function install(b: Builtins): void {
  b.defineValue("apply", apply);
  b.defineValue("call-with-current-continuation", callcc);
  b.defineValue("call/cc", callcc);
  b.define("values", 0, -1, (...vs: unknown[]) =>
    vs.length === 1 ? vs[0] : new MultipleValues(vs),
  );
  b.defineValue("call-with-values", callWithValues);
  b.defineValue("dynamic-wind", dynamicWind);
  b.defineValue("with-exception-handler", withExceptionHandler);
  b.defineValue("raise", raise);
  b.defineValue("raise-continuable", raiseContinuable);
  b.define("error", 1, -1, (message: unknown, ...irritants: unknown[]) => {
    throw new SchemeError(new ErrorObject(messageText(message), irritants));
  });
  b.define("error-object?", 1, 1, (x: unknown) => x instanceof ErrorObject);
  b.define("error-object-message", 1, 1, (e: unknown) =>
    e instanceof ErrorObject
      ? MString.from(e.message, false)
      : schemeError("error-object-message: expected an error object", e),
  );
  b.define("error-object-irritants", 1, 1, (e: unknown) =>
    e instanceof ErrorObject
      ? list(...e.irritants)
      : schemeError("error-object-irritants: expected an error object", e),
  );
  b.defineValue("make-parameter", makeParameter);
  b.defineValue("%with-parameters", withParameters);
  b.define("procedure?", 1, 1, (x: unknown) => x instanceof Procedure);
  b.defineValue("eval", evalProcedure);
  b.defineValue("exit", exit);
  b.defineValue("emergency-exit", emergencyExit);
}
