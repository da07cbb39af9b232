/*
** reduce.c -- the reducers of a sequential run.
**
** Float sum/prod (and reduce(+)/reduce(*), reduce with a lambda, mean/var/std)
** use the fixed tree of ir.h: 32 lanes per leaf by source index, lanes
** combined pairwise, leaves combined pairwise by a binary counter.  Every
** other reducer is order-independent (wrapping integers, IEEE 754-2019
** min/max, first-index ties), so it keeps one running state.
**
** min/max compare floats through order-preserving integer keys (-0 < +0
** falls out of the key order) plus a NaN flag: the loops vectorise, and the
** result does not depend on the order elements are seen.
**
** group keeps one generic scalar state per bin: within a leaf each bin folds
** its elements in stream order; leaf partials combine pairwise (sparse:
** only the bins a leaf touched).  group(key, bins, sum | count) over a
** few bins keeps plain typed arrays instead (dense_kind): the same
** operations in the same order, with merges that are one vector loop.
*/
#include <math.h>
#include <stdio.h>

#include "ast.h"
#include "exec_int.h"
#include "compact_x86.h"
#include "fold_kernels.h"
#include "plan_int.h"
#include "recycle.h"

#define NLEVEL 64

/* Generic scalar state: every reducer's running value fits in it. */
typedef struct gstate {
  int64_t n;      /* elements folded */
  pleat__imm a;   /* sum/prod/acc; min key; mean; first value; K */
  pleat__imm b;   /* max key */
  double m2;      /* var: sum of squared deviations */
  int64_t idx;    /* argmin/argmax/find_first index */
  uint8_t flag;   /* NaN seen; any/all decided; found */
  int64_t trap;   /* a lambda divided by zero: at this source index, or -1
                     while combining partials; NO_TRAP: none */
} gstate;

#define NO_TRAP INT64_MIN

typedef struct glevel {
  gstate *s;          /* per-bin states (NULL for a dense group) */
  void *d;            /* dense group: bins float / double / int64 values */
  pleat__imm *tup;    /* first/last of a tuple: the fields, bins * nin (else NULL) */
  uint32_t *touched;
  uint64_t ntouched;
  uint8_t *mark;
  int lvl;
} glevel;

typedef struct pleat__redrt {
  const pleat__ir_red *r;
  bool done;
  bool tree;          /* uses lanes + the leaf tree */
  gstate g;           /* running state (order-independent kinds) */
  /* lanes of the current leaf */
  pleat__imm lane[PLEAT_LANES];
  float lane_f[PLEAT_LANES];
  double lane_d[PLEAT_LANES];
  double s2[PLEAT_LANES];
  int64_t leaf_n;
  bool k_set;
  double K;
  /* leaf tree: stack of partial states with their levels */
  gstate stv[NLEVEL];
  uint8_t stl[NLEVEL];
  int sn;
  /* first/last of tuples */
  pleat__imm fv[PLEAT_MAX_TUPLE];
  /* collect */
  void *cb[PLEAT_MAX_TUPLE];
  size_t cbytes[PLEAT_MAX_TUPLE]; /* each buffer's allocated size */
  int64_t *csrc;      /* foldl in a parallel block: each kept input's index */
  uint64_t clen, ccap;
  bool cext;          /* cb points into another state's buffers (collect_into) */
  /* group */
  const pleat__ir_red *sub;
  bool gtree;
  uint8_t dense;      /* a dense group's value type (f32, f64, i64), else 0 */
  glevel leaf;        /* per-bin states of the current leaf (tree) or all */
  glevel spare;       /* an emptied level, reused as the next leaf's */
  glevel lv[NLEVEL];
  int nlv;
} pleat__redrt;

static bool is_flt(int t) { return t == PLEAT_F32 || t == PLEAT_F64; }

/* A sum or count per bin needs only its running value: an empty bin's
   value (+0, 0) is the sum's own start, and a float sum that starts at +0
   is never -0, so adding an empty partial changes nothing.  Past this many
   bins a leaf touches a small part of them and the sparse lists win. */
#define DENSE_MAX_BINS 8192

/* The type of a dense group's per-bin values (its sub-reducer's running
   value: an i32 sum and a count run in i64), or 0 for the sparse states. */
static uint8_t dense_kind(const pleat__ir_red *g, const pleat__ir_red *sub) {
  if (g->bins > DENSE_MAX_BINS) return 0;
  if (sub->kind == RED_COUNT) return sub->pred < 0 ? PLEAT_I64 : 0;
  if (sub->kind != RED_SUM) return 0;
  switch (sub->in_type) {
    case PLEAT_F32: return PLEAT_F32;
    case PLEAT_F64: return PLEAT_F64;
    case PLEAT_I32: case PLEAT_I64: return PLEAT_I64;
  }
  return 0;
}

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

/* A group's key j: an i32 key stays i32 (the checker does not widen it),
   which spares a conversion pass per chunk. */
static inline int64_t key_at(const void *key, bool k32, size_t j) {
  return k32 ? ((const int32_t *)key)[j] : ((const int64_t *)key)[j];
}

static inline bool key32(const pleat__exec *ex, const pleat__ir_red *r) {
  return ex->ir->ins[r->key].type == PLEAT_I32;
}

static inline int64_t src_of(const pleat__seg *sg, size_t j) {
  return sg->src ? sg->src[j] : (int64_t)(sg->base + j);
}

/* Order-preserving integer key of a value: -0 < +0, -inf < ... < +inf. */
static inline int64_t key_of(int t, pleat__imm v) {
  if (t == PLEAT_F64) {
    int64_t b;
    memcpy(&b, &v.f, 8);
    return b ^ ((b >> 63) & INT64_MAX);
  }
  if (t == PLEAT_F32) {
    float f = (float)v.f;
    int32_t b;
    memcpy(&b, &f, 4);
    return (int64_t)(b ^ ((b >> 31) & INT32_MAX));
  }
  return v.i;
}

static inline pleat__imm val_of_key(int t, int64_t k) {
  pleat__imm v;
  if (t == PLEAT_F64) {
    int64_t b = k ^ ((k >> 63) & INT64_MAX);
    memcpy(&v.f, &b, 8);
  } else if (t == PLEAT_F32) {
    int32_t b = (int32_t)k;
    b = b ^ ((b >> 31) & INT32_MAX);
    float f;
    memcpy(&f, &b, 4);
    v.f = f;
  } else {
    v.i = k;
  }
  return v;
}

static inline bool isnan_imm(int t, pleat__imm v) { return is_flt(t) && v.f != v.f; }

/* Float op in the element's own precision (f32 through f64 and back is the
   correctly rounded f32 result: 53 >= 2*24 + 2). */
static inline double fop(int op, int t, double a, double b) {
  double r = op == AOP_MUL ? a * b : a + b;
  return t == PLEAT_F32 ? (double)(float)r : r;
}

/* ---- generic scalar states (group, and the final conversion) ------------- */

static gstate g_empty(const pleat__ir_red *r) {
  gstate g;
  memset(&g, 0, sizeof g);
  int t = r->in_type;
  switch (r->kind) {
    case RED_SUM: if (is_flt(t)) g.a.f = 0.0; break;
    case RED_PROD: if (is_flt(t)) g.a.f = 1.0; else g.a.i = 1; break;
    case RED_MIN: case RED_MAX: case RED_MINMAX: g.a.i = INT64_MAX; g.b.i = INT64_MIN; break;
    case RED_ALL: g.flag = 1; break;
    case RED_REDUCE:
    case RED_FOLDL:
      if (r->has_init) g.a = r->init;
      break;
  }
  g.idx = -1;
  g.trap = NO_TRAP;
  return g;
}

/* A reduce/foldl lambda (of r, or of a group's inner reducer) divided by
   zero: the run fails at that element, or at -1 when combining partials. */
static void lambda_fail(pleat__exec *ex, const pleat__ir_red *r, int64_t at) {
  const char *t = ex->ir->text;
  int len = (int)(r->src_len > 80 ? 80 : r->src_len);
  bool txt = t && r->src_len && r->src_off + r->src_len <= ex->ir->text_len;
  if (at >= 0)
    pleat__res_fail(ex->res, PLEAT_E_DOMAIN, at, "integer division by zero in the lambda of '%.*s' at index %lld",
                    txt ? len : 6, txt ? t + r->src_off : "reduce", (long long)at);
  else
    pleat__res_fail(ex->res, PLEAT_E_DOMAIN, -1,
                    "integer division by zero in the lambda of '%.*s' combining partial results",
                    txt ? len : 6, txt ? t + r->src_off : "reduce");
  ex->failed = ex->stop = true;
}

/* op(a, b) of a reduce/foldl, noting a lambda's division by zero in *g
   (at index i; -1 while combining partials). */
