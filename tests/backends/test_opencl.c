/* LABELS: quick opencl  TIMEOUT: 600 */
/*
** test_opencl.c -- the opencl back end on this machine's OpenCL device
** (PoCL in CI): every pipeline it runs gives seq's JSON and values bit for
** bit (NaN, +-0, infinities, integer extremes; lengths around leaves;
** data and lazy columns; inputs split over many launches); a division by
** zero is seq's error at seq's index; reducers folded on the host (group,
** foldl, ...) give seq's bits too; what it does not run yet is a clear
** PLEAT_E_UNSUPPORTED; `auto` does not pick it; explain shows the kernel.
** Without an OpenCL device every test is skipped, saying why.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pleat_test.h"
#include "gpu_corpus.h"

static pleat_ctx *seq, *ocl;
static char ocl_why[512];

static int setup(void **state) {
  (void)state;
  gc_fill();
  seq = pt_ctx("seq");
  pleat_ctx_options o;
  memset(&o, 0, sizeof o);
  o.backend = "opencl";
  if (pleat_ctx_create(&ocl, &o) != PLEAT_OK) {
    snprintf(ocl_why, sizeof ocl_why, "%s", pleat_ctx_errmsg(ocl));
    pleat_ctx_free(ocl);
    ocl = NULL;
  }
  return seq ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  pleat_ctx_free(seq);
  pleat_ctx_free(ocl);
  return 0;
}

#define NEED_OPENCL()                                                              \
  do {                                                                             \
    if (!ocl) {                                                                    \
      print_message("skipped: no usable OpenCL device here (%s)\n", ocl_why);      \
      skip();                                                                      \
    }                                                                              \
  } while (0)

/* Runs text on opencl and on seq; 1 when they agree in every respect. */
#define same(text, c, nc) gc_same(ocl, seq, "opencl", (text), (c), (nc))

static void test_same_as_seq(void **state) {
  (void)state;
  NEED_OPENCL();
  static const uint64_t lens[] = {0, 1, 31, 4095, 4096, 4097, 3 * 4096 + 17, N};
  for (size_t L = 0; L < NL(lens); L++) {
    pleat_column c[5] = {pt_col("x", PLEAT_F32, xf, lens[L]), pt_col("y", PLEAT_F64, yd, lens[L]),
                         pt_col("a", PLEAT_I32, ai, lens[L]), pt_col("b", PLEAT_I64, bi, lens[L]),
                         pt_col("f", PLEAT_BOOL, fl, lens[L])};
    for (size_t k = 0; k < NL(GC_PIPES); k++) assert_true(same(GC_PIPES[k], c, 5));
  }
}

/* Reducers the host folds that read only columns leave the device nothing
   to do (codegen.h: pleat__codegen_fold_only): the host folds the columns
   itself, with seq's answer, its bad key and its error index. */
static void test_fold_on_the_host_alone(void **state) {
  (void)state;
  NEED_OPENCL();
  static int32_t key[N];
  for (int k = 0; k < N; k++) key[k] = (int32_t)((uint32_t)k * 2654435761u % 1024u);
  pleat_column c[3] = {pt_col("x", PLEAT_F32, xf, N), pt_col("key", PLEAT_I32, key, N),
                       pt_col("y", PLEAT_F64, yd, N)};
  assert_true(same("group(key, 1024, sum)", c, 3));
  assert_true(same("(group(key, 1024, mean), foldl((s, v) -> s * 0.5 + v, 0.0), reduce(+))", c, 3));
  assert_true(same("map(y) |> reduce((p, q) -> max(p, q), -1.0)", c, 3));
  key[40000] = 1024; /* out of range: seq's error at seq's index */
  pt_run a;
  pt_exec(ocl, "group(key, 1024, sum)", c, 3, &a);
  assert_int_equal(a.status, PLEAT_E_DOMAIN);
  assert_int_equal(a.err_index, 40000);
  pt_run_free(&a);
  assert_true(same("group(key, 1024, count)", c, 3));
  assert_true(same("filter(x > 0.5) |> group(key, 1024, count)", c, 3)); /* a stage: the device's */
}

