/* gemm.c — the matrix products of training, for the tfjs wasm backend: C = op(A) · op(B), f32,
 * batched, on WebAssembly SIMD128 and a thread pool. Built by engine-c/wasm/build.sh into
 * training/gemm/nano-gemm.{mjs,wasm,worker.js}; training/src/kernels/gemm.ts registers it as the
 * backend's BatchMatMul.
 *
 * Why our own: tfjs's XNNPACK build reaches ≈15 GFLOP/s per thread on the training step's shapes,
 * its transposed products are 6–20× slower still, and in Node it runs on one thread. This one
 * reaches 40–49 GFLOP/s on one thread and 75–90 on two (training/bench/README.md).
 *
 * The method is the usual one for a cache-blocked GEMM (Goto, BLIS), cut down to what these
 * shapes need:
 *   - Both operands are packed once per call, by all threads together: B into panels of NR
 *     columns, each k × NR contiguous floats, A into strips of MR rows, each k × MR; zeros pad
 *     the last panel and strip. Packing is where transpose_a and transpose_b are undone.
 *   - The product is then cut into chunks (a batch item, MC rows, a group of column panels),
 *     each running over k in blocks of KC steps so that a strip's block and a panel's block stay
 *     in the first-level cache while the block's strips sweep the panel.
 *   - The micro-kernel multiplies one MR-row strip by one panel: MR × NR accumulators held in
 *     registers across the KC steps, each step one broadcast load of A per row and NR/4 vector
 *     loads of B. MR × NR = 4 × 8 (8 accumulators) measured fastest under V8 by a wide margin:
 *     6 × 8, 8 × 8, 4 × 12 and 3 × 16 all ran at 23–28 GFLOP/s against 4 × 8's 44–49, the
 *     larger tiles spilling registers in V8's code.
 * WebAssembly SIMD128 has no fused multiply-add (relaxed SIMD is not in Node 20), so each step
 * is a multiply and an add; summation order differs from a naive loop, not the result's
 * accuracy.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine-c/src/threads.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#define EXPORT EMSCRIPTEN_KEEPALIVE
#else
#define EXPORT
#endif

enum {
    MR = 4,           /* rows of a micro-kernel tile */
    NR = 8,           /* columns of a micro-kernel tile: two f32x4 vectors */
    KC = 512,         /* steps of k per block (8 KiB of a strip, 16 KiB of a panel) */
    MC = 64,          /* rows of A per chunk of work */
    PACK_STRIPS = 16, /* strips of A per packing chunk */
    MAX_THREADS = 16,
    MAX_CHUNKS = 4096, /* the pool counts chunks in 16 bits; stay well below */
};

typedef struct {
    const float *a, *b;
    float *c;
    int batch, a_broadcast, b_broadcast;
    int m, k, n, transpose_a, transpose_b;
    int n_panels;   /* ceil(n / NR) */
    int row_blocks; /* ceil(m / MC) */
    int col_groups; /* column panels are split into this many groups per chunk */
    int panels_per_group;
    int n_strips;      /* ceil(m / MR) */
    int a_pack_chunks; /* packing chunks of A per batch item */
    float *a_packed;   /* (batch or 1) × n_strips × k × MR */
    float *b_packed;   /* (batch or 1) × n_panels × k × NR */
} Product;

typedef struct {
    NanoPool *pool;
    int threads;
    float *a_packed, *b_packed;
    size_t a_capacity, b_capacity; /* floats */
} Gemm;

static Gemm gemm_state;

static inline int min_int(int a, int b) {
    return a < b ? a : b;
}

/* A's element (row i, step p) of batch item `item`, honouring transpose_a. */
static inline const float *a_matrix(const Product *pr, int item) {
    return pr->a + (pr->a_broadcast ? 0 : (size_t)item * pr->m * pr->k);
}
static inline const float *b_matrix(const Product *pr, int item) {
    return pr->b + (pr->b_broadcast ? 0 : (size_t)item * pr->k * pr->n);
}
static inline float *b_panels(const Product *pr, int item) {
    return pr->b_packed + (pr->b_broadcast ? 0 : (size_t)item * pr->n_panels * pr->k * NR);
}
static inline float *a_strips(const Product *pr, int item) {
    return pr->a_packed + (pr->a_broadcast ? 0 : (size_t)item * pr->n_strips * pr->k * MR);
}

