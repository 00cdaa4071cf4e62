/* kernels.h — the hot loops of the forward pass, one function per idea.
 *
 * Every kernel writes into buffers its caller owns and allocates nothing. Each has one plain C
 * version that defines what it computes and, where it pays, SIMD versions for x86 (AVX2 + FMA,
 * AVX-512 and VNNI when the compiler targets them) and WebAssembly SIMD128, chosen at compile
 * time. Matrix products take a batch of tokens: the single-token decode path is the same code
 * with n_tokens = 1, so a prefill and step-by-step decoding give bit-identical results.
 */
#ifndef NANO_KERNELS_H
#define NANO_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A little-endian f32 at a possibly unaligned address (Q8_0 scales sit right after int8 data). */
static inline float load_f32(const uint8_t *p) {
    float f;
    memcpy(&f, p, sizeof f);
    return f;
}

/* Name of the SIMD path this build compiled in ("avx512", "avx2", "wasm-simd128", "scalar"). */
const char *kernels_simd_name(void);

/* Whether this build's single-token matrix kernels can prefetch ahead of their loads (x86). */
int kernels_can_prefetch_ahead(void);

/* Turn that prefetch on or off, for every thread (it starts on). Machines disagree on it: on one
 * 2-core AMD EPYC VM it let Q8_0 decode at 1 thread read beyond the bandwidth probe, on another
 * it cost a fifth of the decode speed, so sessions measure it (forward.c nano_step). Results
 * never depend on it. */
void kernels_set_prefetch_ahead(int on);

/* ---- matrix products (rows of W against a batch of vectors) ----------------------------- */

/* out[t·out_stride + r] = W[r,:] · x[t·x_stride + :] for r < rows, t < n_tokens.
 * W: (rows, cols) row-major f32. Each output is the same sum, in the same order, whatever
 * rows and n_tokens are: 16 strided partial sums, a fixed tree, then the leftover columns.
 * readable_rows (≥ rows): rows of W that exist from w on; a single token's product prefetches
 * past its own rows into them, so a matrix split into chunks still streams without gaps. */
void matmul_f32(float *out, size_t out_stride, const float *w, int rows, int readable_rows,
                int cols, const float *x, size_t x_stride, int n_tokens);

/* The Q8_0 product of the original engine (NANO-FORMAT.md §4): per group of `group_size`
 * columns, an exact int32 dot of the int8 weights and the int8 activations, then
 * out += ((float)dot · w_scale) · x_scale, group after group.
 * wq: (rows, cols) int8; ws: rows·cols/group_size f32 scales, possibly unaligned;
 * xq: n_tokens rows of cols int8 (stride cols); xs: n_tokens rows of cols/group_size scales;
 * x16: NULL, or (when n_tokens is 1 and kernels_q8_wants_i16()) xq widened to int16 by
 * widen_i8, which the WebAssembly decode reads instead of widening x once per row;
 * readable_rows as for matmul_f32.
 * packed_rows > 0: the first packed_rows rows (from wq, which starts a tile) are in the layout
 * of kernels_q8_pack, cols + 4·cols/group_size bytes per row with their scales inside; the rows
 * after them follow as in the file, and ws points to those rows' scales. */
void matmul_q8(float *out, size_t out_stride, const int8_t *wq, const uint8_t *ws, int rows,
               int readable_rows, int cols, int group_size, const int8_t *xq, const float *xs,
               const int16_t *x16, int n_tokens, int packed_rows);

/* Rearrange a Q8_0 matrix in place, once, into the layout this build's matrix kernels read
 * fastest. q: the matrix as the file stores it, rows·cols int8 values, then their
 * rows·cols/group_size f32 scales. Packed, it is tiles of 16 rows, each tile group after group:
 * the group's 16·group_size weights in the build's order (x86 with AVX-512 VNNI: every 4
 * columns of the 16 rows one 64-byte vector; WebAssembly: every 2 columns 32 bytes; kernels.c
 * explains why), then the 16 rows' scales of that group. The rows after the last whole tile
 * follow, row-major, then their scales: the bytes keep their total size. Returns how many
 * leading rows are packed, a multiple of 16. 0, and nothing changed, on builds without such a
 * layout, for group sizes it does not take (not a multiple of 4 on x86, of 2 in WebAssembly),
 * or when the memory it works in (the tiles' scales and one tile) cannot be allocated. */
int kernels_q8_pack(uint8_t *q, int rows, int cols, int group_size);

/* Whether matmul_q8's single-token product uses an int16 copy of the activations: WebAssembly
 * SIMD has an int16 dot instruction (one pmaddwd on x86) but no int8 one. */
