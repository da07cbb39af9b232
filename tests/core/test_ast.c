/* LABELS: quick core parse */
/*
** test_ast.c -- the syntax tree utilities (core/ast.c): B35 round trip
** (parse, print, parse, print), float and integer printing, the dump for
** `explain --stage ast`, the iterative depth, the arena.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

/* ---- helpers ------------------------------------------------------------ */

/* Same tree, ignoring positions and the parentheses flag (the printer may
   add parentheses the first text did not have). */
static bool same(const pleat__ast_node *a, const pleat__ast_node *b) {
  if (a->kind != b->kind || a->nkids != b->nkids || a->neg != b->neg || a->u != b->u)
    return false;
  if ((a->kind == AST_UNARY || a->kind == AST_BINARY || a->kind == AST_OPREF) && a->op != b->op)
    return false;
  if (a->kind == AST_FLOAT) {
    if (isnan(a->f) != isnan(b->f) || signbit(a->f) != signbit(b->f)) return false;
    if (!isnan(a->f) && memcmp(&a->f, &b->f, sizeof a->f)) return false;
  }
  if ((a->name == NULL) != (b->name == NULL) || (a->name && strcmp(a->name, b->name)))
    return false;
  if ((a->name2 == NULL) != (b->name2 == NULL) || (a->name2 && strcmp(a->name2, b->name2)))
    return false;
  for (uint32_t k = 0; k < a->nkids; k++)
    if (!same(a->kids[k], b->kids[k])) return false;
  return true;
}

static char *print_tree(const pleat__ast *t) {
  pleat__str b;
  pleat__str_init(&b, &pleat__alloc_default);
  assert_int_equal(pleat__ast_print(t, &b), PLEAT_OK);
  char *s = pleat__str_take(&b);
  assert_non_null(s);
  return s;
}

static void parse_ok(pleat__ast *t, const char *s) {
  pleat__ast_init(t, &pleat__alloc_default);
  pleat__parse_error e;
  pleat_status st = pleat__parse(t, s, strlen(s), &e);
  if (st != PLEAT_OK)
    fail_msg("\"%s\": %s %u:%u %s", s, pleat_status_name(st), e.line, e.col, e.msg);
}

/* B35: text -> tree -> text1 -> tree2 -> text2 with tree == tree2 and
   text1 == text2; returns text1 (caller frees). */
static char *round_trip(const char *s) {
  pleat__ast t1, t2;
  parse_ok(&t1, s);
  char *p1 = print_tree(&t1);
  parse_ok(&t2, p1);
  char *p2 = print_tree(&t2);
  if (strcmp(p1, p2)) fail_msg("\"%s\" printed \"%s\" then \"%s\"", s, p1, p2);
  if (!same(t1.root, t2.root)) fail_msg("\"%s\": \"%s\" reads back as another tree", s, p1);
  free(p2);
  pleat__ast_free(&t1);
  pleat__ast_free(&t2);
  return p1;
}

/* ---- B35 ------------------------------------------------------------------ */