/* The warp shape (32 work items per leaf, one per tree lane: the CUDA
   kernel's algorithm) on this device: every reducer kind, the mean's K,
   early exits, traps and partial leaves give seq's bits.  A subset of
   PIPES: PoCL builds this shape slowly. */
static void test_warp_shape(void **state) {
  (void)state;
  NEED_OPENCL();
  static const char *const WARP[] = {
    "map(x * x) |> filter(x > 0.5) |> (sum, count, minmax, mean, var, prod, first, last, argmin, argmax)",
    "filter(y < 0) |> map(y / 3.0) |> (sum, prod, std, minmax, argmax, count(y < -1e5))",
    "filter(f) |> map(a * 3 - 7) |> (sum, prod, minmax, count, first, last, argmin)",
    "(find_first(b == 77), any(x > 1.49), all(x < 1.5))",
    "map((x, a)) |> filter(f) |> (collect, count)", "filter(i % 4093 == 0) |> map(i) |> collect",
    "map(a) |> scan(+, 7) |> filter(x % 3 == 0) |> (sum, collect)", /* a scan takes the leaf shape */
    /* folded on the host from the warp shape's compaction */
    "filter(x > 0.3) |> group(i % 7, 7, mean)", "map(b / (b - 77)) |> group(i % 3, 3, sum)",
    "map(y) |> foldl((s, v) -> s * 0.5 + v, 0.0)",
  };
  setenv("PLEAT_OPENCL_SHAPE", "warp", 1);
  pleat_ctx *w = pt_ctx("opencl");
  unsetenv("PLEAT_OPENCL_SHAPE");
  assert_non_null(w);
  pleat_ctx *keep = ocl;
  ocl = w;
  static const uint64_t lens[] = {1, 33, 4097, N};
  for (size_t L = 0; L < NL(lens); L++) {
    pleat_column c[5] = {pt_col("x", PLEAT_F32, xf, lens[L]), pt_col("y", PLEAT_F64, yd, lens[L]),
                         pt_col("a", PLEAT_I32, ai, lens[L]), pt_col("b", PLEAT_I64, bi, lens[L]),
                         pt_col("f", PLEAT_BOOL, fl, lens[L])};
    for (size_t k = 0; k < NL(WARP); k++) assert_true(same(WARP[k], c, 5));
  }
  pleat_column c[2] = {pt_col("b", PLEAT_I64, bi, N), pt_col("a", PLEAT_I32, ai, N)};
  /* a trap ends the fold, an early reducer's hit before it still counts */
  assert_true(same("map(100 / (b - 77)) |> (any(i == 12000), any(i == 12294))", c, 2));
  assert_true(same("map(100 / (b - 77)) |> (any(i == 12000), any(i == 12292))", c, 2));
  pleat_column r = pt_range("x", PLEAT_I64, -5000, 100003);
  assert_true(same("filter(x % 3 == 0) |> (sum, count, minmax)", &r, 1));
  ocl = keep;
  pleat_ctx_free(w);
}

static void test_lazy_columns(void **state) {
  (void)state;
  NEED_OPENCL();
  pleat_column r = pt_range("x", PLEAT_I64, -5000, 100003);
  assert_true(same("filter(x % 3 == 0) |> (sum, count, minmax)", &r, 1));
  pleat_column rf = pt_range("x", PLEAT_F32, 1 << 24, 50000); /* beyond 2^24 f32 rounds */
  assert_true(same("(sum, minmax)", &rf, 1));
  static const pleat_dtype ft[] = {PLEAT_F32, PLEAT_F64};
  for (int g = PLEAT_GEN_UNIFORM; g <= PLEAT_GEN_NORMAL; g++)
    for (size_t t = 0; t < 2; t++) {
      pleat_column u = pt_col("x", ft[t], NULL, 123457);
      u.gen = (pleat_gen)g;
      u.seed = 42;
      assert_true(same("(sum, mean, std, minmax)", &u, 1));
      assert_true(same("filter(x > 0.9) |> count", &u, 1));
    }
}