/* Pack panel `panel` of B (columns panel*NR .. +NR) as k rows of NR floats, zero-padded. */
static void pack_b_panel(const Product *pr, int item, int panel) {
    const float *b = b_matrix(pr, item);
    float *dst = b_panels(pr, item) + (size_t)panel * pr->k * NR;
    const int j0 = panel * NR, cols = min_int(NR, pr->n - j0), k = pr->k, n = pr->n;
    if (!pr->transpose_b) {
        for (int p = 0; p < k; p++, dst += NR) {
            const float *row = b + (size_t)p * n + j0;
            int j = 0;
            for (; j < cols; j++) dst[j] = row[j];
            for (; j < NR; j++) dst[j] = 0.0f;
        }
    } else { /* B is stored n × k: column j of op(B) is row j of the storage */
        for (int j = 0; j < NR; j++) {
            if (j < cols) {
                const float *col = b + (size_t)(j0 + j) * k;
                for (int p = 0; p < k; p++) dst[(size_t)p * NR + j] = col[p];
            } else {
                for (int p = 0; p < k; p++) dst[(size_t)p * NR + j] = 0.0f;
            }
        }
    }
}

/* Pack strip `strip` of A (rows strip*MR .. +MR of op(A)) as k steps of MR floats,
 * zero-padded. */
static void pack_a_strip(const Product *pr, int item, int strip) {
    const float *a = a_matrix(pr, item);
    float *dst = a_strips(pr, item) + (size_t)strip * pr->k * MR;
    const int i0 = strip * MR, rows = min_int(MR, pr->m - i0), m = pr->m, k = pr->k;
    if (!pr->transpose_a) {
        for (int r = 0; r < MR; r++) {
            if (r < rows) {
                const float *row = a + (size_t)(i0 + r) * k;
                for (int p = 0; p < k; p++) dst[(size_t)p * MR + r] = row[p];
            } else {
                for (int p = 0; p < k; p++) dst[(size_t)p * MR + r] = 0.0f;
            }
        }
    } else { /* A is stored k × m: step p of rows i0.. is a[p][i0 ..], MR adjacent floats */
        for (int p = 0; p < k; p++, dst += MR) {
            const float *src = a + (size_t)p * m + i0;
            int r = 0;
            for (; r < rows; r++) dst[r] = src[r];
            for (; r < MR; r++) dst[r] = 0.0f;
        }
    }
}

/* c (rows × cols of an ldc-wide matrix) = or += the product of a packed strip and panel. */
static void micro_kernel(int kc, const float *a_strip, const float *b_panel, float *c, int ldc,
                         int rows, int cols, int accumulate) {
#ifdef __wasm_simd128__
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int p = 0; p < kc; p++, a_strip += MR, b_panel += NR) {
        const v128_t b0 = wasm_v128_load(b_panel), b1 = wasm_v128_load(b_panel + 4);
        v128_t a = wasm_v128_load32_splat(a_strip);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a, b0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a, b1));
        a = wasm_v128_load32_splat(a_strip + 1);
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a, b1));
        a = wasm_v128_load32_splat(a_strip + 2);
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a, b1));
        a = wasm_v128_load32_splat(a_strip + 3);
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a, b1));
    }
    float tile[MR * NR];
    wasm_v128_store(tile + 0, c00), wasm_v128_store(tile + 4, c01);
    wasm_v128_store(tile + 8, c10), wasm_v128_store(tile + 12, c11);
    wasm_v128_store(tile + 16, c20), wasm_v128_store(tile + 20, c21);
    wasm_v128_store(tile + 24, c30), wasm_v128_store(tile + 28, c31);
