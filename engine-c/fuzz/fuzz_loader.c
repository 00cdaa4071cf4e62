/* fuzz_loader.c — libFuzzer harness for everything that reads untrusted model bytes.
 *
 * Every input is tried twice: as a Nano model (nano_model_load_bytes, NANO-FORMAT.md §1–4) and as
 * a LoRA module for a fixed small base model (nano_lora_load_bytes, §5). Whatever loads is then
 * used the way a front end would use it — encode text, decode every token, run a couple of steps —
 * so that a field the loader forgot to check shows up as an out-of-bounds access in the code that
 * trusts it. Build and run with fuzz/run.sh (clang -fsanitize=fuzzer,address,undefined).
 *
 * The base model for LoRA inputs is built here (see build_base_model) unless NANO_FUZZ_LORA_BASE
 * names a model file. Its shape matches the LoRA seeds that fuzz/make-seeds.ts writes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/nano.h"

/* Sessions are only run for models this small, so that one input stays well under a millisecond
 * and the fuzzer keeps its executions per second high. */
#define MAX_STEP_PARAMS 2000000
#define MAX_STEP_BLOCK 64

/* The built-in LoRA base model: the shape fuzz/make-seeds.ts uses for its LoRA seeds. */
enum {
    BASE_BLOCK = 8,
    BASE_VOCAB = 16,
    BASE_LAYERS = 2,
    BASE_EMBD = 16,
    BASE_HEADS = 4,
    BASE_KV_HEADS = 2,
    BASE_HIDDEN = 32,
    BASE_HEAD_DIM = BASE_EMBD / BASE_HEADS,
    BASE_KV_DIM = BASE_KV_HEADS * BASE_HEAD_DIM,
};

static const char *const SPECIAL_TOKENS[] = {
    "<|padding|>",       "<|unknown|>",       "<|bos|>",   "<|eos|>",
    "<|instruct_mark|>", "<|response_mark|>", "<|BD4SUR|>"};
enum { N_SPECIAL = sizeof SPECIAL_TOKENS / sizeof SPECIAL_TOKENS[0] };

static NanoModel *g_base;        /* LoRA inputs are validated against this model */
static NanoSession *g_base_sess; /* a loaded LoRA module is attached here and run for one step */
static uint8_t *g_base_bytes;    /* the base model's file bytes (kept alive: weights live in it) */

/* ---- a tiny byte writer for the built-in base model --------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} Bytes;

static void put(Bytes *b, const void *src, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}
static void put_u32(Bytes *b, uint32_t v) {
    put(b, &v, 4);
}
static void put_u8(Bytes *b, uint8_t v) {
    put(b, &v, 1);
}
static void put_f32(Bytes *b, float v) {
    put(b, &v, 4);
}

/* n small deterministic weights, so the forward pass sees ordinary numbers */
static void put_weights(Bytes *b, size_t n, uint32_t *rng) {
    for (size_t i = 0; i < n; i++) {
        *rng = *rng * 1664525u + 1013904223u;
        put_f32(b, ((float)(*rng >> 8) / 16777216.0f - 0.5f) * 0.2f);
    }
}

/* An F32, shared-classifier Nano model of the BASE_* shape (NANO-FORMAT.md §1–3). Little-endian
 * host assumed, as everywhere the fuzzer runs. */
