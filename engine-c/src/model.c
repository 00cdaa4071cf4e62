/* model.c — loading a Nano `.bin` model (NANO-FORMAT.md §1–4): read the file, validate every
 * field before anything is allocated from it, then point the weight tensors into the bytes.
 *
 * Mirrors the original engine's loader (infer.c) but trusts nothing: a bad file is a one-line
 * error naming the field, never a crash or an out-of-bounds read.
 */
#include "kernels.h"
#include "model.h"
#include "tokenizer.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Limits. Generous upper bounds on the config fields: each far above any Nano model, small enough
 * that every size computed from them fits comfortably in 64 bits.
 */
enum {
    HEADER_BYTES = 256,
    MAX_BLOCK_SIZE = 1 << 20,
    MIN_VOCAB_SIZE = 6, /* ids 0..5 are padding, unknown, bos, eos, instruct, response marks */
    MAX_VOCAB_SIZE = 1 << 21,
    MAX_N_LAYER = 1024,
    MAX_N_EMBD = 1 << 16,
    MAX_N_HEAD = 1024,
    MAX_N_HIDDEN = 1 << 18,
};
/* A session's KV cache (2 × n_layer × block_size × kv_dim floats) may not exceed this. */
#define MAX_KV_CACHE_BYTES (8ull << 30)

/* The model as allocated: the public struct plus what only this file needs to free. */
typedef struct {
    NanoModel m;      /* first, so a NanoModel* is a ModelBox* */
    float *rope_copy; /* aligned copy of freqs_cos/freqs_sin when they sit unaligned (Q8_0) */
} ModelBox;

/* ---------------------------------------------------------------------------------------------
 * The layout of the parameters (§3 F32, §4 Q8_0), written once and walked twice: first to compute
 * the exact file length (no model: only offsets), then to point the tensors into the bytes.
 * Offsets are 64-bit and overflow-checked, so a hostile header cannot wrap them.
 */
typedef struct {
    uint64_t at;   /* offset of the next tensor */
    int overflow;  /* some size did not fit in 64 bits */
    uint8_t *base; /* the file's bytes, or NULL while only measuring */
} Cursor;

/* Reserve count × elem_bytes bytes; returns the offset where they start. */
static uint64_t take(Cursor *c, uint64_t count, uint64_t elem_bytes) {
    uint64_t start = c->at;
    if (elem_bytes != 0 && count > UINT64_MAX / elem_bytes) {
        c->overflow = 1;
        return start;
    }
    uint64_t n = count * elem_bytes;
    if (c->at > UINT64_MAX - n)
        c->overflow = 1;
    else
        c->at += n;
    return start;
}

static const float *take_f32(Cursor *c, uint64_t count) {
    uint64_t at = take(c, count, 4);
    return c->base ? (const float *)(const void *)(c->base + at) : NULL;
}

/* One matrix: f32 values, or (Q8_0) int8 values then one f32 scale per group. */
static void take_matrix(Cursor *c, const NanoConfig *cfg, NanoMatrix *w, int32_t rows,
                        int32_t cols) {
    uint64_t n = (uint64_t)rows * (uint64_t)cols;
    if (cfg->quant_type == NANO_QUANT_F32) {
        const float *f = take_f32(c, n);
        if (w) *w = (NanoMatrix){.f = f, .rows = rows, .cols = cols};
    } else {
        uint64_t q = take(c, n, 1);
        uint64_t s = take(c, n / (uint64_t)cfg->group_size, 4);
        if (w)
            *w = (NanoMatrix){
                .q = (const int8_t *)(c->base + q), .s = c->base + s, .rows = rows, .cols = cols};
    }
}

