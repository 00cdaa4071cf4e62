// The expander proper: syntax (datums with aliases) in, Core out. Handles the core special forms,
// bodies with internal definitions, top-level forms, and the dispatch to macros. Derived forms live
// in derived.ts, libraries in libraries.ts.
import { GlobalCell, Var, type Core, type Lambda } from "../core.ts";
import { syntaxError } from "../errors.ts";
import { carLocs, formLocs } from "../source-locs.ts";
import { NIL, Pair, Sym, UNSPECIFIED, type Loc } from "../values.ts";
import { makeSyntaxRules } from "./syntax-rules.ts";
import {
  Alias,
  Scope,
  TopEnv,
  baseName,
  isIdentifier,
  lookup,
  strip,
  type Binding,
  type Env,
  type Identifier,
  type SpecialForm,
  type Transformer,
} from "./syntax.ts";

/** What the expander asks of the library system (implemented in libraries.ts / index.ts). */
export interface LibraryHooks {
  /** `(import set ...)` at top level: bind the imports in `top`; Core that runs pending library bodies. */
  importForm(form: Pair, top: TopEnv, loc: Loc | undefined): Core;
  /** `(define-library ...)` inside a program or REPL input. */
  defineLibrary(form: Pair, loc: Loc | undefined): Core;
  /** The forms of the files named by `(include "file" ...)`, relative to the current file. */
  include(files: unknown[], foldCase: boolean, loc: Loc | undefined): unknown[];
  /** Whether `(library name)` holds in cond-expand. */
  libraryExists(name: unknown): boolean;
}

/** A form after its macros at the head have been expanded, and what its head keyword means. */
interface HeadExpanded {
  form: unknown;
  loc: Loc | undefined;
  special: string | null;
}

interface Definition {
  id: Identifier;
  /** The expression whose value the variable gets, or undefined for `(define x)`. */
  rhs: unknown;
}

/** A macro use that expands into another macro use this many times in a row is taken to loop. */
const MAX_EXPANSION_STEPS = 100_000;

function nonTerminating(form: unknown, loc: Loc | undefined): never {
  const head = form instanceof Pair && isIdentifier(form.car) ? baseName(form.car) : "macro";
  return syntaxError(`${head}: macro expansion does not terminate`, loc);
}

const UNSPECIFIED_CORE = (loc?: Loc): Core => ({ kind: "const", value: UNSPECIFIED, loc });

/** Set the debugger name of a lambda bound by define, let or letrec. */
function named(c: Core, name: string): Core {
  if ((c.kind === "lambda" || c.kind === "case-lambda") && c.name === null) c.name = name;
  return c;
}

function withLoc(c: Core, loc: Loc | undefined): Core {
  if (c.loc === undefined && loc !== undefined) c.loc = loc;
  return c;
}

/** The elements of a proper list, or undefined. */
export function listItems(x: unknown): unknown[] | undefined {
  const out: unknown[] = [];
  while (x instanceof Pair) {
    out.push(x.car);
    x = x.cdr;
  }
  return x === NIL ? out : undefined;
}

export function makeList(items: unknown[], tail: unknown = NIL): unknown {
  let out = tail;
  for (let i = items.length - 1; i >= 0; i--) out = new Pair(items[i], out);
  return out;
}

export class CoreExpander {
  /** Every keyword the system knows (core forms, derived forms, internal helpers), by name. */
  readonly keywords = new Map<string, Binding>();
  /** The environment the built-in macros are defined in: every system cell and keyword. */
  sysEnv!: TopEnv;
  hooks!: LibraryHooks;

  constructor(readonly systemCells: Map<string, GlobalCell>) {
    this.defineCoreForms();
  }

  special(name: string, expand: SpecialForm): void {
    this.keywords.set(name, { kind: "special", name, expand });
  }
  macro(name: string, transform: Transformer): void {
    this.keywords.set(name, { kind: "macro", name, transform });
  }

