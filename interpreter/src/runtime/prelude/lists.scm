;;; Pairs and lists: the procedures that call Scheme procedures (R7RS §6.4, §6.10), and the
;;; SRFI 1 / SRFI 132 favourites of the NanoLM extras. Loops accumulate in reverse and finish with
;;; `reverse`, so results are never mutated after being returned (R7RS: re-entering a continuation
;;; captured inside `map` must not change an earlier result).

;; (%cars lists) and (%cdrs lists): the heads and tails of several lists, or #f when one is empty.
(define (%cars lists)
  (let loop ((ls lists) (acc '()))
    (cond ((null? ls) (reverse acc))
          ((pair? (car ls)) (loop (cdr ls) (cons (car (car ls)) acc)))
          (else #f))))
(define (%cdrs lists)
  (let loop ((ls lists) (acc '()))
    (if (null? ls) (reverse acc) (loop (cdr ls) (cons (cdr (car ls)) acc)))))

;; (map f list1 list2 ...): stops at the shortest list.
(define map
  (case-lambda
    ((f l)
     (let loop ((l l) (acc '()))
       (cond ((pair? l) (loop (cdr l) (cons (f (car l)) acc)))
             ((null? l) (reverse acc))
             (else (error "map: expected a proper list, got" l)))))
    ((f l1 l2)
     (let loop ((a l1) (b l2) (acc '()))
       (if (and (pair? a) (pair? b))
           (loop (cdr a) (cdr b) (cons (f (car a) (car b)) acc))
           (reverse acc))))
    ((f l . ls)
     (let loop ((ls (cons l ls)) (acc '()))
       (let ((heads (%cars ls)))
         (if heads (loop (%cdrs ls) (cons (apply f heads) acc)) (reverse acc)))))))

;; (for-each f list1 list2 ...)
(define for-each
  (case-lambda
    ((f l)
     (let loop ((l l))
       (cond ((pair? l) (f (car l)) (loop (cdr l)))
             ((not (null? l)) (error "for-each: expected a proper list, got" l)))))
    ((f l . ls)
     (let loop ((ls (cons l ls)))
       (let ((heads (%cars ls)))
         (if heads (begin (apply f heads) (loop (%cdrs ls)))))))))

;; (member x list [same?]) and (assoc x alist [same?]): the two-argument forms are primitives.
(define member
  (case-lambda
    ((x l) (%member x l))
    ((x l same?)
     (let loop ((l l))
       (cond ((not (pair? l)) #f)
             ((same? x (car l)) l)
             (else (loop (cdr l))))))))
(define assoc
  (case-lambda
    ((x alist) (%assoc x alist))
    ((x alist same?)
     (let loop ((l alist))
       (cond ((not (pair? l)) #f)
             ((same? x (car (car l))) (car l))
             (else (loop (cdr l))))))))

;;; SRFI 1 favourites

(define (last l) (car (last-pair l)))

;; (iota count [start [step]])
(define (iota count . opt)
  (let ((start (if (pair? opt) (car opt) 0))
        (step (if (and (pair? opt) (pair? (cdr opt))) (cadr opt) 1)))
    (let loop ((i (- count 1)) (acc '()))
      (if (< i 0) acc (loop (- i 1) (cons (+ start (* i step)) acc))))))

(define (filter keep? l)
  (let loop ((l l) (acc '()))
    (cond ((null? l) (reverse acc))
          ((keep? (car l)) (loop (cdr l) (cons (car l) acc)))
          (else (loop (cdr l) acc)))))
(define (remove drop? l) (filter (lambda (x) (not (drop? x))) l))
(define (partition keep? l)
  (let loop ((l l) (in '()) (out '()))
    (cond ((null? l) (values (reverse in) (reverse out)))
          ((keep? (car l)) (loop (cdr l) (cons (car l) in) out))
          (else (loop (cdr l) in (cons (car l) out))))))

;; (fold kons knil list ...): (kons elem ... acc), left to right.
(define fold
  (case-lambda
    ((kons acc l)
     (let loop ((l l) (acc acc))
       (if (pair? l) (loop (cdr l) (kons (car l) acc)) acc)))
    ((kons acc l . ls)
     (let loop ((ls (cons l ls)) (acc acc))
       (let ((heads (%cars ls)))
         (if heads (loop (%cdrs ls) (apply kons (append heads (list acc)))) acc))))))
;; (fold-left f init list ...): (f acc elem ...), left to right (R6RS).
(define (fold-left f acc l . ls)
  (let loop ((ls (cons l ls)) (acc acc))
    (let ((heads (%cars ls)))
      (if heads (loop (%cdrs ls) (apply f acc heads)) acc))))
;; (fold-right f init list ...): (f elem ... acc), right to left.
(define (fold-right f acc l . ls)
  ;; rows: the argument lists of each call, last first.
  (let loop ((rows (let collect ((ls (cons l ls)) (rows '()))
                     (let ((heads (%cars ls)))
                       (if heads (collect (%cdrs ls) (cons heads rows)) rows))))
             (acc acc))
    (if (null? rows) acc (loop (cdr rows) (apply f (append (car rows) (list acc)))))))
;; (reduce f ridentity list): (f elem acc), with the first element as the initial acc.
(define (reduce f ridentity l)
  (if (null? l) ridentity (fold f (car l) (cdr l))))

(define (delete x l . opt)
  (let ((same? (if (pair? opt) (car opt) equal?)))
    (filter (lambda (y) (not (same? x y))) l)))
(define (delete-duplicates l . opt)
  (let ((same? (if (pair? opt) (car opt) equal?)))
    (let loop ((l l) (acc '()))
      (cond ((null? l) (reverse acc))
            ((member (car l) acc same?) (loop (cdr l) acc))
            (else (loop (cdr l) (cons (car l) acc)))))))

(define (any pred l . ls)
  (let loop ((ls (cons l ls)))
    (let ((heads (%cars ls)))
      (and heads (or (apply pred heads) (loop (%cdrs ls)))))))
(define (every pred l . ls)
  (let loop ((ls (cons l ls)) (last #t))
    (let ((heads (%cars ls)))
      (if heads
          (let ((r (apply pred heads))) (and r (loop (%cdrs ls) r)))
          last))))
(define (append-map f l . ls) (apply append (apply map f l ls)))
(define (filter-map f l . ls) (filter (lambda (x) x) (apply map f l ls)))
(define (find pred l)
  (let ((tail (find-tail pred l))) (and tail (car tail))))
(define (find-tail pred l)
  (let loop ((l l))
    (cond ((not (pair? l)) #f)
          ((pred (car l)) l)
          (else (loop (cdr l))))))
(define (list-index pred l)
  (let loop ((l l) (i 0))
    (cond ((not (pair? l)) #f)
          ((pred (car l)) i)
          (else (loop (cdr l) (+ i 1))))))
(define (count pred l)
  (let loop ((l l) (n 0))
    (if (pair? l) (loop (cdr l) (if (pred (car l)) (+ n 1) n)) n)))
(define (take l k)
  (let loop ((l l) (k k) (acc '()))
    (if (= k 0) (reverse acc) (loop (cdr l) (- k 1) (cons (car l) acc)))))
(define (drop l k) (list-tail l k))

;;; Sorting: a stable merge sort (SRFI 132 argument order; `sort` also takes SRFI 95's).

(define (%append-reverse rev tail)
  (if (null? rev) tail (%append-reverse (cdr rev) (cons (car rev) tail))))
(define (%merge a b less?)
  (let loop ((a a) (b b) (acc '()))
    (cond ((null? a) (%append-reverse acc b))
          ((null? b) (%append-reverse acc a))
          ((less? (car b) (car a)) (loop a (cdr b) (cons (car b) acc)))
          (else (loop (cdr a) b (cons (car a) acc))))))
;; Sorts the first n elements of l.
(define (%sort-prefix less? l n)
  (cond ((= n 0) '())
        ((= n 1) (list (car l)))
        (else
         (let ((half (quotient n 2)))
           (%merge (%sort-prefix less? l half)
                   (%sort-prefix less? (list-tail l half) (- n half))
                   less?)))))
(define (list-sort less? l) (%sort-prefix less? l (length l)))
(define (vector-sort less? v . range)
  (list->vector (list-sort less? (apply vector->list v range))))
(define (vector-sort! v less? . range)
  (let ((start (if (pair? range) (car range) 0)))
    (vector-copy! v start (apply vector-sort less? v range))))
;; (sort sequence less?) or (sort less? sequence), on lists and vectors.
(define (sort a b)
  (let ((less? (if (procedure? a) a b))
        (seq (if (procedure? a) b a)))
    (if (vector? seq) (vector-sort less? seq) (list-sort less? seq))))

(define (void . ignored) (if #f #f))
