;; Build a 1 MiB string with make-string and string-set!, then scan it with string-ref,
;; counting the vowels: O(1) indexing and mutation of strings.

(define size (* 1024 1024))
(define letters "abcdefghijklmnopqrstuvwxyz")

(define (build n)
  (let ((s (make-string n #\space)))
    (do ((i 0 (+ i 1))) ((= i n) s)
      (string-set! s i (string-ref letters (modulo (* i 7) 26))))))

(define (vowel? c)
  (case c ((#\a #\e #\i #\o #\u) #t) (else #f)))

(define (count-vowels s)
  (let ((n (string-length s)))
    (let loop ((i 0) (count 0))
      (if (= i n)
          count
          (loop (+ i 1) (if (vowel? (string-ref s i)) (+ count 1) count))))))

(display (count-vowels (build size)))
(newline)