/* Walk the parameters in file order from `c->at`. With m == NULL only the length is computed. */
static void walk_parameters(Cursor *c, const NanoConfig *cfg, NanoModel *m, uint64_t *rope_offset) {
    int32_t L = cfg->n_layer, E = cfg->n_embd, H = cfg->n_hidden;
    int32_t q_dim = cfg->n_head * cfg->head_dim, kv_dim = cfg->n_kv_head * cfg->head_dim;
    /* norms, always f32 */
    const float *attention_norm = take_f32(c, (uint64_t)L * E); /* (n_layer, n_embd) */
    const float *ffn_norm = take_f32(c, (uint64_t)L * E);       /* (n_layer, n_embd) */
    const float *final_norm = take_f32(c, (uint64_t)E);         /* (n_embd) */
    if (m) {
        m->attention_norm = attention_norm;
        m->ffn_norm = ffn_norm;
        m->final_norm = final_norm;
    }
    take_matrix(c, cfg, m ? &m->tok_embeddings : NULL, cfg->vocab_size, E);
    /* each projection, stacked over layers: wq[0..L), then wk[0..L), ... */
    struct {
        NanoMatrix *w;
        int32_t rows, cols;
    } stack[7] = {
        {m ? m->wq : NULL, q_dim, E}, {m ? m->wk : NULL, kv_dim, E}, {m ? m->wv : NULL, kv_dim, E},
        {m ? m->wo : NULL, E, q_dim}, {m ? m->w1 : NULL, H, E},      {m ? m->w2 : NULL, E, H},
        {m ? m->w3 : NULL, H, E},
    };
    for (int p = 0; p < 7; p++)
        for (int32_t l = 0; l < L; l++)
            take_matrix(c, cfg, stack[p].w ? &stack[p].w[l] : NULL, stack[p].rows, stack[p].cols);
    /* RoPE tables (block_size, head_dim/2) each; the unshared classifier comes after them. */
    uint64_t half = (uint64_t)cfg->head_dim / 2;
    *rope_offset = c->at;
    const float *freqs_cos = take_f32(c, (uint64_t)cfg->block_size * half);
    const float *freqs_sin = take_f32(c, (uint64_t)cfg->block_size * half);
    if (m) {
        m->freqs_cos = freqs_cos;
        m->freqs_sin = freqs_sin;
    }
    if (!cfg->is_shared_classifier)
        take_matrix(c, cfg, m ? &m->output : NULL, cfg->vocab_size, E);
    else if (m)
        m->output = m->tok_embeddings;
}

/* ---------------------------------------------------------------------------------------------
 * Validation of the header (§1), in the order the fields are read.
 */

static const char *quant_name(int32_t q) {
    switch (q) {
    case 0x01:
        return "F16";
    case 0x02:
        return "BF16";
    case 0x42:
        return "Q4_K";
    default:
        return "unknown";
    }
}

static int check_range(const char *name, int32_t v, int32_t lo, int32_t hi, char *err,
                       size_t errlen) {
    if (v < lo || v > hi)
        return nano_fail(err, errlen, NANO_E_FORMAT, "%s (%d) must be between %d and %d", name, v,
                         lo, hi);
    return NANO_OK;
}

