;;; (scheme load): read a file's forms one by one and evaluate each in an environment.
;;; eval, environment and interaction-environment come from the VM and the interpreter facade.

(define (load filename . maybe-env)
  (let ((env (if (pair? maybe-env) (car maybe-env) (interaction-environment))))
    (call-with-input-file filename
      (lambda (port)
        (let loop ((form (read port)))
          (unless (eof-object? form)
            (eval form env)
            (loop (read port))))))))
