;; Non-tail recursion one million deep: the Scheme stack must not live on a small host stack.

(define (count n)
  (if (= n 0)
      0
      (+ 1 (count (- n 1)))))

(display (count 1000000))
(newline)