static int check_header(const uint8_t *d, size_t len, NanoConfig *cfg, char *err, size_t errlen) {
    int rc = nano_check_header_magic(d, len, "model", err, errlen);
    if (rc) return rc;
    int32_t model_type = read_i32(d + 16);
    if (model_type == NANO_MODEL_TYPE_LORA)
        return nano_fail(err, errlen, NANO_E_FORMAT, "this is a LoRA module, not a model");
    if (model_type != NANO_MODEL_TYPE_NANO)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "model type %d is not supported (only Nano models, type 0)", model_type);
    int32_t quant = read_i32(d + 60);
    if (quant != NANO_QUANT_F32 && quant != NANO_QUANT_Q8_0)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "quant type 0x%02X (%s) is not supported (only F32 0x00 and Q8_0 0x80)",
                         (unsigned)quant, quant_name(quant));

    /* The config-length field (byte 20) is not trusted: nine ints follow whatever it says. */
    *cfg = (NanoConfig){
        .major_version = read_i32(d + 8),
        .minor_version = read_i32(d + 12),
        .block_size = read_i32(d + 24),
        .vocab_size = read_i32(d + 28),
        .n_layer = read_i32(d + 32),
        .n_embd = read_i32(d + 36),
        .n_head = read_i32(d + 40),
        .n_kv_head = read_i32(d + 44),
        .n_hidden = read_i32(d + 48),
        .is_shared_classifier = read_i32(d + 52),
        .head_dim = read_i32(d + 56),
        .quant_type = quant,
        .group_size = read_i32(d + 64),
    };
    if ((rc = check_range("block_size", cfg->block_size, 1, MAX_BLOCK_SIZE, err, errlen)) ||
        (rc = check_range("vocab_size", cfg->vocab_size, MIN_VOCAB_SIZE, MAX_VOCAB_SIZE, err,
                          errlen)) ||
        (rc = check_range("n_layer", cfg->n_layer, 1, MAX_N_LAYER, err, errlen)) ||
        (rc = check_range("n_embd", cfg->n_embd, 1, MAX_N_EMBD, err, errlen)) ||
        (rc = check_range("n_head", cfg->n_head, 1, MAX_N_HEAD, err, errlen)) ||
        (rc = check_range("n_kv_head", cfg->n_kv_head, 1, MAX_N_HEAD, err, errlen)) ||
        (rc = check_range("n_hidden", cfg->n_hidden, 1, MAX_N_HIDDEN, err, errlen)))
        return rc;
    if (cfg->n_embd % cfg->n_head != 0)
        return nano_fail(err, errlen, NANO_E_FORMAT, "n_embd (%d) is not divisible by n_head (%d)",
                         cfg->n_embd, cfg->n_head);
    if (cfg->n_head % cfg->n_kv_head != 0)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "n_head (%d) is not divisible by n_kv_head (%d)", cfg->n_head,
                         cfg->n_kv_head);
    if (cfg->head_dim != cfg->n_embd / cfg->n_head)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "head_dim (%d) is not n_embd / n_head (%d / %d = %d)", cfg->head_dim,
                         cfg->n_embd, cfg->n_head, cfg->n_embd / cfg->n_head);
    if (cfg->head_dim % 2 != 0)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "head_dim (%d) is odd (RoPE rotates pairs of dimensions)", cfg->head_dim);
    if (cfg->is_shared_classifier != 0 && cfg->is_shared_classifier != 1)
        return nano_fail(err, errlen, NANO_E_FORMAT, "is_shared_classifier (%d) must be 0 or 1",
                         cfg->is_shared_classifier);
    if (quant == NANO_QUANT_F32 && cfg->group_size != 0)
        return nano_fail(err, errlen, NANO_E_FORMAT, "group size (%d) must be 0 in an F32 file",
                         cfg->group_size);
    if (quant == NANO_QUANT_Q8_0) {
        int32_t g = cfg->group_size;
        if (g <= 0)
            return nano_fail(err, errlen, NANO_E_FORMAT,
                             "group size (%d) must be positive for Q8_0", g);
        /* Quantized rows are n_embd (embeddings, wq/wk/wv, w1/w3, classifier), n_head*head_dim
         * (wo) and n_hidden (w2) long; a group never straddles two rows. */
        if (cfg->n_embd % g != 0 || (cfg->n_head * cfg->head_dim) % g != 0 ||
            cfg->n_hidden % g != 0)
            return nano_fail(err, errlen, NANO_E_FORMAT,
                             "group size (%d) does not divide the row lengths n_embd (%d) and "
                             "n_hidden (%d)",
                             g, cfg->n_embd, cfg->n_hidden);
    }
    return NANO_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Loading.
 */

/* Rearrange every Q8_0 matrix the forward pass multiplies by into the kernels' layout
 * (kernels_q8_pack), in the model's own bytes. A separate embedding table is only ever read a
 * row at a time, so it stays as it is; a shared one is the classifier and is packed. */
/* Pack one Q8_0 matrix of the model's own bytes (kernels_q8_pack), which needs its scales
 * right after its values, as the format stores every tensor. */
