/*
** columns.c -- turns the --input and --gen sources of the command line
** into the pleat_column array a plan and a run take.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The library's positional default names (pleat.h: x, y, z, c3, ...). */
static void default_name(char *out, size_t n, size_t k) {
  static const char *first[] = {"x", "y", "z"};
  if (k < 3) snprintf(out, n, "%s", first[k]);
  else snprintf(out, n, "c%zu", k);
}

static const char *gen_name(pleat_gen g) {
  switch (g) {
    case PLEAT_GEN_RANGE: return "range";
    case PLEAT_GEN_UNIFORM: return "uniform";
    case PLEAT_GEN_NORMAL: return "normal";
    default: return "none";
  }
}

void cli_columns_release(cli_columns *c) {
  for (size_t k = 0; k < c->n; k++) cli_input_release(&c->in[k]);
  c->n = 0;
}

int cli_columns_load(const cli_opts *o, cli_columns *c, bool for_explain) {
  memset(c, 0, sizeof *c);
  if (o->nsrc == 0) {
    /* explain without input: a schema of one column, x: f64 by default */
    if (!for_explain) return cli_usage_error("no input: give --input FILE or --gen KIND --n N");
    c->n = 1;
    c->col[0].name = o->pending.name;
    c->col[0].dtype = o->pending.type ? o->pending.type : PLEAT_F64;
    snprintf(c->label[0], sizeof c->label[0], "%s",
             o->pending.name ? o->pending.name : "x");
    return CLI_OK;
  }

  /* files first: their lengths decide the length of a --gen without --n */
  bool have_len = false;
  const char *len_from = NULL;
  for (int k = 0; k < o->nsrc; k++) {
    const cli_source *s = &o->src[k];
    pleat_column *col = &c->col[k];
    col->name = s->name;
    if (s->name) snprintf(c->label[k], sizeof c->label[k], "%s", s->name);
    else default_name(c->label[k], sizeof c->label[k], (size_t)k);
    c->n = (size_t)k + 1;
    if (!s->path) continue;
    char err[512];
    if (cli_input_load(&c->in[k], s->path, s->type, err, sizeof err)) {
      cli_error("%s: %s", s->path, err);
      cli_columns_release(c);
      return CLI_EXIT_INPUT;
    }
    col->dtype = c->in[k].dtype;
    col->data = c->in[k].data;
    col->len = c->in[k].len;
    col->gen = PLEAT_GEN_NONE;
    c->stored_bytes += c->in[k].len * pleat_dtype_size(c->in[k].dtype);
    if (have_len && col->len != c->len) {
      cli_error("%s: %llu elements, but %s has %llu: every column needs the "
                "same length", s->path, (unsigned long long)col->len, len_from,
                (unsigned long long)c->len);
      cli_columns_release(c);
      return CLI_EXIT_INPUT;
    }
    have_len = true;
    c->len = col->len;
    len_from = s->path;
  }

  /* then the --gen columns: those with --n first, so that one without it
     takes the length whatever the order on the command line */
  for (int pass = 0; pass < 2; pass++) {
    for (int k = 0; k < o->nsrc; k++) {
      const cli_source *s = &o->src[k];
      if (s->path || s->has_n != (pass == 0)) continue;
      pleat_column *col = &c->col[k];
      col->gen = s->gen;
      col->dtype = s->type ? s->type
                           : s->gen == PLEAT_GEN_RANGE ? PLEAT_I64 : PLEAT_F64;
      col->start = s->has_start ? s->start : 0;
      col->seed = s->has_seed ? s->seed : 0;
      if (!s->has_n && !have_len) {
        cli_columns_release(c);
        return cli_usage_error("--gen %s needs --n N (or an --input whose "
                               "length it takes)", gen_name(s->gen));
      }
      col->len = s->has_n ? s->n : c->len;
      if (have_len && col->len != c->len) {
        cli_error("--gen %s --n %llu, but %s has %llu elements: every column "
                  "needs the same length", gen_name(s->gen),
                  (unsigned long long)s->n, len_from ? len_from : "another --gen",
                  (unsigned long long)c->len);
        cli_columns_release(c);
        return CLI_EXIT_INPUT;
      }
      have_len = true;
      c->len = col->len;
    }
  }
  return CLI_OK;
}
