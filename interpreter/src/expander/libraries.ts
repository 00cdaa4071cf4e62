// R7RS libraries (§5.6): standard libraries built from the system's cells, host libraries, user
// libraries from `define-library` forms or `.sld` files, and import sets (only, except, prefix,
// rename). A user library's body runs once: its Core is queued the first time it is imported.
import { GlobalCell, type Core } from "../core.ts";
import { syntaxError } from "../errors.ts";
import { writeString } from "../printer.ts";
import { readAll } from "../reader/reader.ts";
import { MString, NIL, Pair, Sym, UNSPECIFIED, type Loc } from "../values.ts";
import { condExpandBody } from "./derived.ts";
import { type CoreExpander, type LibraryHooks, listItems } from "./expand.ts";
import { TopEnv, baseName, isIdentifier, strip, type Binding } from "./syntax.ts";

/** The file system as the expander needs it (include files, user libraries). */
export interface HostFs {
  /** The file's text, or null when it does not exist. */
  readFile(path: string): string | null;
  /** `rel` resolved against the directory `dir`. */
  resolve(dir: string, rel: string): string;
  /** The directory part of a path. */
  dirname(path: string): string;
}

export interface Library {
  /** `(foo bar)` as written, for messages and cell names. */
  name: string;
  exports: Map<string, Binding>;
  /** The body to run once before the first importer, for user libraries. */
  body: Core | null;
  /** User libraries this one imports (their bodies run first). */
  deps: Library[];
  queued: boolean;
}

/** `(foo bar 1)` → `"foo bar 1"`, the key of a library name. */
function libraryKey(name: unknown): string | null {
  const parts = listItems(strip(name));
  if (parts === undefined || parts.length === 0) return null;
  const names = parts.map((p) =>
    p instanceof Sym ? p.name : typeof p === "number" ? String(p) : null,
  );
  return names.includes(null) ? null : names.join(" ");
}

export class Libraries implements LibraryHooks {
  private readonly loaded = new Map<string, Library>();
  /** Keys of the libraries the host defined (they have no source to read again). */
  private readonly hostLibraries = new Set<string>();
  /** Library bodies queued to run, in dependency order, not yet handed out. */
  private pending: Core[] = [];
  /** The file being expanded: includes and library files are found relative to it. */
  currentFile = "";
  private readonly importedSystemBindings = new Map<string, Binding>();
  /** Libraries whose files are being loaded, to report circular imports. */
  private readonly loading = new Set<string>();

  constructor(
    private readonly core: CoreExpander,
    private readonly standard: Record<string, string[]>,
    private readonly host: HostFs,
    private readonly searchPath: string[],
  ) {}

  /** The binding a standard library gives `name`: the keyword, or the system cell (immutable). */
  systemBinding(name: string): Binding {
    const keyword = this.core.keywords.get(name);
    if (keyword !== undefined) return keyword;
    let b = this.importedSystemBindings.get(name);
    if (b === undefined) {
      b = { kind: "global", cell: this.core.sysCell(name), imported: true };
      this.importedSystemBindings.set(name, b);
    }
    return b;
  }

  /** Register a library whose exports are cells owned by the host (e.g. `(nanolm tensor)`). */
  defineHostLibrary(name: string[], exports: Map<string, GlobalCell>): void {
    const bindings = new Map<string, Binding>();
    for (const [n, cell] of exports) bindings.set(n, { kind: "global", cell, imported: true });
    this.hostLibraries.add(name.join(" "));
    this.loaded.set(name.join(" "), {
      name: `(${name.join(" ")})`,
      exports: bindings,
      body: null,
      deps: [],
      queued: true,
    });
  }

  /**
   * Forget every library read from a `define-library` form or a `.sld` file, so the next import
   * reads and runs it again (after its source was edited). Host and standard libraries stay.
   */
  forgetUserLibraries(): void {
    for (const key of [...this.loaded.keys()])
      if (!this.hostLibraries.has(key) && this.standard[key] === undefined) this.loaded.delete(key);
    this.pending = [];
  }

