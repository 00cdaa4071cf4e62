;;; Strings and vectors: the procedures that call Scheme procedures (R7RS §6.10).

;; (string-map f string1 string2 ...): f returns characters.
(define (string-map f s . ss)
  (list->string (apply map f (string->list s) (map string->list ss))))
(define (string-for-each f s . ss)
  (if (null? ss)
      (let ((n (string-length s)))
        (let loop ((i 0))
          (if (< i n) (begin (f (string-ref s i)) (loop (+ i 1))))))
      (apply for-each f (string->list s) (map string->list ss))))

;; (vector-map f vector1 vector2 ...): goes through lists so that an earlier result is never
;; mutated when a continuation captured inside f is re-entered.
(define (vector-map f v . vs)
  (list->vector (apply map f (vector->list v) (map vector->list vs))))
(define (vector-for-each f v . vs)
  (if (null? vs)
      (let ((n (vector-length v)))
        (let loop ((i 0))
          (if (< i n) (begin (f (vector-ref v i)) (loop (+ i 1))))))
      (apply for-each f (vector->list v) (map vector->list vs))))

;; (string-index s pred-or-char): the first index whose character matches, or #f.
(define (string-index s pred)
  (let ((match? (if (char? pred) (lambda (c) (char=? c pred)) pred))
        (n (string-length s)))
    (let loop ((i 0))
      (cond ((= i n) #f)
            ((match? (string-ref s i)) i)
            (else (loop (+ i 1)))))))
;; (string-split s char): the pieces between occurrences of char.
(define (string-split s c) (%string-split-char s c))
