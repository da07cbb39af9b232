/*
** parse.c -- pipeline text to syntax tree (pleat__parse in ast.h).
**
**   pipeline := item ("|>" item)*
**   item     := expr
**   expr     := binary ["?" expr ":" expr]            (right associative)
**   binary   := unary (BINOP unary)*                  (C precedence, left assoc)
**   unary    := ("-" | "!" | "~")* postfix
**   postfix  := primary ("." FIELD)*
**   primary  := INT | FLOAT | "true" | "false" | "nan" | "inf"
**             | NAME | NAME "(" [arg ("," arg)*] ")"
**             | "(" expr ")" | "(" expr ("," expr)+ ")"
**             | "(" NAME "," NAME ")" "->" expr
**   arg      := ("+" | "*" | "&" | "|" | "^")   (only before "," or ")")
**             | expr
**
** The parser is an operator-precedence machine with explicit stacks (open
** brackets and ternaries as frames, pending operators, finished operands), so
** it never recurses at all: 10^6 nested parentheses or a 64 KiB thread stack
** cannot overflow anything.  Two limits keep the later passes, which recurse
** on the tree, safe: at most PLEAT_MAX_DEPTH open brackets, ternaries,
** lambdas and pending unary operators at any point ("nesting"), and a tree
** depth (1 + deepest kid) of at most PLEAT_MAX_DEPTH, checked as every node
** is made, so a 10^5-term chain x+x+... stops at its 200th operator in
** linear time.
**
** Positions: a node's line/col/off are those of its first byte; parentheses
** around a node are not part of its own span (so a literal's span is exactly
** the literal, with its folded '-', for the checker's f32 re-rounding) but
** are part of the spans of the nodes around it.
*/
#include <math.h>
#include <stdio.h>

#include "ast.h"
#include "lex.h"

enum { F_PIPE, F_CALL, F_PAREN, F_THEN, F_ELSE, F_LAMBDA };

/* An open construct: its opening token and where its operands and
   operators start on the stacks. */
typedef struct frame {
  uint8_t kind;
  uint32_t line, col, off; /* '(' of a call, group or lambda; '?' */
  uint32_t obase;          /* F_THEN/F_ELSE: index of the condition */
  uint32_t pbase;
  pleat__ast_node *call;   /* F_CALL: the node being built */
  const char *pa, *pb;     /* F_LAMBDA parameters */
} frame;

/* A pending operator. */
typedef struct opent {
  uint8_t prefix, op, prec;
  uint32_t line, col, off;
} opent;

/* A finished operand and its extent in the text, parentheses included. */
typedef struct operand {
  pleat__ast_node *n;
  uint32_t line, col, off, end;
} operand;

#define PREC_UNARY 11
#define MAX_FRAMES (PLEAT_MAX_DEPTH + 2)
#define MAX_OPS (12 * MAX_FRAMES + PLEAT_MAX_DEPTH + 16)

typedef struct parser {
  pleat__ast *t;
  pleat__lexer lx;
  pleat__token cur, nxt;
  bool has_nxt;
  pleat__parse_error *err;
  frame *fr;
  uint32_t nfr;
  opent *ops;
  uint32_t nops;
  operand *opd;
  uint32_t nopd, cap_opd;
  uint32_t nprefix;   /* pending prefix operators, all frames together */
  bool item_start;    /* the operand expected begins a pipeline item */
  bool after_pipe;    /* ... and follows a '|>' */
  bool arg_start;     /* the operand expected begins a call argument */
} parser;

/* ---- errors ------------------------------------------------------------- */

PLEAT_PRINTF(5, 6)
static bool fail(parser *p, pleat_status st, uint32_t line, uint32_t col, const char *fmt, ...) {
  if (p->err->status != PLEAT_OK) return false;
  p->err->status = st;
  p->err->line = line;
  p->err->col = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
  va_end(ap);
  return false;
}

/* "'text'" of a token for messages, or "end of input". */
static const char *desc(parser *p, const pleat__token *tk, char buf[64]) {
  if (tk->kind == TK_END) return "end of input";
  if (tk->len > 40)
    snprintf(buf, 64, "'%.40s...'", p->lx.s + tk->off);
  else
    snprintf(buf, 64, "'%.*s'", (int)tk->len, p->lx.s + tk->off);
  return buf;
}

