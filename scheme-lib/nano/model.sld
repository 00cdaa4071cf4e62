;; (nano model) — the forward pass of a Nano (Llama-style) transformer, in the order it runs.
;;
;; Read it top to bottom: the dot product everything is made of, matrix–vector products (F32
;; and Q8_0), then one token's journey: embedding → per layer [RMSNorm → Q, K, V → RoPE →
;; attention over the KV cache → output projection → residual → RMSNorm → SwiGLU feed-forward →
;; residual] → final RMSNorm → classifier → logits. The same pieces run a whole sequence at once,
;; causally or in both directions (the sequence-to-sequence mode of `sort-6`).
;;
;; Papers: "Attention Is All You Need" (Vaswani et al., 2017) for attention; LLaMA (Touvron et
;; al., 2023) for the pre-norm layout with RMSNorm (Zhang & Sennrich, 2019), SwiGLU (Shazeer,
;; 2020) and rotary position embeddings, RoPE (Su et al., 2021); grouped-query attention, GQA
;; (Ainslie et al., 2023); LoRA (Hu et al., 2021).
;;
;; Numbers: float32, exactly as the C engine computes. Every value the C engine keeps is a C
;; `float` (IEEE single precision) and every +, −, ×, ÷ rounds its result to float32. Scheme's
;; flonums are doubles, so here each operation rounds its result the same way — (f* a b) is C's
;; a * b on floats — and adds up long sums in the C engine's order. Rounding is why the order
;; matters: floating-point addition is not associative. The reward is that this engine's logits
;; are bit for bit the C engine's, so both pick the same tokens, greedy or sampled with a seed,
;; F32 or Q8_0. (A double result rounded to float32 is exactly the float32 operation's result for
;; + − × ÷ and √: a double carries more than twice float's 24 bits.)
;;
;; Shapes are written `;; name: (rows × cols)`; `d` is n-embd, `hd` head-dim, `V` vocab-size.
(define-library (nano model)
  (export make-session session? session-model session-position session-lora
          session-reset! session-set-lora! forward!
          forward-sequence seq2seq argmax
          use-fast-kernels! fast-kernels?
          set-observer! current-observer
          ;; the pieces, for the course and the tests
          dot/plain dot-q8/plain matvec quantize-activation embed rms-norm rotate! softmax! fexp)
  (import (scheme base)
          (scheme inexact)
          (srfi 4)
          (nano format)
          (nanolm kernels))
  (begin

    ;; ------------------------------------------------------------------------------------------
    ;; 1. Float32 arithmetic, as C's `float`.

    (define (f+ a b) (float32 (+ a b)))
    (define (f- a b) (float32 (- a b)))
    (define (f* a b) (float32 (* a b)))
    (define (f/ a b) (float32 (/ a b)))
    (define (fsqrt a) (float32 (sqrt a)))

    ;; e^x the way the C engine computes it (Cephes' expf, engine-c/src/kernels.c): write x as
    ;; k·ln2 + r with |r| ≤ ln2/2, so e^x = 2^k · e^r; e^r is a degree-6 polynomial, 2^k is exact.
    ;; Every engine build uses this same sequence of float32 operations, so it gets the same bits.
    (define exp-lowest (float32 -87.33654))  ; e^x stays a normal float32 between these
    (define exp-highest (float32 88.0))
    (define log2-e (float32 1.44269504088896341))
    (define ln2-high (float32 0.693359375))  ; ln 2 = ln2-high − ln2-low; k·ln2-high is exact
    (define ln2-low (float32 -2.12194440e-4))
    (define exp-coefficients
      (map float32 '(1.9875691500e-4 1.3981999507e-3 8.3334519073e-3 4.1665795894e-2
                     1.6666665459e-1 5.0000001201e-1)))

    (define (fexp x)
      (let* ((x (if (> x exp-lowest) x exp-lowest))   ; (a NaN becomes exp-lowest)
             (x (if (< x exp-highest) x exp-highest))
             (k (floor (f+ (f* x log2-e) 0.5)))       ; the nearest integer to x / ln 2
             (r (f- (f- x (f* k ln2-high)) (f* k ln2-low)))
             (p (let horner ((y (car exp-coefficients)) (cs (cdr exp-coefficients)))
                  (if (null? cs) y (horner (f+ (f* y r) (car cs)) (cdr cs)))))
             (e^r (f+ (f+ (f* p (f* r r)) r) 1.0)))
        (f* e^r (expt 2.0 (exact k)))))

    ;; ------------------------------------------------------------------------------------------
    ;; 2. The dot product, the one loop that does nearly all the work.
    ;;
    ;; Σ_j w[start + j] · x[j]: one row of a weight matrix (stored flat, row after row) times
    ;; an activation vector. Nearly every multiplication in a transformer happens here.
    ;;
    ;; The order is the C engine's: its SIMD registers hold 16 running sums ("lanes"), lane l
    ;; adding up the columns j ≡ l (mod 16); at the end the lanes are added pairwise (l + 8, then
    ;; l + 4, l + 2, l + 1), and columns left over past the last multiple of 16 come one by one.

    (define (dot/plain w start x n)
      ;; w: a flat f32vector holding a row of n weights from `start`; x: (n)
      (let ((lanes (make-f32vector 16 0.0))
            (whole (- n (remainder n 16))))
        (do ((j 0 (+ j 1)))
            ((= j whole))
          (let ((l (remainder j 16)))
            (f32vector-set! lanes l (f+ (f32vector-ref lanes l)
                                        (f* (f32vector-ref w (+ start j)) (f32vector-ref x j))))))
        (do ((width 8 (quotient width 2)))
            ((= width 0))
          (do ((l 0 (+ l 1)))
              ((= l width))
            (f32vector-set! lanes l (f+ (f32vector-ref lanes l) (f32vector-ref lanes (+ l width))))))
        (do ((j whole (+ j 1))
             (sum (f32vector-ref lanes 0)
                  (f+ sum (f* (f32vector-ref w (+ start j)) (f32vector-ref x j)))))
            ((= j n) sum))))

    ;; The same for Q8_0 (NANO-FORMAT.md §4): weights and activation are int8 codes, one float
    ;; scale per group of `gs` values. Inside a group the products are exact integers; each group's
    ;; integer sum is scaled once, by both scales. That is why quantized inference is fast on
    ;; real hardware: the inner loop is integer multiply–add.
    (define (dot-q8/plain wq start w-scales xq x-scales n gs)
      ;; wq: int8 weights from `start`, w-scales: one per group of the whole matrix;
      ;; xq: (n) int8 activation, x-scales: (n / gs)
      (let ((first-group (quotient start gs)))
        (do ((g 0 (+ g 1))
             (sum 0.0 (f+ sum (f* (f* (group-dot wq (+ start (* g gs)) xq (* g gs) gs)
                                      (f32vector-ref w-scales (+ first-group g)))
                                  (f32vector-ref x-scales g)))))
            ((= (* g gs) n) sum))))

    (define (group-dot wq w-at xq x-at gs)
      (do ((k 0 (+ k 1))
           (isum 0 (+ isum (* (s8vector-ref wq (+ w-at k)) (s8vector-ref xq (+ x-at k))))))
          ((= k gs) isum)))

    ;; Speed, made visible. `dot-f32` and `dot-q8` from (nanolm kernels) compute exactly the
    ;; sums above, bit for bit, in JavaScript. They are the default; turn them off to step into
    ;; the plain loops with the debugger. The answer is the same either way.
    (define dot dot-f32)
    (define dot-q8* dot-q8)

    (define (use-fast-kernels! on?)
      (set! dot (if on? dot-f32 dot/plain))
      (set! dot-q8* (if on? dot-q8 dot-q8/plain)))

    (define (fast-kernels?) (eq? dot dot-f32))

    ;; ------------------------------------------------------------------------------------------
    ;; 3. Matrix × vector.

    ;; y = W·x for W: (rows × cols), x: (cols) → y: (rows). One dot product per output.
    (define (matvec M x)
      (if (eq? (matrix-type M) 'q8_0)
          (matvec-q8 M x)
          (let* ((rows (matrix-rows M))
                 (cols (matrix-cols M))
                 (w (matrix-values M))
                 (y (make-f32vector rows 0.0)))
            (do ((i 0 (+ i 1)))
                ((= i rows) y)
              (f32vector-set! y i (dot w (* i cols) x cols))))))

    ;; Q8_0: quantize the activation with the matrix's group size, then integer dot products.
    (define (matvec-q8 M x)
      (let* ((rows (matrix-rows M))
             (cols (matrix-cols M))
             (gs (matrix-group-size M))
             (qx (quantize-activation x gs))
             (xq (car qx))
             (x-scales (cdr qx))
             (y (make-f32vector rows 0.0)))
        (do ((i 0 (+ i 1)))
            ((= i rows) y)
          (f32vector-set! y i (dot-q8* (matrix-values M) (* i cols) (matrix-scales M)
                                       xq x-scales cols gs)))))

    ;; Quantize an activation to Q8_0 as the original C engine does: per group,
    ;; scale = max|x| / 127 and code = round(x / scale), rounding halves away from zero (C's
    ;; round()). An all-zero group gets scale 0 and codes 0. → (codes . scales)
    (define (quantize-activation x gs)
      ;; x: (n) → codes: (n) int8, scales: (n / gs)
      (let* ((n (f32vector-length x))
             (codes (make-s8vector n 0))
             (scales (make-f32vector (quotient n gs) 0.0)))
        (do ((g 0 (+ g 1)))
            ((= (* g gs) n) (cons codes scales))
          (let* ((from (* g gs))
                 (scale (f/ (group-max-abs x from gs) 127.0)))
            (f32vector-set! scales g scale)
            (unless (zero? scale)
              (do ((i from (+ i 1)))
                  ((= i (+ from gs)))
                (s8vector-set! codes i (quantization-code (f/ (f32vector-ref x i) scale)))))))))

    (define (group-max-abs x from gs)
      (do ((i from (+ i 1))
           (m 0.0 (max m (abs (f32vector-ref x i)))))
          ((= i (+ from gs)) m)))

    ;; C's round(): halves away from zero; NaN becomes 0 and the result stays within ±127.
    (define (quantization-code v)
      (cond ((nan? v) 0)
            (else (let ((r (exact (if (< v 0) (- (floor (+ (- v) 0.5))) (floor (+ v 0.5))))))
                    (max -127 (min 127 r))))))

        ;; ------------------------------------------------------------------------------------------
    ;; 3. Watching it work.
    ;;
    ;; The engine reports what it computes to an observer the host sets (the playground draws
    ;; attention with it): (observer kind position layer head data), kind one of embedding q k v
    ;; attention residual logits; layer and head are #f where they do not apply. `data` is the
    ;; engine's own vector: copy it to keep it. With no observer (the default) this costs nothing.

    (define observer #f)
    (define (set-observer! procedure) (set! observer procedure))
    (define (current-observer) observer)

    (define (observe! kind position layer head data)
      (when observer (observer kind position layer head data)))

    ;; Report each head's slice of a (n-heads × hd) vector as its own vector.
    (define (observe-heads! kind position layer v n-heads hd)
      (when observer
        (do ((h 0 (+ h 1)))
            ((= h n-heads))
          (observer kind position layer h (f32vector-copy v (* h hd) (* (+ h 1) hd))))))

    ;; ------------------------------------------------------------------------------------------
    ;; 4. A session: the model, an optional LoRA module and the KV cache.
    ;;
    ;; Generating token t needs every earlier token's keys and values in every layer. They never
    ;; change once computed, so the session keeps them: the KV cache. Each layer has one
    ;; (block-size × kv-dim) table of keys and one of values, filled row by row.

    (define-record-type session
      (%make-session model lora position keys values)
      session?
      (model session-model)
      (lora session-lora %session-set-lora!)
      (position session-position set-session-position!)
      (keys session-keys)       ; vector per layer of f32vector (block-size × kv-dim)
      (values session-values))  ; the same for values

    (define (make-session model . lora)
      (let* ((c (model-config model))
             (table-size (* (config-block-size c) (config-kv-dim c)))
             (new-tables (lambda ()
                           (let ((v (make-vector (config-n-layer c))))
                             (do ((l 0 (+ l 1)))
                                 ((= l (vector-length v)) v)
                               (vector-set! v l (make-f32vector table-size 0.0))))))
             (s (%make-session model #f 0 (new-tables) (new-tables))))
        (when (and (pair? lora) (car lora)) (session-set-lora! s (car lora)))
        s))

    ;; Forget the cached tokens: the next token goes to position 0.
    (define (session-reset! s) (set-session-position! s 0))

    ;; Attach a LoRA module (or #f to detach) from the next token on.
    (define (session-set-lora! s lora)
      (when lora (check-lora-fits lora (session-model s)))
      (%session-set-lora! s lora))

    ;; ------------------------------------------------------------------------------------------
    ;; 5. The forward pass, piece by piece.

;; Embedding: the token's row of the embedding table is where the residual stream starts.
    (define (embed model token)
      ;; → x: (d)
      (let* ((E (model-embedding model))
             (d (matrix-cols E))
             (start (* token d))
             (x (make-f32vector d 0.0)))
        (do ((j 0 (+ j 1)))
            ((= j d) x)
          (f32vector-set! x j (matrix-element E (+ start j))))))

    ;; One weight as a number; a Q8_0 weight is its code times its group's scale.
    (define (matrix-element M i)
      (if (eq? (matrix-type M) 'q8_0)
          (f* (s8vector-ref (matrix-values M) i)
              (f32vector-ref (matrix-scales M) (quotient i (matrix-group-size M))))
          (f32vector-ref (matrix-values M) i)))

    ;; RMSNorm (Zhang & Sennrich): divide by the root mean square, then scale each component by
    ;; a learned weight. Unlike LayerNorm it does not subtract the mean, which is cheaper and works
    ;; as well. x · w / sqrt(mean(x²) + ε), ε = 1e-5 keeps a zero vector from dividing by zero.
    (define rms-epsilon (float32 1e-5))

    (define (rms-norm x weight)
      ;; x: (d), weight: (d) → (d)
      (let* ((d (f32vector-length x))
             (mean-square (f/ (dot x 0 x d) d))   ; Σ x² by the same dot product
             (inverse-rms (f/ 1.0 (fsqrt (f+ mean-square rms-epsilon))))
             (out (make-f32vector d 0.0)))
        (do ((i 0 (+ i 1)))
            ((= i d) out)
          (f32vector-set! out i (f* (f32vector-ref weight i)
                                    (f* inverse-rms (f32vector-ref x i)))))))

    ;; A projection W·x, plus the LoRA update (alpha / rank) · B·(A·x) when a module adapts this
    ;; matrix (NANO-FORMAT.md §5): a rank-r correction learned while W stays frozen.
    (define (project s which layer x)
      ;; which: wq wk wv wo; x: (in) → (out)
      (let* ((model (session-model s))
             (W (vector-ref (case which
                              ((wq) (model-wq model))
                              ((wk) (model-wk model))
                              ((wv) (model-wv model))
                              (else (model-wo model)))
                            layer))
             (y (matvec W x))
             (lora (session-lora s)))
        (when lora
          (let ((scale (f/ (lora-alpha lora) (lora-rank lora)))
                (ax (matvec (vector-ref (lora-a lora which) layer) x))    ; (rank)
                (B (vector-ref (lora-b lora which) layer)))                ; (out × rank)
            (do ((i 0 (+ i 1)))
                ((= i (f32vector-length y)))
              ;; y[i] += (B[i]·ax) · scale, one output at a time, as the C engine adds it
              (f32vector-set! y i (f+ (f32vector-ref y i)
                                      (f* (dot (matrix-values B) (* i (matrix-cols B))
                                               ax (matrix-cols B))
                                          scale))))))
        y))

    ;; RoPE: rotate each adjacent pair (v[2i], v[2i+1]) of every head by an angle that grows with
    ;; the position and shrinks with i. A query and a key rotated this way have a dot product that
    ;; depends only on how far apart they are: relative position, for free. The cos and sin of
    ;; every angle are stored in the file (row = position, column = i).
    (define (rotate! v n-heads position model)
      ;; v: (n-heads × hd), in place
      (let* ((hd (config-head-dim (model-config model)))
             (half (quotient hd 2))
             (cos-table (model-freqs-cos model))
             (sin-table (model-freqs-sin model)))
        (do ((h 0 (+ h 1)))
            ((= h n-heads) v)
          (do ((i 0 (+ i 1)))
              ((= i half))
            (let* ((at (+ (* h hd) (* 2 i)))
                   (a (f32vector-ref v at))
                   (b (f32vector-ref v (+ at 1)))
                   (cos-angle (f32vector-ref cos-table (+ (* position half) i)))
                   (sin-angle (f32vector-ref sin-table (+ (* position half) i))))
              (f32vector-set! v at (f- (f* a cos-angle) (f* b sin-angle)))
              (f32vector-set! v (+ at 1) (f+ (f* a sin-angle) (f* b cos-angle))))))))

    ;; Softmax: exponentiate and normalize, so scores become weights that are positive and sum
    ;; to 1. Subtracting the maximum first changes nothing mathematically and keeps exp from
    ;; overflowing.
    (define (softmax! x)
      ;; x: (n), in place
      (let ((n (f32vector-length x))
            (m (vector-maximum x)))
        (do ((i 0 (+ i 1)))
            ((= i n))
          (f32vector-set! x i (fexp (f- (f32vector-ref x i) m))))
        (let ((sum (do ((i 0 (+ i 1))
                        (sum 0.0 (f+ sum (f32vector-ref x i))))
                       ((= i n) sum))))
          (do ((i 0 (+ i 1)))
              ((= i n) x)
            (f32vector-set! x i (f/ (f32vector-ref x i) sum))))))

    (define (vector-maximum x)
      (do ((i 1 (+ i 1))
           (m (f32vector-ref x 0) (if (> (f32vector-ref x i) m) (f32vector-ref x i) m)))
          ((= i (f32vector-length x)) m)))

    ;; The index of the largest value; the lowest index wins ties (greedy decoding's rule).
    (define (argmax x)
      (do ((i 1 (+ i 1))
           (best 0 (if (> (f32vector-ref x i) (f32vector-ref x best)) i best)))
          ((= i (f32vector-length x)) best)))

    ;; Compute this position's query, key and value; the key and value go into the KV cache.
    (define (attention-inputs! s layer x position)
      ;; x: (d) → q: (n-head × hd); writes row `position` of the layer's key and value tables
      (let* ((model (session-model s))
             (c (model-config model))
             (hd (config-head-dim c))
             (kv-dim (config-kv-dim c))
             (xb (rms-norm x (vector-ref (model-attention-norm model) layer)))
             (q (project s 'wq layer xb))   ; q: (n-head × hd)
             (k (project s 'wk layer xb))   ; k: (n-kv-head × hd)
             (v (project s 'wv layer xb)))  ; v: (n-kv-head × hd)
        (rotate! q (config-n-head c) position model)
        (rotate! k (config-n-kv-head c) position model)
        (observe-heads! 'q position layer q (config-n-head c) hd)
        (observe-heads! 'k position layer k (config-n-kv-head c) hd)
        (observe-heads! 'v position layer v (config-n-kv-head c) hd)
        (f32vector-copy! (vector-ref (session-keys s) layer) (* position kv-dim) k)
        (f32vector-copy! (vector-ref (session-values s) layer) (* position kv-dim) v)
        q))

    ;; Attention (Vaswani et al.): each head scores every visible position by how well its key
    ;; matches the query (a dot product, scaled by 1/√hd so the scores do not grow with the head
    ;; size), turns the scores into weights with softmax, and returns the weighted mix of the
    ;; values. Grouped-query attention: n-head / n-kv-head query heads share one key/value head,
    ;; which makes the KV cache that many times smaller.
    (define (attend s layer q position visible)
      ;; q: (n-head × hd); positions 0 .. visible-1 of the cache → out: (n-head × hd)
      (let* ((c (model-config (session-model s)))
             (hd (config-head-dim c))
             (kv-dim (config-kv-dim c))
             (sqrt-hd (fsqrt hd))
             (heads-per-kv (quotient (config-n-head c) (config-n-kv-head c)))
             (keys (vector-ref (session-keys s) layer))      ; (block-size × kv-dim)
             (vals (vector-ref (session-values s) layer))    ; (block-size × kv-dim)
             (out (make-f32vector (* (config-n-head c) hd) 0.0)))
        (do ((h 0 (+ h 1)))
            ((= h (config-n-head c)) out)
          (let* ((kv-at (* (quotient h heads-per-kv) hd))  ; this head's slice of a cache row
                 (weights (make-f32vector visible 0.0)))   ; weights: (visible)
            (do ((t 0 (+ t 1)))
                ((= t visible))
              (f32vector-set! weights t (f/ (head-dot q (* h hd) keys (+ (* t kv-dim) kv-at) hd)
                                            sqrt-hd)))
            (softmax! weights)
            (observe! 'attention position layer h weights)
            (do ((t 0 (+ t 1)))
                ((= t visible))
              (add-scaled! out (* h hd) (f32vector-ref weights t)
                           vals (+ (* t kv-dim) kv-at) hd))))))

    ;; Σ_i a[a-at + i] · b[b-at + i] over one head, in order.
    (define (head-dot a a-at b b-at hd)
      (do ((i 0 (+ i 1))
           (sum 0.0 (f+ sum (f* (f32vector-ref a (+ a-at i)) (f32vector-ref b (+ b-at i))))))
          ((= i hd) sum)))

    ;; out[out-at + i] += weight · v[v-at + i] over one head.
    (define (add-scaled! out out-at weight v v-at hd)
      (do ((i 0 (+ i 1)))
          ((= i hd))
        (f32vector-set! out (+ out-at i) (f+ (f32vector-ref out (+ out-at i))
                                             (f* weight (f32vector-ref v (+ v-at i)))))))

    ;; x += y: the residual connection. Each layer adds its contribution to the stream instead of
    ;; replacing it, which is what lets deep networks train (He et al., 2015).
    (define (add! x y)
      (do ((i 0 (+ i 1)))
          ((= i (f32vector-length x)) x)
        (f32vector-set! x i (f+ (f32vector-ref x i) (f32vector-ref y i)))))

    ;; SwiGLU feed-forward (Shazeer): a gate W1·xb passed through SiLU(g) = g·σ(g) multiplies an
    ;; "up" projection W3·xb elementwise; W2 projects back down to d. Added to the stream.
    (define (feed-forward! model layer x)
      ;; x: (d), in place
      (let* ((xb (rms-norm x (vector-ref (model-ffn-norm model) layer)))
             (gate (matvec (vector-ref (model-w1 model) layer) xb))   ; (n-hidden)
             (up (matvec (vector-ref (model-w3 model) layer) xb))     ; (n-hidden)
             (hidden (make-f32vector (f32vector-length gate) 0.0)))  ; (n-hidden)
        (do ((i 0 (+ i 1)))
            ((= i (f32vector-length gate)))
          (f32vector-set! hidden i (f* (silu (f32vector-ref gate i)) (f32vector-ref up i))))
        (add! x (matvec (vector-ref (model-w2 model) layer) hidden))))

    ;; SiLU(g) = g · σ(g), the logistic sigmoid σ(g) = 1 / (1 + e^−g).
    (define (silu g)
      (f* g (f/ 1.0 (f+ 1.0 (fexp (- g))))))

    ;; Logits: the final RMSNorm, then one score per vocabulary entry. With a shared classifier
    ;; the score of token t is the dot product with t's own embedding row (weight tying).
    (define (classify model x)
      ;; x: (d) → logits: (V)
      (matvec (model-classifier model) (rms-norm x (model-final-norm model))))

    ;; ------------------------------------------------------------------------------------------
    ;; 6. One token: the whole forward pass at the session's position, using the KV cache.
    ;; Returns the logits for the token that comes next.

    (define (forward! s token)
      ;; → logits: (V)
      (let* ((model (session-model s))
             (c (model-config model))
             (position (session-position s)))
        (check-token model token)
        (unless (< position (config-block-size c))
          (error "nano model: the context is full (block_size tokens)" (config-block-size c)))
        (let ((x (embed model token)))   ; x: (d), the residual stream
          (observe! 'embedding position #f #f x)
          (do ((layer 0 (+ layer 1)))
              ((= layer (config-n-layer c)))
            (let ((q (attention-inputs! s layer x position)))
              ;; causal: a token sees itself and the tokens before it, never the future
              (add! x (project s 'wo layer (attend s layer q position (+ position 1)))))
            (feed-forward! model layer x)
            (observe! 'residual position layer #f x))
          (set-session-position! s (+ position 1))
          (let ((logits (classify model x)))
            (observe! 'logits position #f #f logits)
            logits))))

    (define (check-token model token)
      (let ((V (config-vocab-size (model-config model))))
        (unless (and (exact-integer? token) (<= 0 token) (< token V))
          (error "nano model: token id outside the vocabulary" token V))))

    ;; ------------------------------------------------------------------------------------------
    ;; 7. A whole sequence at once, layer by layer: every position's logits. Causal it equals
    ;; feeding the tokens one by one; non-causal every position attends to all positions in both
    ;; directions (NANO-FORMAT.md §6), which is how `sort-6` sees all its digits.

    (define (forward-sequence model ids causal? . lora)
      ;; ids: list of T token ids → vector of T logits, each (V)
      (let* ((s (apply make-session model lora))
             (c (model-config model))
             (T (length ids))
             (xs (list->vector (map (lambda (id) (check-token model id) (embed model id)) ids))))
        (unless (<= 1 T (config-block-size c))
          (error "nano model: the sequence does not fit block_size" T (config-block-size c)))
        (do ((layer 0 (+ layer 1)))
            ((= layer (config-n-layer c)))
          ;; first every position's key and value, since a non-causal position reads later ones
          (let ((qs (make-vector T)))
            (do ((t 0 (+ t 1)))
                ((= t T))
              (vector-set! qs t (attention-inputs! s layer (vector-ref xs t) t)))
            (do ((t 0 (+ t 1)))
                ((= t T))
              (let ((x (vector-ref xs t)))
                (add! x (project s 'wo layer
                                 (attend s layer (vector-ref qs t) t (if causal? (+ t 1) T))))
                (feed-forward! model layer x)
                (observe! 'residual t layer #f x)))))
        (vector-map (lambda (x) (classify model x)) xs)))

    ;; Sequence to sequence: the most likely token at every position, all positions at once.
    (define (seq2seq model ids)
      (vector->list (vector-map argmax (forward-sequence model ids #f))))))
