/*
** args.c -- the pleat command line: options and their values into
** cli_opts, every mistake an exit status 2 with a message.
**
** Column options (--name, --type, --n, --seed, --start) belong to the
** most recent --input or --gen; written before any source they belong to
** the first one.  So `--type f32 --input a.bin` and `--input a.bin --type
** f32` mean the same.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
  O_INPUT, O_GEN, O_NAME, O_TYPE, O_N, O_SEED, O_START, O_BACKEND, O_FORMAT,
  O_TIME, O_STAGE, O_RUNS, O_HELP
};

enum { CMD_SRC = CLI_RUN | CLI_EXPLAIN };

static const struct option_def {
  const char *name;
  int id;
  bool has_value;
  unsigned commands; /* where it is allowed */
} options[] = {
  {"input", O_INPUT, true, CMD_SRC},
  {"gen", O_GEN, true, CMD_SRC},
  {"name", O_NAME, true, CMD_SRC},
  {"type", O_TYPE, true, CMD_SRC | CLI_BENCH},
  {"n", O_N, true, CMD_SRC | CLI_BENCH},
  {"seed", O_SEED, true, CMD_SRC},
  {"start", O_START, true, CMD_SRC},
  {"backend", O_BACKEND, true, CMD_SRC | CLI_BENCH},
  {"format", O_FORMAT, true, CLI_RUN},
  {"time", O_TIME, false, CLI_RUN},
  {"stage", O_STAGE, true, CLI_EXPLAIN},
  {"runs", O_RUNS, true, CLI_BENCH},
  {"help", O_HELP, false, CMD_SRC | CLI_INFO | CLI_BENCH},
};

static const char *command_name(cli_command c) {
  switch (c) {
    case CLI_RUN: return "run";
    case CLI_EXPLAIN: return "explain";
    case CLI_INFO: return "info";
    case CLI_BENCH: return "bench";
  }
  return "?";
}

/* The source that column options apply to now. */
static cli_source *current(cli_opts *o) {
  if (o->nsrc == 0) {
    o->has_pending = true;
    return &o->pending;
  }
  return &o->src[o->nsrc - 1];
}

static int add_source(cli_opts *o, const char *path, pleat_gen gen) {
  if (o->nsrc >= PLEAT_MAX_COLUMNS)
    return cli_usage_error("too many inputs (at most %d columns)",
                           PLEAT_MAX_COLUMNS);
  cli_source *s = &o->src[o->nsrc];
  if (o->nsrc == 0 && o->has_pending) *s = o->pending;
  else memset(s, 0, sizeof *s);
  s->path = path;
  s->gen = gen;
  o->nsrc++;
  return CLI_OK;
}

static int parse_gen(const char *v, pleat_gen *g) {
  if (strcmp(v, "range") == 0) *g = PLEAT_GEN_RANGE;
  else if (strcmp(v, "uniform") == 0) *g = PLEAT_GEN_UNIFORM;
  else if (strcmp(v, "normal") == 0) *g = PLEAT_GEN_NORMAL;
  else return -1;
  return 0;
}

/* Checks what only makes sense for one kind of source. */
static int check_source(const cli_source *s, int k) {
  if (s->path && (s->has_n || s->has_seed || s->has_start))
    return cli_usage_error("%s for column %d (an --input file): --n, --seed and "
                           "--start apply to --gen only",
                           s->has_n ? "--n" : s->has_seed ? "--seed" : "--start",
                           k + 1);
  if (!s->path && s->gen == PLEAT_GEN_RANGE && s->has_seed)
    return cli_usage_error("--seed applies to --gen uniform and normal, not range");
  if (!s->path && s->gen != PLEAT_GEN_RANGE && s->has_start)
    return cli_usage_error("--start applies to --gen range only");
  return CLI_OK;
}

