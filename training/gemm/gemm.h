/* gemm.h — what training's WebAssembly module exports (gemm.c: matrix products; attention.c:
 * attention and exp), and the pieces its two files share. */
#ifndef NANO_GEMM_H
#define NANO_GEMM_H

#include <stddef.h>

#include "../../engine-c/src/threads.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#define EXPORT EMSCRIPTEN_KEEPALIVE
#else
#define EXPORT
#endif

enum { MAX_THREADS = 16 };

/* Start (or restart) the pool with `threads` threads, the caller included; 0, or -1. */
int nano_gemm_init(int threads);
int nano_gemm_threads(void);
/* c[i] = op(a[i]) · op(b[i]) for `batch` items; see gemm.c. */
int nano_gemm(const float *a, const float *b, float *c, int batch, int a_broadcast, int b_broadcast,
              int m, int k, int n, int transpose_a, int transpose_b);
/* Attention of grouped queries over keys and values, and its gradient; see attention.c. */
int nano_attention_forward(const float *q, const float *k, const float *v, float *out, float *probs,
                           int items, int rows, int T, int hd, int causal);
int nano_attention_backward(const float *dout, const float *q, const float *k, const float *v,
                            const float *probs, float *dq, float *dk, float *dv, int items,
                            int rows, int T, int hd, int causal);
/* RoPE on adjacent pairs, or its inverse; see attention.c. */
int nano_rope(const float *x, const float *cos, const float *sin, float *out, int batch, int T,
              int heads, int hd, int inverse);
/* Fused elementwise and row-wise kernels; see pointwise.c. */
int nano_rmsnorm_forward(const float *x, const float *w, float *y, int rows, int width, float eps);
int nano_rmsnorm_backward(const float *dy, const float *x, const float *w, float *dx, float *dw,
                          int rows, int width, float eps);
int nano_cross_entropy_forward(const float *logits, const float *targets, float *nll,
                               float *scratch, int rows, int width);
int nano_cross_entropy_backward(const float *dnll, const float *logits, const float *targets,
                                float *dlogits, float *scratch, int rows, int width);
int nano_adamw(const float *p, const float *m, const float *v, const float *g, float *p_out,
               float *m_out, float *v_out, int n, float beta1, float c1, float beta2, float c2,
               float eps, float decay, float step_size, float sqrt_bias_correction2);
/* y = exp(x), elementwise; see attention.c. */
int nano_exp(const float *x, float *y, int n);

/* The pool the module's work runs on (NULL before nano_gemm_init). */
NanoPool *gemm_pool(void);
/* Grow *buffer to hold `floats` floats; 0, or -1 without memory (the old buffer is kept). */
int gemm_reserve(float **buffer, size_t *capacity, size_t floats);

#endif /* NANO_GEMM_H */
