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

#include "gemm.h"
#include "tiles.h"

enum {
    KC = 512,          /* steps of k per block (8 KiB of a strip, 16 KiB of a panel) */
    MC = 64,           /* rows of A per chunk of work */
    PACK_STRIPS = 16,  /* strips of A per packing chunk */
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
        for (int strip = first; strip < last; strip++)
            pack_strip(a_matrix(pr, item), pr->transpose_a, pr->m, pr->k, strip,
                       a_strips(pr, item) + (size_t)strip * pr->k * MR);
        return;
    }
    chunk -= a_chunks;
    const int item = chunk / pr->n_panels, panel = chunk % pr->n_panels;
    pack_panel(b_matrix(pr, item), pr->transpose_b, pr->k, pr->n, panel,
               b_panels(pr, item) + (size_t)panel * pr->k * NR);
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

int gemm_reserve(float **buffer, size_t *capacity, size_t floats) {
    if (floats <= *capacity) return 0;
    /* C11's aligned_alloc wants a size that is a multiple of the alignment */
    float *grown = aligned_alloc(16, (sizeof(float) * floats + 15) / 16 * 16);
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
    if (gemm_reserve(&gemm_state.a_packed, &gemm_state.a_capacity,
                     (size_t)a_items * pr.n_strips * k * MR) != 0 ||
        gemm_reserve(&gemm_state.b_packed, &gemm_state.b_capacity,
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

NanoPool *gemm_pool(void) {
    return gemm_state.pool;
}
