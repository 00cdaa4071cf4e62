// The most common derived forms (and, or, when, unless, let*, cond, case, do), expanded straight to
// Core instead of through syntax-rules: same meaning as R7RS §7.3's definitions, a fraction of the
// expansion work. Runtime helpers (eqv?, memv) are reached through their system cells.
import { Var, type Core } from "../core.ts";
import { syntaxError } from "../errors.ts";
import { formLocs } from "../source-locs.ts";
import { Pair, UNSPECIFIED, type Loc } from "../values.ts";
import { type CoreExpander, listItems, makeList } from "./expand.ts";
import { Scope, baseName, isIdentifier, strip, type Env } from "./syntax.ts";

const unspecified = (loc: Loc | undefined): Core => ({ kind: "const", value: UNSPECIFIED, loc });
const constant = (value: unknown, loc: Loc | undefined): Core => ({ kind: "const", value, loc });
const ref = (v: Var, loc: Loc | undefined): Core => ({ kind: "lref", v, loc });

/** Expand `forms` as expressions in sequence (value of the last). */
function sequence(x: CoreExpander, forms: unknown[], env: Env, loc: Loc | undefined): Core {
  const body = forms.map((f) => x.expr(f, env, loc));
  return body.length === 1 ? body[0] : { kind: "seq", body, loc };
}

/** `(let ((v init)) body)` where body uses v through `use`. */
function bindTemp(name: string, init: Core, use: (v: Var) => Core, loc: Loc | undefined): Core {
  const v = new Var(name);
  return { kind: "let", vars: [v], inits: [init], body: use(v), loc };
}

