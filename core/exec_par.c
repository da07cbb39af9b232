/*
** exec_par.c -- a plan run as blocks of leaves on several workers, with the
** result of the sequential run bit for bit.
**
** Blocks.  A block is 2^k consecutive leaves, aligned, so a full block is
** one node of the leaf tree (ir.h): its reducer partials, pushed into the
** running total at their levels, rebuild the sequential tree exactly.
** Blocks are claimed in increasing order by the workers (dynamic, so an
** uneven pipeline still uses every core) and merged in order by the caller.
**
** Carries.  A stateful stage (take, drop, take_nth, enumerate, scan,
** dedupe, drop_while) needs, at the start of each block, the state the
** sequential run has there.  For each such stage p, in instruction order, a
** summary pass runs every block up to p -- with the carries of the stages
** before p already known -- and records what the block does to p's state
** (arrivals counted, the last element seen, one scan local per leaf); a scan
** over the blocks on the caller turns those into carry-ins.  A counting
** stage that sees every element of the block needs no pass.  Then the final
** pass runs every block with its carry-ins and the reducers.
**
** Windows.  The blocks are processed a window at a time (a bounded number
** of block states alive), and, when the fold can stop early, windows start
** small and double, so the work past the stop stays bounded.  Inside a
** window, a block that stops or fails lowers `cut`, and blocks past the cut
** are not started.  Merging stops at the first block that stopped or
** failed, so the result and the error are the leftmost ones, as in seq.
**
** Early-finishing reducers (first, any, all, find_first).  A block starts
** knowing which reducers had finished before its window; if one finished
** in an earlier block of the same window, the block may have run past the
** point where the sequential fold stopped.  That only matters for an error
** (a trap the sequential run never reached): such a block is rerun on the
** caller with the true state.
*/
#include <stdatomic.h>
#include <stdio.h>

#include "exec_int.h"
#include "exec_par.h"

#define MAX_BLOCK_LEAVES 256u    /* 2^20 elements */
#define EARLY_BLOCK_LEAVES 64u   /* when the fold can stop early */
#define BLOCKS_PER_WORKER 16u
#define WINDOW_MAX 256u
#define GROUP_WINDOW_BYTES ((uint64_t)512 << 20)
/* A plan that reads its input more than once (a summary pass before the
   final one) reads a window's blocks again while they are still in cache:
   the window's input is capped at this many bytes. */
#define REREAD_WINDOW_BYTES ((uint64_t)8 << 20)

typedef struct blk {
  pleat__stage *st_in;      /* carry-in */
  pleat__stage *st;         /* state while running */
  struct pleat__redrt *rr;  /* final pass: the block's reducers */
  pleat__imm *loc;          /* scan summary: local per leaf */
  uint8_t *locset;
  uint64_t reached, coff;   /* in-place collect: the block's count, its offset */
  pleat_result res;         /* the block's own error */
  bool ran, stopped, failed;
} blk;

typedef struct prun {
  const pleat__ir *ir;
  const pleat_column *cols;
  uint64_t n;
  pleat__alloc *al;
  struct pleat__scratch *cache; /* the plan's: the workers' scratch comes from it */
  uint64_t nleaves, B, nblocks;
  int workers;
  pleat__exec *wk;          /* scratch per slot */
  bool *wk_ok;
  blk *b;                   /* the window's blocks */
  uint32_t wcap;
  uint64_t w0;              /* first block of the window */
  uint32_t wn;
  bool summary;
  uint32_t upto;
  bool in_place;            /* collects written in place after a count pass */
  bool counting;            /* this pass is the count pass */
  atomic_uint cut;          /* leftmost block (in the window) that ends the fold */
  struct pleat__redrt *main_rr;
} prun;

/* ---- what the plan needs ------------------------------------------------ */

static bool is_counter(int op) {
  return op == IR_TAKE || op == IR_DROP || op == IR_TAKE_NTH || op == IR_ENUMERATE;
}

static bool needs_carry(int op) {
  return is_counter(op) || op == IR_SCAN || op == IR_DEDUPE || op == IR_DROP_WHILE;
}

/* A counter that sees every element of its block: its summary is the
   block's length.  (take and take_while before it only cut the stream,
   and past a cut nothing is needed.) */
static bool counts_every_element(const pleat__ir *ir, uint32_t p) {
  if (!is_counter(ir->ins[p].op) || ir->ins[p].seg != 0) return false;
  for (uint32_t k = 0; k < p; k++) {
    int op = ir->ins[k].op;
    if ((pleat__ir_ops[op].flags & IRF_STAGE) && op != IR_ENUMERATE && op != IR_SCAN &&
        op != IR_TAKE && op != IR_TAKE_WHILE)
      return false;
  }
  return true;
}

