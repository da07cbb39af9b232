/*
** kcache.c -- see kcache.h.  File <dir>/<hash of the key>.bin:
**   "PLEATKC1", then little-endian u64s: key length, a second hash of the
**   key (a file of another key under the same name is foreign), payload
**   size, payload checksum; then the payload.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kcache.h"

#define MAGIC "PLEATKC1"
#define MAX_ENTRY ((uint64_t)1 << 30)

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
  const unsigned char *s = p;
  for (size_t k = 0; k < n; k++) h = (h ^ s[k]) * 0x100000001b3ull;
  return h;
}
#define H1 0xcbf29ce484222325ull
#define H2 0x84222325cbf29ce4ull

bool pleat__kcache_dir(char *out, size_t n) {
  const char *d = getenv("PLEAT_CACHE_DIR");
  if (d && *d) {
    if (!strcmp(d, "off")) return false;
    return (size_t)snprintf(out, n, "%s", d) < n;
  }
  const char *x = getenv("XDG_CACHE_HOME");
  if (x && *x) return (size_t)snprintf(out, n, "%s/pleat", x) < n;
  const char *h = getenv("HOME");
  if (h && *h) return (size_t)snprintf(out, n, "%s/.cache/pleat", h) < n;
  return false;
}

static bool entry_path(const char *key, size_t keylen, char *out, size_t n, char *dir, size_t dn) {
  if (!pleat__kcache_dir(dir, dn)) return false;
  return (size_t)snprintf(out, n, "%s/%016llx.bin", dir,
                          (unsigned long long)fnv(key, keylen, H1)) < n;
}

static void put64(unsigned char *p, uint64_t v) {
  for (int k = 0; k < 8; k++) p[k] = (unsigned char)(v >> (8 * k));
}
static uint64_t get64(const unsigned char *p) {
  uint64_t v = 0;
  for (int k = 0; k < 8; k++) v |= (uint64_t)p[k] << (8 * k);
  return v;
}

void *pleat__kcache_get(pleat__alloc *al, const char *key, size_t keylen, size_t *size) {
  char dir[1024], path[1100];
  if (!entry_path(key, keylen, path, sizeof path, dir, sizeof dir)) return NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char h[8 + 32];
  void *data = NULL;
  if (fread(h, 1, sizeof h, f) != sizeof h || memcmp(h, MAGIC, 8)) goto miss;
  uint64_t kl = get64(h + 8), kh = get64(h + 16), sz = get64(h + 24), sum = get64(h + 32);
  if (kl != keylen || kh != fnv(key, keylen, H2) || sz == 0 || sz > MAX_ENTRY) goto miss;
  data = pleat__malloc(al, (size_t)sz);
  if (!data || fread(data, 1, (size_t)sz, f) != sz || fgetc(f) != EOF) goto miss;
  if (fnv(data, (size_t)sz, H1) != sum) goto miss;
  fclose(f);
  *size = (size_t)sz;
  return data;
miss:
  pleat__log(PLEAT_LOG_INFO, "kernel cache: %s is truncated, corrupt or another key's: rebuilt", path);
  pleat__free(al, data);
  fclose(f);
  return NULL;
}

void pleat__kcache_put(const char *key, size_t keylen, const void *data, size_t size) {
  char dir[1024], path[1100], tmp[1200];
  if (!size || !entry_path(key, keylen, path, sizeof path, dir, sizeof dir)) return;
  /* the directory and its parent (~/.cache/pleat) */
  char parent[1024];
  snprintf(parent, sizeof parent, "%s", dir);
  char *slash = strrchr(parent, '/');
  if (slash && slash != parent) {
    *slash = 0;
    mkdir(parent, 0755);
  }
  mkdir(dir, 0755);
  snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    pleat__log(PLEAT_LOG_INFO, "kernel cache: cannot write in %s (%s): not cached", dir, strerror(errno));
    return;
  }
  unsigned char h[8 + 32];
  memcpy(h, MAGIC, 8);
  put64(h + 8, keylen);
  put64(h + 16, fnv(key, keylen, H2));
  put64(h + 24, size);
  put64(h + 32, fnv(data, size, H1));
  bool ok = write(fd, h, sizeof h) == (ssize_t)sizeof h;
  const char *p = data;
  for (size_t done = 0; ok && done < size;) {
    ssize_t w = write(fd, p + done, size - done);
    if (w <= 0) ok = false;
    else done += (size_t)w;
  }
  ok = close(fd) == 0 && ok;
  /* rename is atomic: readers see the old entry or the whole new one */
  if (!ok || rename(tmp, path) != 0) {
    pleat__log(PLEAT_LOG_INFO, "kernel cache: writing %s failed: not cached", path);
    unlink(tmp);
    return;
  }
  pleat__log(PLEAT_LOG_INFO, "kernel cache: stored %s (%zu bytes)", path, size);
}
