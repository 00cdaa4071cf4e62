// The numeric tower: generic arithmetic on exact integers (fixnum or bigint), exact rationals
// (Ratnum) and flonums, used by compiled code and by the primitives of runtime/numeric.ts.
// Mirrors R7RS §6.2 for the real numbers (the representation is described in values.ts); the
// slow paths of + - * / = zero? hand non-real complex numbers (complex.ts) over to complex.ts.
//
// Hot two-argument operations are a tiny fast path for two JS numbers followed by a call to an
// out-of-line `...Slow` function, so V8 can inline the fast path into compiled Scheme code.
import * as C from "./complex.ts";
import { Compnum } from "./complex.ts";
import { SchemeError, wrongType } from "./errors.ts";
import { writeString } from "./printer.ts";
import {
  ErrorObject,
  Flonum,
  Ratnum,
  isExactInteger,
  isNumber,
  makeFlonum,
  makeRational,
  normalizeBigInt,
  type SchemeNumber,
} from "./values.ts";

type ExactInteger = number | bigint;
type ExactNumber = number | bigint | Ratnum;

// ───────────────────────── classification ─────────────────────────

/** True for any flonum: a non-integral JS number or a boxed integral one. */
export function isInexact(x: unknown): x is number | Flonum {
  return (typeof x === "number" && !Number.isInteger(x)) || x instanceof Flonum;
}

/** True for exact integers and exact rationals. */
export function isExact(x: unknown): x is ExactNumber {
  return (
    (typeof x === "number" && Number.isInteger(x)) || typeof x === "bigint" || x instanceof Ratnum
  );
}

/** `integer?`: exact integers and integral flonums (1.0, but not +inf.0). */
export function isInteger(x: unknown): boolean {
  if (typeof x === "number") return Number.isInteger(x);
  return typeof x === "bigint" || (x instanceof Flonum && Number.isInteger(x.value));
}

/** `rational?`: every exact number and every finite flonum. */
export function isRational(x: unknown): boolean {
  if (typeof x === "number") return Number.isFinite(x);
  return typeof x === "bigint" || x instanceof Ratnum || x instanceof Flonum;
}

/** `real?`: every number of values.ts (non-real complex numbers are complex.ts Compnums). */
export function isReal(x: unknown): x is SchemeNumber {
  return isNumber(x);
}

/** `nan?` */
export function isNaN(x: unknown, who = "nan?"): boolean {
  return Number.isNaN(floatOf(who, x));
}

/** `finite?` */
export function isFinite(x: unknown, who = "finite?"): boolean {
  return Number.isFinite(floatOf(who, x));
}

/** `infinite?` */
export function isInfinite(x: unknown, who = "infinite?"): boolean {
  const f = floatOf(who, x);
  return f === Infinity || f === -Infinity;
}

function checkNumber(who: string, x: unknown): asserts x is SchemeNumber {
  if (!isNumber(x)) wrongType(who, x instanceof Compnum ? "a real number" : "a number", x);
}

function checkInteger(who: string, x: unknown): void {
  if (!isInteger(x)) wrongType(who, "an integer", x);
}

/** Throws the error for operations whose result would be a complex number. */
function noComplex(who: string, x: unknown): never {
  throw new SchemeError(
    new ErrorObject(
      `${who}: no complex numbers (the result for ${writeString(x)} is not real)`,
      [],
    ),
  );
}

function divisionByZero(who: string): never {
  throw new SchemeError(new ErrorObject(`${who}: division by zero`, []));
}

// ───────────────────────── conversions ─────────────────────────

const MAX_SAFE_BIG = 9007199254740991n;

function bitLength(b: bigint): number {
  return (b < 0n ? -b : b).toString(2).length;
}

