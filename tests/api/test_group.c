/* LABELS: quick api threads  TIMEOUT: 300 */
/*
** test_group.c -- group(key, bins, sum | count) over a few bins runs on
** plain per-bin arrays (core/reduce.c, dense_kind) and over many bins on
** the sparse per-bin states.  The two must agree bit for bit: the same
** pipeline with one more (empty) bin switches representation, so its
** output is the other's plus one empty bin.  Inputs cross leaves and hold
** -0.0, NaN, infinities and subnormals; keys come as i32 (read as they are)
** and as i64; on seq and on threads.  Out-of-range keys fail at the first
** live bad element, whichever key width.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pleat.h"
#include "pleat_test.h"

#define DENSE_BINS 8192 /* core/reduce.c DENSE_MAX_BINS */
#define N (5 * 4096 * 3 + 123)

static float xs[N];
static double ws[N];
static int32_t ys[N], ks[N];
static int64_t k64[N];

static void fill(void) {
  uint64_t s = 0x9e3779b97f4a7c15u;
  const float special[] = {-0.0f, 1e-45f, NAN, INFINITY, -INFINITY, 0.0f, -3e38f, 3e38f};
  for (int i = 0; i < N; i++) {
    s = s * 6364136223846793005u + 1442695040888963407u;
    uint32_t r = (uint32_t)(s >> 33);
    /* the hot bins get only the specials that do not swamp a sum */
    unsigned nsp = (r & 7) ? 2 : 8;
    xs[i] = (r % 13 == 0) ? special[(r >> 4) % nsp] : (float)((int32_t)r % 2000) / 7.0f;
    ws[i] = (r % 17 == 0) ? (double)special[(r >> 5) % nsp] : (double)(int32_t)r / 3.0;
    ys[i] = (int32_t)(r * 2654435761u);
    /* skewed keys: most in a few hot bins, the rest spread */
    ks[i] = (int32_t)((r & 7) ? (r >> 8) % 64 : (r >> 8) % (DENSE_BINS - 1));
    /* the last bin sees only -0.0: its sum is +0 (a sum starts at +0) */
    if (i % 977 == 0) { ks[i] = DENSE_BINS - 1; xs[i] = -0.0f; ws[i] = -0.0; }
    k64[i] = ks[i];
  }
}

static pleat_column cols[5];

static void set_cols(uint64_t n) {
  cols[0] = pt_col("x", PLEAT_F32, xs, n);
  cols[1] = pt_col("key", PLEAT_I32, ks, n);
  cols[2] = pt_col("y", PLEAT_I32, ys, n);
  cols[3] = pt_col("w", PLEAT_F64, ws, n);
  cols[4] = pt_col("key64", PLEAT_I64, k64, n);
}

static char *json_of(pleat_ctx *ctx, const char *text) {
  pleat_status st;
  int64_t at;
  char *j = pt_run_json(ctx, text, cols, 5, &st, &at);
  if (st != PLEAT_OK) print_error("%s: %s at %lld\n", text, pleat_status_name(st), (long long)at);
  assert_int_equal(st, PLEAT_OK);
  assert_non_null(j);
  return j;
}

typedef struct gcase {
  const char *pre, *key, *red, *empty; /* pre |> group(key, bins, red); an empty bin */
} gcase;

/* The case with DENSE_BINS and with DENSE_BINS + 1 bins. */
static void dense_vs_sparse(pleat_ctx *ctx, const gcase *c) {
  char t1[256], t2[256];
  snprintf(t1, sizeof t1, "%s%sgroup(%s, %d, %s)", c->pre, *c->pre ? " |> " : "", c->key,
           DENSE_BINS, c->red);
  snprintf(t2, sizeof t2, "%s%sgroup(%s, %d, %s)", c->pre, *c->pre ? " |> " : "", c->key,
           DENSE_BINS + 1, c->red);
  char *d = json_of(ctx, t1), *s = json_of(ctx, t2);
  size_t ld = strlen(d);
  assert_true(ld > 2 && d[ld - 1] == ']');
  char *want = malloc(ld + 32);
  assert_non_null(want);
  snprintf(want, ld + 32, "%.*s, %s]", (int)(ld - 1), d, c->empty);
  if (strcmp(want, s)) {
    size_t q = 0;
    while (want[q] && want[q] == s[q]) q++;
    print_error("%s: dense and sparse differ at byte %zu: ...%.60s vs ...%.60s\n", t1, q,
                want + q, s + q);
    fail();
  }
  free(want);
  free(d);
  free(s);
}

