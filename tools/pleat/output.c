/*
** output.c -- prints results (text and JSON), plan errors with a caret
** under the faulty column, and --time reports.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

/* ---- values ----------------------------------------------------------- */

/* Appends the JSON of v (a scalar, or an array printed whole) to f. */
static pleat_status put_json(FILE *f, const pleat_ctx *ctx, const pleat_value *v) {
  char *s = NULL;
  pleat_status st = pleat_value_to_json(ctx, v, &s);
  if (st != PLEAT_OK) return st;
  fputs(s, f);
  pleat_string_free(ctx, s);
  return PLEAT_OK;
}

/* Element k of an ARRAY or COLUMN as a stand-alone value. */
static pleat_value element(const pleat_value *v, uint64_t k) {
  if (v->kind == PLEAT_VALUE_ARRAY) return v->items[k];
  pleat_value e;
  memset(&e, 0, sizeof e);
  e.dtype = v->dtype;
  const unsigned char *p = v->data;
  size_t es = pleat_dtype_size(v->dtype);
  switch (v->dtype) {
    case PLEAT_BOOL:
      e.kind = PLEAT_VALUE_BOOL;
      e.as.b = p[k] != 0;
      break;
    case PLEAT_I32: {
      int32_t x;
      memcpy(&x, p + k * es, sizeof x);
      e.kind = PLEAT_VALUE_INT;
      e.as.i = x;
      break;
    }
    case PLEAT_I64:
      e.kind = PLEAT_VALUE_INT;
      memcpy(&e.as.i, p + k * es, sizeof e.as.i);
      break;
    case PLEAT_F32: {
      float x;
      memcpy(&x, p + k * es, sizeof x);
      e.kind = PLEAT_VALUE_FLOAT;
      e.as.f = (double)x;
      break;
    }
    case PLEAT_F64:
      e.kind = PLEAT_VALUE_FLOAT;
      memcpy(&e.as.f, p + k * es, sizeof e.as.f);
      break;
  }
  return e;
}

/* Text form: JSON, except that an array of more than CLI_TEXT_MAX_ITEMS
   items shows its first and last CLI_TEXT_EDGE and its length. */
static pleat_status put_text(FILE *f, const pleat_ctx *ctx, const pleat_value *v,
                             int depth) {
  bool seq = v->kind == PLEAT_VALUE_ARRAY || v->kind == PLEAT_VALUE_COLUMN;
  if (!seq || depth > 16) return put_json(f, ctx, v);
  if ((v->kind == PLEAT_VALUE_ARRAY && v->len && !v->items) ||
      (v->kind == PLEAT_VALUE_COLUMN &&
       ((v->len && !v->data) || !pleat_dtype_size(v->dtype))))
    return put_json(f, ctx, v); /* let the library report it */
  bool cut = v->len > CLI_TEXT_MAX_ITEMS;
  fputc('[', f);
  for (uint64_t k = 0; k < v->len; k++) {
    if (cut && k == CLI_TEXT_EDGE) {
      fputs(", ...", f);
      k = v->len - CLI_TEXT_EDGE;
    }
    if (k) fputs(", ", f);
    pleat_value e = element(v, k);
    pleat_status st = put_text(f, ctx, &e, depth + 1);
    if (st != PLEAT_OK) return st;
  }
  fputc(']', f);
  if (cut) fprintf(f, " (%" PRIu64 " elements)", v->len);
  return PLEAT_OK;
}

pleat_status cli_write_value(FILE *out, const pleat_ctx *ctx,
                             const pleat_value *v, bool json) {
  if (json) {
    /* written straight from the library's string: a collect of 2^24
       floats is hundreds of MB, not worth a second copy */
    char *s = NULL;
    pleat_status st = pleat_value_to_json(ctx, v, &s);
    if (st != PLEAT_OK) return st;
    fwrite(s, 1, strlen(s), out);
    fputc('\n', out);
    pleat_string_free(ctx, s);
    return PLEAT_OK;
  }
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return PLEAT_E_NOMEM;
  pleat_status st = put_text(f, ctx, v, 0);
  fputc('\n', f);
  if (fclose(f) != 0 && st == PLEAT_OK) st = PLEAT_E_NOMEM;
  if (st == PLEAT_OK) fwrite(buf, 1, len, out);
  free(buf);
  return st;
}

/* ---- plan errors -------------------------------------------------------- */

void cli_print_plan_error(const char *pipeline, const pleat_plan *plan,
                          pleat_status st) {
  const char *msg = plan ? pleat_plan_errmsg(plan) : "";
  cli_error("%s", *msg ? msg : pleat_strerror(st));
  int line = plan ? pleat_plan_error_line(plan) : 0;
  int col = plan ? pleat_plan_error_column(plan) : 0;
  size_t n = strlen(pipeline);
  if (line != 1 || col < 1 || (size_t)col > n + 1 || strchr(pipeline, '\n'))
    return;
  if (n > 400) return; /* a caret under a huge line helps nobody */
  /* The caret line copies the tabs of the pipeline and counts one column
     per UTF-8 character, so it lines up in a terminal. */
  char caret[1024];
  size_t m = 0;
  for (int k = 0; k < col - 1 && m + 2 < sizeof caret; k++) {
    unsigned char ch = (unsigned char)pipeline[k];
    if ((ch & 0xC0) == 0x80) continue; /* UTF-8 continuation byte */
    caret[m++] = ch == '\t' ? '\t' : ' ';
  }
  caret[m++] = '^';
  caret[m] = 0;
  fprintf(stderr, "  %s\n  %s\n", pipeline, caret);
}

/* ---- timings ------------------------------------------------------------ */

void cli_print_times(const char *backend, double plan_s, double run_s,
                     uint64_t elements, uint64_t stored_bytes) {
  fprintf(stderr, "pleat: time: back end %s\n", backend);
  fprintf(stderr, "pleat: time: plan %.3f ms\n", plan_s * 1e3);
  double eps = run_s > 0 ? (double)elements / run_s : 0;
  if (stored_bytes > 0)
    fprintf(stderr,
            "pleat: time: run %.3f ms, %" PRIu64 " elements, %.4g elements/s, "
            "%.3f GB/s of input read\n",
            run_s * 1e3, elements, eps,
            run_s > 0 ? (double)stored_bytes / run_s * 1e-9 : 0.0);
  else
    fprintf(stderr,
            "pleat: time: run %.3f ms, %" PRIu64 " elements, %.4g elements/s "
            "(generated input: no bytes read)\n",
            run_s * 1e3, elements, eps);
}
