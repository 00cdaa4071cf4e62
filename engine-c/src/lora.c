/* lora.c — loading a LoRA module (NANO-FORMAT.md §5) for a loaded base model: validate it against
 * the base, then copy its tensors into aligned memory the module owns.
 *
 * The adapted projection is W·x + (alpha / rank) · B·(A·x); forward.c applies it.
 */
#include "model.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum { HEADER_BYTES = 256, MAX_LORA_RANK = 1 << 16, MAX_LORA_ALPHA = 1 << 20 };

/* Validate a LoRA module against `base` and copy its tensors. */
int nano_lora_load_bytes(const NanoModel *base, const uint8_t *data, size_t len, NanoLora **out,
                         char *err, size_t errlen) {
    if (err && errlen > 0) err[0] = '\0';
    if (!out) return nano_fail(err, errlen, NANO_E_ARG, "no place to store the LoRA module");
    *out = NULL;
    if (!base) return nano_fail(err, errlen, NANO_E_ARG, "no base model for the LoRA module");
    if (!data && len > 0) return nano_fail(err, errlen, NANO_E_ARG, "no LoRA module bytes");
    int rc = nano_check_header_magic(data, len, "LoRA", err, errlen);
    if (rc) return rc;
    int32_t model_type = read_i32(data + 16);
    if (model_type == NANO_MODEL_TYPE_NANO)
        return nano_fail(err, errlen, NANO_E_FORMAT, "this is a model, not a LoRA module");
    if (model_type != NANO_MODEL_TYPE_LORA)
        return nano_fail(err, errlen, NANO_E_FORMAT, "model type %d is not a LoRA module (type 10)",
                         model_type);

    /* config: rank, alpha, then the base model's n_layer, n_embd, n_head, n_kv_head, n_hidden */
    int32_t rank = read_i32(data + 24), alpha = read_i32(data + 28);
    if (rank < 1 || rank > MAX_LORA_RANK)
        return nano_fail(err, errlen, NANO_E_FORMAT, "lora_rank (%d) must be between 1 and %d",
                         rank, MAX_LORA_RANK);
    if (alpha < 1 || alpha > MAX_LORA_ALPHA)
        return nano_fail(err, errlen, NANO_E_FORMAT, "lora_alpha (%d) must be between 1 and %d",
                         alpha, MAX_LORA_ALPHA);
    const NanoConfig *c = &base->cfg;
    const char *names[5] = {"n_layer", "n_embd", "n_head", "n_kv_head", "n_hidden"};
    int32_t want[5] = {c->n_layer, c->n_embd, c->n_head, c->n_kv_head, c->n_hidden};
    for (int k = 0; k < 5; k++) {
        int32_t got = read_i32(data + 32 + 4 * k);
        if (got != want[k])
            return nano_fail(
                err, errlen, NANO_E_MISMATCH,
                "LoRA module was made for another base model: %s %d, this model has %d", names[k],
                got, want[k]);
    }

    /* wq, wk, wv, wo: a (rank, in) then b (out, rank), each stacked over layers */
    int32_t q_dim = c->n_head * c->head_dim, kv_dim = c->n_kv_head * c->head_dim;
    int32_t in[4] = {c->n_embd, c->n_embd, c->n_embd, q_dim};
    int32_t outf[4] = {q_dim, kv_dim, kv_dim, c->n_embd};
    /* rank <= 2^16, features <= 2^16, layers <= 2^10: every product fits in 64 bits */
    uint64_t floats = 0;
    for (int p = 0; p < 4; p++)
        floats += (uint64_t)c->n_layer * (uint64_t)rank * (uint64_t)(in[p] + outf[p]);
    uint64_t expect = HEADER_BYTES + 4 * floats;
    if (expect != (uint64_t)len)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "LoRA file is %zu bytes but its header implies %llu", len,
                         (unsigned long long)expect);

    NanoLora *l = calloc(1, sizeof *l);
    size_t bytes = (size_t)(4 * floats);
    size_t rounded = (bytes + 63) / 64 * 64;
    float *buf = aligned_alloc(64, rounded);
    if (!l || !buf) {
        free(l);
        free(buf);
        return nano_fail(err, errlen, NANO_E_NOMEM, "out of memory loading the LoRA module");
    }
    memcpy(buf, data + HEADER_BYTES, bytes);
    l->base = base;
    l->rank = rank;
    l->alpha = alpha;
    l->scale = (float)alpha / (float)rank;
    l->data = buf;
    size_t at = 0;
    for (int p = 0; p < 4; p++) {
        l->in_features[p] = in[p];
        l->out_features[p] = outf[p];
        l->a[p] = buf + at; /* (n_layer, rank, in) */
        at += (size_t)c->n_layer * rank * in[p];
        l->b[p] = buf + at; /* (n_layer, out, rank) */
        at += (size_t)c->n_layer * outf[p] * rank;
    }
    *out = l;
    return NANO_OK;
}

/* Read a LoRA module file and load it for `base`. */
int nano_lora_load_file(const NanoModel *base, const char *path, NanoLora **out, char *err,
                        size_t errlen) {
    if (err && errlen > 0) err[0] = '\0';
    if (!out) return nano_fail(err, errlen, NANO_E_ARG, "no place to store the LoRA module");
    *out = NULL;
    if (!path) return nano_fail(err, errlen, NANO_E_ARG, "no LoRA path");
    uint8_t *data = NULL;
    size_t len = 0;
    int is_mmap = 0;
    int rc = nano_read_file(path, &data, &len, &is_mmap, err, errlen);
    if (rc) return rc;
    rc = nano_lora_load_bytes(base, data, len, out, err, errlen);
    nano_release_file(data, len, is_mmap);
    return rc;
}

/* Free a LoRA module (NULL is fine). */
void nano_lora_free(NanoLora *l) {
    if (!l) return;
    free(l->data);
    free(l);
}
