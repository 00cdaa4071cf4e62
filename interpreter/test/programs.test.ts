// Classic whole programs: the ones that break toy Schemes (deep recursion, re-entrant
// continuations, big numbers, tail calls in long loops). Expected results were checked against
// Guile 3.0.8 with interpreter/bench/verify/.
import { describe, expect, it } from "vitest";
import { evalScheme, runScheme } from "./helpers.ts";

describe("classic programs", () => {
  it("man-or-boy with k = 10 gives -67", () => {
    const program = `
      (define (A k x1 x2 x3 x4 x5)
        (define (B)
          (set! k (- k 1))
          (A k B x1 x2 x3 x4))
        (if (<= k 0)
            (+ (x4) (x5))
            (B)))
      (A 10 (lambda () 1) (lambda () -1) (lambda () -1) (lambda () 1) (lambda () 0))`;
    expect(evalScheme(program)).toBe("-67");
  });

  it("yin-yang prints @*@**@***... (first 200 characters)", () => {
    const program = `
      (define printed 0)
      (define stop #f)
      (define (emit c)
        (display c)
        (set! printed (+ printed 1))
        (if (= printed 200) (stop 'enough)))
      (call-with-current-continuation
        (lambda (k)
          (set! stop k)
          (let* ((yin ((lambda (cc) (emit #\\@) cc) (call-with-current-continuation (lambda (c) c))))
                 (yang ((lambda (cc) (emit #\\*) cc) (call-with-current-continuation (lambda (c) c)))))
            (yin yang))))`;
    let expected = "";
    for (let stars = 1; expected.length < 200; stars++) expected += "@" + "*".repeat(stars);
    expect(runScheme(program)).toBe(expected.slice(0, 200));
  });

  it("tak", () => {
    const program = `
      (define (tak x y z)
        (if (not (< y x)) z
            (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))
      (list (tak 18 12 6) (tak 12 8 4))`;
    expect(evalScheme(program)).toBe("(7 5)");
  });

  it("8 queens has 92 solutions", () => {
    const program = `
      (define (queens board-size)
        (define (safe? col placed)
          (let loop ((rest placed) (distance 1))
            (or (null? rest)
                (let ((other (car rest)))
                  (and (not (= other col))
                       (not (= (abs (- other col)) distance))
                       (loop (cdr rest) (+ distance 1)))))))
        (define (place row placed)
          (if (= row board-size)
              1
              (let try ((col 0) (count 0))
                (if (= col board-size)
                    count
                    (try (+ col 1)
                         (if (safe? col placed)
                             (+ count (place (+ row 1) (cons col placed)))
                             count))))))
        (place 0 '()))
      (list (queens 6) (queens 8))`;
    expect(evalScheme(program)).toBe("(4 92)");
  });

  it("ackermann", () => {
    const program = `
      (define (ack m n)
        (cond ((= m 0) (+ n 1))
              ((= n 0) (ack (- m 1) 1))
              (else (ack (- m 1) (ack m (- n 1))))))
      (list (ack 2 3) (ack 3 3) (ack 3 5))`;
    expect(evalScheme(program)).toBe("(9 61 253)");
  });
});

