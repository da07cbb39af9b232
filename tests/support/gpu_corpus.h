/*
** gpu_corpus.h -- what the GPU back ends' tests share: the input columns
** (with NaN, +-0, infinities, denormals and integer extremes placed around
** leaf edges), the corpus of pipelines the kernel generator writes (every
** reducer, every dtype, filters, early exits), and the comparison of a run
** with seq's, bit for bit.  Header-only, for test_opencl and test_cuda.
*/
#ifndef PLEAT_GPU_CORPUS_H
#define PLEAT_GPU_CORPUS_H

#include "pleat_test.h"
#include "ref_eval.h"

#define NL(a) (sizeof(a) / sizeof *(a))
#define N 70001 /* 17 leaves and a part */

static float xf[N];
static double yd[N];
static int32_t ai[N];
static int64_t bi[N];
static uint8_t fl[N];

static inline void gc_fill(void) {
  uint64_t z = 0x2545f4914f6cdd1dull;
  for (int k = 0; k < N; k++) {
    z = z * 6364136223846793005ull + 1442695040888963407ull;
    double u = (double)(z >> 11) * 0x1p-53;
    xf[k] = (float)(u * 2.0 - 0.5);
    yd[k] = (u - 0.25) * 1e6;
    ai[k] = (int32_t)(uint32_t)(z >> 20);
    bi[k] = (int64_t)(z >> 3) - (int64_t)(z >> 40);
    fl[k] = (uint8_t)(z >> 60); /* bytes other than 0 and 1 count as true */
  }
  const float sf[] = {NAN, -0.0f, 0.0f, INFINITY, -INFINITY, 1e-45f, -1e-45f, 3.4e38f, -3.4e38f};
  const double sd[] = {NAN, -0.0, INFINITY, -INFINITY, 5e-324, 1.7e308};
  const int32_t si[] = {INT32_MIN, INT32_MAX, 0, -1, 1};
  const int64_t sl[] = {INT64_MIN, INT64_MAX, 0, -1, 1, 77};
  for (size_t k = 0; k < NL(sf); k++) xf[4095 + 9 * k] = sf[k];
  for (size_t k = 0; k < NL(sd); k++) yd[8191 + 13 * k] = sd[k];
  for (size_t k = 0; k < NL(si); k++) ai[100 + k] = si[k];
  for (size_t k = 0; k < NL(sl); k++) bi[12288 + k] = sl[k];
}

/* The columns x f32, y f64, a i32, b i64, f bool over the first len
   elements. */
static inline void gc_cols(pleat_column c[5], uint64_t len) {
  c[0] = pt_col("x", PLEAT_F32, xf, len);
  c[1] = pt_col("y", PLEAT_F64, yd, len);
  c[2] = pt_col("a", PLEAT_I32, ai, len);
  c[3] = pt_col("b", PLEAT_I64, bi, len);
  c[4] = pt_col("f", PLEAT_BOOL, fl, len);
}

/* Runs text on dev (a GPU back end, named label) and on seq; 1 when they
   agree in every respect, else it prints the difference. */
static inline int gc_same(pleat_ctx *dev, pleat_ctx *seq, const char *label, const char *text,
                   const pleat_column *c, size_t nc) {
  pt_run a, b;
  pt_exec(dev, text, c, nc, &a);
  pt_exec(seq, text, c, nc, &b);
  char why[600] = "";
  int ok = a.status == b.status && a.err_index == b.err_index;
  if (b.plan_status != PLEAT_OK) { /* a typo in the test, not a finding */
    ok = 0;
    snprintf(why, sizeof why, "the pipeline does not compile: %s", b.msg);
  } else if (!ok)
    snprintf(why, sizeof why, "status %s index %lld (%s) vs %s index %lld", pleat_status_name(a.status),
             (long long)a.err_index, a.msg, pleat_status_name(b.status), (long long)b.err_index);
  else if (a.status != PLEAT_OK) {
    ok = !strcmp(a.msg, b.msg);
    if (!ok) snprintf(why, sizeof why, "message '%.250s' vs '%.250s'", a.msg, b.msg);
  } else {
    ok = !strcmp(a.json, b.json);
    if (!ok) snprintf(why, sizeof why, "JSON %.250s vs %.250s", a.json, b.json);
    else ok = ref_value_equal(a.value, b.value, why, sizeof why);
  }
  if (!ok) printf("MISMATCH %s vs seq: %s\n  %s\n", label, text, why);
  pt_run_free(&a);
  pt_run_free(&b);
  return ok;
}

