/* threads.c — the thread pool of threads.h: workers that claim chunks of one job at a time.
 *
 * The job's generation, its chunk count and its next unclaimed chunk share one 64-bit word
 * (gen << 32 | n_chunks << 16 | next), claimed by compare-and-swap. A claim therefore succeeds
 * only while that exact job is current and has chunks left, so a worker that wakes up late can
 * never run a chunk of a newer job with the fn/ctx it read for an older one, nor claim past the
 * end of an old job because it read the newer job's (larger) chunk count.
 *
 * Waiting is hybrid. Workers poll for the next job for 200 microseconds (decode issues one
 * every few microseconds, and a JavaScript caller that samples between tokens leaves 30-80),
 * pausing briefly and then yielding the core at each step, and then sleep on a futex (Linux) or
 * a condition variable (elsewhere, Emscripten included): waking a sleeping WebAssembly worker
 * took ~45 µs, once per token when they slept between tokens (50 µs of polling).
 * The caller, once no chunk is left to claim, polls the same way for the chunks still running
 * and then blocks (futex) or yields: on a machine with more runnable threads than cores (another
 * process busy on one of our two cores) the worker it waits for may have been preempted in the
 * middle of a chunk, and an idle core is what makes the kernel move that worker over at once
 * instead of after the other process's time slice.
 *
 * A thread that has finished its part of a job calls the pool's idle function once, if set,
 * before it waits: the engine uses it to warm the start of the thread's part of the next job.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* syscall(), clock_gettime() under -std=c11 */
#endif
#include "threads.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Single-threaded WebAssembly builds have no pthreads: the pool is just the caller. */
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define NANO_NO_THREADS 1
#else
#include <pthread.h>
#include <sched.h>
#endif

#if defined(__linux__) && !defined(__EMSCRIPTEN__) && !defined(NANO_NO_THREADS)
#define NANO_USE_FUTEX 1
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#ifndef NANO_NO_THREADS
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax(void) {
    _mm_pause();
}
#elif defined(__aarch64__)
static inline void cpu_relax(void) {
    __asm__ __volatile__("yield");
}
#else
static inline void cpu_relax(void) {}
#endif
#endif

enum {
    WORKER_SPIN_NS = 200000, /* a worker polls this long for the next job before sleeping */
    CALLER_SPIN_NS = 20000,  /* the caller polls this long for running chunks, then blocks */
    PAUSE_SPIN_NS = 2000,    /* polling uses the pause instruction this long, then sched_yield */
};

#define CACHE_LINE 64

/* One thread's profiling counts (nano_pool_profile), written only by that thread, on a cache
 * line of its own. A worker's are read by the caller after the worker's chunks of the job are
 * counted in `done`, which orders them. */
typedef struct {
    _Alignas(CACHE_LINE) long long busy_ns, start_lag_ns;
    long long last_end_ns; /* when its last chunk of job `last_gen` ended */
    uint32_t last_gen;
} ThreadClock;

struct NanoPool {
    int n_threads; /* workers + the caller */
    int n_workers;
    uint32_t gen; /* generation of the last job published (caller only) */

    /* The current job. Written by the caller before it publishes `state`; read (relaxed) by
     * workers, who only act on what they read once a CAS on `state` proves it is still current. */
    _Atomic(NanoJobFn) fn;
    _Atomic(void *) ctx;
    NanoIdleFn idle; /* set only while no job runs (nano_pool_set_idle) */
    void *idle_ctx;

    _Alignas(CACHE_LINE) _Atomic uint64_t state;    /* gen << 32 | n_chunks << 16 | next chunk */
    _Alignas(CACHE_LINE) atomic_int done;           /* chunks of the current job finished */
    _Alignas(CACHE_LINE) _Atomic uint32_t wake_seq; /* futex word: bumped to wake sleepers */
    atomic_int sleepers;                            /* workers asleep (or about to be) */
    atomic_int caller_waiting; /* the caller sleeps on `done` until the last chunk finishes */
    atomic_int stop;

    /* profiling (nano_pool_profile): off unless `profiling`; the caller's counts per job, each
     * thread's in its own clock */
    atomic_int profiling;
    _Atomic long long published_ns; /* when the current job was published */
    long long jobs, job_ns, end_gap_ns;
    ThreadClock *clocks; /* n_threads of them */

#ifndef NANO_NO_THREADS
    pthread_t *threads;
    struct WorkerArg {
        NanoPool *pool;
        int index; /* 1.. (0 is the caller) */
    } * args;
#ifndef NANO_USE_FUTEX
    pthread_mutex_t mu;
    pthread_cond_t cv;
#endif
#endif
};

