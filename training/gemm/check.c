/* check.c — gemm.c and attention.c built natively (their plain-C paths) under AddressSanitizer
 * and UBSan, checked against float64 loops on shapes that hit every edge of the tiling: partial
 * strips and panels, several k blocks, batches with broadcast operands, causal masks with group
 * stacks whose length is no multiple of a tile. The WebAssembly build's SIMD paths are checked
 * against the same definitions by training/test/kernels.test.ts and model.test.ts; this program
 * is for the indexing both builds share. Covers gemm.c, attention.c and pointwise.c. Built by `make
 * -C engine-c gemm-check`; prints "gemm-check: ok" or exits 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gemm.h"

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static float random_float(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng_state >> 40) / (double)(1 << 24)) * 2.0f - 1.0f;
}

static float *random_array(size_t n) {
    float *a = malloc(sizeof(float) * (n ? n : 1));
    if (!a) exit(2);
    for (size_t i = 0; i < n; i++) a[i] = random_float();
    return a;
}

static int failures = 0;

static void expect_close(const char *what, const float *got, const double *want, size_t n,
                         double tolerance) {
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(got[i] - want[i]) <= tolerance * (1 + fabs(want[i])))) {
            fprintf(stderr, "gemm-check: %s[%zu] = %g, expected %g\n", what, i, got[i], want[i]);
            failures++;
            return;
        }
    }
}

static void check_product(int batch, int a_broadcast, int b_broadcast, int m, int k, int n, int ta,
                          int tb) {
    const size_t a_n = (size_t)(a_broadcast ? 1 : batch) * m * k;
    const size_t b_n = (size_t)(b_broadcast ? 1 : batch) * k * n;
    float *a = random_array(a_n), *b = random_array(b_n), *c = random_array((size_t)batch * m * n);
    double *want = calloc((size_t)batch * m * n + 1, sizeof(double));
    if (!want) exit(2);
    for (int it = 0; it < batch; it++) {
        const float *ai = a + (a_broadcast ? 0 : (size_t)it * m * k);
        const float *bi = b + (b_broadcast ? 0 : (size_t)it * k * n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++)
                    sum += (double)(ta ? ai[(size_t)p * m + i] : ai[(size_t)i * k + p]) *
                           (tb ? bi[(size_t)j * k + p] : bi[(size_t)p * n + j]);
                want[((size_t)it * m + i) * n + j] = sum;
            }
    }
    if (nano_gemm(a, b, c, batch, a_broadcast, b_broadcast, m, k, n, ta, tb) != 0) {
        fprintf(stderr, "gemm-check: nano_gemm failed for %d×%d×%d×%d\n", batch, m, k, n);
        failures++;
    } else {
        expect_close("gemm", c, want, (size_t)batch * m * n, 1e-5 * (1 + sqrt(k)));
    }
    free(a), free(b), free(c), free(want);
}

static void check_attention(int items, int rows, int T, int hd, int causal) {
    const size_t qn = (size_t)items * rows * hd, kn = (size_t)items * T * hd;
    const size_t pn = (size_t)items * rows * T;
    float *q = random_array(qn), *k = random_array(kn), *v = random_array(kn);
    float *dout = random_array(qn), *out = random_array(qn), *probs = random_array(pn);
    float *dq = random_array(qn), *dk = random_array(kn), *dv = random_array(kn);
    double *w_out = calloc(qn, sizeof(double)), *w_dq = calloc(qn, sizeof(double));
    double *w_dk = calloc(kn, sizeof(double)), *w_dv = calloc(kn, sizeof(double));
    double *p = calloc((size_t)T, sizeof(double)), *ds = calloc((size_t)T, sizeof(double));
    if (!w_out || !w_dq || !w_dk || !w_dv || !p || !ds) exit(2);
    for (int it = 0; it < items; it++) {
        const size_t qo = (size_t)it * rows * hd, ko = (size_t)it * T * hd;
        for (int r = 0; r < rows; r++) {
            const int seen = causal ? r % T + 1 : T;
            double max = -INFINITY, sum = 0, row_dot = 0;
            for (int j = 0; j < seen; j++) {
                double dot = 0;
                for (int d = 0; d < hd; d++) dot += (double)q[qo + r * hd + d] * k[ko + j * hd + d];
                p[j] = dot;
                max = fmax(max, dot);
            }
            for (int j = 0; j < seen; j++) sum += (p[j] = exp(p[j] - max));
            for (int j = 0; j < seen; j++) {
                p[j] /= sum;
                double dp = 0;
                for (int d = 0; d < hd; d++) {
                    w_out[qo + r * hd + d] += p[j] * v[ko + j * hd + d];
                    dp += (double)dout[qo + r * hd + d] * v[ko + j * hd + d];
                }
                ds[j] = dp;
                row_dot += dp * p[j];
            }
            for (int j = 0; j < seen; j++) {
                const double dsj = p[j] * (ds[j] - row_dot);
                for (int d = 0; d < hd; d++) {
                    w_dv[ko + j * hd + d] += p[j] * dout[qo + r * hd + d];
                    w_dq[qo + r * hd + d] += dsj * k[ko + j * hd + d];
                    w_dk[ko + j * hd + d] += dsj * q[qo + r * hd + d];
                }
            }
        }
    }
    if (nano_attention_forward(q, k, v, out, probs, items, rows, T, hd, causal) != 0 ||
        nano_attention_backward(dout, q, k, v, probs, dq, dk, dv, items, rows, T, hd, causal) !=
            0) {
        fprintf(stderr, "gemm-check: attention failed for %d×%d×%d×%d\n", items, rows, T, hd);
        failures++;
    } else {
        expect_close("attention out", out, w_out, qn, 1e-5);
        expect_close("attention dq", dq, w_dq, qn, 1e-5);
        expect_close("attention dk", dk, w_dk, kn, 1e-5);
        expect_close("attention dv", dv, w_dv, kn, 1e-5);
    }
    free(q), free(k), free(v), free(dout), free(out), free(probs), free(dq), free(dk), free(dv);
    free(w_out), free(w_dq), free(w_dk), free(w_dv), free(p), free(ds);
}

static void check_pointwise(int rows, int width) {
    const size_t n = (size_t)rows * width;
    float *x = random_array(n), *w = random_array((size_t)width), *dy = random_array(n);
    float *y = random_array(n), *dx = random_array(n), *dw = random_array((size_t)width);
    float *targets = random_array((size_t)rows), *nll = random_array((size_t)rows);
    float *scratch = random_array((size_t)width), *dnll = random_array((size_t)rows);
    double *want = calloc(n + (size_t)width + 1, sizeof(double)), *want_dw = want + n;
    if (!want) exit(2);
    /* RMSNorm forward and backward */
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * width, *dyr = dy + (size_t)r * width;
        double ss = 0;
        for (int j = 0; j < width; j++) ss += (double)xr[j] * xr[j];
        const double inv = 1 / sqrt(ss / width + 1e-5);
        for (int j = 0; j < width; j++) {
            want[(size_t)r * width + j] = xr[j] * inv * w[j];
            want_dw[j] += (double)dyr[j] * xr[j] * inv;
        }
    }
    if (nano_rmsnorm_forward(x, w, y, rows, width, 1e-5f) != 0) failures++;
    expect_close("rmsnorm", y, want, n, 1e-5);
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * width, *dyr = dy + (size_t)r * width;
        double ss = 0, gx = 0;
        for (int j = 0; j < width; j++) ss += (double)xr[j] * xr[j];
        const double inv = 1 / sqrt(ss / width + 1e-5);
        for (int j = 0; j < width; j++) gx += (double)dyr[j] * w[j] * xr[j];
        for (int j = 0; j < width; j++)
            want[(size_t)r * width + j] =
                inv * dyr[j] * w[j] - xr[j] * inv * inv * inv * gx / width;
    }
    if (nano_rmsnorm_backward(dy, x, w, dx, dw, rows, width, 1e-5f) != 0) failures++;
    expect_close("rmsnorm dx", dx, want, n, 1e-4);
    expect_close("rmsnorm dw", dw, want_dw, (size_t)width, 1e-4);
    /* cross-entropy forward and backward, targets as floats */
    for (int r = 0; r < rows; r++) targets[r] = (float)((r * 7) % width);
    for (int r = 0; r < rows; r++) {
        const float *l = x + (size_t)r * width;
        double max = l[0], sum = 0;
        for (int j = 1; j < width; j++) max = fmax(max, l[j]);
        for (int j = 0; j < width; j++) sum += exp(l[j] - max);
        const double lse = max + log(sum);
        want[r] = lse - l[(int)targets[r]];
    }
    if (nano_cross_entropy_forward(x, targets, nll, scratch, rows, width) != 0) failures++;
    expect_close("cross-entropy", nll, want, (size_t)rows, 1e-5);
    for (int r = 0; r < rows; r++) {
        const float *l = x + (size_t)r * width;
        double max = l[0], sum = 0;
        for (int j = 1; j < width; j++) max = fmax(max, l[j]);
        for (int j = 0; j < width; j++) sum += exp(l[j] - max);
        for (int j = 0; j < width; j++)
            want[(size_t)r * width + j] =
                dnll[r] * (exp(l[j] - max) / sum - (j == (int)targets[r] ? 1 : 0));
    }
    if (nano_cross_entropy_backward(dnll, x, targets, dx, scratch, rows, width) != 0) failures++;
    expect_close("cross-entropy dlogits", dx, want, n, 1e-5);
    targets[rows - 1] = (float)width; /* out of range: refused */
    if (nano_cross_entropy_forward(x, targets, nll, scratch, rows, width) != -1) {
        fprintf(stderr, "gemm-check: a target out of range was accepted\n");
        failures++;
    }
    /* AdamW: p, m, v, g are x, y, |dy|, w-sized slices reused */
    float *v = random_array(n), *p_out = random_array(n), *m_out = random_array(n);
    float *v_out = random_array(n);
    for (size_t i = 0; i < n; i++) v[i] = fabsf(v[i]);
    if (nano_adamw(x, y, v, dy, p_out, m_out, v_out, (int)n, 0.9f, 0.1f, 0.999f, 0.001f, 1e-8f,
                   0.999f, 0.01f, 0.5f) != 0)
        failures++;
    for (size_t i = 0; i < n; i++) {
        const double m = 0.9 * y[i] + 0.1 * dy[i], vv = 0.999 * v[i] + 0.001 * dy[i] * dy[i];
        want[i] = x[i] * 0.999 - m / (sqrt(vv) / 0.5 + 1e-8) * 0.01;
    }
    expect_close("adamw p", p_out, want, n, 1e-4);
    free(x), free(w), free(dy), free(y), free(dx), free(dw), free(targets), free(nll);
    free(scratch), free(dnll), free(want), free(v), free(p_out), free(m_out), free(v_out);
}