static pleat__imm red_step(const pleat__ir_red *r, gstate *g, pleat__imm a, pleat__imm b,
                           int64_t i) {
  if (r->op != 0xff) return pleat__apply_op(r->op, r->in_type, a, b);
  bool trapped = false;
  pleat__imm v = pleat__apply_lambda(&r->lam, r->in_type, a, b, &trapped);
  if (trapped && g->trap == NO_TRAP) g->trap = i;
  return v;
}

static void g_update(const pleat__ir_red *r, gstate *g, pleat__imm x, int64_t i) {
  int t = r->in_type;
  switch (r->kind) {
    case RED_SUM:
      if (is_flt(t)) g->a.f = fop(AOP_ADD, t, g->a.f, x.f);
      else g->a.i = (int64_t)((uint64_t)g->a.i + (uint64_t)x.i);
      break;
    case RED_PROD:
      if (is_flt(t)) g->a.f = fop(AOP_MUL, t, g->a.f, x.f);
      else g->a.i = (int64_t)((uint64_t)g->a.i * (uint64_t)x.i);
      break;
    case RED_COUNT:
      break;
    case RED_MIN: case RED_MAX: case RED_MINMAX: {
      if (isnan_imm(t, x)) { g->flag = 1; break; }
      int64_t k = key_of(t, x);
      if (k < g->a.i) g->a.i = k;
      if (k > g->b.i) g->b.i = k;
      break;
    }
    case RED_MEAN: case RED_VAR: case RED_STD: {
      double v = is_flt(t) ? x.f : (double)x.i;
      if (!isfinite(v) || !isfinite(g->a.f)) {
        /* Welford's d = v - mean turns inf into NaN: an infinity (or NaN)
           decides the mean as a plain sum would, and leaves no variance */
        g->a.f = g->n ? g->a.f + v : v;
        if (g->n) g->m2 = NAN;
        break;
      }
      double d = v - g->a.f;
      g->a.f += d / (double)(g->n + 1);
      g->m2 += d * (v - g->a.f);
      break;
    }
    case RED_FIRST:
      if (g->n == 0) g->a = x;
      break;
    case RED_LAST:
      g->a = x;
      break;
    case RED_ARGMIN: case RED_ARGMAX: {
      int64_t k = isnan_imm(t, x) ? (r->kind == RED_ARGMIN ? INT64_MIN : INT64_MAX) : key_of(t, x);
      if (g->n == 0 || (r->kind == RED_ARGMIN ? k < g->a.i : k > g->a.i)) { g->a.i = k; g->idx = i; }
      break;
    }
    case RED_ANY: if (x.i) g->flag = 1; break;
    case RED_ALL: if (!x.i) g->flag = 0; break;
    case RED_FIND_FIRST: if (x.i && g->idx < 0) g->idx = i; break;
    case RED_REDUCE:
    case RED_FOLDL:
      if (g->n == 0 && !r->has_init) g->a = x;
      else g->a = red_step(r, g, g->a, x, i);
      break;
  }
  g->n++;
}

/* a := a then b (a covers earlier elements). */
static void g_merge(const pleat__ir_red *r, gstate *a, const gstate *b) {
  if (a->trap == NO_TRAP) a->trap = b->trap; /* also from an empty side */
  if (b->n == 0) return;
  if (a->n == 0) {
    int64_t t = a->trap;
    *a = *b;
    a->trap = t;
    return;
  }
  int t = r->in_type;
  switch (r->kind) {
    case RED_SUM:
      if (is_flt(t)) a->a.f = fop(AOP_ADD, t, a->a.f, b->a.f);
      else a->a.i = (int64_t)((uint64_t)a->a.i + (uint64_t)b->a.i);
      break;
    case RED_PROD:
      if (is_flt(t)) a->a.f = fop(AOP_MUL, t, a->a.f, b->a.f);
      else a->a.i = (int64_t)((uint64_t)a->a.i * (uint64_t)b->a.i);
      break;
    case RED_MIN: case RED_MAX: case RED_MINMAX:
      if (b->a.i < a->a.i) a->a.i = b->a.i;
      if (b->b.i > a->b.i) a->b.i = b->b.i;
      a->flag |= b->flag;
      break;
    case RED_MEAN: case RED_VAR: case RED_STD: {
      /* Chan et al.: the pairwise update of (n, mean, M2) */
      if (!isfinite(a->a.f) || !isfinite(b->a.f)) { /* as in g_update */
        a->a.f += b->a.f;
        a->m2 = NAN;
        break;
      }
      double na = (double)a->n, nb = (double)b->n, nn = na + nb;
      double d = b->a.f - a->a.f;
      a->a.f = a->a.f + d * (nb / nn);
      a->m2 = a->m2 + b->m2 + d * d * (na * nb / nn);
      break;
    }
    case RED_FIRST: break;
    case RED_LAST: a->a = b->a; break;
    case RED_ARGMIN:
      if (b->a.i < a->a.i) { a->a = b->a; a->idx = b->idx; }
      break;
    case RED_ARGMAX:
      if (b->a.i > a->a.i) { a->a = b->a; a->idx = b->idx; }
      break;
    case RED_ANY: a->flag |= b->flag; break;
    case RED_ALL: a->flag &= b->flag; break;
    case RED_FIND_FIRST: if (a->idx < 0) a->idx = b->idx; break;
    case RED_REDUCE:
      a->a = red_step(r, a, a->a, b->a, -1);
      break;
  }
  a->n += b->n;
}

static void scalar_value(pleat_value *v, int t, pleat__imm x) {
  v->dtype = (pleat_dtype)t;
  if (t == PLEAT_BOOL) { v->kind = PLEAT_VALUE_BOOL; v->as.b = x.i != 0; }
  else if (is_flt(t)) { v->kind = PLEAT_VALUE_FLOAT; v->as.f = t == PLEAT_F32 ? (double)(float)x.f : x.f; }
  else { v->kind = PLEAT_VALUE_INT; v->as.i = t == PLEAT_I32 ? (int32_t)x.i : x.i; }
}

static void null_value(pleat_value *v) {
  memset(v, 0, sizeof *v);
  v->kind = PLEAT_VALUE_NULL;
}

static void int64_value(pleat_value *v, int64_t i) {
  pleat__imm x;
  x.i = i;
  scalar_value(v, PLEAT_I64, x);
}

static pleat__imm nan_imm(void) {
  pleat__imm x;
  x.f = NAN;
  return x;
}

/* Final value of a state. */
static bool g_final(pleat__exec *ex, const pleat__ir_red *r, const gstate *g, pleat_value *v) {
  int t = r->in_type;
  null_value(v);
  switch (r->kind) {
    case RED_SUM: case RED_PROD: {
      pleat__imm x = g->a;
      if (!is_flt(t) && r->kind == RED_SUM && g->n == 0) x.i = 0;
      if (!is_flt(t) && r->kind == RED_PROD && g->n == 0) x.i = 1;
      scalar_value(v, r->out_type, x);
      return true;
    }
    case RED_COUNT: int64_value(v, g->n); return true;
    case RED_MIN: case RED_MAX: case RED_MINMAX: {
      if (g->n == 0) return true;
      pleat__imm mn = g->flag ? nan_imm() : val_of_key(t, g->a.i);
      pleat__imm mx = g->flag ? nan_imm() : val_of_key(t, g->b.i);
      if (r->kind == RED_MINMAX) {
        pleat_value *items = pleat__res_alloc(ex->res, 2 * sizeof *items);
        if (!items) return false;
        scalar_value(&items[0], t, mn);
        scalar_value(&items[1], t, mx);
        v->kind = PLEAT_VALUE_ARRAY;
        v->len = 2;
        v->items = items;
      } else {
        scalar_value(v, t, r->kind == RED_MIN ? mn : mx);
      }
      return true;
    }
    case RED_MEAN: case RED_VAR: case RED_STD: {
      pleat__imm x;
      if (r->kind == RED_MEAN) {
        if (g->n == 0) return true;
        x.f = g->a.f;
      } else {
        if (g->n < 2) return true;
        double m2 = g->m2 < 0 ? 0 : g->m2;
        x.f = m2 / (double)(g->n - 1);
        if (r->kind == RED_STD) x.f = sqrt(x.f);
      }
      scalar_value(v, r->out_type, x);
      return true;
    }
    case RED_FIRST: case RED_LAST:
      if (g->n) scalar_value(v, t, g->a);
      return true;
    case RED_ARGMIN: case RED_ARGMAX: case RED_FIND_FIRST:
      if (g->idx >= 0) int64_value(v, g->idx);
      return true;
    case RED_ANY: case RED_ALL: {
      pleat__imm x;
      x.i = g->flag;
      scalar_value(v, PLEAT_BOOL, x);
      return true;
    }
    case RED_REDUCE: case RED_FOLDL:
      if (g->n || r->has_init) scalar_value(v, t, g->a);
      return true;
  }
  return true;
}

/* ---- set up -------------------------------------------------------------------- */

