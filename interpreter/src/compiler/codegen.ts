// Core → JavaScript. Every lambda becomes one JS function `code(x, pc)`, a resumable state
// machine over the explicit stack (see vm/machine.ts for the frame layout):
//
//   function fib(x, pc) {
//     const S = x.stack, fp = x.fp; let r, f, L = -1;
//     try { for (;;) switch (pc) {
//       case 0: arity check        case 1: time-slice check, box assigned parameters
//       ...  a non-tail call stores its return header and arguments above the live slots and
//            returns to the trampoline; the callee returns to `case <resume label>:` here ...
//     } } catch (e) { if (x.nest === n0) { x.fp = fp; x.site = L; } throw e; }   // L: the site that threw
//   }
//
// A non-tail call to a closure runs the callee's code at once from the caller (nested on the JS
// stack, NEST_LIMIT deep at most) and goes on at the resume label when the callee has returned to
// this frame; anything else (a deeper call, a tail call to another procedure, a yield, a pause, a
// continuation) returns to the trampoline, which resumes the frames from the explicit stack. A
// throw records its frame and site only in the procedure that threw (x.nest as on its entry).
// `q` is a scratch local for expressions that test a value once loaded (global reads, letrec
// checks, open-coded arithmetic); `m<N>` hold the operands of open-coded primitives.
//
// Expressions that cannot call a Scheme procedure ("simple": constants, variables, lambdas and
// inlined primitives) compile to plain JS expressions; everything else to statements whose
// intermediate values live in stack slots, because a call returns to the trampoline and loses the
// JS locals. Self tail calls jump to `case 1` without leaving the JS function, so loops run as
// JS loops.
import type { Core, GlobalCell, Lambda, Var } from "../core.ts";
import { UNBOUND } from "../core.ts";
import { SchemeError } from "../errors.ts";
import {
  Char,
  ErrorObject,
  Pair,
  Primitive,
  Sym,
  UNASSIGNED,
  UNSPECIFIED,
  type Loc,
} from "../values.ts";
import {
  Box,
  CASE_LAMBDA,
  Closure,
  CodeInfo,
  type CodeFn,
  type DirectFn,
  type Site,
  type VarSlot,
} from "../vm/machine.ts";
import * as inline from "../vm/inline.ts";
import { INLINE_RULES } from "../vm/inline.ts";
import { analyze, type Analysis } from "./analyze.ts";

export interface CompileOptions {
  /** Add step points (debugger). */
  debug?: boolean;
  /** Library/prelude code: never stepped into. */
  library?: boolean;
  /** Variables bound outside the tree (a debugger frame's); free in the top code, boxed. */
  outer?: Var[];
}

export interface CompiledUnit {
  code: CodeFn;
  info: CodeInfo;
  /** Every procedure's info (for breakpoints). */
  infos: CodeInfo[];
}

/** Where a value computed by `emit` goes. */
type Dest = { k: "ret" } | { k: "slot"; i: number } | { k: "r" } | { k: "drop" };
const RET: Dest = { k: "ret" };
const R: Dest = { k: "r" };
const DROP: Dest = { k: "drop" };
const slot = (i: number): Dest => ({ k: "slot", i });

type CallNode = Core & { kind: "call" };

// Module-local copies: some loaders turn imported bindings into getter calls, too slow for G().
const UNBOUND_VALUE: unknown = UNBOUND;
const UNASSIGNED_VALUE: unknown = UNASSIGNED;

function fail(message: string): never {
  throw new SchemeError(new ErrorObject(message, []));
}

// ───────────── direct versions ─────────────
//
// A pure first-order procedure — its body only computes with its arguments, calls primitives
// without effects and calls global procedures — also gets a direct version: a plain JS function
// of its arguments that calls the direct versions of the procedures it calls, on the JS stack.
// fib or tak run as JS recursion then, several times faster than frames on the explicit stack.
//
// A direct run is speculative: it gives up (throws) when its callee has no direct version, when
// it runs DIRECT_DEPTH deep, when the time slice ends, or on any error; the caller then runs the
// call again the ordinary way, from the start. Because the procedure has no effects, running it
// again is the same as running it once: same value, same error (now with its Scheme stack trace),
// same output. Proper tail calls, deep recursion, continuations and stepping therefore never
// see a direct run; a procedure whose direct runs keep giving up loses its direct version.

/** Thrown by a direct run that gives up (see above). */
const DIRECT_BAIL = { bail: "direct" };
/** Thrown by a direct run when the time slice has ended (not the procedure's fault). */
const TICKS_BAIL = { bail: "ticks" };
/** Direct calls nest this deep on the JS stack at most. */
const DIRECT_DEPTH = 1000;
/** A procedure whose direct runs gave up this often runs the ordinary way from then on. */
const DIRECT_FAILS_MAX = 4;
/** Procedures with more parameters than this get no direct version. */
const MAX_DIRECT_ARGS = 8;
/** Primitives a pure procedure may call: no effects (allocating a pair or a number is none). */
const PURE_PRIMITIVES = new Set(
  (
    "+ - * / = < <= > >= car cdr vector-ref vector-length f64vector-ref f32vector-ref exp " +
    "float32 max min modulo remainder quotient zero? string-ref string-length char->integer " +
    "integer->char char=? cons pair? null? not eq? eqv? equal? memq memv member " +
    "abs sqrt exact-integer-sqrt expt log sin cos tan asin acos atan floor ceiling round " +
    "truncate exact inexact exact->inexact inexact->exact number? integer? rational? real? " +
    "complex? exact? inexact? exact-integer? nan? finite? infinite? positive? negative? odd? " +
    "even? square gcd lcm numerator denominator floor-quotient floor-remainder " +
    "truncate-quotient truncate-remainder caar cadr cdar cddr list length list-ref list-tail " +
    "boolean? char? string? symbol? vector? procedure? list? char<? char>? char<=? char>=? " +
    "string=? string<? string>? f32vector-length f64vector-length bytevector-u8-ref " +
    "bytevector-length char-upcase char-downcase char-alphabetic? char-numeric? " +
    "char-whitespace? digit-value boolean=?"
  ).split(" "),
);

