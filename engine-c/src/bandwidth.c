/* bandwidth.c — how fast this machine can read memory: the roofline for decode.
 *
 * Decoding one token reads every weight once, so tokens/s can never exceed
 * bandwidth / model bytes. The benchmark compares the engine against this number, measured the
 * same way the engine reads weights: several threads of the engine's own pool streaming
 * disjoint chunks of one large buffer with SIMD loads.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MAP_ANONYMOUS, clock_gettime() under -std=c11 */
#endif
#include "nano.h"
#include "threads.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__linux__) && !defined(__EMSCRIPTEN__)
#define NANO_USE_MMAP 1
#include <sys/mman.h>
#endif
#if !defined(__EMSCRIPTEN__)
#include <pthread.h>
#endif

#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

enum { CHUNK_BYTES = 1 << 20 }; /* one claimable piece of the buffer */

typedef struct {
    const uint8_t *buf;
    size_t bytes;
    uint64_t *sink; /* one slot per chunk, so the reads cannot be optimized away */
} ReadJob;

/* Sum (xor-fold) n bytes, n a multiple of 128, with the widest loads this build has. */
static uint64_t read_sum(const uint8_t *p, size_t n) {
#if defined(__AVX2__)
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < n; i += 128) {
        a0 = _mm256_add_epi64(a0, _mm256_loadu_si256((const __m256i *)(p + i)));
        a1 = _mm256_add_epi64(a1, _mm256_loadu_si256((const __m256i *)(p + i + 32)));
        a2 = _mm256_add_epi64(a2, _mm256_loadu_si256((const __m256i *)(p + i + 64)));
        a3 = _mm256_add_epi64(a3, _mm256_loadu_si256((const __m256i *)(p + i + 96)));
    }
    __m256i s = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    return (uint64_t)_mm256_extract_epi64(s, 0) ^ (uint64_t)_mm256_extract_epi64(s, 3);
#elif defined(__wasm_simd128__)
    v128_t a0 = wasm_i64x2_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < n; i += 64) {
        a0 = wasm_i64x2_add(a0, wasm_v128_load(p + i));
        a1 = wasm_i64x2_add(a1, wasm_v128_load(p + i + 16));
        a2 = wasm_i64x2_add(a2, wasm_v128_load(p + i + 32));
        a3 = wasm_i64x2_add(a3, wasm_v128_load(p + i + 48));
    }
    v128_t s = wasm_v128_xor(wasm_v128_xor(a0, a1), wasm_v128_xor(a2, a3));
    return (uint64_t)wasm_i64x2_extract_lane(s, 0) ^ (uint64_t)wasm_i64x2_extract_lane(s, 1);
#else
    uint64_t a[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i += 32) {
        for (int k = 0; k < 4; k++) {
            uint64_t v;
            memcpy(&v, p + i + 8 * k, 8);
            a[k] += v;
        }
    }
    return a[0] ^ a[1] ^ a[2] ^ a[3];
#endif
}

static void read_chunk(void *ctx, int chunk, int thread) {
    (void)thread;
    ReadJob *job = ctx;
    size_t begin = (size_t)chunk * CHUNK_BYTES;
    size_t n = job->bytes - begin < CHUNK_BYTES ? job->bytes - begin : CHUNK_BYTES;
    job->sink[chunk] += read_sum(job->buf + begin, n);
}

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Read a `bytes`-long buffer `passes` times with n_threads threads; returns the best GB/s
 * (1e9 bytes per second), or a negative value if the buffer could not be allocated. */
double nano_measure_read_bandwidth(size_t bytes, int passes, int n_threads) {
    return nano_measure_read_bandwidth_each(bytes, passes, n_threads, NULL);
}

/* ... and each pass's GB/s in each_gbps[0, passes) unless it is NULL (0 where none ran). */
double nano_measure_read_bandwidth_each(size_t bytes, int passes, int n_threads,
                                        double *each_gbps) {
    const int reported = each_gbps ? passes : 0; /* (fewer than 1 pass still runs one) */
    for (int pass = 0; pass < reported; pass++) each_gbps[pass] = 0.0;
    bytes = bytes / CHUNK_BYTES * CHUNK_BYTES;
    if (bytes == 0) bytes = CHUNK_BYTES;
    if (passes < 1) passes = 1;
    if (bytes / CHUNK_BYTES > (size_t)INT32_MAX) return -1.0;

#ifdef NANO_USE_MMAP
    uint8_t *buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) return -1.0;
#ifdef MADV_HUGEPAGE
    madvise(buf, bytes, MADV_HUGEPAGE); /* fewer TLB misses, as a big model file would get */
#endif
#else
    uint8_t *buf = aligned_alloc(64, bytes);
    if (!buf) return -1.0;
