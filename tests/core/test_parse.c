/* LABELS: quick core parse */
/*
** test_parse.c -- the lexer and parser (core/lex.c, core/parse.c):
** RELIABILITY.md (b) B01-B05, B13, B14, B16-B18, B21-B24, B26, B34; valid
** pipelines of LANGUAGE.md; the limits; a 64 KiB thread stack; OOM at every
** allocation.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ast.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct parsed {
  pleat__ast t;
  pleat__parse_error e;
  pleat_status st;
} parsed;

static void parse_n(parsed *p, const char *s, size_t n) {
  pleat__ast_init(&p->t, &pleat__alloc_default);
  memset(&p->e, 0x5a, sizeof p->e); /* the parser must fill it */
  p->st = pleat__parse(&p->t, s, n, &p->e);
}

static void parse_s(parsed *p, const char *s) { parse_n(p, s, strlen(s)); }

static void done(parsed *p) { pleat__ast_free(&p->t); }

/* The canonical print of s, which must parse (caller frees). */
static char *printed(const char *s) {
  parsed p;
  parse_s(&p, s);
  if (p.st != PLEAT_OK) fail_msg("'%s' failed: %s %u:%u %s", s, pleat_status_name(p.st),
                                 p.e.line, p.e.col, p.e.msg);
  pleat__str b;
  pleat__str_init(&b, &pleat__alloc_default);
  assert_int_equal(pleat__ast_print(&p.t, &b), PLEAT_OK);
  done(&p);
  char *r = pleat__str_take(&b);
  assert_non_null(r);
  return r;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* s repeated n times, then tail (caller frees). */
static char *repeat(const char *head, const char *s, size_t n, const char *tail) {
  size_t hl = strlen(head), sl = strlen(s), tl = strlen(tail);
  char *r = malloc(hl + sl * n + tl + 1);
  assert_non_null(r);
  memcpy(r, head, hl);
  for (size_t k = 0; k < n; k++) memcpy(r + hl + k * sl, s, sl);
  memcpy(r + hl + sl * n, tail, tl + 1);
  return r;
}

/* ---- the table of malformed inputs (B01-B05, B16, B17, B21-B23) ------------ */

typedef struct bad {
  const char *text;
  size_t len; /* 0: strlen */
  pleat_status st;
  uint32_t line, col;
  const char *msg; /* substring of the message, or NULL */
} bad;

static const bad bad_cases[] = {
    /* B01: empty text is reported at 1:1 wherever the end lies */
    {"", 0, PLEAT_E_SYNTAX, 1, 1, "empty pipeline"},
    {"   ", 0, PLEAT_E_SYNTAX, 1, 1, "expected a stage or reducer"},
    {"# only a comment", 0, PLEAT_E_SYNTAX, 1, 1, "empty pipeline"},
    {"\n\n  # c\r\n\t", 0, PLEAT_E_SYNTAX, 1, 1, "empty pipeline"},
    /* B02 */
    {"sum |>", 0, PLEAT_E_SYNTAX, 1, 7, "expected a stage or reducer after '|>'"},
    {"|> sum", 0, PLEAT_E_SYNTAX, 1, 1, "expected a stage or reducer, found '|>'"},
    {"map(x) |> |> sum", 0, PLEAT_E_SYNTAX, 1, 11, "after '|>', found '|>'"},
    {"x|>", 0, PLEAT_E_SYNTAX, 1, 4, NULL},
    {"sum |> # trailing", 0, PLEAT_E_SYNTAX, 1, 18, "after '|>'"},
    /* B03 */
    {"map((x)", 0, PLEAT_E_SYNTAX, 1, 8, "expected ')' to close '(' at 1:4"},
    {"map(x))", 0, PLEAT_E_SYNTAX, 1, 7, "unexpected ')'"},
    {"map(x", 0, PLEAT_E_SYNTAX, 1, 6, "expected ')' to close '(' at 1:4"},
    {")", 0, PLEAT_E_SYNTAX, 1, 1, "found ')'"},
    {"(sum, count", 0, PLEAT_E_SYNTAX, 1, 12, "to close '(' at 1:1"},
    /* B04 */
    {"map(x * * 2)", 0, PLEAT_E_SYNTAX, 1, 9, "expected an expression, found '*'"},
    {"map(x @ 1)", 0, PLEAT_E_SYNTAX, 1, 7, "unexpected character '@'"},
    {"map(1..2)", 0, PLEAT_E_SYNTAX, 1, 5, "malformed number"},
    {"map(x 1)", 0, PLEAT_E_SYNTAX, 1, 7, "expected ',' or ')', found '1'"},
    {"map(x +)", 0, PLEAT_E_SYNTAX, 1, 8, "found ')'"},
    {"map(,x)", 0, PLEAT_E_SYNTAX, 1, 5, "found ','"},
    {"map(x,,y)", 0, PLEAT_E_SYNTAX, 1, 7, NULL},
    {"map(x,)", 0, PLEAT_E_SYNTAX, 1, 7, NULL},
    {"map(x) sum", 0, PLEAT_E_SYNTAX, 1, 8, "expected '|>' or end of input, found 'sum'"},
    {"sum ,", 0, PLEAT_E_SYNTAX, 1, 5, NULL},
    {"(sum,)", 0, PLEAT_E_SYNTAX, 1, 6, NULL},
    {"()", 0, PLEAT_E_SYNTAX, 1, 2, NULL},
    {"x ? y", 0, PLEAT_E_SYNTAX, 1, 6, "expected ':' to match '?' at 1:3"},
    {"x ? y : ", 0, PLEAT_E_SYNTAX, 1, 9, "expected an expression"},
    {"x : y", 0, PLEAT_E_SYNTAX, 1, 3, "unexpected ':'"},
    {"map(x ? y, z)", 0, PLEAT_E_SYNTAX, 1, 10, "expected ':' to match '?' at 1:7, found ','"},
    {"a ?? b", 0, PLEAT_E_SYNTAX, 1, 4, NULL},
    {"x.y", 0, PLEAT_E_SYNTAX, 1, 3, "expected a field number after '.', found 'y'"},
    {"x.", 0, PLEAT_E_SYNTAX, 1, 3, "found end of input"},
    {"x.1e5", 0, PLEAT_E_SYNTAX, 1, 3, "malformed number"},
    {"x.01", 0, PLEAT_E_SYNTAX, 1, 3, "malformed number"},
    {"x -> y", 0, PLEAT_E_SYNTAX, 1, 3, "unexpected '->'"},
    {"(a) -> a", 0, PLEAT_E_SYNTAX, 1, 1, "a lambda takes two parameters"},
    {"reduce((a, b, c) -> a, 0)", 0, PLEAT_E_SYNTAX, 1, 8, "a lambda takes two parameters"},
    {"(a, 1) -> a", 0, PLEAT_E_SYNTAX, 1, 1, "two parameters"},
    {"((a), b) -> a", 0, PLEAT_E_SYNTAX, 1, 1, "two parameters"},
    {"f(+ 1)", 0, PLEAT_E_SYNTAX, 1, 3, "found '+'"},
    {"f(- , 1)", 0, PLEAT_E_SYNTAX, 1, 5, "found ','"},
    {"f(x, +)(1)", 0, PLEAT_E_SYNTAX, 1, 8, "found '('"},
    {"+", 0, PLEAT_E_SYNTAX, 1, 1, "expected a stage or reducer, found '+'"},
    {"map(x = 1)", 0, PLEAT_E_SYNTAX, 1, 7, "unexpected character '='"},
    {"map(x => 1)", 0, PLEAT_E_SYNTAX, 1, 7, NULL},
    {"map(x $ 1)", 0, PLEAT_E_SYNTAX, 1, 7, NULL},
    {"map('a')", 0, PLEAT_E_SYNTAX, 1, 5, NULL},
    {"map(\"a\")", 0, PLEAT_E_SYNTAX, 1, 5, NULL},
    {"map(x;)", 0, PLEAT_E_SYNTAX, 1, 6, NULL},
    {"map([x])", 0, PLEAT_E_SYNTAX, 1, 5, NULL},
    {"map(x{)", 0, PLEAT_E_SYNTAX, 1, 6, NULL},
    {"map(x\\)", 0, PLEAT_E_SYNTAX, 1, 6, NULL},
    {"map(x ** 2)", 0, PLEAT_E_SYNTAX, 1, 8, "found '*'"},
    {"map(x !> 1)", 0, PLEAT_E_SYNTAX, 1, 7, "found '!'"},
    {"map(x\x01)", 0, PLEAT_E_SYNTAX, 1, 6, "control character 0x01"},
    {"map(x)(1)", 0, PLEAT_E_SYNTAX, 1, 7, NULL},
    {"map(1 x)", 0, PLEAT_E_SYNTAX, 1, 7, NULL},
    {"nan(1)", 0, PLEAT_E_SYNTAX, 1, 4, NULL},
    /* B05: lines and byte columns after tabs, CRLF, comments, UTF-8 */
    {"\tmap(x * * 2)", 0, PLEAT_E_SYNTAX, 1, 10, NULL},
    {"sum\r\n|> map(x @)", 0, PLEAT_E_SYNTAX, 2, 10, NULL},
    {"# comment\r\nmap(x @)", 0, PLEAT_E_SYNTAX, 2, 7, NULL},
    {"# h\xc3\xa9llo \xc3\x97 \xf0\x9f\x98\x80\nmap(x @)", 0, PLEAT_E_SYNTAX, 2, 7, NULL},
    {"map(x)\n  |> filter(x >)\n", 0, PLEAT_E_SYNTAX, 2, 16, NULL},
    {"map(x)\n|> )", 0, PLEAT_E_SYNTAX, 2, 4, NULL},
    {"map(x # c\n", 0, PLEAT_E_SYNTAX, 2, 1, "to close '(' at 1:4"},
    /* B16: integer literals */
    {"9223372036854775808", 0, PLEAT_E_RANGE, 1, 1, "out of range"},
    {"map(x + 9223372036854775808)", 0, PLEAT_E_RANGE, 1, 9, NULL},
    {"-(9223372036854775808)", 0, PLEAT_E_RANGE, 1, 3, NULL},
    {"-9223372036854775809", 0, PLEAT_E_RANGE, 1, 2, NULL},
    {"18446744073709551616", 0, PLEAT_E_RANGE, 1, 1, NULL},
    {"99999999999999999999999999", 0, PLEAT_E_RANGE, 1, 1, NULL},
    {"0x8000000000000000", 0, PLEAT_E_RANGE, 1, 1, NULL},
    {"0x1FFFFFFFFFFFFFFFF", 0, PLEAT_E_RANGE, 1, 1, NULL},
    {"0x", 0, PLEAT_E_SYNTAX, 1, 1, "hex digits"},
    {"map(0x)", 0, PLEAT_E_SYNTAX, 1, 5, NULL},
    {"0x1g", 0, PLEAT_E_SYNTAX, 1, 1, "followed by 'g'"},
    {"00012", 0, PLEAT_E_SYNTAX, 1, 1, "cannot start with 0"},
    {"1_000", 0, PLEAT_E_SYNTAX, 1, 1, "'1_000'"},
    {"12abc", 0, PLEAT_E_SYNTAX, 1, 1, NULL},
    /* B17: float literals */
    {"1e309", 0, PLEAT_E_RANGE, 1, 1, "float literal out of range"},
    {"-1e309", 0, PLEAT_E_RANGE, 1, 2, NULL},
    {"map(x * 1e", 0, PLEAT_E_SYNTAX, 1, 9, "exponent"},
    {"1e", 0, PLEAT_E_SYNTAX, 1, 1, "the exponent has no digits"},
    {"1e+", 0, PLEAT_E_SYNTAX, 1, 1, "the exponent has no digits"},
    {"1.5e-", 0, PLEAT_E_SYNTAX, 1, 1, NULL},
    {"0x1p3", 0, PLEAT_E_SYNTAX, 1, 1, "followed by 'p'"},
    {"1.5.2", 0, PLEAT_E_SYNTAX, 1, 1, NULL},
    {"1.x", 0, PLEAT_E_SYNTAX, 1, 1, NULL},
    /* B21: Unicode outside comments */
    {"map(x \xc3\x97 2)", 0, PLEAT_E_SYNTAX, 1, 7, "non-ASCII character U+00D7"},
    {"map(\xef\xbc\x91)", 0, PLEAT_E_SYNTAX, 1, 5, "U+FF11"},
    {"map(\xc3\xa9)", 0, PLEAT_E_SYNTAX, 1, 5, "U+00E9"},
    {"ma\xe2\x80\x8bp(x)", 0, PLEAT_E_SYNTAX, 1, 3, "U+200B"},
    {"map(x) \xe2\x80\xae|> sum", 0, PLEAT_E_SYNTAX, 1, 8, "U+202E"},
    {"\xef\xbb\xbfsum", 0, PLEAT_E_SYNTAX, 1, 1, "U+FEFF"},
    /* B22: invalid UTF-8, outside and inside comments */
    {"sum\xff", 0, PLEAT_E_SYNTAX, 1, 4, "invalid UTF-8 byte 0xFF"},
    {"map(\xc0\x80)", 0, PLEAT_E_SYNTAX, 1, 5, "invalid UTF-8"},
    {"sum \xe2\x82", 0, PLEAT_E_SYNTAX, 1, 5, "invalid UTF-8"},
    {"\xed\xa0\x80", 0, PLEAT_E_SYNTAX, 1, 1, "invalid UTF-8"},
    {"sum # \xff", 0, PLEAT_E_SYNTAX, 1, 7, "invalid UTF-8 in a comment"},
    {"sum # ok \xc0\x80", 0, PLEAT_E_SYNTAX, 1, 10, "invalid UTF-8 in a comment"},
    {"sum # \xe2\x82", 0, PLEAT_E_SYNTAX, 1, 7, "in a comment"},
    {"sum # \xe2\x82\nx", 0, PLEAT_E_SYNTAX, 1, 7, "in a comment"},
    {"sum # \xed\xa0\x80", 0, PLEAT_E_SYNTAX, 1, 7, "in a comment"},
    {"sum # \xf4\x90\x80\x80", 0, PLEAT_E_SYNTAX, 1, 7, "in a comment"},
    {"sum # \xe0\x80\xaf", 0, PLEAT_E_SYNTAX, 1, 7, "in a comment"},
    {"\n# \x80", 0, PLEAT_E_SYNTAX, 2, 3, "in a comment"},
    /* B23: NUL inside the given length */
    {"map(x)\0|> sum", 13, PLEAT_E_SYNTAX, 1, 7, "NUL"},
    {"sum # a\0b", 9, PLEAT_E_SYNTAX, 1, 8, "NUL"},
    {"\0", 1, PLEAT_E_SYNTAX, 1, 1, "NUL"},
};

static void test_bad_table(void **state) {
  (void)state;
  size_t n = sizeof bad_cases / sizeof bad_cases[0];
  assert_true(n >= 60);
  for (size_t k = 0; k < n; k++) {
    const bad *c = &bad_cases[k];
    parsed p;
    parse_n(&p, c->text, c->len ? c->len : strlen(c->text));
    if (p.st != c->st || p.e.line != c->line || p.e.col != c->col ||
        (c->msg && !strstr(p.e.msg, c->msg)) || p.e.status != p.st)
      fail_msg("case %zu \"%s\": got %s %u:%u \"%s\", want %s %u:%u \"%s\"", k, c->text,
               pleat_status_name(p.st), p.e.line, p.e.col, p.e.msg, pleat_status_name(c->st),
               c->line, c->col, c->msg ? c->msg : "");
    /* the message is only the description: the plan layer adds the place */
    assert_null(strstr(p.e.msg, "column"));
    assert_true(strlen(p.e.msg) > 0);
    done(&p);
  }
}

/* ---- valid pipelines -------------------------------------------------------- */

static const char *const valid[] = {
    "map(x * x) |> filter(x > 0.5) |> sum",
    "map(x) |> sum |> sum", /* syntax only: the checker rejects two reducers */
    "map(x)",
    "filter(x % 2 != 0) |> take(10) |> sum",
    "take_while(x < 100) |> drop_while(x < 3) |> take_nth(2) |> collect",
    "enumerate |> map((k, x)) |> collect",
    "scan(+) |> collect",
    "scan(max, 0) |> last",
    "reduce(+)",
    "reduce((a, b) -> a + b, 0)",
    "foldl((a, b) -> a * 2 + b, 0)",
    "reduce(min)",
    "dedupe |> count",
    "flat_map(x, x + 1) |> collect",
    "flat_map_range(0, x) |> count",
    "(mean, std, minmax)",
    "(sum, count(x > 0))",
    "group(x % 4, 4, sum)",
    "argmax(x * x)",
    "any(isnan(x) || x < -1e-3 && !isinf(x))",
    "find_first(x > 10)",
    "map((x, i)) |> filter(x.0 > 0) |> map(x.1) |> collect",
    "map(x > 0 ? x : -x) |> sum",
    "map(i32(x) << 2 >> 1 & 0xff | 1 ^ 3) |> sum",
    "map(~x) |> prod",
    "map(clamp(x, 0, 1) + hash(i) * uniform(i)) |> mean",
    "map(x * 2.5) |> var",
    "window(4, 2, sum) |> collect",
    "runs(x / 10, collect) |> count",
    "split(x == 0, sum, true, false) |> collect",
    "take_last(3) |> drop_last(1) |> collect",
    "unique(x % 3) |> is_sorted",
    "interpose(0) |> collect",
    "group_by(x % 3, (sum, count))",
    "map(hash())",
    "map(nan) |> map(-nan) |> map(inf) |> map(-inf) |> collect",
    "map(NaN + INF)",
    "map(-2147483648 + 2147483648 + 9223372036854775807 + -9223372036854775808)",
    "map(0x1f + 0X7FFFFFFFFFFFFFFF + -0x8000000000000000)",
    "map(1e-400 + 4.9e-324 + 1. + .5 + 1e10 + 2e-3 + 1.5E+3)",
    "# a comment\r\nmap(x)   # another\n\t|> sum # end",
    "map(true && false || !true)",
    "map(-x.0)",
    "map((x, x).1.0)",
    "map(f(x) .5)",
    "map(x.0 .1)",
    "map(((((x)))))",
    "map(c ? a : b ? d : e)",
    "map(c ? (a, b) -> a : d)",
};

static void test_valid(void **state) {
  (void)state;
  for (size_t k = 0; k < sizeof valid / sizeof valid[0]; k++) {
    parsed p;
    parse_s(&p, valid[k]);
    if (p.st != PLEAT_OK)
      fail_msg("\"%s\": %s %u:%u %s", valid[k], pleat_status_name(p.st), p.e.line, p.e.col,
               p.e.msg);
    assert_int_equal(p.e.status, PLEAT_OK);
    assert_non_null(p.t.root);
    assert_int_equal(p.t.root->kind, AST_PIPELINE);
    assert_true(p.t.root->nkids >= 1);
    assert_int_equal(pleat__ast_depth(p.t.root), p.t.root->depth);
    done(&p);
  }
}

/* ---- node contents ------------------------------------------------------------ */

static const pleat__ast_node *first_arg(parsed *p) {
  const pleat__ast_node *call = p->t.root->kids[0];
  assert_int_equal(call->kind, AST_CALL);
  assert_true(call->nkids >= 1);
  return call->kids[0];
}

static void test_literals(void **state) {
  (void)state;
  parsed p;
  parse_s(&p, "map(-9223372036854775808)");
  assert_int_equal(p.st, PLEAT_OK);
  const pleat__ast_node *n = first_arg(&p);
  assert_int_equal(n->kind, AST_INT);
  assert_int_equal(n->neg, 1);
  assert_true(n->u == (uint64_t)1 << 63);
  assert_int_equal(n->col, 5);
  assert_int_equal(n->len, 20); /* the '-' is part of the literal */
  done(&p);

  parse_s(&p, "map(- 2147483648)");
  n = first_arg(&p);
  assert_int_equal(n->kind, AST_INT);
  assert_int_equal(n->neg, 1);
  assert_true(n->u == 2147483648u);
  done(&p);

  /* -(5) and - -5 are negations, not literals */
  parse_s(&p, "map(-(5))");
  n = first_arg(&p);
  assert_int_equal(n->kind, AST_UNARY);
  assert_int_equal(n->op, AOP_NEG);
  assert_int_equal(n->kids[0]->kind, AST_INT);
  assert_int_equal(n->kids[0]->neg, 0);
  assert_int_equal(n->kids[0]->paren, 1);
  done(&p);
  parse_s(&p, "map(- -5)");
  n = first_arg(&p);
  assert_int_equal(n->kind, AST_UNARY);
  assert_int_equal(n->kids[0]->neg, 1);
  done(&p);

  parse_s(&p, "map(0x1F)");
  assert_true(first_arg(&p)->u == 31);
  done(&p);

  /* B17 */
  static const struct { const char *s; double v; } fl[] = {
      {"map(1e-400)", 0.0},  {"map(4.9e-324)", 4.9e-324}, {"map(1.)", 1.0},
      {"map(.5)", 0.5},      {"map(1e10)", 1e10},         {"map(2e-3)", 2e-3},
      {"map(-0.0)", -0.0},   {"map(0.1)", 0.1},           {"map(1.7976931348623157e308)", 1.7976931348623157e308},
  };
  for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++) {
    parse_s(&p, fl[k].s);
    assert_int_equal(p.st, PLEAT_OK);
    n = first_arg(&p);
    assert_int_equal(n->kind, AST_FLOAT);
    assert_memory_equal(&n->f, &fl[k].v, sizeof(double));
    done(&p);
  }
  /* B18: keywords are lowercase; NaN and INF are names */
  parse_s(&p, "map(-nan)");
  n = first_arg(&p);
  assert_int_equal(n->kind, AST_FLOAT);
  assert_true(isnan(n->f) && signbit(n->f) && n->neg);
  done(&p);
  parse_s(&p, "map(-inf)");
  n = first_arg(&p);
  assert_true(isinf(n->f) && n->f < 0);
  done(&p);
  parse_s(&p, "map(inf)");
  n = first_arg(&p);
  assert_true(isinf(n->f) && n->f > 0 && !n->neg);
  done(&p);
  parse_s(&p, "map(NaN)");
  n = first_arg(&p);
  assert_int_equal(n->kind, AST_NAME);
  assert_string_equal(n->name, "NaN");
  done(&p);
  parse_s(&p, "map(INF)");
  assert_int_equal(first_arg(&p)->kind, AST_NAME);
  done(&p);
  parse_s(&p, "map(true)");
  n = first_arg(&p);
  assert_int_equal(n->kind, AST_BOOL);
  assert_int_equal(n->u, 1);
  done(&p);
}

