/* main.c — `nanolm-engine`, the native command-line back end of `./bin/nanolm`: generate text,
 * run a seq2seq model, benchmark, dump logits and observations for tests, measure bandwidth.
 *
 * Everything here goes through the public API in nano.h, the same one the WebAssembly build
 * exports, so this file is also the reference for how a front end drives the engine.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, sysconf, strerror of errno */
#include "nano.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------
 * Errors and small utilities
 */

enum { EXIT_ERROR = 1, EXIT_USAGE = 2 };
enum { TOKEN_TEXT_MAX = 1024 }; /* a token is at most 255 code points of at most 4 bytes */
enum { DEFAULT_MAX_NEW_TOKENS = 256, MAX_THREADS = 256 };

/* Print `nanolm: error: ...` to stderr; returns EXIT_ERROR for `return error(...)`. */
static int error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("nanolm: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_ERROR;
}

/* Seconds on a monotonic clock. */
static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Tokens per second, or 0 when nothing was timed. */
static double rate(double tokens, double seconds) {
    return tokens > 0 && seconds > 0 ? tokens / seconds : 0;
}

static int default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

/* Index of the largest value, the lowest index among equals: greedy decoding. */
static int32_t argmax(const float *x, int32_t n) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

/* ---------------------------------------------------------------------------------------------
 * JSON output
 */

/* A JSON string literal: quotes, backslashes and control characters escaped; the bytes are UTF-8
 * from the tokenizer, so everything else passes through. */
static void json_string(FILE *f, const char *s, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        default:
            if (c < 0x20 || c == 0x7F)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static void json_ids(FILE *f, const int32_t *ids, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, i ? ",%d" : "%d", ids[i]);
    fputc(']', f);
}

/* Floats with 9 significant digits (enough to round-trip a float); null for NaN and infinities,
 * which JSON cannot spell. */
static void json_floats(FILE *f, const float *x, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputc(',', f);
        if (isfinite(x[i]))
            fprintf(f, "%.9g", (double)x[i]);
        else
            fputs("null", f);
    }
    fputc(']', f);
}

/* A number for the stats fields (finite, plain decimal). */
static void json_number(FILE *f, double x) {
    fprintf(f, "%.3f", isfinite(x) ? x : 0.0);
}

/* ---------------------------------------------------------------------------------------------
 * Text built from tokens
 */

typedef struct {
    char *bytes;
    size_t len, cap;
} Text;

static int text_append_token(Text *t, const NanoModel *m, int32_t id) {
    char buf[TOKEN_TEXT_MAX];
    int n = nano_token_text(m, id, buf, sizeof buf);
    if (n < 0) return n;
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + (size_t)n + 1) cap *= 2;
        char *p = realloc(t->bytes, cap);
        if (!p) return NANO_E_NOMEM;
        t->bytes = p, t->cap = cap;
    }
    memcpy(t->bytes + t->len, buf, (size_t)n);
    t->len += (size_t)n;
    t->bytes[t->len] = '\0';
    return NANO_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Command-line options
 */

enum { CMD_RUN = 1, CMD_SEQ2SEQ = 2, CMD_BENCH = 4, CMD_DUMP = 8, CMD_BANDWIDTH = 16 };

typedef struct {
    const char *model, *prompt, *input, *lora, *ids;
    long max_new_tokens; /* -1: as many as fit, at most DEFAULT_MAX_NEW_TOKENS */
    double temperature, top_p, repetition_penalty;
    long top_k, threads, prefill_tokens, decode_tokens, steps, mib, passes;
    unsigned long long seed;
    int has_seed, instruct, ignore_eos, json, observe, prefill, profile;
} Options;

typedef enum { FLAG, INTEGER, REAL, SEED, STRING } Kind;

/* One option: its name, what its value is, which commands take it, where it goes and (for
 * numbers) its allowed range. */
typedef struct {
    const char *name;
    Kind kind;
    int commands;
    size_t offset;
    double lo, hi;
} OptionSpec;

#define OPT(name, kind, cmds, field, lo, hi)                                                       \
    { name, kind, cmds, offsetof(Options, field), lo, hi }