static void test_many_launches(void **state) {
  (void)state;
  NEED_OPENCL();
  /* 64 KiB buffers: 2 leaves of f64 per launch, so the rows of many
     launches must come back in leaf order */
  setenv("PLEAT_OPENCL_MAX_BUFFER", "65536", 1);
  pleat_ctx *small = pt_ctx("opencl");
  unsetenv("PLEAT_OPENCL_MAX_BUFFER");
  assert_non_null(small);
  pleat_ctx *keep = ocl;
  ocl = small;
  pleat_column c[2] = {pt_col("x", PLEAT_F32, xf, N), pt_col("y", PLEAT_F64, yd, N)};
  assert_true(same("map(f64(x) + y) |> (sum, mean, minmax)", c, 2));
  assert_true(same("filter(y > 0) |> map(x) |> sum", c, 2));
  ocl = keep;
  pleat_ctx_free(small);
}

static void test_division_by_zero(void **state) {
  (void)state;
  NEED_OPENCL();
  pleat_column c[2] = {pt_col("b", PLEAT_I64, bi, N), pt_col("a", PLEAT_I32, ai, N)};
  /* bi[12293] == 77: seq's error, at seq's index, with seq's message */
  assert_true(same("map(100 / (b - 77)) |> sum", c, 2));
  assert_true(same("map(b % (b - 77)) |> count", c, 2));
  assert_true(same("filter(b != 77) |> map(100 / (b - 77)) |> sum", c, 2)); /* filtered out */
  assert_true(same("map(b == 77 ? 0 : 100 / (b - 77)) |> sum", c, 2));     /* guarded */
  assert_true(same("map(a / (a % 2)) |> sum", c, 2));                      /* an early leaf */
  /* an early reducer ends the fold before a later trap, or does not */
  assert_true(same("map(100 / (b - 77)) |> find_first(b == 77)", c, 2));
  assert_true(same("map(100 / (b - 77)) |> any(i == 12000)", c, 2));
  assert_true(same("map(100 / (b - 77)) |> any(i == 12294)", c, 2));
  assert_true(same("map(100 / (b - 77)) |> (any(i == 12000), any(i == 12294))", c, 2));
  assert_true(same("map(100 / (b - 77)) |> (any(i == 12000), count)", c, 2));
  assert_true(same("map(100 / (b - 77)) |> first", c, 2));                 /* done at 0 */
  assert_true(same("filter(i > 12290) |> map(100 / (b - 77)) |> first", c, 2));
  assert_true(same("map(100 / (b - 77)) |> filter(i > 12292) |> first", c, 2));
  assert_true(same("map(100 / (b - 77)) |> last", c, 2));
  pleat_column r = pt_range("x", PLEAT_I64, 0, 1000000);
  assert_true(same("map(7 / (x - 999999)) |> sum", &r, 1)); /* the last element */
  pt_run a;
  pt_exec(ocl, "map(100 / (b - 77)) |> sum", c, 2, &a);
  assert_int_equal(a.status, PLEAT_E_DOMAIN);
  assert_int_equal(a.err_index, 12293);
  assert_non_null(strstr(a.msg, "division by zero"));
  pt_run_free(&a);
}

static void test_unsupported_is_an_error(void **state) {
  (void)state;
  NEED_OPENCL();
  static const char *const later[] = {BIG_FOLD};
  pleat_column c = pt_col("x", PLEAT_F32, xf, 10000);
  for (size_t k = 0; k < NL(later); k++) {
    pt_run a;
    pt_exec(ocl, later[k], &c, 1, &a);
    if (a.status != PLEAT_E_UNSUPPORTED || !strstr(a.msg, "opencl:") || !strstr(a.msg, "not supported"))
      print_message("%s: %s '%s'\n", later[k], pleat_status_name(a.status), a.msg);
    assert_int_equal(a.status, PLEAT_E_UNSUPPORTED);
    assert_non_null(strstr(a.msg, "not supported"));
    pt_run_free(&a);
  }
}