static void test_structure(void **state) {
  (void)state;
  parsed p;
  parse_s(&p, "scan(+) |> reduce(min) |> reduce((a, b) -> a ^ b, 0) |> (sum, count)");
  assert_int_equal(p.st, PLEAT_OK);
  const pleat__ast_node *r = p.t.root;
  assert_int_equal(r->nkids, 4);
  assert_int_equal(r->kids[0]->kids[0]->kind, AST_OPREF);
  assert_int_equal(r->kids[0]->kids[0]->op, AOP_ADD);
  assert_int_equal(r->kids[1]->kids[0]->kind, AST_NAME); /* min stays a name */
  const pleat__ast_node *lam = r->kids[2]->kids[0];
  assert_int_equal(lam->kind, AST_LAMBDA);
  assert_string_equal(lam->name, "a");
  assert_string_equal(lam->name2, "b");
  assert_int_equal(lam->kids[0]->kind, AST_BINARY);
  assert_int_equal(lam->kids[0]->op, AOP_BXOR);
  assert_int_equal(r->kids[3]->kind, AST_TUPLE);
  assert_int_equal(r->kids[3]->nkids, 2);
  done(&p);

  /* all five operator references */
  parse_s(&p, "f(+, *, &, |, ^)");
  assert_int_equal(p.st, PLEAT_OK);
  static const int ops[] = {AOP_ADD, AOP_MUL, AOP_BAND, AOP_BOR, AOP_BXOR};
  for (int k = 0; k < 5; k++) {
    assert_int_equal(p.t.root->kids[0]->kids[k]->kind, AST_OPREF);
    assert_int_equal(p.t.root->kids[0]->kids[k]->op, ops[k]);
  }
  done(&p);

  /* positions and spans */
  parse_s(&p, "map(100 / x)\n  |> sum");
  const pleat__ast_node *div = first_arg(&p);
  assert_int_equal(div->kind, AST_BINARY);
  assert_int_equal(div->line, 1);
  assert_int_equal(div->col, 5);
  assert_int_equal(div->off, 4);
  assert_int_equal(div->len, 7);
  const pleat__ast_node *sum = p.t.root->kids[1];
  assert_int_equal(sum->line, 2);
  assert_int_equal(sum->col, 6);
  assert_int_equal(sum->off, 18);
  assert_int_equal(p.t.root->kids[0]->len, 12);
  done(&p);

  /* parentheses are in the enclosing span, not the node's own */
  parse_s(&p, "map((x) * 2)");
  const pleat__ast_node *mul = first_arg(&p);
  assert_int_equal(mul->col, 5);
  assert_int_equal(mul->len, 7);
  assert_int_equal(mul->kids[0]->col, 6);
  assert_int_equal(mul->kids[0]->len, 1);
  assert_int_equal(mul->kids[0]->paren, 1);
  done(&p);

  /* field numbers: x.0.1 is two accesses, never the float 0.1 */
  parse_s(&p, "map(x.0.1)");
  const pleat__ast_node *f = first_arg(&p);
  assert_int_equal(f->kind, AST_FIELD);
  assert_int_equal(f->u, 1);
  assert_int_equal(f->kids[0]->kind, AST_FIELD);
  assert_int_equal(f->kids[0]->u, 0);
  done(&p);
}