static const OptionSpec OPTIONS[] = {
    OPT("model", STRING, CMD_RUN | CMD_SEQ2SEQ | CMD_BENCH | CMD_DUMP, model, 0, 0),
    OPT("prompt", STRING, CMD_RUN | CMD_DUMP, prompt, 0, 0),
    OPT("input", STRING, CMD_SEQ2SEQ, input, 0, 0),
    OPT("ids", STRING, CMD_DUMP, ids, 0, 0),
    OPT("lora", STRING, CMD_RUN | CMD_DUMP, lora, 0, 0),
    OPT("max-new-tokens", INTEGER, CMD_RUN, max_new_tokens, 0, 1 << 30),
    OPT("temperature", REAL, CMD_RUN, temperature, 0, 1e9),
    OPT("top-k", INTEGER, CMD_RUN, top_k, 0, 1 << 30),
    OPT("top-p", REAL, CMD_RUN, top_p, 0, 1),
    OPT("repetition-penalty", REAL, CMD_RUN, repetition_penalty, 1e-9, 1e9),
    OPT("seed", SEED, CMD_RUN, seed, 0, 0),
    OPT("instruct", FLAG, CMD_RUN, instruct, 0, 0),
    OPT("ignore-eos", FLAG, CMD_RUN, ignore_eos, 0, 0),
    OPT("json", FLAG, CMD_RUN | CMD_SEQ2SEQ, json, 0, 0),
    OPT("threads", INTEGER, CMD_RUN | CMD_SEQ2SEQ | CMD_BENCH | CMD_DUMP | CMD_BANDWIDTH, threads,
        1, MAX_THREADS),
    OPT("prefill-tokens", INTEGER, CMD_BENCH, prefill_tokens, 1, 1 << 30),
    OPT("decode-tokens", INTEGER, CMD_BENCH, decode_tokens, 0, 1 << 30),
    OPT("profile", FLAG, CMD_BENCH, profile, 0, 0),
    OPT("steps", INTEGER, CMD_DUMP, steps, 0, 1 << 30),
    OPT("observe", FLAG, CMD_DUMP, observe, 0, 0),
    OPT("prefill", FLAG, CMD_DUMP, prefill, 0, 0),
    OPT("mib", INTEGER, CMD_BANDWIDTH, mib, 1, 1 << 20),
    OPT("passes", INTEGER, CMD_BANDWIDTH, passes, 1, 1000),
};

static const char USAGE_RUN[] =
    "usage: nanolm-engine run --model PATH --prompt TEXT [options]\n"
    "Generate text after a prompt.\n"
    "  --max-new-tokens N       tokens to generate (default: as many as fit, at most 256)\n"
    "  --temperature T          0 = greedy (default 1.0)\n"
    "  --top-k K                keep the K most probable tokens (default 0 = off)\n"
    "  --top-p P                keep the smallest set with probability >= P (default 1.0 = off)\n"
    "  --repetition-penalty R   penalize tokens already seen (default 1.0 = off)\n"
    "  --seed S                 random seed (default: from the clock)\n"
    "  --lora PATH              apply a LoRA module\n"
    "  --instruct               wrap the prompt as <|instruct_mark|>prompt<|response_mark|>\n"
    "  --ignore-eos             keep going after <|eos|>\n"
    "  --threads N              threads (default: online CPUs, at most 8)\n"
    "  --json                   print one JSON object instead of streaming text\n";
static const char USAGE_SEQ2SEQ[] =
    "usage: nanolm-engine seq2seq --model PATH --input TEXT [--threads N] [--json]\n"
    "Run a non-causal model on exactly block_size tokens; print the argmax at every position.\n";
static const char USAGE_BENCH[] =
    "usage: nanolm-engine bench --model PATH [--threads N] [--prefill-tokens N] "
    "[--decode-tokens N] [--profile]\n"
    "Time a prefill of N tokens (default 128) and N greedy decode steps (default 64); print "
    "JSON.\n"
    "With --profile the JSON also says where the decode steps' time went (\"profile\", in\n"
    "microseconds per token; reading the clocks costs a fraction of a per cent).\n";
