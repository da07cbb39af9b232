/* LABELS: quick api */
/*
** test_recycle.c -- a context keeps the big blocks of freed results for its
** next runs (core/recycle.c).  Reuse must never show: each result is right
** whatever block it got (bigger, smaller, kept by another plan's run, two
** results alive at once), results freed in any order, from several host
** threads, and pleat_ctx_trim / pleat_ctx_free release everything (the
** ASan build checks for leaks).  And a reused block really is reused.
*/
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pleat.h"
#include "pleat_test.h"

#define N (1u << 21) /* 8 MiB of f32 */

static float *data;

/* Runs `filter(x > lim) |> collect` over the first n elements and checks
   every element against the plain loop; returns the result (not freed). */
static pleat_result *collect_checked(pleat_ctx *ctx, uint64_t n, float lim) {
  char text[64];
  snprintf(text, sizeof text, "filter(x > %g) |> collect", (double)lim);
  pleat_column c = pt_col(NULL, PLEAT_F32, data, n);
  pleat_plan *p = NULL;
  assert_int_equal(pleat_plan_create(ctx, text, PLEAT_NUL_TERMINATED, &c, 1, &p), PLEAT_OK);
  pleat_result *r = NULL;
  assert_int_equal(pleat_plan_run(p, &c, 1, &r), PLEAT_OK);
  const pleat_value *v = pleat_result_value(r);
  assert_int_equal(v->kind, PLEAT_VALUE_COLUMN);
  const float *got = v->data;
  uint64_t k = 0;
  for (uint64_t j = 0; j < n; j++)
    if (data[j] > lim) {
      if (k >= v->len || got[k] != data[j]) {
        print_error("%s over %llu: element %llu wrong\n", text, (unsigned long long)n,
                    (unsigned long long)k);
        fail();
      }
      k++;
    }
  assert_int_equal(k, v->len);
  pleat_plan_free(p);
  return r;
}

static void sizes_and_orders(pleat_ctx *ctx) {
  /* big, then bigger (the kept block is too small), then small, then two
     alive at once, freed in the other order */
  pleat_result *a = collect_checked(ctx, N / 2, 0.5f);
  const void *pa = pleat_result_value(a)->data;
  pleat_result_free(a);
  pleat_result *b = collect_checked(ctx, N / 2, 0.5f); /* same size: the same block */
  assert_ptr_equal(pleat_result_value(b)->data, pa);
  pleat_result_free(b);
  pleat_result *c = collect_checked(ctx, N, 0.1f);
  pleat_result_free(c);
  pleat_result *d = collect_checked(ctx, N / 8, 0.9f);
  pleat_result *e = collect_checked(ctx, N, 0.0f);
  pleat_result *f = collect_checked(ctx, N, 0.3f);
  assert_ptr_not_equal(pleat_result_value(e)->data, pleat_result_value(f)->data);
  pleat_result_free(f);
  pleat_result_free(d);
  pleat_result *g = collect_checked(ctx, N, 0.6f);
  pleat_result_free(e);
  pleat_result_free(g);
  pleat_ctx_trim(ctx);
  pleat_result *h = collect_checked(ctx, N / 2, 0.5f);
  pleat_result_free(h);
}

static void test_seq(void **state) {
  (void)state;
  pleat_ctx *ctx = pt_ctx("seq");
  assert_non_null(ctx);
  sizes_and_orders(ctx);
  pleat_ctx_free(ctx); /* with blocks still kept */
}

static void test_threads(void **state) {
  (void)state;
  pleat_ctx *ctx = pt_ctx("threads");
  assert_non_null(ctx);
  sizes_and_orders(ctx);
  pleat_ctx_trim(ctx);
  pleat_ctx_trim(NULL);
  pleat_ctx_free(ctx);
}

static pleat_ctx *shared;

static void *host(void *arg) {
  uintptr_t id = (uintptr_t)arg;
  for (int r = 0; r < 12; r++) {
    pleat_result *x = collect_checked(shared, N / (1 + (id + (uintptr_t)r) % 4), 0.5f);
    if (r % 3 == 0) pleat_ctx_trim(shared);
    pleat_result_free(x);
  }
  return NULL;
}

/* Host threads on one context take and give blocks at once. */
static void test_host_threads(void **state) {
  (void)state;
  shared = pt_ctx("seq");
  assert_non_null(shared);
  pthread_t t[4];
  for (uintptr_t k = 0; k < 4; k++) assert_int_equal(pthread_create(&t[k], NULL, host, (void *)k), 0);
  for (int k = 0; k < 4; k++) pthread_join(t[k], NULL);
  pleat_ctx_free(shared);
}

int main(void) {
  data = malloc(N * sizeof *data);
  if (!data) return 1;
  uint64_t s = 88172645463325252ull;
  for (uint64_t j = 0; j < N; j++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    data[j] = (float)(s >> 40) * 0x1p-24f;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seq),
      cmocka_unit_test(test_threads),
      cmocka_unit_test(test_host_threads),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  free(data);
  return rc;
}