export function defineCoreDerivedForms(x: CoreExpander): void {
  // (and test ...)
  x.special("and", (form, env, loc) => {
    const tests = x.args(form, loc, 0, Infinity, "(and test ...)").slice(1);
    if (tests.length === 0) return constant(true, loc);
    let out = x.expr(tests[tests.length - 1], env, loc);
    for (let i = tests.length - 2; i >= 0; i--)
      out = {
        kind: "if",
        test: x.expr(tests[i], env, loc),
        then: out,
        else: constant(false, loc),
        loc,
      };
    return out;
  });

  // (or test ...)
  x.special("or", (form, env, loc) => {
    const tests = x.args(form, loc, 0, Infinity, "(or test ...)").slice(1);
    if (tests.length === 0) return constant(false, loc);
    let out = x.expr(tests[tests.length - 1], env, loc);
    for (let i = tests.length - 2; i >= 0; i--) {
      const rest = out;
      out = bindTemp(
        "x",
        x.expr(tests[i], env, loc),
        (v) => ({ kind: "if", test: ref(v, loc), then: ref(v, loc), else: rest, loc }),
        loc,
      );
    }
    return out;
  });

  // (when test expr ...) and (unless test expr ...)
  x.special("when", (form, env, loc) => {
    const items = x.args(form, loc, 2, Infinity, "(when test expr ...)");
    return {
      kind: "if",
      test: x.expr(items[1], env, loc),
      then: sequence(x, items.slice(2), env, loc),
      else: unspecified(loc),
      loc,
    };
  });
  x.special("unless", (form, env, loc) => {
    const items = x.args(form, loc, 2, Infinity, "(unless test expr ...)");
    return {
      kind: "if",
      test: x.expr(items[1], env, loc),
      then: unspecified(loc),
      else: sequence(x, items.slice(2), env, loc),
      loc,
    };
  });

  // (let* ((name init) ...) body ...): one scope per binding
  x.special("let*", (form, env, loc) => {
    const items = x.args(form, loc, 2, Infinity, "(let* ((name init) ...) body ...)");
    const bindings = x.bindingPairs(items[1], form, loc, "let*");
    const lets: { v: Var; init: Core }[] = [];
    let scope: Env = env;
    for (const { id, init } of bindings) {
      const initCore = x.expr(init, scope, loc);
      const inner = new Scope(scope);
      const v = new Var(baseName(id));
      inner.bindings.set(id, { kind: "local", v });
      if (initCore.kind === "lambda" && initCore.name === null) initCore.name = v.name;
      lets.push({ v, init: initCore });
      scope = inner;
    }
    let out = x.body(items.slice(2), scope, loc);
    for (let i = lets.length - 1; i >= 0; i--)
      out = { kind: "let", vars: [lets[i].v], inits: [lets[i].init], body: out, loc };
    return out;
  });

  // (cond (test expr ...) (test => receiver) (test) ... [(else expr ...)])
  x.special("cond", (form, env, loc) => {
    const clauses = x
      .args(form, loc, 1, Infinity, "(cond (test expr ...) ... [(else expr ...)])")
      .slice(1);
    const clause = (i: number): Core => {
      if (i === clauses.length) return unspecified(loc);
      const parts = listItems(clauses[i]);
      const here = (clauses[i] instanceof Pair && formLocs.get(clauses[i] as Pair)) || loc;
      if (parts === undefined || parts.length === 0)
        return syntaxError("cond: bad clause", here, strip(clauses[i]));
      if (x.isKeyword(parts[0], env, "else")) {
        if (i !== clauses.length - 1)
          return syntaxError("cond: else clause must be last", here, strip(form));
        if (parts.length === 1)
          return syntaxError("cond: empty else clause", here, strip(clauses[i]));
        return sequence(x, parts.slice(1), env, here);
      }
      const test = x.expr(parts[0], env, here);
      if (parts.length === 1) {
        if (i === clauses.length - 1) return test;
        const rest = clause(i + 1);
        return bindTemp(
          "temp",
          test,
          (v) => ({ kind: "if", test: ref(v, here), then: ref(v, here), else: rest, loc: here }),
          here,
        );
      }
      if (x.isKeyword(parts[1], env, "=>")) {
        if (parts.length !== 3)
          return syntaxError(
            "cond: bad => clause (expected (test => receiver))",
            here,
            strip(clauses[i]),
          );
        const receiver = x.expr(parts[2], env, here);
        const rest = clause(i + 1);
        return bindTemp(
          "temp",
          test,
          (v) => ({
            kind: "if",
            test: ref(v, here),
            then: { kind: "call", fn: receiver, args: [ref(v, here)], loc: here },
            else: rest,
            loc: here,
          }),
          here,
        );
      }
      return {
        kind: "if",
        test,
        then: sequence(x, parts.slice(1), env, here),
        else: clause(i + 1),
        loc: here,
      };
    };
    return clause(0);
  });

  // (case key ((datum ...) expr ...) ((datum ...) => receiver) ... [(else expr ...)] [(else => receiver)])
  x.special("case", (form, env, loc) => {
    const items = x.args(
      form,
      loc,
      1,
      Infinity,
      "(case key ((datum ...) expr ...) ... [(else expr ...)])",
    );
    const clauses = items.slice(2);
    const body = (parts: unknown[], key: Var, here: Loc | undefined): Core => {
      if (parts.length >= 1 && x.isKeyword(parts[0], env, "=>")) {
        if (parts.length !== 2)
          return syntaxError("case: bad => clause", here, strip(makeList(parts)));
        return { kind: "call", fn: x.expr(parts[1], env, here), args: [ref(key, here)], loc: here };
      }
      if (parts.length === 0) return syntaxError("case: empty clause", here, strip(form));
      return sequence(x, parts, env, here);
    };
    return bindTemp(
      "key",
      x.expr(items[1], env, loc),
      (key) => {
        const clause = (i: number): Core => {
          if (i === clauses.length) return unspecified(loc);
          const parts = listItems(clauses[i]);
          const here = (clauses[i] instanceof Pair && formLocs.get(clauses[i] as Pair)) || loc;
          if (parts === undefined || parts.length === 0)
            return syntaxError("case: bad clause", here, strip(clauses[i]));
          if (x.isKeyword(parts[0], env, "else")) {
            if (i !== clauses.length - 1)
              return syntaxError("case: else clause must be last", here, strip(form));
            return body(parts.slice(1), key, here);
          }
          const data = listItems(parts[0]);
          if (data === undefined)
            return syntaxError("case: bad datum list", here, strip(clauses[i]));
          const test: Core =
            data.length === 1
              ? x.callSys("eqv?", [ref(key, here), constant(strip(data[0]), here)], here)
              : x.callSys("memv", [ref(key, here), constant(strip(makeList(data)), here)], here);
          return {
            kind: "if",
            test,
            then: body(parts.slice(1), key, here),
            else: clause(i + 1),
            loc: here,
          };
        };
        return clause(0);
      },
      loc,
    );
  });

  // (do ((var init [step]) ...) (test result ...) command ...)
  x.special("do", (form, env, loc) => {
    const usage = "(do ((var init [step]) ...) (test result ...) command ...)";
    const items = x.args(form, loc, 2, Infinity, usage);
    const specs = listItems(items[1]);
    const exit = listItems(items[2]);
    if (specs === undefined || exit === undefined || exit.length === 0)
      return syntaxError(`do: bad syntax (expected ${usage})`, loc, strip(form));
    const scope = new Scope(env);
    const vars: { v: Var; init: unknown; step: unknown }[] = specs.map((spec) => {
      const parts = listItems(spec);
      if (parts === undefined || parts.length < 2 || parts.length > 3 || !isIdentifier(parts[0]))
        return syntaxError(`do: bad variable spec (expected (var init [step]))`, loc, strip(spec));
      const v = new Var(baseName(parts[0]));
      scope.bindings.set(parts[0], { kind: "local", v });
      return { v, init: parts[1], step: parts.length === 3 ? parts[2] : parts[0] };
    });
    const loop = new Var("do-loop");
    const again: Core = {
      kind: "call",
      fn: ref(loop, loc),
      args: vars.map((d) => x.expr(d.step, scope, loc)),
      loc,
    };
    const commands = items.slice(3).map((c) => x.expr(c, scope, loc));
    const lambda: Core = {
      kind: "lambda",
      params: vars.map((d) => d.v),
      rest: null,
      name: "do-loop",
      loc,
      body: {
        kind: "if",
        test: x.expr(exit[0], scope, loc),
        then: exit.length === 1 ? unspecified(loc) : sequence(x, exit.slice(1), scope, loc),
        else: commands.length === 0 ? again : { kind: "seq", body: [...commands, again], loc },
        loc,
      },
    };
    return {
      kind: "letrec",
      vars: [loop],
      inits: [lambda],
      body: {
        kind: "call",
        fn: ref(loop, loc),
        args: vars.map((d) => x.expr(d.init, env, loc)),
        loc,
      },
      loc,
    };
  });
}
