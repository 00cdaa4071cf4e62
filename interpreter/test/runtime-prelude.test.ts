// End-to-end tests of the runtime through the interpreter: the prelude's procedures (those that
// call Scheme: map, for-each, sorting, hash-table-update!, force, the port procedures with optional
// ports...) and the primitives as a program sees them, error messages included.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { evalScheme, runScheme, schemeFailure } from "./helpers.ts";

/** [what, program, expected value as `write` prints it] */
type ValueCase = [string, string, string];

function values(cases: ValueCase[]): void {
  for (const [what, source, expected] of cases)
    test(what, () => {
      expect(evalScheme(source)).toBe(expected);
    });
}

describe("lists", () => {
  values([
    ["map, one list", "(map (lambda (x) (* x x)) '(1 2 3))", "(1 4 9)"],
    ["map, two lists", "(map + '(1 2 3) '(10 20 30))", "(11 22 33)"],
    ["map, shortest list wins", "(map + '(1 2 3) '(10 20))", "(11 22)"],
    ["map, three lists", "(map list '(1 2) '(a b) '(x y))", "((1 a x) (2 b y))"],
    ["map, empty", "(map car '())", "()"],
    ["map over a long list", "(length (map (lambda (x) x) (make-list 200000 1)))", "200000"],
    [
      "for-each, in order",
      "(let ((acc '())) (for-each (lambda (x) (set! acc (cons x acc))) '(1 2 3)) acc)",
      "(3 2 1)",
    ],
    [
      "for-each, two lists",
      "(let ((acc 0)) (for-each (lambda (a b) (set! acc (+ acc (* a b)))) '(1 2) '(3 4)) acc)",
      "11",
    ],
    ["member with a predicate", "(member 2.0 '(1 2 3) =)", "(2 3)"],
    ["member without", "(member (list 'a) '(b (a) c))", "((a) c)"],
    ["member, missing", "(member 9 '(1 2 3))", "#f"],
    ["assoc with a predicate", "(assoc 2.0 '((1 one) (2 two)) =)", "(2 two)"],
    ["assoc without", '(assoc "b" \'(("a" . 1) ("b" . 2)))', '("b" . 2)'],
    ["memq", "(memq 'c '(a b c d))", "(c d)"],
    ["assq", "(assq 'b '((a 1) (b 2)))", "(b 2)"],
    ["append", "(append '(1) '(2 3) '() '(4 . 5))", "(1 2 3 4 . 5)"],
    [
      "list-copy",
      "(let* ((a (list 1 2)) (b (list-copy a))) (set-car! b 9) (list a b))",
      "((1 2) (9 2))",
    ],
    ["list-set!", "(let ((l (list 1 2 3))) (list-set! l 1 'x) l)", "(1 x 3)"],
    ["list-sort", "(list-sort < '(3 1 4 1 5 9 2 6))", "(1 1 2 3 4 5 6 9)"],
    [
      "list-sort is stable",
      "(list-sort (lambda (a b) (< (car a) (car b))) '((1 . a) (0 . b) (1 . c) (0 . d)))",
      "((0 . b) (0 . d) (1 . a) (1 . c))",
    ],
    [
      "sort, either argument order",
      "(list (sort '(3 2 1) <) (sort < '(3 2 1)))",
      "((1 2 3) (1 2 3))",
    ],
    ["vector-sort", "(vector-sort < #(3 1 2))", "#(1 2 3)"],
    ["vector-sort!", "(let ((v (vector 3 1 2))) (vector-sort! v <) v)", "#(1 2 3)"],
    ["iota", "(list (iota 3) (iota 3 1) (iota 3 0 2))", "((0 1 2) (1 2 3) (0 2 4))"],
    [
      "filter and remove",
      "(list (filter odd? '(1 2 3 4 5)) (remove odd? '(1 2 3)))",
      "((1 3 5) (2))",
    ],
    ["fold", "(fold cons '() '(1 2 3))", "(3 2 1)"],
    ["fold, two lists", "(fold (lambda (a b acc) (+ acc (* a b))) 0 '(1 2) '(3 4))", "11"],
    ["fold-left", "(fold-left list '() '(1 2 3))", "(((() 1) 2) 3)"],
    ["fold-right", "(fold-right cons '() '(1 2 3))", "(1 2 3)"],
    [
      "fold-right, two lists",
      "(fold-right (lambda (a b acc) (cons (+ a b) acc)) '() '(1 2) '(10 20))",
      "(11 22)",
    ],
    ["reduce", "(list (reduce + 0 '(1 2 3 4)) (reduce + 0 '()))", "(10 0)"],
    ["delete", "(delete 2 '(1 2 3 2))", "(1 3)"],
    ["delete-duplicates", "(delete-duplicates '(1 2 1 3 2))", "(1 2 3)"],
    [
      "any and every",
      "(list (any odd? '(2 4 5)) (every odd? '(1 3)) (any odd? '()) (every odd? '()))",
      "(#t #t #f #t)",
    ],
    ["every returns the last value", "(every (lambda (x) (and (odd? x) x)) '(1 3 5))", "5"],
    [
      "find, find-tail, list-index",
      "(list (find even? '(1 2 3)) (find-tail even? '(1 2 3)) (list-index even? '(1 3 4)))",
      "(2 (2 3) 2)",
    ],
    ["count", "(count odd? '(1 2 3))", "2"],
    [
      "take, drop, last",
      "(list (take '(1 2 3) 2) (drop '(1 2 3) 2) (last '(1 2 3)))",
      "((1 2) (3) 3)",
    ],
    [
      "append-map, filter-map",
      "(list (append-map list '(1 2)) (filter-map (lambda (x) (and (odd? x) (* x 10))) '(1 2 3)))",
      "((1 2) (10 30))",
    ],
    [
      "partition",
      "(call-with-values (lambda () (partition odd? '(1 2 3 4))) list)",
      "((1 3) (2 4))",
    ],
    [
      "cxr",
      "(list (cadr '(1 2 3)) (cddr '(1 2 3)) (caddr '(1 2 3)) (cadddr '(1 2 3 4)))",
      "(2 (3) 3 4)",
    ],
  ]);
});

