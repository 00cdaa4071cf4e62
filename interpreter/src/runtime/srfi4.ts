// SRFI 4 homogeneous numeric vectors over JS typed arrays: the Scheme engine's tensors.
// f32vector = Float32Array, f64vector = Float64Array, s8vector = Int8Array, u8vector =
// Uint8Array (the same objects as bytevectors).
import type { Builtins } from "./registry.ts";
import { wrongType } from "../errors.ts";
import { Flonum, Ratnum, UNSPECIFIED, makeFlonum } from "../values.ts";
import { arrayToList, checkIndex, checkLength, checkList, checkRange } from "./args.ts";
import { copyInto } from "./vectors.ts";

type TypedArray = Float32Array | Float64Array | Int8Array | Uint8Array;

interface Kind {
  tag: string;
  make: (n: number) => TypedArray;
  is: (x: unknown) => boolean;
  /** Scheme value → stored element, checked; `who` names the procedure in errors. */
  toElement: (who: string, x: unknown) => number;
  /** Stored element → Scheme value. */
  fromElement: (x: number) => unknown;
}

/** A real number as a float: exact integers and rationals are converted. */
export function toFloat(who: string, x: unknown): number {
  if (typeof x === "number") return x;
  if (x instanceof Flonum) return x.value;
  if (typeof x === "bigint") return Number(x);
  if (x instanceof Ratnum) return Number(x.num) / Number(x.den);
  return wrongType(who, "a real number", x);
}

function integerIn(lo: number, hi: number, description: string) {
  return (who: string, x: unknown): number => {
    if (typeof x === "number" && Number.isInteger(x) && x >= lo && x <= hi) return x;
    return wrongType(who, description, x);
  };
}

const KINDS: Kind[] = [
  {
    tag: "f32",
    make: (n) => new Float32Array(n),
    is: (x) => x instanceof Float32Array,
    toElement: toFloat,
    fromElement: makeFlonum,
  },
  {
    tag: "f64",
    make: (n) => new Float64Array(n),
    is: (x) => x instanceof Float64Array,
    toElement: toFloat,
    fromElement: makeFlonum,
  },
  {
    tag: "s8",
    make: (n) => new Int8Array(n),
    is: (x) => x instanceof Int8Array,
    toElement: integerIn(-128, 127, "an exact integer from -128 to 127"),
    fromElement: (x) => x,
  },
  {
    tag: "u8",
    make: (n) => new Uint8Array(n),
    is: (x) => x instanceof Uint8Array,
    toElement: integerIn(0, 255, "an exact integer from 0 to 255"),
    fromElement: (x) => x,
  },
];

/** Defines `make-TAGvector`, `TAGvector`, `TAGvector?`, `-length`, `-ref`, `-set!`, conversions, copy and fill. */
function installKind(b: Builtins, k: Kind): void {
  const type = `${k.tag}vector`;
  const check = (who: string, v: unknown): TypedArray =>
    k.is(v) ? (v as TypedArray) : wrongType(who, `a ${type}`, v);
  const fromArray = (who: string, xs: unknown[]): TypedArray => {
    const out = k.make(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = k.toElement(who, xs[i]);
    return out;
  };

  b.define(`make-${type}`, 1, 2, (n: unknown, fill?: unknown) => {
    const out = k.make(checkLength(`make-${type}`, n));
    if (fill !== undefined) out.fill(k.toElement(`make-${type}`, fill));
    return out;
  });
  b.define(type, 0, -1, (...xs: unknown[]) => fromArray(type, xs));
  b.define(`${type}?`, 1, 1, k.is);
  b.define(`${type}-length`, 1, 1, (v: unknown) => check(`${type}-length`, v).length);
  const refName = `${type}-ref`;
  b.define(refName, 2, 2, (v: unknown, i: unknown) => {
    const vec = check(refName, v);
    return k.fromElement(vec[checkIndex(refName, i, vec.length)]);
  });
  const setName = `${type}-set!`;
  b.define(setName, 3, 3, (v: unknown, i: unknown, x: unknown) => {
    const vec = check(setName, v);
    vec[checkIndex(setName, i, vec.length)] = k.toElement(setName, x);
    return UNSPECIFIED;
  });
  b.define(`${type}->list`, 1, 3, (v: unknown, start?: unknown, end?: unknown) => {
    const vec = check(`${type}->list`, v);
    const [s, e] = checkRange(`${type}->list`, start, end, vec.length);
    return arrayToList(Array.from(vec.subarray(s, e), k.fromElement));
  });
  b.define(`list->${type}`, 1, 1, (l: unknown) =>
    fromArray(`list->${type}`, checkList(`list->${type}`, l)),
  );
  b.define(`vector->${type}`, 1, 1, (v: unknown) => {
    if (!Array.isArray(v)) wrongType(`vector->${type}`, "a vector", v);
    return fromArray(`vector->${type}`, v);
  });
  b.define(`${type}->vector`, 1, 1, (v: unknown) =>
    Array.from(check(`${type}->vector`, v), k.fromElement),
  );
  if (k.tag === "u8") return; // the rest are the bytevector procedures under other names
  b.define(`${type}-copy`, 1, 3, (v: unknown, start?: unknown, end?: unknown) => {
    const vec = check(`${type}-copy`, v);
    const [s, e] = checkRange(`${type}-copy`, start, end, vec.length);
    return vec.slice(s, e);
  });
  b.define(
    `${type}-copy!`,
    3,
    5,
    (to: unknown, at: unknown, from: unknown, start?: unknown, end?: unknown) => {
      const dst = check(`${type}-copy!`, to);
      const src = check(`${type}-copy!`, from);
      const [a, s, e] = copyInto(`${type}-copy!`, dst, at, src, start, end);
      dst.set(src.subarray(s, e), a);
      return UNSPECIFIED;
    },
  );
  b.define(`${type}-fill!`, 2, 4, (v: unknown, x: unknown, start?: unknown, end?: unknown) => {
    const vec = check(`${type}-fill!`, v);
    const [s, e] = checkRange(`${type}-fill!`, start, end, vec.length);
    vec.fill(k.toElement(`${type}-fill!`, x), s, e);
    return UNSPECIFIED;
  });
}

/** Defines the SRFI 4 vector primitives. */
export function install(b: Builtins): void {
  for (const k of KINDS) installKind(b, k);
  // u8vector-copy/-copy!/-fill! are the bytevector ones (a u8vector is a bytevector).
  for (const op of ["copy", "copy!", "fill!"])
    b.defineValue(`u8vector-${op}`, b.get(`bytevector-${op}`) ?? missing(`bytevector-${op}`));
}

function missing(name: string): never {
  throw new Error(`srfi4: install bytevectors before SRFI 4 (${name} missing)`);
}
