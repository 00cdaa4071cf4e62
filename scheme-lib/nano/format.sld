;; (nano format) — the original Nano project's `.bin` model and LoRA module files, read from a
;; bytevector into f32vectors and s8vectors (../shared/NANO-FORMAT.md, "§" below).
;; Mirrors engine-c/ts/format.ts: the same checks in the same order, the same messages (prefixed
;; "nano format: "), all made before anything is allocated, so a bad file is a clear error.
(define-library (nano format)
  (export
   ;; reading
   read-model bytevector->model read-lora bytevector->lora check-lora-fits
   ;; the model
   model? model-header model-config model-tokens model-special-flags
   model-attention-norm model-ffn-norm model-final-norm model-embedding
   model-wq model-wk model-wv model-wo model-w1 model-w2 model-w3
   model-freqs-cos model-freqs-sin model-classifier
   ;; the header (§1) and config
   header? header-major-version header-minor-version header-model-type header-config-length
   header-quant-type header-group-size
   config? config-block-size config-vocab-size config-n-layer config-n-embd config-n-head
   config-n-kv-head config-n-hidden config-shared-classifier? config-head-dim config-kv-dim
   config-quant config-group-size
   ;; weight matrices
   make-matrix matrix? matrix-rows matrix-cols matrix-type matrix-values matrix-scales
   matrix-group-size matrix-ref
   ;; LoRA modules (§5)
   lora? lora-rank lora-alpha lora-n-layer lora-n-embd lora-n-head lora-n-kv-head lora-n-hidden
   lora-a lora-b)
  (import (scheme base) (scheme char) (scheme cxr) (srfi 4) (nanolm binary))
  (begin

    ;; ---------------------------------------------------------------------------------------
    ;; Constants (§1)

    ;; The two magic words every Nano file starts with ("S4DB" "MLRU" on disk).
    (define magic-0 #x42443453)
    (define magic-1 #x55524C4D)
    ;; The header is exactly this long, zero padded.
    (define header-bytes 256)
    ;; Quant type field: plain float32 weights, or int8 values with one float32 scale per group.
    (define quant-type-f32 #x00)
    (define quant-type-q8-0 #x80)
    ;; Model type field: a Nano language model, or a LoRA module (§5).
    (define model-type-nano 0)
    (define model-type-lora 10)
    ;; Ids 0–5 are the special tokens every Nano model has (padding … response mark).
    (define min-vocab-size 6)

    ;; The largest accepted value of each config field (the C loader uses the same bounds).
    (define max-block-size (expt 2 20))
    (define max-vocab-size (expt 2 21))
    (define max-n-layer 1024)
    (define max-n-embd (expt 2 16))
    (define max-n-head 1024)
    (define max-n-hidden (expt 2 18))
    (define max-lora-rank (expt 2 16))
    (define max-lora-alpha (expt 2 20))

    ;; ---------------------------------------------------------------------------------------
    ;; Errors: one line for the user, naming the field and its value.

    ;; Raise "nano format: …" built from strings and numbers.
    (define (format-error . parts)
      (error (apply string-append "nano format: " (map part->string parts))))

    ;; A message part as text: numbers in decimal, strings as they are.
    (define (part->string x)
      (if (number? x) (number->string x) x))

    ;; 0x80, 0x42443453: how the format page writes type codes and magic words.
    (define (hex n)
      (let* ((unsigned (if (negative? n) (+ n (expt 2 32)) n))
             (digits (string-upcase (number->string unsigned 16))))
        (string-append "0x" (if (< (string-length digits) 2) (string-append "0" digits) digits))))

    ;; ---------------------------------------------------------------------------------------
    ;; The records a file becomes

    ;; Header fields other than the config (§1). config-length is 32 or 36 in real files and is
    ;; never trusted: nine config ints follow in both cases.
    (define-record-type header
      (make-header major-version minor-version model-type config-length quant-type group-size)
      header?
      (major-version header-major-version)
      (minor-version header-minor-version)
      (model-type header-model-type)
      (config-length header-config-length)
      (quant-type header-quant-type)
      (group-size header-group-size))

    ;; The model's shape (§1 config block), with the storage of its matrices.
    (define-record-type config
      (make-config block-size vocab-size n-layer n-embd n-head n-kv-head n-hidden
                   shared-classifier? head-dim quant group-size)
      config?
      (block-size config-block-size)          ; positions the model can attend over
      (vocab-size config-vocab-size)
      (n-layer config-n-layer)
      (n-embd config-n-embd)                  ; width of the residual stream
      (n-head config-n-head)                  ; query heads
      (n-kv-head config-n-kv-head)            ; key/value heads (grouped-query attention)
      (n-hidden config-n-hidden)              ; width of the feed-forward layer
      (shared-classifier? config-shared-classifier?) ; #t: the classifier is the embedding
      (head-dim config-head-dim)              ; n-embd / n-head
      (quant config-quant)                    ; 'f32 or 'q8_0
      (group-size config-group-size))         ; Q8_0 group length; 0 for f32

    ;; kv-dim = n-kv-head · head-dim: the width of one position's keys (and values).
    (define (config-kv-dim c)
      (* (config-n-kv-head c) (config-head-dim c)))

    ;; A row-major weight matrix (rows × cols). For 'f32, values is an f32vector and scales #f.
    ;; For 'q8_0 (§4), values is an s8vector and element i is values[i] · scales[i / group-size]:
    ;; groups run along the flattened matrix.
    (define-record-type matrix
      (make-matrix rows cols type values scales group-size)
      matrix?
      (rows matrix-rows)
      (cols matrix-cols)
      (type matrix-type)
      (values matrix-values)
      (scales matrix-scales)
      (group-size matrix-group-size))

    ;; The weight at (row, col); for Q8_0 the exact product int8 · scale, as a double.
    (define (matrix-ref m row col)
      (let ((i (+ (* row (matrix-cols m)) col)))
        (if (eq? (matrix-type m) 'f32)
            (f32vector-ref (matrix-values m) i)
            (* (s8vector-ref (matrix-values m) i)
               (f32vector-ref (matrix-scales m) (quotient i (matrix-group-size m)))))))

    ;; A whole model file, parsed. "vector per layer" fields hold one entry per layer.
    (define-record-type model
      (make-model header config tokens special-flags
                  attention-norm ffn-norm final-norm embedding
                  wq wk wv wo w1 w2 w3 freqs-cos freqs-sin classifier)
      model?
      (header model-header)
      (config model-config)
      (tokens model-tokens)                   ; vector: id → token text
      (special-flags model-special-flags)     ; vector: id → #t for <|eos|> and the like
      (attention-norm model-attention-norm)   ; vector per layer of f32vector (n-embd)
      (ffn-norm model-ffn-norm)               ; vector per layer of f32vector (n-embd)
      (final-norm model-final-norm)           ; f32vector (n-embd)
      (embedding model-embedding)             ; matrix (vocab-size × n-embd)
      (wq model-wq)                           ; vector per layer of matrix (n-head·head-dim × n-embd)
      (wk model-wk)                           ; vector per layer of matrix (kv-dim × n-embd)
      (wv model-wv)                           ; vector per layer of matrix (kv-dim × n-embd)
      (wo model-wo)                           ; vector per layer of matrix (n-embd × n-head·head-dim)
      (w1 model-w1)                           ; vector per layer of matrix (n-hidden × n-embd), gate
      (w2 model-w2)                           ; vector per layer of matrix (n-embd × n-hidden), down
      (w3 model-w3)                           ; vector per layer of matrix (n-hidden × n-embd), up
      (freqs-cos model-freqs-cos)             ; f32vector (block-size × head-dim/2)
      (freqs-sin model-freqs-sin)             ; f32vector (block-size × head-dim/2)
      (classifier model-classifier))          ; matrix (vocab-size × n-embd); eq? to embedding if shared

    ;; A LoRA module (§5): low-rank updates W·x + (alpha / rank) · B·(A·x) of wq, wk, wv, wo
    ;; (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"). It records the
    ;; base model's dimensions so that it can be checked against the model it is applied to.
    (define-record-type lora
      (make-lora rank alpha n-layer n-embd n-head n-kv-head n-hidden projections)
      lora?
      (rank lora-rank)
      (alpha lora-alpha)
      (n-layer lora-n-layer)
      (n-embd lora-n-embd)
      (n-head lora-n-head)
      (n-kv-head lora-n-kv-head)
      (n-hidden lora-n-hidden)
      ;; alist: projection name → (a . b), each a vector per layer of f32 matrix
      (projections lora-projections))

    ;; The LoRA A matrices of a projection ('wq 'wk 'wv 'wo): vector per layer of (rank × in).
    (define (lora-a lora proj)
      (car (lora-projection lora proj)))

    ;; The LoRA B matrices of a projection: vector per layer of (out × rank).
    (define (lora-b lora proj)
      (cdr (lora-projection lora proj)))

    (define (lora-projection lora proj)
      (let ((entry (assq proj (lora-projections lora))))
        (if entry
            (cdr entry)
            (error "nano format: a LoRA module adapts wq, wk, wv and wo, not" proj))))

    ;; ---------------------------------------------------------------------------------------
    ;; Validation (§1 "Our rule"): every field is checked before anything is sized by it.

    ;; The value must be an integer in [min, max].
    (define (check-range name value max . min)
      (let ((min (if (null? min) 1 (car min))))
        (unless (<= min value max)
          (format-error name " (" value ") must be between " min " and " max))))

    ;; The layer shape a model and its LoRA modules share: ranges and head divisibility.
    (define (validate-layer-dims n-layer n-embd n-head n-kv-head n-hidden)
      (check-range "n_layer" n-layer max-n-layer)
      (check-range "n_embd" n-embd max-n-embd)
      (check-range "n_head" n-head max-n-head)
      (check-range "n_kv_head" n-kv-head max-n-head)
      (check-range "n_hidden" n-hidden max-n-hidden)
      (unless (zero? (remainder n-embd n-head))
        (format-error "n_embd (" n-embd ") is not divisible by n_head (" n-head ")"))
      (unless (zero? (remainder n-head n-kv-head))
        (format-error "n_head (" n-head ") is not divisible by n_kv_head (" n-kv-head ")")))

    ;; The names the original gives quant types we do not read.
    (define (quant-type-name q)
      (case q
        ((#x00) "F32")
        ((#x01) "F16")
        ((#x02) "BF16")
        ((#x42) "Q4_K")
        (else #f)))

    ;; Only F32 and Q8_0 files are read.
    (define (validate-quant-type q)
      (unless (or (= q quant-type-f32) (= q quant-type-q8-0))
        (let ((known (quant-type-name q)))
          (format-error "quant type " (hex q) (if known (string-append " (" known ")") "")
                        " is not supported: only F32 (0x00) and Q8_0 (0x80) are"))))

    ;; Quant type, every config field, and the group size (§1, §4).
    (define (validate-config block-size vocab-size n-layer n-embd n-head n-kv-head n-hidden
                             head-dim quant-type group-size)
      (validate-quant-type quant-type)
      (check-range "block_size" block-size max-block-size)
      (check-range "vocab_size" vocab-size max-vocab-size min-vocab-size)
      (validate-layer-dims n-layer n-embd n-head n-kv-head n-hidden)
      (let ((expected (quotient n-embd n-head)))
        (unless (= head-dim expected)
          (format-error "head_dim (" head-dim ") is not n_embd / n_head ("
                        n-embd " / " n-head " = " expected ")")))
      (unless (even? head-dim)
        (format-error "head_dim (" head-dim ") must be even: RoPE rotates pairs"))
      (if (= quant-type quant-type-f32)
          (unless (zero? group-size)
            (format-error "group size (" group-size ") must be 0 for an F32 model"))
          (validate-group-size group-size n-embd n-hidden)))

    ;; Every quantized row is n_embd long (n_head·head_dim = n_embd for wo) or n_hidden long
    ;; (w2), so a group size dividing both never lets a group straddle two rows.
    (define (validate-group-size group-size n-embd n-hidden)
      (unless (positive? group-size)
        (format-error "group size (" group-size ") must be positive for a Q8_0 model"))
      (unless (zero? (remainder n-embd group-size))
        (format-error "group size (" group-size ") does not divide n_embd (" n-embd ")"))
      (unless (zero? (remainder n-hidden group-size))
        (format-error "group size (" group-size ") does not divide n_hidden (" n-hidden ")")))

    ;; The magic words, after making sure there is a whole header to read them from.
    (define (check-magic bv what)
      (let ((len (bytevector-length bv)))
        (when (< len header-bytes)
          (format-error "file is " len " bytes, shorter than the " header-bytes "-byte header"))
        (let ((m0 (bytevector-u32-le-ref bv 0))
              (m1 (bytevector-u32-le-ref bv 4)))
          (unless (and (= m0 magic-0) (= m1 magic-1))
            (format-error "not a Nano " what ": magic is " (hex m0) " " (hex m1)
                          ", expected " (hex magic-0) " " (hex magic-1))))))

    ;; A Unicode scalar value: not above #x10FFFF and not a UTF-16 surrogate.
    (define (check-code-point cp token)
      (when (or (> cp #x10FFFF) (<= #xD800 cp #xDFFF))
        (format-error "token " token ": code point " (hex cp)
                      " is not a valid Unicode scalar value")))

    ;; The file must be exactly as long as its header says.
    (define (check-file-length len expected)
      (unless (= len expected)
        (format-error "file is " len " bytes but its header implies " expected " bytes")))

    ;; ---------------------------------------------------------------------------------------
    ;; Sizes (§3, §4)

    ;; Bytes one stored matrix of n elements takes: 4 per float, or 1 per int8 plus one float
    ;; scale per group.
    (define (matrix-bytes n config)
      (if (eq? (config-quant config) 'q8_0)
          (+ n (* 4 (quotient n (config-group-size config))))
          (* 4 n)))

    ;; (rows cols) of each quantizable matrix of one layer, in file order (§3 items 5–11).
    (define (layer-matrix-shapes c)
      (let ((q-dim (* (config-n-head c) (config-head-dim c)))
            (e (config-n-embd c))
            (h (config-n-hidden c))
            (kv (config-kv-dim c)))
        (list (list 'wq q-dim e)
              (list 'wk kv e)
              (list 'wv kv e)
              (list 'wo e q-dim)
              (list 'w1 h e)
              (list 'w2 e h)
              (list 'w3 h e))))

    ;; Bytes of the parameter section: norms, embedding (+ output), the layers' matrices, RoPE.
    (define (parameter-bytes c)
      (let* ((l (config-n-layer c))
             (e (config-n-embd c))
             (norms (* 4 (+ (* 2 l e) e)))
             (classifiers (if (config-shared-classifier? c) 1 2))
             (embeddings (* classifiers (matrix-bytes (* (config-vocab-size c) e) c)))
             (layers (apply + (map (lambda (shape)
                                     (* l (matrix-bytes (* (cadr shape) (caddr shape)) c)))
                                   (layer-matrix-shapes c))))
             (rope (* 2 4 (config-block-size c) (quotient (config-head-dim c) 2))))
        (+ norms embeddings layers rope)))

    ;; ---------------------------------------------------------------------------------------
    ;; Reading the header (§1)

    ;; Header and config fields are little-endian i32 at fixed offsets.
    (define (header-int bv offset)
      (bytevector-s32-le-ref bv offset))

    (define (read-header bv)
      (make-header (header-int bv 8) (header-int bv 12) (header-int bv 16) (header-int bv 20)
                   (header-int bv 60) (header-int bv 64)))

    ;; A Nano model, not a LoRA module or a Qwen model.
    (define (check-model-type model-type)
      (cond ((= model-type model-type-lora)
             (format-error "this is a LoRA module (model type 10), not a model"))
            ((not (= model-type model-type-nano))
             (format-error "model type " model-type " is not supported: only Nano models (0)"
                           " are (Qwen2 = 2 and Qwen3 = 3 are not)"))))

    ;; The nine config ints at bytes 24–59, validated, with the quant type and group size.
    (define (read-config bv header)
      (let ((block-size (header-int bv 24))
            (vocab-size (header-int bv 28))
            (n-layer (header-int bv 32))
            (n-embd (header-int bv 36))
            (n-head (header-int bv 40))
            (n-kv-head (header-int bv 44))
            (n-hidden (header-int bv 48))
            (shared (header-int bv 52))
            (head-dim (header-int bv 56))
            (quant-type (header-quant-type header))
            (group-size (header-group-size header)))
        (unless (or (= shared 0) (= shared 1))
          (format-error "is_shared_classifier (" shared ") must be 0 or 1"))
        (validate-config block-size vocab-size n-layer n-embd n-head n-kv-head n-hidden
                         head-dim quant-type group-size)
        (make-config block-size vocab-size n-layer n-embd n-head n-kv-head n-hidden
                     (= shared 1) head-dim
                     (if (= quant-type quant-type-q8-0) 'q8_0 'f32)
                     group-size)))

    ;; ---------------------------------------------------------------------------------------
    ;; The tokenizer section (§2), at byte 256:
    ;;   u32 section length (bytes, counting its two leading fields), u32 number of tokens,
    ;;   then per token: u8 length in code points, u8 is_special, u8 u8 reserved, u32 id,
    ;;   u32 × length code points.

    (define tokenizer-start header-bytes)

    ;; The section's length, checked against the file and the config before any token is read.
    (define (tokenizer-section-bytes bv config)
      (let ((len (bytevector-length bv)))
        (when (< len (+ tokenizer-start 8))
          (format-error "tokenizer section overruns the file: the file ends "
                        (- len tokenizer-start) " bytes after the header"))
        (let ((section-bytes (bytevector-u32-le-ref bv tokenizer-start))
              (n-tokens (bytevector-u32-le-ref bv (+ tokenizer-start 4))))
          (when (> section-bytes (- len tokenizer-start))
            (format-error "tokenizer section overruns the file: it claims " section-bytes
                          " bytes but only " (- len tokenizer-start) " remain"))
          (when (or (< section-bytes 8) (not (zero? (remainder section-bytes 4))))
            (format-error "tokenizer section length (" section-bytes ") is invalid"))
          (unless (= n-tokens (config-vocab-size config))
            (format-error "tokenizer has " n-tokens " tokens but vocab_size is "
                          (config-vocab-size config)))
          (when (> (+ 8 (* 12 n-tokens)) section-bytes)
            (format-error "tokenizer section (" section-bytes " bytes) is too short for "
                          n-tokens " tokens"))
          section-bytes)))

    ;; The token texts and special flags, as two vectors indexed by id. Returns the three
    ;; values tokens, special-flags and the offset where the parameters start.
    (define (read-tokens bv config section-bytes)
      (let* ((n-tokens (config-vocab-size config))
             (section-end (+ tokenizer-start section-bytes))
             (tokens (make-vector n-tokens))          ; tokens: (vocab-size) strings
             (special-flags (make-vector n-tokens)))  ; special-flags: (vocab-size) booleans
        (let loop ((i 0) (p (+ tokenizer-start 8)))
          (if (< i n-tokens)
              (let ((p (read-token! bv i p section-end tokens special-flags)))
                (loop (+ i 1) p))
              (begin
                (unless (= p section-end)
                  (format-error "tokenizer section is " section-bytes
                                " bytes but its tokens end after " (- p tokenizer-start)))
                (values tokens special-flags section-end))))))

    ;; Read token i at byte p into the two vectors; returns the offset of the next token.
    (define (read-token! bv i p section-end tokens special-flags)
      (when (> (+ p 8) section-end)
        (format-error "token " i " overruns the tokenizer section"))
      (let ((length (bytevector-u8-ref bv p))
            (special (bytevector-u8-ref bv (+ p 1)))
            (id (bytevector-u32-le-ref bv (+ p 4)))
            (text-start (+ p 8)))
        (when (zero? length)
          (format-error "token " i " has length 0"))
        (when (> special 1)
          (format-error "token " i ": is_special (" special ") must be 0 or 1"))
        (unless (= id i)
          (format-error "token " i " has id " id ": ids must run 0, 1, 2, …"))
        (when (> (+ text-start (* 4 length)) section-end)
          (format-error "token " i " overruns the tokenizer section"))
        (vector-set! tokens i (read-token-text bv i text-start length))
        (vector-set! special-flags i (= special 1))
        (+ text-start (* 4 length))))

    ;; `length` u32 code points from byte p, as a string.
    (define (read-token-text bv i p length)
      (let ((text (make-string length)))
        (do ((k 0 (+ k 1)))
            ((= k length) text)
          (let ((cp (bytevector-u32-le-ref bv (+ p (* 4 k)))))
            (check-code-point cp i)
            (string-set! text k (integer->char cp))))))

    ;; ---------------------------------------------------------------------------------------
    ;; The parameters (§3 F32, §4 Q8_0), read front to back with a cursor.

    ;; Where the next tensor starts.
    (define-record-type cursor
      (make-cursor bytes offset)
      cursor?
      (bytes cursor-bytes)
      (offset cursor-offset set-cursor-offset!))

    ;; The next n little-endian floats, as a fresh f32vector.
    (define (read-f32s! cur n)
      (let ((v (bytevector->f32vector (cursor-bytes cur) (cursor-offset cur) n)))
        (set-cursor-offset! cur (+ (cursor-offset cur) (* 4 n)))
        v))

    ;; The next n int8s, as a fresh s8vector.
    (define (read-s8s! cur n)
      (let ((v (bytevector->s8vector (cursor-bytes cur) (cursor-offset cur) n)))
        (set-cursor-offset! cur (+ (cursor-offset cur) n))
        v))

    ;; A matrix always stored in f32 (the RoPE tables; LoRA matrices).
    (define (read-f32-matrix! cur rows cols)
      (make-matrix rows cols 'f32 (read-f32s! cur (* rows cols)) #f 0))

    ;; A weight matrix in the file's storage. Q8_0 (§4): the int8 values of the whole matrix,
    ;; then its n / group-size float scales.
    (define (read-matrix! cur rows cols config)
      (let ((n (* rows cols))
            (gs (config-group-size config)))
        (if (eq? (config-quant config) 'q8_0)
            (let* ((int8s (read-s8s! cur n))                  ; int8s: (rows × cols)
                   (scales (read-f32s! cur (quotient n gs)))) ; scales: (rows·cols / gs)
              (make-matrix rows cols 'q8_0 int8s scales gs))
            (read-f32-matrix! cur rows cols))))

    ;; One tensor per layer, stacked (§3 "L ×"): a vector of what read-one! returns.
    (define (read-per-layer! n-layer read-one!)
      (let ((v (make-vector n-layer)))
        (do ((l 0 (+ l 1)))
            ((= l n-layer) v)
          (vector-set! v l (read-one!)))))

    ;; Every tensor, in file order. Norms and RoPE tables are always f32; the classifier, when
    ;; not shared, comes after the RoPE tables (§3 "Our rule").
    (define (read-parameters bv offset header config tokens special-flags)
      (let* ((cur (make-cursor bv offset))
             (l (config-n-layer config))
             (e (config-n-embd config))
             (half (quotient (config-head-dim config) 2))
             (shapes (layer-matrix-shapes config))
             (per-layer (lambda (name)
                          (let ((shape (cdr (assq name shapes))))
                            (read-per-layer!
                             l (lambda () (read-matrix! cur (car shape) (cadr shape) config))))))
             (attention-norm (read-per-layer! l (lambda () (read-f32s! cur e))))
             (ffn-norm (read-per-layer! l (lambda () (read-f32s! cur e))))
             (final-norm (read-f32s! cur e))
             (embedding (read-matrix! cur (config-vocab-size config) e config))
             (wq (per-layer 'wq))
             (wk (per-layer 'wk))
             (wv (per-layer 'wv))
             (wo (per-layer 'wo))
             (w1 (per-layer 'w1))
             (w2 (per-layer 'w2))
             (w3 (per-layer 'w3))
             (freqs-cos (read-f32s! cur (* (config-block-size config) half)))
             (freqs-sin (read-f32s! cur (* (config-block-size config) half)))
             (classifier (if (config-shared-classifier? config)
                             embedding
                             (read-matrix! cur (config-vocab-size config) e config))))
        (make-model header config tokens special-flags
                    attention-norm ffn-norm final-norm embedding
                    wq wk wv wo w1 w2 w3 freqs-cos freqs-sin classifier)))

    ;; ---------------------------------------------------------------------------------------
    ;; Reading a model

    ;; Parse and validate a Nano model held in a bytevector (§1–4).
    (define (bytevector->model bv)
      (check-magic bv "model file")
      (check-model-type (header-int bv 16))
      (let* ((header (read-header bv))
             (config (read-config bv header))
             (section-bytes (tokenizer-section-bytes bv config)))
        ;; The whole length is known now: check it before reading (and allocating) anything.
        (check-file-length (bytevector-length bv)
                           (+ header-bytes section-bytes (parameter-bytes config)))
        (let-values (((tokens special-flags parameters-start)
                      (read-tokens bv config section-bytes)))
          (read-parameters bv parameters-start header config tokens special-flags))))

    ;; Read and validate the model file at path.
    (define (read-model path)
      (bytevector->model (read-file-bytevector path)))

    ;; ---------------------------------------------------------------------------------------
    ;; LoRA modules (§5): the header's config is rank, alpha, n_layer, n_embd, n_head,
    ;; n_kv_head, n_hidden, reserved; no tokenizer; then f32 tensors: wq.lora_a for every
    ;; layer, wq.lora_b for every layer, then the same for wk, wv, wo.

    ;; (in-features out-features) of each adapted projection, in file order.
    (define (lora-features n-embd n-head n-kv-head)
      (let ((kv (* n-kv-head (quotient n-embd n-head))))
        (list (list 'wq n-embd n-embd)
              (list 'wk n-embd kv)
              (list 'wv n-embd kv)
              (list 'wo n-embd n-embd))))

    ;; Bytes a LoRA module of these dimensions takes: A (rank × in) and B (out × rank) per layer.
    (define (lora-file-bytes rank n-layer features)
      (+ header-bytes
         (* 4 n-layer
            (apply + (map (lambda (f) (* rank (+ (cadr f) (caddr f)))) features)))))

    ;; A model file is not a LoRA module.
    (define (check-lora-type model-type)
      (cond ((= model-type model-type-nano)
             (format-error "this is a model (model type 0), not a LoRA module"))
            ((not (= model-type model-type-lora))
             (format-error "model type " model-type " is not a LoRA module (10)"))))

    ;; Parse and validate a LoRA module held in a bytevector.
    (define (bytevector->lora bv)
      (check-magic bv "LoRA module")
      (check-lora-type (header-int bv 16))
      (let ((rank (header-int bv 24))
            (alpha (header-int bv 28))
            (n-layer (header-int bv 32))
            (n-embd (header-int bv 36))
            (n-head (header-int bv 40))
            (n-kv-head (header-int bv 44))
            (n-hidden (header-int bv 48)))
        (check-range "lora_rank" rank max-lora-rank)
        (check-range "lora_alpha" alpha max-lora-alpha)
        (validate-layer-dims n-layer n-embd n-head n-kv-head n-hidden)
        (let ((features (lora-features n-embd n-head n-kv-head)))
          (check-file-length (bytevector-length bv) (lora-file-bytes rank n-layer features))
          (make-lora rank alpha n-layer n-embd n-head n-kv-head n-hidden
                     (read-lora-projections (make-cursor bv header-bytes)
                                            rank n-layer features)))))

    ;; Every projection's A matrices (all layers), then its B matrices: an alist of (a . b).
    (define (read-lora-projections cur rank n-layer features)
      (map (lambda (f)
             (let* ((in (cadr f))
                    (out (caddr f))
                    (a (read-per-layer! n-layer (lambda () (read-f32-matrix! cur rank in))))
                    (b (read-per-layer! n-layer (lambda () (read-f32-matrix! cur out rank)))))
               (cons (car f) (cons a b))))
           features))

    ;; Read and validate the LoRA module at path.
    (define (read-lora path)
      (bytevector->lora (read-file-bytevector path)))

    ;; Raise an error unless the LoRA module was made for a model of this shape (a model or
    ;; its config).
    (define (check-lora-fits lora model)
      (let ((c (if (model? model) (model-config model) model)))
        (for-each
         (lambda (name lora-value model-value)
           (unless (= lora-value model-value)
             (format-error "LoRA module was made for another base model: " name " "
                           lora-value ", this model has " model-value)))
         '("n_layer" "n_embd" "n_head" "n_kv_head" "n_hidden")
         (list (lora-n-layer lora) (lora-n-embd lora) (lora-n-head lora)
               (lora-n-kv-head lora) (lora-n-hidden lora))
         (list (config-n-layer c) (config-n-embd c) (config-n-head c)
               (config-n-kv-head c) (config-n-hidden c)))))))
