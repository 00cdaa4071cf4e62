// inspect.ts — read-only views of each stage of the pipeline (reader → expander → compiler), for
// the course's interpreter inspector and anyone who wants to see what the system made of their
// code: the datum tree with its source locations, the expanded Core as text, the compiler's
// closure analysis and the JavaScript it generated. It changes nothing in the interpreter's
// modules; like interpreter.ts it imports nothing from Node, so a web page can bundle it.
import { analyze } from "./compiler/analyze.ts";
import type { Core, Lambda, Var } from "./core.ts";
import type { Environment } from "./expander/index.ts";
import type { Interpreter } from "./interpreter.ts";
import { writeString } from "./printer.ts";
import { readAll } from "./reader/reader.ts";
import { carLocs, formLocs } from "./source-locs.ts";
import { SchemeError } from "./errors.ts";
import { Pair, Sym, UNSPECIFIED, type Loc } from "./values.ts";
import { Closure } from "./vm/index.ts";

// ---- reader: datums with their source locations ----

/** One datum as the reader produced it, with where it came from. */
export interface DatumNode {
  /** "list", "dotted-list", "vector" or the atom's type ("symbol", "number", "string", …) */
  kind: string;
  /** the written form of an atom; for lists and vectors, their written form too */
  text: string;
  /** the source range the reader recorded (null for parts that have none, like a dotted tail) */
  loc: Loc | null;
  children: DatumNode[];
}

/** Read `source` and return each top-level datum as a tree carrying the reader's locations. */
export function readTree(source: string, file = "<inspect>"): DatumNode[] {
  return readAll(source, file).map(({ datum, loc }) => datumNode(datum, loc));
}

function datumNode(datum: unknown, loc: Loc | null): DatumNode {
  const text = writeString(datum);
  if (datum instanceof Pair) {
    const children: DatumNode[] = [];
    let p: unknown = datum;
    for (; p instanceof Pair; p = p.cdr) children.push(datumNode(p.car, carLocs.get(p) ?? null));
    const dotted = p !== null;
    if (dotted) children.push(datumNode(p, null));
    return {
      kind: dotted ? "dotted-list" : "list",
      text,
      loc: formLocs.get(datum) ?? loc,
      children,
    };
  }
  if (Array.isArray(datum)) {
    // vector elements have no location of their own; the vector's range is recorded
    const children = datum.map((d) => datumNode(d, null));
    return { kind: "vector", text, loc: formLocs.get(datum) ?? loc, children };
  }
  return { kind: atomKind(datum), text, loc, children: [] };
}

function atomKind(x: unknown): string {
  if (x instanceof Sym) return "symbol";
  if (x === null) return "empty list";
  if (typeof x === "boolean") return "boolean";
  if (typeof x === "number" || typeof x === "bigint") return "number";
  const name = (x as { constructor?: { name?: string } })?.constructor?.name ?? typeof x;
  switch (name) {
    case "MString":
      return "string";
    case "Char":
      return "character";
    case "Flonum":
    case "Ratnum":
    case "Complex":
      return "number";
    default:
      return name.toLowerCase();
  }
}

// ---- expander: Core as text ----

/** The facade keeps the REPL environment private; the inspector expands in it like `run` does. */
interface InterpreterInternals {
  replEnv: Environment;
}

/** One top-level form after macro expansion. */
export interface ExpandedForm {
  /** the form as read */
  source: string;
  /** its Core, printed as an S-expression (see coreToText) */
  core: string;
  /** the Core itself */
  tree: Core;
}

/**
 * Expand each top-level form of `source`, in order, in the interpreter's REPL environment (so a
 * `define-syntax` applies to the forms after it). Nothing is run. Expanding a `define-syntax`
 * defines the macro in that environment; use a fresh interpreter to leave no trace.
 */
