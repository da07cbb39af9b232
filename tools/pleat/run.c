/*
** run.c -- `pleat run`: compile the pipeline against the inputs, run it,
** print the result (text or JSON) on stdout and, with --time, the timings
** on stderr.
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"

/* The library's run message, with the element index when it names one and
   the message does not already. */
static void print_run_error(const pleat_result *res, pleat_status st) {
  const char *msg = res ? pleat_result_errmsg(res) : "";
  if (!*msg) msg = pleat_strerror(st);
  int64_t at = res ? pleat_result_error_index(res) : -1;
  char num[32];
  snprintf(num, sizeof num, "%" PRId64, at);
  if (at >= 0 && !strstr(msg, num))
    cli_error("%s (at input index %" PRId64 ")", msg, at);
  else
    cli_error("%s", msg);
}

int cli_cmd_run(const cli_opts *o) {
  cli_columns cols;
  int rc = cli_columns_load(o, &cols, false);
  if (rc) return rc;
  pleat_ctx *ctx = NULL;
  pleat_plan *plan = NULL;
  pleat_result *res = NULL;
  if ((rc = cli_ctx_open(o->backend, &ctx))) goto done;

  double t0 = cli_now();
  pleat_status st = pleat_plan_create(ctx, o->pipeline, PLEAT_NUL_TERMINATED,
                                      cols.col, cols.n, &plan);
  double t1 = cli_now();
  if (st != PLEAT_OK) {
    if (!plan) cli_error("%s", pleat_strerror(st));
    else cli_print_plan_error(o->pipeline, plan, st);
    rc = cli_exit_for_status(st);
    goto done;
  }

  st = pleat_plan_run(plan, cols.col, cols.n, &res);
  double t2 = cli_now();
  if (st != PLEAT_OK) {
    print_run_error(res, st);
    rc = cli_exit_for_status(st);
    goto done;
  }
  const pleat_value *v = pleat_result_value(res);
  if (!v) {
    cli_error("the run returned no value");
    rc = CLI_EXIT_INPUT;
    goto done;
  }
  st = cli_write_value(stdout, ctx, v, o->json);
  if (st != PLEAT_OK) {
    cli_error("cannot print the result: %s", pleat_strerror(st));
    rc = CLI_EXIT_INPUT;
    goto done;
  }
  if (o->time)
    cli_print_times(pleat_ctx_backend(ctx), t1 - t0, t2 - t1, cols.len,
                    cols.stored_bytes);

done:
  pleat_result_free(res);
  pleat_plan_free(plan);
  pleat_ctx_free(ctx);
  cli_columns_release(&cols);
  return rc;
}
