// The expander end to end: programs run through the whole interpreter (reader → expander →
// compiler → VM). Hygiene, derived forms and libraries, checked by what the programs compute.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GlobalCell } from "../src/core.ts";
import { SchemeError } from "../src/errors.ts";
import { Expander, type Environment, type HostFs } from "../src/expander/index.ts";
import { writeString } from "../src/printer.ts";
import { readAll } from "../src/reader/reader.ts";
import { PRELUDE_FILES, installAll } from "../src/runtime/index.ts";
import { STANDARD_LIBRARIES } from "../src/runtime/libraries.ts";
import { flushConsole, setConsoleSinks } from "../src/runtime/ports.ts";
import { Builtins } from "../src/runtime/registry.ts";
import { VM } from "../src/vm/index.ts";

function memoryFs(files: Record<string, string>): HostFs {
  return {
    readFile: (p) => files[p] ?? null,
    resolve: (dir, rel) => (rel.startsWith("/") ? rel : `${dir === "." ? "" : dir + "/"}${rel}`),
    dirname: (p) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "."),
  };
}

// The pipeline wired by hand (builtins, prelude, expander, VM), so these tests need only the
// modules they exercise.
const preludeDir = new URL("../src/runtime/prelude/", import.meta.url);
const prelude = PRELUDE_FILES.map((name) => new URL(name, preludeDir)).filter((u) => existsSync(u));

function run(src: string, files: Record<string, string> = {}, file = "main.scm"): string {
  const builtins = installAll(new Builtins());
  const systemCells = new Map<string, GlobalCell>();
  for (const [name, value] of builtins.table) {
    const cell = new GlobalCell(name, true);
    cell.value = value;
    systemCells.set(name, cell);
  }
  const ex = new Expander({
    systemCells,
    libraries: STANDARD_LIBRARIES,
    host: memoryFs(files),
    searchPath: ["lib"],
  });
  const vm = new VM({ evalHook: (datum, env) => ex.expandTopLevel(datum, env as Environment) });
  let out = "";
  setConsoleSinks({ stdout: (s) => (out += s), stderr: (s) => (out += s) });
  for (const url of prelude)
    for (const { datum, loc } of readAll(readFileSync(url, "utf8"), url.pathname))
      vm.runToCompletion(
        vm.compile(ex.expandTopLevel(datum, ex.systemEnvironment(), loc), { library: true }),
      );
  const v = vm.runToCompletion(vm.compile(ex.expandProgram(readAll(src, file), file)));
  flushConsole();
  return out + writeString(v);
}

function failure(src: string): string {
  try {
    run(src);
  } catch (e) {
    if (e instanceof SchemeError) return e.message;
    throw e;
  }
  throw new Error("expected a failure");
}

