/*
** exec_int.h -- state of one sequential run (exec.c drives, reduce.c
** reduces).
*/
#ifndef PLEAT_EXEC_INT_H
#define PLEAT_EXEC_INT_H

#include "plan_int.h"

enum { FUSED_SKIP = 1, FUSED_INTO_MASK = 2 };
#define CHUNK 4096 /* elements per chunk: divides PLEAT_LEAF, multiple of 32 */

enum { TRAP_DIV = 1, TRAP_KEY = 2 };

/* One chunk of one segment. */
typedef struct pleat__seg {
  uint32_t len;
  uint64_t base;          /* segment 0: source index of element 0 */
  int64_t *src;           /* NULL in segment 0: source index = base + j */
  uint8_t *mask;          /* live elements; not filled while `dense` */
  bool dense;             /* every element is live (the mask is implied) */
  int64_t *srcbuf;
  int64_t *kin;           /* k carried through a flat_map */
  void *fields[PLEAT_MAX_TUPLE]; /* the element after a flat_map */
} pleat__seg;

/* State of a stateful stage across chunks and leaves. */
typedef struct pleat__stage {
  int64_t cnt;
  bool done;
  bool has_prev;
  bool local_set, carry_set;
  pleat__imm local, carry;
  pleat__imm prev[PLEAT_MAX_TUPLE];
} pleat__stage;

/** The mask of sg, filled with ones first if it was implied (dense): for
    code that reads or narrows it element by element. */
static inline uint8_t *pleat__seg_mask(pleat__seg *sg) {
  if (sg->dense) {
    memset(sg->mask, 1, sg->len);
    sg->dense = false;
  }
  return sg->mask;
}

struct pleat__redrt;
struct pleat__divc;
struct pleat__divt;

typedef struct pleat__exec {
  const pleat__ir *ir;
  const pleat_column *cols;
  uint64_t n;
  pleat_result *res;
  pleat__alloc *al;
  uint8_t *store;         /* the one block of scratch (exec_open) */
  struct pleat__scratch *cache; /* where store goes back to, or NULL */
  void **val;             /* current vector of each instruction */
  void **own;             /* each instruction's own buffer */
  pleat__stage *st;
  pleat__seg *segs;
  int32_t *k_of_seg;
  int32_t *uses;          /* per instruction: operands naming it (exec_open's analyses) */
  struct pleat__redrt *rr;
  struct pleat__divc *divc; /* per instruction: / or % by a constant (bits 0: none) */
  int32_t *dw_owner;      /* per instruction: the drop_while whose predicate
                             alone needs it, or -1; NULL when none can trap */
  int64_t *trap_at;       /* with dw_owner: each division's trap in the chunk */
  uint8_t *fused;         /* per instruction: FUSED_SKIP when its one consumer
                             computes it (a float sum's lane loop, a
                             divisibility test), FUSED_INTO_MASK when a
                             filter's predicate is written into the mask;
                             NULL: none */
  /* filter(c CMP constant) fused into the float sum (exec.c
     fuse_filter_sum): the FILTER skipped, or -1 */
  int32_t cmp_filter, cmp_value, cmp_const, cmp_code;
  struct pleat__divt *divt; /* per instruction: x % d == 0 / != 0 tested directly */
  /* per segment chunk: earliest trap, earliest stop */
  int64_t trap_pos;
  uint32_t trap_ins;
  int trap_kind;
  char trap_extra[96];
  int64_t stop_pos;
  bool stop;              /* the whole fold is finished */
  bool failed;
  /* Summary pass of a parallel run (exec_par.c): only the instructions up to
     `upto` (a stateful stage) run, no reducer, and a trap just ends the
     range (the final pass reports it).  UINT32_MAX: a normal run. */
  uint32_t upto;
  bool summary;
  bool par;               /* a block of a parallel run: foldl keeps its inputs */
  uint64_t leaf0;         /* first leaf of the range being run */
  pleat__imm *leaf_local; /* summary of a scan: its local per leaf of the range */
  uint8_t *leaf_set;
  /* Summary of a float scan in segment 0: leaves whose locals are computed
     side by side (fold_kernels.h SCAN_LANES), a batch at a time. */
  uint8_t *defer_buf;     /* SCAN_LANES inputs of CHUNK * 8 bytes, then masks */
  uint32_t ndefer;
  uint64_t defer_leaf[8];
  size_t defer_len[8];
  bool defer_dense[8];
  /* The same batches for a run through such a scan (exec.c leaves_batched):
     the first float + / * scan of segment 0, or -1; while `batching`, the
     leaves of a batch run up to it first, and once `batch_ready` the
     stashed inputs hold the leaves' running values. */
  int32_t batch_scan;
  bool batching, batch_ready;
  pleat__stage *batch_st; /* the stage states at the start of the batch */
  /* Count pass of a parallel collect (with summary): the elements that
     reach the reducers are counted into `reached`, none is reduced. */
  bool count_only;
  uint64_t reached;
} pleat__exec;

/** Sets up the per-thread scratch of a run (chunk buffers, constants),
    taken from the plan's cache when it holds a block big enough (cache may
    be NULL); ex->st and ex->rr are left NULL for the caller to point at a
    state.  On failure sets res's error and returns it. */
pleat_status pleat__exec_open(pleat__exec *ex, const pleat__ir *ir, const pleat_column *cols,
                              uint64_t n, pleat_result *res, struct pleat__scratch *cache);
