/*
** ir_uses.c -- facts about a plan's values that the interpreter and the
** kernel generator both need: how often each is used, and which only a
** drop_while's predicate needs (seq evaluates those lazily, so a division
** among them traps only where the predicate was evaluated).
*/
#include "ir.h"

void pleat__ir_count_uses(const pleat__ir *ir, int32_t *uses) {
  memset(uses, 0, sizeof *uses * ir->nins);
  for (uint32_t q = 0; q < ir->nins; q++) {
    const pleat__ir_ins *u = &ir->ins[q];
    int32_t o[3] = {u->a, u->b, u->c};
    for (int j = 0; j < 3; j++)
      if (o[j] >= 0) uses[o[j]]++;
    for (uint32_t e = 0; e < u->nextra; e++) uses[ir->extra[u->extra + e]]++;
  }
  for (uint32_t q = 0; q < ir->nred; q++) {
    const pleat__ir_red *o = &ir->red[q];
    for (int f = 0; f < o->nin; f++)
      if (o->in[f] >= 0) uses[o->in[f]]++;
    if (o->pred >= 0) uses[o->pred]++;
    if (o->kind == RED_GROUP && o->key >= 0) uses[o->key]++;
  }
}

bool pleat__ir_drop_while_divides(const pleat__ir *ir) {
  for (uint32_t k = 0; k < ir->nins; k++)
    if (ir->ins[k].op == IR_DROP_WHILE)
      for (uint32_t q = ir->seg_start[ir->ins[k].seg]; q < k; q++)
        if (ir->ins[q].op == IR_DIV || ir->ins[q].op == IR_REM) return true;
  return false;
}

void pleat__ir_drop_while_owners(const pleat__ir *ir, const int32_t *uses, int32_t *owner, int32_t *users) {
  uint32_t n = ir->nins;
  for (uint32_t q = 0; q < n; q++) owner[q] = -1;
  for (uint32_t k = 0; k < n; k++) {
    if (ir->ins[k].op != IR_DROP_WHILE || ir->ins[k].a < 0) continue;
    /* every use of every value but the predicate's, which is the owner's */
    memcpy(users, uses, n * sizeof *users);
    users[ir->ins[k].a]--;
    /* back from the predicate: an instruction all of whose uses are owned
       is owned, and its operands lose a non-owned use.  Only the
       predicate's own instructions (from imm2, set by the checker) can be:
       a value an earlier map computed was evaluated eagerly there. */
    uint32_t s0 = ir->seg_start[ir->ins[k].seg];
    if ((uint64_t)ir->ins[k].imm2 > s0 && (uint64_t)ir->ins[k].imm2 <= k) s0 = (uint32_t)ir->ins[k].imm2;
    if ((uint32_t)ir->ins[k].a >= s0) owner[ir->ins[k].a] = users[ir->ins[k].a] == 0 ? (int32_t)k : -1;
    for (uint32_t q = k; q-- > s0;) {
      if (owner[q] != (int32_t)k) continue;
      const pleat__ir_ins *in = &ir->ins[q];
      if (!(pleat__ir_ops[in->op].flags & IRF_PURE)) {
        owner[q] = -1;
        continue;
      }
      int32_t o[3] = {in->a, in->b, in->c};
      for (int j = 0; j < 3; j++)
        if (o[j] >= (int32_t)s0 && --users[o[j]] == 0 && owner[o[j]] < 0) owner[o[j]] = (int32_t)k;
    }
  }
}
