/* kernels.c — the hot loops declared in kernels.h: plain C that defines each result, and the
 * x86 (AVX2, AVX-512, VNNI) and WebAssembly SIMD128 versions that compute exactly the same thing.
 *
 * Decode is memory-bound: every weight is read once per token, so for one token the matrix
 * kernels read the rows as one sequential stream with software prefetch, aiming to keep the
 * memory system busy rather than the arithmetic units (unaligned loads, nothing gathers).
 * Prefill is compute-bound: a tile of rows stays in L1 while every token of the batch is
 * dotted against it (the rows sharing each load of x), so weights stream from memory once
 * per batch. Both give every output the same operations in the same order.
 *
 * Q8_0 is the exception to "rows as stored": its integer dot products cost more instructions
 * per byte than f32's, enough to fall behind memory. So a model that owns its bytes has its
 * Q8_0 matrices rearranged once, at load time, into tiles of 16 rows with the rows in the
 * vector lanes (kernels_q8_pack; each build its own layout, below), which needs no horizontal
 * sums. Rows after the last whole tile, and models loaded from borrowed bytes, keep the file's
 * row-major layout and the row kernels.
 *
 * Every build computes bit-identical results: each f32 reduction has one fixed order (below),
 * products and sums are separate IEEE operations (no fused multiply-add: the x86 paths use
 * mul + add, the C is written one operation per statement and the build passes
 * -ffp-contract=off), and exp() is our own polynomial instead of the C library's. So native,
 * WebAssembly and the scalar fallback produce the same logits, and a tiny rounding difference
 * can never flip a Q8_0 activation to the neighbouring integer in one build and not another.
 *
 * Q8_0, as the original engine (bd4sur/Nano infer/tensor.c, infer.c) does it, and we match:
 *  - activations are quantized per group of group_size with scale = max|x| / 127.0f and
 *    q = (int8)round(x / scale): a true division, and C round(), halves away from zero
 *    (not rint's halves to even);
 *  - the product sums int8·int8 exactly in int32 within a group, then adds
 *    ((float)isum * w_scale) * x_scale to a float accumulator, group after group, in order;
 *  - the embedding lookup uses the dequantized row (q · scale, in f32); the shared classifier
 *    multiplies the quantized x by the *quantized* embedding table (forward.c).
 * The original leaves an all-zero group's scale at 0 and divides by it; we emit zeros instead.
 */
#include "kernels.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__AVX2__)
#define NANO_X86 1
#include <immintrin.h>
#elif defined(__wasm_simd128__)
#define NANO_WASM 1
#include <wasm_simd128.h>
#endif

#if defined(NANO_X86)
/* kernels_set_prefetch_ahead's switch: relaxed, as the hint it is (the pool's hand-over of each
 * job orders it before the workers' kernels). */
static atomic_int prefetch_ahead_on = 1;

/* The heads attention_prefetch_alongside armed on this thread: regions[0] their keys,
 * regions[1] their values, visited head by head, keys first. */
static _Thread_local struct {
    const char *base[2];
    size_t stride[2], bytes[2]; /* in bytes */
    int n_heads;                /* 0: nothing armed */
    int head, which;            /* the next line: of this head's keys (0) or values (1), */
    size_t at;                  /* at this byte */
    uint64_t rate, owed;        /* cache lines per weight byte streamed, and lines owed: ×2^16 */
} alongside;

/* Prefetch the armed lines owed for weight_bytes more of weights streamed. */
static inline void alongside_step(size_t weight_bytes) {
    if (!alongside.n_heads) return;
    alongside.owed += alongside.rate * weight_bytes;
    for (; alongside.owed >= 65536; alongside.owed -= 65536) {
        int w = alongside.which;
        _mm_prefetch(alongside.base[w] + (size_t)alongside.head * alongside.stride[w] +
                         alongside.at,
                     _MM_HINT_T0);
        if ((alongside.at += 64) < alongside.bytes[w]) continue;
        alongside.at = 0, alongside.which = !w; /* keys, then values, then the next head */
        if (w == 1 && ++alongside.head == alongside.n_heads) {
            alongside.n_heads = 0;
            return;
        }
    }
}
#endif

int kernels_can_prefetch_ahead(void) {
#if defined(NANO_X86)
    return 1;
#else
    return 0;
#endif
}

void kernels_set_prefetch_ahead(int on) {
#if defined(NANO_X86)
    atomic_store_explicit(&prefetch_ahead_on, on != 0, memory_order_relaxed);
#else
    (void)on;
#endif
}

const char *kernels_simd_name(void) {
#if defined(NANO_X86) && defined(__AVX512F__)
    return "avx512";
#elif defined(NANO_X86)
    return "avx2";
#elif defined(NANO_WASM)
    return "wasm-simd128";
#else
    return "scalar";
#endif
}

/* ======================================================================================== */
/* F32 dot products                                                                          */
/* ======================================================================================== */

/* The order every f32 dot product follows, on every path: 16 partial sums p[l] over columns
 * j ≡ l (mod 16) of the first n - n % 16 columns, folded as p[l] + p[l+8], then + [l+4], then
 * + [l+2], then + [l+1]; then the leftover columns one by one. 16 lanes are one AVX-512
 * register, two AVX2 registers or four WASM registers. */

#if defined(NANO_X86)

/* Decode reads every weight once per token, so it is bound by memory bandwidth. Reading one
 * row after another makes a single sequential stream, and a software prefetch this far ahead
 * keeps enough lines in flight: measured ≈95% of the machine's read bandwidth, against ≈80%
 * for tiles of four interleaved rows (the hardware prefetcher follows one stream better than
 * four short ones). Prefill, which reuses each row for many tokens, uses the tiles. Some
 * machines stream faster without the prefetch ahead (kernels_set_prefetch_ahead); the start of
 * each stream is prefetched either way. */
enum { PREFETCH_BYTES = 8192 };

/* Prefetch the bytes [at, at + n) of a weight stream of `total` bytes, PREFETCH_BYTES ahead. */
static inline void prefetch_ahead(const void *base, size_t at, size_t n, size_t total) {
    if (!atomic_load_explicit(&prefetch_ahead_on, memory_order_relaxed)) return;
    for (size_t b = at + PREFETCH_BYTES; b < at + PREFETCH_BYTES + n && b < total; b += 64)
        _mm_prefetch((const char *)base + b, _MM_HINT_T0);
}

/* The first PREFETCH_BYTES of a stream, which prefetch_ahead never asks for: a decode step
 * starts dozens of short streams (each thread's rows of each matrix), and without this each
 * began with that many bytes of one-at-a-time cache misses. */
static inline void prefetch_start(const void *base, size_t total) {
    for (size_t b = 0; b < PREFETCH_BYTES && b < total; b += 64)
        _mm_prefetch((const char *)base + b, _MM_HINT_T0);
}

/* Fold 16 partial sums, lanes 0–7 in lo and 8–15 in hi, in the order above. */
static inline float fold16(__m256 lo, __m256 hi) {
    __m256 s8 = _mm256_add_ps(lo, hi);
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
    return _mm_cvtss_f32(s1);
}

#if defined(__AVX512F__)
typedef __m512 acc16; /* one register of 16 partial sums */
typedef __m512 x16;
static inline acc16 acc16_zero(void) {
    return _mm512_setzero_ps();
}
static inline acc16 acc16_muladd(acc16 acc, const float *a, x16 b) {
    return _mm512_add_ps(acc, _mm512_mul_ps(_mm512_loadu_ps(a), b));
}
static inline x16 x16_load(const float *x) {
    return _mm512_loadu_ps(x);
}
static inline float acc16_fold(acc16 acc) {
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1));
    return fold16(_mm512_castps512_ps256(acc), hi);
}
#else
typedef struct {
    __m256 lo, hi;
} acc16;
typedef struct {
    __m256 lo, hi;
} x16;
static inline acc16 acc16_zero(void) {
    return (acc16){_mm256_setzero_ps(), _mm256_setzero_ps()};
}
static inline x16 x16_load(const float *x) {
    return (x16){_mm256_loadu_ps(x), _mm256_loadu_ps(x + 8)};
}
static inline acc16 acc16_muladd(acc16 acc, const float *a, x16 b) {
    return (acc16){_mm256_add_ps(acc.lo, _mm256_mul_ps(_mm256_loadu_ps(a), b.lo)),
                   _mm256_add_ps(acc.hi, _mm256_mul_ps(_mm256_loadu_ps(a + 8), b.hi))};
}
static inline float acc16_fold(acc16 acc) {
    return fold16(acc.lo, acc.hi);
}
#endif

static inline float dot_tail(float s, const float *a, const float *b, int j, int n) {
    for (; j < n; j++) {
        float p = a[j] * b[j];
        s += p;
    }
    return s;
}

float dot_f32(const float *a, const float *b, int n) {
    int n16 = n - n % 16;
    acc16 acc = acc16_zero();
    for (int j = 0; j < n16; j += 16) acc = acc16_muladd(acc, a + j, x16_load(b + j));
    return dot_tail(acc16_fold(acc), a, b, n16, n);
}

/* Four rows against one x: each x load is shared by four rows' accumulators. */
static inline void dot4_f32(float *out, const float *w, size_t cols, const float *x, int n) {
    int n16 = n - n % 16;
    const float *w0 = w, *w1 = w + cols, *w2 = w + 2 * cols, *w3 = w + 3 * cols;
    acc16 a0 = acc16_zero(), a1 = acc16_zero(), a2 = acc16_zero(), a3 = acc16_zero();
    for (int j = 0; j < n16; j += 16) {
        x16 xv = x16_load(x + j);
        a0 = acc16_muladd(a0, w0 + j, xv);
        a1 = acc16_muladd(a1, w1 + j, xv);
        a2 = acc16_muladd(a2, w2 + j, xv);
        a3 = acc16_muladd(a3, w3 + j, xv);
    }
    out[0] = dot_tail(acc16_fold(a0), w0, x, n16, n);
    out[1] = dot_tail(acc16_fold(a1), w1, x, n16, n);
    out[2] = dot_tail(acc16_fold(a2), w2, x, n16, n);
    out[3] = dot_tail(acc16_fold(a3), w3, x, n16, n);
}

/* One token, rows one after another (decode): the same sums as dot_f32, streamed. */
static void stream_f32(float *out, const float *w, int rows, int readable_rows, int cols,
                       const float *x) {
    const size_t total = (size_t)readable_rows * cols * sizeof(float);
    const int n16 = cols - cols % 16;
    prefetch_start(w, total);
    for (int r = 0; r < rows; r++) {
        const size_t at = (size_t)r * cols;
        const float *wr = w + at;
        acc16 acc = acc16_zero();
        for (int j = 0; j < n16; j += 16) {
            prefetch_ahead(w, (at + j) * sizeof(float), 64, total);
            acc = acc16_muladd(acc, wr + j, x16_load(x + j));
        }
        out[r] = dot_tail(acc16_fold(acc), wr, x, n16, cols);
    }
}

#elif defined(NANO_WASM)

