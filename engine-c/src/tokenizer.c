/* tokenizer.c — the vocabulary stored in a Nano model (NANO-FORMAT.md §2): checking the section,
 * greedy longest-match encoding over code points, and token texts as UTF-8.
 *
 * Mirrors the original engine's trie encoder, with NanoLM's rule for unknown characters: they (and
 * invalid UTF-8 bytes) become <|unknown|> instead of stopping the prompt.
 */
#include "tokenizer.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * The tokenizer: a trie over code points, stored as a hash table of edges, plus every token's
 * text already converted to UTF-8.
 */

/* One trie edge: (parent node, code point) -> child node. child == 0 marks an empty slot (the
 * root, node 0, is never anyone's child). */
typedef struct {
    uint32_t parent, code_point, child;
} TrieEdge;

struct NanoTokenizer {
    int32_t vocab_size;
    uint8_t *is_special; /* (vocab_size) */
    uint32_t *
        text_start; /* (vocab_size + 1) byte offsets into text; token i is [start[i], start[i+1]) */
    char *text;     /* every token's UTF-8 text, back to back */
    int32_t *node_token; /* (n_nodes) id of the token that ends at this node, or -1 */
    uint32_t n_nodes;
    TrieEdge *edges; /* (edge_mask + 1) open-addressing hash table, at most half full */
    uint32_t edge_mask;
};

static int is_valid_code_point(uint32_t c) {
    return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
}

/* ---------------------------------------------------------------------------------------------
 * Checking the section. Layout per token: u8 length (code points), u8 is_special, u8 u8 reserved,
 * u32 id, u32 × length code points. The section length counts the whole section, its 8-byte head
 * included.
 */

int nano_tokenizer_check(const uint8_t *p, size_t avail, int32_t vocab_size, size_t *section_len,
                         char *err, size_t errlen) {
    if (avail < 8)
        return nano_fail(err, errlen, NANO_E_FORMAT, "tokenizer section overruns the file");
    uint32_t declared = read_u32(p);
    uint32_t n_tokens = read_u32(p + 4);
    if (declared < 8 || declared > avail)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "tokenizer section overruns the file (its length field says %u bytes, %zu "
                         "remain after the header)",
                         declared, avail);
    if (n_tokens != (uint32_t)vocab_size)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "tokenizer has %u tokens but the header's vocab_size is %d", n_tokens,
                         vocab_size);
    size_t at = 8;
    for (uint32_t i = 0; i < n_tokens; i++) {
        if (declared - at < 8)
            return nano_fail(err, errlen, NANO_E_FORMAT,
                             "tokenizer section ends (at %u bytes) inside token %u", declared, i);
        uint32_t n_cp = p[at];
        uint32_t id = read_u32(p + at + 4);
        /* p[at + 1] is is_special (0 or 1); p[at + 2..3] are reserved and ignored. */
        if (n_cp == 0) return nano_fail(err, errlen, NANO_E_FORMAT, "token %u has length 0", i);
        if (p[at + 1] > 1)
            return nano_fail(err, errlen, NANO_E_FORMAT, "token %u: is_special (%u) must be 0 or 1",
                             i, (unsigned)p[at + 1]);
        if (id != i)
            return nano_fail(err, errlen, NANO_E_FORMAT,
                             "token %u has id %u (ids must be sequential)", i, id);
        at += 8;
        if ((declared - at) / 4 < n_cp)
            return nano_fail(err, errlen, NANO_E_FORMAT,
                             "token %u (%u code points) overruns the tokenizer section", i, n_cp);
        for (uint32_t k = 0; k < n_cp; k++) {
            uint32_t c = read_u32(p + at + 4 * k);
            if (!is_valid_code_point(c))
                return nano_fail(err, errlen, NANO_E_FORMAT, "token %u has invalid code point 0x%X",
                                 i, c);
        }
        at += 4 * (size_t)n_cp;
    }
    if (at != declared)
        return nano_fail(err, errlen, NANO_E_FORMAT,
                         "tokenizer section length field says %u bytes but its tokens take %zu",
                         declared, at);
    *section_len = declared;
    return NANO_OK;
}

