/* forward.c — the transformer forward pass (NANO-FORMAT.md §6) and the sessions that run it.
 *
 * Read it like llama2.c's run.c: the session and its buffers (each with its shape), then the
 * building blocks in the order a token meets them (embedding, attention, feed-forward,
 * classifier), then run_span() and forward_causal() over spans of tokens, then the public API. One
 * code path serves decoding (a span of one token), prefill (spans of up to BATCH tokens, fed
 * through each matrix together so its weights are read once per batch) and the non-causal
 * sequence-to-sequence map (one span of block_size tokens attending in both directions). The
 * kernels give every output the same operations in the same order whatever the batch, the thread
 * count or the build, so prefill and step-by-step decoding produce bit-identical logits, natively
 * and in WebAssembly.
 */
#include "kernels.h"
#include "model.h"
#include "threads.h"
#include "util.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    BATCH = 32, /* prefill tokens per pass over the weights */
    /* each thread takes one long run of rows (see make_split) */
    CHUNK_MAX_BYTES = 4 << 20,     /* weight bytes of the largest chunk */
    PARALLEL_MIN_BYTES = 64 << 10, /* smaller jobs run on the calling thread alone */
    MAX_THREADS = 256,
    TUNE_STEPS = 16, /* decode steps that choose the kernels' prefetch: at most 8 off, 8 on */
    LINE = 64 / sizeof(long long), /* counters per cache line: one thread's profiling counter */
};

/* How one kind of matrix is cut into chunks of rows for the thread pool; one chunk when there
 * is one thread. Into a multiple of n_threads near-equal chunks of at most CHUNK_MAX_BYTES, so
 * that each thread streams one long run of rows: measured against 128 KiB chunks claimed in
 * turn, native 2-thread decode was 15-25% faster (each thread's prefetch runs ahead within its
 * own rows instead of into its neighbour's, and there are ~8 claims per matrix instead of ~50);
 * in WebAssembly, against 512 KiB chunks, 6-12% faster (its loads have no prefetch: the fewer
 * streams start cold, the better). Two threads always get two halves, cut where the threads'
 * measured speeds put it (run_halves): the two cores of a shared machine often differ by
 * 20-30%, and chunks claimed in turn even that out only to a whole chunk (with 4 MiB chunks an
 * F32 FFN job came in four, and the faster thread waited most of one). Results never depend on
 * the cut: the kernels compute every row the same way, in a tile or alone. */
typedef struct {
    int rows, rows_per_chunk, n_chunks;
    int unit;       /* chunks start at multiples of this many rows (a kernel's tile) */
    double bytes;   /* weight bytes one pass reads (for the serial/parallel decision) */
    double balance; /* cut in two halves: chunk 0's share of the rows (run_halves) */
} Split;

/* The activations a matrix product reads: f32 rows, and their Q8_0 form for quantized models. */
typedef struct {
    const float *f; /* (n_tokens, stride) */
    size_t stride;
    const int8_t *q;  /* (n_tokens, cols) */
    const float *s;   /* (n_tokens, cols / group_size) */
    const int16_t *w; /* (cols) q widened to int16, for a single token where the kernels want it */
} Act;

struct NanoSession {
    const NanoModel *m;
    const NanoLora *lora; /* attached LoRA module, or NULL */
    NanoPool *pool;
    int n_threads;
    int pos; /* position of the next token = tokens in the KV cache */

    /* dimensions, copied from the config */
    int n_layer, n_embd, n_head, n_kv_head, head_dim, q_dim, kv_dim, n_hidden, vocab, block;
    int group;      /* query heads per key/value head */
    int group_size; /* Q8_0 group length; 0 for F32 models */
    float sqrt_head_dim;

    /* Each layer's keys and values, one contiguous region per key/value head, which attention
     * streams in one pass. Keys in tiles of KEY_TILE positions, transposed within a tile
     * (dimension-major), so attention scores vectorize across positions (kernels.h
     * attention_scores); values position-major, as attention_mix reads. */
    float *key_cache;   /* (n_layer, n_kv_head, block_size / KEY_TILE, head_dim, KEY_TILE) */
    float *value_cache; /* (n_layer, n_kv_head, block_size, head_dim) */
    size_t key_bytes, value_bytes; /* their sizes (util.h nano_alloc_big) */
    int key_tiles;                 /* block_size / KEY_TILE, rounded up */

    /* The span being run: a prefill batch, or all block_size tokens of a seq2seq input. */
    int span_cap; /* rows of x and q: min(BATCH, block_size), block_size once seq2seq ran */
    float *x;     /* (span_cap, n_embd) the residual stream of every token of the span */
    float *q;     /* (span_cap, q_dim) their queries */

    /* per-batch scratch (BATCH rows) */
    float *xb;      /* (BATCH, n_embd) a normed copy of x: the input of a matmul */
    float *kb;      /* (BATCH, kv_dim) the batch's keys, before RoPE and the transposed store */
    float *vb;      /* (BATCH, kv_dim) the batch's values, before they go to the cache */
    float *xba;     /* (BATCH, q_dim) attention output, input of wo */
    float *xb2;     /* (BATCH, n_embd) output of wo or w2, before the residual add */
    float *hb;      /* (BATCH, n_hidden) W1·x, then SiLU(W1·x) ⊙ W3·x */
    float *hb2;     /* (BATCH, n_hidden) W3·x */
    int8_t *act_q;  /* (BATCH, max(n_embd, q_dim, n_hidden)) Q8_0 activations */
    float *act_s;   /* (BATCH, max(...) / group_size) their scales */
    int16_t *act_w; /* (max(...)) one token's act_q widened (kernels_q8_wants_i16) */
    float *att;     /* (n_threads, group, block_size) attention weights, scratch of each thread */
    float *logits;  /* (vocab_size) */
    int has_logits;

    /* LoRA scratch, sized when a module is attached: A·x of each adapted projection */
    float *lora_u; /* (4, BATCH, rank) */
    int lora_rank_cap;

    /* observation (nano_session_observe) */
    int observe;            /* NANO_OBSERVE_* flags */
    int observed;           /* something was recorded since observation was enabled */
    int observed_positions; /* positions the last observed token attended to */
    float *obs_attention;   /* (n_layer, n_head, block_size), allocated when first enabled */
    float *obs_residual;    /* (n_layer + 1, n_embd), allocated when first enabled */

    /* profiling (nano_session_profile): the pool counts its jobs; the session its passes and
     * each thread's time in attention, on a cache line of its own (attention_ns[LINE · thread]) */
    int profiling;
    long long passes, pass_ns;
    long long *attention_ns; /* (n_threads, LINE) */

    Split split_q, split_k, split_v, split_o, split_ffn, split_w2, split_cls;
    /* Whether the kernels prefetch ahead (kernels_set_prefetch_ahead): the session's first
     * TUNE_STEPS decode steps run it off and on by turns and time each (nano_step). */
    int prefetch_ahead;                   /* the setting this session runs with */
    int tune_steps;                       /* decode steps timed so far; TUNE_STEPS once decided */
    long long tune_ns[2][TUNE_STEPS / 2]; /* [off, on]: each step's time */
    int fixed_cuts;      /* NANO_TEST_CUT set the halves' cuts, and run_halves keeps them */
    int serial_halves;   /* NANO_TEST_HALVES: run_split's halves in turn, 1 the top first */
    NanoJobFn halves_fn; /* the job run_halves is timing */
    /* the rows job run_split is running: its rows, its split, and (two threads) the rows in the
     * middle, lo << 32 | hi, that neither half has taken yet, claimed a block at a time */
    void (*job_rows)(NanoSession *s, int r0, int r1, int thread);
    const Split *job_split;
    _Atomic uint64_t middle;
    int middle_lo, middle_hi, middle_block; /* where the middle began and ended; its blocks */
    long long half_ns[2];                   /* how long each of its two chunks took */
    int half_thread[2];                     /* and which thread ran it */
    /* causal spans run the projections and attention of a run of key/value heads as one chunk
     * (qkv_attention_chunk): with 2+ threads, and each head's rows starting a packed tile */
    int fuse_attention;
    int qkv_chunks;  /* min(n_threads, n_kv_head) chunks, each a run of heads; or with 2 threads */
    Split split_qkv; /* two chunks cut at a measured balance, in units of a head's rows */
    int qkv_unit_rows;          /* rows of wk (and of wv) in one unit; wq has group times as many */
    int qkv_units_per_head;     /* head_dim / qkv_unit_rows */
    int qkv_shared_head;        /* the head whose rows the cut divides between the chunks, or -1 */
    atomic_int qkv_shared_rows; /* chunks that have projected their rows of that head */
    atomic_int qkv_shared_claimed; /* a chunk has taken that head's attention */

    /* With two threads: where each thread's part of the next job starts, for it to warm while
     * it waits (warm_idle); relaxed atomics, since a stale value only warms the wrong bytes */
    _Atomic(const void *) warm_at[2];
    _Atomic size_t warm_bytes[2];

