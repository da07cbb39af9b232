/*
** exec.c -- the reference executor: runs a plan leaf by leaf in the
** canonical order, a chunk of CHUNK elements at a time.  Every instruction
** runs over the whole chunk (vec_ops.c loops the compiler vectorises);
** stages narrow a mask; a FLATMAP expands the live elements of a chunk into
** chunks of the next segment.  Every chunk of every segment comes from one
** chunk of the input, hence lies inside one leaf, so leaf boundaries are
** seen only by the driver.
**
** Run-time errors keep sequential semantics: an instruction that traps at
** chunk position t is an error only if the fold had not stopped before t
** (a take(3) that finished at position 2 means element t was never
** reached); the elements before t are still reduced first, so a reducer
** that finishes early also clears it.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ast.h"
#include "cmp_wide.h"
#include "div_const.h"
#include "exec_int.h"
#include "fold_kernels.h"
#include "plan_int.h"
#if defined(__has_include)
#  if __has_include("pleat_math.h")
#    include "pleat_math.h"
#    define HAVE_PLEAT_MATH 1
#  endif
#endif

#ifndef HAVE_PLEAT_MATH
static inline uint64_t pleat_hash_u64(uint64_t v) {
  uint64_t z = v + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static inline double pleat_normal_f64(uint64_t seed, int64_t i) {
  uint64_t h1 = pleat_hash_u64(seed ^ pleat_hash_u64((uint64_t)i));
  uint64_t h2 = pleat_hash_u64(h1);
  double u1 = (double)((h1 >> 11) + 1) * 0x1p-53;
  double u2 = (double)(h2 >> 11) * 0x1p-53;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
#endif

/* ---- column loads ------------------------------------------------------- */

static uint64_t gen_hash(uint64_t seed, int64_t i) {
  return pleat_hash_u64(seed ^ pleat_hash_u64((uint64_t)i));
}

/* Values of column col for source indices base + [0, len) (src == NULL) or
   src[0..len); into buf, or a pointer straight into the caller's data. */
static const void *load_column(const pleat_column *col, uint64_t base,
                               const int64_t *src, size_t len, void *buf) {
  size_t es = pleat_dtype_size(col->dtype);
  if (col->gen == PLEAT_GEN_NONE) {
    const char *d = col->data;
    if (!src) {
      const char *p = d + base * es;
      /* No software prefetch: asking for the next chunk line by line
         (256 prefetches per chunk) measured 1.2-1.5x slower than leaving
         it to the hardware (2026-12-04, W1-W4 on seq and threads). */
      if (col->dtype != PLEAT_BOOL && ((uintptr_t)p % es) == 0) return p;
      memcpy(buf, p, len * es);
    } else {
      for (size_t j = 0; j < len; j++) memcpy((char *)buf + j * es, d + (uint64_t)src[j] * es, es);
    }
    if (col->dtype == PLEAT_BOOL) {
      uint8_t *b = buf;
      for (size_t j = 0; j < len; j++) b[j] = b[j] != 0;
    }
    return buf;
  }
  for (size_t j = 0; j < len; j++) {
    int64_t i = src ? src[j] : (int64_t)(base + j);
    switch (col->gen) {
      case PLEAT_GEN_RANGE: {
        int64_t v = (int64_t)((uint64_t)col->start + (uint64_t)i);
        switch (col->dtype) {
          case PLEAT_I32: ((int32_t *)buf)[j] = (int32_t)v; break;
          case PLEAT_I64: ((int64_t *)buf)[j] = v; break;
          case PLEAT_F32: ((float *)buf)[j] = (float)v; break;
          case PLEAT_F64: ((double *)buf)[j] = (double)v; break;
          default: ((uint8_t *)buf)[j] = (uint8_t)(v & 1); break;
        }
        break;
      }
      case PLEAT_GEN_UNIFORM: {
        uint64_t h = gen_hash(col->seed, i);
        if (col->dtype == PLEAT_F32) ((float *)buf)[j] = (float)(h >> 40) * 0x1p-24f;
        else ((double *)buf)[j] = (double)(h >> 11) * 0x1p-53;
        break;
      }
      default: {
        double v = pleat_normal_f64(col->seed, i);
        if (col->dtype == PLEAT_F32) ((float *)buf)[j] = (float)v;
        else ((double *)buf)[j] = v;
        break;
      }
    }
  }
  return buf;
}

/* ---- helpers ------------------------------------------------------------ */

static inline pleat__imm imm_at(int t, const void *p, size_t j) {
  pleat__imm v;
  v.i = 0;
  switch (t) {
    case PLEAT_BOOL: v.i = ((const uint8_t *)p)[j]; break;
    case PLEAT_I32: v.i = ((const int32_t *)p)[j]; break;
    case PLEAT_I64: v.i = ((const int64_t *)p)[j]; break;
    case PLEAT_F32: v.f = ((const float *)p)[j]; break;
    case PLEAT_F64: v.f = ((const double *)p)[j]; break;
  }
  return v;
}

static inline void imm_put(int t, void *p, size_t j, pleat__imm v) {
  switch (t) {
    case PLEAT_BOOL: ((uint8_t *)p)[j] = (uint8_t)(v.i != 0); break;
    case PLEAT_I32: ((int32_t *)p)[j] = (int32_t)v.i; break;
    case PLEAT_I64: ((int64_t *)p)[j] = v.i; break;
    case PLEAT_F32: ((float *)p)[j] = (float)v.f; break;
    case PLEAT_F64: ((double *)p)[j] = v.f; break;
  }
}

static inline int64_t src_of(const pleat__seg *sg, size_t j) {
  return sg->src ? sg->src[j] : (int64_t)(sg->base + j);
}

static bool imm_eq(int t, pleat__imm a, pleat__imm b) {
  if (t == PLEAT_F32 || t == PLEAT_F64) return a.f == b.f;
  return a.i == b.i;
}

/* op(a, b) for scan/reduce builtin operators, one element of type t. */
pleat__imm pleat__apply_op(int op, int t, pleat__imm a, pleat__imm b) {
  static const uint16_t irop[AOP_COUNT_] = {
    [AOP_ADD] = IR_ADD, [AOP_MUL] = IR_MUL, [AOP_MIN] = IR_MIN, [AOP_MAX] = IR_MAX,
    [AOP_BAND] = IR_BAND, [AOP_BOR] = IR_BOR, [AOP_BXOR] = IR_BXOR};
  pleat__ir_ins in;
  memset(&in, 0, sizeof in);
  in.op = irop[op];
  in.type = (uint8_t)t;
  uint8_t tys[2] = {(uint8_t)t, (uint8_t)t};
  uint64_t x = 0, y = 0, r = 0;
  imm_put(t, &x, 0, a);
  imm_put(t, &y, 0, b);
  int64_t trap = -1;
  pleat__eval_op(&in, tys, &r, &x, &y, NULL, NULL, NULL, 1, &trap);
  return imm_at(t, &r, 0);
}

