/*
** ref_eval.h -- the reference evaluator of the equivalence tests.
**
** An independent, naive, one-element-at-a-time interpreter of the pipeline
** language.  It shares only the parser (pleat__parse, its AST) and the
** public pleat_value type with the library: its own type checker, its own
** scalar arithmetic, its own stages and reducers, and a direct recursive
** implementation of the fixed summation tree of core/ir.h.  It walks the
** stream exactly as LANGUAGE.md describes it: source elements in index
** order, each one pushed through the stages to the reducers before the next
** one starts.  It needs to handle valid pipelines only; anything it does not
** understand is reported as a plan error.
**
** Semantics decided here (and documented for the suite):
**   - every reducer's argument expressions (and a group's key) are evaluated
**     for every element that reaches the reducers, as `sum(e)` is
**     `map(e) |> sum`;
**   - take(0): the first element that reaches it stops the fold (the stages
**     before it have run for that element);
**   - flat_map evaluates all of its expressions for an element before the
**     first produced element moves on;
**   - a flat_map's items promote to one common type (the C promotion of all
**     of them), each converted once.
*/
#ifndef PLEAT_REF_EVAL_H
#define PLEAT_REF_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "pleat.h"

struct ref_arena;

typedef struct ref_result {
  /** PLEAT_OK; a run-time PLEAT_E_DOMAIN; or the status of a plan error. */
  pleat_status status;
  /** 1 when the reference rejected the pipeline before running it. */
  int plan_failed;
  /** Source index of a run-time error, else -1. */
  int64_t err_index;
  char msg[256];
  /** The result (status OK), allocated in the result's arena. */
  const pleat_value *value;
  /** pleat_value_to_json(NULL, value) (status OK), else NULL. */
  char *json;
  struct ref_arena *arena;
} ref_result;

/** Evaluates the pipeline text over cols[0..ncols) (every column of the same
    len; data columns and PLEAT_GEN_RANGE columns).  Fills *out; free it
    with ref_result_free.  Returns out->status. */
pleat_status ref_eval(const char *text, const pleat_column *cols, size_t ncols,
                      ref_result *out);
void ref_result_free(ref_result *r);

/** Structural, bitwise comparison of two result values: kinds (a COLUMN
    equals an ARRAY of the same scalars), dtypes, integers, and float bits
    (any NaN equals any NaN: payloads are not promised).  Returns 1 when equal;
    else 0 with a description of the first difference in why[0..n). */
int ref_value_equal(const pleat_value *a, const pleat_value *b, char *why, size_t n);

#endif