static void test_early_exit_over_a_huge_range(void **state) {
  (void)state;
  NEED_OPENCL();
  /* 2^40 lazy elements: the launches start small, so a hit near the start
     answers at once */
  pleat_column r = pt_range("x", PLEAT_I64, 0, (uint64_t)1 << 40);
  pt_run a;
  assert_int_equal(pt_exec(ocl, "find_first(x == 7)", &r, 1, &a), PLEAT_OK);
  assert_string_equal(a.json, "7");
  pt_run_free(&a);
  assert_int_equal(pt_exec(ocl, "filter(x % 3 == 0) |> take(4) |> collect", &r, 1, &a), PLEAT_OK);
  assert_string_equal(a.json, "[0, 3, 6, 9]");
  pt_run_free(&a);
  assert_int_equal(pt_exec(ocl, "take_while(x < 9000) |> count", &r, 1, &a), PLEAT_OK);
  assert_string_equal(a.json, "9000");
  pt_run_free(&a);
  assert_int_equal(pt_exec(ocl, "filter(x % 2 != 0) |> any(x > 1000000)", &r, 1, &a), PLEAT_OK);
  assert_string_equal(a.json, "true");
  pt_run_free(&a);
}

static void test_device_choice(void **state) {
  (void)state;
  NEED_OPENCL();
  pleat_ctx_options o;
  memset(&o, 0, sizeof o);
  o.backend = "opencl";
  pleat_ctx *c = NULL;
  o.device = "0"; /* by index */
  assert_int_equal(pleat_ctx_create(&c, &o), PLEAT_OK);
  pleat_ctx_free(c);
  o.device = "999";
  assert_int_equal(pleat_ctx_create(&c, &o), PLEAT_E_UNAVAILABLE);
  assert_non_null(strstr(pleat_ctx_errmsg(c), "PLEAT_DEVICE=999"));
  pleat_ctx_free(c);
  o.device = "no such device name";
  assert_int_equal(pleat_ctx_create(&c, &o), PLEAT_E_UNAVAILABLE);
  assert_non_null(strstr(pleat_ctx_errmsg(c), "matches no device"));
  pleat_ctx_free(c);
  setenv("PLEAT_DEVICE", "998", 1); /* the environment when the option is NULL */
  o.device = NULL;
  assert_int_equal(pleat_ctx_create(&c, &o), PLEAT_E_UNAVAILABLE);
  pleat_ctx_free(c);
  unsetenv("PLEAT_DEVICE");
}

/* ---- the on-disk kernel cache ------------------------------------------------- */

/* The one entry in dir (path into out); its size, or -1 when there is not
   exactly one. */
static long one_entry(const char *dir, char *out, size_t n) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  struct dirent *e;
  int count = 0;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".bin") && !strstr(e->d_name, ".tmp")) {
      count++;
      snprintf(out, n, "%s/%s", dir, e->d_name);
    }
  closedir(d);
  struct stat st;
  if (count != 1 || stat(out, &st) != 0) return -1;
  return (long)st.st_size;
}

/* Whether the entry at path is whole: its magic, and a payload size in
   the header (the little-endian u64 at byte 32) that matches the file. */
static int entry_whole(const char *path, long size) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  unsigned char h[40];
  int ok = fread(h, 1, sizeof h, f) == sizeof h && !memcmp(h, "PLEATKC1", 8);
  fclose(f);
  uint64_t sz = 0;
  for (int k = 0; k < 8; k++) sz |= (uint64_t)h[24 + k] << (8 * k);
  return ok && (long)sz + 40 == size;
}

/* A fresh context (so no in-memory program) runs text; 1 when it gives
   seq's answer. */
static int fresh_same(const char *text, const pleat_column *c) {
  pleat_ctx *keep = ocl, *f = pt_ctx("opencl");
  if (!f) return 0;
  ocl = f;
  int ok = same(text, c, 1);
  ocl = keep;
  pleat_ctx_free(f);
  return ok;
}

