/*
** cli.h -- what the files of the pleat command share: exit statuses, the
** parsed command line, messages, and the commands themselves.  The command
** uses the public API (pleat.h) only.
*/
#ifndef PLEAT_CLI_H
#define PLEAT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "input.h"
#include "pleat.h"

#if defined(__GNUC__)
#  define CLI_FMT(a, b) __attribute__((format(printf, a, b)))
#else
#  define CLI_FMT(a, b)
#endif

/* Exit statuses (LANGUAGE.md, "The pleat command"). */
enum {
  CLI_OK = 0,
  CLI_EXIT_INPUT = 1,   /* bad pipeline, bad input file, failed run */
  CLI_EXIT_USAGE = 2,   /* bad command line */
  CLI_EXIT_BACKEND = 3  /* the back end cannot be used */
};

/* One --input or --gen and the column options that follow it. */
typedef struct cli_source {
  const char *path;  /* --input FILE; NULL for --gen */
  pleat_gen gen;     /* --gen KIND */
  const char *name;  /* --name */
  pleat_dtype type;  /* --type, 0 if not given */
  bool has_n, has_seed, has_start;
  uint64_t n, seed;
  int64_t start;
} cli_source;

typedef enum cli_command {
  CLI_RUN = 1,
  CLI_EXPLAIN = 2,
  CLI_INFO = 4,
  CLI_BENCH = 8
} cli_command;

typedef struct cli_opts {
  cli_command command;
  const char *pipeline;
  cli_source src[PLEAT_MAX_COLUMNS];
  int nsrc;
  cli_source pending;   /* column options seen before any source */
  bool has_pending;
  const char *backend;  /* --backend, NULL: $PLEAT_BACKEND / auto */
  bool json;            /* --format json */
  bool time;            /* --time */
  const char *stage;    /* --stage */
  /* bench */
  uint64_t bench_n;
  pleat_dtype bench_type;
  int bench_runs;
} cli_opts;

/* ---- messages (common.c) ---------------------------------------------- */

/* "pleat: error: ...\n" on stderr. */
void cli_error(const char *fmt, ...) CLI_FMT(1, 2);
/* A command-line error with a pointer to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) CLI_FMT(1, 2);
/* The exit status for a failed library call. */
int cli_exit_for_status(pleat_status st);
/* Creates a context on backend (NULL: the environment's choice); on
   failure prints the library's message and returns the exit status. */
int cli_ctx_open(const char *backend, pleat_ctx **ctx);
/* Seconds on a monotonic clock. */
double cli_now(void);

/* ---- the command line (args.c) ---------------------------------------- */

/* Parses argv[0, argc) after the command word.  Returns CLI_OK, the exit
   status of an error it printed, or -1 when --help was asked for. */
int cli_parse_args(cli_command cmd, int argc, char **argv, cli_opts *o);
void cli_print_help(FILE *f);

/* ---- input columns (columns.c) ---------------------------------------- */

typedef struct cli_columns {
  size_t n;
  pleat_column col[PLEAT_MAX_COLUMNS];
  cli_input in[PLEAT_MAX_COLUMNS];
  char label[PLEAT_MAX_COLUMNS][80]; /* the column's name, for messages */
  uint64_t len;                      /* elements in each column */
  uint64_t stored_bytes;             /* bytes of file data (not generated) */
} cli_columns;

/* Reads the files and sets up the generated columns of o.  for_explain:
   without any source, a one-column schema is made up.  Returns CLI_OK or
   the exit status of an error it printed. */
int cli_columns_load(const cli_opts *o, cli_columns *c, bool for_explain);
void cli_columns_release(cli_columns *c);

/* ---- the commands ------------------------------------------------------ */

int cli_cmd_run(const cli_opts *o);     /* run.c */
int cli_cmd_explain(const cli_opts *o); /* explain.c */
int cli_cmd_info(const cli_opts *o);    /* info.c */
int cli_cmd_bench(const cli_opts *o);   /* bench.c */

#endif
