/* nano.h — the public C API of NanoLM's inference engine.
 *
 * One header for every front end: the native CLI (main.c), the WebAssembly build (the same
 * functions exported to JavaScript), the fuzzer and the benchmarks. The model file format is
 * the original Nano project's `.bin` (see ../shared/NANO-FORMAT.md); this engine reads F32 and
 * Q8_0 models and F32 LoRA modules.
 *
 * Ownership: a NanoModel is immutable after loading and may be shared by several sessions.
 * A NanoSession holds everything that changes while generating (KV cache, activations, position,
 * the attached LoRA module, observation buffers) and its thread pool. Nothing here allocates
 * inside the decode loop.
 *
 * Errors: functions that can fail return 0 on success and a negative NANO_E* code on failure, and
 * write a one-line human-readable message into `err` (always NUL-terminated when errlen > 0).
 */
#ifndef NANO_H
#define NANO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define NANO_API EMSCRIPTEN_KEEPALIVE
#else
#define NANO_API
#endif

/* ---- error codes ------------------------------------------------------------------------- */
enum {
    NANO_OK = 0,
    NANO_E_IO = -1,     /* file could not be opened or read */
    NANO_E_FORMAT = -2, /* the bytes are not a valid Nano file (magic, fields, length, tokenizer) */
    NANO_E_NOMEM = -3,  /* an allocation failed */
    NANO_E_MISMATCH = -4, /* a LoRA module made for another base model */
    NANO_E_ARG = -5, /* a bad argument: token id out of range, prompt longer than block_size, ... */
};

/* ---- the model file ---------------------------------------------------------------------- */
enum { NANO_QUANT_F32 = 0x00, NANO_QUANT_Q8_0 = 0x80 };
enum { NANO_MODEL_TYPE_NANO = 0, NANO_MODEL_TYPE_LORA = 10 };

/* The config block of the header (NANO-FORMAT.md §1), validated. */
typedef struct {
    int32_t major_version, minor_version;
    int32_t block_size; /* context length: KV cache rows */
    int32_t vocab_size;
    int32_t n_layer;
    int32_t n_embd;               /* residual stream width */
    int32_t n_head;               /* query heads */
    int32_t n_kv_head;            /* key/value heads (grouped-query attention) */
    int32_t n_hidden;             /* SwiGLU hidden width */
    int32_t is_shared_classifier; /* 1: the classifier is tok_embeddings */
    int32_t head_dim;             /* n_embd / n_head */
    int32_t quant_type;           /* NANO_QUANT_F32 or NANO_QUANT_Q8_0 */
    int32_t group_size;           /* Q8_0 group length; 0 for F32 */
} NanoConfig;

typedef struct NanoModel NanoModel;
typedef struct NanoLora NanoLora;
typedef struct NanoSession NanoSession;

/* Load a model from a file (read into memory owned by the model). */
NANO_API int nano_model_load_file(const char *path, NanoModel **out, char *err, size_t errlen);
/* Load a model from bytes. If take_ownership, the model frees `data` with free() when freed;
 * otherwise the caller keeps `data` alive for the model's lifetime. Weights are used in place. */
NANO_API int nano_model_load_bytes(uint8_t *data, size_t len, int take_ownership, NanoModel **out,
                                   char *err, size_t errlen);
NANO_API void nano_model_free(NanoModel *m);
NANO_API const NanoConfig *nano_model_config(const NanoModel *m);
/* Number of parameters (tied classifier counted once; RoPE tables not counted). */
NANO_API int64_t nano_model_param_count(const NanoModel *m);

/* ---- tokenizer (NANO-FORMAT.md §2) ------------------------------------------------------- */
enum {
    NANO_TOKEN_PADDING = 0,
    NANO_TOKEN_UNKNOWN = 1,
    NANO_TOKEN_BOS = 2,
    NANO_TOKEN_EOS = 3,
    NANO_TOKEN_INSTRUCT_MARK = 4,
    NANO_TOKEN_RESPONSE_MARK = 5,
};
/* Greedy longest match over code points, special tokens included; an unknown character (or an
 * invalid UTF-8 byte) becomes <|unknown|>. Writes at most max_ids ids; returns the number of ids
 * the whole text needs (which may exceed max_ids), or a negative error. */
NANO_API int nano_encode(const NanoModel *m, const char *utf8, size_t len, int32_t *ids,
                         int max_ids);
/* UTF-8 text of one token, NUL-terminated; returns its byte length or a negative error. */
NANO_API int nano_token_text(const NanoModel *m, int32_t id, char *buf, size_t buflen);
NANO_API int nano_token_is_special(const NanoModel *m, int32_t id);

/* ---- LoRA modules (NANO-FORMAT.md §5) ---------------------------------------------------- */
/* Validates the module against `base` (n_layer, n_embd, n_head, n_kv_head, n_hidden must match). */
NANO_API int nano_lora_load_file(const NanoModel *base, const char *path, NanoLora **out, char *err,
                                 size_t errlen);
NANO_API int nano_lora_load_bytes(const NanoModel *base, const uint8_t *data, size_t len,
                                  NanoLora **out, char *err, size_t errlen);
NANO_API void nano_lora_free(NanoLora *l);

/* ---- sessions: KV cache, forward pass, observation -------------------------------------- */
/* n_threads >= 1; the calling thread is one of them. */
NANO_API int nano_session_new(const NanoModel *m, int n_threads, NanoSession **out, char *err,
                              size_t errlen);
