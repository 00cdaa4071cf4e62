// The written form of Scheme numbers (R7RS §7.1.1 <number>): parsing for the reader and
// `string->number`, formatting for the printer and `number->string`.
import { Compnum, makePolar, makeRectangular } from "../complex.ts";
import {
  Flonum,
  Ratnum,
  makeFlonum,
  makeRational,
  normalizeBigInt,
  type SchemeNumber,
} from "../values.ts";

type Exactness = "e" | "i" | null;

const RADIX_OF_PREFIX: Record<string, number> = { x: 16, b: 2, o: 8, d: 10 };

/** Digits valid in each radix, for a whole unsigned integer. */
const UINTEGER: Record<number, RegExp> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^[0-9]+$/,
  16: /^[0-9a-fA-F]+$/,
};
const UNSIGNED_RATIO: Record<number, RegExp> = {
  2: /^([01]+)\/([01]+)$/,
  8: /^([0-7]+)\/([0-7]+)$/,
  10: /^([0-9]+)\/([0-9]+)$/,
  16: /^([0-9a-fA-F]+)\/([0-9a-fA-F]+)$/,
};
/**
 * A decimal: digits with an optional point and exponent (`1.`, `.5`, `1e10`, `1.5e-3`). Besides
 * R7RS's `e`, the exponent markers `s f d l` of R5RS (and of older code) are read as `e`.
 */
const DECIMAL = /^(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eEsSfFdDlL]([+-]?[0-9]+))?$/;
const BIGINT_PREFIX: Record<number, string> = { 2: "0b", 8: "0o", 10: "", 16: "0x" };
/** How many digits of each radix always fit in a safe integer. */
const SAFE_DIGITS: Record<number, number> = { 2: 53, 8: 17, 10: 15, 16: 13 };

/**
 * The number written as `text` (R7RS syntax, with optional `#x #b #o #d #e #i` prefixes in either
 * order), or false when `text` is not a number. Complex numbers are read in rectangular
 * (`1+2i`, `-i`, `+inf.0i`) and polar (`1@2`) notation.
 */
export function parseNumber(text: string, radix = 10): SchemeNumber | false {
  let exactness: Exactness = null;
  let radixSeen = false;
  let i = 0;
  while (text.charCodeAt(i) === 35 /* # */) {
    const prefix = text.charAt(i + 1).toLowerCase();
    if (prefix === "e" || prefix === "i") {
      if (exactness !== null) return false;
      exactness = prefix;
    } else if (prefix in RADIX_OF_PREFIX) {
      if (radixSeen) return false;
      radixSeen = true;
      radix = RADIX_OF_PREFIX[prefix];
    } else {
      return false;
    }
    i += 2;
  }
  if (!(radix in UINTEGER)) return false;
  const body = i === 0 ? text : text.slice(i);
  const real = parseReal(body, radix, exactness);
  return real === false ? parseComplex(body, radix, exactness) : real;
}

/** `<complex R>` that is not a `<real R>`: `a@b`, `a+bi`, `a-i`, `+bi`, `-i`... */
function parseComplex(text: string, radix: number, exactness: Exactness): SchemeNumber | false {
  const at = text.indexOf("@");
  if (at > 0) {
    const magnitude = parseReal(text.slice(0, at), radix, exactness);
    const angle = parseReal(text.slice(at + 1), radix, exactness);
    if (magnitude === false || angle === false) return false;
    return makePolar(magnitude, angle);
  }
  const last = text.charAt(text.length - 1);
  if (last !== "i" && last !== "I") return false;
  const body = text.slice(0, -1);
  // The imaginary part starts at the last sign that is not the sign of an exponent (`1e-2+3i`).
  let k = body.length - 1;
  while (k >= 0) {
    const c = body.charAt(k);
    const exponentSign =
      radix === 10 &&
      k >= 2 &&
      /[eEsSfFdDlL]/.test(body.charAt(k - 1)) &&
      /[0-9.]/.test(body.charAt(k - 2));
    if ((c === "+" || c === "-") && !exponentSign) break;
    k--;
  }
  if (k < 0) return false;
  const reText = body.slice(0, k);
  const imText = body.slice(k);
  const re = reText === "" ? 0 : parseReal(reText, radix, exactness);
  const unit = imText === "+" ? 1 : imText === "-" ? -1 : 0; // `+i`, `-i`
  const im =
    unit === 0 ? parseReal(imText, radix, exactness) : exactness === "i" ? makeFlonum(unit) : unit;
  if (re === false || im === false) return false;
  return makeRectangular(re, im);
}

