// The numeric procedures of R7RS §6.2 and of the (scheme inexact) and (scheme complex) libraries,
// built on the generic arithmetic of numbers.ts. Complex numbers are not supported: the
// (scheme complex) procedures work on real numbers and say so when asked for anything else.
import { SchemeError, wrongType } from "../errors.ts";
import * as N from "../numbers.ts";
import { formatNumber, parseNumber } from "../reader/number-syntax.ts";
import {
  ErrorObject,
  MString,
  MultipleValues,
  isExactInteger,
  isNumber,
  type SchemeNumber,
} from "../values.ts";
import type { Builtins } from "./registry.ts";

type BinaryOp = (a: unknown, b: unknown) => SchemeNumber;
type Comparison = (a: unknown, b: unknown) => boolean;

function checkNumber(who: string, x: unknown): SchemeNumber {
  if (!isNumber(x)) wrongType(who, "a number", x);
  return x;
}

/** Left fold of a binary operation over the arguments; `identity` when there are none. */
function fold(op: BinaryOp, identity: SchemeNumber, who: string) {
  return (...args: unknown[]): SchemeNumber => {
    if (args.length === 0) return identity;
    if (args.length === 1) return checkNumber(who, args[0]); // (+ -0.0) is -0.0, not 0 + -0.0
    let acc = op(args[0], args[1]);
    for (let i = 2; i < args.length; i++) acc = op(acc, args[i]);
    return acc;
  };
}

/** An n-ary comparison: true when every adjacent pair satisfies `test`; every argument is checked. */
function chain(test: Comparison, who: string) {
  return (...args: unknown[]): boolean => {
    if (args.length === 1) checkNumber(who, args[0]);
    let result = true;
    for (let i = 0; i + 1 < args.length; i++) {
      if (!test(args[i], args[i + 1])) result = false;
    }
    return result;
  };
}

/** `max`/`min`: the extreme argument, inexact if any argument is. */
function extreme(pick: typeof N.max, who: string) {
  return (first: unknown, ...rest: unknown[]): SchemeNumber => {
    let acc = checkNumber(who, first);
    for (const x of rest) acc = pick(acc, x, who);
    return acc;
  };
}

function noComplex(who: string, detail: string): never {
  throw new SchemeError(
    new ErrorObject(`${who}: complex numbers are not supported (${detail})`, []),
  );
}

function checkRadix(who: string, radix: unknown): number {
  if (radix === 2 || radix === 8 || radix === 10 || radix === 16) return radix;
  return wrongType(who, "a radix (2, 8, 10 or 16)", radix);
}

export function install(b: Builtins): void {
  installPredicates(b);
  installArithmetic(b);
  installIntegerDivision(b);
  installRounding(b);
  installInexact(b);
  installComplex(b);
  installConversions(b);
}

// (number? x) (integer? x) (exact? x) (nan? x) (= a b ...) (zero? x) (odd? n) ...
function installPredicates(b: Builtins): void {
  b.define("number?", 1, 1, isNumber);
  b.define("complex?", 1, 1, isNumber);
  b.define("real?", 1, 1, isNumber);
  b.define("rational?", 1, 1, N.isRational);
  b.define("integer?", 1, 1, N.isInteger);
  b.define("exact?", 1, 1, (x: unknown) => N.isExact(checkNumber("exact?", x)));
  b.define("inexact?", 1, 1, (x: unknown) => N.isInexact(checkNumber("inexact?", x)));
  b.define("exact-integer?", 1, 1, isExactInteger);
  b.define("exact-rational?", 1, 1, N.isExact);
  b.define("nan?", 1, 1, (x: unknown) => N.isNaN(x));
  b.define("infinite?", 1, 1, (x: unknown) => N.isInfinite(x));
  b.define("finite?", 1, 1, (x: unknown) => N.isFinite(x));

  b.define("=", 1, -1, chain(N.numEq, "="));
  b.define("<", 1, -1, chain(N.lt, "<"));
  b.define(">", 1, -1, chain(N.gt, ">"));
  b.define("<=", 1, -1, chain(N.le, "<="));
  b.define(">=", 1, -1, chain(N.ge, ">="));

  b.define("zero?", 1, 1, N.isZero);
  b.define("positive?", 1, 1, N.isPositive);
  b.define("negative?", 1, 1, N.isNegative);
  b.define("odd?", 1, 1, N.isOdd);
  b.define("even?", 1, 1, (x: unknown) => N.isEven(x));
}