/* ---- B26: precedence, seen through the printer ---------------------------- */

static void test_precedence(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"map(-x*x)", "map(-x * x)"},
      {"map(-(x*x))", "map(-(x * x))"},
      {"map(x - -1)", "map(x - -1)"},
      {"map(x--1)", "map(x - -1)"},
      {"map(1 << 2 + 1)", "map(1 << (2 + 1))"},
      {"map(a & b == c)", "map(a & (b == c))"},
      {"map(c ? a : b ? d : e)", "map(c ? a : (b ? d : e))"},
      {"map(0 < x < 1)", "map((0 < x) < 1)"},
      {"map(a - b - c)", "map((a - b) - c)"},
      {"map(a - (b - c))", "map(a - (b - c))"},
      {"map(a / b * c % d)", "map(((a / b) * c) % d)"},
      {"map(a + b * c)", "map(a + (b * c))"},
      {"map(a | b ^ c & d)", "map(a | (b ^ (c & d)))"},
      {"map(a || b && c | d)", "map(a || (b && (c | d)))"},
      {"map(a == b < c)", "map(a == (b < c))"},
      {"map(a >> b + c)", "map(a >> (b + c))"},
      {"map(a < b == c > d)", "map((a < b) == (c > d))"},
      {"map(a && b ? c : d)", "map((a && b) ? c : d)"},
      {"map(a ? b ? c : d : e)", "map(a ? (b ? c : d) : e)"},
      {"map(!a == b)", "map(!a == b)"},
      {"map(~-!x)", "map(~-!x)"},
      {"map(- - x)", "map(- -x)"},
      {"map(-x.0)", "map(-x.0)"},
      {"map((-x).0)", "map((-x).0)"},
      {"map(a <= b >= c != d)", "map(((a <= b) >= c) != d)"},
      {"map(0x10 + 1.5e3)", "map(16 + 1500.0)"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char *s = printed(cases[k][0]);
    if (strcmp(s, cases[k][1])) fail_msg("%s printed %s, want %s", cases[k][0], s, cases[k][1]);
    free(s);
  }
}