/** Runtime helpers the generated code refers to by name. */
const HELPERS = {
  ...inline,
  Closure,
  Box,
  Pair,
  CASE: CASE_LAMBDA,
  UA: UNASSIGNED,
  UB: UNBOUND,
  US: UNSPECIFIED,
  /** Read a global. */
  G(cell: GlobalCell): unknown {
    const v = cell.value;
    if (v === UNBOUND_VALUE) fail(`unbound variable: ${cell.name}`);
    return v;
  },
  /** `set!` of a global. */
  GS(cell: GlobalCell, v: unknown): unknown {
    if (cell.value === UNBOUND_VALUE) fail(`unbound variable: ${cell.name}`);
    if (cell.immutable) fail(`set!: cannot assign the imported variable ${cell.name}`);
    cell.value = v;
    return UNSPECIFIED;
  },
  /** Top-level `define`. */
  GD(cell: GlobalCell, v: unknown): unknown {
    cell.value = v;
    return Sym.intern(cell.name);
  },
  /** Read a letrec variable that may not be initialized yet. */
  CHK(v: unknown, name: string): unknown {
    if (v === UNASSIGNED_VALUE) fail(`${name}: used before its definition`);
    return v;
  },
  DIRECT_BAIL,
  TICKS_BAIL,
  /** The direct version of the procedure in `cell`, called with argc arguments, or a bail. */
  DC(cell: GlobalCell, argc: number): DirectFn {
    const f = cell.value;
    if (f instanceof Closure) {
      const direct = f.info.direct;
      if (direct !== null && f.info.params === argc) return direct;
    }
    throw DIRECT_BAIL;
  },
  /** A direct run of f gave up (e): a procedure that keeps giving up loses its direct version. */
  DFAIL(f: Closure, e: unknown): void {
    if (e !== TICKS_BAIL && ++f.info.directFails >= DIRECT_FAILS_MAX) f.info.direct = null;
  },
};
delete (HELPERS as Record<string, unknown>).INLINE_RULES;

/** Compile a lambda (the top level is a lambda of no parameters) and everything inside it. */
export function compileUnit(top: Lambda, opts: CompileOptions = {}): CompiledUnit {
  const unit = new UnitGen(top, opts);
  const topName = unit.lambda(top, new Set(), null, null).name;
  // (before the constants are listed: attaching a direct version may add its info to them)
  const attach = unit.directs.map(([info, name]) => `K${unit.constant(info)}.direct = ${name};`);
  const src =
    `"use strict";\n` +
    `const {${Object.keys(HELPERS).join(", ")}} = H;\n` +
    unit.consts.map((_, i) => `const K${i} = K[${i}];`).join("\n") +
    "\n" +
    unit.functions.join("\n") +
    "\n" +
    attach.join("\n") +
    `\nreturn ${topName};`;
  const code = new Function("H", "K", src)(HELPERS, unit.consts) as CodeFn;
  return { code, info: unit.infos[0], infos: unit.infos };
}

class UnitGen {
  readonly consts: unknown[] = [];
  private readonly constIndex = new Map<unknown, number>();
  readonly functions: string[] = [];
  readonly infos: CodeInfo[] = [];
  /** The procedures that have a direct version, and its JS name. */
  readonly directs: [CodeInfo, string][] = [];
  readonly analysis: Analysis;
  private simpleMemo = new Map<Core, boolean>();

  constructor(
    top: Lambda,
    readonly opts: CompileOptions,
  ) {
    this.analysis = analyze(top, opts.outer);
    if (opts.outer) this.analysis.free.set(top, opts.outer);
  }

  get stepping(): boolean {
    return !!this.opts.debug && !this.opts.library;
  }

  constant(v: unknown): number {
    let i = this.constIndex.get(v);
    if (i === undefined) {
      i = this.consts.length;
      this.consts.push(v);
      this.constIndex.set(v, i);
    }
    return i;
  }

  /** Compile a lambda; returns the JS name of its code function and its info. */
  lambda(
    l: Lambda,
    needCheck: Set<Var>,
    selfVar: Var | null,
    selfCell: GlobalCell | null,
  ): { name: string; info: CodeInfo } {
    const fn = new FnGen(this, l, needCheck, selfVar, selfCell);
    return { name: fn.generate(), info: fn.info };
  }

  /** True when n compiles to a JS expression: no Scheme call, no step point. */
  simple(n: Core): boolean {
    let s = this.simpleMemo.get(n);
    if (s === undefined) {
      s = this.computeSimple(n);
      this.simpleMemo.set(n, s);
    }
    return s;
  }

  private computeSimple(n: Core): boolean {
    if (this.stepping && hasStepPoint(n)) return false;
    switch (n.kind) {
      case "const":
      case "lref":
      case "gref":
      case "lambda":
      case "case-lambda":
        return true;
      case "lset":
      case "gset":
      case "gdef":
        return this.simple(n.value);
      case "if":
        return this.simple(n.test) && this.simple(n.then) && this.simple(n.else);
      case "seq":
        return n.body.every((b) => this.simple(b));
      case "call":
        return inlineRule(n) !== null && n.args.every((a) => this.simple(a));
      case "let":
      case "letrec":
        return n.inits.every((i) => this.simple(i)) && this.simple(n.body);
    }
  }

  /** True when l gets a direct version (see FnGen.generateDirect). */
  directable(l: Lambda): boolean {
    const { free, boxed } = this.analysis;
    if (this.opts.debug || this.opts.library || l.rest || (free.get(l) ?? []).length > 0)
      return false;
    if (l.params.length > MAX_DIRECT_ARGS || l.params.some((v) => boxed.has(v))) return false;
    return this.pure(l.body);
  }

  /** n has no effect but its value (or an error): running it twice is running it once. */
  private pure(n: Core): boolean {
    switch (n.kind) {
      case "const":
      case "gref":
        return true;
      case "lref":
        return !this.analysis.boxed.has(n.v);
      case "if":
        return this.pure(n.test) && this.pure(n.then) && this.pure(n.else);
      case "seq":
        return n.body.every((b) => this.pure(b));
      case "let":
        return (
          n.vars.every((v) => !this.analysis.boxed.has(v)) &&
          n.inits.every((i) => this.pure(i)) &&
          this.pure(n.body)
        );
      case "call": {
        if (!n.args.every((a) => this.pure(a))) return false;
        const rule = inlineRule(n);
        if (rule) return PURE_PRIMITIVES.has(rule.prim.name ?? "");
        // A global procedure: whether it has a direct version is checked at each call. An
        // imported one (a library's binding never changes) must have one already.
        if (n.fn.kind !== "gref") return false;
        const cell = n.fn.cell;
        return (
          !cell.immutable || (cell.value instanceof Closure && cell.value.info.direct !== null)
        );
      }
      default:
        return false;
    }
  }
}

