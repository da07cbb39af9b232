/*
** alloc.c -- every allocation of the library goes through a context's
** pleat__alloc, so embedding programs can supply their own and the OOM tests
** can fail the k-th call.
*/
#include <stdlib.h>

#include "pleat_int.h"

static void *std_malloc(void *ud, size_t n) { (void)ud; return malloc(n); }
static void *std_realloc(void *ud, void *p, size_t n) { (void)ud; return realloc(p, n); }
static void std_free(void *ud, void *p) { (void)ud; free(p); }

pleat__alloc pleat__alloc_default = {{std_malloc, std_realloc, std_free, NULL}};

size_t pleat__mulsize(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return SIZE_MAX;
  return count * size;
}

void *pleat__malloc(pleat__alloc *al, size_t n) {
  if (n == SIZE_MAX) return NULL;
  return al->fn.malloc(al->fn.ud, n ? n : 1);
}

void *pleat__calloc(pleat__alloc *al, size_t count, size_t size) {
  size_t n = pleat__mulsize(count, size);
  void *p = pleat__malloc(al, n);
  if (p) memset(p, 0, n ? n : 1);
  return p;
}

void *pleat__realloc(pleat__alloc *al, void *p, size_t n) {
  if (n == SIZE_MAX) return NULL;
  return al->fn.realloc(al->fn.ud, p, n ? n : 1);
}

void pleat__free(pleat__alloc *al, void *p) {
  if (p) al->fn.free(al->fn.ud, p);
}
