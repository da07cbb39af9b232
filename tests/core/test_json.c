/* LABELS: quick core json */
/*
** test_json.c -- shortest round-trip float text (numfmt.c) and
** pleat_value_to_json (json.c): G05, D32, A01.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_int.h"
#include "pleat_int.h"

/* ---- helpers ------------------------------------------------------------ */

static const char *f64s(double d) {
  static char buf[32];
  int n = pleat__fmt_f64(buf, d);
  assert_int_equal(n, (int)strlen(buf));
  assert_true(n < 32);
  return buf;
}

static const char *f32s(float f) {
  static char buf[32];
  int n = pleat__fmt_f32(buf, f);
  assert_int_equal(n, (int)strlen(buf));
  assert_true(n < 32);
  return buf;
}

/* Significant digits of a formatted number (leading/trailing zeros and
   the exponent not counted). */
static int sig_digits(const char *s) {
  char d[40];
  int n = 0;
  for (; *s && *s != 'e'; s++)
    if (*s >= '0' && *s <= '9') d[n++] = *s;
  int lo = 0;
  while (lo < n && d[lo] == '0') lo++;
  while (n > lo && d[n - 1] == '0') n--;
  return n - lo;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_u64(void) {
  /* xorshift64*: fixed seed, so a failure reproduces */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

/* The JSON of v with the default allocator; the test owns the string. */
static char *json(const pleat_value *v) {
  char *t = NULL;
  assert_int_equal(pleat_value_to_json(NULL, v, &t), PLEAT_OK);
  assert_non_null(t);
  return t;
}

static void expect_json(const pleat_value *v, const char *want) {
  char *t = json(v);
  assert_string_equal(t, want);
  pleat__free(&pleat__alloc_default, t);
}

static pleat_value scalar_f(double d, pleat_dtype dt) {
  pleat_value v = {0};
  v.kind = PLEAT_VALUE_FLOAT;
  v.dtype = dt;
  v.as.f = d;
  return v;
}

static pleat_value scalar_i(int64_t i, pleat_dtype dt) {
  pleat_value v = {0};
  v.kind = PLEAT_VALUE_INT;
  v.dtype = dt;
  v.as.i = i;
  return v;
}

/* ---- G05: the spellings ---------------------------------------------- */

static void test_specials(void **state) {
  (void)state;
  assert_string_equal(f64s(NAN), "NaN");
  assert_string_equal(f64s(-NAN), "NaN");
  assert_string_equal(f64s(INFINITY), "Infinity");
  assert_string_equal(f64s(-INFINITY), "-Infinity");
  assert_string_equal(f64s(0.0), "0.0");
  assert_string_equal(f64s(-0.0), "-0.0");
  assert_string_equal(f32s(NAN), "NaN");
  assert_string_equal(f32s(INFINITY), "Infinity");
  assert_string_equal(f32s(-INFINITY), "-Infinity");
  assert_string_equal(f32s(-0.0f), "-0.0");
  assert_string_equal(f32s(0.0f), "0.0");
}

/* Expected strings are Python 3's repr() of the same doubles. */
static void test_f64_python_repr(void **state) {
  (void)state;
  static const struct { double d; const char *s; } cases[] = {
    {0.1, "0.1"},
    {0.3, "0.3"},
    {1.0 / 3.0, "0.3333333333333333"},
    {2.0 / 3.0, "0.6666666666666666"},
    {1e-320, "1e-320"},
    {5e-324, "5e-324"},
    {1.5e-323, "1.5e-323"},
    {1e16, "1e+16"},
    {1e15, "1000000000000000.0"},
    {9007199254740992.0, "9007199254740992.0"},
    {1e22, "1e+22"},
    {1e-5, "1e-05"},
    {1.5e-7, "1.5e-07"},
    {0.0001, "0.0001"},
    {0.00012345, "0.00012345"},
    {123.0, "123.0"},
    {100.0, "100.0"},
    {1.5, "1.5"},
    {-2.5, "-2.5"},
    {123456789012345680.0, "1.2345678901234568e+17"},
    {DBL_MAX, "1.7976931348623157e+308"},
    {DBL_MIN, "2.2250738585072014e-308"},
    {-DBL_MAX, "-1.7976931348623157e+308"},
    {1e300, "1e+300"},
    {12345678.9, "12345678.9"},
    /* powers of two whose shortest text is the neighbour of the nearest
       16-digit decimal (the rounding interval is narrower below) */
    {0x1p-1017, "7.120236347223045e-307"},
    {0x1p-1007, "7.291122019556398e-304"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    assert_string_equal(f64s(cases[k].d), cases[k].s);
}

static void test_f32_shortest(void **state) {
  (void)state;
  assert_string_equal(f32s(0.1f), "0.1");
  assert_string_equal(f32s(0.3f), "0.3");
  assert_string_equal(f32s(1.0f / 3.0f), "0.33333334");
  assert_string_equal(f32s(FLT_MAX), "3.4028235e+38");
  assert_string_equal(f32s(FLT_MIN), "1.1754944e-38");
  assert_string_equal(f32s(0x1p-149f), "1e-45");
  assert_string_equal(f32s(16777216.0f), "16777216.0");
  assert_string_equal(f32s(1e16f), "1e+16");
  assert_string_equal(f32s(1e-5f), "1e-05");
  assert_string_equal(f32s(123.0f), "123.0");
  assert_string_equal(f32s(-1.5f), "-1.5");
}

static void test_ints(void **state) {
  (void)state;
  pleat_value v = scalar_i((INT64_C(1) << 53) + 1, PLEAT_I64);
  expect_json(&v, "9007199254740993");
  v = scalar_i(INT64_MIN, PLEAT_I64);
  expect_json(&v, "-9223372036854775808");
  v = scalar_i(INT64_MAX, PLEAT_I64);
  expect_json(&v, "9223372036854775807");
  v = scalar_i(INT32_MIN, PLEAT_I32);
  expect_json(&v, "-2147483648");
  v = scalar_i(0, PLEAT_I32);
  expect_json(&v, "0");
}

static void test_scalars(void **state) {
  (void)state;
  pleat_value v = {0};
  v.kind = PLEAT_VALUE_NULL;
  expect_json(&v, "null");
  v.kind = PLEAT_VALUE_BOOL;
  v.as.b = 1;
  expect_json(&v, "true");
  v.as.b = 0;
  expect_json(&v, "false");
  v = scalar_f(0.1, PLEAT_F64);
  expect_json(&v, "0.1");
  v = scalar_f((double)0.1f, PLEAT_F32);
  expect_json(&v, "0.1");
  /* the same double printed as f64 shows every digit it has */
  v = scalar_f((double)0.1f, PLEAT_F64);
  expect_json(&v, "0.10000000149011612");
  v = scalar_f(NAN, PLEAT_F64);
  expect_json(&v, "NaN");
  v = scalar_f(-0.0, PLEAT_F32);
  expect_json(&v, "-0.0");
}

/* ---- G05: bit-exact round trips -------------------------------------- */

static void test_roundtrip_f64(void **state) {
  (void)state;
  for (int k = 0; k < 100000; k++) {
    uint64_t bits = next_u64();
    if (k % 4 == 1) bits &= 0x800FFFFFFFFFFFFFull; /* subnormals */
    if (k % 4 == 2) bits = (bits & 0x3FFFFFFFFFFFFFull) | 0x3F00000000000000ull;
    double d;
    memcpy(&d, &bits, sizeof d);
    if (isnan(d) || isinf(d)) continue;
    const char *s = f64s(d);
    assert_true(strpbrk(s, ".e") != NULL); /* reads as a float */
    char *end;
    double back = strtod(s, &end);
    assert_int_equal(*end, 0);
    if (memcmp(&back, &d, sizeof d) != 0)
      fail_msg("%s does not read back to 0x%016llx", s, (unsigned long long)bits);
    assert_true(sig_digits(s) <= 17);
  }
}

static void test_roundtrip_f32(void **state) {
  (void)state;
  for (int k = 0; k < 100000; k++) {
    uint32_t bits = (uint32_t)(next_u64() >> 32);
    if (k % 4 == 1) bits &= 0x807FFFFFu;
    float f;
    memcpy(&f, &bits, sizeof f);
    if (isnan(f) || isinf(f)) continue;
    const char *s = f32s(f);
    assert_true(strpbrk(s, ".e") != NULL);
    char *end;
    float back = strtof(s, &end);
    assert_int_equal(*end, 0);
    if (memcmp(&back, &f, sizeof f) != 0)
      fail_msg("%s does not read back to 0x%08x", s, (unsigned)bits);
    assert_true(sig_digits(s) <= 9);
  }
}

/* ---- D32: a decimal-comma locale changes nothing --------------------- */

static void test_locale_independent(void **state) {
  (void)state;
  const char *old = setlocale(LC_ALL, NULL);
  char saved[256];
  snprintf(saved, sizeof saved, "%s", old ? old : "C");
  if (!setlocale(LC_ALL, "de_DE.UTF-8") && !setlocale(LC_ALL, "de_DE.utf8")) {
    print_message("de_DE.UTF-8 is not installed (Debian package 'locales'); "
                  "skipping the locale test\n");
    skip();
  }
  char probe[16];
  snprintf(probe, sizeof probe, "%.1f", 1.5);
  assert_string_equal(probe, "1,5"); /* the locale is really in effect */
  assert_string_equal(f64s(1.5), "1.5");
  assert_string_equal(f64s(0.1), "0.1");
  assert_string_equal(f64s(1e-5), "1e-05");
  assert_string_equal(f64s(NAN), "NaN");
  assert_string_equal(f32s(0.1f), "0.1");
  double a[] = {2.5, -0.0, 1e300};
  pleat_value col = {0};
  col.kind = PLEAT_VALUE_COLUMN;
  col.dtype = PLEAT_F64;
  col.len = 3;
  col.data = a;
  expect_json(&col, "[2.5, -0.0, 1e+300]");
  setlocale(LC_ALL, saved);
}

/* ---- arrays and columns ---------------------------------------------- */

static void test_arrays(void **state) {
  (void)state;
  pleat_value items[3];
  items[0] = scalar_i(1, PLEAT_I64);
  items[1] = scalar_f(2.5, PLEAT_F64);
  memset(&items[2], 0, sizeof items[2]); /* null */
  pleat_value arr = {0};
  arr.kind = PLEAT_VALUE_ARRAY;
  arr.len = 3;
  arr.items = items;
  expect_json(&arr, "[1, 2.5, null]");

  pleat_value empty = {0};
  empty.kind = PLEAT_VALUE_ARRAY;
  expect_json(&empty, "[]");

  /* [[1, 2.5, null], [], [true]] */
  pleat_value t = {0};
  t.kind = PLEAT_VALUE_BOOL;
  t.as.b = 1;
  pleat_value inner = {0};
  inner.kind = PLEAT_VALUE_ARRAY;
  inner.len = 1;
  inner.items = &t;
  pleat_value outer_items[3] = {arr, empty, inner};
  pleat_value outer = {0};
  outer.kind = PLEAT_VALUE_ARRAY;
  outer.len = 3;
  outer.items = outer_items;
  expect_json(&outer, "[[1, 2.5, null], [], [true]]");
}

static void test_columns(void **state) {
  (void)state;
  pleat_value c = {0};
  c.kind = PLEAT_VALUE_COLUMN;

  uint8_t b[] = {1, 0, 1};
  c.dtype = PLEAT_BOOL;
  c.data = b;
  c.len = 3;
  expect_json(&c, "[true, false, true]");

  int32_t i32[] = {INT32_MIN, 7, -1};
  c.dtype = PLEAT_I32;
  c.data = i32;
  expect_json(&c, "[-2147483648, 7, -1]");

  int64_t i64[] = {INT64_MIN, (INT64_C(1) << 53) + 1, 0};
  c.dtype = PLEAT_I64;
  c.data = i64;
  expect_json(&c, "[-9223372036854775808, 9007199254740993, 0]");

  float f32[] = {0.1f, NAN, -INFINITY};
  c.dtype = PLEAT_F32;
  c.data = f32;
  expect_json(&c, "[0.1, NaN, -Infinity]");

  double f64[] = {0.1, -0.0, 1e-320};
  c.dtype = PLEAT_F64;
  c.data = f64;
  expect_json(&c, "[0.1, -0.0, 1e-320]");

  /* unaligned data is allowed */
  unsigned char raw[1 + 2 * sizeof(double)];
  double two[2] = {1.5, 1e16};
  memcpy(raw + 1, two, sizeof two);
  c.data = raw + 1;
  c.len = 2;
  expect_json(&c, "[1.5, 1e+16]");

  c.len = 0;
  c.data = NULL;
  expect_json(&c, "[]");

  /* a column inside an array (a reducer tuple with collect) */
  c.dtype = PLEAT_I64;
  c.data = i64 + 1;
  c.len = 2;
  pleat_value items[2] = {scalar_i(3, PLEAT_I64), c};
  pleat_value arr = {0};
  arr.kind = PLEAT_VALUE_ARRAY;
  arr.len = 2;
  arr.items = items;
  expect_json(&arr, "[3, [9007199254740993, 0]]");
}

/* ---- A01 and bad values --------------------------------------------- */

static void test_invalid(void **state) {
  (void)state;
  char *sentinel = (char *)"untouched";
  char *t = sentinel;
  pleat_value v = scalar_i(1, PLEAT_I64);
  assert_int_equal(pleat_value_to_json(NULL, NULL, &t), PLEAT_E_INVAL);
  assert_ptr_equal(t, sentinel);
  assert_int_equal(pleat_value_to_json(NULL, &v, NULL), PLEAT_E_INVAL);

  pleat_value bad = {0};
  bad.kind = PLEAT_VALUE_ARRAY;
  bad.len = 2; /* items NULL */
  assert_int_equal(pleat_value_to_json(NULL, &bad, &t), PLEAT_E_INVAL);
  assert_ptr_equal(t, sentinel);

  bad.kind = PLEAT_VALUE_COLUMN;
  bad.dtype = PLEAT_F64; /* data NULL */
  assert_int_equal(pleat_value_to_json(NULL, &bad, &t), PLEAT_E_INVAL);

  double one = 1;
  bad.data = &one;
  bad.len = 1;
  bad.dtype = (pleat_dtype)99;
  assert_int_equal(pleat_value_to_json(NULL, &bad, &t), PLEAT_E_INVAL);

  bad.kind = (pleat_kind)42;
  assert_int_equal(pleat_value_to_json(NULL, &bad, &t), PLEAT_E_INVAL);

  /* a cyclic value is an error, not a stack overflow */
  pleat_value cyc = {0};
  cyc.kind = PLEAT_VALUE_ARRAY;
  cyc.len = 1;
  cyc.items = &cyc;
  assert_int_equal(pleat_value_to_json(NULL, &cyc, &t), PLEAT_E_LIMIT);
  assert_ptr_equal(t, sentinel);
}

/* ---- the context's allocator, and out-of-memory ---------------------- */

typedef struct counting {
  int calls;     /* malloc + realloc calls so far */
  int fail_at;   /* the call that fails (1-based), 0: never */
  int live;      /* blocks not yet freed */
} counting;

static void *c_malloc(void *ud, size_t n) {
  counting *c = ud;
  if (++c->calls == c->fail_at) return NULL;
  c->live++;
  return malloc(n);
}
static void *c_realloc(void *ud, void *p, size_t n) {
  counting *c = ud;
  if (++c->calls == c->fail_at) return NULL;
  if (!p) c->live++;
  return realloc(p, n);
}
static void c_free(void *ud, void *p) {
  counting *c = ud;
  if (p) c->live--;
  free(p);
}

static void test_ctx_allocator_and_oom(void **state) {
  (void)state;
  counting cnt = {0, 0, 0};
  struct pleat_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.al.fn = (pleat_allocator){c_malloc, c_realloc, c_free, &cnt};

  enum { N = 200 };
  double data[N];
  for (int k = 0; k < N; k++) data[k] = k / 7.0;
  pleat_value c = {0};
  c.kind = PLEAT_VALUE_COLUMN;
  c.dtype = PLEAT_F64;
  c.len = N;
  c.data = data;

  char *t = NULL;
  assert_int_equal(pleat_value_to_json(&ctx, &c, &t), PLEAT_OK);
  assert_true(cnt.calls >= 2); /* it grew: the sweep below means something */
  assert_int_equal(cnt.live, 1);
  char *ref = strdup(t);
  c_free(&cnt, t);
  assert_int_equal(cnt.live, 0);

  /* fail each allocation in turn: E_NOMEM, no leak, output untouched */
  int total = cnt.calls;
  for (int k = 1; k <= total; k++) {
    cnt = (counting){0, k, 0};
    char *sentinel = (char *)"x";
    t = sentinel;
    assert_int_equal(pleat_value_to_json(&ctx, &c, &t), PLEAT_E_NOMEM);
    assert_ptr_equal(t, sentinel);
    assert_int_equal(cnt.live, 0);
  }
  cnt = (counting){0, 0, 0};
  assert_int_equal(pleat_value_to_json(&ctx, &c, &t), PLEAT_OK);
  assert_string_equal(t, ref);
  c_free(&cnt, t);
  free(ref);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_specials),
    cmocka_unit_test(test_f64_python_repr),
    cmocka_unit_test(test_f32_shortest),
    cmocka_unit_test(test_ints),
    cmocka_unit_test(test_scalars),
    cmocka_unit_test(test_roundtrip_f64),
    cmocka_unit_test(test_roundtrip_f32),
    cmocka_unit_test(test_locale_independent),
    cmocka_unit_test(test_arrays),
    cmocka_unit_test(test_columns),
    cmocka_unit_test(test_invalid),
    cmocka_unit_test(test_ctx_allocator_and_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