function hasStepPoint(n: Core): boolean {
  if (!n.loc) return false;
  switch (n.kind) {
    case "call":
    case "if":
    case "lset":
    case "gset":
    case "gdef":
    case "let":
    case "letrec":
      return true;
    default:
      return false;
  }
}

interface Inlined {
  helper?: string;
  template?: string;
  prim: Primitive;
  fold: boolean;
  /** Any other known primitive: call its `fn` directly (primitives never call back into Scheme). */
  direct?: boolean;
  /** memv/memq/member on a constant list whose elements `===` decides: a chain of tests. */
  memConst?: unknown[];
}

/** Elements for which `eqv?`, `eq?` and `equal?` all agree with `===` (shared chars). */
function identityComparable(v: unknown): boolean {
  return (
    (typeof v === "number" && !Number.isNaN(v)) ||
    v instanceof Sym ||
    (v instanceof Char && v.code < 256) ||
    v === true ||
    v === false ||
    v === null
  );
}

/** The elements of a short constant proper list that `===` can search, or null. */
function memConstList(n: Core): unknown[] | null {
  if (n.kind !== "const") return null;
  const out: unknown[] = [];
  let l = n.value;
  while (l instanceof Pair) {
    if (!identityComparable(l.car) || out.length >= 32) return null;
    out.push(l.car);
    l = l.cdr;
  }
  return l === null ? out : null;
}

/** How to inline this call, or null when it is an ordinary call. */
function inlineRule(n: CallNode): Inlined | null {
  const fn = n.fn;
  if (fn.kind !== "gref" || !fn.cell.immutable || !(fn.cell.value instanceof Primitive))
    return null;
  const prim = fn.cell.value;
  const argc = n.args.length;
  const rule = INLINE_RULES[prim.name ?? ""];
  if (argc === 2 && (prim.name === "memv" || prim.name === "memq" || prim.name === "member")) {
    const elems = memConstList(n.args[1]);
    if (elems) return { prim, fold: false, memConst: elems };
  }
  if (rule && argc === rule.arity) return { ...rule, prim, fold: false };
  const foldable = prim.name === "+" || prim.name === "*" || prim.name === "-";
  if (rule && foldable && argc > 2) return { ...rule, prim, fold: true };
  const arityOk = argc >= prim.minArgs && (prim.maxArgs < 0 || argc <= prim.maxArgs);
  return arityOk ? { prim, fold: false, direct: true } : null;
}

function jsLiteral(v: unknown): string | null {
  if (v === true) return "true";
  if (v === false) return "false";
  if (v === null) return "null";
  if (typeof v === "number" && Number.isFinite(v) && !Object.is(v, -0)) return String(v);
  return null;
}

function jsIdent(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_$]/g, "_");
  return /^[0-9]/.test(s) ? "_" + s : s;
}

let functionCounter = 0;

const OPEN_CODED = new Set([
  "add",
  "sub",
  "mul",
  "div",
  "numEq",
  "lt",
  "le",
  "gt",
  "ge",
  "vectorRef",
  "vectorSet",
]);

/** How deep compiled procedures call each other on the JS stack before using the trampoline. */
const NEST_LIMIT = 40;
/** Procedures with more JS locals than this do not run their callees nested. */
const MAX_NESTED_LOCALS = 64;

/** Generates the code function of one lambda. */
class FnGen {
  readonly info: CodeInfo;
  private out: string[] = [];
  private nextLabel = 2;
  private depth: number;
  private maxDepth: number;
  private slots = new Map<Var, number>();
  private freeIdx = new Map<Var, number>();
  private scope: VarSlot[] = [];
  private sites: Site[] = [];
  private labelSite: number[] = [];
  private readonly free: Var[];
  /** Loop mode: variables held in JS locals (the function never leaves its main loop). */
  private locals: Map<Var, string> | null = null;
  private readonly isTop: boolean;
  private declared: string[] = [];
  /** Generating the direct version: JS locals only, no stack, no sites (see generateDirect). */
  private directMode = false;
  private directName = "";

  constructor(
    private unit: UnitGen,
    private l: Lambda,
    private needCheck: Set<Var>,
    private selfVar: Var | null,
    private selfCell: GlobalCell | null,
  ) {
    this.free = unit.analysis.free.get(l) ?? [];
    this.free.forEach((v, i) => {
      this.freeIdx.set(v, i);
      this.scope.push({ v, free: true, index: i, boxed: this.boxed(v) });
    });
    l.params.forEach((v, i) => this.bindSlot(v, i + 1));
    if (l.rest) this.bindSlot(l.rest, l.params.length + 1);
    this.depth = this.maxDepth = l.params.length + (l.rest ? 2 : 1);
    this.isTop = unit.infos.length === 0;
    this.info = new CodeInfo(l.name ?? (this.isTop ? "<top>" : "<lambda>"), 0);
    this.info.library = !!unit.opts.library;
    this.info.params = l.params.length;
    this.info.hasRest = l.rest !== null;
    unit.infos.push(this.info);
  }

  private boxed(v: Var): boolean {
    return this.unit.analysis.boxed.has(v);
  }

  private bindSlot(v: Var, i: number): void {
    this.slots.set(v, i);
    this.scope.push({ v, free: false, index: i, boxed: this.boxed(v) });
  }
  /** Bind a let/letrec variable to slot i, or to a JS local in loop mode; returns its place. */
  private bindVar(v: Var, i: number): string {
    if (this.locals) {
      const name = `v${v.id}`;
      this.locals.set(v, name);
      this.declared.push(name);
      this.scope.push({ v, free: false, index: i, boxed: this.boxed(v) });
      return name;
    }
    this.bindSlot(v, i);
    return `S[fp + ${i}]`;
  }
  private unbind(vars: Var[]): void {
    for (const v of vars) {
      this.slots.delete(v);
      this.locals?.delete(v);
    }
    this.scope.length -= vars.length;
  }