#endif
    /* Touch every page with non-zero bytes so no page is shared or lazily mapped. */
    for (size_t i = 0; i < bytes; i++) buf[i] = (uint8_t)(i * 131 + 7);

    double best = -1.0;
    NanoPool *pool = nano_pool_new(n_threads);
    int n_chunks = (int)(bytes / CHUNK_BYTES);
    ReadJob *job = calloc(1, sizeof(ReadJob));
    if (job) job->sink = calloc((size_t)n_chunks, sizeof(uint64_t));
    if (pool && job && job->sink) {
        job->buf = buf;
        job->bytes = bytes;
        nano_pool_run(pool, read_chunk, job, n_chunks); /* warm-up: wakes the workers */
        for (int pass = 0; pass < passes; pass++) {
            double t0 = seconds_now();
            nano_pool_run(pool, read_chunk, job, n_chunks);
            double dt = seconds_now() - t0;
            double gbs = dt > 0 ? (double)bytes / dt / 1e9 : 0.0;
            if (gbs > best) best = gbs;
            if (pass < reported) each_gbps[pass] = gbs;
        }
    }
    if (job) free(job->sink);
    free(job);
    nano_pool_free(pool);
#ifdef NANO_USE_MMAP
    munmap(buf, bytes);
#else
    free(buf);
#endif
    return best;
}

/* ---- how far apart two threads run ----------------------------------------------------- */

#if !defined(__EMSCRIPTEN__)
enum { HANDOFF_ROUNDS = 50000, HANDOFF_BATCHES = 5 };
#define HANDOFF_MAX_SECONDS 0.05 /* per batch */

/* Pin the calling thread to the `nth` CPU it may run on (Linux), so the two sides of the
 * handoff run on two different CPUs; elsewhere the scheduler decides. */
static void pin_to_nth_cpu(int nth) {
#if defined(__linux__)
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
    for (int cpu = 0, seen = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed) || seen++ < nth) continue;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pthread_setaffinity_np(pthread_self(), sizeof one, &one);
        return;
    }
#else
    (void)nth;
#endif
}

typedef struct {
    _Alignas(64) atomic_long turn; /* the ping side writes odd values, the pong side even */
    long rounds;
    double ns; /* what the ping side measured: one way */
} Handoff;

static void *handoff_pong(void *arg) {
    Handoff *h = arg;
    pin_to_nth_cpu(1);
    for (long i = 0; i < h->rounds; i++) {
        long turn;
        while ((turn = atomic_load_explicit(&h->turn, memory_order_acquire)) != 2 * i + 1)
            if (turn < 0) return NULL; /* the ping side never started */
        atomic_store_explicit(&h->turn, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

static void *handoff_ping(void *arg) {
    Handoff *h = arg;
    pin_to_nth_cpu(0);
    double t0 = seconds_now();
    long done = 0;
    while (done < h->rounds) {
        atomic_store_explicit(&h->turn, 2 * done + 1, memory_order_release);
        while (atomic_load_explicit(&h->turn, memory_order_acquire) != 2 * done + 2) {
        }
        /* a core shared with another busy thread passes the line once per time slice */
        if (++done % 256 == 0 && seconds_now() - t0 > HANDOFF_MAX_SECONDS) break;
    }
    if (done < h->rounds) atomic_store_explicit(&h->turn, -1, memory_order_release);
    h->ns = (seconds_now() - t0) * 1e9 / (2.0 * (double)done);
    return NULL;
}
#endif

/* The time for one thread's store to reach another thread spinning on it, in ns: two threads
 * pass a counter back and forth through one cache line, best of a few batches. On a VM it tells
 * where the host put the two vCPUs: on a 2-core AMD EPYC VM it read ~35 ns most of the time and
 * ~180 ns now and then (cores on different chiplets, each with its own path to memory), and only
 * then did two threads read memory at about twice one thread's bandwidth. Each batch stops after
 * HANDOFF_MAX_SECONDS: when another process holds one of the two cores, the figure is that
 * process's time slices. -1 with fewer than two CPUs, where threads cannot be started, and in
 * WebAssembly (which does not measure it). */
double nano_measure_handoff_ns(void) {
#if defined(__EMSCRIPTEN__)
    return -1.0;
#else
    double best = -1.0;
#if defined(__linux__)
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2) return best;
#endif
    for (int batch = 0; batch < HANDOFF_BATCHES; batch++) {
        Handoff *h = aligned_alloc(64, sizeof(Handoff));
        if (!h) break;
        atomic_init(&h->turn, 0);
        h->rounds = HANDOFF_ROUNDS, h->ns = -1.0;
        pthread_t ping, pong; /* two new threads: the caller stays unpinned */
        if (pthread_create(&pong, NULL, handoff_pong, h) != 0) {
            free(h);
            break;
        }
        if (pthread_create(&ping, NULL, handoff_ping, h) == 0)
            pthread_join(ping, NULL);
        else
            atomic_store(&h->turn, -1);
        pthread_join(pong, NULL);
        if (h->ns > 0 && (best < 0 || h->ns < best)) best = h->ns;
        free(h);
    }
    return best;
#endif
}