/** Sets up ex as a running total with no chunk scratch (the caller then
    calls pleat__reduce_init): partials computed elsewhere are merged or
    pushed into it. */
void pleat__exec_total(pleat__exec *ex, const pleat__ir *ir, const pleat_column *cols, uint64_t n,
                       pleat_result *res);
/** Gives back (to the cache) or frees what pleat__exec_open set up (not st
    or rr). */
void pleat__exec_close(pleat__exec *ex);
/** The stage states at the start of the stream (scan inits). */
void pleat__stage_init(const pleat__ir *ir, pleat__stage *st);
/** Runs leaves [l0, l1) on ex's current state, in order, until the fold
    stops or fails. */
void pleat__exec_leaves(pleat__exec *ex, uint64_t l0, uint64_t l1);

pleat__imm pleat__apply_op(int op, int t, pleat__imm a, pleat__imm b);
/** A reduce/foldl lambda on (a, b); *trapped is set (when not NULL) if an
    integer division in it was by zero where evaluated. */
pleat__imm pleat__apply_lambda(const pleat__ir_lambda *lam, int t, pleat__imm a,
                               pleat__imm b, bool *trapped);

pleat_status pleat__reduce_init(pleat__exec *ex);
void pleat__reduce_leaf_begin(pleat__exec *ex);
void pleat__reduce_check_keys(pleat__exec *ex, pleat__seg *sg);
void pleat__reduce_chunk(pleat__exec *ex, pleat__seg *sg);
void pleat__reduce_leaf_end(pleat__exec *ex);
pleat_status pleat__reduce_finish(pleat__exec *ex);
void pleat__reduce_free(pleat__exec *ex);
/** Folds the reducer states src (of a later, adjacent range, run with
    ex->par) into ex->rr, in stream order; false on OOM (res set). */
bool pleat__reduce_merge(pleat__exec *ex, struct pleat__redrt *src);
/** Copies the done flags of from into to (a block starts knowing which
    reducers have already finished). */
void pleat__reduce_copy_done(const pleat__ir *ir, struct pleat__redrt *to,
                             const struct pleat__redrt *from);
/** The done flag of every reducer, into out[nred]. */
void pleat__reduce_get_done(const pleat__ir *ir, const struct pleat__redrt *rr, bool *out);
/** Whether a reducer has finished since out was taken. */
bool pleat__reduce_done_since(const pleat__ir *ir, const struct pleat__redrt *rr, const bool *then);
/** Whether the top-level collects of ir can be written in place by the
    blocks of a parallel run (exec_par.c): the plan has one and nothing in
    it that collect_into cannot honour. */
bool pleat__reduce_collect_in_place(const pleat__ir *ir);
/** Makes room in ex's top-level collects for `add` more elements (the
    total a window's count pass found); false on OOM (res set). */
bool pleat__reduce_collect_reserve(pleat__exec *ex, uint64_t add);
/** Points the top-level collects of blk (a block's fresh reducers) at
    main's buffers, `off` elements past main's end, with room for exactly
    `count`: the block writes its elements in place and the merge only
    moves the length. */
void pleat__reduce_collect_into(const pleat__ir *ir, struct pleat__redrt *blk,
                                const struct pleat__redrt *main, uint64_t off, uint64_t count);
/** Where element clen of field f of top-level collect k goes (room made by
    pleat__reduce_collect_reserve): a device writes the elements there. */
void *pleat__reduce_collect_tail(pleat__exec *ex, uint32_t k, int f);
/** Counts `add` elements written at the tails into every top-level
    collect. */
void pleat__reduce_collect_commit(pleat__exec *ex, uint64_t add);
/** A leaf's mean and m2 from its shifted sums (K the shift, s1 and s2 the
    lane trees' sums of y and y*y, n > 0 elements): the one formula of
    seq's leaves and of the GPU rows. */
void pleat__reduce_mean_leaf(double K, double s1, double s2, int64_t n, double *mean, double *m2);

/** Folds the partial of reducer k over one whole leaf, computed elsewhere
    (a device kernel: codegen.h's row words a, b, n, flag), into ex's
    reducers.  Call it for every leaf in leaf order, empty ones included
    (n = 0): the float sums are then rebuilt in seq's tree.  For any, all
    and find_first, a is the leaf's first hit (-1: none); when every
    top-level reducer is done, ex->stop is set. */
void pleat__reduce_push_leaf(pleat__exec *ex, uint32_t k, pleat__imm a, pleat__imm b, int64_t n,
                             bool flag);
/** Sets up ex (from pleat__exec_total) for pleat__exec_fold_chunk: the
    reducers' values are read from val[v] (ir->nins + 1 of them). */
void pleat__exec_fold_values(pleat__exec *ex, void **val);
/** Folds one chunk of the stream that reaches the reducers, computed
    elsewhere (a device's compacted stream: sg dense, sg->src the source
    indices, ex->val[v] the values the reducers read), as a sequential run
    does: a group key out of range fails the run at its element, after the
    elements before it.  Call pleat__reduce_leaf_begin / _leaf_end around
    each leaf's chunks, for every leaf, empty ones too. */
void pleat__exec_fold_chunk(pleat__exec *ex, pleat__seg *sg);
/** Fails the run as seq does for an integer division by zero by
    instruction ins at source index i (the message names its text). */
void pleat__exec_fail_div0(pleat__exec *ex, uint32_t ins, int64_t i);
/** Sets ex->stop when every top-level reducer has finished early. */
void pleat__reduce_check_done(pleat__exec *ex);

#endif
