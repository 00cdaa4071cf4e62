;; cli-driver.scm — what `nanolm run --engine scheme` and `nanolm seq2seq --engine scheme` run.
;; The command line, the file bytes and the output live on the TypeScript side (cli/run-scheme.ts),
;; reached through the host library (nanolm cli); everything about the model happens here.
(import (scheme base)
        (nano format)
        (nano tokenizer)
        (nano model)
        (nano generate)
        (nanolm cli))

;; The model from the bytes the host read. (stage! …) tells the host which file an error is
;; about, so it can name it.
(define (load-model)
  (stage! 'model)
  (bytevector->model (model-bytes)))

;; The LoRA module given with --lora, checked against the model; #f without one.
(define (load-lora model)
  (let ((bytes (lora-bytes)))
    (and bytes
         (begin
           (stage! 'lora)
           (let ((lora (bytevector->lora bytes)))
             (check-lora-fits lora model)
             lora)))))

;; nanolm run: encode the prompt (wrapped for instruction models), then generate, handing each
;; token to the host as it comes.
(define (run-command model)
  (let* ((lora (load-lora model))
         (tokenizer (make-tokenizer model))
         (prompt-ids (if (cli-option 'instruct)
                         (encode-instruction tokenizer (cli-option 'prompt))
                         (encode tokenizer (cli-option 'prompt)))))
    (stage! 'generate)
    (let ((options
           `((max-new-tokens . ,(cli-option 'max-new-tokens))
             (temperature . ,(cli-option 'temperature))
             (top-k . ,(cli-option 'top-k))
             (top-p . ,(cli-option 'top-p))
             (repetition-penalty . ,(cli-option 'repetition-penalty))
             (seed . ,(cli-option 'seed))
             (ignore-eos . ,(cli-option 'ignore-eos))
             (lora . ,lora)
             (on-prefill . ,prefill-done!))))
      (prompt-encoded! prompt-ids (generation-budget model (length prompt-ids) options))
      (generate model prompt-ids options emit-token!))))

;; nanolm seq2seq: exactly block_size tokens in, the most likely token at every position out.
(define (seq2seq-command model)
  (let* ((tokenizer (make-tokenizer model))
         (ids (encode tokenizer (cli-option 'input)))
         (block-size (config-block-size (model-config model))))
    (stage! 'generate)
    (unless (= (length ids) block-size)
      (error (string-append "input is " (number->string (length ids))
                            " tokens but seq2seq needs exactly block_size ("
                            (number->string block-size) ") tokens")))
    (let ((out (seq2seq model ids)))
      (seq2seq-done! ids out (decode tokenizer out)))))

(let ((model (load-model)))
  (if (eq? (cli-option 'command) 'run)
      (run-command model)
      (seq2seq-command model)))
