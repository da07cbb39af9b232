/*
** json.c -- pleat_value_to_json: a result value as one JSON text, with
** floats in their shortest round-trip form and NaN/Infinity/-0.0 spelled as
** Python's json module writes them.
**
** Layout: scalars bare; arrays "[a, b, c]" with ", " between items (the
** separator of Python's json.dumps), no newline anywhere, "[]" when empty.
*/
#include <inttypes.h>
#include <stdio.h>

#include "ctx_int.h"
#include "pleat_int.h"

/* Result values nest only a few levels (tuples inside group arrays); the
   bound turns a corrupt or cyclic value into an error, not a stack
   overflow. */
#define JSON_MAX_DEPTH 32

static void put_int(pleat__str *b, int64_t v) {
  char s[32];
  int n = snprintf(s, sizeof s, "%" PRId64, v);
  pleat__str_append(b, s, (size_t)n);
}

static void put_f64(pleat__str *b, double v) {
  char s[32];
  int n = pleat__fmt_f64(s, v);
  pleat__str_append(b, s, (size_t)n);
}

static void put_f32(pleat__str *b, float v) {
  char s[32];
  int n = pleat__fmt_f32(s, v);
  pleat__str_append(b, s, (size_t)n);
}

/* One element of a COLUMN; the data may be unaligned, hence memcpy. */
static pleat_status put_elem(pleat__str *b, pleat_dtype dt, const void *data,
                             uint64_t k) {
  const unsigned char *p = data;
  switch (dt) {
    case PLEAT_BOOL:
      pleat__str_puts(b, p[k] ? "true" : "false");
      return PLEAT_OK;
    case PLEAT_I32: {
      int32_t v;
      memcpy(&v, p + k * sizeof v, sizeof v);
      put_int(b, v);
      return PLEAT_OK;
    }
    case PLEAT_I64: {
      int64_t v;
      memcpy(&v, p + k * sizeof v, sizeof v);
      put_int(b, v);
      return PLEAT_OK;
    }
    case PLEAT_F32: {
      float v;
      memcpy(&v, p + k * sizeof v, sizeof v);
      put_f32(b, v);
      return PLEAT_OK;
    }
    case PLEAT_F64: {
      double v;
      memcpy(&v, p + k * sizeof v, sizeof v);
      put_f64(b, v);
      return PLEAT_OK;
    }
  }
  return PLEAT_E_INVAL;
}

static pleat_status put_value(pleat__str *b, const pleat_value *v, int depth) {
  if (depth > JSON_MAX_DEPTH) return PLEAT_E_LIMIT;
  switch (v->kind) {
    case PLEAT_VALUE_NULL:
      pleat__str_puts(b, "null");
      return PLEAT_OK;
    case PLEAT_VALUE_BOOL:
      pleat__str_puts(b, v->as.b ? "true" : "false");
      return PLEAT_OK;
    case PLEAT_VALUE_INT:
      put_int(b, v->as.i);
      return PLEAT_OK;
    case PLEAT_VALUE_FLOAT:
      /* an f32 result is printed as the float it is: 0.1f is "0.1" */
      if (v->dtype == PLEAT_F32) put_f32(b, (float)v->as.f);
      else put_f64(b, v->as.f);
      return PLEAT_OK;
    case PLEAT_VALUE_ARRAY:
      if (v->len > 0 && !v->items) return PLEAT_E_INVAL;
      pleat__str_append(b, "[", 1);
      for (uint64_t k = 0; k < v->len; k++) {
        if (k) pleat__str_append(b, ", ", 2);
        pleat_status st = put_value(b, &v->items[k], depth + 1);
        if (st != PLEAT_OK) return st;
        if (b->oom) return PLEAT_E_NOMEM;
      }
      pleat__str_append(b, "]", 1);
      return PLEAT_OK;
    case PLEAT_VALUE_COLUMN:
      if (v->len > 0 && !v->data) return PLEAT_E_INVAL;
      if (pleat_dtype_size(v->dtype) == 0) return PLEAT_E_INVAL;
      pleat__str_append(b, "[", 1);
      for (uint64_t k = 0; k < v->len; k++) {
        if (k) pleat__str_append(b, ", ", 2);
        pleat_status st = put_elem(b, v->dtype, v->data, k);
        if (st != PLEAT_OK) return st;
        if (b->oom) return PLEAT_E_NOMEM; /* stop early on a huge column */
      }
      pleat__str_append(b, "]", 1);
      return PLEAT_OK;
  }
  return PLEAT_E_INVAL;
}

PLEAT_API pleat_status pleat_value_to_json(const pleat_ctx *ctx,
                                           const pleat_value *v, char **text) {
  if (!v || !text) return PLEAT_E_INVAL;
  /* The allocator is only called through, never changed: casting away the
     const of the context is safe and keeps the API's const promise. */
  pleat__alloc *al = ctx ? (pleat__alloc *)&ctx->al : &pleat__alloc_default;
  pleat__str b;
  pleat__str_init(&b, al);
  pleat_status st = put_value(&b, v, 0);
  if (st == PLEAT_OK && b.oom) st = PLEAT_E_NOMEM;
  if (st != PLEAT_OK) {
    pleat__str_free(&b);
    return st;
  }
  char *s = pleat__str_take(&b);
  if (!s) return PLEAT_E_NOMEM;
  *text = s;
  return PLEAT_OK;
}
