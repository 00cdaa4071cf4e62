// The analysis before code generation: which variables each lambda closes over (closures are
// flat: they copy their free variables), and which variables must live in a heap `Box`.
//
// A variable is boxed when it is ever `set!` (the closures that copied it, and continuations that
// copied the stack, must all see later assignments), or when it is a `letrec` variable captured by
// a closure (the closure is created before the variable has its value).
import type { Core, Lambda, Var } from "../core.ts";

export interface Analysis {
  /** Free variables of each lambda, in a fixed order (the order of `Closure.free`). */
  free: Map<Lambda, Var[]>;
  boxed: Set<Var>;
  /** Variables assigned anywhere (never candidates for the self-tail-call jump). */
  assigned: Set<Var>;
}

/**
 * `outer` lists variables bound outside the tree (the variables of a debugger frame when a
 * debugger expression is compiled); they are free in `top` and always boxed.
 */
export function analyze(top: Lambda, outer: Var[] = []): Analysis {
  const binder = new Map<Var, Lambda>();
  const freeSets = new Map<Lambda, Set<Var>>();
  const assigned = new Set<Var>();
  const captured = new Set<Var>();
  const letrecBound = new Set<Var>();
  const lambdaStack: Lambda[] = [];
  const outerSentinel = { kind: "lambda" } as Lambda;
  for (const v of outer) binder.set(v, outerSentinel);

  function reference(v: Var): void {
    const home = binder.get(v);
    if (home === undefined) throw new Error(`compiler: unbound lexical variable ${v.name}`);
    for (let i = lambdaStack.length - 1; i >= 0 && lambdaStack[i] !== home; i--) {
      freeSets.get(lambdaStack[i])!.add(v);
      captured.add(v);
    }
  }

  function lambda(l: Lambda): void {
    freeSets.set(l, new Set());
    for (const p of l.params) binder.set(p, l);
    if (l.rest) binder.set(l.rest, l);
    lambdaStack.push(l);
    walk(l.body);
    lambdaStack.pop();
  }

  function walk(n: Core): void {
    switch (n.kind) {
      case "const":
      case "gref":
        return;
      case "lref":
        return reference(n.v);
      case "lset":
        assigned.add(n.v);
        reference(n.v);
        return walk(n.value);
      case "gset":
      case "gdef":
        return walk(n.value);
      case "if":
        walk(n.test);
        walk(n.then);
        return walk(n.else);
      case "seq":
        for (const b of n.body) walk(b);
        return;
      case "lambda":
        return lambda(n);
      case "case-lambda":
        for (const c of n.clauses) lambda(c);
        return;
      case "call":
        walk(n.fn);
        for (const a of n.args) walk(a);
        return;
      case "let":
        for (const i of n.inits) walk(i);
        for (const v of n.vars) binder.set(v, lambdaStack[lambdaStack.length - 1]);
        return walk(n.body);
      case "letrec":
        for (const v of n.vars) {
          binder.set(v, lambdaStack[lambdaStack.length - 1]);
          letrecBound.add(v);
        }
        for (const i of n.inits) walk(i);
        return walk(n.body);
    }
  }

  lambda(top);
  const boxed = new Set<Var>(outer);
  for (const v of assigned) boxed.add(v);
  for (const v of letrecBound) if (captured.has(v)) boxed.add(v);
  const free = new Map<Lambda, Var[]>();
  for (const [l, s] of freeSets) free.set(l, [...s]);
  return { free, boxed, assigned };
}
