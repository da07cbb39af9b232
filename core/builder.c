/*
** builder.c -- the builder API (pleat_b_* in pleat.h): the same syntax tree
** the parser makes, built by calls instead of text.
**
** Errors are sticky: the first bad argument (PLEAT_E_INVAL), out-of-memory
** (PLEAT_E_NOMEM) or limit (PLEAT_E_LIMIT) is recorded with a message naming
** the function, every later call returns NULL (or that status), and
** pleat_plan_create_built reports it.  So calls can be nested unchecked.
**
** Nodes may be shared (pleat_b_binary(b, "*", x, x)): nothing mutates a node
** after it is made.  Every node carries its depth, so no call walks a tree,
** and the expanded size (a shared node counted once per use) is checked once,
** in pleat_plan_create_built.
**
** A builder makes one plan: pleat_plan_create_built moves the tree into the
** plan and leaves the builder empty; any later call on it is PLEAT_E_MISUSE.
** Nodes of one builder must not be passed to another.
*/
#include <math.h>
#include <stdio.h>

#include "ctx_int.h"

/* The public handle of a node is the AST node itself. */
struct pleat_node {
  pleat__ast_node n;
};

struct pleat_builder {
  pleat_ctx *ctx;
  pleat__ast ast;
  pleat__ast_node *stages[PLEAT_MAX_STAGES];
  uint32_t nstages;
  bool used;              /* the tree went to a plan */
  pleat_status status;    /* sticky */
  char msg[256];
};

static pleat_node *pub(pleat__ast_node *n) { return (pleat_node *)(void *)n; }
static pleat__ast_node *priv(pleat_node *n) { return (pleat__ast_node *)(void *)n; }

PLEAT_PRINTF(3, 4)
static void *bfail(pleat_builder *b, pleat_status st, const char *fmt, ...) {
  if (b->status == PLEAT_OK) {
    b->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->msg, sizeof b->msg, fmt, ap);
    va_end(ap);
  }
  return NULL;
}

/* False (with the error recorded) when the builder can take no more calls. */
static bool usable(pleat_builder *b, const char *fn) {
  if (b->status != PLEAT_OK) return false;
  if (b->used) {
    bfail(b, PLEAT_E_MISUSE, "%s: the builder's pipeline was already compiled by "
                             "pleat_plan_create_built (a builder makes one plan)", fn);
    return false;
  }
  return true;
}

static bool check_node(pleat_builder *b, const char *fn, const char *arg, pleat_node *n) {
  if (n) return true;
  bfail(b, PLEAT_E_INVAL, "%s: %s is NULL", fn, arg);
  return false;
}

static bool is_keyword(const char *s) {
  return !strcmp(s, "true") || !strcmp(s, "false") || !strcmp(s, "nan") || !strcmp(s, "inf");
}

/* A name as the lexer would read it: [A-Za-z_][A-Za-z0-9_]*, not a keyword
   unless keywords_ok. */
static bool check_ident(pleat_builder *b, const char *fn, const char *arg, const char *s,
                        bool keywords_ok) {
  if (!s) {
    bfail(b, PLEAT_E_INVAL, "%s: %s is NULL", fn, arg);
    return false;
  }
  size_t n = strnlen(s, (size_t)PLEAT_MAX_TEXT + 1);
  bool ok = n > 0 && n <= PLEAT_MAX_TEXT;
  for (size_t k = 0; ok && k < n; k++) {
    char c = s[k];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    ok = alpha || (k > 0 && c >= '0' && c <= '9');
  }
  if (!ok) {
    bfail(b, PLEAT_E_INVAL, "%s: %s \"%.40s%s\" is not a name ([A-Za-z_][A-Za-z0-9_]*)", fn,
          arg, s, n > 40 ? "..." : "");
    return false;
  }
  if (!keywords_ok && is_keyword(s)) {
    bfail(b, PLEAT_E_INVAL, "%s: %s \"%s\" is a keyword, not a name", fn, arg, s);
    return false;
  }
  return true;
}