static bool needs_tree(const pleat__ir_red *r) {
  int t = r->in_type;
  switch (r->kind) {
    case RED_SUM: case RED_PROD: return is_flt(t);
    case RED_MEAN: case RED_VAR: case RED_STD: return true;
    case RED_REDUCE: return r->op == 0xff || (is_flt(t) && (r->op == AOP_ADD || r->op == AOP_MUL));
  }
  return false;
}

static bool level_alloc(pleat__exec *ex, const pleat__redrt *rr, glevel *l, uint64_t bins) {
  memset(l, 0, sizeof *l);
  if (rr->dense) { /* all bits zero: +0.0 and 0, every bin empty */
    l->d = pleat__calloc(ex->al, bins, pleat_dtype_size(rr->dense));
    return l->d != NULL;
  }
  l->s = pleat__calloc(ex->al, bins, sizeof(gstate));
  l->touched = pleat__malloc(ex->al, pleat__mulsize(bins, sizeof(uint32_t)));
  l->mark = pleat__calloc(ex->al, bins, 1);
  l->ntouched = 0;
  return l->s && l->touched && l->mark;
}

/* A group's first/last over a tuple (its fields live in glevel.tup). */
static bool tuple_pick(const pleat__ir_red *sub) {
  return (sub->kind == RED_FIRST || sub->kind == RED_LAST) && sub->nin > 1;
}

static void level_free(pleat__exec *ex, glevel *l) {
  pleat__free(ex->al, l->tup);
  pleat__free(ex->al, l->d);
  pleat__free(ex->al, l->s);
  pleat__free(ex->al, l->touched);
  pleat__free(ex->al, l->mark);
  memset(l, 0, sizeof *l);
}

static void lanes_reset(pleat__redrt *rr) {
  const pleat__ir_red *r = rr->r;
  int t = r->in_type;
  pleat__imm id;
  id.i = 0;
  if (r->kind == RED_PROD || (r->kind == RED_REDUCE && r->op == AOP_MUL)) id.f = 1.0;
  if (r->kind == RED_REDUCE && r->has_init) id = r->init;
  /* only the lanes the kind folds into: this runs once per leaf */
  bool sum = (r->kind == RED_SUM || r->kind == RED_PROD) && is_flt(t);
  bool moments = r->kind == RED_MEAN || r->kind == RED_VAR || r->kind == RED_STD;
  if (!sum && !moments)
    for (int l = 0; l < PLEAT_LANES; l++) rr->lane[l] = id;
  if (!moments && t != PLEAT_F64)
    for (int l = 0; l < PLEAT_LANES; l++) rr->lane_f[l] = (float)id.f;
  if (moments || t != PLEAT_F32)
    for (int l = 0; l < PLEAT_LANES; l++) rr->lane_d[l] = id.f;
  if (moments)
    for (int l = 0; l < PLEAT_LANES; l++) rr->s2[l] = 0;
  rr->leaf_n = 0;
  rr->k_set = false;
}

pleat_status pleat__reduce_init(pleat__exec *ex) {
  const pleat__ir *ir = ex->ir;
  ex->rr = pleat__calloc(ex->al, ir->nred, sizeof(pleat__redrt));
  if (!ex->rr) goto nomem;
  for (uint32_t k = 0; k < ir->nred; k++) {
    pleat__redrt *rr = &ex->rr[k];
    rr->r = &ir->red[k];
    rr->g = g_empty(rr->r);
    rr->tree = needs_tree(rr->r);
    if (rr->r->kind == RED_GROUP) {
      rr->sub = &ir->red[rr->r->sub];
      rr->gtree = needs_tree(rr->sub);
      rr->dense = dense_kind(rr->r, rr->sub);
      if (!level_alloc(ex, rr, &rr->leaf, (uint64_t)rr->r->bins)) goto nomem;
      if (rr->dense) continue;
      if (tuple_pick(rr->sub)) {
        /* first/last of a tuple keep every field per bin (order-independent
           kinds: rr->leaf is the only level) */
        rr->leaf.tup = pleat__calloc(ex->al, (size_t)rr->r->bins,
                                     pleat__mulsize(rr->sub->nin, sizeof(pleat__imm)));
        if (!rr->leaf.tup) goto nomem;
      }
      gstate e = g_empty(rr->sub);
      for (int64_t b = 0; b < rr->r->bins; b++) rr->leaf.s[b] = e;
    }
  }
  return PLEAT_OK;
nomem:
  pleat__res_fail(ex->res, PLEAT_E_NOMEM, -1, "out of memory setting up the reducers");
  return PLEAT_E_NOMEM;
}

void pleat__reduce_free(pleat__exec *ex) {
  if (!ex->rr) return;
  for (uint32_t k = 0; k < ex->ir->nred; k++) {
    pleat__redrt *rr = &ex->rr[k];
    if (!rr->cext)
      for (int f = 0; f < PLEAT_MAX_TUPLE; f++)
        pleat__recycle_give(ex->res ? ex->res->rc : NULL, ex->al, rr->cb[f], rr->cbytes[f]);
    pleat__free(ex->al, rr->csrc);
    level_free(ex, &rr->leaf);
    level_free(ex, &rr->spare);
    for (int l = 0; l < rr->nlv; l++) level_free(ex, &rr->lv[l]);
  }
  pleat__free(ex->al, ex->rr);
  ex->rr = NULL;
}

void pleat__reduce_leaf_begin(pleat__exec *ex) {
  for (uint32_t k = 0; k < ex->ir->nred; k++)
    if (ex->rr[k].tree) lanes_reset(&ex->rr[k]);
}

/* ---- the leaf tree ----------------------------------------------------------------- */

static void tree_push(pleat__redrt *rr, gstate v) {
  uint8_t lvl = 0;
  while (rr->sn > 0 && rr->stl[rr->sn - 1] == lvl) {
    gstate left = rr->stv[--rr->sn];
    g_merge(rr->r, &left, &v);
    v = left;
    lvl++;
  }
  rr->stv[rr->sn] = v;
  rr->stl[rr->sn++] = lvl;
}

static gstate tree_final(pleat__redrt *rr) {
  if (rr->sn == 0) return rr->g;
  gstate s = rr->stv[rr->sn - 1];
  for (int k = rr->sn - 2; k >= 0; k--) {
    gstate left = rr->stv[k];
    g_merge(rr->r, &left, &s);
    s = left;
  }
  return s;
}

/* Pairwise over the 32 lanes: lane[j] op= lane[j + s] for s = 16 .. 1. */
void pleat__reduce_mean_leaf(double K, double s1, double s2, int64_t n, double *mean, double *m2) {
  double nn = (double)n;
  *mean = K + s1 / nn;
  *m2 = s2 - s1 * s1 / nn;
  if (*m2 < 0) *m2 = 0;
}

static gstate lanes_final(pleat__redrt *rr) {
  const pleat__ir_red *r = rr->r;
  int t = r->in_type;
  gstate g = g_empty(r);
  g.n = rr->leaf_n;
  switch (r->kind) {
    case RED_MEAN: case RED_VAR: case RED_STD: {
      double s1[PLEAT_LANES], s2[PLEAT_LANES];
      memcpy(s1, rr->lane_d, sizeof s1);
      memcpy(s2, rr->s2, sizeof s2);
      for (int s = PLEAT_LANES / 2; s; s >>= 1)
        for (int j = 0; j < s; j++) { s1[j] += s1[j + s]; s2[j] += s2[j + s]; }
      if (rr->leaf_n) pleat__reduce_mean_leaf(rr->K, s1[0], s2[0], rr->leaf_n, &g.a.f, &g.m2);
      return g;
    }
    case RED_SUM: case RED_PROD:
      if (t == PLEAT_F32) {
        float l[PLEAT_LANES];
        memcpy(l, rr->lane_f, sizeof l);
        for (int s = PLEAT_LANES / 2; s; s >>= 1)
          for (int j = 0; j < s; j++) l[j] = r->kind == RED_SUM ? l[j] + l[j + s] : l[j] * l[j + s];
        g.a.f = l[0];
      } else {
        double l[PLEAT_LANES];
        memcpy(l, rr->lane_d, sizeof l);
        for (int s = PLEAT_LANES / 2; s; s >>= 1)
          for (int j = 0; j < s; j++) l[j] = r->kind == RED_SUM ? l[j] + l[j + s] : l[j] * l[j + s];
        g.a.f = l[0];
      }
      return g;
    default: { /* reduce: builtin float op or lambda */
      pleat__imm l[PLEAT_LANES];
      memcpy(l, rr->lane, sizeof l);
      for (int s = PLEAT_LANES / 2; s; s >>= 1)
        for (int j = 0; j < s; j++) l[j] = red_step(r, &g, l[j], l[j + s], -1);
      g.a = l[0];
      return g;
    }
  }
}

/* ---- group -------------------------------------------------------------------------- */

