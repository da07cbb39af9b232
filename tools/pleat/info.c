/*
** info.c -- `pleat info`: the version, every back end pleat knows (built?
** usable here? why not?), the default choice and the kernel cache
** directory.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The on-disk kernel cache as DESIGN.md documents it: $PLEAT_CACHE_DIR
   ("off" disables it), else $XDG_CACHE_HOME/pleat, else ~/.cache/pleat. */
static void cache_dir(char *out, size_t n) {
  const char *d = getenv("PLEAT_CACHE_DIR");
  if (d && *d) {
    if (strcmp(d, "off") == 0) snprintf(out, n, "off (PLEAT_CACHE_DIR=off)");
    else snprintf(out, n, "%s (PLEAT_CACHE_DIR)", d);
    return;
  }
  const char *x = getenv("XDG_CACHE_HOME");
  if (x && *x) {
    snprintf(out, n, "%s/pleat", x);
    return;
  }
  const char *h = getenv("HOME");
  if (h && *h) snprintf(out, n, "%s/.cache/pleat", h);
  else snprintf(out, n, "none (neither PLEAT_CACHE_DIR, XDG_CACHE_HOME nor HOME is set)");
}

int cli_cmd_info(const cli_opts *o) {
  (void)o;
  printf("pleat %s (command built with pleat.h %s)\n", pleat_version_string(),
         PLEAT_VERSION_STRING);
  printf("back ends:\n");
  size_t count = pleat_backend_count();
  for (size_t k = 0; k < count; k++) {
    pleat_backend_info bi;
    memset(&bi, 0, sizeof bi);
    pleat_status st = pleat_backend_get(k, &bi);
    if (st != PLEAT_OK) {
      printf("  #%zu        ?           %s\n", k, pleat_strerror(st));
      continue;
    }
    const char *state = !bi.built ? "not built" : bi.usable ? "usable" : "not usable";
    printf("  %-9s %-11s %s\n", bi.name ? bi.name : "?", state,
           bi.reason ? bi.reason : "");
  }

  /* what `auto` (or $PLEAT_BACKEND) picks here */
  const char *env = getenv("PLEAT_BACKEND");
  pleat_ctx *ctx = NULL;
  pleat_status st = pleat_ctx_create(&ctx, NULL);
  if (st == PLEAT_OK)
    printf("default back end: %s%s%s%s\n", pleat_ctx_backend(ctx),
           env ? " (PLEAT_BACKEND=" : " (auto)", env ? env : "", env ? ")" : "");
  else
    printf("default back end: none: %s\n",
           ctx && *pleat_ctx_errmsg(ctx) ? pleat_ctx_errmsg(ctx) : pleat_strerror(st));
  pleat_ctx_free(ctx);

  static const char *vars[] = {"PLEAT_THREADS", "PLEAT_DEVICE", "PLEAT_LOG"};
  for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) {
    const char *v = getenv(vars[k]);
    if (v) printf("%s=%s\n", vars[k], v);
  }
  char dir[4096 + 64];
  cache_dir(dir, sizeof dir);
  printf("kernel cache: %s\n", dir);
  return CLI_OK;
}
