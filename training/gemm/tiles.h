/* tiles.h — the building blocks of training's matrix products (gemm.c), attention (attention.c)
 * and fused elementwise kernels (pointwise.c): operands packed into strips and panels, the
 * micro-kernel that multiplies a strip by a panel, and a vectorized exp, on WebAssembly SIMD128
 * (plain C loops elsewhere, for the sanitizer build).
 *
 * op(A) (m × k) is packed into strips of MR rows, each k steps of MR floats; op(B) (k × n) into
 * panels of NR columns, each k steps of NR floats; zeros pad the last strip and panel. Packing is
 * where a transposed operand is read in its stored order.
 */
#ifndef NANO_TILES_H
#define NANO_TILES_H

#include <math.h>
#include <stddef.h>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

enum {
    MR = 4, /* rows of a micro-kernel tile */
    NR = 8, /* columns of a micro-kernel tile: two f32x4 vectors */
};

static inline int min_int(int a, int b) {
    return a < b ? a : b;
}
static inline int max_int(int a, int b) {
    return a > b ? a : b;
}

/* Pack panel `panel` of op(B) (columns panel*NR .. +NR; B stored k × n, or n × k when
 * transpose_b) into dst: k rows of NR floats. */
static inline void pack_panel(const float *b, int transpose_b, int k, int n, int panel,
                              float *dst) {
    const int j0 = panel * NR, cols = min_int(NR, n - j0);
    if (!transpose_b) {
        for (int p = 0; p < k; p++, dst += NR) {
            const float *row = b + (size_t)p * n + j0;
            int j = 0;
            for (; j < cols; j++) dst[j] = row[j];
            for (; j < NR; j++) dst[j] = 0.0f;
        }
    } else { /* column j of op(B) is row j of the storage */
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

/* Pack strip `strip` of op(A) (rows strip*MR .. +MR; A stored m × k, or k × m when transpose_a)
 * into dst: k steps of MR floats. */
static inline void pack_strip(const float *a, int transpose_a, int m, int k, int strip,
                              float *dst) {
    const int i0 = strip * MR, rows = min_int(MR, m - i0);
    if (!transpose_a) {
        for (int r = 0; r < MR; r++) {
            if (r < rows) {
                const float *row = a + (size_t)(i0 + r) * k;
                for (int p = 0; p < k; p++) dst[(size_t)p * MR + r] = row[p];
            } else {
                for (int p = 0; p < k; p++) dst[(size_t)p * MR + r] = 0.0f;
            }
        }
    } else { /* step p of rows i0.. is a[p][i0 ..], MR adjacent floats */
        for (int p = 0; p < k; p++, dst += MR) {
            const float *src = a + (size_t)p * m + i0;
            int r = 0;
            for (; r < rows; r++) dst[r] = src[r];
            for (; r < MR; r++) dst[r] = 0.0f;
        }
    }
}

/* c (rows × cols of an ldc-wide matrix) = or += the product of a packed strip and panel. */
static inline void micro_kernel(int kc, const float *a_strip, const float *b_panel, float *c,
                                int ldc, int rows, int cols, int accumulate) {
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

/* exp of four floats: e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln 2 / 2, e^r by Cephes'
 * expf polynomial (≈ 1 ulp), 2^n built in two halves so that n = 128 stays finite. Below −87.3
 * (where the result would be denormal) it gives 0 exactly, which a masked score's softmax
 * relies on; above ln(FLT_MAX), infinity; NaN stays NaN. */
#ifdef __wasm_simd128__
static inline v128_t exp_f32x4(v128_t x) {
    const v128_t hi = wasm_f32x4_splat(88.72283905206835f), lo = wasm_f32x4_splat(-87.33654f);
    const v128_t underflow = wasm_f32x4_lt(x, lo), overflow = wasm_f32x4_gt(x, hi);
    x = wasm_f32x4_max(wasm_f32x4_min(x, hi), lo);
    const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
    v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
    v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
    p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, wasm_f32x4_mul(r, r)), r),
                       wasm_f32x4_splat(1.0f));
    const v128_t n_int = wasm_i32x4_trunc_sat_f32x4(n);
    const v128_t half = wasm_i32x4_shr(n_int, 1), rest = wasm_i32x4_sub(n_int, half);
    const v128_t bias = wasm_i32x4_splat(127);
    p = wasm_f32x4_mul(p, wasm_i32x4_shl(wasm_i32x4_add(half, bias), 23));
    p = wasm_f32x4_mul(p, wasm_i32x4_shl(wasm_i32x4_add(rest, bias), 23));
    p = wasm_v128_bitselect(wasm_f32x4_splat(INFINITY), p, overflow);
    return wasm_v128_andnot(p, underflow);
}
#endif

/* y[i] = exp(x[i] - shift) for i < n (x and y may be the same array). */
static inline void exp_shifted(const float *x, float *y, int n, float shift) {
    int i = 0;
#ifdef __wasm_simd128__
    const v128_t s = wasm_f32x4_splat(shift);
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(y + i, exp_f32x4(wasm_f32x4_sub(wasm_v128_load(x + i), s)));
    if (i < n) {
        float tail[4] = {0};
        for (int j = i; j < n; j++) tail[j - i] = x[j] - shift;
        float out[4];
        wasm_v128_store(out, exp_f32x4(wasm_v128_load(tail)));
        for (int j = i; j < n; j++) y[j] = out[j - i];
    }
#else
    for (; i < n; i++) y[i] = expf(x[i] - shift);
#endif
}

#endif /* NANO_TILES_H */