static void pack_matrix(NanoModel *m, NanoMatrix *w) {
    int gs = m->cfg.group_size;
    size_t values = (size_t)w->rows * (size_t)w->cols;
    if (w->s != (const uint8_t *)w->q + values) return;
    uint8_t *q = m->data + ((const uint8_t *)w->q - m->data); /* writable: the model owns it */
    int packed = kernels_q8_pack(q, w->rows, w->cols, gs);
    if (packed == 0) return;
    size_t ng = (size_t)(w->cols / gs);
    w->packed_rows = packed;
    w->s = q + (size_t)packed * ((size_t)w->cols + 4 * ng) +
           (size_t)(w->rows - packed) * (size_t)w->cols;
}

static void pack_matrices(NanoModel *m) {
    const NanoConfig *cfg = &m->cfg;
    NanoMatrix *mats[] = {m->wq, m->wk, m->wv, m->wo, m->w1, m->w2, m->w3};
    for (int p = 0; p < 7; p++)
        for (int32_t l = 0; l < cfg->n_layer; l++) pack_matrix(m, &mats[p][l]);
    pack_matrix(m, &m->output);
    if (cfg->is_shared_classifier) m->tok_embeddings = m->output; /* the same bytes */
}

/* Validate `data` completely, then build the model around it. On failure nothing is kept and
 * `data` still belongs to the caller. */
static int load(uint8_t *data, size_t len, int owns_data, int data_is_mmap, NanoModel **out,
                char *err, size_t errlen) {
    NanoConfig cfg;
    int rc = check_header(data, len, &cfg, err, errlen);
    if (rc) return rc;
    size_t tok_len = 0;
    rc = nano_tokenizer_check(data + HEADER_BYTES, len - HEADER_BYTES, cfg.vocab_size, &tok_len,
                              err, errlen);
    if (rc) return rc;

    Cursor c = {.at = HEADER_BYTES + (uint64_t)tok_len};
    uint64_t rope_offset = 0;
    walk_parameters(&c, &cfg, NULL, &rope_offset);
    if (c.overflow || c.at != (uint64_t)len)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "file is %zu bytes but its header implies %llu", len,
                         c.overflow ? (unsigned long long)UINT64_MAX : (unsigned long long)c.at);
    uint64_t kv_bytes = 2ull * (uint64_t)cfg.n_layer * (uint64_t)cfg.block_size *
                        (uint64_t)(cfg.n_kv_head * cfg.head_dim) * sizeof(float);
    if (kv_bytes > MAX_KV_CACHE_BYTES)
        return nano_fail(
            err, errlen, NANO_E_FORMAT,
            "the KV cache would take %llu MiB (block_size %d, n_layer %d, kv_dim %d); the "
            "limit is %llu MiB",
            (unsigned long long)(kv_bytes >> 20), cfg.block_size, cfg.n_layer,
            cfg.n_kv_head * cfg.head_dim, (unsigned long long)(MAX_KV_CACHE_BYTES >> 20));

    /* Everything checked: allocate. */
    ModelBox *box = calloc(1, sizeof *box);
    NanoMatrix *mats = calloc(7 * (size_t)cfg.n_layer, sizeof *mats);
    NanoTokenizer *tok = NULL;
    if (!box || !mats || (rc = nano_tokenizer_new(data + HEADER_BYTES, cfg.vocab_size, &tok))) {
        free(box);
        free(mats);
        return nano_fail(err, errlen, rc ? rc : NANO_E_NOMEM, "out of memory loading the model");
    }
    NanoModel *m = &box->m;
    m->cfg = cfg;
    m->data = data;
    m->len = len;
    m->owns_data = owns_data;
    m->data_is_mmap = data_is_mmap;
    m->tokenizer = tok;
    size_t L = (size_t)cfg.n_layer;
    m->wq = mats, m->wk = mats + L, m->wv = mats + 2 * L, m->wo = mats + 3 * L;
    m->w1 = mats + 4 * L, m->w2 = mats + 5 * L, m->w3 = mats + 6 * L;
    c = (Cursor){.at = HEADER_BYTES + (uint64_t)tok_len, .base = data};
    walk_parameters(&c, &cfg, m, &rope_offset);

    if (owns_data && cfg.quant_type == NANO_QUANT_Q8_0) pack_matrices(m);

    /* In Q8_0 files the RoPE tables follow int8 tensors and may be unaligned; forward.c reads
     * them as floats, so keep an aligned copy (it is small: 2 × block_size × head_dim/2). */
    if (rope_offset % sizeof(float) != 0) {
        size_t n = (size_t)cfg.block_size * (size_t)(cfg.head_dim / 2);
        box->rope_copy = malloc(2 * n * sizeof(float));
        if (!box->rope_copy) {
            m->owns_data = 0;
            nano_model_free(m);
            return nano_fail(err, errlen, NANO_E_NOMEM, "out of memory loading the model");
        }
        memcpy(box->rope_copy, data + rope_offset, 2 * n * sizeof(float));
        m->freqs_cos = box->rope_copy;
        m->freqs_sin = box->rope_copy + n;
    }
    *out = m;
    return NANO_OK;
}

