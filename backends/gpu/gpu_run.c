/*
** gpu_run.c -- see gpu.h.  The leaves run on the device in any order; the
** host then walks the rows in leaf order: the first row with a trap is the
** error of the smallest index (a leaf's trap is its first), and the others
** are pushed into the leaf tree exactly as seq builds it.
*/
#include <stdio.h>
#include <string.h>

#include "gpu.h"

#define MAX_LAUNCH_LEAVES 65536u /* 2^28 elements per launch at most */

pleat_status pleat__gpu_source(const pleat_plan *plan, pleat__dialect d, bool warp, pleat__str *out,
                               char *why, size_t whylen) {
  uint8_t dt[PLEAT_MAX_COLUMNS];
  size_t nc = plan->ncols < PLEAT_MAX_COLUMNS ? plan->ncols : PLEAT_MAX_COLUMNS;
  for (size_t k = 0; k < nc; k++) dt[k] = (uint8_t)plan->schema[k].dtype;
  return pleat__codegen_leaves(&plan->ir, dt, nc, d, warp, true, out, why, whylen);
}

/* The plan's program: built at its first run on this back end, then kept
   (plan->backend_plan, released with the plan). */
static void *plan_program(const pleat_plan *plan, pleat_result *res, const pleat__gpu_devops *ops,
                          void *dev) {
  pleat_plan *p = (pleat_plan *)plan; /* the slot is atomic: set once */
  void *prog = atomic_load(&p->backend_plan);
  if (prog) return prog;
  pleat__str src;
  pleat__str_init(&src, res->al);
  char why[256];
  pleat_status st = pleat__gpu_source(plan, ops->dialect, ops->warp && ops->warp(dev), &src, why, sizeof why);
  if (st != PLEAT_OK || src.oom) {
    pleat__str_free(&src);
    if (st == PLEAT_OK) pleat__res_fail(res, PLEAT_E_NOMEM, -1, "out of memory writing the kernel");
    else pleat__res_fail(res, st, -1, "%s: %s", ops->dialect_name, why);
    return NULL;
  }
  pleat__msg msg;
  msg.text[0] = 0;
  prog = ops->build(dev, src.s, src.len, &msg);
  pleat__str_free(&src);
  if (!prog) {
    pleat__res_fail(res, PLEAT_E_BUILD, -1, "%s: the generated kernel did not build: %s",
                    ops->dialect_name, msg.text);
    return NULL;
  }
  void *none = NULL;
  if (!atomic_compare_exchange_strong(&p->backend_plan, &none, prog)) {
    ops->release(dev, prog); /* another thread built it first */
    prog = none;
  }
  return prog;
}

/* Reducers that end the fold once decided (their hits come before the
   trap of their leaf, or do not count). */
static bool early_kind(int kind) {
  return kind == RED_ANY || kind == RED_ALL || kind == RED_FIND_FIRST || kind == RED_FIRST;
}

/* A carry slot into the nl leaves of a launch from their summaries
   (local, set; leaf q's at ssum[sw * q]): leaf q's carry folds the locals
   of every leaf before it, left to right, with a scan's own operator
   (core/exec.c's stage_leaf_end).  *rc, *set: the running carry, across
   launches.  A dedupe's slot j is field j of its tuple. */
