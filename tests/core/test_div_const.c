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

/* x % d == 0 tested without the remainder, against C's %. */
static void check_divisible(int64_t d, int bits) {
  static int64_t x[NX];
  static int32_t x32[NX];
  static uint8_t eq[NX], ne[NX];
  size_t n = 0;
  uint64_t ad = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
  const int64_t edge[] = {0, 1, -1, INT64_MAX, INT64_MIN, INT64_MIN + 1, d, W(0 - (uint64_t)d),
                          W(2 * (uint64_t)d), W(3 * ad), W(0 - 5 * ad), W(ad * 1000003u),
                          W(ad * 1000003u + 1), W((uint64_t)INT64_MAX / ad * ad),
                          W(0 - (uint64_t)INT64_MAX / ad * ad)};
  for (size_t k = 0; k < sizeof edge / sizeof *edge; k++) x[n++] = edge[k];
  while (n < NX) {
    uint64_t v = next();
    /* a third of them multiples of d */
    x[n] = n % 3 == 0 ? W((uint64_t)(int64_t)(int32_t)(uint32_t)v * ad) : (int64_t)(v >> (v & 63));
    if (n & 1) x[n] = W(0 - (uint64_t)x[n]);
    n++;
  }
  pleat__divt dt;
  assert_true(pleat__divt_init(&dt, d, bits));
  if (bits == 64) {
    pleat__divt_run(&dt, true, eq, x, NX);
    pleat__divt_run(&dt, false, ne, x, NX);
    for (size_t j = 0; j < NX; j++) {
      int want = d == -1 ? 1 : x[j] % d == 0;
      if (eq[j] != want || ne[j] != !want)
        fail_msg("i64 %lld %% %lld == 0: got %d/%d", (long long)x[j], (long long)d, eq[j], ne[j]);
    }
  } else {
    for (size_t j = 0; j < NX; j++) x32[j] = (int32_t)(uint32_t)(uint64_t)x[j];
    pleat__divt_run(&dt, true, eq, x32, NX);
    pleat__divt_run(&dt, false, ne, x32, NX);
    int32_t d32 = (int32_t)d;
    for (size_t j = 0; j < NX; j++) {
      int want = d32 == -1 ? 1 : x32[j] % d32 == 0;
      if (eq[j] != want || ne[j] != !want)
        fail_msg("i32 %d %% %d == 0: got %d/%d", x32[j], d32, eq[j], ne[j]);
    }
  }
}

static void test_divisibility(void **state) {
  (void)state;
  const int64_t ds[] = {1, -1, 2, -2, 3, -3, 5, 6, 7, -7, 10, 12, 641, 1000000007, 1LL << 32,
                        3LL << 40, INT64_MAX, INT64_MIN, INT64_MIN + 1, INT64_MAX - 1};
  for (size_t k = 0; k < sizeof ds / sizeof *ds; k++) check_divisible(ds[k], 64);
  for (int s = 1; s < 63; s++) check_divisible((int64_t)1 << s, 64);
  const int32_t ds32[] = {1, -1, 2, 3, -3, 7, 10, 12, 641, 65537, INT32_MAX, INT32_MIN, INT32_MIN + 1,
                          3 << 20};
  for (size_t k = 0; k < sizeof ds32 / sizeof *ds32; k++) check_divisible(ds32[k], 32);
  for (int k = 0; k < 200; k++) {
    uint64_t v = next();
    int64_t d = (int64_t)(v >> (v & 63)) | 1;
    d = W((uint64_t)d << ((v >> 58) & 7));
    if (d == 0) d = 9;
    check_divisible(k & 1 ? d : W(0 - (uint64_t)d), 64);
    int32_t d32 = (int32_t)(uint32_t)(next() >> (v & 31));
    if (d32 == 0) d32 = 11;
    check_divisible(d32, 32);
  }
}

static void test_zero_is_refused(void **state) {
  (void)state;
  pleat__divc dc;
  assert_false(pleat__divc_init(&dc, 0, 64));
  assert_false(pleat__divc_init(&dc, 0, 32));
  pleat__divt dt;
  assert_false(pleat__divt_init(&dt, 0, 64));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_divisor_classes),
    cmocka_unit_test(test_random_divisors),
    cmocka_unit_test(test_divisibility),
    cmocka_unit_test(test_zero_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