float dot_f32(const float *a, const float *b, int n) {
    int n16 = n - n % 16;
    v128_t p0 = wasm_f32x4_splat(0), p1 = p0, p2 = p0, p3 = p0; /* lanes 0-3 ... 12-15 */
    for (int j = 0; j < n16; j += 16) {
        p0 = wasm_f32x4_add(p0, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(b + j)));
        p1 = wasm_f32x4_add(p1,
                            wasm_f32x4_mul(wasm_v128_load(a + j + 4), wasm_v128_load(b + j + 4)));
        p2 = wasm_f32x4_add(p2,
                            wasm_f32x4_mul(wasm_v128_load(a + j + 8), wasm_v128_load(b + j + 8)));
        p3 = wasm_f32x4_add(p3,
                            wasm_f32x4_mul(wasm_v128_load(a + j + 12), wasm_v128_load(b + j + 12)));
    }
    v128_t s4 = wasm_f32x4_add(wasm_f32x4_add(p0, p2), wasm_f32x4_add(p1, p3));
    float s = (wasm_f32x4_extract_lane(s4, 0) + wasm_f32x4_extract_lane(s4, 2)) +
              (wasm_f32x4_extract_lane(s4, 1) + wasm_f32x4_extract_lane(s4, 3));
    for (int j = n16; j < n; j++) {
        float p = a[j] * b[j];
        s += p;
    }
    return s;
}

#else

/* The definition of that order, in plain C. */
float dot_f32(const float *a, const float *b, int n) {
    float p[16] = {0};
    int n16 = n - n % 16;
    for (int j = 0; j < n16; j += 16)
        for (int l = 0; l < 16; l++) {
            float prod = a[j + l] * b[j + l];
            p[l] += prod;
        }
    for (int w = 8; w >= 1; w /= 2)
        for (int l = 0; l < w; l++) p[l] += p[l + w];
    float s = p[0];
    for (int j = n16; j < n; j++) {
        float prod = a[j] * b[j];
        s += prod;
    }
    return s;
}

#endif

void matmul_f32(float *out, size_t out_stride, const float *w, int rows, int readable_rows,
                int cols, const float *x, size_t x_stride, int n_tokens) {
    int r = 0;
#if defined(NANO_X86)
    if (n_tokens == 1) {
        stream_f32(out, w, rows, readable_rows, cols, x);
        return;
    }
#else
    (void)readable_rows;
#endif
#if defined(NANO_X86)
    /* Row tiles outermost: the tile stays in cache while every token visits it. */
    for (; r + 4 <= rows; r += 4) {
        const float *wr = w + (size_t)r * cols;
        for (int t = 0; t < n_tokens; t++) {
            float o[4];
            dot4_f32(o, wr, (size_t)cols, x + t * x_stride, cols);
            float *dst = out + t * out_stride + r;
            dst[0] = o[0], dst[1] = o[1], dst[2] = o[2], dst[3] = o[3];
        }
    }
#endif
    for (; r < rows; r++) {
        const float *wr = w + (size_t)r * cols;
        for (int t = 0; t < n_tokens; t++)
            out[t * out_stride + r] = dot_f32(wr, x + t * x_stride, cols);
    }
}

/* ======================================================================================== */
/* Q8_0                                                                                      */
/* ======================================================================================== */

/* Exact int8 dot product. Groups divide n_embd ≤ 65536 (model.c), so |sum| ≤ 128·127·65536
 * fits int32. (The x86 AVX2 paths move the sign of x onto w, which wraps for w = -128: outside
 * the format's [-127, 127], such a weight gives a build-dependent result, never UB.) */
static inline int32_t dot_i8_scalar(const int8_t *a, const int8_t *b, int n) {
    int32_t s = 0;
    for (int k = 0; k < n; k++) s += (int32_t)a[k] * (int32_t)b[k];
    return s;
}

#if defined(NANO_X86)

/* acc += x·w over 32 int8 lanes (groups of four summed into int32 lanes). ax = |x|. VNNI's
 * dpbusd wants unsigned·signed, so the sign of x moves onto w: |x| · (sign(x)·w) = x·w. */
static inline __m256i dot32_i8(__m256i acc, __m256i ax, __m256i x, const int8_t *w) {
    __m256i sw = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)w), x);
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(acc, ax, sw);
#elif defined(__AVXVNNI__)
    return _mm256_dpbusd_avx_epi32(acc, ax, sw);
#else
    /* |x|·w pairs fit int16 (≤ 2·127·127), then pairs of those into int32 */
    __m256i p16 = _mm256_maddubs_epi16(ax, sw);
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
#endif
}

/* The four int32 totals of four accumulators, in lanes 0..3. */
static inline __m128i hsum4_i32(__m256i a, __m256i b, __m256i c, __m256i d) {
    __m256i ab = _mm256_hadd_epi32(a, b);
    __m256i cd = _mm256_hadd_epi32(c, d);
    __m256i abcd = _mm256_hadd_epi32(ab, cd);
    return _mm_add_epi32(_mm256_castsi256_si128(abcd), _mm256_extracti128_si256(abcd, 1));
}

/* Four rows of the Q8_0 product against one quantized x. */
static void dot4_q8(float *out, const int8_t *wq, const uint8_t *ws, const int8_t *xq,
                    const float *xs, int cols, int gs) {
    const size_t c = (size_t)cols, ng = (size_t)(cols / gs);
    const int8_t *w0 = wq, *w1 = wq + c, *w2 = wq + 2 * c, *w3 = wq + 3 * c;
    const uint8_t *s0 = ws, *s1 = ws + 4 * ng, *s2 = ws + 8 * ng, *s3 = ws + 12 * ng;
    const int g32 = gs - gs % 32;
    __m128 val = _mm_setzero_ps();
    for (int g = 0, j = 0; j < cols; g++, j += gs) {
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        for (int k = j; k < j + g32; k += 32) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(xq + k));
            __m256i ax = _mm256_sign_epi8(x, x);
            a0 = dot32_i8(a0, ax, x, w0 + k);
            a1 = dot32_i8(a1, ax, x, w1 + k);
            a2 = dot32_i8(a2, ax, x, w2 + k);
            a3 = dot32_i8(a3, ax, x, w3 + k);
        }
        __m128i isum = hsum4_i32(a0, a1, a2, a3);
        if (g32 < gs) {
            int k = j + g32, n = gs - g32;
            isum = _mm_add_epi32(isum, _mm_setr_epi32(dot_i8_scalar(w0 + k, xq + k, n),
                                                      dot_i8_scalar(w1 + k, xq + k, n),
                                                      dot_i8_scalar(w2 + k, xq + k, n),
                                                      dot_i8_scalar(w3 + k, xq + k, n)));
        }
        __m128 wsc = _mm_setr_ps(load_f32(s0 + 4 * (size_t)g), load_f32(s1 + 4 * (size_t)g),
                                 load_f32(s2 + 4 * (size_t)g), load_f32(s3 + 4 * (size_t)g));
        __m128 p = _mm_mul_ps(_mm_cvtepi32_ps(isum), wsc);
        p = _mm_mul_ps(p, _mm_set1_ps(xs[g]));
        val = _mm_add_ps(val, p);
    }
    _mm_storeu_ps(out, val);
}

#if defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define NANO_Q8_ZMM 1

/* Lanes 0..3: the totals of a, b, c and d (an exact integer sum, so any order will do). */
static inline __m128i hsum4_i32x16(__m512i a, __m512i b, __m512i c, __m512i d) {
    __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
    __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
    __m512i abcd = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(abcd), _mm512_extracti64x4_epi64(abcd, 1));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

/* dot4_q8 with 64-byte registers, for group sizes that are multiples of 64. dpbusd multiplies
 * unsigned by signed bytes, so each weight w is fed as the unsigned byte w + 128 (w XOR 0x80)
 * and the surplus 128·Σx is taken off up front: Σ(w + 128)·x − 128·Σx = Σ w·x, exactly, for
 * every int8 w. One load-xor and one dpbusd per 64 weights; Σx costs one dpbusd per 64 x,
 * shared by the four rows. */
static inline void dot4_q8_zmm(float *out, const int8_t *wq, const uint8_t *ws, const int8_t *xq,
                               const float *xs, int cols, int gs) {
    const size_t c = (size_t)cols, ng = (size_t)(cols / gs);
    const int8_t *w0 = wq, *w1 = wq + c, *w2 = wq + 2 * c, *w3 = wq + 3 * c;
    const uint8_t *s0 = ws, *s1 = ws + 4 * ng, *s2 = ws + 8 * ng, *s3 = ws + 12 * ng;
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    __m128 val = _mm_setzero_ps();
    for (int g = 0, j = 0; j < cols; g++, j += gs) {
        __m512i sx = _mm512_setzero_si512(); /* 128·Σx over the group */
        for (int k = j; k < j + gs; k += 64)
            sx = _mm512_dpbusd_epi32(sx, bias, _mm512_loadu_si512(xq + k));
        __m512i a0 = _mm512_sub_epi32(_mm512_setzero_si512(), sx), a1 = a0, a2 = a0, a3 = a0;
        for (int k = j; k < j + gs; k += 64) {
            __m512i x = _mm512_loadu_si512(xq + k);
            a0 = _mm512_dpbusd_epi32(a0, _mm512_xor_si512(_mm512_loadu_si512(w0 + k), bias), x);
            a1 = _mm512_dpbusd_epi32(a1, _mm512_xor_si512(_mm512_loadu_si512(w1 + k), bias), x);
            a2 = _mm512_dpbusd_epi32(a2, _mm512_xor_si512(_mm512_loadu_si512(w2 + k), bias), x);
            a3 = _mm512_dpbusd_epi32(a3, _mm512_xor_si512(_mm512_loadu_si512(w3 + k), bias), x);
        }
        __m128i isum = hsum4_i32x16(a0, a1, a2, a3);
        __m128 wsc = _mm_setr_ps(load_f32(s0 + 4 * (size_t)g), load_f32(s1 + 4 * (size_t)g),
                                 load_f32(s2 + 4 * (size_t)g), load_f32(s3 + 4 * (size_t)g));
        __m128 p = _mm_mul_ps(_mm_cvtepi32_ps(isum), wsc);
        p = _mm_mul_ps(p, _mm_set1_ps(xs[g]));
        val = _mm_add_ps(val, p);
    }
    _mm_storeu_ps(out, val);
}

enum { STREAM_Q8_MAX_GROUPS = 1024 }; /* cols ≤ 65536 and group_size ≥ 64 */

/* For matrices that are not packed (kernels_q8_pack) and rows after the last packed tile.
 * One token (decode), rows in order, four at a time as one sequential stream: the four rows of
 * a tile are adjacent in memory, and the prefetch runs ahead over the whole tile. Σx per group
 * is computed once for all rows and taken off each row's exact integer total, and the four
 * rows share each load of x and one horizontal sum per group. A row at a time, this kernel ran
 * at about 30 GB/s per core even from L2: bound by its arithmetic, below the ~31 GB/s per core
 * that two threads need to reach the memory bandwidth. Tiles measured ~1.5x faster from cache
 * and ~15% faster from memory at 1 thread. Every row gets dot4_q8_zmm's integer totals and
 * float steps, so results do not change. */
