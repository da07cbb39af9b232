/*
** pool.c -- the threads back end's workers.
**
** One job at a time: the caller publishes (fn, arg, count), bumps `gen`,
** and claims items itself from the same counter as the workers.  A worker
** that wakes late finds the items taken and goes back; the caller waits
** only for workers that are inside the job, never for sleeping ones, so a
** run after a long pause does not pay the wake-up (on a VM, waking a parked
** vCPU can take milliseconds).  Idle workers spin for a short while before
** parking on the condition variable, so back-to-back passes and runs find
** them awake.
**
** `active` and `open` make joining a job safe: a worker counts itself in,
** then looks at `open`; the caller closes, then waits for `active` to drain.
** With sequentially consistent atomics one of the two always sees the
** other.  The same pattern (bump, then look at `sleepers`) keeps the
** condition variable from losing a wake-up.
*/
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"

#define SPIN_NS 2000000 /* spin this long before parking: 0.3 ms left W8 (find_first at
                                10 %) no faster than seq; 2 ms: 7.0 ms vs 11.5 */

typedef struct worker_arg {
  struct pool *p;
  int slot;
} worker_arg;

struct pool {
  pleat__alloc *al;
  int nworkers;               /* threads started */
  pthread_t *tid;
  worker_arg *args;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_uint_fast64_t gen;
  atomic_int open, active, sleepers, quit, busy;
  atomic_uint next;
  uint32_t count;             /* the job, valid while open */
  pleat__par_fn fn;
  void *arg;
  pid_t pid;
  bool oversubscribed;        /* more slots than cores: yield while spinning */
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Waits for a generation other than seen; false when told to quit. */
static bool wait_job(struct pool *p, uint64_t seen) {
  uint64_t t0 = 0;
  for (unsigned it = 0;; it++) {
    if (atomic_load(&p->quit)) return false;
    if (atomic_load(&p->gen) != seen) return true;
    if (p->oversubscribed) sched_yield();
    else cpu_relax();
    if ((it & 63) == 63) {
      uint64_t t = now_ns();
      if (!t0) t0 = t;
      else if (t - t0 > SPIN_NS) break;
    }
  }
  pthread_mutex_lock(&p->mu);
  atomic_fetch_add(&p->sleepers, 1);
  while (atomic_load(&p->gen) == seen && !atomic_load(&p->quit)) pthread_cond_wait(&p->cv, &p->mu);
  atomic_fetch_sub(&p->sleepers, 1);
  pthread_mutex_unlock(&p->mu);
  return !atomic_load(&p->quit);
}

static void *worker_main(void *a) {
  worker_arg *wa = a;
  struct pool *p = wa->p;
  uint64_t seen = 0;
  while (wait_job(p, seen)) {
    seen = atomic_load(&p->gen);
    atomic_fetch_add(&p->active, 1);
    if (atomic_load(&p->open)) {
      uint32_t count = p->count;
      pleat__par_fn fn = p->fn;
      void *arg = p->arg;
      for (uint32_t i; (i = atomic_fetch_add(&p->next, 1)) < count;) fn(arg, wa->slot, i);
    }
    atomic_fetch_sub(&p->active, 1);
  }
  return NULL;
}

pool *pool_create(pleat__alloc *al, int nthreads) {
  struct pool *p = pleat__calloc(al, 1, sizeof *p);
  if (!p) return NULL;
  p->al = al;
  p->pid = getpid();
  int want = nthreads > 1 ? nthreads - 1 : 0;
  p->tid = pleat__calloc(al, (size_t)want + 1, sizeof *p->tid);
  p->args = pleat__calloc(al, (size_t)want + 1, sizeof *p->args);
  if (!p->tid || !p->args) {
    pleat__free(al, p->tid);
    pleat__free(al, p->args);
    pleat__free(al, p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  p->oversubscribed = cores > 0 && nthreads > cores;
  /* workers never take the host's signals: they start with all blocked */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  for (int k = 0; k < want; k++) {
    p->args[k].p = p;
    p->args[k].slot = k + 1;
    int e = pthread_create(&p->tid[k], NULL, worker_main, &p->args[k]);
    if (e) {
      pleat__log(PLEAT_LOG_ERROR, "threads: could not start worker %d of %d (error %d); "
                 "running with %d", k + 1, want, e, k + 1);
      break;
    }
    p->nworkers++;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return p;
}

void pool_destroy(pool *p) {
  if (!p) return;
  pleat__alloc *al = p->al;
  if (getpid() == p->pid) {
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->quit, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int k = 0; k < p->nworkers; k++) pthread_join(p->tid[k], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
  }
  /* in a forked child the workers were never copied; their locks may be
     in any state, so only the memory is released */
  pleat__free(al, p->tid);
  pleat__free(al, p->args);
  pleat__free(al, p);
}

int pool_slots(const pool *p) { return p->nworkers + 1; }

bool pool_acquire(pool *p) {
  if (getpid() != p->pid) return false;
  int expect = 0;
  return atomic_compare_exchange_strong(&p->busy, &expect, 1);
}

void pool_release(pool *p) { atomic_store(&p->busy, 0); }

void pool_for_each(void *pp, uint32_t count, pleat__par_fn fn, void *arg) {
  struct pool *p = pp;
  if (p->nworkers == 0 || count <= 1) {
    for (uint32_t i = 0; i < count; i++) fn(arg, 0, i);
    return;
  }
  p->count = count;
  p->fn = fn;
  p->arg = arg;
  atomic_store(&p->next, 0);
  atomic_store(&p->open, 1);
  atomic_fetch_add(&p->gen, 1);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  for (uint32_t i; (i = atomic_fetch_add(&p->next, 1)) < count;) fn(arg, 0, i);
  atomic_store(&p->open, 0);
  while (atomic_load(&p->active) > 0) {
    if (p->oversubscribed) sched_yield();
    else cpu_relax();
  }
}
