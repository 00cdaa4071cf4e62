;; (nano sample) — choosing the next token from the logits, reproducibly.
;; Mirrors engine-c/src/sampler.c step for step (the algorithm is specified at the top of that
;; file), so the same logits and seed pick the same token here as in the C engine.
(define-library (nano sample)
  (export make-sampler sampler? sample! random-u32! random-float! sampler-probabilities
          sampler-temperature sampler-top-k sampler-top-p sampler-repetition-penalty)
  (import (scheme base) (scheme inexact) (srfi 4) (srfi 151) (nanolm extras))
  (begin

    ;; ---------------------------------------------------------------------------------------
    ;; Float32 arithmetic
    ;;
    ;; The C sampler works in IEEE-754 single precision, every operation rounded on its own.
    ;; Scheme flonums are doubles, so after each operation we round the double to the nearest
    ;; float by storing it in a one-element f32vector and reading it back. A float32 operation
    ;; on float32 inputs is exactly the double operation rounded once to float32 (doubles carry
    ;; more than twice the bits), so this reproduces C bit for bit.

    ;; f32-box: (1) — the rounding register.
    (define f32-box (make-f32vector 1))

    ;; The float32 nearest to x. (Macros rather than procedures only so that the two vector
    ;; operations are inlined where they are used: sampling does this 25,000 times a token.)
    (define-syntax f32
      (syntax-rules ()
        ((_ x) (begin (f32vector-set! f32-box 0 x) (f32vector-ref f32-box 0)))))

    (define-syntax f32+ (syntax-rules () ((_ a b) (f32 (+ a b)))))
    (define-syntax f32- (syntax-rules () ((_ a b) (f32 (- a b)))))
    (define-syntax f32* (syntax-rules () ((_ a b) (f32 (* a b)))))
    (define-syntax f32/ (syntax-rules () ((_ a b) (f32 (/ a b)))))

    ;; ---------------------------------------------------------------------------------------
    ;; PRNG: xorshift64* (Marsaglia 2003, "Xorshift RNGs"; Vigna 2016 for the * multiplier),
    ;; the generator llama2.c's sampler uses. The state is a 64-bit unsigned integer, kept here
    ;; as an exact integer and masked back to 64 bits after every shift left and multiply.

    (define u64-mask #xFFFFFFFFFFFFFFFF)
    (define golden-gamma #x9E3779B97F4A7C15) ; seeds are XORed with it so seed 0 is usable
    (define star-multiplier #x2545F4914F6CDD1D)

    (define (u64 x) (bitwise-and x u64-mask))

    ;; The generator's first state for a seed; 0 would stay 0 forever, so it becomes 1.
    (define (seed->state seed)
      (let ((s (bitwise-xor (u64 seed) golden-gamma)))
        (if (= s 0) 1 s)))

    ;; One xorshift step of the state: three shift-XORs scramble the bits.
    (define (xorshift s)
      (let* ((s (bitwise-xor s (arithmetic-shift s -12)))
             (s (bitwise-xor s (u64 (arithmetic-shift s 25))))
             (s (bitwise-xor s (arithmetic-shift s -27))))
        s))

    ;; ---------------------------------------------------------------------------------------
    ;; The sampler: its settings (stored as float32, as C's NanoSampler stores them), the PRNG
    ;; state, and scratch space reused from call to call.

    (define-record-type sampler
      (%make-sampler temperature top-k top-p repetition-penalty state probs flags)
      sampler?
      (temperature sampler-temperature)
      (top-k sampler-top-k)
      (top-p sampler-top-p)
      (repetition-penalty sampler-repetition-penalty)
      (state sampler-state set-sampler-state!)
      ;; probs: (vocab) float32 — the logits, then the probabilities
      (probs sampler-probs set-sampler-probs!)
      ;; flags: (vocab) — #t for an id seen in the history (step 1), then for a kept id (5–6)
      (flags sampler-flags set-sampler-flags!))

    ;; What the last sample! computed, as C leaves it in its logits array: the probabilities
    ;; (vocab), or for greedy decoding the penalized logits. Live: copy it to keep it.
    (define (sampler-probabilities sp) (sampler-probs sp))

    ;; A sampler with these settings, seeded; temperature 0 means greedy, top-k 0 and top-p 1
    ;; mean off, repetition penalty 1 means off.
    (define (make-sampler temperature top-k top-p repetition-penalty seed)
      (%make-sampler (f32 temperature) top-k (f32 top-p) (f32 repetition-penalty)
                     (seed->state seed) (make-f32vector 0) (make-vector 0 #f)))

    ;; The next 32 random bits: step the state, multiply (the "*" of xorshift64*), keep the
    ;; high half of the 64-bit product, whose bits are the best mixed.
    (define (random-u32! sp)
      (let ((s (xorshift (sampler-state sp))))
        (set-sampler-state! sp s)
        (arithmetic-shift (u64 (* s star-multiplier)) -32)))

    ;; A uniform float in [0, 1): the top 24 bits of a draw over 2^24, exact in float32.
    (define (random-float! sp)
      (/ (inexact (arithmetic-shift (random-u32! sp) -8)) 16777216.0))

    ;; Make the scratch vectors fit a vocabulary of n (allocates only when the size changes).
    (define (ensure-scratch! sp n)
      (unless (= (f32vector-length (sampler-probs sp)) n)
        (set-sampler-probs! sp (make-f32vector n))
        (set-sampler-flags! sp (make-vector n #f))))

    ;; ---------------------------------------------------------------------------------------
    ;; The steps of sample!

    ;; Copy the logits (f32vector or f64vector) into the float32 scratch: C's logits are floats.
    (define (load-logits! probs logits n)
      (if (f32vector? logits)
          (f32vector-copy! probs 0 logits 0 n)
          (do ((i 0 (+ i 1))) ((= i n))
            (f32vector-set! probs i (f64vector-ref logits i)))))

    ;; 1. Repetition penalty (Keskar et al. 2019, "CTRL"): make every token already in the
    ;; history less likely, once per distinct id. Dividing a positive logit and multiplying a
    ;; negative one both move it toward "less likely". Ids outside the vocabulary are ignored.
    (define (penalize-repetitions! probs flags n history r)
      (vector-fill! flags #f)
      (for-each
       (lambda (id)
         (when (and (>= id 0) (< id n) (not (vector-ref flags id)))
           (vector-set! flags id #t)
           (let ((logit (f32vector-ref probs id)))
             (f32vector-set! probs id (if (> logit 0) (f32/ logit r) (f32* logit r))))))
       history))

    ;; 2. Greedy decoding: the id of the largest logit, the lowest id among equal maxima. A NaN
    ;; never wins (a number replaces a NaN best); when every logit is NaN the answer is 0.
    (define (argmax-f32 x n)
      (let loop ((i 1) (best 0))
        (if (= i n)
            best
            (let ((xi (f32vector-ref x i))
                  (xb (f32vector-ref x best)))
              (loop (+ i 1)
                    (if (or (> xi xb) (and (nan? xb) (not (nan? xi)))) i best))))))

    ;; 3. Temperature: dividing the logits by t < 1 sharpens the distribution, t > 1 flattens it.
    (define (divide-by-temperature! probs n t)
      (do ((i 0 (+ i 1))) ((= i n))
        (f32vector-set! probs i (f32/ (f32vector-ref probs i) t))))

    ;; 4. Softmax: p[i] = exp(logit[i] - max) / Σ exp(logit[j] - max). Subtracting the maximum
    ;; keeps exp from overflowing and does not change the result. The subtraction is a float
    ;; operation, exp runs in double and is rounded once, the sum goes in id order: as C.
    (define (softmax! probs n)
      (let ((m (let loop ((i 1) (m (f32vector-ref probs 0)))
                 (if (= i n)
                     m
                     (let ((x (f32vector-ref probs i)))
                       (loop (+ i 1) (if (> x m) x m)))))))
        (let loop ((i 0) (sum 0.0))
          (if (< i n)
              (let ((e (f32 (exp (f32- (f32vector-ref probs i) m)))))
                (f32vector-set! probs i e)
                (loop (+ i 1) (f32+ sum e)))
              (do ((i 0 (+ i 1))) ((= i n))
                (f32vector-set! probs i (f32/ (f32vector-ref probs i) sum)))))))

    ;; Whether id i ranks ahead of id j: higher probability first, NaN below every number, and
    ;; the lower id first among equals. This is a total order, so sorting by it gives the same
    ;; top-k set as the C engine's heap selection.
    (define (ranks-ahead? p i j)
      (let* ((pi (f32vector-ref p i))
             (pj (f32vector-ref p j))
             (ni (nan? pi))
             (nj (nan? pj)))
        (cond ((not (eq? ni nj)) nj)
              ((and (not ni) (not (= pi pj))) (> pi pj))
              (else (< i j)))))

    ;; 5. Candidates. Top-k (Fan et al. 2018, "Hierarchical Neural Story Generation") keeps the
    ;; k most probable ids; top-p, nucleus sampling (Holtzman et al. 2019, "The Curious Case of
    ;; Neural Text Degeneration"), then keeps the shortest most-probable prefix whose
    ;; probabilities add up to at least p. Marks the kept ids in flags.
    (define (choose-candidates! probs flags n top-k top-p)
      (let ((top-k-on (and (> top-k 0) (< top-k n)))
            (top-p-on (< top-p 1.0)))
        (if (not (or top-k-on top-p-on))
            (vector-fill! flags #t)
            (let* ((candidates (if top-k-on (vector->list (select-top-k probs n top-k)) (iota n)))
                   (ranked (list-sort (lambda (i j) (ranks-ahead? probs i j)) candidates))
                   (kept (if top-p-on (nucleus ranked probs top-p) ranked)))
              (vector-fill! flags #f)
              (for-each (lambda (id) (vector-set! flags id #t)) kept)))))

    ;; The k ids that rank first, in no particular order, as C's select_top_k finds them: a
    ;; binary heap of k ids whose root is the last-ranked of those kept so far. One pass over
    ;; the vocabulary, and an id that does not beat the root costs one comparison, so this is
    ;; O(V log k) instead of sorting all V. The order is total, so the set is exactly the first
    ;; k of a full sort.
    (define (select-top-k p n k)
      ;; heap: (k) ids; heap[parent] ranks behind both its children
      (let ((heap (make-vector k 0)))
        (do ((id 0 (+ id 1)))
            ((= id n) heap)
          (cond ((< id k) (sift-up! heap p id id))
                ((ranks-ahead? p id (vector-ref heap 0)) (sift-down! heap p k id))))))

    ;; Put id at slot `at` (the end of the heap) and move it up past the parents it ranks behind.
    (define (sift-up! heap p at id)
      (let ((parent (quotient (- at 1) 2)))
        (if (and (> at 0) (ranks-ahead? p (vector-ref heap parent) id))
            (begin
              (vector-set! heap at (vector-ref heap parent))
              (sift-up! heap p parent id))
            (vector-set! heap at id))))

    ;; Replace the root with id and move it down past the children that rank behind it.
    (define (sift-down! heap p k id)
      (let loop ((at 0))
        (let* ((left (+ (* 2 at) 1))
               (child (if (and (< (+ left 1) k)
                               (ranks-ahead? p (vector-ref heap left) (vector-ref heap (+ left 1))))
                          (+ left 1)
                          left)))
          (if (and (< child k) (ranks-ahead? p id (vector-ref heap child)))
              (begin
                (vector-set! heap at (vector-ref heap child))
                (loop child))
              (vector-set! heap at id)))))

    ;; The shortest prefix of the ranked ids whose float32 running sum reaches top-p (all of
    ;; them if it never does).
    (define (nucleus ranked probs top-p)
      (let loop ((rest ranked) (cum 0.0) (kept '()))
        (if (null? rest)
            ranked
            (let* ((id (car rest))
                   (cum (f32+ cum (f32vector-ref probs id)))
                   (kept (cons id kept)))
              (if (>= cum top-p)
                  (reverse kept)
                  (loop (cdr rest) cum kept))))))

    ;; 6. Draw: u uniform in [0, total), then walk the kept ids in ascending order until the
    ;; running sum passes u. Dividing by total is skipped: scaling u by it is the same draw.
    (define (draw! sp probs flags n)
      (let-values (((total last)
                    (let loop ((i 0) (total 0.0) (last 0))
                      (cond ((= i n) (values total last))
                            ((vector-ref flags i)
                             (loop (+ i 1) (f32+ total (f32vector-ref probs i)) i))
                            (else (loop (+ i 1) total last))))))
        (let ((u (f32* (random-float! sp) total)))
          (let loop ((i 0) (cum 0.0))
            (cond ((= i n) last)
                  ((not (vector-ref flags i)) (loop (+ i 1) cum))
                  (else
                   (let ((cum (f32+ cum (f32vector-ref probs i))))
                     (if (< u cum) i (loop (+ i 1) cum)))))))))

    ;; ---------------------------------------------------------------------------------------

    ;; The next token id from the logits (vocab), given the ids so far (a list: the prompt
    ;; and everything generated, as the C engine passes them). The logits are not changed.
    (define (sample! sp logits history)
      (let ((n (if (f32vector? logits) (f32vector-length logits) (f64vector-length logits))))
        (ensure-scratch! sp n)
        (if (= n 0)
            0
            (let ((probs (sampler-probs sp))
                  (flags (sampler-flags sp))
                  (r (sampler-repetition-penalty sp))
                  (t (sampler-temperature sp)))
              (load-logits! probs logits n)
              (unless (or (= r 1.0) (null? history))
                (penalize-repetitions! probs flags n history r))
              (if (not (> t 0))
                  (argmax-f32 probs n)
                  (begin
                    (divide-by-temperature! probs n t)
                    (softmax! probs n)
                    (choose-candidates! probs flags n (sampler-top-k sp) (sampler-top-p sp))
                    (draw! sp probs flags n)))))))))
