/* sampler.c — choosing the next token from the logits, reproducibly.
 *
 * The algorithm is specified exactly here, because the Scheme engine reimplements it and must pick
 * the same token from the same logits and seed. All arithmetic is IEEE-754 single precision
 * (float32), each operation rounded on its own (no fused multiply-add), unless it says double.
 *
 * PRNG: xorshift64* (as in llama2.c), state s (u64):
 *     seed:   s = seed XOR 0x9E3779B97F4A7C15; if s == 0 then s = 1
 *     next:   s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
 *             u32 = (s * 0x2545F4914F6CDD1D mod 2^64) >> 32
 *     float:  f = (u32 >> 8) / 16777216      (exact; in [0, 1))
 *
 * nano_sample(logits[0..V), history):
 *  1. Repetition penalty r (skipped when r == 1): for each distinct id in history with
 *     0 <= id < V (ids outside are ignored): logit = logit > 0 ? logit / r : logit * r.
 *  2. Temperature t <= 0 (or NaN): return the argmax, the lowest id among equal maxima (a NaN logit
 *     never wins; all NaN → id 0). No random number is drawn.
 *  3. logit = logit / t for every id.
 *  4. Softmax: m = max logit; e[i] = (float) exp((double)(logit[i] - m)), the subtraction in
 *     float, exp in double, rounded once to float; sum = e[0] + e[1] + ... in id order;
 *     p[i] = e[i] / sum.
 *  5. Candidates: all ids. If 0 < top_k < V or top_p < 1, order the ids by p descending, ties
 *     (and NaN, which ranks below every number) by lower id first. If 0 < top_k < V keep the
 *     first top_k. Then if top_p < 1, walk the kept ids in that order with cum += p[id] and keep
 *     the shortest prefix whose cum >= top_p (at least one id; all kept if never reached).
 *  6. total = sum of p over the kept ids in ascending id order; u = f * total (one draw);
 *     walk the kept ids in ascending id order with cum += p[id] and return the first id where
 *     u < cum; if none, the last kept id (the largest).
 *
 * The logits array is overwritten with the probabilities. No allocation: `scratch` holds
 * 2 × V ints (the ordered candidates, then a kept/seen flag per id).
 */
#include "nano.h"

#include <math.h>
#include <stdlib.h>

/* ---------------------------------------------------------------------------------------------
 * PRNG
 */

static uint32_t random_u32(uint64_t *state) {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

static float random_f32(uint64_t *state) {
    return (float)(random_u32(state) >> 8) / 16777216.0f;
}

/* Set the sampling parameters and seed the PRNG (see the top of this file). */
void nano_sampler_init(NanoSampler *sp, float temperature, int32_t top_k, float top_p,
                       float repetition_penalty, uint64_t seed) {
    sp->temperature = temperature;
    sp->top_k = top_k;
    sp->top_p = top_p;
    sp->repetition_penalty = repetition_penalty;
    sp->rng_state = seed ^ 0x9E3779B97F4A7C15ull;
    if (sp->rng_state == 0) sp->rng_state = 1;
}

/* ---------------------------------------------------------------------------------------------
 * Steps of nano_sample
 */

static int32_t argmax(const float *x, int32_t n) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; i++)
        if (x[i] > x[best] || (x[best] != x[best] && x[i] == x[i])) best = i;
    return best;
}

/* 1 if id i ranks ahead of id j: p descending, NaN below every number, then id ascending. This
 * is a total order, so the result does not depend on the sort or selection algorithm. */
static int ranks_ahead(const float *p, int32_t i, int32_t j) {
    float pi = p[i], pj = p[j];
    int ni = pi != pi, nj = pj != pj;
    if (ni != nj) return nj;
    if (!ni && pi != pj) return pi > pj;
    return i < j;
}

/* The probabilities qsort's comparison reads (qsort has no context argument); set just before
 * each sort, per thread. */
static _Thread_local const float *ordering_probs;

static int by_rank(const void *a, const void *b) {
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    return i == j ? 0 : ranks_ahead(ordering_probs, i, j) ? -1 : 1;
}

