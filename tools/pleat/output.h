/*
** output.h -- how the pleat command prints results, plan errors and
** timings.
*/
#ifndef PLEAT_CLI_OUTPUT_H
#define PLEAT_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pleat.h"

/* Arrays longer than this print as their first and last
   CLI_TEXT_EDGE elements in text format. */
#define CLI_TEXT_MAX_ITEMS 20
#define CLI_TEXT_EDGE 5

/* Writes v and a newline to out: json as pleat_value_to_json writes it,
   text for a person (JSON, long arrays abbreviated).  The whole text is
   built first, so a failure writes nothing.  Returns the library status of
   the conversion. */
pleat_status cli_write_value(FILE *out, const pleat_ctx *ctx,
                             const pleat_value *v, bool json);

/* "pleat: error: <message>" for a failed plan, and under it the pipeline
   with a caret at the error's column when the pipeline is one line. */
void cli_print_plan_error(const char *pipeline, const pleat_plan *plan,
                          pleat_status st);

/* The --time report on stderr. */
void cli_print_times(const char *backend, double plan_s, double run_s,
                     uint64_t elements, uint64_t stored_bytes);

#endif
