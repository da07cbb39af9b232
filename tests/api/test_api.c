/* LABELS: quick api  TIMEOUT: 300 */
/*
** test_api.c -- the public life cycle: contexts, back-end selection, plan
** errors with positions, run-time argument checks, result kinds, an
** allocation-failure sweep, and one plan run from many threads at once.
*/
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pleat.h"

static pleat_ctx *seq_ctx(void) {
  pleat_ctx_options o;
  memset(&o, 0, sizeof o);
  o.backend = "seq";
  pleat_ctx *ctx = NULL;
  assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_OK);
  return ctx;
}

static pleat_column col_of(pleat_dtype t, const void *data, uint64_t n) {
  pleat_column c;
  memset(&c, 0, sizeof c);
  c.dtype = t;
  c.data = data;
  c.len = n;
  return c;
}

/* Runs text over one column and returns the JSON text (caller frees) or
   NULL with *st set. */
static char *run_json(pleat_ctx *ctx, const char *text, pleat_column c, pleat_status *st) {
  pleat_plan *p = NULL;
  *st = pleat_plan_create(ctx, text, PLEAT_NUL_TERMINATED, &c, 1, &p);
  if (*st != PLEAT_OK) {
    print_message("plan error: %s\n", pleat_plan_errmsg(p));
    pleat_plan_free(p);
    return NULL;
  }
  pleat_result *r = NULL;
  *st = pleat_plan_run(p, &c, 1, &r);
  char *json = NULL;
  if (*st == PLEAT_OK) assert_int_equal(pleat_value_to_json(ctx, pleat_result_value(r), &json), PLEAT_OK);
  pleat_result_free(r);
  pleat_plan_free(p);
  return json;
}

static void expect_json(pleat_ctx *ctx, const char *text, pleat_column c, const char *want) {
  pleat_status st;
  char *got = run_json(ctx, text, c, &st);
  if (!got || strcmp(got, want)) {
    print_error("pipeline %s: want %s, got %s (status %s)\n", text, want, got ? got : "(none)",
                pleat_status_name(st));
    pleat_string_free(ctx, got);
    fail();
  }
  pleat_string_free(ctx, got);
}

static void test_versions_and_status(void **state) {
  (void)state;
  assert_int_equal(pleat_version(), PLEAT_VERSION_NUMBER);
  assert_string_equal(pleat_version_string(), PLEAT_VERSION_STRING);
  assert_string_equal(pleat_status_name(PLEAT_E_SYNTAX), "PLEAT_E_SYNTAX");
  assert_string_equal(pleat_status_name(999), "PLEAT_UNKNOWN");
  assert_string_equal(pleat_strerror(-5), "unknown status");
  for (int s = 0; s <= PLEAT_E_INTERNAL; s++) assert_true(strlen(pleat_strerror(s)) > 0);
  assert_string_equal(pleat_dtype_name(99), "?");
  assert_int_equal(pleat_dtype_size(PLEAT_F64), 8);
  assert_int_equal(pleat_dtype_size(-1), 0);
}