/* A new node with kids[0..nkids) copied in, its depth set. */
static pleat__ast_node *node(pleat_builder *b, const char *fn, int kind,
                             pleat__ast_node *const *kids, uint32_t nkids) {
  uint32_t d = 0;
  for (uint32_t k = 0; k < nkids; k++)
    if (kids[k]->depth > d) d = kids[k]->depth;
  if (d + 1 > PLEAT_MAX_DEPTH)
    return bfail(b, PLEAT_E_LIMIT, "%s: expression nested deeper than %d", fn, PLEAT_MAX_DEPTH);
  pleat__ast_node *n = pleat__ast_new(&b->ast, kind);
  if (!n) {
    if (b->ast.nnodes >= PLEAT_MAX_NODES)
      return bfail(b, PLEAT_E_LIMIT, "%s: more than %u syntax tree nodes", fn,
                   (unsigned)PLEAT_MAX_NODES);
    return bfail(b, PLEAT_E_NOMEM, "%s: out of memory", fn);
  }
  n->depth = (uint16_t)(d + 1);
  if (nkids) {
    n->kids = pleat__ast_alloc(&b->ast, (size_t)nkids * sizeof *n->kids);
    if (!n->kids) return bfail(b, PLEAT_E_NOMEM, "%s: out of memory", fn);
    memcpy(n->kids, kids, (size_t)nkids * sizeof *n->kids);
    n->nkids = nkids;
  }
  return n;
}

static const char *copy_name(pleat_builder *b, const char *fn, const char *s) {
  const char *d = pleat__ast_strdup(&b->ast, s, strlen(s));
  if (!d) bfail(b, PLEAT_E_NOMEM, "%s: out of memory", fn);
  return d;
}

/* ---- handles ---------------------------------------------------------------- */

PLEAT_API pleat_builder *pleat_builder_create(pleat_ctx *ctx) {
  if (!ctx) return NULL;
  pleat__alloc *al = pleat__ctx_alloc(ctx);
  pleat_builder *b = pleat__calloc(al, 1, sizeof *b);
  if (!b) return NULL;
  b->ctx = ctx;
  pleat__ast_init(&b->ast, al);
  return b;
}

PLEAT_API void pleat_builder_free(pleat_builder *b) {
  if (!b) return;
  pleat__ast_free(&b->ast);
  pleat__free(b->ast.al, b);
}

/* ---- leaves ----------------------------------------------------------------- */

PLEAT_API pleat_node *pleat_b_int(pleat_builder *b, int64_t v) {
  if (!b || !usable(b, "pleat_b_int")) return NULL;
  pleat__ast_node *n = node(b, "pleat_b_int", AST_INT, NULL, 0);
  if (!n) return NULL;
  /* as the parser reads "-5": the magnitude and a sign */
  n->neg = v < 0;
  n->u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  return pub(n);
}

PLEAT_API pleat_node *pleat_b_float(pleat_builder *b, double v) {
  if (!b || !usable(b, "pleat_b_float")) return NULL;
  pleat__ast_node *n = node(b, "pleat_b_float", AST_FLOAT, NULL, 0);
  if (!n) return NULL;
  n->f = v;
  n->neg = signbit(v) ? 1 : 0;
  return pub(n);
}

PLEAT_API pleat_node *pleat_b_bool(pleat_builder *b, int v) {
  if (!b || !usable(b, "pleat_b_bool")) return NULL;
  pleat__ast_node *n = node(b, "pleat_b_bool", AST_BOOL, NULL, 0);
  if (!n) return NULL;
  n->u = v != 0;
  return pub(n);
}

PLEAT_API pleat_node *pleat_b_name(pleat_builder *b, const char *name) {
  const char *fn = "pleat_b_name";
  if (!b || !usable(b, fn) || !check_ident(b, fn, "name", name, true)) return NULL;
  /* The text "nan" is a literal, so the built tree is one too. */
  if (is_keyword(name)) {
    bool flt = name[0] == 'n' || name[0] == 'i';
    pleat__ast_node *n = node(b, fn, flt ? AST_FLOAT : AST_BOOL, NULL, 0);
    if (!n) return NULL;
    if (name[0] == 'n') n->f = NAN;
    else if (name[0] == 'i') n->f = INFINITY;
    else n->u = name[0] == 't';
    return pub(n);
  }
  pleat__ast_node *n = node(b, fn, AST_NAME, NULL, 0);
  if (!n || !(n->name = copy_name(b, fn, name))) return NULL;
  return pub(n);
}

/* ---- operators ----------------------------------------------------------------- */

static int op_from_text(const char *op, int first, int last) {
  for (int k = first; k <= last; k++)
    if (!strcmp(op, pleat__ast_op_text(k))) return k;
  return -1;
}

