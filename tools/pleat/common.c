/*
** common.c -- messages, exit statuses and context set-up shared by the
** pleat command's subcommands.
*/
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"

void cli_error(const char *fmt, ...) {
  /* one buffer, one write: lines of concurrent processes do not mix */
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, "pleat: error: %s\n", line);
}

int cli_usage_error(const char *fmt, ...) {
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, "pleat: error: %s\nTry 'pleat --help'.\n", line);
  return CLI_EXIT_USAGE;
}

int cli_exit_for_status(pleat_status st) {
  switch (st) {
    case PLEAT_OK:
      return CLI_OK;
    /* the back end, its device or its compiler cannot serve the request:
       the pipeline and the input may well be fine elsewhere */
    case PLEAT_E_BACKEND:
    case PLEAT_E_UNAVAILABLE:
    case PLEAT_E_UNSUPPORTED:
    case PLEAT_E_DEVICE:
    case PLEAT_E_DEVICE_LOST:
    case PLEAT_E_BUILD:
      return CLI_EXIT_BACKEND;
    default:
      return CLI_EXIT_INPUT;
  }
}

int cli_ctx_open(const char *backend, pleat_ctx **out) {
  pleat_ctx_options opts = {0};
  opts.backend = backend;
  pleat_ctx *ctx = NULL;
  pleat_status st = pleat_ctx_create(&ctx, &opts);
  if (st == PLEAT_OK) {
    *out = ctx;
    return CLI_OK;
  }
  if (!ctx) {
    cli_error("cannot create a context: %s", pleat_strerror(st));
    return CLI_EXIT_INPUT;
  }
  const char *msg = pleat_ctx_errmsg(ctx);
  cli_error("%s", *msg ? msg : pleat_strerror(st));
  pleat_ctx_free(ctx);
  *out = NULL;
  return cli_exit_for_status(st) == CLI_OK ? CLI_EXIT_INPUT
                                           : cli_exit_for_status(st);
}

double cli_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
