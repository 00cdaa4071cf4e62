;; generate.scm — the Scheme engine from a program of your own.
;;
;;   ./bin/nanolm scheme scheme-lib/examples/generate.scm MODEL.bin "prompt" [N]
;;
;; Loads a Nano model, prints N greedy tokens as they come, then shows what the observation hook
;; saw of the last token: where each head of the last layer looked.
(import (scheme base) (scheme write) (scheme process-context) (srfi 4)
        (nano format) (nano tokenizer) (nano model) (nano generate))

(define args (command-line))
(unless (<= 3 (length args) 4)
  (display "usage: generate.scm MODEL.bin PROMPT [N]\n" (current-error-port))
  (exit 2))

(define model (read-model (list-ref args 1)))
(define tokenizer (make-tokenizer model))
(define prompt (encode tokenizer (list-ref args 2)))
(define n (if (= (length args) 4) (string->number (list-ref args 3)) 32))

;; Keep the attention weights of the last layer, for the last token run.
(define last-layer (- (config-n-layer (model-config model)) 1))
(define attention '())
(set-observer!
 (lambda (kind position layer head data)
   (when (and (eq? kind 'attention) (= layer last-layer))
     (when (= head 0) (set! attention '()))
     (set! attention (cons (f32vector->list data) attention)))))

(generate model prompt `((max-new-tokens . ,n) (temperature . 0))
          (lambda (id text) (display text) (flush-output-port)))
(newline)

(define (percent x) (exact (round (* 100 x))))
(let loop ((heads (reverse attention)) (h 0))
  (when (pair? heads)
    (display "layer ") (display last-layer) (display " head ") (display h)
    (display ", attention over positions (%): ")
    (write (map percent (car heads)))
    (newline)
    (loop (cdr heads) (+ h 1))))
