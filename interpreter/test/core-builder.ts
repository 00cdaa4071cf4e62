// Test helper: builds Core from nested JS arrays, so the VM can be tested without the reader and
// expander. Strings are identifiers, numbers and booleans are constants, `["quote", v]` is the
// JS value v. Special forms: define, lambda (params array; "." before a rest name, or one string
// for all-rest), if, begin, set!, let (also named), let*, letrec, case-lambda, and
// `["@", line, form]`, which places `form` (and what it contains) on a source line of
// "test.scm". Every form gets a Loc whose column is its order of appearance on that line.
import { GlobalCell, Var, type Core, type Lambda } from "../src/core.ts";
import { Builtins } from "../src/runtime/registry.ts";
import * as control from "../src/runtime/control.ts";
import * as lists from "../src/runtime/lists.ts";
import * as numeric from "../src/runtime/numeric.ts";
import * as vectors from "../src/runtime/vectors.ts";
import { UNSPECIFIED, type Loc } from "../src/values.ts";

export type Form = unknown;

export const FILE = "test.scm";

/** One global environment: builtins as immutable cells, user definitions as mutable ones. */
export function makeGlobals(extra?: (b: Builtins) => void): Map<string, GlobalCell> {
  const b = new Builtins();
  for (const m of [numeric, lists, vectors, control]) m.install(b);
  extra?.(b);
  const cells = new Map<string, GlobalCell>();
  for (const [name, value] of b.table) {
    const cell = new GlobalCell(name, true);
    cell.value = value;
    cells.set(name, cell);
  }
  return cells;
}

type Scope = Map<string, Var>[];

export class CoreBuilder {
  private line = 1;
  private col = 0;
  constructor(readonly globals: Map<string, GlobalCell> = makeGlobals()) {}

  /** A whole program: a sequence of top-level forms, form i on line i+1 unless placed. */
  program(forms: Form[]): Core {
    const body = forms.map((f, i) => {
      this.line = i + 1;
      this.col = 0;
      return this.build(f, []);
    });
    return body.length === 1 ? body[0] : { kind: "seq", body };
  }

  private loc(): Loc {
    const col = ++this.col;
    return { file: FILE, line: this.line, col, endLine: this.line, endCol: col + 1 };
  }

  private cell(name: string): GlobalCell {
    let c = this.globals.get(name);
    if (!c) {
      c = new GlobalCell(name);
      this.globals.set(name, c);
    }
    return c;
  }

  private lookup(name: string, scope: Scope): Var | undefined {
    for (let i = scope.length - 1; i >= 0; i--) {
      const v = scope[i].get(name);
      if (v) return v;
    }
    return undefined;
  }

  private body(forms: Form[], scope: Scope): Core {
    const defs = forms.filter((f) => Array.isArray(f) && f[0] === "define") as Form[][];
    if (defs.length === 0) {
      const body = forms.map((f) => this.build(f, scope));
      return body.length === 1 ? body[0] : { kind: "seq", body };
    }
    // Internal definitions → letrec.
    const frame = new Map<string, Var>();
    const names = defs.map((d) => (Array.isArray(d[1]) ? (d[1][0] as string) : (d[1] as string)));
    const vars = names.map((n) => {
      const v = new Var(n);
      frame.set(n, v);
      return v;
    });
    const inner = [...scope, frame];
    const inits = defs.map((d) => this.defineValue(d, inner));
    const rest = forms.filter((f) => !(Array.isArray(f) && f[0] === "define"));
    const body = rest.length
      ? this.body(rest, inner)
      : { kind: "const" as const, value: UNSPECIFIED };
    return { kind: "letrec", vars, inits, body, loc: this.loc() };
  }

  private defineValue(d: Form[], scope: Scope): Core {
    if (Array.isArray(d[1])) {
      const [name, ...params] = d[1] as string[];
      return this.lambda(params, d.slice(2), scope, name);
    }
    const v = this.build(d[2], scope);
    if (v.kind === "lambda" && v.name === null) v.name = d[1] as string;
    return v;
  }

  private lambda(params: Form, body: Form[], scope: Scope, name: string | null): Lambda {
    const frame = new Map<string, Var>();
    const ps: Var[] = [];
    let rest: Var | null = null;
    if (typeof params === "string") {
      rest = new Var(params);
      frame.set(params, rest);
    } else {
      const list = params as string[];
      for (let i = 0; i < list.length; i++) {
        if (list[i] === ".") {
          rest = new Var(list[i + 1]);
          frame.set(list[i + 1], rest);
          break;
        }
        const v = new Var(list[i]);
        ps.push(v);
        frame.set(list[i], v);
      }
    }
    const loc = this.loc();
    return {
      kind: "lambda",
      params: ps,
      rest,
      body: this.body(body, [...scope, frame]),
      name,
      loc,
    };
  }

