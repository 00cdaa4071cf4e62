// SRFI 69 hash tables. The equivalence predicate must be one of the builtins eq?, eqv?, equal?,
// string=? or string-ci=? (recognised by identity): primitives cannot call Scheme, so custom
// predicates are not supported. The procedures that take procedures (hash-table-ref with a
// failure thunk, hash-table-update!, hash-table-walk, hash-table-fold) are in the prelude.
import type { Builtins } from "./registry.ts";
import { schemeError, wrongType } from "../errors.ts";
import { Char, Flonum, MString, NIL, Pair, Ratnum, Sym, UNSPECIFIED } from "../values.ts";
import { arrayToList, checkList, checkString } from "./args.ts";
import { isEqual } from "./equivalence.ts";
import { Compnum } from "../complex.ts";
import { fullFold } from "./chars.ts";

export type Equivalence = "eq" | "eqv" | "equal" | "string" | "string-ci";

interface Entry {
  key: unknown;
  value: unknown;
}

/**
 * A hash table. Keys are turned into JS Map keys: atoms (numbers, characters, symbols...) into a
 * value that JS compares the way `eqv?` does; under `equal?`, structured keys (pairs, strings,
 * vectors, bytevectors) go to buckets by structural hash and are compared with `equal?`.
 */
export class HashTable {
  private direct = new Map<unknown, Entry>();
  private buckets = new Map<number, Entry[]>();
  private bucketCount = 0;
  mutable = true;
  constructor(readonly equivalence: Equivalence) {}
  /** How the printer shows it: `#<hash-table>`. */
  readonly typeName = "hash-table";

  get size(): number {
    return this.direct.size + this.bucketCount;
  }

  /** The Map key for an atom or an identity-compared object; null when the key needs a bucket. */
  private directKey(key: unknown): unknown {
    switch (this.equivalence) {
      case "string":
        return "s" + checkString("hash-table", key).toString();
      case "string-ci":
        return "s" + foldString(checkString("hash-table", key));
      case "equal":
        if (isStructured(key)) return null;
        return eqvKey(key);
      default:
        return eqvKey(key);
    }
  }

  get(key: unknown): Entry | undefined {
    const k = this.directKey(key);
    if (k !== null) return this.direct.get(k);
    return this.buckets.get(equalHash(key))?.find((e) => isEqual(e.key, key));
  }

  set(key: unknown, value: unknown): void {
    const k = this.directKey(key);
    if (k !== null) {
      const e = this.direct.get(k);
      if (e) e.value = value;
      else this.direct.set(k, { key, value });
      return;
    }
    const h = equalHash(key);
    const bucket = this.buckets.get(h);
    const e = bucket?.find((x) => isEqual(x.key, key));
    if (e) {
      e.value = value;
      return;
    }
    if (bucket) bucket.push({ key, value });
    else this.buckets.set(h, [{ key, value }]);
    this.bucketCount++;
  }

  delete(key: unknown): void {
    const k = this.directKey(key);
    if (k !== null) {
      this.direct.delete(k);
      return;
    }
    const h = equalHash(key);
    const bucket = this.buckets.get(h);
    const i = bucket ? bucket.findIndex((x) => isEqual(x.key, key)) : -1;
    if (i < 0) return;
    bucket!.splice(i, 1);
    this.bucketCount--;
    if (bucket!.length === 0) this.buckets.delete(h);
  }

  clear(): void {
    this.direct.clear();
    this.buckets.clear();
    this.bucketCount = 0;
  }

  *entries(): Generator<Entry> {
    yield* this.direct.values();
    for (const bucket of this.buckets.values()) yield* bucket;
  }

  copy(mutable: boolean): HashTable {
    const t = new HashTable(this.equivalence);
    for (const e of this.entries()) t.set(e.key, e.value);
    t.mutable = mutable;
    return t;
  }
}

function isStructured(x: unknown): boolean {
  return x instanceof Pair || x instanceof MString || Array.isArray(x) || ArrayBuffer.isView(x);
}

function foldString(s: MString): string {
  return fullFold(s.toString());
}

