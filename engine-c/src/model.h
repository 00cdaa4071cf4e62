/* model.h — the engine's internal view of a loaded model and LoRA module.
 *
 * model.c fills these structs from a validated `.bin` (NANO-FORMAT.md §1–5); forward.c reads
 * them. Weights point straight into the file's bytes: nothing is copied at load time, so a
 * 168M-parameter model costs its file size and no more. Q8_0 matrices of a model that owns its
 * bytes may be rearranged in place, once, for the kernels (NanoMatrix.packed_rows).
 */
#ifndef NANO_MODEL_H
#define NANO_MODEL_H

#include "nano.h"

/* One weight matrix (rows × cols, row-major), F32 or Q8_0.
 * Q8_0: value[i] = q[i] * s[i / group_size]; groups run along the flattened matrix and (by
 * validation) never straddle two rows. Scales may be unaligned in the file: read them with
 * load_f32() from kernels.h, never by dereferencing `s` directly. */
typedef struct {
    const float *f;   /* F32 weights, or NULL when quantized */
    const int8_t *q;  /* Q8_0 values, or NULL for F32 */
    const uint8_t *s; /* Q8_0 group scales (f32, possibly unaligned), or NULL for F32 */
    int32_t rows, cols;
    /* Q8_0 rows [0, packed_rows) were rearranged at load time into the layout the build's
     * kernels read fastest (kernels_q8_pack), their scales inside the tiles; the rest are as in
     * the file, and then `s` points to their scales. Find rows with nano_q8_row. */
    int32_t packed_rows;
} NanoMatrix;

/* Where row r of a Q8_0 matrix starts: its int8 values (*q) and its scales (*s). A packed row
 * (r < packed_rows, then a multiple of 16, the start of a tile) keeps its scales inside the
 * tile: *s is then the scales of the first row after the packed ones. */
static inline void nano_q8_row(const NanoMatrix *w, int r, int group_size, const int8_t **q,
                               const uint8_t **s) {
    size_t ng = (size_t)(w->cols / group_size), packed = (size_t)w->packed_rows;
    size_t packed_row_bytes = (size_t)w->cols + 4 * ng; /* values and scales */
    if ((size_t)r < packed) {
        *q = w->q + (size_t)r * packed_row_bytes;
        *s = w->s;
    } else {
        *q = w->q + packed * packed_row_bytes + ((size_t)r - packed) * (size_t)w->cols;
        *s = w->s + 4 * ng * ((size_t)r - packed);
    }
}

typedef struct NanoTokenizer NanoTokenizer; /* tokenizer.c */

struct NanoModel {
    NanoConfig cfg;
    uint8_t *data; /* the whole file */
    size_t len;
    int owns_data;    /* free(data) (or munmap) when the model is freed */
    int data_is_mmap; /* data came from mmap(): release with munmap */
    NanoTokenizer *tokenizer;

    const float *attention_norm; /* (n_layer, n_embd) */
    const float *ffn_norm;       /* (n_layer, n_embd) */
    const float *final_norm;     /* (n_embd) */
    NanoMatrix tok_embeddings;   /* (vocab_size, n_embd) */
    NanoMatrix *wq;              /* [n_layer] each (n_head*head_dim, n_embd) */
    NanoMatrix *wk;              /* [n_layer] each (kv_dim, n_embd) */
    NanoMatrix *wv;              /* [n_layer] each (kv_dim, n_embd) */
    NanoMatrix *wo;              /* [n_layer] each (n_embd, n_head*head_dim) */
    NanoMatrix *w1;              /* [n_layer] each (n_hidden, n_embd), gate */
    NanoMatrix *w2;              /* [n_layer] each (n_embd, n_hidden), down */
    NanoMatrix *w3;              /* [n_layer] each (n_hidden, n_embd), up */
    const float *freqs_cos;      /* (block_size, head_dim/2) */
    const float *freqs_sin;      /* (block_size, head_dim/2) */
    NanoMatrix output;           /* (vocab_size, n_embd); == tok_embeddings when shared */
};

/* The four adapted projections, in file order. */
enum { NANO_LORA_WQ = 0, NANO_LORA_WK = 1, NANO_LORA_WV = 2, NANO_LORA_WO = 3 };

struct NanoLora {
    const NanoModel *base;
    int32_t rank, alpha;
    float scale; /* alpha / rank */
    float *data; /* owned copy of all tensors (aligned) */
    /* a[p]: (n_layer, rank, in_features); b[p]: (n_layer, out_features, rank) */
    const float *a[4];
    const float *b[4];
    int32_t in_features[4], out_features[4];
};

#endif /* NANO_MODEL_H */
