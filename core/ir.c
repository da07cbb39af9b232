/*
** ir.c -- building and dumping the IR (the text `pleat explain --stage ir`
** and `--stage plan` print).
*/
#include <stdio.h>

#include "ast.h"
#include "ir.h"
#include "exec_par.h"

const char *const pleat__red_names[RED_COUNT_] = {
#define X(n, t) t,
  PLEAT_REDUCERS(X)
#undef X
};

void pleat__ir_init(pleat__ir *ir, pleat__alloc *al) {
  memset(ir, 0, sizeof *ir);
  ir->al = al;
  ir->k_value = -1;
}

void pleat__ir_free(pleat__ir *ir) {
  if (!ir || !ir->al) return;
  for (uint32_t k = 0; k < ir->nred; k++) pleat__free(ir->al, ir->red[k].lam.ins);
  pleat__free(ir->al, ir->ins);
  pleat__free(ir->al, ir->extra);
  pleat__free(ir->al, ir->seg_start);
  pleat__free(ir->al, ir->red);
  pleat__free(ir->al, ir->top);
  memset(ir, 0, sizeof *ir);
}

int32_t pleat__ir_emit(pleat__ir *ir, const pleat__ir_ins *ins) {
  if (ir->nins == ir->cap) {
    uint32_t cap = ir->cap ? ir->cap * 2 : 32;
    if (cap > (1u << 20)) return -1;
    pleat__ir_ins *p = pleat__realloc(ir->al, ir->ins, pleat__mulsize(cap, sizeof *p));
    if (!p) return -1;
    ir->ins = p;
    ir->cap = cap;
  }
  ir->ins[ir->nins] = *ins;
  return (int32_t)ir->nins++;
}

uint32_t pleat__ir_extra(pleat__ir *ir, const int32_t *v, uint32_t n) {
  if (ir->nextra + n > ir->extracap) {
    uint32_t cap = ir->extracap ? ir->extracap : 16;
    while (cap < ir->nextra + n) cap *= 2;
    int32_t *p = pleat__realloc(ir->al, ir->extra, pleat__mulsize(cap, sizeof *p));
    if (!p) return UINT32_MAX;
    ir->extra = p;
    ir->extracap = cap;
  }
  uint32_t at = ir->nextra;
  memcpy(ir->extra + at, v, n * sizeof *v);
  ir->nextra += n;
  return at;
}

int32_t pleat__ir_add_red(pleat__ir *ir, const pleat__ir_red *r) {
  if (ir->nred == ir->redcap) {
    uint32_t cap = ir->redcap ? ir->redcap * 2 : 4;
    pleat__ir_red *p = pleat__realloc(ir->al, ir->red, pleat__mulsize(cap, sizeof *p));
    if (!p) return -1;
    ir->red = p;
    ir->redcap = cap;
  }
  ir->red[ir->nred] = *r;
  return (int32_t)ir->nred++;
}

static void dump_imm(pleat__str *o, int type, pleat__imm v) {
  char buf[32];
  switch (type) {
    case PLEAT_F32: pleat__fmt_f32(buf, (float)v.f); pleat__str_puts(o, buf); break;
    case PLEAT_F64: pleat__fmt_f64(buf, v.f); pleat__str_puts(o, buf); break;
    case PLEAT_BOOL: pleat__str_puts(o, v.i ? "true" : "false"); break;
    default: pleat__str_printf(o, "%lld", (long long)v.i); break;
  }
}

static void dump_ins(const pleat__ir_ins *in, int32_t k, const int32_t *extra,
                     pleat__str *o, const char *indent) {
  const pleat__ir_opinfo *info = &pleat__ir_ops[in->op];
  if (in->type) pleat__str_printf(o, "%sv%d: %s = %s", indent, k, pleat_dtype_name(in->type), info->name);
  else pleat__str_printf(o, "%s%s", indent, info->name);
  int32_t ops[3] = {in->a, in->b, in->c};
  for (int j = 0; j < 3; j++)
    if (ops[j] >= 0) pleat__str_printf(o, "%s%sv%d", j ? ", " : " ",
                                       (j == 2 && (in->op == IR_DIV || in->op == IR_REM)) ? "guard " : "",
                                       ops[j]);
  switch (in->op) {
    case IR_CONST: pleat__str_puts(o, " "); dump_imm(o, in->type, in->imm); break;
    case IR_COL: pleat__str_printf(o, " column %lld", (long long)in->imm.i); break;
    case IR_UNPACK: pleat__str_printf(o, " field %lld", (long long)in->imm.i); break;
    case IR_CAST: pleat__str_printf(o, " from %s", pleat_dtype_name(in->aux)); break;
    case IR_TAKE: case IR_DROP: case IR_TAKE_NTH:
      pleat__str_printf(o, " %lld", (long long)in->imm.i); break;
    case IR_SCAN:
      pleat__str_printf(o, " op %s", pleat__ast_op_text(in->aux));
      if (in->imm2) { pleat__str_puts(o, " init "); dump_imm(o, in->type, in->imm); }
      break;
    case IR_DEDUPE: case IR_FLATMAP:
      if (in->op == IR_FLATMAP)
        pleat__str_printf(o, " %lld x %lld fields:", (long long)in->imm.i, (long long)in->imm2);
      for (uint32_t j = 0; j < in->nextra; j++) pleat__str_printf(o, " v%d", extra[in->extra + j]);
      break;
  }
  pleat__str_puts(o, "\n");
}

