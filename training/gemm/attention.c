/* attention.c — the model's attention core as one call each way, for the tfjs wasm backend:
 *
 *   forward:  S = Q·Kᵀ, P = softmax(S) (causal: row r sees keys 0..pos(r)), O = P·V
 *   backward: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS·K, dK = dSᵀ·Q
 *
 * Written with tf ops this is two batched products and a softmax forward and eleven kernels
 * backward, each copying its operands through the JS boundary; here it is one call, products
 * from the same strips, panels and micro-kernel as gemm.c (tiles.h), and the causal mask used to
 * skip work instead of adding −1e9 and multiplying by zeros: about half of every product is
 * above the diagonal.
 *
 * Shapes, as the model lays them out (model.ts): `items` independent (batch × kv-head) slices.
 * Q is items × rows × hd with rows = group·T: the query heads sharing a kv head stacked along
 * time, so row r is at position pos(r) = r mod T. K and V are items × T × hd. The 1/√hd scale
 * is already in Q. P is returned by the forward pass and handed back to the backward pass.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "tiles.h"

/* How the causal mask limits a product (see item_product). */
typedef enum {
    FULL,         /* no mask */
    QUERY_BY_KEY, /* m = query rows, n = keys: row r needs columns 0..pos(r) (S, dP) */
    QUERY_SUM,    /* m = query rows, k = keys: row r sums steps 0..pos(r) (O, dQ) */
    KEY_SUM,      /* m = keys, k = query rows: key j sums rows with pos ≥ j (dV, dK) */
} Mask;

/* Largest position among rows r0 .. r0 + count of a rows-long stack of T-position groups. */
static int strip_max_pos(int r0, int count, int rows, int T) {
    int best = 0;
    for (int r = r0; r < r0 + count && r < rows; r++) best = max_int(best, r % T);
    return best;
}

/* c (m × n, row-major) = op(a)·op(b) on the calling thread, packing into a_pack and b_pack (room
 * for every strip and panel), skipping what `mask` makes zero. With QUERY_BY_KEY, entries past a
 * row's position may be left unwritten; the caller masks them. */
static void item_product(const float *a, int transpose_a, const float *b, int transpose_b, float *c,
                         int m, int k, int n, Mask mask, int T, float *a_pack, float *b_pack) {
    const int strips = (m + MR - 1) / MR, panels = (n + NR - 1) / NR;
    for (int s = 0; s < strips; s++)
        pack_strip(a, transpose_a, m, k, s, a_pack + (size_t)s * k * MR);
    for (int panel = 0; panel < panels; panel++)
        pack_panel(b, transpose_b, k, n, panel, b_pack + (size_t)panel * k * NR);
    for (int s = 0; s < strips; s++) {
        const int r0 = s * MR, rows = min_int(MR, m - r0);
        const float *strip = a_pack + (size_t)s * k * MR;
        float *c_rows = c + (size_t)r0 * n;
        int last_panel = panels, steps = k;
        if (mask == QUERY_BY_KEY) last_panel = strip_max_pos(r0, rows, m, T) / NR + 1;
        if (mask == QUERY_SUM) steps = strip_max_pos(r0, rows, m, T) + 1;
        for (int panel = 0; panel < min_int(last_panel, panels); panel++) {
            const float *b_panel = b_pack + (size_t)panel * k * NR;
            const int j0 = panel * NR, cols = min_int(NR, n - j0);
            if (mask != KEY_SUM) {
                micro_kernel(steps, strip, b_panel, c_rows + j0, n, rows, cols, 0);
                continue;
            }
            /* keys r0..: the query rows at positions ≥ r0, in each group of T rows */
            for (int g0 = 0; g0 < k; g0 += T) {
                const int p0 = g0 + r0;
                micro_kernel(g0 + T - p0, strip + (size_t)p0 * MR, b_panel + (size_t)p0 * NR,
                             c_rows + j0, n, rows, cols, g0 > 0);
            }
        }
    }
}

/* Per thread: packed strips and panels for the largest product, and a rows × T matrix. */
typedef struct {
    float *a_pack, *b_pack, *scores;
    size_t a_capacity, b_capacity, scores_capacity;
} Scratch;

static Scratch scratch[MAX_THREADS];

typedef struct {
    const float *q, *k, *v, *dout, *probs;
    float *out, *p_out, *dq, *dk, *dv;
    int rows, T, hd, causal;
    int first_item; /* items of this pool job start here (a job counts at most 4096 chunks) */
} Attention;