// (+ z ...) (* z ...) (- z w ...) (/ z w ...) (max x y ...) (abs x) (gcd n ...) ...
function installArithmetic(b: Builtins): void {
  b.define("+", 0, -1, fold(N.add, 0, "+"));
  b.define("*", 0, -1, fold(N.mul, 1, "*"));
  const subtract = fold(N.sub, 0, "-");
  b.define("-", 1, -1, (...args: unknown[]) =>
    args.length === 1 ? N.neg(args[0]) : subtract(...args),
  );
  const divide = fold(N.div, 1, "/");
  b.define("/", 1, -1, (...args: unknown[]) =>
    args.length === 1 ? N.div(1, args[0]) : divide(...args),
  );
  b.define("max", 1, -1, extreme(N.max, "max"));
  b.define("min", 1, -1, extreme(N.min, "min"));
  b.define("abs", 1, 1, (x: unknown) => N.abs(x));
  b.define("magnitude", 1, 1, (x: unknown) => N.abs(x, "magnitude"));
  b.define("square", 1, 1, N.square);
  b.define("gcd", 0, -1, (...args: unknown[]) =>
    args.reduce<SchemeNumber>((acc, x) => N.gcd2(acc, x), 0),
  );
  b.define("lcm", 0, -1, (...args: unknown[]) =>
    args.reduce<SchemeNumber>((acc, x) => N.lcm2(acc, x), 1),
  );
  b.define("numerator", 1, 1, N.numerator);
  b.define("denominator", 1, 1, N.denominator);
  b.define("expt", 2, 2, N.expt);
  b.define("sqrt", 1, 1, N.sqrt);
  b.define("exact-integer-sqrt", 1, 1, (n: unknown) => new MultipleValues(N.exactIntegerSqrt(n)));
}

// (quotient n m) (floor/ n m) (truncate-remainder n m) ...
function installIntegerDivision(b: Builtins): void {
  b.define("quotient", 2, 2, (n: unknown, m: unknown) => N.quotient(n, m));
  b.define("remainder", 2, 2, (n: unknown, m: unknown) => N.remainder(n, m));
  b.define("modulo", 2, 2, (n: unknown, m: unknown) => N.modulo(n, m));
  b.define("floor/", 2, 2, (n: unknown, m: unknown) => new MultipleValues(N.floorDivide(n, m)));
  b.define("floor-quotient", 2, 2, (n: unknown, m: unknown) => N.floorQuotient(n, m));
  b.define("floor-remainder", 2, 2, (n: unknown, m: unknown) => N.floorRemainder(n, m));
  b.define(
    "truncate/",
    2,
    2,
    (n: unknown, m: unknown) => new MultipleValues(N.truncateDivide(n, m)),
  );
  b.define("truncate-quotient", 2, 2, (n: unknown, m: unknown) => N.truncateQuotient(n, m));
  b.define("truncate-remainder", 2, 2, (n: unknown, m: unknown) => N.truncateRemainder(n, m));
}

// (floor x) (ceiling x) (round x) (truncate x) (rationalize x y)
function installRounding(b: Builtins): void {
  b.define("floor", 1, 1, N.floor);
  b.define("ceiling", 1, 1, N.ceiling);
  b.define("round", 1, 1, N.round);
  b.define("truncate", 1, 1, N.truncate);
  b.define("rationalize", 2, 2, N.rationalize);
}

// (scheme inexact): exp log sin cos tan asin acos atan (plus finite? infinite? nan? above)
function installInexact(b: Builtins): void {
  b.define("exp", 1, 1, N.exp);
  b.define("log", 1, 2, N.log);
  b.define("sin", 1, 1, N.sin);
  b.define("cos", 1, 1, N.cos);
  b.define("tan", 1, 1, N.tan);
  b.define("asin", 1, 1, N.asin);
  b.define("acos", 1, 1, N.acos);
  b.define("atan", 1, 2, N.atan);
}

// (scheme complex) for real numbers: a real x is x + 0i (magnitude is defined with abs above).
function installComplex(b: Builtins): void {
  b.define("real-part", 1, 1, (x: unknown) => checkNumber("real-part", x));
  b.define("imag-part", 1, 1, (x: unknown) => (checkNumber("imag-part", x), 0));
  b.define("angle", 1, 1, (x: unknown) => {
    checkNumber("angle", x);
    if (N.isNaN(x, "angle")) return x;
    if (N.isNegative(x)) return Math.PI;
    return N.isExact(x) ? 0 : N.toInexact(0);
  });
  b.define("make-rectangular", 2, 2, (re: unknown, im: unknown) => {
    checkNumber("make-rectangular", re);
    if (!N.isZero(checkNumber("make-rectangular", im)))
      noComplex("make-rectangular", "imaginary part must be 0");
    return re;
  });
  b.define("make-polar", 2, 2, (magnitude: unknown, angle: unknown) => {
    checkNumber("make-polar", magnitude);
    if (!N.isZero(checkNumber("make-polar", angle))) noComplex("make-polar", "angle must be 0");
    return magnitude;
  });
}

// (exact z) (inexact z) (number->string z radix) (string->number s radix)
function installConversions(b: Builtins): void {
  b.define("exact", 1, 1, (x: unknown) => N.toExact(x));
  b.define("inexact", 1, 1, (x: unknown) => N.toInexact(x));
  b.define("inexact->exact", 1, 1, (x: unknown) => N.toExact(x, "inexact->exact"));
  b.define("exact->inexact", 1, 1, (x: unknown) => N.toInexact(x, "exact->inexact"));
  b.define("number->string", 1, 2, (z: unknown, radix: unknown = 10) => {
    const who = "number->string";
    return MString.from(formatNumber(checkNumber(who, z), checkRadix(who, radix)));
  });
  b.define("string->number", 1, 2, (s: unknown, radix: unknown = 10) => {
    const who = "string->number";
    if (!(s instanceof MString)) wrongType(who, "a string", s);
    return parseNumber(s.toString(), checkRadix(who, radix));
  });
}
