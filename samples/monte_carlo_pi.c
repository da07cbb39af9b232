/*
** monte_carlo_pi.c -- estimate pi by throwing points into the unit square:
** point i is (uniform(2 i), uniform(2 i + 1)), counter-based random numbers
** that are the same on every back end and every run.  The input is a lazy
** range column: ten million indices that are never stored.
*/
#include <stdio.h>

#include <pleat.h>

int main(void) {
  const char *text =
      "map((uniform(2 * i), uniform(2 * i + 1)))  # a point: a tuple of two f64\n"
      "|> count(x.0 * x.0 + x.1 * x.1 < 1.0)     # inside the quarter circle\n";
  pleat_column col = {.name = "x", .dtype = PLEAT_I64, .len = 10000000,
                      .gen = PLEAT_GEN_RANGE, .start = 0};

  pleat_ctx *ctx = NULL;
  if (pleat_ctx_create(&ctx, NULL) != PLEAT_OK) {
    fprintf(stderr, "context: %s\n", pleat_ctx_errmsg(ctx));
    pleat_ctx_free(ctx);
    return 1;
  }
  pleat_plan *plan = NULL;
  pleat_result *res = NULL;
  int rc = 1;
  if (pleat_plan_create(ctx, text, PLEAT_NUL_TERMINATED, &col, 1, &plan) != PLEAT_OK) {
    fprintf(stderr, "plan: %s (line %d, column %d)\n", pleat_plan_errmsg(plan),
            pleat_plan_error_line(plan), pleat_plan_error_column(plan));
  } else if (pleat_plan_run(plan, &col, 1, &res) != PLEAT_OK) {
    fprintf(stderr, "run: %s\n", pleat_result_errmsg(res));
  } else {
    int64_t inside = pleat_result_value(res)->as.i; /* count is an INT, i64 */
    printf("%lld of %llu points inside: pi ~ %.4f\n", (long long)inside,
           (unsigned long long)col.len, 4.0 * (double)inside / (double)col.len);
    rc = 0;
  }
  pleat_result_free(res);
  pleat_plan_free(plan);
  pleat_ctx_free(ctx);
  return rc;
}
