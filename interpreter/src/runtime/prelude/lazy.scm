;;; (scheme lazy): `force`, after the R7RS reference implementation (§7.3). The loop makes a
;;; chain of delay-forces run in constant space.

(define (force promise)
  (if (promise? promise)
      (let loop ()
        (if (%promise-done? promise)
            (%promise-value promise)
            (let ((next ((%promise-value promise))))
              (if (not (%promise-done? promise)) (%promise-update! next promise))
              (loop))))
      promise))