/* Put the k ids that rank first into heap[0..k), in no particular order: a heap whose root is
 * the last-ranked of those kept so far, so the whole vocabulary is scanned once (O(V log k))
 * instead of sorted. The order is total, so the set is exactly the first k of a full sort. */
static int32_t select_top_k(int32_t *heap, const float *p, int32_t V, int32_t k) {
    for (int32_t id = 0; id < V; id++) {
        int32_t at;
        if (id < k) { /* push, sift up */
            at = id;
            while (at > 0 && ranks_ahead(p, heap[(at - 1) / 2], id)) {
                heap[at] = heap[(at - 1) / 2];
                at = (at - 1) / 2;
            }
            heap[at] = id;
            continue;
        }
        if (!ranks_ahead(p, id, heap[0])) continue;
        at = 0; /* replace the root, sift down */
        for (;;) {
            int32_t child = 2 * at + 1;
            if (child >= k) break;
            if (child + 1 < k && ranks_ahead(p, heap[child], heap[child + 1])) child++;
            if (!ranks_ahead(p, id, heap[child])) break;
            heap[at] = heap[child];
            at = child;
        }
        heap[at] = id;
    }
    return k;
}

/* Pick the next token from the logits (see the top of this file for the exact algorithm). */
int32_t nano_sample(NanoSampler *sp, float *logits, int32_t vocab_size, const int32_t *history,
                    int n_history, int32_t *scratch) {
    int32_t V = vocab_size;
    if (!sp || !logits || V <= 0) return 0;
    int32_t *order = scratch;    /* (V) candidate ids, most probable first */
    int32_t *flag = scratch + V; /* (V) 1 = seen in history (step 1), then 1 = kept (steps 5–6) */

    /* 1. repetition penalty, once per distinct id */
    float r = sp->repetition_penalty;
    if (r != 1.0f && history && n_history > 0) {
        for (int32_t i = 0; i < V; i++) flag[i] = 0;
        for (int h = 0; h < n_history; h++) {
            int32_t id = history[h];
            if (id < 0 || id >= V || flag[id]) continue;
            flag[id] = 1;
            logits[id] = logits[id] > 0 ? logits[id] / r : logits[id] * r;
        }
    }

    /* 2. greedy */
    float t = sp->temperature;
    if (!(t > 0)) return argmax(logits, V);

    /* 3–4. temperature, softmax */
    for (int32_t i = 0; i < V; i++) logits[i] = logits[i] / t;
    float max = logits[0];
    for (int32_t i = 1; i < V; i++)
        if (logits[i] > max) max = logits[i];
    float sum = 0;
    for (int32_t i = 0; i < V; i++) {
        logits[i] = (float)exp((double)(logits[i] - max));
        sum += logits[i];
    }
    for (int32_t i = 0; i < V; i++) logits[i] = logits[i] / sum;
    const float *p = logits;

    /* 5. candidates */
    int top_k_on = sp->top_k > 0 && sp->top_k < V;
    int top_p_on = sp->top_p < 1.0f;
    for (int32_t i = 0; i < V; i++) flag[i] = 1;
    if (top_k_on || top_p_on) {
        int32_t n = top_k_on ? select_top_k(order, p, V, sp->top_k) : V;
        if (!top_k_on)
            for (int32_t i = 0; i < V; i++) order[i] = i;
        ordering_probs = p;
        qsort(order, (size_t)n, sizeof *order, by_rank);
        if (top_p_on) {
            float cum = 0;
            for (int32_t i = 0; i < n; i++) {
                cum += p[order[i]];
                if (cum >= sp->top_p) {
                    n = i + 1;
                    break;
                }
            }
        }
        for (int32_t i = 0; i < V; i++) flag[i] = 0;
        for (int32_t i = 0; i < n; i++) flag[order[i]] = 1;
    }

    /* 6. draw */
    float total = 0;
    int32_t last = 0;
    for (int32_t i = 0; i < V; i++)
        if (flag[i]) total += p[i], last = i;
    float u = random_f32(&sp->rng_state) * total;
    float cum = 0;
    for (int32_t i = 0; i < V; i++) {
        if (!flag[i]) continue;
        cum += p[i];
        if (u < cum) return i;
    }
    return last;
}