static bool too_deep(parser *p, uint32_t line, uint32_t col) {
  return fail(p, PLEAT_E_LIMIT, line, col, "expression nested deeper than %d", PLEAT_MAX_DEPTH);
}

/* Nesting after opening one more construct. */
static bool nest_ok(parser *p, const pleat__token *at) {
  if ((p->nfr - 1) + p->nprefix + 1 > PLEAT_MAX_DEPTH) return too_deep(p, at->line, at->col);
  return true;
}

/* ---- tokens ------------------------------------------------------------- */

static bool lex_error(parser *p) {
  return fail(p, p->lx.err_status, p->lx.err_line, p->lx.err_col, "%s", p->lx.err_msg);
}

static bool advance(parser *p) {
  if (p->has_nxt) {
    p->cur = p->nxt;
    p->has_nxt = false;
  } else {
    pleat__lex_next(&p->lx, &p->cur);
  }
  if (p->cur.kind == TK_ERR) return lex_error(p);
  return true;
}

/* The kind of the token after cur (TK_ERR is reported only once reached). */
static int peek(parser *p) {
  if (!p->has_nxt) {
    pleat__lex_next(&p->lx, &p->nxt);
    p->has_nxt = true;
  }
  return p->nxt.kind;
}

/* ---- nodes and stacks ----------------------------------------------------- */

static pleat__ast_node *mk(parser *p, int kind, uint32_t line, uint32_t col, uint32_t off,
                           uint32_t end) {
  pleat__ast_node *n = pleat__ast_new(p->t, kind);
  if (!n) {
    if (p->t->nnodes >= PLEAT_MAX_NODES)
      fail(p, PLEAT_E_LIMIT, p->cur.line, p->cur.col, "more than %u syntax tree nodes",
           (unsigned)PLEAT_MAX_NODES);
    else
      fail(p, PLEAT_E_NOMEM, 0, 0, "out of memory");
    return NULL;
  }
  n->line = line;
  n->col = col;
  n->off = off;
  n->len = end - off;
  n->depth = 1;
  return n;
}

/* Sets n->depth from its kids; PLEAT_E_LIMIT at (line, col) when too deep. */
static bool set_depth(parser *p, pleat__ast_node *n, uint32_t line, uint32_t col) {
  uint32_t d = 0;
  for (uint32_t k = 0; k < n->nkids; k++)
    if (n->kids[k]->depth > d) d = n->kids[k]->depth;
  if (d + 1 > PLEAT_MAX_DEPTH) return too_deep(p, line, col);
  n->depth = (uint16_t)(d + 1);
  return true;
}

static bool set_kids(parser *p, pleat__ast_node *n, const operand *src, uint32_t count) {
  if (count == 0) return true;
  n->kids = pleat__ast_alloc(p->t, (size_t)count * sizeof *n->kids);
  if (!n->kids) return fail(p, PLEAT_E_NOMEM, 0, 0, "out of memory");
  for (uint32_t k = 0; k < count; k++) n->kids[k] = src[k].n;
  n->nkids = count;
  return true;
}

static bool push_opd(parser *p, pleat__ast_node *n, uint32_t line, uint32_t col, uint32_t off,
                     uint32_t end) {
  if (p->nopd == p->cap_opd) {
    uint32_t cap = p->cap_opd ? p->cap_opd * 2 : 64;
    operand *o = pleat__realloc(p->t->al, p->opd, (size_t)cap * sizeof *o);
    if (!o) return fail(p, PLEAT_E_NOMEM, 0, 0, "out of memory");
    p->opd = o;
    p->cap_opd = cap;
  }
  operand *o = &p->opd[p->nopd++];
  o->n = n;
  o->line = line;
  o->col = col;
  o->off = off;
  o->end = end;
  return true;
}

static bool push_node(parser *p, pleat__ast_node *n) {
  return push_opd(p, n, n->line, n->col, n->off, n->off + n->len);
}

static uint32_t tok_end(const pleat__token *tk) { return tk->off + tk->len; }

static bool push_op(parser *p, bool prefix, int op, int prec, const pleat__token *at) {
  if (p->nops == MAX_OPS) return fail(p, PLEAT_E_INTERNAL, at->line, at->col, "operator stack overflow");
  opent *e = &p->ops[p->nops++];
  e->prefix = prefix;
  e->op = (uint8_t)op;
  e->prec = (uint8_t)prec;
  e->line = at->line;
  e->col = at->col;
  e->off = at->off;
  if (prefix) p->nprefix++;
  return true;
}

