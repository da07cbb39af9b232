/*
** seq.c -- the reference back end: one thread, leaf by leaf in the
** canonical order (core/exec.c).  Every other back end must give its
** results bit for bit.
*/
#include <stdio.h>

#include "backend.h"

static bool seq_probe(char *why, size_t n) {
  snprintf(why, n, "one thread, the reference semantics");
  return true;
}

const pleat__backend_ops pleat__backend_seq = {
  .name = "seq",
  .built = true,
  .probe = seq_probe,
  .ctx_init = NULL,
  .ctx_free = NULL,
  .run = pleat__exec_seq,
};
