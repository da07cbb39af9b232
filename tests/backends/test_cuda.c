/* LABELS: quick cuda  TIMEOUT: 900 */
/*
** test_cuda.c -- the cuda back end, verified as far as the machine allows.
**
** With the toolkit (NVRTC and ptxas), no GPU needed: every pipeline of the
** GPU corpus is generated in the CUDA dialect, compiled by NVRTC (through
** `explain --stage ptx`, the back end's own compile path and options) and
** assembled with `ptxas -v` for sm_80 and sm_90; all must assemble with no
** register spill, and the register, shared-memory and stack use is reported.
** Without a driver: the errors say what is missing (the library, the stub
** library), and nothing else breaks.
** With a GPU: the corpus runs and gives seq's bits, as on OpenCL.
** What cannot run here is skipped, saying why.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpu_corpus.h"

static pleat_ctx *seq, *gpu;
static char gpu_why[512];
static bool built;
static char ptxas[512];

/* ptxas on PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin; "" if none. */
static void find_ptxas(void) {
  const char *home = getenv("CUDA_HOME");
  char cand[3][512];
  snprintf(cand[0], sizeof cand[0], "%s/bin/ptxas", home && *home ? home : "/nonexistent");
  snprintf(cand[1], sizeof cand[1], "/usr/local/cuda/bin/ptxas");
  cand[2][0] = 0;
  FILE *w = popen("command -v ptxas 2>/dev/null", "r");
  if (w) {
    if (fgets(cand[2], sizeof cand[2], w)) cand[2][strcspn(cand[2], "\n")] = 0;
    pclose(w);
  }
  ptxas[0] = 0;
  for (int k = 2; k >= 0 && !ptxas[0]; k--)
    if (cand[k][0] && access(cand[k], X_OK) == 0) snprintf(ptxas, sizeof ptxas, "%s", cand[k]);
}

static int setup(void **state) {
  (void)state;
  gc_fill();
  seq = pt_ctx("seq");
  for (size_t k = 0; k < pleat_backend_count(); k++) {
    pleat_backend_info bi_;
    if (pleat_backend_get(k, &bi_) == PLEAT_OK && !strcmp(bi_.name, "cuda")) built = bi_.built;
  }
  pleat_ctx_options o;
  memset(&o, 0, sizeof o);
  o.backend = "cuda";
  if (pleat_ctx_create(&gpu, &o) != PLEAT_OK) {
    snprintf(gpu_why, sizeof gpu_why, "%s", pleat_ctx_errmsg(gpu));
    pleat_ctx_free(gpu);
    gpu = NULL;
  }
  find_ptxas();
  return seq ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  pleat_ctx_free(seq);
  pleat_ctx_free(gpu);
  return 0;
}

#define NEED_BUILT()                                                                          \
  do {                                                                                        \
    if (!built) {                                                                             \
      print_message("skipped: the cuda back end is not built into this library (CMake found " \
                    "no cuda.h and nvrtc.h)\n");                                              \
      skip();                                                                                 \
    }                                                                                         \
  } while (0)

#define NEED_GPU()                                                                     \
  do {                                                                                 \
    if (!gpu) {                                                                        \
      print_message("skipped: no usable CUDA device here (%s)\n", gpu_why);            \
      skip();                                                                          \
    }                                                                                  \
  } while (0)

/* The PTX of text over the corpus columns, for compute_80 (PLEAT_CUDA_ARCH;
   a context on a GPU compiles for its device instead); NULL with the
   reason in why. */
static char *ptx_of(const char *text, char *why, size_t n, pleat_status *st) {
  pleat_column c[5];
  gc_cols(c, 1000);
  pleat_plan *p = NULL;
  *st = pleat_plan_create(seq, text, PLEAT_NUL_TERMINATED, c, 5, &p);
  if (*st != PLEAT_OK) {
    snprintf(why, n, "plan: %s", pleat_plan_errmsg(p));
    pleat_plan_free(p);
    return NULL;
  }
  char *t = NULL;
  *st = pleat_plan_explain(p, "ptx", &t);
  if (*st != PLEAT_OK) snprintf(why, n, "%s", pleat_ctx_errmsg(seq));
  pleat_plan_free(p);
  return t;
}

static bool have_nvrtc(char *why, size_t n) {
  pleat_status st;
  char *t = ptx_of("sum", why, n, &st);
  pleat_string_free(seq, t);
  return st == PLEAT_OK;
}

