/*
** bench.c -- `pleat bench`: a quick throughput table of a few standard
** pipelines on every usable back end, over data held in memory (so the
** numbers include reading it), median of several runs.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct bench_case {
  const char *pipeline;
  bool int_data; /* the i64 range column instead of the float one */
} bench_case;

static const bench_case cases[] = {
  {"sum", false},
  {"map(x * x) |> filter(x > 0.5) |> sum", false},
  {"count(x > 0.5)", false},
  {"minmax", false},
  {"map(3 * x + 1) |> filter(x % 7 != 0) |> sum", true},
};

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Uniform [0, 1) from a splitmix64 stream: any fixed data will do, the
   table measures speed, not the values. */
static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

typedef struct bench_data {
  uint64_t n;
  pleat_dtype ftype;
  void *fdata;    /* n floats of ftype */
  int64_t *idata; /* 0, 1, ..., n-1 */
} bench_data;

static int make_data(bench_data *d, uint64_t n, pleat_dtype ftype) {
  d->n = n;
  d->ftype = ftype;
  size_t fs = pleat_dtype_size(ftype);
  if (n > SIZE_MAX / 8) return -1;
  d->fdata = malloc((size_t)n * fs);
  d->idata = malloc((size_t)n * sizeof *d->idata);
  if (!d->fdata || !d->idata) return -1;
  uint64_t s = 42;
  for (uint64_t k = 0; k < n; k++) {
    uint64_t r = splitmix(&s);
    if (ftype == PLEAT_F32) ((float *)d->fdata)[k] = (float)(r >> 40) * 0x1p-24f;
    else ((double *)d->fdata)[k] = (double)(r >> 11) * 0x1p-53;
    d->idata[k] = (int64_t)k;
  }
  return 0;
}

/* One row: returns CLI_OK, or the exit status of the failure it printed
   in the row. */
static int bench_one(pleat_ctx *ctx, const char *backend, const bench_case *bc,
                     const bench_data *d, int runs) {
  pleat_column col;
  memset(&col, 0, sizeof col);
  col.dtype = bc->int_data ? PLEAT_I64 : d->ftype;
  col.data = bc->int_data ? (const void *)d->idata : d->fdata;
  col.len = d->n;
  double bytes = (double)d->n * (double)pleat_dtype_size(col.dtype);

  pleat_plan *plan = NULL;
  double t0 = cli_now();
  pleat_status st = pleat_plan_create(ctx, bc->pipeline, PLEAT_NUL_TERMINATED,
                                      &col, 1, &plan);
  double plan_ms = (cli_now() - t0) * 1e3;
  if (st != PLEAT_OK) {
    printf("%-8s %-46s plan failed: %s\n", backend, bc->pipeline,
           plan ? pleat_plan_errmsg(plan) : pleat_strerror(st));
    pleat_plan_free(plan);
    return cli_exit_for_status(st);
  }
  double times[1000] = {0};
  char result[64] = "";
  int rc = CLI_OK;
  /* one warm-up run (page faults, lazy device set-up), then the timed ones */
  for (int r = -1; r < runs && rc == CLI_OK; r++) {
    pleat_result *res = NULL;
    double a = cli_now();
    st = pleat_plan_run(plan, &col, 1, &res);
    double b = cli_now();
    if (st != PLEAT_OK) {
      printf("%-8s %-46s run failed: %s\n", backend, bc->pipeline,
             res ? pleat_result_errmsg(res) : pleat_strerror(st));
      rc = cli_exit_for_status(st);
    } else if (r >= 0) {
      times[r] = b - a;
    } else {
      char *json = NULL;
      const pleat_value *v = pleat_result_value(res);
      if (v && pleat_value_to_json(ctx, v, &json) == PLEAT_OK) {
        snprintf(result, sizeof result, "%s", json);
        pleat_string_free(ctx, json);
      }
    }
    pleat_result_free(res);
  }
  pleat_plan_free(plan);
  if (rc != CLI_OK) return rc;
  qsort(times, (size_t)runs, sizeof times[0], cmp_double);
  double med = runs % 2 ? times[runs / 2]
                        : (times[runs / 2 - 1] + times[runs / 2]) / 2;
  printf("%-8s %-46s %9.2f %10.3f %9.3f %8.2f  %s\n", backend, bc->pipeline,
         plan_ms, med * 1e3, med > 0 ? (double)d->n / med * 1e-9 : 0.0,
         med > 0 ? bytes / med * 1e-9 : 0.0, result);
  fflush(stdout);
  return CLI_OK;
}

int cli_cmd_bench(const cli_opts *o) {
  uint64_t n = o->bench_n ? o->bench_n : (uint64_t)1 << 24;
  pleat_dtype ft = o->bench_type ? o->bench_type : PLEAT_F32;

  /* the back ends: the one asked for, or every usable one */
  const char *names[16];
  size_t nb = 0;
  pleat_ctx *asked = NULL;
  if (o->backend) {
    /* fail before the table: nothing on stdout for an unusable back end */
    int rc = cli_ctx_open(o->backend, &asked);
    if (rc) return rc;
    names[nb++] = o->backend;
  } else {
    size_t count = pleat_backend_count();
    for (size_t k = 0; k < count && nb < 16; k++) {
      pleat_backend_info bi;
      memset(&bi, 0, sizeof bi);
      if (pleat_backend_get(k, &bi) == PLEAT_OK && bi.built && bi.usable && bi.name)
        names[nb++] = bi.name;
    }
    if (nb == 0) {
      cli_error("bench: no usable back end");
      return CLI_EXIT_BACKEND;
    }
  }

  bench_data d;
  memset(&d, 0, sizeof d);
  if (make_data(&d, n, ft)) {
    free(d.fdata);
    free(d.idata);
    pleat_ctx_free(asked);
    cli_error("bench: cannot allocate %" PRIu64 " elements", n);
    return CLI_EXIT_INPUT;
  }

  printf("pleat bench: n = %" PRIu64 ", %s data (the i64 row: 0 .. n-1), "
         "median of %d runs\n", n, pleat_dtype_name(ft), o->bench_runs);
  printf("%-8s %-46s %9s %10s %9s %8s  %s\n", "back end", "pipeline", "plan ms",
         "run ms", "Gelem/s", "GB/s", "result");
  int rc = CLI_OK;
  for (size_t b = 0; b < nb; b++) {
    pleat_ctx *ctx = asked;
    /* probed usable, yet failing now: the message is printed, go on */
    if (!ctx && cli_ctx_open(names[b], &ctx)) {
      if (!rc) rc = CLI_EXIT_BACKEND;
      continue;
    }
    const char *shown = pleat_ctx_backend(ctx);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
      int r = bench_one(ctx, shown, &cases[k], &d, o->bench_runs);
      if (r && !rc) rc = r;
    }
    pleat_ctx_free(ctx);
  }
  free(d.fdata);
  free(d.idata);
  return rc;
}