#ifndef NANO_NO_THREADS

static inline uint32_t state_gen(uint64_t st) {
    return (uint32_t)(st >> 32);
}
static inline uint32_t state_n_chunks(uint64_t st) {
    return (uint32_t)(st >> 16) & 0xffff;
}
static inline uint32_t state_chunk(uint64_t st) {
    return (uint32_t)st & 0xffff;
}

static inline int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One step of a polling loop that has waited `waited_ns` so far. The first microseconds use
 * the pause instruction (a new job usually comes that soon); after that each step yields the
 * core. Measured on the 2-core target while other processes ran: workers that kept pausing for
 * 50 µs made 2-thread decode 25% slower than 1 thread (a spinning thread that shares a core
 * with the one it waits for holds that core until preempted); yielding made it no slower. */
static inline void spin_pause(int64_t waited_ns) {
    if (waited_ns < PAUSE_SPIN_NS)
        cpu_relax();
    else
        sched_yield();
}

/* Claim and run chunks of the job whose state word is `st` until none is left; returns how
 * many this thread ran. */
static int work_on(NanoPool *p, uint64_t st, int thread) {
    const uint32_t gen = state_gen(st);
    const int profiling = atomic_load_explicit(&p->profiling, memory_order_relaxed);
    int ran = 0;
    for (;;) {
        NanoJobFn fn = atomic_load_explicit(&p->fn, memory_order_relaxed);
        void *ctx = atomic_load_explicit(&p->ctx, memory_order_relaxed);
        uint32_t chunk = state_chunk(st);
        if (state_gen(st) != gen || chunk >= state_n_chunks(st)) return ran;
        if (atomic_compare_exchange_weak_explicit(&p->state, &st, st + 1, memory_order_acquire,
                                                  memory_order_relaxed)) {
            if (profiling) {
                ThreadClock *c = &p->clocks[thread];
                long long t0 = nano_clock_ns();
                if (thread > 0 && ran == 0)
                    c->start_lag_ns +=
                        t0 - atomic_load_explicit(&p->published_ns, memory_order_relaxed);
                fn(ctx, (int)chunk, thread);
                c->last_end_ns = nano_clock_ns();
                c->last_gen = gen;
                c->busy_ns += c->last_end_ns - t0;
            } else {
                fn(ctx, (int)chunk, thread);
            }
            ran++;
            st++;
        }
        /* on failure `st` holds the current word: loop to retry or notice a new job */
    }
}