int cli_parse_args(cli_command cmd, int argc, char **argv, cli_opts *o) {
  memset(o, 0, sizeof *o);
  o->command = cmd;
  o->bench_runs = 5;
  bool only_positional = false;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (only_positional || a[0] != '-' || a[1] == 0) {
      if ((cmd & CMD_SRC) && !o->pipeline) {
        o->pipeline = a;
        continue;
      }
      return cli_usage_error("unexpected argument '%s' for 'pleat %s'", a,
                             command_name(cmd));
    }
    if (strcmp(a, "--") == 0) {
      only_positional = true;
      continue;
    }
    if (strcmp(a, "-h") == 0) return -1;
    /* --name value or --name=value */
    const char *name = a[1] == '-' ? a + 2 : a + 1;
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    const struct option_def *d = NULL;
    for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
      if (strlen(options[k].name) == nlen && !strncmp(options[k].name, name, nlen))
        d = &options[k];
    if (!d || a[1] != '-')
      return cli_usage_error("unknown option '%s'", a);
    if (!(d->commands & cmd))
      return cli_usage_error("option --%s does not apply to 'pleat %s'", d->name,
                             command_name(cmd));
    const char *v = ""; /* options without a value never read it */
    if (d->has_value) {
      if (eq) v = eq + 1;
      else if (i + 1 < argc) v = argv[++i];
      else return cli_usage_error("option --%s needs a value", d->name);
    } else if (eq) {
      return cli_usage_error("option --%s takes no value", d->name);
    }

    cli_source *s;
    switch (d->id) {
      case O_HELP:
        return -1;
      case O_INPUT:
        if (!*v) return cli_usage_error("--input needs a file name");
        if (add_source(o, v, PLEAT_GEN_NONE)) return CLI_EXIT_USAGE;
        break;
      case O_GEN: {
        pleat_gen g;
        if (parse_gen(v, &g))
          return cli_usage_error("--gen %s: expected range, uniform or normal", v);
        if (add_source(o, NULL, g)) return CLI_EXIT_USAGE;
        break;
      }
      case O_NAME:
        s = current(o);
        if (s->name) return cli_usage_error("--name given twice for one column");
        s->name = v;
        break;
      case O_TYPE: {
        pleat_dtype t;
        if (cli_parse_dtype(v, &t))
          return cli_usage_error("--type %s: expected i32, i64, f32 or f64", v);
        if (cmd == CLI_BENCH) {
          if (t != PLEAT_F32 && t != PLEAT_F64)
            return cli_usage_error("bench --type %s: expected f32 or f64", v);
          o->bench_type = t;
          break;
        }
        s = current(o);
        if (s->type) return cli_usage_error("--type given twice for one column");
        s->type = t;
        break;
      }
      case O_N: {
        uint64_t n;
        if (cli_parse_count(v, &n))
          return cli_usage_error("--n %s: expected a count such as 1000000, "
                                 "2^40 or 1e8 (at most 2^63-1)", v);
        if (cmd == CLI_BENCH) {
          if (n == 0) return cli_usage_error("bench --n must be at least 1");
          o->bench_n = n;
          break;
        }
        s = current(o);
        if (s->has_n) return cli_usage_error("--n given twice for one column");
        s->n = n;
        s->has_n = true;
        break;
      }
      case O_SEED:
        s = current(o);
        if (s->has_seed) return cli_usage_error("--seed given twice for one column");
        if (cli_parse_u64(v, &s->seed))
          return cli_usage_error("--seed %s: expected an integer 0 .. 2^64-1", v);
        s->has_seed = true;
        break;
      case O_START:
        s = current(o);
        if (s->has_start) return cli_usage_error("--start given twice for one column");
        if (cli_parse_i64(v, &s->start))
          return cli_usage_error("--start %s: expected a 64-bit integer", v);
        s->has_start = true;
        break;
      case O_BACKEND:
        if (!*v) return cli_usage_error("--backend needs a name");
        o->backend = v;
        break;
      case O_FORMAT:
        if (strcmp(v, "json") == 0) o->json = true;
        else if (strcmp(v, "text") == 0) o->json = false;
        else return cli_usage_error("--format %s: expected text or json", v);
        break;
      case O_TIME:
        o->time = true;
        break;
      case O_STAGE:
        if (!*v) return cli_usage_error("--stage needs a name");
        o->stage = v;
        break;
      case O_RUNS: {
        uint64_t r;
        if (cli_parse_count(v, &r) || r < 1 || r > 1000)
          return cli_usage_error("--runs %s: expected 1 .. 1000", v);
        o->bench_runs = (int)r;
        break;
      }
    }
  }
  if ((cmd & CMD_SRC) && !o->pipeline)
    return cli_usage_error("'pleat %s' needs a PIPELINE, e.g. pleat %s 'sum' "
                           "--gen range --n 10", command_name(cmd),
                           command_name(cmd));
  for (int k = 0; k < o->nsrc; k++)
    if (check_source(&o->src[k], k)) return CLI_EXIT_USAGE;
  if (o->nsrc == 0 && o->has_pending) {
    const cli_source *p = &o->pending;
    if (cmd == CLI_RUN || p->has_n || p->has_seed || p->has_start)
      return cli_usage_error("column options were given but no --input or --gen");
  }
  if (cmd == CLI_RUN && o->nsrc == 0)
    return cli_usage_error("no input: give --input FILE or --gen KIND --n N");
  return CLI_OK;
}

void cli_print_help(FILE *f) {
  fputs(
    "pleat " PLEAT_VERSION_STRING " -- run transducer pipelines over large arrays\n"
    "\n"
    "usage:\n"
    "  pleat run PIPELINE [input options] [--backend B] [--format text|json] [--time]\n"
    "  pleat explain PIPELINE [input options] [--backend B] [--stage S]\n"
    "  pleat info\n"
    "  pleat bench [--n N] [--backend B] [--type f32|f64] [--runs R]\n"
    "  pleat --help | --version\n"
    "\n"
    "input options (each --input or --gen is one column: x, y, z, ...):\n"
    "  --input FILE     .npy, raw little-endian binary (needs --type), or text\n"
    "                   with one number per line (*.txt, *.csv, '-' for stdin)\n"
    "  --gen KIND       a generated column: range, uniform or normal\n"
    "  --n N            elements of a --gen column (1000000, 2^40, 1e8)\n"
    "  --seed S         seed of uniform/normal (default 0)\n"
    "  --start A        first value of range (default 0)\n"
    "  --type T         i32, i64, f32 or f64\n"
    "  --name NAME      the column's name in the pipeline\n"
    "  (column options apply to the --input/--gen before them)\n"
    "\n"
    "  --backend B      auto, seq, threads, opencl, cuda or a list (overrides\n"
    "                   PLEAT_BACKEND)\n"
    "  --format F       text (default) or json\n"
    "  --time           plan and run times on stderr\n"
    "  --stage S        explain: ast, ir, plan (default), c, opencl, cuda, ptx\n"
    "\n"
    "example:\n"
    "  pleat run 'map(x * x) |> filter(x > 0.5) |> sum' --gen uniform --n 1e8 --type f32\n"
    "\n"
    "exit status: 0 ok, 1 bad pipeline or input, 2 bad command line,\n"
    "3 back end cannot be used.  See docs/cli.md.\n",
    f);
}