static bool push_frame(parser *p, int kind, const pleat__token *at, uint32_t obase) {
  frame *f = &p->fr[p->nfr++];
  memset(f, 0, sizeof *f);
  f->kind = (uint8_t)kind;
  f->line = at->line;
  f->col = at->col;
  f->off = at->off;
  f->obase = obase;
  f->pbase = p->nops;
  return true;
}

static frame *top(parser *p) { return &p->fr[p->nfr - 1]; }

/* ---- reductions ------------------------------------------------------------ */

/* unary := op unary  /  binary := binary op binary: builds the node of the
   top pending operator. */
static bool apply(parser *p) {
  opent e = p->ops[--p->nops];
  if (e.prefix) {
    p->nprefix--;
    operand a = p->opd[--p->nopd];
    pleat__ast_node *n = mk(p, AST_UNARY, e.line, e.col, e.off, a.end);
    if (!n || !set_kids(p, n, &a, 1)) return false;
    n->op = e.op;
    if (!set_depth(p, n, e.line, e.col)) return false;
    return push_node(p, n);
  }
  operand lr[2];
  p->nopd -= 2;
  lr[0] = p->opd[p->nopd];
  lr[1] = p->opd[p->nopd + 1];
  pleat__ast_node *n = mk(p, AST_BINARY, lr[0].line, lr[0].col, lr[0].off, lr[1].end);
  if (!n || !set_kids(p, n, lr, 2)) return false;
  n->op = e.op;
  if (!set_depth(p, n, e.line, e.col)) return false;
  return push_node(p, n);
}

/* Applies the current frame's pending operators of precedence >= prec. */
static bool reduce_to(parser *p, int prec) {
  uint32_t base = top(p)->pbase;
  while (p->nops > base && p->ops[p->nops - 1].prec >= prec)
    if (!apply(p)) return false;
  return true;
}

/* expr := binary "?" expr ":" expr  /  primary := "(" NAME "," NAME ")" "->" expr:
   an open else branch or lambda body ends where its enclosing expression
   ends (at ',' ')' ':' '|>' or the end), so those frames close here. */
static bool close_open_ended(parser *p) {
  for (;;) {
    if (!reduce_to(p, 0)) return false;
    frame *f = top(p);
    if (f->kind == F_ELSE) {
      operand *k = &p->opd[f->obase];
      pleat__ast_node *n = mk(p, AST_TERNARY, k[0].line, k[0].col, k[0].off, k[2].end);
      if (!n || !set_kids(p, n, k, 3) || !set_depth(p, n, f->line, f->col)) return false;
      p->nopd = f->obase;
      p->nfr--;
      if (!push_node(p, n)) return false;
    } else if (f->kind == F_LAMBDA) {
      operand *body = &p->opd[f->obase];
      pleat__ast_node *n = mk(p, AST_LAMBDA, f->line, f->col, f->off, body->end);
      if (!n || !set_kids(p, n, body, 1) || !set_depth(p, n, f->line, f->col)) return false;
      n->name = f->pa;
      n->name2 = f->pb;
      p->nopd = f->obase;
      p->nfr--;
      if (!push_node(p, n)) return false;
    } else {
      return true;
    }
  }
}

/* ---- operands ---------------------------------------------------------------- */

/* primary := INT | FLOAT | "true" | "false" | "nan" | "inf"
   A '-' pending right before a number folds into it, so -2147483648 and
   -9223372036854775808 are literals, never the negation of one that
   overflows. */