export function expandForms(
  scheme: Interpreter,
  source: string,
  file = "<inspect>",
): ExpandedForm[] {
  const env = (scheme as unknown as InterpreterInternals).replEnv;
  return readAll(source, file).map(({ datum, loc }) => {
    const tree = scheme.expander.expandTopLevel(datum, env, loc);
    const isMacroDefinition =
      datum instanceof Pair && datum.car === Sym.intern("define-syntax") && tree.kind === "const";
    const core = isMacroDefinition
      ? `;; ${writeString((datum.cdr as Pair).car)}: a macro, kept by the expander; it leaves no code`
      : coreToText(tree);
    return { source: writeString(datum), core, tree };
  });
}

/** A Core node as a document for the pretty printer: an atom, or a parenthesized group. */
type Doc = string | { head: string; items: Doc[]; hang?: number };

/**
 * Core printed as Scheme-like text: the 13 node kinds become `quote`, variables, `set!`,
 * `define`, `if`, `begin`, `lambda`, `case-lambda`, applications, `let` and `letrec*`. Lexical
 * variables that share a name are told apart by a suffix (`tmp.1`, `tmp.2`): hygiene made visible.
 */
export function coreToText(core: Core, width = 72): string {
  const names = lexicalNames(core);
  const v = (x: Var) => names.get(x) ?? x.name;
  const params = (l: Lambda): string => {
    const ps = l.params.map(v).join(" ");
    if (!l.rest) return `(${ps})`;
    return l.params.length === 0 ? v(l.rest) : `(${ps} . ${v(l.rest)})`;
  };
  const bindings = (vars: Var[], inits: Core[]): Doc => ({
    head: "",
    items: vars.map((x, i) => ({ head: v(x), items: [doc(inits[i])] })),
  });
  function doc(n: Core): Doc {
    switch (n.kind) {
      case "const":
        return n.value instanceof Sym || n.value instanceof Pair || n.value === null
          ? `'${writeString(n.value)}`
          : n.value === UNSPECIFIED
            ? "#<unspecified>"
            : writeString(n.value);
      case "lref":
        return v(n.v);
      case "gref":
        return n.cell.name;
      case "lset":
        return { head: "set!", items: [v(n.v), doc(n.value)] };
      case "gset":
        return { head: "set!", items: [n.cell.name, doc(n.value)] };
      case "gdef":
        return { head: "define", items: [n.cell.name, doc(n.value)], hang: 1 };
      case "if": {
        const noElse = n.else.kind === "const" && n.else.value === UNSPECIFIED;
        return {
          head: "if",
          items: noElse ? [doc(n.test), doc(n.then)] : [doc(n.test), doc(n.then), doc(n.else)],
        };
      }
      case "seq":
        return { head: "begin", items: n.body.map(doc), hang: 0 };
      case "lambda":
        return { head: "lambda", items: [params(n), doc(n.body)], hang: 1 };
      case "case-lambda":
        return {
          head: "case-lambda",
          items: n.clauses.map((c) => ({ head: params(c), items: [doc(c.body)], hang: 0 })),
          hang: 0,
        };
      case "call": {
        const fn = doc(n.fn);
        return typeof fn === "string"
          ? { head: fn, items: n.args.map(doc) }
          : { head: "", items: [fn, ...n.args.map(doc)] };
      }
      case "let":
        return { head: "let", items: [bindings(n.vars, n.inits), doc(n.body)], hang: 1 };
      case "letrec":
        return { head: "letrec*", items: [bindings(n.vars, n.inits), doc(n.body)], hang: 1 };
    }
  }
  return render(doc(core), 0, width);
}

/** Print-names for the lexical variables of a tree: the plain name where it is unique, else
 *  name.1, name.2, … in order of first appearance. */