  private line(s: string): void {
    this.out.push(s);
  }
  private label(): number {
    return this.nextLabel++;
  }
  /** e, recording first where it is (in case it throws). */
  private at(loc: Loc | undefined, e: string): string {
    return this.directMode ? `(${e})` : `(L = ${this.site(loc)}, ${e})`;
  }
  private site(loc: Loc | undefined, step = false): number {
    if (this.directMode) return -1; // a direct run that fails runs again, with its sites
    this.sites.push({ loc: loc ?? null, scope: [...this.scope], step });
    return this.sites.length - 1;
  }
  private use(d: number): void {
    if (d > this.maxDepth) this.maxDepth = d;
  }
  private temp(): string {
    const t = `m${this.declared.length}`;
    this.declared.push(t);
    return t;
  }
  private k(v: unknown): string {
    return `K${this.unit.constant(v)}`;
  }

  generate(): string {
    const l = this.l;
    const n = l.params.length;
    this.line(`case 0:`);
    if (l.rest) {
      this.line(`if (x.argc < ${n}) x.arityFail(fp, ${n}, true);`);
      this.line(`S[fp + ${n + 1}] = x.restList(fp, ${n});`);
    } else {
      this.line(`if (x.argc !== ${n}) x.arityFail(fp, ${n}, false);`);
    }
    this.line(`case 1:`);
    const all = l.rest ? [...l.params, l.rest] : l.params;
    if (this.loopable()) {
      this.emitLoop();
    } else {
      this.line(`if (--x.ticks < 0 || fp > x.limit) { x.pc = 1; x.tick(); return; }`);
      all.forEach((v, i) => {
        if (this.boxed(v)) this.line(`S[fp + ${i + 1}] = new Box(S[fp + ${i + 1}]);`);
      });
      // The top level keeps its frame for its last call, so stack traces end with `<top>`.
      if (this.isTop) {
        this.emit(l.body, R);
        this.assign(RET, "r");
      } else this.emit(l.body, RET);
    }
    this.info.frameSize = this.maxDepth + 1;
    this.info.sites = this.sites;
    this.info.labelSite = this.labelSite;
    this.info.bp = new Uint8Array(this.sites.length);
    const name = `${jsIdent(this.info.name)}_${++functionCounter}`;
    const head =
      `const S = x.stack, fp = x.fp, n0 = x.nest` +
      (this.free.length ? `, F = S[fp].free` : "") +
      (this.unit.stepping ? `, B = S[fp].info.bp` : "") +
      `;\nlet r, f, q, L = -1` +
      this.declared.map((d) => `, ${d}`).join("") +
      `;`;
    // A procedure with many locals has a large JS frame: it never runs its callees nested.
    const nestLimit = this.declared.length > MAX_NESTED_LOCALS ? 0 : NEST_LIMIT;
    this.unit.functions.push(
      `const ${name} = function ${name}(x, pc) {\n${head}\ntry { for (;;) switch (pc) {\n` +
        this.out.join("\n").replaceAll("x.nest >= NEST_LIMIT", `x.nest >= ${nestLimit}`) +
        `\ndefault: throw new Error("bad pc " + pc);\n} } catch (e) { if (x.nest === n0) { x.fp = fp; x.site = L; } throw e; }\n};`,
    );
    if (this.unit.directable(l)) this.generateDirect(name);
    return name;
  }

  /**
   * The direct version (see DIRECT_BAIL): `name_direct(x, d, p1, …, pn)`, d = how deep direct
   * calls are nested. Tail calls to itself are a loop; other calls are JS calls.
   */
  private generateDirect(name: string): void {
    const params = this.l.params.map((_, i) => `p${i + 1}`);
    this.directName = `${name}_direct`;
    this.directMode = true;
    this.out = [];
    this.declared = [];
    this.locals = new Map(this.l.params.map((v, i) => [v, params[i]]));
    this.line(`if (d > ${DIRECT_DEPTH}) throw DIRECT_BAIL;`);
    this.line(`for (;;) {`);
    this.line(`if (--x.ticks < 0) throw TICKS_BAIL;`);
    this.directTail(this.l.body);
    this.line(`}`);
    const direct = this.directName;
    const locals = ["f", "q", ...this.declared].join(", ");
    this.unit.functions.push(
      `const ${direct} = function ${direct}(${["x", "d", ...params].join(", ")}) {\n` +
        `let ${locals};\n${this.out.join("\n")}\n};`,
    );
    this.unit.directs.push([this.info, direct]);
  }

  /** A test that the global `cell` still holds this procedure (it may have been redefined). */
  private stillSelf(cell: string): string {
    return `(f = ${cell}.value) instanceof Closure && f.info === ${this.k(this.info)}`;
  }

  /** Statements that return the value of n, in tail position of a direct version. */
  private directTail(n: Core): void {
    switch (n.kind) {
      case "if":
        this.line(`if (${this.value(n.test)} !== false) {`);
        this.directTail(n.then);
        this.line(`} else {`);
        this.directTail(n.else);
        this.line(`}`);
        return;
      case "seq":
        n.body.forEach((b, i) =>
          i === n.body.length - 1 ? this.directTail(b) : this.line(`${this.value(b)};`),
        );
        return;
      case "let": {
        const inits = n.inits.map((init) => this.value(init));
        n.vars.forEach((v, i) => this.line(`${this.bindVar(v, 0)} = ${inits[i]};`));
        this.directTail(n.body);
        this.unbind(n.vars);
        return;
      }
      case "call":
        if (!inlineRule(n) && this.isSelfCall(n) && n.fn.kind === "gref") {
          // A tail call to itself, while its global still holds it: a loop.
          const args = n.args.map((a) => this.value(a));
          const decls = args.map((a, i) => `a${i} = ${a}`);
          const moves = args.map((_, i) => `p${i + 1} = a${i};`).join(" ");
          const cell = this.k(n.fn.cell);
          this.line(
            `{ ${decls.length ? `const ${decls.join(", ")}; ` : ""}` +
              `if (${this.stillSelf(cell)}) { ${moves} continue; } ` +
              `return DC(${cell}, ${args.length})(${["x", "d + 1", ...args.map((_, i) => `a${i}`)].join(", ")}); }`,
          );
          return;
        }
        return this.line(`return ${this.value(n)};`);
      default:
        return this.line(`return ${this.value(n)};`);
    }
  }