  /** An identifier that means `name` of the system environment, whatever the user rebound. */
  sys(name: string): Alias {
    return new Alias(Sym.intern(name), this.sysEnv);
  }
  /** A fresh identifier for a temporary variable introduced by a derived form. */
  temp(name: string): Alias {
    return new Alias(Sym.intern(name), this.sysEnv);
  }
  /** The system cell of a runtime helper (cons, %with-parameters...), created if missing. */
  sysCell(name: string): GlobalCell {
    let cell = this.systemCells.get(name);
    if (cell === undefined) {
      cell = new GlobalCell(name, true);
      this.systemCells.set(name, cell);
    }
    return cell;
  }
  /** Core calling a runtime helper through its system cell. */
  callSys(name: string, args: Core[], loc: Loc | undefined): Core {
    return { kind: "call", fn: { kind: "gref", cell: this.sysCell(name), loc }, args, loc };
  }

  /** Is `x` the keyword `name` of the system (e.g. `else`, `unquote`) in `env`? An unbound
   *  identifier of that name counts too, so code that did not import `unquote` still works. */
  isKeyword(x: unknown, env: Env, name: string): boolean {
    if (!isIdentifier(x)) return false;
    const b = lookup(x, env);
    if (b === this.keywords.get(name)) return true;
    return b.kind === "global" && b.free === true && baseName(x) === name;
  }

  // ── Expressions ──────────────────────────────────────────────────────────────────────────────

  /** Expand an expression. */
  expr(form: unknown, env: Env, loc?: Loc): Core {
    for (let steps = 0; ; steps++) {
      if (steps > MAX_EXPANSION_STEPS) return nonTerminating(form, loc);
      if (isIdentifier(form)) return this.variable(form, env, loc);
      if (!(form instanceof Pair)) return { kind: "const", value: strip(form), loc };
      const here = formLocs.get(form) ?? loc;
      if (isIdentifier(form.car)) {
        const b = lookup(form.car, env);
        if (b.kind === "special") return withLoc(b.expand(form, env, here), here);
        if (b.kind === "macro") {
          form = b.transform(form, env, here);
          loc = here;
          continue;
        }
      }
      return this.call(form, env, here);
    }
  }

  private variable(id: Identifier, env: Env, loc: Loc | undefined): Core {
    const b = lookup(id, env);
    if (b.kind === "local") return { kind: "lref", v: b.v, loc };
    if (b.kind === "global") return { kind: "gref", cell: b.cell, loc };
    return syntaxError(`invalid use of syntax keyword ${baseName(id)}`, loc);
  }

  // (f arg ...)
  private call(form: Pair, env: Env, loc: Loc | undefined): Core {
    // Each operand gets its own source range when the reader recorded one (carLocs), so a variable
    // operand points at itself rather than at the whole call.
    const parts: Core[] = [];
    let p: unknown = form;
    for (; p instanceof Pair; p = p.cdr) parts.push(this.expr(p.car, env, carLocs.get(p) ?? loc));
    if (p !== NIL) return syntaxError("bad syntax (improper list in call)", loc, strip(form));
    return { kind: "call", fn: parts[0], args: parts.slice(1), loc };
  }

  /** The items of `form` when its length is within [min, max], else a syntax error showing usage. */
  args(form: Pair, loc: Loc | undefined, min: number, max: number, usage: string): unknown[] {
    const items = listItems(form);
    if (items === undefined || items.length - 1 < min || items.length - 1 > max)
      return syntaxError(
        `${baseName(form.car as Identifier)}: bad syntax (expected ${usage})`,
        loc,
        strip(form),
      );
    return items;
  }

  /** Expand macros at the head of `form` until it is a core form, a call or an atom. */
  headExpand(form: unknown, env: Env, loc: Loc | undefined): HeadExpanded {
    for (let steps = 0; ; steps++) {
      if (steps > MAX_EXPANSION_STEPS) return nonTerminating(form, loc);
      if (!(form instanceof Pair) || !isIdentifier(form.car)) return { form, loc, special: null };
      const here = formLocs.get(form) ?? loc;
      const b = lookup(form.car, env);
      if (b.kind === "macro") {
        form = b.transform(form, env, here);
        loc = here;
        continue;
      }
      return {
        form,
        loc: here,
        special: b.kind === "special" && this.keywords.get(b.name) === b ? b.name : null,
      };
    }
  }

  // ── Bodies ───────────────────────────────────────────────────────────────────────────────────