    /* what the current job works on (read by the chunk functions) */
    int span_pos0; /* position of the span's first token */
    int span_n;    /* tokens in the span */
    int causal;    /* attend to earlier positions only (else to the whole span) */
    int obs_token; /* span index of the token whose attention is recorded, or -1 */
    int job_layer; /* layer being run */
    int job_first; /* span index of the batch's first token */
    int job_n;     /* tokens in the batch */
    Act job_in;    /* the batch's input activations */
};

/* ============================================================================================
 * Small helpers
 */

static size_t round_up64(size_t n) {
    return (n + 63) / 64 * 64;
}

/* a·b·c elements of `size` bytes, or 0 if that overflows size_t */
static size_t bytes_of(uint64_t a, uint64_t b, uint64_t c, uint64_t size) {
    uint64_t n = a;
    if (b && n > UINT64_MAX / b) return 0;
    n *= b;
    if (c && n > UINT64_MAX / c) return 0;
    n *= c;
    if (size && n > UINT64_MAX / size) return 0;
    n *= size;
    if (n > (uint64_t)SIZE_MAX - 64) return 0;
    return (size_t)n;
}

/* 64-byte-aligned zeroed memory (cache-line aligned rows for the SIMD kernels). */
static void *alloc_zeroed(size_t bytes) {
    if (bytes == 0) bytes = 64;
    void *p = aligned_alloc(64, round_up64(bytes));
    if (p) memset(p, 0, round_up64(bytes));
    return p;
}

static Split make_split(const NanoMatrix *w, int rows, int n_mats, int n_threads) {
    Split s;
    double row_bytes = w->q ? (double)w->cols * (1.0 + 4.0 / 128.0) : (double)w->cols * 4.0;
    row_bytes *= n_mats;
    int n = 1; /* chunks wanted */
    if (n_threads == 2) {
        n = 2; /* halves, whatever the size: run_halves cuts them where the speeds say */
    } else if (n_threads > 1) {
        double per_thread = row_bytes * rows / n_threads;
        int rounds = (int)(per_thread / CHUNK_MAX_BYTES) + 1;
        n = n_threads * rounds;
    }
    s.unit = w->packed_rows > 0 ? 16 : 4; /* a kernel's tile: 16 packed rows, else 4 */
    int r = ((rows + n - 1) / n + s.unit - 1) / s.unit * s.unit; /* rows per chunk */
    s.rows = rows;
    s.balance = 0.5;
    s.rows_per_chunk = r;
    s.n_chunks = (rows + r - 1) / r;
    s.bytes = row_bytes * rows;
    return s;
}

/* Rows [r0, r1) of chunk `chunk` of a split; a split in two halves cuts at its balance. */
static void chunk_rows(const Split *sp, int chunk, int *r0, int *r1) {
    if (sp->n_chunks == 2) {
        int cut = (int)(sp->rows * sp->balance / sp->unit + 0.5) * sp->unit;
        if (cut < sp->unit) cut = sp->unit;
        if (cut > sp->rows - sp->unit) cut = (sp->rows - sp->unit) / sp->unit * sp->unit;
        *r0 = chunk == 0 ? 0 : cut;
        *r1 = chunk == 0 ? cut : sp->rows;
        return;
    }
    *r0 = chunk * sp->rows_per_chunk;
    *r1 = *r0 + sp->rows_per_chunk < sp->rows ? *r0 + sp->rows_per_chunk : sp->rows;
}

/* Run a job on the pool, or on this thread alone when it is too small to be worth waking
 * anyone (tiny models, short attention spans). */
static void run_job(NanoSession *s, NanoJobFn fn, int n_chunks, double bytes) {
    if (bytes < PARALLEL_MIN_BYTES) {
        for (int c = 0; c < n_chunks; c++) fn(s, c, 0);
    } else {
        nano_pool_run(s->pool, fn, s, n_chunks);
    }
}

/* One chunk of the job run_halves times. */
static void timed_half(void *ctx, int chunk, int thread) {
    NanoSession *s = ctx;
    long long t0 = nano_clock_ns();
    s->halves_fn(s, chunk, thread);
    s->half_ns[chunk] = nano_clock_ns() - t0;
    s->half_thread[chunk] = thread;
}

/* Run a job over split sp. Two threads are rarely equally fast (another process on one core, a
 * busier path to memory, the worker starting a microsecond late), and a job cut in two halves
 * waits for the slower one. So when two threads ran the halves, move the cut toward equal
 * finishing times: each thread's speed is its share of the rows over its time, and chunk 0,
 * which the caller claims first, gets the caller's part of the two speeds, approached a quarter
 * of the way per job (one slow chunk must not swing it) within 30-70%. Each split keeps its
 * own cut: a short job suffers more from a late start than a long one. Results never depend
 * on the cut. */
static void run_halves(NanoSession *s, NanoJobFn fn, Split *sp) {
    if (sp->n_chunks != 2 || s->n_threads != 2 || sp->bytes < PARALLEL_MIN_BYTES || s->fixed_cuts) {
        run_job(s, fn, sp->n_chunks, sp->bytes);
        return;
    }
    int r0, cut;
    chunk_rows(sp, 0, &r0, &cut);
    s->halves_fn = fn;
    s->half_thread[0] = s->half_thread[1] = -1;
    nano_pool_run(s->pool, timed_half, s, 2);
    if (s->half_thread[0] == s->half_thread[1] || s->half_ns[0] <= 0 || s->half_ns[1] <= 0) return;
    double share0 = (double)cut / sp->rows;
    double speed0 = share0 / (double)s->half_ns[0], speed1 = (1.0 - share0) / (double)s->half_ns[1];
    double caller = s->half_thread[0] == 0 ? speed0 : speed1, worker = speed0 + speed1 - caller;
    sp->balance += 0.25 * (caller / (caller + worker) - sp->balance);
    if (sp->balance < 0.3) sp->balance = 0.3;
    if (sp->balance > 0.7) sp->balance = 0.7;
}

/* A rows job's chunk `chunk` of its split, on the pool. */
static void split_chunk(void *ctx, int chunk, int thread) {
    NanoSession *s = ctx;
    int r0, r1;
    chunk_rows(s->job_split, chunk, &r0, &r1);
    s->job_rows(s, r0, r1, thread);
}

#if !defined(__EMSCRIPTEN__) /* (WebAssembly keeps the timed cut: run_split) */
/* Take the next block of the middle rows, from its bottom or its top; 0 when none is left.
 * Every block starts on a kernel tile (the split's unit), as a packed matrix's rows must: the
 * bottom is always on one, and the top may be the matrix's last row, so a block taken from
 * the top starts on the tile boundary at or below hi - block. */