#define NEED_NVRTC(why)                                                         \
  do {                                                                          \
    if (!have_nvrtc((why), sizeof(why))) {                                      \
      print_message("skipped: NVRTC is not usable here (%s)\n", (why));        \
      skip();                                                                   \
    }                                                                           \
  } while (0)

typedef struct asm_use {
  int regs, stack, spill_st, spill_ld, smem;
} asm_use;

/* Assembles ptx for sm_<arch> with ptxas -v; false (and the log) when it
   does not assemble. */
static bool assemble(const char *ptx, int arch, asm_use *u, char *log, size_t logn) {
  char dir[] = "/tmp/pleat_ptx_XXXXXX";
  if (!mkdtemp(dir)) return false;
  char src[600], cmd[1400];
  snprintf(src, sizeof src, "%s/k.ptx", dir);
  FILE *f = fopen(src, "w");
  if (!f) return false;
  fputs(ptx, f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "'%s' -arch=sm_%d -v '%s' -o '%s/k.cubin' 2>&1", ptxas, arch, src, dir);
  FILE *p = popen(cmd, "r");
  memset(u, 0, sizeof *u);
  u->regs = -1;
  size_t used = 0;
  log[0] = 0;
  char line[512];
  while (p && fgets(line, sizeof line, p)) {
    size_t l = strlen(line);
    if (used + l + 1 < logn) {
      memcpy(log + used, line, l + 1);
      used += l;
    }
    const char *s;
    if ((s = strstr(line, "Used "))) sscanf(s, "Used %d registers", &u->regs);
    if ((s = strstr(line, "bytes stack frame")))
      sscanf(line, "%*[^0-9]%d bytes stack frame, %d bytes spill stores, %d bytes spill loads", &u->stack,
             &u->spill_st, &u->spill_ld);
    if ((s = strstr(line, "bytes smem"))) {
      const char *b = s;
      while (b > line && b[-1] == ' ') b--;
      while (b > line && b[-1] >= '0' && b[-1] <= '9') b--;
      u->smem = atoi(b);
    }
  }
  int rc = p ? pclose(p) : -1;
  unlink(src);
  snprintf(cmd, sizeof cmd, "%s/k.cubin", dir);
  unlink(cmd);
  rmdir(dir);
  return rc == 0 && u->regs >= 0;
}

static void test_every_kernel_compiles_and_assembles(void **state) {
  (void)state;
  NEED_BUILT();
  char why[600];
  NEED_NVRTC(why);
  if (!ptxas[0]) {
    print_message("skipped: ptxas not found (PATH, $CUDA_HOME/bin, /usr/local/cuda/bin)\n");
    skip();
  }
  setenv("PLEAT_CUDA_ARCH", "80", 1);
  static const int archs[] = {80, 90};
  int maxreg[2] = {0, 0}, n = 0, stacks = 0;
  long sumreg[2] = {0, 0};
  for (size_t k = 0; k < NL(GC_PIPES); k++) {
    pleat_status st;
    char *ptx = ptx_of(GC_PIPES[k], why, sizeof why, &st);
    if (!ptx) print_message("%s: %s: %s\n", GC_PIPES[k], pleat_status_name(st), why);
    assert_non_null(ptx);
    assert_non_null(strstr(ptx, ".target sm_80"));
    assert_non_null(strstr(ptx, ".entry pleat_leaves"));
    char row[256];
    int w = snprintf(row, sizeof row, "  %-60.60s", GC_PIPES[k]);
    for (int a = 0; a < 2; a++) {
      asm_use u;
      char log[2048];
      bool ok = assemble(ptx, archs[a], &u, log, sizeof log);
      if (!ok || u.spill_st || u.spill_ld)
        print_message("%s on sm_%d: %s\n%s", GC_PIPES[k], archs[a], ok ? "spills" : "does not assemble", log);
      assert_true(ok);
      assert_int_equal(u.spill_st, 0);
      assert_int_equal(u.spill_ld, 0);
      /* a stack frame is an array kept in local memory, not a spill: only
         the trigonometric functions' argument reduction has one (docs/math.md) */
      if (u.stack) stacks++;
      if (u.regs > maxreg[a]) maxreg[a] = u.regs;
      sumreg[a] += u.regs;
      w += snprintf(row + w, sizeof row - (size_t)w, "  sm_%d %3d regs %d B smem %d B stack", archs[a], u.regs,
                    u.smem, u.stack);
    }
    n++;
    print_message("%s\n", row);
    pleat_string_free(seq, ptx);
  }
  unsetenv("PLEAT_CUDA_ARCH");
  print_message("%d kernels (warp shape, 256 threads a block; with a stateful stage the leaf shape, 128, its lane arrays the stack frames): registers sm_80 max %d mean %.1f, "
                "sm_90 max %d mean %.1f; no spills; %d of %d assemblies with a stack frame\n",
                n, maxreg[0], (double)sumreg[0] / n, maxreg[1], (double)sumreg[1] / n, stacks, 2 * n);
}

