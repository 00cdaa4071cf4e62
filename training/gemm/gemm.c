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
 *   - B is packed once per call into panels of NR columns, each k × NR contiguous floats, with
 *     zeros past the last column; packing is where transpose_b is undone.
 *   - Each chunk of work (a batch item, MC rows, a group of column panels) packs its rows of A,
 *     KC columns of k at a time, into MR-row strips, k-major (transpose_a is undone here), into
 *     its thread's scratch.
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
    MR = 4,   /* rows of a micro-kernel tile */
    NR = 8,   /* columns of a micro-kernel tile: two f32x4 vectors */
    KC = 512, /* steps of k per packed block of A (4 × 512 floats = 8 KiB per strip) */
    MC = 64,  /* rows of A per chunk of work */
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
    float *b_packed; /* (batch or 1) × n_panels × k × NR */
} Product;

typedef struct {
    NanoPool *pool;
    int threads;
    float *a_scratch[MAX_THREADS]; /* per thread: (MC rounded up to MR) × KC floats */
    float *b_packed;
    size_t b_capacity; /* floats */
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

/* Pack rows [i0, i0 + rows) and steps [p0, p0 + kc) of op(A) as strips of MR rows, each kc
 * steps of MR floats, the last strip zero-padded. */
static void pack_a_block(const Product *pr, int item, float *dst, int i0, int rows, int p0,
                         int kc) {
    const float *a = a_matrix(pr, item);
    const int m = pr->m, k = pr->k;
    for (int s = 0; s < rows; s += MR) {
        const int strip_rows = min_int(MR, rows - s);
        if (!pr->transpose_a) {
            for (int r = 0; r < MR; r++) {
                if (r < strip_rows) {
                    const float *row = a + (size_t)(i0 + s + r) * k + p0;
                    for (int p = 0; p < kc; p++) dst[p * MR + r] = row[p];
                } else {
                    for (int p = 0; p < kc; p++) dst[p * MR + r] = 0.0f;
                }
            }
        } else { /* A is stored k × m: step p of row i is a[p][i], MR adjacent rows together */
            for (int p = 0; p < kc; p++) {
                const float *src = a + (size_t)(p0 + p) * m + i0 + s;
                int r = 0;
                for (; r < strip_rows; r++) dst[p * MR + r] = src[r];
                for (; r < MR; r++) dst[p * MR + r] = 0.0f;
            }
        }
        dst += (size_t)MR * kc;
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

/* Pool job 1: pack B, one chunk per (batch item, panel) of the items that have their own B. */
static void pack_b_job(void *ctx, int chunk, int thread) {
    (void)thread;
    const Product *pr = ctx;
    pack_b_panel(pr, chunk / pr->n_panels, chunk % pr->n_panels);
}

/* Pool job 2: one chunk per (batch item, block of MC rows, group of column panels). */
static void multiply_job(void *ctx, int chunk, int thread) {
    const Product *pr = ctx;
    const int group = chunk % pr->col_groups;
    const int block = chunk / pr->col_groups % pr->row_blocks;
    const int item = chunk / pr->col_groups / pr->row_blocks;
    const int i0 = block * MC, rows = min_int(MC, pr->m - i0);
    const int first_panel = group * pr->panels_per_group;
    const int last_panel = min_int(pr->n_panels, first_panel + pr->panels_per_group);
    float *a_packed = gemm_state.a_scratch[thread];
    float *c = pr->c + (size_t)item * pr->m * pr->n + (size_t)i0 * pr->n;
    const float *panels = b_panels(pr, item);
    for (int p0 = 0; p0 < pr->k; p0 += KC) {
        const int kc = min_int(KC, pr->k - p0);
        pack_a_block(pr, item, a_packed, i0, rows, p0, kc);
        for (int panel = first_panel; panel < last_panel; panel++) {
            const float *b_panel = panels + ((size_t)panel * pr->k + p0) * NR;
            const int j0 = panel * NR, cols = min_int(NR, pr->n - j0);
            for (int s = 0; s < rows; s += MR) {
                micro_kernel(kc, a_packed + (size_t)s * kc, b_panel, c + (size_t)s * pr->n + j0,
                             pr->n, min_int(MR, rows - s), cols, p0 > 0);
            }
        }
    }
}

/* Start the pool: `threads` threads share each product (the caller is one). 0 on success, -1
 * when memory or threads ran out. Calling it again replaces the pool. */
EXPORT int nano_gemm_init(int threads) {
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    nano_pool_free(gemm_state.pool);
    gemm_state.pool = NULL;
    for (int t = 0; t < MAX_THREADS; t++) {
        free(gemm_state.a_scratch[t]);
        gemm_state.a_scratch[t] = NULL;
    }
    for (int t = 0; t < threads; t++) {
        gemm_state.a_scratch[t] = aligned_alloc(16, sizeof(float) * (MC + MR) * KC);
        if (!gemm_state.a_scratch[t]) return -1;
    }
    gemm_state.pool = nano_pool_new(threads);
    if (!gemm_state.pool) return -1;
    gemm_state.threads = threads;
    return 0;
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
    const int b_items = pr.b_broadcast ? 1 : batch;
    const size_t b_floats = (size_t)b_items * pr.n_panels * k * NR;
    if (b_floats > gemm_state.b_capacity) {
        float *grown = aligned_alloc(16, sizeof(float) * b_floats);
        if (!grown) return -1;
        free(gemm_state.b_packed);
        gemm_state.b_packed = grown;
        gemm_state.b_capacity = b_floats;
    }
    pr.b_packed = gemm_state.b_packed;
    /* Enough chunks for every thread to get several (a descheduled thread's share is then
     * small), splitting columns when rows are few, but keeping groups of ≥ 4 panels so that
     * re-packing A per group stays cheap. */
    const int want = 4 * gemm_state.threads;
    while ((long)batch * pr.row_blocks * pr.col_groups < want &&
           pr.n_panels / (2 * pr.col_groups) >= 4)
        pr.col_groups *= 2;
    while ((long)batch * pr.row_blocks * pr.col_groups > MAX_CHUNKS && pr.col_groups > 1)
        pr.col_groups /= 2;
    pr.panels_per_group = (pr.n_panels + pr.col_groups - 1) / pr.col_groups;
    const long b_chunks = (long)b_items * pr.n_panels;
    const long chunks = (long)batch * pr.row_blocks * pr.col_groups;
    if (b_chunks <= MAX_CHUNKS && chunks <= MAX_CHUNKS) {
        nano_pool_run(gemm_state.pool, pack_b_job, &pr, (int)b_chunks);
        nano_pool_run(gemm_state.pool, multiply_job, &pr, (int)chunks);
    } else { /* a huge batch: same work, run on the caller alone */
        for (long i = 0; i < b_chunks; i++) pack_b_job(&pr, (int)i, 0);
        for (long i = 0; i < chunks; i++) multiply_job(&pr, (int)i, 0);
    }
    return 0;
}

EXPORT int nano_gemm_threads(void) {
    return gemm_state.threads;
}