static bool can_stop_early(const pleat__ir *ir) {
  for (uint32_t k = 0; k < ir->nins; k++)
    if (pleat__ir_ops[ir->ins[k].op].flags & IRF_EARLY) return true;
  for (uint32_t k = 0; k < ir->ntop; k++) {
    int kind = ir->red[ir->top[k]].kind;
    if (kind == RED_FIRST || kind == RED_ANY || kind == RED_ALL || kind == RED_FIND_FIRST)
      return true;
  }
  return false;
}

/* collect written in place: a count pass per window finds each block's
   offset, so the blocks write straight into the result (no buffer per
   block, no serial copy).  Not with early termination: a block past the
   stop may not even have a count. */
static bool collect_in_place(const pleat__ir *ir) {
  return !can_stop_early(ir) && pleat__reduce_collect_in_place(ir);
}

pleat__par_shape pleat__par_shape_of(const pleat__ir *ir) {
  pleat__par_shape s = {1, can_stop_early(ir), false, NULL};
  for (uint32_t k = 0; k < ir->nins; k++)
    if (needs_carry(ir->ins[k].op) && !counts_every_element(ir, k)) s.passes++;
  if (collect_in_place(ir)) {
    s.passes++;
    s.collect_count = true;
  }
  for (uint32_t k = 0; k < ir->nred; k++) {
    const pleat__ir_red *r = &ir->red[k];
    if (r->kind == RED_GROUP && ir->red[r->sub].kind == RED_FOLDL)
      s.serial_why = "group with foldl keeps one strict fold per bin";
  }
  return s;
}

/* ---- one block ------------------------------------------------------------ */

static void cut_at(prun *p, uint32_t i) {
  unsigned c = atomic_load(&p->cut);
  while (i < c && !atomic_compare_exchange_weak(&p->cut, &c, i)) {
  }
}

/* A take whose count is already reached: the fold ended in an earlier
   block (which stops there), so this one is never needed. */
static bool past_a_take(const pleat__ir *ir, const pleat__stage *st) {
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    if (in->op == IR_TAKE && in->imm.i > 0 && st[k].cnt >= in->imm.i) return true;
  }
  return false;
}

/* Points ex at a state for a run over some leaves. */
static void exec_point(pleat__exec *ex, pleat__stage *st, struct pleat__redrt *rr,
                       pleat_result *res, bool summary, uint32_t upto) {
  ex->st = st;
  ex->rr = rr;
  ex->res = res;
  ex->stop = ex->failed = false;
  ex->trap_pos = -1;
  ex->stop_pos = INT64_MAX;
  ex->summary = summary;
  ex->upto = summary ? upto : UINT32_MAX;
  ex->par = !summary && rr == NULL; /* a block's own reducers: foldl keeps inputs */
}

static void run_block(void *arg, int slot, uint32_t i) {
  prun *p = arg;
  blk *b = &p->b[i];
  const pleat__ir *ir = p->ir;
  b->ran = b->stopped = b->failed = false;
  if (i > atomic_load(&p->cut)) return;
  pleat__exec *ex = &p->wk[slot];
  if (!p->wk_ok[slot]) {
    if (pleat__exec_open(ex, ir, p->cols, p->n, &b->res, p->cache) != PLEAT_OK) {
      b->ran = b->failed = true;
      cut_at(p, i);
      return;
    }
    p->wk_ok[slot] = true;
  }
  uint64_t l0 = (p->w0 + i) * p->B;
  uint64_t l1 = l0 + p->B < p->nleaves ? l0 + p->B : p->nleaves;
  memcpy(b->st, b->st_in, sizeof *b->st * (ir->nins + 1));
  b->ran = true;
  if (past_a_take(ir, b->st)) {
    b->stopped = true;
    cut_at(p, i);
    return;
  }
  exec_point(ex, b->st, NULL, &b->res, p->summary, p->upto);
  ex->count_only = p->counting;
  ex->reached = 0;
  if (p->counting) {
    ex->leaf_local = NULL;
  } else if (p->summary) {
    memset(&b->st[p->upto], 0, sizeof b->st[p->upto]); /* what the block adds */
    memset(b->locset, 0, p->B);
    ex->leaf_local = b->loc;
    ex->leaf_set = b->locset;
  } else {
    if (pleat__reduce_init(ex) != PLEAT_OK) {
      b->failed = true;
      cut_at(p, i);
      return;
    }
    b->rr = ex->rr;
    pleat__reduce_copy_done(ir, b->rr, p->main_rr);
    if (p->in_place) pleat__reduce_collect_into(ir, b->rr, p->main_rr, b->coff, b->reached);
  }
  pleat__exec_leaves(ex, l0, l1);
  if (p->counting) b->reached = ex->reached;
  ex->count_only = false;
  b->failed = ex->failed;
  b->stopped = ex->stop && !ex->failed;
  if (ex->stop || ex->failed) cut_at(p, i);
  ex->rr = NULL;
}