static const char *const pipelines[] = {
    "map(x * x) |> filter(x > 0.5) |> sum",
    "filter(x % 2 != 0) |> take(10) |> sum",
    "take_while(x < 100) |> drop_while(x < 3) |> take_nth(2) |> collect",
    "enumerate |> map((k, x)) |> collect",
    "scan(+) |> collect",
    "scan(max, 0) |> last",
    "scan(*, 1) |> scan(&, -1) |> scan(|, 0) |> scan(^, 0) |> count",
    "reduce((a, b) -> a + b, 0)",
    "foldl((a, b) -> a * 2 + b, 0)",
    "foldl((acc, v) -> acc > v ? acc : v, -inf)",
    "dedupe |> count",
    "flat_map(x, x + 1, -x) |> collect",
    "flat_map_range(0, x) |> count",
    "(mean, std, minmax)",
    "(sum, count(x > 0), (min, max))",
    "group(x % 4, 4, (sum, count))",
    "argmax(x * x)",
    "any(isnan(x) || x < -1e-3 && !isinf(x))",
    "map((x, i)) |> filter(x.0 > 0) |> map(x.1) |> collect",
    "map(x > 0 ? x : -x) |> sum",
    "map(i32(x) << 2 >> 1 & 0xff | 1 ^ 3) |> sum",
    "map(~x) |> prod",
    "map(clamp(x, 0, 1) + hash(i) * uniform(i)) |> mean",
    "map(hash())",
    "map(nan) |> map(-nan) |> map(inf) |> map(-inf) |> collect",
    "map(-2147483648 + 2147483648 + 9223372036854775807 + -9223372036854775808)",
    "map(0x1f + 0X7FFFFFFFFFFFFFFF + -0x8000000000000000)",
    "map(1e-400 + 4.9e-324 + 1. + .5 + 1e10 + 2e-3 + 1.5E+3 + 1e300 + 0.1 + 1e16)",
    "map(-0.0 + 0.0 + -0 + 0)",
    "# a comment\r\nmap(x)   # another\n\t|> sum # end",
    "map(true && false || !true)",
    "map(-x.0)",
    "map((-x).0 + (1).0 + (1.5).1 + (true).0 + (nan).0 + (x * 2).0 + (f(x)).0 + f(x).0)",
    "map((x, x).1.0)",
    "map(((((x)))))",
    "map(c ? a : b ? d : e)",
    "map((c ? a : b) ? d : e)",
    "map(c ? (a, b) -> a : d)",
    "map(x + (a, b) -> a * 2)",
    "reduce(((a, b) -> a, 1))",
    "map(-(5) + -(-5) + - -5 + -(1.5) + --x + - - -x + -!~x)",
    "map(-x*x + x - -1 + x--1 + (1 << 2 + 1) + (a & b == c) + (0 < x < 1))",
    "map(a - (b - c) - d)",
    "map(a / (b * c) % (d / e))",
    "map(a || (b || c) && (d && e))",
    "map((a ? b : c) + (d ? e : f))",
    "map(f(g(h(x, y), z), (1, 2), (a, b) -> a))",
    "map(x) |> sum |> sum |> (sum) |> ((sum, count))",
    "window(4, 2, sum) |> runs(x / 10, collect) |> split(x == 0, sum, true, false) |> collect",
    "map(NaN + INF + nan_ + inf1 + _true)",
    "map(1.7976931348623157e308 + 2.2250738585072014e-308 + 5e-324 + 123456789.125)",
    "map(x.0.1.2.3)",
};

static void test_round_trip(void **state) {
  (void)state;
  size_t n = sizeof pipelines / sizeof pipelines[0];
  assert_true(n >= 50);
  for (size_t k = 0; k < n; k++) free(round_trip(pipelines[k]));
}

/* Exact canonical forms. */
static void test_print_forms(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"map(x*x)|>filter(x>0.5)|>sum", "map(x * x) |> filter(x > 0.5) |> sum"},
      {"map(1.)", "map(1.0)"},
      {"map(.5)", "map(0.5)"},
      {"map(1e10)", "map(10000000000.0)"},
      {"map(1e16)", "map(1e+16)"},
      {"map(2e-3)", "map(0.002)"},
      {"map(1e-5)", "map(1e-05)"},
      {"map(4.9e-324)", "map(5e-324)"},
      {"map(1e-400)", "map(0.0)"},
      {"map(-0.0)", "map(-0.0)"},
      {"map(0.1)", "map(0.1)"},
      {"map(0.30000000000000004)", "map(0.30000000000000004)"},
      {"map(0x1f)", "map(31)"},
      {"map(-0x8000000000000000)", "map(-9223372036854775808)"},
      {"map(- 5)", "map(-5)"},
      {"map(-nan + nan + -inf + inf)", "map(((-nan + nan) + -inf) + inf)"},
      {"map(-(5))", "map(-(5))"},
      {"map(- -5)", "map(- -5)"},
      {"map(--x)", "map(- -x)"},
      {"map(x.0 .1)", "map(x.0.1)"},
      {"(sum,count)", "(sum, count)"},
      {"reduce((a,b)->a+b,0)", "reduce((a, b) -> a + b, 0)"},
      {"map(c?a:b?d:e)", "map(c ? a : (b ? d : e))"},
      {"map(a&&b?c:d)", "map((a && b) ? c : d)"},
      {"scan( + )", "scan(+)"},
      {"sum # comment", "sum"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char *s = round_trip(cases[k][0]);
    if (strcmp(s, cases[k][1])) fail_msg("\"%s\" printed \"%s\", want \"%s\"", cases[k][0], s,
                                         cases[k][1]);
    free(s);
  }
}

/* Random expressions: every operator, parentheses, tuples, calls. */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

