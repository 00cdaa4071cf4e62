// The derived forms of R7RS §4.2, §5 and §7.3. Those that syntax-rules states best are written in
// Scheme below (R7RS §7.3's reference definitions); the rest (quasiquote, records, define-values,
// let-values, cond-expand, include) are transformers written in TypeScript.
import type { Core } from "../core.ts";
import { syntaxError } from "../errors.ts";
import { formLocs } from "../source-locs.ts";
import { MString, NIL, Pair, Sym, type Loc } from "../values.ts";
import { type CoreExpander, listItems, makeList } from "./expand.ts";
import { baseName, isIdentifier, strip, type Env, type Identifier, TopEnv } from "./syntax.ts";

/** The derived forms written with syntax-rules. Free identifiers in the templates (`if`, `memv`,
 *  `call/cc`...) mean the system's bindings, whatever the user's program rebinds.
 *  `delay` is R7RS's `(delay-force (make-promise e))`, but with a constructor that always wraps
 *  (`make-promise` returns a promise argument unchanged), so `(force (delay (delay 1)))` is a
 *  promise, as R7RS requires. */
const DERIVED_FORMS_SOURCE = `
(define-syntax let*-values
  (syntax-rules ()
    ((_ () body1 body2 ...) (let () body1 body2 ...))
    ((_ (binding0 binding1 ...) body1 body2 ...)
     (let-values (binding0) (let*-values (binding1 ...) body1 body2 ...)))))

(define-syntax delay-force
  (syntax-rules () ((_ expression) (%make-lazy-promise (lambda () expression)))))

(define-syntax delay
  (syntax-rules () ((_ expression) (%make-lazy-promise (lambda () (%make-eager-promise expression))))))

(define-syntax parameterize
  (syntax-rules ()
    ((_ ((param value) ...) body1 body2 ...)
     (%with-parameters (list param ...) (list value ...) (lambda () body1 body2 ...)))))

(define-syntax guard
  (syntax-rules ()
    ((_ (var clause ...) e1 e2 ...)
     ((call/cc
       (lambda (guard-k)
         (with-exception-handler
          (lambda (condition)
            ((call/cc
              (lambda (handler-k)
                (guard-k
                 (lambda ()
                   (let ((var condition))
                     (%guard-aux
                      (handler-k (lambda () (raise-continuable condition)))
                      clause ...))))))))
          (lambda ()
            (call-with-values
             (lambda () e1 e2 ...)
             (lambda args (guard-k (lambda () (apply values args)))))))))))))

(define-syntax %guard-aux
  (syntax-rules (else =>)
    ((_ reraise (else result1 result2 ...)) (begin result1 result2 ...))
    ((_ reraise (test => result)) (let ((temp test)) (if temp (result temp) reraise)))
    ((_ reraise (test => result) clause1 clause2 ...)
     (let ((temp test)) (if temp (result temp) (%guard-aux reraise clause1 clause2 ...))))
    ((_ reraise (test)) (let ((temp test)) (if temp temp reraise)))
    ((_ reraise (test) clause1 clause2 ...)
     (let ((temp test)) (if temp temp (%guard-aux reraise clause1 clause2 ...))))
    ((_ reraise (test result1 result2 ...)) (if test (begin result1 result2 ...) reraise))
    ((_ reraise (test result1 result2 ...) clause1 clause2 ...)
     (if test (begin result1 result2 ...) (%guard-aux reraise clause1 clause2 ...)))))
`;

/** The features cond-expand knows (R7RS appendix B, plus ours). */
export const FEATURES = [
  "r7rs",
  "exact-closed",
  "exact-complex",
  "ratios",
  "full-unicode",
  "nanolm",
];