static void test_ctx_backends(void **state) {
  (void)state;
  assert_int_equal(pleat_ctx_create(NULL, NULL), PLEAT_E_INVAL);
  const char *bad[] = {"gpu", "CUDA", " seq", "seq,", ",seq", "seq,,threads", "seq;threads"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    pleat_ctx_options o = {0};
    o.backend = bad[k];
    pleat_ctx *ctx = NULL;
    assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_E_BACKEND);
    assert_non_null(ctx);
    assert_non_null(strstr(pleat_ctx_errmsg(ctx), "valid names"));
    assert_string_equal(pleat_ctx_backend(ctx), "");
    pleat_ctx_free(ctx);
  }
  pleat_ctx_options o = {0};
  o.backend = "cuda";
  pleat_ctx *ctx = NULL;
  assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_E_UNAVAILABLE);
  assert_non_null(strstr(pleat_ctx_errmsg(ctx), "cuda"));
  pleat_ctx_free(ctx);
  /* a list takes its first usable entry: opencl where a device is, else seq */
  bool ocl_usable = false;
  for (size_t k = 0; k < pleat_backend_count(); k++) {
    pleat_backend_info bi;
    if (pleat_backend_get(k, &bi) == PLEAT_OK && !strcmp(bi.name, "opencl")) ocl_usable = bi.usable;
  }
  o.backend = "cuda,opencl,seq";
  assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_OK);
  assert_string_equal(pleat_ctx_backend(ctx), ocl_usable ? "opencl" : "seq");
  pleat_ctx_free(ctx);
  o.backend = "cuda,seq";
  assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_OK);
  assert_string_equal(pleat_ctx_backend(ctx), "seq");
  pleat_ctx_free(ctx);
  o.backend = "auto";
  assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_OK);
  assert_true(strlen(pleat_ctx_backend(ctx)) > 0);
  pleat_ctx_free(ctx);
  pleat_allocator a = {0};
  o.allocator = &a;
  assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_E_INVAL);
  pleat_ctx_free(NULL);
  /* discovery */
  assert_true(pleat_backend_count() >= 4);
  pleat_backend_info info;
  bool seen_seq = false;
  for (size_t k = 0; k < pleat_backend_count(); k++) {
    assert_int_equal(pleat_backend_get(k, &info), PLEAT_OK);
    assert_true(strlen(info.reason) > 0);
    if (!strcmp(info.name, "seq")) seen_seq = info.usable;
  }
  assert_true(seen_seq);
  assert_int_equal(pleat_backend_get(99, &info), PLEAT_E_INVAL);
  assert_int_equal(pleat_backend_get(0, NULL), PLEAT_E_INVAL);
}

