/* LABELS: quick core parse */
/*
** test_builder.c -- the builder API (core/builder.c): built trees print as
** the parsed text does; NULL and invalid arguments give a sticky
** PLEAT_E_INVAL naming the function; limits; out of memory; one plan per
** builder.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "pleat.h"

/* builder.c's test hook: the pipeline built so far, not consumed. */
const pleat__ast_node *pleat__builder_preview(pleat_builder *b);

/* ---- helpers ------------------------------------------------------------ */

static pleat_ctx *ctx_with(const pleat_allocator *al) {
  pleat_ctx_options o;
  memset(&o, 0, sizeof o);
  o.backend = "seq";
  o.allocator = al;
  pleat_ctx *ctx = NULL;
  if (pleat_ctx_create(&ctx, &o) != PLEAT_OK) {
    pleat_ctx_free(ctx);
    return NULL;
  }
  return ctx;
}

static int setup(void **state) {
  pleat_ctx *ctx = ctx_with(NULL);
  if (!ctx) return -1;
  *state = ctx;
  return 0;
}

static int teardown(void **state) {
  pleat_ctx_free(*state);
  return 0;
}

static char *print_node(const pleat__ast_node *root) {
  pleat__ast t;
  pleat__ast_init(&t, &pleat__alloc_default);
  t.root = (pleat__ast_node *)root;
  pleat__str b;
  pleat__str_init(&b, &pleat__alloc_default);
  assert_int_equal(pleat__ast_print(&t, &b), PLEAT_OK);
  char *s = pleat__str_take(&b);
  assert_non_null(s);
  return s;
}

static char *print_text(const char *text) {
  pleat__ast t;
  pleat__ast_init(&t, &pleat__alloc_default);
  pleat__parse_error e;
  if (pleat__parse(&t, text, strlen(text), &e) != PLEAT_OK)
    fail_msg("\"%s\": %u:%u %s", text, e.line, e.col, e.msg);
  char *s = print_node(t.root);
  pleat__ast_free(&t);
  return s;
}

static void expect_same(pleat_builder *b, const char *text) {
  const pleat__ast_node *root = pleat__builder_preview(b);
  if (!root) fail_msg("builder failed for \"%s\"", text);
  char *got = print_node(root);
  char *want = print_text(text);
  if (strcmp(got, want)) fail_msg("built \"%s\", parsed \"%s\"", got, want);
  assert_int_equal(root->line, 0);
  assert_int_equal(root->col, 0);
  free(got);
  free(want);
}

/* ---- built trees equal parsed trees --------------------------------------------- */