describe("strings, characters and vectors", () => {
  values([
    ["string-map", '(string-map char-upcase "abc")', '"ABC"'],
    [
      "string-map, two strings",
      '(string-map (lambda (a b) (if (char<? a b) a b)) "adc" "bbb")',
      '"abb"',
    ],
    [
      "string-for-each",
      '(let ((n 0)) (string-for-each (lambda (c) (set! n (+ n (char->integer c)))) "ab") n)',
      "195",
    ],
    [
      "string-for-each, two strings",
      '(let ((acc \'())) (string-for-each (lambda (a b) (set! acc (cons (string a b) acc))) "ab" "xyz") acc)',
      '("by" "ax")',
    ],
    ["vector-map", "(vector-map + #(1 2) #(10 20 30))", "#(11 22)"],
    ["vector-map, one vector", "(vector-map (lambda (x) (* x x)) #(1 2 3))", "#(1 4 9)"],
    [
      "vector-for-each",
      "(let ((acc '())) (vector-for-each (lambda (x) (set! acc (cons x acc))) #(1 2 3)) acc)",
      "(3 2 1)",
    ],
    [
      "string-index",
      '(list (string-index "hello" #\\l) (string-index "hello" char-upper-case?))',
      "(2 #f)",
    ],
    ["string-split", '(string-split "a,b,c" #\\,)', '("a" "b" "c")'],
    [
      "string-set! on a fresh string",
      "(let ((s (make-string 3 #\\a))) (string-set! s 1 #\\λ) s)",
      '"aλa"',
    ],
    ["string-copy!", '(let ((s (string-copy "hello"))) (string-copy! s 1 "EY") s)', '"hEYlo"'],
    [
      "string ports",
      '(let ((p (open-output-string))) (write (quote (a "b" #\\c)) p) (get-output-string p))',
      '"(a \\"b\\" #\\\\c)"',
    ],
    [
      "symbol->string / string->symbol",
      '(list (symbol->string \'abc) (string->symbol "x y"))',
      '("abc" |x y|)',
    ],
    [
      "char procedures",
      "(list (char-upcase #\\a) (char->integer #\\A) (digit-value #\\7))",
      "(#\\A 65 7)",
    ],
    [
      "bytevectors",
      '(let ((bv (bytevector 1 2 3))) (bytevector-u8-set! bv 0 9) (list bv (utf8->string (string->utf8 "λx"))))',
      '(#u8(9 2 3) "λx")',
    ],
    [
      "f32vectors",
      "(let ((v (make-f32vector 2 0.5))) (f32vector-set! v 1 2) (f32vector->list v))",
      "(0.5 2.0)",
    ],
    [
      "equal? on nested data",
      '(equal? (list 1 (vector 2 "x") #u8(3)) (list 1 (vector 2 "x") #u8(3)))',
      "#t",
    ],
    ["eqv? on flonums", "(list (eqv? 1.0 1.0) (eqv? 1 1.0) (eqv? 0.0 -0.0))", "(#t #f #f)"],
  ]);
});

