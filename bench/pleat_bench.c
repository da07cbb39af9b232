/*
** pleat_bench.c -- pleat against hand-written C on the same data, in one
** run: the peer workloads W1-W9 of /work/shared/peers at n = 2^26, pleat
** on one back end (seq by default) and the P1 loops of kernels.h side by
** side, alternating rep by rep, median of the timed reps after a warm-up.
** Also the plan-creation time of every pipeline and the time of a run over
** 1,000 elements (the fixed cost a small call pays).
**
**   pleat_bench [--n N] [--reps R] [--backend B] [--only W1,W7,...]
**
** The data is generated exactly as the peers' common.h does (counter-based
** splitmix64, 2 MiB-aligned, pre-faulted), so the numbers compare with
** /work/shared/peers/RESULTS.md row by row.  See bench/README.md.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pleat.h"
#ifdef PLEAT_BENCH_HAVE_PEERS
#  include "bench_peers.h"
#endif

/* ---- data, as the peers' common.h makes it ------------------------------ */

#define SEED_F 0x1234567ULL
#define SEED_I 0xABCDEF1ULL
#define NKEYS 1024u
#define W8_THRESH 0.999999f

static uint64_t fx_hash(uint64_t i, uint64_t seed) {
  uint64_t z = i * 0x9E3779B97F4A7C15ULL + seed;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static float fx_f32(uint64_t i) {
  float x = (float)(fx_hash(i, SEED_F) >> 40) * (1.0f / 16777216.0f);
  if (x > W8_THRESH) x -= 0.5f; /* so the only hit is the planted one */
  return x;
}

/* 2 MiB-aligned (huge pages under THP) and pre-faulted. */
static void *big_alloc(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, (size_t)2 << 20, bytes ? bytes : 64) != 0) {
    fprintf(stderr, "pleat_bench: cannot allocate %zu bytes\n", bytes);
    exit(1);
  }
  memset(p, 0, bytes);
  return p;
}

typedef struct data {
  size_t n, hit;
  float *x;        /* f32 uniform on the 2^-24 grid, one hit at n/10 */
  int64_t *v;      /* i64 uniform in [0, 2^32) */
  uint32_t *kmod;  /* i % 1024 (read by pleat as an i32 column) */
  float *out;      /* n floats for the peers' scan and copy_if */
} data;

/* Exact references (every x is k * 2^-24: integer arithmetic). */
typedef struct refs {
  double sum, sumsq_gt, sumsq_text;
  uint64_t count_gt;
  float mn, mx;
  int64_t w7;
  size_t first;
  double bin[NKEYS];
} refs;

static void make_data(data *d, size_t n) {
  d->n = n;
  d->hit = n / 10;
  d->x = big_alloc(n * sizeof *d->x);
  d->v = big_alloc(n * sizeof *d->v);
  d->kmod = big_alloc(n * sizeof *d->kmod);
  d->out = big_alloc(n * sizeof *d->out);
  for (size_t i = 0; i < n; i++) {
    d->x[i] = fx_f32(i);
    d->v[i] = (int64_t)(fx_hash(i, SEED_I) >> 32);
    d->kmod[i] = (uint32_t)(i % NKEYS);
  }
  if (n) d->x[d->hit] = 1.0f - 1.0f / 16777216.0f;
}

static void make_refs(const data *d, refs *r) {
  uint64_t s = 0, cnt = 0, bins[NKEYS];
#ifdef __SIZEOF_INT128__
  unsigned __int128 sq = 0;
#else
  long double sq = 0;
#endif
  double sqt = 0;
  memset(bins, 0, sizeof bins);
  float mn = INFINITY, mx = -INFINITY;
  size_t first = (size_t)-1;
  for (size_t i = 0; i < d->n; i++) {
    float xi = d->x[i];
    uint64_t k = (uint64_t)(xi * 16777216.0f);
    s += k;
    bins[i % NKEYS] += k;
    if (xi > 0.5f) { cnt++; sq += k * k; }
    float y = xi * xi;
    if (y > 0.5f) sqt += (double)y;
    if (xi < mn) mn = xi;
    if (xi > mx) mx = xi;
    if (first == (size_t)-1 && xi > W8_THRESH) first = i;
  }
  int64_t w7 = 0;
  for (size_t i = 0; i < d->n; i++) {
    int64_t y = d->v[i] * 3 + 1;
    if (y % 7 != 0) w7 += y;
  }
  r->sum = (double)s / 16777216.0;
  r->sumsq_gt = (double)sq / 281474976710656.0; /* 2^48 */
  r->sumsq_text = sqt;
  r->count_gt = cnt;
  r->mn = mn;
  r->mx = mx;
  r->w7 = w7;
  r->first = first;
  for (unsigned j = 0; j < NKEYS; j++) r->bin[j] = (double)bins[j] / 16777216.0;
}