/** Install the derived forms written in TypeScript into the expander's keyword table. */
export function defineNativeDerivedForms(x: CoreExpander): void {
  // (quasiquote template)
  x.special("quasiquote", (form, env, loc) => {
    const [, template] = x.args(form, loc, 1, 1, "(quasiquote template)");
    return quasi(x, template, 1, env, loc);
  });

  // (define-record-type <name> (ctor field ...) pred? (field accessor [modifier]) ...)
  x.macro("define-record-type", (form, _env, loc) => {
    const items = x.args(
      form,
      loc,
      2,
      Infinity,
      "(define-record-type name (constructor field ...) predicate field-spec ...)",
    );
    const [, typeName, ctor, pred, ...fieldSpecs] = items;
    const bad = (what: string): never =>
      syntaxError(`define-record-type: bad ${what}`, loc, strip(form));
    if (!isIdentifier(typeName)) bad("type name");
    const fields = fieldSpecs.map((spec) => {
      const parts = isIdentifier(spec) ? [spec] : listItems(spec);
      if (parts === undefined || parts.length < 1 || parts.length > 3 || !parts.every(isIdentifier))
        bad("field spec");
      return parts as Identifier[];
    });
    const fieldNames = fields.map((f) => strip(f[0]) as Sym);
    const quote = (d: unknown): unknown => makeList([x.sys("quote"), d]);
    const define = (id: unknown, value: unknown): unknown => makeList([x.sys("define"), id, value]);
    const call = (name: string, ...args: unknown[]): unknown => makeList([x.sys(name), ...args]);
    const defs = [
      define(
        typeName,
        call("%make-record-type", quote(strip(typeName)), quote(makeList(fieldNames))),
      ),
    ];
    if (isIdentifier(ctor)) {
      defs.push(define(ctor, call("%record-constructor", typeName, quote(makeList(fieldNames)))));
    } else if (ctor instanceof Pair) {
      const args = listItems(ctor) ?? bad("constructor spec");
      if (!args.every(isIdentifier)) bad("constructor spec");
      const argNames = args.slice(1).map((a) => strip(a) as Sym);
      for (const a of argNames) if (!fieldNames.includes(a)) bad(`constructor field ${a.name}`);
      defs.push(define(args[0], call("%record-constructor", typeName, quote(makeList(argNames)))));
    } else if (ctor !== false) bad("constructor spec");
    if (isIdentifier(pred)) defs.push(define(pred, call("%record-predicate", typeName)));
    else if (pred !== false) bad("predicate name");
    fields.forEach(([, accessor, modifier], i) => {
      if (accessor)
        defs.push(define(accessor, call("%record-accessor", typeName, quote(fieldNames[i]))));
      if (modifier)
        defs.push(define(modifier, call("%record-modifier", typeName, quote(fieldNames[i]))));
    });
    return makeList([x.sys("begin"), ...defs]);
  });

  // (define-values formals expr) → a hidden list of the values, then one define per variable
  x.macro("define-values", (form, _env, loc) => {
    const [, formals, expr] = x.args(form, loc, 2, 2, "(define-values formals expr)");
    const all = x.temp("all-values");
    const producer = makeList([x.sys("lambda"), NIL, expr]);
    const defs: unknown[] = [
      makeList([
        x.sys("define"),
        all,
        makeList([x.sys("call-with-values"), producer, x.sys("list")]),
      ]),
    ];
    let f = formals;
    let i = 0;
    for (; f instanceof Pair; f = f.cdr, i++) {
      if (!isIdentifier(f.car)) syntaxError("define-values: bad formals", loc, strip(form));
      defs.push(makeList([x.sys("define"), f.car, makeList([x.sys("list-ref"), all, i])]));
    }
    if (isIdentifier(f))
      defs.push(makeList([x.sys("define"), f, makeList([x.sys("list-tail"), all, i])]));
    else if (f !== NIL) syntaxError("define-values: bad formals", loc, strip(form));
    return makeList([x.sys("begin"), ...defs]);
  });

  // (let-values (((formals) init) ...) body ...): every init outside the scope of every formal
  x.macro("let-values", (form, _env, loc) => {
    const items = x.args(form, loc, 2, Infinity, "(let-values ((formals init) ...) body ...)");
    const bindings = listItems(items[1]);
    if (bindings === undefined) return syntaxError("let-values: bad bindings", loc, strip(form));
    const renames: unknown[] = []; // (user-id temp) pairs for the final let
    const steps = bindings.map((b) => {
      const parts = listItems(b);
      if (parts === undefined || parts.length !== 2)
        syntaxError("let-values: bad binding", loc, strip(b));
      const tempFormals = mapFormals(
        parts![0],
        (id) => {
          const t = x.temp(baseName(id));
          renames.push(makeList([id, t]));
          return t;
        },
        () => syntaxError("let-values: bad formals", loc, strip(b)),
      );
      return { tempFormals, init: parts![1] };
    });
    let out: unknown = makeList([x.sys("let"), makeList(renames), ...items.slice(2)]);
    for (let i = steps.length - 1; i >= 0; i--) {
      out = makeList([
        x.sys("call-with-values"),
        makeList([x.sys("lambda"), NIL, steps[i].init]),
        makeList([x.sys("lambda"), steps[i].tempFormals, out]),
      ]);
    }
    return out;
  });

  // (cond-expand (requirement body ...) ... [(else body ...)])
  x.macro("cond-expand", (form, env, loc) => {
    const body = condExpandBody(x, form, env, loc);
    return body.length === 0
      ? makeList([x.sys("if"), false, false])
      : makeList([x.sys("begin"), ...body]);
  });

  // (include "file" ...) and (include-ci "file" ...)
  for (const [name, foldCase] of [
    ["include", false],
    ["include-ci", true],
  ] as const) {
    x.macro(name, (form, _env, loc) => {
      const items = x.args(form, loc, 1, Infinity, `(${name} "file" ...)`);
      if (!items.slice(1).every((f) => f instanceof MString))
        syntaxError(`${name}: expected file names`, loc, strip(form));
      const forms = x.hooks.include(items.slice(1), foldCase, loc);
      return makeList([x.sys("begin"), ...forms]);
    });
  }
}

