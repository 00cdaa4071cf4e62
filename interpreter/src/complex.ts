// Non-real complex numbers (R7RS §6.2, the (scheme complex) library), in rectangular form. The
// real numbers keep the representations of values.ts; a `Compnum` is never real: its imaginary
// part is not an exact zero (0.0 is kept, so -2.5+0.0i is not `real?`). Both parts are exact or
// both are inexact. numbers.ts hands its slow paths here when an operand is a Compnum; the real
// number operations on Compnums (`<`, `floor`, `exp`...) keep saying "expected a real number".
import { wrongType } from "./errors.ts";
import * as N from "./numbers.ts";
import { isExactInteger, isNumber, makeFlonum, type SchemeNumber } from "./values.ts";

export class Compnum {
  constructor(
    readonly re: SchemeNumber,
    readonly im: SchemeNumber,
  ) {}
}

/** Any number, real or not (`number?`, `complex?`). */
export function isComplex(x: unknown): boolean {
  return isNumber(x) || x instanceof Compnum;
}

/** re + im·i, a real number when im is an exact zero. Parts are made both exact or both inexact. */
export function makeRectangular(re: SchemeNumber, im: SchemeNumber): SchemeNumber {
  if (im === 0) return re;
  const reInexact = N.isInexact(re);
  const imInexact = N.isInexact(im);
  if (reInexact && !imInexact) im = N.toInexact(im);
  else if (imInexact && !reInexact) re = N.toInexact(re);
  return new Compnum(re, im) as unknown as SchemeNumber;
}

/** magnitude·e^(i·angle); an exact zero angle gives the magnitude itself. */
export function makePolar(magnitude: SchemeNumber, angle: SchemeNumber): SchemeNumber {
  if (angle === 0) return magnitude;
  const m = N.toFloat(magnitude);
  const a = N.toFloat(angle);
  return makeRectangular(makeFlonum(m * Math.cos(a)), makeFlonum(m * Math.sin(a)));
}

function checkComplex(who: string, x: unknown): SchemeNumber | Compnum {
  if (x instanceof Compnum) return x;
  if (isNumber(x)) return x;
  return wrongType(who, "a number", x);
}

export function realPart(x: unknown): SchemeNumber {
  return x instanceof Compnum ? x.re : (x as SchemeNumber);
}

export function imagPart(x: unknown): SchemeNumber {
  return x instanceof Compnum ? x.im : 0;
}

export function add(a: unknown, b: unknown): SchemeNumber {
  return makeRectangular(N.add(realPart(a), realPart(b)), N.add(imagPart(a), imagPart(b)));
}

export function sub(a: unknown, b: unknown): SchemeNumber {
  return makeRectangular(N.sub(realPart(a), realPart(b)), N.sub(imagPart(a), imagPart(b)));
}

export function neg(x: Compnum): SchemeNumber {
  return makeRectangular(N.neg(x.re), N.neg(x.im));
}

export function mul(a: unknown, b: unknown): SchemeNumber {
  const [p, q, r, s] = [realPart(a), imagPart(a), realPart(b), imagPart(b)];
  return makeRectangular(N.sub(N.mul(p, r), N.mul(q, s)), N.add(N.mul(p, s), N.mul(q, r)));
}

export function div(a: unknown, b: unknown): SchemeNumber {
  const [p, q, r, s] = [realPart(a), imagPart(a), realPart(b), imagPart(b)];
  if (s === 0) return makeRectangular(N.div(p, r), N.div(q, r));
  const d = N.add(N.mul(r, r), N.mul(s, s));
  const re = N.add(N.mul(p, r), N.mul(q, s));
  const im = N.sub(N.mul(q, r), N.mul(p, s));
  return makeRectangular(N.div(re, d), N.div(im, d));
}

/** `=` when at least one side is a Compnum. */
export function numEq(a: unknown, b: unknown): boolean {
  checkComplex("=", a);
  checkComplex("=", b);
  return N.numEq(realPart(a), realPart(b)) && N.numEq(imagPart(a), imagPart(b));
}