/* ---- timing ------------------------------------------------------------- */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *t, int k) {
  qsort(t, (size_t)k, sizeof *t, cmp_d);
  return k % 2 ? t[k / 2] : 0.5 * (t[k / 2 - 1] + t[k / 2]);
}

/* Evicts the caches (64 MiB > L3) before a find_first rep, as the peers do:
   its working set (the first 10 % of x) would otherwise stay cached. */
static volatile float flush_sink;
static void flush_caches(void) {
  static float *buf;
  const size_t m = (size_t)16 << 20;
  if (!buf) buf = big_alloc(m * sizeof *buf);
  float s = 0;
  for (size_t i = 0; i < m; i += 16) { buf[i] += 1.0f; s += buf[i]; }
  flush_sink = s;
}

/* ---- the workloads ------------------------------------------------------ */

enum { IN_X, IN_V, IN_XK }; /* x f32 | v i64 (named x) | x f32 + key i32 */

enum { J_W1, J_W2, J_W2T, J_W3, J_W4, J_SCAN, J_COPYIF, J_W7, J_FIND, J_GROUP,
       J_GROUPI, J_COUNT };

typedef struct job {
  const char *key;       /* for --only */
  const char *name;
  const char *pipeline;
  int in;
  int has_peer;
} job;

static const job jobs[J_COUNT] = {
  [J_W1] = {"W1", "W1 sum f32", "sum", IN_X, 1},
  [J_W2] = {"W2", "W2 filter-map-sum", "filter(x > 0.5) |> map(x * x) |> sum", IN_X, 1},
  [J_W2T] = {"W2T", "W2' map-filter-sum", "map(x * x) |> filter(x > 0.5) |> sum", IN_X, 0},
  [J_W3] = {"W3", "W3 count_if", "count(x > 0.5)", IN_X, 1},
  [J_W4] = {"W4", "W4 minmax", "minmax", IN_X, 1},
  [J_SCAN] = {"W5", "W5 scan", "scan(+) |> last", IN_X, 1},
  [J_COPYIF] = {"W6", "W6 copy_if", "filter(x > 0.5) |> collect", IN_X, 1},
  [J_W7] = {"W7", "W7 i64 map-filter-sum", "map(3 * x + 1) |> filter(x % 7 != 0) |> sum", IN_V, 1},
  [J_FIND] = {"W8", "W8 find_first (10 %)", "find_first(x > 0.999999)", IN_X, 1},
  [J_GROUP] = {"W9", "W9 group-sum, keys read", "group(key, 1024, sum)", IN_XK, 1},
  [J_GROUPI] = {"W9I", "W9 group-sum, key = i % 1024", "group(i % 1024, 1024, sum)", IN_X, 1},
};

/* Input bytes one run reads (GB/s is of these). */
static double job_bytes(int j, const data *d) {
  if (j == J_FIND) return 4.0 * (double)(d->hit + 1);
  switch (jobs[j].in) {
    case IN_V: case IN_XK: return 8.0 * (double)d->n;
    default: return 4.0 * (double)d->n;
  }
}

static size_t job_cols(int j, const data *d, size_t n, pleat_column cols[2]) {
  memset(cols, 0, 2 * sizeof *cols);
  cols[0].name = "x";
  cols[0].len = n;
  if (jobs[j].in == IN_V) {
    cols[0].dtype = PLEAT_I64;
    cols[0].data = d->v;
    return 1;
  }
  cols[0].dtype = PLEAT_F32;
  cols[0].data = d->x;
  if (jobs[j].in != IN_XK) return 1;
  cols[1].name = "key";
  cols[1].dtype = PLEAT_I32; /* the u32 keys are < 1024: the same bits */
  cols[1].data = d->kmod;
  cols[1].len = n;
  return 2;
}

static double relerr(double got, double want) {
  return want == 0 ? fabs(got) : fabs(got - want) / fabs(want);
}