static void test_plan_errors(void **state) {
  (void)state;
  pleat_ctx *ctx = seq_ctx();
  float d[4] = {1, 2, 3, 4};
  pleat_column c = col_of(PLEAT_F32, d, 4);
  struct { const char *text; pleat_status st; int line, col; const char *frag; } cases[] = {
    {"map(x * * 2) |> sum", PLEAT_E_SYNTAX, 1, 9, NULL},
    {"map(y) |> sum", PLEAT_E_NAME, 1, 5, "'y'"},
    {"map(k) |> sum", PLEAT_E_NAME, 1, 5, "enumerate"},
    {"filter(x + 1) |> sum", PLEAT_E_TYPE, 1, 8, "f32"},
    {"map(x & 1) |> sum", PLEAT_E_TYPE, 1, 5, "f32"},
    {"map(true + 1) |> sum", PLEAT_E_TYPE, 1, 5, "bool"},
    {"take(1.5) |> sum", PLEAT_E_TYPE, 1, 6, NULL},
    {"take(-1) |> sum", PLEAT_E_TYPE, 1, 6, NULL},
    {"take_nth(0) |> sum", PLEAT_E_DOMAIN, 1, 10, NULL},
    {"map(i32(x) / 0) |> sum", PLEAT_E_DOMAIN, 1, 5, "division by zero"},
    {"map(atan2(x)) |> sum", PLEAT_E_ARITY, 1, 5, "atan2"},
    {"map(foo(x)) |> sum", PLEAT_E_NAME, 1, 5, "foo"},
    {"group(x, 10, count)", PLEAT_E_TYPE, 1, 7, "integer"},
    {"group(i64(x), 10, collect)", PLEAT_E_TYPE, 1, 19, "collect"},
    {"reduce((a, b) -> a + b)", PLEAT_E_ARITY, 1, 1, "init"},
    {"map(x)", PLEAT_E_SYNTAX, 1, 1, "reducer"},
    {"sum |> map(x)", PLEAT_E_SYNTAX, 1, 1, "last"},
    {"map((x, x)) |> sum", PLEAT_E_TYPE, 1, 16, "tuple"},
    {"map(2147483648 + i32(x)) |> sum", PLEAT_E_RANGE, 1, 5, "i32"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    pleat_plan *p = NULL;
    pleat_status st = pleat_plan_create(ctx, cases[k].text, PLEAT_NUL_TERMINATED, &c, 1, &p);
    if (st != cases[k].st || pleat_plan_error_line(p) != cases[k].line ||
        pleat_plan_error_column(p) != cases[k].col ||
        (cases[k].frag && !strstr(pleat_plan_errmsg(p), cases[k].frag))) {
      print_error("%s: want %s at %d:%d, got %s at %d:%d: %s\n", cases[k].text,
                  pleat_status_name(cases[k].st), cases[k].line, cases[k].col,
                  pleat_status_name(st), pleat_plan_error_line(p), pleat_plan_error_column(p),
                  pleat_plan_errmsg(p));
      fail();
    }
    assert_true(strlen(pleat_plan_errmsg(p)) > 0);
    /* running a failed plan is misuse, not a crash */
    pleat_result *r = NULL;
    assert_int_equal(pleat_plan_run(p, &c, 1, &r), PLEAT_E_MISUSE);
    pleat_result_free(r);
    pleat_plan_free(p);
  }
  /* NULL arguments */
  pleat_plan *p = NULL;
  assert_int_equal(pleat_plan_create(ctx, NULL, 0, &c, 1, &p), PLEAT_E_INVAL);
  pleat_plan_free(p);
  assert_int_equal(pleat_plan_create(ctx, "sum", 3, NULL, 1, &p), PLEAT_E_INVAL);
  pleat_plan_free(p);
  assert_int_equal(pleat_plan_create(ctx, "sum", 3, &c, 0, &p), PLEAT_E_INVAL);
  pleat_plan_free(p);
  assert_int_equal(pleat_plan_create(NULL, "sum", 3, &c, 1, &p), PLEAT_E_INVAL);
  assert_null(p);
  assert_int_equal(pleat_plan_create(ctx, "sum", 3, &c, 1, NULL), PLEAT_E_INVAL);
  /* explicit length is honoured: "sum |> garbage" cut after "sum" */
  assert_int_equal(pleat_plan_create(ctx, "sum |> garbage", 3, &c, 1, &p), PLEAT_OK);
  pleat_plan_free(p);
  /* bad schemas */
  pleat_column bad = c;
  bad.dtype = (pleat_dtype)99;
  assert_int_equal(pleat_plan_create(ctx, "sum", 3, &bad, 1, &p), PLEAT_E_INVAL);
  pleat_plan_free(p);
  pleat_column two[2] = {c, c};
  two[0].name = "v";
  two[1].name = "v";
  assert_int_equal(pleat_plan_create(ctx, "sum", 3, two, 2, &p), PLEAT_E_NAME);
  pleat_plan_free(p);
  two[1].name = "sum";
  assert_int_equal(pleat_plan_create(ctx, "sum", 3, two, 2, &p), PLEAT_E_NAME);
  pleat_plan_free(p);
  two[1].name = "bad name";
  assert_int_equal(pleat_plan_create(ctx, "sum", 3, two, 2, &p), PLEAT_E_NAME);
  pleat_plan_free(p);
  pleat_ctx_free(ctx);
}

static void test_run_errors(void **state) {
  (void)state;
  pleat_ctx *ctx = seq_ctx();
  float d[4] = {1, 2, 3, 4};
  double e[3] = {1, 2, 3};
  pleat_column cols[2] = {col_of(PLEAT_F32, d, 4), col_of(PLEAT_F64, e, 3)};
  cols[0].name = "a";
  cols[1].name = "b";
  pleat_plan *p = NULL;
  assert_int_equal(pleat_plan_create(ctx, "map(a + b) |> sum", PLEAT_NUL_TERMINATED, cols, 2, &p), PLEAT_OK);
  pleat_result *r = NULL;
  assert_int_equal(pleat_plan_run(p, cols, 2, &r), PLEAT_E_INVAL); /* lengths 4 and 3 */
  assert_non_null(strstr(pleat_result_errmsg(r), "4"));
  assert_non_null(strstr(pleat_result_errmsg(r), "3"));
  assert_null(pleat_result_value(r));
  pleat_result_free(r);
  assert_int_equal(pleat_plan_run(p, cols, 1, &r), PLEAT_E_INVAL); /* wrong count */
  pleat_result_free(r);
  cols[1].len = 4;
  cols[1].dtype = PLEAT_I64;
  assert_int_equal(pleat_plan_run(p, cols, 2, &r), PLEAT_E_TYPE); /* wrong dtype */
  pleat_result_free(r);
  cols[1].dtype = PLEAT_F64;
  cols[1].data = NULL;
  assert_int_equal(pleat_plan_run(p, cols, 2, &r), PLEAT_E_INVAL); /* NULL data */
  pleat_result_free(r);
  assert_int_equal(pleat_plan_run(p, NULL, 2, &r), PLEAT_E_INVAL);
  pleat_result_free(r);
  assert_int_equal(pleat_plan_run(p, cols, 2, NULL), PLEAT_E_INVAL);
  /* NULL data with len 0 is a valid empty input */
  cols[0].data = NULL;
  cols[0].len = 0;
  cols[1].len = 0;
  assert_int_equal(pleat_plan_run(p, cols, 2, &r), PLEAT_OK);
  assert_int_equal(pleat_result_value(r)->kind, PLEAT_VALUE_FLOAT);
  assert_true(pleat_result_value(r)->as.f == 0.0);
  pleat_result_free(r);
  pleat_plan_free(p);
  /* run-time division by zero: the smallest index, the expression named */
  int32_t z[8] = {1, 2, 3, 4, 5, 0, 7, 0};
  pleat_column zc = col_of(PLEAT_I32, z, 8);
  assert_int_equal(pleat_plan_create(ctx, "map(100 / x) |> sum", PLEAT_NUL_TERMINATED, &zc, 1, &p), PLEAT_OK);
  assert_int_equal(pleat_plan_run(p, &zc, 1, &r), PLEAT_E_DOMAIN);
  assert_int_equal(pleat_result_error_index(r), 5);
  assert_non_null(strstr(pleat_result_errmsg(r), "100 / x"));
  pleat_result_free(r);
  pleat_plan_free(p);
  pleat_ctx_free(ctx);
}

static void test_results(void **state) {
  (void)state;
  pleat_ctx *ctx = seq_ctx();
  float f[6] = {3.0f, -1.5f, NAN, 0.0f, -0.0f, 2.0f};
  pleat_column cf = col_of(PLEAT_F32, f, 6);
  expect_json(ctx, "minmax", cf, "[NaN, NaN]");
  expect_json(ctx, "filter(!isnan(x)) |> minmax", cf, "[-1.5, 3.0]");
  expect_json(ctx, "filter(x == 0) |> min", cf, "-0.0");
  expect_json(ctx, "filter(x == 0) |> max", cf, "0.0");
  expect_json(ctx, "argmin", cf, "2");
  expect_json(ctx, "filter(!isnan(x)) |> argmin", cf, "1");
  expect_json(ctx, "count", cf, "6");
  expect_json(ctx, "count(x > 0)", cf, "2");
  expect_json(ctx, "filter(false) |> min", cf, "null");
  expect_json(ctx, "filter(false) |> sum", cf, "0.0");
  expect_json(ctx, "filter(false) |> prod", cf, "1.0");
  expect_json(ctx, "filter(false) |> collect", cf, "[]");
  expect_json(ctx, "filter(false) |> (any(x > 0), all(x > 0), first, mean, var)", cf,
              "[false, true, null, null, null]");
  expect_json(ctx, "take(2) |> collect", cf, "[3.0, -1.5]");
  expect_json(ctx, "enumerate |> map((k, x)) |> take(2) |> collect", cf, "[[0, 3.0], [1, -1.5]]");
  expect_json(ctx, "find_first(x < 0)", cf, "1");
  expect_json(ctx, "first", cf, "3.0");
  expect_json(ctx, "last", cf, "2.0");
  double v[3] = {1e9, 1e9 + 1, 1e9 + 2};
  pleat_column cv = col_of(PLEAT_F64, v, 3);
  expect_json(ctx, "var", cv, "1.0");
  expect_json(ctx, "mean", cv, "1000000001.0");
  int32_t im[4] = {INT32_MAX, 1, INT32_MIN, -1};
  pleat_column ci = col_of(PLEAT_I32, im, 4);
  expect_json(ctx, "take(2) |> sum", ci, "2147483648");
  expect_json(ctx, "map(x / -1) |> collect", ci, "[-2147483647, -1, -2147483648, 1]");
  expect_json(ctx, "map(x % -1) |> collect", ci, "[0, 0, 0, 0]");
  expect_json(ctx, "map(abs(x)) |> collect", ci, "[2147483647, 1, -2147483648, 1]");
  expect_json(ctx, "map(x << 33) |> take(2) |> collect", ci, "[-2, 2]");
  expect_json(ctx, "scan(+) |> collect", ci, "[2147483647, -2147483648, 0, -1]");
  expect_json(ctx, "group(i64(x & 1), 2, count)", ci, "[1, 3]");
  expect_json(ctx, "flat_map(x, -x) |> take(3) |> collect", ci, "[2147483647, -2147483647, 1]");
  expect_json(ctx, "take(2) |> flat_map_range(0, x % 4) |> collect", ci, "[0, 1, 2, 0]");
  expect_json(ctx, "dedupe |> count", ci, "4");
  expect_json(ctx, "reduce(+)", ci, "-1");
  expect_json(ctx, "reduce((a, b) -> a ^ b, 0)", ci, "1");
  expect_json(ctx, "foldl((a, b) -> a * 2 + b, 0)", ci, "-5");
  /* lazy range over 2^40 elements answers at once */
  pleat_column rg;
  memset(&rg, 0, sizeof rg);
  rg.dtype = PLEAT_I64;
  rg.gen = PLEAT_GEN_RANGE;
  rg.len = 1ull << 40;
  expect_json(ctx, "filter(x % 2 != 0) |> take(10) |> sum", rg, "100");
  expect_json(ctx, "find_first(x == 7)", rg, "7");
  expect_json(ctx, "any(x > 1000000)", rg, "true");
  pleat_ctx_free(ctx);
}

/* ---- allocation failures -------------------------------------------------- */

typedef struct { long left; long calls; } budget;
static void *fa_malloc(void *ud, size_t n) {
  budget *b = ud;
  b->calls++;
  if (b->left-- <= 0) return NULL;
  return malloc(n);
}
static void *fa_realloc(void *ud, void *p, size_t n) {
  budget *b = ud;
  b->calls++;
  if (b->left-- <= 0) return NULL;
  return realloc(p, n);
}
static void fa_free(void *ud, void *p) { (void)ud; free(p); }

/* Fails the k-th allocation for k = 0, 1, 2, ... until the whole scenario
   succeeds: every failure must be a clean PLEAT_E_NOMEM (ASan checks leaks). */
static void test_oom_sweep(void **state) {
  (void)state;
  const char *pipes[] = {
    "map(x * x) |> filter(x > 0.5) |> sum",
    "enumerate |> map((k, x)) |> collect",
    "group(i64(x * 4), 4, mean)",
    "flat_map(x, x + 1) |> (sum, count, minmax, var)",
    "reduce((a, b) -> a + b, 0.0)",
  };
  double d[5000];
  for (int j = 0; j < 5000; j++) d[j] = (double)(j % 97) / 97.0;
  for (size_t q = 0; q < sizeof pipes / sizeof pipes[0]; q++) {
    bool done = false;
    for (long k = 0; k < 10000 && !done; k++) {
      budget b = {k, 0};
      pleat_allocator a = {fa_malloc, fa_realloc, fa_free, &b};
      pleat_ctx_options o = {0};
      o.backend = "seq";
      o.allocator = &a;
      pleat_ctx *ctx = NULL;
      pleat_status st = pleat_ctx_create(&ctx, &o);
      if (st != PLEAT_OK) {
        assert_int_equal(st, PLEAT_E_NOMEM);
        pleat_ctx_free(ctx);
        continue;
      }
      pleat_column c = col_of(PLEAT_F64, d, 5000);
      pleat_plan *p = NULL;
      st = pleat_plan_create(ctx, pipes[q], PLEAT_NUL_TERMINATED, &c, 1, &p);
      if (st == PLEAT_OK) {
        pleat_result *r = NULL;
        st = pleat_plan_run(p, &c, 1, &r);
        if (st == PLEAT_OK) {
          char *json = NULL;
          st = pleat_value_to_json(ctx, pleat_result_value(r), &json);
          pleat_string_free(ctx, json);
          done = st == PLEAT_OK;
        }
        pleat_result_free(r);
      }
      if (!done && st != PLEAT_E_NOMEM) {
        print_error("%s: allocation %ld failed with %s: %s\n", pipes[q], k, pleat_status_name(st),
                    p ? pleat_plan_errmsg(p) : "");
        fail();
      }
      pleat_plan_free(p);
      pleat_ctx_free(ctx);
    }
    assert_true(done);
  }
}

/* ---- one plan, many threads -------------------------------------------------- */

typedef struct {
  const pleat_plan *p;
  pleat_column c;
  const char *want;
  int ok;
} job;

static void *worker(void *arg) {
  job *j = arg;
  j->ok = 1;
  for (int it = 0; it < 50; it++) {
    pleat_result *r = NULL;
    if (pleat_plan_run(j->p, &j->c, 1, &r) != PLEAT_OK) j->ok = 0;
    char *json = NULL;
    if (pleat_value_to_json(NULL, pleat_result_value(r), &json) != PLEAT_OK || strcmp(json, j->want))
      j->ok = 0;
    pleat_string_free(NULL, json);
    pleat_result_free(r);
  }
  return NULL;
}

static void test_concurrent_runs(void **state) {
  (void)state;
  pleat_ctx *ctx = seq_ctx();
  enum { N = 100000 };
  float *d = malloc(N * sizeof *d);
  for (int j = 0; j < N; j++) d[j] = (float)((j * 7919) % 1000) / 1000.0f;
  pleat_column c = col_of(PLEAT_F32, d, N);
  pleat_plan *p = NULL;
  assert_int_equal(pleat_plan_create(ctx, "map(x * x) |> filter(x > 0.25) |> (sum, count, minmax)",
                                     PLEAT_NUL_TERMINATED, &c, 1, &p), PLEAT_OK);
  pleat_status st;
  pleat_result *r = NULL;
  assert_int_equal(pleat_plan_run(p, &c, 1, &r), PLEAT_OK);
  char *want = NULL;
  assert_int_equal(pleat_value_to_json(NULL, pleat_result_value(r), &want), PLEAT_OK);
  pleat_result_free(r);
  (void)st;
  enum { T = 8 };
  pthread_t th[T];
  job jobs[T];
  for (int t = 0; t < T; t++) {
    jobs[t] = (job){p, c, want, 0};
    assert_int_equal(pthread_create(&th[t], NULL, worker, &jobs[t]), 0);
  }
  for (int t = 0; t < T; t++) {
    pthread_join(th[t], NULL);
    assert_true(jobs[t].ok);
  }
  pleat_string_free(NULL, want);
  pleat_plan_free(p);
  pleat_ctx_free(ctx);
  free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_versions_and_status),
    cmocka_unit_test(test_ctx_backends),
    cmocka_unit_test(test_plan_errors),
    cmocka_unit_test(test_run_errors),
    cmocka_unit_test(test_results),
    cmocka_unit_test(test_oom_sweep),
    cmocka_unit_test(test_concurrent_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