static int claim_middle(NanoSession *s, int from_top, int *r0, int *r1) {
    uint64_t m = atomic_load_explicit(&s->middle, memory_order_relaxed);
    int unit = s->job_split->unit;
    for (;;) {
        int lo = (int)(m >> 32), hi = (int)(uint32_t)m, b = s->middle_block;
        if (lo >= hi) return 0;
        int a = from_top ? ((hi - b) / unit * unit > lo ? (hi - b) / unit * unit : lo) : lo;
        int z = from_top ? hi : (lo + b < hi ? lo + b : hi);
        uint64_t left =
            from_top ? (uint64_t)lo << 32 | (uint32_t)a : (uint64_t)z << 32 | (uint32_t)hi;
        /* relaxed: the claim only divides the work; the pool's wait publishes the results */
        if (atomic_compare_exchange_weak_explicit(&s->middle, &m, left, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            *r0 = a, *r1 = z;
            return 1;
        }
    }
}

/* One half of a rows job: its own run of rows, then blocks of the middle until none is left,
 * the bottom half's from below (continuing its own stream), the top half's from above. */
static void half_and_middle(void *ctx, int chunk, int thread) {
    NanoSession *s = ctx;
    int r0, r1;
    if (chunk == 0)
        s->job_rows(s, 0, s->middle_lo, thread);
    else
        s->job_rows(s, s->middle_hi, s->job_split->rows, thread);
    while (claim_middle(s, chunk, &r0, &r1)) s->job_rows(s, r0, r1, thread);
    s->half_thread[chunk] = thread;
}
#endif

/* Run rows(s, r0, r1, thread) over every row of split sp. With two threads each takes one long
 * run from its end of the matrix, cut at the split's balance, and the rows around the cut (an
 * eighth of them, at least two blocks of ~64 KiB) are left in the middle for whichever thread
 * gets there first: the threads finish within a block of each other however their speeds
 * differ on this job (a predicted cut alone left up to ~20 µs of a 60 µs FFN job idle when the
 * cores' speeds shifted). Where the two met is where this job's cut should have been, so the
 * balance moves half way there. Native 2-thread decode, alternated A/B against the timed cut
 * alone: Q8_0 +5%, F32 +1% (medians of 5). WebAssembly keeps the timed cut (run_halves): it
 * has no prefetch instruction, and the middle's short runs, each of the top half's starting
 * cold, cost it more than they saved (decode 3-5% slower, medians of 6 and 7). */
static void run_split(NanoSession *s, void (*rows)(NanoSession *, int, int, int), Split *sp) {
    s->job_rows = rows;
    s->job_split = sp;
#if defined(__EMSCRIPTEN__)
    run_halves(s, split_chunk, sp);
#else
    if (sp->n_chunks != 2 || s->n_threads != 2 || sp->bytes < PARALLEL_MIN_BYTES || s->fixed_cuts) {
        run_job(s, split_chunk, sp->n_chunks, sp->bytes);
        return;
    }
    int r0, cut, n = sp->rows, unit = sp->unit;
    chunk_rows(sp, 0, &r0, &cut);
    int block = (int)(65536.0 * n / sp->bytes) / unit * unit;
    if (block < unit) block = unit;
    int mid = n / 8 > 2 * block ? n / 8 : 2 * block;
    int lo = (cut - mid / 2) / unit * unit;
    if (lo < 0) lo = 0;
    int hi = lo + (mid + unit - 1) / unit * unit;
    if (hi > n) hi = n;
    s->middle_lo = lo, s->middle_hi = hi, s->middle_block = block;
    atomic_store_explicit(&s->middle, (uint64_t)lo << 32 | (uint32_t)hi, memory_order_relaxed);
    s->half_thread[0] = s->half_thread[1] = -1;
    if (s->serial_halves) { /* the tests: one half takes the whole middle, deterministically */
        half_and_middle(s, s->serial_halves == 1 ? 1 : 0, 0);
        half_and_middle(s, s->serial_halves == 1 ? 0 : 1, 0);
        return;
    }
    nano_pool_run(s->pool, half_and_middle, s, 2); /* publishing orders the stores above */
    if (s->half_thread[0] < 0 || s->half_thread[0] == s->half_thread[1]) return;
    double met = (double)(atomic_load_explicit(&s->middle, memory_order_relaxed) >> 32) / n;
    double caller = s->half_thread[0] == 0 ? met : 1.0 - met; /* the caller's share */
    sp->balance += 0.5 * (caller - sp->balance);
    if (sp->balance < 0.2) sp->balance = 0.2;
    if (sp->balance > 0.8) sp->balance = 0.8;
#endif
}

/* out[t·out_stride + r] for r in [r0, r1): rows of W against the batch, F32 or Q8_0 as W is.
 * The kernel may prefetch on past r1 to the end of W (the next chunk, whoever runs it). */
static void matmul_rows(float *out, size_t out_stride, const NanoMatrix *w, int r0, int r1,
                        const Act *x, int n_tokens, int group_size) {
    if (r1 <= r0) return;
    if (w->q) {
        const int8_t *q;
        const uint8_t *scales;
        nano_q8_row(w, r0, group_size, &q, &scales); /* r0 starts a tile if packed (make_split) */
        matmul_q8(out + r0, out_stride, q, scales, r1 - r0, w->rows - r0, w->cols, group_size, x->q,
                  x->s, x->w, n_tokens, w->packed_rows > r0 ? w->packed_rows - r0 : 0);
    } else {
        matmul_f32(out + r0, out_stride, w->f + (size_t)r0 * w->cols, r1 - r0, w->rows - r0,
                   w->cols, x->f, x->stride, n_tokens);
    }
}

/* How much of a stream of weights to warm (kernels_warm) before a kernel starts on it: within
 * a job, the start of its next matrix (4 KiB: a cold start cost ~1.6 µs in WebAssembly, and
 * warming 4 KiB saved ~1 µs of it; 16 KiB saved no more); between jobs, when a thread would
 * otherwise wait, the start of its part of the next job (16 KiB: decode +2-4% over 4 KiB,
 * 32 KiB no better). */
enum { WARM_BYTES = 4096, IDLE_WARM_BYTES = 16384 };

/* Where rows [r0, ...) of W start, and how many bytes from there are surely W's. */
static const void *rows_at(const NanoMatrix *w, int r0, int group_size, size_t *bytes_left) {
    size_t left = (size_t)(w->rows - r0) * (size_t)w->cols; /* Q8_0: at least */
    if (!w->q) {
        *bytes_left = left * sizeof(float);
        return w->f + (size_t)r0 * w->cols;
    }
    const int8_t *q;
    const uint8_t *scales;
    nano_q8_row(w, r0, group_size, &q, &scales);
    *bytes_left = left;
    return q;
}

/* Warm the first `bytes` of rows [r0, ...) of W. */
static void warm_rows(const NanoMatrix *w, int r0, size_t bytes, int group_size) {
    size_t left;
    const void *at = rows_at(w, r0, group_size, &left);
    kernels_warm(at, bytes < left ? bytes : left);
}

/* The jobs of a decoding layer, in the order they run. */
typedef enum { JOB_QKV, JOB_WO, JOB_FFN_UP, JOB_FFN_DOWN, JOB_CLASSIFIER } JobKind;

/* Note that thread `thread`'s part of the next job starts at row r0 of W. */
static void warm_later(NanoSession *s, int thread, const NanoMatrix *w, int r0) {
    size_t left;
    const void *at = rows_at(w, r0, s->group_size, &left);
    atomic_store_explicit(&s->warm_at[thread], at, memory_order_relaxed);
    atomic_store_explicit(&s->warm_bytes[thread], left < IDLE_WARM_BYTES ? left : IDLE_WARM_BYTES,
                          memory_order_relaxed);
}

/* Note where the two halves of a rows job over W, split sp, start. */
static void warm_later_split(NanoSession *s, const NanoMatrix *w, const Split *sp) {
    int r0, cut;
    if (sp->n_chunks != 2) return;
    chunk_rows(sp, 0, &r0, &cut);
    warm_later(s, 0, w, 0);
    warm_later(s, 1, w, cut);
}

/* Before a job of kind `kind` on layer `layer` starts: note where each half of the job after it
 * will start (after the last layer's FFN the classifier; after the classifier the next token's
 * layer 0). A thread that finishes its half early, or a worker waiting while the caller works
 * alone between jobs, warms that start (warm_idle): each half's stream of weights would
 * otherwise begin cold, ~1.6 µs a time in WebAssembly, which has no prefetch instruction. */
static void plan_warm(NanoSession *s, JobKind kind, int layer) {
    const NanoModel *m = s->m;
    if (s->n_threads != 2) return;
    switch (kind) {
    case JOB_QKV:
        warm_later_split(s, &m->wo[layer], &s->split_o);
        return;
    case JOB_WO:
        warm_later_split(s, &m->w1[layer], &s->split_ffn);
        return;
    case JOB_FFN_UP:
        warm_later_split(s, &m->w2[layer], &s->split_w2);
        return;
    case JOB_FFN_DOWN:
        if (layer + 1 == s->n_layer) {
            warm_later_split(s, &m->output, &s->split_cls);
            return;
        }
        layer++;
        break;
    case JOB_CLASSIFIER:
        layer = 0;
        break;
    }
    if (!s->fuse_attention) return; /* the Q/K/V job of `layer`, as qkv_attention_chunk cuts it */
    int u0, u1;
    chunk_rows(&s->split_qkv, 1, &u0, &u1);
    warm_later(s, 0, &m->wq[layer], 0);
    warm_later(s, 1, &m->wq[layer], u0 * s->group * s->qkv_unit_rows);
}

/* The pool's idle function (nano_pool_set_idle): warm the start of thread's part of the next
 * job (plan_warm). */
static void warm_idle(void *ctx, int thread) {
    NanoSession *s = ctx;
    if (thread > 1) return;
    const void *at = atomic_load_explicit(&s->warm_at[thread], memory_order_relaxed);
    if (at) kernels_warm(at, atomic_load_explicit(&s->warm_bytes[thread], memory_order_relaxed));
}

/* The f32 rows x (T, n) as matmul input; quantized to Q8_0 first when the model is. */
static Act prepare_input(NanoSession *s, const float *x, size_t stride, int n, int n_tokens) {
    Act a = {x, stride, NULL, NULL, NULL};
    if (s->group_size) {
        int gs = s->group_size;
        for (int t = 0; t < n_tokens; t++)
            quantize_q8(s->act_q + (size_t)t * n, s->act_s + (size_t)t * (n / gs), x + t * stride,
                        n, gs);
        a.q = s->act_q;
        a.s = s->act_s;
        if (n_tokens == 1 && kernels_q8_wants_i16()) {
            widen_i8(s->act_w, s->act_q, n);
            a.w = s->act_w;
        }
    }
    return a;
}

/* LoRA (NANO-FORMAT.md §5): y[t, r] += scale · B[r, :] · u[t, :], where u = A·x was computed
 * beforehand for the whole batch. Elementwise as the original: (B·u) · scale, then added. */
static void lora_add_rows(const NanoSession *s, int p, float *out, size_t out_stride, int r0,
                          int r1, int n_tokens) {
    const NanoLora *lo = s->lora;
    int rank = lo->rank;
    const float *b = lo->b[p] + (size_t)s->job_layer * lo->out_features[p] * rank;
    const float *u = s->lora_u + (size_t)p * BATCH * rank;
    for (int r = r0; r < r1; r++)
        for (int t = 0; t < n_tokens; t++) {
            float d = dot_f32(b + (size_t)r * rank, u + (size_t)t * rank, rank);
            d = d * lo->scale;
            out[t * out_stride + r] += d;
        }
}

/* u_p = A_p · x for the batch (rank outputs per token), on the calling thread: rank is small. */
static void lora_down(NanoSession *s, int p, const float *x, size_t stride, int n_tokens) {
    const NanoLora *lo = s->lora;
    int in = lo->in_features[p], rank = lo->rank;
    const float *a = lo->a[p] + (size_t)s->job_layer * rank * in;
    matmul_f32(s->lora_u + (size_t)p * BATCH * rank, (size_t)rank, a, rank, rank, in, x, stride,
               n_tokens);
}

/* ============================================================================================
 * The building blocks, in the order a token meets them
 */

/* x = embedding row of `token` (dequantized for Q8_0, as the original engine does). */
static void embed(const NanoSession *s, float *x, int32_t token) {
    const NanoMatrix *e = &s->m->tok_embeddings;
    size_t row = (size_t)token * s->n_embd;
    if (e->q && token < e->packed_rows) {
        dequantize_q8_packed_row(x, e->q, token, s->n_embd, s->group_size);
    } else if (e->q) {
        const int8_t *q;
        const uint8_t *scales;
        nano_q8_row(e, token, s->group_size, &q, &scales);
        dequantize_q8_row(x, q, scales, s->n_embd, s->group_size);
    } else
        memcpy(x, e->f + row, (size_t)s->n_embd * sizeof(float));
}

/* One chunk of the fused Q, K, V projection: rows of wq, then wk, then wv. Queries go to
 * s->q, keys to s->kb, values to s->vb. */
static void qkv_chunk(void *ctx, int chunk, int thread) {
    NanoSession *s = ctx;
    const NanoModel *m = s->m;
    int l = s->job_layer, T = s->job_n;
    const NanoMatrix *w;
    const Split *sp;
    float *out;
    size_t stride;
    int p;
    (void)thread;
    if (chunk < s->split_q.n_chunks) {
        w = &m->wq[l], sp = &s->split_q, p = NANO_LORA_WQ;
        out = s->q + (size_t)s->job_first * s->q_dim, stride = (size_t)s->q_dim;
    } else if ((chunk -= s->split_q.n_chunks) < s->split_k.n_chunks) {
        w = &m->wk[l], sp = &s->split_k, p = NANO_LORA_WK;
        out = s->kb, stride = (size_t)s->kv_dim;
    } else {
        chunk -= s->split_k.n_chunks;
        w = &m->wv[l], sp = &s->split_v, p = NANO_LORA_WV;
        out = s->vb, stride = (size_t)s->kv_dim;
    }
    int r0, r1;
    chunk_rows(sp, chunk, &r0, &r1);
    matmul_rows(out, stride, w, r0, r1, &s->job_in, T, s->group_size);
    if (s->lora) lora_add_rows(s, p, out, stride, r0, r1, T);
}

/* Rotate adjacent pairs (x[2i], x[2i+1]) of each head by row `pos` of the RoPE tables. */
static void rope(const NanoSession *s, float *x, int n_heads, int pos) {
    int half = s->head_dim / 2;
    const float *cos_row = s->m->freqs_cos + (size_t)pos * half;
    const float *sin_row = s->m->freqs_sin + (size_t)pos * half;
    for (int h = 0; h < n_heads; h++) {
        float *v = x + (size_t)h * s->head_dim;
        for (int i = 0; i < half; i++) {
            float v0 = v[2 * i], v1 = v[2 * i + 1];
            float fcr = cos_row[i], fci = sin_row[i];
            float a = v0 * fcr, b = v1 * fci, c = v0 * fci, d = v1 * fcr;
            v[2 * i] = a - b;
            v[2 * i + 1] = c + d;
        }
    }
}

/* Where layer `layer`'s cached keys and values of key/value head `kv_head` start. */
static float *keys_of(const NanoSession *s, int layer, int kv_head) {
    size_t region = (size_t)s->key_tiles * s->head_dim * KEY_TILE;
    return s->key_cache + ((size_t)layer * s->n_kv_head + kv_head) * region;
}
static float *values_of(const NanoSession *s, int layer, int kv_head) {
    size_t region = (size_t)s->block * s->head_dim;
    return s->value_cache + ((size_t)layer * s->n_kv_head + kv_head) * region;
}

/* Batch token t (span index job_first + t) of key/value head kv_head: RoPE on its key (in
 * s->kb) and on the queries of the heads that share it, then its key (into the tiles) and
 * value (from s->vb) into this layer's cache at the token's position. */
static void rope_and_cache(NanoSession *s, int t, int kv_head) {
    int hd = s->head_dim, layer = s->job_layer, pos = s->span_pos0 + s->job_first + t;
    float *k = s->kb + (size_t)t * s->kv_dim + (size_t)kv_head * hd;
    rope(s, s->q + (size_t)(s->job_first + t) * s->q_dim + (size_t)kv_head * s->group * hd,
         s->group, pos);
    rope(s, k, 1, pos);
    float *kt = keys_of(s, layer, kv_head) + (size_t)(pos / KEY_TILE) * hd * KEY_TILE;
    for (int j = 0; j < hd; j++) kt[j * KEY_TILE + pos % KEY_TILE] = k[j];
    memcpy(values_of(s, layer, kv_head) + (size_t)pos * hd,
           s->vb + (size_t)t * s->kv_dim + (size_t)kv_head * hd, hd * sizeof(float));
}

/* RMSNorm of span tokens [first, first + n) into s->xb, and the QKV projections' input. */
static void attention_input(NanoSession *s, int layer, int first, int n) {
    int E = s->n_embd;
    for (int t = 0; t < n; t++)
        rmsnorm(s->xb + (size_t)t * E, s->x + (size_t)(first + t) * E,
                s->m->attention_norm + (size_t)layer * E, E);
    s->job_layer = layer, s->job_first = first, s->job_n = n;
    if (s->lora)
        for (int p = NANO_LORA_WQ; p <= NANO_LORA_WV; p++) lora_down(s, p, s->xb, (size_t)E, n);
    s->job_in = prepare_input(s, s->xb, (size_t)E, E, n);
}

/* Attention, part one, for span tokens [first, first + n): RMSNorm, the fused QKV projection,
 * RoPE on queries and keys, keys (transposed) and values into the cache. */
static void attention_qkv(NanoSession *s, int layer, int first, int n) {
    attention_input(s, layer, first, n);
    double bytes = s->split_q.bytes + s->split_k.bytes + s->split_v.bytes;
    /* One thread's Q8_0 decode: the products leave memory time unused, so the keys and values
     * this token's attention will read come in alongside them (kernels.h) */
    int pos = s->span_pos0 + first;
    int alongside = n == 1 && s->causal && s->n_threads == 1 && s->m->wq[layer].q && pos > 0;
    if (alongside)
        attention_prefetch_alongside(
            keys_of(s, layer, 0), (size_t)s->key_tiles * s->head_dim * KEY_TILE,
            (size_t)(pos + KEY_TILE - 1) / KEY_TILE * KEY_TILE * s->head_dim * sizeof(float),
            values_of(s, layer, 0), (size_t)s->block * s->head_dim,
            (size_t)pos * s->head_dim * sizeof(float), s->n_kv_head, (size_t)bytes);
    run_job(s, qkv_chunk, s->split_q.n_chunks + s->split_k.n_chunks + s->split_v.n_chunks, bytes);
    if (alongside) attention_prefetch_alongside(NULL, 0, 0, NULL, 0, 0, 0, 0);
    for (int t = 0; t < n; t++)
        for (int kh = 0; kh < s->n_kv_head; kh++) rope_and_cache(s, t, kh);
}

/* Attention of batch token t over the cache, for key/value head kv_head and every query head
 * that shares it (grouped-query attention), so its cached keys and values are read once. */
static void attend(NanoSession *s, int t, int kv_head, int thread, int warm_kv_head) {
    int hd = s->head_dim, group = s->group, h0 = kv_head * group;
    int token = s->job_first + t; /* index in the span */
    int pos = s->span_pos0 + token;
    int n_pos = s->causal ? pos + 1 : s->span_n; /* causal: positions 0..pos */
    size_t l = (size_t)s->job_layer;
    const float *kt = keys_of(s, (int)l, kv_head);
    const float *v = values_of(s, (int)l, kv_head);
    const float *q = s->q + (size_t)token * s->q_dim + (size_t)h0 * hd; /* (group, head_dim) */
    float *att = s->att + (size_t)thread * group * s->block;            /* (group, block_size) */
    long long t0 = s->profiling ? nano_clock_ns() : 0;
    attention_scores(att, (size_t)s->block, q, group, kt, n_pos, hd, s->sqrt_head_dim);
    if (warm_kv_head >= 0)
        attention_warm(keys_of(s, (int)l, warm_kv_head), values_of(s, (int)l, warm_kv_head), n_pos,
                       hd);
    for (int h = 0; h < group; h++) softmax(att + (size_t)h * s->block, n_pos);
    attention_mix(s->xba + (size_t)t * s->q_dim + (size_t)h0 * hd, att, (size_t)s->block, group, v,
                  (size_t)hd, n_pos, hd);
    if (t0) s->attention_ns[LINE * thread] += nano_clock_ns() - t0;
    if (token == s->obs_token)
        for (int h = 0; h < group; h++)
            memcpy(s->obs_attention + (l * s->n_head + h0 + h) * s->block,
                   att + (size_t)h * s->block, (size_t)n_pos * sizeof(float));
}

/* One chunk of attention: one token of the batch and one key/value head. One thread runs the
 * chunks in order, so it warms the token's next head as it goes. */
static void attention_chunk(void *ctx, int chunk, int thread) {
    NanoSession *s = ctx;
    int kv_head = chunk % s->n_kv_head;
    attend(s, chunk / s->n_kv_head, kv_head, thread,
           s->n_threads == 1 && kv_head + 1 < s->n_kv_head ? kv_head + 1 : -1);
}

/* RoPE, the cache, and attention of key/value head `kv_head` for every token of the batch. */
static void cache_and_attend(NanoSession *s, int kv_head, int thread, int next_kv_head) {
    for (int t = 0; t < s->job_n; t++) rope_and_cache(s, t, kv_head);
    for (int t = 0; t < s->job_n; t++)
        attend(s, t, kv_head, thread, t == s->job_n - 1 ? next_kv_head : -1);
}

/* One chunk of a causal span's whole attention: a run of the Q, K and V projections' rows
 * (of the query heads that share a key/value head, its keys, its values), then RoPE, the cache
 * and the attention of every head whose rows the chunk projected, for every token of the batch.
 * Each head's attention needs only its own projections and its own cache (causal: positions up
 * to the token's own, all written by this chunk or earlier spans), so one job per layer does
 * all of it: one synchronisation fewer per layer than projecting everything first, and the
 * RoPE and cache stores run in parallel. Each chunk is one contiguous run of rows in each
 * matrix: a chunk per head, claimed by whichever thread was free, had both threads reading
 * short runs side by side, which the hardware prefetcher follows poorly (most of all in
 * WebAssembly, which has no prefetch instruction: the projections ran ~25% slower).
 *
 * With two threads the cut between the chunks is measured like run_halves' (the two cores of
 * a shared machine often differ by 20-30% in speed, and a cut between whole heads left the
 * faster thread idle for up to a tenth of the token), so it may fall inside a head, in steps
 * of 16 rows of wk (a packed tile). That head's attention then waits for both chunks' rows:
 * each chunk counts itself in once it has projected them, and after its own heads a chunk that
 * finds both counted claims it, so it goes to whichever finishes first once it can run. */
static void qkv_attention_chunk(void *ctx, int chunk, int thread) {
    NanoSession *s = ctx;
    const NanoModel *m = s->m;
    int l = s->job_layer, T = s->job_n, per_head = s->qkv_units_per_head;
    int u0, u1; /* units of rows: per_head to a head */
    if (s->n_threads == 2) {
        chunk_rows(&s->split_qkv, chunk, &u0, &u1);
    } else {
        u0 = chunk * s->n_kv_head / s->qkv_chunks * per_head;
        u1 = (chunk + 1) * s->n_kv_head / s->qkv_chunks * per_head;
    }
    float *q = s->q + (size_t)s->job_first * s->q_dim;
    int kv_rows = s->qkv_unit_rows, q_rows = s->group * kv_rows;
    int q0 = u0 * q_rows, q1 = u1 * q_rows, k0 = u0 * kv_rows, k1 = u1 * kv_rows;
    if (T == 1) { /* (prefill's matrices stay in cache for every token of the batch) */
        warm_rows(&m->wk[l], k0, WARM_BYTES, s->group_size);
        warm_rows(&m->wv[l], k0, WARM_BYTES, s->group_size);
    }
    matmul_rows(q, (size_t)s->q_dim, &m->wq[l], q0, q1, &s->job_in, T, s->group_size);
    matmul_rows(s->kb, (size_t)s->kv_dim, &m->wk[l], k0, k1, &s->job_in, T, s->group_size);
    matmul_rows(s->vb, (size_t)s->kv_dim, &m->wv[l], k0, k1, &s->job_in, T, s->group_size);
    if (s->lora) {
        lora_add_rows(s, NANO_LORA_WQ, q, (size_t)s->q_dim, q0, q1, T);
        lora_add_rows(s, NANO_LORA_WK, s->kb, (size_t)s->kv_dim, k0, k1, T);
        lora_add_rows(s, NANO_LORA_WV, s->vb, (size_t)s->kv_dim, k0, k1, T);
    }
    int shared = s->qkv_shared_head;
    int mine = shared >= 0 && shared * per_head < u1 && u0 < (shared + 1) * per_head;
    if (mine) atomic_fetch_add_explicit(&s->qkv_shared_rows, 1, memory_order_acq_rel);
    int last = u1 / per_head; /* heads [first, last) are all this chunk's */
    for (int kv_head = (u0 + per_head - 1) / per_head; kv_head < last; kv_head++)
        cache_and_attend(s, kv_head, thread, kv_head + 1 < last ? kv_head + 1 : -1);
    if (mine && atomic_load_explicit(&s->qkv_shared_rows, memory_order_acquire) == 2 &&
        !atomic_exchange_explicit(&s->qkv_shared_claimed, 1, memory_order_relaxed))
        cache_and_attend(s, shared, thread, -1);
}

/* Run qkv_attention_chunk over the batch set up by attention_input. */
static void run_qkv_attention(NanoSession *s) {
    if (s->n_threads != 2) {
        run_job(s, qkv_attention_chunk, s->qkv_chunks, s->split_qkv.bytes);
        return;
    }
    int u0, cut;
    chunk_rows(&s->split_qkv, 0, &u0, &cut);
    s->qkv_shared_head = cut % s->qkv_units_per_head ? cut / s->qkv_units_per_head : -1;
    atomic_store_explicit(&s->qkv_shared_rows, 0, memory_order_relaxed);
    atomic_store_explicit(&s->qkv_shared_claimed, 0, memory_order_relaxed);
    plan_warm(s, JOB_QKV, s->job_layer);
    run_halves(s, qkv_attention_chunk, &s->split_qkv); /* publishing orders the stores above */
}

/* Rows [r0, r1) of the output projection wo, added into the residual stream. */
static void wo_rows(NanoSession *s, int r0, int r1, int thread) {
    int E = s->n_embd, T = s->job_n;
    (void)thread;
    matmul_rows(s->xb2, (size_t)E, &s->m->wo[s->job_layer], r0, r1, &s->job_in, T, s->group_size);
    if (s->lora) lora_add_rows(s, NANO_LORA_WO, s->xb2, (size_t)E, r0, r1, T);
    for (int t = 0; t < T; t++)
        add_f32(s->x + (size_t)(s->job_first + t) * E + r0, s->xb2 + (size_t)t * E + r0, r1 - r0);
}

/* Rows [r0, r1) of the fused gate and up projections and the SwiGLU between them:
 * hb = SiLU(W1·x) ⊙ W3·x for a range of hidden units. */
static void ffn_up_rows(NanoSession *s, int r0, int r1, int thread) {
    int H = s->n_hidden, T = s->job_n;
    (void)thread;
    if (T == 1) warm_rows(&s->m->w3[s->job_layer], r0, WARM_BYTES, s->group_size);
    matmul_rows(s->hb, (size_t)H, &s->m->w1[s->job_layer], r0, r1, &s->job_in, T, s->group_size);
    matmul_rows(s->hb2, (size_t)H, &s->m->w3[s->job_layer], r0, r1, &s->job_in, T, s->group_size);
    for (int t = 0; t < T; t++)
        swiglu(s->hb + (size_t)t * H + r0, s->hb2 + (size_t)t * H + r0, r1 - r0);
}

/* Rows [r0, r1) of the down projection w2, added into the residual stream. */
static void ffn_down_rows(NanoSession *s, int r0, int r1, int thread) {
    int E = s->n_embd, T = s->job_n;
    (void)thread;
    matmul_rows(s->xb2, (size_t)E, &s->m->w2[s->job_layer], r0, r1, &s->job_in, T, s->group_size);
    for (int t = 0; t < T; t++)
        add_f32(s->x + (size_t)(s->job_first + t) * E + r0, s->xb2 + (size_t)t * E + r0, r1 - r0);
}

/* Attention, part two (unless `attended`: already done), then the feed-forward block, for
 * span tokens [first, first + n): x += Wo·Attn(...); x += W2·(SiLU(W1·RMSNorm(x)) ⊙
 * W3·RMSNorm(x)). */
static void attention_out_and_ffn(NanoSession *s, int layer, int first, int n, int attended) {
    int E = s->n_embd, H = s->n_hidden;
    s->job_layer = layer, s->job_first = first, s->job_n = n;

    /* attention reads about n × positions × kv_dim × 8 bytes of cached keys and values */
    int last = s->causal ? s->span_pos0 + first + n : s->span_n;
    if (!attended) run_job(s, attention_chunk, n * s->n_kv_head, 8.0 * n * last * s->kv_dim);

    if (s->lora) lora_down(s, NANO_LORA_WO, s->xba, (size_t)s->q_dim, n);
    s->job_in = prepare_input(s, s->xba, (size_t)s->q_dim, s->q_dim, n);
    plan_warm(s, JOB_WO, layer);
    run_split(s, wo_rows, &s->split_o);

    for (int t = 0; t < n; t++)
        rmsnorm(s->xb + (size_t)t * E, s->x + (size_t)(first + t) * E,
                s->m->ffn_norm + (size_t)layer * E, E);
    s->job_in = prepare_input(s, s->xb, (size_t)E, E, n);
    plan_warm(s, JOB_FFN_UP, layer);
    run_split(s, ffn_up_rows, &s->split_ffn);

    s->job_in = prepare_input(s, s->hb, (size_t)H, H, n);
    plan_warm(s, JOB_FFN_DOWN, layer);
    run_split(s, ffn_down_rows, &s->split_w2);
}

/* Rows [r0, r1) of the classifier (the output matrix, or the tied embedding table). */
static void classifier_rows(NanoSession *s, int r0, int r1, int thread) {
    (void)thread;
    matmul_rows(s->logits, (size_t)s->vocab, &s->m->output, r0, r1, &s->job_in, 1, s->group_size);
}

/* logits = classifier · RMSNorm(x) for one residual vector x. Q8_0 models multiply the
 * quantized x by the quantized table, tied or not, as the original engine does. */
static void classify(NanoSession *s, const float *x) {
    rmsnorm(s->xb, x, s->m->final_norm, s->n_embd);
    s->job_in = prepare_input(s, s->xb, (size_t)s->n_embd, s->n_embd, 1);
    plan_warm(s, JOB_CLASSIFIER, 0);
    run_split(s, classifier_rows, &s->split_cls);
    s->has_logits = 1;
}

/* ============================================================================================
 * forward: spans of tokens through every layer
 */

/* Run the decoder over a span of n tokens at positions pos0 .. pos0 + n - 1, their residual
 * streams in x[0 .. n). Causal spans attend to positions up to their own; a non-causal span
 * attends to all of itself, so every layer stores its keys and values for the whole span
 * before any token attends. With `observe_last`, the span's last token is the one observed. */
static void run_span(NanoSession *s, const int32_t *tokens, int n, int pos0, int causal,
                     int observe_last) {
    int E = s->n_embd;
    s->span_pos0 = pos0, s->span_n = n, s->causal = causal;
    int observe_residual = observe_last && (s->observe & NANO_OBSERVE_RESIDUAL);
    s->obs_token = observe_last && (s->observe & NANO_OBSERVE_ATTENTION) ? n - 1 : -1;
    if (s->obs_token >= 0) s->observed_positions = causal ? pos0 + n : n;

    for (int t = 0; t < n; t++) embed(s, s->x + (size_t)t * E, tokens[t]);
    if (observe_residual) memcpy(s->obs_residual, s->x + (size_t)(n - 1) * E, E * sizeof(float));
    for (int l = 0; l < s->n_layer; l++) {
        if (causal && s->fuse_attention) { /* batch after batch, each in two jobs */
            for (int first = 0; first < n; first += BATCH) {
                int nb = n - first < BATCH ? n - first : BATCH;
                attention_input(s, l, first, nb);
                run_qkv_attention(s);
                attention_out_and_ffn(s, l, first, nb, 1);
            }
        } else { /* every batch's keys first: a non-causal token attends to all of them */
            for (int first = 0; first < n; first += BATCH)
                attention_qkv(s, l, first, n - first < BATCH ? n - first : BATCH);
            for (int first = 0; first < n; first += BATCH)
                attention_out_and_ffn(s, l, first, n - first < BATCH ? n - first : BATCH, 0);
        }
        if (observe_residual)
            memcpy(s->obs_residual + (size_t)(l + 1) * E, s->x + (size_t)(n - 1) * E,
                   E * sizeof(float));
    }
    if (observe_last && s->observe) s->observed = 1;
}

/* Causal decoding of n tokens from the current position, in batches of at most BATCH (each
 * batch goes through all layers before the next), leaving the last token's logits. The caller
 * has validated the tokens and that they fit in the context. */
static void forward_causal(NanoSession *s, const int32_t *tokens, int n) {
    long long t0 = s->profiling ? nano_clock_ns() : 0;
    int last_n = 0;
    for (int first = 0; first < n; first += BATCH) {
        last_n = n - first < BATCH ? n - first : BATCH;
        run_span(s, tokens + first, last_n, s->pos + first, 1, first + last_n == n);
    }
    classify(s, s->x + (size_t)(last_n - 1) * s->n_embd);
    s->pos += n;
    if (t0) s->passes++, s->pass_ns += nano_clock_ns() - t0;
}

/* ============================================================================================
 * Sessions: the public API (nano.h)
 */

static int fail(char *err, size_t errlen, int code, const char *msg) {
    if (err && errlen > 0) {
        strncpy(err, msg, errlen - 1);
        err[errlen - 1] = '\0';
    }
    return code;
}

void nano_session_free(NanoSession *s) {
    if (!s) return;
    nano_pool_free(s->pool);
    nano_free_big(s->key_cache, s->key_bytes);
    nano_free_big(s->value_cache, s->value_bytes);
    free(s->x);
    free(s->q);
    free(s->xb);
    free(s->kb);
    free(s->vb);
    free(s->xba);
    free(s->xb2);
    free(s->hb);
    free(s->hb2);
    free(s->act_q);
    free(s->act_s);
    free(s->act_w);
    free(s->att);
    free(s->logits);
    free(s->lora_u);
    free(s->obs_attention);
    free(s->obs_residual);
    free(s->attention_ns);
    free(s);
}

/* A session over `m`: the KV cache and every buffer decoding needs, allocated now. */
int nano_session_new(const NanoModel *m, int n_threads, NanoSession **out, char *err,
                     size_t errlen) {
    if (err && errlen > 0) err[0] = '\0';
    if (!out) return fail(err, errlen, NANO_E_ARG, "no place to store the session");
    *out = NULL;
    if (!m) return fail(err, errlen, NANO_E_ARG, "no model");
    if (n_threads < 1 || n_threads > MAX_THREADS)
        return fail(err, errlen, NANO_E_ARG, "the thread count must be between 1 and 256");
    const NanoConfig *c = &m->cfg;

    NanoSession *s = calloc(1, sizeof *s);
    if (!s) return fail(err, errlen, NANO_E_NOMEM, "out of memory creating the session");
    s->m = m;
    s->n_layer = c->n_layer, s->n_embd = c->n_embd, s->n_head = c->n_head;
    s->n_kv_head = c->n_kv_head, s->head_dim = c->head_dim, s->n_hidden = c->n_hidden;
    s->q_dim = c->n_head * c->head_dim, s->kv_dim = c->n_kv_head * c->head_dim;
    s->vocab = c->vocab_size, s->block = c->block_size;
    s->group = c->n_head / c->n_kv_head;
    s->group_size = c->quant_type == NANO_QUANT_Q8_0 ? c->group_size : 0;
    s->sqrt_head_dim = sqrtf((float)c->head_dim);
    s->span_cap = s->block < BATCH ? s->block : BATCH;
    s->obs_token = -1;
    s->prefetch_ahead = 1; /* (kernels.h) until the first decode steps have measured it */
    s->tune_steps = kernels_can_prefetch_ahead() ? 0 : TUNE_STEPS;

    s->pool = nano_pool_new(n_threads);
    if (!s->pool) {
        nano_session_free(s);
        return fail(err, errlen, NANO_E_NOMEM, "could not start the worker threads");
    }
    s->n_threads = nano_pool_threads(s->pool);

    int widest = s->n_embd > s->q_dim ? s->n_embd : s->q_dim;
    if (s->n_hidden > widest) widest = s->n_hidden;
    s->key_tiles = (s->block + KEY_TILE - 1) / KEY_TILE;
    s->key_bytes = bytes_of((uint64_t)s->n_layer * s->n_kv_head, (uint64_t)s->key_tiles,
                            (uint64_t)s->head_dim * KEY_TILE, 4);
    s->value_bytes = bytes_of((uint64_t)s->n_layer, (uint64_t)s->block, (uint64_t)s->kv_dim, 4);
    struct {
        void **p;
        size_t bytes;
    } bufs[] = {
        {(void **)&s->key_cache, s->key_bytes},
        {(void **)&s->value_cache, s->value_bytes},
        {(void **)&s->x, bytes_of((uint64_t)s->span_cap, (uint64_t)s->n_embd, 1, 4)},
        {(void **)&s->q, bytes_of((uint64_t)s->span_cap, (uint64_t)s->q_dim, 1, 4)},
        {(void **)&s->xb, bytes_of(BATCH, (uint64_t)s->n_embd, 1, 4)},
        {(void **)&s->kb, bytes_of(BATCH, (uint64_t)s->kv_dim, 1, 4)},
        {(void **)&s->vb, bytes_of(BATCH, (uint64_t)s->kv_dim, 1, 4)},
        {(void **)&s->xba, bytes_of(BATCH, (uint64_t)s->q_dim, 1, 4)},
        {(void **)&s->xb2, bytes_of(BATCH, (uint64_t)s->n_embd, 1, 4)},
        {(void **)&s->hb, bytes_of(BATCH, (uint64_t)s->n_hidden, 1, 4)},
        {(void **)&s->hb2, bytes_of(BATCH, (uint64_t)s->n_hidden, 1, 4)},
        {(void **)&s->act_q, bytes_of(BATCH, (uint64_t)widest, 1, 1)},
        {(void **)&s->act_s, bytes_of(BATCH, (uint64_t)widest, 1, 4)},
        {(void **)&s->act_w, bytes_of(1, (uint64_t)widest, 1, 2)},
        {(void **)&s->att,
         bytes_of((uint64_t)s->n_threads, (uint64_t)s->group, (uint64_t)s->block, 4)},
        {(void **)&s->logits, bytes_of((uint64_t)s->vocab, 1, 1, 4)},
        {(void **)&s->attention_ns, bytes_of((uint64_t)s->n_threads, LINE, 1, sizeof(long long))},
    };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        if (i < 2) /* the KV cache */
            *bufs[i].p = bufs[i].bytes ? nano_alloc_big(bufs[i].bytes) : NULL;
        else
            *bufs[i].p = bufs[i].bytes ? alloc_zeroed(bufs[i].bytes) : NULL;
        if (!*bufs[i].p) {
            nano_session_free(s);
            return fail(err, errlen, NANO_E_NOMEM,
                        i < 2 ? "out of memory allocating the KV cache"
                              : "out of memory allocating the session's buffers");
        }
    }
    int nt = s->n_threads;
    s->split_q = make_split(&m->wq[0], s->q_dim, 1, nt);
    s->split_k = make_split(&m->wk[0], s->kv_dim, 1, nt);
    s->split_v = make_split(&m->wv[0], s->kv_dim, 1, nt);
    s->split_o = make_split(&m->wo[0], s->n_embd, 1, nt);
    s->split_ffn = make_split(&m->w1[0], s->n_hidden, 2, nt);
    s->split_w2 = make_split(&m->w2[0], s->n_embd, 1, nt);
    s->split_cls = make_split(&m->output, s->vocab, 1, nt);
    s->fuse_attention = s->n_threads > 1; /* one thread has nothing to synchronise */
    s->qkv_chunks = nt < s->n_kv_head ? nt : s->n_kv_head;
    /* units of 16 rows of wk when a head has whole tiles of them, else whole heads */
    s->qkv_unit_rows = s->head_dim % 16 == 0 ? 16 : s->head_dim;
    s->qkv_units_per_head = s->head_dim / s->qkv_unit_rows;
    s->split_qkv = (Split){.rows = s->n_kv_head * s->qkv_units_per_head,
                           .unit = 1,
                           .n_chunks = 2,
                           .balance = 0.5,
                           .bytes = s->split_q.bytes + s->split_k.bytes + s->split_v.bytes};
    s->split_qkv.rows_per_chunk = (s->split_qkv.rows + 1) / 2;
    atomic_init(&s->qkv_shared_rows, 0);
    atomic_init(&s->qkv_shared_claimed, 0);
    atomic_init(&s->middle, 0);
#ifndef __EMSCRIPTEN__ /* (whose getenv would pull the environment into the module) */
    /* For the tests: cut every job in two halves at this share of its rows (0.05-0.95) instead
     * of where the threads' speeds put it, so that a cut's every position can be checked. */
    const char *cut = getenv("NANO_TEST_CUT");
    if (cut && nt == 2) {
        double share = atof(cut);
        if (share >= 0.05 && share <= 0.95) {
            Split *splits[] = {&s->split_q,   &s->split_k,  &s->split_v,   &s->split_o,
                               &s->split_ffn, &s->split_w2, &s->split_cls, &s->split_qkv};
            for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++)
                splits[i]->balance = share;
            s->fixed_cuts = 1;
        }
    }
    /* For the tests: the kernels' prefetch pinned "on" or "off", with no steps spent measuring
     * it, so that both can be checked to give the same bits. */
    const char *prefetch = getenv("NANO_TEST_PREFETCH");
    if (prefetch && (strcmp(prefetch, "on") == 0 || strcmp(prefetch, "off") == 0)) {
        s->prefetch_ahead = strcmp(prefetch, "on") == 0;
        s->tune_steps = TUNE_STEPS;
    }
    /* For the tests: run_split runs its two halves one after the other on the caller, the top
     * half first ("top-first": it takes every block of the middle, from the top) or the bottom
     * half first ("bottom-first"), so each way of taking the middle can be checked. */
    const char *halves = getenv("NANO_TEST_HALVES");
    if (halves && nt == 2) {
        if (strcmp(halves, "top-first") == 0) s->serial_halves = 1;
        if (strcmp(halves, "bottom-first") == 0) s->serial_halves = 2;
    }