function lexicalNames(core: Core): Map<Var, string> {
  const order: Var[] = [];
  const seen = new Set<Var>();
  const note = (x: Var | null) => {
    if (x && !seen.has(x)) {
      seen.add(x);
      order.push(x);
    }
  };
  const walk = (n: Core): void => {
    switch (n.kind) {
      case "lref":
        return note(n.v);
      case "lset":
        note(n.v);
        return walk(n.value);
      case "gset":
      case "gdef":
        return walk(n.value);
      case "if":
        walk(n.test);
        walk(n.then);
        return walk(n.else);
      case "seq":
        return n.body.forEach(walk);
      case "lambda":
        n.params.forEach(note);
        note(n.rest);
        return walk(n.body);
      case "case-lambda":
        return n.clauses.forEach(walk);
      case "call":
        walk(n.fn);
        return n.args.forEach(walk);
      case "let":
      case "letrec":
        n.vars.forEach(note);
        n.inits.forEach(walk);
        return walk(n.body);
      default:
        return;
    }
  };
  walk(core);
  const total = new Map<string, number>();
  for (const x of order) total.set(x.name, (total.get(x.name) ?? 0) + 1);
  const counter = new Map<string, number>();
  const names = new Map<Var, string>();
  for (const x of order) {
    if (total.get(x.name) === 1) names.set(x, x.name);
    else {
      const k = (counter.get(x.name) ?? 0) + 1;
      counter.set(x.name, k);
      names.set(x, `${x.name}.${k}`);
    }
  }
  return names;
}

function flat(d: Doc): string {
  if (typeof d === "string") return d;
  const parts = d.items.map(flat);
  return `(${[d.head, ...parts].filter((s) => s !== "").join(" ")})`;
}

/** Lisp-style layout: flat when it fits; else the first `hang` items stay on the head's line and
 *  the rest go one per line, indented by two (a call with no hang aligns under its first item). */
function render(d: Doc, indent: number, width: number): string {
  const oneLine = flat(d);
  if (typeof d === "string" || indent + oneLine.length <= width) return oneLine;
  const hang = d.hang ?? 1;
  const head = d.head === "" ? "(" : `(${d.head} `;
  const firsts = d.items.slice(0, hang);
  const rest = d.items.slice(hang);
  const inner = indent + (d.head === "" ? 1 : 2);
  let text = head === "(" ? "(" : head;
  let column = indent + text.length;
  firsts.forEach((item, i) => {
    const part = render(item, column, width);
    text += (i > 0 ? " " : "") + part;
    column += part.length + 1;
  });
  if (firsts.length === 0 && head !== "(") text = text.trimEnd();
  rest.forEach((item, i) => {
    const first = firsts.length === 0 && i === 0 && head === "(";
    text += (first ? "" : "\n" + " ".repeat(inner)) + render(item, inner, width);
  });
  return text + ")";
}

// ---- compiler: closure analysis and generated code ----

/** What the compiler made of one procedure. */
export interface CompiledProcedure {
  /** the procedure's name (or "<anonymous>") */
  name: string;
  /** slots its frame takes on the VM's stack: the closure, arguments, locals and temporaries */
  frameSize: number;
  /** per lambda of the form (outermost first): its parameters, free variables and boxed ones */
  lambdas: { name: string; params: string[]; free: string[]; boxed: string[] }[];
  /** the generated JavaScript of the procedure itself (nested lambdas are functions of their own) */
  javascript: string;
}

/** Steps a form may run while the inspector compiles the code before it (a runaway loop must
 *  not freeze a page): about a second of work. */
const RUN_BUDGET = 20_000_000;

/**
 * Compile and run `source` form by form in `scheme` (normally a fresh interpreter), then describe
 * the procedure its last procedure definition defines (`(define (f …) …)` or
 * `(define f (lambda …))`) or, when there is none, the procedure `(lambda () last-form)`.
 */