  /**
   * A lambda/let body: definitions first become one letrec* (R7RS §5.3.2). Definitions may come
   * from macros and `begin`s. Expressions before the last definition are accepted (as Racket and
   * Chez's top level do) and run in order, as dummy letrec* bindings.
   */
  body(forms: unknown[], outer: Env, loc: Loc | undefined): Core {
    const scope = new Scope(outer);
    type Item = { def: Var | null; form: unknown; loc: Loc | undefined };
    const items: Item[] = [];
    const queue = forms.map((form) => ({ form, loc }));
    while (queue.length > 0) {
      const next = queue.shift()!;
      const h = this.headExpand(next.form, scope, next.loc);
      const f = h.form as Pair;
      if (h.special === "begin") {
        const sub = listItems(f.cdr);
        if (sub === undefined) syntaxError("begin: bad syntax", h.loc, strip(f));
        queue.unshift(...sub.map((form) => ({ form, loc: h.loc })));
      } else if (h.special === "define") {
        const d = this.parseDefine(f, h.loc);
        const v = new Var(baseName(d.id));
        if (scope.bindings.has(d.id))
          syntaxError(`duplicate definition of ${baseName(d.id)} in body`, h.loc);
        scope.bindings.set(d.id, { kind: "local", v });
        items.push({ def: v, form: d.rhs, loc: h.loc });
      } else if (h.special === "define-syntax") {
        const [, id, spec] = this.args(f, h.loc, 2, 2, "(define-syntax keyword transformer)");
        if (!isIdentifier(id))
          syntaxError("define-syntax: expected an identifier", h.loc, strip(f));
        scope.bindings.set(id, this.transformer(spec, scope, h.loc, baseName(id)));
      } else {
        items.push({ def: null, form: h.form, loc: h.loc });
      }
    }
    if (items.length === 0) return syntaxError("empty body", loc);
    let lastDef = -1;
    items.forEach((it, i) => {
      if (it.def !== null) lastDef = i;
    });
    if (lastDef === items.length - 1)
      return syntaxError("body has no expression after its definitions", items[lastDef].loc);
    const rest = items.slice(lastDef + 1).map((it) => this.expr(it.form, scope, it.loc));
    const tail: Core = rest.length === 1 ? rest[0] : { kind: "seq", body: rest, loc: rest[0].loc };
    if (lastDef < 0) return tail;
    const vars: Var[] = [];
    const inits: Core[] = [];
    for (const it of items.slice(0, lastDef + 1)) {
      if (it.def !== null) {
        vars.push(it.def);
        inits.push(
          it.form === undefined
            ? UNSPECIFIED_CORE(it.loc)
            : named(this.expr(it.form, scope, it.loc), it.def.name),
        );
      } else {
        vars.push(new Var("_"));
        inits.push(this.expr(it.form, scope, it.loc));
      }
    }
    return { kind: "letrec", vars, inits, body: tail, loc };
  }

  /** `(define id expr)`, `(define id)`, `(define (f . formals) body ...)`, curried `(define ((f a) b) ...)`. */
  parseDefine(form: Pair, loc: Loc | undefined): Definition {
    const items = listItems(form);
    const usage =
      "define: bad syntax (expected (define name expr) or (define (name . formals) body ...))";
    if (items === undefined || items.length < 2) return syntaxError(usage, loc, strip(form));
    let target = items[1];
    let rhs: unknown = items.length > 2 ? items[2] : undefined;
    if (isIdentifier(target)) {
      if (items.length > 3) syntaxError(usage, loc, strip(form));
      return { id: target, rhs };
    }
    let body = (form.cdr as Pair).cdr;
    while (target instanceof Pair) {
      // (define (head . formals) . body) → (define head (lambda formals . body))
      const lambda = new Pair(this.sys("lambda"), new Pair(target.cdr, body));
      if (loc !== undefined) formLocs.set(lambda, loc);
      rhs = lambda;
      if (isIdentifier(target.car)) return { id: target.car, rhs };
      body = new Pair(lambda, NIL);
      target = target.car;
    }
    return syntaxError(usage, loc, strip(form));
  }

  /** The binding a `define-syntax`/`let-syntax` transformer spec denotes. */
  transformer(spec: unknown, env: Env, loc: Loc | undefined, name: string): Binding {
    for (;;) {
      if (isIdentifier(spec)) {
        const b = lookup(spec, env);
        if (b.kind === "macro" || b.kind === "special") return b;
      } else if (spec instanceof Pair && isIdentifier(spec.car)) {
        const b = lookup(spec.car, env);
        if (b === this.keywords.get("syntax-rules"))
          return {
            kind: "macro",
            name,
            transform: makeSyntaxRules(spec, env, formLocs.get(spec) ?? loc),
          };
        if (b.kind === "macro") {
          spec = b.transform(spec, env, loc);
          continue;
        }
      }
      return syntaxError(`${name}: expected a syntax-rules transformer`, loc, strip(spec));
    }
  }

