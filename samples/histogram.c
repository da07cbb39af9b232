/*
** histogram.c -- group(key, bins, reducer): a 10-bin histogram of a
** million uniform [0, 1) values, key = i64(x * 10).  The result is an ARRAY
** of 10 INT counts; a key outside [0, bins) would be a run-time error.
*/
#include <stdio.h>

#include <pleat.h>

int main(void) {
  pleat_column col = {.name = "x", .dtype = PLEAT_F64, .len = 1000000,
                      .gen = PLEAT_GEN_UNIFORM, .seed = 42};
  pleat_ctx *ctx = NULL;
  if (pleat_ctx_create(&ctx, NULL) != PLEAT_OK) {
    fprintf(stderr, "context: %s\n", pleat_ctx_errmsg(ctx));
    pleat_ctx_free(ctx);
    return 1;
  }
  pleat_plan *plan = NULL;
  pleat_result *res = NULL;
  int rc = 1;
  if (pleat_plan_create(ctx, "group(i64(x * 10), 10, count)", PLEAT_NUL_TERMINATED,
                        &col, 1, &plan) != PLEAT_OK) {
    fprintf(stderr, "plan: %s\n", pleat_plan_errmsg(plan));
  } else if (pleat_plan_run(plan, &col, 1, &res) != PLEAT_OK) {
    fprintf(stderr, "run: %s (index %lld)\n", pleat_result_errmsg(res),
            (long long)pleat_result_error_index(res));
  } else {
    const pleat_value *v = pleat_result_value(res);
    int64_t total = 0;
    for (uint64_t b = 0; b < v->len; b++) {
      int64_t c = v->items[b].as.i;
      total += c;
      printf("[%.1f, %.1f) %7lld ", (double)b / 10, (double)(b + 1) / 10, (long long)c);
      for (int64_t s = 0; s < c / 2500; s++) putchar('#'); /* 40 marks per 100000 */
      putchar('\n');
    }
    printf("total %lld\n", (long long)total);
    rc = 0;
  }
  pleat_result_free(res);
  pleat_plan_free(plan);
  pleat_ctx_free(ctx);
  return rc;
}
