/*
** text_pipeline.c -- compile a pipeline given as text, run it over a small
** array, print the result as JSON; on a bad pipeline, print the message and
** point at the error with a caret:
**
**   $ text_pipeline 'map(x * x) |> filter(x > 10) |> sum'
**   183.0
**   $ text_pipeline 'map(x * ) |> sum'
**   error: syntax error at line 1, column 9: ...
**     map(x * ) |> sum
**             ^
*/
#include <stdio.h>
#include <string.h>

#include <pleat.h>

/* Prints line `line` of text and a caret under byte column `col` (1-based). */
static void show_position(const char *text, int line, int col) {
  const char *p = text;
  for (int l = 1; l < line && p; l++) {
    p = strchr(p, '\n');
    if (p) p++;
  }
  if (!p) return;
  int len = (int)strcspn(p, "\n");
  fprintf(stderr, "  %.*s\n  ", len, p);
  for (int c = 1; c < col && c <= len; c++)
    fputc(p[c - 1] == '\t' ? '\t' : ' ', stderr); /* keep tabs aligned */
  fputs("^\n", stderr);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PIPELINE   (x is 3 1 4 1 5 9 2 6 5 3, f64)\n", argv[0]);
    return 2;
  }
  const char *text = argv[1];
  static const double x[] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
  pleat_column col = {.name = "x", .dtype = PLEAT_F64, .data = x, .len = 10};

  pleat_ctx *ctx = NULL;
  if (pleat_ctx_create(&ctx, NULL) != PLEAT_OK) {
    fprintf(stderr, "error: %s\n", pleat_ctx_errmsg(ctx));
    pleat_ctx_free(ctx);
    return 3;
  }

  int rc = 0;
  pleat_plan *plan = NULL;
  pleat_result *res = NULL;
  char *json = NULL;
  if (pleat_plan_create(ctx, text, PLEAT_NUL_TERMINATED, &col, 1, &plan) != PLEAT_OK) {
    /* syntax, name and type errors carry a 1-based line and byte column */
    fprintf(stderr, "error: %s\n", pleat_plan_errmsg(plan));
    if (pleat_plan_error_line(plan) > 0)
      show_position(text, pleat_plan_error_line(plan), pleat_plan_error_column(plan));
    rc = 1;
  } else if (pleat_plan_run(plan, &col, 1, &res) != PLEAT_OK) {
    /* run-time errors (division by zero, a group key out of range) name
       the source index of the element */
    fprintf(stderr, "error: %s\n", pleat_result_errmsg(res));
    rc = 1;
  } else if (pleat_value_to_json(ctx, pleat_result_value(res), &json) == PLEAT_OK) {
    printf("%s\n", json);
  } else {
    rc = 1;
  }
  pleat_string_free(ctx, json);
  pleat_result_free(res);
  pleat_plan_free(plan);
  pleat_ctx_free(ctx);
  return rc;
}