#endif
    const NanoMatrix *qkv[3] = {&m->wq[0], &m->wk[0], &m->wv[0]};
    for (int i = 0; i < 3; i++)
        if (qkv[i]->packed_rows > 0 && s->head_dim % 16 != 0) s->fuse_attention = 0;
    for (int t = 0; t < 2; t++) {
        atomic_init(&s->warm_at[t], NULL);
        atomic_init(&s->warm_bytes[t], 0);
    }
    if (nt == 2) nano_pool_set_idle(s->pool, warm_idle, s);
    *out = s;
    return NANO_OK;
}

/* Forget the KV cache: the next token goes to position 0. */
void nano_session_reset(NanoSession *s) {
    if (!s) return;
    s->pos = 0;
    s->has_logits = 0;
    s->observed = 0;
}

int nano_session_prefetch_ahead(const NanoSession *s) {
    if (!s || !kernels_can_prefetch_ahead() || s->tune_steps < TUNE_STEPS) return -1;
    return s->prefetch_ahead;
}

int nano_session_pos(const NanoSession *s) {
    return s ? s->pos : 0;
}

/* Attach (or detach, with NULL) a LoRA module made for this session's model. */
int nano_session_set_lora(NanoSession *s, const NanoLora *lora) {
    if (!s) return NANO_E_ARG;
    if (!lora) {
        s->lora = NULL;
        return NANO_OK;
    }
    const NanoConfig *bc = &lora->base->cfg;
    if (lora->base != s->m &&
        (bc->n_layer != s->n_layer || bc->n_embd != s->n_embd || bc->n_head != s->n_head ||
         bc->n_kv_head != s->n_kv_head || bc->n_hidden != s->n_hidden))
        return NANO_E_MISMATCH;
    int expect_in[4] = {s->n_embd, s->n_embd, s->n_embd, s->q_dim};
    int expect_out[4] = {s->q_dim, s->kv_dim, s->kv_dim, s->n_embd};
    for (int p = 0; p < 4; p++)
        if (lora->in_features[p] != expect_in[p] || lora->out_features[p] != expect_out[p])
            return NANO_E_MISMATCH;
    if (lora->rank < 1) return NANO_E_MISMATCH;
    if (lora->rank > s->lora_rank_cap) {
        size_t bytes = bytes_of(4, BATCH, (uint64_t)lora->rank, 4);
        float *u = bytes ? alloc_zeroed(bytes) : NULL;
        if (!u) return NANO_E_NOMEM;
        free(s->lora_u);
        s->lora_u = u;
        s->lora_rank_cap = lora->rank;
    }
    s->lora = lora;
    return NANO_OK;
}