void pleat__ir_dump(const pleat__ir *ir, pleat__str *o) {
  uint32_t seg = UINT32_MAX;
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    if (in->seg != seg) {
      seg = in->seg;
      pleat__str_printf(o, "segment %u:\n", seg);
    }
    dump_ins(in, (int32_t)k, ir->extra, o, "  ");
  }
  pleat__str_puts(o, "reducers:\n");
  for (uint32_t k = 0; k < ir->nred; k++) {
    const pleat__ir_red *r = &ir->red[k];
    pleat__str_printf(o, "  r%u: %s%s -> %s", k, pleat__red_names[r->kind],
                      r->top ? "" : " (inner)", r->in_type ? pleat_dtype_name(r->out_type) : "tuple");
    for (int j = 0; j < r->nin; j++) pleat__str_printf(o, "%sv%d", j ? ", " : " of ", r->in[j]);
    if (r->pred >= 0) pleat__str_printf(o, " where v%d", r->pred);
    if (r->kind == RED_GROUP)
      pleat__str_printf(o, " key v%d bins %lld of r%d", r->key, (long long)r->bins, r->sub);
    if (r->kind == RED_REDUCE || r->kind == RED_FOLDL) {
      if (r->op == 0xff) pleat__str_printf(o, " lambda (%u ops, result v%d)", r->lam.nins, r->lam.res);
      else pleat__str_printf(o, " op %s", pleat__ast_op_text(r->op));
      if (r->has_init) { pleat__str_puts(o, " init "); dump_imm(o, r->in_type, r->init); }
    }
    pleat__str_puts(o, "\n");
    if (r->op == 0xff)
      for (uint32_t j = 0; j < r->lam.nins; j++) dump_ins(&r->lam.ins[j], (int32_t)j, NULL, o, "      ");
  }
}

void pleat__ir_dump_plan(const pleat__ir *ir, pleat__str *o) {
  pleat__str_printf(o, "leaves: %d source elements each; in-leaf tree: %d lanes, pairwise; "
                    "leaves combine pairwise\n", PLEAT_LEAF, PLEAT_LANES);
  pleat__str_printf(o, "segments: %u (a flat_map starts a new one)\n", ir->nseg);
  int stateful = 0;
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    if (pleat__ir_ops[in->op].flags & IRF_STATE) {
      stateful++;
      pleat__str_printf(o, "carry: %s (v%u) keeps state across leaves\n",
                        pleat__ir_ops[in->op].name, k);
    }
  }
  for (uint32_t k = 0; k < ir->ntop; k++)
    if (ir->red[ir->top[k]].kind == RED_FOLDL) stateful++;
  pleat__par_shape ps = pleat__par_shape_of(ir); /* early exit: the same rule the run uses */
  int carry_passes = ps.passes - 1 - (ps.collect_count ? 1 : 0);
  pleat__str_printf(o, "passes: seq 1; threads %d (%s%s)\n", ps.serial_why ? 1 : ps.passes,
                    ps.serial_why ? ps.serial_why
                    : carry_passes ? "one summary pass per stage whose carry is not a plain element "
                                     "count, a scan of the carries over blocks, then the final pass"
                    : stateful ? "carries are block lengths or folded at the merge: one pass"
                    : ps.collect_count ? "a count pass gives each block its offset in the "
                                         "collected result, then the final pass writes it in place"
                               : "one pass over the input; leaf results combine in the fixed tree",
                    ps.serial_why || !ps.collect_count || (!carry_passes && !stateful)
                        ? "" : "; before it, a count pass gives each block its offset in the "
                               "collected result, written in place");
  pleat__str_printf(o, "early exit: %s\n", ps.early ? "yes (leaves past the cut are not run)" : "no");
}