static void wake_sleepers(NanoPool *p) {
    atomic_fetch_add_explicit(&p->wake_seq, 1, memory_order_seq_cst);
#ifdef NANO_USE_FUTEX
    syscall(SYS_futex, (uint32_t *)&p->wake_seq, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
#else
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
#endif
}

static void wake_caller(NanoPool *p) {
#ifdef NANO_USE_FUTEX
    syscall(SYS_futex, (uint32_t *)&p->done, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
#else
    (void)p; /* without futexes the caller yields instead of sleeping */
#endif
}

/* Block until the job generation differs from `seen` (or the pool stops); returns the state. */
static uint64_t wait_for_job(NanoPool *p, uint32_t seen) {
    int64_t start = now_ns();
    for (;;) {
        uint64_t st = atomic_load_explicit(&p->state, memory_order_acquire);
        if (state_gen(st) != seen) return st;
        int64_t waited = now_ns() - start;
        if (waited >= WORKER_SPIN_NS) break;
        spin_pause(waited);
    }
    /* Sleep. The publisher stores `state` then reads `sleepers`; we increment `sleepers`, read
     * the wake word, then re-read `state` (all seq_cst): either the publisher sees us and bumps
     * the wake word, or we see its job. */
    for (;;) {
        atomic_fetch_add_explicit(&p->sleepers, 1, memory_order_seq_cst);
        uint32_t seq = atomic_load_explicit(&p->wake_seq, memory_order_seq_cst);
        uint64_t st = atomic_load_explicit(&p->state, memory_order_seq_cst);
        if (state_gen(st) != seen) {
            atomic_fetch_sub_explicit(&p->sleepers, 1, memory_order_relaxed);
            return st;
        }
#ifdef NANO_USE_FUTEX
        syscall(SYS_futex, (uint32_t *)&p->wake_seq, FUTEX_WAIT_PRIVATE, seq, NULL, NULL, 0);
#else
        pthread_mutex_lock(&p->mu);
        while (atomic_load_explicit(&p->wake_seq, memory_order_seq_cst) == seq)
            pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
#endif
        atomic_fetch_sub_explicit(&p->sleepers, 1, memory_order_relaxed);
    }
}

static void *worker_main(void *arg) {
    NanoPool *p = ((struct WorkerArg *)arg)->pool;
    int index = ((struct WorkerArg *)arg)->index;
    uint32_t seen = 0;
    for (;;) {
        uint64_t st = wait_for_job(p, seen);
        if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
        seen = state_gen(st);
        int ran = work_on(p, st, index);
        if (ran) {
            /* seq_cst pairs with the caller's store of caller_waiting then load of done */
            int done = atomic_fetch_add_explicit(&p->done, ran, memory_order_seq_cst) + ran;
            if (done == (int)state_n_chunks(st) &&
                atomic_load_explicit(&p->caller_waiting, memory_order_seq_cst))
                wake_caller(p);
            if (p->idle) p->idle(p->idle_ctx, index);
        }
    }
}

#endif /* !NANO_NO_THREADS */

NanoPool *nano_pool_new(int n_threads) {
    if (n_threads < 1) n_threads = 1;
#ifdef NANO_NO_THREADS
    n_threads = 1;
#endif
    NanoPool *p =
        aligned_alloc(CACHE_LINE, (sizeof(NanoPool) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE);
    if (!p) return NULL;
    p->n_threads = n_threads;
    p->n_workers = 0;
    p->gen = 0;
    atomic_init(&p->fn, NULL);
    atomic_init(&p->ctx, NULL);
    p->idle = NULL;
    p->idle_ctx = NULL;
    atomic_init(&p->state, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->wake_seq, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->stop, 0);
    atomic_init(&p->caller_waiting, 0);
    atomic_init(&p->profiling, 0);
    atomic_init(&p->published_ns, 0);
    p->jobs = p->job_ns = p->end_gap_ns = 0;
    p->clocks = aligned_alloc(CACHE_LINE, (size_t)n_threads * sizeof(ThreadClock));
    if (!p->clocks) {
        free(p);
        return NULL;
    }
    memset(p->clocks, 0, (size_t)n_threads * sizeof(ThreadClock));
#ifndef NANO_NO_THREADS
    p->threads = NULL;
    p->args = NULL;
    if (n_threads > 1) {
        p->threads = calloc((size_t)n_threads - 1, sizeof(pthread_t));
        p->args = calloc((size_t)n_threads - 1, sizeof *p->args);
        if (!p->threads || !p->args) {
            free(p->threads);
            free(p->args);
            free(p->clocks);
            free(p);
            return NULL;
        }
    }
#ifndef NANO_USE_FUTEX
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
#endif
    for (int i = 0; i < n_threads - 1; i++) {
        p->args[i] = (struct WorkerArg){p, i + 1};
        if (pthread_create(&p->threads[i], NULL, worker_main, &p->args[i]) != 0) {
            nano_pool_free(p);
            return NULL;
        }
        p->n_workers++;
    }
#endif
    return p;
}

void nano_pool_free(NanoPool *p) {
    if (!p) return;
#ifndef NANO_NO_THREADS
    if (p->n_workers > 0) {
        atomic_store_explicit(&p->stop, 1, memory_order_release);
        p->gen++;
        atomic_store_explicit(&p->state, (uint64_t)p->gen << 32, memory_order_seq_cst);
        wake_sleepers(p);
        for (int i = 0; i < p->n_workers; i++) pthread_join(p->threads[i], NULL);
    }
#ifndef NANO_USE_FUTEX
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
#endif
    free(p->threads);
    free(p->args);
#endif
    free(p->clocks);
    free(p);
}

long long nano_clock_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void nano_pool_set_idle(NanoPool *p, NanoIdleFn fn, void *ctx) {
    if (!p) return;
    p->idle = fn;
    p->idle_ctx = ctx;
}

int nano_pool_threads(const NanoPool *p) {
    return p ? p->n_workers + 1 : 1;
}

/* Jobs larger than the 16-bit chunk field run as several jobs over consecutive chunk ranges. */
enum { MAX_CHUNKS_PER_JOB = 0xffff };
typedef struct {
    NanoJobFn fn;
    void *ctx;
    int base;
} RangeJob;
static void run_range(void *ctx, int chunk, int thread) {
    RangeJob *r = ctx;
    r->fn(r->ctx, r->base + chunk, thread);
}

void nano_pool_profile(NanoPool *p, int on) {
    if (!p) return;
    if (on) { /* from zero; off keeps the counts for nano_pool_profile_get */
        p->jobs = p->job_ns = p->end_gap_ns = 0;
        memset(p->clocks, 0, (size_t)p->n_threads * sizeof(ThreadClock));
    }
    atomic_store_explicit(&p->profiling, on != 0, memory_order_relaxed);
}

void nano_pool_profile_get(const NanoPool *p, NanoPoolProfile *out) {
    memset(out, 0, sizeof *out);
    if (!p) return;
    out->jobs = p->jobs, out->job_ns = p->job_ns, out->end_gap_ns = p->end_gap_ns;
    for (int t = 0; t < p->n_threads; t++) {
        int slot = t < NANO_POOL_PROFILE_THREADS ? t : NANO_POOL_PROFILE_THREADS - 1;
        out->busy_ns[slot] += p->clocks[t].busy_ns;
        out->start_lag_ns += p->clocks[t].start_lag_ns;
    }
}

#ifndef NANO_NO_THREADS
/* A job's end, profiled: its wall time, and how far apart the threads that ran chunks of it
 * finished (their last chunks' ends, recorded by work_on with the job's generation). */
static void profile_job_end(NanoPool *p, uint32_t gen, long long published) {
    long long first = 0, last = 0;
    for (int t = 0; t < p->n_threads; t++) {
        const ThreadClock *c = &p->clocks[t];
        if (c->last_gen != gen) continue;
        if (first == 0 || c->last_end_ns < first) first = c->last_end_ns;
        if (c->last_end_ns > last) last = c->last_end_ns;
    }
    p->jobs++;
    p->job_ns += nano_clock_ns() - published;
    p->end_gap_ns += last - first;
}
#endif

void nano_pool_run(NanoPool *p, NanoJobFn fn, void *ctx, int n_chunks) {
    if (n_chunks <= 0) return;
    if (!p || p->n_workers == 0 || n_chunks == 1) {
        long long t0 =
            p && atomic_load_explicit(&p->profiling, memory_order_relaxed) ? nano_clock_ns() : 0;
        for (int c = 0; c < n_chunks; c++) fn(ctx, c, 0);
        if (t0) { /* one thread ran it all: busy throughout */
            long long ns = nano_clock_ns() - t0;
            p->jobs++, p->job_ns += ns, p->clocks[0].busy_ns += ns;
        }
        return;
    }
    if (n_chunks > MAX_CHUNKS_PER_JOB) {
        for (int base = 0; base < n_chunks; base += MAX_CHUNKS_PER_JOB) {
            RangeJob r = {fn, ctx, base};
            int n = n_chunks - base < MAX_CHUNKS_PER_JOB ? n_chunks - base : MAX_CHUNKS_PER_JOB;
            nano_pool_run(p, run_range, &r, n);
        }
        return;
    }
#ifndef NANO_NO_THREADS
    /* Publish: the job's fields first, then the state word that makes them claimable. Every
     * chunk of the previous job has finished (we waited for it), so no worker runs with them. */
    atomic_store_explicit(&p->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&p->ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    const int profiling = atomic_load_explicit(&p->profiling, memory_order_relaxed);
    long long published = profiling ? nano_clock_ns() : 0;
    if (profiling) atomic_store_explicit(&p->published_ns, published, memory_order_relaxed);
    p->gen++;
    uint64_t st = (uint64_t)p->gen << 32 | (uint64_t)n_chunks << 16;
    atomic_store_explicit(&p->state, st, memory_order_seq_cst);
    if (atomic_load_explicit(&p->sleepers, memory_order_seq_cst) > 0) wake_sleepers(p);

    int ran = work_on(p, st, 0);
    int done = atomic_fetch_add_explicit(&p->done, ran, memory_order_acq_rel) + ran;
    if (done < n_chunks && p->idle) {
        p->idle(p->idle_ctx, 0);
        done = atomic_load_explicit(&p->done, memory_order_acquire);
    }

    /* Wait for chunks other threads claimed and are still running: spin a little (a running
     * worker finishes its chunk within microseconds), then sleep until the last one is done. */
    int64_t deadline = 0;
    while (done < n_chunks) {
        int64_t t = now_ns();
        if (deadline == 0) deadline = t + CALLER_SPIN_NS;
        if (t < deadline) {
            spin_pause(t - (deadline - CALLER_SPIN_NS));
        } else {
#ifdef NANO_USE_FUTEX
            atomic_store_explicit(&p->caller_waiting, 1, memory_order_seq_cst);
            done = atomic_load_explicit(&p->done, memory_order_seq_cst);
            if (done < n_chunks)
                syscall(SYS_futex, (uint32_t *)&p->done, FUTEX_WAIT_PRIVATE, done, NULL, NULL, 0);
            atomic_store_explicit(&p->caller_waiting, 0, memory_order_relaxed);
#else
            sched_yield();
#endif
        }
        done = atomic_load_explicit(&p->done, memory_order_acquire);
    }
    if (profiling) profile_job_end(p, p->gen, published);
#endif
}