  // ───────────── loop mode ─────────────
  //
  // A procedure whose body only calls Scheme procedures in tail position (everything else being
  // simple) and calls itself in a loop runs as one JS loop with its parameters and let-variables
  // in JS locals: no stack traffic (and no boxing of flonums into the stack array) per iteration.

  private loopable(): boolean {
    const l = this.l;
    if (this.unit.stepping || l.rest || l.params.some((v) => this.boxed(v))) return false;
    return this.tailOnly(l.body) && this.hasSelfTailCall(l.body);
  }

  /** Every call that is not simple is in tail position with simple operator and operands. */
  private tailOnly(n: Core): boolean {
    if (this.simple(n)) return true;
    switch (n.kind) {
      case "if":
        return this.simple(n.test) && this.tailOnly(n.then) && this.tailOnly(n.else);
      case "seq":
        return n.body.every((b, i) =>
          i === n.body.length - 1 ? this.tailOnly(b) : this.simple(b),
        );
      case "let":
      case "letrec":
        return n.inits.every((i) => this.simple(i)) && this.tailOnly(n.body);
      case "call":
        return this.simple(n.fn) && n.args.every((a) => this.simple(a));
      default:
        return false;
    }
  }

  private hasSelfTailCall(n: Core): boolean {
    switch (n.kind) {
      case "if":
        return this.hasSelfTailCall(n.then) || this.hasSelfTailCall(n.else);
      case "seq":
        return this.hasSelfTailCall(n.body[n.body.length - 1]);
      case "let":
      case "letrec":
        return this.hasSelfTailCall(n.body);
      case "call":
        return this.isSelfCall(n);
      default:
        return false;
    }
  }

  private emitLoop(): void {
    const params = this.l.params;
    this.locals = new Map(params.map((v, i) => [v, `p${i + 1}`]));
    const load = params.map((_, i) => `p${i + 1} = S[fp + ${i + 1}]`);
    const save = params.map((_, i) => `S[fp + ${i + 1}] = p${i + 1};`).join(" ");
    // The frame never moves while the loop runs: the stack limit needs checking on entry only.
    this.line(`if (fp > x.limit) { x.pc = 1; x.tick(); return; }`);
    this.line(`{ ${load.length ? `let ${load.join(", ")};` : ""} for (;;) {`);
    this.line(`if (--x.ticks < 0) { ${save} x.pc = 1; x.tick(); return; }`);
    this.loopTail(this.l.body);
    this.line(`} }`);
  }

  /** Statements for n in tail position of a loop-mode body. */
  private loopTail(n: Core): void {
    if (this.simple(n)) return this.assign(RET, this.value(n));
    switch (n.kind) {
      case "if":
        this.line(`if (${this.value(n.test)} !== false) {`);
        this.loopTail(n.then);
        this.line(`} else {`);
        this.loopTail(n.else);
        this.line(`}`);
        return;
      case "seq":
        n.body.forEach((b, i) =>
          i === n.body.length - 1 ? this.loopTail(b) : this.line(`${this.value(b)};`),
        );
        return;
      case "let": {
        const base = this.depth;
        const inits = n.inits.map((init, i) => {
          this.depth = base + i;
          return this.value(init);
        });
        this.depth = base;
        n.vars.forEach((v, i) => {
          const place = this.bindVar(v, base + i);
          this.line(`${place} = ${this.boxed(v) ? `new Box(${inits[i]})` : inits[i]};`);
        });
        this.loopTail(n.body);
        this.unbind(n.vars);
        return;
      }
      case "letrec": {
        n.vars.forEach((v, i) =>
          this.line(
            `${this.bindVar(v, this.depth + i)} = ${this.boxed(v) ? "new Box(UA)" : "UA"};`,
          ),
        );
        for (const v of n.vars) this.needCheck.add(v);
        n.inits.forEach((init, i) =>
          this.line(`${this.place(n.vars[i])} = ${this.initValue(init, n.vars[i])};`),
        );
        for (const v of n.vars) this.needCheck.delete(v);
        this.loopTail(n.body);
        this.unbind(n.vars);
        return;
      }
      case "call": {
        const fExpr = this.value(n.fn);
        const args = n.args.map((a) => this.value(a));
        this.use(this.depth + 3 + args.length);
        this.line(`L = ${this.site(n.loc)};`);
        return this.emitTailCall(n, fExpr, args, this.depth);
      }
      default:
        return this.assign(RET, this.value(n));
    }
  }

  // ───────────── variables ─────────────

  private raw(v: Var): string {
    const local = this.locals?.get(v);
    if (local !== undefined) return local;
    const s = this.slots.get(v);
    if (s !== undefined) return `S[fp + ${s}]`;
    const i = this.freeIdx.get(v);
    if (i !== undefined) return `F[${i}]`;
    throw new Error(`compiler: variable ${v.name} not in scope`);
  }
  private place(v: Var): string {
    return this.boxed(v) ? `${this.raw(v)}.v` : this.raw(v);
  }
  private ref(v: Var): string {
    const place = this.place(v);
    if (!this.needCheck.has(v)) return place;
    return `((q = ${place}) !== UA ? q : CHK(q, ${JSON.stringify(v.name)}))`;
  }
  private gref(cell: GlobalCell, loc?: Loc): string {
    if (cell.immutable && cell.value !== UNBOUND) return this.k(cell.value);
    const k = this.k(cell);
    // Only the failing path records where it is (so "unbound variable" names the reference).
    const fail = loc && !this.directMode ? `(L = ${this.site(loc)}, G(${k}))` : `G(${k})`;
    return `((q = ${k}.value) !== UB ? q : ${fail})`;
  }

  // ───────────── expressions ─────────────

  private simple(n: Core): boolean {
    return this.unit.simple(n);
  }