/* Evaluates a reduce lambda on one pair (a, b). */
pleat__imm pleat__apply_lambda(const pleat__ir_lambda *lam, int t, pleat__imm a,
                               pleat__imm b, bool *trapped) {
  uint64_t v[PLEAT__LAMBDA_MAX_OPS];
  pleat__imm out;
  out.i = 0;
  if (lam->nins > PLEAT__LAMBDA_MAX_OPS) return out; /* refused by the checker */
  for (uint32_t k = 0; k < lam->nins; k++) {
    const pleat__ir_ins *in = &lam->ins[k];
    v[k] = 0;
    if (in->op == IR_UNPACK) { imm_put(in->type, &v[k], 0, in->imm.i ? b : a); continue; }
    if (in->op == IR_CONST) { imm_put(in->type, &v[k], 0, in->imm); continue; }
    uint8_t tys[3] = {0, 0, 0};
    const void *ops[3] = {NULL, NULL, NULL};
    int32_t o[3] = {in->a, in->b, in->c};
    for (int j = 0; j < 3; j++)
      if (o[j] >= 0) { tys[j] = lam->ins[o[j]].type; ops[j] = &v[o[j]]; }
    if (in->op == IR_SELECT) tys[1] = lam->ins[in->b].type;
    int64_t trap = -1;
    /* the guard (c) of a division keeps && and ?: short-circuit here too */
    const uint8_t *guard = NULL;
    if ((in->op == IR_DIV || in->op == IR_REM) && in->c >= 0) guard = (const uint8_t *)&v[in->c];
    pleat__eval_op(in, tys, &v[k], ops[0], ops[1], ops[2], guard, NULL, 1, &trap);
    if (trap >= 0 && trapped) *trapped = true;
  }
  out = imm_at(t, &v[lam->res], 0);
  return out;
}

/* ---- traps and stops ------------------------------------------------------ */

static void note_trap(pleat__exec *ex, int64_t pos, uint32_t ins, int kind) {
  if (pos < 0) return;
  /* A summary pass runs a block without its true drop_while state, so an
     owned division's trap there may be one the final pass drops: the final
     pass, with the right state, reports it if it counts. */
  if (ex->summary && ex->dw_owner && kind == TRAP_DIV && ex->dw_owner[ins] >= 0) return;
  if (ex->dw_owner && kind == TRAP_DIV) ex->trap_at[ins] = pos;
  if (ex->trap_pos < 0 || pos < ex->trap_pos) {
    ex->trap_pos = pos;
    ex->trap_ins = ins;
    ex->trap_kind = kind;
  }
}

/* A division that only drop_while k's predicate needs traps only where the
   predicate was evaluated (positions <= end): its traps past end are
   dropped, and the earliest of the others is the chunk's trap again. */
static void drop_while_traps(pleat__exec *ex, uint32_t k, int64_t end) {
  const pleat__ir *ir = ex->ir;
  uint32_t s0 = ir->seg_start[ir->ins[k].seg];
  bool changed = false;
  for (uint32_t q = s0; q < k; q++)
    if (ex->dw_owner[q] == (int32_t)k && ex->trap_at[q] > end) {
      ex->trap_at[q] = -1;
      changed = true;
    }
  if (!changed || ex->trap_pos < 0) return;
  ex->trap_pos = -1;
  for (uint32_t q = s0; q < k; q++)
    if (ex->trap_at[q] >= 0 && (ex->trap_pos < 0 || ex->trap_at[q] < ex->trap_pos)) {
      ex->trap_pos = ex->trap_at[q];
      ex->trap_ins = q;
      ex->trap_kind = TRAP_DIV;
    }
}

static void note_stop(pleat__exec *ex, int64_t pos) {
  if (ex->stop_pos == INT64_MAX || pos < ex->stop_pos) ex->stop_pos = pos;
}

/* Masks every lane after j. */
static void cut_after(pleat__seg *sg, size_t j) {
  uint8_t *m = pleat__seg_mask(sg);
  for (size_t q = j + 1; q < sg->len; q++) m[q] = 0;
}

/* ---- stages --------------------------------------------------------------- */

_Static_assert(CHUNK == PLEAT_LEAF, "a deferred scan summary takes a leaf as one chunk");
_Static_assert(SCAN_LANES <= 8, "pleat__exec.defer_* hold 8 leaves");

/* Whether scan k's summary can wait for a batch of leaves: a float + or *
   (a strict chain per leaf) in segment 0 (one chunk per leaf). */
static bool scan_batchable(const pleat__ir_ins *in) {
  return in->op == IR_SCAN && in->seg == 0 && (in->type == PLEAT_F32 || in->type == PLEAT_F64) &&
         (in->aux == AOP_ADD || in->aux == AOP_MUL);
}

/* Whether this pass keeps scan k's inputs for a batch: the scan a summary
   pass ends at, unless a batch of the first such scan is running (then a
   later scan's summary takes the plain path: the batch owns the buffer). */
static bool scan_defers(const pleat__exec *ex, uint32_t k) {
  return ex->summary && k == ex->upto && ex->defer_buf && scan_batchable(&ex->ir->ins[k]) &&
         !ex->batch_ready && (!ex->batching || (int32_t)k == ex->batch_scan);
}

/* The batch buffer, once per exec; without it nothing is deferred (the
   leaf-at-a-time path runs), so a failed allocation changes no answer. */
static bool defer_buf_get(pleat__exec *ex) {
  if (!ex->defer_buf) ex->defer_buf = pleat__malloc(ex->al, (size_t)SCAN_LANES * CHUNK * 9);
  return ex->defer_buf != NULL;
}

/* The batch buffer's slot g: the leaf's scan input (CHUNK values of up to
   8 bytes), and after all the inputs its mask. */
static uint8_t *defer_in(const pleat__exec *ex, uint32_t g) {
  return ex->defer_buf + (size_t)g * CHUNK * 8;
}
static uint8_t *defer_mask(const pleat__exec *ex, uint32_t g) {
  return ex->defer_buf + (size_t)SCAN_LANES * CHUNK * 8 + (size_t)g * CHUNK;
}

/* The kernels' view of the batch: slots past ndefer are empty. */
static void defer_views(const pleat__exec *ex, void **a, const uint8_t **m, size_t *len) {
  for (uint32_t g = 0; g < SCAN_LANES; g++) {
    bool use = g < ex->ndefer;
    a[g] = defer_in(ex, g);
    m[g] = use && !ex->defer_dense[g] ? defer_mask(ex, g) : NULL;
    len[g] = use ? ex->defer_len[g] : 0;
  }
}

