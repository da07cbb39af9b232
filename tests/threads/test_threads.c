/* LABELS: quick threads tsan  TIMEOUT: 600 */
/*
** test_threads.c -- the threads back end: its pool (start, stop, many
** contexts, a host thread per context, fork, no thread left behind), every
** stateful stage across leaf, block and worker boundaries on inputs large
** enough to split with the default block sizes, early termination across
** workers, the error of the smallest index, and a stress test of 10^4 runs
** of plans on one context from 4 host threads (CI also runs it under
** ThreadSanitizer: ./build.sh test).
**
** Every run is compared with the same run on seq: status, error index and
** message, JSON, and the value's dtypes and float bits.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pleat.h"
#include "pleat_test.h"
#include "ref_eval.h"

#define NL(a) (sizeof(a) / sizeof((a)[0]))

static pleat_ctx *ctx_threads(int n) {
  pleat_ctx_options o;
  memset(&o, 0, sizeof o);
  o.backend = "threads";
  o.threads = n;
  pleat_ctx *c = NULL;
  if (pleat_ctx_create(&c, &o) != PLEAT_OK) {
    print_message("threads context: %s\n", pleat_ctx_errmsg(c));
    pleat_ctx_free(c);
    return NULL;
  }
  return c;
}

static int count_threads_now(void) {
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* The count once it settles: a joined thread can linger a moment in
   /proc/self/task after pthread_join returns. */
static int count_threads(void) {
  int n = count_threads_now();
  for (int k = 0; k < 200; k++) {
    usleep(5000);
    int m = count_threads_now();
    if (m == n) return n;
    n = m;
  }
  return n;
}

/* 1 when a and b (two runs of one pipeline) agree in every respect. */
static int same_run(const pt_run *a, const pt_run *b, char *why, size_t n) {
  if (a->status != b->status || a->err_index != b->err_index) {
    snprintf(why, n, "status %s index %lld vs %s index %lld", pleat_status_name(a->status),
             (long long)a->err_index, pleat_status_name(b->status), (long long)b->err_index);
    return 0;
  }
  if (a->status != PLEAT_OK) {
    if (strcmp(a->msg, b->msg)) { snprintf(why, n, "message '%.250s' vs '%.250s'", a->msg, b->msg); return 0; }
    return 1;
  }
  if (strcmp(a->json, b->json)) { snprintf(why, n, "JSON %.200s vs %.200s", a->json, b->json); return 0; }
  return ref_value_equal(a->value, b->value, why, n);
}

static pleat_ctx *seq;

#if defined(__SANITIZE_THREAD__)
#  define UNDER_TSAN 1
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define UNDER_TSAN 1
#  endif
#endif
#ifndef UNDER_TSAN
#  define UNDER_TSAN 0
#endif

/* PLEAT_TEST_LIGHT=1 (the ThreadSanitizer run): smaller inputs, same paths. */
static int light(void) {
  const char *e = getenv("PLEAT_TEST_LIGHT");
  return e && *e == '1';
}

/* Runs text on ctx and on seq; fails the test when they differ. */
static void check_same(pleat_ctx *ctx, const char *text, const pleat_column *cols, size_t ncols) {
  pt_run a, b;
  pt_exec(ctx, text, cols, ncols, &a);
  pt_exec(seq, text, cols, ncols, &b);
  char why[600] = "a pipeline of the test does not compile";
  int ok = a.plan_status == PLEAT_OK && same_run(&a, &b, why, sizeof why);
  if (!ok) print_message("MISMATCH threads vs seq: %s\n  %s\n", text, why);
  pt_run_free(&a);
  pt_run_free(&b);
  assert_true(ok);
}

static int setup(void **state) {
  (void)state;
  seq = pt_ctx("seq");
  return seq ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  pleat_ctx_free(seq);
  return 0;
}

/* ---- the pool ------------------------------------------------------------------ */

static void test_pool_start_stop(void **state) {
  (void)state;
  if (UNDER_TSAN) {
    print_message("skipped under ThreadSanitizer: its runtime starts threads of its own, so "
                  "the thread counts of this test do not hold (the release build runs it)\n");
    skip();
  }
  int base = count_threads();
  assert_true(base > 0);
  pleat_column c = pt_range(NULL, PLEAT_I64, 0, 3000000);
  for (int k = 0; k < (light() ? 10 : 30); k++) {
    int n = 1 + k % 9;
    pleat_ctx *ctx = ctx_threads(n);
    assert_non_null(ctx);
    assert_string_equal(pleat_ctx_backend(ctx), "threads");
    assert_int_equal(count_threads(), base + n - 1);
    check_same(ctx, "map(x * 3) |> sum", &c, 1);
    pleat_ctx_free(ctx);
    assert_int_equal(count_threads(), base); /* no thread left behind */
  }
}