PLEAT_API pleat_node *pleat_b_unary(pleat_builder *b, const char *op, pleat_node *a) {
  const char *fn = "pleat_b_unary";
  if (!b || !usable(b, fn)) return NULL;
  if (!op) return bfail(b, PLEAT_E_INVAL, "%s: op is NULL", fn);
  int k = op_from_text(op, AOP_NEG, AOP_BNOT);
  if (k < 0)
    return bfail(b, PLEAT_E_INVAL, "%s: unknown unary operator \"%.16s\" (expected \"-\", \"!\" "
                                   "or \"~\")", fn, op);
  if (!check_node(b, fn, "a", a)) return NULL;
  pleat__ast_node *x = priv(a);
  if (k == AOP_NEG && (x->kind == AST_INT || x->kind == AST_FLOAT) && !x->neg && !x->paren) {
    /* The parser folds "-5" into the literal; so does the builder, on a
       copy because the operand may be used elsewhere too. */
    pleat__ast_node *n = node(b, fn, x->kind, NULL, 0);
    if (!n) return NULL;
    n->u = x->u;
    n->f = -x->f;
    n->neg = 1;
    return pub(n);
  }
  pleat__ast_node *n = node(b, fn, AST_UNARY, &x, 1);
  if (!n) return NULL;
  n->op = (uint8_t)k;
  return pub(n);
}

PLEAT_API pleat_node *pleat_b_binary(pleat_builder *b, const char *op, pleat_node *l,
                                     pleat_node *r) {
  const char *fn = "pleat_b_binary";
  if (!b || !usable(b, fn)) return NULL;
  if (!op) return bfail(b, PLEAT_E_INVAL, "%s: op is NULL", fn);
  int k = op_from_text(op, AOP_MUL, AOP_LOR);
  if (k < 0) return bfail(b, PLEAT_E_INVAL, "%s: unknown binary operator \"%.16s\"", fn, op);
  if (!check_node(b, fn, "l", l) || !check_node(b, fn, "r", r)) return NULL;
  pleat__ast_node *kids[2] = {priv(l), priv(r)};
  pleat__ast_node *n = node(b, fn, AST_BINARY, kids, 2);
  if (!n) return NULL;
  n->op = (uint8_t)k;
  return pub(n);
}

PLEAT_API pleat_node *pleat_b_ternary(pleat_builder *b, pleat_node *c, pleat_node *t,
                                      pleat_node *f) {
  const char *fn = "pleat_b_ternary";
  if (!b || !usable(b, fn)) return NULL;
  if (!check_node(b, fn, "c", c) || !check_node(b, fn, "t", t) || !check_node(b, fn, "f", f))
    return NULL;
  pleat__ast_node *kids[3] = {priv(c), priv(t), priv(f)};
  return pub(node(b, fn, AST_TERNARY, kids, 3));
}

/* ---- calls, fields, tuples ---------------------------------------------------------- */

static pleat_node *callv(pleat_builder *b, const char *fn, const char *name, int nargs,
                         pleat__ast_node *const *args) {
  pleat__ast_node *n = node(b, fn, AST_CALL, args, (uint32_t)nargs);
  if (!n || !(n->name = copy_name(b, fn, name))) return NULL;
  return pub(n);
}

/* Arguments are gathered into a temporary array; beyond this many they go
   to the heap. */
#define SMALL_ARGS 16

PLEAT_API pleat_node *pleat_b_call(pleat_builder *b, const char *name, int nargs, ...) {
  const char *fn = "pleat_b_call";
  if (!b || !usable(b, fn) || !check_ident(b, fn, "name", name, false)) return NULL;
  if (nargs < 0) return bfail(b, PLEAT_E_INVAL, "%s: nargs is negative (%d)", fn, nargs);
  pleat__ast_node *small[SMALL_ARGS];
  pleat__ast_node **args = small;
  if (nargs > SMALL_ARGS) {
    args = pleat__malloc(b->ast.al, (size_t)nargs * sizeof *args);
    if (!args) return bfail(b, PLEAT_E_NOMEM, "%s: out of memory", fn);
  }
  va_list ap;
  va_start(ap, nargs);
  int bad = -1;
  for (int k = 0; k < nargs; k++) {
    args[k] = priv(va_arg(ap, pleat_node *));
    if (!args[k] && bad < 0) bad = k;
  }
  va_end(ap);
  pleat_node *r = NULL;
  if (bad >= 0)
    bfail(b, PLEAT_E_INVAL, "%s: argument %d of %s() is NULL", fn, bad, name);
  else
    r = callv(b, fn, name, nargs, args);
  if (args != small) pleat__free(b->ast.al, args);
  return r;
}