  // ── Top level ────────────────────────────────────────────────────────────────────────────────

  /** Expand one top-level form of a program, REPL or library body; definitions bind cells of `top`. */
  topLevel(form: unknown, top: TopEnv, loc: Loc | undefined): Core {
    const h = this.headExpand(form, top, loc);
    const f = h.form as Pair;
    switch (h.special) {
      case "begin": {
        const sub = listItems(f.cdr);
        if (sub === undefined) return syntaxError("begin: bad syntax", h.loc, strip(f));
        if (sub.length === 0) return UNSPECIFIED_CORE(h.loc);
        const body = sub.map((x) => this.topLevel(x, top, h.loc));
        return body.length === 1 ? body[0] : { kind: "seq", body, loc: h.loc };
      }
      case "define": {
        const d = this.parseDefine(f, h.loc);
        const cell = top.defineCell(d.id);
        const value =
          d.rhs === undefined
            ? UNSPECIFIED_CORE(h.loc)
            : named(this.expr(d.rhs, top, h.loc), baseName(d.id));
        return { kind: "gdef", cell, value, loc: h.loc };
      }
      case "define-syntax": {
        const [, id, spec] = this.args(f, h.loc, 2, 2, "(define-syntax keyword transformer)");
        if (!isIdentifier(id))
          return syntaxError("define-syntax: expected an identifier", h.loc, strip(f));
        top.defineKeyword(id, this.transformer(spec, top, h.loc, baseName(id)));
        return UNSPECIFIED_CORE(h.loc);
      }
      case "import":
        return this.hooks.importForm(f, top, h.loc);
      case "define-library":
        return this.hooks.defineLibrary(f, h.loc);
      default:
        return this.expr(h.form, top, h.loc);
    }
  }

  /**
   * Give every variable a program defines at top level its program cell before anything is
   * expanded, so the definition shadows an imported binding of the same name throughout the
   * program (a program's top level is one scope, R7RS §5.1), not only after it. Only definitions
   * written out are seen (define, define-values, define-record-type, inside begin), not those
   * produced by macros.
   */
  declareProgramDefinitions(form: unknown, top: TopEnv): void {
    if (!(form instanceof Pair) || !(form.car instanceof Sym)) return;
    const keyword = top.names.get(form.car.name);
    if (keyword === undefined || (keyword.kind !== "special" && keyword.kind !== "macro")) return;
    if (this.keywords.get(keyword.name) !== keyword) return;
    const items = listItems(form) ?? [];
    const declare = (x: unknown): void => {
      if (x instanceof Sym) top.defineCell(x);
    };
    switch (keyword.name) {
      case "begin":
        for (const f of items.slice(1)) this.declareProgramDefinitions(f, top);
        return;
      case "define": {
        let target = items[1];
        while (target instanceof Pair) target = target.car;
        declare(target);
        return;
      }
      case "define-values": {
        let f = items[1];
        for (; f instanceof Pair; f = f.cdr) declare(f.car);
        declare(f);
        return;
      }
      case "define-record-type": {
        const [, typeName, ctor, pred, ...fields] = items;
        for (const x of [typeName, ctor instanceof Pair ? ctor.car : ctor, pred]) declare(x);
        for (const spec of fields) for (const x of listItems(spec)?.slice(1) ?? []) declare(x);
        return;
      }
    }
  }

  // ── Core forms ───────────────────────────────────────────────────────────────────────────────

  /** Parse lambda formals: `(a b)`, `(a b . rest)`, `args`; binds them in a new scope. */
  formals(
    formals: unknown,
    env: Env,
    loc: Loc | undefined,
    who: string,
  ): { scope: Scope; params: Var[]; rest: Var | null } {
    const scope = new Scope(env);
    const params: Var[] = [];
    const bind = (id: unknown): Var => {
      if (!isIdentifier(id))
        return syntaxError(`${who}: parameter is not an identifier`, loc, strip(id));
      if (scope.bindings.has(id))
        return syntaxError(`${who}: duplicate parameter ${baseName(id)}`, loc);
      const v = new Var(baseName(id));
      scope.bindings.set(id, { kind: "local", v });
      return v;
    };
    let x = formals;
    while (x instanceof Pair) {
      params.push(bind(x.car));
      x = x.cdr;
    }
    const rest = x === NIL ? null : bind(x);
    return { scope, params, rest };
  }

