/*
** log.c -- PLEAT_LOG diagnostics on stderr; silent unless asked.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "pleat_int.h"

static int level = PLEAT_LOG_NONE;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Read once per process: setenv from another thread later cannot race. */
static void read_level(void) {
  const char *v = getenv("PLEAT_LOG");
  if (!v) return;
  if (!strcasecmp(v, "error")) level = PLEAT_LOG_ERROR;
  else if (!strcasecmp(v, "info")) level = PLEAT_LOG_INFO;
  else if (!strcasecmp(v, "debug")) level = PLEAT_LOG_DEBUG;
  /* anything else (including "", "none", "bogus") leaves logging off */
}

int pleat__log_level(void) {
  pthread_once(&once, read_level);
  return level;
}

void pleat__log(int lvl, const char *fmt, ...) {
  if (lvl > pleat__log_level()) return;
  static const char *names[] = {"", "error", "info", "debug"};
  char line[1024];
  int n = snprintf(line, sizeof line, "pleat: %s: ", names[lvl & 3]);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  size_t len = strlen(line);
  line[len] = '\n';
  /* one fwrite per line so concurrent lines do not interleave; errors
     (closed stderr, broken pipe) are ignored */
  fwrite(line, 1, len + 1, stderr);
}