/** A JS Map key that is the same for two values exactly when they are `eqv?`. */
function eqvKey(x: unknown): unknown {
  if (x instanceof Flonum) return Object.is(x.value, -0) ? "f-0" : "f" + x.value;
  if (x instanceof Ratnum) return "r" + x.num + "/" + x.den;
  if (x instanceof Char) return "c" + x.code;
  if (x instanceof Compnum) return `z${String(eqvKey(x.re))},${String(eqvKey(x.im))}`;
  return x; // numbers, bigints, booleans, null and objects compare correctly in a Map
}

/** A structural hash consistent with `equal?`; looks at a bounded part of big structures. */
export function equalHash(x: unknown, budget = { left: 64 }): number {
  if (--budget.left < 0) return 0;
  if (x instanceof Pair) {
    let h = 17;
    let p: unknown = x;
    while (p instanceof Pair && budget.left > 0) {
      h = mix(h, equalHash(p.car, budget));
      p = p.cdr;
    }
    return p === NIL || !(p instanceof Pair) ? mix(h, equalHash(p, budget)) : h;
  }
  if (x instanceof MString) return stringHash(x.toString());
  if (Array.isArray(x)) {
    let h = 31 + x.length;
    for (let i = 0; i < x.length && budget.left > 0; i++) h = mix(h, equalHash(x[i], budget));
    return h;
  }
  if (ArrayBuffer.isView(x)) {
    const a = x as unknown as ArrayLike<number>;
    let h = 47 + a.length;
    for (let i = 0; i < Math.min(a.length, 64); i++) h = mix(h, Math.floor(a[i] * 1000) | 0);
    return h;
  }
  return atomHash(x);
}

