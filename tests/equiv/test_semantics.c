/* LABELS: quick equiv  TIMEOUT: 600 */
/*
** test_semantics.c -- hand-written pipelines with known answers, for every
** stage and reducer: the empty-stream column of LANGUAGE.md (n = 0 and after
** filter(false)), n = 1, the numeric edge cases of RELIABILITY (c) C01-C06,
** C11, C13, C18, C20, the integer edge cases B11, B12, B27, B28, early exit
** over a generated range of 2^40 elements, and run-time domain errors with
** the smallest index.
**
** Every case runs through the public API on the seq back end AND through the
** reference evaluator (tests/support/ref_eval.c); both must give the known
** answer (JSON text), and the two results must agree bitwise (dtypes and
** float bits included, which JSON alone would not show).
**
** KNOWN_LIBRARY_BUGS lists cases where the library is wrong against the
** contract and the bug has been reported: they are printed, not counted,
** unless PLEAT_EQUIV_STRICT=1.  The reference must pass every case.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pleat.h"
#include "pleat_test.h"
#include "ref_eval.h"

/* Cases whose library result is known to be wrong (reported to the lead). */
static const struct {
  const char *pipeline;
  const char *why;
} KNOWN_LIBRARY_BUGS[] = {
  {NULL, NULL}};

static int failures;
static int known_seen;
static int unsupported_seen; /* PLEAT_EQUIV_PARTIAL: answered PLEAT_E_UNSUPPORTED */
static pleat_ctx *g_ctx;

enum { KNOWN = 1, NOREF = 2 }; /* flags of a check */

static const char *known_bug(const char *pipe, int flags) {
  if (!(flags & KNOWN)) return NULL;
  for (int k = 0; KNOWN_LIBRARY_BUGS[k].pipeline; k++)
    if (!strcmp(KNOWN_LIBRARY_BUGS[k].pipeline, pipe)) return KNOWN_LIBRARY_BUGS[k].why;
  return NULL;
}

static int strict(void) {
  const char *s = getenv("PLEAT_EQUIV_STRICT");
  return s && *s == '1';
}

/* Runs pipe over cols on the library and on the reference, checks both
   against the answer (want JSON; or want_st with want_idx), and checks the
   two agree bitwise.  flags KNOWN: a known library bug (listed in
   KNOWN_LIBRARY_BUGS); NOREF: the reference is not run. */