/* a[j] += b[j] (in the values' own precision), then b empty again. */
static void dense_merge(uint8_t kind, void *a, void *b, size_t bins) {
  if (kind == PLEAT_F32) {
    float *x = a, *y = b;
    for (size_t j = 0; j < bins; j++) x[j] += y[j];
  } else if (kind == PLEAT_F64) {
    double *x = a, *y = b;
    for (size_t j = 0; j < bins; j++) x[j] += y[j];
  } else {
    uint64_t *x = a, *y = b; /* wrapping, as every integer sum */
    for (size_t j = 0; j < bins; j++) x[j] += y[j];
  }
  memset(b, 0, bins * pleat_dtype_size(kind));
}

/* Merges b's bins into a; returns a lambda's trap in the merged bins, or
   NO_TRAP. */
static int64_t glevel_merge(pleat__redrt *rr, glevel *a, glevel *b) {
  if (rr->dense) {
    dense_merge(rr->dense, a->d, b->d, (size_t)rr->r->bins);
    return NO_TRAP;
  }
  int w = rr->sub->nin;
  int64_t trap = NO_TRAP;
  const gstate e = g_empty(rr->sub);
  int t = rr->sub->in_type;
  if (rr->sub->kind == RED_SUM && is_flt(t)) {
    /* float sums, the common case: g_merge's rule without its dispatch */
    for (uint64_t q = 0; q < b->ntouched; q++) {
      uint32_t bin = b->touched[q];
      gstate *x = &a->s[bin], *y = &b->s[bin];
      if (y->n) {
        if (!x->n) *x = *y;
        else {
          x->a.f = t == PLEAT_F32 ? (double)((float)x->a.f + (float)y->a.f) : x->a.f + y->a.f;
          x->n += y->n;
        }
      }
      if (!a->mark[bin]) { a->mark[bin] = 1; a->touched[a->ntouched++] = bin; }
      *y = e;
      b->mark[bin] = 0;
    }
    b->ntouched = 0;
    return trap;
  }
  for (uint64_t q = 0; q < b->ntouched; q++) {
    uint32_t bin = b->touched[q];
    if (a->tup && b->tup && b->s[bin].n &&
        (rr->sub->kind == RED_LAST || a->s[bin].n == 0))
      memcpy(&a->tup[(size_t)bin * w], &b->tup[(size_t)bin * w], sizeof *a->tup * w);
    g_merge(rr->sub, &a->s[bin], &b->s[bin]);
    if (trap == NO_TRAP) trap = a->s[bin].trap;
    if (!a->mark[bin]) { a->mark[bin] = 1; a->touched[a->ntouched++] = bin; }
    b->s[bin] = e;
    b->mark[bin] = 0;
  }
  b->ntouched = 0;
  return trap;
}

static bool group_leaf_end(pleat__exec *ex, pleat__redrt *rr) {
  if (!rr->gtree) return true; /* order-independent: rr->leaf is the total */
  uint64_t bins = (uint64_t)rr->r->bins;
  /* push the leaf's partial: merge equal levels (binary counter) */
  glevel fresh;
  if (rr->spare.s || rr->spare.d) {
    /* a level emptied by an earlier merge: every bin is already empty */
    fresh = rr->spare;
    memset(&rr->spare, 0, sizeof rr->spare);
  } else {
    if (!level_alloc(ex, rr, &fresh, bins)) {
      level_free(ex, &fresh); /* rr->leaf stays owned by rr */
      return false;
    }
    if (!rr->dense) {
      gstate e = g_empty(rr->sub);
      for (uint64_t b = 0; b < bins; b++) fresh.s[b] = e;
    }
  }
  glevel cur = rr->leaf;
  rr->leaf = fresh;
  int lvl = 0;
  int64_t trap = NO_TRAP;
  while (rr->nlv > 0 && rr->lv[rr->nlv - 1].lvl == lvl) {
    glevel *left = &rr->lv[rr->nlv - 1];
    int64_t t = glevel_merge(rr, left, &cur);
    if (trap == NO_TRAP) trap = t;
    /* glevel_merge left cur empty: keep it for the next leaf */
    if (!rr->spare.s && !rr->spare.d) rr->spare = cur;
    else level_free(ex, &cur);
    cur = *left;
    rr->nlv--;
    lvl++;
  }
  cur.lvl = lvl;
  rr->lv[rr->nlv++] = cur;
  if (trap != NO_TRAP) lambda_fail(ex, rr->sub, trap);
  return true;
}

static bool group_final(pleat__exec *ex, pleat__redrt *rr, pleat_value *v) {
  glevel *tot = &rr->leaf;
  if (rr->gtree && rr->nlv > 0) {
    /* fold the stack from the top: s = lv[k] then s */
    for (int k = rr->nlv - 2; k >= 0; k--) {
      int64_t trap = glevel_merge(rr, &rr->lv[k], &rr->lv[k + 1]);
      if (trap != NO_TRAP) {
        lambda_fail(ex, rr->sub, trap);
        return false;
      }
    }
    tot = &rr->lv[0];
  }
  uint64_t bins = (uint64_t)rr->r->bins;
  pleat_value *items = pleat__res_alloc(ex->res, pleat__mulsize(bins, sizeof *items));
  if (!items) return false;
  const pleat__ir_red *sub = rr->sub;
  for (uint64_t b = 0; b < bins && rr->dense; b++)
    scalar_value(&items[b], sub->kind == RED_COUNT ? PLEAT_I64 : sub->out_type,
                 imm_at(rr->dense, tot->d, (size_t)b));
  for (uint64_t b = 0; b < bins && !rr->dense; b++) {
    if (tot->tup) {
      null_value(&items[b]);
      if (!tot->s[b].n) continue;
      pleat_value *f = pleat__res_alloc(ex->res, sizeof *f * sub->nin);
      if (!f) return false;
      for (int q = 0; q < sub->nin; q++)
        scalar_value(&f[q], ex->ir->ins[sub->in[q]].type, tot->tup[b * sub->nin + (uint64_t)q]);
      items[b].kind = PLEAT_VALUE_ARRAY;
      items[b].len = sub->nin;
      items[b].items = f;
      continue;
    }
    if (!g_final(ex, sub, &tot->s[b], &items[b])) return false;
  }
  v->kind = PLEAT_VALUE_ARRAY;
  v->len = bins;
  v->items = items;
  return true;
}

/* ---- chunks --------------------------------------------------------------------------- */

void pleat__reduce_check_keys(pleat__exec *ex, pleat__seg *sg) {
  for (uint32_t k = 0; k < ex->ir->nred; k++) {
    const pleat__ir_red *r = &ex->ir->red[k];
    if (r->kind != RED_GROUP) continue;
    const void *key = ex->val[r->key];
    bool k32 = key32(ex, r);
    if (pleat__k_keys_ok(key, k32, sg->dense ? NULL : sg->mask, sg->len, (uint64_t)r->bins)) continue;
    for (size_t j = 0; j < sg->len; j++) {
      int64_t kj = key_at(key, k32, j);
      if ((!sg->dense && !sg->mask[j]) || (kj >= 0 && kj < r->bins)) continue;
      if (ex->trap_pos < 0 || (int64_t)j < ex->trap_pos) {
        ex->trap_pos = (int64_t)j;
        ex->trap_ins = k;
        ex->trap_kind = TRAP_KEY;
        snprintf(ex->trap_extra, sizeof ex->trap_extra, " (key %lld, bins %lld)",
                 (long long)kj, (long long)r->bins);
      }
      break;
    }
  }
}

/* Room for `need` elements in the collect buffers (capacity doubles). */
static bool buf_reserve(pleat__exec *ex, pleat__redrt *rr, uint64_t need) {
  const pleat__ir_red *r = rr->r;
  if (need <= rr->ccap) return true;
  uint64_t cap = rr->ccap ? rr->ccap : 1024;
  while (cap < need) cap *= 2;
  uint64_t room = UINT64_MAX; /* what every field's buffer holds */
  for (int f = 0; f < r->nin; f++) {
    size_t es = pleat_dtype_size(ex->ir->ins[r->in[f]].type);
    size_t bytes = pleat__mulsize((size_t)cap, es), got = 0;
    /* a big buffer: one the context kept from an earlier result, if any */
    void *p = pleat__recycle_take(ex->res ? ex->res->rc : NULL, bytes, &got);
    if (p) {
      if (rr->clen) memcpy(p, rr->cb[f], (size_t)rr->clen * es);
      pleat__free(ex->al, rr->cb[f]);
    } else {
      p = pleat__realloc(ex->al, rr->cb[f], bytes);
      if (!p) return false;
      got = bytes;
    }
    rr->cb[f] = p;
    rr->cbytes[f] = got;
    if (got / es < room) room = got / es;
  }
  if (room > cap) cap = room;
  if (r->kind == RED_FOLDL) {
    void *p = pleat__realloc(ex->al, rr->csrc, pleat__mulsize((size_t)cap, sizeof *rr->csrc));
    if (!p) return false;
    rr->csrc = p;
  }
  rr->ccap = cap;
  return true;
}

/* Into a region sized by the count pass: only the kept elements are
   stored (the next block's region starts right after). */
