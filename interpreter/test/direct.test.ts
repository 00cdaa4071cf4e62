// Direct versions of pure procedures (compiler/codegen.ts, DIRECT_BAIL): a pure procedure runs as
// plain JS recursion, and whenever such a run gives up, the call runs again the ordinary way.
// These tests pin down that nothing of that shows: values, output, errors and their traces, deep
// recursion and time slicing are what they are without direct versions.
import { describe, expect, it } from "vitest";
import { newScheme, runScheme, schemeFailure } from "./helpers.ts";
import { Closure } from "../src/vm/machine.ts";

/** The compiled procedure bound to `name` after running `source`. */
function procedure(source: string, name: string): Closure {
  const { scheme } = newScheme();
  scheme.run(source, "test.scm");
  const f = scheme.run(name, "get.scm");
  if (!(f instanceof Closure)) throw new Error(`${name} is not a compiled procedure`);
  return f;
}

describe("direct versions of pure procedures", () => {
  it("are made for pure first-order procedures only", () => {
    expect(
      procedure("(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))", "fib").info
        .direct,
    ).not.toBeNull();
    // an effect, a closure, a set!, a rest parameter, a call through a variable: none
    for (const [source, name] of [
      ["(define (f x) (display x) x)", "f"],
      ["(define (f x) (lambda () x))", "f"],
      ["(define (f x) (set! x 1) x)", "f"],
      ["(define (f . xs) xs)", "f"],
      ["(define (f g x) (g x))", "f"],
      ["(define v (vector 1)) (define (f x) (vector-set! v 0 x))", "f"],
    ])
      expect(procedure(source, name).info.direct, source).toBeNull();
  });

  it("compute what the ordinary code computes: fixnums, bignums, flonums, rationals, pairs", () => {
    expect(
      runScheme(`
        (define (tak x y z) (if (not (< y x)) z (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))
        (define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
        (define (harmonic n) (if (= n 0) 0 (+ (/ 1 n) (harmonic (- n 1)))))
        (define (halves x n) (if (= n 0) x (halves (/ x 2.) (- n 1))))
        (define (iota-rev n) (if (= n 0) '() (cons n (iota-rev (- n 1)))))
        (write (list (tak 18 12 6) (fact 25) (harmonic 10) (halves 1 3) (iota-rev 4)))`),
    ).toBe("(7 15511210043330985984000000 7381/2520 0.125 (4 3 2 1))");
  });

  it("never run an effect twice: a callee that is not pure makes the direct run give up first", () => {
    expect(
      runScheme(`
        (define (g x) x)
        (define (f x) (+ 1 (g x)))
        (display (f 1))
        (set! g (lambda (x) (display "[g]") x))
        (display (f 1))
        (display (f 1))`),
    ).toBe("2[g]2[g]2");
  });

  it("follow redefinitions of the procedures they call, themselves included", () => {
    expect(
      runScheme(`
        (define (h) 1)
        (define (f) (h))
        (define (loop n) (if (= n 0) (f) (loop (- n 1))))
        (display (loop 10))
        (define (h) 2)
        (display (loop 10))
        (define (loop n) 'replaced)
        (display (f))`),
    ).toBe("122");
  });

  it("leave errors to the ordinary code: same message, and the stack trace has every frame", () => {
    const f = schemeFailure(`
(define (walk n)
  (if (= n 0)
      (car '())
      (+ 1 (walk (- n 1)))))
(walk 3)`);
    expect(f.message).toMatch(/car: expected a pair, got \(\)/);
    expect(f.report.match(/walk/g)?.length).toBeGreaterThanOrEqual(4);
    expect(f.report).toMatch(/test\.scm:4:7/);
  });

  it("leave arity errors to the ordinary code", () => {
    expect(schemeFailure("(define (f a b) (+ a b)) (define (g) (f 1)) (g)").message).toMatch(
      /f: expected 2 arguments, got 1/,
    );
  });

  it("recurse a million deep: direct runs give up at their depth limit and the stack takes over", () => {
    const source =
      "(define (count n) (if (= n 0) 0 (+ 1 (count (- n 1))))) (display (count 1000000))";
    expect(runScheme(source)).toBe("1000000");
  });

  it("a procedure whose direct runs keep giving up loses its direct version", () => {
    const { scheme } = newScheme();
    scheme.run("(define (count n) (if (= n 0) 0 (+ 1 (count (- n 1))))) (count 100000)", "t.scm");
    const count = scheme.run("count", "get.scm") as Closure;
    expect(count.info.direct).toBeNull();
    expect(count.info.directFails).toBeGreaterThan(0);
  });

  it("respect time slices: a long pure computation yields and resumes to the right value", () => {
    const { scheme } = newScheme();
    const x = scheme.start(
      "(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2))))) (fib 22)",
    );
    let r = x.run(5000);
    let slices = 1;
    while (r.state === "yield") {
      r = x.run(5000);
      slices++;
    }
    expect(r).toEqual({ state: "done", value: 17711 });
    expect(slices).toBeGreaterThan(5);
  });
});