static void stream_q8_zmm(float *out, const int8_t *wq, const uint8_t *ws, int rows,
                          int readable_rows, int cols, int gs, const int8_t *xq, const float *xs) {
    const size_t ng = (size_t)(cols / gs), total = (size_t)readable_rows * cols;
    const size_t scale_total = 4 * ng * (size_t)readable_rows;
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    int32_t xsum[STREAM_Q8_MAX_GROUPS]; /* 128·Σx of each group */
    for (size_t g = 0; g < ng; g++) {
        __m512i sx = _mm512_setzero_si512();
        for (size_t k = g * gs; k < (g + 1) * gs; k += 64)
            sx = _mm512_dpbusd_epi32(sx, bias, _mm512_loadu_si512(xq + k));
        xsum[g] = _mm512_reduce_add_epi32(sx);
    }
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const size_t at = (size_t)r * cols;
        const int8_t *w0 = wq + at, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
        const uint8_t *s0 = ws + 4 * ng * r, *s1 = s0 + 4 * ng, *s2 = s1 + 4 * ng;
        const uint8_t *s3 = s2 + 4 * ng;
        prefetch_ahead(ws, 4 * ng * r, 16 * ng, scale_total);
        prefetch_ahead(wq, at, 4 * (size_t)cols, total);
        __m128 val = _mm_setzero_ps(); /* (4) the tile's four outputs */
        for (int g = 0, j = 0; j < cols; g++, j += gs) {
            __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
            for (int k = j; k < j + gs; k += 64) {
                __m512i x = _mm512_loadu_si512(xq + k);
                a0 = _mm512_dpbusd_epi32(a0, _mm512_xor_si512(_mm512_loadu_si512(w0 + k), bias), x);
                a1 = _mm512_dpbusd_epi32(a1, _mm512_xor_si512(_mm512_loadu_si512(w1 + k), bias), x);
                a2 = _mm512_dpbusd_epi32(a2, _mm512_xor_si512(_mm512_loadu_si512(w2 + k), bias), x);
                a3 = _mm512_dpbusd_epi32(a3, _mm512_xor_si512(_mm512_loadu_si512(w3 + k), bias), x);
            }
            __m128i isum = _mm_sub_epi32(hsum4_i32x16(a0, a1, a2, a3), _mm_set1_epi32(xsum[g]));
            __m128 wsc = _mm_setr_ps(load_f32(s0 + 4 * (size_t)g), load_f32(s1 + 4 * (size_t)g),
                                     load_f32(s2 + 4 * (size_t)g), load_f32(s3 + 4 * (size_t)g));
            __m128 p = _mm_mul_ps(_mm_cvtepi32_ps(isum), wsc);
            p = _mm_mul_ps(p, _mm_set1_ps(xs[g]));
            val = _mm_add_ps(val, p);
        }
        _mm_storeu_ps(out + r, val);
    }
    for (; r < rows; r++) { /* the last rows % 4, one at a time */
        const size_t at = (size_t)r * cols;
        const int8_t *w = wq + at;
        const uint8_t *sr = ws + 4 * ng * r;
        prefetch_ahead(ws, 4 * ng * r, 4 * ng, scale_total);
        float val = 0.0f;
        for (int g = 0, j = 0; j < cols; g++, j += gs) {
            __m512i a = _mm512_setzero_si512();
            for (int k = j; k < j + gs; k += 64) {
                prefetch_ahead(wq, at + k, 64, total);
                a = _mm512_dpbusd_epi32(a, _mm512_xor_si512(_mm512_loadu_si512(w + k), bias),
                                        _mm512_loadu_si512(xq + k));
            }
            int32_t isum = _mm512_reduce_add_epi32(a) - xsum[g];
            float p = (float)isum * load_f32(sr + 4 * (size_t)g);
            p = p * xs[g];
            val = val + p;
        }
        out[r] = val;
    }
}

/* ---- Q8_0 in 16-row tiles (kernels_q8_pack) -------------------------------------------- */

/* Rows in lanes. Packed, a tile of 16 rows stores each 4 columns of all 16 rows as one 64-byte
 * register: lane i holds row i's four bytes (w XOR 0x80, the unsigned bytes dpbusd wants). One
 * dpbusd then adds 4 columns to 16 rows' totals at once, with the 4 activations broadcast from
 * memory, and the 16 lanes of the accumulator are the 16 rows' exact group totals: no
 * horizontal sums at all, and one load and one dpbusd per 64 weight bytes. The group scales
 * follow the same order, 16 rows' f32 scales of one group in a row. Against the row-major
 * tiles of four (which need a horizontal sum per row and group), decode streamed from memory
 * ~38% faster in isolation, at the machine's full read bandwidth; each row still gets the
 * same integer totals and float steps, so results are bit-identical. The scales sit inside the
 * tiles, after each group's weights (kernels_q8_pack), so a decode step reads one stream. */
#define NANO_Q8_PACKED 1
enum { PACK_ROWS = 16, PACK_COLS = 4 };

/* Where row i (0-15) of a tile keeps column b (0-3) of 4 columns, within their 64 bytes, and
 * what that byte is XORed with (above). */
static inline size_t pack_offset(size_t i, size_t b) {
    return PACK_COLS * i + b;
}
static inline uint8_t pack_xor(size_t i) {
    return (void)i, 0x80;
}

/* 128·Σx of each group of one token's activations: the surplus the unsigned weights add. */
static void group_xsums(int32_t *xsum, const int8_t *xq, int cols, int gs) {
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    for (int g = 0, j = 0; j < cols; g++, j += gs) {
        int32_t s = 0;
        int k = j;
        if (gs % 64 == 0) {
            __m512i sx = _mm512_setzero_si512();
            for (; k < j + gs; k += 64)
                sx = _mm512_dpbusd_epi32(sx, bias, _mm512_loadu_si512(xq + k));
            s = _mm512_reduce_add_epi32(sx);
        } else {
            for (; k < j + gs; k++) s += 128 * (int32_t)xq[k];
        }
        xsum[g] = s;
    }
}

/* One group's contribution to 16 packed rows: ((float)total · w_scale) · x_scale per lane.
 * w: the group's 16·gs packed bytes; scales: its 16 f32 scales (possibly unaligned). */
static inline __m512 group16_q8(const int8_t *w, const uint8_t *scales, const int8_t *x,
                                float x_scale, int32_t xsum, int gs) {
    /* four accumulators: independent dpbusd chains (integer sums: any order is exact) */
    __m512i a0 = _mm512_set1_epi32(-xsum), a1 = _mm512_setzero_si512(), a2 = a1, a3 = a1;
    int k = 0;
    for (; k + 16 <= gs; k += 16, w += 4 * 64) {
        int32_t x0, x1, x2, x3;
        memcpy(&x0, x + k, 4), memcpy(&x1, x + k + 4, 4);
        memcpy(&x2, x + k + 8, 4), memcpy(&x3, x + k + 12, 4);
        a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512(w), _mm512_set1_epi32(x0));
        a1 = _mm512_dpbusd_epi32(a1, _mm512_loadu_si512(w + 64), _mm512_set1_epi32(x1));
        a2 = _mm512_dpbusd_epi32(a2, _mm512_loadu_si512(w + 128), _mm512_set1_epi32(x2));
        a3 = _mm512_dpbusd_epi32(a3, _mm512_loadu_si512(w + 192), _mm512_set1_epi32(x3));
    }
    for (; k < gs; k += 4, w += 64) {
        int32_t x0;
        memcpy(&x0, x + k, 4);
        a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512(w), _mm512_set1_epi32(x0));
    }
    __m512i isum = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));
    __m512 p = _mm512_mul_ps(_mm512_cvtepi32_ps(isum), _mm512_loadu_ps(scales));
    return _mm512_mul_ps(p, _mm512_set1_ps(x_scale));
}

/* Packed rows [0, rows) against n_tokens tokens (wq at the start of a tile; `readable` bytes
 * from wq may be read, for the prefetch). One token (decode) streams the tiles in order, group
 * by group, with the prefetch running ahead; several (prefill) keep each tile in cache while
 * every token visits it. */
static void matmul_q8_packed(float *out, size_t out_stride, const int8_t *wq, int rows,
                             size_t readable, int cols, int gs, const int8_t *xq, const float *xs,
                             int n_tokens) {
    const int ng = cols / gs;
    const size_t group_bytes = (size_t)PACK_ROWS * gs + 4 * PACK_ROWS; /* weights, then scales */
    const size_t tile_bytes = group_bytes * ng;
    const int block = STREAM_Q8_MAX_GROUPS / ng; /* tokens whose Σx fit in xsum */
    int32_t xsum[STREAM_Q8_MAX_GROUPS];
    if (n_tokens == 1) prefetch_start(wq, readable);
    for (int t0 = 0; t0 < n_tokens; t0 += block) {
        int nt = n_tokens - t0 < block ? n_tokens - t0 : block;
        for (int t = 0; t < nt; t++)
            group_xsums(xsum + t * ng, xq + (size_t)(t0 + t) * cols, cols, gs);
        for (int r = 0; r < rows; r += PACK_ROWS) {
            const int8_t *w = wq + (size_t)r / PACK_ROWS * tile_bytes;
            for (int t = 0; t < nt; t++) {
                const int8_t *x = xq + (size_t)(t0 + t) * cols;
                const float *x_scales = xs + (size_t)(t0 + t) * ng;
                __m512 val = _mm512_setzero_ps();
                for (int g = 0; g < ng; g++) {
                    const int8_t *group = w + (size_t)g * group_bytes;
                    if (n_tokens == 1) { /* decode: spread the prefetch through the tile */
                        prefetch_ahead(wq, (size_t)(group - wq), group_bytes, readable);
                        alongside_step(group_bytes);
                    }
                    __m512 p = group16_q8(group, (const uint8_t *)group + (size_t)PACK_ROWS * gs,
                                          x + (size_t)g * gs, x_scales[g], xsum[t * ng + g], gs);
                    val = _mm512_add_ps(val, p);
                }
                /* a chunk may end inside a tile: then only its first rows are stored */
                __mmask16 keep =
                    rows - r >= PACK_ROWS ? 0xffff : (__mmask16)((1u << (rows - r)) - 1);
                _mm512_mask_storeu_ps(out + (size_t)(t0 + t) * out_stride + r, keep, val);
            }
        }
    }
}
#endif

/* One row: the same integer totals and the same float steps as one lane of dot4_q8. */
static float dot1_q8(const int8_t *wq, const uint8_t *ws, const int8_t *xq, const float *xs,
                     int cols, int gs) {
    const int g32 = gs - gs % 32;
    float val = 0.0f;
    for (int g = 0, j = 0; j < cols; g++, j += gs) {
        __m256i a = _mm256_setzero_si256();
        for (int k = j; k < j + g32; k += 32) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(xq + k));
            a = dot32_i8(a, _mm256_sign_epi8(x, x), x, wq + k);
        }
        int32_t isum = _mm_cvtsi128_si32(hsum4_i32(a, a, a, a));
        isum += dot_i8_scalar(wq + j + g32, xq + j + g32, gs - g32);
        float p = (float)isum * load_f32(ws + 4 * (size_t)g);
        p = p * xs[g];
        val = val + p;
    }
    return val;
}

#elif defined(NANO_WASM)

/* Exact int8 dot product, 16 lanes at a time: int8·int8 products widen to int16 (|p| ≤
 * 16129, so low + high halves still fit), then pairs widen to int32. */
static inline int32_t dot_i8_wasm(const int8_t *a, const int8_t *b, int n) {
    v128_t acc = wasm_i32x4_splat(0);
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        v128_t x = wasm_v128_load(a + k), w = wasm_v128_load(b + k);
        v128_t p =
            wasm_i16x8_add(wasm_i16x8_extmul_low_i8x16(x, w), wasm_i16x8_extmul_high_i8x16(x, w));
        acc = wasm_i32x4_add(acc, wasm_i32x4_extadd_pairwise_i16x8(p));
    }
    int32_t s = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
                wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
    return s + dot_i8_scalar(a + k, b + k, n - k);
}

