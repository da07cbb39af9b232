/*
** fuzz_parse.c -- libFuzzer target for the pipeline parser: any bytes parse
** or fail with a sane status and position, and a parsed tree prints to text
** that parses back to the same tree and prints identically (B35).  A
** violation traps so the fuzzer (or the corpus replay) stops on it.
*/
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c)) __builtin_trap();                                                \
  } while (0)

/* Same tree, ignoring positions and the parentheses the printer adds.
   Recursion is bounded by the parser's depth limit. */
static int same(const pleat__ast_node *a, const pleat__ast_node *b) {
  if (a->kind != b->kind || a->nkids != b->nkids || a->neg != b->neg || a->u != b->u) return 0;
  if ((a->kind == AST_UNARY || a->kind == AST_BINARY || a->kind == AST_OPREF) && a->op != b->op)
    return 0;
  if (a->kind == AST_FLOAT) {
    if (isnan(a->f) != isnan(b->f) || signbit(a->f) != signbit(b->f)) return 0;
    if (!isnan(a->f) && memcmp(&a->f, &b->f, sizeof a->f)) return 0;
  }
  if ((a->name == NULL) != (b->name == NULL) || (a->name && strcmp(a->name, b->name))) return 0;
  if ((a->name2 == NULL) != (b->name2 == NULL) || (a->name2 && strcmp(a->name2, b->name2)))
    return 0;
  for (uint32_t k = 0; k < a->nkids; k++)
    if (!same(a->kids[k], b->kids[k])) return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pleat__ast t1, t2;
  pleat__parse_error e;
  pleat__ast_init(&t1, &pleat__alloc_default);
  pleat__ast_init(&t2, &pleat__alloc_default);
  pleat__str p1, p2, d;
  pleat__str_init(&p1, &pleat__alloc_default);
  pleat__str_init(&p2, &pleat__alloc_default);
  pleat__str_init(&d, &pleat__alloc_default);

  pleat_status st = pleat__parse(&t1, (const char *)data, size, &e);
  CHECK(st == e.status);
  if (st != PLEAT_OK) {
    CHECK(st == PLEAT_E_SYNTAX || st == PLEAT_E_RANGE || st == PLEAT_E_LIMIT ||
          st == PLEAT_E_NOMEM);
    if (st != PLEAT_E_NOMEM) {
      CHECK(e.line >= 1 && e.col >= 1 && e.msg[0] != 0);
      CHECK(st == PLEAT_E_LIMIT || e.col <= size + 1);
    }
    goto out;
  }
  CHECK(t1.root && t1.root->kind == AST_PIPELINE && t1.root->nkids >= 1);
  CHECK(pleat__ast_depth(t1.root) <= PLEAT_MAX_DEPTH);
  CHECK(t1.nnodes <= PLEAT_MAX_NODES);
  CHECK(pleat__ast_dump(&t1, &d) == PLEAT_OK);
  CHECK(pleat__ast_print(&t1, &p1) == PLEAT_OK);

  /* The printer may add parentheses (and digits to literals): text right at
     a limit can come back over it, which is the one accepted failure. */
  st = pleat__parse(&t2, p1.s, p1.len, &e);
  if (st == PLEAT_E_LIMIT) goto out;
  CHECK(st == PLEAT_OK);
  CHECK(same(t1.root, t2.root));
  CHECK(pleat__ast_print(&t2, &p2) == PLEAT_OK);
  CHECK(p1.len == p2.len && memcmp(p1.s, p2.s, p1.len) == 0);

out:
  pleat__str_free(&p1);
  pleat__str_free(&p2);
  pleat__str_free(&d);
  pleat__ast_free(&t1);
  pleat__ast_free(&t2);
  return 0;
}