/* ---------------------------------------------------------------------------------------------
 * UTF-8, strictly (no overlong forms, surrogates or values past U+10FFFF).
 */

static int utf8_encode(uint32_t c, char *out) {
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (char)(0x80 | (c >> 6 & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Decode one code point from s[0..n); returns the bytes it takes, or 0 if they are not valid. */
static int utf8_decode(const unsigned char *s, size_t n, uint32_t *c) {
    if (n == 0) return 0;
    unsigned b = s[0];
    int len;
    uint32_t v, min;
    if (b < 0x80) {
        *c = b;
        return 1;
    } else if ((b & 0xE0) == 0xC0) {
        len = 2, v = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        len = 3, v = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        len = 4, v = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < (size_t)len) return 0;
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[k] & 0x3F);
    }
    if (v < min || !is_valid_code_point(v)) return 0;
    *c = v;
    return len;
}

/* ---------------------------------------------------------------------------------------------
 * Building the trie.
 */

static uint32_t edge_hash(uint32_t parent, uint32_t code_point) {
    uint64_t h = ((uint64_t)parent << 32 | code_point) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32);
}

/* The child of `parent` along `code_point`, or 0 if there is none. */
static uint32_t trie_child(const NanoTokenizer *t, uint32_t parent, uint32_t code_point) {
    for (uint32_t i = edge_hash(parent, code_point) & t->edge_mask;; i = (i + 1) & t->edge_mask) {
        const TrieEdge *e = &t->edges[i];
        if (e->child == 0) return 0;
        if (e->parent == parent && e->code_point == code_point) return e->child;
    }
}

/* The child of `parent` along `code_point`, created if missing. */
static uint32_t trie_child_or_add(NanoTokenizer *t, uint32_t parent, uint32_t code_point) {
    for (uint32_t i = edge_hash(parent, code_point) & t->edge_mask;; i = (i + 1) & t->edge_mask) {
        TrieEdge *e = &t->edges[i];
        if (e->child == 0) {
            e->parent = parent, e->code_point = code_point, e->child = t->n_nodes;
            t->node_token[t->n_nodes] = -1;
            return t->n_nodes++;
        }
        if (e->parent == parent && e->code_point == code_point) return e->child;
    }
}

int nano_tokenizer_new(const uint8_t *p, int32_t vocab_size, NanoTokenizer **out) {
    *out = NULL;
    /* First pass: sizes. The section was checked, so every read here is in bounds. */
    size_t total_cp = 0, total_bytes = 0;
    size_t at = 8;
    for (int32_t i = 0; i < vocab_size; i++) {
        uint32_t n_cp = p[at];
        for (uint32_t k = 0; k < n_cp; k++) {
            char tmp[4];
            total_bytes += (size_t)utf8_encode(read_u32(p + at + 8 + 4 * k), tmp);
        }
        total_cp += n_cp;
        at += 8 + 4 * (size_t)n_cp;
    }
    /* Edge table: a power of two at least twice the number of edges (<= total code points). */
    if (total_cp + 1 > UINT32_MAX / 4 || total_bytes > UINT32_MAX - 1) return NANO_E_FORMAT;
    size_t table = 16;
    while (table < 2 * total_cp) table *= 2;

    NanoTokenizer *t = calloc(1, sizeof *t);
    if (!t) return NANO_E_NOMEM;
    t->vocab_size = vocab_size;
    t->is_special = malloc((size_t)vocab_size);
    t->text_start = malloc(((size_t)vocab_size + 1) * sizeof *t->text_start);
    t->text = malloc(total_bytes + 1);
    t->node_token = malloc((total_cp + 1) * sizeof *t->node_token);
    t->edges = calloc(table, sizeof *t->edges);
    if (!t->is_special || !t->text_start || !t->text || !t->node_token || !t->edges) {
        nano_tokenizer_free(t);
        return NANO_E_NOMEM;
    }
    t->edge_mask = (uint32_t)(table - 1);
    t->n_nodes = 1;
    t->node_token[0] = -1;

    /* Second pass: texts and trie paths. A repeated entry keeps its lowest id. */
    size_t bytes = 0;
    at = 8;
    for (int32_t i = 0; i < vocab_size; i++) {
        uint32_t n_cp = p[at];
        t->is_special[i] = p[at + 1];
        t->text_start[i] = (uint32_t)bytes;
        uint32_t node = 0;
        for (uint32_t k = 0; k < n_cp; k++) {
            uint32_t c = read_u32(p + at + 8 + 4 * k);
            bytes += (size_t)utf8_encode(c, t->text + bytes);
            node = trie_child_or_add(t, node, c);
        }
        if (t->node_token[node] < 0) t->node_token[node] = i;
        at += 8 + 4 * (size_t)n_cp;
    }
    t->text_start[vocab_size] = (uint32_t)bytes;
    t->text[bytes] = '\0';
    *out = t;
    return NANO_OK;
}

