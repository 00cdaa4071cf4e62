// R7RS §6.9 bytevectors (`Uint8Array`, which is also SRFI 4's u8vector) and UTF-8 conversion.
import type { Builtins } from "./registry.ts";
import { MString, UNSPECIFIED } from "../values.ts";
import {
  checkByte,
  checkBytevector,
  checkIndex,
  checkLength,
  checkRange,
  checkString,
} from "./args.ts";
import { copyInto } from "./vectors.ts";

const utf8Decoder = new TextDecoder("utf-8", { fatal: false });
const utf8Encoder = new TextEncoder();

/** Bytes as a string; malformed sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}
/** A string as UTF-8 bytes. */
export function encodeUtf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** Defines the bytevector primitives. */
export function install(b: Builtins): void {
  b.define("bytevector?", 1, 1, (x: unknown) => x instanceof Uint8Array);
  b.define("make-bytevector", 1, 2, (k: unknown, fill?: unknown) =>
    new Uint8Array(checkLength("make-bytevector", k)).fill(
      fill === undefined ? 0 : checkByte("make-bytevector", fill),
    ),
  );
  b.define("bytevector", 0, -1, (...xs: unknown[]) =>
    Uint8Array.from(xs, (x) => checkByte("bytevector", x)),
  );
  b.define(
    "bytevector-length",
    1,
    1,
    (v: unknown) => checkBytevector("bytevector-length", v).length,
  );
  b.define("bytevector-u8-ref", 2, 2, (v: unknown, k: unknown) => {
    const bv = checkBytevector("bytevector-u8-ref", v);
    return bv[checkIndex("bytevector-u8-ref", k, bv.length)];
  });
  b.define("bytevector-u8-set!", 3, 3, (v: unknown, k: unknown, x: unknown) => {
    const bv = checkBytevector("bytevector-u8-set!", v);
    bv[checkIndex("bytevector-u8-set!", k, bv.length)] = checkByte("bytevector-u8-set!", x);
    return UNSPECIFIED;
  });
  b.define("bytevector-copy", 1, 3, (v: unknown, start?: unknown, end?: unknown) => {
    const bv = checkBytevector("bytevector-copy", v);
    const [s, e] = checkRange("bytevector-copy", start, end, bv.length);
    return bv.slice(s, e);
  });
  b.define(
    "bytevector-copy!",
    3,
    5,
    (to: unknown, at: unknown, from: unknown, start?: unknown, end?: unknown) => {
      const dst = checkBytevector("bytevector-copy!", to);
      const src = checkBytevector("bytevector-copy!", from);
      const [a, s, e] = copyInto("bytevector-copy!", dst, at, src, start, end);
      dst.set(src.subarray(s, e), a); // `set` copies correctly even when the ranges overlap
      return UNSPECIFIED;
    },
  );
  b.define("bytevector-append", 0, -1, (...vs: unknown[]) => {
    const parts = vs.map((v) => checkBytevector("bytevector-append", v));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  });
  b.define("bytevector-fill!", 2, 4, (v: unknown, x: unknown, start?: unknown, end?: unknown) => {
    const bv = checkBytevector("bytevector-fill!", v);
    const [s, e] = checkRange("bytevector-fill!", start, end, bv.length);
    bv.fill(checkByte("bytevector-fill!", x), s, e);
    return UNSPECIFIED;
  });
  b.define("utf8->string", 1, 3, (v: unknown, start?: unknown, end?: unknown) => {
    const bv = checkBytevector("utf8->string", v);
    const [s, e] = checkRange("utf8->string", start, end, bv.length);
    return MString.from(decodeUtf8(bv.subarray(s, e)));
  });
  b.define("string->utf8", 1, 3, (x: unknown, start?: unknown, end?: unknown) => {
    const str = checkString("string->utf8", x);
    const [s, e] = checkRange("string->utf8", start, end, str.length);
    const text =
      s === 0 && e === str.length
        ? str.toString()
        : MString.fromCodePoints(str.codePoints(s, e)).toString();
    return encodeUtf8(text);
  });
}