/* A kernel that does not build is PLEAT_E_BUILD with the compiler's log,
   and the context stays usable. */
static void test_build_error(void **state) {
  (void)state;
  NEED_OPENCL();
  setenv("PLEAT_CACHE_DIR", "off", 1);
  setenv("PLEAT_OPENCL_TEST_BUILD_ERROR", "1", 1);
  pleat_column c = pt_col("x", PLEAT_F32, xf, 1000);
  pt_run a;
  pt_exec(ocl, "map(x * 7 - 2) |> (sum, count)", &c, 1, &a);
  unsetenv("PLEAT_OPENCL_TEST_BUILD_ERROR");
  unsetenv("PLEAT_CACHE_DIR");
  assert_int_equal(a.status, PLEAT_E_BUILD);
  assert_non_null(strstr(a.msg, "did not build"));
  assert_non_null(strstr(a.msg, "a kernel that does not build")); /* the log */
  pt_run_free(&a);
  assert_true(same("map(x * 7 - 2) |> (sum, count)", &c, 1));
}

static void test_disk_cache(void **state) {
  (void)state;
  NEED_OPENCL();
  char dir[] = "/tmp/pleat-kcache-XXXXXX";
  assert_non_null(mkdtemp(dir));
  setenv("PLEAT_CACHE_DIR", dir, 1);
  pleat_column c = pt_col("x", PLEAT_F32, xf, N);
  const char *text = "filter(x < 0.123) |> map(x * 3 - 1) |> (sum, minmax)";
  char path[512];
  /* a build stores one entry; a new context reads it back */
  assert_true(fresh_same(text, &c));
  long size = one_entry(dir, path, sizeof path);
  assert_true(size > 40);
  assert_true(fresh_same(text, &c));
  /* truncated, then garbage: a miss, rebuilt, and the entry rewritten */
  assert_true(entry_whole(path, size));
  assert_int_equal(truncate(path, size / 2), 0);
  assert_true(fresh_same(text, &c));
  size = one_entry(dir, path, sizeof path); /* rewritten whole (a binary may differ in size) */
  assert_true(entry_whole(path, size));
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  fseek(f, size - 100, SEEK_SET);
  fputs("not a kernel binary", f);
  fclose(f);
  assert_true(fresh_same(text, &c));
  size = one_entry(dir, path, sizeof path);
  assert_true(entry_whole(path, size));
  unlink(path);
  rmdir(dir);
  /* a cache "directory" that is a file: nothing can be stored, the run is fine */
  char file[] = "/tmp/pleat-kcache-file-XXXXXX";
  int fd = mkstemp(file);
  assert_true(fd >= 0);
  close(fd);
  setenv("PLEAT_CACHE_DIR", file, 1);
  assert_true(fresh_same("filter(x < 0.321) |> sum", &c));
  unlink(file);
  /* off: nothing written, even where XDG_CACHE_HOME points */
  char xdg[] = "/tmp/pleat-xdg-XXXXXX";
  assert_non_null(mkdtemp(xdg));
  setenv("XDG_CACHE_HOME", xdg, 1);
  setenv("PLEAT_CACHE_DIR", "off", 1);
  assert_true(fresh_same("filter(x < 0.456) |> sum", &c));
  char sub[600];
  snprintf(sub, sizeof sub, "%s/pleat", xdg);
  struct stat st;
  assert_int_not_equal(stat(sub, &st), 0);
  rmdir(xdg);
  unsetenv("XDG_CACHE_HOME");
  unsetenv("PLEAT_CACHE_DIR");
}

typedef struct writer_arg {
  int ok;
} writer_arg;

static void *writer(void *p) {
  writer_arg *w = p;
  pleat_ctx *f = pt_ctx("opencl");
  w->ok = 0;
  if (!f) return NULL;
  pleat_column c = pt_col("x", PLEAT_F32, xf, N);
  pt_run a;
  if (pt_exec(f, "filter(x > 0.777) |> map(x + x) |> sum", &c, 1, &a) == PLEAT_OK) w->ok = 1;
  pt_run_free(&a);
  pleat_ctx_free(f);
  return NULL;
}

