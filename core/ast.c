/*
** ast.c -- the syntax tree's arena, its canonical printer (text that parses
** back to the same tree) and its indented dump for `explain --stage ast`.
*/
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ast.h"
#include "lex.h"

/* ---- arena ------------------------------------------------------------------ */

struct pleat__arena_blk {
  struct pleat__arena_blk *next;
  size_t used, cap;
  max_align_t data[];
};

#define ARENA_FIRST 4096
#define ARENA_MAX 262144

void pleat__ast_init(pleat__ast *t, pleat__alloc *al) {
  memset(t, 0, sizeof *t);
  t->al = al ? al : &pleat__alloc_default;
}

void pleat__ast_free(pleat__ast *t) {
  if (!t) return;
  struct pleat__arena_blk *b = t->blocks;
  while (b) {
    struct pleat__arena_blk *next = b->next;
    pleat__free(t->al, b);
    b = next;
  }
  t->blocks = NULL;
  t->root = NULL;
  t->nnodes = 0;
}

void *pleat__ast_alloc(pleat__ast *t, size_t n) {
  const size_t align = _Alignof(max_align_t);
  if (n > SIZE_MAX / 2) return NULL;
  n = (n + align - 1) / align * align;
  if (n == 0) n = align;
  struct pleat__arena_blk *b = t->blocks;
  if (!b || b->cap - b->used < n) {
    /* Blocks grow with the tree so a big one needs few of them; a request
       larger than a block gets a block of its own. */
    size_t cap = b ? b->cap * 2 : ARENA_FIRST;
    if (cap > ARENA_MAX) cap = ARENA_MAX;
    if (cap < n) cap = n;
    struct pleat__arena_blk *nb = pleat__malloc(t->al, sizeof *nb + cap);
    if (!nb) return NULL;
    nb->used = 0;
    nb->cap = cap;
    if (b && b->cap - b->used >= ARENA_FIRST && cap == n) {
      /* Keep filling the current block: put the oversized one behind it. */
      nb->next = b->next;
      b->next = nb;
      nb->used = n;
      memset(nb->data, 0, n);
      return nb->data;
    }
    nb->next = b;
    t->blocks = nb;
    b = nb;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

pleat__ast_node *pleat__ast_new(pleat__ast *t, int kind) {
  if (t->nnodes >= PLEAT_MAX_NODES) return NULL;
  pleat__ast_node *n = pleat__ast_alloc(t, sizeof *n);
  if (!n) return NULL;
  n->kind = (uint8_t)kind;
  t->nnodes++;
  return n;
}

const char *pleat__ast_strdup(pleat__ast *t, const char *s, size_t n) {
  if (n == SIZE_MAX) return NULL;
  char *d = pleat__ast_alloc(t, n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

const char *pleat__ast_op_text(int op) {
  static const char *const text[] = {
#define X(n, t) t,
      PLEAT_AST_OPS(X)
#undef X
  };
  if (op < 0 || op >= AOP_COUNT_) return "?";
  return text[op];
}

/* ---- depth -------------------------------------------------------------------- */

/* Iterative walk with a fixed stack: a path longer than the stack means the
   tree is deeper than any limit, so the walk answers "deeper" instead of
   allocating. */
#define DEPTH_STACK (PLEAT_MAX_DEPTH + 56)

uint32_t pleat__ast_depth(const pleat__ast_node *n) {
  if (!n) return 0;
  struct {
    const pleat__ast_node *n;
    uint32_t next;
  } st[DEPTH_STACK];
  uint32_t sp = 0, best = 0;
  st[sp].n = n;
  st[sp].next = 0;
  sp++;
  while (sp) {
    if (sp > best) best = sp;
    const pleat__ast_node *c = st[sp - 1].n;
    if (st[sp - 1].next >= c->nkids) {
      sp--;
      continue;
    }
    const pleat__ast_node *kid = c->kids[st[sp - 1].next++];
    if (!kid) continue;
    if (sp == DEPTH_STACK) return DEPTH_STACK + 1;
    st[sp].n = kid;
    st[sp].next = 0;
    sp++;
  }
  return best;
}

/* ---- numbers -------------------------------------------------------------------- */

/* Shortest text of a finite d >= 0 that reads back to d, with ".0" when it
   would otherwise read as an integer; printed and read under the C locale
   whatever the host set. */
static void fmt_float(char out[48], double d) {
  locale_t c = pleat__lex_c_locale();
  locale_t old = c ? uselocale(c) : (locale_t)0;
  if (d >= 1.0 && d < 1e16) {
    /* Plain digits: %g would write 1e5 as "1e+05". */
    for (int fd = 0; fd <= 17; fd++) {
      snprintf(out, 48, "%.*f", fd, d);
      if (strtod(out, NULL) == d) break;
    }
  } else {
    for (int prec = 1; prec <= 17; prec++) {
      snprintf(out, 48, "%.*g", prec, d);
      if (strtod(out, NULL) == d) break;
    }
  }
  if (old) uselocale(old);
  if (!strpbrk(out, ".e")) strcat(out, ".0");
}

static void put_number(pleat__str *b, const pleat__ast_node *n) {
  if (n->kind == AST_INT) {
    pleat__str_printf(b, "%s%llu", n->neg ? "-" : "", (unsigned long long)n->u);
    return;
  }
  double f = n->f;
  bool minus = n->neg || (!isnan(f) && signbit(f));
  if (minus) pleat__str_puts(b, "-");
  if (isnan(f)) {
    pleat__str_puts(b, "nan");
  } else if (isinf(f)) {
    pleat__str_puts(b, "inf");
  } else {
    char buf[48];
    fmt_float(buf, fabs(f));
    pleat__str_puts(b, buf);
  }
}

/* ---- printer ---------------------------------------------------------------------- */

/* Binary and ternary operands of operators (and binary conditions of
   ternaries) are always parenthesised, so the printed text shows the tree's
   grouping at a glance (1 << (2 + 1)) and never depends on the reader
   knowing C's table; a ternary's branches need none.  Parentheses the user
   wrote are kept.  The added parentheses count towards the nesting limit
   when the text is parsed again, so a tree right at the limit may print to
   text that is over it (PLEAT_E_LIMIT), never to a different tree. */

typedef struct printer {
  pleat__str *b;
  bool too_deep;
} printer;

static void print_node(printer *pr, const pleat__ast_node *n, int ctx, uint32_t level);

enum { CTX_TOP, CTX_OPERAND, CTX_UNARY_NEG, CTX_FIELD, CTX_COND, CTX_TERNARY };

static bool needs_parens(const pleat__ast_node *n, int ctx) {
  if (n->paren) return false; /* printed with its own */
  switch (ctx) {
    case CTX_OPERAND:
      return n->kind == AST_BINARY || n->kind == AST_TERNARY || n->kind == AST_LAMBDA;
    case CTX_UNARY_NEG:
      /* -(5) must not read back as the literal -5 */
      return n->kind == AST_BINARY || n->kind == AST_TERNARY || n->kind == AST_LAMBDA ||
             ((n->kind == AST_INT || n->kind == AST_FLOAT) && !n->neg);
    case CTX_FIELD:
      return !(n->kind == AST_NAME || n->kind == AST_CALL || n->kind == AST_FIELD ||
               n->kind == AST_TUPLE);
    case CTX_COND:
      return n->kind == AST_BINARY || n->kind == AST_TERNARY || n->kind == AST_LAMBDA;
    case CTX_TERNARY:
      return n->kind == AST_TERNARY || n->kind == AST_LAMBDA;
  }
  return false;
}

static void print_list(printer *pr, const pleat__ast_node *n, const char *sep, uint32_t level) {
  for (uint32_t k = 0; k < n->nkids; k++) {
    if (k) pleat__str_puts(pr->b, sep);
    print_node(pr, n->kids[k], CTX_TOP, level);
  }
}

static void print_node(printer *pr, const pleat__ast_node *n, int ctx, uint32_t level) {
  pleat__str *b = pr->b;
  /* The parser and the builder bound the depth; this only guards against
     a tree made some other way. */
  if (level > PLEAT_MAX_DEPTH + 8 || !n) {
    pr->too_deep = true;
    return;
  }
  bool wrap = n->paren || needs_parens(n, ctx);
  if (wrap) pleat__str_puts(b, "(");
  switch (n->kind) {
    case AST_INT:
    case AST_FLOAT:
      put_number(b, n);
      break;
    case AST_BOOL:
      pleat__str_puts(b, n->u ? "true" : "false");
      break;
    case AST_NAME:
      pleat__str_puts(b, n->name ? n->name : "?");
      break;
    case AST_UNARY: {
      const pleat__ast_node *a = n->nkids ? n->kids[0] : NULL;
      pleat__str_puts(b, pleat__ast_op_text(n->op));
      int sub = n->op == AOP_NEG ? CTX_UNARY_NEG : CTX_OPERAND;
      /* "- -x", not "--x": the same tokens, but easier to read */
      if (a && n->op == AOP_NEG && !a->paren && !needs_parens(a, sub) &&
          ((a->kind == AST_UNARY && a->op == AOP_NEG) ||
           ((a->kind == AST_INT || a->kind == AST_FLOAT) && a->neg)))
        pleat__str_puts(b, " ");
      print_node(pr, a, sub, level + 1);
      break;
    }
    case AST_BINARY:
      print_node(pr, n->nkids > 0 ? n->kids[0] : NULL, CTX_OPERAND, level + 1);
      pleat__str_printf(b, " %s ", pleat__ast_op_text(n->op));
      print_node(pr, n->nkids > 1 ? n->kids[1] : NULL, CTX_OPERAND, level + 1);
      break;
    case AST_TERNARY:
      print_node(pr, n->nkids > 0 ? n->kids[0] : NULL, CTX_COND, level + 1);
      pleat__str_puts(b, " ? ");
      print_node(pr, n->nkids > 1 ? n->kids[1] : NULL, CTX_TERNARY, level + 1);
      pleat__str_puts(b, " : ");
      print_node(pr, n->nkids > 2 ? n->kids[2] : NULL, CTX_TERNARY, level + 1);
      break;
    case AST_CALL:
      pleat__str_puts(b, n->name ? n->name : "?");
      pleat__str_puts(b, "(");
      print_list(pr, n, ", ", level + 1);
      pleat__str_puts(b, ")");
      break;
    case AST_FIELD:
      print_node(pr, n->nkids ? n->kids[0] : NULL, CTX_FIELD, level + 1);
      pleat__str_printf(b, ".%llu", (unsigned long long)n->u);
      break;
    case AST_TUPLE:
      pleat__str_puts(b, "(");
      print_list(pr, n, ", ", level + 1);
      pleat__str_puts(b, ")");
      break;
    case AST_OPREF:
      pleat__str_puts(b, pleat__ast_op_text(n->op));
      break;
    case AST_LAMBDA:
      pleat__str_printf(b, "(%s, %s) -> ", n->name ? n->name : "?", n->name2 ? n->name2 : "?");
      print_node(pr, n->nkids ? n->kids[0] : NULL, CTX_TOP, level + 1);
      break;
    case AST_PIPELINE:
      print_list(pr, n, " |> ", level + 1);
      break;
    default:
      pleat__str_puts(b, "?");
      break;
  }
  if (wrap) pleat__str_puts(b, ")");
}

pleat_status pleat__ast_print(const pleat__ast *t, pleat__str *buf) {
  if (!t || !buf) return PLEAT_E_INVAL;
  if (!t->root) return PLEAT_OK;
  printer pr = {buf, false};
  print_node(&pr, t->root, CTX_TOP, 0);
  if (pr.too_deep) return PLEAT_E_LIMIT;
  return buf->oom ? PLEAT_E_NOMEM : PLEAT_OK;
}

/* ---- dump ------------------------------------------------------------------------- */

static const char *kind_name(int k) {
  switch (k) {
    case AST_INT: return "int";
    case AST_FLOAT: return "float";
    case AST_BOOL: return "bool";
    case AST_NAME: return "name";
    case AST_UNARY: return "unary";
    case AST_BINARY: return "binary";
    case AST_TERNARY: return "ternary";
    case AST_CALL: return "call";
    case AST_FIELD: return "field";
    case AST_TUPLE: return "tuple";
    case AST_OPREF: return "opref";
    case AST_LAMBDA: return "lambda";
    case AST_PIPELINE: return "pipeline";
  }
  return "?";
}

static bool dump_node(pleat__str *b, const pleat__ast_node *n, uint32_t level) {
  if (!n || level > PLEAT_MAX_DEPTH + 8) return false;
  for (uint32_t k = 0; k < level; k++) pleat__str_puts(b, "  ");
  pleat__str_puts(b, kind_name(n->kind));
  switch (n->kind) {
    case AST_INT:
    case AST_FLOAT:
      pleat__str_puts(b, " ");
      put_number(b, n);
      break;
    case AST_BOOL:
      pleat__str_puts(b, n->u ? " true" : " false");
      break;
    case AST_NAME:
    case AST_CALL:
      pleat__str_printf(b, " %s", n->name ? n->name : "?");
      break;
    case AST_UNARY:
    case AST_BINARY:
    case AST_OPREF:
      pleat__str_printf(b, " %s", pleat__ast_op_text(n->op));
      break;
    case AST_FIELD:
      pleat__str_printf(b, " .%llu", (unsigned long long)n->u);
      break;
    case AST_LAMBDA:
      pleat__str_printf(b, " (%s, %s)", n->name ? n->name : "?", n->name2 ? n->name2 : "?");
      break;
    default:
      break;
  }
  pleat__str_printf(b, " %u:%u\n", (unsigned)n->line, (unsigned)n->col);
  for (uint32_t k = 0; k < n->nkids; k++)
    if (!dump_node(b, n->kids[k], level + 1)) return false;
  return true;
}

pleat_status pleat__ast_dump(const pleat__ast *t, pleat__str *buf) {
  if (!t || !buf) return PLEAT_E_INVAL;
  if (!t->root) {
    pleat__str_puts(buf, "(empty)\n");
  } else if (!dump_node(buf, t->root, 0)) {
    return PLEAT_E_LIMIT;
  }
  return buf->oom ? PLEAT_E_NOMEM : PLEAT_OK;
}