function atomHash(x: unknown): number {
  if (typeof x === "number") return Number.isInteger(x) ? x | 0 : stringHash(String(x));
  if (typeof x === "bigint") return Number(BigInt.asIntN(32, x));
  if (x instanceof Sym) return stringHash(x.name);
  const k = eqvKey(x);
  if (typeof k === "string") return stringHash(k);
  if (typeof x === "boolean") return x ? 1 : 2;
  if (x === NIL) return 3;
  return objectHash(x as object);
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
/** Identity hash for objects (procedures, records...). */
function objectHash(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}

function mix(h: number, x: number): number {
  return (Math.imul(h, 31) + x) | 0;
}

/** FNV-1a over UTF-16 units. */
export function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function boundHash(who: string, h: number, bound: unknown): number {
  if (bound === undefined) return h >>> 0;
  if (typeof bound !== "number" || !Number.isInteger(bound) || bound <= 0)
    wrongType(who, "a positive exact integer bound", bound);
  return (h >>> 0) % bound;
}

function checkTable(who: string, x: unknown): HashTable {
  if (x instanceof HashTable) return x;
  return wrongType(who, "a hash table", x);
}
function checkMutableTable(who: string, x: unknown): HashTable {
  const t = checkTable(who, x);
  if (!t.mutable) schemeError(`${who}: hash table is immutable`);
  return t;
}

/** Finds which builtin equivalence predicate `pred` is, by identity. */
function equivalenceOf(b: Builtins, who: string, pred: unknown): Equivalence {
  if (pred === undefined) return "equal";
  const known: [string, Equivalence][] = [
    ["eq?", "eq"],
    ["eqv?", "eqv"],
    ["equal?", "equal"],
    ["string=?", "string"],
    ["string-ci=?", "string-ci"],
  ];
  for (const [name, kind] of known) if (b.get(name) === pred) return kind;
  return schemeError(
    `${who}: unsupported equivalence predicate (use eq?, eqv?, equal?, string=? or string-ci=?)`,
    pred,
  );
}

/** The value `%hash-table-ref` returns for a missing key (the prelude compares with `eq?`). */
export const MISSING = new Pair(Sym.intern("missing"), NIL);

/** Defines the SRFI 69 primitives. */
export function install(b: Builtins): void {
  b.define(
    "make-hash-table",
    0,
    -1,
    (pred?: unknown) => new HashTable(equivalenceOf(b, "make-hash-table", pred)),
  );
  b.define("hash-table?", 1, 1, (x: unknown) => x instanceof HashTable);
  b.define("%hash-table-missing", 0, 0, () => MISSING);
  b.define("%hash-table-ref", 2, 2, (t: unknown, key: unknown) => {
    const e = checkTable("hash-table-ref", t).get(key);
    return e ? e.value : MISSING;
  });
  b.define("hash-table-ref/default", 3, 3, (t: unknown, key: unknown, dflt: unknown) => {
    const e = checkTable("hash-table-ref/default", t).get(key);
    return e ? e.value : dflt;
  });
  b.define("hash-table-set!", 3, 3, (t: unknown, key: unknown, value: unknown) => {
    checkMutableTable("hash-table-set!", t).set(key, value);
    return UNSPECIFIED;
  });
  b.define("hash-table-delete!", 2, 2, (t: unknown, key: unknown) => {
    checkMutableTable("hash-table-delete!", t).delete(key);
    return UNSPECIFIED;
  });
  const contains = (who: string) => (t: unknown, key: unknown) =>
    checkTable(who, t).get(key) !== undefined;
  b.define("hash-table-exists?", 2, 2, contains("hash-table-exists?"));
  b.define("hash-table-contains?", 2, 2, contains("hash-table-contains?"));
  b.define("hash-table-size", 1, 1, (t: unknown) => checkTable("hash-table-size", t).size);
  b.define("hash-table-count", 1, 1, (t: unknown) => checkTable("hash-table-count", t).size);
  b.define("hash-table-keys", 1, 1, (t: unknown) =>
    arrayToList([...checkTable("hash-table-keys", t).entries()].map((e) => e.key)),
  );
  b.define("hash-table-values", 1, 1, (t: unknown) =>
    arrayToList([...checkTable("hash-table-values", t).entries()].map((e) => e.value)),
  );
  b.define("hash-table->alist", 1, 1, (t: unknown) =>
    arrayToList(
      [...checkTable("hash-table->alist", t).entries()].map((e) => new Pair(e.key, e.value)),
    ),
  );
  // SRFI 69 copies are mutable; SRFI 125's optional flag can ask for an immutable one.
  b.define("hash-table-copy", 1, 2, (t: unknown, mutable: unknown = true) =>
    checkTable("hash-table-copy", t).copy(mutable !== false),
  );
  b.define("hash-table-clear!", 1, 1, (t: unknown) => {
    checkMutableTable("hash-table-clear!", t).clear();
    return UNSPECIFIED;
  });
  b.define("alist->hash-table", 1, 3, (alist: unknown, pred?: unknown) => {
    const t = new HashTable(equivalenceOf(b, "alist->hash-table", pred));
    for (const entry of checkList("alist->hash-table", alist)) {
      if (!(entry instanceof Pair)) wrongType("alist->hash-table", "an association list", alist);
      if (t.get(entry.car) === undefined) t.set(entry.car, entry.cdr); // the first one wins
    }
    return t;
  });
  b.define("hash-table-equivalence-function", 1, 1, (t: unknown) => {
    const kind = checkTable("hash-table-equivalence-function", t).equivalence;
    const names: Record<Equivalence, string> = {
      eq: "eq?",
      eqv: "eqv?",
      equal: "equal?",
      string: "string=?",
      "string-ci": "string-ci=?",
    };
    return b.get(names[kind]);
  });
  b.define("hash", 1, 2, (x: unknown, bound?: unknown) => boundHash("hash", equalHash(x), bound));
  b.define("string-hash", 1, 2, (s: unknown, bound?: unknown) =>
    boundHash("string-hash", stringHash(checkString("string-hash", s).toString()), bound),
  );
  b.define("string-ci-hash", 1, 2, (s: unknown, bound?: unknown) =>
    boundHash("string-ci-hash", stringHash(foldString(checkString("string-ci-hash", s))), bound),
  );
  b.define("hash-by-identity", 1, 2, (x: unknown, bound?: unknown) =>
    boundHash("hash-by-identity", atomHash(x), bound),
  );
}