static bool literal(parser *p) {
  pleat__token tk = p->cur;
  int kind = tk.kind == TK_INT ? AST_INT
           : (tk.kind == TK_TRUE || tk.kind == TK_FALSE) ? AST_BOOL : AST_FLOAT;
  pleat__ast_node *n = mk(p, kind, tk.line, tk.col, tk.off, tok_end(&tk));
  if (!n) return false;
  switch (tk.kind) {
    case TK_INT: n->u = tk.u; break;
    case TK_FLOAT: n->f = tk.f; break;
    case TK_TRUE: n->u = 1; break;
    case TK_FALSE: n->u = 0; break;
    case TK_NAN: n->f = NAN; break;
    case TK_INF: n->f = INFINITY; break;
  }
  if (kind != AST_BOOL && p->nops > top(p)->pbase) {
    opent *e = &p->ops[p->nops - 1];
    if (e->prefix && e->op == AOP_NEG) {
      n->neg = 1;
      if (kind == AST_FLOAT) n->f = -n->f;
      n->line = e->line;
      n->col = e->col;
      n->len = tok_end(&tk) - e->off;
      n->off = e->off;
      p->nops--;
      p->nprefix--;
    }
  }
  if (kind == AST_INT && !n->neg && n->u > (uint64_t)INT64_MAX)
    return fail(p, PLEAT_E_RANGE, tk.line, tk.col,
                "integer literal out of range (9223372036854775808 is only allowed negated)");
  if (!push_node(p, n)) return false;
  return advance(p);
}

/* primary := NAME "(" [arg ("," arg)*] ")" -- the opening half; the
   arguments are parsed as the frame's items. */
static bool open_call(parser *p) {
  pleat__token name = p->cur;
  if (!advance(p)) return false; /* the '(' */
  if (!nest_ok(p, &p->cur)) return false;
  pleat__ast_node *n = mk(p, AST_CALL, name.line, name.col, name.off, tok_end(&name));
  if (!n) return false;
  n->name = pleat__ast_strdup(p->t, p->lx.s + name.off, name.len);
  if (!n->name) return fail(p, PLEAT_E_NOMEM, 0, 0, "out of memory");
  push_frame(p, F_CALL, &p->cur, p->nopd);
  top(p)->call = n;
  return advance(p);
}

/* primary := NAME "(" ... ")" -- the closing half, cur is ')'. */
static bool close_call(parser *p) {
  frame *f = top(p);
  pleat__ast_node *n = f->call;
  uint32_t cnt = p->nopd - f->obase;
  if (cnt && !set_kids(p, n, &p->opd[f->obase], cnt)) return false;
  n->len = tok_end(&p->cur) - n->off;
  if (!set_depth(p, n, n->line, n->col)) return false;
  p->nopd = f->obase;
  p->nfr--;
  if (!push_node(p, n)) return false;
  return advance(p);
}

/* primary := "(" expr ")" | "(" expr ("," expr)+ ")"
            | "(" NAME "," NAME ")" "->" expr  -- cur is ')'; *lambda: a
   lambda's body (an operand) comes next. */
static bool close_paren(parser *p, bool *lambda) {
  frame *f = top(p);
  uint32_t cnt = p->nopd - f->obase;
  operand *items = &p->opd[f->obase];
  pleat__token rp = p->cur;
  if (peek(p) == TK_ARROW) {
    if (cnt != 2 || items[0].n->kind != AST_NAME || items[1].n->kind != AST_NAME ||
        items[0].n->paren || items[1].n->paren)
      return fail(p, PLEAT_E_SYNTAX, f->line, f->col,
                  "a lambda takes two parameters (a, b) -> ...");
    frame lam = *f;
    const char *pa = items[0].n->name, *pb = items[1].n->name;
    p->nopd = f->obase;
    p->nfr--;
    if (!advance(p) || !advance(p)) return false; /* ')' and '->' */
    pleat__token open = {0};
    open.line = lam.line;
    open.col = lam.col;
    open.off = lam.off;
    push_frame(p, F_LAMBDA, &open, p->nopd);
    top(p)->pa = pa;
    top(p)->pb = pb;
    *lambda = true;
    return true;
  }
  if (cnt == 1) {
    items[0].n->paren = 1;
    items[0].line = f->line;
    items[0].col = f->col;
    items[0].off = f->off;
    items[0].end = tok_end(&rp);
  } else {
    pleat__ast_node *n = mk(p, AST_TUPLE, f->line, f->col, f->off, tok_end(&rp));
    if (!n || !set_kids(p, n, items, cnt) || !set_depth(p, n, f->line, f->col)) return false;
    p->nopd = f->obase;
    if (!push_node(p, n)) return false;
  }
  p->nfr--;
  return advance(p);
}