static void test_same_as_text(void **state) {
  pleat_ctx *ctx = *state;
  pleat_builder *b;
  pleat_node *x, *e, *args[3];

  /* 1 */
  b = pleat_builder_create(ctx);
  assert_non_null(b);
  x = pleat_b_name(b, "x");
  pleat_b_stage(b, pleat_b_call(b, "map", 1, pleat_b_binary(b, "*", x, x)));
  pleat_b_stage(b, pleat_b_call(b, "filter", 1, pleat_b_binary(b, ">", x, pleat_b_float(b, 0.5))));
  assert_int_equal(pleat_b_stage(b, pleat_b_name(b, "sum")), PLEAT_OK);
  expect_same(b, "map(x * x) |> filter(x > 0.5) |> sum");
  pleat_builder_free(b);

  /* 2 */
  b = pleat_builder_create(ctx);
  pleat_b_stage(b, pleat_b_name(b, "enumerate"));
  args[0] = pleat_b_name(b, "k");
  args[1] = pleat_b_name(b, "x");
  pleat_b_stage(b, pleat_b_call(b, "map", 1, pleat_b_tuple(b, 2, args)));
  pleat_b_stage(b, pleat_b_name(b, "collect"));
  expect_same(b, "enumerate |> map((k, x)) |> collect");
  pleat_builder_free(b);

  /* 3: operator references; min is a name, as the parser reads it */
  b = pleat_builder_create(ctx);
  pleat_b_stage(b, pleat_b_call(b, "scan", 1, pleat_b_opref(b, "+")));
  pleat_b_stage(b, pleat_b_call(b, "scan", 2, pleat_b_opref(b, "^"), pleat_b_int(b, 0)));
  pleat_b_stage(b, pleat_b_call(b, "reduce", 1, pleat_b_opref(b, "min")));
  expect_same(b, "scan(+) |> scan(^, 0) |> reduce(min)");
  pleat_builder_free(b);

  /* 4: lambda */
  b = pleat_builder_create(ctx);
  e = pleat_b_binary(b, "+", pleat_b_name(b, "a"), pleat_b_name(b, "b"));
  pleat_b_stage(b, pleat_b_call(b, "reduce", 2, pleat_b_lambda(b, "a", "b", e), pleat_b_int(b, 0)));
  expect_same(b, "reduce((a, b) -> a + b, 0)");
  pleat_builder_free(b);

  /* 5: ternary, unary, field, reducer tuple */
  b = pleat_builder_create(ctx);
  x = pleat_b_name(b, "x");
  e = pleat_b_ternary(b, pleat_b_binary(b, ">", x, pleat_b_int(b, 0)), pleat_b_unary(b, "-", x),
                      pleat_b_field(b, x, 0));
  pleat_b_stage(b, pleat_b_call(b, "map", 1, e));
  args[0] = pleat_b_name(b, "mean");
  args[1] = pleat_b_name(b, "std");
  args[2] = pleat_b_call(b, "count", 1, pleat_b_binary(b, "!=", x, pleat_b_int(b, 0)));
  pleat_b_stage(b, pleat_b_tuple(b, 3, args));
  expect_same(b, "map(x > 0 ? -x : x.0) |> (mean, std, count(x != 0))");
  pleat_builder_free(b);

  /* 6: literals, negative ones folded as the parser folds them */
  b = pleat_builder_create(ctx);
  e = pleat_b_binary(b, "+", pleat_b_int(b, INT64_MIN), pleat_b_float(b, -2.5));
  e = pleat_b_binary(b, "+", e, pleat_b_unary(b, "-", pleat_b_name(b, "nan")));
  e = pleat_b_binary(b, "+", e, pleat_b_name(b, "inf"));
  e = pleat_b_binary(b, "+", e, pleat_b_bool(b, 7));
  e = pleat_b_binary(b, "+", e, pleat_b_float(b, -0.0));
  e = pleat_b_binary(b, "+", e, pleat_b_unary(b, "-", pleat_b_int(b, 3)));
  e = pleat_b_binary(b, "+", e, pleat_b_name(b, "false"));
  pleat_b_stage(b, pleat_b_call(b, "map", 1, e));
  pleat_b_stage(b, pleat_b_name(b, "sum"));
  expect_same(b, "map(-9223372036854775808 + -2.5 + -nan + inf + true + -0.0 + -3 + false) |> sum");
  pleat_builder_free(b);

  /* 7: negations that are not literals */
  b = pleat_builder_create(ctx);
  x = pleat_b_name(b, "x");
  e = pleat_b_binary(b, "+", pleat_b_unary(b, "-", pleat_b_int(b, -5)),
                     pleat_b_unary(b, "-", pleat_b_binary(b, "*", x, pleat_b_int(b, 2))));
  e = pleat_b_binary(b, "-", e, pleat_b_unary(b, "!", pleat_b_unary(b, "~", x)));
  pleat_b_stage(b, pleat_b_call(b, "map", 1, e));
  pleat_b_stage(b, pleat_b_name(b, "sum"));
  expect_same(b, "map(- -5 + -(x * 2) - !~x) |> sum");
  pleat_builder_free(b);

  /* 8: C precedence, built explicitly */
  b = pleat_builder_create(ctx);
  x = pleat_b_name(b, "x");
  e = pleat_b_binary(b, "<<", pleat_b_call(b, "i32", 1, x), pleat_b_int(b, 2));
  e = pleat_b_binary(b, ">>", e, pleat_b_int(b, 1));
  e = pleat_b_binary(b, "&", e, pleat_b_int(b, 255));
  e = pleat_b_binary(b, "|", e, pleat_b_binary(b, "^", pleat_b_int(b, 1), pleat_b_int(b, 3)));
  pleat_b_stage(b, pleat_b_call(b, "map", 1, e));
  pleat_b_stage(b, pleat_b_name(b, "sum"));
  expect_same(b, "map(i32(x) << 2 >> 1 & 0xff | (1 ^ 3)) |> sum");
  pleat_builder_free(b);

  /* 9: callv, zero arguments */
  b = pleat_builder_create(ctx);
  x = pleat_b_name(b, "x");
  pleat_b_stage(b, pleat_b_call(b, "map", 1, pleat_b_callv(b, "hash", 0, NULL)));
  args[0] = x;
  args[1] = pleat_b_binary(b, "+", x, pleat_b_int(b, 1));
  pleat_b_stage(b, pleat_b_callv(b, "flat_map", 2, args));
  pleat_b_stage(b, pleat_b_name(b, "collect"));
  expect_same(b, "map(hash()) |> flat_map(x, x + 1) |> collect");
  pleat_builder_free(b);

  /* 10: many arguments (the heap path), nested tuples */
  b = pleat_builder_create(ctx);
  pleat_node *many[40];
  for (int k = 0; k < 40; k++) many[k] = pleat_b_int(b, k);
  pleat_b_stage(b, pleat_b_callv(b, "flat_map", 40, many));
  args[0] = pleat_b_name(b, "sum");
  args[1] = pleat_b_name(b, "count");
  pleat_node *inner = pleat_b_tuple(b, 2, args);
  pleat_b_stage(b, pleat_b_call(b, "group", 3, pleat_b_binary(b, "%", pleat_b_name(b, "x"),
                                                              pleat_b_int(b, 4)),
                                pleat_b_int(b, 4), inner));
  pleat_node *big = pleat_b_call(b, "f", 20, many[0], many[1], many[2], many[3], many[4],
                                 many[5], many[6], many[7], many[8], many[9], many[10], many[11],
                                 many[12], many[13], many[14], many[15], many[16], many[17],
                                 many[18], many[19]);
  pleat_b_stage(b, big);
  pleat__str txt;
  pleat__str_init(&txt, &pleat__alloc_default);
  pleat__str_puts(&txt, "flat_map(");
  for (int k = 0; k < 40; k++) pleat__str_printf(&txt, "%s%d", k ? ", " : "", k);
  pleat__str_puts(&txt, ") |> group(x % 4, 4, (sum, count)) |> f(");
  for (int k = 0; k < 20; k++) pleat__str_printf(&txt, "%s%d", k ? ", " : "", k);
  pleat__str_puts(&txt, ")");
  expect_same(b, txt.s);
  pleat__str_free(&txt);
  pleat_builder_free(b);

  /* 11: every binary operator text */
  static const char *const ops[] = {"*", "/", "%", "+", "-", "<<", ">>", "<", "<=", ">",
                                    ">=", "==", "!=", "&", "^", "|", "&&", "||"};
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    b = pleat_builder_create(ctx);
    pleat_b_stage(b, pleat_b_call(b, "map", 1, pleat_b_binary(b, ops[k], pleat_b_name(b, "x"),
                                                              pleat_b_name(b, "y"))));
    char text[64];
    snprintf(text, sizeof text, "map(x %s y)", ops[k]);
    expect_same(b, text);
    pleat_builder_free(b);
  }
}