/* ---- B13, B14: nesting and chains ---------------------------------------------- */

static void check_limit(const char *s, uint32_t col, double max_s) {
  parsed p;
  double t0 = now_s();
  parse_s(&p, s);
  double dt = now_s() - t0;
  if (p.st != PLEAT_E_LIMIT || p.e.line != 1 || p.e.col != col)
    fail_msg("got %s %u:%u %s, want PLEAT_E_LIMIT 1:%u", pleat_status_name(p.st), p.e.line,
             p.e.col, p.e.msg, col);
  assert_true(dt < max_s);
  done(&p);
}

static void check_ok(const char *s) {
  parsed p;
  parse_s(&p, s);
  if (p.st != PLEAT_OK) fail_msg("%s %u:%u %s", pleat_status_name(p.st), p.e.line, p.e.col, p.e.msg);
  assert_true(pleat__ast_depth(p.t.root) <= PLEAT_MAX_DEPTH);
  done(&p);
}

static void test_nesting(void **state) {
  (void)state;
  /* map( + N parentheses: nesting is 1 + N (the call's own bracket too) */
  static const size_t ok_n[] = {10, 100, 199};
  for (size_t k = 0; k < 3; k++) {
    char *open = repeat("map(", "(", ok_n[k], "x");
    char *s = repeat(open, ")", ok_n[k], ")");
    check_ok(s);
    free(open);
    free(s);
  }
  static const size_t bad_n[] = {200, 201, 100000};
  for (size_t k = 0; k < 3; k++) {
    char *open = repeat("map(", "(", bad_n[k], "x");
    char *s = repeat(open, ")", bad_n[k], ")");
    check_limit(s, 204, 1.0); /* the 200th '(' opens level 201 */
    parsed p;
    parse_s(&p, s);
    assert_non_null(strstr(p.e.msg, "nested deeper than 200"));
    done(&p);
    free(open);
    free(s);
  }
  /* 10^6 parentheses are over the text limit first */
  char *open = repeat("map(", "(", 1000000, "x");
  char *s = repeat(open, ")", 1000000, ")");
  check_limit(s, PLEAT_MAX_TEXT + 1, 1.0);
  free(open);
  free(s);
  /* calls nest too */
  s = repeat("", "f(", 250, "x");
  check_limit(s, 2 * 200 + 2, 1.0);
  free(s);
}

