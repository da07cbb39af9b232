/*
** codegen_fold.c -- the plan a device runs when the host folds the
** reducers (codegen.h: pleat__codegen_host_fold).
**
** Some reducers have no kernel form yet (group, foldl, reduce with a
** lambda, an init or on floats, first/last of a tuple).  For a plan with
** one of them the device still runs every stage and expression; what it
** hands back is the stream that reaches the reducers, compacted in order:
** each live element's source index and the values the reducers read.  The
** host then folds that stream leaf by leaf with core/reduce.c, the code
** seq runs, so the answer has seq's bits by construction.  The kernel is
** the generator's own collect, over a copy of the plan whose reducers are
** replaced by collects of those values.
*/
#include "codegen.h"

static bool has_field(const int32_t *f, uint32_t n, int32_t v) {
  for (uint32_t k = 0; k < n; k++)
    if (f[k] == v) return true;
  return false;
}

/* The values the reducers read, after the source index (none for a dense
   plan): into f (at most max), their number returned (max + 1 when there
   are more). */
static uint32_t fold_fields(const pleat__ir *ir, int32_t index, int32_t *f, uint32_t max) {
  uint32_t n = 0;
  if (!pleat__codegen_fold_dense(ir)) f[n++] = index;
  for (uint32_t q = 0; q < ir->nred; q++) {
    const pleat__ir_red *r = &ir->red[q];
    int32_t want[PLEAT_MAX_TUPLE + 2];
    uint32_t nw = 0;
    for (int k = 0; k < r->nin; k++)
      if (r->in[k] >= 0) want[nw++] = r->in[k];
    if (r->pred >= 0) want[nw++] = r->pred;
    if (r->kind == RED_GROUP) want[nw++] = r->key;
    for (uint32_t k = 0; k < nw; k++) {
      if (has_field(f, n, want[k])) continue;
      if (n == max) return max + 1;
      f[n++] = want[k];
    }
  }
  return n;
}

uint32_t pleat__codegen_fold_fields(const pleat__ir *ir, int32_t *fields) {
  return fold_fields(ir, (int32_t)ir->nins, fields, PLEAT__MAX_COLLECT_FIELDS);
}

bool pleat__codegen_fold_dense(const pleat__ir *ir) {
  if (!pleat__codegen_host_fold(ir) || ir->nseg != 1) return false;
  for (uint32_t k = 0; k < ir->nins; k++)
    if (pleat__ir_ops[ir->ins[k].op].flags & IRF_STAGE) return false;
  return true;
}

bool pleat__codegen_fold_only(const pleat__ir *ir) {
  if (!pleat__codegen_fold_dense(ir)) return false;
  int32_t f[PLEAT__MAX_COLLECT_FIELDS];
  uint32_t nf = pleat__codegen_fold_fields(ir, f);
  if (nf > PLEAT__MAX_COLLECT_FIELDS) return false;
  for (uint32_t q = 0; q < nf; q++) {
    int op = ir->ins[f[q]].op;
    if (op != IR_COL && op != IR_INDEX && op != IR_CONST) return false;
  }
  return true;
}

pleat_status pleat__codegen_fold_ir(const pleat__ir *ir, pleat__ir *out) {
  pleat__ir_init(out, ir->al);
  pleat__ir_ins ix;
  memset(&ix, 0, sizeof ix);
  ix.op = IR_INDEX;
  ix.type = PLEAT_I64;
  ix.a = ix.b = ix.c = -1;
  ix.seg = ir->nseg - 1;
  int32_t f[PLEAT__MAX_COLLECT_FIELDS];
  uint32_t nf = pleat__codegen_fold_fields(ir, f);
  if (nf > PLEAT__MAX_COLLECT_FIELDS) return PLEAT_E_UNSUPPORTED;
  for (uint32_t k = 0; k < ir->nins; k++)
    if (pleat__ir_emit(out, &ir->ins[k]) < 0) goto nomem;
  if (pleat__ir_emit(out, &ix) < 0) goto nomem;
  if (ir->nextra && pleat__ir_extra(out, ir->extra, ir->nextra) == UINT32_MAX) goto nomem;
  out->nseg = ir->nseg;
  out->seg_start = pleat__malloc(ir->al, sizeof(uint32_t) * (ir->nseg + 1));
  out->top = pleat__malloc(ir->al, sizeof(uint32_t) * (nf / PLEAT_MAX_TUPLE + 1));
  if (!out->seg_start || !out->top) goto nomem;
  memcpy(out->seg_start, ir->seg_start, sizeof(uint32_t) * ir->nseg);
  out->seg_start[ir->nseg] = out->nins;
  /* collects of at most PLEAT_MAX_TUPLE fields each, in field order: they
     see one stream, so they count alike and share the leaves' offsets */
  for (uint32_t at = 0; at < nf; at += PLEAT_MAX_TUPLE) {
    pleat__ir_red r;
    memset(&r, 0, sizeof r);
    r.kind = RED_COLLECT;
    r.nin = (uint8_t)(nf - at < PLEAT_MAX_TUPLE ? nf - at : PLEAT_MAX_TUPLE);
    for (int k = 0; k < r.nin; k++) r.in[k] = f[at + (uint32_t)k];
    r.in_type = r.out_type = out->ins[r.in[0]].type;
    r.pred = r.key = r.sub = -1;
    r.top = true;
    int32_t q = pleat__ir_add_red(out, &r);
    if (q < 0) goto nomem;
    out->top[out->ntop++] = (uint32_t)q;
  }
  out->result_tuple = out->ntop > 1;
  out->uses_k = ir->uses_k;
  out->k_value = ir->k_value;
  out->text = ir->text;
  out->text_len = ir->text_len;
  return PLEAT_OK;
nomem:
  pleat__ir_free(out);
  return PLEAT_E_NOMEM;
}