  /** The JS expression of a simple node. */
  private value(n: Core): string {
    switch (n.kind) {
      case "const":
        return jsLiteral(n.value) ?? this.k(n.value);
      case "lref":
        return this.ref(n.v);
      case "gref":
        return this.gref(n.cell, n.loc);
      case "lset":
        return `(${this.place(n.v)} = ${this.value(n.value)}, US)`;
      case "gset":
        return `GS(${this.k(n.cell)}, ${this.value(n.value)})`;
      case "gdef":
        return `GD(${this.k(n.cell)}, ${
          n.value.kind === "lambda" ? this.closure(n.value, null, n.cell) : this.value(n.value)
        })`;
      case "if":
        return `(${this.value(n.test)} !== false ? ${this.value(n.then)} : ${this.value(n.else)})`;
      case "seq":
        return `(${n.body.map((b) => this.value(b)).join(", ")})`;
      case "lambda":
        return this.closure(n, null, null);
      case "case-lambda":
        return this.caseClosure(n);
      case "call":
        if (this.directMode && !inlineRule(n)) {
          const cell = this.k((n.fn as Core & { kind: "gref" }).cell);
          const args = n.args.map((a) => this.value(a));
          const call = `(${["x", "d + 1", ...args].join(", ")})`;
          // A call to itself names its own function when the global still holds it: a call V8
          // can see the target of (and inline).
          if (this.isSelfCall(n))
            return `(${this.stillSelf(cell)} ? ${this.directName} : DC(${cell}, ${args.length}))${call}`;
          return `DC(${cell}, ${args.length})${call}`;
        }
        return this.inlineCall(
          n,
          n.args.map((a) => this.value(a)),
        );
      case "let":
        return this.letValue(n);
      case "letrec":
        return this.letrecValue(n);
    }
  }

  private letValue(n: Core & { kind: "let" }): string {
    const base = this.depth;
    const inits = n.inits.map((init, i) => {
      this.depth = base + i;
      const v = this.value(init);
      return this.boxed(n.vars[i]) ? `new Box(${v})` : v;
    });
    this.depth = base + n.vars.length;
    this.use(this.depth);
    const parts = n.vars.map((v, i) => `${this.bindVar(v, base + i)} = ${inits[i]}`);
    parts.push(this.value(n.body));
    this.unbind(n.vars);
    this.depth = base;
    return `(${parts.join(", ")})`;
  }

  private letrecValue(n: Core & { kind: "letrec" }): string {
    const base = this.depth;
    this.depth = base + n.vars.length;
    this.use(this.depth);
    const parts = n.vars.map(
      (v, i) => `${this.bindVar(v, base + i)} = ${this.boxed(v) ? "new Box(UA)" : "UA"}`,
    );
    for (const v of n.vars) this.needCheck.add(v);
    n.inits.forEach((init, i) => {
      parts.push(`${this.place(n.vars[i])} = ${this.initValue(init, n.vars[i])}`);
    });
    for (const v of n.vars) this.needCheck.delete(v);
    parts.push(this.value(n.body));
    this.unbind(n.vars);
    this.depth = base;
    return `(${parts.join(", ")})`;
  }

  /** A letrec init: a lambda knows it is bound to v (for self tail calls). */
  private initValue(init: Core, v: Var): string {
    return init.kind === "lambda" && !this.unit.analysis.assigned.has(v)
      ? this.closure(init, v, null)
      : this.value(init);
  }

  private closure(l: Lambda, selfVar: Var | null, selfCell: GlobalCell | null): string {
    const { name, info } = this.unit.lambda(l, new Set(this.needCheck), selfVar, selfCell);
    const free = (this.unit.analysis.free.get(l) ?? []).map((v) => this.raw(v));
    return `new Closure(${name}, ${this.k(info)}, [${free.join(", ")}])`;
  }

  private caseClosure(n: Core & { kind: "case-lambda" }): string {
    const clauses = n.clauses.map((c) =>
      this.closure(c.name === null && n.name ? { ...c, name: n.name } : c, null, null),
    );
    const info = new CodeInfo(n.name ?? "<case-lambda>", 4);
    return `new Closure(CASE, ${this.k(info)}, [${clauses.join(", ")}])`;
  }

  private inlineCall(n: CallNode, args: string[]): string {
    const rule = inlineRule(n)!;
    if (rule.memConst) {
      const t = "q";
      let tail = (n.args[1] as Core & { kind: "const" }).value as Pair;
      let e = "false";
      const tests = rule.memConst.map((c) => {
        const test = `${t} === ${jsLiteral(c) ?? this.k(c)} ? ${this.k(tail)}`;
        tail = tail.cdr as Pair;
        return test;
      });
      for (let i = tests.length - 1; i >= 0; i--) e = `${tests[i]} : ${e}`;
      return `(${t} = ${args[0]}, ${e})`;
    }
    if (rule.direct) return this.at(n.loc, `${this.k(rule.prim)}.fn(${args.join(", ")})`);
    if (rule.template) return rule.template.replace(/\$(\d)/g, (_, i: string) => args[+i]);
    const p = this.k(rule.prim);
    if (!rule.fold && rule.helper && OPEN_CODED.has(rule.helper))
      return this.openCode(rule.helper, args, p, this.site(n.loc));
    let e: string;
    if (rule.fold) {
      e = args[0];
      for (let i = 1; i < args.length; i++) e = `${rule.helper}(${e}, ${args[i]}, ${p})`;
    } else e = `${rule.helper}(${args.join(", ")}, ${p})`;
    return this.at(n.loc, e);
  }