static void fold_carries(const pleat__ir *ir, const pleat__ir_ins *in, uint32_t j, const uint64_t *ssum,
                         uint32_t sw, uint64_t *carry, uint64_t nl, pleat__imm *rc, bool *set) {
  /* dedupe: the value is its field's, the carry the last arrival */
  int t = in->op == IR_DEDUPE ? ir->ins[ir->extra[in->extra + j]].type : in->type;
  if (in->op == IR_DROP_WHILE) { /* done once any earlier leaf was */
    for (uint64_t q = 0; q < nl; q++) {
      carry[2 * q] = (uint64_t)(rc->i != 0);
      carry[2 * q + 1] = 1;
      if (ssum[sw * q]) rc->i = 1;
    }
    return;
  }
  if (in->op != IR_SCAN && in->op != IR_DEDUPE) {
    /* a count of arrivals (drop: of drops, at most n) */
    for (uint64_t q = 0; q < nl; q++) {
      carry[2 * q] = (uint64_t)rc->i;
      carry[2 * q + 1] = 1;
      int64_t c = rc->i + (int64_t)ssum[sw * q];
      if (in->op == IR_DROP && c > in->imm.i) c = in->imm.i;
      rc->i = c;
    }
    return;
  }
  for (uint64_t q = 0; q < nl; q++) {
    uint64_t w = 0;
    if (t == PLEAT_F32) {
      float f = (float)rc->f;
      uint32_t b;
      memcpy(&b, &f, 4);
      w = b;
    } else if (t == PLEAT_F64) {
      memcpy(&w, &rc->f, 8);
    } else {
      w = (uint64_t)rc->i;
    }
    carry[2 * q] = w;
    carry[2 * q + 1] = *set;
    if (!ssum[sw * q + 1]) continue; /* no live element in the leaf */
    pleat__imm local;
    uint64_t lw = ssum[sw * q];
    if (t == PLEAT_F32) {
      uint32_t b = (uint32_t)lw;
      float f;
      memcpy(&f, &b, 4);
      local.f = f;
    } else if (t == PLEAT_F64) {
      memcpy(&local.f, &lw, 8);
    } else {
      local.i = (int64_t)lw;
    }
    *rc = *set && in->op == IR_SCAN ? pleat__apply_op(in->aux, t, *rc, local) : local;
    *set = true;
  }
}

/* The write pass of a launch whose count pass gave rows: the leaves'
   offsets, room in the result, the elements stored in place. */
static pleat_status write_pass(pleat__exec *mx, pleat__gpu_fold *hf, const pleat__ir *ir,
                               pleat__gpu_launch *L, const uint64_t *rows, uint32_t words, uint64_t *coff,
                               uint32_t crep, const size_t *co_es, const pleat__gpu_devops *ops, void *dev,
                               void *prog, pleat_result *res) {
  uint64_t total = 0;
  for (uint64_t q = 0; q < L->nleaf; q++) {
    coff[q] = total;
    total += rows[q * words + 4 * crep + 2];
  }
  if (!total) return PLEAT_OK;
  void **co = (void **)L->co;
  size_t *cb = (size_t *)L->co_bytes;
  if (hf) {
    /* a host-folded plan: its stream goes to the staging buffers */
    if (!pleat__gpu_fold_reserve(hf, total)) {
      pleat__res_fail(res, PLEAT_E_NOMEM, -1, "out of memory staging %llu elements for the host's fold",
                      (unsigned long long)total);
      mx->failed = mx->stop = true;
      return PLEAT_E_NOMEM;
    }
    for (uint32_t f = 0; f < hf->nf; f++) {
      co[f] = hf->stage[f];
      cb[f] = (size_t)total * co_es[f];
    }
  } else if (!pleat__reduce_collect_reserve(mx, total)) {
    mx->failed = mx->stop = true;
    return res->status;
  }
  size_t k = 0;
  for (uint32_t r = 0; r < ir->nred && !hf; r++) {
    const pleat__ir_red *rd = &ir->red[r];
    if (rd->kind != RED_COLLECT) continue;
    for (int f = 0; f < rd->nin; f++, k++) {
      co[k] = pleat__reduce_collect_tail(mx, r, f);
      cb[k] = (size_t)total * co_es[k];
    }
  }
  L->cpass = 1;
  L->coff = coff;
  pleat__msg msg;
  msg.text[0] = 0;
  pleat_status st = ops->launch(dev, prog, L, &msg);
  if (st != PLEAT_OK) {
    pleat__res_fail(res, st, -1, "%s: %s", ops->dialect_name, msg.text);
    return st;
  }
  if (!hf) pleat__reduce_collect_commit(mx, total);
  return PLEAT_OK;
}