static void test_disk_cache_concurrent_writers(void **state) {
  (void)state;
  NEED_OPENCL();
  char dir[] = "/tmp/pleat-kcache-XXXXXX";
  assert_non_null(mkdtemp(dir));
  setenv("PLEAT_CACHE_DIR", dir, 1);
  /* two contexts build and store the same entry at once: both runs work
     and the entry that stays is whole */
  pthread_t t[2];
  writer_arg w[2];
  for (int k = 0; k < 2; k++) assert_int_equal(pthread_create(&t[k], NULL, writer, &w[k]), 0);
  for (int k = 0; k < 2; k++) pthread_join(t[k], NULL);
  assert_true(w[0].ok && w[1].ok);
  char path[512];
  long size = one_entry(dir, path, sizeof path);
  assert_true(entry_whole(path, size));
  pleat_column c = pt_col("x", PLEAT_F32, xf, N);
  assert_true(fresh_same("filter(x > 0.777) |> map(x + x) |> sum", &c));
  unlink(path);
  rmdir(dir);
  unsetenv("PLEAT_CACHE_DIR");
}

static void test_auto_does_not_pick_it(void **state) {
  (void)state;
  NEED_OPENCL();
  pleat_ctx *a = pt_ctx(NULL);
  assert_non_null(a);
  assert_string_not_equal(pleat_ctx_backend(a), "opencl");
  pleat_ctx_free(a);
  pleat_ctx *l = pt_ctx("opencl,seq"); /* named: it is used */
  assert_non_null(l);
  assert_string_equal(pleat_ctx_backend(l), "opencl");
  pleat_ctx_free(l);
}

static void test_explain_shows_the_kernel(void **state) {
  (void)state;
  pleat_column c = pt_col("x", PLEAT_F32, xf, 100);
  pleat_plan *p = NULL;
  assert_int_equal(pleat_plan_create(seq, "filter(x > 0.5) |> map(x * x) |> sum",
                                     PLEAT_NUL_TERMINATED, &c, 1, &p), PLEAT_OK);
  static const char *const stages[] = {"opencl", "cuda", "c"};
  static const char *const want[] = {"__kernel void pleat_leaves", "__global__ void __launch_bounds__(256) pleat_leaves",
                                     "void pleat_leaves(pleat_u64 gid"};
  for (int s = 0; s < 3; s++) {
    char *t = NULL;
    assert_int_equal(pleat_plan_explain(p, stages[s], &t), PLEAT_OK);
    assert_non_null(strstr(t, want[s]));
    assert_non_null(strstr(t, "pleat_m_flt(0x3f000000u)")); /* 0.5 as its bits */
    pleat_string_free(seq, t);
  }
  pleat_plan_free(p);
  assert_int_equal(pleat_plan_create(seq, BIG_FOLD, PLEAT_NUL_TERMINATED, &c, 1, &p), PLEAT_OK);
  char *t = NULL;
  assert_int_equal(pleat_plan_explain(p, "opencl", &t), PLEAT_E_UNSUPPORTED);
  assert_null(t);
  assert_non_null(strstr(pleat_ctx_errmsg(seq), "more than 16 distinct values"));
  pleat_plan_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_same_as_seq),
    cmocka_unit_test(test_warp_shape),
    cmocka_unit_test(test_fold_on_the_host_alone),
    cmocka_unit_test(test_lazy_columns),
    cmocka_unit_test(test_many_launches),
    cmocka_unit_test(test_division_by_zero),
    cmocka_unit_test(test_unsupported_is_an_error),
    cmocka_unit_test(test_early_exit_over_a_huge_range),
    cmocka_unit_test(test_device_choice),
    cmocka_unit_test(test_build_error),
    cmocka_unit_test(test_disk_cache),
    cmocka_unit_test(test_disk_cache_concurrent_writers),
    cmocka_unit_test(test_auto_does_not_pick_it),
    cmocka_unit_test(test_explain_shows_the_kernel),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
