// R7RS-small §5: program structure — definitions, syntax definitions, record types, libraries.
// Expectations checked against Guile 3.0.8 with interpreter/bench/verify/.
import { describe, expect, it } from "vitest";
import { runScheme } from "./helpers.ts";
import { valueCases } from "./cases.ts";

describe("§5.3 variable definitions", () => {
  valueCases([
    ["(define add3 (lambda (x) (+ x 3))) (add3 3)", "6"],
    ["(define first car) (first '(1 2))", "1"],
    ["(define (f x) (* x x)) (f 7)", "49"],
    ["(define (f . args) args) (f 1 2)", "(1 2)"],
    ["(define (f a . rest) (list a rest)) (f 1 2 3)", "(1 (2 3))"],
    ["(define x 1) (define x 2) x", "2"],
    ["(define (f) (g)) (define (g) 'late-bound) (f)", "late-bound"],
    [
      `(let ((x 5))
         (define foo (lambda (y) (bar x y)))
         (define bar (lambda (a b) (+ (* a b) a)))
         (foo (+ x 3)))`,
      "45",
    ],
    ["(define (f) (define a 1) (define (g) (* a 10)) (g)) (f)", "10"],
    ["(define (f x) (define y (* x 2)) (define z (+ y 1)) z) (f 5)", "11"],
    [
      "(let () (define (ev? n) (if (= n 0) #t (od? (- n 1)))) (define (od? n) (if (= n 0) #f (ev? (- n 1)))) (ev? 100))",
      "#t",
    ],
    ["(define (f) (begin (define a 1) (define b 2)) (+ a b)) (f)", "3"],
    ["(lambda (x) x) 'after-lambda", "after-lambda"],
    ["(define x 10) (define (f) (define x 20) x) (list (f) x)", "(20 10)"],
  ]);
});

describe("§5.3.3 define-values", () => {
  valueCases([
    ["(define-values (x y) (exact-integer-sqrt 17)) (list x y)", "(4 1)"],
    ["(let () (define-values (x y) (values 1 2)) (+ x y))", "3"],
    ["(define-values (a . rest) (values 1 2 3)) (list a rest)", "(1 (2 3))"],
    ["(define-values all (values 1 2 3)) all", "(1 2 3)"],
    ["(define-values () (values)) 'ok", "ok"],
    ["(define (f) (define-values (q r) (floor/ 17 5)) (list q r)) (f)", "(3 2)"],
  ]);
});

describe("§5.4 syntax definitions", () => {
  valueCases([
    [
      `(define-syntax my-unless (syntax-rules () ((_ c body ...) (if c #f (begin body ...)))))
       (my-unless #f 'ran)`,
      "ran",
    ],
    ["(define-syntax five (syntax-rules () ((_) 5))) (define (f) (five)) (f)", "5"],
    [
      `(define (f)
         (define-syntax local (syntax-rules () ((_ x) (list x x))))
         (define y 3)
         (local y))
       (f)`,
      "(3 3)",
    ],
    [
      `(define-syntax def-getter
         (syntax-rules () ((_ name value) (define (name) value))))
       (def-getter get-7 7)
       (get-7)`,
      "7",
    ],
  ]);
});

describe("§5.5 record-type definitions", () => {
  valueCases([
    [
      `(define-record-type <pare> (kons x y) pare? (x kar set-kar!) (y kdr))
       (list (pare? (kons 1 2)) (pare? (cons 1 2)) (kar (kons 1 2)) (kdr (kons 1 2))
             (let ((k (kons 1 2))) (set-kar! k 3) (kar k)))`,
      "(#t #f 1 2 3)",
    ],
    [
      "(define-record-type point (make-point x y) point? (x point-x) (y point-y set-point-y!)) (point-y (make-point 1 2))",
      "2",
    ],
    ["(define-record-type point (make-point x y) point? (x point-x) (y point-y)) (point? 5)", "#f"],
    [
      "(define-record-type point (make-point x y) point? (x point-x) (y point-y)) (point? (vector 1 2))",
      "#f",
    ],
    [
      "(define-record-type a (make-a) a?) (define-record-type b (make-b) b?) (list (a? (make-a)) (a? (make-b)) (b? (make-b)))",
      "(#t #f #t)",
    ],
    [
      "(define-record-type node (make-node val) node? (val node-val) (next node-next set-node-next!)) (let ((n (make-node 1))) (set-node-next! n 'end) (node-next n))",
      "end",
    ],
    [
      "(define-record-type node (make-node next val) node? (val node-val) (next node-next)) (node-val (make-node 'n 'v))",
      "v",
    ],
    ["(define-record-type thing (make-thing) thing?) (procedure? make-thing)", "#t"],
    [
      "(define-record-type thing (make-thing a) thing? (a thing-a)) (map thing-a (list (make-thing 1) (make-thing 2)))",
      "(1 2)",
    ],
    [
      "(define-record-type thing (make-thing a) thing? (a thing-a)) (let ((t (make-thing 1))) (list (eqv? t t) (eqv? t (make-thing 1))))",
      "(#t #f)",
    ],
    [
      "(define-record-type thing (make-thing a) thing? (a thing-a)) (list (vector? (make-thing 1)) (pair? (make-thing 1)) (procedure? (make-thing 1)))",
      "(#f #f #f)",
    ],
    ["(define (f) (define-record-type p (mk a) p? (a p-a)) (p-a (mk 9))) (f)", "9"],
  ]);
});