/* Which setting of the prefetch the n steps timed with each favour: 0 off, 1 on, -1 not yet.
 * A clear winner, every step of one setting at least 1/8 faster than every step of the other,
 * decides at once: one slow step (another process, an interrupt) rarely opens such a gap between
 * all of them, and where the setting matters most, 1 thread, it is 20-30 %, so there the
 * measuring ends after 4 steps instead of 16 (its slower steps had cost 64-token benchmarks
 * ~4 % of their decode speed: Q8_0, 1 thread, +4 % alternated). Otherwise, at the last step,
 * each setting's fastest step decides: interference only ever adds time. (The median, with a
 * 3 % lead required of off, chose on in runs where off was 4 % faster, F32 at 2 threads.) */
static int prefetch_verdict(const long long *off_ns, const long long *on_ns, int n, int last) {
    long long off_min = off_ns[0], off_max = off_ns[0], on_min = on_ns[0], on_max = on_ns[0];
    for (int i = 1; i < n; i++) {
        off_min = off_ns[i] < off_min ? off_ns[i] : off_min;
        off_max = off_ns[i] > off_max ? off_ns[i] : off_max;
        on_min = on_ns[i] < on_min ? on_ns[i] : on_min;
        on_max = on_ns[i] > on_max ? on_ns[i] : on_max;
    }
    if (off_max < on_min - on_min / 8) return 0;
    if (on_max < off_min - off_min / 8) return 1;
    if (!last) return -1;
    return on_min < off_min;
}

