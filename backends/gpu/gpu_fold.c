/*
** gpu_fold.c -- see gpu.h.  A plan whose reducers the kernel generator
** cannot write (group, foldl, ...) still runs its stages on the device:
** the kernel is the one of codegen_fold.c, whose collects hand back the
** stream reaching the reducers.  Per launch, that stream lands in staging
** buffers here, and the host folds it leaf by leaf with the reducers of
** core/reduce.c, exactly as seq's leaves do, so the bits are seq's.
*/
#include <string.h>

#include "gpu.h"

pleat_status pleat__gpu_fold_open(pleat__gpu_fold *hf, const pleat__ir *ir, pleat__alloc *al) {
  memset(hf, 0, sizeof *hf);
  hf->al = al;
  pleat_status st = pleat__codegen_fold_ir(ir, &hf->ir);
  if (st != PLEAT_OK) return st;
  hf->nf = pleat__codegen_fold_fields(ir, hf->fields);
  hf->dense = pleat__codegen_fold_dense(ir);
  for (uint32_t f = 0; f < hf->nf; f++) {
    int t = hf->fields[f] == (int32_t)ir->nins ? PLEAT_I64 : ir->ins[hf->fields[f]].type;
    hf->es[f] = pleat_dtype_size(t);
    hf->elem_bytes += hf->es[f];
  }
  hf->val = pleat__malloc(al, sizeof(void *) * (ir->nins + 1));
  hf->mask = pleat__malloc(al, CHUNK);
  if (!hf->val || !hf->mask) {
    pleat__gpu_fold_close(hf);
    return PLEAT_E_NOMEM;
  }
  memset(hf->val, 0, sizeof(void *) * (ir->nins + 1));
  return PLEAT_OK;
}

void pleat__gpu_fold_close(pleat__gpu_fold *hf) {
  if (!hf->al) return;
  for (uint32_t f = 0; f < hf->nf; f++) pleat__free(hf->al, hf->stage[f]);
  pleat__free(hf->al, hf->val);
  pleat__free(hf->al, hf->mask);
  pleat__ir_free(&hf->ir);
  memset(hf, 0, sizeof *hf);
}

bool pleat__gpu_fold_reserve(pleat__gpu_fold *hf, uint64_t total) {
  if (total <= hf->cap) return true;
  uint64_t cap = hf->cap ? hf->cap : 4096;
  while (cap < total) cap *= 2;
  for (uint32_t f = 0; f < hf->nf; f++) {
    if ((uint64_t)SIZE_MAX / hf->es[f] < cap) return false;
    /* the old contents are not kept: each launch writes its own stream */
    pleat__free(hf->al, hf->stage[f]);
    hf->stage[f] = pleat__malloc(hf->al, (size_t)cap * hf->es[f]);
    if (!hf->stage[f]) {
      hf->cap = 0;
      return false;
    }
  }
  hf->cap = cap;
  return true;
}

uint64_t pleat__gpu_fold_reach(const uint64_t *rows, uint64_t nl, uint32_t words, uint32_t kn) {
  for (uint64_t q = 0; q < nl; q++) {
    const uint64_t *row = rows + q * words;
    if ((int64_t)row[4 * kn] >= 0 || (int64_t)row[4 * kn + 2] >= 0) return q + 1;
  }
  return nl;
}

void pleat__gpu_fold_leaves(pleat__gpu_fold *hf, pleat__exec *mx, const uint64_t *rows, const uint64_t *coff,
                            uint64_t leaf0, uint64_t nl, uint32_t words) {
  uint32_t kn = hf->ir.nred;
  uint32_t f0 = hf->dense ? 0 : 1; /* the first field that is a value */
  for (uint64_t q = 0; q < nl && !mx->stop && !mx->failed; q++) {
    const uint64_t *row = rows + q * words;
    uint64_t cnt = row[2]; /* every collect counts the one stream (codegen_fold.c) */
    uint64_t off = coff[q]; /* of the leaf's first element in the staging buffers */
    pleat__reduce_leaf_begin(mx);
    for (uint64_t j = 0; j < cnt && !mx->stop && !mx->failed; j += CHUNK) {
      pleat__seg sg;
      memset(&sg, 0, sizeof sg);
      sg.len = (uint32_t)(cnt - j < CHUNK ? cnt - j : CHUNK);
      if (hf->dense) sg.base = (leaf0 + q) * PLEAT_LEAF + j; /* every element, in order */
      else sg.src = (int64_t *)hf->stage[0] + off + j;
      sg.mask = hf->mask;
      sg.dense = true;
      for (uint32_t f = f0; f < hf->nf; f++)
        hf->val[hf->fields[f]] = (char *)hf->stage[f] + (size_t)(off + j) * hf->es[f];
      pleat__exec_fold_chunk(mx, &sg);
    }
    if (mx->failed) return;
    pleat__reduce_leaf_end(mx);
    if (mx->failed) return;
    /* the leaf's trap comes after its stream, which may have ended the fold */
    int64_t trap = (int64_t)row[4 * kn];
    if (trap >= 0 && !mx->stop) {
      pleat__exec_fail_div0(mx, (uint32_t)row[4 * kn + 1], trap);
      return;
    }
    if ((int64_t)row[4 * kn + 2] >= 0) mx->stop = true; /* a take or take_while */
  }
}