/* Room in every thread's scratch for one item's products; 0, or -1 without memory. */
static int reserve_scratch(int threads, int rows, int T, int hd) {
    const int most = max_int(max_int(rows, T), hd);
    const size_t a_floats = (size_t)(max_int(rows, T) + MR) * most;
    const size_t b_floats = (size_t)(max_int(T, hd) + NR) * most;
    for (int t = 0; t < threads; t++) {
        Scratch *s = &scratch[t];
        if (gemm_reserve(&s->a_pack, &s->a_capacity, a_floats) != 0 ||
            gemm_reserve(&s->b_pack, &s->b_capacity, b_floats) != 0 ||
            gemm_reserve(&s->scores, &s->scores_capacity, (size_t)rows * T) != 0)
            return -1;
    }
    return 0;
}

/* Positions of row r that it attends to: 0 .. visible(r) - 1. */
static inline int visible(const Attention *at, int r) {
    return at->causal ? r % at->T + 1 : at->T;
}

static void forward_item(void *ctx, int chunk, int thread) {
    const Attention *at = ctx;
    const int item = at->first_item + chunk;
    const Scratch *s = &scratch[thread];
    const int rows = at->rows, T = at->T, hd = at->hd;
    const float *q = at->q + (size_t)item * rows * hd;
    const float *k = at->k + (size_t)item * T * hd;
    const float *v = at->v + (size_t)item * T * hd;
    float *p = at->p_out + (size_t)item * rows * T;
    /* S = Q·Kᵀ straight into P's rows, then each row's softmax over what it sees, zeros after */
    item_product(q, 0, k, 1, p, rows, hd, T, at->causal ? QUERY_BY_KEY : FULL, T, s->a_pack,
                 s->b_pack);
    for (int r = 0; r < rows; r++) {
        float *row = p + (size_t)r * T;
        const int n = visible(at, r);
        float max = row[0];
        for (int j = 1; j < n; j++) max = row[j] > max ? row[j] : max;
        exp_shifted(row, row, n, max);
        double sum = 0;
        for (int j = 0; j < n; j++) sum += row[j];
        const float inverse = (float)(1.0 / sum);
        for (int j = 0; j < n; j++) row[j] *= inverse;
        memset(row + n, 0, sizeof(float) * (size_t)(T - n));
    }
    item_product(p, 0, v, 0, at->out + (size_t)item * rows * hd, rows, T, hd,
                 at->causal ? QUERY_SUM : FULL, T, s->a_pack, s->b_pack);
}

static void backward_item(void *ctx, int chunk, int thread) {
    const Attention *at = ctx;
    const int item = at->first_item + chunk;
    const Scratch *s = &scratch[thread];
    const int rows = at->rows, T = at->T, hd = at->hd;
    const size_t q_at = (size_t)item * rows * hd, kv_at = (size_t)item * T * hd;
    const float *p = at->probs + (size_t)item * rows * T;
    float *ds = s->scores;
    item_product(p, 1, at->dout + q_at, 0, at->dv + kv_at, T, rows, hd, at->causal ? KEY_SUM : FULL,
                 T, s->a_pack, s->b_pack);
    item_product(at->dout + q_at, 0, at->v + kv_at, 1, ds, rows, hd, T,
                 at->causal ? QUERY_BY_KEY : FULL, T, s->a_pack, s->b_pack);
    for (int r = 0; r < rows; r++) {
        const float *p_row = p + (size_t)r * T;
        float *row = ds + (size_t)r * T;
        const int n = visible(at, r);
        double dot = 0;
        for (int j = 0; j < n; j++) dot += (double)row[j] * p_row[j];
        for (int j = 0; j < n; j++) row[j] = p_row[j] * (row[j] - (float)dot);
        memset(row + n, 0, sizeof(float) * (size_t)(T - n));
    }
    item_product(ds, 0, at->k + kv_at, 0, at->dq + q_at, rows, T, hd, at->causal ? QUERY_SUM : FULL,
                 T, s->a_pack, s->b_pack);
    item_product(ds, 1, at->q + q_at, 0, at->dk + kv_at, T, rows, hd, at->causal ? KEY_SUM : FULL,
                 T, s->a_pack, s->b_pack);
}

static int check_shape(int items, int rows, int T, int hd) {
    if (items < 0 || rows < 1 || T < 1 || hd < 1 || rows % T != 0) return -1;
    if ((int64_t)rows * T > INT32_MAX / 4 || (int64_t)items * rows * T > INT32_MAX / 4) return -1;
    return 0;
}