static bool expected_operand(parser *p) {
  char b[64];
  const char *found = desc(p, &p->cur, b);
  if (p->item_start && p->after_pipe) {
    if (p->cur.kind == TK_END)
      return fail(p, PLEAT_E_SYNTAX, p->cur.line, p->cur.col,
                  "expected a stage or reducer after '|>'");
    return fail(p, PLEAT_E_SYNTAX, p->cur.line, p->cur.col,
                "expected a stage or reducer after '|>', found %s", found);
  }
  if (p->item_start)
    return fail(p, PLEAT_E_SYNTAX, p->cur.line, p->cur.col,
                "expected a stage or reducer, found %s", found);
  return fail(p, PLEAT_E_SYNTAX, p->cur.line, p->cur.col, "expected an expression, found %s",
              found);
}

static int opref_op(int kind) {
  switch (kind) {
    case TK_PLUS: return AOP_ADD;
    case TK_STAR: return AOP_MUL;
    case TK_AMP: return AOP_BAND;
    case TK_BAR: return AOP_BOR;
    case TK_CARET: return AOP_BXOR;
  }
  return -1;
}

/* unary := ("-" | "!" | "~")* postfix  /  primary := ...  /  arg := OPREF | expr:
   one token where an operand is expected.  *done: an operand was pushed. */
static bool operand_step(parser *p, bool *done) {
  pleat__token tk = p->cur;
  bool arg_start = p->arg_start;
  *done = false;
  switch (tk.kind) {
    case TK_MINUS:
    case TK_BANG:
    case TK_TILDE: {
      if (!nest_ok(p, &tk)) return false;
      int op = tk.kind == TK_MINUS ? AOP_NEG : tk.kind == TK_BANG ? AOP_NOT : AOP_BNOT;
      if (!push_op(p, true, op, PREC_UNARY, &tk)) return false;
      p->item_start = p->arg_start = false;
      return advance(p);
    }
    case TK_INT:
    case TK_FLOAT:
    case TK_TRUE:
    case TK_FALSE:
    case TK_NAN:
    case TK_INF:
      *done = true;
      return literal(p);
    case TK_NAME: {
      if (peek(p) == TK_LPAREN) {
        p->item_start = p->arg_start = false;
        if (!open_call(p)) return false;
        if (p->cur.kind == TK_RPAREN) {
          *done = true;
          return close_call(p);
        }
        p->arg_start = true;
        return true;
      }
      pleat__ast_node *n = mk(p, AST_NAME, tk.line, tk.col, tk.off, tok_end(&tk));
      if (!n) return false;
      n->name = pleat__ast_strdup(p->t, p->lx.s + tk.off, tk.len);
      if (!n->name) return fail(p, PLEAT_E_NOMEM, 0, 0, "out of memory");
      *done = true;
      return push_node(p, n) && advance(p);
    }
    case TK_LPAREN:
      if (!nest_ok(p, &tk)) return false;
      push_frame(p, F_PAREN, &tk, p->nopd);
      p->item_start = p->arg_start = false;
      return advance(p);
    default:
      break;
  }
  int op = opref_op(tk.kind);
  if (arg_start && op >= 0) {
    int nx = peek(p);
    if (nx == TK_COMMA || nx == TK_RPAREN) {
      pleat__ast_node *n = mk(p, AST_OPREF, tk.line, tk.col, tk.off, tok_end(&tk));
      if (!n) return false;
      n->op = (uint8_t)op;
      *done = true;
      return push_node(p, n) && advance(p);
    }
  }
  return expected_operand(p);
}

/* ---- operators ------------------------------------------------------------------ */

/* binary := unary (BINOP unary)*: C's precedence, 10 binding tightest. */
static int binop(int kind, int *prec) {
  switch (kind) {
    case TK_STAR: *prec = 10; return AOP_MUL;
    case TK_SLASH: *prec = 10; return AOP_DIV;
    case TK_PERCENT: *prec = 10; return AOP_REM;
    case TK_PLUS: *prec = 9; return AOP_ADD;
    case TK_MINUS: *prec = 9; return AOP_SUB;
    case TK_SHL: *prec = 8; return AOP_SHL;
    case TK_SHR: *prec = 8; return AOP_SHR;
    case TK_LT: *prec = 7; return AOP_LT;
    case TK_LE: *prec = 7; return AOP_LE;
    case TK_GT: *prec = 7; return AOP_GT;
    case TK_GE: *prec = 7; return AOP_GE;
    case TK_EQ: *prec = 6; return AOP_EQ;
    case TK_NE: *prec = 6; return AOP_NE;
    case TK_AMP: *prec = 5; return AOP_BAND;
    case TK_CARET: *prec = 4; return AOP_BXOR;
    case TK_BAR: *prec = 3; return AOP_BOR;
    case TK_ANDAND: *prec = 2; return AOP_LAND;
    case TK_OROR: *prec = 1; return AOP_LOR;
  }
  return -1;
}