PLEAT_API pleat_node *pleat_b_callv(pleat_builder *b, const char *name, int nargs,
                                    pleat_node *const *args) {
  const char *fn = "pleat_b_callv";
  if (!b || !usable(b, fn) || !check_ident(b, fn, "name", name, false)) return NULL;
  if (nargs < 0) return bfail(b, PLEAT_E_INVAL, "%s: nargs is negative (%d)", fn, nargs);
  if (nargs > 0 && !args) return bfail(b, PLEAT_E_INVAL, "%s: args is NULL", fn);
  for (int k = 0; k < nargs; k++)
    if (!args[k]) return bfail(b, PLEAT_E_INVAL, "%s: args[%d] of %s() is NULL", fn, k, name);
  /* pleat_node * and pleat__ast_node * are the same pointer */
  pleat__ast_node *small[SMALL_ARGS];
  pleat__ast_node **kids = small;
  if (nargs > SMALL_ARGS) {
    kids = pleat__malloc(b->ast.al, (size_t)nargs * sizeof *kids);
    if (!kids) return bfail(b, PLEAT_E_NOMEM, "%s: out of memory", fn);
  }
  for (int k = 0; k < nargs; k++) kids[k] = priv(args[k]);
  pleat_node *r = callv(b, fn, name, nargs, kids);
  if (kids != small) pleat__free(b->ast.al, kids);
  return r;
}

PLEAT_API pleat_node *pleat_b_field(pleat_builder *b, pleat_node *e, int k) {
  const char *fn = "pleat_b_field";
  if (!b || !usable(b, fn) || !check_node(b, fn, "e", e)) return NULL;
  if (k < 0) return bfail(b, PLEAT_E_INVAL, "%s: field index k is negative (%d)", fn, k);
  pleat__ast_node *x = priv(e);
  pleat__ast_node *n = node(b, fn, AST_FIELD, &x, 1);
  if (!n) return NULL;
  n->u = (uint64_t)k;
  return pub(n);
}

PLEAT_API pleat_node *pleat_b_tuple(pleat_builder *b, int n, pleat_node *const *items) {
  const char *fn = "pleat_b_tuple";
  if (!b || !usable(b, fn)) return NULL;
  if (n < 2) return bfail(b, PLEAT_E_INVAL, "%s: n is %d; a tuple has at least 2 items", fn, n);
  if (!items) return bfail(b, PLEAT_E_INVAL, "%s: items is NULL", fn);
  for (int k = 0; k < n; k++)
    if (!items[k]) return bfail(b, PLEAT_E_INVAL, "%s: items[%d] is NULL", fn, k);
  pleat__ast_node *small[SMALL_ARGS];
  pleat__ast_node **kids = small;
  if (n > SMALL_ARGS) {
    kids = pleat__malloc(b->ast.al, (size_t)n * sizeof *kids);
    if (!kids) return bfail(b, PLEAT_E_NOMEM, "%s: out of memory", fn);
  }
  for (int k = 0; k < n; k++) kids[k] = priv(items[k]);
  pleat__ast_node *t = node(b, fn, AST_TUPLE, kids, (uint32_t)n);
  if (kids != small) pleat__free(b->ast.al, kids);
  return pub(t);
}

PLEAT_API pleat_node *pleat_b_opref(pleat_builder *b, const char *op) {
  const char *fn = "pleat_b_opref";
  if (!b || !usable(b, fn)) return NULL;
  if (!op) return bfail(b, PLEAT_E_INVAL, "%s: op is NULL", fn);
  /* The parser reads "scan(min)" as the name min, and so it is here. */
  if (!strcmp(op, "min") || !strcmp(op, "max")) return pleat_b_name(b, op);
  int k = -1;
  if (!strcmp(op, "+")) k = AOP_ADD;
  else if (!strcmp(op, "*")) k = AOP_MUL;
  else if (!strcmp(op, "&")) k = AOP_BAND;
  else if (!strcmp(op, "|")) k = AOP_BOR;
  else if (!strcmp(op, "^")) k = AOP_BXOR;
  if (k < 0)
    return bfail(b, PLEAT_E_INVAL, "%s: \"%.16s\" is not an operator reference (expected "
                                   "+ * min max & | ^)", fn, op);
  pleat__ast_node *n = node(b, fn, AST_OPREF, NULL, 0);
  if (!n) return NULL;
  n->op = (uint8_t)k;
  return pub(n);
}