static void gen(pleat__str *b, int depth) {
  static const char *const atoms[] = {"x", "i", "1", "2.5", "-3", "0x1f", "nan", "-inf",
                                      "true", "1e-7", "-0.0", "y", "f()", "9223372036854775807"};
  static const char *const bin[] = {"*", "/", "%", "+", "-", "<<", ">>", "<", "<=", ">",
                                    ">=", "==", "!=", "&", "^", "|", "&&", "||"};
  unsigned c = depth <= 0 ? 0 : rnd(9);
  switch (c) {
    case 0:
    case 1:
      pleat__str_puts(b, atoms[rnd(sizeof atoms / sizeof atoms[0])]);
      break;
    case 2:
      pleat__str_puts(b, rnd(2) ? "-" : rnd(2) ? "!" : "~");
      gen(b, depth - 1);
      break;
    case 3:
    case 4:
      gen(b, depth - 1);
      pleat__str_printf(b, " %s ", bin[rnd(sizeof bin / sizeof bin[0])]);
      gen(b, depth - 1);
      break;
    case 5:
      gen(b, depth - 1);
      pleat__str_puts(b, " ? ");
      gen(b, depth - 1);
      pleat__str_puts(b, " : ");
      gen(b, depth - 1);
      break;
    case 6:
      pleat__str_puts(b, "(");
      gen(b, depth - 1);
      pleat__str_puts(b, ")");
      break;
    case 7:
      pleat__str_puts(b, "(");
      gen(b, depth - 1);
      pleat__str_puts(b, ", ");
      gen(b, depth - 1);
      pleat__str_puts(b, ").");
      pleat__str_printf(b, "%u", rnd(2));
      break;
    default:
      pleat__str_puts(b, rnd(2) ? "g(" : "h(+, ");
      gen(b, depth - 1);
      pleat__str_puts(b, ")");
      break;
  }
}

static void test_random_round_trip(void **state) {
  (void)state;
  for (int k = 0; k < 2000; k++) {
    pleat__str b;
    pleat__str_init(&b, &pleat__alloc_default);
    pleat__str_puts(&b, "map(");
    gen(&b, 1 + k % 7);
    pleat__str_puts(&b, ") |> sum");
    free(round_trip(b.s));
    pleat__str_free(&b);
  }
}

/* Floats print to the same double, under a decimal-comma locale too. */
static void test_floats(void **state) {
  (void)state;
  static const double vals[] = {0.1, 1.0 / 3, 2.0 / 3, 1e21, 1e22, 123456.789, 5e-324,
                                2.2250738585072014e-308, 1.7976931348623157e308, 9007199254740993.0,
                                0.5, 100.0, 1e15 + 0.5, 3.14159};
  const char *comma[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "de_DE", NULL};
  const char *set = NULL;
  for (int k = 0; comma[k] && !set; k++) set = setlocale(LC_ALL, comma[k]);
  for (int pass = 0; pass < 2; pass++) {
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
      char text[64];
      /* a comma written under a decimal-comma locale is put back to a dot */
      snprintf(text, sizeof text, "map(%.17e)", vals[k]);
      for (char *c = text; *c; c++)
        if (*c == ',') *c = '.';
      pleat__ast t;
      parse_ok(&t, text);
      const pleat__ast_node *n = t.root->kids[0]->kids[0];
      assert_int_equal(n->kind, AST_FLOAT);
      assert_memory_equal(&n->f, &vals[k], sizeof(double));
      char *p = print_tree(&t);
      assert_null(strchr(p + 4, ','));
      pleat__ast t2;
      parse_ok(&t2, p);
      assert_memory_equal(&t2.root->kids[0]->kids[0]->f, &vals[k], sizeof(double));
      free(p);
      pleat__ast_free(&t);
      pleat__ast_free(&t2);
    }
    if (!set) break; /* no decimal-comma locale installed: one pass */
    setlocale(LC_ALL, "C");
    set = NULL;
  }
  setlocale(LC_ALL, "C");
}

/* ---- dump ------------------------------------------------------------------- */

static char *dump_of(const char *s) {
  pleat__ast t;
  parse_ok(&t, s);
  pleat__str b;
  pleat__str_init(&b, &pleat__alloc_default);
  assert_int_equal(pleat__ast_dump(&t, &b), PLEAT_OK);
  pleat__ast_free(&t);
  char *r = pleat__str_take(&b);
  assert_non_null(r);
  return r;
}