static bool collect_push_exact(pleat__exec *ex, pleat__redrt *rr, pleat__seg *sg) {
  const pleat__ir_red *r = rr->r;
  size_t len = sg->len;
  const uint8_t *m = sg->dense ? NULL : sg->mask;
  uint64_t kept = m ? (uint64_t)pleat__k_count(m, NULL, len) : len;
  if (rr->clen + kept > rr->ccap) {
    pleat__res_fail(ex->res, PLEAT_E_INTERNAL, -1,
                    "parallel collect: a block kept more elements than its count pass");
    ex->failed = ex->stop = true;
    return true;
  }
  for (int f = 0; f < r->nin; f++) {
    size_t es = pleat_dtype_size(ex->ir->ins[r->in[f]].type);
    char *dst = (char *)rr->cb[f] + rr->clen * es;
    const char *v = ex->val[r->in[f]];
    bool done = false;
    if (rr->clen + len <= rr->ccap) {
      pleat__k_compact(es, dst, v, m, len);
      continue;
    }
#if PLEAT_COMPACT_X86
    if (m) pleat__compact_x86(es, dst, v, m, len, &done); /* exact: nothing past its end */
#endif
    if (!done) {
      for (size_t j = 0; j < len; j++)
        if (!m || m[j]) { memcpy(dst, v + j * es, es); dst += es; }
    }
  }
  rr->clen += kept;
  return true;
}

static bool collect_push(pleat__exec *ex, pleat__redrt *rr, pleat__seg *sg) {
  const pleat__ir_red *r = rr->r;
  if (rr->cext) return collect_push_exact(ex, rr, sg);
  size_t len = sg->len;
  const uint8_t *m = sg->dense ? NULL : sg->mask;
  /* room for the whole chunk: the compaction stores every element and
     advances only past the live ones */
  if (!buf_reserve(ex, rr, rr->clen + len)) return false;
  size_t kept = 0;
  for (int f = 0; f < r->nin; f++) {
    size_t es = pleat_dtype_size(ex->ir->ins[r->in[f]].type);
    kept = pleat__k_compact(es, (char *)rr->cb[f] + rr->clen * es, ex->val[r->in[f]], m, len);
  }
  if (rr->csrc) {
    size_t q = rr->clen;
    for (size_t j = 0; j < len; j++)
      if (!m || m[j]) rr->csrc[q++] = src_of(sg, j);
    kept = q - rr->clen;
  }
  if (r->nin == 0 && !rr->csrc) kept = (size_t)pleat__k_count(m, NULL, len);
  rr->clen += kept;
  return true;
}

/* Fast paths (fold_kernels.c): float sums with lanes, counts, min/max
   through keys.  Segments after a flat_map carry source indices (src), so
   their lanes come from src and they take the scalar loops. */
/* The sum with its filter by comparison in the loop (exec.c
   fuse_filter_sum): segment 0, so no source indices. */
static void sum_cmp_lanes(pleat__redrt *rr, const pleat__exec *ex, const pleat__seg *sg) {
  const pleat__ir *ir = ex->ir;
  int32_t k = rr->r->in[0];
  const pleat__ir_ins *in = &ir->ins[k];
  const void *a = ex->val[k], *b = NULL;
  int op = 3;
  if (ex->fused && ex->fused[k] == FUSED_SKIP) {
    op = in->op == IR_MUL ? 2 : in->op == IR_SUB ? 1 : 0;
    a = ex->val[in->a];
    b = ex->val[in->b];
  }
  bool any;
  if (rr->r->in_type == PLEAT_F32)
    any = pleat__k_lanes_cmp_f32(rr->lane_f, a, b, op, ex->val[ex->cmp_value],
                                 ((const float *)ex->val[ex->cmp_const])[0], ex->cmp_code,
                                 !rr->leaf_n, sg->len);
  else
    any = pleat__k_lanes_cmp_f64(rr->lane_d, a, b, op, ex->val[ex->cmp_value],
                                 ((const double *)ex->val[ex->cmp_const])[0], ex->cmp_code,
                                 !rr->leaf_n, sg->len);
  if (any) rr->leaf_n = 1;
}

static void sum_lanes(pleat__redrt *rr, const pleat__exec *ex, pleat__seg *sg) {
  const pleat__ir_red *r = rr->r;
  const uint8_t *m = sg->dense ? NULL : sg->mask; /* NULL: every element live */
  size_t len = sg->len;
  bool mul = r->kind == RED_PROD;
  if (ex->cmp_filter >= 0) {
    sum_cmp_lanes(rr, ex, sg);
    return;
  }
  /* A float sum's count only says whether the leaf was empty (g_merge
     skips an empty side; g_final ignores it): no count pass per chunk. */
  if (!rr->leaf_n) rr->leaf_n = !m ? (len > 0) : pleat__k_find(NULL, m, 1, len) < len;
  int32_t k = r->in[0];
  if (ex->fused && ex->fused[k] == FUSED_SKIP) {
    /* the input is a op b, computed here (exec.c fuse_sums) */
    const pleat__ir_ins *in = &ex->ir->ins[k];
    int op = in->op == IR_MUL ? 2 : in->op == IR_SUB ? 1 : 0;
    const void *a = ex->val[in->a], *b = ex->val[in->b];
    if (r->in_type == PLEAT_F32) {
      const float *A = a, *B = b;
      if (!sg->src) pleat__k_lanes_op_f32(rr->lane_f, A, B, op, m, len);
      else
        for (size_t j = 0; j < len; j++)
          if (!m || m[j]) {
            float x = op == 2 ? A[j] * B[j] : op == 1 ? A[j] - B[j] : A[j] + B[j];
            rr->lane_f[sg->src[j] & 31] += x;
          }
    } else {
      const double *A = a, *B = b;
      if (!sg->src) pleat__k_lanes_op_f64(rr->lane_d, A, B, op, m, len);
      else
        for (size_t j = 0; j < len; j++)
          if (!m || m[j]) {
            double x = op == 2 ? A[j] * B[j] : op == 1 ? A[j] - B[j] : A[j] + B[j];
            rr->lane_d[sg->src[j] & 31] += x;
          }
    }
    return;
  }
  if (r->in_type == PLEAT_F32) {
    const float *v = ex->val[r->in[0]];
    float *ln = rr->lane_f;
    if (!sg->src) {
      pleat__k_lanes_f32(ln, v, m, len, mul);
    } else {
      for (size_t j = 0; j < len; j++)
        if (!m || m[j]) { int l = (int)(sg->src[j] & 31); ln[l] = mul ? ln[l] * v[j] : ln[l] + v[j]; }
    }
  } else {
    const double *v = ex->val[r->in[0]];
    double *ln = rr->lane_d;
    if (!sg->src) {
      pleat__k_lanes_f64(ln, v, m, len, mul);
    } else {
      for (size_t j = 0; j < len; j++)
        if (!m || m[j]) { int l = (int)(sg->src[j] & 31); ln[l] = mul ? ln[l] * v[j] : ln[l] + v[j]; }
    }
  }
}

static void minmax_keys(pleat__redrt *rr, const pleat__exec *ex, pleat__seg *sg) {
  const pleat__ir_red *r = rr->r;
  gstate *g = &rr->g;
  pleat__kminmax s = {g->a.i, g->b.i, 0, g->flag};
  pleat__k_minmax(r->in_type, ex->val[r->in[0]], sg->dense ? NULL : sg->mask, sg->len, &s);
  g->a.i = s.mn;
  g->b.i = s.mx;
  g->flag = s.nan;
  g->n += s.cnt;
}

/* The shift K of the leaf's sums: its first element, so that the sums are
   of small differences (var of [1e9, 1e9+1, 1e9+2] is exactly 1); 0 when
   that element is infinite or NaN, where x - K would turn inf into NaN
   (mean of [inf, inf] is inf). */
static double shift_of(double first) { return isfinite(first) ? first : 0.0; }

static void mean_lanes(pleat__redrt *rr, const pleat__exec *ex, pleat__seg *sg) {
  const pleat__ir_red *r = rr->r;
  int t = r->in_type;
  const void *v = ex->val[r->in[0]];
  size_t len = sg->len;
  if (!sg->src && is_flt(t)) {
    const uint8_t *dm = sg->dense ? NULL : sg->mask; /* NULL: all live */
    /* K is the leaf's first live element */
    size_t j0 = 0;
    if (dm) while (j0 < len && !dm[j0]) j0++;
    if (j0 == len) return;
    if (!rr->k_set) {
      rr->K = shift_of(t == PLEAT_F32 ? (double)((const float *)v)[j0] : ((const double *)v)[j0]);
      rr->k_set = true;
    }
    rr->leaf_n += dm ? pleat__k_count(dm, NULL, len) : (int64_t)len;
    if (t == PLEAT_F32) pleat__k_moments_f32(rr->lane_d, rr->s2, v, dm, len, rr->K);
    else pleat__k_moments_f64(rr->lane_d, rr->s2, v, dm, len, rr->K);
    return;
  }
  const uint8_t *m = pleat__seg_mask(sg);
  for (size_t j = 0; j < len; j++) {
    if (!m[j]) continue;
    pleat__imm x = imm_at(t, v, j);
    double d = is_flt(t) ? x.f : (double)x.i;
    if (!rr->k_set) { rr->K = shift_of(d); rr->k_set = true; }
    int l = (int)(src_of(sg, j) & 31);
    double y = d - rr->K;
    rr->lane_d[l] += y;
    rr->s2[l] += y * y;
    rr->leaf_n++;
  }
}