/** `<real R>`: a signed integer, ratio, decimal, or `±inf.0`/`±nan.0`. */
function parseReal(text: string, radix: number, exactness: Exactness): SchemeNumber | false {
  const first = text.charCodeAt(0);
  const signed = first === 43 /* + */ || first === 45; /* - */
  const negative = first === 45;
  const body = signed ? text.slice(1) : text;
  if (body.length === 0) return false;

  if (UINTEGER[radix].test(body)) {
    const n = parseUInteger(body, radix);
    if (exactness === "i") return makeFlonum(negative ? -Number(n) : Number(n));
    return negative ? negateInteger(n) : n;
  }
  if (signed && exactness !== "e") {
    const lower = body.toLowerCase();
    if (lower === "inf.0") return negative ? -Infinity : Infinity;
    if (lower === "nan.0") return NaN;
  }
  const ratio = UNSIGNED_RATIO[radix].exec(body);
  if (ratio !== null) {
    const num = BigInt(BIGINT_PREFIX[radix] + ratio[1]);
    const den = BigInt(BIGINT_PREFIX[radix] + ratio[2]);
    if (den === 0n) return false;
    if (exactness === "i") return makeFlonum(ratioToFloat(negative ? -num : num, den));
    return makeRational(negative ? -num : num, den);
  }
  if (radix !== 10) return false;
  const decimal = DECIMAL.exec(body);
  if (decimal === null) return false;
  if (exactness === "e") {
    const intDigits = decimal[1] ?? "";
    const fracDigits = decimal[2] ?? decimal[3] ?? "";
    const exponent = decimal[4] === undefined ? 0 : Number(decimal[4]);
    return exactDecimal(negative, intDigits + fracDigits, exponent - fracDigits.length);
  }
  const value = Number(decimal[4] === undefined ? body : body.replace(/[sSfFdDlL]/, "e"));
  return makeFlonum(negative ? -value : value);
}

/** An unsigned integer in `radix` that matched UINTEGER: a JS number when safe, else a bigint. */
function parseUInteger(digits: string, radix: number): number | bigint {
  if (digits.length <= SAFE_DIGITS[radix]) return parseInt(digits, radix);
  return normalizeBigInt(BigInt(BIGINT_PREFIX[radix] + digits));
}

function negateInteger(n: number | bigint): number | bigint {
  return typeof n === "number" ? (n === 0 ? 0 : -n) : normalizeBigInt(-n);
}

/** `#e1.25e3`: the exact value digits × 10^scale. Absurd exponents are refused, not computed. */
function exactDecimal(negative: boolean, digits: string, scale: number): SchemeNumber | false {
  if (Math.abs(scale) > 100_000) return false;
  let n = BigInt(digits);
  if (negative) n = -n;
  if (scale >= 0) return normalizeBigInt(n * 10n ** BigInt(scale));
  return makeRational(n, 10n ** BigInt(-scale));
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** The float nearest num/den (den > 0), also when num or den exceed the float range. */
export function ratioToFloat(num: bigint, den: bigint): number {
  const MAX_EXACT = 9007199254740992n;
  const negative = num < 0n;
  const a = negative ? -num : num;
  if (a <= MAX_EXACT && den <= MAX_EXACT) return Number(num) / Number(den);
  // Scale the quotient to about 64 significant bits, divide as integers, then scale back.
  const shift = bitLength(den) - bitLength(a) + 64;
  const q = shift >= 0 ? (a << BigInt(shift)) / den : a / (den << BigInt(-shift));
  const value = Number(q) * 2 ** -shift;
  // 2 ** -shift underflows to 0 for very large shifts: apply it in two halves.
  const result =
    Number.isFinite(value) && value !== 0 ? value : scaleByPowerOfTwo(Number(q), -shift);
  return negative ? -result : result;
}

function scaleByPowerOfTwo(x: number, exponent: number): number {
  const half = Math.trunc(exponent / 2);
  return x * 2 ** half * 2 ** (exponent - half);
}

/** The written form of a number: exact integers and ratios in any radix, flonums shortest round-trip. */
export function formatNumber(x: SchemeNumber, radix = 10): string {
  if (typeof x === "number")
    return Number.isInteger(x) ? x.toString(radix) : formatFlonum(x, radix);
  if (typeof x === "bigint") return x.toString(radix);
  if (x instanceof Flonum) return formatFlonum(x.value, radix);
  if (x instanceof Ratnum) return `${x.num.toString(radix)}/${x.den.toString(radix)}`;
  if ((x as unknown) instanceof Compnum) return formatComplex(x as unknown as Compnum, radix);
  return String(x);
}

/** `1+2i`, `-1.5-0.5i`, `+i`, `+inf.0i`: an exact zero real part is left out. */
function formatComplex(z: Compnum, radix: number): string {
  const re = z.re === 0 ? "" : formatNumber(z.re, radix);
  let im = formatNumber(z.im, radix);
  if (im === "1") im = "+";
  else if (im === "-1") im = "-";
  else if (!im.startsWith("-") && !im.startsWith("+")) im = "+" + im;
  return `${re}${im}i`;
}

/**
 * A flonum as Scheme writes it. ECMAScript's Number::toString is already the shortest string that
 * reads back to the same float; Scheme needs `.0` on integral values so they read back inexact.
 */
function formatFlonum(v: number, radix: number): string {
  if (v !== v) return "+nan.0";
  if (v === Infinity) return "+inf.0";
  if (v === -Infinity) return "-inf.0";
  if (Object.is(v, -0)) return "-0.0";
  if (radix !== 10) return v.toString(radix); // best effort: R7RS only requires radix 10 here
  const s = String(v);
  if (s.includes("e")) return s.replace("e+", "e"); // 1e+21 → 1e21: an exponent reads as inexact
  return Number.isInteger(v) ? s + ".0" : s;
}