/* The deferred leaves' locals, side by side, into the block's summary. */
static void scan_flush(pleat__exec *ex) {
  if (!ex->ndefer) return;
  const pleat__ir_ins *in = &ex->ir->ins[ex->upto];
  void *a[SCAN_LANES];
  const uint8_t *m[SCAN_LANES];
  size_t len[SCAN_LANES];
  uint64_t loc[SCAN_LANES];
  uint8_t set[SCAN_LANES];
  defer_views(ex, a, m, len);
  pleat__k_scan_locals(in->aux, in->type, a, m, len, loc, set);
  for (uint32_t g = 0; g < ex->ndefer; g++) {
    uint64_t L = ex->defer_leaf[g] - ex->leaf0;
    ex->leaf_local[L] = imm_at(in->type, &loc[g], 0);
    ex->leaf_set[L] = set[g];
  }
  ex->ndefer = 0;
}

/* Keeps this leaf's scan input for scan_flush (scan_defers said yes, so
   the buffer is there). */
static void scan_defer(pleat__exec *ex, const pleat__seg *sg, const void *a, int t) {
  uint32_t g = ex->ndefer;
  memcpy(defer_in(ex, g), a, sg->len * pleat_dtype_size(t));
  ex->defer_dense[g] = sg->dense;
  if (!sg->dense) memcpy(defer_mask(ex, g), sg->mask, sg->len);
  ex->defer_len[g] = sg->len;
  ex->defer_leaf[g] = sg->base / PLEAT_LEAF;
  ex->ndefer++;
}

/* Per leaf: a local running op from the leaf's first element, and the
   carry (everything before the leaf); out = carry op local.  For ints and
   min/max this is the plain running op; for float + and * it is the fixed
   leaf tree of DESIGN.md (bitwise the same everywhere). */
static void scan_stage(pleat__exec *ex, uint32_t k, pleat__seg *sg) {
  const pleat__ir_ins *in = &ex->ir->ins[k];
  pleat__stage *st = &ex->st[k];
  size_t len = sg->len;
  int t = in->type;
  const void *a = ex->val[in->a];
  if (scan_defers(ex, k)) {
    scan_defer(ex, sg, a, t);
    return;
  }
  void *out = ex->val[k];
  if (ex->batch_ready && (int32_t)k == ex->batch_scan) {
    /* the running values were computed with the batch's (leaves_batched) */
    uint64_t L = sg->base / PLEAT_LEAF;
    for (uint32_t g = 0; g < ex->ndefer; g++) {
      if (ex->defer_leaf[g] != L || ex->defer_len[g] != len) continue;
      const uint8_t *m = sg->dense ? NULL : sg->mask;
      const uint8_t *p = defer_in(ex, g);
      uint64_t cb = 0;
      imm_put(t, &cb, 0, st->carry);
      pleat__k_scan_apply(in->aux, t, out, a, p, m, len, cb, st->carry_set);
      bool live = m ? pleat__k_count(m, NULL, len) > 0 : len > 0;
      if (live) {
        st->local = imm_at(t, p, len - 1);
        st->local_set = true;
      }
      return;
    }
  }
  uint64_t lb = 0, cb = 0;
  imm_put(t, &lb, 0, st->local);
  imm_put(t, &cb, 0, st->carry);
  if (pleat__k_scan(in->aux, t, out, a, sg->dense ? NULL : sg->mask, len, &lb, &st->local_set, cb,
                    st->carry_set)) {
    st->local = imm_at(t, &lb, 0);
    return;
  }
  const uint8_t *m = pleat__seg_mask(sg);
  for (size_t j = 0; j < len; j++) {
    if (!m[j]) { imm_put(t, out, j, imm_at(t, a, j)); continue; }
    pleat__imm x = imm_at(t, a, j);
    st->local = st->local_set ? pleat__apply_op(in->aux, t, st->local, x) : x;
    st->local_set = true;
    pleat__imm y = st->carry_set ? pleat__apply_op(in->aux, t, st->carry, st->local) : st->local;
    imm_put(t, out, j, y);
  }
}

static void run_stage(pleat__exec *ex, uint32_t k, pleat__seg *sg) {
  const pleat__ir_ins *in = &ex->ir->ins[k];
  pleat__stage *st = &ex->st[k];
  size_t len = sg->len;
  if ((int32_t)k == ex->cmp_filter) return; /* the sum's lane loop filters */
  if (sg->dense && in->op == IR_FILTER) {
    /* the first filter of a chunk: its predicate is the mask */
    if (ex->val[in->a] != sg->mask) memcpy(sg->mask, ex->val[in->a], len);
    sg->dense = false;
    return;
  }
  if (in->op == IR_SCAN) {
    scan_stage(ex, k, sg);
    return;
  }
  uint8_t *m = pleat__seg_mask(sg);
  switch (in->op) {
    case IR_FILTER: {
      const uint8_t *p = ex->val[in->a];
      for (size_t j = 0; j < len; j++) m[j] &= p[j];
      break;
    }
    case IR_TAKE: {
      int64_t n = in->imm.i;
      if (n == 0) {
        /* the first element that reaches take(0) ends the fold: the stages
           before ran for it (their errors there count), none after */
        size_t j = 0;
        while (j < len && !m[j]) j++;
        if (j < len) {
          note_stop(ex, (int64_t)j);
          memset(m + j, 0, len - j);
        }
        break;
      }
      for (size_t j = 0; j < len; j++) {
        if (!m[j]) continue;
        st->cnt++;
        if (st->cnt == n) { note_stop(ex, (int64_t)j); cut_after(sg, j); break; }
      }
      break;
    }
    case IR_DROP:
      for (size_t j = 0; j < len && st->cnt < in->imm.i; j++)
        if (m[j]) { m[j] = 0; st->cnt++; }
      break;
    case IR_TAKE_WHILE: {
      const uint8_t *p = ex->val[in->a];
      for (size_t j = 0; j < len; j++)
        if (m[j] && !p[j]) { m[j] = 0; note_stop(ex, (int64_t)j); cut_after(sg, j); break; }
      break;
    }
    case IR_DROP_WHILE: {
      const uint8_t *p = ex->val[in->a];
      /* the predicate is evaluated up to and including the first live
         element it fails on (end), then never again */
      int64_t end = st->done ? -1 : (int64_t)len;
      for (size_t j = 0; j < len && !st->done; j++) {
        if (!m[j]) continue;
        if (p[j]) m[j] = 0;
        else { st->done = true; end = (int64_t)j; }
      }
      if (ex->dw_owner) drop_while_traps(ex, k, end);
      break;
    }
    case IR_TAKE_NTH:
      for (size_t j = 0; j < len; j++) {
        if (!m[j]) continue;
        if (st->cnt % in->imm.i != 0) m[j] = 0;
        st->cnt++;
      }
      break;
    case IR_ENUMERATE: {
      int64_t *out = ex->val[k];
      for (size_t j = 0; j < len; j++) out[j] = m[j] ? st->cnt++ : 0;
      break;
    }
    case IR_DEDUPE: {
      uint32_t w = in->nextra;
      const int32_t *f = ex->ir->extra + in->extra;
      for (size_t j = 0; j < len; j++) {
        if (!m[j]) continue;
        bool same = st->has_prev;
        for (uint32_t q = 0; q < w; q++) {
          int t = ex->ir->ins[f[q]].type;
          pleat__imm v = imm_at(t, ex->val[f[q]], j);
          if (same && !imm_eq(t, st->prev[q], v)) same = false;
          st->prev[q] = v;
        }
        st->has_prev = true;
        if (same) m[j] = 0;
      }
      break;
    }
    default:
      break;
  }
}