static const char *const GC_PIPES[] = {
  "sum", "count", "minmax", "(min, max)", "mean", "var", "std", "prod",
  "filter(x > 0.5) |> map(x * x) |> sum",
  "map(x * x) |> filter(x > 0.5) |> sum",
  "filter(x != x) |> count",
  "map(x - 0.25) |> (sum, mean, std, minmax, count)",
  "map(f64(x) * y) |> sum",
  "filter(y < 0) |> map(y / 3.0) |> (sum, prod, var)",
  "map(min(x, -0.0)) |> (sum, minmax)",
  "map(max(y, 0.0)) |> minmax",
  "map(sqrt(y)) |> filter(isnan(x) == false) |> sum",
  "map(floor(x * 10) + ceil(y) - round(x) * trunc(y)) |> sum",
  "map(exp(x) + log(abs(y) + 1)) |> sum",
  "map(sin(y) * cos(x)) |> mean",
  "map(a + b) |> sum", "map(a * 3 - 7) |> (sum, minmax)", "map(b >> 7 ^ a << 3) |> sum",
  "map(a / 7 + a % 5) |> sum", "map(b / -1 + b % -1) |> sum",
  "map(i32(x * 1e9)) |> (sum, minmax)", "map(i64(y * 1e13)) |> sum",
  "map(f32(b)) |> sum", "map(f64(a)) |> std",
  "filter(f) |> count", "map(i32(f)) |> (sum, minmax)", "map(f) |> sum",
  "filter(a > 0 && b < 0 || f) |> map(a) |> (count, sum)",
  "map(i % 7 == 0 ? x : -x) |> sum",
  "count(x > 0.25)", "(count(x < 0), sum, count)",
  "map(hash(i)) |> minmax", "map(uniform(i)) |> sum",
  /* the vector form (one float type throughout): select, bool logic,
     sqrt, division, the two widths */
  "map(x < 0.2 ? x * 2 : -x) |> (sum, max)", "filter(!(x > 0.3) && x == x || x < 0.9) |> sum",
  "map(sqrt(abs(x)) / 3) |> (sum, prod, minmax)", "filter(y > 0) |> map(y * y - y) |> (sum, prod, minmax, count)",
  "count(y != y)", "filter(x >= 0.25 ^ x < 0.75) |> (count, min)",
  /* early termination: the first hit, the leftmost one */
  "find_first(x > 0.999)", "find_first(x != x)", "any(y > 4e5)", "all(a != 0)", "any(f)",
  "(find_first(b == 77), any(x > 1.49), all(x < 1.5))", "(any(x > 1.49), sum, count)",
  "filter(x > 0.5) |> find_first(x < 0.5)",
  /* first, last, argmin, argmax: the leftmost (rightmost) in leaf order */
  "first", "last", "argmin", "argmax", "filter(x > 0.9) |> first", "map(y) |> (argmin, argmax, last)",
  "filter(f) |> map(a) |> (first, last, argmax, argmin)", "(first, sum, last)",
  "map(x * 0.0) |> (argmin, argmax)", "filter(b < 0) |> map(b) |> (argmin, last)",
  /* collect: order-preserving compaction, every dtype, tuples, none kept */
  "filter(x > 0.5) |> collect", "collect", "filter(x > 2) |> collect",
  "map((x, a)) |> filter(f) |> collect", "filter(b < 0) |> map(a) |> (collect, sum, count)",
  "map(f) |> collect", "filter(a > 0) |> map((b, y)) |> (collect, count)",
  "filter(i % 4093 == 0) |> map(i) |> collect",
  /* scan: carries across leaves (summary passes), float leaf trees,
     every operator, an init, two scans, masked elements */
  "scan(+) |> last", "scan(+) |> collect", "filter(x > 0.3) |> scan(max) |> (last, sum)",
  "map(y) |> scan(+) |> (sum, minmax, last)", "scan(*, 1.0) |> map(x - 1) |> scan(+) |> (last, minmax)",
  "map(a) |> scan(+, 7) |> filter(x % 3 == 0) |> (sum, collect)", "map(b) |> scan(min) |> (first, last)",
  "map(a) |> scan(^) |> collect", "filter(f) |> map(b) |> scan(|) |> (last, count)",
  "map(f) |> scan(&) |> count(x)", "map(y / (a % 3)) |> scan(+) |> last",
  /* counting stages and early stops: take, drop, take_nth, enumerate,
     take_while; a trap past the cut is not an error */
  "take(5) |> collect", "take(0) |> count", "drop(4090) |> take(20) |> collect",
  "filter(x > 0.5) |> take_nth(1000) |> collect", "enumerate |> map(k) |> sum",
  "take_while(x < 0.999) |> count", "filter(x > 0.2) |> drop(7000) |> enumerate |> map(k * 2) |> (sum, last)",
  "take(9000) |> scan(+) |> last", "map(a / (a % 2)) |> take(2) |> sum", "take(5000) |> map(b / (b - 77)) |> sum",
  "take(12294) |> map(b / (b - 77)) |> sum", "filter(f) |> take(3) |> map(a) |> (first, last, collect)",
  "take_while(a != 0) |> map(b) |> (count, minmax)", "drop(70000) |> collect",
  "enumerate |> filter(k % 3 == 0) |> map(x) |> take(4097) |> (sum, count)",
  /* dedupe: the element before carried across leaves; NaN never equal */
  "map(a % 3) |> dedupe |> count", "map(floor(x * 3)) |> dedupe |> collect", "map(i / 4096) |> dedupe |> collect",
  "map(x * 0.0) |> dedupe |> (count, collect)", "filter(f) |> map(y > 0) |> dedupe |> map(i32(x)) |> collect",
  /* drop_while: done once the predicate fails, carried across leaves */
  "drop_while(x < 0.999) |> count", "drop_while(i < 5000) |> collect", "drop_while(x < 2) |> sum",
  "filter(x > 0.5) |> drop_while(x < 0.9999) |> (first, count)",
  "map(a % 10) |> drop_while(x != 9) |> dedupe |> collect", "drop_while(b != 77) |> map(b / (b - 77)) |> sum",
  /* reduce with a builtin operator on integers and bools; empty */
  "map(a) |> reduce(+)", "map(b) |> (reduce(max), reduce(min), reduce(*))", "map(a) |> reduce(^)",
  "filter(x > 2) |> map(a) |> reduce(|)", "map(f) |> (reduce(&), reduce(|))", "filter(b < 0) |> map(b) |> reduce(&)",
  /* flat_map, flat_map_range: a source element's outputs in order, in its
     lane; k carried through; stops and traps inside the expansion */
  "flat_map(x, x * 2) |> sum", "enumerate |> flat_map_range(0, 3) |> map(x + k) |> sum",
  "flat_map_range(0, a % 5) |> collect", "filter(x > 0.5) |> flat_map(x, -x, 0.0) |> filter(x != 0) |> (mean, count, collect)",
  "flat_map(y, y) |> take(4097) |> (sum, last)", "flat_map_range(0, i % 3) |> map(b / x) |> sum",
  "flat_map(x, x + 1) |> find_first(x > 1.4999)", "flat_map(x, x) |> scan(+) |> last",
  "flat_map_range(0, 2) |> flat_map(x, x * 10) |> collect", "flat_map((a, f), (b, f)) |> filter(f) |> map(a) |> (sum, minmax)",
  "take(2) |> flat_map(x, -x) |> collect", "flat_map_range(0, 3) |> take(4) |> flat_map(x, x) |> collect",
  "flat_map_range(0, 3) |> take_while(i < 2 || x < 1) |> collect",
  /* reducers the host folds from the device's stream (codegen_fold.c):
     group, foldl, reduce with a lambda, an init or on floats, first/last
     of a tuple; a key out of range against a division by zero, an early
     reducer beside them, stages before them */
  "group(i % 4, 4, sum)", "filter(x > 0.3) |> group(i % 7, 7, mean)", "map(y) |> group(i % 3, 3, minmax)",
  "filter(f) |> map(a) |> group(x & 15, 16, count)", "map(a % 10) |> group(x + 3, 8, count)",
  "map(b / (b - 77)) |> group(i % 3, 3, sum)", "group(i % 2 + (b == 77 ? 5 : 0), 2, var)",
  "filter(i % 97 == 0) |> group(i % 3, 3, first)", "group(i % 5, 5, reduce(+))",
  "(group(i % 3, 3, max), find_first(b == 77), count)", "take(4100) |> group(i % 2, 2, last)",
  "flat_map_range(0, a % 3) |> group(x, 3, sum)", "enumerate |> filter(f) |> map(k) |> group(x % 4, 4, argmax)",
  "foldl((s, v) -> s * 0.5 + v, 0.0)", "map(a) |> foldl((s, v) -> s * 3 + v, 1)", "map(y) |> foldl(max, 0.0)",
  "map(a % 100) |> foldl((s, v) -> s + 1000 / v, 0)", "filter(x > 2) |> foldl((s, v) -> s + v, 0.0)",
  "reduce(+)", "map(y) |> (reduce(*), reduce(min), reduce(max, 0.0))", "map(a) |> reduce(+, 5)",
  "reduce((p, q) -> max(p, q), -1.0)", "map(b) |> reduce((p, q) -> p + q, 0)",
  "map((x, a)) |> first", "map((x, a)) |> last", "filter(f) |> map((i, y, b)) |> (first, last, count)",
  "map((x, x)) |> filter(x.0 > 0.9) |> take(3) |> last", "map(100 / (b - 77)) |> map((x, i)) |> last",
  /* dedupe of a tuple: every field carried across leaves, all equal to drop */
  "map((a % 3, f)) |> dedupe |> count", "map((floor(x * 2), i / 5000)) |> dedupe |> collect",
  "filter(f) |> map((a % 2, y > 0, b % 2)) |> dedupe |> map(x.0) |> (count, sum)",
  "map((x * 0.0, a % 2)) |> dedupe |> count", "map((i / 4096, i / 8192)) |> dedupe |> collect",
  /* drop_while whose predicate divides: it traps only while evaluated
     (bi[12293] == 77); a division in an earlier map always counts */
  "drop_while(i < 20000 && 100 / (b - 77) != 12345) |> count", "drop_while(i < 5000 || 100 / (b - 77) > 1000) |> count",
  "drop_while(a % 7 != 0 && b % (b - 77) != 1) |> count", "drop_while(100 / (b - 77) + i < 3) |> sum",
  "map(100 / (b - 77)) |> drop_while(x == 0) |> count", "filter(i > 12000) |> drop_while(100 / (b - 77) == 0) |> count",
  /* no stage: no source index handed back, no count pass (codegen.h) */
  "map((x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7)) |> "
  "(first, last((x.0 * 2, x.1 * 2, x.2 * 2, x.3 * 2, x.4 * 2, x.5 * 2, x.6 * 2, x.7 * 2)))",
  "map(i32(x * 8)) |> group(x + 4, 16, sum)", "map((y, a % 5)) |> (first, group(x.1 + 4, 9, count))",
};

/* reducers reading 16 values after a filter (which adds the source
   index): more than a host-folded kernel hands back */
#define BIG_FOLD \
  "filter(x > 0) |> map((x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7)) |> " \
  "(first, first((x.0 * 2, x.1 * 2, x.2 * 2, x.3 * 2, x.4 * 2, x.5 * 2, x.6 * 2, x.7 * 2)))"

#endif