/* A dense group's chunk: h[key] += value (or 1), elements in order, only
   where m is set (NULL: all).  The keys were checked. */
static void group_dense_chunk(uint8_t kind, void *h, const void *key, bool k32, const void *v,
                              int t, const uint8_t *m, size_t len) {
#define DLOOP1(H, K, ADD) \
  do { \
    if (m) { \
      for (size_t j = 0; j < len; j++) \
        if (m[j]) H[K[j]] += ADD; \
    } else { \
      for (size_t j = 0; j < len; j++) H[K[j]] += ADD; \
    } \
  } while (0)
#define DLOOP(H, ADD) \
  do { \
    if (k32) DLOOP1(H, ((const int32_t *)key), ADD); \
    else DLOOP1(H, ((const int64_t *)key), ADD); \
  } while (0)
  if (kind == PLEAT_F32) {
    float *hf = h;
    DLOOP(hf, ((const float *)v)[j]);
  } else if (kind == PLEAT_F64) {
    double *hd = h;
    DLOOP(hd, ((const double *)v)[j]);
  } else {
    uint64_t *hi = h;
    if (!v) DLOOP(hi, 1u);
    else if (t == PLEAT_I64) DLOOP(hi, (uint64_t)((const int64_t *)v)[j]);
    else DLOOP(hi, (uint64_t)(int64_t)((const int32_t *)v)[j]);
  }
#undef DLOOP
#undef DLOOP1
}

/* group(key, bins, sum | count) without the generic state update: the same
   per-bin operations (float sums round in the element's precision) in a
   loop per type.  False when the inner reducer is another kind. */
static bool group_sum_fast(pleat__exec *ex, pleat__redrt *rr, pleat__seg *sg, const uint8_t *m) {
  const pleat__ir_red *s = rr->sub;
  const void *key = ex->val[rr->r->key];
  bool k32 = key32(ex, rr->r);
  int t = s->in_type;
  glevel *lv = &rr->leaf;
  size_t len = sg->len;
  bool cnt = s->kind == RED_COUNT && s->pred < 0;
  if (!cnt && (s->kind != RED_SUM || t == PLEAT_BOOL)) return false;
  const void *v = cnt ? NULL : ex->val[s->in[0]];
#define TOUCH(bin) \
  if (!lv->mark[bin]) { lv->mark[bin] = 1; lv->touched[lv->ntouched++] = bin; }
#define GLOOP(BODY) \
  for (size_t j = 0; j < len; j++) { \
    if (!m[j]) continue; \
    uint32_t bin = (uint32_t)key_at(key, k32, j); \
    gstate *g = &lv->s[bin]; \
    BODY; \
    g->n++; \
    TOUCH(bin) \
  }
  if (cnt) GLOOP((void)0)
  else if (t == PLEAT_F32) GLOOP(g->a.f = (double)((float)g->a.f + ((const float *)v)[j]))
  else if (t == PLEAT_F64) GLOOP(g->a.f = g->a.f + ((const double *)v)[j])
  else if (t == PLEAT_I64) GLOOP(g->a.i = (int64_t)((uint64_t)g->a.i + (uint64_t)((const int64_t *)v)[j]))
  else GLOOP(g->a.i = (int64_t)((uint64_t)g->a.i + (uint64_t)(int64_t)((const int32_t *)v)[j]))
#undef GLOOP
#undef TOUCH
  return true;
}

/* Marks the fold done when every top-level reducer has finished early. */
static void check_all_done(pleat__exec *ex) {
  for (uint32_t k = 0; k < ex->ir->ntop; k++)
    if (!ex->rr[ex->ir->top[k]].done) return;
  ex->stop = true;
}

void pleat__reduce_check_done(pleat__exec *ex) { check_all_done(ex); }

/* The earliest lambda trap among the reducers of a chunk or a merge:
   element-at-a-time order reports the smallest index, whichever reducer it
   is in, and an element's trap before one of combining partials (-1: those
   happen at the end of the leaves they combine). */
typedef struct lamtrap {
  const pleat__ir_red *r;
  int64_t at;
} lamtrap;

static void note_lam(lamtrap *l, const pleat__ir_red *r, int64_t at) {
  uint64_t key = at < 0 ? UINT64_MAX : (uint64_t)at, cur = l->at < 0 ? UINT64_MAX : (uint64_t)l->at;
  if (!l->r || key < cur) { l->r = r; l->at = at; }
}

void pleat__reduce_chunk(pleat__exec *ex, pleat__seg *sg) {
  const pleat__ir *ir = ex->ir;
  bool any_done = false;
  lamtrap lam = {NULL, 0};
  for (uint32_t k = 0; k < ir->nred; k++) {
    pleat__redrt *rr = &ex->rr[k];
    const pleat__ir_red *r = rr->r;
    if (!r->top && r->kind != RED_GROUP) continue; /* inner reducers of group */
    if (rr->done) continue;
    size_t len = sg->len;
    int t = r->in_type;
    /* the kernels take an implied mask as NULL */
    const uint8_t *dm = sg->dense ? NULL : sg->mask;
    if ((r->kind == RED_SUM || r->kind == RED_PROD) && is_flt(t)) {
      sum_lanes(rr, ex, sg);
      continue;
    }
    if (r->kind == RED_SUM && (t == PLEAT_I64 || t == PLEAT_I32)) {
      uint64_t add = t == PLEAT_I64 ? pleat__k_sum_i64(ex->val[r->in[0]], dm, len)
                                    : pleat__k_sum_i32(ex->val[r->in[0]], dm, len);
      rr->g.a.i = (int64_t)((uint64_t)rr->g.a.i + add);
      rr->g.n += pleat__k_count(dm, NULL, len);
      continue;
    }
    if (r->kind == RED_COUNT) {
      rr->g.n += pleat__k_count(dm, r->pred >= 0 ? (const uint8_t *)ex->val[r->pred] : NULL, len);
      continue;
    }
    if (r->kind == RED_ANY || r->kind == RED_ALL || r->kind == RED_FIND_FIRST) {
      size_t j = pleat__k_find(dm, ex->val[r->pred], r->kind != RED_ALL, len);
      if (j < len) {
        if (r->kind == RED_FIND_FIRST) rr->g.idx = src_of(sg, j);
        rr->g.flag = r->kind == RED_ANY;
        rr->done = true;
        any_done = true;
      }
      continue;
    }
    /* before the mask is materialised: these read a dense chunk unmasked */
    if (r->kind == RED_MIN || r->kind == RED_MAX || r->kind == RED_MINMAX) {
      minmax_keys(rr, ex, sg);
      continue;
    }
    if (r->kind == RED_MEAN || r->kind == RED_VAR || r->kind == RED_STD) {
      mean_lanes(rr, ex, sg);
      continue;
    }
    if (r->kind == RED_GROUP && rr->dense) {
      const pleat__ir_red *s = rr->sub;
      group_dense_chunk(rr->dense, rr->leaf.d, ex->val[r->key], key32(ex, r),
                        s->kind == RED_COUNT ? NULL : ex->val[s->in[0]], s->in_type, dm, len);
      continue;
    }
    const uint8_t *m = pleat__seg_mask(sg);
    switch (r->kind) {
      case RED_SUM:
      case RED_PROD:
        for (size_t j = 0; j < len; j++)
          if (m[j]) g_update(r, &rr->g, imm_at(t, ex->val[r->in[0]], j), 0);
        break;
      case RED_FIRST:
        for (size_t j = 0; j < len; j++) {
          if (!m[j]) continue;
          for (int f = 0; f < r->nin; f++)
            rr->fv[f] = imm_at(ir->ins[r->in[f]].type, ex->val[r->in[f]], j);
          rr->g.n = 1;
          rr->done = true;
          any_done = true;
          break;
        }
        break;
      case RED_LAST:
        for (size_t j = len; j-- > 0;) {
          if (!m[j]) continue;
          for (int f = 0; f < r->nin; f++)
            rr->fv[f] = imm_at(ir->ins[r->in[f]].type, ex->val[r->in[f]], j);
          rr->g.n = 1;
          break;
        }
        break;
      case RED_ARGMIN: case RED_ARGMAX:
        for (size_t j = 0; j < len; j++)
          if (m[j]) g_update(r, &rr->g, imm_at(t, ex->val[r->in[0]], j), src_of(sg, j));
        break;
      case RED_COLLECT:
        if (!collect_push(ex, rr, sg)) {
          pleat__res_fail(ex->res, PLEAT_E_NOMEM, -1, "out of memory collecting %llu elements",
                          (unsigned long long)rr->clen);
          ex->failed = ex->stop = true;
          return;
        }
        break;
      case RED_REDUCE:
        if (rr->tree) {
          const void *v = ex->val[r->in[0]];
          for (size_t j = 0; j < len; j++) {
            if (!m[j]) continue;
            int l = (int)(src_of(sg, j) & 31);
            pleat__imm x = imm_at(t, v, j);
            gstate tg;
            tg.trap = NO_TRAP;
            rr->lane[l] = red_step(r, &tg, rr->lane[l], x, src_of(sg, j));
            rr->leaf_n++;
            if (tg.trap != NO_TRAP) { note_lam(&lam, r, tg.trap); break; }
          }
          break;
        }
        /* order-independent builtin ops fold directly */
        __attribute__((fallthrough));
      case RED_FOLDL:
        if (r->kind == RED_FOLDL && ex->par) {
          /* a block of a parallel run keeps foldl's inputs; the merge folds
             them in order (the step itself is serial) */
          if (!collect_push(ex, rr, sg)) {
            pleat__res_fail(ex->res, PLEAT_E_NOMEM, -1, "out of memory keeping foldl's inputs");
            ex->failed = ex->stop = true;
            return;
          }
          break;
        }
        for (size_t j = 0; j < len; j++)
          if (m[j]) {
            g_update(r, &rr->g, imm_at(t, ex->val[r->in[0]], j), src_of(sg, j));
            if (rr->g.trap != NO_TRAP) { note_lam(&lam, r, rr->g.trap); break; }
          }
        break;
      case RED_GROUP: {
        const pleat__ir_red *s = rr->sub;
        const void *key = ex->val[r->key];
        bool k32 = key32(ex, r);
        int st = s->in_type;
        if (group_sum_fast(ex, rr, sg, m)) break;
        for (size_t j = 0; j < len; j++) {
          if (!m[j]) continue;
          uint32_t bin = (uint32_t)key_at(key, k32, j);
          pleat__imm x;
          x.i = 0;
          if (s->pred >= 0) x.i = ((const uint8_t *)ex->val[s->pred])[j];
          else if (s->nin) x = imm_at(st, ex->val[s->in[0]], j);
          if (s->kind == RED_COUNT && s->pred >= 0 && !x.i) continue;
          if (rr->leaf.tup && (s->kind == RED_LAST || rr->leaf.s[bin].n == 0))
            for (int q = 0; q < s->nin; q++)
              rr->leaf.tup[(size_t)bin * s->nin + (size_t)q] =
                  imm_at(ir->ins[s->in[q]].type, ex->val[s->in[q]], j);
          g_update(s, &rr->leaf.s[bin], x, src_of(sg, j));
          if (rr->leaf.s[bin].trap != NO_TRAP) { note_lam(&lam, s, rr->leaf.s[bin].trap); break; }
          if (!rr->leaf.mark[bin]) { rr->leaf.mark[bin] = 1; rr->leaf.touched[rr->leaf.ntouched++] = bin; }
        }
        break;
      }
    }
  }
  if (lam.r) {
    lambda_fail(ex, lam.r, lam.at);
    return;
  }
  if (any_done) check_all_done(ex);
}

