/* LABELS: large api  TIMEOUT: 900 */
/*
** test_large.c -- inputs past 2^31 and 2^32 elements and past 4 GiB of
** bytes (RELIABILITY A06/A07, the NVIDIA/cccl#8800 pattern): a MAP_NORESERVE
** region reads as zeros from the shared zero page, with distinct sentinels
** planted on each side of the boundaries.  Indices must come back as i64
** and values must come from the right element.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "pleat.h"

static char *run(pleat_ctx *ctx, const char *text, pleat_column *c) {
  pleat_plan *p = NULL;
  assert_int_equal(pleat_plan_create(ctx, text, PLEAT_NUL_TERMINATED, c, 1, &p), PLEAT_OK);
  pleat_result *r = NULL;
  pleat_status st = pleat_plan_run(p, c, 1, &r);
  if (st != PLEAT_OK) print_error("%s: %s\n", text, pleat_result_errmsg(r));
  assert_int_equal(st, PLEAT_OK);
  char *json = NULL;
  assert_int_equal(pleat_value_to_json(ctx, pleat_result_value(r), &json), PLEAT_OK);
  pleat_result_free(r);
  pleat_plan_free(p);
  return json;
}

static void check(pleat_ctx *ctx, const char *text, pleat_column *c, const char *want) {
  char *got = run(ctx, text, c);
  if (strcmp(got, want)) {
    print_error("%s over %llu elements: want %s, got %s\n", text, (unsigned long long)c->len,
                want, got);
    pleat_string_free(ctx, got);
    fail();
  }
  pleat_string_free(ctx, got);
}

static void test_beyond_4g(void **state) {
  (void)state;
  uint64_t n = (1ull << 32) + 7;
  size_t bytes = (size_t)n * sizeof(float);
  float *x = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (x == MAP_FAILED) {
    skip(); /* no 16 GiB of address space here */
    return;
  }
  madvise(x, bytes, MADV_NOHUGEPAGE);
  /* distinct values on both sides of 2^31 elements and of 4 GiB (2^30 f32) */
  x[(1ull << 30) - 1] = 1.0f;
  x[1ull << 30] = 2.0f;
  x[1ull << 31] = 4.0f;
  x[(1ull << 32) + 3] = 8.0f;
  pleat_ctx_options o = {0};
  o.backend = "seq";
  pleat_ctx *ctx = NULL;
  assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_OK);
  pleat_column c;
  memset(&c, 0, sizeof c);
  c.dtype = PLEAT_F32;
  c.data = x;
  c.len = n;
  check(ctx, "count", &c, "4294967303");
  check(ctx, "sum", &c, "15.0");
  check(ctx, "argmax", &c, "4294967299");
  check(ctx, "find_first(x == 4)", &c, "2147483648");
  check(ctx, "filter(x > 0) |> map(i) |> collect", &c, "[1073741823, 1073741824, 2147483648, 4294967299]");
  check(ctx, "take(2147483653) |> count", &c, "2147483653");
  pleat_ctx_free(ctx);
  munmap(x, bytes);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_beyond_4g)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