/** x · 2^e without intermediate overflow or underflow of the power of two. */
function scaleByPowerOfTwo(x: number, e: number): number {
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

/** The float nearest to n/d (d > 0), correctly rounded (ties to even). */
function ratioToFloat(n: bigint, d: bigint): number {
  const negative = n < 0n;
  if (negative) n = -n;
  if (n <= MAX_SAFE_BIG && d <= MAX_SAFE_BIG) {
    // Both exactly representable: one IEEE division rounds correctly.
    const r = Number(n) / Number(d);
    return negative ? -r : r;
  }
  if (bitLength(n) - bitLength(d) < -1022)
    return negative ? -subnormalRatio(n, d) : subnormalRatio(n, d);
  // Scale so the integer quotient has about 66 bits, then fold the remainder into a "sticky" low
  // bit: Number() of that rounds to nearest-even exactly as the true quotient would.
  const shift = 66 - (bitLength(n) - bitLength(d));
  const scaledN = shift >= 0 ? n << BigInt(shift) : n;
  const scaledD = shift >= 0 ? d : d << BigInt(-shift);
  const q = scaledN / scaledD;
  const sticky = scaledN % scaledD === 0n ? 0n : 1n;
  const r = scaleByPowerOfTwo(Number((q << 1n) | sticky), -(shift + 1));
  return negative ? -r : r;
}

/** n/d (> 0) when it is below 2^-1022: rounded half-even to a multiple of 2^-1074 by hand. */
function subnormalRatio(n: bigint, d: bigint): number {
  const scaled = n << 1074n;
  let units = scaled / d;
  const twiceRest = (scaled % d) * 2n;
  if (twiceRest > d || (twiceRest === d && (units & 1n) === 1n)) units++;
  return Number(units) * 2 ** -1074; // exact: units < 2^53
}

/** The float value of any Scheme number (exact ones are rounded to nearest). */
export function toFloat(x: SchemeNumber): number {
  if (typeof x === "number") return x;
  if (x instanceof Flonum) return x.value;
  if (typeof x === "bigint") return Number(x);
  return ratioToFloat(x.num, x.den);
}

/** toFloat after checking that x is a number. */
function floatOf(who: string, x: unknown): number {
  checkNumber(who, x);
  return toFloat(x);
}

/** The exact value of a finite float: every float is a dyadic rational m/2^k. */
function floatToExact(f: number): ExactNumber {
  if (Number.isInteger(f)) return Number.isSafeInteger(f) ? f + 0 : BigInt(f);
  let exponent = 0n;
  while (!Number.isInteger(f)) {
    f *= 2; // exact: doubling a non-integral float never overflows or rounds
    exponent++;
  }
  return makeRational(BigInt(f), 1n << exponent);
}

/** `exact`: (exact 2.5) → 5/2; infinities and NaN have no exact value. */
export function toExact(x: unknown, who = "exact"): ExactNumber {
  checkNumber(who, x);
  if (!isInexact(x)) return x as ExactNumber;
  const f = typeof x === "number" ? x : x.value;
  if (!Number.isFinite(f)) {
    throw new SchemeError(
      new ErrorObject(`${who}: ${writeString(x)} has no exact representation`, []),
    );
  }
  return floatToExact(f);
}

/** `inexact`: the nearest flonum. */
export function toInexact(x: unknown, who = "inexact"): number | Flonum {
  checkNumber(who, x);
  if (isInexact(x)) return x;
  return makeFlonum(toFloat(x));
}

/** Numerator and denominator of an exact number as bigints (denominator > 0). */
function ratioParts(x: ExactNumber): [bigint, bigint] {
  if (x instanceof Ratnum) return [x.num, x.den];
  return [BigInt(x), 1n];
}

/** An operand already known not to be a flonum, as an exact number (or the type error). */
function exactOperand(who: string, x: unknown): ExactNumber {
  checkNumber(who, x);
  return x as ExactNumber;
}

function isExactIntegerValue(x: ExactNumber): x is ExactInteger {
  return !(x instanceof Ratnum);
}

// ───────────────────────── addition, subtraction, multiplication, division ─────────────────────────

/** `+` on two numbers. */
export function add(a: unknown, b: unknown): SchemeNumber {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (!Number.isInteger(r)) return r; // flonum result
    if (Number.isInteger(a) && Number.isInteger(b)) {
      return Number.isSafeInteger(r) ? r : addSlow(a, b); // overflow → bigint
    }
    return new Flonum(r); // 0.5 + 0.5 = 1.0
  }
  return addSlow(a, b);
}

function addSlow(a: unknown, b: unknown): SchemeNumber {
  if (a instanceof Compnum || b instanceof Compnum) return C.add(a, b);
  if (isInexact(a) || isInexact(b)) return makeFlonum(floatOf("+", a) + floatOf("+", b));
  const x = exactOperand("+", a);
  const y = exactOperand("+", b);
  if (isExactIntegerValue(x) && isExactIntegerValue(y))
    return normalizeBigInt(BigInt(x) + BigInt(y));
  const [an, ad] = ratioParts(x);
  const [bn, bd] = ratioParts(y);
  return makeRational(an * bd + bn * ad, ad * bd);
}