static void test_chains(void **state) {
  (void)state;
  /* B14: x+x+...: the tree's depth passes 200 at the 200th '+', at 4+2*200 */
  char *s = repeat("map(x", "+x", 99999, ")");
  check_limit(s, 404, 0.5);
  free(s);
  s = repeat("map(x", "+x", 999999, ")");
  check_limit(s, PLEAT_MAX_TEXT + 1, 0.5);
  free(s);
  s = repeat("map(x", "+x", 198, ")"); /* depth 199 + call + pipeline = 201 */
  check_limit(s, 1, 0.5);
  free(s);
  s = repeat("map(x", "+x", 197, ")");
  check_ok(s);
  free(s);
  /* right-leaning chains through parentheses stay within the nesting */
  s = repeat("map(x", "*(x", 150, "");
  char *s2 = repeat(s, ")", 151, "");
  check_ok(s2);
  free(s);
  free(s2);
  /* field chains deepen the tree without any nesting: the 200th '.' */
  s = repeat("map(x", ".0", 100000, ")");
  check_limit(s, 6 + 2 * 199, 0.5);
  free(s);
  /* unary chains: each pending operator is a level */
  static const char *const un[] = {"-", "!", "~", "- "};
  for (int k = 0; k < 4; k++) {
    s = repeat("map(", un[k], 100000, "x)");
    check_limit(s, 4 + 199 * (uint32_t)strlen(un[k]) + 1, 0.5);
    free(s);
    s = repeat("map(", un[k], 197, "x)"); /* depth 198 + call + pipeline */
    check_ok(s);
    s2 = repeat("map(", un[k], 198, "x)"); /* the tree is one too deep */
    check_limit(s2, 1, 0.5);
    free(s2);
    free(s);
  }
  /* ternary chains, nested in the then branch and in the else branch */
  s = repeat("", "c?", 100000, "c");
  check_limit(s, 2 * 201, 0.5);
  free(s);
  s = repeat("", "c?c:", 100000, "c");
  check_limit(s, 4 * 200 + 2, 0.5);
  free(s);
  s = repeat("", "c?c:", 190, "c");
  check_ok(s);
  free(s);
}

