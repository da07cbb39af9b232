/*
** summary_stats.c -- several reducers in one pass: (mean, std, min, max)
** over a million standard-normal values.  A reducer tuple reads the input
** once and returns an ARRAY value with one item per reducer.
*/
#include <stdio.h>

#include <pleat.h>

int main(void) {
  pleat_ctx *ctx = NULL;
  if (pleat_ctx_create(&ctx, NULL) != PLEAT_OK) {
    fprintf(stderr, "context: %s\n", pleat_ctx_errmsg(ctx));
    pleat_ctx_free(ctx);
    return 1;
  }
  /* A generated column: computed from (seed, index), never stored. */
  pleat_column col = {.name = "x", .dtype = PLEAT_F64, .len = 1000000,
                      .gen = PLEAT_GEN_NORMAL, .seed = 7};
  pleat_plan *plan = NULL;
  pleat_result *res = NULL;
  int rc = 1;
  if (pleat_plan_create(ctx, "(mean, std, min, max)", PLEAT_NUL_TERMINATED, &col, 1,
                        &plan) != PLEAT_OK) {
    fprintf(stderr, "plan: %s\n", pleat_plan_errmsg(plan));
  } else if (pleat_plan_run(plan, &col, 1, &res) != PLEAT_OK) {
    fprintf(stderr, "run: %s\n", pleat_result_errmsg(res));
  } else {
    const pleat_value *v = pleat_result_value(res);
    static const char *const names[] = {"mean", "std", "min", "max"};
    /* v->kind == PLEAT_VALUE_ARRAY, v->len == 4; each item is a FLOAT (or
       NULL for an empty input: mean of nothing, std of fewer than 2) */
    printf("n = %llu standard-normal values\n", (unsigned long long)col.len);
    for (uint64_t k = 0; k < v->len; k++) {
      const pleat_value *it = &v->items[k];
      if (it->kind == PLEAT_VALUE_FLOAT) printf("%-4s = %+.6f\n", names[k], it->as.f);
      else printf("%-4s = null\n", names[k]);
    }
    rc = 0;
  }
  pleat_result_free(res);
  pleat_plan_free(plan);
  pleat_ctx_free(ctx);
  return rc;
}