static int token_ok(const NanoSession *s, int32_t t) {
    return t >= 0 && t < s->vocab;
}

/* Run one token at the current position; returns the logits or NULL on a bad argument.
 * A session's first decode steps also decide whether the kernels prefetch ahead (kernels.h):
 * off and on by turns, each step timed, every 4 steps weighed (prefetch_verdict), for at most
 * TUNE_STEPS steps. On a 2-core AMD EPYC VM whose one thread streamed 20-23 GB/s through the
 * kernels against a probe's 30, turning it off made Q8_0 decode 27-31 % faster at 1 thread and
 * 5-15 % at 2, F32 15-20 % at 1 (alternated runs, off throughout); on the same kind of VM
 * earlier, it had let Q8_0 at 1 thread read beyond the probe. The steps' results do not depend
 * on it. */
const float *nano_step(NanoSession *s, int32_t token) {
    if (!s || !token_ok(s, token) || s->pos >= s->block) return NULL;
    if (s->tune_steps >= TUNE_STEPS) {
        kernels_set_prefetch_ahead(s->prefetch_ahead);
        forward_causal(s, &token, 1);
        return s->logits;
    }
    /* off, on, on, off, ...: each setting as often early as late, as attention grows */
    int on = (s->tune_steps + 1) / 2 % 2;
    kernels_set_prefetch_ahead(on);
    long long t0 = nano_clock_ns();
    forward_causal(s, &token, 1);
    s->tune_ns[on][s->tune_steps / 2] = nano_clock_ns() - t0;
    if (++s->tune_steps % 4 == 0) {
        int verdict = prefetch_verdict(s->tune_ns[0], s->tune_ns[1], s->tune_steps / 2,
                                       s->tune_steps == TUNE_STEPS);
        if (verdict >= 0) s->prefetch_ahead = verdict, s->tune_steps = TUNE_STEPS;
    }
    return s->logits;
}