static float dot1_q8(const int8_t *wq, const uint8_t *ws, const int8_t *xq, const float *xs,
                     int cols, int gs) {
    float val = 0.0f;
    for (int g = 0, j = 0; j < cols; g++, j += gs) {
        float p = (float)dot_i8_wasm(wq + j, xq + j, gs) * load_f32(ws + 4 * (size_t)g);
        p = p * xs[g];
        val = val + p;
    }
    return val;
}

/* The sums of the lanes of a, b, c and d, as one vector (integers: any order is exact). */
static inline v128_t hsum4_i32_wasm(v128_t a, v128_t b, v128_t c, v128_t d) {
    v128_t ab =
        wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    v128_t cd =
        wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5),
                          wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

/* acc += w·x over 16 int8 weights and their activations already widened to int16 (xlo, xhi).
 * i32x4.dot_i16x8_s (one pmaddwd on x86) is exact, |w·x| ≤ 2·127², and needs fewer
 * instructions than extmul + extadd on int8. */
static inline v128_t dot16_i16(v128_t acc, const int8_t *w, v128_t xlo, v128_t xhi) {
    v128_t wv = wasm_v128_load(w);
    acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(wv), xlo));
    return wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(wv), xhi));
}

/* Four rows of the Q8_0 product against one token (prefill; gs % 16 == 0): the rows share
 * each load and widening of x, and each group's float steps run as one f32x4 whose lanes
 * repeat dot1_q8's operations exactly. w0: four consecutive rows; s0: their scales. */
static void dot4_q8_wasm(float *out, const int8_t *w0, const uint8_t *s0, const int8_t *xq,
                         const float *xs, int cols, int gs) {
    const size_t ng = (size_t)(cols / gs);
    const int8_t *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
    v128_t val = wasm_f32x4_splat(0.0f);
    for (size_t g = 0; g < ng; g++) {
        v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = g * gs; j < (g + 1) * gs; j += 16) {
            v128_t x = wasm_v128_load(xq + j);
            v128_t xlo = wasm_i16x8_extend_low_i8x16(x), xhi = wasm_i16x8_extend_high_i8x16(x);
            a0 = dot16_i16(a0, w0 + j, xlo, xhi);
            a1 = dot16_i16(a1, w1 + j, xlo, xhi);
            a2 = dot16_i16(a2, w2 + j, xlo, xhi);
            a3 = dot16_i16(a3, w3 + j, xlo, xhi);
        }
        v128_t isum = wasm_f32x4_convert_i32x4(hsum4_i32_wasm(a0, a1, a2, a3));
        v128_t scale =
            wasm_f32x4_make(load_f32(s0 + 4 * g), load_f32(s0 + 4 * (ng + g)),
                            load_f32(s0 + 4 * (2 * ng + g)), load_f32(s0 + 4 * (3 * ng + g)));
        v128_t p = wasm_f32x4_mul(wasm_f32x4_mul(isum, scale), wasm_f32x4_splat(xs[g]));
        val = wasm_f32x4_add(val, p);
    }
    wasm_v128_store(out, val);
}

/* One row of the Q8_0 product (decode; gs % 16 == 0) against x widened to int16 beforehand.
 * One row per pass: interleaving two or four rows streamed 2-3x slower in V8. Measured and
 * rejected: v128.load8x8_s for the weights (no faster), and a copy for a constant gs = 128
 * whose inner loop the compiler unrolls (30% slower in V8). */
static float dot1_q8_x16(const int8_t *w, const uint8_t *s, const int16_t *x16, const float *xs,
                         int cols, int gs) {
    float val = 0.0f;
    for (int g = 0, j0 = 0; j0 < cols; g++, j0 += gs) {
        v128_t a0 = wasm_i32x4_splat(0), a1 = a0;
        for (int j = j0; j < j0 + gs; j += 16) {
            v128_t wv = wasm_v128_load(w + j);
            a0 = wasm_i32x4_add(
                a0, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(wv), wasm_v128_load(x16 + j)));
            a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(wv),
                                                         wasm_v128_load(x16 + j + 8)));
        }
        v128_t a = wasm_i32x4_add(a0, a1);
        int32_t isum = wasm_i32x4_extract_lane(a, 0) + wasm_i32x4_extract_lane(a, 1) +
                       wasm_i32x4_extract_lane(a, 2) + wasm_i32x4_extract_lane(a, 3);
        float p = (float)isum * load_f32(s + 4 * (size_t)g);
        p = p * xs[g];
        val = val + p;
    }
    return val;
}

/* ---- Q8_0 in 16-row tiles (kernels_q8_pack) -------------------------------------------- */

/* Rows in lanes, as in the x86 build, shaped for SIMD128's one integer dot product,
 * i32x4.dot_i16x8_s (pmaddwd): it multiplies int16 lanes in pairs and adds each pair, so a dot
 * of 2 columns of 4 rows against the 2 activations splatted adds them to those 4 rows' totals,
 * with no horizontal sum per row and group. WebAssembly decode is bound by instructions, not
 * memory (the kernel streams from DRAM at ~90% of its speed from L1), so the layout saves
 * them: packed, a tile of 16 rows stores each 2 columns of its 16 rows as 32 bytes, two
 * 16-byte halves of 8 rows each. Read as eight int16 lanes, lane k of a half holds, for column
 * k % 2, row k / 2 in its low byte as an unsigned w + 128 (pack_xor) and row 4 + k / 2 in its
 * high byte as the signed w. Then, with X the 2 activations splatted:
 *   B += dot(lanes >> 8 (arithmetic), X)   rows 4-7: shifting out the low byte is the widening
 *   A += dot(lanes, X)                      256·(rows 4-7) + (rows 0-3) + 128·Σx
 * and rows 0-3 = A − 256·B − 128·Σx, where Σx is the group's activations summed once per call.
 * That is a load, a shift, two dots and two adds per 16 weight bytes, against two widening
 * loads, two dots and two adds before: the kernel streams the 168M model's matrices ~12%
 * faster in isolation. The int32 sums may wrap, but they wrap alike: A − 256·B − 128·Σx is
 * the exact total modulo 2^32, the same int32 as the row-at-a-time dot. Same integer totals
 * and float steps per row: bit-identical results.
 *
 * The scales sit inside the tiles, after each group's weights (kernels_q8_pack), and
 * group16_q8 loads them before it reads the group's weights. WebAssembly has no prefetch
 * instruction; that early load touches the stream 2 KiB ahead of the weights being read, which
 * keeps more of it in flight. Streaming the 168M model's matrices from memory in isolation:
 * 34-37 GB/s per thread, against 20-30 with the scales in their own stream read after each
 * group (as the file stores them), and 26 with them inside the tiles but read last. */
#define NANO_Q8_PACKED 1
enum { PACK_ROWS = 16, PACK_COLS = 2 };
enum { STREAM_Q8_MAX_GROUPS = 1024 }; /* packing's limit on groups per row, as on x86 */

/* Where row i (0-15) of a tile keeps column b (0-1) of a column pair, within its 32 bytes, and
 * what that byte is XORed with (above). */
static inline size_t pack_offset(size_t i, size_t b) {
    return (i / 8) * 16 + 4 * (i % 4) + 2 * b + (i % 8) / 4;
}
static inline uint8_t pack_xor(size_t i) {
    return i % 8 < 4 ? 0x80 : 0;
}

/* 128·Σx of each group of one token's activations: the surplus the unsigned bytes add. */
static void group_xsums(int32_t *xsum, const int8_t *xq, int cols, int gs) {
    for (int g = 0, j = 0; j < cols; g++, j += gs) {
        int k = j;
        v128_t acc = wasm_i32x4_splat(0);
        for (; gs % 16 == 0 && k < j + gs; k += 16)
            acc =
                wasm_i32x4_add(acc, wasm_i32x4_extadd_pairwise_i16x8(
                                        wasm_i16x8_extadd_pairwise_i8x16(wasm_v128_load(xq + k))));
        int32_t s = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
                    wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
        for (; k < j + gs; k++) s += xq[k];
        xsum[g] = 128 * s;
    }
}

/* One group's contribution to 16 packed rows: ((float)total · w_scale) · x_scale, lanes of
 * out[0..3] = rows 0-3, 4-7, 8-11, 12-15. w: the group's 16·gs packed bytes, then its 16 f32
 * scales. x16: the group's activations widened to int16, or NULL to widen them from xq here.
 * xsum: 128·Σx over the group (group_xsums). */
static inline void group16_q8(v128_t out[4], const int8_t *w, const int8_t *xq, const int16_t *x16,
                              float x_scale, int32_t xsum, int gs) {
    const uint8_t *scales = (const uint8_t *)w + (size_t)PACK_ROWS * gs;
    v128_t sc[4] = {wasm_v128_load(scales), wasm_v128_load(scales + 16),
                    wasm_v128_load(scales + 32), wasm_v128_load(scales + 48)}; /* first: above */
    /* a0, a2: the A sums of rows 0-7 and 8-15, starting at −128·Σx; a1, a3: their B sums */
    v128_t a0 = wasm_i32x4_splat(-xsum), a2 = a0, a1 = wasm_i32x4_splat(0), a3 = a1;
#define NANO_DOT16_STEP(x)                                                                         \
    do {                                                                                           \
        v128_t x2 = (x), lo = wasm_v128_load(w), hi = wasm_v128_load(w + 16);                      \
        a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(lo, x2));                                     \
        a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(wasm_i16x8_shr(lo, 8), x2));                  \
        a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(hi, x2));                                     \
        a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(wasm_i16x8_shr(hi, 8), x2));                  \
        w += 32;                                                                                   \
    } while (0)
    if (x16 && gs % 4 == 0) /* two steps per pass: +10% (four: 10-20% slower, in V8) */
        for (int c = 0; c < gs; c += 4) {
            NANO_DOT16_STEP(wasm_v128_load32_splat(x16 + c));
            NANO_DOT16_STEP(wasm_v128_load32_splat(x16 + c + 2));
        }
    else if (x16)
        for (int c = 0; c < gs; c += 2) NANO_DOT16_STEP(wasm_v128_load32_splat(x16 + c));
    else
        for (int c = 0; c < gs; c += 2)
            NANO_DOT16_STEP(wasm_i16x8_extend_low_i8x16(wasm_v128_load16_splat(xq + c)));
#undef NANO_DOT16_STEP
    v128_t a[4] = {wasm_i32x4_sub(a0, wasm_i32x4_shl(a1, 8)), a1,
                   wasm_i32x4_sub(a2, wasm_i32x4_shl(a3, 8)), a3};
    v128_t xsc = wasm_f32x4_splat(x_scale);
    for (int i = 0; i < 4; i++) {
        v128_t p = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(a[i]), sc[i]);
        out[i] = wasm_f32x4_mul(p, xsc);
    }
}

/* Packed rows [0, rows) against n_tokens tokens (wq at the start of a tile). One token
 * (decode) reads its activations widened to int16 (x16); several (prefill) keep each tile in
 * cache while every token visits it. */
