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
/* y = exp(x), elementwise; see attention.c. */
int nano_exp(const float *x, float *y, int n);

/* The pool the module's work runs on (NULL before nano_gemm_init). */
NanoPool *gemm_pool(void);
/* Grow *buffer to hold `floats` floats; 0, or -1 without memory (the old buffer is kept). */
int gemm_reserve(float **buffer, size_t *capacity, size_t floats);

#endif /* NANO_GEMM_H */
