// `syntax-rules` (R7RS §4.3.2): pattern matching on the use of a macro and template instantiation
// with fresh aliases for every identifier the template introduces (see syntax.ts for why).
import { syntaxError } from "../errors.ts";
import { writeString } from "../printer.ts";
import { Char, MString, NIL, Pair, type Loc } from "../values.ts";
import {
  Alias,
  baseName,
  isIdentifier,
  sameBinding,
  strip,
  type Env,
  type Identifier,
  type Transformer,
} from "./syntax.ts";

/** The matches of a pattern variable under `depth` ellipses: one entry per repetition of the
 *  outermost one (each entry an EllipsisMatch of depth - 1, or the matched form when depth is 1). */
class EllipsisMatch {
  constructor(
    readonly items: unknown[],
    readonly depth: number,
  ) {}
}

type Bindings = Map<Identifier, unknown>;

interface Rules {
  ellipsis: string;
  literals: Identifier[];
  rules: { pattern: unknown; template: unknown }[];
  env: Env;
}

/** Build the transformer of `(syntax-rules [ellipsis] (literal ...) (pattern template) ...)`. */
export function makeSyntaxRules(spec: Pair, env: Env, loc: Loc | undefined): Transformer {
  let rest = spec.cdr;
  let ellipsis = "...";
  if (rest instanceof Pair && isIdentifier(rest.car)) {
    ellipsis = baseName(rest.car);
    rest = rest.cdr;
  }
  if (!(rest instanceof Pair)) syntaxError("syntax-rules: missing literals list", loc, strip(spec));
  const literals = specItems(rest.car, spec, loc);
  if (!literals.every(isIdentifier))
    syntaxError("syntax-rules: literals must be identifiers", loc, strip(spec));
  const rules = specItems(rest.cdr, spec, loc).map((rule) => {
    const parts = specItems(rule, spec, loc);
    if (parts.length !== 2 || !(parts[0] instanceof Pair))
      syntaxError("syntax-rules: bad rule (expected (pattern template))", loc, strip(rule));
    return { pattern: (parts[0] as Pair).cdr, template: parts[1] };
  });
  // An ellipsis listed among the literals is matched as a literal, never as an ellipsis (R7RS §4.3.2).
  if (literals.some((l) => baseName(l as Identifier) === ellipsis)) ellipsis = "";
  const r: Rules = { ellipsis, literals: literals as Identifier[], rules, env };
  return (form, useEnv, useLoc) => {
    const b: Bindings = new Map();
    for (const rule of r.rules) {
      if (match(r, rule.pattern, form.cdr, b, useEnv))
        return instantiate(r, rule.template, b, new Map(), true, useLoc);
      b.clear();
    }
    return syntaxError(`no matching syntax-rules pattern for ${writeString(strip(form))}`, useLoc);
  };
}

function specItems(x: unknown, whole: unknown, loc: Loc | undefined): unknown[] {
  const out: unknown[] = [];
  while (x instanceof Pair) {
    out.push(x.car);
    x = x.cdr;
  }
  if (x !== NIL) syntaxError("syntax-rules: bad syntax", loc, strip(whole));
  return out;
}

function isEllipsis(r: Rules, x: unknown): boolean {
  return isIdentifier(x) && baseName(x) === r.ellipsis;
}

function isLiteral(r: Rules, id: Identifier): boolean {
  return r.literals.includes(id);
}

// ── Matching ────────────────────────────────────────────────────────────────────────────────────

function match(r: Rules, p: unknown, f: unknown, b: Bindings, useEnv: Env): boolean {
  if (isIdentifier(p)) {
    if (isLiteral(r, p)) return isIdentifier(f) && sameBinding(f, useEnv, p, r.env);
    if (baseName(p) !== "_") b.set(p, f);
    return true;
  }
  if (p instanceof Pair) {
    if (p.cdr instanceof Pair && isEllipsis(r, p.cdr.car)) return matchEllipsis(r, p, f, b, useEnv);
    return (
      f instanceof Pair && match(r, p.car, f.car, b, useEnv) && match(r, p.cdr, f.cdr, b, useEnv)
    );
  }
  if (p === NIL) return f === NIL;
  if (Array.isArray(p))
    return Array.isArray(f) && match(r, arrayToList(p), arrayToList(f), b, useEnv);
  return equalDatum(p, f);
}

/** `(p ... tail...)`: as many repetitions of p as leave enough items for the tail patterns. */
function matchEllipsis(r: Rules, p: Pair, f: unknown, b: Bindings, useEnv: Env): boolean {
  const tail = (p.cdr as Pair).cdr;
  const repeats = pairCount(f) - pairCount(tail);
  if (repeats < 0) return false;
  const matches: Bindings[] = [];
  for (let i = 0; i < repeats; i++) {
    const mb: Bindings = new Map();
    if (!match(r, p.car, (f as Pair).car, mb, useEnv)) return false;
    matches.push(mb);
    f = (f as Pair).cdr;
  }
  for (const [v, depth] of patternVars(r, p.car))
    b.set(
      v,
      new EllipsisMatch(
        matches.map((m) => m.get(v)),
        depth + 1,
      ),
    );
  return match(r, tail, f, b, useEnv);
}

function pairCount(x: unknown): number {
  let n = 0;
  for (; x instanceof Pair; x = x.cdr) n++;
  return n;
}

