/*
** ctx_int.h -- the internals of contexts, plans and results that the API
** files, the builder and the back ends share.
*/
#ifndef PLEAT_CTX_INT_H
#define PLEAT_CTX_INT_H

#include <pthread.h>

#include "ast.h"
#include "pleat_int.h"
#include "recycle.h"

struct pleat__backend_ops;

struct pleat_ctx {
  pleat__alloc al;
  const struct pleat__backend_ops *backend; /* NULL if creation failed */
  void *backend_state;                      /* the back end's own data */
  int threads;                              /* PLEAT_THREADS or option */
  char device[256];                         /* PLEAT_DEVICE or option */
  pthread_mutex_t lock;                     /* guards msg */
  pleat__msg msg;
  pleat__recycle rc;                        /* big result blocks for the next runs */
};

/** The context's allocator (for the builder, which lives outside plan.c). */
static inline pleat__alloc *pleat__ctx_alloc(pleat_ctx *ctx) { return &ctx->al; }

/** Compiles a parsed or built tree into a plan.  Takes ownership of *t
    (frees it, or keeps it for `explain --stage ast`).  Same contract as
    pleat_plan_create: *out is set even on failure, NULL only on OOM.
    text/len: the source text when there is one (for messages), else NULL. */
pleat_status pleat__plan_create_ast(pleat_ctx *ctx, pleat__ast *t,
                                    const pleat_column *cols, size_t ncols,
                                    pleat_plan **out);

#endif