/* ---- sticky errors ------------------------------------------------------------------- */

/* b has a sticky status st whose message names fn; every later call fails
   and pleat_plan_create_built reports it through the context. */
static void expect_sticky(pleat_ctx *ctx, pleat_builder *b, pleat_status st, const char *fn,
                          const char *detail) {
  assert_null(pleat_b_int(b, 1));
  assert_null(pleat_b_name(b, "x"));
  assert_null(pleat__builder_preview(b));
  assert_int_equal(pleat_b_stage(b, pleat_b_name(b, "sum")), st);
  pleat_column col;
  memset(&col, 0, sizeof col);
  col.dtype = PLEAT_F64;
  pleat_plan *plan = (pleat_plan *)&col; /* must be overwritten */
  assert_int_equal(pleat_plan_create_built(b, &col, 1, &plan), st);
  assert_null(plan);
  const char *msg = pleat_ctx_errmsg(ctx);
  if (!strstr(msg, fn) || (detail && !strstr(msg, detail)))
    fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", msg, fn, detail ? detail : "");
  pleat_builder_free(b);
}

/* The limits found by pleat_plan_create_built itself; afterwards they are
   sticky like any other error. */
static void expect_plan_fail(pleat_ctx *ctx, pleat_builder *b, pleat_status st,
                             const char *detail) {
  pleat_column col;
  memset(&col, 0, sizeof col);
  col.dtype = PLEAT_F64;
  pleat_plan *plan = (pleat_plan *)&col;
  assert_int_equal(pleat_plan_create_built(b, &col, 1, &plan), st);
  assert_null(plan);
  expect_sticky(ctx, b, st, "pleat_plan_create_built", detail);
}