pleat_status pleat__gpu_run(const pleat_plan *plan, const pleat_column *cols, uint64_t n,
                            pleat_result *res, const pleat__gpu_devops *ops, void *dev) {
  const pleat__ir *ir = &plan->ir;
  char why[256];
  if (!pleat__codegen_supported(ir, why, sizeof why)) {
    pleat__res_fail(res, PLEAT_E_UNSUPPORTED, -1, "%s: %s", ops->dialect_name, why);
    return PLEAT_E_UNSUPPORTED;
  }
  if (!ops->has_fp64(dev)) {
    /* kernels/pleat_math.h evaluates f32 functions in f64; nothing is
       ever demoted to f32 */
    pleat__res_fail(res, PLEAT_E_UNSUPPORTED, -1,
                    "%s: the device has no fp64, which pleat's kernels need", ops->dialect_name);
    return PLEAT_E_UNSUPPORTED;
  }
  if (pleat__codegen_fold_only(ir)) {
    /* group(key, 1024, sum) over two columns: the device would only hand
       the columns back (codegen.h), which costs their copies both ways */
    pleat__log(PLEAT_LOG_INFO, "%s: the reducers read only input columns: folded on the host, no kernel",
               ops->dialect_name);
    return pleat__exec_seq(plan, cols, n, res);
  }
  void *prog = plan_program(plan, res, ops, dev);
  if (!prog) return res->status;

  /* kir: the plan the kernel runs, whose rows come back (a host-folded
     plan's is codegen_fold.c's); ir's reducers make the result */
  pleat__gpu_fold hfs, *hf = NULL;
  const pleat__ir *kir = ir;
  if (pleat__codegen_host_fold(ir)) {
    if (pleat__gpu_fold_open(&hfs, ir, res->al) != PLEAT_OK) {
      pleat__res_fail(res, PLEAT_E_NOMEM, -1, "out of memory setting up the host's fold");
      return PLEAT_E_NOMEM;
    }
    hf = &hfs;
    kir = &hf->ir;
  }
  pleat__exec mx;
  pleat__exec_total(&mx, ir, cols, n, res);
  if (hf) pleat__exec_fold_values(&mx, hf->val);
  pleat_status st = pleat__reduce_init(&mx);
  if (st != PLEAT_OK) {
    if (hf) pleat__gpu_fold_close(hf);
    return st;
  }

  uint64_t nleaves = n / PLEAT_LEAF + (n % PLEAT_LEAF != 0);
  size_t es_max = 1;
  for (size_t k = 0; k < plan->ncols; k++) {
    size_t es = pleat_dtype_size(cols[k].dtype);
    if (cols[k].gen == PLEAT_GEN_NONE && es > es_max) es_max = es;
  }
  uint32_t words = PLEAT__ROW_WORDS(kir->nred);
  unsigned ipl, lpg;
  pleat__codegen_shape(kir, ops->dialect, ops->warp && ops->warp(dev), &ipl, &lpg);
  uint64_t maxbuf = ops->max_buffer(dev);
  uint64_t per = maxbuf / ((uint64_t)PLEAT_LEAF * es_max);
  uint64_t rows_per = maxbuf / ((uint64_t)words * 8);
  if (per > rows_per) per = rows_per;
  if (per > MAX_LAUNCH_LEAVES) per = MAX_LAUNCH_LEAVES;
  if (hf) {
    /* the staging buffers hold a launch's stream: a few MiB when a leaf
       hands back at most its elements (a flat_map's can be many more) */
    uint64_t fit = ((uint64_t)32 << 20) / ((uint64_t)PLEAT_LEAF * hf->elem_bytes);
    if (ir->nseg > 1) fit = 16;
    if (per > fit) per = fit;
  }
  if (per > nleaves) per = nleaves;
  if (per == 0) per = 1;
  pleat__gpu_col gc[PLEAT_MAX_COLUMNS];
  /* a collect: per launch, the count pass's rows give each leaf's count,
     the offsets follow, and the write pass stores the elements straight
     into the result (codegen.h) */
  bool collect = false;
  uint32_t crep = 0; /* a top-level collect: the counts are in its row words */
  size_t nco = 0;
  void *co[PLEAT__MAX_COLLECT_FIELDS];
  size_t co_bytes[PLEAT__MAX_COLLECT_FIELDS], co_es[PLEAT__MAX_COLLECT_FIELDS];
  for (uint32_t r = 0; r < kir->nred; r++) {
    const pleat__ir_red *rd = &kir->red[r];
    if (rd->kind != RED_COLLECT) continue;
    if (!collect) crep = r;
    collect = true;
    for (int f = 0; f < rd->nin && nco < PLEAT__MAX_COLLECT_FIELDS; f++)
      co_es[nco++] = pleat_dtype_size(kir->ins[rd->in[f]].type);
  }
  /* stateful stages: a summary pass per stage gives each leaf's local,
     which the host folds into the next leaves' carries as seq does
     (codegen.h); the running carry per slot (a dedupe of a tuple has one
     per field) */
  uint32_t stage_ins[PLEAT__MAX_CARRIES], stage_w[PLEAT__MAX_CARRIES];
  uint32_t nstage = pleat__codegen_carry_stages(ir, stage_ins, stage_w);
  uint32_t ncarry = 0, swide = 1;
  pleat__imm rc[PLEAT__MAX_CARRIES];
  bool rset[PLEAT__MAX_CARRIES];
  for (uint32_t g = 0; g < nstage; g++) {
    const pleat__ir_ins *in = &ir->ins[stage_ins[g]];
    if (stage_w[g] > swide) swide = stage_w[g];
    for (uint32_t j = 0; j < stage_w[g] && ncarry < PLEAT__MAX_CARRIES; j++) {
      rc[ncarry] = in->imm;
      rset[ncarry] = in->imm2 != 0; /* scan(op, init) */
      if (in->op != IR_SCAN) rc[ncarry].i = 0; /* counts from 0 (imm is the stage's n) */
      if (in->op == IR_DEDUPE) rset[ncarry] = false; /* no element before the first */
      ncarry++;
    }
  }
  uint64_t *rows = nleaves ? pleat__malloc(res->al, (size_t)per * words * 8) : NULL;
  uint64_t *coff = collect && nleaves ? pleat__malloc(res->al, (size_t)per * 8) : NULL;
  uint64_t *scarry = ncarry && nleaves ? pleat__malloc(res->al, (size_t)per * ncarry * 16) : NULL;
  uint64_t *ssum = ncarry && nleaves ? pleat__malloc(res->al, (size_t)per * swide * 16) : NULL;
  if (nleaves && (!rows || (collect && !coff) || (ncarry && (!scarry || !ssum)))) {
    pleat__res_fail(res, PLEAT_E_NOMEM, -1, "out of memory for %llu leaf rows",
                    (unsigned long long)per);
    st = PLEAT_E_NOMEM;
    goto out;
  }
  /* A fold that can stop early starts with small launches that double, so
     a hit near the start answers at once even over a 2^40 range. */
  bool early = false;
  for (uint32_t r = 0; r < ir->nred; r++) early = early || early_kind(ir->red[r].kind);
  for (uint32_t k = 0; k < ir->nins; k++)
    early = early || ir->ins[k].op == IR_TAKE || ir->ins[k].op == IR_TAKE_WHILE;
  uint64_t full = per;
  if (early && per > 16) per = 16;
  for (uint64_t l0 = 0; l0 < nleaves && !mx.failed && !mx.stop;) {
    uint64_t nl = nleaves - l0 < per ? nleaves - l0 : per;
    uint64_t base = l0 * PLEAT_LEAF, end = (l0 + nl) * PLEAT_LEAF < n ? (l0 + nl) * PLEAT_LEAF : n;
    for (size_t k = 0; k < plan->ncols; k++) {
      const pleat_column *c = &cols[k];
      size_t es = pleat_dtype_size(c->dtype);
      gc[k].gen = c->gen;
      gc[k].param = c->gen == PLEAT_GEN_RANGE ? (uint64_t)c->start : c->seed;
      gc[k].data = c->gen == PLEAT_GEN_NONE ? (const char *)c->data + base * es : NULL;
      gc[k].bytes = c->gen == PLEAT_GEN_NONE ? (size_t)(end - base) * es : 0;
    }
    pleat__gpu_launch L = {n, l0, nl, base, plan->ncols, gc, rows, (size_t)nl * words * 8, ipl, lpg,
                           ncarry, swide, -1, scarry, ssum, collect, 0, NULL, nco, co, co_bytes};
    for (size_t k = 0; k < nco; k++) {
      co[k] = NULL;
      co_bytes[k] = 0;
    }
    l0 += nl;
    pleat__msg msg;
    msg.text[0] = 0;
    for (uint32_t g = 0, s = 0; g < nstage; s += stage_w[g++]) { /* spass: the stage's first slot */
      L.spass = (int)s;
      st = ops->launch(dev, prog, &L, &msg);
      if (st != PLEAT_OK) {
        pleat__res_fail(res, st, -1, "%s: %s", ops->dialect_name, msg.text);
        goto out;
      }
      uint32_t w = stage_w[g];
      for (uint32_t j = 0; j < w; j++)
        fold_carries(ir, &ir->ins[stage_ins[g]], j, ssum + 2 * j, 2 * w, scarry + (size_t)(s + j) * nl * 2, nl,
                     &rc[s + j], &rset[s + j]);
    }
    L.spass = -1;
    if (hf && hf->dense) {
      /* every element reaches the reducers: a leaf's count is its length,
         so no count pass; the write pass's rows are the launch's rows */
      for (uint64_t q = 0; q < nl; q++) {
        uint64_t lb = (L.leaf0 + q) * PLEAT_LEAF;
        rows[q * words + 4 * crep + 2] = n - lb < PLEAT_LEAF ? n - lb : PLEAT_LEAF;
      }
    } else {
      st = ops->launch(dev, prog, &L, &msg);
      if (st != PLEAT_OK) {
        pleat__res_fail(res, st, -1, "%s: %s", ops->dialect_name, msg.text);
        goto out;
      }
    }
    uint64_t qend = nl; /* the leaves of this launch the fold reaches */
    if (hf && !hf->dense) qend = pleat__gpu_fold_reach(rows, nl, words, kir->nred);
    for (uint64_t q = 0; q < nl && !mx.stop && !hf; q++) {
      const uint64_t *row = rows + q * words; /* leaf L.leaf0 + q */
      qend = q + 1;
      int64_t trap = (int64_t)row[4 * ir->nred];
      /* the early reducers' hits before the trap count (they may end the
         fold before it, as in seq); then the trap, then the partials */
      for (uint32_t r = 0; r < ir->nred; r++) {
        int kind = ir->red[r].kind;
        if (!early_kind(kind)) continue;
        pleat__imm a, b;
        memcpy(&a, &row[4 * r], 8);
        memcpy(&b, &row[4 * r + 1], 8);
        int64_t hit = kind == RED_FIRST ? b.i : a.i; /* first: a is the value */
        if (hit >= 0 && (trap < 0 || hit < trap)) pleat__reduce_push_leaf(&mx, r, a, b, 0, false);
      }
      if (mx.stop) break;
      if (trap >= 0) {
        pleat__exec_fail_div0(&mx, (uint32_t)row[4 * ir->nred + 1], trap);
        break;
      }
      for (uint32_t r = 0; r < ir->nred; r++) {
        int kind = ir->red[r].kind;
        if (early_kind(kind) || kind == RED_COLLECT) continue;
        pleat__imm a, b;
        memcpy(&a, &row[4 * r], 8);
        memcpy(&b, &row[4 * r + 1], 8);
        int64_t ln = (int64_t)row[4 * r + 2];
        bool flag = row[4 * r + 3] != 0;
        if (kind == RED_MEAN || kind == RED_VAR || kind == RED_STD) {
          /* the row holds K, s1 and s2 (codegen.h): seq's formula here */
          double K = a.f, s1 = b.f, s2;
          memcpy(&s2, &row[4 * r + 3], 8);
          a.f = b.f = 0;
          if (ln) pleat__reduce_mean_leaf(K, s1, s2, ln, &a.f, &b.f);
          flag = false;
        }
        pleat__reduce_push_leaf(&mx, r, a, b, ln, flag);
      }
      /* a take or take_while ended the fold in this leaf */
      if ((int64_t)row[4 * ir->nred + 2] >= 0) mx.stop = true;
    }
    if (collect && !mx.failed) {
      /* none past the end of the fold: the carries repacked for fewer leaves */
      for (uint32_t s = 1; s < ncarry && qend < nl; s++)
        memmove(scarry + (size_t)s * qend * 2, scarry + (size_t)s * nl * 2, (size_t)qend * 16);
      L.nleaf = qend;
      st = write_pass(&mx, hf, kir, &L, rows, words, coff, crep, co_es, ops, dev, prog, res);
      if (st != PLEAT_OK) goto out;
    }
    if (hf && !mx.failed) {
      if (hf->dense) qend = pleat__gpu_fold_reach(rows, qend, words, kir->nred);
      pleat__gpu_fold_leaves(hf, &mx, rows, coff, L.leaf0, qend, words);
    }
    if (early && per < full) per = per * 2 < full ? per * 2 : full; /* past the stop stays bounded */
  }
  st = mx.failed ? res->status : pleat__reduce_finish(&mx);
out:
  pleat__free(res->al, ssum);
  pleat__free(res->al, scarry);
  pleat__free(res->al, coff);
  pleat__free(res->al, rows);
  pleat__reduce_free(&mx);
  if (hf) pleat__gpu_fold_close(hf);
  return st;
}
