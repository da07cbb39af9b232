/*
** plan_int.h -- plans and results as the API files and the back ends see
** them.
*/
#ifndef PLEAT_PLAN_INT_H
#define PLEAT_PLAN_INT_H

#include <stdatomic.h>

#include "ctx_int.h"
#include "ir.h"

/* Run scratch kept by a plan between runs (exec.c): a run takes a block
   from a slot and gives it back, so repeated runs neither allocate nor
   fault pages in.  Lock-free; a slot holds a block or NULL. */
#define PLEAT_SCRATCH_SLOTS 8
typedef struct pleat__scratch {
  _Atomic(void *) slot[PLEAT_SCRATCH_SLOTS];
} pleat__scratch;

/** Frees the blocks kept in c. */
void pleat__scratch_free(pleat__scratch *c, pleat__alloc *al);

struct pleat_plan {
  pleat_ctx *ctx;
  pleat_status status;     /* of creation */
  pleat__msg msg;
  int line, col;
  bool ok;                 /* compiled; runnable */
  pleat__ast ast;          /* kept for explain --stage ast */
  bool has_ast;
  pleat__ir ir;
  char *text;              /* copy of the pipeline text (NULL for built) */
  size_t text_len;
  size_t ncols;
  pleat_column *schema;    /* names copied into names[] */
  char (*names)[72];
  pleat__scratch scratch;  /* mutable under a const plan: atomics only */
  /* The back end's own per-plan object (a built device program), made at
     the first run and set once with a compare-and-swap; released by the
     back end's plan_release when the plan is freed. */
  _Atomic(void *) backend_plan;
};

/* Memory of a result: values and arrays in blocks freed together. */
typedef struct pleat__blk {
  struct pleat__blk *next;
  size_t used, cap;
  max_align_t data[];
} pleat__blk;

struct pleat_result {
  pleat__alloc *al;
  pleat_status status;
  int64_t err_index;
  pleat__msg msg;
  pleat_value *value;
  pleat__blk *blocks;
  void **bigs;             /* separately allocated arrays (collect) */
  size_t *bigsz;           /* their sizes, 0: not for the context's cache */
  size_t nbig, bigcap;
  struct pleat__recycle *rc; /* where big blocks go back to (the context's) */
};

/** Zeroed memory owned by the result; NULL on OOM. */
void *pleat__res_alloc(pleat_result *r, size_t n);
/** Takes ownership of p (allocated with r->al), freed with the result. */
bool pleat__res_adopt(pleat_result *r, void *p);
/** The same for a block of n bytes, which then goes back to the context's
    cache of big blocks (recycle.h) when the result is freed. */
bool pleat__res_adopt_sized(pleat_result *r, void *p, size_t n);
/** Sets the run's error (status, element index or -1, message). */
void pleat__res_fail(pleat_result *r, pleat_status st, int64_t index,
                     const char *fmt, ...) PLEAT_PRINTF(4, 5);

/** Runs plan over columns of n elements sequentially, leaf by leaf in the
    canonical order; fills res->value or the error.  The reference
    semantics every back end must reproduce bit for bit. */
pleat_status pleat__exec_seq(const pleat_plan *plan, const pleat_column *cols,
                             uint64_t n, pleat_result *res);

#endif
