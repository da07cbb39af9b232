/*
** exec_par.h -- a plan run in parallel over blocks of leaves, with the
** sequential semantics of exec.c (bit for bit).  Whoever has workers (the
** threads back end's pool) supplies a for_each; core never knows whose
** threads they are.
*/
#ifndef PLEAT_EXEC_PAR_H
#define PLEAT_EXEC_PAR_H

#include "plan_int.h"

/** fn(arg, slot, item): slot in [0, workers) identifies the calling worker
    (one thread at a time per slot); slot 0 is the caller of for_each. */
typedef void (*pleat__par_fn)(void *arg, int slot, uint32_t item);

typedef struct pleat__par {
  int workers;          /* slots, >= 1 */
  void *pool;
  /** Calls fn(arg, slot, i) once for every i in [0, count), claiming items
      in increasing order, and returns when every call has returned. */
  void (*for_each)(void *pool, uint32_t count, pleat__par_fn fn, void *arg);
  uint64_t serial_below; /* runs over fewer elements stay on the caller */
  uint32_t block_leaves; /* leaves per block, a power of two; 0: chosen from n */
} pleat__par;

/** Runs plan over n elements on par's workers; the result, the error and
    its index are those of pleat__exec_seq. */
pleat_status pleat__exec_par(const pleat_plan *plan, const pleat_column *cols, uint64_t n,
                             pleat_result *res, const pleat__par *par);

/** How the parallel run treats the plan, for `explain --stage plan`:
    the passes over a window of blocks (1 + one summary pass per stage whose
    carry needs one + a count pass when collect is written in place), whether it can stop early, and whether it runs on one
    thread (why: NULL when it runs in parallel). */
typedef struct pleat__par_shape {
  int passes;
  bool early;
  bool collect_count;   /* one of the passes counts, for collect in place */
  const char *serial_why;
} pleat__par_shape;
pleat__par_shape pleat__par_shape_of(const pleat__ir *ir);

#endif