describe("generators and coroutines with call/cc", () => {
  const treeGenerator = `
    (define (tree->generator tree)
      (define return #f)
      (define (walk t)
        (cond ((null? t) 'skip)
              ((pair? t) (walk (car t)) (walk (cdr t)))
              (else (call-with-current-continuation
                      (lambda (resume)
                        (set! continue resume)
                        (return t))))))
      (define (continue ignored)
        (walk tree)
        (return 'done))
      (lambda ()
        (call-with-current-continuation
          (lambda (k)
            (set! return k)
            (continue #f)))))`;

  it("a tree walker yields its leaves one at a time", () => {
    const program = `${treeGenerator}
      (define next (tree->generator '((a b) (c (d)) e)))
      (let loop ((acc '()))
        (let ((leaf (next)))
          (if (eq? leaf 'done) (reverse acc) (loop (cons leaf acc)))))`;
    expect(evalScheme(program)).toBe("(a b c d e)");
  });

  it("same-fringe compares trees leaf by leaf", () => {
    const program = `${treeGenerator}
      (define (same-fringe? t1 t2)
        (let ((g1 (tree->generator t1)) (g2 (tree->generator t2)))
          (let loop ()
            (let ((a (g1)) (b (g2)))
              (cond ((not (eqv? a b)) #f)
                    ((eq? a 'done) #t)
                    (else (loop)))))))
      (list (same-fringe? '(1 (2 3) ((4))) '((1 2) (3 4)))
            (same-fringe? '(1 (2 3)) '(1 (2 4)))
            (same-fringe? '(1 2) '(1 2 3)))`;
    expect(evalScheme(program)).toBe("(#t #f #f)");
  });

  it("cooperative threads take turns", () => {
    const program = `
      (define queue '())
      (define (enqueue! k) (set! queue (append queue (list k))))
      (define (dequeue!) (let ((k (car queue))) (set! queue (cdr queue)) k))
      (define all-done #f)
      (define (yield!) (call/cc (lambda (k) (enqueue! k) ((dequeue!) #f))))
      (define (finish!) (if (null? queue) (all-done 'finished) ((dequeue!) #f)))
      (define (spawn! thunk) (enqueue! (lambda (ignored) (thunk) (finish!))))
      (define trace '())
      (define (worker name n)
        (lambda ()
          (do ((i 0 (+ i 1))) ((= i n))
            (set! trace (cons (list name i) trace))
            (yield!))))
      (spawn! (worker 'a 3))
      (spawn! (worker 'b 2))
      (call/cc (lambda (k) (set! all-done k) ((dequeue!) #f)))
      (reverse trace)`;
    expect(evalScheme(program)).toBe("((a 0) (b 0) (a 1) (b 1) (a 2))");
  });

  it("a producer and a consumer hand values back and forth", () => {
    const program = `
      (define (make-producer items)
        (define return #f)
        (define (resume-point ignored)
          (for-each (lambda (x) (call/cc (lambda (k) (set! resume-point k) (return x)))) items)
          (return 'end))
        (lambda () (call/cc (lambda (k) (set! return k) (resume-point #f)))))
      (define produce (make-producer '(1 2 3 4)))
      (let loop ((sum 0))
        (let ((x (produce)))
          (if (eq? x 'end) sum (loop (+ sum (* x x))))))`;
    expect(evalScheme(program)).toBe("30");
  });
});

describe("deep recursion and long loops", () => {
  it("non-tail recursion 1,000,000 deep", () => {
    const program = `
      (define (count n) (if (= n 0) 0 (+ 1 (count (- n 1)))))
      (count 1000000)`;
    expect(evalScheme(program)).toBe("1000000");
  });

  it("building a long list with non-tail recursion and mapping over it", () => {
    const program = `
      (define (iota-rec i n) (if (= i n) '() (cons i (iota-rec (+ i 1) n))))
      (define big (iota-rec 0 300000))
      (apply + (map (lambda (x) (* 2 x)) big))`;
    expect(evalScheme(program)).toBe("89999700000");
  });

  it("a 10,000,000-iteration tail loop runs in constant space", () => {
    expect(evalScheme("(let loop ((i 0)) (if (< i 10000000) (loop (+ i 1)) i))")).toBe("10000000");
  });

  it("mutual tail recursion through top-level procedures", () => {
    const program = `
      (define (my-even? n) (if (= n 0) #t (my-odd? (- n 1))))
      (define (my-odd? n) (if (= n 0) #f (my-even? (- n 1))))
      (my-even? 1000001)`;
    expect(evalScheme(program)).toBe("#f");
  });

  it("tail calls through apply and cond arrows", () => {
    const program = `
      (define (down n) (cond ((= n 0) 'bottom) ((- n 1) => (lambda (m) (apply down (list m))))))
      (down 1000000)`;
    expect(evalScheme(program)).toBe("bottom");
  });
});