/* Validate the bytes of a `.bin` model and use them in place; ownership passes only on success. */
int nano_model_load_bytes(uint8_t *data, size_t len, int take_ownership, NanoModel **out, char *err,
                          size_t errlen) {
    if (err && errlen > 0) err[0] = '\0';
    if (!out) return nano_fail(err, errlen, NANO_E_ARG, "no place to store the model");
    *out = NULL;
    if (!data && len > 0) return nano_fail(err, errlen, NANO_E_ARG, "no model bytes");
    if ((uintptr_t)data % sizeof(float) != 0)
        return nano_fail(err, errlen, NANO_E_ARG, "model bytes must be 4-byte aligned");
    return load(data, len, take_ownership != 0, 0, out, err, errlen);
}

/* Read a `.bin` model file into memory owned by the model, validate it and load it. */
int nano_model_load_file(const char *path, NanoModel **out, char *err, size_t errlen) {
    if (err && errlen > 0) err[0] = '\0';
    if (!out) return nano_fail(err, errlen, NANO_E_ARG, "no place to store the model");
    *out = NULL;
    if (!path) return nano_fail(err, errlen, NANO_E_ARG, "no model path");
    uint8_t *data = NULL;
    size_t len = 0;
    int is_mmap = 0;
    int rc = nano_read_file(path, &data, &len, &is_mmap, err, errlen);
    if (rc) return rc;
    rc = load(data, len, 1, is_mmap, out, err, errlen);
    if (rc) nano_release_file(data, len, is_mmap);
    return rc;
}

/* Free a model, its tokenizer and (if it owns them) its bytes. NULL is fine. */
void nano_model_free(NanoModel *m) {
    if (!m) return;
    ModelBox *box = (ModelBox *)m;
    nano_tokenizer_free(m->tokenizer);
    free(m->wq); /* the seven per-layer matrix arrays are one allocation */
    free(box->rope_copy);
    if (m->owns_data) nano_release_file(m->data, m->len, m->data_is_mmap);
    free(box);
}

/* The validated header config. */
const NanoConfig *nano_model_config(const NanoModel *m) {
    return m ? &m->cfg : NULL;
}

/* Parameters: norms, embeddings, the seven projections per layer and an unshared classifier. */
int64_t nano_model_param_count(const NanoModel *m) {
    if (!m) return 0;
    const NanoConfig *c = &m->cfg;
    int64_t L = c->n_layer, E = c->n_embd, H = c->n_hidden, V = c->vocab_size;
    int64_t q_dim = (int64_t)c->n_head * c->head_dim, kv_dim = (int64_t)c->n_kv_head * c->head_dim;
    int64_t norms = 2 * L * E + E;
    int64_t per_layer = q_dim * E + 2 * kv_dim * E + E * q_dim + 3 * H * E;
    return norms + V * E + L * per_layer + (c->is_shared_classifier ? 0 : V * E);
}
