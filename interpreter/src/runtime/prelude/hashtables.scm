;;; SRFI 69 hash tables: the procedures that call Scheme procedures.

(define %missing (%hash-table-missing))

;; (hash-table-ref table key [failure [success]])
(define hash-table-ref
  (case-lambda
    ((t key)
     (let ((v (%hash-table-ref t key)))
       (if (eq? v %missing) (error "hash-table-ref: key not found" key) v)))
    ((t key failure)
     (let ((v (%hash-table-ref t key)))
       (if (eq? v %missing) (failure) v)))
    ((t key failure success)
     (let ((v (%hash-table-ref t key)))
       (if (eq? v %missing) (failure) (success v))))))

;; (hash-table-ref! table key failure): the value, storing (failure) first when missing (SRFI 125).
(define (hash-table-ref! t key failure)
  (let ((v (%hash-table-ref t key)))
    (if (eq? v %missing)
        (let ((new (failure))) (hash-table-set! t key new) new)
        v)))

(define hash-table-update!
  (case-lambda
    ((t key f) (hash-table-set! t key (f (hash-table-ref t key))))
    ((t key f failure) (hash-table-set! t key (f (hash-table-ref t key failure))))))
(define (hash-table-update!/default t key f default)
  (hash-table-set! t key (f (hash-table-ref/default t key default))))

(define (hash-table-walk t f)
  (for-each (lambda (entry) (f (car entry) (cdr entry))) (hash-table->alist t)))
;; (hash-table-fold table kons knil) per SRFI 69, or (hash-table-fold kons knil table) per SRFI 125.
(define (hash-table-fold a b c)
  (let ((t (if (hash-table? a) a c))
        (kons (if (hash-table? a) b a))
        (knil (if (hash-table? a) c b)))
    (fold (lambda (entry acc) (kons (car entry) (cdr entry) acc)) knil (hash-table->alist t))))
(define (hash-table-merge! t1 t2)
  (hash-table-walk t2 (lambda (k v) (hash-table-set! t1 k v)))
  t1)
(define (hash-table-hash-function t)
  (let ((same? (hash-table-equivalence-function t)))
    (cond ((eq? same? equal?) hash)
          ((eq? same? string=?) string-hash)
          ((eq? same? string-ci=?) string-ci-hash)
          (else hash-by-identity))))
