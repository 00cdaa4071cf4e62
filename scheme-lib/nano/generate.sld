;; (nano generate) — text generation: run the prompt, then sample one token at a time, each
;; handed out as soon as it exists. Mirrors the run loop of engine-c/src/main.c (cmd_run): the
;; same history, the same budget within block_size, the same stop at <|eos|>.
(define-library (nano generate)
  (export generate make-token-stream generation-budget option-ref default-options)
  (import (scheme base) (scheme time) (nano format) (nano model) (nano sample))
  (begin

    ;; ---------------------------------------------------------------------------------------
    ;; Options: an alist such as '((temperature . 0.8) (top-k . 40) (seed . 7)). Anything left
    ;; out takes the C command line's default.

    (define default-max-new-tokens 256) ; when max-new-tokens is #f: as many as fit, at most this
    (define token-eos 3)                ; <|eos|> (NANO-FORMAT.md §2)

    (define default-options
      '((max-new-tokens . #f)      ; #f: as many as fit in block_size, at most 256
        (temperature . 1.0)        ; 0 = greedy
        (top-k . 0)                ; 0 = off
        (top-p . 1.0)              ; 1 = off
        (repetition-penalty . 1.0) ; 1 = off
        (seed . #f)                ; #f: from the clock
        (ignore-eos . #f)          ; #t: keep going after <|eos|>
        (lora . #f)                ; a LoRA module from read-lora, or #f
        (on-prefill . #f)))        ; a thunk called once the prompt has run (for timing)

    ;; The value of an option: from options, else its default.
    (define (option-ref options name)
      (let ((given (assq name options)))
        (if given
            (cdr given)
            (cdr (assq name default-options)))))

    ;; How many new tokens a prompt of n leaves room for: the context holds block_size tokens,
    ;; and the last token generated is never run through the model, so n + budget <= block_size.
    (define (generation-budget model n options)
      (let ((room (- (config-block-size (model-config model)) n))
            (asked (option-ref options 'max-new-tokens)))
        (min room (or asked default-max-new-tokens))))

    ;; A seed from the clock (nanoseconds, as the C engine takes it) when none is given.
    (define (clock-seed)
      (exact (floor (* (current-second) 1e9))))

    (define (options->sampler options)
      (make-sampler (option-ref options 'temperature)
                    (option-ref options 'top-k)
                    (option-ref options 'top-p)
                    (option-ref options 'repetition-penalty)
                    (or (option-ref options 'seed) (clock-seed))))

    ;; The prompt must leave room for at least one new token.
    (define (check-prompt model prompt-ids)
      (let ((n (length prompt-ids))
            (block-size (config-block-size (model-config model))))
        (when (= n 0)
          (error "nano generate: the prompt is empty"))
        (when (>= n block-size)
          (error (string-append "nano generate: prompt is " (number->string n)
                                " tokens but the model's block_size is "
                                (number->string block-size))))))

    ;; ---------------------------------------------------------------------------------------
    ;; The token stream: a thunk that returns the next token id each time it is called, or an
    ;; end-of-file object once generation is over. The work happens inside the calls — the
    ;; prompt on the first, then one forward pass and one sample per call — so a debugger that
    ;; pauses between tokens sees the model stand still.

    (define (make-token-stream model prompt-ids options)
      (check-prompt model prompt-ids)
      (let ((session (make-session model (option-ref options 'lora)))
            (sampler (options->sampler options))
            (budget (generation-budget model (length prompt-ids) options))
            (ignore-eos? (option-ref options 'ignore-eos))
            (on-prefill (option-ref options 'on-prefill))
            ;; history: the prompt, then every token generated — what the repetition penalty
            ;; looks at, exactly the ids the C engine passes to its sampler
            (history (list-copy prompt-ids))
            (produced 0)   ; tokens handed out so far
            (last #f)      ; the last token handed out: run through the model on the next call
            (logits #f)    ; logits: (V), the model's scores for the next token
            (done? #f))
        (define (finish!) (set! done? #t) (eof-object))
        (define (run-prompt!)
          (for-each (lambda (id) (set! logits (forward! session id))) prompt-ids)
          (when on-prefill (on-prefill)))
        (lambda ()
          (unless (or done? logits) (run-prompt!))
          (cond (done? (eof-object))
                ((= produced budget) (finish!))
                (else
                 (when last (set! logits (forward! session last)))
                 (let ((next (sample! sampler logits history)))
                   (if (and (= next token-eos) (not ignore-eos?))
                       (finish!)
                       (begin
                         (set! history (append history (list next)))
                         (set! produced (+ produced 1))
                         (set! last next)
                         next))))))))

    ;; ---------------------------------------------------------------------------------------

    ;; Generate after prompt-ids (a list, already wrapped in the instruction template if
    ;; wanted); calls (on-token id text) for each new token as it is produced and returns the
    ;; list of new ids.
    (define (generate model prompt-ids options on-token)
      (let ((next-token (make-token-stream model prompt-ids options))
            (tokens (model-tokens model))) ; vector id → text
        (let loop ((ids '()))
          (let ((id (next-token)))
            (if (eof-object? id)
                (reverse ids)
                (begin
                  (on-token id (vector-ref tokens id))
                  (loop (cons id ids))))))))))
