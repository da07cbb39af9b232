/*
** pleat_overhead.c -- what a small or an occasional call costs: one plan
** run over n = 10^3 .. 10^7 elements on two back ends side by side
** (alternating rep by rep, medians), and the first run after the process
** sat idle for 100 ms (the pool's wake-up cost).  By hand, never in CI:
**
**   pleat_overhead [--backends seq,threads] [--pipeline P] [--reps R]
**
** The input is an f32 column of values in [0, 1), in memory.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pleat.h"

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct side {
  const char *name;
  pleat_ctx *ctx;
  pleat_plan *plan;
} side;

static double run_once(side *s, pleat_column *c) {
  pleat_result *res = NULL;
  double t0 = now_us();
  pleat_status st = pleat_plan_run(s->plan, c, 1, &res);
  double t = now_us() - t0;
  if (st != PLEAT_OK) {
    fprintf(stderr, "pleat_overhead: %s: %s\n", s->name, pleat_result_errmsg(res));
    exit(1);
  }
  pleat_result_free(res);
  return t;
}

static void sleep_ms(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

int main(int argc, char **argv) {
  const char *backends = "seq,threads";
  const char *pipe = "sum";
  int reps = 101;
  for (int a = 1; a < argc; a++) {
    if (!strcmp(argv[a], "--backends") && a + 1 < argc) backends = argv[++a];
    else if (!strcmp(argv[a], "--pipeline") && a + 1 < argc) pipe = argv[++a];
    else if (!strcmp(argv[a], "--reps") && a + 1 < argc) reps = atoi(argv[++a]);
    else {
      fprintf(stderr, "usage: pleat_overhead [--backends seq,threads] [--pipeline P] [--reps R]\n");
      return 2;
    }
  }
  if (reps < 3) reps = 3;
  side s[2];
  int ns = 0;
  char list[128];
  snprintf(list, sizeof list, "%s", backends);
  uint64_t nmax = 10000000;
  float *x = malloc(nmax * sizeof *x);
  if (!x) return 1;
  for (uint64_t i = 0; i < nmax; i++) x[i] = (float)((i * 2654435761u) % 16777216u) * 0x1p-24f;
  pleat_column c;
  memset(&c, 0, sizeof c);
  c.dtype = PLEAT_F32;
  c.data = x;
  for (char *tok = strtok(list, ","); tok && ns < 2; tok = strtok(NULL, ",")) {
    pleat_ctx_options o;
    memset(&o, 0, sizeof o);
    o.backend = tok;
    if (pleat_ctx_create(&s[ns].ctx, &o) != PLEAT_OK) {
      fprintf(stderr, "pleat_overhead: back end %s: %s\n", tok,
              s[ns].ctx ? pleat_ctx_errmsg(s[ns].ctx) : "out of memory");
      return 3;
    }
    s[ns].name = pleat_ctx_backend(s[ns].ctx);
    c.len = 1;
    if (pleat_plan_create(s[ns].ctx, pipe, PLEAT_NUL_TERMINATED, &c, 1, &s[ns].plan) != PLEAT_OK) {
      fprintf(stderr, "pleat_overhead: %s\n", pleat_plan_errmsg(s[ns].plan));
      return 1;
    }
    ns++;
  }
  printf("pipeline: `%s`, f32 in memory, median of %d runs (sides alternate)\n\n", pipe, reps);
  printf("| n |");
  for (int k = 0; k < ns; k++) printf(" %s µs |", s[k].name);
  if (ns == 2) printf(" %s / %s |", s[1].name, s[0].name);
  printf("\n|---:|");
  for (int k = 0; k < ns + (ns == 2); k++) printf("---:|");
  printf("\n");
  static const uint64_t sizes[] = {1000, 10000, 30000, 100000, 300000, 1000000, 10000000};
  double *t[2];
  t[0] = malloc(sizeof(double) * (size_t)reps);
  t[1] = malloc(sizeof(double) * (size_t)reps);
  for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
    c.len = sizes[z];
    int r = sizes[z] >= 1000000 ? (reps < 21 ? reps : 21) : reps;
    for (int k = 0; k < ns; k++) run_once(&s[k], &c); /* warm-up */
    for (int q = 0; q < r; q++)
      for (int k = 0; k < ns; k++) {
        int w = (q % 2) ? ns - 1 - k : k;
        t[w][q] = run_once(&s[w], &c);
      }
    double m[2] = {0, 0};
    printf("| %llu |", (unsigned long long)sizes[z]);
    for (int k = 0; k < ns; k++) printf(" %.2f |", m[k] = median(t[k], r));
    if (ns == 2) printf(" %.2f |", m[1] / m[0]);
    printf("\n");
  }
  /* the first run after 100 ms of idleness, at n = 10^6 and 10^7 */
  printf("\nfirst run after 100 ms idle (median of 15):\n\n| n |");
  for (int k = 0; k < ns; k++) printf(" %s µs |", s[k].name);
  printf("\n|---:|");
  for (int k = 0; k < ns; k++) printf("---:|");
  printf("\n");
  static const uint64_t idle_sizes[] = {1000000, 10000000};
  for (size_t z = 0; z < 2; z++) {
    c.len = idle_sizes[z];
    printf("| %llu |", (unsigned long long)idle_sizes[z]);
    for (int k = 0; k < ns; k++) {
      for (int q = 0; q < 15; q++) {
        sleep_ms(100);
        t[k][q] = run_once(&s[k], &c);
      }
      printf(" %.1f |", median(t[k], 15));
    }
    printf("\n");
  }
  for (int k = 0; k < ns; k++) {
    pleat_plan_free(s[k].plan);
    pleat_ctx_free(s[k].ctx);
  }
  free(t[0]);
  free(t[1]);
  free(x);
  return 0;
}
