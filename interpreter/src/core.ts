// The core language: what the expander produces and the compiler consumes. Every derived form
// (let*, do, cond, case, guard, named let, quasiquote, define-record-type...) is gone by now;
// every variable is resolved, either to a lexical `Var` (unique object per binding, so hygiene
// is already settled) or to a `GlobalCell` (a top-level or library binding).
import type { Loc } from "./values.ts";

/** A lexical variable. One object per binding occurrence; `name` is only for debuggers and errors. */
export class Var {
  private static counter = 0;
  readonly id = ++Var.counter;
  constructor(readonly name: string) {}
}

/** Marks a global cell whose variable has never been defined. */
export const UNBOUND: unique symbol = Symbol("unbound");

/**
 * A top-level or library variable. Compiled code holds the cell itself, so lookups are one field
 * read. `immutable` cells (imported library bindings, which R7RS forbids assigning) let the
 * compiler inline known primitives such as `+` and `vector-ref`.
 */
export class GlobalCell {
  value: unknown = UNBOUND;
  constructor(
    readonly name: string,
    public immutable = false,
  ) {}
}

interface Node {
  /** Source range of the form this node came from (for steps, breakpoints and stack traces). */
  loc?: Loc;
}
export interface Const extends Node {
  kind: "const";
  value: unknown;
}
export interface LocalRef extends Node {
  kind: "lref";
  v: Var;
}
export interface GlobalRef extends Node {
  kind: "gref";
  cell: GlobalCell;
}
export interface LocalSet extends Node {
  kind: "lset";
  v: Var;
  value: Core;
}
export interface GlobalSet extends Node {
  kind: "gset";
  cell: GlobalCell;
  value: Core;
}
/** Top-level `define`: binds the cell (allowed to redefine) and returns the symbol's name. */
export interface GlobalDefine extends Node {
  kind: "gdef";
  cell: GlobalCell;
  value: Core;
}
export interface If extends Node {
  kind: "if";
  test: Core;
  then: Core;
  /** A `const` UNSPECIFIED when the source had no else branch. */
  else: Core;
}
/** Evaluate in order, value of the last; never empty. */
export interface Seq extends Node {
  kind: "seq";
  body: Core[];
}
export interface Lambda extends Node {
  kind: "lambda";
  params: Var[];
  /** The rest parameter of `(lambda (a b . rest) ...)` or `(lambda args ...)`. */
  rest: Var | null;
  body: Core;
  /** The name it was defined under, when the expander knows one (define, let-bound, named let). */
  name: string | null;
}
/** `case-lambda`: the first clause whose arity matches the call runs. */
export interface CaseLambda extends Node {
  kind: "case-lambda";
  clauses: Lambda[];
  name: string | null;
}
export interface Call extends Node {
  kind: "call";
  fn: Core;
  args: Core[];
}
/** Parallel binding: inits are evaluated (in any order) outside the scope of vars. */
export interface Let extends Node {
  kind: "let";
  vars: Var[];
  inits: Core[];
  body: Core;
}
/** letrec* semantics: inits evaluated left to right, each in the scope of all vars. Internal
 *  definitions of a body become one of these. */
export interface Letrec extends Node {
  kind: "letrec";
  vars: Var[];
  inits: Core[];
  body: Core;
}

export type Core =
  | Const
  | LocalRef
  | GlobalRef
  | LocalSet
  | GlobalSet
  | GlobalDefine
  | If
  | Seq
  | Lambda
  | CaseLambda
  | Call
  | Let
  | Letrec;
