;; Takeuchi's function, ten times: deep, branchy recursion with three arguments.

(define (tak x y z)
  (if (not (< y x))
      z
      (tak (tak (- x 1) y z)
           (tak (- y 1) z x)
           (tak (- z 1) x y))))

(define (repeat times)
  (let loop ((i 0) (result 0))
    (if (= i times)
        result
        (loop (+ i 1) (tak 18 12 6)))))

(display (repeat 10))
(newline)