  /** Library bodies that must run before the code expanded next; empties the queue. */
  takePending(): Core[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** Run `f` with `file` as the current file (for relative includes and library lookups). */
  withFile<T>(file: string, f: () => T): T {
    const saved = this.currentFile;
    this.currentFile = file;
    try {
      return f();
    } finally {
      this.currentFile = saved;
    }
  }

  // ── Finding libraries ────────────────────────────────────────────────────────────────────────

  /** The library named `name`, loading it from a `.sld` file the first time. */
  find(name: unknown, loc: Loc | undefined): Library {
    const key = libraryKey(name);
    if (key === null) return syntaxError("import: bad library name", loc, strip(name));
    const lib = this.loaded.get(key) ?? this.standardLibrary(key) ?? this.loadFromFile(key, loc);
    if (lib === null) return syntaxError(`unknown library ${writeString(strip(name))}`, loc);
    return lib;
  }

  private standardLibrary(key: string): Library | null {
    const names = this.standard[key];
    if (names === undefined) return null;
    const exports = new Map<string, Binding>();
    for (const n of names) exports.set(n, this.systemBinding(n));
    const lib = { name: `(${key})`, exports, body: null, deps: [], queued: true };
    this.loaded.set(key, lib);
    return lib;
  }

  /** `foo/bar.sld` next to the current file, then in each search-path directory. */
  private candidatePaths(key: string): string[] {
    const rel = key.split(" ").join("/") + ".sld";
    const dirs = [this.currentFile ? this.host.dirname(this.currentFile) : ".", ...this.searchPath];
    return dirs.map((d) => this.host.resolve(d, rel));
  }

  private loadFromFile(key: string, loc: Loc | undefined): Library | null {
    if (this.loading.has(key)) return syntaxError(`circular import of library (${key})`, loc);
    for (const path of this.candidatePaths(key)) {
      const text = this.host.readFile(path);
      if (text === null) continue;
      this.loading.add(key);
      try {
        this.withFile(path, () => this.defineLibrariesOfFile(text, path));
      } finally {
        this.loading.delete(key);
      }
      const lib = this.loaded.get(key);
      if (lib === undefined) return syntaxError(`${path} does not define library (${key})`, loc);
      return lib;
    }
    return null;
  }

  private defineLibrariesOfFile(text: string, path: string): void {
    for (const { datum, loc } of readAll(text, path)) {
      if (datum instanceof Pair && datum.car === Sym.intern("define-library"))
        this.defineLibrary(datum, loc);
      else syntaxError(`${path}: only define-library forms are allowed in a library file`, loc);
    }
  }

  libraryExists(name: unknown): boolean {
    const key = libraryKey(name);
    if (key === null) return false;
    if (this.loaded.has(key) || this.standard[key] !== undefined) return true;
    return this.candidatePaths(key).some((p) => this.host.readFile(p) !== null);
  }

  // ── Import sets ──────────────────────────────────────────────────────────────────────────────

  /** The bindings an import set gives, keyed by the name they are imported under. */
  importSet(set: unknown, loc: Loc | undefined, deps: Library[]): Map<string, Binding> {
    const parts = listItems(set);
    if (parts === undefined || parts.length === 0)
      return syntaxError("import: bad import set", loc, strip(set));
    const head = isIdentifier(parts[0]) ? baseName(parts[0]) : null;
    const isModifier = parts.length >= 2 && parts[1] instanceof Pair;
    if (isModifier && head === "only") {
      const inner = this.importSet(parts[1], loc, deps);
      const out = new Map<string, Binding>();
      for (const id of parts.slice(2))
        out.set(this.name(id, loc), this.imported(inner, this.name(id, loc), set, loc));
      return out;
    }
    if (isModifier && head === "except") {
      const out = new Map(this.importSet(parts[1], loc, deps));
      for (const id of parts.slice(2)) {
        this.imported(out, this.name(id, loc), set, loc);
        out.delete(this.name(id, loc));
      }
      return out;
    }
    if (isModifier && head === "prefix" && parts.length === 3) {
      const prefix = this.name(parts[2], loc);
      const out = new Map<string, Binding>();
      for (const [n, b] of this.importSet(parts[1], loc, deps)) out.set(prefix + n, b);
      return out;
    }
    if (isModifier && head === "rename") {
      const out = new Map(this.importSet(parts[1], loc, deps));
      const renames = parts.slice(2).map((r) => {
        const pair = listItems(r);
        if (pair === undefined || pair.length !== 2)
          return syntaxError("import: bad rename", loc, strip(r));
        const from = this.name(pair[0], loc);
        return [from, this.name(pair[1], loc), this.imported(out, from, set, loc)] as const;
      });
      for (const [from] of renames) out.delete(from);
      for (const [, to, b] of renames) out.set(to, b);
      return out;
    }
    const lib = this.find(set, loc);
    if (lib.body !== null) deps.push(lib);
    return lib.exports;
  }

  private name(id: unknown, loc: Loc | undefined): string {
    if (!isIdentifier(id)) return syntaxError("import: expected an identifier", loc, strip(id));
    return baseName(id);
  }

  private imported(
    bindings: Map<string, Binding>,
    name: string,
    set: unknown,
    loc: Loc | undefined,
  ): Binding {
    const b = bindings.get(name);
    if (b === undefined)
      return syntaxError(`import: ${name} is not exported by ${writeString(strip(set))}`, loc);
    return b;
  }

  /** Bind the imports of `set` in `top`; queue the bodies of user libraries not yet run. */
  importInto(top: TopEnv, set: unknown, loc: Loc | undefined): void {
    const deps: Library[] = [];
    for (const [name, b] of this.importSet(set, loc, deps)) top.names.set(name, b);
    for (const lib of deps) this.queue(lib);
  }

  private queue(lib: Library): void {
    if (lib.queued) return;
    lib.queued = true;
    for (const d of lib.deps) this.queue(d);
    if (lib.body !== null) this.pending.push(lib.body);
  }

  // (import set ...) at top level
  importForm(form: Pair, top: TopEnv, loc: Loc | undefined): Core {
    const sets = listItems(form.cdr);
    if (sets === undefined) return syntaxError("import: bad syntax", loc, strip(form));
    for (const set of sets) this.importInto(top, set, loc);
    const bodies = this.takePending();
    if (bodies.length === 0) return { kind: "const", value: UNSPECIFIED, loc };
    return { kind: "seq", body: [...bodies, { kind: "const", value: UNSPECIFIED, loc }], loc };
  }

  // ── define-library ───────────────────────────────────────────────────────────────────────────

  // (define-library name declaration ...)
  defineLibrary(form: Pair, loc: Loc | undefined): Core {
    const items = listItems(form);
    if (items === undefined || items.length < 2)
      return syntaxError("define-library: bad syntax", loc, strip(form));
    const key = libraryKey(items[1]);
    if (key === null) return syntaxError("define-library: bad library name", loc, strip(items[1]));
    const name = `(${key})`;
    const env = new TopEnv(`${name}::`);
    for (const k of ["quote", "quasiquote", "unquote", "unquote-splicing"])
      env.names.set(k, this.core.keywords.get(k)!);
    const exportSpecs: [string, string][] = [];
    const body: Core[] = [];
    const deps: Library[] = [];
    const declaration = (decl: unknown): void => {
      const parts = listItems(decl);
      if (parts === undefined || parts.length === 0 || !isIdentifier(parts[0]))
        return syntaxError("define-library: bad declaration", loc, strip(decl));
      const args = parts.slice(1);
      switch (baseName(parts[0])) {
        case "export":
          for (const spec of args) exportSpecs.push(this.exportSpec(spec, loc));
          return;
        case "import":
          for (const set of args) {
            for (const [n, b] of this.importSet(set, loc, deps)) env.names.set(n, b);
          }
          return;
        case "begin":
          for (const f of args) body.push(this.core.topLevel(f, env, loc));
          return;
        case "include":
        case "include-ci":
          for (const f of this.include(args, baseName(parts[0]) === "include-ci", loc))
            body.push(this.core.topLevel(f, env, loc));
          return;
        case "include-library-declarations":
          for (const d of this.include(args, false, loc)) declaration(d);
          return;
        case "cond-expand":
          for (const d of condExpandBody(this.core, decl as Pair, env, loc)) declaration(d);
          return;
        default:
          return syntaxError("define-library: unknown declaration", loc, strip(decl));
      }
    };
    for (const decl of items.slice(2)) declaration(decl);
    const exports = new Map<string, Binding>();
    for (const [internal, external] of exportSpecs) {
      const b = env.names.get(internal);
      if (b === undefined || (b.kind === "global" && b.free === true))
        return syntaxError(`define-library ${name}: exported name ${internal} is not defined`, loc);
      exports.set(
        external,
        b.kind === "global" ? { kind: "global", cell: b.cell, imported: true } : b,
      );
    }
    // A library's body sees only what it imports and defines (R7RS 5.6.1): a name it uses but
    // never defines is a mistake to report now, not an "unbound variable" when the code runs.
    const unknown: string[] = [];
    for (const [n, b] of env.names) if (b.kind === "global" && b.free === true) unknown.push(n);
    if (unknown.length > 0)
      return syntaxError(
        `define-library ${name}: ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} ` +
          "used but neither defined nor imported",
        loc,
      );
    const bodyCore: Core | null =
      body.length === 0 ? null : body.length === 1 ? body[0] : { kind: "seq", body, loc };
    this.loaded.set(key, { name, exports, body: bodyCore, deps, queued: bodyCore === null });
    return { kind: "const", value: UNSPECIFIED, loc };
  }

  private exportSpec(spec: unknown, loc: Loc | undefined): [string, string] {
    if (isIdentifier(spec)) return [baseName(spec), baseName(spec)];
    const parts = listItems(spec);
    if (
      parts?.length === 3 &&
      isIdentifier(parts[0]) &&
      baseName(parts[0]) === "rename" &&
      isIdentifier(parts[1]) &&
      isIdentifier(parts[2])
    )
      return [baseName(parts[1]), baseName(parts[2])];
    return syntaxError("export: bad export spec", loc, strip(spec));
  }

  // ── include ──────────────────────────────────────────────────────────────────────────────────

  /** The forms of the named files, relative to the current file; `include-ci` folds symbol case. */
  include(files: unknown[], foldCase: boolean, loc: Loc | undefined): unknown[] {
    const dir = this.currentFile ? this.host.dirname(this.currentFile) : ".";
    const out: unknown[] = [];
    for (const f of files) {
      if (!(f instanceof MString))
        return syntaxError("include: expected a file name string", loc, strip(f));
      const path = this.host.resolve(dir, f.toString());
      const text = this.host.readFile(path);
      if (text === null) return syntaxError(`include: cannot read file ${f.toString()}`, loc);
      for (const { datum } of readAll(text, path)) out.push(foldCase ? foldSymbols(datum) : datum);
    }
    return out;
  }
}

/** Downcase every symbol in a datum read by include-ci, in place (keeps source locations). */
function foldSymbols(x: unknown): unknown {
  if (x instanceof Sym) return Sym.intern(x.name.toLowerCase());
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) x[i] = foldSymbols(x[i]);
    return x;
  }
  for (let p = x; p instanceof Pair; p = p.cdr) {
    p.car = foldSymbols(p.car);
    if (!(p.cdr instanceof Pair) && p.cdr !== NIL) p.cdr = foldSymbols(p.cdr);
  }
  return x;
}