/** Rebuild lambda formals with each identifier replaced. */
function mapFormals(formals: unknown, f: (id: Identifier) => unknown, bad: () => never): unknown {
  if (isIdentifier(formals)) return f(formals);
  if (formals === NIL) return NIL;
  if (formals instanceof Pair && isIdentifier(formals.car))
    return new Pair(f(formals.car), mapFormals(formals.cdr, f, bad));
  return bad();
}

/** The body of the first cond-expand clause whose requirement holds (also used by define-library). */
export function condExpandBody(
  x: CoreExpander,
  form: Pair,
  env: Env,
  loc: Loc | undefined,
): unknown[] {
  const clauses = listItems(form.cdr);
  if (clauses === undefined) return syntaxError("cond-expand: bad syntax", loc, strip(form));
  for (const clause of clauses) {
    const parts = listItems(clause);
    if (parts === undefined || parts.length === 0)
      return syntaxError("cond-expand: bad clause", loc, strip(clause));
    // (Only an identifier spelled `else` is looked up: looking up a feature name would make it a
    // variable reference of the library being defined.)
    const isElse =
      isIdentifier(parts[0]) && baseName(parts[0]) === "else" && x.isKeyword(parts[0], env, "else");
    if (isElse || requirementHolds(x, parts[0], loc)) return parts.slice(1);
  }
  return [];
}

function requirementHolds(x: CoreExpander, req: unknown, loc: Loc | undefined): boolean {
  if (isIdentifier(req)) return FEATURES.includes(baseName(req));
  const parts = listItems(req);
  if (parts === undefined || parts.length === 0 || !isIdentifier(parts[0]))
    return syntaxError("cond-expand: bad feature requirement", loc, strip(req));
  const args = parts.slice(1);
  switch (baseName(parts[0])) {
    case "and":
      return args.every((r) => requirementHolds(x, r, loc));
    case "or":
      return args.some((r) => requirementHolds(x, r, loc));
    case "not":
      return !requirementHolds(x, args[0], loc);
    case "library":
      return x.hooks.libraryExists(strip(args[0]));
    default:
      return syntaxError("cond-expand: bad feature requirement", loc, strip(req));
  }
}

// ── quasiquote ──────────────────────────────────────────────────────────────────────────────────

const sym = (name: string): Sym => Sym.intern(name);