/** `-` on two numbers. */
export function sub(a: unknown, b: unknown): SchemeNumber {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (!Number.isInteger(r)) return r;
    if (Number.isInteger(a) && Number.isInteger(b)) {
      return Number.isSafeInteger(r) ? r : subSlow(a, b);
    }
    return new Flonum(r);
  }
  return subSlow(a, b);
}

function subSlow(a: unknown, b: unknown): SchemeNumber {
  if (a instanceof Compnum || b instanceof Compnum) return C.sub(a, b);
  if (isInexact(a) || isInexact(b)) return makeFlonum(floatOf("-", a) - floatOf("-", b));
  const x = exactOperand("-", a);
  const y = exactOperand("-", b);
  if (isExactIntegerValue(x) && isExactIntegerValue(y))
    return normalizeBigInt(BigInt(x) - BigInt(y));
  const [an, ad] = ratioParts(x);
  const [bn, bd] = ratioParts(y);
  return makeRational(an * bd - bn * ad, ad * bd);
}

/** `*` on two numbers. */
export function mul(a: unknown, b: unknown): SchemeNumber {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (!Number.isInteger(r)) return r;
    if (Number.isInteger(a) && Number.isInteger(b)) {
      // `+ 0` turns the -0 of (* 0 -5) into exact 0.
      return Number.isSafeInteger(r) ? r + 0 : mulSlow(a, b);
    }
    return mulSlow(a, b); // integral float product, possibly -0.0
  }
  return mulSlow(a, b);
}

function mulSlow(a: unknown, b: unknown): SchemeNumber {
  if (a instanceof Compnum || b instanceof Compnum) return C.mul(a, b);
  if (isInexact(a) || isInexact(b)) return makeFlonum(floatOf("*", a) * floatOf("*", b));
  const x = exactOperand("*", a);
  const y = exactOperand("*", b);
  if (isExactIntegerValue(x) && isExactIntegerValue(y))
    return normalizeBigInt(BigInt(x) * BigInt(y));
  const [an, ad] = ratioParts(x);
  const [bn, bd] = ratioParts(y);
  return makeRational(an * bn, ad * bd);
}

/** `/` on two numbers: exact operands give an exact result, (/ 1 3) → 1/3. */
export function div(a: unknown, b: unknown): SchemeNumber {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isInteger(a) && Number.isInteger(b)) {
      // `a % b` is exact where `a / b` may round a near-integer quotient to an integer.
      return b !== 0 && a % b === 0 ? a / b + 0 : divSlow(a, b);
    }
    const r = a / b;
    return Number.isInteger(r) ? divSlow(a, b) : r;
  }
  return divSlow(a, b);
}

function divSlow(a: unknown, b: unknown): SchemeNumber {
  if (a instanceof Compnum || b instanceof Compnum) return C.div(a, b);
  if (isInexact(a) || isInexact(b)) return makeFlonum(floatOf("/", a) / floatOf("/", b));
  const x = exactOperand("/", a);
  const y = exactOperand("/", b);
  const [an, ad] = ratioParts(x);
  const [bn, bd] = ratioParts(y);
  if (bn === 0n) divisionByZero("/");
  return makeRational(an * bd, ad * bn);
}

/** Unary `-`. */
export function neg(x: unknown, who = "-"): SchemeNumber {
  if (typeof x === "number") return Number.isInteger(x) ? 0 - x : -x; // 0 - 0 is +0, never -0
  if (x instanceof Compnum) return C.neg(x);
  checkNumber(who, x);
  if (typeof x === "bigint") return normalizeBigInt(-x);
  if (x instanceof Flonum) return new Flonum(-x.value);
  const r = x as Ratnum;
  return new Ratnum(-r.num, r.den);
}

/** `(square x)` */
export function square(x: unknown): SchemeNumber {
  checkNumber("square", x);
  return mul(x, x);
}

// ───────────────────────── comparison ─────────────────────────

/** `=` on two numbers. */
export function numEq(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  return numEqSlow(a, b);
}

function numEqSlow(a: unknown, b: unknown): boolean {
  if (a instanceof Compnum || b instanceof Compnum) return C.numEq(a, b);
  return compareChecked("=", a, b) === 0;
}

/** `<` on two numbers. */
export function lt(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a < b;
  return compareChecked("<", a, b) < 0;
}

