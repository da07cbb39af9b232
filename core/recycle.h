/*
** recycle.h -- a context's cache of big result blocks.
**
** A collect of tens of millions of elements writes a fresh block page by
** page, and on Linux the first touch of each 4 KiB page is a fault plus the
** kernel zeroing it: measured, that costs more than the collect itself
** (W6 in docs/PERFORMANCE.md).  A program that runs a plan again and again
** frees one result and asks for another of about the same size, so the
** context keeps the last two big blocks its results gave back and hands
** them to the next runs: memory already mapped, written at full speed (the
** caching allocators of PyTorch and Thrust do the same).  pleat_ctx_trim
** and pleat_ctx_free release them.
**
** Never blocks: a cache that another thread is using at that moment is
** passed by (the block is allocated or freed as usual), so it is safe from
** any thread and in a forked child.
*/
#ifndef PLEAT_RECYCLE_H
#define PLEAT_RECYCLE_H

#include <stdatomic.h>

#include "pleat_int.h"

#define PLEAT__RECYCLE_MIN ((size_t)1 << 20) /* smaller blocks go back to malloc */
#define PLEAT__RECYCLE_SLOTS 2

typedef struct pleat__recycle {
  atomic_flag busy;
  void *p[PLEAT__RECYCLE_SLOTS];
  size_t n[PLEAT__RECYCLE_SLOTS];
} pleat__recycle;

/** A kept block of at least need bytes (the smallest that fits), its size
    in *got; NULL when none (or need is below PLEAT__RECYCLE_MIN). */
void *pleat__recycle_take(pleat__recycle *rc, size_t need, size_t *got);
/** Gives back block p of n bytes (allocated with al): kept when big enough
    and there is room (a smaller kept block makes way), else freed.  rc may
    be NULL (then freed); p NULL is a no-op. */
void pleat__recycle_give(pleat__recycle *rc, pleat__alloc *al, void *p, size_t n);
/** Frees every kept block (none when another thread holds the cache at
    that moment). */
void pleat__recycle_drain(pleat__recycle *rc, pleat__alloc *al);

#endif
