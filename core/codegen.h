/*
** codegen.h -- the one code generator (DESIGN principle 3): a plan's fused
** per-element body and its reducers as C-family source, in three dialects
** (plain C, OpenCL C, CUDA C) that differ only in a few hooks.
**
** The kernel it writes, `pleat_leaves`, is the CPU-shaped one: each work
** item walks one whole leaf in order (PLEAT_LEAF source elements), folds
** its reducers exactly as core/reduce.c does inside a leaf (32 lanes by
** source index, pairwise at the end), and writes one row of partials.  The
** host pushes the rows into the leaf tree in leaf order
** (pleat__reduce_push_leaf), so the result has seq's bits whatever ran the
** leaves.
**
** Row of leaf L (PLEAT__ROW_WORDS(nred) 64-bit words): per reducer r the
** words 4r .. 4r+3 = a, b, n, flag (as in gstate: a sum, a min key, or for
** any/all/find_first the leaf's first hit or -1; b a max key; n the
** elements folded; flag NaN seen; for mean, var and std a, b, flag are the
** shift K and the sums s1, s2, which the host turns into the leaf's mean
** and m2 by pleat__reduce_mean_leaf), then the
** leaf's first trap: the source index or -1, and the instruction; then the
** index where a stage ended the fold in this leaf (take, take_while), or
** -1.
**
** Stateful stages (scan, take, drop, take_nth, enumerate, dedupe,
** drop_while) carry their state into each leaf: the kernel then takes the
** carries (per slot, per leaf of the launch: a value and a set flag), an
** output for summaries (per leaf and slot of the stage: a value and a
** flag) and int spass.  A stage has one slot, a dedupe one per field of
** its tuple; s numbers a stage's first slot.  A summary pass (spass = s)
** runs each leaf up to the stage with the carries of the stages before it
** and writes the leaf's summary of it (a scan's local, a count of
** arrivals, a dedupe's last arrival); the host folds the summaries into
** carries exactly as seq carries the state from leaf to leaf; the final
** pass (spass = -1) runs everything with every carry.
**
** Kernel arguments, in order: ulong n, ulong leaf0 (the leaf of work item
** 0), ulong nleaf, ulong base (the source index of element 0 of the
** column buffers), then per column k: the buffer, int gen (pleat_gen of
** the run's column), ulong param (range start or seed), then the output
** rows.  A plan with a collect adds: the leaves' output offsets (ulong,
** one per leaf of the launch), int cpass, and per collect and field the
** output buffer.  The count pass (cpass 0, offsets and outputs unused)
** gives each leaf's count in its row (word n); the host turns the counts
** into offsets, and the write pass (cpass 1) stores every leaf's live
** elements from its offset on, in source order: the order-preserving
** compaction of seq.  At most PLEAT__MAX_COLLECT_FIELDS output buffers.
*/
#ifndef PLEAT_CODEGEN_H
#define PLEAT_CODEGEN_H

#include "ir.h"

typedef enum pleat__dialect {
  PLEAT__DIALECT_C,
  PLEAT__DIALECT_OPENCL,
  PLEAT__DIALECT_CUDA,
} pleat__dialect;

#define PLEAT__ROW_WORDS(nred) (4u * (nred) + 3u)
#define PLEAT__MAX_COLLECT_FIELDS 16
#define PLEAT__MAX_CARRIES 64 /* carry slots of one plan */

/** Whether the generator can write ir (its stages; a plan whose reducers
    have no kernel form is written through pleat__codegen_host_fold).  When
    not, why says what it cannot do, for an error message. */
bool pleat__codegen_supported(const pleat__ir *ir, char *why, size_t whylen);

/** The stateful stages of ir, in slot order: their instructions into ins,
    their slots into width (PLEAT__MAX_CARRIES of each); their number.  A
    plan pleat__codegen_supported accepts has at most PLEAT__MAX_CARRIES
    slots. */
uint32_t pleat__codegen_carry_stages(const pleat__ir *ir, uint32_t *ins, uint32_t *width);

/** Whether ir's reducers are folded on the host (codegen_fold.c): some
    reducer has no kernel form (group, foldl, reduce with a lambda, an init
    or on floats, first/last of a tuple).  The kernel of such a plan is the
    one of pleat__codegen_fold_ir's plan: its rows are that plan's, and its
    collects hand back the stream reaching the reducers, in order. */
bool pleat__codegen_host_fold(const pleat__ir *ir);

/** Whether every element of a host-folded ir reaches its reducers (no
    stage): the kernel then hands back no source index (element j of leaf
    L is source element L * PLEAT_LEAF + j) and needs no count pass. */
bool pleat__codegen_fold_dense(const pleat__ir *ir);

/** Whether a host-folded ir leaves its device nothing to do: no stage,
    and its reducers read only columns, the index and constants.  The
    kernel would only copy the input back, so the host folds the columns
    itself (the sequential run, seq's code and bits). */
bool pleat__codegen_fold_only(const pleat__ir *ir);

/** The values a host-folded plan's kernel hands back, into
    fields[PLEAT__MAX_COLLECT_FIELDS]: the source index (value number
    ir->nins, which pleat__codegen_fold_ir adds; not for a dense plan),
    then every value the reducers read (value numbers of ir).  Returns their number, or more
    than PLEAT__MAX_COLLECT_FIELDS when they do not fit. */
uint32_t pleat__codegen_fold_fields(const pleat__ir *ir, int32_t *fields);

/** The plan the kernel of a host-folded ir runs, into out (freed with
    pleat__ir_free): ir's instructions and the source index, and for
    reducers collects of pleat__codegen_fold_fields' values, at most
    PLEAT_MAX_TUPLE fields each, in order. */
pleat_status pleat__codegen_fold_ir(const pleat__ir *ir, pleat__ir *out);

/** Appends the kernel source for ir over columns of the given dtypes
    (ncols of them) to out; with prelude, the kernels/ headers come first
    (pleat_math.h, pleat_ops.h), so the text compiles on its own.  Returns
    PLEAT_E_UNSUPPORTED (why filled) for a plan it cannot write. */
pleat_status pleat__codegen_leaves(const pleat__ir *ir, const uint8_t *col_dtypes, size_t ncols,
                                   pleat__dialect d, bool warp, bool prelude, pleat__str *out,
                                   char *why, size_t whylen);

/** The launch shape of the kernel pleat__codegen_leaves writes for ir in
    dialect d: *items_per_leaf work items walk each leaf (1: the CPU shape
    above; 32: the warp shape, one work item per tree lane, which CUDA
    always gets and OpenCL when warp), and a work group holds
    *leaves_per_group leaves (0: any, the device chooses). */
void pleat__codegen_shape(const pleat__ir *ir, pleat__dialect d, bool warp, unsigned *items_per_leaf,
                          unsigned *leaves_per_group);

/** Appends the kernels/ headers (embedded at build time) to out. */
void pleat__codegen_prelude(pleat__str *out);

#endif
