/* LABELS: quick core */
/*
** test_div_const.c -- division by a run-time constant (core/div_const.c)
** against C's / and %: every divisor class (+-1, +-2, powers of two, odd,
** even, the extremes) times dividends at the edges and at random.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "div_const.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
  uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* C semantics with the library's MIN / -1 = MIN, MIN % -1 = 0 */
static int64_t ref_div64(int64_t x, int64_t d) { return d == -1 ? (int64_t)(0ull - (uint64_t)x) : x / d; }
static int64_t ref_rem64(int64_t x, int64_t d) { return d == -1 ? 0 : x % d; }
static int32_t ref_div32(int32_t x, int32_t d) { return d == -1 ? (int32_t)(0u - (uint32_t)x) : x / d; }
static int32_t ref_rem32(int32_t x, int32_t d) { return d == -1 ? 0 : x % d; }

#define NX 4096
#define W(u) ((int64_t)(u)) /* wrapping arithmetic done in uint64_t */

static void check64(int64_t d) {
  static int64_t x[NX], q[NX], r[NX];
  size_t n = 0;
  const int64_t edge[] = {0, 1, -1, 2, -2, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
                          d, W(0 - (uint64_t)d), W((uint64_t)d + 1), W((uint64_t)d - 1),
                          W(2 * (uint64_t)d), W(3 * (uint64_t)d - 1)};
  for (size_t k = 0; k < sizeof edge / sizeof *edge; k++) x[n++] = edge[k];
  while (n < NX) {
    uint64_t v = next();
    uint64_t w = n % 3 == 0 ? v : n % 3 == 1 ? v >> (v & 63) : (uint64_t)((int64_t)v >> (v & 63));
    x[n++] = (int64_t)w;
  }
  pleat__divc dc;
  assert_true(pleat__divc_init(&dc, d, 64));
  pleat__divc_run(&dc, false, q, x, NX);
  pleat__divc_run(&dc, true, r, x, NX);
  for (size_t j = 0; j < NX; j++) {
    if (q[j] != ref_div64(x[j], d) || r[j] != ref_rem64(x[j], d))
      fail_msg("i64 %lld / %lld: got %lld rem %lld", (long long)x[j], (long long)d,
               (long long)q[j], (long long)r[j]);
  }
}

static void check32(int32_t d) {
  static int32_t x[NX], q[NX], r[NX];
  size_t n = 0;
  const int32_t edge[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1,
                          d, (int32_t)(0u - (uint32_t)d), (int32_t)((uint32_t)d + 1u)};
  for (size_t k = 0; k < sizeof edge / sizeof *edge; k++) x[n++] = edge[k];
  while (n < NX) {
    uint64_t v = next();
    uint64_t w = n % 2 ? v : v >> (v & 31);
    x[n++] = (int32_t)(uint32_t)w;
  }
  pleat__divc dc;
  assert_true(pleat__divc_init(&dc, d, 32));
  pleat__divc_run(&dc, false, q, x, NX);
  pleat__divc_run(&dc, true, r, x, NX);
  for (size_t j = 0; j < NX; j++) {
    if (q[j] != ref_div32(x[j], d) || r[j] != ref_rem32(x[j], d))
      fail_msg("i32 %d / %d: got %d rem %d", x[j], d, q[j], r[j]);
  }
}

static void test_divisor_classes(void **state) {
  (void)state;
  const int64_t ds[] = {1, -1, 2, -2, 3, -3, 5, 6, 7, -7, 10, 641, 1000000007, 1LL << 32,
                        (1LL << 32) + 1, INT64_MAX, INT64_MIN, INT64_MIN + 1, INT64_MAX - 1};
  for (size_t k = 0; k < sizeof ds / sizeof *ds; k++) check64(ds[k]);
  for (int s = 1; s < 63; s++) { check64((int64_t)1 << s); check64(-((int64_t)1 << s)); }
  const int32_t ds32[] = {1, -1, 2, -2, 3, -3, 7, -7, 10, 641, 65537, INT32_MAX, INT32_MIN,
                          INT32_MIN + 1, INT32_MAX - 1};
  for (size_t k = 0; k < sizeof ds32 / sizeof *ds32; k++) check32(ds32[k]);
  for (int s = 1; s < 31; s++) { check32((int32_t)1 << s); check32(-((int32_t)1 << s)); }
}

static void test_random_divisors(void **state) {
  (void)state;
  for (int k = 0; k < 300; k++) {
    uint64_t v = next();
    int64_t d = (int64_t)(v >> (v & 63));
    if (k & 1) d = -d;
    if (d == 0) d = 3;
    check64(d);
    int32_t d32 = (int32_t)(uint32_t)(next() >> (v & 31) >> 32);
    if (d32 == 0) d32 = -5;
    check32(d32);
  }
}

static void test_zero_is_refused(void **state) {
  (void)state;
  pleat__divc dc;
  assert_false(pleat__divc_init(&dc, 0, 64));
  assert_false(pleat__divc_init(&dc, 0, 32));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_divisor_classes),
    cmocka_unit_test(test_random_divisors),
    cmocka_unit_test(test_zero_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