static void stage_leaf_begin(pleat__exec *ex) {
  for (uint32_t k = 0; k < ex->ir->nins; k++)
    if (ex->ir->ins[k].op == IR_SCAN) ex->st[k].local_set = false;
}

static void stage_leaf_end(pleat__exec *ex, uint64_t L) {
  for (uint32_t k = 0; k < ex->ir->nins; k++) {
    const pleat__ir_ins *in = &ex->ir->ins[k];
    pleat__stage *st = &ex->st[k];
    if (in->op != IR_SCAN) continue;
    if (scan_defers(ex, k)) {
      /* the local is computed with the batch's; nothing after it runs */
      if (!ex->batching && ex->ndefer == SCAN_LANES) scan_flush(ex);
      continue;
    }
    if (ex->summary && k == ex->upto) {
      /* the summary of a scan is its local per leaf: the carry scan folds
         them one by one, exactly as the sequential run does */
      ex->leaf_local[L - ex->leaf0] = st->local;
      ex->leaf_set[L - ex->leaf0] = st->local_set;
    }
    if (!st->local_set) continue;
    st->carry = st->carry_set ? pleat__apply_op(in->aux, in->type, st->carry, st->local) : st->local;
    st->carry_set = true;
    st->local_set = false;
  }
}

/* ---- segments -------------------------------------------------------------- */

/* A comparison with a constant side reads the constant once, not its
   chunk-long buffer (cmp_wide.c); a constant on the left is mirrored. */
static int mirror_cmp(int op) { /* c < x is x > c */
  return op == IR_LT ? IR_GT : op == IR_GT ? IR_LT : op == IR_LE ? IR_GE : op == IR_GE ? IR_LE : op;
}

static bool wide_cmp(pleat__exec *ex, const pleat__ir_ins *in, size_t len) {
  const pleat__ir *ir = ex->ir;
  int op = in->op;
  int32_t a = in->a, b = in->b;
  if (ir->ins[a].op == IR_CONST) { int32_t t = a; a = b; b = t; op = mirror_cmp(op); }
  return pleat__cmp_wide(op, ir->ins[a].type, ex->val[in - ir->ins], ex->val[a], ex->val[b],
                         ir->ins[b].op == IR_CONST, len);
}

/* a + k, k - a, a * k ... with k a constant: k stays in a register. */
static bool const_arith(pleat__exec *ex, const pleat__ir_ins *in, size_t len) {
  const pleat__ir *ir = ex->ir;
  bool kl = ir->ins[in->a].op == IR_CONST, kr = ir->ins[in->b].op == IR_CONST;
  if (kl == kr) return false; /* two constants were folded; none: the plain loop */
  int32_t a = kl ? in->b : in->a, k = kl ? in->a : in->b;
  return pleat__eval_const_op(in->op, ir->ins[a].type, ex->val[in - ir->ins], ex->val[a],
                              ex->val[k], kl, len);
}

static void run_segment(pleat__exec *ex, uint32_t s, pleat__seg *sg);

static void *vbuf(pleat__exec *ex, uint32_t k) {
  return ex->own[k];
}

/* Expands the live elements of sg through FLATMAP/FLATRANGE k into chunks
   of segment s+1, up to position `upto` (exclusive). */
static void expand(pleat__exec *ex, uint32_t k, pleat__seg *sg, size_t upto) {
  const pleat__ir_ins *in = &ex->ir->ins[k];
  pleat__seg *cs = &ex->segs[in->seg + 1];
  cs->len = 0;
  cs->src = cs->srcbuf;
  const int64_t *kin = ex->ir->uses_k && ex->k_of_seg[in->seg] >= 0
                           ? (const int64_t *)ex->val[ex->k_of_seg[in->seg]] : NULL;
  for (size_t j = 0; j < upto && !ex->stop; j++) {
    if (!sg->dense && !sg->mask[j]) continue;
    int64_t i = src_of(sg, j);
    if (in->op == IR_FLATMAP) {
      int64_t m = in->imm.i, w = in->imm2;
      for (int64_t r = 0; r < m && !ex->stop; r++) {
        for (int64_t f = 0; f < w; f++) {
          int32_t v = ex->ir->extra[in->extra + (uint32_t)(r * w + f)];
          int t = ex->ir->ins[v].type;
          imm_put(t, cs->fields[f], cs->len, imm_at(t, ex->val[v], j));
        }
        cs->src[cs->len] = i;
        if (kin) cs->kin[cs->len] = kin[j];
        if (++cs->len == CHUNK) { run_segment(ex, in->seg + 1, cs); cs->len = 0; }
      }
    } else {
      int64_t lo = ((const int64_t *)ex->val[in->a])[j];
      int64_t hi = ((const int64_t *)ex->val[in->b])[j];
      for (int64_t v = lo; v < hi && !ex->stop; v++) {
        ((int64_t *)cs->fields[0])[cs->len] = v;
        cs->src[cs->len] = i;
        if (kin) cs->kin[cs->len] = kin[j];
        if (++cs->len == CHUNK) { run_segment(ex, in->seg + 1, cs); cs->len = 0; }
        if (v == INT64_MAX) break;
      }
    }
  }
  if (cs->len && !ex->stop) run_segment(ex, in->seg + 1, cs);
  cs->len = 0;
}

static void fail_trap_at(pleat__exec *ex, int64_t i);

static void fail_trap(pleat__exec *ex, pleat__seg *sg) {
  fail_trap_at(ex, src_of(sg, (size_t)ex->trap_pos));
}

void pleat__exec_fail_div0(pleat__exec *ex, uint32_t ins, int64_t i) {
  ex->trap_kind = TRAP_DIV;
  ex->trap_ins = ins;
  ex->trap_extra[0] = 0;
  fail_trap_at(ex, i);
}

static void fail_trap_at(pleat__exec *ex, int64_t i) {
  const char *what = "integer division by zero";
  uint32_t off = 0, len = 0;
  if (ex->trap_kind == TRAP_DIV) {
    off = ex->ir->ins[ex->trap_ins].src_off;
    len = ex->ir->ins[ex->trap_ins].src_len;
  } else {
    const pleat__ir_red *r = &ex->ir->red[ex->trap_ins];
    off = r->src_off;
    len = r->src_len;
    what = "group key out of range";
  }
  if (ex->ir->text && len && off + len <= ex->ir->text_len)
    pleat__res_fail(ex->res, PLEAT_E_DOMAIN, i, "%s in '%.*s' at index %lld%s", what,
                    (int)(len > 80 ? 80 : len), ex->ir->text + off, (long long)i, ex->trap_extra);
  else
    pleat__res_fail(ex->res, PLEAT_E_DOMAIN, i, "%s at index %lld%s", what, (long long)i,
                    ex->trap_extra);
  ex->stop = true;
  ex->failed = true;
}