static void matmul_q8_packed(float *out, size_t out_stride, const int8_t *wq, int rows, int cols,
                             int gs, const int8_t *xq, const float *xs, const int16_t *x16,
                             int n_tokens) {
    const int ng = cols / gs;
    const size_t group_bytes = (size_t)PACK_ROWS * gs + 4 * PACK_ROWS; /* weights, then scales */
    const size_t tile_bytes = group_bytes * ng;
    const int block = STREAM_Q8_MAX_GROUPS / ng; /* tokens whose Σx fit in xsum */
    int32_t xsum[STREAM_Q8_MAX_GROUPS];
    for (int t0 = 0; t0 < n_tokens; t0 += block) {
        int nt = n_tokens - t0 < block ? n_tokens - t0 : block;
        for (int t = 0; t < nt; t++)
            group_xsums(xsum + t * ng, xq + (size_t)(t0 + t) * cols, cols, gs);
        for (int r = 0; r < rows; r += PACK_ROWS) {
            const int8_t *w = wq + (size_t)r / PACK_ROWS * tile_bytes;
            for (int t = 0; t < nt; t++) {
                const int8_t *x = xq + (size_t)(t0 + t) * cols;
                const float *x_scales = xs + (size_t)(t0 + t) * ng;
                v128_t val[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f),
                                 wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
                for (int g = 0; g < ng; g++) {
                    v128_t p[4];
                    group16_q8(p, w + (size_t)g * group_bytes, x + (size_t)g * gs,
                               n_tokens == 1 && x16 ? x16 + (size_t)g * gs : NULL, x_scales[g],
                               xsum[t * ng + g], gs);
                    for (int i = 0; i < 4; i++) val[i] = wasm_f32x4_add(val[i], p[i]);
                }
                float o[PACK_ROWS];
                for (int i = 0; i < 4; i++) wasm_v128_store(o + 4 * i, val[i]);
                float *dst = out + (size_t)(t0 + t) * out_stride + r;
                int n = rows - r < PACK_ROWS ? rows - r : PACK_ROWS; /* a chunk may end in a tile */
                memcpy(dst, o, (size_t)n * sizeof(float));
            }
        }
    }
}

#else

/* One output of the Q8_0 product, as the original engine computes it. */
static float dot1_q8(const int8_t *wq, const uint8_t *ws, const int8_t *xq, const float *xs,
                     int cols, int gs) {
    float val = 0.0f;
    for (int g = 0, j = 0; j < cols; g++, j += gs) {
        float p = (float)dot_i8_scalar(wq + j, xq + j, gs) * load_f32(ws + 4 * (size_t)g);
        p = p * xs[g];
        val = val + p;
    }
    return val;
}

#endif

int kernels_q8_pack(uint8_t *q, int rows, int cols, int group_size) {
#if defined(NANO_Q8_PACKED)
    const int gs = group_size;
    if (rows < PACK_ROWS || cols <= 0 || gs <= 0 || gs % PACK_COLS != 0 || cols % gs != 0 ||
        cols / gs > STREAM_Q8_MAX_GROUPS)
        return 0;
    const size_t n = (size_t)cols, ng = n / (size_t)gs, n_tiles = (size_t)rows / PACK_ROWS;
    const size_t group_bytes = (size_t)PACK_ROWS * gs + 4 * PACK_ROWS;
    const size_t tile_bytes = group_bytes * ng;    /* packed: weights and scales */
    const size_t tile_values = PACK_ROWS * n;      /* in the file: the tile's int8 values ... */
    const size_t tile_scales = 4 * PACK_ROWS * ng; /* ... and, after all values, its scales */
    const size_t packed = n_tiles * PACK_ROWS, tail = (size_t)rows - packed;
    uint8_t *scales = malloc(n_tiles * tile_scales), *values = malloc(tile_values);
    if (!scales || !values) {
        free(scales), free(values);
        return 0;
    }
    memcpy(scales, q + (size_t)rows * n, n_tiles * tile_scales);
    /* The rows after the last tile move up to follow the tiles, which leaves them right before
     * their scales (those do not move). */
    memmove(q + n_tiles * tile_bytes, q + packed * n, tail * n);
    /* Last tile first: tile t's new place starts no earlier than its old values (t·tile_bytes ≥
     * t·tile_values), so it only overwrites its own values (copied out first) and the values of
     * tiles already moved. */
    for (size_t t = n_tiles; t-- > 0;) {
        memcpy(values, q + t * tile_values, tile_values);
        uint8_t *dst = q + t * tile_bytes;
        for (size_t g = 0; g < ng; g++, dst += group_bytes) {
            const uint8_t *src = values + g * (size_t)gs;
            for (size_t c = 0; c < (size_t)gs; c += PACK_COLS) /* columns, then row, then byte */
                for (size_t i = 0; i < PACK_ROWS; i++)
                    for (size_t b = 0; b < PACK_COLS; b++)
                        dst[c * PACK_ROWS + pack_offset(i, b)] =
                            (uint8_t)(src[i * n + c + b] ^ pack_xor(i));
            for (size_t i = 0; i < PACK_ROWS; i++) /* then the group's scales, row by row */
                memcpy(dst + (size_t)PACK_ROWS * gs + 4 * i,
                       scales + t * tile_scales + 4 * (i * ng + g), 4);
        }
    }
    free(scales), free(values);
    return (int)packed;
#else
    (void)q, (void)rows, (void)cols, (void)group_size;
    return 0;
#endif
}

void dequantize_q8_packed_row(float *x, const int8_t *q, int row, int cols, int group_size) {
#if defined(NANO_Q8_PACKED)
    const size_t gs = (size_t)group_size, ng = (size_t)cols / gs, lane = (size_t)row % PACK_ROWS;
    const size_t group_bytes = PACK_ROWS * gs + 4 * PACK_ROWS;
    const int8_t *tile = q + (size_t)row / PACK_ROWS * group_bytes * ng;
    for (size_t g = 0; g < ng; g++) {
        const int8_t *group = tile + g * group_bytes;
        float scale = load_f32((const uint8_t *)group + PACK_ROWS * gs + 4 * lane);
        for (size_t c = 0; c < gs; c++) {
            size_t at = (c / PACK_COLS) * PACK_COLS * PACK_ROWS + pack_offset(lane, c % PACK_COLS);
            int8_t v = (int8_t)(group[at] ^ pack_xor(lane));
            x[g * gs + c] = (float)v * scale;
        }
    }
#else
    (void)x, (void)q, (void)row, (void)cols, (void)group_size; /* nothing is packed */
#endif
}

void matmul_q8(float *out, size_t out_stride, const int8_t *wq, const uint8_t *ws, int rows,
               int readable_rows, int cols, int group_size, const int8_t *xq, const float *xs,
               const int16_t *x16, int n_tokens, int packed_rows) {
    const int gs = group_size;
    const size_t ng = (size_t)(cols / gs);
    int r = 0;
#if defined(NANO_Q8_PACKED)
    if (packed_rows > 0) {
        int p = packed_rows < rows ? packed_rows : rows;
        const size_t row_bytes = (size_t)cols + 4 * ng; /* a packed row, its scales included */
#if defined(NANO_WASM)
        matmul_q8_packed(out, out_stride, wq, p, cols, gs, xq, xs, x16, n_tokens);
#else
        matmul_q8_packed(out, out_stride, wq, p, (size_t)readable_rows * row_bytes, cols, gs, xq,
                         xs, n_tokens);
#endif
        if (p == rows) return;
        /* the rows after the packed ones are row-major, as in the file, and ws their scales */
        matmul_q8(out + p, out_stride, wq + (size_t)packed_rows * row_bytes, ws, rows - p,
                  readable_rows - p, cols, gs, xq, xs, x16, n_tokens, 0);
        return;
    }
#else
    (void)packed_rows;
#endif
#if !defined(NANO_X86)
    (void)readable_rows;
#endif
#if !defined(NANO_WASM)
    (void)x16;
#endif
#if defined(NANO_X86)
    if (n_tokens == 1) { /* decode: one sequential stream of rows */
#if defined(NANO_Q8_ZMM)
        if (gs % 64 == 0 && ng <= STREAM_Q8_MAX_GROUPS) {
            stream_q8_zmm(out, wq, ws, rows, readable_rows, cols, gs, xq, xs);
            return;
        }
#endif
        const size_t total = (size_t)readable_rows * cols;
        for (; r < rows; r++) {
            prefetch_ahead(wq, (size_t)r * cols, (size_t)cols, total);
            out[r] = dot1_q8(wq + (size_t)r * cols, ws + 4 * ng * r, xq, xs, cols, gs);
        }
        return;
    }
    for (; r + 4 <= rows; r += 4) {
        const int8_t *wr = wq + (size_t)r * cols;
        const uint8_t *sr = ws + 4 * ng * r;
        for (int t = 0; t < n_tokens; t++) {
            float *o = out + t * out_stride + r;
            const int8_t *x = xq + (size_t)t * cols;
#if defined(NANO_Q8_ZMM)
            /* the common group size gets a copy with the inner loops unrolled */
            if (gs == 128) {
                dot4_q8_zmm(o, wr, sr, x, xs + t * ng, cols, 128);
                continue;
            }
            if (gs % 64 == 0) {
                dot4_q8_zmm(o, wr, sr, x, xs + t * ng, cols, gs);
                continue;
            }
#endif
            dot4_q8(o, wr, sr, x, xs + t * ng, cols, gs);
        }
    }
#endif
#if defined(NANO_WASM)
    if (gs % 16 == 0 && n_tokens == 1 && x16) { /* decode */
        for (; r < rows; r++)
            out[r] = dot1_q8_x16(wq + (size_t)r * cols, ws + 4 * ng * r, x16, xs, cols, gs);
        return;
    }
    if (gs % 16 == 0) /* prefill: row tiles outermost, the tile stays in cache for every token */
        for (; r + 4 <= rows; r += 4) {
            const int8_t *wr = wq + (size_t)r * cols;
            const uint8_t *sr = ws + 4 * ng * r;
            for (int t = 0; t < n_tokens; t++) {
                float o[4];
                dot4_q8_wasm(o, wr, sr, xq + (size_t)t * cols, xs + t * ng, cols, gs);
                float *dst = out + t * out_stride + r;
                dst[0] = o[0], dst[1] = o[1], dst[2] = o[2], dst[3] = o[3];
            }
        }
#endif
    for (; r < rows; r++) {
        const int8_t *wr = wq + (size_t)r * cols;
        const uint8_t *sr = ws + 4 * ng * r;
        for (int t = 0; t < n_tokens; t++)
            out[t * out_stride + r] = dot1_q8(wr, sr, xq + (size_t)t * cols, xs + t * ng, cols, gs);
    }
}

/* round(v) for |v| well inside int range, NaN → 0, clamped to the int8 range Q8_0 uses. */
static inline int8_t quant_round(float v) {
    float r = roundf(v);
    if (!(r == r)) return 0;
    if (r > 127.0f) return 127;
    if (r < -127.0f) return -127;
    return (int8_t)r;
}

static void quantize_group_scalar(int8_t *q, float *s, const float *x, int gs) {
    float wmax = 0.0f;
    for (int i = 0; i < gs; i++) {
        float a = fabsf(x[i]);
        if (a > wmax) wmax = a;
    }
    float scale = wmax / 127.0f;
    *s = scale;
    if (scale == 0.0f) {
        memset(q, 0, (size_t)gs);
        return;
    }
    for (int i = 0; i < gs; i++) q[i] = quant_round(x[i] / scale);
}

#if defined(NANO_X86)

/* 8 lanes of quant_round(x / scale): truncate, then step one away from zero when the dropped
 * fraction is at least one half (exact: v - trunc(v) loses nothing for |v| < 2^23). */
static inline __m256i quant_round8(__m256 x, __m256 scale) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 v = _mm256_div_ps(x, scale);
    __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(v, t));
    __m256 one = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(sign, v));
    __m256 r =
        _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one));
    r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
    r = _mm256_and_ps(r, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN → 0 */
    return _mm256_cvtps_epi32(r);
}

