/* threads.h — a small thread pool for the data-parallel loops of the forward pass.
 *
 * A job is (fn, ctx, n_chunks): fn(ctx, chunk) runs once for every chunk in [0, n_chunks), on
 * whichever thread claims it first. The calling thread is one of the pool's threads and claims
 * chunks too, so a worker that the OS has descheduled never holds up a job: the caller simply
 * does the remaining chunks itself. One job per group of matrix rows keeps the number of
 * synchronisations per token small (a few per layer).
 */
#ifndef NANO_THREADS_H
#define NANO_THREADS_H

typedef struct NanoPool NanoPool;

/* fn runs chunk `chunk` of a job on thread `thread` (0 = the caller, 1.. = workers; a thread
 * runs one chunk at a time, so per-thread scratch indexed by it is safe); chunks of one job may
 * run concurrently on different threads. */
typedef void (*NanoJobFn)(void *ctx, int chunk, int thread);

/* Called once by a thread that has finished its part of a job and would otherwise only wait
 * (the caller for the others' chunks, a worker for the next job): a moment to get something
 * ready for the next job, such as the start of the weights it will read. Keep it short. */
typedef void (*NanoIdleFn)(void *ctx, int thread);

/* A pool of n_threads - 1 workers (the caller is the n-th); NULL if out of memory or threads. */
NanoPool *nano_pool_new(int n_threads);
/* Set (or clear, with NULL) the idle function; only while no job runs. */
void nano_pool_set_idle(NanoPool *p, NanoIdleFn fn, void *ctx);
/* Stop and join the workers and free the pool (NULL is fine). */
void nano_pool_free(NanoPool *p);
/* Threads that run a job, the caller included. */
int nano_pool_threads(const NanoPool *p);
/* Run fn(ctx, c, thread) for c in [0, n_chunks) and return when all chunks have finished. */
void nano_pool_run(NanoPool *p, NanoJobFn fn, void *ctx, int n_chunks);

/* Where a pool's time goes (nano_pool_profile), in nanoseconds summed over the jobs run since
 * profiling was switched on. Threads past the last slot are counted in it. */
enum { NANO_POOL_PROFILE_THREADS = 8 };
typedef struct {
    long long jobs;
    long long job_ns;       /* from publishing each job to seeing its last chunk done */
    long long start_lag_ns; /* from publishing a job to each worker's first chunk of it, summed */
    long long end_gap_ns;   /* from the first thread done with a job to the last one */
    long long busy_ns[NANO_POOL_PROFILE_THREADS]; /* running chunks, per thread (0: the caller) */
} NanoPoolProfile;
/* Switch profiling on (counts from zero) or off (keeps the counts); only while no job runs. Off,
 * the pool reads no clock; on, a few reads per chunk. */
void nano_pool_profile(NanoPool *p, int on);
/* The counts so far (zero if profiling never ran); only while no job runs. */
void nano_pool_profile_get(const NanoPool *p, NanoPoolProfile *out);
/* A monotonic clock in nanoseconds, for timing chunks. */
long long nano_clock_ns(void);

#endif /* NANO_THREADS_H */