NANO_API void nano_session_free(NanoSession *s);
/* Forget the KV cache: the next token goes to position 0. */
NANO_API void nano_session_reset(NanoSession *s);
/* Position of the next token (= tokens in the KV cache). */
NANO_API int nano_session_pos(const NanoSession *s);
/* Whether the session's kernels prefetch ahead of their loads (kernels.h): 1 or 0 once its first
 * decode steps have measured which is faster, -1 before that or where the build has no such
 * prefetch (WebAssembly). */
NANO_API int nano_session_prefetch_ahead(const NanoSession *s);
/* Attach (or with NULL detach) a LoRA module; it must have been loaded for this session's model.
 * Takes effect from the next token; the KV cache is kept. */
NANO_API int nano_session_set_lora(NanoSession *s, const NanoLora *lora);

/* Run one token at the current position and advance. Returns the logits (vocab_size floats,
 * owned by the session, valid until the next call) or NULL if the position is >= block_size or
 * the id is out of range. */
NANO_API const float *nano_step(NanoSession *s, int32_t token);
/* Run n tokens at once (matrix-matrix products: weights are read once for the whole batch).
 * Returns the logits of the last token, or NULL on a bad argument. Same results as n steps. */
NANO_API const float *nano_prefill(NanoSession *s, const int32_t *tokens, int n);
/* Non-causal models: run exactly block_size tokens with bidirectional attention and write the
 * argmax of every position's logits to out_ids (block_size ids). Resets the session. */
NANO_API int nano_seq2seq(NanoSession *s, const int32_t *tokens, int n, int32_t *out_ids);

/* Observation. When enabled, each step also records, for the token just processed:
 *   attention weights: per layer, per head, over positions 0..pos (n_layer × n_head × (pos+1)),
 *   residual stream: the vector x after the embedding and after every layer ((n_layer+1) × n_embd).
 * When disabled (the default) the hot path does no extra work. Logits are always available. */
enum { NANO_OBSERVE_ATTENTION = 1, NANO_OBSERVE_RESIDUAL = 2 };
NANO_API void nano_session_observe(NanoSession *s, int flags);
/* Attention weights of `layer` for the last observed token: n_head rows of `*n_positions` floats,
 * row stride block_size. NULL if attention observation is off or nothing was observed yet. */
NANO_API const float *nano_observed_attention(const NanoSession *s, int layer, int *n_positions);
/* Residual stream after `index` layers (0 = the embedding, n_layer = the last layer's output). */
NANO_API const float *nano_observed_residual(const NanoSession *s, int index);
/* Logits of the last step (vocab_size floats). */
NANO_API const float *nano_session_logits(const NanoSession *s);

/* Profiling, for benchmarks (nanolm-engine bench --profile): where a session's forward passes
 * spend their time. nano_session_profile(s, 1) starts counting from zero, (s, 0) stops and
 * keeps the counts; off (the default) the passes read no clock, on they read a few per job and
 * per attention head.
 * Times in nanoseconds, summed over the causal passes (nano_step, nano_prefill) since it started.
 * Threads past the last slot are counted in it. */
enum { NANO_PROFILE_THREADS = 8 };
typedef struct {
    long long passes;
    long long pass_ns;      /* their wall time */
    long long jobs;         /* jobs run on the session's threads (a few per layer) */
    long long job_ns;       /* from publishing each job to seeing its last chunk done: pass_ns less
                               this is what the calling thread did alone between jobs */
    long long start_lag_ns; /* from publishing a job to each other thread's first chunk of it */
    long long end_gap_ns;   /* from the first thread done with a job to the last one */
    long long busy_ns[NANO_PROFILE_THREADS];      /* running chunks, per thread (0: the caller) */
    long long attention_ns[NANO_PROFILE_THREADS]; /* of which attention: scores, softmax, mix */
} NanoProfile;
NANO_API void nano_session_profile(NanoSession *s, int on);
NANO_API void nano_session_profile_get(const NanoSession *s, NanoProfile *out);

/* ---- sampling ---------------------------------------------------------------------------- */
/* The sampler is deterministic given its seed, on every build (native, WASM): see sampler.c for
 * the exact order of operations, which the Scheme engine reproduces. */
typedef struct {
    float temperature;        /* 0 = greedy (argmax, lowest id wins ties) */
    int32_t top_k;            /* 0 = off */
    float top_p;              /* >= 1 = off */
    float repetition_penalty; /* 1 = off; applied to every distinct id in the history */
    uint64_t rng_state;       /* xorshift64* state, set by nano_sampler_init */
} NanoSampler;
NANO_API void nano_sampler_init(NanoSampler *sp, float temperature, int32_t top_k, float top_p,
                                float repetition_penalty, uint64_t seed);
/* Pick the next token. `logits` is modified in place (penalty, temperature, softmax).
 * `history` holds the ids seen so far (prompt and generated), for the repetition penalty.
 * `scratch` must hold 2 * vocab_size ints. */
NANO_API int32_t nano_sample(NanoSampler *sp, float *logits, int32_t vocab_size,
                             const int32_t *history, int n_history, int32_t *scratch);

/* ---- memory bandwidth (for the benchmark's roofline) --------------------------------------- */
/* Read a `bytes`-long buffer `passes` times with n_threads threads; returns the best GB/s. */
NANO_API double nano_measure_read_bandwidth(size_t bytes, int passes, int n_threads);
/* The same, also writing each pass's GB/s to each_gbps (`passes` doubles) unless it is NULL: on
 * a VM whose cores the host moves, passes that disagree show a move during the reads. */
NANO_API double nano_measure_read_bandwidth_each(size_t bytes, int passes, int n_threads,
                                                 double *each_gbps);
/* One-way time for a store by one thread to reach another, in ns (bandwidth.c); -1 if it cannot
 * be measured. */
NANO_API double nano_measure_handoff_ns(void);

#ifdef __cplusplus
}
#endif
#endif /* NANO_H */