static void test_dump(void **state) {
  (void)state;
  char *d = dump_of("map(x * 2) |> sum");
  assert_string_equal(d,
                      "pipeline 1:1\n"
                      "  call map 1:1\n"
                      "    binary * 1:5\n"
                      "      name x 1:5\n"
                      "      int 2 1:9\n"
                      "  name sum 1:15\n");
  free(d);
  d = dump_of("reduce((a, b) -> a + -b.0, -2.5)\n|> scan(+, true)");
  assert_string_equal(d,
                      "pipeline 1:1\n"
                      "  call reduce 1:1\n"
                      "    lambda (a, b) 1:8\n"
                      "      binary + 1:18\n"
                      "        name a 1:18\n"
                      "        unary - 1:22\n"
                      "          field .0 1:23\n"
                      "            name b 1:23\n"
                      "    float -2.5 1:28\n"
                      "  call scan 2:4\n"
                      "    opref + 2:9\n"
                      "    bool true 2:12\n");
  free(d);
  d = dump_of("(sum, x ? -9223372036854775808 : nan)");
  assert_non_null(strstr(d, "tuple 1:1\n"));
  assert_non_null(strstr(d, "  ternary 1:7\n"));
  assert_non_null(strstr(d, "    int -9223372036854775808 1:11\n"));
  assert_non_null(strstr(d, "    float nan 1:34\n"));
  free(d);

  pleat__ast empty;
  pleat__ast_init(&empty, &pleat__alloc_default);
  pleat__str b;
  pleat__str_init(&b, &pleat__alloc_default);
  assert_int_equal(pleat__ast_dump(&empty, &b), PLEAT_OK);
  assert_string_equal(b.s, "(empty)\n");
  pleat__str_free(&b);
  assert_int_equal(pleat__ast_print(&empty, &b), PLEAT_OK);
  assert_int_equal(pleat__ast_print(NULL, &b), PLEAT_E_INVAL);
  assert_int_equal(pleat__ast_dump(&empty, NULL), PLEAT_E_INVAL);
  pleat__str_free(&b);
}

/* ---- depth, arena, operators ---------------------------------------------------- */

static void test_depth(void **state) {
  (void)state;
  pleat__ast t;
  parse_ok(&t, "map(x + (y * -z)) |> sum");
  /* pipeline > call > + > * > - > z */
  assert_int_equal(pleat__ast_depth(t.root), 6);
  assert_int_equal(t.root->depth, 6);
  assert_int_equal(pleat__ast_depth(NULL), 0);
  pleat__ast_free(&t);

  /* a hand-made chain far deeper than any limit: the walk saturates */
  pleat__ast_init(&t, &pleat__alloc_default);
  pleat__ast_node *n = pleat__ast_new(&t, AST_NAME);
  for (int k = 0; k < 5000; k++) {
    pleat__ast_node *u = pleat__ast_new(&t, AST_UNARY);
    u->kids = pleat__ast_alloc(&t, sizeof *u->kids);
    u->kids[0] = n;
    u->nkids = 1;
    n = u;
  }
  assert_true(pleat__ast_depth(n) > PLEAT_MAX_DEPTH);
  t.root = n;
  pleat__str b;
  pleat__str_init(&b, &pleat__alloc_default);
  assert_int_equal(pleat__ast_print(&t, &b), PLEAT_E_LIMIT); /* refused, no overflow */
  pleat__str_free(&b);
  assert_int_equal(pleat__ast_dump(&t, &b), PLEAT_E_LIMIT);
  pleat__str_free(&b);
  pleat__ast_free(&t);
  pleat__ast_free(&t); /* twice is harmless */
}

static void test_arena(void **state) {
  (void)state;
  pleat__ast t;
  pleat__ast_init(&t, &pleat__alloc_default);
  for (uint32_t k = 0; k < PLEAT_MAX_NODES; k++) {
    pleat__ast_node *n = pleat__ast_new(&t, AST_INT);
    assert_non_null(n);
    assert_int_equal(n->kind, AST_INT);
    assert_int_equal(n->nkids, 0);
    assert_true(((uintptr_t)n % _Alignof(max_align_t)) == 0);
  }
  assert_null(pleat__ast_new(&t, AST_INT)); /* the node limit */
  assert_int_equal(t.nnodes, PLEAT_MAX_NODES);
  char *big = pleat__ast_alloc(&t, 3u << 20);
  assert_non_null(big);
  memset(big, 1, 3u << 20);
  void *small = pleat__ast_alloc(&t, 10);
  assert_non_null(small);
  const char *s = pleat__ast_strdup(&t, "hello world", 5);
  assert_string_equal(s, "hello");
  assert_non_null(pleat__ast_alloc(&t, 0));
  assert_null(pleat__ast_alloc(&t, SIZE_MAX));
  pleat__ast_free(&t);
  assert_null(t.blocks);
  assert_int_equal(t.nnodes, 0);
}

static void test_op_text(void **state) {
  (void)state;
  assert_string_equal(pleat__ast_op_text(AOP_NEG), "-");
  assert_string_equal(pleat__ast_op_text(AOP_SHL), "<<");
  assert_string_equal(pleat__ast_op_text(AOP_LOR), "||");
  assert_string_equal(pleat__ast_op_text(AOP_MAX), "max");
  assert_string_equal(pleat__ast_op_text(-1), "?");
  assert_string_equal(pleat__ast_op_text(AOP_COUNT_), "?");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip), cmocka_unit_test(test_print_forms),
      cmocka_unit_test(test_random_round_trip), cmocka_unit_test(test_floats),
      cmocka_unit_test(test_dump),       cmocka_unit_test(test_depth),
      cmocka_unit_test(test_arena),      cmocka_unit_test(test_op_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
