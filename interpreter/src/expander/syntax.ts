// Identifiers, bindings and syntactic environments: the data hygiene is made of.
// A macro expansion renames every identifier its template introduces to a fresh `Alias` that
// remembers the macro's definition environment (explicit renaming, as in Clinger's "Hygienic macros
// through explicit renaming"): binding an alias captures only that alias, and a free alias is
// looked up where the macro was defined.
import { GlobalCell, type Var } from "../core.ts";
import { Pair, Sym, type Loc } from "../values.ts";
import type { Core } from "../core.ts";

/** An identifier inserted by a macro expansion: `id` renamed, closed over the macro's environment. */
export class Alias {
  constructor(
    readonly id: Identifier,
    readonly env: Env,
  ) {}
  /** The symbol this alias was made from (for quoted data, names and error messages). */
  get base(): Sym {
    let x: Identifier = this.id;
    while (x instanceof Alias) x = x.id;
    return x;
  }
}

export type Identifier = Sym | Alias;

export function isIdentifier(x: unknown): x is Identifier {
  return x instanceof Sym || x instanceof Alias;
}

export function baseName(id: Identifier): string {
  return id instanceof Sym ? id.name : id.base.name;
}

/** Expands one use of a keyword: `(keyword ...)` in `env` → Core, or a new form to expand. */
export type SpecialForm = (form: Pair, env: Env, loc: Loc | undefined) => Core;
export type Transformer = (form: Pair, env: Env, loc: Loc | undefined) => unknown;

export type Binding =
  | { kind: "local"; v: Var }
  /** `free`: made for a name nothing defines (yet); two free identifiers of one name are the
   *  same for syntax-rules literals and cond's `else` (R7RS free-identifier=?). */
  | { kind: "global"; cell: GlobalCell; imported: boolean; free?: boolean }
  /** A core form, expanded straight to Core. */
  | { kind: "special"; name: string; expand: SpecialForm }
  /** A macro: syntax-rules or a built-in derived form; its output is expanded again. */
  | { kind: "macro"; name: string; transform: Transformer };

/** A lexical scope: lambda parameters, let bindings, internal definitions, let-syntax keywords. */
export class Scope {
  readonly bindings = new Map<Identifier, Binding>();
  constructor(readonly parent: Env) {}
}

/**
 * A top-level environment (program, REPL, library body, the system environment). Names are keyed
 * by string; aliases defined at top level by macro expansions get their own cells, keyed by the
 * alias object, so macro-introduced top-level helpers stay hygienic.
 */
export class TopEnv {
  readonly names = new Map<string, Binding>();
  readonly aliases = new Map<Alias, Binding>();
  constructor(
    /** Prefix of the debugger names of cells defined here, e.g. `(foo bar)::`. */
    readonly cellPrefix = "",
    /** Called for a name with no binding: the system environment creates system cells. */
    readonly onMissing: ((name: string) => Binding) | null = null,
  ) {}

  /** The binding of a symbol here, creating a fresh global cell for an unknown name (a forward
   *  reference to a later definition, or an unbound variable reported at run time). */
  lookupName(name: string): Binding {
    let b = this.names.get(name);
    if (b === undefined) {
      b = this.onMissing
        ? this.onMissing(name)
        : {
            kind: "global",
            cell: new GlobalCell(this.cellPrefix + name),
            imported: false,
            free: true,
          };
      this.names.set(name, b);
    }
    return b;
  }

  /** The cell a top-level `define` of `id` assigns: reuses this environment's own cell, shadows
   *  an imported one or a keyword with a new cell (REPL semantics). */
  defineCell(id: Identifier): GlobalCell {
    if (id instanceof Alias) {
      const old = this.aliases.get(id);
      if (old?.kind === "global") return old.cell;
      const cell = new GlobalCell(this.cellPrefix + id.base.name);
      this.aliases.set(id, { kind: "global", cell, imported: false });
      return cell;
    }
    const old = this.names.get(id.name);
    if (old?.kind === "global" && !old.imported) {
      old.free = false;
      return old.cell;
    }
    const cell = new GlobalCell(this.cellPrefix + id.name);
    this.names.set(id.name, { kind: "global", cell, imported: false });
    return cell;
  }

  /** Bind a keyword (define-syntax at top level). */
  defineKeyword(id: Identifier, b: Binding): void {
    if (id instanceof Alias) this.aliases.set(id, b);
    else this.names.set(id.name, b);
  }
}

export type Env = Scope | TopEnv;

/** What `id` means in `env`. */
export function lookup(id: Identifier, env: Env): Binding {
  for (;;) {
    let e: Env = env;
    while (e instanceof Scope) {
      const b = e.bindings.get(id);
      if (b !== undefined) return b;
      e = e.parent;
    }
    if (id instanceof Sym) return e.lookupName(id.name);
    const b = e.aliases.get(id);
    if (b !== undefined) return b;
    // A free identifier introduced by a macro means what it meant where the macro was defined.
    env = id.env;
    id = id.id;
  }
}

/** R7RS free-identifier=?: both identifiers mean the same thing, or are both free with one name. */
export function sameBinding(a: Identifier, envA: Env, b: Identifier, envB: Env): boolean {
  const ba = lookup(a, envA);
  const bb = lookup(b, envB);
  if (ba === bb) return true;
  return (
    ba.kind === "global" &&
    bb.kind === "global" &&
    ba.free === true &&
    bb.free === true &&
    baseName(a) === baseName(b)
  );
}

/** Does `x` contain an alias anywhere (pairs and vectors; safe on cyclic data)? */
function containsAlias(x: unknown, seen: Set<object>): boolean {
  for (;;) {
    if (x instanceof Alias) return true;
    if (Array.isArray(x)) {
      if (seen.has(x)) return false;
      seen.add(x);
      return x.some((e) => containsAlias(e, seen));
    }
    if (!(x instanceof Pair) || seen.has(x)) return false;
    seen.add(x);
    if (containsAlias(x.car, seen)) return true;
    x = x.cdr;
  }
}

/** The datum a piece of syntax stands for: every alias back to its plain symbol (quote, errors). */
export function strip(x: unknown): unknown {
  if (!(x instanceof Pair || x instanceof Alias || Array.isArray(x))) return x;
  if (!containsAlias(x, new Set())) return x;
  if (x instanceof Alias) return x.base;
  if (Array.isArray(x)) return x.map(strip);
  if (x instanceof Pair) return new Pair(strip(x.car), strip(x.cdr));
  return x;
}