static const char USAGE_DUMP[] =
    "usage: nanolm-engine dump --model PATH (--prompt TEXT | --ids 1,2,3) [--steps N] "
    "[--lora PATH]\n"
    "                          [--observe] [--threads N] [--prefill]\n"
    "Print the logits (and with --observe attention weights and residual streams) of every\n"
    "prompt token and of N greedy continuation steps, as JSON.\n";
static const char USAGE_BANDWIDTH[] =
    "usage: nanolm-engine bandwidth [--threads N] [--mib N] [--passes N]\n"
    "Measure memory read bandwidth over a N MiB buffer (default 1024), best of N passes "
    "(default 5;\n"
    "each pass's figure in pass_gb_per_s).\n"
    "With 2+ threads also the time for one thread's store to reach another, before and after\n"
    "the reads (handoff_ns): on a VM it shows where the host put the cores.\n";
static const char USAGE[] =
    "usage: nanolm-engine COMMAND [options]   (COMMAND --help for its options)\n"
    "  run         generate text after a prompt\n"
    "  seq2seq     run a non-causal model on a whole input\n"
    "  bench       time prefill and decode\n"
    "  dump        logits and observations as JSON (for tests)\n"
    "  bandwidth   measure memory read bandwidth\n";

static int usage_error(const char *command, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("nanolm: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (command)
        fprintf(stderr, " (see nanolm-engine %s --help)\n", command);
    else
        fputs(" (see nanolm-engine --help)\n", stderr);
    return EXIT_USAGE;
}

/* Parse argv[2..] for `command`. Returns 0, EXIT_USAGE, or -1 when --help was printed. */
static int parse_options(int argc, char **argv, const char *command, int cmd, const char *usage,
                         Options *o) {
    *o = (Options){.max_new_tokens = -1,
                   .temperature = 1.0,
                   .top_p = 1.0,
                   .repetition_penalty = 1.0,
                   .threads = default_threads(),
                   .prefill_tokens = 128,
                   .decode_tokens = 64,
                   .mib = 1024,
                   .passes = 5};
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage, stdout);
            return -1;
        }
        if (strncmp(arg, "--", 2) != 0)
            return usage_error(command, "unexpected argument '%s'", arg);
        /* --name value, or --name=value */
        const char *name = arg + 2, *value = NULL;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const OptionSpec *spec = NULL;
        for (size_t k = 0; k < sizeof OPTIONS / sizeof OPTIONS[0]; k++)
            if (strlen(OPTIONS[k].name) == name_len &&
                strncmp(OPTIONS[k].name, name, name_len) == 0)
                spec = &OPTIONS[k];
        if (!spec || !(spec->commands & cmd))
            return usage_error(command, "unknown option '%.*s' for %s", (int)(name_len + 2), arg,
                               command);
        char *field = (char *)o + spec->offset;
        if (spec->kind == FLAG) {
            if (eq) return usage_error(command, "--%s takes no value", spec->name);
            *(int *)(void *)field = 1;
            continue;
        }
        if (eq)
            value = eq + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else
            return usage_error(command, "--%s needs a value", spec->name);
        char *end = NULL;
        errno = 0;
        switch (spec->kind) {
        case STRING:
            *(const char **)(void *)field = value;
            break;
        case INTEGER: {
            long v = strtol(value, &end, 10);
            if (end == value || *end || errno || v < spec->lo || v > spec->hi)
                return usage_error(command, "--%s must be an integer from %.0f to %.0f, not '%s'",
                                   spec->name, spec->lo, spec->hi, value);
            *(long *)(void *)field = v;
            break;
        }
        case REAL: {
            double v = strtod(value, &end);
            if (end == value || *end || errno || !isfinite(v) || v < spec->lo || v > spec->hi)
                return usage_error(command, "--%s must be a number from %g to %g, not '%s'",
                                   spec->name, spec->lo, spec->hi, value);
            *(double *)(void *)field = v;
            break;
        }
        case SEED: {
            unsigned long long v = strtoull(value, &end, 10);
            if (end == value || *end || errno || !isdigit((unsigned char)value[0]))
                return usage_error(command, "--seed must be a non-negative integer, not '%s'",
                                   value);
            o->seed = v;
            o->has_seed = 1;
            break;
        }
        case FLAG:
            break;
        }
    }
    if ((cmd & (CMD_RUN | CMD_SEQ2SEQ | CMD_BENCH | CMD_DUMP)) && !o->model)
        return usage_error(command, "--model is required");
    if (cmd == CMD_RUN && !o->prompt) return usage_error(command, "--prompt is required");
    if (cmd == CMD_SEQ2SEQ && !o->input) return usage_error(command, "--input is required");
    if (cmd == CMD_DUMP && !o->prompt == !o->ids)
        return usage_error(command, "give exactly one of --prompt and --ids");
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Resources shared by the commands: model, LoRA module, session. Freed in one place.
 */

