// R7RS §6.3 booleans and §6.4 pairs and lists, plus (scheme cxr). The two-argument forms of
// member and assoc are primitives here (`%member`, `%assoc`); the prelude adds the optional
// predicate argument, which needs to call Scheme.
import type { Builtins } from "./registry.ts";
import { schemeError, wrongType } from "../errors.ts";
import { NIL, Pair, UNSPECIFIED } from "../values.ts";
import { arrayToList, checkIndexValue, checkLength, checkList, checkPair } from "./args.ts";
import { isEq, isEqual, isEqv } from "./equivalence.ts";

/** True for a proper (finite, NIL-terminated) list; uses the tortoise and hare to stop on cycles. */
export function isList(x: unknown): boolean {
  let slow = x;
  for (;;) {
    if (x === NIL) return true;
    if (!(x instanceof Pair)) return false;
    x = x.cdr;
    if (x === NIL) return true;
    if (!(x instanceof Pair)) return false;
    x = x.cdr;
    slow = (slow as Pair).cdr;
    if (x === slow) return false;
  }
}

/** `length`: counts the pairs, rejecting improper and circular lists. */
function length(x: unknown): number {
  let n = 0;
  let slow = x;
  let p = x;
  while (p instanceof Pair) {
    p = p.cdr;
    n++;
    if ((n & 1) === 0) {
      slow = (slow as Pair).cdr;
      if (slow === p && p instanceof Pair)
        schemeError("length: expected a proper list, got a circular list");
    }
  }
  if (p !== NIL) wrongType("length", "a proper list", x);
  return n;
}

/** `append`: copies every list but the last, which is shared (and may be any value). */
function append(...lists: unknown[]): unknown {
  if (lists.length === 0) return NIL;
  let result = lists[lists.length - 1];
  for (let i = lists.length - 2; i >= 0; i--) {
    const items = checkList("append", lists[i]);
    for (let j = items.length - 1; j >= 0; j--) result = new Pair(items[j], result);
  }
  return result;
}

/** `reverse`: a fresh list; a circular argument is an error, not an endless allocation. */
function reverse(x: unknown): unknown {
  let out: unknown = NIL;
  let p = x;
  let slow = x;
  let n = 0;
  while (p instanceof Pair) {
    out = new Pair(p.car, out);
    p = p.cdr;
    if ((++n & 1) === 0) {
      slow = (slow as Pair).cdr;
      if (slow === p && p instanceof Pair)
        schemeError("reverse: expected a proper list, got a circular list");
    }
  }
  if (p !== NIL) wrongType("reverse", "a proper list", x);
  return out;
}

/** The pair `k` cdrs down `x`, for list-tail/list-ref/list-set!. */
function nthPair(who: string, x: unknown, k: unknown, allowEnd: boolean): unknown {
  const n = checkIndexValue(who, k);
  let p = x;
  for (let i = 0; i < n; i++) {
    if (!(p instanceof Pair)) schemeError(`${who}: index ${n} is past the end of the list`);
    p = p.cdr;
  }
  if (!allowEnd && !(p instanceof Pair))
    schemeError(`${who}: index ${n} is past the end of the list`);
  return p;
}

/**
 * Floyd's tortoise for a walk down a list: call `moved(p)` after each step to `p`; it raises an
 * error on a circular list, so primitives stop instead of looping (or allocating) forever.
 */
class CycleCheck {
  private slow: unknown;
  private steps = 0;
  constructor(
    private readonly who: string,
    start: unknown,
  ) {
    this.slow = start;
  }
  moved(p: unknown): void {
    if ((++this.steps & 1) === 0) {
      this.slow = (this.slow as Pair).cdr;
      if (this.slow === p && p instanceof Pair)
        schemeError(`${this.who}: expected a proper list, got a circular list`);
    }
  }
}

/** `list-copy`: a fresh spine; an improper tail is kept as is. */
function listCopy(x: unknown): unknown {
  if (!(x instanceof Pair)) return x;
  const head = new Pair(x.car, NIL);
  const cycles = new CycleCheck("list-copy", x);
  let last = head;
  let p = x.cdr;
  cycles.moved(p);
  while (p instanceof Pair) {
    const next = new Pair(p.car, NIL);
    last.cdr = next;
    last = next;
    p = p.cdr;
    cycles.moved(p);
  }
  last.cdr = p;
  return head;
}

/** memq/memv/member: the first sublist whose car matches, or #f. */
function memberBy(who: string, same: (a: unknown, b: unknown) => boolean) {
  return (x: unknown, list: unknown): unknown => {
    const cycles = new CycleCheck(who, list);
    let p = list;
    while (p instanceof Pair) {
      if (same(x, p.car)) return p;
      p = p.cdr;
      cycles.moved(p);
    }
    if (p !== NIL) wrongType(who, "a proper list", list);
    return false;
  };
}

