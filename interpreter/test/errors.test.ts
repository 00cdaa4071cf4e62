// Errors as a user sees them: the message, and a report naming file:line:col for the failing form
// and for every frame of the Scheme stack. Wording that the issue fixes is matched exactly; the rest
// is matched loosely, since it is ours to choose.
import { describe, expect, it } from "vitest";
import { evalScheme, schemeFailure } from "./helpers.ts";

describe("run-time errors: message and location", () => {
  it("(car 5) names the procedure, the expectation and the form's place", () => {
    const failure = schemeFailure("(define x 1)\n(car 5)");
    expect(failure.message).toBe("car: expected a pair, got 5");
    expect(failure.report.startsWith("car: expected a pair, got 5")).toBe(true);
    expect(failure.report).toContain("test.scm:2:1");
  });

  it("an error deep in nested procedures lists every frame, innermost first", () => {
    const program = [
      "(define (inner y)", //             line 1
      "  (car y))", //                    line 2: the failing form at column 3
      "(define (outer x)", //             line 3
      "  (+ 1 (inner x)))", //            line 4: the call of inner at column 8
      "(outer 5)", //                     line 5
    ].join("\n");
    const { message, report } = schemeFailure(program);
    expect(message).toBe("car: expected a pair, got 5");
    expect(report).toMatch(/\n {2}at inner \(test\.scm:2:3\)/);
    expect(report).toMatch(/\n {2}at outer \(test\.scm:4:8\)/);
    expect(report).toContain("test.scm:5:1");
    expect(report.indexOf("at inner")).toBeLessThan(report.indexOf("at outer"));
  });

  it("frames of a recursive procedure appear in the trace", () => {
    const program =
      "(define (down n)\n  (if (= n 0) (vector-ref (vector) 0) (+ 1 (down (- n 1)))))\n(down 3)";
    const { report } = schemeFailure(program);
    expect(report).toMatch(/at down \(test\.scm:2:\d+\)/);
  });

  it("unbound variable", () => {
    const failure = schemeFailure("(display 1)\n(foo)");
    expect(failure.message).toBe("unbound variable: foo");
    expect(failure.report).toContain("test.scm:2:");
  });

  it("unbound variable used as an argument", () => {
    expect(schemeFailure("(+ 1 undefined-thing)").message).toBe(
      "unbound variable: undefined-thing",
    );
  });

  it("unbound variable: the report points at the reference itself", () => {
    const failure = schemeFailure("(define (g)\n  (display (+ 1 zork)))\n(g)\n");
    expect(failure.report).toContain("at g (test.scm:2:17)");
    expect(failure.report).toContain("at <top> (test.scm:3:1)");
  });

  it("wrong number of arguments to a user procedure", () => {
    const failure = schemeFailure("(define (f x) x)\n(f 1 2)");
    expect(failure.message).toBe("f: expected 1 argument, got 2");
    expect(failure.report).toContain("test.scm:2:1");
  });

  it("too few arguments to a procedure with a rest parameter", () => {
    expect(schemeFailure("(define (g a b . rest) a)\n(g 1)").message).toMatch(
      /^g: expected at least 2 arguments?, got 1$/,
    );
  });

  it("wrong number of arguments to a primitive", () => {
    expect(schemeFailure("(car '(1) '(2))").message).toMatch(/^car: expected 1 argument, got 2$/);
  });

  it("applying a non-procedure", () => {
    const failure = schemeFailure("(define x 5)\n(x 3)");
    expect(failure.message).toBe("attempt to apply non-procedure 5");
    expect(failure.report).toContain("test.scm:2:1");
  });

  it("applying a string names the string as written", () => {
    expect(schemeFailure('("str" 1)').message).toBe('attempt to apply non-procedure "str"');
  });

  it("vector-ref out of range", () => {
    const failure = schemeFailure("(define v (vector 1 2 3))\n(vector-ref v 10)");
    expect(failure.message).toMatch(/^vector-ref: .*10.*out of range/);
    expect(failure.report).toContain("test.scm:2:1");
  });

  it("string-ref out of range", () => {
    expect(schemeFailure('(string-ref "abc" 3)').message).toMatch(/^string-ref: .*3.*out of range/);
  });

  it("a type error in arithmetic names the procedure", () => {
    expect(schemeFailure('(+ 1 "a")').message).toMatch(/^\+: expected a number, got "a"$/);
  });

  it('(error "boom" 1 2) reads as `boom 1 2`', () => {
    const failure = schemeFailure('(error "boom" 1 2)');
    expect(failure.message).toBe("boom 1 2");
    expect(failure.report).toContain("test.scm:1:1");
  });

  it("error irritants are written, not displayed", () => {
    expect(schemeFailure('(error "bad value:" "str" \'sym #\\a)').message).toBe(
      'bad value: "str" sym #\\a',
    );
  });

  it("raising a non-condition", () => {
    const failure = schemeFailure("(raise 'sym)");
    expect(failure.report.startsWith("uncaught exception: sym")).toBe(true);
  });

  it("raising a list", () => {
    expect(schemeFailure("(raise (list 1 2))").report.startsWith("uncaught exception: (1 2)")).toBe(
      true,
    );
  });

  it("string-set! on a string literal is an error", () => {
    expect(schemeFailure('(define s "abc")\n(string-set! s 0 #\\x)').message).toMatch(
      /string-set!/,
    );
  });

  it("an error raised inside a handler-free dynamic-wind still reports its place", () => {
    const failure = schemeFailure(
      "(dynamic-wind (lambda () #f)\n  (lambda () (car '()))\n  (lambda () #f))",
    );
    expect(failure.message).toBe("car: expected a pair, got ()");
    expect(failure.report).toContain("test.scm:2:");
  });
});