/* ---- limits: stages, nodes, text ------------------------------------------------ */

static void test_limits(void **state) {
  (void)state;
  char *s = repeat("x", "|>x", PLEAT_MAX_STAGES - 1, "");
  check_ok(s);
  free(s);
  s = repeat("x", "|>x", PLEAT_MAX_STAGES, "");
  check_limit(s, 3 * PLEAT_MAX_STAGES + 1, 0.5);
  parsed p;
  parse_s(&p, s);
  assert_non_null(strstr(p.e.msg, "stages"));
  done(&p);
  free(s);

  /* f(x,x,...): node 65537 is the 65536th x */
  s = repeat("f(x", ",x", 70000, ")");
  check_limit(s, 3 + 2 * 65535, 1.0);
  free(s);

  /* B24: 10 MiB of spaces, a 1 MiB identifier; exactly the limit is fine */
  size_t big = 10u << 20;
  char *sp = malloc(big);
  assert_non_null(sp);
  memset(sp, ' ', big);
  memcpy(sp, "sum", 3);
  parse_n(&p, sp, big);
  assert_int_equal(p.st, PLEAT_E_LIMIT);
  assert_int_equal(p.e.line, 1);
  assert_int_equal(p.e.col, PLEAT_MAX_TEXT + 1);
  done(&p);
  double t0 = now_s();
  parse_n(&p, sp, PLEAT_MAX_TEXT / 2);
  double t1 = now_s();
  assert_int_equal(p.st, PLEAT_OK);
  done(&p);
  parse_n(&p, sp, PLEAT_MAX_TEXT);
  double t2 = now_s();
  assert_int_equal(p.st, PLEAT_OK);
  done(&p);
  /* linear, not quadratic (generous: timing on a shared machine) */
  assert_true(t2 - t1 < 8 * (t1 - t0) + 0.05);
  /* comments: same */
  for (size_t k = 0; k + 1 < PLEAT_MAX_TEXT; k += 64) {
    sp[k] = '#';
    sp[k + 63] = '\n';
  }
  memcpy(sp, "sum ", 4);
  parse_n(&p, sp, PLEAT_MAX_TEXT);
  assert_int_equal(p.st, PLEAT_OK);
  done(&p);
  /* a 1 MiB identifier */
  memset(sp, 'a', big);
  parse_n(&p, sp, PLEAT_MAX_TEXT + 1);
  assert_int_equal(p.st, PLEAT_E_LIMIT);
  done(&p);
  parse_n(&p, sp, PLEAT_MAX_TEXT);
  assert_int_equal(p.st, PLEAT_OK);
  assert_int_equal(strlen(p.t.root->kids[0]->name), PLEAT_MAX_TEXT);
  done(&p);
  /* the length limit is reported at its own line and column */
  memset(sp, '\n', big);
  parse_n(&p, sp, big);
  assert_int_equal(p.st, PLEAT_E_LIMIT);
  assert_int_equal(p.e.line, PLEAT_MAX_TEXT + 1);
  assert_int_equal(p.e.col, 1);
  done(&p);
  free(sp);

  /* a long float literal goes through the heap buffer */
  s = repeat("map(0.", "0", 5000, "1)");
  parse_s(&p, s);
  assert_int_equal(p.st, PLEAT_OK);
  assert_true(first_arg(&p)->f == 0.0); /* 1e-5002 underflows to 0, fine */
  done(&p);
  free(s);
  s = repeat("map(1", "0", 400, ".5)");
  parse_s(&p, s);
  assert_int_equal(p.st, PLEAT_E_RANGE);
  assert_int_equal(p.e.col, 5);
  done(&p);
  free(s);
}