static void quantize_group(int8_t *q, float *s, const float *x, int gs) {
    if (gs % 32 != 0) {
        quantize_group_scalar(q, s, x, gs);
        return;
    }
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < gs; i += 8)
        m = _mm256_max_ps(m, _mm256_and_ps(abs_mask, _mm256_loadu_ps(x + i)));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    float scale = _mm_cvtss_f32(m4) / 127.0f;
    *s = scale;
    if (scale == 0.0f) {
        memset(q, 0, (size_t)gs);
        return;
    }
    const __m256 sc = _mm256_set1_ps(scale);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int i = 0; i < gs; i += 32) {
        __m256i i0 = quant_round8(_mm256_loadu_ps(x + i), sc);
        __m256i i1 = quant_round8(_mm256_loadu_ps(x + i + 8), sc);
        __m256i i2 = quant_round8(_mm256_loadu_ps(x + i + 16), sc);
        __m256i i3 = quant_round8(_mm256_loadu_ps(x + i + 24), sc);
        /* packs work per 128-bit lane; the final permute restores element order */
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_permutevar8x32_epi32(p, order));
    }
}

#elif defined(NANO_WASM)

/* 4 lanes of quant_round(x / scale). roundf(v) is trunc(v + copysign(0.49999997f, v)), the
 * float just below one half: equal to roundf for every float (checked over all 2^32), in four
 * operations where the truncate-and-compare of quant_round8 takes eight. And a whole number r,
 * |r| ≤ 127, sits in the low bits of r + 1.5·2^23, so one add and one integer subtract convert
 * it, where V8 expands i32x4.trunc_sat_f32x4_s to a longer sequence. With the four running
 * maxima below, quantizing 2048 activations takes 1.09 µs, not 1.71 (768: 0.41, not 0.66):
 * serial work between the jobs of a token. */
static inline v128_t quant_round4(v128_t x, v128_t scale) {
    const v128_t sign = wasm_f32x4_splat(-0.0f), magic = wasm_f32x4_splat(12582912.0f);
    v128_t v = wasm_f32x4_div(x, scale);
    v128_t half = wasm_v128_or(wasm_v128_and(v, sign), wasm_f32x4_splat(0x1.fffffep-2f));
    v128_t r = wasm_f32x4_trunc(wasm_f32x4_add(v, half));
    r = wasm_f32x4_pmin(wasm_f32x4_pmax(r, wasm_f32x4_splat(-127.0f)), wasm_f32x4_splat(127.0f));
    r = wasm_v128_and(r, wasm_f32x4_eq(v, v)); /* NaN → 0 */
    return wasm_i32x4_sub(wasm_f32x4_add(r, magic), magic);
}

static void quantize_group(int8_t *q, float *s, const float *x, int gs) {
    if (gs % 16 != 0) {
        quantize_group_scalar(q, s, x, gs);
        return;
    }
    /* pmax(m, a) = m < a ? a : m, the scalar loop's step: NaNs are skipped the same way. Four
     * running maxima, not one chain of dependent steps: a maximum is exact in any order. */
    v128_t m0 = wasm_f32x4_splat(0.0f), m1 = m0, m2 = m0, m3 = m0;
    for (int i = 0; i < gs; i += 16) {
        m0 = wasm_f32x4_pmax(m0, wasm_f32x4_abs(wasm_v128_load(x + i)));
        m1 = wasm_f32x4_pmax(m1, wasm_f32x4_abs(wasm_v128_load(x + i + 4)));
        m2 = wasm_f32x4_pmax(m2, wasm_f32x4_abs(wasm_v128_load(x + i + 8)));
        m3 = wasm_f32x4_pmax(m3, wasm_f32x4_abs(wasm_v128_load(x + i + 12)));
    }
    v128_t m = wasm_f32x4_pmax(wasm_f32x4_pmax(m0, m1), wasm_f32x4_pmax(m2, m3));
    float wmax = 0.0f;
    float lanes[4];
    wasm_v128_store(lanes, m);
    for (int i = 0; i < 4; i++)
        if (lanes[i] > wmax) wmax = lanes[i];
    float scale = wmax / 127.0f;
    *s = scale;
    if (scale == 0.0f) {
        memset(q, 0, (size_t)gs);
        return;
    }
    const v128_t sc = wasm_f32x4_splat(scale);
    for (int i = 0; i < gs; i += 16) {
        v128_t i0 = quant_round4(wasm_v128_load(x + i), sc);
        v128_t i1 = quant_round4(wasm_v128_load(x + i + 4), sc);
        v128_t i2 = quant_round4(wasm_v128_load(x + i + 8), sc);
        v128_t i3 = quant_round4(wasm_v128_load(x + i + 12), sc);
        v128_t p = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(i0, i1),
                                           wasm_i16x8_narrow_i32x4(i2, i3));
        wasm_v128_store(q + i, p);
    }
}

#else

static void quantize_group(int8_t *q, float *s, const float *x, int gs) {
    quantize_group_scalar(q, s, x, gs);
}

#endif

void quantize_q8(int8_t *q, float *s, const float *x, int n, int group_size) {
    for (int g = 0, j = 0; j < n; g++, j += group_size)
        quantize_group(q + j, s + g, x + j, group_size);
}

void widen_i8(int16_t *y, const int8_t *x, int n) {
    int i = 0;
#if defined(NANO_WASM)
    for (; i + 16 <= n; i += 16) {
        v128_t v = wasm_v128_load(x + i);
        wasm_v128_store(y + i, wasm_i16x8_extend_low_i8x16(v));
        wasm_v128_store(y + i + 8, wasm_i16x8_extend_high_i8x16(v));
    }
#endif
    for (; i < n; i++) y[i] = x[i];
}

void dequantize_q8_row(float *x, const int8_t *q, const uint8_t *s, int n, int group_size) {
    for (int g = 0, j = 0; j < n; g++, j += group_size) {
        float scale = load_f32(s + 4 * (size_t)g);
        for (int k = j; k < j + group_size; k++) x[k] = (float)q[k] * scale;
    }
}

/* ======================================================================================== */
/* Attention                                                                                 */
/* ======================================================================================== */

/* Where dimension j of position t sits in a head's key tiles (kernels.h). */
static inline size_t key_at(int t, int j, int head_dim) {
    return (size_t)(t / KEY_TILE) * head_dim * KEY_TILE + (size_t)j * KEY_TILE + t % KEY_TILE;
}

/* The plain C definition: per head and position, a sum over head_dim in order. */
static void scores_scalar(float *scores, size_t score_stride, const float *q, int n_q,
                          const float *kt, int t0, int n_pos, int head_dim, float div) {
    for (int h = 0; h < n_q; h++)
        for (int t = t0; t < n_pos; t++) {
            float s = 0.0f;
            for (int j = 0; j < head_dim; j++) {
                float p = q[h * head_dim + j] * kt[key_at(t, j, head_dim)];
                s += p;
            }
            scores[h * score_stride + t] = s / div;
        }
}

#if defined(NANO_X86)
/* Attention streams a head's keys, then its values: short contiguous regions (tens of KiB)
 * that start cold at every layer. Asking for the bytes this far ahead of the loads keeps
 * enough cache lines in flight; the first ones are asked for before the loop starts. */
enum { ATTENTION_PREFETCH_BYTES = 4096 };
static inline void prefetch_range(const void *p, size_t n) {
    for (size_t b = 0; b < n; b += 64) _mm_prefetch((const char *)p + b, _MM_HINT_T0);
}
#elif defined(NANO_WASM)
/* WebAssembly has no prefetch instruction. A plain load of each cache line some way ahead of
 * the loop that needs it does the same job: nothing depends on it, so the processor issues it
 * at once, many at a time, where the loop's own loads would each wait their turn. volatile: the
 * value is unused, and the compiler must keep the load. */
enum { ATTENTION_TOUCH_TILES = 2, ATTENTION_TOUCH_ROWS = 16 };
static inline void touch_range(const void *p, size_t n) {
    for (size_t b = 0; b < n; b += 64) (void)*((const volatile uint8_t *)p + b);
}

/* a[i] += x0 · src[4i .. 4i+4) and b[i] += x1 · src[4i .. 4i+4), i < 4: 16 floats for two
 * heads, the step of both attention loops (each lane one product, then one add, in order). */
static inline void mul_add_2x16(v128_t a[4], v128_t b[4], v128_t x0, v128_t x1, const float *src) {
    for (int i = 0; i < 4; i++) {
        v128_t v = wasm_v128_load(src + 4 * i);
        a[i] = wasm_f32x4_add(a[i], wasm_f32x4_mul(x0, v));
        b[i] = wasm_f32x4_add(b[i], wasm_f32x4_mul(x1, v));
    }
}
#endif

void kernels_warm(const void *p, size_t n) {
#if defined(NANO_WASM)
    for (size_t b = 0; b < n; b += 64) (void)((const volatile uint8_t *)p)[b];
#else
    (void)p, (void)n;
#endif
}

#if defined(NANO_WASM)
/* The head attention_warm armed on this thread: its key tiles, then its values, loaded a few
 * cache lines per row of the next attention_mix until all are asked for. Loaded all at once
 * between two heads, as before, they cost their whole memory time with nothing to overlap it;
 * spread over the mix, WebAssembly decode measured +10-23 % at 2 threads with 128 positions
 * and +11-17 % with 384 (interleaved A/B, 8 rounds each), +2-7 % at 1 thread. All asked for by
 * the middle of the rows: over all of them gained 2.6 % less, by the first quarter 1.8 % less.
 * Not understood: the same loads driven by two more parameters of attention_mix (a local
 * cursor instead of this thread-local one) gained nothing at 2 threads and were 5 % slower at
 * 1, though the two builds' loops differ only in this one storing its cursor. Natively the
 * same spreading, with prefetches, measured within noise (decode ±1 %), so it is not used. */
static _Thread_local struct {
    const volatile uint8_t *k, *v; /* NULL: nothing armed */
    size_t k_bytes, v_bytes, at;   /* at: the next byte to load, keys first */
    int lines_per_row;
} armed;

/* Load the armed head's next few cache lines. */
static inline void armed_step(void) {
    for (int i = 0; i < armed.lines_per_row; i++, armed.at += 64) {
        if (armed.at < armed.k_bytes)
            (void)armed.k[armed.at];
        else if (armed.at - armed.k_bytes < armed.v_bytes)
            (void)armed.v[armed.at - armed.k_bytes];
        else {
            armed.k = NULL; /* all asked for */
            return;
        }
    }
}
#endif

void attention_warm(const float *kt, const float *v, int n_pos, int head_dim) {
#if defined(NANO_WASM)
    armed.k_bytes = (size_t)(n_pos + KEY_TILE - 1) / KEY_TILE * KEY_TILE * head_dim * sizeof(float);
    armed.v_bytes = (size_t)n_pos * head_dim * sizeof(float);
    size_t lines = (armed.k_bytes + armed.v_bytes) / 64;
    armed.lines_per_row = n_pos > 0 ? (int)((2 * lines + (size_t)n_pos - 1) / (size_t)n_pos) : 0;
    armed.k = (const volatile uint8_t *)kt, armed.v = (const volatile uint8_t *)v, armed.at = 0;
#else
    (void)kt, (void)v, (void)n_pos, (void)head_dim;
#endif
}

