// The numeric procedures of R7RS §6.2 and of the (scheme inexact) and (scheme complex) libraries,
// built on the generic arithmetic of numbers.ts. Non-real complex numbers (complex.ts) are read,
// written, compared with `=`, and go through + - * / sqrt and the (scheme complex) procedures;
// the transcendental functions and the real-only operations refuse them.
import * as C from "../complex.ts";
import { Compnum } from "../complex.ts";
import { wrongType } from "../errors.ts";
import * as N from "../numbers.ts";
import { formatNumber, parseNumber } from "../reader/number-syntax.ts";
import { MString, MultipleValues, isExactInteger, isNumber, type SchemeNumber } from "../values.ts";
import type { Builtins } from "./registry.ts";

type BinaryOp = (a: unknown, b: unknown) => SchemeNumber;
type Comparison = (a: unknown, b: unknown) => boolean;

function checkNumber(who: string, x: unknown): SchemeNumber {
  if (!isNumber(x)) wrongType(who, x instanceof Compnum ? "a real number" : "a number", x);
  return x;
}

/** A number, real or not (typed as SchemeNumber, as numbers.ts passes Compnums along). */
function checkComplex(who: string, x: unknown): SchemeNumber {
  if (!C.isComplex(x)) wrongType(who, "a number", x);
  return x as SchemeNumber;
}

/** Left fold of a binary operation over the arguments; `identity` when there are none. */
function fold(op: BinaryOp, identity: SchemeNumber, who: string) {
  return (...args: unknown[]): SchemeNumber => {
    if (args.length === 0) return identity;
    if (args.length === 1) return checkComplex(who, args[0]); // (+ -0.0) is -0.0, not 0 + -0.0
    let acc = op(args[0], args[1]);
    for (let i = 2; i < args.length; i++) acc = op(acc, args[i]);
    return acc;
  };
}

