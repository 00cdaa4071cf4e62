// The expander's public face: environments (system, interaction, from import sets) and the entry
// points that turn programs and top-level forms into Core.
//
// Choices where R7RS leaves room (or where we follow Guile and Chez):
//   - Bodies may mix definitions and expressions; expressions before the last definition run in
//     order as dummy letrec* bindings. A body must end with an expression.
//   - A top-level `define` of an imported name makes a new cell of that environment. In a program,
//     the definitions written at top level are declared before anything is expanded, so they
//     shadow the import in the whole program; at the REPL, code expanded earlier keeps the
//     imported cell. `set!` of an imported name is a syntax error. Unknown names become cells of the environment (forward references work;
//     unbound variables are reported when run).
//   - Top-level definitions of identifiers a macro introduced are hygienic: they get their own
//     cells, invisible to the user's code of the same name.
//   - A program whose first form is `import` sees only its imports (plus `quote` & co., which the
//     reader's abbreviations need); otherwise it runs in an interaction environment, where
//     `import` adds bindings as at a REPL.
import { UNBOUND, type Core, type GlobalCell, type Var } from "../core.ts";
import { Pair, Primitive, Sym, UNSPECIFIED, list, type Loc } from "../values.ts";
import { syntaxError } from "../errors.ts";
import { defineCoreDerivedForms } from "./derived-core.ts";
import { defineNativeDerivedForms, defineSchemeDerivedForms } from "./derived.ts";
import { CoreExpander } from "./expand.ts";
import { Libraries, type HostFs } from "./libraries.ts";
import { Scope, TopEnv, type Binding } from "./syntax.ts";

export type { HostFs } from "./libraries.ts";
export { TopEnv as Environment } from "./syntax.ts";
export { FEATURES } from "./derived.ts";

export interface ExpanderOptions {
  /** One cell per builtin and prelude definition; cells the expander needs are added. */
  systemCells: Map<string, GlobalCell>;
  /** Standard library name (`"scheme base"`) → exported identifiers, keywords and procedures. */
  libraries: Record<string, string[]>;
  host: HostFs;
  /** Directories searched for `foo/bar.sld` after the importing file's own directory. */
  searchPath?: string[];
}

/** Keywords every program, REPL and library body has besides its imports: the program-level
 *  forms, and those the reader's abbreviations produce ('x `x ,x ,@x), so that `'a` works even
 *  after `(import (only (scheme base) car))` (as in Guile and Chez). Imports may rebind them. */
export const PROGRAM_KEYWORDS = [
  "import",
  "define-library",
  "quote",
  "quasiquote",
  "unquote",
  "unquote-splicing",
];

export class Expander {
  private readonly core: CoreExpander;
  private readonly libs: Libraries;
  private readonly system: TopEnv;
  private interactionBase: Map<string, Binding> | null = null;
  private repl: TopEnv | null = null;

  constructor(private readonly opts: ExpanderOptions) {
    const core = new CoreExpander(opts.systemCells);
    this.core = core;
    defineCoreDerivedForms(core);
    defineNativeDerivedForms(core);
    this.libs = new Libraries(core, opts.libraries, opts.host, opts.searchPath ?? []);
    core.hooks = this.libs;
    // The system environment: every keyword, every system cell (assignable, so the prelude can
    // define into them), and a fresh system cell for any other name it mentions.
    this.system = new TopEnv("", (name) => ({
      kind: "global",
      cell: core.sysCell(name),
      imported: false,
    }));
    core.sysEnv = this.system;
    for (const [name, b] of core.keywords) this.system.names.set(name, b);
    defineSchemeDerivedForms(core, this.system);
    for (const [name, cell] of opts.systemCells)
      if (!this.system.names.has(name))
        this.system.names.set(name, { kind: "global", cell, imported: false });
    for (const names of Object.values(opts.libraries))
      for (const name of names) this.system.lookupName(name);
    this.defineEnvironmentProcedures();
  }

  /** `environment`, `interaction-environment` and the R5RS ones: they only need the expander, so
   *  they are defined here (unless the system already has them). */
  private defineEnvironmentProcedures(): void {
    const define = (
      name: string,
      min: number,
      max: number,
      fn: (...args: unknown[]) => unknown,
    ): void => {
      const cell = this.core.sysCell(name);
      if (cell.value === UNBOUND) cell.value = new Primitive(name, fn, min, max);
    };
    const r5rs = (): TopEnv =>
      this.environmentFromImportSets([list(Sym.intern("scheme"), Sym.intern("r5rs"))]);
    define("environment", 0, -1, (...sets) => this.environmentFromImportSets(sets));
    define("interaction-environment", 0, 0, () => this.replEnvironment());
    define("scheme-report-environment", 1, 1, r5rs);
    define("null-environment", 1, 1, r5rs);
  }