  /**
   * Arithmetic and comparisons written out in the procedure's code: type tests and the JS
   * operation, the helper (or the primitive) only for the other cases. Unoptimized JS (before V8's
   * optimizing compiler has caught up with a fresh procedure) then makes no call for the common
   * cases. Operands are evaluated once, in order, before the error site is recorded.
   */
  private openCode(helper: string, args: string[], p: string, site: number): string {
    const pre: string[] = [];
    const [a, b, c] = args.map((e) => {
      if (/^(-?\d+(\.\d+)?|[pvm]\d+|K\d+|r)$/.test(e)) return e;
      const t = this.temp();
      pre.push(`${t} = ${e}`);
      return t;
    });
    if (!this.directMode) pre.push(`L = ${site}`);
    const isNum = (e: string) => /^-?\d/.test(e);
    const isInt32 = (e: string) => /^-?\d+$/.test(e) && Math.abs(+e) < 2 ** 30;
    const numbers = [a, b]
      .filter((e) => !isNum(e))
      .map((e) => `typeof ${e} === "number"`)
      .join(" && ");
    const both = numbers || "true";
    const index = (v: string, i: string) =>
      `Array.isArray(${v}) && ${isInt32(i) && +i >= 0 ? "" : `typeof ${i} === "number" && ${i} >>> 0 === ${i} && `}${i} < ${v}.length`;
    const int32 = [a, b]
      .filter((e) => !isInt32(e))
      .map((e) => `(${e} | 0) === ${e}`)
      .join(" && ");
    let e: string;
    switch (helper) {
      case "add":
      case "sub": {
        const op = helper === "add" ? "+" : "-";
        const fast = `${a} ${op} ${b}`;
        // Two int32s give a safe integer; a non-integral result is a flonum.
        e =
          `${both} && (${int32 || "true"} || !Number.isInteger(${fast})) ` +
          `? ${fast} : ${helper}(${a}, ${b}, ${p})`;
        break;
      }
      case "mul": {
        const t = "q";
        // An exact product is a safe integer when its magnitude is (no -0 for exact zero);
        // a non-integral product is a flonum.
        e =
          `${both} && (${t} = ${a} * ${b}, ${int32 || "true"} ? ` +
          `${t} <= 9007199254740991 && ${t} >= -9007199254740991 : !Number.isInteger(${t})) ` +
          `? ${t} + 0 : mul(${a}, ${b}, ${p})`;
        break;
      }
      case "div": {
        const t = "q";
        // Unless both are exact integers (an exact quotient), a non-integral quotient is a flonum.
        e =
          `${both} && !Number.isInteger(${a} * ${b}) && !Number.isInteger(${t} = ${a} / ${b}) ` +
          `? ${t} : div(${a}, ${b}, ${p})`;
        break;
      }
      case "vectorRef":
        e = `${index(a, b)} ? ${a}[${b}] : ${p}.fn(${a}, ${b})`;
        break;
      case "vectorSet":
        e = `${index(a, b)} ? (${a}[${b}] = ${c}, US) : ${p}.fn(${a}, ${b}, ${c})`;
        break;
      default: {
        const op = { numEq: "===", lt: "<", le: "<=", gt: ">", ge: ">=" }[helper];
        e = `${both} ? ${a} ${op} ${b} : ${p}.fn(${a}, ${b})`;
      }
    }
    return pre.length ? `(${pre.join(", ")}, ${e})` : `(${e})`;
  }

  // ───────────── statements ─────────────

  private assign(dest: Dest, e: string): void {
    switch (dest.k) {
      case "ret":
        return this.line(`x.val = ${e}; x.pc = S[fp - 2]; x.fp = S[fp - 1]; return;`);
      case "slot":
        return this.line(`S[fp + ${dest.i}] = ${e};`);
      case "r":
        return this.line(`r = ${e};`);
      case "drop":
        return this.line(`${e};`);
    }
  }

  private stepPoint(n: Core): void {
    if (!this.unit.stepping || !hasStepPoint(n)) return;
    const s = this.site(n.loc, true);
    const resume = this.label();
    this.line(
      `L = ${s}; if ((x.dbg !== 0 || B[${s}] !== 0) && x.atStep(fp, ${s})) { x.pc = ${resume}; return; }`,
    );
    this.line(`case ${resume}:`);
  }

  /** Compile n so that its value ends up in dest. */
  private emit(n: Core, dest: Dest): void {
    if (this.simple(n)) return this.assign(dest, this.value(n));
    this.stepPoint(n);
    switch (n.kind) {
      case "lset":
        this.emit(n.value, R);
        this.line(`${this.place(n.v)} = r;`);
        return this.assign(dest, "US");
      case "gset":
        this.emit(n.value, R);
        return this.assign(dest, `GS(${this.k(n.cell)}, r)`);
      case "gdef":
        if (n.value.kind === "lambda") this.line(`r = ${this.closure(n.value, null, n.cell)};`);
        else this.emit(n.value, R);
        return this.assign(dest, `GD(${this.k(n.cell)}, r)`);
      case "if":
        return this.emitIf(n, dest);
      case "seq":
        n.body.forEach((b, i) => this.emit(b, i === n.body.length - 1 ? dest : DROP));
        return;
      case "let":
        return this.emitLet(n, dest);
      case "letrec":
        return this.emitLetrec(n, dest);
      case "call":
        return inlineRule(n) ? this.emitInline(n, dest) : this.emitCall(n, dest);
      default:
        return this.assign(dest, this.value(n));
    }
  }

  private emitIf(n: Core & { kind: "if" }, dest: Dest): void {
    const elseLabel = this.label();
    const endLabel = this.label();
    if (this.simple(n.test)) {
      this.line(`if (${this.value(n.test)} === false) { pc = ${elseLabel}; continue; }`);
    } else {
      this.emit(n.test, R);
      this.line(`if (r === false) { pc = ${elseLabel}; continue; }`);
    }
    this.emit(n.then, dest);
    this.line(`pc = ${endLabel}; continue;`);
    this.line(`case ${elseLabel}:`);
    this.emit(n.else, dest);
    this.line(`case ${endLabel}:`);
  }

  private emitLet(n: Core & { kind: "let" }, dest: Dest): void {
    const base = this.depth;
    n.inits.forEach((init, i) => {
      this.depth = base + i;
      this.use(this.depth + 1);
      this.emit(init, slot(base + i));
    });
    this.depth = base + n.vars.length;
    this.use(this.depth);
    n.vars.forEach((v, i) => {
      if (this.boxed(v)) this.line(`S[fp + ${base + i}] = new Box(S[fp + ${base + i}]);`);
      this.bindSlot(v, base + i);
    });
    this.emit(n.body, dest);
    this.unbind(n.vars);
    this.depth = base;
  }

  private emitLetrec(n: Core & { kind: "letrec" }, dest: Dest): void {
    const base = this.depth;
    this.depth = base + n.vars.length;
    this.use(this.depth);
    n.vars.forEach((v, i) => {
      this.line(`S[fp + ${base + i}] = ${this.boxed(v) ? "new Box(UA)" : "UA"};`);
      this.bindSlot(v, base + i);
    });
    for (const v of n.vars) this.needCheck.add(v);
    n.inits.forEach((init, i) => {
      const v = n.vars[i];
      if (this.simple(init)) {
        this.line(`${this.place(v)} = ${this.initValue(init, v)};`);
      } else {
        this.emit(init, R);
        this.line(`${this.place(v)} = r;`);
      }
    });
    for (const v of n.vars) this.needCheck.delete(v);
    this.emit(n.body, dest);
    this.unbind(n.vars);
    this.depth = base;
  }