void pleat__exec_fold_values(pleat__exec *ex, void **val) {
  /* exec_open's defaults, for the fields a chunk's fold reads */
  ex->val = val;
  ex->trap_pos = -1;
  ex->stop_pos = INT64_MAX;
  ex->upto = UINT32_MAX;
  ex->cmp_filter = -1;
  ex->batch_scan = -1;
}

void pleat__exec_fold_chunk(pleat__exec *ex, pleat__seg *sg) {
  /* what run_segment does once the last segment's values are there */
  ex->trap_pos = -1;
  pleat__reduce_check_keys(ex, sg);
  int64_t trap = ex->trap_pos;
  if (trap >= 0) sg->len = (uint32_t)trap; /* the elements before the bad key */
  pleat__reduce_chunk(ex, sg);
  if (!ex->failed && trap >= 0 && !ex->stop) {
    ex->trap_pos = trap;
    fail_trap_at(ex, src_of(sg, (size_t)trap));
  }
}

static void run_segment(pleat__exec *ex, uint32_t s, pleat__seg *sg) {
  const pleat__ir *ir = ex->ir;
  uint32_t end = ir->seg_start[s + 1];
  bool cut = false; /* a summary pass ends in this segment */
  if (ex->upto < end) { end = ex->upto + 1; cut = true; }
  size_t len = sg->len;
  int64_t saved_trap = ex->trap_pos, saved_stop = ex->stop_pos;
  ex->trap_pos = -1;
  ex->stop_pos = INT64_MAX;
  if (s > 0) sg->dense = true;
  if (ex->dw_owner)
    for (uint32_t k = ir->seg_start[s]; k < end; k++) ex->trap_at[k] = -1;
  uint32_t seg_end_op = UINT32_MAX;
  for (uint32_t k = ir->seg_start[s]; k < end; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    const pleat__ir_opinfo *info = &pleat__ir_ops[in->op];
    switch (in->op) {
      case IR_CONST:
        break; /* filled once per run */
      case IR_COL:
        ex->val[k] = (void *)load_column(&ex->cols[in->imm.i], sg->base, sg->src, len, vbuf(ex, k));
        break;
      case IR_INDEX:
        if (sg->src) ex->val[k] = sg->src;
        else {
          int64_t *o = vbuf(ex, k);
          for (size_t j = 0; j < len; j++) o[j] = (int64_t)(sg->base + j);
          ex->val[k] = o;
        }
        break;
      case IR_UNPACK:
        ex->val[k] = sg->fields[in->imm.i];
        break;
      case IR_KIN:
        ex->val[k] = sg->kin;
        break;
      case IR_FLATMAP:
      case IR_FLATRANGE:
        seg_end_op = k;
        break;
      default:
        if (info->flags & IRF_STAGE) {
          run_stage(ex, k, sg);
        } else {
          uint8_t tys[3] = {0, 0, 0};
          const void *ops[3] = {NULL, NULL, NULL};
          int32_t o[3] = {in->a, in->b, in->c};
          for (int j = 0; j < 3; j++)
            if (o[j] >= 0) { tys[j] = ir->ins[o[j]].type; ops[j] = ex->val[o[j]]; }
          if (in->op == IR_SELECT) tys[1] = ir->ins[in->b].type;
          if (ex->fused && ex->fused[k] == FUSED_SKIP) break; /* its one consumer computes it */
          if (ex->fused && ex->fused[k] == FUSED_INTO_MASK)
            ex->val[k] = sg->dense ? (void *)sg->mask : vbuf(ex, k);
          if (ex->divt && ex->divt[k].bits) {
            const pleat__ir_ins *rem = &ir->ins[ir->ins[in->a].op == IR_REM ? in->a : in->b];
            pleat__divt_run(&ex->divt[k], in->op == IR_EQ, ex->val[k], ex->val[rem->a], len);
            break;
          }
          if (ex->divc && ex->divc[k].bits) {
            /* a constant non-zero divisor: a multiply, and nothing to trap */
            pleat__divc_run(&ex->divc[k], in->op == IR_REM, ex->val[k], ops[0], len);
            break;
          }
          if (in->op >= IR_LT && in->op <= IR_NE && wide_cmp(ex, in, len)) break;
          if ((in->op == IR_ADD || in->op == IR_SUB || in->op == IR_MUL) && const_arith(ex, in, len))
            break;
          int64_t trap = -1;
          const uint8_t *guard = NULL;
          if ((in->op == IR_DIV || in->op == IR_REM) && in->c >= 0) guard = ex->val[in->c];
          pleat__eval_op(in, tys, ex->val[k], ops[0], ops[1], ops[2], guard,
                        sg->dense ? NULL : sg->mask, len, &trap);
          if (trap >= 0) note_trap(ex, trap, k, TRAP_DIV);
        }
        break;
    }
  }
  /* An error counts only if the fold reached it. */
  if (ex->trap_pos >= 0 && ex->stop_pos < ex->trap_pos) ex->trap_pos = -1;
  if (s + 1 == ir->nseg && !ex->summary) pleat__reduce_check_keys(ex, sg);
  size_t upto = len;
  if (ex->trap_pos >= 0) {
    upto = (size_t)ex->trap_pos;
    memset(pleat__seg_mask(sg) + upto, 0, len - upto);
  }
  int64_t trap_here = ex->trap_pos, stop_here = ex->stop_pos;
  if (cut) {
    /* a summary pass: what comes after the stage is not needed */
  } else if (seg_end_op != UINT32_MAX) {
    expand(ex, seg_end_op, sg, upto);
  } else if (ex->count_only) {
    ex->reached += sg->dense ? sg->len : (uint64_t)pleat__k_count(sg->mask, NULL, sg->len);
  } else {
    pleat__reduce_chunk(ex, sg);
  }
  if (!ex->failed) {
    if (trap_here >= 0 && !ex->stop) {
      ex->trap_pos = trap_here;
      if (ex->summary) ex->stop = true; /* the final pass reports it */
      else fail_trap(ex, sg);
    } else if (stop_here != INT64_MAX) {
      ex->stop = true;
    }
  }
  ex->trap_pos = saved_trap;
  ex->stop_pos = saved_stop;
}

/* ---- the driver --------------------------------------------------------------- */

/* A cached block starts with its usable size; the scratch begins 64 bytes
   in, aligned. */
