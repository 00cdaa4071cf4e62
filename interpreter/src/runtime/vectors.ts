// R7RS §6.8 vectors (JS arrays). The procedures that call Scheme (vector-map, vector-for-each)
// are in the prelude.
import type { Builtins } from "./registry.ts";
import { schemeError } from "../errors.ts";
import { UNSPECIFIED } from "../values.ts";
import {
  arrayToList,
  checkIndex,
  checkLength,
  checkList,
  checkRange,
  checkVector,
} from "./args.ts";

/** `vector-copy!` and friends: copy `src[s, e)` into `dst` at `at`; overlapping ranges are fine. */
export function copyInto(
  who: string,
  dst: { length: number; copyWithin?: unknown },
  at: unknown,
  src: { length: number },
  start: unknown,
  end: unknown,
): [number, number, number] {
  const [s, e] = checkRange(who, start, end, src.length);
  const [a] = checkRange(who, at, undefined, dst.length);
  if (a + (e - s) > dst.length)
    schemeError(
      `${who}: ${e - s} elements do not fit at index ${a} in a destination of length ${dst.length}`,
    );
  return [a, s, e];
}

/** Defines the vector primitives. */
export function install(b: Builtins): void {
  b.define("vector?", 1, 1, (x: unknown) => Array.isArray(x));
  b.define("make-vector", 1, 2, (k: unknown, fill: unknown = false) =>
    new Array(checkLength("make-vector", k)).fill(fill),
  );
  b.define("vector", 0, -1, (...xs: unknown[]) => xs);
  b.define("vector-length", 1, 1, (v: unknown) => checkVector("vector-length", v).length);
  b.define("vector-ref", 2, 2, (v: unknown, k: unknown) => {
    const vec = checkVector("vector-ref", v);
    return vec[checkIndex("vector-ref", k, vec.length)];
  });
  b.define("vector-set!", 3, 3, (v: unknown, k: unknown, x: unknown) => {
    const vec = checkVector("vector-set!", v);
    vec[checkIndex("vector-set!", k, vec.length)] = x;
    return UNSPECIFIED;
  });
  b.define("vector->list", 1, 3, (v: unknown, start?: unknown, end?: unknown) => {
    const vec = checkVector("vector->list", v);
    const [s, e] = checkRange("vector->list", start, end, vec.length);
    return arrayToList(vec, s, e);
  });
  b.define("list->vector", 1, 1, (l: unknown) => checkList("list->vector", l));
  b.define("vector-copy", 1, 3, (v: unknown, start?: unknown, end?: unknown) => {
    const vec = checkVector("vector-copy", v);
    const [s, e] = checkRange("vector-copy", start, end, vec.length);
    return vec.slice(s, e);
  });
  b.define(
    "vector-copy!",
    3,
    5,
    (to: unknown, at: unknown, from: unknown, start?: unknown, end?: unknown) => {
      const dst = checkVector("vector-copy!", to);
      const src = checkVector("vector-copy!", from);
      const [a, s, e] = copyInto("vector-copy!", dst, at, src, start, end);
      if (dst === src) dst.copyWithin(a, s, e);
      else for (let i = s; i < e; i++) dst[a + i - s] = src[i];
      return UNSPECIFIED;
    },
  );
  b.define("vector-append", 0, -1, (...vs: unknown[]) => {
    const out: unknown[] = [];
    for (const v of vs) for (const x of checkVector("vector-append", v)) out.push(x);
    return out;
  });
  b.define("vector-fill!", 2, 4, (v: unknown, x: unknown, start?: unknown, end?: unknown) => {
    const vec = checkVector("vector-fill!", v);
    const [s, e] = checkRange("vector-fill!", start, end, vec.length);
    vec.fill(x, s, e);
    return UNSPECIFIED;
  });
}