/* Measured with one thread's Q8_0 decode (in one process, alternate pairs of steps with and
 * without, 120-240 steps): +2.2-3.9 % from 16, 128, 256 and 384 prompt tokens. With two threads it
 * was 0.2-1.8 % slower (their products use all the memory time), and with F32 products 2-4 % slower
 * at one thread, so only the Q8_0 products step it and only one thread's decode arms it (forward.c
 * attention_qkv). */
void attention_prefetch_alongside(const float *kt, size_t kt_stride, size_t kt_bytes,
                                  const float *v, size_t v_stride, size_t v_bytes, int n_heads,
                                  size_t over_bytes) {
#if defined(NANO_X86)
    alongside.n_heads = 0;
    if (n_heads <= 0 || kt_bytes == 0 || v_bytes == 0 || over_bytes == 0) return;
    size_t lines = (size_t)n_heads * ((kt_bytes + 63) / 64 + (v_bytes + 63) / 64);
    alongside.base[0] = (const char *)kt, alongside.base[1] = (const char *)v;
    alongside.stride[0] = kt_stride * sizeof(float), alongside.stride[1] = v_stride * sizeof(float);
    alongside.bytes[0] = kt_bytes, alongside.bytes[1] = v_bytes;
    alongside.rate = (uint64_t)lines * 65536 / over_bytes + 1; /* all asked for within over_bytes */
    alongside.owed = 0, alongside.head = 0, alongside.which = 0, alongside.at = 0;
    alongside.n_heads = n_heads;
#else
    (void)kt, (void)kt_stride, (void)kt_bytes, (void)v, (void)v_stride, (void)v_bytes,
        (void)n_heads, (void)over_bytes;
#endif
}

void attention_scores(float *scores, size_t score_stride, const float *q, int n_q, const float *kt,
                      int n_pos, int head_dim, float div) {
    int t = 0;
#if defined(NANO_X86) && defined(__AVX512F__)
    /* 64 positions (four tiles of 16) for two query heads at a time: eight independent sums
     * hide the latency of the adds, and each key load serves both heads. */
    const __m512 vdiv = _mm512_set1_ps(div);
    const size_t tile = (size_t)head_dim * KEY_TILE,
                 used = (size_t)(n_pos + KEY_TILE - 1) / KEY_TILE * tile;
    prefetch_range(kt, 4 * tile * sizeof(float) < used * sizeof(float) ? 4 * tile * sizeof(float)
                                                                       : used * sizeof(float));
    for (int h0 = 0; h0 < n_q; h0 += 2) {
        const float *q0 = q + (size_t)h0 * head_dim;
        const float *q1 = h0 + 1 < n_q ? q0 + head_dim : q0; /* a lone last head runs twice */
        float *s0 = scores + h0 * score_stride;
        for (t = 0; t < n_pos; t += 64) {
            const float *k[4];
            __mmask16 m[4];
            for (int i = 0; i < 4; i++) { /* tiles past n_pos load nothing (masked) */
                int left = n_pos - t - 16 * i;
                m[i] = left >= 16 ? 0xffff : left <= 0 ? 0 : (__mmask16)((1u << left) - 1);
                k[i] = kt + (size_t)(t / KEY_TILE + (m[i] ? i : 0)) * tile;
            }
            if (h0 == 0 && (size_t)(t / KEY_TILE + 4) * tile < used) { /* the next 4 tiles */
                size_t next = (size_t)(t / KEY_TILE + 4) * tile;
                size_t n = used - next < 4 * tile ? used - next : 4 * tile;
                prefetch_range(kt + next, n * sizeof(float));
            }
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            __m512 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int j = 0; j < head_dim; j++) {
                const size_t o = (size_t)j * KEY_TILE;
                __m512 k0 = _mm512_maskz_loadu_ps(m[0], k[0] + o);
                __m512 k1 = _mm512_maskz_loadu_ps(m[1], k[1] + o);
                __m512 k2 = _mm512_maskz_loadu_ps(m[2], k[2] + o);
                __m512 k3 = _mm512_maskz_loadu_ps(m[3], k[3] + o);
                __m512 x0 = _mm512_set1_ps(q0[j]), x1 = _mm512_set1_ps(q1[j]);
                a0 = _mm512_add_ps(a0, _mm512_mul_ps(x0, k0));
                a1 = _mm512_add_ps(a1, _mm512_mul_ps(x0, k1));
                a2 = _mm512_add_ps(a2, _mm512_mul_ps(x0, k2));
                a3 = _mm512_add_ps(a3, _mm512_mul_ps(x0, k3));
                b0 = _mm512_add_ps(b0, _mm512_mul_ps(x1, k0));
                b1 = _mm512_add_ps(b1, _mm512_mul_ps(x1, k1));
                b2 = _mm512_add_ps(b2, _mm512_mul_ps(x1, k2));
                b3 = _mm512_add_ps(b3, _mm512_mul_ps(x1, k3));
            }
            __m512 a[4] = {a0, a1, a2, a3}, b[4] = {b0, b1, b2, b3};
            for (int i = 0; i < 4; i++) {
                _mm512_mask_storeu_ps(s0 + t + 16 * i, m[i], _mm512_div_ps(a[i], vdiv));
                if (h0 + 1 < n_q)
                    _mm512_mask_storeu_ps(s0 + score_stride + t + 16 * i, m[i],
                                          _mm512_div_ps(b[i], vdiv));
            }
        }
    }
    return;
#elif defined(NANO_X86)
    for (; t + 8 <= n_pos; t += 8)
        for (int h = 0; h < n_q; h++) {
            const float *k = kt + key_at(t, 0, head_dim);
            __m256 a = _mm256_setzero_ps();
            for (int j = 0; j < head_dim; j++)
                a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(q[h * head_dim + j]),
                                                   _mm256_loadu_ps(k + j * KEY_TILE)));
            _mm256_storeu_ps(scores + h * score_stride + t, _mm256_div_ps(a, _mm256_set1_ps(div)));
        }
#elif defined(NANO_WASM)
    /* One key tile (16 positions, four registers) for two query heads at a time: eight
     * independent sums, where one sum per head would wait on each add's latency, and each key
     * load serves both heads. The tile stays in L1 while the heads visit it. */
    const v128_t vdiv = wasm_f32x4_splat(div);
    const size_t tile_bytes = (size_t)head_dim * KEY_TILE * sizeof(float);
    const int n_tiles = (n_pos + KEY_TILE - 1) / KEY_TILE;
    touch_range(kt,
                (n_tiles < ATTENTION_TOUCH_TILES ? n_tiles : ATTENTION_TOUCH_TILES) * tile_bytes);
    for (; t + KEY_TILE <= n_pos; t += KEY_TILE) {
        const float *k = kt + key_at(t, 0, head_dim);
        if (t / KEY_TILE + ATTENTION_TOUCH_TILES < n_tiles) /* the tile that many ahead */
            touch_range(k + ATTENTION_TOUCH_TILES * tile_bytes / sizeof(float), tile_bytes);
        for (int h0 = 0; h0 < n_q; h0 += 2) {
            const float *q0 = q + (size_t)h0 * head_dim;
            const float *q1 = h0 + 1 < n_q ? q0 + head_dim : q0; /* a lone last head runs twice */
            v128_t a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = b[i] = wasm_f32x4_splat(0.0f);
            for (int j = 0; j < head_dim; j++)
                mul_add_2x16(a, b, wasm_v128_load32_splat(q0 + j), wasm_v128_load32_splat(q1 + j),
                             k + (size_t)j * KEY_TILE);
            float *s0 = scores + h0 * score_stride + t;
            for (int i = 0; i < 4; i++) {
                wasm_v128_store(s0 + 4 * i, wasm_f32x4_div(a[i], vdiv));
                if (h0 + 1 < n_q)
                    wasm_v128_store(s0 + score_stride + 4 * i, wasm_f32x4_div(b[i], vdiv));
            }
        }
    }
    for (; t + 4 <= n_pos; t += 4) /* the last, partial tile */
        for (int h = 0; h < n_q; h++) {
            const float *k = kt + key_at(t, 0, head_dim);
            v128_t a = wasm_f32x4_splat(0.0f);
            for (int j = 0; j < head_dim; j++)
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_f32x4_splat(q[h * head_dim + j]),
                                                     wasm_v128_load(k + j * KEY_TILE)));
            wasm_v128_store(scores + h * score_stride + t,
                            wasm_f32x4_div(a, wasm_f32x4_splat(div)));
        }
#endif
    scores_scalar(scores, score_stride, q, n_q, kt, t, n_pos, head_dim, div);
}

/* One head's mix, dimensions [d, head_dim), in plain C. */
static void mix_scalar(float *out, const float *att, const float *v, size_t v_stride, int n_pos,
                       int d, int head_dim) {
    for (; d < head_dim; d++) {
        float s = 0.0f;
        for (int t = 0; t < n_pos; t++) {
            float p = att[t] * v[t * v_stride + d];
            s += p;
        }
        out[d] = s;
    }
}