/** The pattern variables of `p`, each with the number of ellipses it sits under within `p`. */
function patternVars(
  r: Rules,
  p: unknown,
  depth = 0,
  out = new Map<Identifier, number>(),
): Map<Identifier, number> {
  if (isIdentifier(p)) {
    if (!isLiteral(r, p) && !isEllipsis(r, p) && baseName(p) !== "_") out.set(p, depth);
  } else if (p instanceof Pair) {
    const repeated = p.cdr instanceof Pair && isEllipsis(r, p.cdr.car);
    patternVars(r, p.car, repeated ? depth + 1 : depth, out);
    patternVars(r, repeated ? (p.cdr as Pair).cdr : p.cdr, depth, out);
  } else if (Array.isArray(p)) {
    patternVars(r, arrayToList(p), depth, out);
  }
  return out;
}

function equalDatum(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof MString && b instanceof MString) return a.toString() === b.toString();
  if (a instanceof Char && b instanceof Char) return a.code === b.code;
  return false;
}

function arrayToList(a: unknown[]): unknown {
  let out: unknown = NIL;
  for (let i = a.length - 1; i >= 0; i--) out = new Pair(a[i], out);
  return out;
}

// ── Instantiation ───────────────────────────────────────────────────────────────────────────────

function instantiate(
  r: Rules,
  t: unknown,
  b: Bindings,
  renames: Map<Identifier, Alias>,
  ellipsisActive: boolean,
  loc: Loc | undefined,
): unknown {
  if (isIdentifier(t)) {
    if (b.has(t)) {
      const v = b.get(t);
      if (v instanceof EllipsisMatch)
        syntaxError(`syntax-rules: pattern variable ${baseName(t)} used without ellipsis`, loc);
      return v;
    }
    let a = renames.get(t);
    if (a === undefined) {
      a = new Alias(t, r.env);
      renames.set(t, a);
    }
    return a;
  }
  if (t instanceof Pair) {
    // (... template): the template with the ellipsis taken literally
    if (ellipsisActive && isEllipsis(r, t.car) && t.cdr instanceof Pair)
      return instantiate(r, t.cdr.car, b, renames, false, loc);
    if (ellipsisActive && t.cdr instanceof Pair && isEllipsis(r, t.cdr.car)) {
      let depth = 0;
      let rest: unknown = t.cdr;
      while (rest instanceof Pair && isEllipsis(r, rest.car)) {
        depth++;
        rest = rest.cdr;
      }
      const items = repeat(r, t.car, b, renames, depth, loc);
      let out = instantiate(r, rest, b, renames, true, loc);
      for (let i = items.length - 1; i >= 0; i--) out = new Pair(items[i], out);
      return out;
    }
    return new Pair(
      instantiate(r, t.car, b, renames, ellipsisActive, loc),
      instantiate(r, t.cdr, b, renames, ellipsisActive, loc),
    );
  }
  if (Array.isArray(t)) {
    const items: unknown[] = [];
    for (
      let x = instantiate(r, arrayToList(t), b, renames, ellipsisActive, loc);
      x instanceof Pair;
      x = x.cdr
    )
      items.push(x.car);
    return items;
  }
  return t;
}

/** The instances of `sub` followed by `depth` ellipses, one per repetition of its variables. */
function repeat(
  r: Rules,
  sub: unknown,
  b: Bindings,
  renames: Map<Identifier, Alias>,
  depth: number,
  loc: Loc | undefined,
): unknown[] {
  if (depth === 0) return [instantiate(r, sub, b, renames, true, loc)];
  // Iterate the variables matched under more ellipses than `sub` itself applies to them inside it;
  // the others are repeated as they are, so `((x y ...) ...)` may reuse all of y for each x.
  const vars = [...templateVars(r, sub)]
    .filter(([v, d]) => {
      const m = b.get(v);
      return m instanceof EllipsisMatch && m.depth > d;
    })
    .map(([v]) => v);
  if (vars.length === 0)
    syntaxError("syntax-rules: no pattern variable before ellipsis in template", loc);
  let n = -1;
  for (const v of vars) {
    const len = (b.get(v) as EllipsisMatch).items.length;
    if (n >= 0 && len !== n)
      syntaxError("syntax-rules: ellipsis variables of different lengths", loc);
    n = len;
  }
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const bi = new Map(b);
    for (const v of vars) bi.set(v, (b.get(v) as EllipsisMatch).items[i]);
    for (const x of repeat(r, sub, bi, renames, depth - 1, loc)) out.push(x);
  }
  return out;
}

/** The identifiers of template `t`, each with the most ellipses it sits under within `t`. */
function templateVars(
  r: Rules,
  t: unknown,
  depth = 0,
  out = new Map<Identifier, number>(),
): Map<Identifier, number> {
  if (isIdentifier(t)) {
    out.set(t, Math.max(depth, out.get(t) ?? 0));
  } else if (t instanceof Pair) {
    if (isEllipsis(r, t.car) && t.cdr instanceof Pair)
      return templateVars(r, t.cdr.car, depth, out); // (... ...)
    let rest: unknown = t.cdr;
    let k = 0;
    while (rest instanceof Pair && isEllipsis(r, rest.car)) {
      k++;
      rest = rest.cdr;
    }
    templateVars(r, t.car, depth + k, out);
    templateVars(r, rest, depth, out);
  } else if (Array.isArray(t)) {
    templateVars(r, arrayToList(t), depth, out);
  }
  return out;
}