static void test_ptx_errors(void **state) {
  (void)state;
  NEED_BUILT();
  char why[600];
  pleat_status st;
  /* what the generator cannot write is the same clear error as on opencl */
  /* reducers reading 17 values (16 and the source index fit) */
  char *t = ptx_of(BIG_FOLD, why, sizeof why, &st);
  assert_null(t);
  assert_int_equal(st, PLEAT_E_UNSUPPORTED);
  assert_non_null(strstr(why, "more than 16 distinct values"));
  if (!have_nvrtc(why, sizeof why)) {
    print_message("NVRTC not usable (%s): the error says so\n", why);
    assert_non_null(strstr(why, "nvrtc"));
    return;
  }
  setenv("PLEAT_CUDA_ARCH", "sm_x", 1);
  t = ptx_of("sum", why, sizeof why, &st);
  unsetenv("PLEAT_CUDA_ARCH");
  assert_null(t);
  assert_int_equal(st, PLEAT_E_INVAL);
  assert_non_null(strstr(why, "PLEAT_CUDA_ARCH"));
  setenv("PLEAT_CUDA_ARCH", "sm_90", 1);
  t = ptx_of("sum", why, sizeof why, &st);
  unsetenv("PLEAT_CUDA_ARCH");
  assert_non_null(t);
  assert_non_null(strstr(t, ".target sm_90"));
  pleat_string_free(seq, t);
}

/* The compiled kernels land in the disk cache: the second compile of a
   source reads them back (the same PTX), a corrupt entry is rebuilt. */
static void test_disk_cache(void **state) {
  (void)state;
  NEED_BUILT();
  char why[600];
  NEED_NVRTC(why);
  char dir[] = "/tmp/pleat_cuda_cache_XXXXXX";
  assert_non_null(mkdtemp(dir));
  setenv("PLEAT_CACHE_DIR", dir, 1);
  pleat_status st;
  char *a = ptx_of("map(x * 3) |> (sum, max)", why, sizeof why, &st);
  assert_non_null(a);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '\\.bin$'", dir);
  FILE *p = popen(cmd, "r");
  int files = 0;
  assert_non_null(p);
  assert_int_equal(fscanf(p, "%d", &files), 1);
  pclose(p);
  assert_int_equal(files, 1);
  char *b = ptx_of("map(x * 3) |> (sum, max)", why, sizeof why, &st);
  assert_non_null(b);
  assert_string_equal(a, b);
  /* corrupt every entry: the next compile rebuilds, with the same text */
  snprintf(cmd, sizeof cmd, "for f in '%s'/*.bin; do printf garbage > \"$f\"; done", dir);
  assert_int_equal(system(cmd), 0);
  char *c = ptx_of("map(x * 3) |> (sum, max)", why, sizeof why, &st);
  assert_non_null(c);
  assert_string_equal(a, c);
  pleat_string_free(seq, a);
  pleat_string_free(seq, b);
  pleat_string_free(seq, c);
  unsetenv("PLEAT_CACHE_DIR");
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* Runs the command with env prepended; its output in out, its exit code. */
static int cli(const char *env, const char *args, char *out, size_t n) {
  const char *exe = getenv("PLEAT_CLI");
  if (!exe || !*exe) return -1;
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "env %s '%s' %s 2>&1", env, exe, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t got = fread(out, 1, n - 1, p);
  out[got] = 0;
  int rc = pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Without a driver the back end says exactly what is missing, and the
   others run. */
static void test_without_a_driver(void **state) {
  (void)state;
  NEED_BUILT();
  if (!getenv("PLEAT_CLI")) {
    print_message("skipped: PLEAT_CLI is not set (run through ctest)\n");
    skip();
  }
  char out[8192];
  /* no such library */
  int rc = cli("PLEAT_CUDA_DRIVER=/nonexistent/libcuda.so.1", "info", out, sizeof out);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "PLEAT_CUDA_DRIVER=/nonexistent/libcuda.so.1 cannot be opened"));
  assert_non_null(strstr(out, "seq       usable"));
  rc = cli("PLEAT_CUDA_DRIVER=/nonexistent/libcuda.so.1 PLEAT_BACKEND=cuda", "run sum --gen range --n 10",
           out, sizeof out);
  assert_int_equal(rc, 3);
  assert_non_null(strstr(out, "cannot be opened"));
  /* the toolkit's stub library is not a driver */
  const char *home = getenv("CUDA_HOME");
  char stub[600];
  snprintf(stub, sizeof stub, "%s/lib64/stubs/libcuda.so", home && *home ? home : "/usr/local/cuda");
  if (access(stub, R_OK) == 0) {
    char env[700];
    snprintf(env, sizeof env, "PLEAT_CUDA_DRIVER=%s", stub);
    rc = cli(env, "info", out, sizeof out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "stub library, not an NVIDIA driver"));
  } else {
    print_message("(no stub library at %s: that case not checked)\n", stub);
  }
  /* the default: whatever this machine has, the line says it */
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  rc = cli("", "info", out, sizeof out);
  assert_int_equal(rc, 0);
  if (!h) assert_non_null(strstr(out, "libcuda.so.1 not found (no NVIDIA driver on this machine)"));
  else dlclose(h);
  assert_non_null(strstr(out, "cuda      "));
}

