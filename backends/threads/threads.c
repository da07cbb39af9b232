/*
** threads.c -- the `threads` back end: every plan on a persistent pool of
** pthreads, through core/exec_par.c (blocks of leaves, carries scanned over
** blocks), with seq's result bit for bit.
**
** Runs of fewer than serial_below elements stay on the calling thread:
** below that, waking workers costs more than it saves (docs/PERFORMANCE.md
** has the measured crossover).  A run that finds the pool busy (another host
** thread is running on the same context) or finds itself in a forked child
** also runs on the calling thread: same answer, never a wait or a deadlock.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend.h"
#include "exec_par.h"
#include "pool.h"

#define MAX_THREADS 1024
#define SERIAL_BELOW_DEFAULT 262144 /* measured crossover: bench/pleat_overhead */

typedef struct tstate {
  pool *pool;
  int slots;
  uint64_t serial_below;
  uint32_t block_leaves;
} tstate;

static bool threads_probe(char *why, size_t n) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  snprintf(why, n, "pthreads pool (%ld online cores)", cores);
  return true;
}

/* Parses a count from the environment: -1 when absent, -2 when invalid. */
static long long env_count(const char *name, long long max) {
  const char *s = getenv(name);
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || v < 0 || v > max) return -2;
  return v;
}

static pleat_status threads_ctx_init(pleat_ctx *ctx, void **state) {
  int n = ctx->threads;
  if (n == 0) {
    long long e = env_count("PLEAT_THREADS", MAX_THREADS);
    if (e == -2 || e == 0) {
      pleat__msg_set(&ctx->msg, "PLEAT_THREADS='%.64s': must be a whole number from 1 to %d",
                     getenv("PLEAT_THREADS"), MAX_THREADS);
      return PLEAT_E_INVAL;
    }
    if (e > 0) n = (int)e;
  }
  if (n == 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    n = cores > 0 ? (int)(cores > MAX_THREADS ? MAX_THREADS : cores) : 1;
  }
  if (n > MAX_THREADS) {
    pleat__msg_set(&ctx->msg, "threads = %d: at most %d", n, MAX_THREADS);
    return PLEAT_E_LIMIT;
  }
  tstate *t = pleat__calloc(&ctx->al, 1, sizeof *t);
  if (!t) return PLEAT_E_NOMEM;
  t->serial_below = SERIAL_BELOW_DEFAULT;
  long long sb = env_count("PLEAT_THREADS_SERIAL_BELOW", INT64_MAX);
  if (sb == -2) {
    pleat__msg_set(&ctx->msg, "PLEAT_THREADS_SERIAL_BELOW='%.64s': must be a whole number",
                   getenv("PLEAT_THREADS_SERIAL_BELOW"));
    pleat__free(&ctx->al, t);
    return PLEAT_E_INVAL;
  }
  if (sb >= 0) t->serial_below = (uint64_t)sb;
  /* a test knob: blocks of a fixed number of leaves (a power of two) */
  long long bl = env_count("PLEAT_THREADS_BLOCK", 256);
  if (bl == -2 || bl == 0 || (bl > 0 && (bl & (bl - 1)))) {
    pleat__msg_set(&ctx->msg, "PLEAT_THREADS_BLOCK='%.64s': must be a power of two from 1 to 256",
                   getenv("PLEAT_THREADS_BLOCK"));
    pleat__free(&ctx->al, t);
    return PLEAT_E_INVAL;
  }
  if (bl > 0) t->block_leaves = (uint32_t)bl;
  t->pool = pool_create(&ctx->al, n);
  if (!t->pool) {
    pleat__free(&ctx->al, t);
    return PLEAT_E_NOMEM;
  }
  t->slots = pool_slots(t->pool);
  ctx->threads = n;
  pleat__log(PLEAT_LOG_INFO, "threads: %d workers, runs under %llu elements stay on the caller",
             t->slots, (unsigned long long)t->serial_below);
  *state = t;
  return PLEAT_OK;
}

static void threads_ctx_free(pleat_ctx *ctx, void *state) {
  tstate *t = state;
  if (!t) return;
  pool_destroy(t->pool);
  pleat__free(&ctx->al, t);
}

static pleat_status threads_run(const pleat_plan *plan, const pleat_column *cols, uint64_t n,
                                pleat_result *res) {
  tstate *t = plan->ctx->backend_state;
  if (t->slots < 2 || n < t->serial_below || !pool_acquire(t->pool))
    return pleat__exec_seq(plan, cols, n, res);
  pleat__par par = {t->slots, t->pool, pool_for_each, t->serial_below, t->block_leaves};
  pleat_status st = pleat__exec_par(plan, cols, n, res, &par);
  pool_release(t->pool);
  return st;
}

const pleat__backend_ops pleat__backend_threads = {
  .name = "threads",
  .built = true,
  .probe = threads_probe,
  .ctx_init = threads_ctx_init,
  .ctx_free = threads_ctx_free,
  .run = threads_run,
};