/* Run n tokens from the current position; returns the last token's logits or NULL. */
const float *nano_prefill(NanoSession *s, const int32_t *tokens, int n) {
    if (!s || !tokens || n < 1 || n > s->block - s->pos) return NULL;
    for (int i = 0; i < n; i++)
        if (!token_ok(s, tokens[i])) return NULL;
    kernels_set_prefetch_ahead(s->prefetch_ahead);
    forward_causal(s, tokens, n);
    return s->logits;
}

/* Non-causal models: block_size tokens in, the argmax of every position's logits out. The
 * first call grows the span buffers to block_size rows (kept for later calls). */
int nano_seq2seq(NanoSession *s, const int32_t *tokens, int n, int32_t *out_ids) {
    if (!s || !tokens || !out_ids || n != s->block) return NANO_E_ARG;
    for (int i = 0; i < n; i++)
        if (!token_ok(s, tokens[i])) return NANO_E_ARG;
    if (s->span_cap < s->block) {
        size_t xb = bytes_of((uint64_t)s->block, (uint64_t)s->n_embd, 1, 4);
        size_t qb = bytes_of((uint64_t)s->block, (uint64_t)s->q_dim, 1, 4);
        float *x = xb ? alloc_zeroed(xb) : NULL, *q = qb ? alloc_zeroed(qb) : NULL;
        if (!x || !q) {
            free(x);
            free(q);
            return NANO_E_NOMEM;
        }
        free(s->x);
        free(s->q);
        s->x = x, s->q = q, s->span_cap = s->block;
    }
    kernels_set_prefetch_ahead(s->prefetch_ahead);
    run_span(s, tokens, n, 0, 0, 1);
    for (int i = 0; i < n; i++) {
        classify(s, s->x + (size_t)i * s->n_embd);
        int32_t best = 0; /* lowest id wins ties */
        for (int32_t v = 1; v < s->vocab; v++)
            if (s->logits[v] > s->logits[best]) best = v;
        out_ids[i] = best;
    }
    s->pos = 0; /* the cache holds bidirectional keys: useless for causal decoding */
    return NANO_OK;
}