static Bytes build_base_model(void) {
    Bytes b = {0};
    int32_t header[64] = {0};
    header[0] = 0x42443453;
    header[1] = 0x55524C4D;
    header[2] = 2025;
    header[3] = 12;
    header[4] = NANO_MODEL_TYPE_NANO;
    header[5] = 32;
    int32_t cfg[9] = {BASE_BLOCK,    BASE_VOCAB,  BASE_LAYERS, BASE_EMBD,    BASE_HEADS,
                      BASE_KV_HEADS, BASE_HIDDEN, 1,           BASE_HEAD_DIM};
    memcpy(&header[6], cfg, sizeof cfg);
    header[15] = NANO_QUANT_F32;
    put(&b, header, sizeof header);

    /* tokenizer: the seven special tokens, then one letter per remaining id */
    size_t section_start = b.len;
    put_u32(&b, 0); /* section length, patched below */
    put_u32(&b, BASE_VOCAB);
    for (uint32_t id = 0; id < BASE_VOCAB; id++) {
        const char *text = id < N_SPECIAL ? SPECIAL_TOKENS[id] : NULL;
        uint8_t n = text ? (uint8_t)strlen(text) : 1;
        put_u8(&b, n);
        put_u8(&b, text ? 1 : 0);
        put_u8(&b, 0xFF);
        put_u8(&b, 0xFF);
        put_u32(&b, id);
        for (uint8_t i = 0; i < n; i++)
            put_u32(&b, text ? (uint32_t)text[i] : 'a' + id - N_SPECIAL);
    }
    uint32_t section_len = (uint32_t)(b.len - section_start);
    memcpy(b.p + section_start, &section_len, 4);

    uint32_t rng = 12345;
    for (size_t i = 0; i < 2 * BASE_LAYERS * BASE_EMBD + BASE_EMBD; i++)
        put_f32(&b, 1.0f);                                                /* norms */
    put_weights(&b, (size_t)BASE_VOCAB * BASE_EMBD, &rng);                /* tok_embeddings */
    put_weights(&b, (size_t)BASE_LAYERS * BASE_EMBD * BASE_EMBD, &rng);   /* wq */
    put_weights(&b, (size_t)BASE_LAYERS * BASE_KV_DIM * BASE_EMBD, &rng); /* wk */
    put_weights(&b, (size_t)BASE_LAYERS * BASE_KV_DIM * BASE_EMBD, &rng); /* wv */
    put_weights(&b, (size_t)BASE_LAYERS * BASE_EMBD * BASE_EMBD, &rng);   /* wo */
    put_weights(&b, (size_t)BASE_LAYERS * BASE_HIDDEN * BASE_EMBD, &rng); /* w1 */
    put_weights(&b, (size_t)BASE_LAYERS * BASE_EMBD * BASE_HIDDEN, &rng); /* w2 */
    put_weights(&b, (size_t)BASE_LAYERS * BASE_HIDDEN * BASE_EMBD, &rng); /* w3 */
    for (int table = 0; table < 2; table++) /* freqs_cos, then freqs_sin, theta 10000 */
        for (int pos = 0; pos < BASE_BLOCK; pos++)
            for (int i = 0; i < BASE_HEAD_DIM / 2; i++) {
                double angle = pos / pow(10000.0, 2.0 * i / BASE_HEAD_DIM);
                put_f32(&b, (float)(table == 0 ? cos(angle) : sin(angle)));
            }
    return b;
}

/* ---- libFuzzer entry points ----------------------------------------------------------------- */

/* Load (or build) the LoRA base model and its session once per fuzzing process. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    char err[256];
    const char *path = getenv("NANO_FUZZ_LORA_BASE");
    int rc;
    if (path && *path) {
        rc = nano_model_load_file(path, &g_base, err, sizeof err);
    } else {
        Bytes b = build_base_model();
        g_base_bytes = b.p;
        rc = nano_model_load_bytes(g_base_bytes, b.len, 0, &g_base, err, sizeof err);
    }
    if (rc != NANO_OK) {
        fprintf(stderr, "fuzz_loader: the LoRA base model does not load: %s\n", err);
        abort();
    }
    if (nano_session_new(g_base, 1, &g_base_sess, err, sizeof err) != NANO_OK) {
        fprintf(stderr, "fuzz_loader: no session for the base model: %s\n", err);
        abort();
    }
    return 0;
}

/* Encode `text` into exactly-sized buffers (so ASan sees any write past max_ids). */
static void exercise_encode(const NanoModel *m, const char *text, size_t len) {
    int32_t *ids = malloc(64 * sizeof *ids);
    if (!ids) return;
    int need = nano_encode(m, text, len, ids, 64);
    if (need < 0 || need > (int)len) abort(); /* at most one id per byte of text */
    if (need > 2) {
        int32_t *two = malloc(2 * sizeof *two); /* a buffer too short for the whole text */
        if (two) {
            if (nano_encode(m, text, len, two, 2) != need) abort();
            if (two[0] != ids[0] || two[1] != ids[1]) abort();
            free(two);
        }
    }
    int vocab = nano_model_config(m)->vocab_size;
    for (int i = 0; i < need && i < 64; i++)
        if (ids[i] < 0 || ids[i] >= vocab) abort();
    free(ids);
}