/* Checks a full-size pleat result against the exact reference. */
static void check(int j, const pleat_value *v, const data *d, const refs *r,
                  char *out, size_t len) {
  const char *bad = "WRONG (unexpected result kind)";
  if (!v) { snprintf(out, len, "WRONG (no value)"); return; }
  switch (j) {
    case J_W1: case J_W2: case J_W2T: case J_SCAN: {
      if (v->kind != PLEAT_VALUE_FLOAT) break;
      double want = j == J_W2 ? r->sumsq_gt : j == J_W2T ? r->sumsq_text : r->sum;
      double e = relerr(v->as.f, want);
      snprintf(out, len, "%s relerr %.1e", e < 1e-3 ? "ok" : "WRONG", e);
      return;
    }
    case J_W3:
      if (v->kind != PLEAT_VALUE_INT) break;
      snprintf(out, len, "%s", (uint64_t)v->as.i == r->count_gt ? "ok" : "WRONG");
      return;
    case J_W4:
      if (v->kind != PLEAT_VALUE_ARRAY || v->len != 2) break;
      snprintf(out, len, "%s", v->items[0].as.f == r->mn && v->items[1].as.f == r->mx
                                   ? "ok" : "WRONG");
      return;
    case J_COPYIF: {
      if (v->kind != PLEAT_VALUE_COLUMN || v->dtype != PLEAT_F32) break;
      const float *o = v->data;
      int ok = v->len == r->count_gt;
      size_t q = 0;
      for (size_t i = 0; i < d->n && ok; i++)
        if (d->x[i] > 0.5f) ok = o[q++] == d->x[i];
      snprintf(out, len, "%s, %llu kept", ok ? "ok" : "WRONG", (unsigned long long)v->len);
      return;
    }
    case J_W7:
      if (v->kind != PLEAT_VALUE_INT) break;
      snprintf(out, len, "%s", v->as.i == r->w7 ? "ok" : "WRONG");
      return;
    case J_FIND:
      if (v->kind != PLEAT_VALUE_INT) break;
      snprintf(out, len, "%s, index %lld", (size_t)v->as.i == r->first ? "ok" : "WRONG",
               (long long)v->as.i);
      return;
    case J_GROUP: case J_GROUPI: {
      if (v->kind != PLEAT_VALUE_ARRAY || v->len != NKEYS) break;
      double e = 0;
      for (unsigned b = 0; b < NKEYS; b++) {
        double eb = relerr(v->items[b].as.f, r->bin[b]);
        if (eb > e) e = eb;
      }
      snprintf(out, len, "%s max relerr %.1e", e < 1e-3 ? "ok" : "WRONG", e);
      return;
    }
  }
  snprintf(out, len, "%s", bad);
}

#ifdef PLEAT_BENCH_HAVE_PEERS
static volatile double peer_sink;
static int peer_omp; /* --peer omp: P2 instead of P1 */
static int peer_pocl; /* --peer pocl: P5 (W1-W3) */
static void run_peer(int j, const data *d) {
  float mn, mx, h[NKEYS];
#ifdef PLEAT_BENCH_HAVE_POCL
  if (peer_pocl) {
    switch (j) {
      case J_W1: peer_sink = peer5_w1(d->x, d->n); break;
      case J_W2: peer_sink = peer5_w2(d->x, d->n); break;
      case J_W3: peer_sink = (double)peer5_w3(d->x, d->n); break;
    }
    return;
  }
#endif
#ifdef PLEAT_BENCH_HAVE_OMP
  if (peer_omp) {
    switch (j) {
      case J_W1: peer_sink = peer2_w1(d->x, d->n); break;
      case J_W2: peer_sink = peer2_w2(d->x, d->n); break;
      case J_W3: peer_sink = (double)peer2_w3(d->x, d->n); break;
      case J_W4: peer2_w4(d->x, d->n, &mn, &mx); peer_sink = mn + mx; break;
      case J_SCAN: peer2_w5(d->x, d->out, d->n); peer_sink = d->out[d->n - 1]; break;
      case J_COPYIF: peer_sink = (double)peer2_w6(d->x, d->out, d->n); break;
      case J_W7: peer_sink = (double)peer2_w7(d->v, d->n); break;
      case J_FIND: peer_sink = (double)peer2_w8(d->x, d->n); break;
      case J_GROUP: peer2_w9(d->x, d->kmod, h, d->n); peer_sink = h[7]; break;
    }
    return;
  }
#endif
  switch (j) {
    case J_W1: peer_sink = peer_w1(d->x, d->n); break;
    case J_W2: peer_sink = peer_w2(d->x, d->n); break;
    case J_W3: peer_sink = (double)peer_w3(d->x, d->n); break;
    case J_W4: peer_w4(d->x, d->n, &mn, &mx); peer_sink = mn + mx; break;
    case J_SCAN: peer_w5(d->x, d->out, d->n); peer_sink = d->out[d->n - 1]; break;
    case J_COPYIF: peer_sink = (double)peer_w6(d->x, d->out, d->n); break;
    case J_W7: peer_sink = (double)peer_w7(d->v, d->n); break;
    case J_FIND: peer_sink = (double)peer_w8(d->x, d->n); break;
    case J_GROUP: peer_w9(d->x, d->kmod, h, d->n); peer_sink = h[7]; break;
    case J_GROUPI: peer_w9_imod(d->x, h, d->n); peer_sink = h[7]; break;
  }
}
#endif