/** `<=` on two numbers. */
export function le(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a <= b;
  return compareChecked("<=", a, b) <= 0;
}

/** `>` on two numbers. */
export function gt(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a > b;
  return compareChecked(">", a, b) > 0;
}

/** `>=` on two numbers. */
export function ge(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a >= b;
  return compareChecked(">=", a, b) >= 0;
}

function compareChecked(who: string, a: unknown, b: unknown): number {
  checkNumber(who, a);
  checkNumber(who, b);
  return compare(a, b);
}

function sign(x: number): -1 | 0 | 1 {
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

/**
 * -1, 0 or 1 as a is less than, equal to or greater than b, compared exactly across all
 * representations (so `=` stays transitive: 2^53+1 ≠ 2^53 = 9007199254740992.0). When either is
 * NaN the numbers are unordered and the result is NaN, so `compare(a, b) < 0` is false, as `<` is.
 */
export function compare(a: SchemeNumber, b: SchemeNumber): number {
  if (typeof a === "number" && typeof b === "number") {
    return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  }
  const aInexact = isInexact(a);
  const bInexact = isInexact(b);
  if (aInexact && bInexact) return compare(toFloat(a), toFloat(b));
  if (aInexact) return 0 - compareExactWithFloat(b as ExactNumber, toFloat(a));
  if (bInexact) return compareExactWithFloat(a as ExactNumber, toFloat(b));
  return compareExact(a as ExactNumber, b as ExactNumber);
}

function compareExactWithFloat(e: ExactNumber, f: number): number {
  if (Number.isNaN(f)) return NaN;
  if (f === Infinity) return -1;
  if (f === -Infinity) return 1;
  if (typeof e === "number") return sign(e - f); // a safe integer and a float compare exactly in JS
  return compareExact(e, floatToExact(f));
}

function compareExact(a: ExactNumber, b: ExactNumber): -1 | 0 | 1 {
  if (typeof a === "number" && typeof b === "number") return sign(a - b);
  const [an, ad] = ratioParts(a);
  const [bn, bd] = ratioParts(b);
  const left = an * bd; // denominators are positive, so cross-multiplying keeps the order
  const right = bn * ad;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** `zero?` */
export function isZero(x: unknown): boolean {
  if (typeof x === "number") return x === 0;
  if (x instanceof Compnum) return C.isZero(x);
  checkNumber("zero?", x);
  return x instanceof Flonum && x.value === 0; // bigints and Ratnums are never zero
}

/** `positive?` */
export function isPositive(x: unknown): boolean {
  if (typeof x === "number") return x > 0;
  return compareChecked("positive?", x, 0) > 0;
}

/** `negative?` */
export function isNegative(x: unknown): boolean {
  if (typeof x === "number") return x < 0;
  return compareChecked("negative?", x, 0) < 0;
}

/** `odd?` */
export function isOdd(x: unknown): boolean {
  return !isEven(x, "odd?");
}

/** `even?` */
export function isEven(x: unknown, who = "even?"): boolean {
  if (typeof x === "number" && Number.isInteger(x)) return x % 2 === 0;
  checkInteger(who, x);
  if (typeof x === "bigint") return x % 2n === 0n;
  return (x as Flonum).value % 2 === 0;
}

/** `max` on two numbers; inexact if either is (max 1 2.0) → 2.0. */
export function max(a: unknown, b: unknown, who = "max"): SchemeNumber {
  return extreme(who, a, b, 1);
}

/** `min` on two numbers; inexact if either is. */
export function min(a: unknown, b: unknown, who = "min"): SchemeNumber {
  return extreme(who, a, b, -1);
}

function extreme(who: string, a: unknown, b: unknown, wanted: 1 | -1): SchemeNumber {
  checkNumber(who, a);
  checkNumber(who, b);
  const c = compare(a, b);
  if (Number.isNaN(c)) return NaN;
  const winner = c === wanted || c === 0 ? a : b;
  return isInexact(a) || isInexact(b) ? toInexact(winner) : winner;
}

/** `abs` */
export function abs(x: unknown, who = "abs"): SchemeNumber {
  if (typeof x === "number") return Number.isInteger(x) ? Math.abs(x) + 0 : Math.abs(x);
  checkNumber(who, x);
  if (typeof x === "bigint") return x < 0n ? -x : x;
  if (x instanceof Flonum) return new Flonum(Math.abs(x.value));
  const r = x as Ratnum;
  return r.num < 0n ? new Ratnum(-r.num, r.den) : r;
}

// ───────────────────────── integer division ─────────────────────────
// R7RS §6.2.6: truncate/ rounds the quotient toward zero (remainder has the dividend's sign),
// floor/ rounds it toward -∞ (modulo has the divisor's sign). Integral flonums are accepted and
// give flonum results.

/** `quotient` (= truncate-quotient). */
export function quotient(a: unknown, b: unknown, who = "quotient"): SchemeNumber {
  if (typeof a === "number" && typeof b === "number" && areIntegers(a, b) && b !== 0)
    return (a - (a % b)) / b + 0; // a - a%b is exact; /b is exact
  return integerDivisionSlow(who, a, b, "truncate")[0];
}

/** `remainder` (= truncate-remainder). */
export function remainder(a: unknown, b: unknown, who = "remainder"): SchemeNumber {
  if (typeof a === "number" && typeof b === "number" && areIntegers(a, b) && b !== 0)
    return (a % b) + 0;
  return integerDivisionSlow(who, a, b, "truncate")[1];
}

/** `modulo` (= floor-remainder). */
export function modulo(a: unknown, b: unknown, who = "modulo"): SchemeNumber {
  if (typeof a === "number" && typeof b === "number" && areIntegers(a, b) && b !== 0) {
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r + 0;
  }
  return integerDivisionSlow(who, a, b, "floor")[1];
}

/** `floor-quotient` */
export function floorQuotient(a: unknown, b: unknown, who = "floor-quotient"): SchemeNumber {
  return floorDivide(a, b, who)[0];
}

/** `floor-remainder` */
export function floorRemainder(a: unknown, b: unknown, who = "floor-remainder"): SchemeNumber {
  return modulo(a, b, who);
}

/** `truncate-quotient` */
export function truncateQuotient(a: unknown, b: unknown, who = "truncate-quotient"): SchemeNumber {
  return quotient(a, b, who);
}

/** `truncate-remainder` */
export function truncateRemainder(
  a: unknown,
  b: unknown,
  who = "truncate-remainder",
): SchemeNumber {
  return remainder(a, b, who);
}

/** `floor/`: [quotient, remainder] with the quotient rounded toward -∞. */
export function floorDivide(a: unknown, b: unknown, who = "floor/"): [SchemeNumber, SchemeNumber] {
  if (typeof a === "number" && typeof b === "number" && areIntegers(a, b) && b !== 0) {
    const r = a % b;
    const q = (a - r) / b;
    return r !== 0 && r < 0 !== b < 0 ? [q - 1, r + b] : [q + 0, r + 0];
  }
  return integerDivisionSlow(who, a, b, "floor");
}

/** `truncate/`: [quotient, remainder] with the quotient rounded toward zero. */
export function truncateDivide(
  a: unknown,
  b: unknown,
  who = "truncate/",
): [SchemeNumber, SchemeNumber] {
  if (typeof a === "number" && typeof b === "number" && areIntegers(a, b) && b !== 0) {
    const r = a % b;
    return [(a - r) / b + 0, r + 0];
  }
  return integerDivisionSlow(who, a, b, "truncate");
}

function areIntegers(a: number, b: number): boolean {
  return Number.isInteger(a) && Number.isInteger(b);
}

function integerDivisionSlow(
  who: string,
  a: unknown,
  b: unknown,
  rounding: "floor" | "truncate",
): [SchemeNumber, SchemeNumber] {
  checkInteger(who, a);
  checkInteger(who, b);
  const inexact = isInexact(a) || isInexact(b);
  const n = BigInt(integerValue(a));
  const d = BigInt(integerValue(b));
  if (d === 0n) divisionByZero(who);
  let q = n / d;
  let r = n % d;
  if (rounding === "floor" && r !== 0n && r < 0n !== d < 0n) {
    q -= 1n;
    r += d;
  }
  if (inexact) return [makeFlonum(Number(q)), makeFlonum(Number(r))];
  return [normalizeBigInt(q), normalizeBigInt(r)];
}

/** An integer's value as a JS integer or bigint (integral flonums unboxed). */
function integerValue(x: unknown): number | bigint {
  return x instanceof Flonum ? x.value : (x as number | bigint);
}

/** `gcd` on two integers (always non-negative). */
export function gcd2(a: unknown, b: unknown, who = "gcd"): SchemeNumber {
  if (typeof a === "number" && typeof b === "number" && areIntegers(a, b)) {
    let x = Math.abs(a);
    let y = Math.abs(b);
    while (y !== 0) [x, y] = [y, x % y];
    return x + 0;
  }
  checkInteger(who, a);
  checkInteger(who, b);
  let x = BigInt(integerValue(a));
  let y = BigInt(integerValue(b));
  if (x < 0n) x = -x;
  if (y < 0n) y = -y;
  while (y !== 0n) [x, y] = [y, x % y];
  return isInexact(a) || isInexact(b) ? makeFlonum(Number(x)) : normalizeBigInt(x);
}

/** `lcm` on two integers (always non-negative). */
export function lcm2(a: unknown, b: unknown, who = "lcm"): SchemeNumber {
  checkInteger(who, a);
  checkInteger(who, b);
  if (isZero(a) || isZero(b)) return isInexact(a) || isInexact(b) ? new Flonum(0) : 0;
  return abs(mul(a, quotient(b, gcd2(a, b, who), who)), who);
}

// ───────────────────────── rounding ─────────────────────────

/** Round half to even, as R7RS `round` requires: (round 2.5) → 2.0. */
function roundHalfEven(x: number): number {
  const r = Math.round(x); // rounds halves up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

type Rounding = "floor" | "ceiling" | "round" | "truncate";

const FLOAT_ROUNDING: Record<Rounding, (x: number) => number> = {
  floor: Math.floor,
  ceiling: Math.ceil,
  round: roundHalfEven,
  truncate: Math.trunc,
};

/** Rounds num/den (den > 1) to an integer. */
function roundRatio(num: bigint, den: bigint, mode: Rounding): bigint {
  let floor = num / den;
  if (num < 0n) floor -= 1n; // bigint division truncates; den never divides num here
  switch (mode) {
    case "floor":
      return floor;
    case "ceiling":
      return floor + 1n;
    case "truncate":
      return num < 0n ? floor + 1n : floor;
    case "round": {
      const twiceFraction = 2n * (num - floor * den); // compare the fraction with 1/2
      if (twiceFraction < den) return floor;
      if (twiceFraction > den) return floor + 1n;
      return floor % 2n === 0n ? floor : floor + 1n;
    }
  }
}

function roundNumber(mode: Rounding, x: unknown): SchemeNumber {
  if (typeof x === "number") {
    return Number.isInteger(x) ? x : makeFlonum(FLOAT_ROUNDING[mode](x));
  }
  checkNumber(mode, x);
  if (x instanceof Ratnum) return normalizeBigInt(roundRatio(x.num, x.den, mode));
  return x; // bigints and boxed flonums are already integral
}

/** `floor`: flonum in → flonum out, exact rational in → exact integer out. */
export function floor(x: unknown): SchemeNumber {
  return roundNumber("floor", x);
}

/** `ceiling` */
export function ceiling(x: unknown): SchemeNumber {
  return roundNumber("ceiling", x);
}

/** `round`, to even on ties: (round 7/2) → 4, (round 2.5) → 2.0. */
export function round(x: unknown): SchemeNumber {
  return roundNumber("round", x);
}

/** `truncate` */
export function truncate(x: unknown): SchemeNumber {
  return roundNumber("truncate", x);
}

/** `numerator`; for flonums, that of the exact value, as a flonum: (numerator 0.5) → 1.0. */
export function numerator(x: unknown): SchemeNumber {
  checkNumber("numerator", x);
  if (isInexact(x)) return toInexact(numerator(toExact(x, "numerator")));
  if (x instanceof Ratnum) return normalizeBigInt(x.num);
  return x as ExactInteger;
}

/** `denominator`; (denominator 0.5) → 2.0, (denominator 0) → 1. */
export function denominator(x: unknown): SchemeNumber {
  checkNumber("denominator", x);
  if (isInexact(x)) return toInexact(denominator(toExact(x, "denominator")));
  if (x instanceof Ratnum) return normalizeBigInt(x.den);
  return 1;
}

/**
 * `rationalize`: the simplest rational within y of x (R7RS §6.2.6), inexact if either is:
 * (rationalize 1/3 1/100) → 1/3, (rationalize .3 1/10) → 0.3333333333333333.
 */
export function rationalize(x: unknown, y: unknown): SchemeNumber {
  const who = "rationalize";
  checkNumber(who, x);
  checkNumber(who, y);
  const inexact = isInexact(x) || isInexact(y);
  if (inexact) {
    const fx = toFloat(x);
    const fy = Math.abs(toFloat(y));
    if (Number.isNaN(fx) || Number.isNaN(fy)) return NaN;
    if (fy === Infinity) return Number.isFinite(fx) ? new Flonum(0) : NaN;
    if (!Number.isFinite(fx)) return fx;
  }
  const ex = toExact(x, who);
  const ey = abs(toExact(y, who), who) as ExactNumber;
  const r = simplestBetween(sub(ex, ey) as ExactNumber, add(ex, ey) as ExactNumber);
  return inexact ? toInexact(r) : r;
}

/** The simplest rational in [lo, hi] (smallest denominator, then smallest |numerator|). */
function simplestBetween(lo: ExactNumber, hi: ExactNumber): ExactNumber {
  if (compareExact(lo, 0) > 0) return simplestPositive(lo, hi);
  if (compareExact(hi, 0) < 0)
    return neg(simplestPositive(neg(hi) as ExactNumber, neg(lo) as ExactNumber)) as ExactNumber;
  return 0;
}

/** The simplest rational in [lo, hi] for 0 < lo ≤ hi, by continued fractions. */
function simplestPositive(lo: ExactNumber, hi: ExactNumber): ExactNumber {
  const fl = floor(lo) as ExactNumber;
  if (compareExact(fl, lo) === 0) return fl; // lo is an integer
  if (compareExact(fl, floor(hi) as ExactNumber) < 0) return add(fl, 1) as ExactNumber; // an integer lies in (lo, hi]
  const rest = simplestPositive(
    div(1, sub(hi, fl)) as ExactNumber,
    div(1, sub(lo, fl)) as ExactNumber,
  );
  return add(fl, div(1, rest)) as ExactNumber;
}

// ───────────────────────── powers and roots ─────────────────────────

/** Floor of the square root of a non-negative bigint, by Newton's method from above. */
function bigIntegerSqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // Start above the root: the float root padded for its rounding error, or a power of two.
  const approximation = Math.sqrt(Number(n));
  let x = Number.isFinite(approximation)
    ? BigInt(Math.ceil(approximation * (1 + 2 ** -40))) + 1n
    : 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const next = (x + n / x) >> 1n; // decreases strictly until x = floor(√n)
    if (next >= x) return x;
    x = next;
  }
}

/** `exact-integer-sqrt`: [s, r] with s² + r = n, for an exact non-negative integer n. */
export function exactIntegerSqrt(n: unknown): [ExactInteger, ExactInteger] {
  const who = "exact-integer-sqrt";
  if (!isExactInteger(n) || n < 0) wrongType(who, "an exact non-negative integer", n);
  if (typeof n === "number") {
    let s = Math.floor(Math.sqrt(n));
    while (s * s > n) s--;
    while ((s + 1) * (s + 1) <= n) s++;
    return [s, n - s * s];
  }
  const s = bigIntegerSqrt(n);
  return [normalizeBigInt(s), normalizeBigInt(n - s * s)];
}

/** The exact square root of a non-negative exact integer, or null when it is not a perfect square. */
function exactSquareRoot(n: bigint): bigint | null {
  const s = bigIntegerSqrt(n);
  return s * s === n ? s : null;
}

/** `sqrt`: exact for exact perfect squares, (sqrt 16) → 4, (sqrt 4/9) → 2/3; else a flonum. */
export function sqrt(x: unknown): SchemeNumber {
  const who = "sqrt";
  checkNumber(who, x);
  if (isInexact(x)) {
    const f = toFloat(x);
    if (f < 0) noComplex(who, x);
    return makeFlonum(Math.sqrt(f));
  }
  const [num, den] = ratioParts(x as ExactNumber);
  if (num < 0n) noComplex(who, x);
  const numRoot = exactSquareRoot(num);
  const denRoot = numRoot === null ? null : exactSquareRoot(den);
  if (numRoot !== null && denRoot !== null) return makeRational(numRoot, denRoot);
  const f = toFloat(x);
  // Beyond the float range take the root of the integer part, which then fits.
  if (f === Infinity) return makeFlonum(Number(bigIntegerSqrt(num / den)));
  return makeFlonum(Math.sqrt(f));
}

/** `expt`: exact base and exact integer exponent give an exact result; otherwise a flonum. */
export function expt(base: unknown, power: unknown): SchemeNumber {
  const who = "expt";
  checkNumber(who, base);
  checkNumber(who, power);
  if (isExact(base) && isExactInteger(power)) return exactPower(base, power);
  const b = toFloat(base);
  const p = toFloat(power);
  if (b < 0 && !Number.isInteger(p) && Number.isFinite(p)) noComplex(who, base);
  if (b === 0 && p < 0 && isExact(base)) divisionByZero(who);
  return makeFlonum(Math.pow(b, p));
}

function exactPower(base: ExactNumber, power: ExactInteger): SchemeNumber {
  if (power === 0) return 1;
  const [num, den] = ratioParts(base);
  if (num === 0n) {
    if (power < 0) divisionByZero("expt");
    return 0;
  }
  if (den === 1n && (num === 1n || num === -1n)) {
    // ±1 to any power, even one too large for a bigint exponent.
    return num === 1n || BigInt(power) % 2n === 0n ? 1 : -1;
  }
  const e = BigInt(power);
  const magnitude = e < 0n ? -e : e;
  // Refuse results too big to build (more than 2^28 bits) instead of exhausting memory.
  const resultBits = BigInt(Math.max(bitLength(num), bitLength(den))) * magnitude;
  if (resultBits > 1n << 28n) {
    throw new SchemeError(new ErrorObject(`expt: exponent ${String(power)} is too large`, []));
  }
  const n = num ** magnitude;
  const d = den ** magnitude;
  return e < 0n ? makeRational(d, n) : makeRational(n, d);
}

// ───────────────────────── transcendental functions ─────────────────────────

/** Natural log of a positive exact number too large (or small) for a float. */
function logOfExact(x: ExactNumber): number {
  const [num, den] = ratioParts(x);
  return logOfBigInt(num) - logOfBigInt(den);
}

function logOfBigInt(n: bigint): number {
  const f = Number(n);
  if (Number.isFinite(f)) return Math.log(f);
  const dropped = bitLength(n) - 64; // log(n) = log(n / 2^k) + k·log 2
  return Math.log(Number(n >> BigInt(dropped))) + dropped * Math.LN2;
}

/** `exp` */
export function exp(x: unknown): SchemeNumber {
  return makeFlonum(Math.exp(floatOf("exp", x)));
}

/** `log` with one argument (natural log) or two (log of x in base b). */
export function log(x: unknown, base?: unknown): SchemeNumber {
  const who = "log";
  const lx = naturalLog(who, x);
  if (base === undefined) return makeFlonum(lx);
  return makeFlonum(lx / naturalLog(who, base));
}

function naturalLog(who: string, x: unknown): number {
  const f = floatOf(who, x);
  if (compare(x as SchemeNumber, 0) < 0) noComplex(who, x);
  // An exact number outside the float range (2^2000, 1/2^2000) still has an ordinary log.
  if (isExact(x) && (f === Infinity || (f === 0 && x !== 0))) return logOfExact(x);
  return Math.log(f);
}

/** `sin` */
export function sin(x: unknown): SchemeNumber {
  return makeFlonum(Math.sin(floatOf("sin", x)));
}

/** `cos` */
export function cos(x: unknown): SchemeNumber {
  return makeFlonum(Math.cos(floatOf("cos", x)));
}

/** `tan` */
export function tan(x: unknown): SchemeNumber {
  return makeFlonum(Math.tan(floatOf("tan", x)));
}

/** `asin`; outside [-1, 1] the result would be complex. */
export function asin(x: unknown): SchemeNumber {
  const f = floatOf("asin", x);
  if (f < -1 || f > 1) noComplex("asin", x);
  return makeFlonum(Math.asin(f));
}

/** `acos`; outside [-1, 1] the result would be complex. */
export function acos(x: unknown): SchemeNumber {
  const f = floatOf("acos", x);
  if (f < -1 || f > 1) noComplex("acos", x);
  return makeFlonum(Math.acos(f));
}

/** `atan` with one argument, or two: the angle of the point (x, y), as atan2(y, x). */
export function atan(y: unknown, x?: unknown): SchemeNumber {
  const fy = floatOf("atan", y);
  if (x === undefined) return makeFlonum(Math.atan(fy));
  return makeFlonum(Math.atan2(fy, floatOf("atan", x)));
}