static void *scratch_take(pleat__scratch *c, pleat__alloc *al, size_t need) {
  if (c)
    for (int i = 0; i < PLEAT_SCRATCH_SLOTS; i++) {
      void *b = atomic_exchange_explicit(&c->slot[i], NULL, memory_order_acquire);
      if (!b) continue;
      if (*(size_t *)b >= need) return b;
      pleat__free(al, b); /* too small for this run: a bigger one replaces it */
      break;
    }
  size_t sz = need + 128;
  void *b = pleat__malloc(al, sz < need ? SIZE_MAX : sz);
  if (b) *(size_t *)b = need;
  return b;
}

static void scratch_give(pleat__scratch *c, pleat__alloc *al, void *b) {
  if (c)
    for (int i = 0; i < PLEAT_SCRATCH_SLOTS; i++) {
      void *none = NULL;
      if (atomic_compare_exchange_strong_explicit(&c->slot[i], &none, b, memory_order_release,
                                                  memory_order_relaxed))
        return;
    }
  pleat__free(al, b);
}

void pleat__scratch_free(pleat__scratch *c, pleat__alloc *al) {
  for (int i = 0; i < PLEAT_SCRATCH_SLOTS; i++) {
    void *b = atomic_exchange(&c->slot[i], NULL);
    if (b) pleat__free(al, b);
  }
}

void pleat__exec_close(pleat__exec *ex) {
  pleat__alloc *al = ex->al;
  if (!al) return;
  if (ex->store) scratch_give(ex->cache, al, ex->store);
  pleat__free(al, ex->divc);
  pleat__free(al, ex->defer_buf);
  pleat__free(al, ex->batch_st);
  ex->defer_buf = NULL;
  ex->batch_st = NULL;
  pleat__free(al, ex->dw_owner);
  pleat__free(al, ex->trap_at);
  pleat__free(al, ex->fused);
  pleat__free(al, ex->divt);
  ex->fused = NULL;
  ex->divt = NULL;
  ex->store = NULL;
  ex->divc = NULL;
  ex->dw_owner = NULL;
  ex->trap_at = NULL;
  ex->val = ex->own = NULL;
  ex->segs = NULL;
  ex->k_of_seg = NULL;
  ex->uses = NULL;
}

void pleat__stage_init(const pleat__ir *ir, pleat__stage *st) {
  memset(st, 0, sizeof *st * (ir->nins + 1));
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    if (in->op == IR_SCAN && in->imm2) { st[k].carry = in->imm; st[k].carry_set = true; }
  }
}

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

/* Bytes of segment s's buffers: segment 0 only needs its mask (its source
   indices are implied), a later one sources, k and the unpacked fields. */
static size_t seg_bytes(uint32_t s, size_t cap0) {
  return s == 0 ? round64(cap0) : round64((size_t)CHUNK * (1 + 8 + 8 + 8 * PLEAT_MAX_TUPLE));
}

/* Which instructions only a drop_while's predicate needs (dw_owner[q] = the
   drop_while, else -1; ir_uses.c).  Allocated only when a division can
   trap under such a predicate. */
static bool drop_while_owners(pleat__exec *ex, const int32_t *uses) {
  const pleat__ir *ir = ex->ir;
  if (!pleat__ir_drop_while_divides(ir)) return true;
  uint32_t n = ir->nins;
  ex->dw_owner = pleat__malloc(ex->al, pleat__mulsize(n, sizeof *ex->dw_owner));
  ex->trap_at = pleat__malloc(ex->al, pleat__mulsize(n, sizeof *ex->trap_at));
  int32_t *users = pleat__malloc(ex->al, pleat__mulsize(n, sizeof *users)); /* uses by non-owners */
  if (!ex->dw_owner || !ex->trap_at || !users) {
    pleat__free(ex->al, users);
    return false;
  }
  for (uint32_t q = 0; q < n; q++) ex->trap_at[q] = -1;
  pleat__ir_drop_while_owners(ir, uses, ex->dw_owner, users);
  pleat__free(ex->al, users);
  return true;
}

/* A float sum whose input is a + b, a - b or a * b of its own type, used by
   nothing else, computes it in its lane loop: the op then costs no pass of
   its own (map(x * y) |> sum is a dot product in one loop). */
static bool fuse_sums(pleat__exec *ex, const int32_t *uses) {
  const pleat__ir *ir = ex->ir;
  uint32_t n = ir->nins;
  for (uint32_t r = 0; r < ir->nred; r++) {
    const pleat__ir_red *rd = &ir->red[r];
    if (!rd->top || rd->kind != RED_SUM || rd->nin != 1 || rd->in[0] < 0) continue;
    if (rd->in_type != PLEAT_F32 && rd->in_type != PLEAT_F64) continue;
    const pleat__ir_ins *in = &ir->ins[rd->in[0]];
    if (in->op != IR_ADD && in->op != IR_SUB && in->op != IR_MUL) continue;
    if (in->type != rd->in_type || ir->ins[in->a].type != in->type ||
        ir->ins[in->b].type != in->type)
      continue;
    int32_t v = rd->in[0];
    if (uses[v] != 1) continue; /* used by nothing but this reducer */
    if (!ex->fused && !(ex->fused = pleat__calloc(ex->al, n, 1))) return false;
    ex->fused[v] = FUSED_SKIP;
  }
  return true;
}

/* x % d == 0 and x % d != 0 with a constant d, where nothing else uses the
   remainder: the comparison tests divisibility directly (div_const.c) and
   the remainder is not computed. */
static bool fuse_divisibility(pleat__exec *ex, const int32_t *uses) {
  const pleat__ir *ir = ex->ir;
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    if (in->op != IR_EQ && in->op != IR_NE) continue;
    int32_t r = in->a, z = in->b;
    if (r < 0 || z < 0) continue;
    if (ir->ins[r].op == IR_CONST) { int32_t t = r; r = z; z = t; }
    const pleat__ir_ins *rem = &ir->ins[r], *zero = &ir->ins[z];
    if (rem->op != IR_REM || zero->op != IR_CONST || zero->imm.i != 0) continue;
    if (rem->type != PLEAT_I32 && rem->type != PLEAT_I64) continue;
    if (rem->b < 0 || ir->ins[rem->b].op != IR_CONST) continue;
    bool w32 = rem->type == PLEAT_I32;
    int64_t d = w32 ? (int64_t)(int32_t)ir->ins[rem->b].imm.i : ir->ins[rem->b].imm.i;
    if (d == 0 || uses[r] != 1) continue;
    if (!ex->fused && !(ex->fused = pleat__calloc(ex->al, ir->nins, 1))) return false;
    if (!ex->divt && !(ex->divt = pleat__calloc(ex->al, ir->nins, sizeof *ex->divt))) return false;
    pleat__divt_init(&ex->divt[k], d, w32 ? 32 : 64);
    ex->fused[r] = FUSED_SKIP;
  }
  return true;
}

/* filter(p) whose predicate is computed just before it, used by nothing
   else, with no stage between: while the chunk is still dense the
   predicate is written straight into the mask (no copy). */