static void test_invalid(void **state) {
  pleat_ctx *ctx = *state;
  pleat_builder *b;
  pleat_node *x;

  b = pleat_builder_create(ctx);
  x = pleat_b_name(b, "x");
  assert_null(pleat_b_binary(b, "+", NULL, x));
  assert_null(pleat_b_binary(b, "+", x, x)); /* sticky: valid calls fail too */
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_binary", "l is NULL");

  b = pleat_builder_create(ctx);
  x = pleat_b_name(b, "x");
  assert_null(pleat_b_binary(b, "**", x, x));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_binary", "\"**\"");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_binary(b, NULL, NULL, NULL));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_binary", "op is NULL");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_binary(b, "min", pleat_b_int(b, 1), pleat_b_int(b, 2)));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_binary", "min");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_unary(b, "+", pleat_b_int(b, 1)));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_unary", "\"+\"");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_unary(b, "-", NULL));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_unary", "a is NULL");

  static const char *const bad_names[] = {"", "1x", "a b", "x-y", "\xc3\xa9", "x.0"};
  for (size_t k = 0; k < sizeof bad_names / sizeof bad_names[0]; k++) {
    b = pleat_builder_create(ctx);
    assert_null(pleat_b_name(b, bad_names[k]));
    expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_name", "not a name");
  }
  b = pleat_builder_create(ctx);
  assert_null(pleat_b_name(b, NULL));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_name", "name is NULL");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_call(b, "nan", 0));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_call", "keyword");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_call(b, "map", 2, pleat_b_int(b, 1), NULL));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_call", "argument 1");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_call(b, "map", -1));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_call", "negative");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_callv(b, "map", 2, NULL));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_callv", "args is NULL");

  b = pleat_builder_create(ctx);
  pleat_node *two[2] = {pleat_b_int(b, 1), NULL};
  assert_null(pleat_b_callv(b, "map", 2, two));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_callv", "args[1]");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_field(b, pleat_b_name(b, "x"), -1));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_field", "negative");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_field(b, NULL, 0));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_field", "e is NULL");

  b = pleat_builder_create(ctx);
  two[0] = two[1] = pleat_b_int(b, 1);
  assert_null(pleat_b_tuple(b, 1, two));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_tuple", "at least 2");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_tuple(b, 2, NULL));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_tuple", "items is NULL");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_ternary(b, pleat_b_int(b, 1), NULL, pleat_b_int(b, 1)));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_ternary", "t is NULL");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_opref(b, "-"));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_opref", "\"-\"");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_opref(b, NULL));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_opref", "op is NULL");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_lambda(b, "a", "true", pleat_b_name(b, "a")));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_lambda", "pb");

  b = pleat_builder_create(ctx);
  assert_null(pleat_b_lambda(b, "a", "b", NULL));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_lambda", "body is NULL");

  b = pleat_builder_create(ctx);
  assert_int_equal(pleat_b_stage(b, NULL), PLEAT_E_INVAL);
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_stage", "stage is NULL");

  /* the first error wins */
  b = pleat_builder_create(ctx);
  assert_null(pleat_b_unary(b, "?", NULL));
  assert_null(pleat_b_binary(b, "+", NULL, NULL));
  expect_sticky(ctx, b, PLEAT_E_INVAL, "pleat_b_unary", "\"?\"");

  /* NULL builder */
  assert_null(pleat_builder_create(NULL));
  assert_null(pleat_b_int(NULL, 1));
  assert_null(pleat_b_name(NULL, "x"));
  assert_null(pleat_b_call(NULL, "f", 0));
  assert_int_equal(pleat_b_stage(NULL, NULL), PLEAT_E_INVAL);
  pleat_plan *plan = NULL;
  assert_int_equal(pleat_plan_create_built(NULL, NULL, 0, &plan), PLEAT_E_INVAL);
  assert_null(plan);
  pleat_builder_free(NULL);
  b = pleat_builder_create(ctx);
  assert_int_equal(pleat_plan_create_built(b, NULL, 0, NULL), PLEAT_E_INVAL);
  pleat_builder_free(b);
}

/* ---- limits --------------------------------------------------------------------- */