void pleat__reduce_leaf_end(pleat__exec *ex) {
  for (uint32_t k = 0; k < ex->ir->nred; k++) {
    pleat__redrt *rr = &ex->rr[k];
    if (rr->r->kind == RED_GROUP) {
      if (!group_leaf_end(ex, rr)) {
        pleat__res_fail(ex->res, PLEAT_E_NOMEM, -1, "out of memory in group");
        ex->failed = ex->stop = true;
        return;
      }
      if (ex->failed) return; /* a lambda's division by zero merging bins */
      continue;
    }
    if (!rr->tree || !rr->r->top) continue;
    tree_push(rr, lanes_final(rr));
    if (rr->sn && rr->stv[rr->sn - 1].trap != NO_TRAP) {
      lambda_fail(ex, rr->r, rr->stv[rr->sn - 1].trap);
      return;
    }
  }
}

pleat_status pleat__reduce_finish(pleat__exec *ex) {
  const pleat__ir *ir = ex->ir;
  pleat_value *vals = pleat__res_alloc(ex->res, sizeof(pleat_value) * (ir->ntop + 1));
  if (!vals) goto nomem;
  for (uint32_t q = 0; q < ir->ntop; q++) {
    pleat__redrt *rr = &ex->rr[ir->top[q]];
    const pleat__ir_red *r = rr->r;
    pleat_value *v = &vals[q + 1];
    null_value(v);
    if (r->kind == RED_GROUP) {
      if (!group_final(ex, rr, v)) {
        if (ex->failed) return ex->res->status;
        goto nomem;
      }
      continue;
    }
    if (r->kind == RED_COLLECT) {
      bool tuple = r->in_type == 0;
      if (!tuple) {
        v->kind = PLEAT_VALUE_COLUMN;
        v->dtype = (pleat_dtype)ir->ins[r->in[0]].type;
        v->len = rr->clen;
        v->data = rr->cb[0];
        if (rr->cb[0] && !pleat__res_adopt_sized(ex->res, rr->cb[0], rr->cbytes[0])) goto nomem;
        rr->cb[0] = NULL;
        rr->cbytes[0] = 0;
      } else {
        pleat_value *rows = pleat__res_alloc(ex->res, pleat__mulsize((size_t)rr->clen, sizeof *rows));
        pleat_value *cells = pleat__res_alloc(ex->res, pleat__mulsize((size_t)rr->clen * r->nin, sizeof *cells));
        if ((!rows || !cells) && rr->clen) goto nomem;
        for (uint64_t e = 0; e < rr->clen; e++) {
          for (int f = 0; f < r->nin; f++) {
            int t = ir->ins[r->in[f]].type;
            scalar_value(&cells[e * r->nin + (uint64_t)f], t, imm_at(t, rr->cb[f], (size_t)e));
          }
          rows[e].kind = PLEAT_VALUE_ARRAY;
          rows[e].len = r->nin;
          rows[e].items = &cells[e * r->nin];
        }
        v->kind = PLEAT_VALUE_ARRAY;
        v->len = rr->clen;
        v->items = rows;
      }
      continue;
    }
    if (r->kind == RED_FIRST || r->kind == RED_LAST) {
      if (!rr->g.n) continue;
      if (r->in_type == 0) {
        pleat_value *items = pleat__res_alloc(ex->res, sizeof *items * r->nin);
        if (!items) goto nomem;
        for (int f = 0; f < r->nin; f++) scalar_value(&items[f], ir->ins[r->in[f]].type, rr->fv[f]);
        v->kind = PLEAT_VALUE_ARRAY;
        v->len = r->nin;
        v->items = items;
      } else {
        scalar_value(v, r->in_type, rr->fv[0]);
      }
      continue;
    }
    gstate g = rr->tree ? tree_final(rr) : rr->g;
    if (g.trap != NO_TRAP) {
      lambda_fail(ex, r, g.trap);
      return ex->res->status;
    }
    if (rr->tree && r->kind == RED_REDUCE && r->has_init && g.n == 0) g.a = r->init;
    if (!g_final(ex, r, &g, v)) goto nomem;
  }
  if (ir->result_tuple) {
    vals[0].kind = PLEAT_VALUE_ARRAY;
    vals[0].len = ir->ntop;
    vals[0].items = &vals[1];
    ex->res->value = &vals[0];
  } else {
    ex->res->value = &vals[1];
  }
  return PLEAT_OK;
nomem:
  pleat__res_fail(ex->res, PLEAT_E_NOMEM, -1, "out of memory building the result");
  return PLEAT_E_NOMEM;
}

/* ---- merging the states of adjacent ranges (parallel runs) ------------------------- */

void pleat__reduce_copy_done(const pleat__ir *ir, pleat__redrt *to, const pleat__redrt *from) {
  for (uint32_t k = 0; k < ir->nred; k++) to[k].done = from[k].done;
}

void pleat__reduce_get_done(const pleat__ir *ir, const pleat__redrt *rr, bool *out) {
  for (uint32_t k = 0; k < ir->nred; k++) out[k] = rr[k].done;
}

bool pleat__reduce_done_since(const pleat__ir *ir, const pleat__redrt *rr, const bool *then) {
  for (uint32_t k = 0; k < ir->nred; k++)
    if (rr[k].done != then[k]) return true;
  return false;
}

/* Pushes a partial of the leaf tree at its level: src's stack entries are
   whole aligned subtrees, so pushing them in order rebuilds exactly the
   stack the sequential run would have. */