/* ---- carries ---------------------------------------------------------------- */

static uint64_t block_elems(const prun *p, uint64_t gb) {
  uint64_t lo = gb * p->B * PLEAT_LEAF, hi = lo + p->B * PLEAT_LEAF;
  return (hi < p->n ? hi : p->n) - lo;
}

/* The carry-in of block i+1 from block i's carry-in and summary. */
static void carry_next(const prun *p, uint32_t k, uint32_t i, pleat__stage *c) {
  const pleat__ir_ins *in = &p->ir->ins[k];
  const pleat__stage *s = &p->b[i].st[k];
  *c = p->b[i].st_in[k];
  switch (in->op) {
    case IR_TAKE: case IR_DROP: case IR_TAKE_NTH: case IR_ENUMERATE:
      if (counts_every_element(p->ir, k)) c->cnt += (int64_t)block_elems(p, p->w0 + i);
      else c->cnt += s->cnt;
      if (in->op == IR_DROP && c->cnt > in->imm.i) c->cnt = in->imm.i;
      break;
    case IR_DROP_WHILE:
      c->done = c->done || s->done;
      break;
    case IR_DEDUPE:
      if (s->has_prev) {
        c->has_prev = true;
        memcpy(c->prev, s->prev, sizeof c->prev);
      }
      break;
    case IR_SCAN: {
      uint64_t l0 = (p->w0 + i) * p->B;
      uint64_t nl = l0 + p->B < p->nleaves ? p->B : p->nleaves - l0;
      for (uint64_t q = 0; q < nl; q++) {
        if (!p->b[i].locset[q]) continue;
        c->carry = c->carry_set ? pleat__apply_op(in->aux, in->type, c->carry, p->b[i].loc[q])
                                : p->b[i].loc[q];
        c->carry_set = true;
      }
      c->local_set = false;
      break;
    }
  }
}

static void run_pass(prun *p, const pleat__par *par, bool summary, uint32_t upto, uint32_t count) {
  p->summary = summary;
  p->upto = upto;
  par->for_each(par->pool, count, run_block, p);
}

/* Computes every block's carry-in; block 0's is already set. */
static void window_carries(prun *p, const pleat__par *par) {
  const pleat__ir *ir = p->ir;
  for (uint32_t i = 1; i < p->wn; i++)
    memcpy(p->b[i].st_in, p->b[0].st_in, sizeof *p->b[i].st_in * (ir->nins + 1));
  for (uint32_t k = 0; k < ir->nins; k++) {
    if (!needs_carry(ir->ins[k].op)) continue;
    if (!counts_every_element(ir, k)) run_pass(p, par, true, k, p->wn - 1);
    for (uint32_t i = 0; i + 1 < p->wn; i++) {
      if (i + 1 > atomic_load(&p->cut)) break; /* past the end of the fold */
      carry_next(p, k, i, &p->b[i + 1].st_in[k]);
    }
  }
}

/* ---- the driver ----------------------------------------------------------------- */

static void free_block_rr(prun *p, blk *b) {
  if (!b->rr) return;
  pleat__exec tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.ir = p->ir;
  tmp.al = p->al;
  tmp.rr = b->rr;
  pleat__reduce_free(&tmp);
  b->rr = NULL;
}

static void prun_free(prun *p) {
  if (p->b) {
    for (uint32_t i = 0; i < p->wcap; i++) {
      blk *b = &p->b[i];
      free_block_rr(p, b);
      pleat__free(p->al, b->st_in);
      pleat__free(p->al, b->st);
      pleat__free(p->al, b->loc);
      pleat__free(p->al, b->locset);
    }
  }
  if (p->wk)
    for (int w = 0; w < p->workers; w++)
      if (p->wk_ok[w]) pleat__exec_close(&p->wk[w]);
  pleat__free(p->al, p->b);
  pleat__free(p->al, p->wk);
  pleat__free(p->al, p->wk_ok);
}