static inline int kernels_q8_wants_i16(void) {
#if defined(__wasm_simd128__) && !defined(__AVX2__)
    return 1;
#else
    return 0;
#endif
}

/* y[i] = x[i] (n int8 values widened to int16). */
void widen_i8(int16_t *y, const int8_t *x, int n);

/* Quantize x (n floats) to Q8_0 like the original engine: per group scale = max|x| / 127 and
 * q = round(x / scale), halves away from zero. An all-zero group gets scale 0 and zeros. */
void quantize_q8(int8_t *q, float *s, const float *x, int n, int group_size);

/* x[i] = q[i] · scale of its group: one row of a Q8_0 matrix, e.g. a token's embedding. */
void dequantize_q8_row(float *x, const int8_t *q, const uint8_t *s, int n, int group_size);
/* The same for row `row` of a matrix q (kernels_q8_pack) whose rows up to and including it
 * are packed. */
void dequantize_q8_packed_row(float *x, const int8_t *q, int row, int cols, int group_size);

/* ---- attention ---------------------------------------------------------------------------- */

/* Cached keys are stored in tiles of KEY_TILE positions, transposed within a tile: a head's
 * keys are kt[(t / KEY_TILE)·head_dim·KEY_TILE + j·KEY_TILE + t % KEY_TILE] = k_t[j], so one
 * vector load fetches dimension j of many positions, the sum over head_dim vectorizes across
 * positions without changing its order, and the positions attention reads are one contiguous
 * region that grows by a tile at a time. */
enum { KEY_TILE = 16 };

/* Attention scores of n_q query heads that share one key head (grouped-query attention):
 * scores[h·score_stride + t] = (q_h · k_t) / div for t < n_pos, the dot product summed over
 * head_dim in order, as the original engine does. q: (n_q, head_dim); kt: the head's tiles. */
void attention_scores(float *scores, size_t score_stride, const float *q, int n_q, const float *kt,
                      int n_pos, int head_dim, float div);

/* For each of n_q query heads h sharing one value head: out[h·head_dim ..] = Σ_t att_h[t] · v_t
 * over t < n_pos, summed in order of t. att_h = att[h·att_stride ..], v_t = v[t·v_stride ..]. */
void attention_mix(float *out, const float *att, size_t att_stride, int n_q, const float *v,
                   size_t v_stride, int n_pos, int head_dim);

/* Start bringing n bytes at p toward the core, for a kernel that will read them soon: the start
 * of a stream that would otherwise begin cold. WebAssembly: a load of every cache line;
 * elsewhere nothing (the kernels prefetch). */
void kernels_warm(const void *p, size_t n);

/* Bring a head's cached keys (kt, its tiles) and values (v, n_pos rows of head_dim) toward the
 * core ahead of attention_scores and attention_mix over them: called before another head's
 * attention_mix on the same thread, which then loads them a few cache lines per row it mixes.
 * WebAssembly only (it has no prefetch instruction); elsewhere nothing (attention prefetches). */
void attention_warm(const float *kt, const float *v, int n_pos, int head_dim);

/* Prefetch the cached keys and values of n_heads heads, head h's kt_bytes from kt + h·kt_stride
 * and v_bytes from v + h·v_stride (strides in floats), a few cache lines at a time while this
 * thread's next single-token Q8_0 products stream about over_bytes of weights; n_heads = 0
 * stops it. For one thread's decode, whose Q/K/V products leave memory time unused: attention
 * then finds its keys and values in cache. Only the AVX-512 packed Q8_0 kernels step it;
 * elsewhere it does nothing. */
void attention_prefetch_alongside(const float *kt, size_t kt_stride, size_t kt_bytes,
                                  const float *v, size_t v_stride, size_t v_bytes, int n_heads,
                                  size_t over_bytes);

/* ---- vector building blocks -------------------------------------------------------------- */

/* a · b over n floats, in the same order as one output of matmul_f32. */
float dot_f32(const float *a, const float *b, int n);
/* y += x (n floats). */
void add_f32(float *y, const float *x, int n);
/* o = x · w / sqrt(mean(x²) + 1e-5) (o may be x). */
void rmsnorm(float *o, const float *x, const float *w, int n);
/* In-place softmax of n floats (max subtracted first, for stability). */
void softmax(float *x, int n);
/* gate[i] = SiLU(gate[i]) · up[i], SiLU(v) = v · sigmoid(v): the SwiGLU non-linearity. */
void swiglu(float *gate, const float *up, int n);

#endif /* NANO_KERNELS_H */