/* Run fn for every item on the pool (per-item scratch is per thread). */
static int run_items(void (*fn)(void *, int, int), Attention *at, int items) {
    NanoPool *pool = gemm_pool();
    if (!pool) return -1;
    const int threads = nano_gemm_threads();
    if (reserve_scratch(threads, at->rows, at->T, at->hd) != 0) return -1;
    for (at->first_item = 0; at->first_item < items; at->first_item += 4096)
        nano_pool_run(pool, fn, at, min_int(4096, items - at->first_item));
    return 0;
}

/* out = softmax(Q·Kᵀ [causal]) · V and probs = the softmax, per item (see the top). Returns 0, or
 * -1 for bad shapes (rows must be a multiple of T), no pool, or no memory. */
EXPORT int nano_attention_forward(const float *q, const float *k, const float *v, float *out,
                                  float *probs, int items, int rows, int T, int hd, int causal) {
    if (check_shape(items, rows, T, hd) != 0) return -1;
    Attention at = {.q = q, .k = k, .v = v, .out = out, .p_out = probs};
    at.rows = rows, at.T = T, at.hd = hd, at.causal = causal;
    return run_items(forward_item, &at, items);
}

/* dq, dk, dv from dout and the forward pass's inputs and probs. Returns 0 or -1 as above. */
EXPORT int nano_attention_backward(const float *dout, const float *q, const float *k,
                                   const float *v, const float *probs, float *dq, float *dk,
                                   float *dv, int items, int rows, int T, int hd, int causal) {
    if (check_shape(items, rows, T, hd) != 0) return -1;
    Attention at = {.q = q, .k = k, .v = v, .dout = dout, .probs = probs};
    at.dq = dq, at.dk = dk, at.dv = dv;
    at.rows = rows, at.T = T, at.hd = hd, at.causal = causal;
    return run_items(backward_item, &at, items);
}

/* RoPE on adjacent pairs (NANO-FORMAT.md §6) of x, (batch, T, heads, hd): the pair (a, b) of
 * position t becomes (a·cos − b·sin, a·sin + b·cos), or with `inverse` the rotation back, (a·cos
 * + b·sin, −a·sin + b·cos), which is also the forward rotation's gradient. cos and sin are the
 * tables with each value repeated for its pair, (T, hd). The same products and sums, in the same
 * order, as the model's composite form x·cos + swap(x)·sin, so the results are bit-identical. */
EXPORT int nano_rope(const float *x, const float *cos, const float *sin, float *out, int batch,
                     int T, int heads, int hd, int inverse) {
    if (batch < 0 || T < 0 || heads < 0 || hd < 0 || hd % 2 != 0) return -1;
    const float sign = inverse ? -1.0f : 1.0f;
    for (int b = 0; b < batch; b++) {
        for (int t = 0; t < T; t++) {
            const float *c = cos + (size_t)t * hd, *s = sin + (size_t)t * hd;
            for (int h = 0; h < heads; h++) {
                const size_t at = (((size_t)b * T + t) * heads + h) * hd;
                const float *in = x + at;
                float *o = out + at;
                for (int i = 0; i < hd; i += 2) {
                    const float a = in[i], bb = in[i + 1], sn = sign * s[i];
                    o[i] = a * c[i] + -bb * sn;
                    o[i + 1] = a * sn + bb * c[i + 1];
                }
            }
        }
    }
    return 0;
}

typedef struct {
    const float *x;
    float *y;
    int n;
} ExpJob;

enum { EXP_CHUNK = 16384 };

static void exp_chunk(void *ctx, int chunk, int thread) {
    (void)thread;
    const ExpJob *job = ctx;
    const int first = chunk * EXP_CHUNK, count = min_int(EXP_CHUNK, job->n - first);
    exp_shifted(job->x + first, job->y + first, count, 0.0f);
}

/* y = exp(x) for n floats, on the pool. Returns 0, or -1 for n < 0 or no pool. */
EXPORT int nano_exp(const float *x, float *y, int n) {
    NanoPool *pool = gemm_pool();
    if (n < 0 || !pool) return -1;
    ExpJob job = {x, y, n};
    const int chunks = (n + EXP_CHUNK - 1) / EXP_CHUNK;
    if (chunks > 0 && chunks <= 4096)
        nano_pool_run(pool, exp_chunk, &job, chunks);
    else
        for (int c = 0; c < chunks; c++) exp_chunk(&job, c, 0);
    return 0;
}
