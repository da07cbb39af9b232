/*
** explain.c -- `pleat explain`: compile the pipeline against the inputs'
** schema and print one compilation stage (pleat_plan_explain).
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"

int cli_cmd_explain(const cli_opts *o) {
  cli_columns cols;
  int rc = cli_columns_load(o, &cols, true);
  if (rc) return rc;
  pleat_ctx *ctx = NULL;
  pleat_plan *plan = NULL;
  if ((rc = cli_ctx_open(o->backend, &ctx))) goto done;

  pleat_status st = pleat_plan_create(ctx, o->pipeline, PLEAT_NUL_TERMINATED,
                                      cols.col, cols.n, &plan);
  if (st != PLEAT_OK) {
    if (!plan) cli_error("%s", pleat_strerror(st));
    else cli_print_plan_error(o->pipeline, plan, st);
    rc = cli_exit_for_status(st);
    goto done;
  }
  const char *stage = o->stage ? o->stage : "plan";
  char *text = NULL;
  st = pleat_plan_explain(plan, stage, &text);
  if (st != PLEAT_OK) {
    /* the stage list depends on the library and the back end: its own
       message says which stages exist */
    const char *msg = pleat_plan_errmsg(plan);
    if (!*msg) msg = pleat_ctx_errmsg(ctx);
    if (*msg) cli_error("--stage %s: %s", stage, msg);
    else if (st == PLEAT_E_INVAL)
      cli_error("--stage %s: unknown stage (ast, ir, plan, and c, opencl, "
                "cuda, ptx where the back end has them)", stage);
    else cli_error("--stage %s: %s on back end %s", stage, pleat_strerror(st),
                   pleat_ctx_backend(ctx));
    rc = cli_exit_for_status(st);
    goto done;
  }
  size_t n = text ? strlen(text) : 0;
  if (n) fwrite(text, 1, n, stdout);
  if (!n || text[n - 1] != '\n') fputc('\n', stdout);
  pleat_string_free(ctx, text);

done:
  pleat_plan_free(plan);
  pleat_ctx_free(ctx);
  cli_columns_release(&cols);
  return rc;
}