describe("hash tables", () => {
  values([
    [
      "set, ref, update",
      `(let ((t (make-hash-table)))
         (hash-table-set! t '(a b) 1)
         (hash-table-update! t '(a b) (lambda (x) (+ x 1)))
         (hash-table-update!/default t 'n (lambda (x) (+ x 1)) 100)
         (list (hash-table-ref t '(a b)) (hash-table-ref t 'n) (hash-table-ref t 'zz (lambda () 'none))
               (hash-table-ref t 'n (lambda () 'none) (lambda (v) (* v 2)))))`,
      "(2 101 none 202)",
    ],
    [
      "fold and walk",
      `(let ((t (make-hash-table eqv?)) (sum 0))
         (hash-table-set! t 1 10) (hash-table-set! t 2 20)
         (hash-table-walk t (lambda (k v) (set! sum (+ sum k v))))
         (list sum (hash-table-fold t (lambda (k v acc) (+ acc v)) 0)
               (hash-table-fold (lambda (k v acc) (+ acc k)) 0 t)))`,
      "(33 30 3)",
    ],
    [
      "string keys",
      '(let ((t (make-hash-table string=?))) (hash-table-set! t "k" 1) (hash-table-ref/default t (string #\\k) 0))',
      "1",
    ],
    [
      "1 and 1.0 are different keys",
      "(let ((t (make-hash-table))) (hash-table-set! t 1 'exact) (hash-table-set! t 1.0 'inexact) (list (hash-table-ref t 1) (hash-table-ref t 1.0)))",
      "(exact inexact)",
    ],
    [
      "alist->hash-table",
      "(let ((t (alist->hash-table '((a . 1) (b . 2)) eq?))) (list (hash-table-size t) (hash-table-ref/default t 'b #f)))",
      "(2 2)",
    ],
    [
      "hash-table-ref!",
      "(let ((t (make-hash-table))) (list (hash-table-ref! t 'k (lambda () 5)) (hash-table-ref t 'k)))",
      "(5 5)",
    ],
  ]);
  test("a missing key without a failure thunk is an error", () => {
    expect(schemeFailure("(hash-table-ref (make-hash-table) 'nope)").message).toBe(
      "hash-table-ref: key not found nope",
    );
  });
});

