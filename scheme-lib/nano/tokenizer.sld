;; (nano tokenizer) — the Nano tokenizer (../shared/NANO-FORMAT.md §2): text to token ids by
;; greedy longest match over code points, with a trie built from a model's vocabulary, and back.
;; Mirrors engine-c/ts/tokenizer.ts (and engine-c/src/tokenizer.c).
(define-library (nano tokenizer)
  (export make-tokenizer vocabulary->tokenizer tokenizer? tokenizer-vocab-size
          encode encode-instruction decode token-text token-special? token-id
          token-padding token-unknown token-bos token-eos
          token-instruct-mark token-response-mark)
  (import (scheme base) (srfi 69) (nano format))
  (begin

    ;; ---------------------------------------------------------------------------------------
    ;; The special tokens every Nano vocabulary starts with (§2)

    (define token-padding 0)        ; <|padding|>: fills SFT examples to length
    (define token-unknown 1)        ; <|unknown|>: what a character outside the vocabulary becomes
    (define token-bos 2)            ; <|bos|>: beginning of sequence
    (define token-eos 3)            ; <|eos|>: generation stops when the model produces it
    (define token-instruct-mark 4)  ; <|instruct_mark|>: opens an instruction
    (define token-response-mark 5)  ; <|response_mark|>: opens the response to it

    ;; ---------------------------------------------------------------------------------------
    ;; The trie: one node per prefix of a vocabulary entry. Walking it along the text finds
    ;; every token that starts at a position in one pass.

    ;; children: hash table code point → node; id: the token ending at this node, or #f.
    (define-record-type trie-node
      (%make-trie-node children id)
      trie-node?
      (children trie-node-children)
      (id trie-node-id set-trie-node-id!))

    (define (make-trie-node)
      (%make-trie-node (make-hash-table eqv?) #f))

    ;; The child of node for code point cp, or #f.
    (define (trie-child node cp)
      (hash-table-ref/default (trie-node-children node) cp #f))

    ;; The child of node for cp, made when missing.
    (define (trie-child! node cp)
      (or (trie-child node cp)
          (let ((child (make-trie-node)))
            (hash-table-set! (trie-node-children node) cp child)
            child)))

    ;; Add token id with text to the trie. A duplicate entry keeps its lowest id.
    (define (trie-insert! root text id)
      (let loop ((node root) (k 0))
        (if (< k (string-length text))
            (loop (trie-child! node (char->integer (string-ref text k))) (+ k 1))
            (unless (trie-node-id node)
              (set-trie-node-id! node id)))))

    ;; ---------------------------------------------------------------------------------------
    ;; The tokenizer

    (define-record-type tokenizer
      (%make-tokenizer tokens special-flags trie by-text)
      tokenizer?
      (tokens tokenizer-tokens)                ; vector: id → token text
      (special-flags tokenizer-special-flags)  ; vector: id → #t for special tokens
      (trie tokenizer-trie)                    ; root trie-node
      (by-text tokenizer-by-text))             ; hash table: text → lowest id

    ;; A tokenizer for a vocabulary: a vector of token texts in id order and a vector of
    ;; special flags (#f: none special).
    (define (vocabulary->tokenizer tokens special-flags)
      (let ((root (make-trie-node))
            (by-text (make-hash-table string=?))
            (flags (or special-flags (make-vector (vector-length tokens) #f))))
        (do ((id 0 (+ id 1)))
            ((= id (vector-length tokens)))
          (let ((text (vector-ref tokens id)))
            (trie-insert! root text id)
            (unless (hash-table-contains? by-text text)
              (hash-table-set! by-text text id))))
        (%make-tokenizer tokens flags root by-text)))

    ;; The tokenizer of a model read by (nano format).
    (define (make-tokenizer model)
      (vocabulary->tokenizer (model-tokens model) (model-special-flags model)))

    ;; Number of tokens.
    (define (tokenizer-vocab-size tok)
      (vector-length (tokenizer-tokens tok)))

    ;; ---------------------------------------------------------------------------------------
    ;; Encoding: greedy longest match, special tokens included (§2)

    ;; The longest token starting at code point i of text: returns its id and where it ends,
    ;; or #f and i when no token starts there. Walks the trie as far as the text allows,
    ;; remembering the last node that ends a token.
    (define (longest-match tok text i)
      (let loop ((node (tokenizer-trie tok)) (j i) (best-id #f) (best-end i))
        (let ((next (and (< j (string-length text))
                         (trie-child node (char->integer (string-ref text j))))))
          (cond ((not next) (values best-id best-end))
                ((trie-node-id next) (loop next (+ j 1) (trie-node-id next) (+ j 1)))
                (else (loop next (+ j 1) best-id best-end))))))

    ;; The token ids of text. A character no token starts with becomes <|unknown|>, one per
    ;; character (§2 "Our rule").
    (define (encode tok text)
      (let loop ((i 0) (ids '()))
        (if (= i (string-length text))
            (reverse ids)
            (let-values (((id end) (longest-match tok text i)))
              (if id
                  (loop end (cons id ids))
                  (loop (+ i 1) (cons token-unknown ids)))))))

    ;; The instruction template (§2): <|instruct_mark|> prompt <|response_mark|>.
    (define (encode-instruction tok prompt)
      (append (list token-instruct-mark) (encode tok prompt) (list token-response-mark)))

    ;; ---------------------------------------------------------------------------------------
    ;; Decoding

    ;; Raise an error unless id names a token.
    (define (check-id tok id)
      (unless (and (exact-integer? id) (<= 0 id) (< id (tokenizer-vocab-size tok)))
        (if (real? id)
            (error (string-append "nano tokenizer: token id " (number->string id)
                                  " is outside the vocabulary (0–"
                                  (number->string (- (tokenizer-vocab-size tok) 1)) ")"))
            (error "nano tokenizer: not a token id:" id))))

    ;; The text of one token (special tokens spelled out, e.g. "<|eos|>").
    (define (token-text tok id)
      (check-id tok id)
      (vector-ref (tokenizer-tokens tok) id))

    ;; Whether the token is a special token like <|eos|>.
    (define (token-special? tok id)
      (check-id tok id)
      (vector-ref (tokenizer-special-flags tok) id))

    ;; The id of the token whose text is exactly text, or #f.
    (define (token-id tok text)
      (hash-table-ref/default (tokenizer-by-text tok) text #f))

    ;; The concatenated text of a list of ids.
    (define (decode tok ids)
      (apply string-append (map (lambda (id) (token-text tok id)) ids)))))