  /** An inlined primitive whose arguments include calls: arguments go to slots first. */
  private emitInline(n: CallNode, dest: Dest): void {
    const base = this.depth;
    const lastComplex = n.args.findLastIndex((a) => !this.simple(a));
    const args = n.args.map((a, i) => {
      if (i > lastComplex || this.stable(a)) return this.value(a);
      this.depth = base + i;
      this.use(this.depth + 1);
      if (i === lastComplex) {
        // The last call's result is used at once: no need to save it in a slot.
        this.emit(a, R);
        return "r";
      }
      this.emit(a, slot(base + i));
      return `S[fp + ${base + i}]`;
    });
    this.depth = base;
    this.assign(dest, this.inlineCall(n, args));
  }

  /** Evaluating a stable node later gives the same value: no need to save it across calls. */
  private stable(n: Core): boolean {
    return (
      n.kind === "const" ||
      (n.kind === "lref" && !this.boxed(n.v) && !this.needCheck.has(n.v)) ||
      (n.kind === "gref" && n.cell.immutable && n.cell.value !== UNBOUND)
    );
  }

  private isSelfCall(n: CallNode): boolean {
    const fn = n.fn;
    const l = this.l;
    if (l.rest || n.args.length !== l.params.length) return false;
    if (fn.kind === "lref") return fn.v === this.selfVar;
    return fn.kind === "gref" && fn.cell === this.selfCell && !fn.cell.immutable;
  }

  private emitCall(n: CallNode, dest: Dest): void {
    const argc = n.args.length;
    const base = this.depth;
    this.use(base + 3 + argc);
    let fExpr: string;
    let argExprs: string[];
    if (this.simple(n.fn) && n.args.every((a) => this.simple(a))) {
      fExpr = this.value(n.fn);
      argExprs = n.args.map((a) => this.value(a));
    } else {
      this.depth = base + 2;
      this.emit(n.fn, slot(base + 2));
      n.args.forEach((a, i) => {
        this.depth = base + 3 + i;
        this.emit(a, slot(base + 3 + i));
      });
      this.depth = base;
      fExpr = `S[fp + ${base + 2}]`;
      argExprs = n.args.map((_, i) => `S[fp + ${base + 3 + i}]`);
    }
    const s = this.site(n.loc);
    this.line(`L = ${s};`);
    if (dest === RET) return this.emitTailCall(n, fExpr, argExprs, base);
    const resume = this.label();
    this.labelSite[resume] = s;
    const at = `fp + ${base}`;
    this.line(`f = ${fExpr};`);
    argExprs.forEach((a, i) => {
      if (a !== `S[fp + ${base + 3 + i}]`) this.line(`S[${at} + ${3 + i}] = ${a};`);
    });
    this.line(`S[${at}] = ${resume}; S[${at} + 1] = fp;`);
    // A procedure with a direct version runs it first (see DIRECT_BAIL); if that gives up, the
    // call runs the ordinary way.
    if (argc <= MAX_DIRECT_ARGS && !this.unit.opts.library) {
      const args = ["x", "0", ...argExprs.map((_, i) => `S[${at} + ${3 + i}]`)].join(", ");
      this.line(
        `if (f instanceof Closure && (q = f.info.direct) !== null && f.info.params === ${argc}) ` +
          `try { x.val = q(${args}); pc = ${resume}; continue; } catch (e) { DFAIL(f, e); }`,
      );
    }
    // A closure is entered by calling its code right here (on the JS stack, up to NEST_LIMIT
    // deep): when it returns to this frame, we go on at once; when it leaves for anywhere else
    // (a call of its own out of depth, a tail call, a yield, a pause, a continuation), the
    // trampoline takes over from there.
    this.line(
      `if (f instanceof Closure) { S[${at} + 2] = f; x.fp = ${at} + 2; x.argc = ${argc}; ` +
        `if (x.nest >= NEST_LIMIT) { x.pc = 0; return; } ` +
        `++x.nest; f.code(x, 0); --x.nest; ` +
        `if (x.fp !== fp || x.pc !== ${resume} || x.stack !== S || x.stop !== 0) return; }`,
    );
    this.line(`else x.val = x.applyPrimitive(f, ${at} + 3, ${argc});`);
    this.line(`case ${resume}:`);
    this.assign(dest, "x.val");
  }

  /** Replace this frame by the callee's; a call to this very procedure is a jump. */
  private emitTailCall(n: CallNode, fExpr: string, argExprs: string[], base: number): void {
    const argc = argExprs.length;
    const decls = argExprs.map((a, i) => `a${i} = ${a}`);
    const moves = argExprs.map((_, i) => `S[fp + ${i + 1}] = a${i};`).join(" ");
    const jump = this.locals
      ? `${argExprs.map((_, i) => `p${i + 1} = a${i};`).join(" ")} continue;`
      : `${moves} pc = 1; continue;`;
    const self = this.isSelfCall(n);
    if (self && n.fn.kind === "lref") {
      this.line(decls.length ? `{ const ${decls.join(", ")}; ${jump} }` : `{ ${jump} }`);
      return;
    }
    // A primitive gets its arguments above this frame, which stays intact for error traces.
    const at = base + 3;
    const primArgs = argExprs
      .map((a, i) => (a === `S[fp + ${at + i}]` ? "" : `S[fp + ${at + i}] = a${i};`))
      .join(" ");
    this.line(
      `{ const ${[`fn = ${fExpr}`, ...decls].join(", ")}; ` +
        (self ? `if (fn === S[fp]) { ${jump} } ` : "") +
        `if (fn instanceof Closure) { S[fp] = fn; ${moves} x.argc = ${argc}; x.pc = 0; return; } ` +
        `${primArgs} x.val = x.applyPrimitive(fn, fp + ${at}, ${argc}); x.pc = S[fp - 2]; x.fp = S[fp - 1]; return; }`,
    );
  }
}
