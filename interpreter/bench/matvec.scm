;; A 256x256 flonum matrix (a vector of row vectors) times a vector, 200 times: flonum
;; arithmetic and vector access in tight loops. Prints a checksum of the last product.

(define size 256)

(define (make-matrix n)
  (let ((m (make-vector n)))
    (do ((i 0 (+ i 1))) ((= i n) m)
      (let ((row (make-vector n 0.0)))
        (do ((j 0 (+ j 1))) ((= j n))
          (vector-set! row j (/ (* 1.0 (modulo (+ (* i 7) (* j 13)) 17)) 16.0)))
        (vector-set! m i row)))))

(define (make-input n)
  (let ((v (make-vector n 0.0)))
    (do ((j 0 (+ j 1))) ((= j n) v)
      (vector-set! v j (/ (* 1.0 (modulo j 10)) 10.0)))))

(define (dot row x n)
  (let loop ((j 0) (sum 0.0))
    (if (= j n)
        sum
        (loop (+ j 1) (+ sum (* (vector-ref row j) (vector-ref x j)))))))

(define (mat-vec! m x out n)
  (do ((i 0 (+ i 1))) ((= i n) out)
    (vector-set! out i (dot (vector-ref m i) x n))))

(define (checksum v n)
  (let loop ((i 0) (sum 0.0))
    (if (= i n) sum (loop (+ i 1) (+ sum (vector-ref v i))))))

(define matrix (make-matrix size))
(define input (make-input size))
(define output (make-vector size 0.0))

(do ((k 0 (+ k 1))) ((= k 200))
  (mat-vec! matrix input output size))

(display (round (checksum output size)))
(newline)