/* Decode every token into a buffer that fits, and into one that is too short. */
static void exercise_decode(const NanoModel *m) {
    int vocab = nano_model_config(m)->vocab_size;
    char *big = malloc(255 * 4 + 1); /* the longest token: 255 code points of 4 UTF-8 bytes */
    char *small = malloc(3);
    if (!big || !small) abort();
    for (int32_t id = 0; id < vocab; id++) {
        int n = nano_token_text(m, id, big, 255 * 4 + 1);
        if (n < 0 || n > 255 * 4 || big[n] != '\0') abort();
        (void)nano_token_text(m, id, small, 3);
        (void)nano_token_is_special(m, id);
    }
    if (nano_token_text(m, -1, big, 16) >= 0 || nano_token_text(m, vocab, big, 16) >= 0) abort();
    free(big);
    free(small);
}

/* Run two steps of a small model (the second with observation on), then the same two tokens as
 * one prefill, then a whole block through seq2seq: the matrix-vector and matrix-matrix paths. */
static void exercise_session(const NanoModel *m) {
    const NanoConfig *c = nano_model_config(m);
    if (nano_model_param_count(m) >= MAX_STEP_PARAMS || c->block_size > MAX_STEP_BLOCK) return;
    NanoSession *s = NULL;
    char err[256];
    if (nano_session_new(m, 1, &s, err, sizeof err) != NANO_OK) return;
    if (nano_step(s, c->vocab_size) != NULL || nano_step(s, -1) != NULL) abort();
    int32_t first = NANO_TOKEN_BOS < c->vocab_size ? NANO_TOKEN_BOS : 0;
    if (!nano_step(s, first)) abort();
    nano_session_observe(s, NANO_OBSERVE_ATTENTION | NANO_OBSERVE_RESIDUAL);
    if (c->block_size >= 2) {
        if (!nano_step(s, c->vocab_size - 1)) abort();
        int n_positions = 0;
        if (!nano_observed_attention(s, c->n_layer - 1, &n_positions) || n_positions != 2) abort();
        if (!nano_observed_residual(s, c->n_layer)) abort();
    }
    nano_session_observe(s, 0);
    nano_session_reset(s);
    int32_t *ids = malloc((size_t)c->block_size * sizeof *ids); /* exactly one block */
    int32_t *out = malloc((size_t)c->block_size * sizeof *out);
    if (ids && out) {
        for (int i = 0; i < c->block_size; i++) ids[i] = (first + i) % c->vocab_size;
        if (!nano_prefill(s, ids, c->block_size < 2 ? 1 : 2)) abort();
        if (nano_seq2seq(s, ids, c->block_size, out) != NANO_OK) abort();
        for (int i = 0; i < c->block_size; i++)
            if (out[i] < 0 || out[i] >= c->vocab_size) abort();
    }
    free(ids);
    free(out);
    nano_session_free(s);
}

/* Attach a freshly loaded LoRA module to the base session and run one step with it. */
static void exercise_lora(const NanoLora *lora) {
    if (nano_session_set_lora(g_base_sess, lora) != NANO_OK) abort();
    nano_session_reset(g_base_sess);
    if (!nano_step(g_base_sess, NANO_TOKEN_BOS)) abort();
    if (nano_session_set_lora(g_base_sess, NULL) != NANO_OK) abort();
}

/* One input: try it as a model and as a LoRA module, and use whatever loads. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a heap copy of exactly `size` bytes: any read past the end is an ASan report */
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes) return 0;
    if (size) memcpy(bytes, data, size);
    char err[256];

    NanoModel *m = NULL;
    err[0] = '\0';
    if (nano_model_load_bytes(bytes, size, 0, &m, err, sizeof err) == NANO_OK) {
        static const char *const texts[] = {"人类的本质是", "654321", "<|bos|>hello<|eos|>",
                                            "<|instruct_mark|>?<|response_mark|>", "\xff\xc3(\xe4"};
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
            exercise_encode(m, texts[i], strlen(texts[i]));
        size_t tail = size < 48 ? size : 48; /* the input's own last bytes, as arbitrary text */
        char *text = malloc(tail ? tail : 1);
        if (text) {
            memcpy(text, bytes + size - tail, tail);
            exercise_encode(m, text, tail);
            free(text);
        }
        exercise_decode(m);
        exercise_session(m);
        nano_model_free(m);
    } else if (err[0] == '\0') {
        abort(); /* every failure must say why */
    }

    NanoLora *lora = NULL;
    err[0] = '\0';
    if (nano_lora_load_bytes(g_base, bytes, size, &lora, err, sizeof err) == NANO_OK) {
        exercise_lora(lora);
        nano_lora_free(lora);
    } else if (err[0] == '\0') {
        abort();
    }
    free(bytes);
    return 0;
}
