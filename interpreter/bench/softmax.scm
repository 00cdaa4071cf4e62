;; Softmax over 4096 flonums, 200 times: max-subtraction, exp, sum and division, as in a
;; transformer's attention. Prints a checksum (the outputs sum to 1).

(define size 4096)

(define (make-logits n)
  (let ((v (make-vector n 0.0)))
    (do ((i 0 (+ i 1))) ((= i n) v)
      (vector-set! v i (* 0.01 (- (modulo (* i 37) 1000) 500))))))

(define (vector-max v n)
  (let loop ((i 1) (best (vector-ref v 0)))
    (if (= i n) best (loop (+ i 1) (max best (vector-ref v i))))))

(define (softmax! v out n)
  (let ((top (vector-max v n)))
    (let loop ((i 0) (sum 0.0))
      (if (< i n)
          (let ((e (exp (- (vector-ref v i) top))))
            (vector-set! out i e)
            (loop (+ i 1) (+ sum e)))
          (do ((i 0 (+ i 1))) ((= i n) out)
            (vector-set! out i (/ (vector-ref out i) sum)))))))

(define logits (make-logits size))
(define probabilities (make-vector size 0.0))

(define (weighted-sum v n)
  (let loop ((i 0) (sum 0.0))
    (if (= i n) sum (loop (+ i 1) (+ sum (* i (vector-ref v i)))))))

(do ((k 0 (+ k 1))) ((= k 200))
  (softmax! logits probabilities size))

(display (round (weighted-sum probabilities size)))
(newline)