/** An n-ary comparison: true when every adjacent pair satisfies `test`; every argument is checked. */
function chain(test: Comparison, who: string) {
  return (...args: unknown[]): boolean => {
    if (args.length === 1) (who === "=" ? checkComplex : checkNumber)(who, args[0]);
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
  b.define("number?", 1, 1, C.isComplex);
  b.define("complex?", 1, 1, C.isComplex);
  b.define("real?", 1, 1, isNumber);
  b.define("rational?", 1, 1, N.isRational);
  b.define("integer?", 1, 1, N.isInteger);
  b.define("exact?", 1, 1, (x: unknown) =>
    x instanceof Compnum ? C.isExact(x) : N.isExact(checkNumber("exact?", x)),
  );
  b.define("inexact?", 1, 1, (x: unknown) =>
    x instanceof Compnum ? !C.isExact(x) : N.isInexact(checkNumber("inexact?", x)),
  );
  b.define("exact-integer?", 1, 1, isExactInteger);
  b.define("exact-rational?", 1, 1, N.isExact);
  b.define("nan?", 1, 1, (x: unknown) => (x instanceof Compnum ? C.isNaN(x) : N.isNaN(x)));
  b.define("infinite?", 1, 1, (x: unknown) =>
    x instanceof Compnum ? C.isInfinite(x) : N.isInfinite(x),
  );
  b.define("finite?", 1, 1, (x: unknown) => (x instanceof Compnum ? C.isFinite(x) : N.isFinite(x)));

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
  b.define("magnitude", 1, 1, (x: unknown) =>
    x instanceof Compnum ? C.magnitude(x) : N.abs(x, "magnitude"),
  );
  b.define("square", 1, 1, (x: unknown) => (x instanceof Compnum ? C.mul(x, x) : N.square(x)));
  b.define("gcd", 0, -1, (...args: unknown[]) =>
    args.reduce<SchemeNumber>((acc, x) => N.gcd2(acc, x), 0),
  );
  b.define("lcm", 0, -1, (...args: unknown[]) =>
    args.reduce<SchemeNumber>((acc, x) => N.lcm2(acc, x), 1),
  );
  b.define("numerator", 1, 1, N.numerator);
  b.define("denominator", 1, 1, N.denominator);
  b.define("expt", 2, 2, (base: unknown, power: unknown) =>
    base instanceof Compnum ||
    power instanceof Compnum ||
    (isNumber(base) && isNumber(power) && N.isNegative(base) && !N.isInteger(power))
      ? C.expt(base as SchemeNumber, power as SchemeNumber)
      : N.expt(base, power),
  );
  b.define("sqrt", 1, 1, (x: unknown) =>
    x instanceof Compnum || N.isNegative(checkNumber("sqrt", x))
      ? C.sqrt(x as SchemeNumber)
      : N.sqrt(x),
  );
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
  b.define("exp", 1, 1, (x: unknown) => (x instanceof Compnum ? C.exp(x) : N.exp(x)));
  // Logarithms of negative reals and of Compnums are complex: (log -1) → 0.0+3.141592653589793i.
  const isComplexLog = (x: unknown) => x instanceof Compnum || (isNumber(x) && N.isNegative(x));
  const ln = (x: unknown) => (isComplexLog(x) ? C.log(x as SchemeNumber) : N.log(x));
  b.define("log", 1, 2, (x: unknown, base?: unknown) => {
    if (base === undefined) return ln(x);
    return isComplexLog(x) || isComplexLog(base) ? N.div(ln(x), ln(base)) : N.log(x, base);
  });
  b.define("sin", 1, 1, N.sin);
  b.define("cos", 1, 1, N.cos);
  b.define("tan", 1, 1, N.tan);
  b.define("asin", 1, 1, N.asin);
  b.define("acos", 1, 1, N.acos);
  b.define("atan", 1, 2, N.atan);
}

// (scheme complex): real-part imag-part angle make-rectangular make-polar (magnitude is above)
function installComplex(b: Builtins): void {
  b.define("real-part", 1, 1, (x: unknown) => C.realPart(checkComplex("real-part", x)));
  b.define("imag-part", 1, 1, (x: unknown) => C.imagPart(checkComplex("imag-part", x)));
  b.define("angle", 1, 1, (x: unknown) => {
    if (x instanceof Compnum) return C.angle(x);
    checkNumber("angle", x);
    if (N.isNaN(x, "angle")) return x;
    if (N.isNegative(x)) return Math.PI;
    return N.isExact(x) ? 0 : N.toInexact(0);
  });
  b.define("make-rectangular", 2, 2, (re: unknown, im: unknown) =>
    C.makeRectangular(checkNumber("make-rectangular", re), checkNumber("make-rectangular", im)),
  );
  b.define("make-polar", 2, 2, (magnitude: unknown, angle: unknown) =>
    C.makePolar(checkNumber("make-polar", magnitude), checkNumber("make-polar", angle)),
  );
}

// (exact z) (inexact z) (number->string z radix) (string->number s radix)
function installConversions(b: Builtins): void {
  const exact = (who: string) => (x: unknown) =>
    x instanceof Compnum ? C.toExact(x, who) : N.toExact(x, who);
  const inexact = (who: string) => (x: unknown) =>
    x instanceof Compnum ? C.toInexact(x, who) : N.toInexact(x, who);
  b.define("exact", 1, 1, exact("exact"));
  b.define("inexact", 1, 1, inexact("inexact"));
  b.define("inexact->exact", 1, 1, exact("inexact->exact"));
  b.define("exact->inexact", 1, 1, inexact("exact->inexact"));
  b.define("number->string", 1, 2, (z: unknown, radix: unknown = 10) => {
    const who = "number->string";
    return MString.from(formatNumber(checkComplex(who, z), checkRadix(who, radix)));
  });
  b.define("string->number", 1, 2, (s: unknown, radix: unknown = 10) => {
    const who = "string->number";
    if (!(s instanceof MString)) wrongType(who, "a string", s);
    return parseNumber(s.toString(), checkRadix(who, radix));
  });
}