describe("reader errors name the place", () => {
  it("an unbalanced close parenthesis", () => {
    const failure = schemeFailure("(display 1))");
    expect(failure.message).toMatch(/unbalanced|unexpected/i);
    expect(failure.report).toContain("test.scm:1:12");
  });

  it("a missing close parenthesis names the opening one", () => {
    const failure = schemeFailure("(define x 1)\n(car (list 1 2)");
    expect(failure.message).toMatch(/missing|end of input/i);
    expect(failure.report).toContain("2:1");
    expect(failure.report).toContain("test.scm:");
  });

  it("an unterminated string", () => {
    const failure = schemeFailure('(display 1)\n(display "abc)');
    expect(failure.message).toMatch(/unterminated string/i);
    expect(failure.report).toContain("2:10");
    expect(failure.report).toContain("test.scm:");
  });

  it("a bad character name", () => {
    const failure = schemeFailure("(display #\\nosuchchar)");
    expect(failure.report).toContain("test.scm:1:");
  });

  it("an unterminated block comment", () => {
    const failure = schemeFailure("(display 1)\n#| never closed");
    expect(failure.report).toContain("test.scm:");
  });

  it("a reader error stops the program before anything runs", () => {
    expect(() => evalScheme('(display "partial")\n(car 1))')).toThrow();
  });
});

describe("syntax errors name the place", () => {
  it.each([
    ["(if)", /test\.scm:1:1/],
    ["(display 1)\n(let ((x)) x)", /test\.scm:2:\d+/],
    ["(display 1)\n(display 2)\n(lambda)", /test\.scm:3:\d+/],
    ["(define)", /test\.scm:1:\d+/],
    ["(let ((x 1) . 2) x)", /test\.scm:1:\d+/],
    ["(quote)", /test\.scm:1:\d+/],
    ["(set! 5 1)", /test\.scm:1:\d+/],
    ["(define-syntax m (syntax-rules () ((_ a) a)))\n(m)", /test\.scm:2:\d+/],
  ])("%s", (source, place) => {
    expect(schemeFailure(source).report).toMatch(place);
  });

  it("a syntax error's message names the form", () => {
    expect(schemeFailure("(if)").message).toMatch(/if/);
  });
});

describe("errors caught by guard keep their message and irritants", () => {
  it.each([
    [
      '(guard (e (#t (list (error-object-message e) (error-object-irritants e)))) (error "boom" 1 2))',
      '("boom" (1 2))',
    ],
    [
      "(guard (e ((error-object? e) (error-object-message e))) (car 5))",
      '"car: expected a pair, got 5"',
    ],
    [
      "(guard (e ((error-object? e) (error-object-message e))) (undefined-proc 1))",
      '"unbound variable: undefined-proc"',
    ],
    [
      "(define (f x) x) (guard (e ((error-object? e) (error-object-message e))) (f 1 2))",
      '"f: expected 1 argument, got 2"',
    ],
    [
      "(guard (e ((error-object? e) (error-object-message e))) (5 3))",
      '"attempt to apply non-procedure 5"',
    ],
    ["(guard (e ((symbol? e) e)) (raise 'sym))", "sym"],
    ["(guard (e ((error-object? e) 'caught)) (map car '((1) 2)))", "caught"],
    [
      '(define (deep n) (if (= n 0) (error "bottom" n) (+ 1 (deep (- n 1))))) (guard (e (#t (error-object-irritants e))) (deep 1000))',
      "(0)",
    ],
  ])("%s", (source, expected) => {
    expect(evalScheme(source)).toBe(expected);
  });

  it("a primitive's error message is available to a handler", () => {
    const value = evalScheme(
      "(guard (e ((error-object? e) (error-object-message e))) (vector-ref (vector 1) 5))",
    );
    expect(value).toMatch(/^"vector-ref: .*5.*out of range/);
  });

  it("with-exception-handler sees the error object of a primitive", () => {
    const value = evalScheme(
      "(call/cc (lambda (k) (with-exception-handler (lambda (e) (k (error-object? e))) (lambda () (car 1)))))",
    );
    expect(value).toBe("#t");
  });
});

describe("syntax-error", () => {
  it("reports the message of a syntax-error form in a macro expansion", () => {
    const program =
      '(define-syntax must-be-pair (syntax-rules () ((_ (a . b)) \'ok) ((_ x) (syntax-error "not a pair" x))))\n(must-be-pair 5)';
    expect(schemeFailure(program).message).toMatch(/not a pair/);
  });
});