static void test_many_contexts(void **state) {
  (void)state;
  if (UNDER_TSAN) {
    print_message("skipped under ThreadSanitizer: thread counts (the release build runs it)\n");
    skip();
  }
  int base = count_threads();
  pleat_ctx *ctx[8];
  for (int k = 0; k < 8; k++) {
    ctx[k] = ctx_threads(3);
    assert_non_null(ctx[k]);
  }
  assert_int_equal(count_threads(), base + 16);
  pleat_column c = pt_range(NULL, PLEAT_F64, 0, 1 << 21);
  for (int k = 0; k < 8; k++) check_same(ctx[k], "filter(x > 1000) |> enumerate |> map(k) |> sum", &c, 1);
  for (int k = 7; k >= 0; k -= 2) pleat_ctx_free(ctx[k]);
  for (int k = 0; k < 8; k += 2) pleat_ctx_free(ctx[k]);
  assert_int_equal(count_threads(), base);
}

static void test_bad_settings(void **state) {
  (void)state;
  static const char *const bad[] = {"abc", "0", "-3", "5000", "2x"};
  pleat_ctx_options o;
  memset(&o, 0, sizeof o);
  o.backend = "threads";
  for (size_t k = 0; k < NL(bad); k++) {
    setenv("PLEAT_THREADS", bad[k], 1);
    pleat_ctx *ctx = NULL;
    pleat_status st = pleat_ctx_create(&ctx, &o);
    assert_int_equal(st, PLEAT_E_INVAL);
    assert_non_null(strstr(pleat_ctx_errmsg(ctx), "PLEAT_THREADS"));
    pleat_ctx_free(ctx);
  }
  unsetenv("PLEAT_THREADS");
  setenv("PLEAT_THREADS_BLOCK", "3", 1);
  pleat_ctx *ctx = NULL;
  assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_E_INVAL);
  assert_non_null(strstr(pleat_ctx_errmsg(ctx), "PLEAT_THREADS_BLOCK"));
  pleat_ctx_free(ctx);
  unsetenv("PLEAT_THREADS_BLOCK");
  o.threads = 100000;
  ctx = NULL;
  assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_E_LIMIT);
  pleat_ctx_free(ctx);
}

typedef struct host_arg {
  pleat_ctx *ctx;   /* NULL: make one */
  int runs;
  int failures;
  int id;
} host_arg;

static const char *const STRESS_PIPES[] = {
  "map(x * x) |> filter(x > 0.25) |> sum",
  "filter(x > 0.5) |> enumerate |> map(f64(k) * x) |> sum",
  "scan(+) |> take_nth(1000) |> last",
  "filter(x < 0.1) |> collect",
  "dedupe |> filter(x > 0.3) |> take(5000) |> (count, mean, minmax)",
  "find_first(x > 0.999)",
};

static void *host_main(void *p) {
  host_arg *a = p;
  pleat_ctx *ctx = a->ctx ? a->ctx : ctx_threads(2);
  if (!ctx) { a->failures = a->runs; return NULL; }
  pleat_column c = pt_col(NULL, PLEAT_F32, NULL, 0);
  c.gen = PLEAT_GEN_UNIFORM;
  c.seed = 7;
  c.len = 20000 + 4096 * (uint64_t)a->id;
  /* plans compiled once, run many times; expected answers from seq */
  pleat_plan *plan[NL(STRESS_PIPES)];
  char *want[NL(STRESS_PIPES)];
  for (size_t q = 0; q < NL(STRESS_PIPES); q++) {
    pleat_status st;
    want[q] = pt_run_json(seq, STRESS_PIPES[q], &c, 1, &st, NULL);
    if (pleat_plan_create(ctx, STRESS_PIPES[q], PLEAT_NUL_TERMINATED, &c, 1, &plan[q]) != PLEAT_OK)
      a->failures++;
  }
  for (int r = 0; r < a->runs && !a->failures; r++) {
    size_t q = (size_t)(r + a->id) % NL(STRESS_PIPES);
    pleat_result *res = NULL;
    char *j = NULL;
    if (pleat_plan_run(plan[q], &c, 1, &res) != PLEAT_OK ||
        pleat_value_to_json(NULL, pleat_result_value(res), &j) != PLEAT_OK || !want[q] ||
        strcmp(j, want[q]))
      a->failures++;
    if (j) pleat_string_free(NULL, j);
    pleat_result_free(res);
  }
  for (size_t q = 0; q < NL(STRESS_PIPES); q++) {
    pleat_plan_free(plan[q]);
    free(want[q]);
  }
  if (!a->ctx) pleat_ctx_free(ctx);
  return NULL;
}