export function isZero(x: Compnum): boolean {
  return N.isZero(x.re) && N.isZero(x.im);
}

export function isExact(x: Compnum): boolean {
  return N.isExact(x.re);
}

export function isNaN(x: Compnum): boolean {
  return N.isNaN(x.re) || N.isNaN(x.im);
}

export function isInfinite(x: Compnum): boolean {
  return N.isInfinite(x.re) || N.isInfinite(x.im);
}

export function isFinite(x: Compnum): boolean {
  return N.isFinite(x.re) && N.isFinite(x.im);
}

export function toExact(x: Compnum, who: string): SchemeNumber {
  return makeRectangular(N.toExact(x.re, who), N.toExact(x.im, who));
}

export function toInexact(x: Compnum, who: string): SchemeNumber {
  return makeRectangular(N.toInexact(x.re, who), N.toInexact(x.im, who));
}

/** `magnitude` of a Compnum: exact when both parts are and the sum of squares is a square. */
export function magnitude(x: Compnum): SchemeNumber {
  if (N.isExact(x.re)) return N.sqrt(N.add(N.mul(x.re, x.re), N.mul(x.im, x.im)));
  return makeFlonum(Math.hypot(N.toFloat(x.re), N.toFloat(x.im)));
}

/** `angle` of a Compnum, in (-π, π]. */
export function angle(x: Compnum): SchemeNumber {
  return makeFlonum(Math.atan2(N.toFloat(x.im), N.toFloat(x.re)));
}

/**
 * The principal square root of a negative real or of a Compnum, exact when it can be:
 * (sqrt -4) → +2i, (sqrt -3+4i) → 1+2i.
 */
export function sqrt(x: SchemeNumber | Compnum): SchemeNumber {
  if (!(x instanceof Compnum)) return makeRectangular(0, N.sqrt(N.neg(x)));
  const m = magnitude(x);
  const two = N.isExact(x.re) ? 2 : makeFlonum(2);
  const re = N.sqrt(nonNegative(N.div(N.add(m, x.re), two)));
  const im = N.sqrt(nonNegative(N.div(N.sub(m, x.re), two)));
  return makeRectangular(re, N.isNegative(x.im) ? N.neg(im) : im);
}

/** Rounding can leave (m - re)/2 a hair below zero. */
function nonNegative(x: SchemeNumber): SchemeNumber {
  return N.isNegative(x) ? makeFlonum(0) : x;
}

/** e^z for a Compnum. */
export function exp(z: Compnum): SchemeNumber {
  const m = Math.exp(N.toFloat(z.re));
  const a = N.toFloat(z.im);
  return makeRectangular(makeFlonum(m * Math.cos(a)), makeFlonum(m * Math.sin(a)));
}

/** The principal natural logarithm of a Compnum or a negative real: ln|z| + i·angle(z). */
export function log(z: SchemeNumber | Compnum): SchemeNumber {
  const re = N.toFloat(realPart(z));
  const im = N.toFloat(imagPart(z));
  return makeRectangular(makeFlonum(Math.log(Math.hypot(re, im))), makeFlonum(Math.atan2(im, re)));
}

/** The principal value of base^power when either is a Compnum or a negative base has a non-integral power. */
export function expt(base: SchemeNumber | Compnum, power: SchemeNumber): SchemeNumber {
  if (isExactInteger(power)) {
    // Exact repeated squaring keeps exact complex results exact: (expt 1+i 2) → +2i.
    let n = BigInt(power);
    const inverse = n < 0n;
    if (inverse) n = -n;
    let result: unknown = 1;
    let square: unknown = base;
    while (n > 0n) {
      if (n & 1n) result = N.mul(result, square);
      square = N.mul(square, square);
      n >>= 1n;
    }
    return inverse ? N.div(1, result) : (result as SchemeNumber);
  }
  if (N.isZero(base)) return N.isExact(base) && N.isExact(power) ? 0 : makeFlonum(0);
  const product: unknown = N.mul(power, log(base));
  return product instanceof Compnum ? exp(product) : N.exp(product);
}