#else
    float tile[MR * NR] = {0};
    for (int p = 0; p < kc; p++, a_strip += MR, b_panel += NR)
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++) tile[r * NR + j] += a_strip[r] * b_panel[j];
#endif
    if (rows == MR && cols == NR) {
        for (int r = 0; r < MR; r++) {
            float *row = c + (size_t)r * ldc;
#ifdef __wasm_simd128__
            v128_t lo = wasm_v128_load(tile + r * NR), hi = wasm_v128_load(tile + r * NR + 4);
            if (accumulate) {
                lo = wasm_f32x4_add(lo, wasm_v128_load(row));
                hi = wasm_f32x4_add(hi, wasm_v128_load(row + 4));
            }
            wasm_v128_store(row, lo);
            wasm_v128_store(row + 4, hi);
#else
            for (int j = 0; j < NR; j++) row[j] = (accumulate ? row[j] : 0.0f) + tile[r * NR + j];
#endif
        }
        return;
    }
    for (int r = 0; r < rows; r++) {
        float *row = c + (size_t)r * ldc;
        for (int j = 0; j < cols; j++) row[j] = (accumulate ? row[j] : 0.0f) + tile[r * NR + j];
    }
}

/* Pool job 1: pack A (chunks of PACK_STRIPS strips per batch item that has its own A) and B
 * (one chunk per panel per batch item that has its own B). */
static void pack_job(void *ctx, int chunk, int thread) {
    (void)thread;
    const Product *pr = ctx;
    const int a_items = pr->a_broadcast ? 1 : pr->batch;
    const int a_chunks = a_items * pr->a_pack_chunks;
    if (chunk < a_chunks) {
        const int item = chunk / pr->a_pack_chunks;
        const int first = chunk % pr->a_pack_chunks * PACK_STRIPS;
        const int last = min_int(pr->n_strips, first + PACK_STRIPS);
        for (int strip = first; strip < last; strip++) pack_a_strip(pr, item, strip);
        return;
    }
    chunk -= a_chunks;
    pack_b_panel(pr, chunk / pr->n_panels, chunk % pr->n_panels);
}

/* Pool job 2: one chunk per (batch item, block of MC rows, group of column panels). */
static void multiply_job(void *ctx, int chunk, int thread) {
    (void)thread;
    const Product *pr = ctx;
    const int group = chunk % pr->col_groups;
    const int block = chunk / pr->col_groups % pr->row_blocks;
    const int item = chunk / pr->col_groups / pr->row_blocks;
    const int i0 = block * MC, rows = min_int(MC, pr->m - i0);
    const int first_panel = group * pr->panels_per_group;
    const int last_panel = min_int(pr->n_panels, first_panel + pr->panels_per_group);
    const int k = pr->k;
    const float *strips = a_strips(pr, item) + (size_t)i0 * k; /* i0 is a multiple of MR */
    const float *panels = b_panels(pr, item);
    float *c = pr->c + (size_t)item * pr->m * pr->n + (size_t)i0 * pr->n;
    for (int p0 = 0; p0 < k; p0 += KC) {
        const int kc = min_int(KC, k - p0);
        for (int panel = first_panel; panel < last_panel; panel++) {
            const float *b_panel = panels + ((size_t)panel * k + p0) * NR;
            const int j0 = panel * NR, cols = min_int(NR, pr->n - j0);
            for (int s = 0; s < rows; s += MR) {
                micro_kernel(kc, strips + (size_t)s * k + (size_t)p0 * MR, b_panel,
                             c + (size_t)s * pr->n + j0, pr->n, min_int(MR, rows - s), cols,
                             p0 > 0);
            }
        }
    }
}

/* Grow *buffer to hold `floats` floats; 0, or -1 without memory (the old buffer is kept). */
static int reserve(float **buffer, size_t *capacity, size_t floats) {
    if (floats <= *capacity) return 0;
    float *grown = aligned_alloc(16, sizeof(float) * floats);
    if (!grown) return -1;
    free(*buffer);
    *buffer = grown;
    *capacity = floats;
    return 0;
}