/* Turn observation on or off; buffers are allocated the first time they are needed. */
void nano_session_observe(NanoSession *s, int flags) {
    if (!s) return;
    flags &= NANO_OBSERVE_ATTENTION | NANO_OBSERVE_RESIDUAL;
    if ((flags & NANO_OBSERVE_ATTENTION) && !s->obs_attention) {
        size_t bytes = bytes_of((uint64_t)s->n_layer, (uint64_t)s->n_head, (uint64_t)s->block, 4);
        s->obs_attention = bytes ? alloc_zeroed(bytes) : NULL;
        if (!s->obs_attention) flags &= ~NANO_OBSERVE_ATTENTION;
    }
    if ((flags & NANO_OBSERVE_RESIDUAL) && !s->obs_residual) {
        size_t bytes = bytes_of((uint64_t)s->n_layer + 1, (uint64_t)s->n_embd, 1, 4);
        s->obs_residual = bytes ? alloc_zeroed(bytes) : NULL;
        if (!s->obs_residual) flags &= ~NANO_OBSERVE_RESIDUAL;
    }
    if (flags != s->observe) s->observed = 0;
    s->observe = flags;
}

/* Attention weights of `layer` for the last observed token (n_head rows, stride block_size). */
const float *nano_observed_attention(const NanoSession *s, int layer, int *n_positions) {
    if (n_positions) *n_positions = 0;
    if (!s || !(s->observe & NANO_OBSERVE_ATTENTION) || !s->observed) return NULL;
    if (layer < 0 || layer >= s->n_layer) return NULL;
    if (n_positions) *n_positions = s->observed_positions;
    return s->obs_attention + (size_t)layer * s->n_head * s->block;
}

/* Residual stream of the last observed token after `index` layers (0 = the embedding). */
const float *nano_observed_residual(const NanoSession *s, int index) {
    if (!s || !(s->observe & NANO_OBSERVE_RESIDUAL) || !s->observed) return NULL;
    if (index < 0 || index > s->n_layer) return NULL;
    return s->obs_residual + (size_t)index * s->n_embd;
}

void nano_session_profile(NanoSession *s, int on) {
    if (!s) return;
    if (on) { /* from zero; off keeps the counts for nano_session_profile_get */
        s->passes = s->pass_ns = 0;
        memset(s->attention_ns, 0, (size_t)s->n_threads * LINE * sizeof(long long));
    }
    nano_pool_profile(s->pool, on);
    s->profiling = on != 0;
}

void nano_session_profile_get(const NanoSession *s, NanoProfile *out) {
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!s) return;
    NanoPoolProfile pool;
    nano_pool_profile_get(s->pool, &pool);
    out->passes = s->passes, out->pass_ns = s->pass_ns;
    out->jobs = pool.jobs, out->job_ns = pool.job_ns;
    out->start_lag_ns = pool.start_lag_ns, out->end_gap_ns = pool.end_gap_ns;
    for (int t = 0; t < NANO_PROFILE_THREADS && t < NANO_POOL_PROFILE_THREADS; t++)
        out->busy_ns[t] = pool.busy_ns[t];
    for (int t = 0; t < s->n_threads; t++)
        out->attention_ns[t < NANO_PROFILE_THREADS ? t : NANO_PROFILE_THREADS - 1] +=
            s->attention_ns[LINE * t];
}

/* Logits of the last step, prefill or seq2seq position (NULL before the first). */
const float *nano_session_logits(const NanoSession *s) {
    return s && s->has_logits ? s->logits : NULL;
}