/** Core building `template` at quasiquote nesting `depth` (R7RS §4.2.8). Constant parts stay quoted. */
function quasi(x: CoreExpander, t: unknown, depth: number, env: Env, loc: Loc | undefined): Core {
  if (Array.isArray(t)) {
    const items = quasi(x, makeList(t), depth, env, formLocs.get(t) ?? loc);
    if (items.kind === "const") return { kind: "const", value: strip(t), loc };
    return x.callSys("list->vector", [items], loc);
  }
  if (!(t instanceof Pair)) return { kind: "const", value: strip(t), loc };
  const here = formLocs.get(t) ?? loc;
  const isNesting = (p: Pair): boolean =>
    x.isKeyword(p.car, env, "unquote") || x.isKeyword(p.car, env, "quasiquote");
  // ,e and `e
  if (isNesting(t)) {
    const name = x.isKeyword(t.car, env, "unquote") ? "unquote" : "quasiquote";
    const arg = oneArg(t, name, here);
    if (name === "unquote" && depth === 1) return x.expr(arg, env, here);
    const inner = quasi(x, arg, name === "unquote" ? depth - 1 : depth + 1, env, here);
    return list2(x, sym(name), inner, here);
  }
  // A list: its elements (iteratively, so long lists don't deepen the JS stack), then its tail,
  // which is () or an atom or ,e as in `(a . ,e)`.
  const elements: unknown[] = [];
  let tail: unknown = t;
  while (tail instanceof Pair && (tail === t || !isNesting(tail))) {
    elements.push(tail.car);
    tail = tail.cdr;
  }
  let out = quasi(x, tail, depth, env, here);
  for (let i = elements.length - 1; i >= 0; i--) {
    const e = elements[i];
    if (e instanceof Pair && x.isKeyword(e.car, env, "unquote-splicing")) {
      const arg = oneArg(e, "unquote-splicing", here);
      if (depth === 1) {
        const spliced = x.expr(arg, env, here);
        out =
          out.kind === "const" && out.value === NIL
            ? spliced
            : x.callSys("append", [spliced, out], here);
      } else {
        out = cons(
          x,
          list2(x, sym("unquote-splicing"), quasi(x, arg, depth - 1, env, here), here),
          out,
          here,
        );
      }
    } else {
      out = cons(x, quasi(x, e, depth, env, here), out, here);
    }
  }
  return out;
}

function oneArg(form: Pair, name: string, loc: Loc | undefined): unknown {
  if (!(form.cdr instanceof Pair) || form.cdr.cdr !== NIL)
    return syntaxError(`${name}: bad syntax (expected (${name} expr))`, loc, strip(form));
  return form.cdr.car;
}

function cons(x: CoreExpander, a: Core, d: Core, loc: Loc | undefined): Core {
  if (a.kind === "const" && d.kind === "const")
    return { kind: "const", value: new Pair(a.value, d.value), loc };
  return x.callSys("cons", [a, d], loc);
}

function list2(x: CoreExpander, head: Sym, arg: Core, loc: Loc | undefined): Core {
  return cons(
    x,
    { kind: "const", value: head, loc },
    cons(x, arg, { kind: "const", value: NIL, loc }, loc),
    loc,
  );
}

/** Parse the Scheme source of the built-in macros (a tiny reader: lists, symbols, strings,
 *  booleans, integers and quote — all that source uses), then define them in `env`. */
export function defineSchemeDerivedForms(x: CoreExpander, env: TopEnv): void {
  for (const form of parseSimple(DERIVED_FORMS_SOURCE)) {
    const items = listItems(form)!;
    const name = items[1] as Sym;
    const b = x.transformer(items[2], env, undefined, name.name);
    x.keywords.set(name.name, b);
    env.names.set(name.name, b);
  }
}

function parseSimple(text: string): unknown[] {
  const tokens = text.match(/[()']|"[^"]*"|[^\s()'"]+/g) ?? [];
  let i = 0;
  const datum = (): unknown => {
    const t = tokens[i++];
    if (t === "(") {
      const items: unknown[] = [];
      while (tokens[i] !== ")") items.push(datum());
      i++;
      return makeList(items);
    }
    if (t === "'") return makeList([sym("quote"), datum()]);
    if (t === "#t") return true;
    if (t === "#f") return false;
    if (t.startsWith('"')) return MString.from(t.slice(1, -1), false);
    if (/^-?\d+$/.test(t)) return Number(t);
    return sym(t);
  };
  const out: unknown[] = [];
  while (i < tokens.length) out.push(datum());
  return out;
}