describe("promises", () => {
  values([
    ["delay and force", "(force (delay (+ 1 2)))", "3"],
    [
      "force memoizes",
      "(let* ((n 0) (p (delay (begin (set! n (+ n 1)) n)))) (force p) (force p) n)",
      "1",
    ],
    ["force of a non-promise", "(force 5)", "5"],
    [
      "make-promise",
      "(list (promise? (make-promise 1)) (force (make-promise 1)) (promise? 1))",
      "(#t 1 #f)",
    ],
    [
      "a long delay-force chain runs in constant space",
      "(define (loop n) (delay-force (if (= n 0) (delay 'done) (loop (- n 1))))) (force (loop 100000))",
      "done",
    ],
    [
      "R7RS reentrancy test",
      `(define count 0)
       (define p (delay (begin (set! count (+ count 1)) (if (> count x) count (force p)))))
       (define x 5)
       (list (force p) (begin (set! x 10) (force p)))`,
      "(6 6)",
    ],
  ]);
});

describe("ports", () => {
  test("display, write, newline go to the console", () => {
    expect(
      runScheme(
        '(display "hi") (write "hi") (newline) (write-char #\\x) (write-string "abcd" (current-output-port) 1 3)',
      ),
    ).toBe('hi"hi"\nxbc');
  });
  test("parameterize current-output-port", () => {
    expect(
      evalScheme(
        "(let ((p (open-output-string))) (parameterize ((current-output-port p)) (display 1) (write 'a)) (get-output-string p))",
      ),
    ).toBe('"1a"');
  });
  values([
    [
      "with-output-to-string",
      "(with-output-to-string (lambda () (display 42) (newline)))",
      '"42\\n"',
    ],
    ["call-with-output-string", "(call-with-output-string (lambda (p) (write 'x p)))", '"x"'],
    [
      "read from a string port",
      '(let ((p (open-input-string "(1 2) foo"))) (list (read p) (read p) (eof-object? (read p))))',
      "((1 2) foo #t)",
    ],
    [
      "read-line",
      '(let ((p (open-input-string "a\\nb"))) (list (read-line p) (read-line p) (eof-object? (read-line p))))',
      '("a" "b" #t)',
    ],
    [
      "read-char and peek-char",
      '(let ((p (open-input-string "ab"))) (list (peek-char p) (read-char p) (read-char p) (eof-object? (read-char p))))',
      "(#\\a #\\a #\\b #t)",
    ],
    ["read-string", '(read-string 3 (open-input-string "abcdef"))', '"abc"'],
    [
      "bytevector ports",
      "(let ((p (open-output-bytevector))) (write-u8 1 p) (write-bytevector #u8(2 3) p) (get-output-bytevector p))",
      "#u8(1 2 3)",
    ],
    [
      "read-u8",
      "(let ((p (open-input-bytevector #u8(7 8)))) (list (read-u8 p) (peek-u8 p) (read-u8 p) (eof-object? (read-u8 p))))",
      "(7 8 8 #t)",
    ],
    [
      "call-with-port closes the port",
      '(let ((p (open-input-string "x"))) (call-with-port p read-char) (input-port-open? p))',
      "#f",
    ],
    ["console input is empty", "(eof-object? (read-char))", "#t"],
    ["eof-object", "(eof-object? (eof-object))", "#t"],
    [
      "read errors are read-error?",
      '(guard (e (#t (read-error? e))) (read (open-input-string "(1")))',
      "#t",
    ],
    [
      "file errors are file-error?",
      '(guard (e (#t (file-error? e))) (open-input-file "/nonexistent/file.txt"))',
      "#t",
    ],
  ]);
});