/** assq/assv/assoc: the first pair of the association list whose car matches, or #f. */
function assocBy(who: string, same: (a: unknown, b: unknown) => boolean) {
  return (x: unknown, alist: unknown): unknown => {
    const cycles = new CycleCheck(who, alist);
    let p = alist;
    while (p instanceof Pair) {
      const entry = p.car;
      if (!(entry instanceof Pair)) wrongType(who, "an association list (a list of pairs)", alist);
      if (same(x, entry.car)) return entry;
      p = p.cdr;
      cycles.moved(p);
    }
    if (p !== NIL) wrongType(who, "a proper list", alist);
    return false;
  };
}

/**
 * (scheme cxr) and caar...cddr: `path` is the letters between c and r, applied right to left.
 * The error message describes the shape required of the argument.
 */
function defineCxr(b: Builtins, path: string): void {
  const name = `c${path}r`;
  const steps = [...path].reverse().map((c) => c === "a");
  const expected = path.length === 1 ? "a pair" : `a pair whose c${path.slice(1)}r is a pair`;
  b.define(name, 1, 1, (x: unknown) => {
    let p = x;
    for (const takeCar of steps) {
      if (!(p instanceof Pair)) wrongType(name, expected, x);
      p = takeCar ? p.car : p.cdr;
    }
    return p;
  });
}

function allCxrPaths(): string[] {
  const paths: string[] = [];
  let level = ["a", "d"];
  for (let depth = 1; depth <= 4; depth++) {
    paths.push(...level);
    level = level.flatMap((p) => ["a" + p, "d" + p]);
  }
  return paths;
}

/** Defines the boolean, pair and list primitives. */
export function install(b: Builtins): void {
  // §6.3 booleans
  b.define("not", 1, 1, (x: unknown) => x === false);
  b.define("boolean?", 1, 1, (x: unknown) => typeof x === "boolean");
  b.define("boolean=?", 2, -1, (...xs: unknown[]) => {
    for (const x of xs) if (typeof x !== "boolean") wrongType("boolean=?", "a boolean", x);
    return xs.every((x) => x === xs[0]);
  });

  // §6.4 pairs
  b.define("pair?", 1, 1, (x: unknown) => x instanceof Pair);
  b.define("cons", 2, 2, (a: unknown, d: unknown) => new Pair(a, d));
  for (const path of allCxrPaths()) defineCxr(b, path);
  b.define("set-car!", 2, 2, (p: unknown, x: unknown) => {
    checkPair("set-car!", p).car = x;
    return UNSPECIFIED;
  });
  b.define("set-cdr!", 2, 2, (p: unknown, x: unknown) => {
    checkPair("set-cdr!", p).cdr = x;
    return UNSPECIFIED;
  });

  // §6.4 lists
  b.define("null?", 1, 1, (x: unknown) => x === NIL);
  b.define("list?", 1, 1, isList);
  b.define("make-list", 1, 2, (k: unknown, fill: unknown = false) => {
    const n = checkLength("make-list", k);
    let out: unknown = NIL;
    for (let i = 0; i < n; i++) out = new Pair(fill, out);
    return out;
  });
  b.define("list", 0, -1, (...xs: unknown[]) => arrayToList(xs));
  b.define("cons*", 1, -1, (...xs: unknown[]) => {
    let out = xs[xs.length - 1];
    for (let i = xs.length - 2; i >= 0; i--) out = new Pair(xs[i], out);
    return out;
  });
  b.define("length", 1, 1, length);
  b.define("append", 0, -1, append);
  b.define("reverse", 1, 1, reverse);
  b.define("list-tail", 2, 2, (x: unknown, k: unknown) => nthPair("list-tail", x, k, true));
  b.define(
    "list-ref",
    2,
    2,
    (x: unknown, k: unknown) => (nthPair("list-ref", x, k, false) as Pair).car,
  );
  b.define("list-set!", 3, 3, (x: unknown, k: unknown, v: unknown) => {
    (nthPair("list-set!", x, k, false) as Pair).car = v;
    return UNSPECIFIED;
  });
  b.define("list-copy", 1, 1, listCopy);
  b.define("last-pair", 1, 1, (x: unknown) => {
    let p = checkPair("last-pair", x);
    const cycles = new CycleCheck("last-pair", p);
    while (p.cdr instanceof Pair) {
      p = p.cdr;
      cycles.moved(p);
    }
    return p;
  });
  b.define("memq", 2, 2, memberBy("memq", isEq));
  b.define("memv", 2, 2, memberBy("memv", isEqv));
  b.define("%member", 2, 2, memberBy("member", isEqual));
  b.define("assq", 2, 2, assocBy("assq", isEq));
  b.define("assv", 2, 2, assocBy("assv", isEqv));
  b.define("%assoc", 2, 2, assocBy("assoc", isEqual));
}