  /** The one REPL environment `interaction-environment` returns (the facade's REPL should use it). */
  replEnvironment(): TopEnv {
    return (this.repl ??= this.interactionEnvironment());
  }

  /** Every name of every standard library plus the system's %internal names (for the prelude). */
  systemEnvironment(): TopEnv {
    return this.system;
  }

  /** A fresh REPL / import-less program environment: every standard library. */
  interactionEnvironment(): TopEnv {
    if (this.interactionBase === null) {
      const base = new Map<string, Binding>();
      for (const names of Object.values(this.opts.libraries))
        for (const name of names) base.set(name, this.libs.systemBinding(name));
      for (const name of PROGRAM_KEYWORDS) base.set(name, this.core.keywords.get(name)!);
      this.interactionBase = base;
    }
    const env = new TopEnv();
    for (const [name, b] of this.interactionBase) env.names.set(name, b);
    return env;
  }

  /**
   * Expand a whole program. When its first form is an `import`, the program sees only what it
   * imports (R7RS §5.1); otherwise it runs in `env` (default: a fresh interaction environment),
   * where later `import` forms add bindings, as at a REPL. The Core first runs the bodies of the user libraries it imports.
   */
  expandProgram(forms: { datum: unknown; loc: Loc }[], file: string, env?: TopEnv): Core {
    return this.libs.withFile(file, () => {
      let top: TopEnv;
      if (forms.length > 0 && isFormNamed(forms[0].datum, "import")) {
        top = new TopEnv();
        for (const name of PROGRAM_KEYWORDS) top.names.set(name, this.core.keywords.get(name)!);
      } else {
        top = env ?? this.interactionEnvironment();
      }
      const body: Core[] = this.libs.takePending();
      for (const { datum } of forms) this.core.declareProgramDefinitions(datum, top);
      for (const { datum, loc } of forms)
        body.push(guardDepth(loc, () => this.core.topLevel(datum, top, loc)));
      return sequence(body, forms[0]?.loc);
    });
  }

  /** Expand one top-level form in `env` (REPL, eval, prelude). Definitions bind cells of `env`. */
  expandTopLevel(datum: unknown, env: TopEnv, loc?: Loc): Core {
    const pending = this.libs.takePending();
    const core = guardDepth(loc, () => this.core.topLevel(datum, env, loc));
    return pending.length === 0 ? core : sequence([...pending, core], loc);
  }

  /**
   * Expand an expression as if written inside a procedure whose local variables are `locals`
   * (innermost last wins), in top-level environment `top`: the debugger's "evaluate in frame".
   */
  expandInScope(datum: unknown, top: TopEnv, locals: { name: string; v: Var }[], loc?: Loc): Core {
    const scope = new Scope(top);
    for (const { name, v } of locals) scope.bindings.set(Sym.intern(name), { kind: "local", v });
    return guardDepth(loc, () => this.core.expr(datum, scope, loc));
  }

  /** For the `environment` procedure: an environment importing these import sets. */
  environmentFromImportSets(sets: unknown[]): TopEnv {
    const env = new TopEnv();
    for (const set of sets) this.libs.importInto(env, set, undefined);
    return env;
  }

  /** Forget user libraries (define-library forms, .sld files): the next import reads them again. */
  forgetUserLibraries(): void {
    this.libs.forgetUserLibraries();
  }

  /** Register a library implemented by the host, e.g. `(nanolm tensor)`. */
  defineHostLibrary(name: string[], exports: Map<string, GlobalCell>): void {
    this.libs.defineHostLibrary(name, exports);
  }
}

/** Run an expansion; a JS stack overflow (a macro nesting itself without end) becomes a syntax error. */
function guardDepth(loc: Loc | undefined, expand: () => Core): Core {
  try {
    return expand();
  } catch (e) {
    if (e instanceof RangeError)
      return syntaxError("expansion nested too deeply (a macro that nests itself?)", loc);
    throw e;
  }
}

function isFormNamed(datum: unknown, name: string): boolean {
  return datum instanceof Pair && datum.car === Sym.intern(name);
}

function sequence(body: Core[], loc: Loc | undefined): Core {
  if (body.length === 0) return { kind: "const", value: UNSPECIFIED, loc };
  return body.length === 1 ? body[0] : { kind: "seq", body, loc };
}