static void test_limits(void **state) {
  pleat_ctx *ctx = *state;
  pleat_builder *b;

  /* depth: 200 levels is the most */
  b = pleat_builder_create(ctx);
  pleat_node *e = pleat_b_name(b, "x");
  for (int k = 1; k < PLEAT_MAX_DEPTH; k++) e = pleat_b_unary(b, "~", e);
  assert_non_null(e);
  assert_null(pleat_b_unary(b, "~", e));
  expect_sticky(ctx, b, PLEAT_E_LIMIT, "pleat_b_unary", "deeper than 200");

  /* one level below: the pipeline root makes it 201 */
  b = pleat_builder_create(ctx);
  e = pleat_b_name(b, "x");
  for (int k = 1; k < PLEAT_MAX_DEPTH; k++) e = pleat_b_unary(b, "~", e);
  assert_int_equal(pleat_b_stage(b, e), PLEAT_OK);
  expect_plan_fail(ctx, b, PLEAT_E_LIMIT, "deeper than 200");

  /* stages */
  b = pleat_builder_create(ctx);
  pleat_node *s = pleat_b_name(b, "sum");
  for (int k = 0; k < PLEAT_MAX_STAGES; k++) assert_int_equal(pleat_b_stage(b, s), PLEAT_OK);
  assert_int_equal(pleat_b_stage(b, s), PLEAT_E_LIMIT);
  expect_sticky(ctx, b, PLEAT_E_LIMIT, "pleat_b_stage", "stages");

  /* shared nodes: 21 calls describe a tree of 2^21 nodes */
  b = pleat_builder_create(ctx);
  e = pleat_b_name(b, "x");
  for (int k = 0; k < 20; k++) e = pleat_b_binary(b, "+", e, e);
  pleat_b_stage(b, pleat_b_call(b, "map", 1, e));
  pleat_b_stage(b, pleat_b_name(b, "sum"));
  assert_non_null(pleat__builder_preview(b));
  expect_plan_fail(ctx, b, PLEAT_E_LIMIT, "nodes");

  /* nodes made */
  b = pleat_builder_create(ctx);
  for (uint32_t k = 0; k < PLEAT_MAX_NODES; k++) assert_non_null(pleat_b_int(b, 1));
  assert_null(pleat_b_int(b, 1));
  expect_sticky(ctx, b, PLEAT_E_LIMIT, "pleat_b_int", "nodes");
}

/* ---- one plan per builder ----------------------------------------------------------- */

static void test_plan(void **state) {
  pleat_ctx *ctx = *state;
  pleat_builder *b = pleat_builder_create(ctx);
  pleat_node *x = pleat_b_name(b, "x");
  pleat_b_stage(b, pleat_b_call(b, "map", 1, pleat_b_binary(b, "*", x, x)));
  pleat_b_stage(b, pleat_b_name(b, "sum"));
  pleat_column col;
  memset(&col, 0, sizeof col);
  col.dtype = PLEAT_F64;
  pleat_plan *plan = NULL;
  pleat_status st = pleat_plan_create_built(b, &col, 1, &plan);
  if (st != PLEAT_OK) fail_msg("%s: %s", pleat_status_name(st), pleat_plan_errmsg(plan));
  assert_non_null(plan);
  /* the builder is empty and can make no second plan; the plan outlives it */
  assert_null(pleat_b_name(b, "x"));
  pleat_plan *again = NULL;
  assert_int_equal(pleat_plan_create_built(b, &col, 1, &again), PLEAT_E_MISUSE);
  assert_null(again);
  assert_non_null(strstr(pleat_ctx_errmsg(ctx), "one plan"));
  pleat_builder_free(b);
  pleat_plan_free(plan);
}

/* ---- out of memory at every allocation -------------------------------------------------- */

static int fail_after = -1; /* -1: never */
static void *oom_malloc(void *ud, size_t n) {
  (void)ud;
  if (fail_after == 0) return NULL;
  if (fail_after > 0) fail_after--;
  return malloc(n);
}
static void *oom_realloc(void *ud, void *p, size_t n) {
  (void)ud;
  if (fail_after == 0) return NULL;
  if (fail_after > 0) fail_after--;
  return realloc(p, n);
}
static void oom_free(void *ud, void *p) {
  (void)ud;
  free(p);
}

static void test_oom(void **state) {
  (void)state;
  pleat_allocator al = {oom_malloc, oom_realloc, oom_free, NULL};
  fail_after = -1;
  pleat_ctx *ctx = ctx_with(&al);
  assert_non_null(ctx);
  int k;
  for (k = 0; k < 1000; k++) {
    fail_after = k;
    pleat_builder *b = pleat_builder_create(ctx);
    if (!b) continue;
    pleat_node *many[30];
    for (int j = 0; j < 30; j++) many[j] = pleat_b_float(b, j * 0.5);
    pleat_b_stage(b, pleat_b_callv(b, "flat_map", 30, many));
    pleat_b_stage(b, pleat_b_call(b, "map", 1, pleat_b_lambda(b, "a", "b", many[3])));
    pleat_status st = pleat_b_stage(b, pleat_b_name(b, "a_rather_long_name_for_a_reducer"));
    const pleat__ast_node *root = pleat__builder_preview(b);
    fail_after = -1;
    pleat_builder_free(b);
    if (st == PLEAT_OK && root) break;
    assert_true(st == PLEAT_E_NOMEM || root == NULL);
  }
  assert_true(k > 1 && k < 1000);
  fail_after = -1;
  pleat_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_as_text), cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_limits),       cmocka_unit_test(test_plan),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