static void test_same_as_seq(void **state) {
  (void)state;
  NEED_GPU();
  static const uint64_t lens[] = {0, 1, 31, 4095, 4096, 4097, 3 * 4096 + 17, N};
  for (size_t L = 0; L < NL(lens); L++) {
    pleat_column c[5];
    gc_cols(c, lens[L]);
    for (size_t k = 0; k < NL(GC_PIPES); k++) assert_true(gc_same(gpu, seq, "cuda", GC_PIPES[k], c, 5));
  }
  pleat_column r = pt_range("x", PLEAT_I64, -5000, 100003);
  assert_true(gc_same(gpu, seq, "cuda", "filter(x % 3 == 0) |> (sum, count, minmax)", &r, 1));
  pleat_column u = pt_col("x", PLEAT_F64, NULL, 1234567);
  u.gen = PLEAT_GEN_NORMAL;
  u.seed = 42;
  assert_true(gc_same(gpu, seq, "cuda", "(sum, mean, std, minmax)", &u, 1));
}

static void test_division_by_zero(void **state) {
  (void)state;
  NEED_GPU();
  pleat_column c[2] = {pt_col("b", PLEAT_I64, bi, N), pt_col("a", PLEAT_I32, ai, N)};
  static const char *const P[] = {
    "map(100 / (b - 77)) |> sum", "map(b % (b - 77)) |> count",
    "filter(b != 77) |> map(100 / (b - 77)) |> sum", "map(a / (a % 2)) |> sum",
    "map(100 / (b - 77)) |> find_first(b == 77)", "map(100 / (b - 77)) |> any(i == 12294)",
    "map(100 / (b - 77)) |> (any(i == 12000), any(i == 12294))", "map(100 / (b - 77)) |> first",
    "filter(i > 12290) |> map(100 / (b - 77)) |> first", "map(100 / (b - 77)) |> last",
  };
  for (size_t k = 0; k < NL(P); k++) assert_true(gc_same(gpu, seq, "cuda", P[k], c, 2));
}

static void test_early_exit_over_a_huge_range(void **state) {
  (void)state;
  NEED_GPU();
  pleat_column r = pt_range("x", PLEAT_I64, 0, (uint64_t)1 << 40);
  pt_run a;
  assert_int_equal(pt_exec(gpu, "find_first(x == 7)", &r, 1, &a), PLEAT_OK);
  assert_string_equal(a.json, "7");
  pt_run_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_kernel_compiles_and_assembles),
    cmocka_unit_test(test_ptx_errors),
    cmocka_unit_test(test_disk_cache),
    cmocka_unit_test(test_without_a_driver),
    cmocka_unit_test(test_same_as_seq),
    cmocka_unit_test(test_division_by_zero),
    cmocka_unit_test(test_early_exit_over_a_huge_range),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
