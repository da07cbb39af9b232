/*
** str.c -- growable NUL-terminated strings for dumps, messages and JSON.
** An append that cannot allocate sets `oom` and keeps what fits, so callers
** check once at the end instead of after every append.
*/
#include <stdio.h>

#include "pleat_int.h"

void pleat__str_init(pleat__str *b, pleat__alloc *al) {
  memset(b, 0, sizeof *b);
  b->al = al;
}

void pleat__str_free(pleat__str *b) {
  pleat__free(b->al, b->s);
  b->s = NULL;
  b->len = b->cap = 0;
}

static bool reserve(pleat__str *b, size_t extra) {
  if (b->oom) return false;
  if (b->len + extra + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) {
    if (cap > SIZE_MAX / 2) { b->oom = true; return false; }
    cap *= 2;
  }
  char *s = pleat__realloc(b->al, b->s, cap);
  if (!s) { b->oom = true; return false; }
  b->s = s;
  b->cap = cap;
  return true;
}

void pleat__str_append(pleat__str *b, const char *s, size_t n) {
  if (!reserve(b, n)) return;
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = 0;
}

void pleat__str_puts(pleat__str *b, const char *s) { pleat__str_append(b, s, strlen(s)); }

void pleat__str_vprintf(pleat__str *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0 || !reserve(b, (size_t)n)) return;
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void pleat__str_printf(pleat__str *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pleat__str_vprintf(b, fmt, ap);
  va_end(ap);
}

char *pleat__str_take(pleat__str *b) {
  if (b->oom) { pleat__str_free(b); b->oom = false; return NULL; }
  if (!b->s && !reserve(b, 0)) return NULL;
  if (b->len == 0) b->s[0] = 0;
  char *s = b->s;
  b->s = NULL;
  b->len = b->cap = 0;
  return s;
}