PLEAT_API pleat_node *pleat_b_lambda(pleat_builder *b, const char *pa, const char *pb,
                                     pleat_node *body) {
  const char *fn = "pleat_b_lambda";
  if (!b || !usable(b, fn) || !check_ident(b, fn, "pa", pa, false) ||
      !check_ident(b, fn, "pb", pb, false) || !check_node(b, fn, "body", body))
    return NULL;
  pleat__ast_node *x = priv(body);
  pleat__ast_node *n = node(b, fn, AST_LAMBDA, &x, 1);
  if (!n || !(n->name = copy_name(b, fn, pa)) || !(n->name2 = copy_name(b, fn, pb))) return NULL;
  return pub(n);
}

/* ---- the pipeline ------------------------------------------------------------------- */

PLEAT_API pleat_status pleat_b_stage(pleat_builder *b, pleat_node *stage) {
  const char *fn = "pleat_b_stage";
  if (!b) return PLEAT_E_INVAL;
  if (!usable(b, fn)) return b->status;
  if (!check_node(b, fn, "stage", stage)) return b->status;
  if (b->nstages == PLEAT_MAX_STAGES) {
    bfail(b, PLEAT_E_LIMIT, "%s: more than %d stages in one pipeline", fn, PLEAT_MAX_STAGES);
    return b->status;
  }
  b->stages[b->nstages++] = priv(stage);
  return PLEAT_OK;
}

/* The pipeline built so far as a tree root, without consuming the builder
   (each call makes a new root node); NULL after an error.  For tests and
   debugging: the prototype is repeated where it is used. */
const pleat__ast_node *pleat__builder_preview(pleat_builder *b);
const pleat__ast_node *pleat__builder_preview(pleat_builder *b) {
  if (!b || !usable(b, "pleat__builder_preview")) return NULL;
  return node(b, "pleat__builder_preview", AST_PIPELINE, b->stages, b->nstages);
}

/* Size of the tree with shared nodes counted once per use, up to limit+1
   (a depth-first walk on a fixed stack: the depth is already bounded). */
static uint32_t expanded_size(const pleat__ast_node *root, uint32_t limit) {
  struct {
    const pleat__ast_node *n;
    uint32_t next;
  } st[PLEAT_MAX_DEPTH + 2];
  uint32_t sp = 0, count = 1;
  st[sp].n = root;
  st[sp].next = 0;
  sp++;
  while (sp && count <= limit) {
    const pleat__ast_node *c = st[sp - 1].n;
    if (st[sp - 1].next >= c->nkids || sp == PLEAT_MAX_DEPTH + 2) {
      sp--;
      continue;
    }
    st[sp].n = c->kids[st[sp - 1].next++];
    st[sp].next = 0;
    sp++;
    count++;
  }
  return count;
}

/* Makes the failure readable through pleat_ctx_errmsg: there is no plan. */
static pleat_status ctx_fail(pleat_builder *b, pleat_status st, const char *msg) {
  pleat_ctx *ctx = b->ctx;
  pthread_mutex_lock(&ctx->lock);
  pleat__msg_set(&ctx->msg, "%s", msg);
  pthread_mutex_unlock(&ctx->lock);
  return st;
}

PLEAT_API pleat_status pleat_plan_create_built(pleat_builder *b, const pleat_column *cols,
                                               size_t ncols, pleat_plan **out) {
  const char *fn = "pleat_plan_create_built";
  if (!out) {
    if (b) bfail(b, PLEAT_E_INVAL, "%s: out is NULL", fn);
    if (b) ctx_fail(b, PLEAT_E_INVAL, b->msg);
    return PLEAT_E_INVAL;
  }
  *out = NULL;
  if (!b) return PLEAT_E_INVAL;
  if (!usable(b, fn)) return ctx_fail(b, b->status, b->msg);
  pleat__ast_node *root = node(b, fn, AST_PIPELINE, b->stages, b->nstages);
  if (!root) return ctx_fail(b, b->status, b->msg);
  if (expanded_size(root, PLEAT_MAX_NODES) > PLEAT_MAX_NODES) {
    bfail(b, PLEAT_E_LIMIT, "%s: the pipeline has more than %u syntax tree nodes (a node "
                            "used several times counts each time)", fn, (unsigned)PLEAT_MAX_NODES);
    return ctx_fail(b, b->status, b->msg);
  }
  b->ast.root = root;
  /* The plan takes the arena; the builder keeps an empty tree. */
  pleat__ast t = b->ast;
  pleat__ast_init(&b->ast, t.al);
  b->nstages = 0;
  b->used = true;
  return pleat__plan_create_ast(b->ctx, &t, cols, ncols, out);
}