/* ---- command line ------------------------------------------------------- */

static void usage(FILE *f) {
  fprintf(f, "usage: pleat_bench [--n N] [--reps R] [--backend B] [--only LIST] [--peer seq|omp|pocl]\n"
             "  --n N        elements (default 2^26; accepts 2^k and 1e8 forms)\n"
             "  --reps R     timed reps per side after one warm-up (default 9)\n"
             "  --backend B  pleat back end (default seq)\n"
             "  --only LIST  comma-separated workload keys: W1 W2 W2T W3 W4 W5 W6 W7 W8 W9 W9I\n"
             "  --peer P     seq: the P1 C loops (default); omp: the P2 OpenMP kernels;\n"
             "               pocl: the P5 hand-written OpenCL kernels (W1-W3)\n");
}

static int parse_size(const char *s, size_t *out) {
  char *end;
  if (strncmp(s, "2^", 2) == 0) {
    long k = strtol(s + 2, &end, 10);
    if (*end || k < 0 || k > 40) return 0;
    *out = (size_t)1 << k;
    return 1;
  }
  double v = strtod(s, &end);
  if (*end || !(v >= 1) || v > 1e12) return 0;
  *out = (size_t)v;
  return 1;
}

static int selected(const char *only, const char *key) {
  if (!only) return 1;
  size_t kl = strlen(key);
  for (const char *p = only; *p;) {
    const char *e = strchr(p, ',');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (l == kl && strncmp(p, key, l) == 0) return 1;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

static void print_machine(void) {
  char model[256] = "unknown";
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f) {
    char line[512];
    while (fgets(line, sizeof line, f))
      if (strncmp(line, "model name", 10) == 0) {
        char *c = strchr(line, ':');
        if (c) {
          snprintf(model, sizeof model, "%s", c + 2);
          model[strcspn(model, "\n")] = 0;
        }
        break;
      }
    fclose(f);
  }
  printf("machine: %s, %ld online cores; compiler %s\n", model,
         sysconf(_SC_NPROCESSORS_ONLN), __VERSION__);
}

/* ---- one workload ------------------------------------------------------- */

typedef struct row {
  double pleat_ms, peer_ms, plan_us, run1k_us;
  char check[96];
  int failed;
} row;

static void bench_job(pleat_ctx *ctx, int j, const data *d, const refs *r, int reps,
                      double *tp, double *tq, row *out) {
  pleat_column cols[2];
  size_t nc = job_cols(j, d, d->n, cols);
  memset(out, 0, sizeof *out);
  out->peer_ms = -1;
  pleat_plan *plan = NULL;
  if (pleat_plan_create(ctx, jobs[j].pipeline, PLEAT_NUL_TERMINATED, cols, nc, &plan) != PLEAT_OK) {
    snprintf(out->check, sizeof out->check, "plan failed: %.70s", pleat_plan_errmsg(plan));
    pleat_plan_free(plan);
    out->failed = 1;
    return;
  }
  int peer = 0;
#ifdef PLEAT_BENCH_HAVE_PEERS
  peer = jobs[j].has_peer && !(peer_omp && j == J_GROUPI); /* P2 has no W9I */
  if (peer_pocl && j != J_W1 && j != J_W2 && j != J_W3) peer = 0; /* P5 has W1-W3 */
#endif
  /* rep -1 is the warm-up (and the checked run); then the sides alternate,
     pleat first on even reps, the peer first on odd ones */
  for (int rep = -1; rep < reps; rep++) {
    for (int side = 0; side < 2; side++) {
      int is_pleat = (side == 0) == (rep < 0 || rep % 2 == 0);
      if (!is_pleat && !peer) continue;
      if (j == J_FIND) flush_caches();
      double t0 = now_ms();
      if (is_pleat) {
        pleat_result *res = NULL;
        pleat_status st = pleat_plan_run(plan, cols, nc, &res);
        double t1 = now_ms();
        if (st != PLEAT_OK) {
          snprintf(out->check, sizeof out->check, "run failed: %.70s", pleat_result_errmsg(res));
          out->failed = 1;
          pleat_result_free(res);
          pleat_plan_free(plan);
          return;
        }
        if (rep < 0) check(j, pleat_result_value(res), d, r, out->check, sizeof out->check);
        else tp[rep] = t1 - t0;
        pleat_result_free(res);
      } else {
#ifdef PLEAT_BENCH_HAVE_PEERS
        run_peer(j, d);
#endif
        double t1 = now_ms();
        if (rep >= 0) tq[rep] = t1 - t0;
      }
    }
  }
  out->pleat_ms = median(tp, reps);
  if (peer) out->peer_ms = median(tq, reps);
  pleat_plan_free(plan);

  /* fixed costs: plan creation, and a run over 1,000 elements */
  enum { NPLAN = 51, NSMALL = 201 };
  double t[NSMALL];
  for (int k = 0; k < NPLAN; k++) {
    pleat_plan *p = NULL;
    double t0 = now_ms();
    pleat_plan_create(ctx, jobs[j].pipeline, PLEAT_NUL_TERMINATED, cols, nc, &p);
    t[k] = (now_ms() - t0) * 1e3;
    pleat_plan_free(p);
  }
  out->plan_us = median(t, NPLAN);
  size_t small = d->n < 1000 ? d->n : 1000;
  pleat_column scols[2];
  job_cols(j, d, small, scols);
  pleat_plan_create(ctx, jobs[j].pipeline, PLEAT_NUL_TERMINATED, scols, nc, &plan);
  for (int k = 0; k < NSMALL; k++) {
    pleat_result *res = NULL;
    double t0 = now_ms();
    pleat_plan_run(plan, scols, nc, &res);
    t[k] = (now_ms() - t0) * 1e3;
    pleat_result_free(res);
  }
  out->run1k_us = median(t, NSMALL);
  pleat_plan_free(plan);
}

int main(int argc, char **argv) {
  size_t n = (size_t)1 << 26;
  int reps = 9;
  const char *backend = "seq", *only = NULL;
  for (int a = 1; a < argc; a++) {
    const char *arg = argv[a];
    const char *val = a + 1 < argc ? argv[a + 1] : NULL;
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) { usage(stdout); return 0; }
    if (!val) { usage(stderr); return 2; }
    if (!strcmp(arg, "--n")) {
      if (!parse_size(val, &n)) { fprintf(stderr, "pleat_bench: bad --n '%s'\n", val); return 2; }
    } else if (!strcmp(arg, "--reps")) {
      reps = atoi(val);
      if (reps < 1 || reps > 10000) { fprintf(stderr, "pleat_bench: bad --reps '%s'\n", val); return 2; }
    } else if (!strcmp(arg, "--backend")) {
      backend = val;
    } else if (!strcmp(arg, "--only")) {
      only = val;
    } else if (!strcmp(arg, "--peer")) {
      if (!strcmp(val, "omp")) {
#if defined(PLEAT_BENCH_HAVE_PEERS) && defined(PLEAT_BENCH_HAVE_OMP)
        peer_omp = 1;
#else
        fprintf(stderr, "pleat_bench: --peer omp: built without OpenMP or p2_omp.c\n");
        return 2;
#endif
      } else if (!strcmp(val, "pocl")) {
#if defined(PLEAT_BENCH_HAVE_PEERS) && defined(PLEAT_BENCH_HAVE_POCL)
        peer_pocl = 1;
#else
        fprintf(stderr, "pleat_bench: --peer pocl: built without OpenCL or p5_pocl.c\n");
        return 2;
#endif
      } else if (strcmp(val, "seq")) {
        fprintf(stderr, "pleat_bench: --peer is seq (P1), omp (P2) or pocl (P5)\n");
        return 2;
      }
    } else {
      usage(stderr);
      return 2;
    }
    a++;
  }
  if (n < 16) { fprintf(stderr, "pleat_bench: --n must be at least 16\n"); return 2; }

  pleat_ctx_options opts;
  memset(&opts, 0, sizeof opts);
  opts.backend = backend;
  pleat_ctx *ctx = NULL;
  if (pleat_ctx_create(&ctx, &opts) != PLEAT_OK) {
    fprintf(stderr, "pleat_bench: back end '%s': %s\n", backend, pleat_ctx_errmsg(ctx));
    pleat_ctx_free(ctx);
    return 3;
  }

  printf("pleat_bench: pleat %s, back end %s, n = %zu, median of %d reps after a warm-up\n",
         pleat_version_string(), pleat_ctx_backend(ctx), n, reps);
  print_machine();
#ifdef PLEAT_BENCH_HAVE_PEERS
#ifdef PLEAT_BENCH_HAVE_POCL
  char p5dev[256];
  if (peer_pocl && !peer5_init(p5dev, sizeof p5dev)) {
    fprintf(stderr, "pleat_bench: --peer pocl: %s\n", p5dev);
    pleat_ctx_free(ctx);
    return 3;
  }
  if (peer_pocl)
    printf("peer: P5 hand-written OpenCL, CPU-style, 64 groups of 8 (p5_pocl.c from %s) on %s\n",
           PLEAT_BENCH_PEERS_DIR, p5dev);
  else
#endif
#ifdef PLEAT_BENCH_HAVE_OMP
  if (peer_omp)
    printf("peer: P2 hand-written OpenMP, %d threads (p2_omp.c from %s, -O3 -march=native -fopenmp)\n",
           peer2_threads(), PLEAT_BENCH_PEERS_DIR);
  else
#endif
  printf("peer: P1 hand-written C (kernels.h from %s, -O3 -march=native)\n",
         PLEAT_BENCH_PEERS_DIR);
#else
  printf("peer: not built (no kernels.h at configure time; set -DPLEAT_PEERS_DIR=...)\n");
#endif
  fflush(stdout);

  data d;
  refs r;
  double t0 = now_ms();
  make_data(&d, n);
  make_refs(&d, &r);
  printf("data: %.0f ms to generate and check (x f32, v i64, key u32: %.0f MiB)\n\n",
         now_ms() - t0, (double)n * 16 / 1048576.0);

  double *tp = malloc(sizeof *tp * (size_t)reps), *tq = malloc(sizeof *tq * (size_t)reps);
  if (!tp || !tq) return 1;
  printf("| workload | pipeline | pleat ms | peer ms | ratio | pleat GB/s | plan µs | 1k run µs | check |\n");
  printf("|---|---|---:|---:|---:|---:|---:|---:|---|\n");
  int failed = 0;
  for (int j = 0; j < J_COUNT; j++) {
    if (!selected(only, jobs[j].key)) continue;
    row w;
    bench_job(ctx, j, &d, &r, reps, tp, tq, &w);
    failed |= w.failed || strncmp(w.check, "WRONG", 5) == 0;
    if (w.failed) {
      printf("| %s | `%s` | - | - | - | - | - | - | %s |\n", jobs[j].name, jobs[j].pipeline, w.check);
      continue;
    }
    char peer[32] = "-", ratio[32] = "-";
    if (w.peer_ms >= 0) {
      snprintf(peer, sizeof peer, "%.2f", w.peer_ms);
      snprintf(ratio, sizeof ratio, "%.2f", w.pleat_ms / w.peer_ms);
    }
    printf("| %s | `%s` | %.2f | %s | %s | %.2f | %.1f | %.1f | %s |\n", jobs[j].name,
           jobs[j].pipeline, w.pleat_ms, peer, ratio,
           job_bytes(j, &d) / (w.pleat_ms * 1e6), w.plan_us, w.run1k_us, w.check);
    fflush(stdout);
  }
  printf("\nratio = pleat ms / peer ms (below 1: pleat is faster). GB/s counts input bytes "
         "read: 4n (f32), 8n (i64, f32 + key), 4 (n/10 + 1) for W8.\n");
  free(tp);
  free(tq);
  pleat_ctx_free(ctx);
  return failed ? 1 : 0;
}