void nano_tokenizer_free(NanoTokenizer *t) {
    if (!t) return;
    free(t->is_special);
    free(t->text_start);
    free(t->text);
    free(t->node_token);
    free(t->edges);
    free(t);
}

/* ---------------------------------------------------------------------------------------------
 * The public tokenizer API (nano.h).
 */

/* Greedy longest match: at each position take the longest vocabulary entry that matches. */
int nano_encode(const NanoModel *m, const char *utf8, size_t len, int32_t *ids, int max_ids) {
    if (!m || !m->tokenizer || (!utf8 && len > 0) || max_ids < 0 || (!ids && max_ids > 0))
        return NANO_E_ARG;
    if (len > (size_t)INT32_MAX) return NANO_E_ARG;
    const NanoTokenizer *t = m->tokenizer;
    const unsigned char *s = (const unsigned char *)utf8;
    int n = 0;
    size_t i = 0;
    while (i < len) {
        int32_t best = -1;
        size_t best_end = i, j = i;
        uint32_t node = 0, c;
        int adv;
        while ((adv = utf8_decode(s + j, len - j, &c)) > 0) {
            node = trie_child(t, node, c);
            if (node == 0) break;
            j += (size_t)adv;
            if (t->node_token[node] >= 0) best = t->node_token[node], best_end = j;
        }
        if (best < 0) {
            /* An unknown character, or one invalid byte, becomes <|unknown|>. */
            best = NANO_TOKEN_UNKNOWN;
            adv = utf8_decode(s + i, len - i, &c);
            best_end = i + (size_t)(adv > 0 ? adv : 1);
        }
        if (n < max_ids) ids[n] = best;
        n++;
        i = best_end;
    }
    return n;
}

/* The token's text as UTF-8 (buflen must leave room for the NUL; 1021 bytes always do). */
int nano_token_text(const NanoModel *m, int32_t id, char *buf, size_t buflen) {
    if (!m || !m->tokenizer || id < 0 || id >= m->tokenizer->vocab_size || !buf) return NANO_E_ARG;
    const NanoTokenizer *t = m->tokenizer;
    size_t n = t->text_start[id + 1] - t->text_start[id];
    if (buflen < n + 1) {
        if (buflen > 0) buf[0] = '\0';
        return NANO_E_ARG;
    }
    memcpy(buf, t->text + t->text_start[id], n);
    buf[n] = '\0';
    return (int)n;
}

/* 1 if the token is marked special in the file (ids 0..6 in the shipped models), else 0. */
int nano_token_is_special(const NanoModel *m, int32_t id) {
    if (!m || !m->tokenizer || id < 0 || id >= m->tokenizer->vocab_size) return 0;
    return m->tokenizer->is_special[id];
}