static void run_hosts(pleat_ctx *shared, int runs_each) {
  pthread_t t[4];
  host_arg a[4];
  for (int k = 0; k < 4; k++) {
    a[k] = (host_arg){shared, runs_each, 0, k};
    assert_int_equal(pthread_create(&t[k], NULL, host_main, &a[k]), 0);
  }
  int bad = 0;
  for (int k = 0; k < 4; k++) {
    pthread_join(t[k], NULL);
    bad += a[k].failures;
  }
  assert_int_equal(bad, 0);
}

static void test_host_thread_per_context(void **state) {
  (void)state;
  int base = count_threads();
  run_hosts(NULL, 200);
  if (!UNDER_TSAN) assert_int_equal(count_threads(), base);
}

/* 10^4 runs on one context from 4 host threads at once (small inputs split
   too: the serial cut-off is off for this context). */
static void test_shared_context_stress(void **state) {
  (void)state;
  setenv("PLEAT_THREADS_SERIAL_BELOW", "0", 1);
  pleat_ctx *ctx = ctx_threads(3);
  unsetenv("PLEAT_THREADS_SERIAL_BELOW");
  assert_non_null(ctx);
  run_hosts(ctx, 2500);
  pleat_ctx_free(ctx);
}

static void test_fork(void **state) {
  (void)state;
  if (UNDER_TSAN) {
    print_message("skipped under ThreadSanitizer: it does not support fork() in a process "
                  "with threads (the release and ASan builds run it)\n");
    skip();
  }
  pleat_ctx *ctx = ctx_threads(3);
  assert_non_null(ctx);
  pleat_column c = pt_range(NULL, PLEAT_I64, 0, 5000000);
  check_same(ctx, "filter(x % 3 == 0) |> sum", &c, 1);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* the child: the parent's pool has no threads here; runs still work
       (on the calling thread), the context frees cleanly, and a new
       context gets a pool of its own */
    int bad = 0;
    pleat_status st;
    char *a = pt_run_json(ctx, "filter(x % 3 == 0) |> sum", &c, 1, &st, NULL);
    char *b = pt_run_json(seq, "filter(x % 3 == 0) |> sum", &c, 1, &st, NULL);
    bad |= !a || !b || strcmp(a, b);
    pleat_ctx_free(ctx);
    pleat_ctx *c2 = ctx_threads(2);
    char *d = c2 ? pt_run_json(c2, "filter(x % 3 == 0) |> sum", &c, 1, &st, NULL) : NULL;
    bad |= !d || !b || strcmp(d, b);
    pleat_ctx_free(c2);
    free(a);
    free(b);
    free(d);
    _exit(bad ? 1 : 0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  check_same(ctx, "filter(x % 3 == 0) |> sum", &c, 1); /* the parent's pool still works */
  pleat_ctx_free(ctx);
}

/* ---- semantics at real sizes ------------------------------------------------------ */

static float *edgy_f32(uint64_t n, uint64_t seed) {
  float *d = malloc(n * sizeof *d);
  uint64_t s = seed;
  for (uint64_t k = 0; k < n; k++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t h = (uint32_t)(s >> 32);
    float v = (float)(h >> 8) * 0x1p-24f;
    switch (h % 97) {
      case 0: v = NAN; break;
      case 1: v = -0.0f; break;
      case 2: v = INFINITY; break;
      case 3: v = -INFINITY; break;
      case 4: v = 0x1p-140f; break;
      case 5: v = 3.0e38f; break;
      default: break;
    }
    if (h % 13 == 0 && k) v = d[k - 1]; /* runs for dedupe */
    d[k] = v;
  }
  return d;
}

static const char *const STATEFUL[] = {
  "filter(x > 0.5) |> take(1234567) |> sum",
  "filter(x > 0.5) |> take(1234567) |> collect",
  "filter(x < 0.7) |> drop(2000001) |> (sum, count, first, last)",
  "filter(x > 0.2) |> take_nth(977) |> collect",
  "filter(x > 0.2) |> enumerate |> map(f64(k) * 0.5 + x) |> sum",
  "filter(x > 0.2) |> enumerate |> filter(k % 1000 == 3) |> map(k) |> collect",
  "scan(+) |> sum",
  "filter(x == x) |> scan(+) |> take_nth(4099) |> collect",
  "filter(x > 0.1) |> scan(max) |> dedupe |> count",
  "scan(+, 1.5) |> filter(x > 1000) |> first",
  "dedupe |> count",
  "filter(x > 0.3) |> dedupe |> (count, sum, last)",
  "take_while(x == x) |> count",
  "drop_while(x < 0.999999) |> (count, first)",
  "filter(x > 0.5) |> drop_while(x < 0.9999) |> enumerate |> map(k) |> last",
  "flat_map_range(0, (i * 7) % 5) |> enumerate |> map(k + x) |> sum",
  "flat_map_range(0, i % 3) |> take(3000001) |> map(x) |> sum",
  "filter(x > 0.5) |> flat_map(x, -x) |> scan(+) |> last",
  "filter(x > 0.5) |> collect",
  "filter(x < 0.001) |> map((i, x)) |> collect",
  "(first, last, find_first(x > 0.99999), any(x > 2), all(x < 2))",
  "(argmin, argmax, minmax, mean, var, std)",
  "filter(x == x && x < 1) |> group(i64(x * 1000) % 1024, 1024, sum)",
  "filter(x == x) |> group(i % 17, 17, (mean))",
  "map(x * x) |> filter(x > 0.5) |> sum",
  "reduce((a, b) -> a + b * 0.5, 0)",
  "foldl((a, b) -> a * 0.5 + b, 0)",
  "filter(x > 0.9) |> foldl((a, b) -> a - b, 0)",
};

static void test_stateful_stages(void **state) {
  (void)state;
  uint64_t n = light() ? (1u << 17) + 12345 : (1u << 20) + 12345;
  float *d = edgy_f32(n, 99);
  pleat_column c = pt_col(NULL, PLEAT_F32, d, n);
  static const int workers[] = {2, 3, 7};
  if (light()) setenv("PLEAT_THREADS_BLOCK", "2", 1); /* still many blocks */
  for (size_t w = 0; w < NL(workers); w++) {
    pleat_ctx *ctx = ctx_threads(workers[w]);
    assert_non_null(ctx);
    for (size_t q = 0; q < NL(STATEFUL); q++) check_same(ctx, STATEFUL[q], &c, 1);
    pleat_ctx_free(ctx);
  }
  unsetenv("PLEAT_THREADS_BLOCK");
  free(d);
}

/* Float scans whose summary pass folds SCAN_LANES (8) leaves side by side
   (core/exec.c scan_flush): blocks of 8 and more leaves, so full batches,
   partial ones and leaves with few or no live elements all occur. */
static const char *const SCANS[] = {
  "filter(x >= 0 && x < 1) |> scan(+) |> take_nth(1013) |> collect",
  "filter(x > 0.4 && x < 1) |> scan(+) |> take_nth(511) |> collect",
  "scan(+) |> (last, count)",
  "filter(x > 0.999 && x < 1) |> scan(+) |> collect",
  "filter(x >= 0 && x < 1) |> map(f64(x)) |> scan(+) |> take_nth(997) |> collect",
  "map(f64(x) * 0.25 + 0.875) |> filter(x < 1.1) |> scan(*) |> take_nth(1999) |> collect",
  "filter(x >= 0 && x < 1) |> map(x * 0.5 + 0.75) |> scan(*, 1.0) |> (last, sum)",
  "filter(x >= 0 && x < 1) |> map(-(x - x)) |> scan(+) |> take_nth(3001) |> collect",
  "filter(x >= 0 && x < 1) |> scan(+, -0.0) |> filter(x > 2000) |> first",
  /* a second float scan: its summary pass runs the first one's batches */
  "filter(x >= 0 && x < 1) |> scan(+) |> map(x * 0.5) |> scan(+) |> take_nth(1001) |> collect",
  "filter(x >= 0 && x < 1) |> scan(*) |> dedupe |> scan(+) |> (last, count)",
};

static void test_scan_batches(void **state) {
  (void)state;
  uint64_t n = 4096u * 100 + 777; /* 100 leaves and a bit */
  float *d = edgy_f32(n, 7);
  pleat_column c = pt_col(NULL, PLEAT_F32, d, n);
  static const char *const blocks[] = {"8", "16", "64"};
  setenv("PLEAT_THREADS_SERIAL_BELOW", "0", 1);
  for (size_t b = 0; b < NL(blocks); b++) {
    setenv("PLEAT_THREADS_BLOCK", blocks[b], 1);
    pleat_ctx *ctx = ctx_threads(b == 1 ? 3 : 2);
    assert_non_null(ctx);
    for (size_t q = 0; q < NL(SCANS); q++) check_same(ctx, SCANS[q], &c, 1);
    pleat_ctx_free(ctx);
  }
  unsetenv("PLEAT_THREADS_BLOCK");
  unsetenv("PLEAT_THREADS_SERIAL_BELOW");
  free(d);
}

/* find_first and friends over a lazy range of 2^40: the leftmost hit at once
   at every worker count; and a filter that keeps only the second half. */
static void test_early_termination(void **state) {
  (void)state;
  static const char *const early[] = {
    "find_first(x == 7)", "filter(x % 2 != 0) |> take(10) |> sum", "any(x == 12345678)",
    "all(x < 3000000)", "take_while(x < 5000000) |> count", "first(x * 2)",
    "filter(x > 9999999) |> first", "(find_first(x == 5), any(x == 3000000))",
  };
  pleat_column big = pt_range(NULL, PLEAT_I64, 0, 1ull << 40);
  static const int workers[] = {1, 2, 3, 7, 64};
  for (size_t w = light() ? 2 : 0; w < NL(workers); w += light() ? 2 : 1) {
    pleat_ctx *ctx = ctx_threads(workers[w]);
    assert_non_null(ctx);
    for (size_t q = 0; q < NL(early); q++) check_same(ctx, early[q], &big, 1);
    pleat_ctx_free(ctx);
  }
  pleat_column c = pt_range(NULL, PLEAT_F64, 0, 6000000);
  pleat_ctx *ctx = ctx_threads(2);
  check_same(ctx, "filter(x >= 3000000) |> map(sqrt(x)) |> sum", &c, 1);
  pleat_ctx_free(ctx);
}

/* The error of the smallest failing index, whichever worker saw which. */
static void test_errors(void **state) {
  (void)state;
  static const char *const errs[] = {
    "map(i64(x)) |> map(100 / (x - 3000000)) |> sum",
    "map(i64(x)) |> map(100 / (x % 1000000 - 700000) + 100 / (x - 2500000)) |> sum",
    "map(i64(x)) |> group(x / 1000, 4000, count)",
    /* collects written in place after a count pass: the error of the
       smallest index, nothing written outside a block's region */
    "map(i64(x)) |> map(100 / (x - 3000000)) |> collect",
    "map(i64(x)) |> filter(x % 3 != 0) |> map((x, 100 / (x - 4500001))) |> collect",
    "map(i64(x)) |> (collect, group(x / 1000, 4000, count))",
    "map(i64(x)) |> filter(x > 10) |> take(4000000) |> map(7 / (x - 3999999)) |> count",
    /* seq stops (both reducers done) before the trap at 2000100; a block
       that finds only the second reducer runs into it and is rerun */
    "map(i64(x)) |> filter(100 / (x - 2000100) < 1000) |> (find_first(x == 5), any(x == 2000000))",
    "map(i64(x)) |> filter(100 / (x - 2000100) < 1000) |> (find_first(x == 5), any(x == 2000200))",
  };
  pleat_column c = pt_range(NULL, PLEAT_F64, 0, 6000000);
  static const int workers[] = {2, 3, 7};
  if (light()) setenv("PLEAT_THREADS_SERIAL_BELOW", "0", 1);
  for (size_t w = 0; w < NL(workers); w++) {
    pleat_ctx *ctx = ctx_threads(workers[w]);
    assert_non_null(ctx);
    for (size_t q = 0; q < NL(errs); q++) check_same(ctx, errs[q], &c, 1);
    pleat_ctx_free(ctx);
  }
}

static struct timespec t_start;
static int t_begin(void **state) {
  (void)state;
  clock_gettime(CLOCK_MONOTONIC, &t_start);
  return 0;
}
static int t_end(void **state) {
  (void)state;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  print_message("  (%.2f s)\n", (double)(t.tv_sec - t_start.tv_sec) + 1e-9 * (double)(t.tv_nsec - t_start.tv_nsec));
  return 0;
}
#undef cmocka_unit_test
#define cmocka_unit_test(f) cmocka_unit_test_setup_teardown(f, t_begin, t_end)

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pool_start_stop),
    cmocka_unit_test(test_many_contexts),
    cmocka_unit_test(test_bad_settings),
    cmocka_unit_test(test_host_thread_per_context),
    cmocka_unit_test(test_shared_context_stress),
    cmocka_unit_test(test_fork),
    cmocka_unit_test(test_stateful_stages),
    cmocka_unit_test(test_scan_batches),
    cmocka_unit_test(test_early_termination),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
