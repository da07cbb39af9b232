/*
** pleat_test.h -- small helpers shared by the test suites: a context on a
** back end (or skip), a pipeline run over given columns that returns its
** status, error index and JSON, column builders, and bitwise float
** comparison.  Header-only (static inline) so that a test uses what it needs.
**
** PT_CTX_OR_SKIP() uses CMocka's skip(): include <cmocka.h> first when you
** use it.
*/
#ifndef PLEAT_TEST_H
#define PLEAT_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pleat.h"

/* A context on back end `backend`, or NULL when it cannot be created. */
static inline pleat_ctx *pt_ctx(const char *backend) {
  pleat_ctx_options o;
  memset(&o, 0, sizeof o);
  o.backend = backend;
  pleat_ctx *ctx = NULL;
  if (pleat_ctx_create(&ctx, &o) != PLEAT_OK) {
    pleat_ctx_free(ctx);
    return NULL;
  }
  return ctx;
}

#ifdef skip
/* var = a context on `backend`, or the current CMocka test is skipped. */
#  define PT_CTX_OR_SKIP(var, backend)                                         \
    do {                                                                       \
      (var) = pt_ctx(backend);                                                 \
      if (!(var)) {                                                            \
        print_message("back end %s unavailable: skipped\n", (backend));       \
        skip();                                                                \
      }                                                                        \
    } while (0)
#endif

/* A data column (name NULL: positional x, y, z). */
static inline pleat_column pt_col(const char *name, pleat_dtype t, const void *data,
                                  uint64_t n) {
  pleat_column c;
  memset(&c, 0, sizeof c);
  c.name = name;
  c.dtype = t;
  c.data = data;
  c.len = n;
  return c;
}

/* A generated range column start, start+1, ... of n elements. */
static inline pleat_column pt_range(const char *name, pleat_dtype t, int64_t start,
                                    uint64_t n) {
  pleat_column c = pt_col(name, t, NULL, n);
  c.gen = PLEAT_GEN_RANGE;
  c.start = start;
  return c;
}

/* The outcome of one pipeline run through the public API. */
typedef struct pt_run {
  pleat_status plan_status; /* pleat_plan_create */
  pleat_status status;      /* the plan's status, else the run's */
  int64_t err_index;        /* pleat_result_error_index, -1 if none */
  char *json;               /* the result's JSON (status OK), malloc'ed */
  char msg[512];            /* the plan's or the run's message */
  pleat_plan *plan;
  pleat_result *res;        /* kept so that value stays readable */
  const pleat_value *value;
} pt_run;

/* Creates a plan for text over cols[0..ncols) on ctx and runs it.  Always
   fills *out; free it with pt_run_free.  Returns out->status. */
static inline pleat_status pt_exec(pleat_ctx *ctx, const char *text, const pleat_column *cols,
                                   size_t ncols, pt_run *out) {
  memset(out, 0, sizeof *out);
  out->err_index = -1;
  out->plan_status = pleat_plan_create(ctx, text, PLEAT_NUL_TERMINATED, cols, ncols, &out->plan);
  if (out->plan_status != PLEAT_OK) {
    out->status = out->plan_status;
    snprintf(out->msg, sizeof out->msg, "%s", pleat_plan_errmsg(out->plan));
    return out->status;
  }
  out->status = pleat_plan_run(out->plan, cols, ncols, &out->res);
  out->err_index = pleat_result_error_index(out->res);
  if (out->status != PLEAT_OK) {
    snprintf(out->msg, sizeof out->msg, "%s", pleat_result_errmsg(out->res));
    return out->status;
  }
  out->value = pleat_result_value(out->res);
  char *j = NULL;
  pleat_status st = pleat_value_to_json(NULL, out->value, &j);
  if (st != PLEAT_OK) {
    out->status = st;
    snprintf(out->msg, sizeof out->msg, "pleat_value_to_json: %s", pleat_status_name(st));
    return st;
  }
  out->json = j;
  return PLEAT_OK;
}

static inline void pt_run_free(pt_run *r) {
  if (r->json) pleat_string_free(NULL, r->json);
  pleat_result_free(r->res);
  pleat_plan_free(r->plan);
  memset(r, 0, sizeof *r);
}

/* The JSON of text over cols (malloc'ed; free with free()), or NULL with
   *st (and *err_index, may be NULL) set on failure. */
static inline char *pt_run_json(pleat_ctx *ctx, const char *text, const pleat_column *cols,
                                size_t ncols, pleat_status *st, int64_t *err_index) {
  pt_run r;
  *st = pt_exec(ctx, text, cols, ncols, &r);
  if (err_index) *err_index = r.err_index;
  char *out = NULL;
  if (r.json) {
    size_t n = strlen(r.json) + 1;
    out = malloc(n);
    if (out) memcpy(out, r.json, n);
  }
  pt_run_free(&r);
  return out;
}

/* Bitwise equality of floats (NaN equals NaN of the same bits only). */
static inline int pt_same_bits_f64(double a, double b) {
  uint64_t x, y;
  memcpy(&x, &a, 8);
  memcpy(&y, &b, 8);
  return x == y;
}
static inline int pt_same_bits_f32(float a, float b) {
  uint32_t x, y;
  memcpy(&x, &a, 4);
  memcpy(&y, &b, 4);
  return x == y;
}
/* Equal bits, or both NaN (the payload of a NaN is not promised). */
static inline int pt_same_float(double a, double b) {
  return (isnan(a) && isnan(b)) || pt_same_bits_f64(a, b);
}

#endif
