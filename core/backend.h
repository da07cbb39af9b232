/*
** backend.h -- what a back end implements.  Each back end exports one
** `const struct pleat__backend_ops pleat__backend_<name>`; core/registry.c
** lists them.  Back ends never reach into the parser or checker: they get a
** checked plan (IR) and columns.
*/
#ifndef PLEAT_BACKEND_H
#define PLEAT_BACKEND_H

#include "plan_int.h"

typedef struct pleat__backend_ops {
  /** "seq", "threads", "opencl", "cuda". */
  const char *name;
  /** Compiled into this library. */
  bool built;
  /** Can it run here?  Fills why (usable: a short description; not usable:
      the reason, e.g. "libcuda.so.1 not found").  Called from any thread,
      possibly concurrently; must be cheap after the first call.
      Required. */
  bool (*probe)(char *why, size_t whylen);
  /** Sets up per-context state (*state may stay NULL).  Optional. */
  pleat_status (*ctx_init)(pleat_ctx *ctx, void **state);
  /** Releases per-context state.  Optional. */
  void (*ctx_free)(pleat_ctx *ctx, void *state);
  /** Runs a compiled plan: n elements of the columns; the result (or the
      error) goes into res.  Called concurrently from many threads with the
      same plan: plans are read-only here.  Required when built. */
  pleat_status (*run)(const pleat_plan *plan, const pleat_column *cols,
                      uint64_t n, pleat_result *res);
  /** Releases what the back end kept in plan->backend_plan (not NULL).
      Optional. */
  void (*plan_release)(pleat_ctx *ctx, void *backend_state, void *obj);
  /** The back end runs only part of the language (it says so for the
      rest): `auto` does not pick it, naming it still does. */
  bool partial;
  /** Writes an explain stage the core does not know (cuda: "ptx") into
      out; PLEAT_E_INVAL when the back end does not know it either, any
      other error with the reason in msg.  Works whatever back end the
      plan's context runs on.  Optional. */
  pleat_status (*explain)(const pleat_plan *plan, const char *stage, pleat__str *out,
                          pleat__msg *msg);
} pleat__backend_ops;

extern const pleat__backend_ops pleat__backend_seq;
extern const pleat__backend_ops pleat__backend_threads;
#ifdef PLEAT_HAVE_OPENCL
extern const pleat__backend_ops pleat__backend_opencl;
#endif
#ifdef PLEAT_HAVE_CUDA
extern const pleat__backend_ops pleat__backend_cuda;
#endif

/** The back ends pleat knows of, in `auto` order of preference last to first
    ("auto" tries cuda, opencl, threads, seq). */
size_t pleat__backend_count(void);
const pleat__backend_ops *pleat__backend_at(size_t k);
/** Picks the back end for spec ("auto", a name, or a comma list).  On
    failure returns the status and writes the reason into msg. */
pleat_status pleat__backend_select(const char *spec,
                                   const pleat__backend_ops **out,
                                   pleat__msg *msg);

#endif