static const gcase cases[] = {
    {"", "key", "sum", "0.0"},
    {"", "key64", "sum", "0.0"},
    {"filter(x > 1)", "key", "sum", "0.0"},
    {"", "key", "sum(w)", "0.0"},
    {"map(w * 2) |> filter(x != 3)", "key64", "sum", "0.0"},
    {"", "key", "sum(y)", "0"},
    {"", "key64", "sum(i64(y))", "0"},
    {"", "key", "count", "0"},
    {"filter(y > 0)", "key", "count", "0"},
};

static void run_cases(pleat_ctx *ctx) {
  for (uint64_t n = 1; n <= N; n = n * 7 + 4093) {
    set_cols(n);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
      dense_vs_sparse(ctx, &cases[c]);
  }
  set_cols(N);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    dense_vs_sparse(ctx, &cases[c]);
}

static void test_seq(void **state) {
  (void)state;
  pleat_ctx *ctx;
  PT_CTX_OR_SKIP(ctx, "seq");
  run_cases(ctx);
  /* a bin that saw only -0.0 sums to +0 (the sum starts at +0), both ways */
  set_cols(N);
  char t[64];
  snprintf(t, sizeof t, "filter(key == %d) |> group(key, %d, sum)", DENSE_BINS - 1, DENSE_BINS);
  char *j = json_of(ctx, t);
  assert_non_null(strstr(j, ", 0.0]"));
  free(j);
  pleat_ctx_free(ctx);
}

static void test_threads(void **state) {
  (void)state;
  setenv("PLEAT_THREADS_SERIAL_BELOW", "0", 1);
  const int workers[] = {2, 3};
  for (int w = 0; w < 2; w++) {
    pleat_ctx_options o;
    memset(&o, 0, sizeof o);
    o.backend = "threads";
    o.threads = workers[w];
    pleat_ctx *ctx = NULL;
    assert_int_equal(pleat_ctx_create(&ctx, &o), PLEAT_OK);
    run_cases(ctx);
    /* and the same bytes as seq */
    pleat_ctx *sq = pt_ctx("seq");
    assert_non_null(sq);
    set_cols(N);
    char t[64];
    snprintf(t, sizeof t, "group(key, %d, sum)", DENSE_BINS);
    char *a = json_of(ctx, t), *b = json_of(sq, t);
    assert_string_equal(a, b);
    free(a);
    free(b);
    pleat_ctx_free(sq);
    pleat_ctx_free(ctx);
  }
  unsetenv("PLEAT_THREADS_SERIAL_BELOW");
}

/* The first live out-of-range key is the error, with its index. */
static void bad_key(pleat_ctx *ctx, const char *text, int64_t want_at, const char *want_msg) {
  pt_run r;
  pleat_status st = pt_exec(ctx, text, cols, 5, &r);
  if (st != PLEAT_E_DOMAIN || r.err_index != want_at || !strstr(r.msg, want_msg))
    print_error("%s: %s at %lld: %s\n", text, pleat_status_name(st), (long long)r.err_index,
                r.msg);
  assert_int_equal(st, PLEAT_E_DOMAIN);
  assert_int_equal(r.err_index, want_at);
  assert_non_null(strstr(r.msg, want_msg));
  pt_run_free(&r);
}

static void test_bad_keys(void **state) {
  (void)state;
  const char *be[] = {"seq", "threads"};
  setenv("PLEAT_THREADS_SERIAL_BELOW", "0", 1);
  for (int b = 0; b < 2; b++) {
    pleat_ctx *ctx = pt_ctx(be[b]);
    assert_non_null(ctx);
    int32_t k5000 = ks[5000], k9000 = ks[9000], y5000 = ys[5000];
    int64_t k7 = k64[7];
    ks[5000] = -1;
    ks[9000] = DENSE_BINS;
    set_cols(N);
    bad_key(ctx, "group(key, 8192, sum)", 5000, "key -1");
    bad_key(ctx, "group(key, 9000, count)", 5000, "key -1");
    ys[5000] = -5; /* filtered out: the next bad key fails */
    bad_key(ctx, "filter(y != -5) |> group(key, 8192, sum)", 9000, "key 8192");
    /* a wide key that an i32 would wrap into range */
    k64[7] = ((int64_t)1 << 32) + 1;
    bad_key(ctx, "group(key64, 8192, sum)", 7, "key 4294967297");
    k64[7] = k7;
    ks[5000] = k5000;
    ks[9000] = k9000;
    ys[5000] = y5000;
    pleat_ctx_free(ctx);
  }
  unsetenv("PLEAT_THREADS_SERIAL_BELOW");
}

int main(void) {
  fill();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seq),
      cmocka_unit_test(test_threads),
      cmocka_unit_test(test_bad_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