static bool fuse_filter_masks(pleat__exec *ex, const int32_t *uses) {
  const pleat__ir *ir = ex->ir;
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    if (in->op != IR_FILTER || in->a < 0 || uses[in->a] != 1) continue;
    const pleat__ir_ins *p = &ir->ins[in->a];
    if (p->seg != in->seg || p->type != PLEAT_BOOL || p->op == IR_CONST || p->op == IR_COL ||
        p->op == IR_UNPACK || (pleat__ir_ops[p->op].flags & IRF_STAGE))
      continue;
    bool clear = true;
    for (int32_t q = in->a + 1; q < (int32_t)k && clear; q++)
      clear = !(pleat__ir_ops[ir->ins[q].op].flags & IRF_STAGE);
    if (!clear) continue;
    if (!ex->fused && !(ex->fused = pleat__calloc(ex->al, ir->nins, 1))) return false;
    if (!ex->fused[in->a]) ex->fused[in->a] = FUSED_INTO_MASK;
  }
  return true;
}

/* filter(c CMP constant) |> [map(a op b) |>] sum, the sum of floats the
   pipeline's one result and the filter its one stage: the comparison, the
   filter and the sum are one lane loop (fold_kernels.c LANES_CMP) that
   reads the input once.  Nothing may trap (an op after the filter then
   runs on every element, the chunk staying dense). */
static void fuse_filter_sum(pleat__exec *ex) {
  const pleat__ir *ir = ex->ir;
  if (ir->nseg != 1 || ir->nred != 1 || !ex->fused) return;
  const pleat__ir_red *rd = &ir->red[0];
  if (!rd->top || rd->kind != RED_SUM || rd->nin != 1 || rd->in[0] < 0 || rd->pred >= 0) return;
  if (rd->in_type != PLEAT_F32 && rd->in_type != PLEAT_F64) return;
  int32_t filt = -1;
  for (uint32_t k = 0; k < ir->nins; k++) {
    uint32_t fl = pleat__ir_ops[ir->ins[k].op].flags;
    if (fl & IRF_TRAP) return;
    if (fl & IRF_STAGE) {
      if (filt >= 0 || ir->ins[k].op != IR_FILTER) return;
      filt = (int32_t)k;
    }
  }
  if (filt < 0) return;
  int32_t p = ir->ins[filt].a;
  if (ex->fused[p] != FUSED_INTO_MASK) return;
  const pleat__ir_ins *cmp = &ir->ins[p];
  if (cmp->op < IR_LT || cmp->op > IR_NE || cmp->a < 0 || cmp->b < 0) return;
  int32_t c = cmp->a, d = cmp->b;
  int op = cmp->op;
  if (ir->ins[c].op == IR_CONST) { int32_t t = c; c = d; d = t; op = mirror_cmp(op); }
  if (ir->ins[d].op != IR_CONST || ir->ins[c].type != rd->in_type) return;
  ex->fused[p] = FUSED_SKIP;
  ex->cmp_filter = filt;
  ex->cmp_value = c;
  ex->cmp_const = d;
  ex->cmp_code = op - IR_LT; /* LANES_CMP's numbering follows the op table */
}

void pleat__exec_total(pleat__exec *ex, const pleat__ir *ir, const pleat_column *cols, uint64_t n,
                       pleat_result *res) {
  memset(ex, 0, sizeof *ex);
  ex->ir = ir;
  ex->cols = cols;
  ex->n = n;
  ex->res = res;
  ex->al = res->al;
}

pleat_status pleat__exec_open(pleat__exec *ex, const pleat__ir *ir, const pleat_column *cols,
                              uint64_t n, pleat_result *res, pleat__scratch *cache) {
  memset(ex, 0, sizeof *ex);
  ex->cache = cache;
  ex->ir = ir;
  ex->cols = cols;
  ex->n = n;
  ex->res = res;
  ex->al = res->al;
  ex->trap_pos = -1;
  ex->stop_pos = INT64_MAX;
  ex->upto = UINT32_MAX;
  ex->cmp_filter = -1;
  ex->batch_scan = -1;
  for (uint32_t k = 0; k < ir->nins && ex->batch_scan < 0; k++)
    if (scan_batchable(&ir->ins[k])) ex->batch_scan = (int32_t)k;
  /* One block for all the scratch, sized to the run: segment 0 never holds
     more than n elements, so a small run allocates (and touches) little. */
  size_t cap0 = n < CHUNK ? (size_t)(n ? n : 1) : CHUNK;
  size_t nv = (size_t)ir->nins + 1;
  size_t head = round64(2 * nv * sizeof(void *) + ir->nseg * sizeof(pleat__seg) +
                        ir->nseg * sizeof(int32_t) + nv * sizeof(int32_t));
  size_t total = head;
  for (uint32_t k = 0; k < ir->nins; k++)
    total += round64((ir->ins[k].seg == 0 ? cap0 : CHUNK) * 8);
  for (uint32_t s = 0; s < ir->nseg; s++) total += seg_bytes(s, cap0);
  char *blk = scratch_take(cache, ex->al, total);
  if (!blk) goto nomem;
  ex->store = (uint8_t *)blk;
  char *p = (char *)(((uintptr_t)blk + 64 + 63) & ~(uintptr_t)63);
  memset(p, 0, head);
  ex->val = (void **)p;
  ex->own = ex->val + nv;
  ex->segs = (pleat__seg *)(ex->own + nv);
  ex->k_of_seg = (int32_t *)(ex->segs + ir->nseg);
  ex->uses = ex->k_of_seg + ir->nseg;
  p += head;
  for (uint32_t k = 0; k < ir->nins; k++) {
    ex->own[k] = p;
    p += round64((ir->ins[k].seg == 0 ? cap0 : CHUNK) * 8);
  }
  for (uint32_t s = 0; s < ir->nseg; s++) {
    pleat__seg *sg = &ex->segs[s];
    if (s == 0) {
      sg->mask = (uint8_t *)p;
    } else {
      sg->srcbuf = (int64_t *)p;
      sg->kin = (int64_t *)(p + (size_t)CHUNK * 8);
      for (int f = 0; f < PLEAT_MAX_TUPLE; f++) sg->fields[f] = p + (size_t)CHUNK * 8 * (2 + f);
      sg->mask = (uint8_t *)p + (size_t)CHUNK * 8 * (2 + PLEAT_MAX_TUPLE);
    }
    p += seg_bytes(s, cap0);
  }
  for (uint32_t s = 0; s < ir->nseg; s++) ex->k_of_seg[s] = -1;
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    ex->val[k] = vbuf(ex, k);
    if (in->op == IR_CONST) {
      /* one element, then doubling copies: no per-element type switch */
      size_t fill = in->seg == 0 ? cap0 : CHUNK, es = pleat_dtype_size(in->type);
      imm_put(in->type, ex->val[k], 0, in->imm);
      for (size_t have = 1; have < fill; have *= 2)
        memcpy((char *)ex->val[k] + have * es, ex->val[k], (have * 2 <= fill ? have : fill - have) * es);
    }
    if ((in->op == IR_DIV || in->op == IR_REM) && in->b >= 0 && ir->ins[in->b].op == IR_CONST &&
        (ir->ins[in->b].type == PLEAT_I32 || ir->ins[in->b].type == PLEAT_I64)) {
      bool w32 = ir->ins[in->b].type == PLEAT_I32;
      int64_t d = w32 ? (int64_t)(int32_t)ir->ins[in->b].imm.i : ir->ins[in->b].imm.i;
      if (d != 0) {
        if (!ex->divc && !(ex->divc = pleat__calloc(ex->al, ir->nins, sizeof *ex->divc)))
          goto nomem;
        pleat__divc_init(&ex->divc[k], d, w32 ? 32 : 64);
      }
    }
    /* k of segment s is the latest ENUMERATE or KIN in it */
    if (in->op == IR_ENUMERATE || in->op == IR_KIN) ex->k_of_seg[in->seg] = (int32_t)k;
  }
  pleat__ir_count_uses(ir, ex->uses);
  if (!drop_while_owners(ex, ex->uses) || !fuse_sums(ex, ex->uses) ||
      !fuse_divisibility(ex, ex->uses) || !fuse_filter_masks(ex, ex->uses))
    goto nomem;
  fuse_filter_sum(ex);
  return PLEAT_OK;