typedef struct {
    NanoModel *model;
    NanoLora *lora;
    NanoSession *session;
    const NanoConfig *cfg;
} Engine;

/* A strerror()-style reason in lower case ("no such file or directory"). */
static const char *lower_first(const char *s, char *buf, size_t n) {
    snprintf(buf, n, "%s", s);
    if (buf[0]) buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}

/* Report a failed load: "cannot open PATH: no such file or directory", or "PATH: what is wrong". */
static int load_error(const char *path, int rc, int saved_errno, const char *err) {
    if (rc == NANO_E_IO && saved_errno && strncmp(err, "cannot open", 11) == 0) {
        char reason[128];
        return error("cannot open %s: %s", path,
                     lower_first(strerror(saved_errno), reason, sizeof reason));
    }
    return error("%s: %s", path, err);
}

static int engine_open(Engine *e, const Options *o) {
    char err[512];
    *e = (Engine){0};
    errno = 0;
    int rc = nano_model_load_file(o->model, &e->model, err, sizeof err);
    if (rc) return load_error(o->model, rc, errno, err);
    e->cfg = nano_model_config(e->model);
    if (o->lora) {
        errno = 0;
        rc = nano_lora_load_file(e->model, o->lora, &e->lora, err, sizeof err);
        if (rc) return load_error(o->lora, rc, errno, err);
    }
    if (nano_session_new(e->model, (int)o->threads, &e->session, err, sizeof err))
        return error("%s", err);
    if (e->lora && nano_session_set_lora(e->session, e->lora))
        return error("the LoRA module could not be attached");
    return 0;
}

static void engine_close(Engine *e) {
    nano_session_free(e->session);
    nano_lora_free(e->lora);
    nano_model_free(e->model);
}