/* Start the pool: `threads` threads share each product (the caller is one). 0 on success, -1
 * when memory or threads ran out. Calling it again replaces the pool. */
EXPORT int nano_gemm_init(int threads) {
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    nano_pool_free(gemm_state.pool);
    gemm_state.pool = nano_pool_new(threads);
    gemm_state.threads = gemm_state.pool ? threads : 0;
    return gemm_state.pool ? 0 : -1;
}

/* c[i] = op(a[i]) · op(b[i]) for each of `batch` items, row-major f32. op(a) is m × k (a is
 * stored k × m when transpose_a), op(b) is k × n (stored n × k when transpose_b), c is m × n.
 * a_broadcast / b_broadcast: that operand is one matrix used for every item. Returns 0, or -1
 * for bad arguments, no pool (nano_gemm_init not called) or no memory; c is then untouched. */
EXPORT int nano_gemm(const float *a, const float *b, float *c, int batch, int a_broadcast,
                     int b_broadcast, int m, int k, int n, int transpose_a, int transpose_b) {
    if (!gemm_state.pool || batch < 0 || m < 0 || k < 0 || n < 0) return -1;
    if (batch == 0 || m == 0 || n == 0) return 0;
    if (k == 0) {
        memset(c, 0, sizeof(float) * (size_t)batch * m * n);
        return 0;
    }
    Product pr = {
        .a = a,
        .b = b,
        .c = c,
        .batch = batch,
        .a_broadcast = a_broadcast || batch == 1,
        .b_broadcast = b_broadcast || batch == 1,
        .m = m,
        .k = k,
        .n = n,
        .transpose_a = transpose_a,
        .transpose_b = transpose_b,
        .n_panels = (n + NR - 1) / NR,
        .row_blocks = (m + MC - 1) / MC,
        .col_groups = 1,
    };
    pr.n_strips = (m + MR - 1) / MR;
    pr.a_pack_chunks = (pr.n_strips + PACK_STRIPS - 1) / PACK_STRIPS;
    const int a_items = pr.a_broadcast ? 1 : batch, b_items = pr.b_broadcast ? 1 : batch;
    if (reserve(&gemm_state.a_packed, &gemm_state.a_capacity,
                (size_t)a_items * pr.n_strips * k * MR) != 0 ||
        reserve(&gemm_state.b_packed, &gemm_state.b_capacity,
                (size_t)b_items * pr.n_panels * k * NR) != 0)
        return -1;
    pr.a_packed = gemm_state.a_packed;
    pr.b_packed = gemm_state.b_packed;
    /* Enough chunks for every thread to get several (a descheduled thread's share is then
     * small), splitting columns when rows are few, in groups of ≥ 4 panels. */
    const int want = 4 * gemm_state.threads;
    while ((long)batch * pr.row_blocks * pr.col_groups < want &&
           pr.n_panels / (2 * pr.col_groups) >= 4)
        pr.col_groups *= 2;
    while ((long)batch * pr.row_blocks * pr.col_groups > MAX_CHUNKS && pr.col_groups > 1)
        pr.col_groups /= 2;
    pr.panels_per_group = (pr.n_panels + pr.col_groups - 1) / pr.col_groups;
    const long pack_chunks = (long)a_items * pr.a_pack_chunks + (long)b_items * pr.n_panels;
    const long chunks = (long)batch * pr.row_blocks * pr.col_groups;
    if (pack_chunks <= MAX_CHUNKS && chunks <= MAX_CHUNKS) {
        nano_pool_run(gemm_state.pool, pack_job, &pr, (int)pack_chunks);
        nano_pool_run(gemm_state.pool, multiply_job, &pr, (int)chunks);
    } else { /* a huge batch: same work, run on the caller alone */
        for (long i = 0; i < pack_chunks; i++) pack_job(&pr, (int)i, 0);
        for (long i = 0; i < chunks; i++) multiply_job(&pr, (int)i, 0);
    }
    return 0;
}

EXPORT int nano_gemm_threads(void) {
    return gemm_state.threads;
}