/* pipeline := item ("|>" item)*: an item is complete (cur is '|>' or the end). */
static bool item_done(parser *p) {
  if (p->nopd > PLEAT_MAX_STAGES) {
    operand *it = &p->opd[p->nopd - 1];
    return fail(p, PLEAT_E_LIMIT, it->line, it->col, "more than %d stages in one pipeline",
                PLEAT_MAX_STAGES);
  }
  return true;
}

/* pipeline := item ("|>" item)*: the root, once the end is reached. */
static bool finish(parser *p) {
  operand *items = p->opd;
  uint32_t cnt = p->nopd;
  pleat__ast_node *n = mk(p, AST_PIPELINE, items[0].line, items[0].col, items[0].off,
                          items[cnt - 1].end);
  if (!n || !set_kids(p, n, items, cnt)) return false;
  uint32_t deepest = 0;
  for (uint32_t k = 1; k < cnt; k++)
    if (items[k].n->depth > items[deepest].n->depth) deepest = k;
  if (!set_depth(p, n, items[deepest].line, items[deepest].col)) return false;
  p->t->root = n;
  return true;
}

static bool expected_close(parser *p, const char *what) {
  char b[64];
  frame *f = top(p);
  if (p->cur.kind == TK_END)
    return fail(p, PLEAT_E_SYNTAX, p->cur.line, p->cur.col, "expected %s at %u:%u", what,
                (unsigned)f->line, (unsigned)f->col);
  return fail(p, PLEAT_E_SYNTAX, p->cur.line, p->cur.col, "expected %s at %u:%u, found %s",
              what, (unsigned)f->line, (unsigned)f->col, desc(p, &p->cur, b));
}

/* postfix := primary ("." FIELD)*  /  binary := unary (BINOP unary)*  /
   expr := binary "?" ...  and the ends of items, arguments and groups: one
   token after a complete operand.  *end: the pipeline is complete. */
static bool operator_step(parser *p, bool *operand_next, bool *end) {
  pleat__token tk = p->cur;
  char b[64];
  int prec;
  int op = binop(tk.kind, &prec);
  *operand_next = false;
  *end = false;
  if (tk.kind == TK_DOT) {
    if (!advance(p)) return false;
    if (p->cur.kind != TK_INT)
      return fail(p, PLEAT_E_SYNTAX, p->cur.line, p->cur.col,
                  "expected a field number after '.', found %s", desc(p, &p->cur, b));
    operand *a = &p->opd[p->nopd - 1];
    pleat__ast_node *n = mk(p, AST_FIELD, a->line, a->col, a->off, tok_end(&p->cur));
    if (!n || !set_kids(p, n, a, 1) || !set_depth(p, n, tk.line, tk.col)) return false;
    n->u = p->cur.u;
    p->nopd--;
    return push_node(p, n) && advance(p);
  }
  if (op >= 0) {
    if (!reduce_to(p, prec) || !push_op(p, false, op, prec, &tk)) return false;
    *operand_next = true;
    return advance(p);
  }
  if (tk.kind == TK_QUEST) {
    if (!reduce_to(p, 0) || !nest_ok(p, &tk)) return false;
    push_frame(p, F_THEN, &tk, p->nopd - 1);
    *operand_next = true;
    return advance(p);
  }
  if (tk.kind == TK_ARROW)
    return fail(p, PLEAT_E_SYNTAX, tk.line, tk.col,
                "unexpected '->' (a lambda is written (a, b) -> body)");
  if (!close_open_ended(p)) return false;
  frame *f = top(p);
  switch (f->kind) {
    case F_THEN:
      if (tk.kind == TK_COLON) {
        f->kind = F_ELSE;
        *operand_next = true;
        return advance(p);
      }
      return expected_close(p, "':' to match '?'");
    case F_CALL:
    case F_PAREN:
      if (tk.kind == TK_COMMA) {
        *operand_next = true;
        p->arg_start = f->kind == F_CALL;
        return advance(p);
      }
      if (tk.kind == TK_RPAREN)
        return f->kind == F_CALL ? close_call(p) : close_paren(p, operand_next);
      if (tk.kind == TK_END) return expected_close(p, "')' to close '('");
      if (tk.kind == TK_COLON) return fail(p, PLEAT_E_SYNTAX, tk.line, tk.col, "unexpected ':'");
      return fail(p, PLEAT_E_SYNTAX, tk.line, tk.col, "expected ',' or ')', found %s",
                  desc(p, &tk, b));
    default: /* F_PIPE */
      if (tk.kind == TK_PIPE) {
        if (!item_done(p)) return false;
        *operand_next = true;
        p->item_start = p->after_pipe = true;
        return advance(p);
      }
      if (tk.kind == TK_END) {
        *end = true;
        return item_done(p) && finish(p);
      }
      if (tk.kind == TK_RPAREN || tk.kind == TK_COLON)
        return fail(p, PLEAT_E_SYNTAX, tk.line, tk.col, "unexpected %s", desc(p, &tk, b));
      return fail(p, PLEAT_E_SYNTAX, tk.line, tk.col, "expected '|>' or end of input, found %s",
                  desc(p, &tk, b));
  }
}

