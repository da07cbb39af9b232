/*
** pool.h -- a persistent pool of pthreads that runs parallel-for jobs
** (exec_par.h's for_each) for one context.
*/
#ifndef PLEAT_THREADS_POOL_H
#define PLEAT_THREADS_POOL_H

#include "exec_par.h"
#include "pleat_int.h"

typedef struct pool pool;

/** Starts nthreads - 1 workers (the caller of a job is the last one).
    Fewer may start when the system refuses threads; pool_slots says how
    many there are.  NULL on OOM. */
pool *pool_create(pleat__alloc *al, int nthreads);
/** Stops and joins the workers, frees the pool.  In a forked child, where
    the workers do not exist, only frees the memory. */
void pool_destroy(pool *p);
/** Slots (workers + the caller). */
int pool_slots(const pool *p);
/** Takes the pool for one run; false when another run holds it or the
    process is a fork of the one that made it (then run on the caller). */
bool pool_acquire(pool *p);
void pool_release(pool *p);
/** exec_par.h's for_each; only between pool_acquire and pool_release. */
void pool_for_each(void *p, uint32_t count, pleat__par_fn fn, void *arg);

#endif
