/*
** recycle.c -- the context's cache of big result blocks (recycle.h).
*/
#include "recycle.h"

static bool lock(pleat__recycle *rc) { return !atomic_flag_test_and_set_explicit(&rc->busy, memory_order_acquire); }
static void unlock(pleat__recycle *rc) { atomic_flag_clear_explicit(&rc->busy, memory_order_release); }

void *pleat__recycle_take(pleat__recycle *rc, size_t need, size_t *got) {
  *got = 0;
  if (!rc || need < PLEAT__RECYCLE_MIN || !lock(rc)) return NULL;
  int best = -1;
  /* any size that fits: a parallel collect asks for its first window's
     room first and grows window by window into the same block (a bound on
     the waste measured W6 on threads 32 -> 48 ms) */
  for (int s = 0; s < PLEAT__RECYCLE_SLOTS; s++)
    if (rc->p[s] && rc->n[s] >= need && (best < 0 || rc->n[s] < rc->n[best])) best = s;
  void *p = NULL;
  if (best >= 0) {
    p = rc->p[best];
    *got = rc->n[best];
    rc->p[best] = NULL;
    rc->n[best] = 0;
  }
  unlock(rc);
  return p;
}

void pleat__recycle_give(pleat__recycle *rc, pleat__alloc *al, void *p, size_t n) {
  if (!p) return;
  if (rc && n >= PLEAT__RECYCLE_MIN && lock(rc)) {
    int slot = -1;
    for (int s = 0; s < PLEAT__RECYCLE_SLOTS && slot < 0; s++)
      if (!rc->p[s]) slot = s;
    if (slot < 0) /* full: the smallest kept block makes way for a bigger one */
      for (int s = 0; s < PLEAT__RECYCLE_SLOTS; s++)
        if (rc->n[s] < n && (slot < 0 || rc->n[s] < rc->n[slot])) slot = s;
    void *old = NULL;
    if (slot >= 0) {
      old = rc->p[slot];
      rc->p[slot] = p;
      rc->n[slot] = n;
      p = old;
    }
    unlock(rc);
  }
  pleat__free(al, p);
}

void pleat__recycle_drain(pleat__recycle *rc, pleat__alloc *al) {
  if (!rc || !lock(rc)) return; /* in use right now: trimming is best effort */
  for (int s = 0; s < PLEAT__RECYCLE_SLOTS; s++) {
    pleat__free(al, rc->p[s]);
    rc->p[s] = NULL;
    rc->n[s] = 0;
  }
  unlock(rc);
}