/* Encode text into a new array (*ids, *n); the array has room for `extra` more ids. */
static int encode_text(const Engine *e, const char *text, int extra, int32_t **ids, int *n) {
    size_t len = strlen(text);
    int need = nano_encode(e->model, text, len, NULL, 0);
    if (need < 0) return error("the text could not be encoded");
    *ids = malloc(((size_t)need + (size_t)extra + 1) * sizeof **ids);
    if (!*ids) return error("out of memory");
    *n = nano_encode(e->model, text, len, *ids, need);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * run: generate text after a prompt
 */

static int cmd_run(const Options *o) {
    if (o->prompt[0] == '\0') return error("the prompt is empty");
    Engine e;
    int32_t *history = NULL, *scratch = NULL;
    float *probs = NULL;
    Text text = {0};
    int rc = engine_open(&e, o);
    if (rc) goto done;
    int32_t V = e.cfg->vocab_size, block = e.cfg->block_size;

    /* the prompt, wrapped as <|instruct_mark|> prompt <|response_mark|> for instruction models */
    int32_t *prompt_ids = NULL;
    int n_text = 0;
    if ((rc = encode_text(&e, o->prompt, 2, &prompt_ids, &n_text))) goto done;
    int n_prompt = n_text + (o->instruct ? 2 : 0);
    if (n_prompt >= block) {
        free(prompt_ids);
        rc = error("prompt is %d tokens but the model's block_size is %d", n_prompt, block);
        goto done;
    }
    /* history: (block_size) the prompt, then every generated token */
    history = malloc((size_t)block * sizeof *history);
    scratch = malloc(2 * (size_t)V * sizeof *scratch);
    probs = malloc((size_t)V * sizeof *probs);
    if (!history || !scratch || !probs) {
        free(prompt_ids);
        rc = error("out of memory");
        goto done;
    }
    int n = 0;
    if (o->instruct) history[n++] = NANO_TOKEN_INSTRUCT_MARK;
    memcpy(history + n, prompt_ids, (size_t)n_text * sizeof *history);
    n += n_text;
    if (o->instruct) history[n++] = NANO_TOKEN_RESPONSE_MARK;
    free(prompt_ids);

    long room = block - n_prompt;
    long max_new = o->max_new_tokens < 0
                       ? (room < DEFAULT_MAX_NEW_TOKENS ? room : DEFAULT_MAX_NEW_TOKENS)
                       : (o->max_new_tokens < room ? o->max_new_tokens : room);
    uint64_t seed = o->has_seed ? (uint64_t)o->seed : 0;
    if (!o->has_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    NanoSampler sampler;
    nano_sampler_init(&sampler, (float)o->temperature, (int32_t)o->top_k, (float)o->top_p,
                      (float)o->repetition_penalty, seed);

    double t0 = now_seconds();
    const float *logits = nano_prefill(e.session, history, n_prompt);
    double t_prefill = now_seconds() - t0;
    if (!logits) {
        rc = error("the forward pass rejected the prompt");
        goto done;
    }
    int n_steps = 0;
    t0 = now_seconds();
    for (long i = 0; i < max_new; i++) {
        memcpy(probs, logits, (size_t)V * sizeof *probs);
        int32_t next = nano_sample(&sampler, probs, V, history, n, scratch);
        if (next == NANO_TOKEN_EOS && !o->ignore_eos) break;
        history[n++] = next;
        if (o->json) {
            if (text_append_token(&text, e.model, next)) {
                rc = error("out of memory");
                goto done;
            }
        } else {
            char buf[TOKEN_TEXT_MAX];
            int len = nano_token_text(e.model, next, buf, sizeof buf);
            if (len > 0) fwrite(buf, 1, (size_t)len, stdout);
            fflush(stdout);
        }
        if (i + 1 < max_new) {
            logits = nano_step(e.session, next);
            n_steps++;
            if (!logits) {
                rc = error("the forward pass failed at position %d", n - 1);
                goto done;
            }
        }
    }
    double t_decode = now_seconds() - t0;

    if (o->json) {
        fputs("{\"prompt_ids\":", stdout);
        json_ids(stdout, history, n_prompt);
        fputs(",\"output_ids\":", stdout);
        json_ids(stdout, history + n_prompt, n - n_prompt);
        fputs(",\"text\":", stdout);
        json_string(stdout, text.bytes ? text.bytes : "", text.len);
        fputs(",\"stats\":{\"prefill_tokens_per_s\":", stdout);
        json_number(stdout, rate(n_prompt, t_prefill));
        fputs(",\"decode_tokens_per_s\":", stdout);
        json_number(stdout, rate(n_steps, t_decode));
        fputs("}}\n", stdout);
    } else {
        fputc('\n', stdout);
    }
done:
    free(text.bytes);
    free(probs);
    free(scratch);
    free(history);
    engine_close(&e);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * seq2seq: a non-causal model over exactly block_size tokens
 */

static int cmd_seq2seq(const Options *o) {
    Engine e;
    int32_t *ids = NULL, *out = NULL;
    Text text = {0};
    int n = 0;
    int rc = engine_open(&e, o);
    if (rc) goto done;
    if ((rc = encode_text(&e, o->input, 0, &ids, &n))) goto done;
    int32_t block = e.cfg->block_size;
    if (n != block) {
        rc = error("input is %d tokens but seq2seq needs exactly block_size (%d) tokens", n, block);
        goto done;
    }
    out = malloc((size_t)block * sizeof *out);
    if (!out) {
        rc = error("out of memory");
        goto done;
    }
    if (nano_seq2seq(e.session, ids, n, out)) {
        rc = error("seq2seq failed");
        goto done;
    }
    for (int i = 0; i < n; i++)
        if (text_append_token(&text, e.model, out[i])) {
            rc = error("out of memory");
            goto done;
        }
    if (o->json) {
        fputs("{\"input_ids\":", stdout);
        json_ids(stdout, ids, n);
        fputs(",\"output_ids\":", stdout);
        json_ids(stdout, out, n);
        fputs(",\"text\":", stdout);
        json_string(stdout, text.bytes ? text.bytes : "", text.len);
        fputs("}\n", stdout);
    } else {
        if (text.len) fwrite(text.bytes, 1, text.len, stdout);
        fputc('\n', stdout);
    }
done:
    free(text.bytes);
    free(out);
    free(ids);
    engine_close(&e);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * bench: prefill and decode throughput
 */

/* Bytes of one matrix as stored: f32, or int8 values plus one f32 scale per group. */
static double matrix_bytes(const NanoConfig *c, double rows, double cols) {
    double n = rows * cols;
    return c->quant_type == NANO_QUANT_Q8_0 ? n + 4 * n / c->group_size : 4 * n;
}

/* Weight bytes one decode step streams from memory: every matrix of every layer, the norms and
 * the classifier, but only one row of the embedding table unless it is also the classifier. */
static double weight_bytes_per_token(const NanoConfig *c) {
    double E = c->n_embd, H = c->n_hidden, L = c->n_layer, V = c->vocab_size;
    double q_dim = (double)c->n_head * c->head_dim, kv_dim = (double)c->n_kv_head * c->head_dim;
    double layer = matrix_bytes(c, q_dim, E) + 2 * matrix_bytes(c, kv_dim, E) +
                   matrix_bytes(c, E, q_dim) + 2 * matrix_bytes(c, H, E) + matrix_bytes(c, E, H);
    double norms = 4 * (2 * L * E + E);
    double classifier = matrix_bytes(c, V, E);
    double embedding_row = c->is_shared_classifier ? 0 : matrix_bytes(c, 1, E);
    return L * layer + norms + classifier + embedding_row;
}

/* bench --profile: where the decode steps' time went, in microseconds per token (nano.h
 * NanoProfile). "decode" is the steps as the benchmark timed them, "steps" inside the engine;
 * "alone" is the calling thread's work between jobs; "busy" and "attention" per thread. */
static void print_profile(NanoSession *session, long threads, double t_decode, long n_decode) {
    NanoProfile p;
    nano_session_profile_get(session, &p);
    double per = 1e-3 / (double)n_decode; /* ns in all → µs per token */
    int n = threads < NANO_PROFILE_THREADS ? (int)threads : NANO_PROFILE_THREADS;
    printf(",\"profile\":{\"jobs_per_token\":%.1f,\"us_per_token\":{\"decode\":%.1f,"
           "\"steps\":%.1f,\"jobs\":%.1f,\"alone\":%.1f,\"start_lag\":%.1f,\"end_gap\":%.1f,"
           "\"busy\":[",
           (double)p.jobs / (double)n_decode, t_decode * 1e6 / (double)n_decode, p.pass_ns * per,
           p.job_ns * per, (p.pass_ns - p.job_ns) * per, p.start_lag_ns * per, p.end_gap_ns * per);
    for (int t = 0; t < n; t++) printf("%s%.1f", t ? "," : "", p.busy_ns[t] * per);
    printf("],\"attention\":[");
    for (int t = 0; t < n; t++) printf("%s%.1f", t ? "," : "", p.attention_ns[t] * per);
    printf("]}}");
}

static int cmd_bench(const Options *o) {
    Engine e;
    int32_t *ids = NULL;
    int rc = engine_open(&e, o);
    if (rc) goto done;
    const NanoConfig *c = e.cfg;
    long n_prefill = o->prefill_tokens, n_decode = o->decode_tokens;
    if (n_prefill + n_decode > c->block_size) {
        rc = error("--prefill-tokens %ld plus --decode-tokens %ld exceed the model's block_size %d",
                   n_prefill, n_decode, c->block_size);
        goto done;
    }
    /* a deterministic prompt: ids 7, 8, ... cycling below vocab_size (past the special tokens) */
    ids = malloc((size_t)n_prefill * sizeof *ids);
    if (!ids) {
        rc = error("out of memory");
        goto done;
    }
    int32_t first = c->vocab_size > 7 ? 7 : 0;
    for (long i = 0; i < n_prefill; i++) ids[i] = first + (int32_t)(i % (c->vocab_size - first));

    double t0 = now_seconds();
    const float *logits = nano_prefill(e.session, ids, (int)n_prefill);
    double t_prefill = now_seconds() - t0;
    nano_session_reset(e.session);
    logits = logits ? nano_prefill(e.session, ids, (int)n_prefill) : NULL;
    if (!logits) {
        rc = error("the forward pass rejected the benchmark prompt");
        goto done;
    }
    if (o->profile) nano_session_profile(e.session, 1);
    t0 = now_seconds();
    for (long i = 0; i < n_decode && logits; i++)
        logits = nano_step(e.session, argmax(logits, c->vocab_size));
    double t_decode = now_seconds() - t0;
    if (!logits) {
        rc = error("the forward pass failed while decoding");
        goto done;
    }
    printf("{\"threads\":%ld,\"prefill_tokens\":%ld,\"prefill_tokens_per_s\":", o->threads,
           n_prefill);
    json_number(stdout, rate((double)n_prefill, t_prefill));
    printf(",\"decode_tokens\":%ld,\"decode_tokens_per_s\":", n_decode);
    json_number(stdout, rate((double)n_decode, t_decode));
    printf(",\"weight_bytes_per_token\":%.0f,\"prefetch_ahead\":%d", weight_bytes_per_token(c),
           nano_session_prefetch_ahead(e.session));
    if (o->profile && n_decode > 0) print_profile(e.session, o->threads, t_decode, n_decode);
    printf("}\n");
done:
    free(ids);
    engine_close(&e);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * dump: logits and observations of every step, for tests and engine comparisons
 */

/* Parse "1,2,3" into ids in [0, vocab_size). */
static int parse_ids(const char *s, int32_t vocab_size, int32_t **ids, int *n) {
    size_t count = 1;
    for (const char *p = s; *p; p++) count += *p == ',';
    *ids = malloc(count * sizeof **ids);
    if (!*ids) return error("out of memory");
    *n = 0;
    const char *p = s;
    for (size_t k = 0; k < count; k++) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || (*end != ',' && *end != '\0') || !isdigit((unsigned char)*p))
            return error("--ids must be comma-separated token ids, not '%s'", s);
        if (v >= vocab_size)
            return error("token id %ld is out of range (vocab_size is %d)", v, vocab_size);
        (*ids)[(*n)++] = (int32_t)v;
        p = end + 1;
    }
    return 0;
}

/* One {"pos":…,"token":…,"logits":[…],…} entry for the step just taken. */
static void dump_step(const Engine *e, int observe, int pos, int32_t token, const float *logits) {
    const NanoConfig *c = e->cfg;
    printf("{\"pos\":%d,\"token\":%d,\"logits\":", pos, token);
    json_floats(stdout, logits, c->vocab_size);
    if (observe) {
        fputs(",\"attention\":[", stdout);
        for (int l = 0; l < c->n_layer; l++) {
            int n_pos = 0;
            const float *a = nano_observed_attention(e->session, l, &n_pos);
            fputs(l ? ",[" : "[", stdout);
            for (int h = 0; a && h < c->n_head; h++) {
                if (h) fputc(',', stdout);
                json_floats(stdout, a + (size_t)h * c->block_size, n_pos);
            }
            fputc(']', stdout);
        }
        fputs("],\"residual\":[", stdout);
        for (int i = 0; i <= c->n_layer; i++) {
            const float *r = nano_observed_residual(e->session, i);
            if (i) fputc(',', stdout);
            if (r)
                json_floats(stdout, r, c->n_embd);
            else
                fputs("[]", stdout);
        }
        fputc(']', stdout);
    }
    fputc('}', stdout);
}

static int cmd_dump(const Options *o) {
    Engine e;
    int32_t *ids = NULL;
    int n = 0;
    int rc = engine_open(&e, o);
    if (rc) goto done;
    const NanoConfig *c = e.cfg;
    rc = o->ids ? parse_ids(o->ids, c->vocab_size, &ids, &n)
                : encode_text(&e, o->prompt, 0, &ids, &n);
    if (rc) goto done;
    if (n == 0) {
        rc = error("the prompt is empty");
        goto done;
    }
    if (n + o->steps > c->block_size) {
        rc = error("prompt is %d tokens and --steps %ld more, but the model's block_size is %d", n,
                   o->steps, c->block_size);
        goto done;
    }
    if (o->observe) nano_session_observe(e.session, NANO_OBSERVE_ATTENTION | NANO_OBSERVE_RESIDUAL);

    fputs("{\"steps\":[", stdout);
    const float *logits = NULL;
    if (o->prefill) { /* one batched call; only its last token's logits are reported */
        logits = nano_prefill(e.session, ids, n);
        if (logits) dump_step(&e, o->observe, n - 1, ids[n - 1], logits);
    } else {
        for (int p = 0; p < n; p++) {
            logits = nano_step(e.session, ids[p]);
            if (!logits) break;
            if (p) fputc(',', stdout);
            dump_step(&e, o->observe, p, ids[p], logits);
        }
    }
    for (long s = 0; s < o->steps && logits; s++) {
        int32_t next = argmax(logits, c->vocab_size);
        int pos = nano_session_pos(e.session);
        logits = nano_step(e.session, next);
        if (!logits) break;
        fputc(',', stdout);
        dump_step(&e, o->observe, pos, next, logits);
    }
    fputs("]}\n", stdout);
    if (!logits) rc = error("the forward pass failed");
done:
    free(ids);
    engine_close(&e);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * bandwidth: the memory roofline for the benchmark
 */

static int cmd_bandwidth(const Options *o) {
    size_t bytes = (size_t)o->mib << 20;
    /* the handoff before and after the reads: a VM's host may move a core in between */
    double handoff_before = o->threads >= 2 ? nano_measure_handoff_ns() : -1.0;
    double *each = malloc((size_t)o->passes * sizeof *each);
    if (!each) return error("out of memory");
    double gbps = nano_measure_read_bandwidth_each(bytes, (int)o->passes, (int)o->threads, each);
    if (!(gbps > 0)) {
        free(each);
        return error("could not measure bandwidth (out of memory or threads?)");
    }
    double handoff_after = o->threads >= 2 ? nano_measure_handoff_ns() : -1.0;
    printf("{\"threads\":%ld,\"mib\":%ld,\"passes\":%ld,\"read_gb_per_s\":", o->threads, o->mib,
           o->passes);
    json_number(stdout, gbps);
    fputs(",\"pass_gb_per_s\":[", stdout);
    for (long i = 0; i < o->passes; i++) {
        if (i) fputc(',', stdout);
        json_number(stdout, each[i]);
    }
    fputc(']', stdout);
    free(each);
    if (handoff_before > 0 && handoff_after > 0) {
        fputs(",\"handoff_ns\":[", stdout);
        json_number(stdout, handoff_before);
        fputc(',', stdout);
        json_number(stdout, handoff_after);
        fputc(']', stdout);
    }
    fputs("}\n", stdout);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * main
 */

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        int cmd;
        const char *usage;
        int (*run)(const Options *);
    } commands[] = {
        {"run", CMD_RUN, USAGE_RUN, cmd_run},
        {"seq2seq", CMD_SEQ2SEQ, USAGE_SEQ2SEQ, cmd_seq2seq},
        {"bench", CMD_BENCH, USAGE_BENCH, cmd_bench},
        {"dump", CMD_DUMP, USAGE_DUMP, cmd_dump},
        {"bandwidth", CMD_BANDWIDTH, USAGE_BANDWIDTH, cmd_bandwidth},
    };
    if (argc < 2) {
        fputs(USAGE, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(USAGE, stdout);
        return 0;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(argv[1], commands[k].name) != 0) continue;
        Options o;
        int rc =
            parse_options(argc, argv, commands[k].name, commands[k].cmd, commands[k].usage, &o);
        if (rc < 0) return 0; /* --help */
        if (rc) return rc;
        rc = commands[k].run(&o);
        if (fflush(stdout) != 0 && !rc) rc = error("could not write the output");
        return rc;
    }
    return usage_error(NULL, "unknown command '%s'", argv[1]);
}