/* Bytes of input per element (lazy columns cost none). */
static uint64_t row_bytes(const pleat__ir *ir, const pleat_column *cols) {
  uint64_t rb = 0;
  for (uint32_t k = 0; k < ir->nins; k++)
    if (ir->ins[k].op == IR_COL && cols[ir->ins[k].imm.i].gen == PLEAT_GEN_NONE)
      rb += pleat_dtype_size(cols[ir->ins[k].imm.i].dtype);
  return rb;
}

static uint64_t group_block_bytes(const pleat__ir *ir) {
  uint64_t by = 0;
  for (uint32_t k = 0; k < ir->nred; k++)
    if (ir->red[k].kind == RED_GROUP) by += (uint64_t)ir->red[k].bins * 64 * 3;
  return by;
}

pleat_status pleat__exec_par(const pleat_plan *plan, const pleat_column *cols, uint64_t n,
                             pleat_result *res, const pleat__par *par) {
  const pleat__ir *ir = &plan->ir;
  pleat__par_shape shape = pleat__par_shape_of(ir);
  uint64_t nleaves = n / PLEAT_LEAF + (n % PLEAT_LEAF != 0);
  if (par->workers < 2 || n < par->serial_below || nleaves < 2 || shape.serial_why)
    return pleat__exec_seq(plan, cols, n, res);

  prun p;
  memset(&p, 0, sizeof p);
  p.ir = ir;
  p.cols = cols;
  p.n = n;
  p.al = res->al;
  p.cache = (pleat__scratch *)&plan->scratch;
  p.nleaves = nleaves;
  p.workers = par->workers;
  p.in_place = collect_in_place(ir);
  uint64_t rb = shape.passes > 1 ? row_bytes(ir, cols) : 0, bmax = MAX_BLOCK_LEAVES;
  if (rb) /* at least 4 blocks per worker fit in the reread window */
    while (bmax > 1 && bmax * PLEAT_LEAF * rb * 4 * (uint64_t)par->workers > REREAD_WINDOW_BYTES)
      bmax /= 2;
  /* A fold that can stop early reads past its stop up to a block per
     worker: smaller blocks bound that (measured, W8 find_first at 10 %:
     blocks of 64 leaves 1.6x OpenMP's time, of 256 leaves 2.4x). */
  if (shape.early && bmax > EARLY_BLOCK_LEAVES) bmax = EARLY_BLOCK_LEAVES;
  p.B = 1;
  while (p.B < bmax && p.B * BLOCKS_PER_WORKER * (uint64_t)par->workers < nleaves)
    p.B *= 2;
  if (par->block_leaves) p.B = par->block_leaves;
  p.nblocks = nleaves / p.B + (nleaves % p.B != 0);
  uint64_t wcap = p.nblocks < WINDOW_MAX ? p.nblocks : WINDOW_MAX;
  uint64_t gb = group_block_bytes(ir);
  if (gb && wcap > GROUP_WINDOW_BYTES / gb) wcap = GROUP_WINDOW_BYTES / gb;
  if (rb && wcap > REREAD_WINDOW_BYTES / (p.B * PLEAT_LEAF * rb))
    wcap = REREAD_WINDOW_BYTES / (p.B * PLEAT_LEAF * rb);
  if (wcap < (uint64_t)par->workers) wcap = (uint64_t)par->workers;
  if (wcap > p.nblocks) wcap = p.nblocks;
  p.wcap = (uint32_t)wcap;

  pleat__exec mx; /* the running total: state after the merged blocks */
  pleat__exec_total(&mx, ir, cols, n, res);
  bool *done0 = NULL;
  pleat__stage *carry = NULL;
  pleat_status st = PLEAT_OK;

  p.b = pleat__calloc(p.al, p.wcap, sizeof *p.b);
  p.wk = pleat__calloc(p.al, (size_t)p.workers, sizeof *p.wk);
  p.wk_ok = pleat__calloc(p.al, (size_t)p.workers, sizeof *p.wk_ok);
  done0 = pleat__calloc(p.al, ir->nred + 1, sizeof *done0);
  carry = pleat__calloc(p.al, ir->nins + 1, sizeof *carry);
  if (!p.b || !p.wk || !p.wk_ok || !done0 || !carry) goto nomem;
  for (uint32_t i = 0; i < p.wcap; i++) {
    blk *b = &p.b[i];
    b->st_in = pleat__calloc(p.al, ir->nins + 1, sizeof *b->st_in);
    b->st = pleat__calloc(p.al, ir->nins + 1, sizeof *b->st);
    b->loc = pleat__calloc(p.al, p.B, sizeof *b->loc);
    b->locset = pleat__calloc(p.al, p.B, 1);
    if (!b->st_in || !b->st || !b->loc || !b->locset) goto nomem;
    b->res.al = p.al;
  }
  pleat__stage_init(ir, carry);
  if (pleat__reduce_init(&mx) != PLEAT_OK) {
    st = res->status;
    goto out;
  }
  p.main_rr = mx.rr;

  uint64_t ws = shape.early ? 2 * (uint64_t)p.workers : p.wcap;
  if (ws > p.wcap) ws = p.wcap;
  for (uint64_t w0 = 0; w0 < p.nblocks && !mx.stop; w0 += p.wn) {
    p.w0 = w0;
    p.wn = (uint32_t)(p.nblocks - w0 < ws ? p.nblocks - w0 : ws);
    atomic_store(&p.cut, UINT32_MAX);
    for (uint32_t i = 0; i < p.wn; i++) {
      p.b[i].res.status = PLEAT_OK;
      p.b[i].ran = false;
    }
    memcpy(p.b[0].st_in, carry, sizeof *carry * (ir->nins + 1));
    if (p.wn > 1) window_carries(&p, par);
    pleat__reduce_get_done(ir, mx.rr, done0);
    if (p.in_place) {
      p.counting = true;
      run_pass(&p, par, true, UINT32_MAX, p.wn);
      p.counting = false;
      uint64_t off = 0;
      for (uint32_t i = 0; i < p.wn && i <= atomic_load(&p.cut); i++) {
        p.b[i].coff = off;
        off += p.b[i].reached;
      }
      if (!pleat__reduce_collect_reserve(&mx, off)) {
        mx.failed = mx.stop = true;
        break;
      }
      /* the cut stays: a block the count pass saw fail fails again in the
         final pass (same code up to the reducers), and none after it runs */
    }
    run_pass(&p, par, false, UINT32_MAX, p.wn);

    /* merge in order; the first block that stops or fails ends the fold */
    for (uint32_t i = 0; i < p.wn && !mx.stop; i++) {
      blk *b = &p.b[i];
      if (!b->ran) {
        pleat__res_fail(res, PLEAT_E_INTERNAL, -1, "parallel run: block %llu was skipped",
                        (unsigned long long)(w0 + i));
        mx.failed = mx.stop = true;
        break;
      }
      if (b->failed && b->res.status == PLEAT_E_DOMAIN && pleat__reduce_done_since(ir, mx.rr, done0)) {
        /* rerun with the true state: the fold may stop before the trap */
        pleat__exec *ex = &p.wk[0];
        if (!p.wk_ok[0]) {
          if (pleat__exec_open(ex, ir, cols, n, res, (pleat__scratch *)&plan->scratch) != PLEAT_OK) { mx.failed = mx.stop = true; break; }
          p.wk_ok[0] = true;
        }
        uint64_t l0 = (w0 + i) * p.B;
        uint64_t l1 = l0 + p.B < nleaves ? l0 + p.B : nleaves;
        memcpy(b->st, b->st_in, sizeof *b->st * (ir->nins + 1));
        exec_point(ex, b->st, mx.rr, res, false, UINT32_MAX);
        pleat__exec_leaves(ex, l0, l1);
        mx.stop = ex->stop;
        mx.failed = ex->failed;
        ex->rr = NULL;
        memcpy(carry, b->st, sizeof *carry * (ir->nins + 1));
        continue;
      }
      if (b->failed) {
        res->status = b->res.status;
        res->err_index = b->res.err_index;
        res->msg = b->res.msg;
        mx.failed = mx.stop = true;
        break;
      }
      if (b->rr && !pleat__reduce_merge(&mx, b->rr)) break;
      if (b->stopped) mx.stop = true;
      memcpy(carry, b->st, sizeof *carry * (ir->nins + 1));
    }
    for (uint32_t i = 0; i < p.wn; i++) free_block_rr(&p, &p.b[i]);
    ws = ws * 2 < p.wcap ? ws * 2 : p.wcap;
  }
  st = mx.failed ? res->status : pleat__reduce_finish(&mx);
  goto out;
nomem:
  pleat__res_fail(res, PLEAT_E_NOMEM, -1, "out of memory setting up a parallel run");
  st = PLEAT_E_NOMEM;
out:
  pleat__reduce_free(&mx);
  prun_free(&p);
  pleat__free(p.al, done0);
  pleat__free(p.al, carry);
  return st;
}