  lambda(
    formals: unknown,
    body: unknown[],
    env: Env,
    loc: Loc | undefined,
    who = "lambda",
  ): Lambda {
    const { scope, params, rest } = this.formals(formals, env, loc, who);
    return { kind: "lambda", params, rest, body: this.body(body, scope, loc), name: null, loc };
  }

  /** `((id init) ...)` of let-like forms. */
  bindingPairs(
    x: unknown,
    form: Pair,
    loc: Loc | undefined,
    who: string,
  ): { id: Identifier; init: unknown }[] {
    const items = listItems(x);
    const bad = (): never =>
      syntaxError(
        `${who}: bad syntax (expected (${who} ((name init) ...) body ...))`,
        loc,
        strip(form),
      );
    if (items === undefined) return bad();
    return items.map((b) => {
      const parts = listItems(b);
      if (parts === undefined || parts.length !== 2 || !isIdentifier(parts[0])) return bad();
      return { id: parts[0], init: parts[1] };
    });
  }

  private defineCoreForms(): void {
    // (quote datum)
    this.special("quote", (form, _env, loc) => {
      const [, datum] = this.args(form, loc, 1, 1, "(quote datum)");
      return { kind: "const", value: strip(datum), loc };
    });

    // (if test then [else])
    this.special("if", (form, env, loc) => {
      const items = this.args(form, loc, 2, 3, "(if test then [else])");
      return {
        kind: "if",
        test: this.expr(items[1], env, loc),
        then: this.expr(items[2], env, loc),
        else: items.length === 4 ? this.expr(items[3], env, loc) : UNSPECIFIED_CORE(loc),
        loc,
      };
    });

    // (lambda formals body ...)
    this.special("lambda", (form, env, loc) => {
      const items = this.args(form, loc, 2, Infinity, "(lambda formals body ...)");
      return this.lambda(items[1], items.slice(2), env, loc);
    });

    // (case-lambda (formals body ...) ...)
    this.special("case-lambda", (form, env, loc) => {
      const items = this.args(form, loc, 0, Infinity, "(case-lambda (formals body ...) ...)");
      const clauses = items.slice(1).map((clause) => {
        const parts = listItems(clause);
        if (parts === undefined || parts.length < 2)
          return syntaxError(
            "case-lambda: bad clause (expected (formals body ...))",
            loc,
            strip(clause),
          );
        return this.lambda(
          parts[0],
          parts.slice(1),
          env,
          formLocs.get(clause as Pair) ?? loc,
          "case-lambda",
        );
      });
      return { kind: "case-lambda", clauses, name: null, loc };
    });

    // (set! variable expr)
    this.special("set!", (form, env, loc) => {
      const [, id, value] = this.args(form, loc, 2, 2, "(set! variable expr)");
      if (!isIdentifier(id)) return syntaxError("set!: expected a variable", loc, strip(form));
      const b = lookup(id, env);
      const v = this.expr(value, env, loc);
      if (b.kind === "local") return { kind: "lset", v: b.v, value: v, loc };
      if (b.kind === "global") {
        if (b.imported)
          return syntaxError(`set!: cannot assign imported variable ${baseName(id)}`, loc);
        return { kind: "gset", cell: b.cell, value: v, loc };
      }
      return syntaxError(`set!: cannot assign syntax keyword ${baseName(id)}`, loc);
    });

    // (begin expr ...) in expression context
    this.special("begin", (form, env, loc) => {
      const items = this.args(form, loc, 1, Infinity, "(begin expr ...)");
      const body = items.slice(1).map((x) => this.expr(x, env, loc));
      return body.length === 1 ? body[0] : { kind: "seq", body, loc };
    });

    // (let [name] ((var init) ...) body ...)
    this.special("let", (form, env, loc) => {
      const items = this.args(form, loc, 1, Infinity, "(let ((name init) ...) body ...)");
      if (isIdentifier(items[1])) return this.namedLet(form, items, env, loc);
      const bindings = this.bindingPairs(items[1], form, loc, "let");
      const scope = new Scope(env);
      const vars = bindings.map(({ id }) => {
        if (scope.bindings.has(id)) syntaxError(`let: duplicate variable ${baseName(id)}`, loc);
        const v = new Var(baseName(id));
        scope.bindings.set(id, { kind: "local", v });
        return v;
      });
      const inits = bindings.map(({ init }, i) => named(this.expr(init, env, loc), vars[i].name));
      const body = this.body(items.slice(2), scope, loc);
      return vars.length === 0 ? body : { kind: "let", vars, inits, body, loc };
    });

    // (letrec ((var init) ...) body ...) and letrec*: both get letrec* semantics
    const letrec: SpecialForm = (form, env, loc) => {
      const items = this.args(form, loc, 1, Infinity, "(letrec ((name init) ...) body ...)");
      const bindings = this.bindingPairs(items[1], form, loc, baseName(form.car as Identifier));
      const scope = new Scope(env);
      const vars = bindings.map(({ id }) => {
        const v = new Var(baseName(id));
        scope.bindings.set(id, { kind: "local", v });
        return v;
      });
      const inits = bindings.map(({ init }, i) => named(this.expr(init, scope, loc), vars[i].name));
      return { kind: "letrec", vars, inits, body: this.body(items.slice(2), scope, loc), loc };
    };
    this.special("letrec", letrec);
    this.special("letrec*", letrec);

    // (let-syntax ((keyword transformer) ...) body ...), letrec-syntax
    const letSyntax =
      (recursive: boolean): SpecialForm =>
      (form, env, loc) => {
        const items = this.args(
          form,
          loc,
          1,
          Infinity,
          "(let-syntax ((keyword transformer) ...) body ...)",
        );
        const bindings = this.bindingPairs(items[1], form, loc, baseName(form.car as Identifier));
        const scope = new Scope(env);
        for (const { id, init } of bindings)
          scope.bindings.set(
            id,
            this.transformer(init, recursive ? scope : env, loc, baseName(id)),
          );
        return this.body(items.slice(2), scope, loc);
      };
    this.special("let-syntax", letSyntax(false));
    this.special("letrec-syntax", letSyntax(true));

    // (syntax-error "message" args ...)
    this.special("syntax-error", (form, _env, loc) => {
      const items = this.args(form, loc, 1, Infinity, '(syntax-error "message" args ...)');
      const message = String(strip(items[1]));
      return syntaxError(
        message,
        loc,
        items.length > 2 ? strip(makeList(items.slice(2))) : undefined,
      );
    });

    // Forms only valid in a definition context or inside other forms.
    const misplaced = (name: string, where: string): void =>
      this.special(name, (form, _env, loc) =>
        syntaxError(`${name}: not allowed ${where}`, loc, strip(form)),
      );
    misplaced("define", "in expression context");
    misplaced("define-syntax", "in expression context");
    misplaced("import", "here (only at the top level)");
    misplaced("define-library", "here (only at the top level)");
    misplaced("syntax-rules", "outside define-syntax or let-syntax");
    misplaced("else", "outside cond, case or guard");
    misplaced("=>", "outside cond, case or guard");
    misplaced("...", "outside syntax-rules");
    misplaced("_", "outside syntax-rules");
    misplaced("unquote", "outside quasiquote");
    misplaced("unquote-splicing", "outside quasiquote");
  }

  // (let name ((var init) ...) body ...) → ((letrec ((name (lambda (var ...) body ...))) name) init ...)
  private namedLet(form: Pair, items: unknown[], env: Env, loc: Loc | undefined): Core {
    if (items.length < 4)
      return syntaxError(
        "let: bad syntax (expected (let name ((var init) ...) body ...))",
        loc,
        strip(form),
      );
    const name = items[1] as Identifier;
    const bindings = this.bindingPairs(items[2], form, loc, "let");
    const lambda = makeList([
      this.sys("lambda"),
      makeList(bindings.map((b) => b.id)),
      ...items.slice(3),
    ]);
    const scope = new Scope(env);
    const v = new Var(baseName(name));
    scope.bindings.set(name, { kind: "local", v });
    const proc = named(this.expr(lambda, scope, loc), v.name);
    return {
      kind: "call",
      fn: { kind: "letrec", vars: [v], inits: [proc], body: { kind: "lref", v, loc }, loc },
      args: bindings.map((b) => this.expr(b.init, env, loc)),
      loc,
    };
  }
}
