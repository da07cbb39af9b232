/*
** regression_driver.c -- replays every file of a corpus directory through a
** fuzz target's LLVMFuzzerTestOneInput, without libFuzzer, so the corpus
** runs as an ordinary test.  Usage: DRIVER DIR
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The whole file in a buffer of exactly its size (so ASan sees overreads);
   NULL on error. */
static uint8_t *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t n = 0;
  if (fseek(f, 0, SEEK_END) == 0) {
    long len = ftell(f);
    if (len >= 0 && fseek(f, 0, SEEK_SET) == 0) {
      n = (size_t)len;
      buf = malloc(n ? n : 1);
      if (buf && fread(buf, 1, n, f) != n) {
        free(buf);
        buf = NULL;
      }
    }
  }
  fclose(f);
  *size = n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  DIR *dir = opendir(argv[1]);
  if (!dir) {
    perror(argv[1]);
    return 1;
  }
  size_t count = 0, failed = 0;
  struct dirent *ent;
  while ((ent = readdir(dir)) != NULL) {
    if (ent->d_name[0] == '.') continue;
    size_t plen = strlen(argv[1]) + strlen(ent->d_name) + 2;
    char *path = malloc(plen);
    if (!path) return 1;
    snprintf(path, plen, "%s/%s", argv[1], ent->d_name);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
      size_t size;
      uint8_t *data = slurp(path, &size);
      if (data) {
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        count++;
      } else {
        fprintf(stderr, "%s: cannot read\n", path);
        failed++;
      }
    }
    free(path);
  }
  closedir(dir);
  printf("%zu inputs run from %s\n", count, argv[1]);
  return failed || count == 0 ? 1 : 0;
}