describe("data structure programs", () => {
  it("factorial of 100 is a 158-digit bignum", () => {
    const program = `
      (define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
      (define f100 (fact 100))
      (list (string-length (number->string f100)) (modulo f100 1000003) (quotient f100 (expt 10 150)))`;
    expect(evalScheme(program)).toBe("(158 371073 93326215)");
  });

  it("factorial of 25 printed in full", () => {
    const program = "(define (fact n) (if (= n 0) 1 (* n (fact (- n 1))))) (fact 25)";
    expect(evalScheme(program)).toBe("15511210043330985984000000");
  });

  it("sieve of Eratosthenes with a vector", () => {
    const program = `
      (define (count-primes below)
        (let ((composite (make-vector below #f)))
          (let loop ((i 2) (count 0))
            (cond ((= i below) count)
                  ((vector-ref composite i) (loop (+ i 1) count))
                  (else
                    (do ((j (* i i) (+ j i))) ((>= j below))
                      (vector-set! composite j #t))
                    (loop (+ i 1) (+ count 1)))))))
      (list (count-primes 100) (count-primes 10000))`;
    expect(evalScheme(program)).toBe("(25 1229)");
  });

  it("quicksort on lists", () => {
    const program = `
      (define (quicksort lst)
        (if (null? lst)
            '()
            (let ((pivot (car lst)) (rest (cdr lst)))
              (append (quicksort (filter-list (lambda (x) (< x pivot)) rest))
                      (list pivot)
                      (quicksort (filter-list (lambda (x) (>= x pivot)) rest))))))
      (define (filter-list keep? lst)
        (cond ((null? lst) '())
              ((keep? (car lst)) (cons (car lst) (filter-list keep? (cdr lst))))
              (else (filter-list keep? (cdr lst)))))
      (quicksort '(3 1 4 1 5 9 2 6 5 3 5 8 9 7 9))`;
    expect(evalScheme(program)).toBe("(1 1 2 3 3 4 5 5 5 6 7 8 9 9 9)");
  });

  it("association lists as a small database", () => {
    const program = `
      (define (update alist key value)
        (cond ((null? alist) (list (cons key value)))
              ((equal? (caar alist) key) (cons (cons key value) (cdr alist)))
              (else (cons (car alist) (update (cdr alist) key value)))))
      (define db (update (update (update '() "ann" 1) "bob" 2) "ann" 3))
      (list db (cdr (assoc "bob" db)) (assoc "carl" db))`;
    expect(evalScheme(program)).toBe('((("ann" . 3) ("bob" . 2)) 2 #f)');
  });

  it("a string builder with string ports", () => {
    const program = `
      (define (join strings separator)
        (let ((out (open-output-string)))
          (let loop ((s strings) (first #t))
            (unless (null? s)
              (unless first (write-string separator out))
              (write-string (car s) out)
              (loop (cdr s) #f)))
          (get-output-string out)))
      (join (map number->string '(1 22 333)) ", ")`;
    expect(evalScheme(program)).toBe('"1, 22, 333"');
  });

  it("a string built char by char and reversed", () => {
    const program = `
      (define (string-reverse s)
        (let* ((n (string-length s)) (r (make-string n)))
          (do ((i 0 (+ i 1))) ((= i n) r)
            (string-set! r i (string-ref s (- n i 1))))))
      (string-reverse (list->string (map (lambda (i) (integer->char (+ 97 i))) '(0 1 2 3 4))))`;
    expect(evalScheme(program)).toBe('"edcba"');
  });

  it("a reader loop over a string port sums the numbers", () => {
    const program = `
      (define (sum-numbers text)
        (let ((port (open-input-string text)))
          (let loop ((sum 0))
            (let ((datum (read port)))
              (cond ((eof-object? datum) sum)
                    ((number? datum) (loop (+ sum datum)))
                    (else (loop sum)))))))
      (sum-numbers "1 two 3 (4) 5/2 \\"six\\" 7")`;
    expect(evalScheme(program)).toBe("27/2");
  });

  it("word frequencies with SRFI 69 hash tables", () => {
    const program = `
      (import (scheme base) (srfi 69))
      (define counts (make-hash-table))
      (for-each (lambda (w) (hash-table-update!/default counts w (lambda (n) (+ n 1)) 0))
                '(the cat and the dog and the bird))
      (hash-table-set! counts 'fish 10)
      (list (hash-table-ref/default counts 'the 0)
            (hash-table-ref/default counts 'and 0)
            (hash-table-ref/default counts 'cow 0)
            (hash-table-ref/default counts 'fish 0))`;
    expect(evalScheme(program)).toBe("(3 2 0 10)");
  });

  it("hash tables with string keys use equal?", () => {
    const program = `
      (import (scheme base) (srfi 69))
      (define table (make-hash-table equal?))
      (hash-table-set! table "key" 'value)
      (hash-table-set! table (list 1 2) 'list-value)
      (list (hash-table-ref/default table (string-append "k" "ey") 'missing)
            (hash-table-ref/default table (list 1 2) 'missing))`;
    expect(evalScheme(program)).toBe("(value list-value)");
  });

  it("SRFI 4 f32vectors store single-precision floats", () => {
    const program = `
      (import (scheme base) (srfi 4))
      (define v (make-f32vector 4 0.0))
      (f32vector-set! v 0 0.5)
      (f32vector-set! v 1 0.1)
      (f32vector-set! v 3 2.0)
      (list (f32vector-ref v 0) (f32vector-ref v 1) (f32vector-ref v 2) (f32vector-ref v 3)
            (f32vector-length v) (f32vector? v) (f32vector? (vector 1)))`;
    expect(evalScheme(program)).toBe("(0.5 0.10000000149011612 0.0 2.0 4 #t #f)");
  });

  it("a dot product over f32vectors", () => {
    const program = `
      (import (scheme base) (srfi 4))
      (define (dot a b)
        (let loop ((i 0) (sum 0.0))
          (if (= i (f32vector-length a)) sum
              (loop (+ i 1) (+ sum (* (f32vector-ref a i) (f32vector-ref b i)))))))
      (dot (f32vector 1.0 2.0 3.0) (f32vector 4.0 5.0 6.0))`;
    expect(evalScheme(program)).toBe("32.0");
  });
});

describe("a tiny metacircular interpreter", () => {
  it("evaluates quote, if, lambda, closures and recursion", () => {
    const program = `
      (define (lookup name env)
        (cond ((assq name env) => cdr)
              (else (error "unbound" name))))
      (define (m-eval expr env)
        (cond ((or (number? expr) (boolean? expr)) expr)
              ((symbol? expr) (lookup expr env))
              ((eq? (car expr) 'quote) (cadr expr))
              ((eq? (car expr) 'if)
               (if (m-eval (cadr expr) env) (m-eval (caddr expr) env) (m-eval (cadddr expr) env)))
              ((eq? (car expr) 'lambda)
               (lambda args (m-eval (caddr expr) (append (map cons (cadr expr) args) env))))
              (else (apply (m-eval (car expr) env) (map (lambda (e) (m-eval e env)) (cdr expr))))))
      (define global (list (cons '+ +) (cons '- -) (cons '* *) (cons '< <) (cons 'list list)))
      (m-eval '((lambda (fact) (list (fact fact 10) (quote done)))
                (lambda (self n) (if (< n 1) 1 (* n (self self (- n 1))))))
              global)`;
    expect(evalScheme(program)).toBe("(3628800 done)");
  });
});