// Guile 3.0.8 rejects `(export (rename ...))`, `cond-expand` as a library declaration and
// `(prefix (scheme base) s:)` inside define-library; those three expectations follow R7RS §5.6.
describe("§5.6 libraries", () => {
  valueCases([
    [
      `(define-library (stack)
         (export make-stack push! pop! stack-empty?)
         (import (scheme base))
         (begin
           (define (make-stack) (list 'stack))
           (define (push! s x) (set-cdr! s (cons x (cdr s))))
           (define (pop! s) (let ((x (cadr s))) (set-cdr! s (cddr s)) x))
           (define (stack-empty? s) (null? (cdr s)))))
       (import (stack))
       (define s (make-stack))
       (push! s 1) (push! s 2)
       (list (pop! s) (pop! s) (stack-empty? s))`,
      "(2 1 #t)",
    ],
    [
      `(define-library (example counter)
         (export next!)
         (import (scheme base))
         (begin (define count 0) (define (next!) (set! count (+ count 1)) count)))
       (import (example counter))
       (next!) (next!) (next!)`,
      "3",
    ],
    [
      `(define-library (lib a) (export double triple) (import (scheme base))
         (begin (define (double x) (* 2 x)) (define (triple x) (* 3 x))))
       (import (only (lib a) double))
       (double 4)`,
      "8",
    ],
    [
      `(define-library (lib a) (export double triple) (import (scheme base))
         (begin (define (double x) (* 2 x)) (define (triple x) (* 3 x))))
       (import (prefix (lib a) a:))
       (list (a:double 1) (a:triple 1))`,
      "(2 3)",
    ],
    [
      `(define-library (lib a) (export double triple) (import (scheme base))
         (begin (define (double x) (* 2 x)) (define (triple x) (* 3 x))))
       (import (rename (lib a) (double twice)))
       (list (twice 5) (triple 5))`,
      "(10 15)",
    ],
    [
      `(define-library (lib a) (export double triple) (import (scheme base))
         (begin (define (double x) (* 2 x)) (define (triple x) (* 3 x))))
       (import (except (lib a) triple))
       (double 6)`,
      "12",
    ],
    [
      `(define-library (lib r) (export (rename internal-name public-name)) (import (scheme base))
         (begin (define (internal-name) 'renamed-export)))
       (import (lib r))
       (public-name)`,
      "renamed-export",
    ],
    [
      `(define-library (lib m) (export my-inc) (import (scheme base))
         (begin (define-syntax my-inc (syntax-rules () ((_ v) (set! v (+ v 1)))))))
       (import (lib m))
       (define z 1) (my-inc z) z`,
      "2",
    ],
    [
      `(define-library (lib hidden) (export get) (import (scheme base))
         (begin (define secret 42) (define (get) secret)))
       (import (lib hidden))
       (define secret 0)
       (get)`,
      "42",
    ],
    [
      `(define-library (lib base) (export base-val) (import (scheme base)) (begin (define base-val 10)))
       (define-library (lib derived) (export derived-val) (import (scheme base) (lib base))
         (begin (define derived-val (* base-val 2))))
       (import (lib derived))
       derived-val`,
      "20",
    ],
    [
      `(define-library (lib ps) (export f) (import (prefix (scheme base) s:))
         (begin (s:define (f x) (s:+ x 1))))
       (import (lib ps))
       (f 1)`,
      "2",
    ],
    [
      `(define-library (lib ce) (export which)
         (import (scheme base))
         (cond-expand (r7rs (begin (define which 'r7rs))) (else (begin (define which 'other)))))
       (import (lib ce))
       which`,
      "r7rs",
    ],
    [
      `(define-library (lib two-begins) (export a b) (import (scheme base))
         (begin (define a 1))
         (begin (define b (+ a 1))))
       (import (lib two-begins))
       (list a b)`,
      "(1 2)",
    ],
    ["(import (scheme base) (scheme write)) (+ 1 2)", "3"],
    ["(import (only (scheme base) car cdr)) (car '(1 2))", "1"],
    ["(import (scheme base) (rename (only (scheme base) car) (car kar))) (kar '(a b))", "a"],
    ["(import (scheme base) (prefix (scheme char) c:)) (c:char-upcase #\\a)", "#\\A"],
  ]);
});

describe("§5.7 whole programs", () => {
  it("runs a program that starts with import and prints", () => {
    const program = `
      (import (scheme base) (scheme write))
      (define (greet name) (string-append "hello, " name))
      (display (greet "world"))
      (newline)`;
    expect(runScheme(program)).toBe("hello, world\n");
  });

  it("evaluates top-level forms in order", () => {
    expect(runScheme("(display 1) (define x 2) (display x) (set! x 3) (display x)")).toBe("123");
  });
});