/* ---- arguments ------------------------------------------------------------------- */

static void test_args(void **state) {
  (void)state;
  pleat__parse_error e;
  pleat__ast t;
  pleat__ast_init(&t, &pleat__alloc_default);
  assert_int_equal(pleat__parse(&t, NULL, 3, &e), PLEAT_E_INVAL);
  assert_int_equal(pleat__parse(NULL, "sum", 3, &e), PLEAT_E_INVAL);
  assert_int_equal(pleat__parse(&t, "sum", 3, NULL), PLEAT_E_INVAL);
  /* NULL with length 0 is the empty text */
  assert_int_equal(pleat__parse(&t, NULL, 0, &e), PLEAT_E_SYNTAX);
  assert_int_equal(e.col, 1);
  /* len is honoured exactly: "sum |> junk" cut after "sum" */
  assert_int_equal(pleat__parse(&t, "sum |> )", 3, &e), PLEAT_OK);
  assert_int_equal(e.status, PLEAT_OK);
  assert_string_equal(e.msg, "");
  pleat__ast_free(&t);
}

/* ---- out of memory at every allocation ------------------------------------------- */

static int fail_after;
static void *oom_malloc(void *ud, size_t n) {
  (void)ud;
  if (fail_after-- <= 0) return NULL;
  return malloc(n);
}
static void *oom_realloc(void *ud, void *p, size_t n) {
  (void)ud;
  if (fail_after-- <= 0) return NULL;
  return realloc(p, n);
}
static void oom_free(void *ud, void *p) {
  (void)ud;
  free(p);
}