nomem:
  pleat__exec_close(ex);
  pleat__res_fail(res, PLEAT_E_NOMEM, -1, "out of memory");
  return PLEAT_E_NOMEM;
}

/* Leaf L through segment 0 (as far as the pass goes), the reducers too
   unless this is a summary pass.  False when the fold failed. */
static bool run_leaf(pleat__exec *ex, uint64_t L) {
  pleat__seg *seg0 = &ex->segs[0];
  uint64_t lb = L * PLEAT_LEAF;
  uint64_t le = lb + PLEAT_LEAF < ex->n ? lb + PLEAT_LEAF : ex->n;
  stage_leaf_begin(ex);
  if (!ex->summary) pleat__reduce_leaf_begin(ex);
  for (uint64_t b = lb; b < le && !ex->stop; b += CHUNK) {
    seg0->base = b;
    seg0->src = NULL;
    seg0->len = (uint32_t)(le - b < CHUNK ? le - b : CHUNK);
    seg0->dense = true;
    run_segment(ex, 0, seg0);
  }
  if (ex->failed) return false;
  stage_leaf_end(ex, L);
  if (!ex->summary) pleat__reduce_leaf_end(ex);
  return true;
}

/* A float scan's chain per leaf is strict, and one chain costs the op's
   latency per element.  So leaves go SCAN_LANES at a time: each first
   runs up to the scan only (as a summary pass does, its stage states
   saved and restored), the batch's running values are computed side by
   side, then each leaf runs whole, the scan reading its values.  What runs
   before the scan runs twice; the bits are the ones a leaf at a time gives.
   A trap or a stop in the first part ends the batch at that leaf, which
   then meets it again in the second. */
static void leaves_batched(pleat__exec *ex, uint64_t l0, uint64_t l1) {
  const pleat__ir *ir = ex->ir;
  bool summary = ex->summary;
  uint32_t upto = ex->upto;
  size_t stb = sizeof *ex->st * (ir->nins + 1);
  for (uint64_t L = l0; L < l1 && !ex->stop;) {
    uint64_t want = l1 - L < SCAN_LANES ? l1 - L : SCAN_LANES, nb = 0;
    memcpy(ex->batch_st, ex->st, stb);
    ex->summary = true;
    ex->upto = (uint32_t)ex->batch_scan;
    ex->batching = true;
    ex->ndefer = 0;
    while (nb < want) {
      run_leaf(ex, L + nb++);
      if (ex->stop) break;
    }
    ex->summary = summary;
    ex->upto = upto;
    ex->batching = false;
    ex->stop = false;
    memcpy(ex->st, ex->batch_st, stb);
    const pleat__ir_ins *in = &ir->ins[ex->batch_scan];
    void *a[SCAN_LANES];
    const uint8_t *m[SCAN_LANES];
    size_t len[SCAN_LANES];
    defer_views(ex, a, m, len);
    pleat__k_scan_prefixes(in->aux, in->type, a, m, len);
    ex->batch_ready = true;
    for (uint64_t q = 0; q < nb && !ex->stop; q++)
      if (!run_leaf(ex, L + q)) break;
    ex->batch_ready = false;
    ex->ndefer = 0;
    if (ex->failed) return;
    L += nb;
  }
}

/* Whether leaves_batched can run this pass: a batchable scan that this
   pass reaches, and the room for its batch. */
static bool can_batch(pleat__exec *ex) {
  if (ex->batch_scan < 0 || (ex->summary && (uint32_t)ex->batch_scan >= ex->upto)) return false;
  if (!ex->batch_st) {
    ex->batch_st = pleat__malloc(ex->al, pleat__mulsize(ex->ir->nins + 1, sizeof *ex->batch_st));
    if (!ex->batch_st) return false;
  }
  return defer_buf_get(ex);
}

void pleat__exec_leaves(pleat__exec *ex, uint64_t l0, uint64_t l1) {
  ex->leaf0 = l0;
  if (can_batch(ex)) {
    leaves_batched(ex, l0, l1);
    return;
  }
  if (ex->summary && ex->upto < ex->ir->nins && scan_batchable(&ex->ir->ins[ex->upto]))
    (void)defer_buf_get(ex); /* the summary of a float scan: 8 leaves at a time */
  for (uint64_t L = l0; L < l1 && !ex->stop; L++)
    if (!run_leaf(ex, L)) break;
  scan_flush(ex);
}

pleat_status pleat__exec_seq(const pleat_plan *plan, const pleat_column *cols,
                             uint64_t n, pleat_result *res) {
  pleat__exec ex;
  const pleat__ir *ir = &plan->ir;
  pleat_status st = pleat__exec_open(&ex, ir, cols, n, res, (pleat__scratch *)&plan->scratch);
  if (st != PLEAT_OK) return st;
  ex.st = pleat__calloc(ex.al, ir->nins + 1, sizeof(pleat__stage));
  if (!ex.st) {
    pleat__exec_close(&ex);
    pleat__res_fail(res, PLEAT_E_NOMEM, -1, "out of memory");
    return PLEAT_E_NOMEM;
  }
  pleat__stage_init(ir, ex.st);
  st = pleat__reduce_init(&ex);
  if (st == PLEAT_OK) {
    uint64_t leaves = n / PLEAT_LEAF + (n % PLEAT_LEAF != 0);
    pleat__exec_leaves(&ex, 0, leaves);
    if (!ex.failed) st = pleat__reduce_finish(&ex);
    else st = res->status;
  }
  pleat__reduce_free(&ex);
  pleat__free(ex.al, ex.st);
  pleat__exec_close(&ex);
  return st;
}