/* pipeline := item ("|>" item)* */
static bool run(parser *p) {
  if (!advance(p)) return false;
  /* Empty text, blanks or only comments: reported at 1:1, wherever the end
     of input lies, so that len == 0 and "   \n# c" read the same. */
  if (p->cur.kind == TK_END)
    return fail(p, PLEAT_E_SYNTAX, 1, 1, "empty pipeline: expected a stage or reducer");
  pleat__token start = {0};
  start.line = start.col = 1;
  push_frame(p, F_PIPE, &start, 0);
  p->item_start = true;
  bool want_operand = true;
  for (;;) {
    if (want_operand) {
      bool done;
      if (!operand_step(p, &done)) return false;
      if (done) {
        want_operand = false;
        p->item_start = p->after_pipe = p->arg_start = false;
      }
    } else {
      bool end;
      if (!operator_step(p, &want_operand, &end)) return false;
      if (end) return true;
    }
  }
}

/* Line and column of byte off (for the length limit, the only error not
   found by the lexer walking up to it). */
static void position_of(const char *s, size_t off, uint32_t *line, uint32_t *col) {
  uint32_t ln = 1;
  size_t ls = 0;
  for (size_t k = 0; k < off; k++)
    if (s[k] == '\n') {
      ln++;
      ls = k + 1;
    }
  *line = ln;
  *col = (uint32_t)(off - ls + 1);
}

pleat_status pleat__parse(pleat__ast *t, const char *text, size_t len, pleat__parse_error *err) {
  if (!err) return PLEAT_E_INVAL;
  memset(err, 0, sizeof *err);
  if (!t || !t->al || (!text && len)) {
    err->status = PLEAT_E_INVAL;
    snprintf(err->msg, sizeof err->msg, "%s is NULL", !t || !t->al ? "the tree" : "text");
    return err->status;
  }
  if (len > PLEAT_MAX_TEXT) {
    err->status = PLEAT_E_LIMIT;
    position_of(text, PLEAT_MAX_TEXT, &err->line, &err->col);
    snprintf(err->msg, sizeof err->msg,
             "pipeline text of %zu bytes is longer than the limit of %u bytes", len,
             (unsigned)PLEAT_MAX_TEXT);
    return err->status;
  }
  parser p;
  memset(&p, 0, sizeof p);
  p.t = t;
  p.err = err;
  pleat__lex_init(&p.lx, text ? text : "", len, t->al);
  p.fr = pleat__malloc(t->al, MAX_FRAMES * sizeof *p.fr);
  p.ops = pleat__malloc(t->al, MAX_OPS * sizeof *p.ops);
  if (!p.fr || !p.ops)
    fail(&p, PLEAT_E_NOMEM, 0, 0, "out of memory");
  else
    run(&p);
  pleat__free(t->al, p.fr);
  pleat__free(t->al, p.ops);
  pleat__free(t->al, p.opd);
  return err->status;
}