  build(f: Form, scope: Scope): Core {
    if (typeof f === "string") {
      const v = this.lookup(f, scope);
      return v ? { kind: "lref", v } : { kind: "gref", cell: this.cell(f) };
    }
    if (!Array.isArray(f)) return { kind: "const", value: f };
    const [head, ...args] = f;
    if (typeof head === "string" && !this.lookup(head, scope)) {
      const special = this.special(head, args, scope);
      if (special) return special;
    }
    const loc = this.loc();
    return {
      kind: "call",
      fn: this.build(head, scope),
      args: args.map((a) => this.build(a, scope)),
      loc,
    };
  }

  private special(head: string, a: Form[], scope: Scope): Core | null {
    switch (head) {
      case "@": {
        const saved = [this.line, this.col];
        this.line = a[0] as number;
        this.col = 0;
        const r = this.build(a[1], scope);
        [this.line, this.col] = saved;
        return r;
      }
      case "quote":
        return { kind: "const", value: a[0] };
      case "define": {
        const loc = this.loc();
        const name = Array.isArray(a[0]) ? (a[0][0] as string) : (a[0] as string);
        return {
          kind: "gdef",
          cell: this.cell(name),
          value: this.defineValue(["define", ...a], scope),
          loc,
        };
      }
      case "lambda":
        return this.lambda(a[0], a.slice(1), scope, null);
      case "if": {
        const loc = this.loc();
        return {
          kind: "if",
          test: this.build(a[0], scope),
          then: this.build(a[1], scope),
          else: a.length > 2 ? this.build(a[2], scope) : { kind: "const", value: UNSPECIFIED },
          loc,
        };
      }
      case "begin":
        return { kind: "seq", body: a.map((x) => this.build(x, scope)) };
      case "set!": {
        const loc = this.loc();
        const v = this.lookup(a[0] as string, scope);
        const value = this.build(a[1], scope);
        return v
          ? { kind: "lset", v, value, loc }
          : { kind: "gset", cell: this.cell(a[0] as string), value, loc };
      }
      case "let": {
        if (typeof a[0] === "string")
          return this.namedLet(a[0], a[1] as Form[][], a.slice(2), scope);
        const bindings = a[0] as Form[][];
        const loc = this.loc();
        const inits = bindings.map((b) => this.build(b[1], scope));
        const frame = new Map<string, Var>();
        const vars = bindings.map((b) => {
          const v = new Var(b[0] as string);
          frame.set(b[0] as string, v);
          return v;
        });
        return { kind: "let", vars, inits, body: this.body(a.slice(1), [...scope, frame]), loc };
      }
      case "let*": {
        const bindings = a[0] as Form[][];
        if (bindings.length <= 1) return this.build(["let", bindings, ...a.slice(1)], scope);
        return this.build(
          ["let", [bindings[0]], ["let*", bindings.slice(1), ...a.slice(1)]],
          scope,
        );
      }
      case "letrec": {
        const bindings = a[0] as Form[][];
        const loc = this.loc();
        const frame = new Map<string, Var>();
        const vars = bindings.map((b) => {
          const v = new Var(b[0] as string);
          frame.set(b[0] as string, v);
          return v;
        });
        const inner = [...scope, frame];
        const inits = bindings.map((b) => {
          const init = this.build(b[1], inner);
          if (init.kind === "lambda" && init.name === null) init.name = b[0] as string;
          return init;
        });
        return { kind: "letrec", vars, inits, body: this.body(a.slice(1), inner), loc };
      }
      case "case-lambda":
        return {
          kind: "case-lambda",
          clauses: a.map((c) => this.lambda((c as Form[])[0], (c as Form[]).slice(1), scope, null)),
          name: null,
        };
      default:
        return null;
    }
  }

  private namedLet(name: string, bindings: Form[][], body: Form[], scope: Scope): Core {
    const lam = ["lambda", bindings.map((b) => b[0]), ...body];
    return this.build([["letrec", [[name, lam]], name], ...bindings.map((b) => b[1])], scope);
  }
}

/** Build a program from forms. */
export function buildProgram(forms: Form[], globals?: Map<string, GlobalCell>): Core {
  return new CoreBuilder(globals).program(forms);
}