static void tree_push_at(pleat__redrt *rr, gstate v, uint8_t lvl) {
  while (rr->sn > 0 && rr->stl[rr->sn - 1] == lvl) {
    gstate left = rr->stv[--rr->sn];
    g_merge(rr->r, &left, &v);
    v = left;
    lvl++;
  }
  rr->stv[rr->sn] = v;
  rr->stl[rr->sn++] = lvl;
}

static int64_t group_push_at(pleat__exec *ex, pleat__redrt *rr, glevel cur) {
  int64_t trap = NO_TRAP;
  while (rr->nlv > 0 && rr->lv[rr->nlv - 1].lvl == cur.lvl) {
    glevel *left = &rr->lv[rr->nlv - 1];
    int64_t t = glevel_merge(rr, left, &cur);
    if (trap == NO_TRAP) trap = t;
    level_free(ex, &cur);
    cur = *left;
    rr->nlv--;
    cur.lvl++;
  }
  rr->lv[rr->nlv++] = cur;
  return trap;
}

static bool buf_append(pleat__exec *ex, pleat__redrt *d, pleat__redrt *s) {
  const pleat__ir_red *r = d->r;
  if (s->cext) { /* written in place, right after d's end */
    d->clen += s->clen;
    s->clen = 0;
    return true;
  }
  if (!s->clen) return true;
  if (!d->clen && !d->ccap) {
    /* take the block's buffers as they are */
    for (int f = 0; f < r->nin; f++) {
      d->cb[f] = s->cb[f];
      d->cbytes[f] = s->cbytes[f];
      s->cb[f] = NULL;
      s->cbytes[f] = 0;
    }
    d->clen = s->clen;
    d->ccap = s->ccap;
    s->clen = s->ccap = 0;
    return true;
  }
  if (!buf_reserve(ex, d, d->clen + s->clen)) return false;
  for (int f = 0; f < r->nin; f++) {
    size_t es = pleat_dtype_size(ex->ir->ins[r->in[f]].type);
    memcpy((char *)d->cb[f] + d->clen * es, s->cb[f], (size_t)s->clen * es);
  }
  d->clen += s->clen;
  return true;
}

bool pleat__reduce_merge(pleat__exec *ex, pleat__redrt *src) {
  const pleat__ir *ir = ex->ir;
  lamtrap lam = {NULL, 0};
  for (uint32_t k = 0; k < ir->nred; k++) {
    pleat__redrt *d = &ex->rr[k], *s = &src[k];
    const pleat__ir_red *r = d->r;
    if (!r->top && r->kind != RED_GROUP) continue;
    if (d->done) continue;
    switch (r->kind) {
      case RED_FIRST: case RED_ANY: case RED_ALL: case RED_FIND_FIRST:
        if (s->done) {
          d->g = s->g;
          memcpy(d->fv, s->fv, sizeof d->fv);
          d->done = true;
        }
        break;
      case RED_LAST:
        if (s->g.n) { d->g = s->g; memcpy(d->fv, s->fv, sizeof d->fv); }
        break;
      case RED_COLLECT:
        if (!buf_append(ex, d, s)) goto nomem;
        break;
      case RED_FOLDL: {
        const void *v = s->cb[0];
        for (uint64_t e = 0; e < s->clen; e++) {
          g_update(r, &d->g, imm_at(r->in_type, v, (size_t)e), s->csrc[e]);
          if (d->g.trap != NO_TRAP) { note_lam(&lam, r, d->g.trap); break; }
        }
        break;
      }
      case RED_GROUP: {
        int64_t trap = NO_TRAP;
        if (!d->gtree) {
          trap = glevel_merge(d, &d->leaf, &s->leaf);
        } else {
          for (int l = 0; l < s->nlv; l++) {
            int64_t t = group_push_at(ex, d, s->lv[l]);
            if (trap == NO_TRAP) trap = t;
            memset(&s->lv[l], 0, sizeof s->lv[l]);
          }
          s->nlv = 0;
        }
        if (trap != NO_TRAP) note_lam(&lam, d->sub, trap);
        break;
      }
      default:
        if (d->tree) {
          for (int q = 0; q < s->sn; q++) tree_push_at(d, s->stv[q], s->stl[q]);
          s->sn = 0;
          if (d->sn && d->stv[d->sn - 1].trap != NO_TRAP) note_lam(&lam, r, d->stv[d->sn - 1].trap);
        } else {
          g_merge(r, &d->g, &s->g);
          if (d->g.trap != NO_TRAP) note_lam(&lam, r, d->g.trap);
        }
        break;
    }
  }
  if (lam.r) {
    lambda_fail(ex, lam.r, lam.at);
    return false;
  }
  check_all_done(ex);
  return true;
nomem:
  pleat__res_fail(ex->res, PLEAT_E_NOMEM, -1, "out of memory merging collected elements");
  ex->failed = ex->stop = true;
  return false;
}

/* ---- collect written in place by parallel blocks ---------------------------- */

bool pleat__reduce_collect_in_place(const pleat__ir *ir) {
  bool any = false;
  for (uint32_t k = 0; k < ir->nred; k++) {
    const pleat__ir_red *r = &ir->red[k];
    if (r->top && r->kind == RED_COLLECT) any = true;
  }
  return any;
}

bool pleat__reduce_collect_reserve(pleat__exec *ex, uint64_t add) {
  for (uint32_t k = 0; k < ex->ir->nred; k++) {
    pleat__redrt *rr = &ex->rr[k];
    if (!rr->r->top || rr->r->kind != RED_COLLECT) continue;
    if (!buf_reserve(ex, rr, rr->clen + add + 1)) {
      pleat__res_fail(ex->res, PLEAT_E_NOMEM, -1, "out of memory collecting %llu elements",
                      (unsigned long long)(rr->clen + add));
      return false;
    }
  }
  return true;
}

void pleat__reduce_collect_into(const pleat__ir *ir, pleat__redrt *blk, const pleat__redrt *main,
                                uint64_t off, uint64_t count) {
  for (uint32_t k = 0; k < ir->nred; k++) {
    const pleat__ir_red *r = &ir->red[k];
    if (!r->top || r->kind != RED_COLLECT) continue;
    pleat__redrt *b = &blk[k];
    for (int f = 0; f < r->nin; f++) {
      size_t es = pleat_dtype_size(ir->ins[r->in[f]].type);
      b->cb[f] = (char *)main[k].cb[f] + (main[k].clen + off) * es;
    }
    b->clen = 0;
    b->ccap = count;
    b->cext = true;
  }
}

void *pleat__reduce_collect_tail(pleat__exec *ex, uint32_t k, int f) {
  pleat__redrt *rr = &ex->rr[k];
  size_t es = pleat_dtype_size(ex->ir->ins[rr->r->in[f]].type);
  return (char *)rr->cb[f] + rr->clen * es;
}

void pleat__reduce_collect_commit(pleat__exec *ex, uint64_t add) {
  for (uint32_t k = 0; k < ex->ir->nred; k++) {
    pleat__redrt *rr = &ex->rr[k];
    if (rr->r->top && rr->r->kind == RED_COLLECT) rr->clen += add;
  }
}

/* ---- leaf partials computed elsewhere (a device kernel, codegen.h) ------------- */

void pleat__reduce_push_leaf(pleat__exec *ex, uint32_t k, pleat__imm a, pleat__imm b, int64_t n,
                             bool flag) {
  pleat__redrt *rr = &ex->rr[k];
  const pleat__ir_red *r = rr->r;
  if (r->kind == RED_FIRST) {
    /* a: the value of the leaf's first element, b its index (-1: empty) */
    if (rr->done || b.i < 0) return;
    rr->fv[0] = a;
    rr->g.n = 1;
    rr->done = true;
    check_all_done(ex);
    return;
  }
  if (r->kind == RED_LAST) {
    if (n) {
      rr->fv[0] = a;
      rr->g.n += n;
    }
    return;
  }
  if (r->kind == RED_ANY || r->kind == RED_ALL || r->kind == RED_FIND_FIRST) {
    /* a: the leaf's first hit (the caller has checked it comes before any
       trap); the first hit of all ends the reducer */
    if (rr->done || a.i < 0) return;
    if (r->kind == RED_FIND_FIRST) rr->g.idx = a.i;
    rr->g.flag = r->kind == RED_ANY;
    rr->done = true;
    check_all_done(ex);
    return;
  }
  gstate g = g_empty(r);
  if (n) {
    g.n = n;
    switch (r->kind) {
      case RED_MEAN: case RED_VAR: case RED_STD:
        g.a = a;
        g.m2 = b.f;
        break;
      case RED_MIN: case RED_MAX: case RED_MINMAX:
        g.a = a;
        g.b = b;
        g.flag = flag;
        break;
      case RED_COUNT:
        break;
      case RED_ARGMIN: case RED_ARGMAX:
        g.a = a; /* the key */
        g.idx = b.i;
        break;
      default:
        g.a = a;
        break;
    }
  }
  if (rr->tree) tree_push(rr, g); /* every leaf, in order: the tree of seq */
  else g_merge(r, &rr->g, &g);
}