int main(void) {
    for (int threads = 1; threads <= 3; threads++) {
        if (nano_gemm_init(threads) != 0) return 2;
        check_product(1, 0, 0, 1, 1, 1, 0, 0);
        check_product(1, 0, 0, 67, 513, 23, 0, 0);
        check_product(1, 0, 0, 130, 1100, 40, 1, 0);
        check_product(1, 0, 0, 33, 70, 129, 0, 1);
        check_product(3, 0, 0, 29, 45, 31, 1, 1);
        check_product(5, 1, 0, 16, 32, 24, 0, 0);
        check_product(5, 0, 1, 16, 32, 24, 0, 1);
        check_product(2, 0, 0, 7, 0, 5, 0, 0);
        check_attention(3, 14, 7, 6, 1);
        check_attention(3, 14, 7, 6, 0);
        check_attention(2, 64, 32, 16, 1);
        check_attention(5, 9, 9, 33, 1);
    }
    check_pointwise(1, 1);
    check_pointwise(7, 5);
    check_pointwise(33, 130);
    /* bad arguments are refused, not run */
    float x[4] = {0};
    if (nano_gemm(x, x, x, -1, 0, 0, 1, 1, 1, 0, 0) != -1 ||
        nano_attention_forward(x, x, x, x, x, 1, 3, 2, 1, 1) != -1 ||
        nano_rope(x, x, x, x, 1, 1, 1, 3, 0) != -1) {
        fprintf(stderr, "gemm-check: bad arguments were accepted\n");
        failures++;
    }
    if (failures) return 1;
    printf("gemm-check: ok\n");
    return 0;
}