void attention_mix(float *out, const float *att, size_t att_stride, int n_q, const float *v,
                   size_t v_stride, int n_pos, int head_dim) {
#if defined(NANO_X86) && defined(__AVX512F__)
    /* Two heads and 48 dimensions (three registers each) at a time: six independent sums per
     * streamed row of values, each row loaded once for both heads. */
    for (int h0 = 0; h0 < n_q; h0 += 2) {
        const float *w0 = att + h0 * att_stride;
        const float *w1 = h0 + 1 < n_q ? w0 + att_stride : w0; /* a lone last head runs twice */
        for (int d = 0; d < head_dim; d += 48) {
            __mmask16 m[3];
            size_t o[3];
            for (int i = 0; i < 3; i++) {
                int left = head_dim - d - 16 * i;
                m[i] = left >= 16 ? 0xffff : left <= 0 ? 0 : (__mmask16)((1u << left) - 1);
                o[i] = m[i] ? (size_t)(d + 16 * i) : (size_t)d;
            }
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, b0 = a0, b1 = a0, b2 = a0;
            const size_t row_bytes = v_stride * sizeof(float);
            const size_t end = (size_t)n_pos * row_bytes; /* the rows are one region */
            if (h0 == 0 && d == 0)
                prefetch_range(v, ATTENTION_PREFETCH_BYTES < end ? ATTENTION_PREFETCH_BYTES : end);
            size_t ahead = ATTENTION_PREFETCH_BYTES; /* next byte to ask for */
            for (int t = 0; t < n_pos; t++) {
                const float *vt = v + t * v_stride;
                if (h0 == 0 && d == 0)
                    for (; ahead < end &&
                           ahead < (size_t)(t + 1) * row_bytes + ATTENTION_PREFETCH_BYTES;
                         ahead += 64)
                        _mm_prefetch((const char *)v + ahead, _MM_HINT_T0);
                __m512 v0 = _mm512_maskz_loadu_ps(m[0], vt + o[0]);
                __m512 v1 = _mm512_maskz_loadu_ps(m[1], vt + o[1]);
                __m512 v2 = _mm512_maskz_loadu_ps(m[2], vt + o[2]);
                __m512 x0 = _mm512_set1_ps(w0[t]), x1 = _mm512_set1_ps(w1[t]);
                a0 = _mm512_add_ps(a0, _mm512_mul_ps(x0, v0));
                a1 = _mm512_add_ps(a1, _mm512_mul_ps(x0, v1));
                a2 = _mm512_add_ps(a2, _mm512_mul_ps(x0, v2));
                b0 = _mm512_add_ps(b0, _mm512_mul_ps(x1, v0));
                b1 = _mm512_add_ps(b1, _mm512_mul_ps(x1, v1));
                b2 = _mm512_add_ps(b2, _mm512_mul_ps(x1, v2));
            }
            float *out0 = out + (size_t)h0 * head_dim;
            _mm512_mask_storeu_ps(out0 + o[0], m[0], a0);
            _mm512_mask_storeu_ps(out0 + o[1], m[1], a1);
            _mm512_mask_storeu_ps(out0 + o[2], m[2], a2);
            if (h0 + 1 < n_q) {
                float *out1 = out0 + head_dim;
                _mm512_mask_storeu_ps(out1 + o[0], m[0], b0);
                _mm512_mask_storeu_ps(out1 + o[1], m[1], b1);
                _mm512_mask_storeu_ps(out1 + o[2], m[2], b2);
            }
        }
    }
    return;
#elif defined(NANO_WASM)
    /* Two heads and 16 dimensions (four registers each) at a time: eight independent sums per
     * streamed row of values, each row's slice loaded once for both heads. */
    for (int h0 = 0; h0 < n_q; h0 += 2) {
        const float *w0 = att + h0 * att_stride;
        const float *w1 = h0 + 1 < n_q ? w0 + att_stride : w0; /* a lone last head runs twice */
        float *out0 = out + (size_t)h0 * head_dim, *out1 = out0 + head_dim;
        const size_t row_bytes = v_stride * sizeof(float);
        if (h0 == 0) /* the first rows; the first pass below touches the rest ahead */
            touch_range(v,
                        (n_pos < ATTENTION_TOUCH_ROWS ? n_pos : ATTENTION_TOUCH_ROWS) * row_bytes);
        int d = 0;
        for (; d + 16 <= head_dim; d += 16) {
            v128_t a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = b[i] = wasm_f32x4_splat(0.0f);
            for (int t = 0; t < n_pos; t++) {
                const float *vt = v + (size_t)t * v_stride + d;
                if (h0 == 0 && d == 0) {
                    if (t + ATTENTION_TOUCH_ROWS < n_pos)
                        touch_range(vt + ATTENTION_TOUCH_ROWS * v_stride, row_bytes);
                    if (armed.k) armed_step(); /* the next head (attention_warm) */
                }
                mul_add_2x16(a, b, wasm_v128_load32_splat(w0 + t), wasm_v128_load32_splat(w1 + t),
                             vt);
            }
            for (int i = 0; i < 4; i++) {
                wasm_v128_store(out0 + d + 4 * i, a[i]);
                if (h0 + 1 < n_q) wasm_v128_store(out1 + d + 4 * i, b[i]);
            }
        }
        for (; d + 4 <= head_dim; d += 4) {
            v128_t a0 = wasm_f32x4_splat(0.0f), b0 = a0;
            for (int t = 0; t < n_pos; t++) {
                v128_t v0 = wasm_v128_load(v + (size_t)t * v_stride + d);
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load32_splat(w0 + t), v0));
                b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(wasm_v128_load32_splat(w1 + t), v0));
            }
            wasm_v128_store(out0 + d, a0);
            if (h0 + 1 < n_q) wasm_v128_store(out1 + d, b0);
        }
        mix_scalar(out0, w0, v, v_stride, n_pos, d, head_dim);
        if (h0 + 1 < n_q) mix_scalar(out1, w1, v, v_stride, n_pos, d, head_dim);
    }
    return;
#endif
    for (int h = 0; h < n_q; h++) {
        const float *a = att + h * att_stride;
        float *o = out + (size_t)h * head_dim;
        int d = 0;
#if defined(NANO_X86)
        for (; d + 8 <= head_dim; d += 8) {
            __m256 acc = _mm256_setzero_ps();
            for (int t = 0; t < n_pos; t++)
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(a[t]),
                                                       _mm256_loadu_ps(v + t * v_stride + d)));
            _mm256_storeu_ps(o + d, acc);
        }
#endif
        mix_scalar(o, a, v, v_stride, n_pos, d, head_dim);
    }
}

/* ======================================================================================== */
/* Vector building blocks                                                                    */
/* ======================================================================================== */

void add_f32(float *y, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] += x[i];
}

void rmsnorm(float *o, const float *x, const float *w, int n) {
    float ss = dot_f32(x, x, n);
    ss /= (float)n;
    ss += 1e-5f;
    ss = 1.0f / sqrtf(ss);
    for (int j = 0; j < n; j++) o[j] = w[j] * (ss * x[j]);
}

/* e^x as a fixed sequence of IEEE operations (Cephes' expf: x = k·ln2 + r, a degree-6
 * polynomial for e^r, then 2^k from the exponent bits), so every build gets the same bits
 * (C libraries' expf differ in the last place). Relative error ≈ 1e-7. Inputs are clamped to
 * [-87.3, 88]: the result stays a normal float (e^-87.3 ≈ 1.2e-38 stands in for smaller values;
 * e^88 ≈ 1.7e38 for larger ones), which softmax and SiLU never notice. */
#define EXP_LO -87.33654f
#define EXP_HI 88.0f
#define EXP_LOG2E 1.44269504088896341f
#define EXP_C1 0.693359375f /* ln 2 = C1 - C2, C1 with few bits so k·C1 is exact */
#define EXP_C2 -2.12194440e-4f
#define EXP_P0 1.9875691500e-4f
#define EXP_P1 1.3981999507e-3f
#define EXP_P2 8.3334519073e-3f
#define EXP_P3 4.1665795894e-2f
#define EXP_P4 1.6666665459e-1f
#define EXP_P5 5.0000001201e-1f

static inline float exp_scalar(float x) {
    /* one operation per statement, so no compiler can fuse a multiply-add. The clamps are
     * written so that a NaN becomes EXP_LO, as _mm256_max_ps does: never an undefined int cast */
    x = x > EXP_LO ? x : EXP_LO;
    x = x < EXP_HI ? x : EXP_HI;
    float k = x * EXP_LOG2E;
    k = floorf(k + 0.5f);
    float kc = k * EXP_C1;
    float r = x - kc;
    kc = k * EXP_C2;
    r = r - kc;
    float z = r * r;
    float y = EXP_P0;
    const float coef[5] = {EXP_P1, EXP_P2, EXP_P3, EXP_P4, EXP_P5};
    for (int i = 0; i < 5; i++) {
        y = y * r;
        y = y + coef[i];
    }
    y = y * z;
    y = y + r;
    y = y + 1.0f;
    int32_t bits = ((int32_t)k + 127) << 23; /* 2^k, k in [-126, 127] */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}

#if defined(NANO_X86)
/* 8 lanes of exp_scalar, operation for operation. */
static inline __m256 exp8(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(EXP_LO));
    x = _mm256_min_ps(x, _mm256_set1_ps(EXP_HI));
    __m256 k = _mm256_mul_ps(x, _mm256_set1_ps(EXP_LOG2E));
    k = _mm256_floor_ps(_mm256_add_ps(k, _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(k, _mm256_set1_ps(EXP_C1)));
    r = _mm256_sub_ps(r, _mm256_mul_ps(k, _mm256_set1_ps(EXP_C2)));
    __m256 z = _mm256_mul_ps(r, r);
    __m256 y = _mm256_set1_ps(EXP_P0);
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(EXP_P1));
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(EXP_P2));
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(EXP_P3));
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(EXP_P4));
    y = _mm256_add_ps(_mm256_mul_ps(y, r), _mm256_set1_ps(EXP_P5));
    y = _mm256_add_ps(_mm256_mul_ps(y, z), r);
    y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
    __m256i bits =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}
#elif defined(NANO_WASM)
/* 4 lanes of exp_scalar, operation for operation. */
static inline v128_t exp4(v128_t x) {
    /* pmax(a, b) = a < b ? b : a, so with the bound first a NaN becomes EXP_LO, as on x86 */
    x = wasm_f32x4_pmax(wasm_f32x4_splat(EXP_LO), x);
    x = wasm_f32x4_pmin(x, wasm_f32x4_splat(EXP_HI));
    v128_t k = wasm_f32x4_mul(x, wasm_f32x4_splat(EXP_LOG2E));
    k = wasm_f32x4_floor(wasm_f32x4_add(k, wasm_f32x4_splat(0.5f)));
    v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(k, wasm_f32x4_splat(EXP_C1)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(k, wasm_f32x4_splat(EXP_C2)));
    v128_t z = wasm_f32x4_mul(r, r);
    v128_t y = wasm_f32x4_splat(EXP_P0);
    y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(EXP_P1));
    y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(EXP_P2));
    y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(EXP_P3));
    y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(EXP_P4));
    y = wasm_f32x4_add(wasm_f32x4_mul(y, r), wasm_f32x4_splat(EXP_P5));
    y = wasm_f32x4_add(wasm_f32x4_mul(y, z), r);
    y = wasm_f32x4_add(y, wasm_f32x4_splat(1.0f));
    v128_t bits =
        wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(k), wasm_i32x4_splat(127)), 23);
    return wasm_f32x4_mul(y, bits);
}
#endif

/* x[i] = e^(x[i] - shift) for n floats. */
static void exp_shifted(float *x, float shift, int n) {
    int i = 0;
#if defined(NANO_X86)
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(shift))));
#elif defined(NANO_WASM)
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(x + i,
                        exp4(wasm_f32x4_sub(wasm_v128_load(x + i), wasm_f32x4_splat(shift))));
#endif
    for (; i < n; i++) x[i] = exp_scalar(x[i] - shift);
}

void softmax(float *x, int n) {
    float max = x[0]; /* (a maximum is exact in any order) */
    int i = 1;
#if defined(NANO_X86)
    if (n >= 8) {
        __m256 m = _mm256_loadu_ps(x);
        for (i = 8; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
        float lanes[8];
        _mm256_storeu_ps(lanes, m);
        for (int l = 0; l < 8; l++)
            if (lanes[l] > max) max = lanes[l];
    }
#endif
    for (; i < n; i++)
        if (x[i] > max) max = x[i];
    exp_shifted(x, max, n);
    float sum = 0.0f; /* in order, as the original */
    for (int i = 0; i < n; i++) sum += x[i];
    for (int i = 0; i < n; i++) x[i] /= sum;
}

void swiglu(float *gate, const float *up, int n) {
    int i = 0;
#if defined(NANO_X86)
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(gate + i);
        __m256 e = exp8(_mm256_xor_ps(v, _mm256_set1_ps(-0.0f)));
        __m256 sig = _mm256_div_ps(one, _mm256_add_ps(one, e));
        v = _mm256_mul_ps(v, sig);
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(v, _mm256_loadu_ps(up + i)));
    }
#elif defined(NANO_WASM)
    const v128_t one = wasm_f32x4_splat(1.0f);
    for (; i + 4 <= n; i += 4) {
        v128_t v = wasm_v128_load(gate + i);
        v128_t e = exp4(wasm_f32x4_neg(v));
        v128_t sig = wasm_f32x4_div(one, wasm_f32x4_add(one, e));
        v = wasm_f32x4_mul(v, sig);
        wasm_v128_store(gate + i, wasm_f32x4_mul(v, wasm_v128_load(up + i)));
    }
#endif
    for (; i < n; i++) {
        float v = gate[i];
        float sig = 1.0f / (1.0f + exp_scalar(-v));
        v = v * sig;
        gate[i] = v * up[i];
    }
}