export function compiledProcedure(
  scheme: Interpreter,
  source: string,
  file = "<inspect>",
): CompiledProcedure {
  const forms = readAll(source, file);
  if (forms.length === 0) throw new Error("nothing to compile");
  let chosen = -1;
  forms.forEach(({ datum }, i) => {
    if (definedProcedureName(datum)) chosen = i;
  });
  const definedName = chosen >= 0 ? definedProcedureName(forms[chosen].datum) : null;
  const env = (scheme as unknown as InterpreterInternals).replEnv;
  const run = (core: Core): unknown => {
    const r = scheme.vm.start(scheme.vm.compile(core)).run(RUN_BUDGET);
    if (r.state === "done") return r.value;
    if (r.state === "error") throw new SchemeError(r.payload);
    throw new Error(`the code ran for more than ${RUN_BUDGET.toLocaleString("en")} steps`);
  };
  let core: Core | null = null;
  forms.forEach(({ datum, loc }, i) => {
    const expanded = scheme.expander.expandTopLevel(datum, env, loc);
    if (i === chosen) core = expanded;
    run(expanded);
  });
  let procedure: unknown;
  if (definedName) {
    procedure = run(scheme.expander.expandTopLevel(Sym.intern(definedName), env));
  } else {
    const last = forms[forms.length - 1];
    const thunk = new Pair(Sym.intern("lambda"), new Pair(null, new Pair(last.datum, null)));
    core = scheme.expander.expandTopLevel(thunk, env, last.loc);
    procedure = run(core);
  }
  if (!(procedure instanceof Closure))
    throw new Error(`${definedName ?? "the form"} is not a compiled procedure`);
  const lambda = outermostLambda(core!);
  const lambdas: CompiledProcedure["lambdas"] = [];
  if (lambda) {
    const names = lexicalNames(lambda);
    const v = (x: Var) => names.get(x) ?? x.name;
    const analysis = analyze(lambda);
    for (const [l, free] of analysis.free) {
      const own = [...l.params, ...(l.rest ? [l.rest] : [])];
      lambdas.push({
        name: l.name ?? "<anonymous>",
        params: own.map(v),
        free: free.map(v),
        boxed: boundIn(l)
          .filter((x) => analysis.boxed.has(x))
          .map(v),
      });
    }
  }
  return {
    name: procedure.info.name || "<anonymous>",
    frameSize: procedure.info.frameSize,
    lambdas,
    javascript: procedure.code.toString(),
  };
}

/** `f` for `(define (f …) …)` and `(define f (lambda …))`, else null. */
function definedProcedureName(datum: unknown): string | null {
  if (!(datum instanceof Pair) || datum.car !== Sym.intern("define")) return null;
  const target = (datum.cdr as Pair | null)?.car;
  if (target instanceof Pair && target.car instanceof Sym) return target.car.name;
  const value = ((datum.cdr as Pair | null)?.cdr as Pair | null)?.car;
  if (target instanceof Sym && value instanceof Pair && value.car === Sym.intern("lambda"))
    return target.name;
  return null;
}

/** The lambda a definition binds, or the form itself when it is a lambda. */
function outermostLambda(core: Core): Lambda | null {
  if (core.kind === "lambda") return core;
  if (core.kind === "gdef" && core.value.kind === "lambda") return core.value;
  return null;
}

/** The variables a lambda binds itself: parameters and the let/letrec variables of its body
 *  (not those of nested lambdas). */
function boundIn(l: Lambda): Var[] {
  const out: Var[] = [...l.params, ...(l.rest ? [l.rest] : [])];
  const walk = (n: Core): void => {
    switch (n.kind) {
      case "let":
      case "letrec":
        out.push(...n.vars);
        n.inits.forEach(walk);
        return walk(n.body);
      case "lset":
      case "gset":
      case "gdef":
        return walk(n.value);
      case "if":
        walk(n.test);
        walk(n.then);
        return walk(n.else);
      case "seq":
        return n.body.forEach(walk);
      case "call":
        walk(n.fn);
        return n.args.forEach(walk);
      default:
        return; // a nested lambda binds its own
    }
  };
  walk(l.body);
  return out;
}
