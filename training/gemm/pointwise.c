/* pointwise.c — row-wise pieces of the model as one kernel each way, for the tfjs wasm backend:
 * RMSNorm, the cross-entropy of logits against targets, and the AdamW update. Written with tf
 * ops each is 4–12 small kernels forward and as many backward, each a pass over memory and a trip
 * through tfjs's bookkeeping. The math is the composite forms' (model.ts, optim.ts), which the
 * other backends still run; model.test.ts compares the two.
 *
 * Not here: SwiGLU's gate. Fused the same way it was no faster (measured in one process,
 * alternating steps: 181 ms a step without it, 185 with): each call copies three or five
 * 1.5 MB arrays through the JS boundary, as much memory traffic as tfjs's own three kernels.
 *
 * Loops over a row's elements are written so that clang vectorizes them (no reductions in
 * float); exp is tiles.h's vectorized one. Reductions accumulate in double.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gemm.h"
#include "tiles.h"

/* Each row's 1 / √(mean(x²) + eps). */
static float inverse_rms(const float *x, int width, float eps) {
    double sum = 0;
    for (int j = 0; j < width; j++) sum += (double)x[j] * x[j];
    return (float)(1.0 / sqrt(sum / width + eps));
}

/* y = x / √(mean(x²) + eps) · w over rows of `width`. */
EXPORT int nano_rmsnorm_forward(const float *x, const float *w, float *y, int rows, int width,
                                float eps) {
    if (rows < 0 || width < 1) return -1;
    for (int row = 0; row < rows; row++) {
        const float *xr = x + (size_t)row * width;
        float *yr = y + (size_t)row * width;
        const float r = inverse_rms(xr, width, eps);
        for (int j = 0; j < width; j++) yr[j] = xr[j] * r * w[j];
    }
    return 0;
}

/* With g = dy·w and r the row's inverse RMS: dx = r·g − x·r³·(g·x)/width (r depends on every x
 * of its row), and dw = Σ over rows of dy·x·r. */
EXPORT int nano_rmsnorm_backward(const float *dy, const float *x, const float *w, float *dx,
                                 float *dw, int rows, int width, float eps) {
    if (rows < 0 || width < 1) return -1;
    memset(dw, 0, sizeof(float) * (size_t)width);
    for (int row = 0; row < rows; row++) {
        const float *xr = x + (size_t)row * width, *dyr = dy + (size_t)row * width;
        float *dxr = dx + (size_t)row * width;
        const float r = inverse_rms(xr, width, eps);
        double gx = 0;
        for (int j = 0; j < width; j++) gx += (double)dyr[j] * w[j] * xr[j];
        const float k = (float)((double)r * r * r * gx / width);
        for (int j = 0; j < width; j++) {
            dxr[j] = r * dyr[j] * w[j] - xr[j] * k;
            dw[j] += dyr[j] * xr[j] * r;
        }
    }
    return 0;
}

/* log Σ exp(row) from the row's maximum, so nothing overflows; `scratch` takes width floats. */
static double log_sum_exp(const float *row, int width, float *scratch) {
    float max = row[0];
    for (int j = 1; j < width; j++) max = row[j] > max ? row[j] : max;
    exp_shifted(row, scratch, width, max);
    double sum = 0;
    for (int j = 0; j < width; j++) sum += scratch[j];
    return max + log(sum);
}

/* A target id carried as a float (exact below 2^24); -1 if it is not one of the width classes. */
static int target_class(float t, int width) {
    return t >= 0 && t < width && t == (float)(int)t ? (int)t : -1;
}

/* nll[row] = −log softmax(logits[row])[target[row]], logits rows × width, targets as floats.
 * Returns -1 (nll untouched past the bad row) for a target outside [0, width). */
EXPORT int nano_cross_entropy_forward(const float *logits, const float *targets, float *nll,
                                      float *scratch, int rows, int width) {
    if (rows < 0 || width < 1) return -1;
    for (int row = 0; row < rows; row++) {
        const float *l = logits + (size_t)row * width;
        const int t = target_class(targets[row], width);
        if (t < 0) return -1;
        nll[row] = (float)(log_sum_exp(l, width, scratch) - l[t]);
    }
    return 0;
}

/* d logits = dnll · (softmax(logits) − onehot(target)), row by row. */
EXPORT int nano_cross_entropy_backward(const float *dnll, const float *logits, const float *targets,
                                       float *dlogits, float *scratch, int rows, int width) {
    if (rows < 0 || width < 1) return -1;
    for (int row = 0; row < rows; row++) {
        const float *l = logits + (size_t)row * width;
        float *d = dlogits + (size_t)row * width;
        const int t = target_class(targets[row], width);
        if (t < 0) return -1;
        const float lse = (float)log_sum_exp(l, width, scratch);
        exp_shifted(l, d, width, lse);
        const float scale = dnll[row];
        for (int j = 0; j < width; j++) d[j] *= scale;
        d[t] -= scale;
    }
    return 0;
}

/* One AdamW step over n parameters (optim.ts's AdamW.step, the composite's order of operations):
 * m' = β1·m + c1·g; v' = β2·v + c2·g²; p' = p·decay − (lr / bc1)·m' / (√v' / √bc2 + ε), with
 * c1 = 1 − β1 and c2 = 1 − β2 as the caller rounded them (in double, then to float, as tfjs). */
EXPORT int nano_adamw(const float *p, const float *m, const float *v, const float *g, float *p_out,
                      float *m_out, float *v_out, int n, float beta1, float c1, float beta2,
                      float c2, float eps, float decay, float step_size,
                      float sqrt_bias_correction2) {
    if (n < 0) return -1;
    for (int i = 0; i < n; i++) {
        const float mi = m[i] * beta1 + g[i] * c1;
        const float vi = v[i] * beta2 + g[i] * g[i] * c2;
        m_out[i] = mi;
        v_out[i] = vi;
        const float denominator = sqrtf(vi) / sqrt_bias_correction2 + eps;
        p_out[i] = (decay == 1.0f ? p[i] : p[i] * decay) - mi / denominator * step_size;
    }
    return 0;
}