static void test_oom(void **state) {
  (void)state;
  pleat__alloc al = {{oom_malloc, oom_realloc, oom_free, NULL}};
  char *big = repeat("map(x", "+f(x, 1.5)", 100, ") |> sum");
  const char *texts[] = {"map(x * x + 1e-3) |> filter(x > 0.5) |> (sum, count)", big};
  for (int t = 0; t < 2; t++) {
    int k;
    for (k = 0; k < 10000; k++) {
      fail_after = k;
      pleat__ast tree;
      pleat__ast_init(&tree, &al);
      pleat__parse_error e;
      pleat_status st = pleat__parse(&tree, texts[t], strlen(texts[t]), &e);
      pleat__ast_free(&tree);
      if (st == PLEAT_OK) break;
      assert_int_equal(st, PLEAT_E_NOMEM);
    }
    assert_true(k > 2 && k < 10000);
  }
  free(big);
}

/* ---- a 64 KiB thread stack ---------------------------------------------------------- */

static void *deep_parses(void *arg) {
  (void)arg;
  static const char *const pieces[][3] = {
      {"map(", "(", "x"}, {"map(", "-", "x)"}, {"", "c?", "c"}, {"", "c?c:", "c"},
      {"", "f(", "x"}, {"map(x", "+x", ")"},
  };
  intptr_t nbad = 0;
  for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
    size_t counts[] = {150, 100000};
    for (int c = 0; c < 2; c++) {
      char *s = repeat(pieces[k][0], pieces[k][1], counts[c], pieces[k][2]);
      parsed p;
      parse_s(&p, s);
      if (p.st != PLEAT_OK && p.st != PLEAT_E_LIMIT && p.st != PLEAT_E_SYNTAX) nbad++;
      if (c == 1 && p.st != PLEAT_E_LIMIT) nbad++;
      done(&p);
      free(s);
    }
  }
  return (void *)nbad;
}

static void test_small_stack(void **state) {
  (void)state;
  pthread_attr_t attr;
  pthread_t th;
  assert_int_equal(pthread_attr_init(&attr), 0);
  assert_int_equal(pthread_attr_setstacksize(&attr, 64 * 1024), 0);
  assert_int_equal(pthread_create(&th, &attr, deep_parses, NULL), 0);
  void *ret = (void *)1;
  assert_int_equal(pthread_join(th, &ret), 0);
  pthread_attr_destroy(&attr);
  assert_ptr_equal(ret, NULL);
}

/* ---- B34: every prefix of valid pipelines ----------------------------------------------- */

static void test_prefixes(void **state) {
  (void)state;
  static const char *const samples[] = {
      "map(x * x) |> filter(x > 0.5) |> sum",
      "filter(x % 2 != 0) |> take(10) |> sum",
      "enumerate |> map((k, x)) |> collect",
      "reduce((a, b) -> a + b, 0)",
      "scan(+, 0) |> (mean, std, minmax)",
      "map(x > 0 ? -x.0 : 0x1f) |> argmax(x * 1.5e-3)",
      "# c\r\nmap(i32(x) << 2)\n\t|> group(x % 4, 4, sum)",
      "map(-9223372036854775808 + 4.9e-324 - nan)",
      "any(isnan(x) || !(x < -1e-3 && x != inf))",
      "foldl((a, b) -> a * 2 + b, 0) |> map((x, i).1)",
  };
  for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++) {
    size_t len = strlen(samples[k]);
    for (size_t cut = 0; cut <= len; cut++) {
      char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
      memcpy(copy, samples[k], cut);
      parsed p;
      parse_n(&p, copy, cut);
      if (p.st != PLEAT_OK) {
        assert_true(p.st == PLEAT_E_SYNTAX || p.st == PLEAT_E_RANGE);
        assert_true(p.e.line >= 1 && p.e.col >= 1);
        assert_true(p.e.col <= cut + 1);
      }
      done(&p);
      free(copy);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_table),  cmocka_unit_test(test_valid),
      cmocka_unit_test(test_literals),   cmocka_unit_test(test_structure),
      cmocka_unit_test(test_precedence), cmocka_unit_test(test_nesting),
      cmocka_unit_test(test_chains),     cmocka_unit_test(test_limits),
      cmocka_unit_test(test_args),       cmocka_unit_test(test_oom),
      cmocka_unit_test(test_small_stack), cmocka_unit_test(test_prefixes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
