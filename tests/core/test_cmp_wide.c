/* LABELS: quick core */
/*
** test_cmp_wide.c -- the AVX-512 comparisons (core/cmp_wide.c) against C's
** operators: every predicate and type, NaN, +-0, +-inf, the integer
** extremes, a constant right side, every length up to past two blocks.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "cmp_wide.h"
#include "ir.h"
#include "pleat.h"

#define N 200

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t next(void) {
  uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static const int ops[] = {IR_LT, IR_LE, IR_GT, IR_GE, IR_EQ, IR_NE};

#define REF(OPC, x, y)                                        \
  ((OPC) == IR_LT ? (x) < (y) : (OPC) == IR_LE ? (x) <= (y) : \
   (OPC) == IR_GT ? (x) > (y) : (OPC) == IR_GE ? (x) >= (y) : \
   (OPC) == IR_EQ ? (x) == (y) : (x) != (y))

/* a and b drawn from a few special values so equal pairs are common */
static double pick_f(void) {
  static const double v[] = {0.0, -0.0, 1.0, -1.0, 0.5, INFINITY, -INFINITY, NAN, 1e-310, 3.0};
  return v[next() % (sizeof v / sizeof *v)];
}
static int64_t pick_i(void) {
  static const int64_t v[] = {0, 1, -1, 7, INT64_MAX, INT64_MIN, INT32_MAX, INT32_MIN, 2, -7};
  return v[next() % (sizeof v / sizeof *v)];
}

/* Runs one type through every predicate, length and constant flag. */
#define CHECK_TYPE(T, DT, PICK)                                                         \
  do {                                                                                  \
    static T a[N], b[N];                                                                \
    static uint8_t r[N + 1];                                                            \
    for (int i = 0; i < N; i++) { a[i] = (T)PICK(); b[i] = (T)PICK(); }                 \
    for (size_t o = 0; o < sizeof ops / sizeof *ops; o++)                               \
      for (int bc = 0; bc < 2; bc++)                                                    \
        for (size_t n = 0; n <= N; n += (n < 70 ? 1 : 13)) {                            \
          memset(r, 0xAA, sizeof r);                                                    \
          if (!pleat__cmp_wide(ops[o], DT, r, a, b, bc, n)) { skipped = true; return; } \
          for (size_t j = 0; j < n; j++)                                                \
            if (r[j] != (uint8_t)REF(ops[o], a[j], b[bc ? 0 : j]))                      \
              fail_msg("%s op %d n %zu bc %d at %zu: got %u", #T, ops[o], n, bc, j, r[j]); \
          assert_int_equal(r[n], 0xAA); /* nothing written past n */                    \
        }                                                                               \
  } while (0)

static bool skipped;

static void run_all(void) {
  CHECK_TYPE(float, PLEAT_F32, pick_f);
  CHECK_TYPE(double, PLEAT_F64, pick_f);
  CHECK_TYPE(int32_t, PLEAT_I32, pick_i);
  CHECK_TYPE(int64_t, PLEAT_I64, pick_i);
}

static void test_against_c(void **state) {
  (void)state;
  skipped = false;
  for (int round = 0; round < 20 && !skipped; round++) run_all();
  if (skipped) {
    print_message("skipped: this CPU has no AVX-512BW (vec_ops.c's portable loops run instead)\n");
    skip();
  }
}

static void test_bool_has_no_wide_path(void **state) {
  (void)state;
  uint8_t a[64] = {0}, b[64] = {0}, r[64];
  assert_false(pleat__cmp_wide(IR_EQ, PLEAT_BOOL, r, a, b, false, 64));
  assert_false(pleat__cmp_wide(IR_ADD, PLEAT_F32, r, a, b, false, 16));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_c),
      cmocka_unit_test(test_bool_has_no_wide_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