static void check(const char *pipe, const pleat_column *cols, size_t ncols, const char *want,
                  pleat_status want_st, int64_t want_idx, int flags) {
  int lib_bad = 0, ref_bad = 0;
  char why[512] = "";
  pt_run lib;
  pt_exec(g_ctx, pipe, cols, ncols, &lib);
  if (lib.status == PLEAT_E_UNSUPPORTED && getenv("PLEAT_EQUIV_PARTIAL")) {
    /* a GPU back end that runs part of the language says so (opencl) */
    if (unsupported_seen++ < 8) print_message("not supported: %s: %s\n", pipe, lib.msg);
    pt_run_free(&lib);
    return;
  }
  if (want) {
    if (lib.status != PLEAT_OK || strcmp(lib.json, want)) lib_bad = 1;
  } else if (lib.status != want_st || (want_idx >= 0 && lib.err_index != want_idx)) {
    lib_bad = 1;
  }
  ref_result ref;
  memset(&ref, 0, sizeof ref);
  int use_ref = !(flags & NOREF);
  if (use_ref) {
    ref_eval(pipe, cols, ncols, &ref);
    if (want) {
      if (ref.status != PLEAT_OK || strcmp(ref.json, want)) ref_bad = 1;
    } else if (ref.status != want_st || (want_idx >= 0 && ref.err_index != want_idx)) {
      ref_bad = 1;
    }
    if (!lib_bad && !ref_bad && want && !ref_value_equal(lib.value, ref.value, why, sizeof why))
      lib_bad = 1;
  }
  if (ref_bad) {
    failures++;
    print_message("REFERENCE WRONG: %s\n  want %s (status %s idx %lld)\n  ref  %s (status %s idx %lld) %s\n",
                  pipe, want ? want : "error", pleat_status_name(want_st), (long long)want_idx,
                  ref.json ? ref.json : "-", pleat_status_name(ref.status),
                  (long long)ref.err_index, ref.msg);
  }
  if (lib_bad) {
    const char *kb = known_bug(pipe, flags);
    if (kb && !strict()) {
      known_seen++;
      print_message("known library bug (reported, not counted): %s\n  %s\n  got %s (status %s idx %lld) %s\n",
                    pipe, kb, lib.json ? lib.json : "-", pleat_status_name(lib.status),
                    (long long)lib.err_index, lib.msg);
    } else {
      failures++;
      print_message("LIBRARY WRONG: %s\n  want %s (status %s idx %lld)\n  got  %s (status %s idx %lld) %s\n  %s\n",
                    pipe, want ? want : "error", pleat_status_name(want_st),
                    (long long)want_idx, lib.json ? lib.json : "-",
                    pleat_status_name(lib.status), (long long)lib.err_index, lib.msg, why);
    }
  } else if (flags & KNOWN) {
    print_message("note: known bug now passes, remove it from KNOWN_LIBRARY_BUGS: %s\n", pipe);
  }
  ref_result_free(&ref);
  pt_run_free(&lib);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void ok1(const char *pipe, pleat_column c, const char *want) {
  check(pipe, &c, 1, want, PLEAT_OK, -1, 0);
}
static void err1(const char *pipe, pleat_column c, pleat_status st, int64_t idx) {
  check(pipe, &c, 1, NULL, st, idx, 0);
}

static int setup(void **state) {
  (void)state;
  const char *be = getenv("PLEAT_EQUIV_BACKEND"); /* the threads runs: tests/CMakeLists.txt */
  PT_CTX_OR_SKIP(g_ctx, be && *be ? be : "seq");
  failures = 0;
  return 0;
}
static int teardown(void **state) {
  (void)state;
  pleat_ctx_free(g_ctx);
  g_ctx = NULL;
  return 0;
}

static void done(void) {
  if (failures) print_message("%d failing check(s)\n", failures);
  if (unsupported_seen)
    print_message("%d check(s) not supported by the back end (PLEAT_EQUIV_PARTIAL)\n", unsupported_seen);
  assert_int_equal(failures, 0);
}

/* ---- empty streams, n = 1 ---------------------------------------------- */

static const struct {
  const char *red;
  const char *f64; /* over f64 data */
  const char *i32; /* over i32 data */
} empty_col[] = {
  {"sum", "0.0", "0"},
  {"prod", "1.0", "1"},
  {"count", "0", "0"},
  {"count(x > 0)", "0", "0"},
  {"min", "null", "null"},
  {"max", "null", "null"},
  {"minmax", "null", "null"},
  {"mean", "null", "null"},
  {"var", "null", "null"},
  {"std", "null", "null"},
  {"first", "null", "null"},
  {"last", "null", "null"},
  {"argmin", "null", "null"},
  {"argmax", "null", "null"},
  {"any(x > 0)", "false", "false"},
  {"all(x > 0)", "true", "true"},
  {"find_first(x > 0)", "null", "null"},
  {"collect", "[]", "[]"},
  {"reduce(+)", "null", "null"},
  {"reduce(max)", "null", "null"},
  {"reduce(+, 0)", "0.0", "0"},
  {"reduce(*, 1)", "1.0", "1"},
  {"reduce((a, b) -> a + b, 0)", "0.0", "0"},
  {"foldl(+, 5)", "5.0", "5"},
  {"foldl((a, b) -> a * 2 + b, 3)", "3.0", "3"},
  {"sum(x * x)", "0.0", "0"},
  {"first((x, i))", "null", "null"},
  {"map((x, i)) |> collect", "[]", "[]"},
  {"group(i % 3, 3, sum)", "[0.0, 0.0, 0.0]", "[0, 0, 0]"},
  {"group(i % 2, 2, count)", "[0, 0]", "[0, 0]"},
  {"group(i % 2, 2, min)", "[null, null]", "[null, null]"},
  {"group(i % 2, 2, mean)", "[null, null]", "[null, null]"},
  {"group(i % 2, 2, any(x > 0))", "[false, false]", "[false, false]"},
  {"group(i % 2, 2, all(x > 0))", "[true, true]", "[true, true]"},
  {"group(i % 2, 2, reduce(+, 0))", "[0.0, 0.0]", "[0, 0]"},
  {"(sum, count, min, collect)", "[0.0, 0, null, []]", "[0, 0, null, []]"},
};

static void test_empty_streams(void **state) {
  (void)state;
  static const double d5[5] = {1, 2, 3, 4, 5};
  static const int32_t i5[5] = {1, 2, 3, 4, 5};
  char buf[256];
  for (size_t k = 0; k < N(empty_col); k++) {
    ok1(empty_col[k].red, pt_col(NULL, PLEAT_F64, NULL, 0), empty_col[k].f64);
    ok1(empty_col[k].red, pt_col(NULL, PLEAT_I32, NULL, 0), empty_col[k].i32);
    snprintf(buf, sizeof buf, "filter(false) |> %s", empty_col[k].red);
    ok1(buf, pt_col(NULL, PLEAT_F64, d5, 5), empty_col[k].f64);
    ok1(buf, pt_col(NULL, PLEAT_I32, i5, 5), empty_col[k].i32);
    snprintf(buf, sizeof buf, "filter(x > 100) |> %s", empty_col[k].red);
    ok1(buf, pt_col(NULL, PLEAT_F64, d5, 5), empty_col[k].f64);
  }
  done();
}

static void test_single_element(void **state) {
  (void)state;
  static const double one[1] = {2.5};
  pleat_column c = pt_col(NULL, PLEAT_F64, one, 1);
  static const struct {
    const char *p, *want;
  } t[] = {
    {"sum", "2.5"}, {"prod", "2.5"}, {"count", "1"}, {"count(x > 3)", "0"},
    {"min", "2.5"}, {"max", "2.5"}, {"minmax", "[2.5, 2.5]"}, {"mean", "2.5"},
    {"var", "null"}, {"std", "null"}, {"first", "2.5"}, {"last", "2.5"},
    {"argmin", "0"}, {"argmax", "0"}, {"any(x > 2)", "true"}, {"all(x > 3)", "false"},
    {"find_first(x > 2)", "0"}, {"collect", "[2.5]"}, {"reduce(+)", "2.5"},
    {"reduce(*, 1)", "2.5"}, {"reduce(min)", "2.5"}, {"reduce((a, b) -> a + b, 0)", "2.5"},
    {"foldl(+, 1)", "3.5"}, {"group(0, 2, sum)", "[2.5, 0.0]"},
    {"group(0, 2, mean)", "[2.5, null]"}, {"group(1, 2, var)", "[null, null]"},
    {"(mean, var, std, minmax)", "[2.5, null, null, [2.5, 2.5]]"},
    {"map((x, i)) |> first", "[2.5, 0]"}, {"map((x, i)) |> collect", "[[2.5, 0]]"},
  };
  for (size_t k = 0; k < N(t); k++) ok1(t[k].p, c, t[k].want);
  /* A04: sum([-0.0]) is +0.0: every lane starts from the identity +0.0 */
  static const double mz[1] = {-0.0};
  ok1("sum", pt_col(NULL, PLEAT_F64, mz, 1), "0.0");
  ok1("min", pt_col(NULL, PLEAT_F64, mz, 1), "-0.0");
  ok1("first", pt_col(NULL, PLEAT_F64, mz, 1), "-0.0");
  ok1("prod", pt_col(NULL, PLEAT_F64, mz, 1), "-0.0");
  static const int32_t i1[1] = {-7};
  ok1("sum", pt_col(NULL, PLEAT_I32, i1, 1), "-7");
  ok1("mean", pt_col(NULL, PLEAT_I32, i1, 1), "-7.0");
  ok1("reduce(+)", pt_col(NULL, PLEAT_I32, i1, 1), "-7");
  static const float f1[1] = {0.1f};
  ok1("sum", pt_col(NULL, PLEAT_F32, f1, 1), "0.1");
  ok1("mean", pt_col(NULL, PLEAT_F32, f1, 1), "0.1");
  done();
}

/* ---- stages ---------------------------------------------------------------- */

static const int64_t ten[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static void test_stages(void **state) {
  (void)state;
  pleat_column c = pt_col(NULL, PLEAT_I64, ten, 10);
  static const struct {
    const char *p, *want;
  } t[] = {
    {"map(x * x) |> sum", "385"},
    {"filter(x % 2 == 0) |> collect", "[2, 4, 6, 8, 10]"},
    {"take(3) |> collect", "[1, 2, 3]"},
    {"take(0) |> count", "0"},
    {"take(100) |> count", "10"},
    {"drop(7) |> collect", "[8, 9, 10]"},
    {"drop(100) |> count", "0"},
    {"take_while(x < 4) |> collect", "[1, 2, 3]"},
    {"take_while(x > 5) |> count", "0"},
    {"drop_while(x < 8) |> collect", "[8, 9, 10]"},
    {"take_nth(3) |> collect", "[1, 4, 7, 10]"},
    {"take_nth(1) |> count", "10"},
    {"filter(x > 2) |> take_nth(4) |> collect", "[3, 7]"},
    {"enumerate |> map((k, x)) |> take(2) |> collect", "[[0, 1], [1, 2]]"},
    {"filter(x % 2 == 0) |> enumerate |> map(k) |> collect", "[0, 1, 2, 3, 4]"},
    {"scan(+) |> collect", "[1, 3, 6, 10, 15, 21, 28, 36, 45, 55]"},
    {"scan(*, 2) |> take(3) |> collect", "[2, 4, 12]"},
    {"map(x % 4) |> scan(max) |> collect", "[1, 2, 3, 3, 3, 3, 3, 3, 3, 3]"},
    {"scan(^) |> take(4) |> collect", "[1, 3, 0, 4]"},
    {"scan(min, 5) |> take(6) |> collect", "[1, 1, 1, 1, 1, 1]"},
    {"map(x / 4) |> dedupe |> collect", "[0, 1, 2]"},
    {"map((x % 2, x / 4)) |> dedupe |> count", "10"},
    {"map((x / 3, x / 5)) |> dedupe |> collect", "[[0, 0], [1, 0], [1, 1], [2, 1], [3, 1], [3, 2]]"},
    {"take(2) |> flat_map(x, -x) |> collect", "[1, -1, 2, -2]"},
    {"take(2) |> flat_map(x, x * 10) |> map(i) |> collect", "[0, 0, 1, 1]"},
    {"take(3) |> flat_map_range(0, x) |> collect", "[0, 0, 1, 0, 1, 2]"},
    {"take(3) |> flat_map_range(0, x) |> map(i) |> collect", "[0, 1, 1, 2, 2, 2]"},
    {"flat_map_range(x, 0) |> count", "0"},
    {"take(2) |> enumerate |> flat_map(k, x) |> collect", "[0, 1, 1, 2]"},
    {"take(2) |> enumerate |> flat_map(x, x) |> map(k) |> collect", "[0, 0, 1, 1]"},
    {"flat_map(x, x) |> enumerate |> map(k) |> last", "19"},
    {"flat_map(x, x) |> take(3) |> collect", "[1, 1, 2]"},
    {"map((x, x * 2)) |> first", "[1, 2]"},
    {"map((x, x * 2)) |> last", "[10, 20]"},
    {"map((x, i)) |> map(x.1 * 100 + x.0) |> sum", "4555"},
    {"map((x, 0.5)) |> filter(x.0 > 8) |> collect", "[[9, 0.5], [10, 0.5]]"},
    {"map(i32(x)) |> reduce(+)", "55"},
    {"reduce(max)", "10"},
    {"reduce((a, b) -> a + b, 0)", "55"},
    {"take(3) |> foldl((a, b) -> a * 2 + b, 0)", "11"},
    {"take(3) |> foldl((a, b) -> a - b, 0)", "-6"},
    {"foldl(max, 0)", "10"},
    {"sum(x * x)", "385"},
    {"count(x > 3)", "7"},
    {"(sum, count, min, max, mean)", "[55, 10, 1, 10, 5.5]"},
    {"group(x % 3, 3, sum)", "[18, 22, 15]"},
    {"group(x % 2, 2, mean)", "[6.0, 5.0]"},
    {"group(x % 3, 3, first)", "[3, 1, 2]"},
    {"group(x % 3, 3, last)", "[9, 10, 8]"},
    {"group(x % 3, 3, argmax)", "[8, 9, 7]"},
    {"group(x % 5, 5, count(x > 4))", "[2, 1, 1, 1, 1]"},
    {"minmax", "[1, 10]"},
    {"var", "9.166666666666666"},
    {"any(x == 5)", "true"},
    {"all(x < 11)", "true"},
    {"find_first(x > 4)", "4"},
    {"map(x > 5) |> any", "true"},
    {"map(x > 5) |> sum", "5"},
    {"map(x > 5) |> count", "10"},
    {"map(x > 5) |> find_first(x)", "5"},
    {"map(x % 3 == 0) |> reduce(|)", "true"},
  };
  for (size_t k = 0; k < N(t); k++) ok1(t[k].p, c, t[k].want);
  static const int64_t one5[4] = {1, 5, 1, 5};
  ok1("drop_while(x < 3) |> collect", pt_col(NULL, PLEAT_I64, one5, 4), "[5, 1, 5]");
  /* dedupe compares with ==: NaN is never equal, -0.0 == +0.0 */
  static const double dd[9] = {1, 1, NAN, NAN, -0.0, 0.0, 2, 2, 1};
  ok1("dedupe |> collect", pt_col(NULL, PLEAT_F64, dd, 9), "[1.0, NaN, NaN, -0.0, 2.0, 1.0]");
  /* three args */
  static const int32_t ints[4] = {3, 1, 1, 4};
  static const double ys[4] = {0.5, 0.25, 2, 8};
  pleat_column two[2] = {pt_col(NULL, PLEAT_I32, ints, 4), pt_col(NULL, PLEAT_F64, ys, 4)};
  check("map(x + y) |> collect", two, 2, "[3.5, 1.25, 3.0, 12.0]", PLEAT_OK, -1, 0);
  check("map(x * 0) |> map(y) |> sum", two, 2, "10.75", PLEAT_OK, -1, 0);
  check("flat_map(x, x) |> map(y) |> sum", two, 2, "21.5", PLEAT_OK, -1, 0);
  check("argmin", two, 2, "1", PLEAT_OK, -1, 0);
  check("argmax", two, 2, "3", PLEAT_OK, -1, 0);
  check("mean", two, 2, "2.25", PLEAT_OK, -1, 0);
  done();
}

/* ---- RELIABILITY (c) ------------------------------------------------------------ */

static void test_nan_minmax(void **state) { /* C01, C03 */
  (void)state;
  enum { n = 10000 };
  double *d = malloc(sizeof(double) * n);
  const int64_t where[] = {0, 5000, n - 1, 4095, 4096, 8191, 8192};
  char want[64];
  for (size_t w = 0; w < N(where); w++) {
    for (int k = 0; k < n; k++) d[k] = k * 0.5 - 100;
    d[where[w]] = NAN;
    pleat_column c = pt_col(NULL, PLEAT_F64, d, n);
    ok1("min", c, "NaN");
    ok1("max", c, "NaN");
    ok1("minmax", c, "[NaN, NaN]");
    snprintf(want, sizeof want, "%lld", (long long)where[w]);
    ok1("argmin", c, want);
    ok1("argmax", c, want);
    ok1("reduce(min)", c, "NaN");
    ok1("map(-x) |> reduce(max)", c, "NaN");
    ok1("scan(min) |> last", c, "NaN");
    int64_t second = (where[w] + 17) % n;
    d[second] = NAN; /* a second NaN: the first index still wins */
    snprintf(want, sizeof want, "%lld", (long long)(second < where[w] ? second : where[w]));
    ok1("argmin", c, want);
    ok1("argmax", c, want);
  }
  /* NaN in every leaf; all NaN */
  for (int k = 0; k < n; k++) d[k] = (k % 4096 == 100) ? NAN : k;
  ok1("min", pt_col(NULL, PLEAT_F64, d, n), "NaN");
  ok1("argmax", pt_col(NULL, PLEAT_F64, d, n), "100");
  for (int k = 0; k < n; k++) d[k] = NAN;
  ok1("minmax", pt_col(NULL, PLEAT_F64, d, n), "[NaN, NaN]");
  ok1("argmin", pt_col(NULL, PLEAT_F64, d, n), "0");
  free(d);
  /* f32 */
  static const float f[5] = {1, 2, NAN, -3, 4};
  ok1("minmax", pt_col(NULL, PLEAT_F32, f, 5), "[NaN, NaN]");
  ok1("argmax", pt_col(NULL, PLEAT_F32, f, 5), "2");
  /* C03: a signalling NaN and a NaN with a payload */
  double snan, pnan;
  uint64_t bs = 0x7ff0000000000001ull, bp = 0xfff8000000abcdefull;
  memcpy(&snan, &bs, 8);
  memcpy(&pnan, &bp, 8);
  double sd[4] = {1, snan, 2, pnan};
  pleat_column c = pt_col(NULL, PLEAT_F64, sd, 4);
  ok1("min", c, "NaN");
  ok1("sum", c, "NaN");
  ok1("mean", c, "NaN");
  ok1("collect", c, "[1.0, NaN, 2.0, NaN]");
  ok1("count(isnan(x))", c, "2");
  done();
}

static void test_signed_zeros(void **state) { /* C02 */
  (void)state;
  static const double pz_mz[2] = {0.0, -0.0}, mz_pz[2] = {-0.0, 0.0};
  pleat_column a = pt_col(NULL, PLEAT_F64, pz_mz, 2), b = pt_col(NULL, PLEAT_F64, mz_pz, 2);
  ok1("min", a, "-0.0");
  ok1("max", a, "0.0");
  ok1("min", b, "-0.0");
  ok1("max", b, "0.0");
  ok1("minmax", a, "[-0.0, 0.0]");
  ok1("argmin", a, "1");
  ok1("argmin", b, "0");
  ok1("argmax", a, "0");
  ok1("argmax", b, "1");
  ok1("reduce(min)", a, "-0.0");
  ok1("map(min(x, 0.0)) |> collect", a, "[0.0, -0.0]");
  ok1("map(max(x, -0.0)) |> collect", b, "[-0.0, 0.0]");
  static const float fz[2] = {0.0f, -0.0f};
  ok1("min", pt_col(NULL, PLEAT_F32, fz, 2), "-0.0");
  ok1("argmin", pt_col(NULL, PLEAT_F32, fz, 2), "1");
  /* across leaves */
  enum { n = 8200 };
  double *d = calloc(n, sizeof(double));
  d[4100] = -0.0;
  pleat_column c = pt_col(NULL, PLEAT_F64, d, n);
  ok1("min", c, "-0.0");
  ok1("argmin", c, "4100");
  ok1("max", c, "0.0");
  ok1("argmax", c, "0");
  ok1("minmax", c, "[-0.0, 0.0]");
  free(d);
  done();
}

static void test_infinities(void **state) { /* C04 */
  (void)state;
  static const double a[2] = {INFINITY, -INFINITY}, b[2] = {INFINITY, 1}, c1[1] = {-INFINITY},
                      d[2] = {INFINITY, INFINITY};
  ok1("sum", pt_col(NULL, PLEAT_F64, a, 2), "NaN");
  ok1("sum", pt_col(NULL, PLEAT_F64, b, 2), "Infinity");
  ok1("max", pt_col(NULL, PLEAT_F64, c1, 1), "-Infinity");
  ok1("min", pt_col(NULL, PLEAT_F64, a, 2), "-Infinity");
  ok1("var", pt_col(NULL, PLEAT_F64, b, 2), "NaN");
  ok1("prod", pt_col(NULL, PLEAT_F64, a, 2), "-Infinity");
  /* mean([inf, inf]) = inf: the shift K of the shifted sums is 0 for an
     infinite first element, and an infinite partial mean merges as a plain
     sum (variance NaN): two elements, several leaves (the leaf merge) and a
     group (the element-by-element update). */
  pleat_column cd = pt_col(NULL, PLEAT_F64, d, 2);
  check("mean", &cd, 1, "Infinity", PLEAT_OK, -1, 0);
  check("(mean, var)", &cd, 1, "[Infinity, NaN]", PLEAT_OK, -1, 0);
  static double many[10000];
  for (int k = 0; k < 10000; k++) many[k] = k < 5000 ? INFINITY : 2.0;
  pleat_column cm = pt_col(NULL, PLEAT_F64, many, 10000);
  check("mean", &cm, 1, "Infinity", PLEAT_OK, -1, 0);
  check("filter(i < 5000) |> mean", &cm, 1, "Infinity", PLEAT_OK, -1, 0);
  check("group(0, 1, mean)", &cm, 1, "[Infinity]", PLEAT_OK, -1, 0);
  check("filter(i < 9000) |> group(0, 1, mean)", &cd, 1, "[Infinity]", PLEAT_OK, -1, 0);
  done();
}

/* The library's result is the reference's, bit for bit (no known answer). */
static void same_as_ref(const char *pipe, const pleat_column *c, size_t nc, const char *what) {
  pt_run lib;
  ref_result ref;
  memset(&ref, 0, sizeof ref);
  pt_exec(g_ctx, pipe, c, nc, &lib);
  if (lib.status == PLEAT_E_UNSUPPORTED && getenv("PLEAT_EQUIV_PARTIAL")) {
    if (unsupported_seen++ < 8) print_message("not supported: %s: %s\n", pipe, lib.msg); /* as in check() */
    pt_run_free(&lib);
    return;
  }
  ref_eval(pipe, c, nc, &ref);
  char why[512] = "";
  if (lib.status != PLEAT_OK || ref.status != PLEAT_OK || !lib.json || !ref.json ||
      strcmp(lib.json, ref.json) || !ref_value_equal(lib.value, ref.value, why, sizeof why)) {
    failures++;
    print_message("LIBRARY WRONG (%s): %s\n  got %.200s\n  ref %.200s %s\n", what, pipe,
                  lib.json ? lib.json : "-", ref.json ? ref.json : "-", why);
  }
  ref_result_free(&ref);
  pt_run_free(&lib);
}

/* A float sum of a product, sum or difference that nothing else uses is
   computed inside the sum's lane loop (exec.c fuse_sums), and x % d == 0
   is tested without the remainder (fuse_divisibility): the results must be
   those of the separate passes, bit for bit, specials and masks included. */
static void test_fused_sums(void **state) {
  (void)state;
  enum { N = 9001 };
  static float xf[N], yf[N];
  static double xd[N], yd[N];
  uint64_t z = 12345;
  for (int k = 0; k < N; k++) {
    z = z * 6364136223846793005ull + 1442695040888963407ull;
    double u = (double)(z >> 11) * 0x1p-53 - 0.5;
    xf[k] = (float)(u * 1e3);
    yf[k] = (float)(u * u * 7.0 - 0.1);
    xd[k] = u * 1e10;
    yd[k] = 1.0 / (u + 0.75);
  }
  /* specials sit at i % 3 == 2, which the filtered pipelines mask out (an
     infinity in every sum would hide a wrong op) */
  xf[6] = -0.0f;
  yf[6] = 1e30f;
  xf[77] = INFINITY;
  yf[77] = 0.0f;
  xd[4100] = NAN;
  pleat_column cf[2] = {pt_col(NULL, PLEAT_F32, xf, N), pt_col("y", PLEAT_F32, yf, N)};
  pleat_column cd[2] = {pt_col(NULL, PLEAT_F64, xd, N), pt_col("y", PLEAT_F64, yd, N)};
  static const char *const pipes[] = {
    "map(x * y) |> sum", "filter(i % 3 != 2) |> map(x * y) |> sum",
    "filter(i % 3 != 2) |> map(x - y) |> sum", "filter(i % 3 != 2) |> map(x + y) |> sum",
    "filter(i % 3 != 2) |> map(y - x) |> sum", "filter(i % 3 != 2) |> map(x * x) |> sum",
    "filter(i % 3 != 2 && x > 0) |> map(x * y) |> sum",
    "filter(i % 3 != 2) |> flat_map(x, y) |> map(x * x - y) |> sum",
    "filter(i % 3 != 2) |> (sum(x * y), count)", "filter(i % 3 != 2) |> map(x * y) |> (sum, max)",
    /* a filter by comparison with a constant, then the sum: one loop */
    "filter(x < 100) |> map(x * y) |> sum", "filter(50 > x) |> map(x - y) |> sum",
    "filter(y <= 0.25) |> map(y * y) |> sum", "filter(x >= 400) |> map(y) |> sum",
    "filter(x == 0) |> map(y) |> sum", "filter(y != 0.5) |> map(y) |> sum",
    "filter(x > 1e12) |> sum", "map(x * x) |> filter(x < 10) |> sum",
    "filter(0.1 <= y) |> map(y + y) |> sum"};
  /* x % d == 0 / != 0 is a divisibility test without the remainder */
  static int64_t vi[N];
  static int32_t vj[N];
  for (int k = 0; k < N; k++) {
    z = z * 6364136223846793005ull + 1442695040888963407ull;
    vi[k] = k < 8 ? (int64_t[]){INT64_MIN, INT64_MAX, 0, -1, 1, -7, 7, INT64_MIN + 1}[k]
                  : (int64_t)(z >> (z & 31));
    if (k & 1) vi[k] = (int64_t)(0 - (uint64_t)vi[k]);
    vj[k] = (int32_t)(uint32_t)(uint64_t)vi[k];
  }
  pleat_column ci[2] = {pt_col(NULL, PLEAT_I64, vi, N), pt_col("y", PLEAT_I32, vj, N)};
  static const char *const ipipes[] = {
    "filter(x % 7 != 0) |> count", "filter(0 == x % 6) |> count", "map(x % 4 == 0) |> collect",
    "filter(y % 3 == 0) |> map(y) |> sum", "filter(y % -12 != 0) |> count",
    "filter(x % -9223372036854775807 == 0) |> count", "map(3 * x + 1) |> filter(x % 7 != 0) |> sum",
    "filter(x % 1 == 0 && y % -1 == 0) |> count", "map((x % 5 == 0, x % 5)) |> collect"};
  for (size_t k = 0; k < sizeof ipipes / sizeof *ipipes; k++)
    same_as_ref(ipipes[k], ci, 2, "divisibility");
  for (size_t k = 0; k < sizeof pipes / sizeof *pipes; k++) {
    same_as_ref(pipes[k], cf, 2, "fused sum, f32");
    same_as_ref(pipes[k], cd, 2, "fused sum, f64");
  }
  done();
}

static void test_integer_sums(void **state) { /* C06 */
  (void)state;
  static const int32_t i32[2] = {INT32_MAX, 1};
  static const int64_t i64[2] = {INT64_MAX, 1};
  static const int64_t p64[2] = {(int64_t)1 << 62, 4};
  static const int32_t p32[2] = {65536, 65536};
  ok1("sum", pt_col(NULL, PLEAT_I32, i32, 2), "2147483648");
  ok1("sum", pt_col(NULL, PLEAT_I64, i64, 2), "-9223372036854775808");
  ok1("prod", pt_col(NULL, PLEAT_I64, p64, 2), "0");
  ok1("prod", pt_col(NULL, PLEAT_I32, p32, 2), "4294967296");
  ok1("scan(+) |> collect", pt_col(NULL, PLEAT_I32, i32, 2), "[2147483647, -2147483648]");
  ok1("reduce(+)", pt_col(NULL, PLEAT_I32, i32, 2), "-2147483648");
  ok1("reduce(*)", pt_col(NULL, PLEAT_I32, p32, 2), "0");
  ok1("mean", pt_col(NULL, PLEAT_I32, i32, 2), "1073741824.0");
  static const uint8_t bools[5] = {1, 0, 1, 1, 0};
  ok1("sum", pt_col(NULL, PLEAT_BOOL, bools, 5), "3");
  ok1("count", pt_col(NULL, PLEAT_BOOL, bools, 5), "5");
  ok1("any", pt_col(NULL, PLEAT_BOOL, bools, 5), "true");
  ok1("all", pt_col(NULL, PLEAT_BOOL, bools, 5), "false");
  ok1("filter(x) |> count", pt_col(NULL, PLEAT_BOOL, bools, 5), "3");
  done();
}

static void test_variance(void **state) { /* C11 */
  (void)state;
  static const double a[3] = {1e9, 1e9 + 1, 1e9 + 2};
  ok1("var", pt_col(NULL, PLEAT_F64, a, 3), "1.0");
  ok1("std", pt_col(NULL, PLEAT_F64, a, 3), "1.0");
  ok1("mean", pt_col(NULL, PLEAT_F64, a, 3), "1000000001.0");
  static const int64_t ia[3] = {1000000000, 1000000001, 1000000002};
  ok1("var", pt_col(NULL, PLEAT_I64, ia, 3), "1.0");
  static const double k5[5] = {5, 5, 5, 5, 5};
  ok1("var", pt_col(NULL, PLEAT_F64, k5, 5), "0.0");
  ok1("std", pt_col(NULL, PLEAT_F64, k5, 5), "0.0");
  static const int32_t i4[4] = {1, 2, 3, 4};
  ok1("mean", pt_col(NULL, PLEAT_I32, i4, 4), "2.5");
  ok1("var", pt_col(NULL, PLEAT_I32, i4, 4), "1.6666666666666667");
  ok1("std", pt_col(NULL, PLEAT_I32, i4, 4), "1.2909944487358056");
  static const float f4[4] = {1, 2, 3, 4};
  ok1("mean", pt_col(NULL, PLEAT_F32, f4, 4), "2.5");
  ok1("var", pt_col(NULL, PLEAT_F32, f4, 4), "1.6666666");
  /* 10^5 values near 1e6 across many leaves: never negative, reference bits */
  enum { n = 100000 };
  double *d = malloc(sizeof(double) * n);
  for (int k = 0; k < n; k++) d[k] = 1e6 + (k % 7) * 1e-3;
  pleat_column c = pt_col(NULL, PLEAT_F64, d, n);
  pt_run r;
  pt_exec(g_ctx, "(var, std, mean)", &c, 1, &r);
  assert_int_equal(r.status, PLEAT_OK);
  assert_true(r.value->items[0].as.f >= 0);
  assert_false(isnan(r.value->items[1].as.f));
  ref_result ref;
  ref_eval("(var, std, mean)", &c, 1, &ref);
  char why[256];
  if (!ref_value_equal(r.value, ref.value, why, sizeof why)) {
    failures++;
    print_message("var near 1e6: library %s, reference %s: %s\n", r.json, ref.json, why);
  }
  ref_result_free(&ref);
  pt_run_free(&r);
  free(d);
  done();
}

static void test_fma_contraction(void **state) { /* C13 */
  (void)state;
  static const float x[1] = {1.00034952f};
  pleat_column c = pt_col(NULL, PLEAT_F32, x, 1);
  ok1("map(x * x + 1) |> first", c, "2.000699");
  ok1("map(fma(x, x, 1)) |> first", c, "2.0006993");
  ok1("sum(x * x + 1)", c, "2.000699");
  done();
}

static void test_ties(void **state) { /* C18 */
  (void)state;
  static const int64_t t3[3] = {3, 1, 1};
  ok1("argmin", pt_col(NULL, PLEAT_I64, t3, 3), "1");
  ok1("argmax", pt_col(NULL, PLEAT_I64, t3, 3), "0");
  enum { n = 1000000 };
  float *f = malloc(sizeof(float) * n);
  for (int k = 0; k < n; k++) f[k] = 0.75f;
  pleat_column c = pt_col(NULL, PLEAT_F32, f, n);
  check("argmin", &c, 1, "0", PLEAT_OK, -1, NOREF);
  check("argmax", &c, 1, "0", PLEAT_OK, -1, NOREF);
  check("(argmin, argmax, min, count)", &c, 1, "[0, 0, 0.75, 1000000]", PLEAT_OK, -1, NOREF);
  free(f);
  done();
}

static void test_nan_compare(void **state) { /* C20 */
  (void)state;
  static const double d[4] = {0.2, NAN, 0.7, 0.9};
  pleat_column c = pt_col(NULL, PLEAT_F64, d, 4);
  ok1("filter(x > 0.5) |> count", c, "2");
  ok1("filter(!(x <= 0.5)) |> count", c, "3");
  ok1("any(x != x)", c, "true");
  ok1("all(x == x)", c, "false");
  ok1("find_first(isnan(x))", c, "1");
  static const double clean[3] = {0.2, 0.7, 0.9};
  ok1("any(x != x)", pt_col(NULL, PLEAT_F64, clean, 3), "false");
  done();
}

/* ---- RELIABILITY (b): integer edge cases ------------------------------------------ */

static void test_int_min_div(void **state) { /* B11 */
  (void)state;
  static const int32_t m32[1] = {INT32_MIN};
  static const int64_t m64[1] = {INT64_MIN};
  static const int32_t neg1_32[1] = {-1};
  pleat_column c32 = pt_col(NULL, PLEAT_I32, m32, 1), c64 = pt_col(NULL, PLEAT_I64, m64, 1);
  ok1("map(x / -1) |> first", c32, "-2147483648");
  ok1("map(x % -1) |> first", c32, "0");
  ok1("map(x / -1) |> first", c64, "-9223372036854775808");
  ok1("map(x % -1) |> first", c64, "0");
  pleat_column xy[2] = {c32, pt_col(NULL, PLEAT_I32, neg1_32, 1)};
  check("map(x / y) |> first", xy, 2, "-2147483648", PLEAT_OK, -1, 0);
  check("map(x % y) |> first", xy, 2, "0", PLEAT_OK, -1, 0);
  /* constant-folded */
  ok1("map(i32(-2147483648) / i32(-1)) |> first", c32, "-2147483648");
  ok1("map(i32(-2147483648) % i32(-1)) |> first", c32, "0");
  ok1("map(-9223372036854775808 / -1) |> first", c32, "-9223372036854775808");
  ok1("map(-9223372036854775808 % -1) |> first", c32, "0");
  ok1("map(x - 1) |> first", c32, "2147483647");
  ok1("map(-x) |> first", c64, "-9223372036854775808");
  done();
}

static void test_shifts(void **state) { /* B12 */
  (void)state;
  static const int32_t v32[1] = {3};
  static const int64_t v64[1] = {3};
  pleat_column c32 = pt_col(NULL, PLEAT_I32, v32, 1), c64 = pt_col(NULL, PLEAT_I64, v64, 1);
  ok1("map(x << 32) |> first", c32, "3");
  ok1("map(x << 33) |> first", c32, "6");
  ok1("map(x << -1) |> first", c32, "-2147483648");
  ok1("map(x << 64) |> first", c64, "3");
  ok1("map(x << 63) |> first", c64, "-9223372036854775808");
  ok1("map(x >> 64) |> first", c64, "3");
  ok1("map(-x >> 1) |> first", c64, "-2");
  ok1("map(i32(1) << 31) |> first", c32, "-2147483648");
  ok1("map(-8 >> 1) |> first", c32, "-4");
  ok1("map(1 << x) |> first", c32, "8");
  static const int32_t neg8[1] = {-8};
  ok1("map(x >> 1) |> first", pt_col(NULL, PLEAT_I32, neg8, 1), "-4");
  ok1("map(x >> 33) |> first", pt_col(NULL, PLEAT_I32, neg8, 1), "-4");
  done();
}

static void test_casts(void **state) { /* B27, B28 */
  (void)state;
  static const double d[6] = {NAN, INFINITY, 1e10, -1e19, -0.5, 2147483647.5};
  pleat_column c = pt_col(NULL, PLEAT_F64, d, 6);
  ok1("map(i32(x)) |> collect", c, "[0, 2147483647, 2147483647, -2147483648, 0, 2147483647]");
  ok1("map(i64(x)) |> collect", c,
      "[0, 9223372036854775807, 10000000000, -9223372036854775808, 0, 2147483647]");
  ok1("map(i32(nan)) |> first", c, "0");
  ok1("map(i32(inf)) |> first", c, "2147483647");
  ok1("map(i32(1e10)) |> first", c, "2147483647");
  ok1("map(i64(-1e19)) |> first", c, "-9223372036854775808");
  ok1("map(i32(-0.5)) |> first", c, "0");
  ok1("map(i32(2147483647.5)) |> first", c, "2147483647");
  static const float f[3] = {NAN, -INFINITY, 3.9f};
  ok1("map(i32(x)) |> collect", pt_col(NULL, PLEAT_F32, f, 3), "[0, -2147483648, 3]");
  static const int32_t m32[2] = {INT32_MIN, -5};
  static const int64_t m64[2] = {INT64_MIN, -5};
  ok1("map(abs(x)) |> collect", pt_col(NULL, PLEAT_I32, m32, 2), "[-2147483648, 5]");
  ok1("map(abs(x)) |> collect", pt_col(NULL, PLEAT_I64, m64, 2), "[-9223372036854775808, 5]");
  static const int64_t big[1] = {((int64_t)1 << 53) + 1};
  ok1("map(f64(x)) |> first", pt_col(NULL, PLEAT_I64, big, 1), "9007199254740992.0");
  ok1("map(i32(x)) |> first", pt_col(NULL, PLEAT_I64, big, 1), "1");
  done();
}

/* ---- early exit and run-time errors ------------------------------------------------ */

static void test_huge_range(void **state) {
  (void)state;
  pleat_column c = pt_range(NULL, PLEAT_I64, 0, (uint64_t)1 << 40);
  ok1("filter(x % 2 != 0) |> take(10) |> sum", c, "100");
  ok1("find_first(x == 7)", c, "7");
  ok1("any(x > 100000)", c, "true");
  ok1("all(x < 5)", c, "false");
  ok1("take_while(x < 5) |> collect", c, "[0, 1, 2, 3, 4]");
  ok1("map(x * 2) |> first", c, "0");
  ok1("(first, find_first(x == 9000))", c, "[0, 9000]");
  done();
}

static void test_domain_errors(void **state) {
  (void)state;
  enum { n = 3000001 };
  int64_t *d = malloc(sizeof(int64_t) * n);
  for (int k = 0; k < n; k++) d[k] = 1;
  d[5] = 0;
  d[3000000] = 0;
  pleat_column c = pt_col(NULL, PLEAT_I64, d, n);
  err1("map(100 / x) |> sum", c, PLEAT_E_DOMAIN, 5);
  err1("map(100 % x) |> count", c, PLEAT_E_DOMAIN, 5);
  err1("filter(i > 10) |> map(100 / x) |> sum", c, PLEAT_E_DOMAIN, 3000000);
  err1("sum(100 / x)", c, PLEAT_E_DOMAIN, 5);
  ok1("map(100 / x) |> take(3) |> sum", c, "300");
  ok1("take(5) |> map(100 / x) |> sum", c, "500");
  ok1("filter(x != 0) |> map(100 / x) |> count", c, "2999999");
  ok1("any(100 / x > 1)", c, "true");
  ok1("count(x != 0 && 100 / x > 1)", c, "2999999");
  free(d);
  /* a zero at index 10: take(3) stops the fold before it is reached */
  int64_t z10[20];
  for (int k = 0; k < 20; k++) z10[k] = k + 1;
  z10[10] = 0;
  ok1("map(100 / x) |> take(3) |> collect", pt_col(NULL, PLEAT_I64, z10, 20), "[100, 50, 33]");
  err1("map(100 / x) |> take(11) |> count", pt_col(NULL, PLEAT_I64, z10, 20), PLEAT_E_DOMAIN, 10);
  static const int64_t z[10] = {1, 2, 0, 4, 5, 6, 7, 8, 9, 0};
  pleat_column cz = pt_col(NULL, PLEAT_I64, z, 10);
  ok1("count(x != 0 && 100 / x > 1)", cz, "8");
  ok1("count(x == 0 || 100 / x > 20)", cz, "5");
  ok1("map(x != 0 ? 100 / x : -1) |> collect", cz, "[100, 50, -1, 25, 20, 16, 14, 12, 11, -1]");
  ok1("map(x == 0 ? -1 : 100 % x) |> sum", cz, "9");
  ok1("filter(x != 0) |> map(100 / x) |> sum", cz, "248");
  err1("map(100 / x) |> take(4) |> sum", cz, PLEAT_E_DOMAIN, 2);
  ok1("map(100 / x) |> take(2) |> sum", cz, "150");
  ok1("take_while(x > 0) |> map(100 / x) |> sum", cz, "150");
  err1("map(100 / x) |> take_while(x > 0) |> sum", cz, PLEAT_E_DOMAIN, 2);
  ok1("first(100 / x)", cz, "100");
  err1("(first, count(100 / x > 0))", cz, PLEAT_E_DOMAIN, 2);
  err1("flat_map(x, 100 / x) |> take(5) |> count", cz, PLEAT_E_DOMAIN, 2);
  ok1("flat_map(x, 100 / x) |> take(4) |> count", cz, "4");
  err1("flat_map_range(0, 3) |> map(10 / (x - 2)) |> count", cz, PLEAT_E_DOMAIN, 0);
  err1("map(i32(x)) |> map(7 % x) |> sum", cz, PLEAT_E_DOMAIN, 2);
  /* short circuit with a constant side */
  check("filter(false && 100 / x > 1) |> count", &cz, 1, "0", PLEAT_OK, -1, 0);
  check("map(true ? 1 : 100 / x) |> sum", &cz, 1, "10", PLEAT_OK, -1, 0);
  check("map(false ? 100 / x : 2) |> sum", &cz, 1, "20", PLEAT_OK, -1, 0);
  check("filter(true || 100 / x > 1) |> count", &cz, 1, "10", PLEAT_OK, -1, 0);
  check("filter(!(1 > 2) || x / 0 > 1) |> count", &cz, 1, "10", PLEAT_OK, -1, 0);
  check("filter(true && 100 / x > 1) |> count", &cz, 1, NULL, PLEAT_E_DOMAIN, 2, 0);
  /* division by zero inside a lambda is a domain error too */
  check("foldl((a, b) -> a / b, 100)", &cz, 1, NULL, PLEAT_E_DOMAIN, 2, 0);
  /* a lambda body is bounded (it is evaluated in a fixed buffer) */
  {
    static char big[8192];
    size_t o = (size_t)snprintf(big, sizeof big, "foldl((a, b) -> a");
    for (int q = 0; q < 1100; q++) o += (size_t)snprintf(big + o, sizeof big - o, " + b");
    snprintf(big + o, sizeof big - o, ", 0)");
    check(big, &cz, 1, NULL, PLEAT_E_LIMIT, -1, NOREF);
    check("foldl((a, b) -> a + b + b + b, 0)", &cz, 1, "126", PLEAT_OK, -1, 0);
  }
  /* two lambda reducers: the smallest index wins, in either order */
  {
    static int64_t f5[2000];
    for (int q = 0; q < 2000; q++) f5[q] = 5;
    f5[100] = 7;
    f5[500] = 3;
    pleat_column c5 = pt_col(NULL, PLEAT_I64, f5, 2000);
    err1("(foldl((a, b) -> a / (b - 3), 1), foldl((a, b) -> a / (b - 7), 1))", c5, PLEAT_E_DOMAIN, 100);
    err1("(foldl((a, b) -> a / (b - 7), 1), foldl((a, b) -> a / (b - 3), 1))", c5, PLEAT_E_DOMAIN, 100);
  }
  check("foldl((a, b) -> b != 0 && a / b > 0 ? a / b : a, 100)", &cz, 1, "2", PLEAT_OK, -1, 0);
  check("take(2) |> foldl((a, b) -> a / b, 100)", &cz, 1, "50", PLEAT_OK, -1, 0);
  check("reduce((a, b) -> a / b, 1000)", &cz, 1, NULL, PLEAT_E_DOMAIN, 2, 0);
  check("group(i % 2, 2, foldl((a, b) -> a + 100 / b, 0))", &cz, 1, NULL, PLEAT_E_DOMAIN, 2, 0);
  /* group keys */
  static const int64_t g[6] = {0, 1, 2, 5, 3, -1};
  pleat_column cg = pt_col(NULL, PLEAT_I64, g, 6);
  err1("group(x, 4, count)", cg, PLEAT_E_DOMAIN, 3);
  err1("filter(x != 5) |> group(x, 4, count)", cg, PLEAT_E_DOMAIN, 5);
  ok1("filter(x >= 0 && x < 4) |> group(x, 4, count)", cg, "[1, 1, 1, 1]");
  ok1("take(3) |> group(x, 3, sum)", cg, "[0, 1, 2]");
  err1("(count, group(x - 1, 8, sum))", cg, PLEAT_E_DOMAIN, 0);
  done();
}

/* The flat_map items promote to one type, each converted once. */
static void test_flat_map_promotion(void **state) {
  (void)state;
  static const int32_t xi[1] = {16777217};
  static const float yf[1] = {0.5f};
  static const double zd[1] = {0.25};
  pleat_column c[3] = {pt_col(NULL, PLEAT_I32, xi, 1), pt_col(NULL, PLEAT_F32, yf, 1),
                       pt_col(NULL, PLEAT_F64, zd, 1)};
  check("flat_map(x, y, z) |> collect", c, 3, "[16777217.0, 0.5, 0.25]", PLEAT_OK, -1, 0);
  check("flat_map(x, y, 2, z) |> collect", c, 3, "[16777217.0, 0.5, 2.0, 0.25]", PLEAT_OK, -1, 0);
  check("flat_map(1, 2) |> collect", c, 3, "[1, 2]", PLEAT_OK, -1, 0);
  check("flat_map(x, 1.5) |> collect", c, 3, "[16777217.0, 1.5]", PLEAT_OK, -1, 0);
  check("flat_map(y, z, x) |> collect", c, 3, "[0.5, 0.25, 16777217.0]", PLEAT_OK, -1, 0);
  check("flat_map(x, z) |> collect", c, 3, "[16777217.0, 0.25]", PLEAT_OK, -1, 0);
  check("flat_map(x, y) |> collect", c, 3, "[16777216.0, 0.5]", PLEAT_OK, -1, 0);
  /* a float literal among an int and an f32 item: the items' type is f32
     whatever their order (the literal takes the other operands' type) */
  check("flat_map(y, 0.5, x) |> collect", c, 3, "[0.5, 0.5, 16777216.0]", PLEAT_OK, -1, 0);
  check("flat_map(x, 0.5, y) |> collect", c, 3, "[16777216.0, 0.5, 0.5]", PLEAT_OK, -1, 0);
  done();
}

/* isinf() and the other predicates give true/false, whatever the C library's
   isinf returns for -inf. */
static void test_predicates(void **state) {
  (void)state;
  static const double d[4] = {1, -INFINITY, INFINITY, NAN};
  pleat_column c = pt_col(NULL, PLEAT_F64, d, 4);
  ok1("count(isinf(x))", c, "2");
  ok1("map(isinf(x)) |> collect", c, "[false, true, true, false]");
  static const double mi[2] = {1, -INFINITY};
  pleat_column cm = pt_col(NULL, PLEAT_F64, mi, 2);
  check("any(isinf(x))", &cm, 1, "true", PLEAT_OK, -1, 0);
  check("map(isinf(x)) |> sum", &cm, 1, "1", PLEAT_OK, -1, 0);
  check("filter(isinf(x) == true) |> count", &cm, 1, "1", PLEAT_OK, -1, 0);
  check("find_first(isinf(x))", &cm, 1, "1", PLEAT_OK, -1, 0);
  ok1("map(isnan(x)) |> sum", c, "1");
  static const float fm[2] = {-INFINITY, 2};
  pleat_column cf = pt_col(NULL, PLEAT_F32, fm, 2);
  ok1("count(isinf(x))", cf, "1");
  ok1("all(!isinf(x))", cf, "false");
  done();
}

/* Stage semantics of a one-element-at-a-time fold that a vectorised
   executor can get wrong. */
static void test_sequential_details(void **state) {
  (void)state;
  /* group's first/last keep tuples */
  static const int64_t v[4] = {10, 11, 12, 13};
  pleat_column c = pt_col(NULL, PLEAT_I64, v, 4);
  check("group(i % 2, 2, first((x, i)))", &c, 1, "[[10, 0], [11, 1]]", PLEAT_OK, -1, 0);
  check("map((x, i)) |> group(i % 2, 2, last)", &c, 1, "[[12, 2], [13, 3]]", PLEAT_OK, -1, 0);
  check("group(i % 3, 3, last((x, f64(i))))", &c, 1, "[[13, 3.0], [11, 1.0], [12, 2.0]]",
        PLEAT_OK, -1, 0);
  check("filter(x > 10) |> group(i % 4, 4, first((i, x)))", &c, 1,
        "[null, [1, 11], [2, 12], [3, 13]]", PLEAT_OK, -1, 0);
  ok1("group(i % 2, 2, first(x))", c, "[10, 11]");
  /* drop_while stops evaluating its predicate after the first failure */
  static const int64_t dw[4] = {1, 5, 0, 2};
  pleat_column cd = pt_col(NULL, PLEAT_I64, dw, 4);
  check("drop_while(100 / x > 50) |> count", &cd, 1, "3", PLEAT_OK, -1, 0);
  ok1("drop_while(100 / x > 50) |> map(x + 1) |> collect", cd, "[6, 1, 3]");
  /* a division the predicate shares with a later stage is still evaluated */
  err1("map(100 / x) |> drop_while(x > 50) |> map(x / 100) |> count", cd, PLEAT_E_DOMAIN, 2);
  /* another division before drop_while keeps its error when drop_while's
     own (not evaluated) one comes earlier */
  static const int64_t dy[4] = {1, 1, 1, 0};
  pleat_column c2[2] = {pt_col(NULL, PLEAT_I64, dw, 4), pt_col(NULL, PLEAT_I64, dy, 4)};
  check("filter(100 / y > 0) |> drop_while(100 / x > 50) |> count", c2, 2, NULL,
        PLEAT_E_DOMAIN, 3, 0);
  check("drop_while(100 / x > 50 || 100 / y > 200) |> count", c2, 2, "3", PLEAT_OK, -1, 0);
  /* a division an earlier map computed stays eager: drop_while's laziness
     covers only its own predicate */
  err1("map(100 / x) |> drop_while(x > 50) |> map(1) |> count", cd, PLEAT_E_DOMAIN, 2);
  err1("map((x, 100 / x)) |> drop_while(x.1 > 50) |> map(x.0) |> collect", cd, PLEAT_E_DOMAIN, 2);
  err1("map((x, 100 / x)) |> filter(x.0 > 0) |> drop_while(x.1 > 50) |> map(x.0) |> collect", cd,
       PLEAT_E_DOMAIN, 2);
  /* across leaves and blocks: the zero is far past the point where dropping
     stopped (on threads, a summary pass must not report it) */
  {
    enum { NB = 32768 };
    static int64_t big[NB];
    for (int q = 0; q < NB; q++) big[q] = 7;
    big[0] = 1;
    big[1] = 5;
    big[4096 * 4 + 17] = 0;
    pleat_column cb = pt_col(NULL, PLEAT_I64, big, NB);
    ok1("drop_while(100 / x > 50) |> count", cb, "32767");
    ok1("enumerate |> drop_while(100 / x > 50) |> map(k) |> last", cb, "32767");
  }
  static const int64_t dz[4] = {0, 5, 1, 2};
  pleat_column cdz = pt_col(NULL, PLEAT_I64, dz, 4);
  /* evaluated at the very first element: the error counts */
  err1("drop_while(100 / x > 50) |> count", cdz, PLEAT_E_DOMAIN, 0);
  err1("filter(100 / x > 50) |> count", cd, PLEAT_E_DOMAIN, 2);
  ok1("take_while(100 / x > 50) |> count", cd, "1");
  /* take(0): the first element reaching it stops the fold; the stages before
     it have run for that element (as in Transducers.jl) */
  static const int64_t z1[2] = {0, 1};
  pleat_column cz = pt_col(NULL, PLEAT_I64, z1, 2);
  check("map(100 / x) |> take(0) |> count", &cz, 1, NULL, PLEAT_E_DOMAIN, 0, 0);
  static const int64_t z2[3] = {1, 0, 3};
  pleat_column cz2 = pt_col(NULL, PLEAT_I64, z2, 3);
  /* x = 1 reaches take(0): x = 0 is never looked at */
  ok1("filter(100 / x > 1) |> take(0) |> count", cz2, "0");
  /* nothing reaches take(0) before x = 0: its error counts */
  err1("filter(100 / x > 200) |> take(0) |> count", cz2, PLEAT_E_DOMAIN, 1);
  err1("map(100 / x) |> flat_map(x) |> take(0) |> count", cz, PLEAT_E_DOMAIN, 0);
  ok1("take(0) |> map(100 / x) |> count", cz, "0");
  ok1("filter(x > 0) |> take(0) |> collect", cz, "[]");
  done();
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_empty_streams, setup, teardown),
    cmocka_unit_test_setup_teardown(test_single_element, setup, teardown),
    cmocka_unit_test_setup_teardown(test_stages, setup, teardown),
    cmocka_unit_test_setup_teardown(test_nan_minmax, setup, teardown),
    cmocka_unit_test_setup_teardown(test_signed_zeros, setup, teardown),
    cmocka_unit_test_setup_teardown(test_infinities, setup, teardown),
    cmocka_unit_test_setup_teardown(test_fused_sums, setup, teardown),
    cmocka_unit_test_setup_teardown(test_integer_sums, setup, teardown),
    cmocka_unit_test_setup_teardown(test_variance, setup, teardown),
    cmocka_unit_test_setup_teardown(test_fma_contraction, setup, teardown),
    cmocka_unit_test_setup_teardown(test_ties, setup, teardown),
    cmocka_unit_test_setup_teardown(test_nan_compare, setup, teardown),
    cmocka_unit_test_setup_teardown(test_int_min_div, setup, teardown),
    cmocka_unit_test_setup_teardown(test_shifts, setup, teardown),
    cmocka_unit_test_setup_teardown(test_casts, setup, teardown),
    cmocka_unit_test_setup_teardown(test_huge_range, setup, teardown),
    cmocka_unit_test_setup_teardown(test_domain_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(test_flat_map_promotion, setup, teardown),
    cmocka_unit_test_setup_teardown(test_predicates, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sequential_details, setup, teardown),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (known_seen)
    fprintf(stderr, "%d known library bug(s) seen (see KNOWN_LIBRARY_BUGS)\n", known_seen);
  return rc;
}