describe("error messages", () => {
  const cases: [string, string][] = [
    ["(car 5)", "car: expected a pair, got 5"],
    ["(vector-ref (vector 1 2 3) 10)", "vector-ref: index 10 out of range for length 3"],
    ['(string-ref "abc" 3)', "string-ref: index 3 out of range for length 3"],
    ['(string-set! "abc" 0 #\\x)', "string-set!: string is immutable"],
    ["(length '(1 . 2))", "length: expected a proper list, got (1 . 2)"],
    ["(map car 5)", "map: expected a proper list, got 5"],
    ["(for-each car '(1 . 2))", "car: expected a pair, got 1"],
    ["(for-each (lambda (x) x) '(1 . 2))", "for-each: expected a proper list, got 2"],
    ["(vector-map car 5)", "vector->list: expected a vector, got 5"],
    ["(hash-table-set! 5 1 1)", "hash-table-set!: expected a hash table, got 5"],
    ["(list-tail '(1 2) 3)", "list-tail: index 3 is past the end of the list"],
    ["(integer->char -1)", "integer->char: expected a Unicode scalar value, got -1"],
    ["(make-vector -1)", "make-vector: expected an exact non-negative integer length, got -1"],
    [
      "(bytevector-u8-set! (bytevector 1) 0 256)",
      "bytevector-u8-set!: expected a byte (an exact integer from 0 to 255), got 256",
    ],
    ["(f32vector-ref (make-f32vector 2) 2)", "f32vector-ref: index 2 out of range for length 2"],
    [
      "(read-char (open-output-string))",
      "read-char: expected a textual input port, got #<textual-output-port>",
    ],
    ["(force (delay-force 5))", "force: expected a promise, got 5"],
    ['(symbol->string "a")', 'symbol->string: expected a symbol, got "a"'],
    [
      "(define-record-type point (make-point x y) point? (x point-x) (y point-y)) (point-x 5)",
      "point-x: expected a point, got 5",
    ],
  ];
  for (const [source, message] of cases)
    test(source, () => {
      expect(schemeFailure(source).message).toBe(message);
    });
});

describe("files", () => {
  const dir = mkdtempSync(join(tmpdir(), "nanolm-runtime-"));
  const file = JSON.stringify(join(dir, "out.txt"));
  test("write a file with with-output-to-file, read it back three ways, delete it", () => {
    expect(
      evalScheme(`
        (with-output-to-file ${file} (lambda () (display "line 1") (newline) (write '(a "b"))))
        (define lines (call-with-input-file ${file} (lambda (p) (list (read-line p) (read p)))))
        (define first (with-input-from-file ${file} read-line))
        (define exists-before (file-exists? ${file}))
        (delete-file ${file})
        (list lines first exists-before (file-exists? ${file}))`),
    ).toBe('(("line 1" (a "b")) "line 1" #t #f)');
  });
  test("binary files", () => {
    expect(
      evalScheme(`
        (define p (open-binary-output-file ${file}))
        (write-bytevector #u8(1 2 255) p)
        (close-port p)
        (define q (open-binary-input-file ${file}))
        (define bytes (read-bytevector 10 q))
        (close-port q)
        (delete-file ${file})
        bytes`),
    ).toBe("#u8(1 2 255)");
  });
  test("call-with-output-file returns the procedure's value", () => {
    expect(
      evalScheme(`
        (define r (call-with-output-file ${file} (lambda (p) (write-string "xyz" p) 'done)))
        (define text (call-with-input-file ${file} (lambda (p) (read-string 10 p))))
        (delete-file ${file})
        (list r text)`),
    ).toBe('(done "xyz")');
  });
});

describe("process context and time", () => {
  values([
    ["command-line is a list of strings", "(string? (car (command-line)))", "#t"],
    [
      "jiffies",
      "(let ((a (current-jiffy))) (and (exact-integer? a) (<= a (current-jiffy)) (jiffies-per-second)))",
      "1000000",
    ],
    ["current-second", "(inexact? (current-second))", "#t"],
    ["features", "(and (memq 'r7rs (features)) #t)", "#t"],
    [
      "a missing environment variable",
      '(get-environment-variable "NANOLM_SURELY_UNSET_VARIABLE")',
      "#f",
    ],
  ]);
});
