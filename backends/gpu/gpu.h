/*
** gpu.h -- the GPU host layer shared by the opencl and cuda back ends
** (DESIGN principle 3): the generated leaf kernel (core/codegen.h) is
** built once per plan, launched over the input in pieces that fit the
** device's buffers, and its rows of leaf partials are pushed into the
** reducers in leaf order, so the result has seq's bits.  A back end only
** supplies the few device operations below.
*/
#ifndef PLEAT_GPU_H
#define PLEAT_GPU_H

#include "codegen.h"
#include "exec_int.h"

/** A column as one launch sees it: the elements from the launch's base on
    (data NULL for a lazy column: the kernel generates it). */
typedef struct pleat__gpu_col {
  const void *data;
  size_t bytes;       /* of data in this launch */
  int gen;            /* pleat_gen */
  uint64_t param;     /* range start or seed */
} pleat__gpu_col;

/** One launch of pleat_leaves (argument order in codegen.h). */
typedef struct pleat__gpu_launch {
  uint64_t n, leaf0, nleaf, base;
  size_t ncols;
  const pleat__gpu_col *cols;
  uint64_t *out;      /* nleaf rows of PLEAT__ROW_WORDS(nred) words, host memory */
  size_t out_bytes;
  /* the kernel's shape (pleat__codegen_shape): work items per leaf, and
     leaves per work group (0: the device's choice) */
  unsigned items_per_leaf, leaves_per_group;
  /* a plan with a collect (codegen.h): the pass, the leaves' offsets
     (nleaf of them; NULL in the count pass) and the output buffers in
     host memory, in the kernel's order (ncollect of them; the device
     writes co_bytes[k] bytes, copied into co[k], in the write pass) */
  /* a plan with stateful stages (codegen.h): the pass (a stage's summary,
     or -1: the final pass), every slot's carry into every leaf (ncarry *
     nleaf pairs of words: value, set), and the summaries out (nleaf *
     swide pairs: swide, the most slots of a stage) */
  uint32_t ncarry, swide;
  int spass;
  const uint64_t *scarry;
  uint64_t *ssum;
  bool collect;
  int cpass;
  const uint64_t *coff;
  size_t ncollect;
  void *const *co;
  const size_t *co_bytes;
} pleat__gpu_launch;

typedef struct pleat__gpu_devops {
  const char *dialect_name;  /* "opencl", "cuda": for messages */
  pleat__dialect dialect;
  /** Builds the kernel source; the program (holding pleat_leaves), or NULL
      with the reason (the build log) in msg. */
  void *(*build)(void *dev, const char *src, size_t len, pleat__msg *msg);
  void (*release)(void *dev, void *prog);
  /** Runs one launch to completion and copies the rows into l->out. */
  pleat_status (*launch)(void *dev, void *prog, const pleat__gpu_launch *l, pleat__msg *msg);
  /** Largest single buffer the device takes, in bytes. */
  uint64_t (*max_buffer)(void *dev);
  /** Whether the device has fp64 (pleat_math.h needs it). */
  bool (*has_fp64)(void *dev);
  /** Whether the device takes the warp shape of the kernel (a GPU); NULL:
      the dialect's default. */
  bool (*warp)(void *dev);
} pleat__gpu_devops;

/** Runs plan on the device: builds (or reuses) its program, launches,
    combines.  A plan the generator cannot write fails with
    PLEAT_E_UNSUPPORTED and says what is missing. */
pleat_status pleat__gpu_run(const pleat_plan *plan, const pleat_column *cols, uint64_t n,
                            pleat_result *res, const pleat__gpu_devops *ops, void *dev);

/** A host-folded plan (codegen.h: pleat__codegen_host_fold) on the
    device: the kernel's plan, the fields its collects hand back (the
    source index first), and the staging buffers of a launch's stream. */
typedef struct pleat__gpu_fold {
  pleat__alloc *al;
  pleat__ir ir;            /* pleat__codegen_fold_ir's: rows and collects */
  int32_t fields[PLEAT__MAX_COLLECT_FIELDS];
  uint32_t nf;
  bool dense;              /* pleat__codegen_fold_dense: no source index, no count pass */
  size_t es[PLEAT__MAX_COLLECT_FIELDS], elem_bytes;
  void *stage[PLEAT__MAX_COLLECT_FIELDS]; /* field f of the launch's stream */
  uint64_t cap;            /* elements the staging buffers hold */
  void **val;              /* the run's values (exec's val): into the staging */
  uint8_t *mask;           /* a chunk's (dense) mask */
} pleat__gpu_fold;

/** Sets up hf for ir (which pleat__codegen_supported accepts). */
pleat_status pleat__gpu_fold_open(pleat__gpu_fold *hf, const pleat__ir *ir, pleat__alloc *al);
void pleat__gpu_fold_close(pleat__gpu_fold *hf);
/** Room for a launch's stream of total elements; false on OOM. */
bool pleat__gpu_fold_reserve(pleat__gpu_fold *hf, uint64_t total);
/** The leaves of a launch (nl rows of words words, kn collects) that the
    fold reaches: up to the first that traps or stops, inclusive. */
uint64_t pleat__gpu_fold_reach(const uint64_t *rows, uint64_t nl, uint32_t words, uint32_t kn);
/** Folds the staged stream of the launch's first nl leaves (the first is
    leaf0; leaf q's elements from coff[q] on) into mx (whose val is
    hf->val) in leaf order, as seq's leaves: each leaf's elements, then its
    trap; a take's stop ends the fold. */
void pleat__gpu_fold_leaves(pleat__gpu_fold *hf, pleat__exec *mx, const uint64_t *rows, const uint64_t *coff,
                            uint64_t leaf0, uint64_t nl, uint32_t words);

/** The device PLEAT_DEVICE (or the context option) names among the n a
    back end lists: by index, as `pleat info` numbers them, or by a
    substring of name(arg, k, ...).  *out is -1 when want is empty (the back
    end's default); no match is PLEAT_E_UNAVAILABLE saying so, the message
    starting with dialect. */
pleat_status pleat__gpu_pick_device(const char *dialect, const char *want, size_t n,
                                    void (*name)(void *arg, size_t k, char *buf, size_t len),
                                    void *arg, long *out, pleat__msg *msg);

/** The kernel source the device builds for plan (prelude included), in
    the warp shape when warp (pleat__codegen_shape). */
pleat_status pleat__gpu_source(const pleat_plan *plan, pleat__dialect d, bool warp, pleat__str *out,
                               char *why, size_t whylen);

#endif
