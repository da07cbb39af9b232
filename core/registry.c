/*
** registry.c -- the back ends pleat knows of, and PLEAT_BACKEND parsing.
** A back end that is not compiled in is still listed, so `pleat info` and
** the errors can say "not built" instead of "unknown".
*/
#include <stdio.h>
#include <strings.h>

#include "backend.h"

#if !defined(PLEAT_HAVE_OPENCL) || !defined(PLEAT_HAVE_CUDA)
static bool probe_not_built(char *why, size_t n) {
  snprintf(why, n, "not built into this library");
  return false;
}
#endif

#ifndef PLEAT_HAVE_OPENCL
static const pleat__backend_ops not_built_opencl = {"opencl", false, probe_not_built, NULL, NULL, NULL, NULL, false, NULL};
#define pleat__backend_opencl not_built_opencl
#endif
#ifndef PLEAT_HAVE_CUDA
static const pleat__backend_ops not_built_cuda = {"cuda", false, probe_not_built, NULL, NULL, NULL, NULL, false, NULL};
#define pleat__backend_cuda not_built_cuda
#endif

/* In `auto` preference order, best first. */
static const pleat__backend_ops *const table[] = {
  &pleat__backend_cuda, &pleat__backend_opencl, &pleat__backend_threads, &pleat__backend_seq,
};
#define NTABLE (sizeof table / sizeof table[0])

size_t pleat__backend_count(void) { return NTABLE; }
const pleat__backend_ops *pleat__backend_at(size_t k) { return k < NTABLE ? table[k] : NULL; }

static const pleat__backend_ops *by_name(const char *s, size_t len) {
  for (size_t k = 0; k < NTABLE; k++)
    if (strlen(table[k]->name) == len && !strncmp(table[k]->name, s, len)) return table[k];
  return NULL;
}

pleat_status pleat__backend_select(const char *spec, const pleat__backend_ops **out,
                                   pleat__msg *msg) {
  *out = NULL;
  if (!spec || !*spec) spec = "auto";
  if (strlen(spec) > 256) {
    pleat__msg_set(msg, "PLEAT_BACKEND is too long (%zu bytes); valid names: auto, seq, "
                   "threads, opencl, cuda, or a comma-separated list", strlen(spec));
    return PLEAT_E_BACKEND;
  }
  char why[256];
  if (!strcmp(spec, "auto")) {
    for (size_t k = 0; k < NTABLE; k++) {
      if (table[k]->built && table[k]->partial) {
        pleat__log(PLEAT_LOG_INFO, "backend auto: skipped %s (it runs part of the language; "
                   "name it to use it)", table[k]->name);
        continue;
      }
      if (table[k]->built && table[k]->probe(why, sizeof why)) {
        *out = table[k];
        pleat__log(PLEAT_LOG_INFO, "backend auto: chose %s", table[k]->name);
        return PLEAT_OK;
      }
      pleat__log(PLEAT_LOG_INFO, "backend auto: %s unavailable (%s)", table[k]->name, why);
    }
    pleat__msg_set(msg, "no back end is usable");
    return PLEAT_E_UNAVAILABLE;
  }
  /* a name or a comma-separated list, tried in order; every entry must be a
     known name (a typo is an error even if an earlier entry would work) */
  const pleat__backend_ops *list[8];
  size_t nlist = 0;
  const char *p = spec;
  for (;;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    const pleat__backend_ops *b = by_name(p, len);
    if (!b || nlist == 8) {
      pleat__msg_set(msg, "unknown back end '%.*s' in PLEAT_BACKEND='%s'; valid names: auto, "
                     "seq, threads, opencl, cuda (lowercase), or a comma-separated list",
                     (int)(len > 64 ? 64 : len), p, spec);
      return PLEAT_E_BACKEND;
    }
    list[nlist++] = b;
    if (!e) break;
    p = e + 1;
  }
  char reasons[PLEAT_MSG_MAX] = "";
  size_t used = 0;
  for (size_t k = 0; k < nlist; k++) {
    if (list[k]->built && list[k]->probe(why, sizeof why)) {
      *out = list[k];
      if (k) pleat__log(PLEAT_LOG_INFO, "backend list: chose %s", list[k]->name);
      return PLEAT_OK;
    }
    if (!list[k]->built) snprintf(why, sizeof why, "not built into this library");
    int w = snprintf(reasons + used, sizeof reasons - used, "%s%s: %s", k ? "; " : "",
                     list[k]->name, why);
    if (w > 0 && (size_t)w < sizeof reasons - used) used += (size_t)w;
  }
  pleat__msg_set(msg, "back end unavailable: %s", reasons);
  return PLEAT_E_UNAVAILABLE;
}

PLEAT_API size_t pleat_backend_count(void) { return NTABLE; }

PLEAT_API pleat_status pleat_backend_get(size_t k, pleat_backend_info *info) {
  if (!info || k >= NTABLE) return PLEAT_E_INVAL;
  static __thread char why[NTABLE][256];
  const pleat__backend_ops *b = table[k];
  info->name = b->name;
  info->built = b->built;
  info->usable = b->built && b->probe(why[k], sizeof why[k]);
  if (!b->built) snprintf(why[k], sizeof why[k], "not built into this library");
  info->reason = why[k];
  return PLEAT_OK;
}
