/*
** sum_squares.c -- the smallest pleat program, using the builder API:
** map(x * x) |> sum over the numbers 1..10, built from pleat_b_* calls
** instead of text.  Prints 385.
*/
#include <stdio.h>

#include <pleat.h>

int main(void) {
  double data[10];
  for (int k = 0; k < 10; k++) data[k] = k + 1;

  pleat_ctx *ctx = NULL;
  if (pleat_ctx_create(&ctx, NULL) != PLEAT_OK) { /* NULL options: all defaults */
    fprintf(stderr, "context: %s\n", pleat_ctx_errmsg(ctx));
    pleat_ctx_free(ctx);
    return 1;
  }

  /* map(x * x) |> sum: nodes can be nested without checking each call; a
     failure anywhere is reported once, by pleat_plan_create_built */
  pleat_builder *b = pleat_builder_create(ctx);
  pleat_node *x = pleat_b_name(b, "x");
  pleat_b_stage(b, pleat_b_call(b, "map", 1, pleat_b_binary(b, "*", x, x)));
  pleat_b_stage(b, pleat_b_name(b, "sum")); /* the last stage is the reducer */

  /* one column, named x by default, of 10 f64 values */
  pleat_column col = {.dtype = PLEAT_F64, .data = data, .len = 10};
  pleat_plan *plan = NULL;
  pleat_status st = pleat_plan_create_built(b, &col, 1, &plan);
  pleat_builder_free(b);
  if (st != PLEAT_OK) {
    fprintf(stderr, "plan: %s\n", pleat_plan_errmsg(plan));
    pleat_plan_free(plan);
    pleat_ctx_free(ctx);
    return 1;
  }

  pleat_result *res = NULL;
  if (pleat_plan_run(plan, &col, 1, &res) == PLEAT_OK) {
    const pleat_value *v = pleat_result_value(res); /* a FLOAT of dtype f64 */
    printf("sum of squares of 1..10 = %g\n", v->as.f);
  } else {
    fprintf(stderr, "run: %s\n", pleat_result_errmsg(res));
  }
  int rc = pleat_result_status(res) == PLEAT_OK ? 0 : 1;

  pleat_result_free(res); /* every handle has its own free, NULL-safe */
  pleat_plan_free(plan);
  pleat_ctx_free(ctx);
  return rc;
}