type Case = [source: string, expected: string];
const cases = (list: Case[]): void =>
  it.each(list)("%s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });

describe("hygiene", () => {
  const myOr =
    "(define-syntax my-or (syntax-rules () ((_) #f) ((_ e) e) ((_ e r ...) (let ((temp e)) (if temp temp (my-or r ...))))))";
  cases([
    [`${myOr} (define temp 5) (my-or #f temp)`, "5"],
    [`${myOr} (let ((if list)) (my-or #f 1))`, "1"],
    [`${myOr} (let ((temp 7)) (my-or #f temp))`, "7"],
    [
      "(define-syntax swap! (syntax-rules () ((_ a b) (let ((tmp a)) (set! a b) (set! b tmp))))) (define tmp 1) (define y 2) (swap! tmp y) (list tmp y)",
      "(2 1)",
    ],
    [
      "(define x 'outer) (define-syntax get-x (syntax-rules () ((_) x))) (let ((x 'inner)) (get-x))",
      "outer",
    ],
    [
      "(let ((x 'outer)) (let-syntax ((m (syntax-rules () ((_) x)))) (let ((x 'inner)) (m))))",
      "outer",
    ],
    ["(define-syntax q (syntax-rules () ((_) '(a b)))) (symbol? (car (q)))", "#t"],
    ["(let ((cons list)) `(1 ,(+ 1 1)))", "(1 2)"],
    ["(define (list . xs) 'mine) `(1 ,@(cdr '(0 2 3)))", "(1 2 3)"],
    ["(let ((=> #f)) (cond (#t => 'ok)))", "ok"],
    [
      "(define-syntax while (syntax-rules () ((_ c b ...) (let lp () (when c b ... (lp)))))) (define i 0) (while (< i 3) (set! i (+ i 1))) i",
      "3",
    ],
    [
      "(define-syntax ten (syntax-rules () ((_) 10))) (define-syntax use-ten (syntax-rules () ((_) (ten)))) (let ((ten (lambda () 0))) (use-ten))",
      "10",
    ],
    [
      "(define-syntax def-const (syntax-rules () ((_ n v) (define-syntax n (syntax-rules () ((_) v)))))) (def-const five 5) (five)",
      "5",
    ],
    [
      "(define-syntax my-let* (syntax-rules () ((_ () b ...) (let () b ...)) ((_ ((x v) r ...) b ...) (let ((x v)) (my-let* (r ...) b ...))))) (my-let* ((a 1) (b (+ a 1))) (* a b))",
      "2",
    ],
  ]);
});

describe("derived forms", () => {
  cases([
    ["(let loop ((i 0) (acc '())) (if (= i 3) acc (loop (+ i 1) (cons i acc))))", "(2 1 0)"],
    ["(let*-values (((a b) (values 1 2)) ((c) (values (+ a b)))) c)", "3"],
    [
      "(let-values (((a . rest) (values 1 2 3)) (all (values 4 5))) (list a rest all))",
      "(1 (2 3) (4 5))",
    ],
    ["(define-values (q r) (floor/ 7 2)) (list q r)", "(3 1)"],
    ["(define (f) (define-values (a . b) (values 1 2 3)) (list a b)) (f)", "(1 (2 3))"],
    ["(case (* 2 3) ((2 3 5 7) 'prime) ((1 4 6 8 9) 'composite))", "composite"],
    ["(case 'x ((a) 1) (else => (lambda (s) s)))", "x"],
    ["(case 5 ((5) => (lambda (n) (* n n))) (else 0))", "25"],
    [
      "(do ((vec (make-vector 5)) (i 0 (+ i 1))) ((= i 5) vec) (vector-set! vec i i))",
      "#(0 1 2 3 4)",
    ],
    ["(cond ((assv 'b '((a 1) (b 2))) => cadr) (else #f))", "2"],
    ["(guard (e (#t (list 'caught e))) (raise 'oops))", "(caught oops)"],
    ['(guard (e ((symbol? e) => (lambda (x) x)) ((string? e) \'str)) (raise "s"))', "str"],
    [
      "(with-exception-handler (lambda (e) 42) (lambda () (+ (guard (e ((string? e) 'no)) (raise-continuable 'x)) 1)))",
      "43",
    ],
    ["(define p (make-parameter 1)) (list (parameterize ((p 2)) (p)) (p))", "(2 1)"],
    ["(force (delay (+ 1 2)))", "3"],
    [
      "(define-record-type point (make-point x y) point? (x point-x) (y point-y set-point-y!)) (define p (make-point 1 2)) (set-point-y! p 5) (list (point? p) (point-x p) (point-y p) (point? 5))",
      "(#t 1 5 #f)",
    ],
    ["`(1 `(2 ,(3 ,(+ 1 3))))", "(1 (quasiquote (2 (unquote (3 4)))))"],
    ["`#(1 ,@(list 2 3) 4)", "#(1 2 3 4)"],
    ["(define ((adder n) x) (+ n x)) ((adder 2) 3)", "5"],
    [
      "(define plus (case-lambda ((a) a) ((a b) (+ a b)) ((a . r) (apply + a r)))) (list (plus 1) (plus 1 2) (plus 1 2 3))",
      "(1 3 6)",
    ],
    ["(when #f 1) (unless #f 2)", "2"],
    ["(cond-expand ((and r7rs (not foo)) 'yes) (else 'no))", "yes"],
  ]);
});

describe("libraries", () => {
  it("user libraries from files, once, in dependency order", () => {
    const files = {
      "lib/counter.sld": `(define-library (counter) (export next! count) (import (scheme base) (scheme write))
        (begin (define count 0) (define (next!) (set! count (+ count 1)) count) (display "init;")))`,
      "lib/user.sld": `(define-library (user) (export twice) (import (scheme base) (counter))
        (begin (define (twice) (next!) (next!))))`,
    };
    expect(run("(import (scheme base) (user) (counter)) (twice) (list (next!) count)", files)).toBe(
      "init;(3 3)",
    );
  });
  it("a program's imports decide what it sees", () => {
    expect(failure("(import (only (scheme base) car quote)) (cdr '(1 2))")).toMatch(/cdr/);
    expect(run("(import (prefix (scheme base) b:)) (b:car (b:quote (1 2)))")).toBe("1");
  });
  it("set! of an imported variable is a syntax error", () => {
    expect(failure("(set! car 1)")).toBe("set!: cannot assign imported variable car");
  });
  it("a program's definition shadows an import everywhere in the program, even before it", () => {
    expect(run("(define (main) (assoc 1 2)) (define (assoc a b) (list 'mine a b)) (main)")).toBe(
      "(mine 1 2)",
    );
    expect(run("(define (g) (p? 1)) (define-record-type r (mk) p?) (g)")).toBe("#f");
    expect(run("(define (h) (set! list 5) list) (define list 0) (h)")).toBe("5");
  });
  it("redefining a builtin at top level shadows it", () => {
    expect(run("(define (car x) 'mine) (list (car '(1)) (cadr '(1 2)))")).toBe("(mine 2)");
  });
});

describe("R7RS §4.3 macro cases", () => {
  cases([
    [
      "(let-syntax ((given-that (syntax-rules () ((_ test stmt1 stmt2 ...) (if test (begin stmt1 stmt2 ...)))))) (let ((if #t)) (given-that if (set! if 'now)) if))",
      "now",
    ],
    [
      `(letrec-syntax ((my-or (syntax-rules () ((my-or) #f) ((my-or e) e) ((my-or e1 e2 ...) (let ((temp e1)) (if temp temp (my-or e2 ...)))))))
         (let ((x #f) (y 7) (temp 8) (let odd?) (if even?)) (my-or x (let temp) (if y) y)))`,
      "7",
    ],
    [
      `(define-syntax be-like-begin (syntax-rules () ((be-like-begin name) (define-syntax name (syntax-rules () ((name expr (... ...)) (begin expr (... ...))))))))
       (be-like-begin sequence) (sequence 1 2 3 4)`,
      "4",
    ],
    ["(define-syntax elli-esc-1 (syntax-rules () ((_) '(... ...)))) (elli-esc-1)", "..."],
    [
      "(define-syntax elli-lit-1 (syntax-rules ... (...) ((_ x) '(x ...)))) (elli-lit-1 100)",
      "(100 ...)",
    ],
    ["(define-syntax underscore (syntax-rules () ((foo _) '_))) (underscore 1)", "_"],
    [
      "(define-syntax count-to-2 (syntax-rules () ((_) 0) ((_ _) 1) ((_ _ _) 2) ((_ . _) 'many))) (list (count-to-2 a b) (count-to-2) (count-to-2 a b c d))",
      "(2 0 many)",
    ],
    [
      "(define-syntax count-to-2_ (syntax-rules (_) ((_) 0) ((_ _) 1) ((_ _ _) 2) ((x . y) 'fail))) (list (count-to-2_ _ _) (count-to-2_) (count-to-2_ a b) (count-to-2_ a b c d))",
      "(2 0 fail fail)",
    ],
    [
      "(define-syntax jabberwocky (syntax-rules () ((_ hatter) (begin (define march-hare 42) (define-values (hatter) (values march-hare)))))) (jabberwocky mad-hatter) mad-hatter",
      "42",
    ],
    [
      "(define-syntax my-if (syntax-rules () ((_ c t e) (cond (c t) (else e))))) (let ((else #f)) (my-if #f 'no 'yes))",
      "yes",
    ],
    [
      "(define-syntax part-2 (syntax-rules () ((_ a b (m n) ... x y) (vector (list a b) (list m ...) (list n ...) (list x y))))) (part-2 1 2 (3 4) (5 6) 7 8)",
      "#((1 2) (3 5) (4 6) (7 8))",
    ],
    [
      "(define-syntax double-ell (syntax-rules () ((_ (a ...) ...) '(a ... ...)))) (double-ell (1 2) (3) ())",
      "(1 2 3)",
    ],
    ["(define-syntax vec (syntax-rules () ((_ #(a ...)) (+ a ...)))) (vec #(1 2 3))", "6"],
  ]);
});

describe("R7RS §4.2 derived-form cases", () => {
  cases([
    ["(let ((x '(1 3 5 7 9))) (do ((x x (cdr x)) (sum 0 (+ sum (car x)))) ((null? x) sum)))", "25"],
    ["(case (car '(c d)) ((a e i o u) 'vowel) ((w y) 'semivowel) (else => (lambda (x) x)))", "c"],
    [
      "(guard (condition ((assq 'a condition) => cdr) ((assq 'b condition))) (raise (list (cons 'a 42))))",
      "42",
    ],
    [
      "(guard (condition ((assq 'a condition) => cdr) ((assq 'b condition))) (raise (list (cons 'b 23))))",
      "(b . 23)",
    ],
    ["(let ((name 'a)) `(list ,name ',name))", "(list a (quote a))"],
    ["`(a ,(+ 1 2) ,@(map abs '(4 -5 6)) b)", "(a 3 4 5 6 b)"],
    ["`((foo ,(- 10 3)) ,@(cdr '(c)) . ,(car '(cons)))", "((foo 7) . cons)"],
    ["`#(10 5 ,(square 2) ,@(map square '(4 3)) 8)", "#(10 5 4 16 9 8)"],
    ["(let ((foo '(foo bar)) (@baz 'baz)) `(list ,@foo , @baz))", "(list foo bar baz)"],
    [
      "`(a `(b ,(+ 1 2) ,(foo ,(+ 1 3) d) e) f)",
      "(a (quasiquote (b (unquote (+ 1 2)) (unquote (foo 4 d)) e)) f)",
    ],
    [
      "(let ((name1 'x) (name2 'y)) `(a `(b ,,name1 ,',name2 d) e))",
      "(a (quasiquote (b (unquote x) (unquote (quote y)) d)) e)",
    ],
    ["(quasiquote (list (unquote (+ 1 2)) 4))", "(list 3 4)"],
    [
      "(letrec* ((p (lambda (x) (+ 1 (q (- x 1))))) (q (lambda (y) (if (zero? y) 0 (+ 1 (p (- y 1)))))) (x (p 5)) (y x)) y)",
      "5",
    ],
    ["(let*-values (((root rem) (exact-integer-sqrt 32))) (* root rem))", "35"],
    ["(let () (define-values (x y) (values 2 3)) (list x y))", "(2 3)"],
    ["(define-values (x y) (exact-integer-sqrt 17)) (list x y)", "(4 1)"],
    ["(define-values all (values 1 2)) all", "(1 2)"],
    [
      "(let loop ((numbers '(3 -2 1 6 -5)) (nonneg '()) (neg '())) (cond ((null? numbers) (list nonneg neg)) ((>= (car numbers) 0) (loop (cdr numbers) (cons (car numbers) nonneg) neg)) ((< (car numbers) 0) (loop (cdr numbers) nonneg (cons (car numbers) neg)))))",
      "((6 1 3) (-5 -2))",
    ],
    [
      '(define radix (make-parameter 10 (lambda (x) (if (and (exact-integer? x) (<= 2 x 16)) x (error "invalid radix"))))) (define (f n) (number->string n (radix))) (list (f 12) (parameterize ((radix 2)) (f 12)) (f 12))',
      '("12" "1100" "12")',
    ],
    [
      "(define-record-type <pare> (kons x y) pare? (x kar set-kar!) (y kdr)) (define k (kons 1 2)) (set-kar! k 3) (list (pare? k) (pare? (cons 1 2)) (kar k) (kdr k))",
      "(#t #f 3 2)",
    ],
  ]);
});

describe("eval and environments", () => {
  cases([
    ["(eval '(* 7 3) (environment '(scheme base)))", "21"],
    ["(eval '(let-values (((a b) (values 1 2))) (+ a b)) (environment '(scheme base)))", "3"],
    ["(eval '(define zz 5) (interaction-environment)) (eval 'zz (interaction-environment))", "5"],
    ["(eval '(if #t 1 2) (scheme-report-environment 5))", "1"],
    ["(define env (environment '(only (scheme base) + quote))) (eval '(+ 1 2) env)", "3"],
  ]);
  it("an environment only has what it imports", () => {
    expect(failure("(eval '(car '(1)) (environment '(only (scheme base) cdr)))")).toMatch(/car/);
  });
});
