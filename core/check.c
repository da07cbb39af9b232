/*
** check.c -- names, types and lowering: the syntactic tree becomes the typed
** IR.  Literals are weak (they take the type of the other operand), mixed
** strong operands promote as in C, and every pure instruction whose operands
** are constants is folded by evaluating it with vec_ops.c, the interpreter's
** own arithmetic.  Integer division inside the right side of && || ?: gets a
** guard so that `x != 0 && 100 / x > 1` never reports a division by zero
** (C's short-circuit semantics, evaluated branch-free).
**
** Recursion follows the tree, whose depth the parser and builder bound by
** PLEAT_MAX_DEPTH.
*/
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

enum { W_NONE = 0, W_INT = 1, W_FLT = 2 };

typedef struct val {
  int32_t reg;   /* value number, -1 for an unmaterialised weak literal */
  uint8_t type;  /* pleat_dtype of a strong value */
  uint8_t weak;  /* W_INT, W_FLT: a literal not yet given a type */
  int64_t wi;
  double wf;
  const pleat__ast_node *lit; /* the literal node (for f32 re-rounding) */
} val;

typedef struct elem {
  val f[PLEAT_MAX_TUPLE];
  uint8_t n;
  bool tuple;
} elem;

#define MAX_COLS PLEAT_MAX_COLUMNS

typedef struct chk {
  pleat__ir *ir;          /* where instructions go (the plan or a lambda) */
  pleat__ir *main_ir;
  const char *text;
  size_t text_len;
  const pleat_column *cols;
  size_t ncols;
  char colname[MAX_COLS][24];
  const char *colnames[MAX_COLS];
  int32_t col_reg[MAX_COLS]; /* cached COL loads of the current segment */
  int32_t idx_reg;
  elem x;
  int32_t k_reg;          /* k in the current segment, -1 when undefined */
  int32_t guard;          /* current guard value, -1 for none */
  uint32_t seg;
  /* lambda mode */
  bool in_lambda;
  const char *pa, *pb;
  val va, vb;
  pleat__parse_error *err;
} chk;

/* ---- errors -------------------------------------------------------------- */

PLEAT_PRINTF(4, 5)
static bool fail(chk *c, pleat_status st, const pleat__ast_node *n,
                 const char *fmt, ...) {
  if (c->err->status != PLEAT_OK) return false;
  c->err->status = st;
  c->err->line = n ? n->line : 0;
  c->err->col = n ? n->col : 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
  va_end(ap);
  return false;
}

static bool oom(chk *c) {
  return fail(c, PLEAT_E_NOMEM, NULL, "out of memory");
}

/* The source text of a node, for messages ("'100 / x'"), quoted and cut. */
static const char *snippet(chk *c, const pleat__ast_node *n, char buf[96]) {
  if (!c->text || !n || n->len == 0 || n->off + n->len > c->text_len) {
    snprintf(buf, 96, "expression");
    return buf;
  }
  size_t len = n->len < 80 ? n->len : 80;
  snprintf(buf, 96, "'%.*s%s'", (int)len, c->text + n->off, n->len > 80 ? "..." : "");
  return buf;
}

static const char *tname(const val *v) {
  if (v->weak == W_INT) return "integer literal";
  if (v->weak == W_FLT) return "float literal";
  return pleat_dtype_name(v->type);
}

static bool is_int(int t) { return t == PLEAT_I32 || t == PLEAT_I64; }
static bool is_flt(int t) { return t == PLEAT_F32 || t == PLEAT_F64; }

/* ---- emission and folding ------------------------------------------------ */

static int32_t emit_raw(chk *c, int op, int type, int32_t a, int32_t b,
                        int32_t cc, const pleat__ast_node *n) {
  pleat__ir_ins in;
  memset(&in, 0, sizeof in);
  in.op = (uint16_t)op;
  in.type = (uint8_t)type;
  in.a = a;
  in.b = b;
  in.c = cc;
  in.seg = c->seg;
  if (n) {
    in.src_off = n->off;
    in.src_len = n->len;
  }
  int32_t r = pleat__ir_emit(c->ir, &in);
  if (r < 0) oom(c);
  return r;
}

static int32_t emit_const(chk *c, int type, pleat__imm v) {
  int32_t r = emit_raw(c, IR_CONST, type, -1, -1, -1, NULL);
  if (r >= 0) c->ir->ins[r].imm = v;
  return r;
}

static bool is_const(chk *c, int32_t r) {
  return r >= 0 && c->ir->ins[r].op == IR_CONST;
}

/* Stores a scalar of type t from imm into buf (for folding). */
static void imm_store(int t, pleat__imm v, void *buf) {
  switch (t) {
    case PLEAT_BOOL: *(uint8_t *)buf = (uint8_t)(v.i != 0); break;
    case PLEAT_I32: *(int32_t *)buf = (int32_t)v.i; break;
    case PLEAT_I64: *(int64_t *)buf = v.i; break;
    case PLEAT_F32: *(float *)buf = (float)v.f; break;
    case PLEAT_F64: *(double *)buf = v.f; break;
  }
}
static pleat__imm imm_load(int t, const void *buf) {
  pleat__imm v;
  v.i = 0;
  switch (t) {
    case PLEAT_BOOL: v.i = *(const uint8_t *)buf; break;
    case PLEAT_I32: v.i = *(const int32_t *)buf; break;
    case PLEAT_I64: v.i = *(const int64_t *)buf; break;
    case PLEAT_F32: v.f = *(const float *)buf; break;
    case PLEAT_F64: v.f = *(const double *)buf; break;
  }
  return v;
}

/* Emits a pure op; folds it when every operand is a constant.  Integer
   division by a constant zero is an error here, at plan time. */
static int32_t emit_op(chk *c, int op, int type, int32_t a, int32_t b,
                       int32_t cc, const pleat__ast_node *n) {
  if (c->err->status) return -1;
  bool fold = true;
  int32_t ops[3] = {a, b, cc};
  int nops = pleat__ir_ops[op].nargs;
  /* a constant-false guard: the division is never evaluated */
  bool never = (op == IR_DIV || op == IR_REM) && cc >= 0 && is_const(c, cc) &&
               c->ir->ins[cc].imm.i == 0;
  if (op == IR_DIV || op == IR_REM) {
    nops = 2; /* c is the guard */
    if (is_int(type) && is_const(c, b) && c->ir->ins[b].imm.i == 0 && !never) {
      char sb[96];
      fail(c, PLEAT_E_DOMAIN, n, "integer division by zero in %s", snippet(c, n, sb));
      return -1;
    }
  }
  for (int k = 0; k < nops; k++)
    if (!is_const(c, ops[k])) fold = false;
  if (fold && nops > 0) {
    pleat__ir_ins in;
    memset(&in, 0, sizeof in);
    in.op = (uint16_t)op;
    in.type = (uint8_t)type;
    in.aux = 0;
    uint8_t tys[3] = {0, 0, 0};
    uint64_t buf[3] = {0, 0, 0}, res = 0;
    for (int k = 0; k < nops; k++) {
      const pleat__ir_ins *o = &c->ir->ins[ops[k]];
      tys[k] = o->type;
      imm_store(o->type, o->imm, &buf[k]);
    }
    if (op == IR_SELECT) tys[0] = tys[1];
    if (op == IR_CAST) in.aux = tys[0];
    if (op == IR_SELECT) { tys[0] = c->ir->ins[b].type; tys[1] = tys[0]; }
    int64_t trap = -1;
    if (pleat__eval_op(&in, tys, &res, &buf[0], &buf[1], &buf[2], NULL, NULL, 1, &trap)) {
      if (trap >= 0 && !never) {
        char sb[96];
        fail(c, PLEAT_E_DOMAIN, n, "integer division by zero in %s", snippet(c, n, sb));
        return -1;
      }
      return emit_const(c, type, imm_load(type, &res));
    }
  }
  int32_t r = emit_raw(c, op, type, a, b, cc, n);
  if (r >= 0 && op == IR_CAST) c->ir->ins[r].aux = c->ir->ins[a].type;
  return r;
}

/* ---- weak literals --------------------------------------------------------- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* A float literal rounded once, directly from its text, to f32. */
static float literal_f32(chk *c, const val *v) {
  const pleat__ast_node *n = v->lit;
  if (n && c->text && n->len > 0 && n->len < 128 && n->off + n->len <= c->text_len) {
    char buf[128];
    memcpy(buf, c->text + n->off, n->len);
    buf[n->len] = 0;
    if (strpbrk(buf, "0123456789") && !strpbrk(buf, "xX")) {
      pthread_once(&c_locale_once, make_c_locale);
      if (c_locale) {
        locale_t old = uselocale(c_locale);
        char *end;
        float f = strtof(buf, &end);
        uselocale(old);
        if (*end == 0) return f;
      }
    }
  }
  return (float)v->wf;
}

/* Gives a weak literal the type t (emitting its constant). */
static bool materialize(chk *c, val *v, int t, const pleat__ast_node *n) {
  if (v->weak == W_NONE) return true;
  pleat__imm imm;
  imm.i = 0;
  if (v->weak == W_INT) {
    switch (t) {
      case PLEAT_I32:
        if (v->wi < INT32_MIN || v->wi > INT32_MAX)
          return fail(c, PLEAT_E_RANGE, v->lit ? v->lit : n,
                      "integer %lld does not fit i32", (long long)v->wi);
        imm.i = v->wi;
        break;
      case PLEAT_I64: imm.i = v->wi; break;
      case PLEAT_F32: imm.f = (double)(float)v->wi; break;
      case PLEAT_F64: imm.f = (double)v->wi; break;
      default:
        return fail(c, PLEAT_E_TYPE, n, "type error: an integer literal cannot be %s",
                    pleat_dtype_name(t));
    }
  } else {
    switch (t) {
      case PLEAT_F32: imm.f = (double)literal_f32(c, v); break;
      case PLEAT_F64: imm.f = v->wf; break;
      default:
        return fail(c, PLEAT_E_TYPE, n, "type error: a float literal cannot be %s",
                    pleat_dtype_name(t));
    }
  }
  v->reg = emit_const(c, t, imm);
  v->type = (uint8_t)t;
  v->weak = W_NONE;
  return v->reg >= 0;
}

/* The default type of a weak literal standing alone. */
static bool settle(chk *c, val *v, const pleat__ast_node *n) {
  if (v->weak == W_INT) return materialize(c, v, PLEAT_I64, n);
  if (v->weak == W_FLT) return materialize(c, v, PLEAT_F64, n);
  return true;
}

static bool convert(chk *c, val *v, int t, const pleat__ast_node *n) {
  if (v->weak) return materialize(c, v, t, n);
  if (v->type == t) return true;
  v->reg = emit_op(c, IR_CAST, t, v->reg, -1, -1, n);
  v->type = (uint8_t)t;
  return v->reg >= 0;
}

static int promote2(int a, int b) {
  if (a == b) return a;
  if (is_flt(a) || is_flt(b)) {
    if (a == PLEAT_F64 || b == PLEAT_F64) return PLEAT_F64;
    return PLEAT_F32;
  }
  return PLEAT_I64; /* i32 with i64 */
}

/* Brings two operands to one type for an arithmetic or comparison op.
   allow_bool: both may be bool (== != & | ^ and ?:). */
static bool unify(chk *c, val *l, val *r, bool allow_bool, const char *what,
                  const pleat__ast_node *n) {
  if (l->weak && r->weak) {
    int t = (l->weak == W_FLT || r->weak == W_FLT) ? PLEAT_F64 : PLEAT_I64;
    return materialize(c, l, t, n) && materialize(c, r, t, n);
  }
  if (l->weak || r->weak) {
    val *w = l->weak ? l : r, *s = l->weak ? r : l;
    if (s->type == PLEAT_BOOL)
      return fail(c, PLEAT_E_TYPE, n, "type error: '%s' of %s and %s (arithmetic on bool needs a cast)",
                  what, tname(l), tname(r));
    if (w->weak == W_FLT && is_int(s->type))
      return materialize(c, w, PLEAT_F64, n) && convert(c, s, PLEAT_F64, n);
    return materialize(c, w, s->type, n);
  }
  if (l->type == PLEAT_BOOL || r->type == PLEAT_BOOL) {
    if (l->type == r->type && allow_bool) return true;
    return fail(c, PLEAT_E_TYPE, n, "type error: '%s' of %s and %s%s", what,
                tname(l), tname(r),
                (l->type == r->type) ? " (arithmetic on bool needs a cast)" : "");
  }
  int t = promote2(l->type, r->type);
  return convert(c, l, t, n) && convert(c, r, t, n);
}

/* ---- names --------------------------------------------------------------- */

static const char *const reserved[] = {
  "x", "i", "k", "true", "false", "nan", "inf",
#define X(n, t) t,
  PLEAT_REDUCERS(X)
#undef X
  "map", "filter", "take", "drop", "take_while", "drop_while", "take_nth",
  "enumerate", "scan", "dedupe", "flat_map", "flat_map_range",
  "abs", "clamp", "sqrt", "cbrt", "exp", "exp2", "log", "log2", "log10", "pow",
  "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
  "floor", "ceil", "round", "trunc", "fma", "hypot", "isnan", "isinf", "hash",
  "uniform", "i32", "i64", "f32", "f64", "bool", NULL};

const char *pleat__col_name(const pleat_column *cols, size_t k, char buf[24]) {
  if (cols[k].name) return cols[k].name;
  static const char *const pos[] = {"x", "y", "z"};
  if (k < 3) return pos[k];
  snprintf(buf, 24, "c%zu", k);
  return buf;
}

static bool valid_ident(const char *s) {
  if (!s || !*s) return false;
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
  size_t len = 0;
  for (const char *p = s; *p; p++, len++) {
    if (len > 64) return false;
    char ch = *p;
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
          (ch >= '0' && ch <= '9')))
      return false;
  }
  return true;
}

static bool setup_columns(chk *c) {
  if (c->ncols == 0 || !c->cols)
    return fail(c, PLEAT_E_INVAL, NULL, "the input needs at least one column");
  if (c->ncols > MAX_COLS)
    return fail(c, PLEAT_E_LIMIT, NULL, "%zu columns: at most %d are allowed",
                c->ncols, MAX_COLS);
  for (size_t k = 0; k < c->ncols; k++) {
    const pleat_column *col = &c->cols[k];
    if (pleat_dtype_size(col->dtype) == 0)
      return fail(c, PLEAT_E_INVAL, NULL, "column %zu: invalid dtype %d", k, (int)col->dtype);
    const char *nm = pleat__col_name(c->cols, k, c->colname[k]);
    if (!valid_ident(nm))
      return fail(c, PLEAT_E_NAME, NULL, "column %zu: '%.40s' is not a valid name "
                  "(letters, digits, _, at most 64 characters)", k, nm);
    if (col->name) {
      if (!(k == 0 && strcmp(nm, "x") == 0))
        for (const char *const *r = reserved; *r; r++)
          if (!strcmp(*r, nm))
            return fail(c, PLEAT_E_NAME, NULL, "column %zu: '%s' is a reserved name", k, nm);
    }
    if (nm != c->colname[k]) {
      snprintf(c->colname[k], sizeof c->colname[k], "%s", nm);
    }
    c->colnames[k] = c->colname[k];
    for (size_t j = 0; j < k; j++)
      if (!strcmp(c->colnames[j], c->colnames[k]))
        return fail(c, PLEAT_E_NAME, NULL, "columns %zu and %zu are both named '%s'", j, k,
                    c->colnames[k]);
  }
  return true;
}

static val strong(int32_t reg, int type) {
  val v;
  memset(&v, 0, sizeof v);
  v.reg = reg;
  v.type = (uint8_t)type;
  return v;
}

static int32_t load_col(chk *c, size_t k) {
  if (c->col_reg[k] >= 0) return c->col_reg[k];
  int32_t r = emit_raw(c, IR_COL, c->cols[k].dtype, -1, -1, -1, NULL);
  if (r >= 0) c->ir->ins[r].imm.i = (int64_t)k;
  c->col_reg[k] = r;
  return r;
}

static int32_t load_index(chk *c) {
  if (c->idx_reg < 0) c->idx_reg = emit_raw(c, IR_INDEX, PLEAT_I64, -1, -1, -1, NULL);
  return c->idx_reg;
}

/* ---- expressions ----------------------------------------------------------- */

static bool expr(chk *c, const pleat__ast_node *n, elem *out);

/* An expression that must be one scalar. */
static bool scalar(chk *c, const pleat__ast_node *n, val *out) {
  elem e;
  if (!expr(c, n, &e)) return false;
  if (e.tuple) {
    char sb[96];
    return fail(c, PLEAT_E_TYPE, n, "type error: %s is a tuple of %d fields where a "
                "number is needed (use .0, .1, ...)", snippet(c, n, sb), e.n);
  }
  *out = e.f[0];
  return true;
}

static bool boolean(chk *c, const pleat__ast_node *n, val *out, const char *who) {
  if (!scalar(c, n, out)) return false;
  if (out->weak || out->type != PLEAT_BOOL)
    return fail(c, PLEAT_E_TYPE, n, "type error: %s needs a bool, found %s", who, tname(out));
  return true;
}

static void one(elem *e, val v) {
  e->n = 1;
  e->tuple = false;
  e->f[0] = v;
}

/* a AND b of bools (for guards), folding constants. */
static int32_t guard_and(chk *c, int32_t g, int32_t cond, bool negate,
                         const pleat__ast_node *n) {
  if (negate) cond = emit_op(c, IR_NOT, PLEAT_BOOL, cond, -1, -1, n);
  if (cond < 0) return -1;
  if (g < 0) return cond;
  return emit_op(c, IR_BAND, PLEAT_BOOL, g, cond, -1, n);
}

/* Evaluates n with the guard narrowed by cond (negated if asked). */
static bool guarded(chk *c, const pleat__ast_node *n, int32_t cond, bool negate,
                    val *out) {
  int32_t saved = c->guard;
  if (cond >= 0 && !is_const(c, cond)) {
    c->guard = guard_and(c, saved, cond, negate, n);
    if (c->guard < 0) return false;
  } else if (cond >= 0 && (c->ir->ins[cond].imm.i != 0) == negate) {
    /* a constant condition that never lets n run (false && n, true ? a : n):
       n is still typed and lowered, but its divisions never trap */
    pleat__imm f;
    f.i = 0;
    c->guard = emit_const(c, PLEAT_BOOL, f);
    if (c->guard < 0) return false;
  }
  bool ok = scalar(c, n, out);
  c->guard = saved;
  return ok;
}

static const struct binop {
  uint8_t aop;
  uint8_t irop;
  uint8_t kind; /* 0 arith, 1 compare, 2 shift, 3 bitwise, 4 logical */
} binops[] = {
  {AOP_MUL, IR_MUL, 0}, {AOP_DIV, IR_DIV, 0}, {AOP_REM, IR_REM, 0},
  {AOP_ADD, IR_ADD, 0}, {AOP_SUB, IR_SUB, 0}, {AOP_SHL, IR_SHL, 2},
  {AOP_SHR, IR_SHR, 2}, {AOP_LT, IR_LT, 1}, {AOP_LE, IR_LE, 1},
  {AOP_GT, IR_GT, 1}, {AOP_GE, IR_GE, 1}, {AOP_EQ, IR_EQ, 1},
  {AOP_NE, IR_NE, 1}, {AOP_BAND, IR_BAND, 3}, {AOP_BXOR, IR_BXOR, 3},
  {AOP_BOR, IR_BOR, 3}, {AOP_LAND, IR_BAND, 4}, {AOP_LOR, IR_BOR, 4},
};

/* Weak op weak: computed now in i64 (wrapping) or f64, stays weak. */
static bool weak_arith(chk *c, int irop, val *l, val *r, const pleat__ast_node *n,
                       val *out) {
  int t = (l->weak == W_FLT || r->weak == W_FLT) ? PLEAT_F64 : PLEAT_I64;
  if (irop == IR_SHL || irop == IR_SHR) t = PLEAT_I64;
  pleat__ir_ins in;
  memset(&in, 0, sizeof in);
  in.op = (uint16_t)irop;
  in.type = (uint8_t)t;
  uint8_t tys[2] = {(uint8_t)t, (uint8_t)t};
  union { int64_t i; double f; } a, b, res;
  if (t == PLEAT_I64) { a.i = l->wi; b.i = r->wi; }
  else { a.f = l->weak == W_INT ? (double)l->wi : l->wf; b.f = r->weak == W_INT ? (double)r->wi : r->wf; }
  int64_t trap = -1;
  if (!pleat__eval_op(&in, tys, &res, &a, &b, NULL, NULL, NULL, 1, &trap))
    return fail(c, PLEAT_E_INTERNAL, n, "cannot fold constant");
  if (trap >= 0) {
    char sb[96];
    return fail(c, PLEAT_E_DOMAIN, n, "integer division by zero in %s", snippet(c, n, sb));
  }
  memset(out, 0, sizeof *out);
  out->reg = -1;
  out->weak = (uint8_t)(t == PLEAT_F64 ? W_FLT : W_INT);
  if (t == PLEAT_F64) out->wf = res.f; else out->wi = res.i;
  return true;
}

static bool binary(chk *c, const pleat__ast_node *n, val *out) {
  const struct binop *bo = NULL;
  for (size_t k = 0; k < sizeof binops / sizeof binops[0]; k++)
    if (binops[k].aop == n->op) bo = &binops[k];
  if (!bo) return fail(c, PLEAT_E_SYNTAX, n, "unexpected operator '%s'", pleat__ast_op_text(n->op));
  const char *opt = pleat__ast_op_text(n->op);
  val l, r;
  if (!scalar(c, n->kids[0], &l)) return false;
  if (bo->kind == 4) { /* && || : the right side is guarded by the left */
    if (l.weak || l.type != PLEAT_BOOL)
      return fail(c, PLEAT_E_TYPE, n, "type error: '%s' needs bool operands, found %s",
                  opt, tname(&l));
    if (!guarded(c, n->kids[1], l.reg, n->op == AOP_LOR, &r)) return false;
    if (r.weak || r.type != PLEAT_BOOL)
      return fail(c, PLEAT_E_TYPE, n, "type error: '%s' needs bool operands, found %s",
                  opt, tname(&r));
    *out = strong(emit_op(c, bo->irop, PLEAT_BOOL, l.reg, r.reg, -1, n), PLEAT_BOOL);
    return out->reg >= 0;
  }
  if (!scalar(c, n->kids[1], &r)) return false;
  if (l.weak && r.weak && bo->kind != 1 && bo->kind != 3) {
    if ((bo->kind == 2) && (l.weak == W_FLT || r.weak == W_FLT))
      return fail(c, PLEAT_E_TYPE, n, "type error: '%s' needs integers, found %s and %s",
                  opt, tname(&l), tname(&r));
    return weak_arith(c, bo->irop, &l, &r, n, out);
  }
  if (bo->kind == 2) { /* shifts: the result has the left operand's type */
    if (l.weak && !r.weak) { if (!materialize(c, &l, is_int(r.type) ? r.type : PLEAT_I64, n)) return false; }
    if (l.weak) { if (!materialize(c, &l, PLEAT_I64, n)) return false; }
    if (!is_int(l.type) || !(r.weak == W_INT || is_int(r.type)))
      return fail(c, PLEAT_E_TYPE, n, "type error: '%s' needs integers, found %s and %s",
                  opt, tname(&l), tname(&r));
    if (!convert(c, &r, l.type, n)) return false;
    *out = strong(emit_op(c, bo->irop, l.type, l.reg, r.reg, -1, n), l.type);
    return out->reg >= 0;
  }
  if (!unify(c, &l, &r, bo->kind == 3 || n->op == AOP_EQ || n->op == AOP_NE ||
             bo->kind == 1, opt, n))
    return false;
  int t = l.type;
  if (bo->kind == 3 && is_flt(t))
    return fail(c, PLEAT_E_TYPE, n, "type error: '%s' needs integers or bools, found %s",
                opt, pleat_dtype_name(t));
  if (bo->kind == 1) {
    *out = strong(emit_op(c, bo->irop, PLEAT_BOOL, l.reg, r.reg, -1, n), PLEAT_BOOL);
    return out->reg >= 0;
  }
  int32_t g = -1;
  if ((bo->irop == IR_DIV || bo->irop == IR_REM) && is_int(t)) g = c->guard;
  *out = strong(emit_op(c, bo->irop, t, l.reg, r.reg, g, n), t);
  return out->reg >= 0;
}

static bool unary(chk *c, const pleat__ast_node *n, val *out) {
  val a;
  if (!scalar(c, n->kids[0], &a)) return false;
  switch (n->op) {
    case AOP_NEG:
      if (a.weak == W_INT) { *out = a; out->wi = (int64_t)(0ull - (uint64_t)a.wi); return true; }
      if (a.weak == W_FLT) { *out = a; out->wf = -a.wf; out->lit = NULL; return true; }
      if (a.type == PLEAT_BOOL)
        return fail(c, PLEAT_E_TYPE, n, "type error: '-' of bool (arithmetic on bool needs a cast)");
      *out = strong(emit_op(c, IR_NEG, a.type, a.reg, -1, -1, n), a.type);
      return out->reg >= 0;
    case AOP_NOT:
      if (a.weak || a.type != PLEAT_BOOL)
        return fail(c, PLEAT_E_TYPE, n, "type error: '!' needs a bool, found %s", tname(&a));
      *out = strong(emit_op(c, IR_NOT, PLEAT_BOOL, a.reg, -1, -1, n), PLEAT_BOOL);
      return out->reg >= 0;
    case AOP_BNOT:
      if (a.weak == W_INT) { *out = a; out->wi = ~a.wi; return true; }
      if (a.weak || !is_int(a.type))
        return fail(c, PLEAT_E_TYPE, n, "type error: '~' needs an integer, found %s", tname(&a));
      *out = strong(emit_op(c, IR_BNOT, a.type, a.reg, -1, -1, n), a.type);
      return out->reg >= 0;
  }
  return fail(c, PLEAT_E_SYNTAX, n, "unexpected unary operator");
}

static bool ternary(chk *c, const pleat__ast_node *n, val *out) {
  val cond, t, f;
  if (!boolean(c, n->kids[0], &cond, "the condition of '?:'")) return false;
  if (!guarded(c, n->kids[1], cond.reg, false, &t)) return false;
  if (!guarded(c, n->kids[2], cond.reg, true, &f)) return false;
  if (!unify(c, &t, &f, true, "?:", n)) return false;
  if (is_const(c, cond.reg)) {
    *out = c->ir->ins[cond.reg].imm.i ? t : f;
    return true;
  }
  *out = strong(emit_op(c, IR_SELECT, t.type, cond.reg, t.reg, f.reg, n), t.type);
  return out->reg >= 0;
}

/* Functions: X(name, ir op, nargs, kind) kind: F float math (ints -> f64),
   N numeric same type, C cast, H hash/uniform, P predicate (isnan) */
static const struct fn {
  const char *name;
  uint16_t op;
  uint8_t nargs;
  char kind;
} fns[] = {
  {"abs", IR_ABS, 1, 'N'}, {"min", IR_MIN, 2, 'N'}, {"max", IR_MAX, 2, 'N'},
  {"clamp", IR_MIN, 3, 'K'}, {"sqrt", IR_SQRT, 1, 'F'}, {"cbrt", IR_CBRT, 1, 'F'},
  {"exp", IR_EXP, 1, 'F'}, {"exp2", IR_EXP2, 1, 'F'}, {"log", IR_LOG, 1, 'F'},
  {"log2", IR_LOG2, 1, 'F'}, {"log10", IR_LOG10, 1, 'F'}, {"pow", IR_POW, 2, 'F'},
  {"sin", IR_SIN, 1, 'F'}, {"cos", IR_COS, 1, 'F'}, {"tan", IR_TAN, 1, 'F'},
  {"asin", IR_ASIN, 1, 'F'}, {"acos", IR_ACOS, 1, 'F'}, {"atan", IR_ATAN, 1, 'F'},
  {"atan2", IR_ATAN2, 2, 'F'}, {"sinh", IR_SINH, 1, 'F'}, {"cosh", IR_COSH, 1, 'F'},
  {"tanh", IR_TANH, 1, 'F'}, {"floor", IR_FLOOR, 1, 'F'}, {"ceil", IR_CEIL, 1, 'F'},
  {"round", IR_ROUND, 1, 'F'}, {"trunc", IR_TRUNC, 1, 'F'}, {"fma", IR_FMA, 3, 'F'},
  {"hypot", IR_HYPOT, 2, 'F'}, {"isnan", IR_ISNAN, 1, 'P'}, {"isinf", IR_ISINF, 1, 'P'},
  {"hash", IR_HASH, 1, 'H'}, {"uniform", IR_UNIFORM, 1, 'H'},
  {"i32", PLEAT_I32, 1, 'C'}, {"i64", PLEAT_I64, 1, 'C'}, {"f32", PLEAT_F32, 1, 'C'},
  {"f64", PLEAT_F64, 1, 'C'},
};

static bool is_stage_or_reducer(const char *nm) {
  static const char *const st[] = {"map", "filter", "take", "drop", "take_while",
    "drop_while", "take_nth", "enumerate", "scan", "dedupe", "flat_map",
    "flat_map_range", NULL};
  for (const char *const *p = st; *p; p++) if (!strcmp(*p, nm)) return true;
  for (int k = 0; k < RED_COUNT_; k++) if (!strcmp(pleat__red_names[k], nm)) return true;
  return false;
}

static bool call(chk *c, const pleat__ast_node *n, val *out) {
  const struct fn *f = NULL;
  for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++)
    if (!strcmp(fns[k].name, n->name)) f = &fns[k];
  if (!f) {
    if (is_stage_or_reducer(n->name))
      return fail(c, PLEAT_E_NAME, n, "'%s' is a stage or reducer, not a function", n->name);
    return fail(c, PLEAT_E_NAME, n, "unknown function '%s'", n->name);
  }
  if (n->nkids != f->nargs)
    return fail(c, PLEAT_E_ARITY, n, "%s() takes %d argument%s, found %u", f->name,
                f->nargs, f->nargs == 1 ? "" : "s", n->nkids);
  val a[3];
  for (uint32_t k = 0; k < n->nkids; k++)
    if (!scalar(c, n->kids[k], &a[k])) return false;
  switch (f->kind) {
    case 'C': { /* casts */
      int to = f->op;
      if (a[0].weak) {
        if (!materialize(c, &a[0], a[0].weak == W_INT && is_int(to) ? PLEAT_I64 :
                         (a[0].weak == W_INT ? to : PLEAT_F64), n)) return false;
      }
      if (!convert(c, &a[0], to, n)) return false;
      *out = a[0];
      return true;
    }
    case 'H': {
      if (a[0].weak == W_FLT || (!a[0].weak && !is_int(a[0].type)))
        return fail(c, PLEAT_E_TYPE, n, "type error: %s() needs an integer, found %s",
                    f->name, tname(&a[0]));
      if (!convert(c, &a[0], PLEAT_I64, n)) return false;
      int t = f->op == IR_HASH ? PLEAT_I64 : PLEAT_F64;
      *out = strong(emit_op(c, f->op, t, a[0].reg, -1, -1, n), t);
      return out->reg >= 0;
    }
    case 'N':
    case 'K': {
      for (int k = 0; k < f->nargs; k++)
        if (!a[k].weak && a[k].type == PLEAT_BOOL)
          return fail(c, PLEAT_E_TYPE, n, "type error: %s() of bool", f->name);
      if (f->nargs == 1) {
        if (!settle(c, &a[0], n)) return false;
      } else {
        if (!unify(c, &a[0], &a[1], false, f->name, n)) return false;
        if (f->nargs == 3) {
          if (!unify(c, &a[0], &a[2], false, f->name, n)) return false;
          if (!unify(c, &a[1], &a[2], false, f->name, n)) return false;
          if (!convert(c, &a[0], a[2].type, n) || !convert(c, &a[1], a[2].type, n)) return false;
        }
      }
      int t = a[0].type;
      if (f->kind == 'K') { /* clamp(x, lo, hi) = min(max(x, lo), hi) */
        int32_t m = emit_op(c, IR_MAX, t, a[0].reg, a[1].reg, -1, n);
        *out = strong(emit_op(c, IR_MIN, t, m, a[2].reg, -1, n), t);
      } else {
        *out = strong(emit_op(c, f->op, t, a[0].reg, f->nargs > 1 ? a[1].reg : -1, -1, n), t);
      }
      return out->reg >= 0;
    }
    case 'F':
    case 'P': {
      int t = PLEAT_F32;
      for (int k = 0; k < f->nargs; k++) {
        if (!a[k].weak && a[k].type == PLEAT_BOOL)
          return fail(c, PLEAT_E_TYPE, n, "type error: %s() of bool", f->name);
        if (a[k].weak || a[k].type != PLEAT_F32) {
          if (!a[k].weak || a[k].weak == W_INT || true) {
            if (!a[k].weak && a[k].type != PLEAT_F32) t = PLEAT_F64;
          }
        }
      }
      /* weak literals alone default to f64; with an f32 operand, f32 */
      bool any_strong = false;
      for (int k = 0; k < f->nargs; k++) if (!a[k].weak) any_strong = true;
      if (!any_strong) t = PLEAT_F64;
      for (int k = 0; k < f->nargs; k++)
        if (!convert(c, &a[k], t, n)) return false;
      int rt = f->kind == 'P' ? PLEAT_BOOL : t;
      *out = strong(emit_op(c, f->op, rt, a[0].reg, f->nargs > 1 ? a[1].reg : -1,
                            f->nargs > 2 ? a[2].reg : -1, n), rt);
      return out->reg >= 0;
    }
  }
  return fail(c, PLEAT_E_INTERNAL, n, "bad function table");
}

static bool name_ref(chk *c, const pleat__ast_node *n, elem *out) {
  const char *nm = n->name;
  if (c->in_lambda) {
    if (!strcmp(nm, c->pa)) { one(out, c->va); return true; }
    if (!strcmp(nm, c->pb)) { one(out, c->vb); return true; }
    return fail(c, PLEAT_E_NAME, n, "unknown name '%s' (a reduce lambda sees only its "
                "parameters %s and %s)", nm, c->pa, c->pb);
  }
  if (!strcmp(nm, "x")) { *out = c->x; return true; }
  if (!strcmp(nm, "i")) {
    one(out, strong(load_index(c), PLEAT_I64));
    return out->f[0].reg >= 0;
  }
  if (!strcmp(nm, "k")) {
    if (c->k_reg < 0)
      return fail(c, PLEAT_E_NAME, n, "unknown name 'k' (k is defined after enumerate)");
    one(out, strong(c->k_reg, PLEAT_I64));
    return true;
  }
  for (size_t k = 0; k < c->ncols; k++)
    if (!strcmp(nm, c->colnames[k])) {
      one(out, strong(load_col(c, k), c->cols[k].dtype));
      return out->f[0].reg >= 0;
    }
  if (is_stage_or_reducer(nm))
    return fail(c, PLEAT_E_NAME, n, "'%s' is a stage or reducer and cannot be used in an expression", nm);
  return fail(c, PLEAT_E_NAME, n, "unknown name '%s'", nm);
}

static bool expr(chk *c, const pleat__ast_node *n, elem *out) {
  if (c->err->status) return false;
  val v;
  memset(&v, 0, sizeof v);
  v.reg = -1;
  switch (n->kind) {
    case AST_INT:
      if (n->neg) {
        if (n->u > (uint64_t)INT64_MAX + 1)
          return fail(c, PLEAT_E_RANGE, n, "integer literal out of range");
        v.wi = (int64_t)(0ull - n->u);
      } else {
        if (n->u > (uint64_t)INT64_MAX)
          return fail(c, PLEAT_E_RANGE, n, "integer literal out of range");
        v.wi = (int64_t)n->u;
      }
      v.weak = W_INT;
      v.lit = n;
      one(out, v);
      return true;
    case AST_FLOAT:
      v.weak = W_FLT;
      v.wf = n->f;
      v.lit = n;
      one(out, v);
      return true;
    case AST_BOOL: {
      pleat__imm imm;
      imm.i = n->u ? 1 : 0;
      one(out, strong(emit_const(c, PLEAT_BOOL, imm), PLEAT_BOOL));
      return out->f[0].reg >= 0;
    }
    case AST_NAME:
      return name_ref(c, n, out);
    case AST_UNARY:
      if (!unary(c, n, &v)) return false;
      one(out, v);
      return true;
    case AST_BINARY:
      if (!binary(c, n, &v)) return false;
      one(out, v);
      return true;
    case AST_TERNARY:
      if (!ternary(c, n, &v)) return false;
      one(out, v);
      return true;
    case AST_CALL:
      if (!call(c, n, &v)) return false;
      one(out, v);
      return true;
    case AST_FIELD: {
      elem e;
      if (!expr(c, n->kids[0], &e)) return false;
      if (!e.tuple)
        return fail(c, PLEAT_E_TYPE, n, "type error: .%llu of a %s, which is not a tuple",
                    (unsigned long long)n->u, tname(&e.f[0]));
      if (n->u >= e.n)
        return fail(c, PLEAT_E_TYPE, n, "type error: .%llu of a tuple of %d fields",
                    (unsigned long long)n->u, e.n);
      one(out, e.f[n->u]);
      return true;
    }
    case AST_TUPLE: {
      if (n->nkids > PLEAT_MAX_TUPLE)
        return fail(c, PLEAT_E_LIMIT, n, "a tuple has at most %d fields, found %u",
                    PLEAT_MAX_TUPLE, n->nkids);
      out->n = (uint8_t)n->nkids;
      out->tuple = true;
      for (uint32_t k = 0; k < n->nkids; k++) {
        val fv;
        if (!scalar(c, n->kids[k], &fv)) return false;
        if (!settle(c, &fv, n->kids[k])) return false;
        out->f[k] = fv;
      }
      return true;
    }
    case AST_OPREF:
      return fail(c, PLEAT_E_SYNTAX, n, "operator '%s' used as a value outside scan/reduce",
                  pleat__ast_op_text(n->op));
    case AST_LAMBDA:
      return fail(c, PLEAT_E_SYNTAX, n, "a lambda is only allowed in reduce and foldl");
    default:
      return fail(c, PLEAT_E_SYNTAX, n, "unexpected item in an expression");
  }
}

/* Settled element (every weak field given its default type). */
static bool element(chk *c, const pleat__ast_node *n, elem *e) {
  if (!expr(c, n, e)) return false;
  for (int k = 0; k < e->n; k++)
    if (!settle(c, &e->f[k], n)) return false;
  return true;
}

/* ---- stages ---------------------------------------------------------------- */

static const char *item_name(const pleat__ast_node *n) {
  if (n->kind == AST_NAME || n->kind == AST_CALL) return n->name;
  return NULL;
}

static bool nargs_is(chk *c, const pleat__ast_node *n, uint32_t lo, uint32_t hi) {
  uint32_t k = n->kind == AST_CALL ? n->nkids : 0;
  if (k >= lo && k <= hi) return true;
  if (lo == hi)
    return fail(c, PLEAT_E_ARITY, n, "%s takes %u argument%s, found %u", n->name, lo,
                lo == 1 ? "" : "s", k);
  return fail(c, PLEAT_E_ARITY, n, "%s takes %u to %u arguments, found %u", n->name, lo,
              hi, k);
}

/* A non-negative integer literal argument (take, drop, take_nth, bins). */
static bool count_arg(chk *c, const pleat__ast_node *n, int64_t *out) {
  if (n->kind != AST_INT || n->neg) {
    elem e;
    const char *found = "an expression";
    if (n->kind == AST_INT && n->neg) found = "a negative integer";
    else if (n->kind == AST_FLOAT) found = "f64 literal";
    else if (c->err->status == PLEAT_OK && expr(c, n, &e) && !e.tuple) found = tname(&e.f[0]);
    c->err->status = PLEAT_OK;
    return fail(c, PLEAT_E_TYPE, n, "type error: expected a non-negative integer literal, found %s",
                found);
  }
  if (n->u > (uint64_t)INT64_MAX)
    return fail(c, PLEAT_E_RANGE, n, "count out of range");
  *out = (int64_t)n->u;
  return true;
}

static int32_t emit_stage(chk *c, int op, int32_t a, const pleat__ast_node *n) {
  return emit_raw(c, op, 0, a, -1, -1, n);
}

static bool new_segment(chk *c) {
  c->seg++;
  for (size_t k = 0; k < MAX_COLS; k++) c->col_reg[k] = -1;
  c->idx_reg = -1;
  return true;
}

/* scan(op) / reduce(op) operator references: + * & | ^ min max. */
static bool opref(chk *c, const pleat__ast_node *n, uint8_t *op) {
  if (n->kind == AST_OPREF) { *op = n->op; return true; }
  if (n->kind == AST_NAME && !strcmp(n->name, "min")) { *op = AOP_MIN; return true; }
  if (n->kind == AST_NAME && !strcmp(n->name, "max")) { *op = AOP_MAX; return true; }
  return fail(c, PLEAT_E_TYPE, n, "type error: expected an operator (+ * min max & | ^)");
}

static bool op_fits(chk *c, uint8_t op, int t, const pleat__ast_node *n) {
  bool ok;
  switch (op) {
    case AOP_ADD: case AOP_MUL: case AOP_MIN: case AOP_MAX: ok = t != PLEAT_BOOL; break;
    default: ok = !is_flt(t); break;
  }
  if (!ok)
    return fail(c, PLEAT_E_TYPE, n, "type error: '%s' on %s", pleat__ast_op_text(op),
                pleat_dtype_name(t));
  return true;
}

/* A constant initial value (scan/reduce/foldl), of type t. */
static bool init_arg(chk *c, const pleat__ast_node *n, int t, pleat__imm *out) {
  val v;
  int32_t before = (int32_t)c->ir->nins;
  if (!scalar(c, n, &v)) return false;
  if (!convert(c, &v, t, n)) return false;
  if (!is_const(c, v.reg))
    return fail(c, PLEAT_E_TYPE, n, "type error: the initial value must be a constant");
  *out = c->ir->ins[v.reg].imm;
  (void)before;
  return true;
}

static bool scalar_x(chk *c, const pleat__ast_node *n, const char *who) {
  if (c->x.tuple)
    return fail(c, PLEAT_E_TYPE, n, "type error: %s needs a number, but the element is a "
                "tuple of %d fields", who, c->x.n);
  return true;
}

static bool stage(chk *c, const pleat__ast_node *n) {
  const char *nm = item_name(n);
  if (!nm) return fail(c, PLEAT_E_SYNTAX, n, "expected a stage such as map(...) before '|>'");
  val v;
  if (!strcmp(nm, "map")) {
    if (!nargs_is(c, n, 1, 1)) return false;
    elem e;
    if (!element(c, n->kids[0], &e)) return false;
    c->x = e;
    return true;
  }
  if (!strcmp(nm, "filter") || !strcmp(nm, "take_while") || !strcmp(nm, "drop_while")) {
    if (!nargs_is(c, n, 1, 1)) return false;
    uint32_t pred_start = c->ir->nins; /* the predicate's own instructions start here */
    if (!boolean(c, n->kids[0], &v, nm)) return false;
    int op = nm[0] == 'f' ? IR_FILTER : nm[0] == 't' ? IR_TAKE_WHILE : IR_DROP_WHILE;
    if (op == IR_FILTER && is_const(c, v.reg) && c->ir->ins[v.reg].imm.i) return true;
    int32_t r = emit_stage(c, op, v.reg, n);
    /* drop_while evaluates only these lazily (ir_uses.c);
       what earlier stages computed stays eager */
    if (r >= 0 && op == IR_DROP_WHILE) c->ir->ins[r].imm2 = pred_start;
    return r >= 0;
  }
  if (!strcmp(nm, "take") || !strcmp(nm, "drop") || !strcmp(nm, "take_nth")) {
    if (!nargs_is(c, n, 1, 1)) return false;
    int64_t cnt = 0;
    if (!count_arg(c, n->kids[0], &cnt)) return false;
    int op = !strcmp(nm, "take") ? IR_TAKE : !strcmp(nm, "drop") ? IR_DROP : IR_TAKE_NTH;
    if (op == IR_TAKE_NTH && cnt == 0)
      return fail(c, PLEAT_E_DOMAIN, n->kids[0], "take_nth(0): the step must be at least 1");
    if ((op == IR_DROP && cnt == 0) || (op == IR_TAKE_NTH && cnt == 1)) return true;
    int32_t r = emit_stage(c, op, -1, n);
    if (r >= 0) c->ir->ins[r].imm.i = cnt;
    return r >= 0;
  }
  if (!strcmp(nm, "enumerate")) {
    if (!nargs_is(c, n, 0, 0)) return false;
    int32_t r = emit_raw(c, IR_ENUMERATE, PLEAT_I64, -1, -1, -1, n);
    c->k_reg = r;
    c->ir->uses_k = true;
    return r >= 0;
  }
  if (!strcmp(nm, "dedupe")) {
    if (!nargs_is(c, n, 0, 0)) return false;
    int32_t regs[PLEAT_MAX_TUPLE];
    for (int k = 0; k < c->x.n; k++) regs[k] = c->x.f[k].reg;
    uint32_t ex = pleat__ir_extra(c->ir, regs, c->x.n);
    if (ex == UINT32_MAX) return oom(c);
    int32_t r = emit_stage(c, IR_DEDUPE, -1, n);
    if (r >= 0) { c->ir->ins[r].extra = ex; c->ir->ins[r].nextra = c->x.n; }
    return r >= 0;
  }
  if (!strcmp(nm, "scan")) {
    if (!nargs_is(c, n, 1, 2)) return false;
    if (!scalar_x(c, n, "scan")) return false;
    uint8_t op;
    if (!opref(c, n->kids[0], &op)) return false;
    int t = c->x.f[0].type;
    if (!op_fits(c, op, t, n)) return false;
    int32_t r = emit_raw(c, IR_SCAN, t, c->x.f[0].reg, -1, -1, n);
    if (r < 0) return false;
    c->ir->ins[r].aux = op;
    if (n->nkids == 2) {
      pleat__imm init;
      if (!init_arg(c, n->kids[1], t, &init)) return false;
      c->ir->ins[r].imm = init;
      c->ir->ins[r].imm2 = 1;
    }
    one(&c->x, strong(r, t));
    return true;
  }
  if (!strcmp(nm, "flat_map")) {
    if (n->kind != AST_CALL || n->nkids < 1)
      return fail(c, PLEAT_E_ARITY, n, "flat_map takes at least 1 argument");
    if (n->nkids > 64)
      return fail(c, PLEAT_E_LIMIT, n, "flat_map takes at most 64 expressions");
    elem items[64];
    for (uint32_t k = 0; k < n->nkids; k++) {
      if (!expr(c, n->kids[k], &items[k])) return false;
      if (items[k].n != items[0].n || items[k].tuple != items[0].tuple)
        return fail(c, PLEAT_E_TYPE, n->kids[k], "type error: every flat_map expression must "
                    "have the same shape (%d fields, found %d)", items[0].n, items[k].n);
    }
    int w = items[0].n;
    /* Each field takes one type for all the items, found over all of them
       at once (C's promotion of every typed item, then the literals take
       it), and each item converts once from its own type: pairwise
       unification would round an i32 to f32 before meeting an f64. */
    for (int f = 0; f < w; f++) {
      int T = -1;
      bool wflt = false, wint = false, anybool = false;
      for (uint32_t k = 0; k < n->nkids; k++) {
        const val *it = &items[k].f[f];
        if (it->weak == W_FLT) wflt = true;
        else if (it->weak) wint = true;
        else if (it->type == PLEAT_BOOL) anybool = true;
        else T = T < 0 ? it->type : promote2(T, it->type);
      }
      if (anybool && (T >= 0 || wflt || wint)) {
        /* bool with numbers: unify pairwise for its type error */
        for (uint32_t k = 1; k < n->nkids; k++)
          if (!unify(c, &items[0].f[f], &items[k].f[f], true, "flat_map", n)) return false;
      }
      if (anybool) T = PLEAT_BOOL;
      else if (T < 0) T = wflt ? PLEAT_F64 : PLEAT_I64;
      else if (wflt && is_int(T)) T = PLEAT_F64;
      for (uint32_t k = 0; k < n->nkids; k++)
        if (!convert(c, &items[k].f[f], T, n)) return false;
    }
    int32_t regs[64 * PLEAT_MAX_TUPLE];
    for (uint32_t k = 0; k < n->nkids; k++)
      for (int f = 0; f < w; f++) regs[k * (uint32_t)w + (uint32_t)f] = items[k].f[f].reg;
    uint32_t ex = pleat__ir_extra(c->ir, regs, n->nkids * (uint32_t)w);
    if (ex == UINT32_MAX) return oom(c);
    int32_t r = emit_stage(c, IR_FLATMAP, -1, n);
    if (r < 0) return false;
    c->ir->ins[r].extra = ex;
    c->ir->ins[r].nextra = n->nkids * (uint32_t)w;
    c->ir->ins[r].imm.i = n->nkids;
    c->ir->ins[r].imm2 = w;
    new_segment(c);
    elem nx;
    nx.n = (uint8_t)w;
    nx.tuple = items[0].tuple;
    for (int f = 0; f < w; f++) {
      int32_t u = emit_raw(c, IR_UNPACK, items[0].f[f].type, -1, -1, -1, n);
      if (u < 0) return false;
      c->ir->ins[u].imm.i = f;
      nx.f[f] = strong(u, items[0].f[f].type);
    }
    c->x = nx;
    if (c->k_reg >= 0) c->k_reg = emit_raw(c, IR_KIN, PLEAT_I64, -1, -1, -1, n);
    return c->err->status == PLEAT_OK;
  }
  if (!strcmp(nm, "flat_map_range")) {
    if (!nargs_is(c, n, 2, 2)) return false;
    val lo, hi;
    if (!scalar(c, n->kids[0], &lo) || !scalar(c, n->kids[1], &hi)) return false;
    for (int k = 0; k < 2; k++) {
      val *p = k ? &hi : &lo;
      if (p->weak == W_FLT || (!p->weak && !is_int(p->type)))
        return fail(c, PLEAT_E_TYPE, n->kids[k], "type error: flat_map_range needs integer "
                    "bounds, found %s", tname(p));
      if (!convert(c, p, PLEAT_I64, n)) return false;
    }
    int32_t r = emit_raw(c, IR_FLATRANGE, 0, lo.reg, hi.reg, -1, n);
    if (r < 0) return false;
    new_segment(c);
    int32_t u = emit_raw(c, IR_UNPACK, PLEAT_I64, -1, -1, -1, n);
    if (u < 0) return false;
    c->ir->ins[u].imm.i = 0;
    one(&c->x, strong(u, PLEAT_I64));
    if (c->k_reg >= 0) c->k_reg = emit_raw(c, IR_KIN, PLEAT_I64, -1, -1, -1, n);
    return c->err->status == PLEAT_OK;
  }
  for (int k = 0; k < RED_COUNT_; k++)
    if (!strcmp(pleat__red_names[k], nm))
      return fail(c, PLEAT_E_SYNTAX, n, "the reducer '%s' must be the last item of the "
                  "pipeline", nm);
  return fail(c, PLEAT_E_NAME, n, "unknown stage '%s'", nm);
}

/* ---- reducers -------------------------------------------------------------- */

static int red_kind(const char *nm) {
  for (int k = 0; k < RED_COUNT_; k++)
    if (!strcmp(pleat__red_names[k], nm)) return k;
  return -1;
}

static bool lambda(chk *c, const pleat__ast_node *n, int t, pleat__ir_red *r) {
  if (!strcmp(n->name, n->name2))
    return fail(c, PLEAT_E_NAME, n, "both lambda parameters are named '%s'", n->name);
  pleat__ir *lam = pleat__malloc(c->main_ir->al, sizeof *lam);
  if (!lam) return oom(c);
  pleat__ir_init(lam, c->main_ir->al);
  pleat__ir *saved_ir = c->ir;
  uint32_t saved_seg = c->seg;
  int32_t saved_guard = c->guard;
  c->ir = lam;
  c->seg = 0;
  c->guard = -1;
  c->in_lambda = true;
  c->pa = n->name;
  c->pb = n->name2;
  int32_t pa = emit_raw(c, IR_UNPACK, t, -1, -1, -1, n);
  int32_t pb = emit_raw(c, IR_UNPACK, t, -1, -1, -1, n);
  bool ok = pa >= 0 && pb >= 0;
  if (ok) {
    lam->ins[pb].imm.i = 1;
    c->va = strong(pa, t);
    c->vb = strong(pb, t);
    val res;
    ok = scalar(c, n->kids[0], &res);
    if (ok && !res.weak && res.type != t)
      ok = fail(c, PLEAT_E_TYPE, n->kids[0], "type error: the lambda returns %s, the "
                "element is %s", pleat_dtype_name(res.type), pleat_dtype_name(t));
    if (ok) ok = convert(c, &res, t, n);
    if (ok && lam->nins > PLEAT__LAMBDA_MAX_OPS)
      ok = fail(c, PLEAT_E_LIMIT, n, "a reduce/foldl lambda compiles to at most %d operations, "
                "this one to %u", PLEAT__LAMBDA_MAX_OPS, lam->nins);
    if (ok) {
      r->lam.ins = lam->ins;
      r->lam.nins = lam->nins;
      r->lam.res = res.reg;
      lam->ins = NULL; /* moved */
    }
  }
  c->in_lambda = false;
  c->ir = saved_ir;
  c->seg = saved_seg;
  c->guard = saved_guard;
  pleat__ir_free(lam);
  pleat__free(c->main_ir->al, lam);
  return ok;
}

static bool reducer(chk *c, const pleat__ast_node *n, bool top, int32_t *idx);

/* The argument expression of sum(e), count(p), ... or x itself. */
static bool red_input(chk *c, const pleat__ast_node *n, elem *e) {
  if (n->kind == AST_CALL && n->nkids == 1) return element(c, n->kids[0], e);
  *e = c->x;
  return true;
}

static bool reducer(chk *c, const pleat__ast_node *n, bool top, int32_t *idx) {
  const char *nm = item_name(n);
  if (!nm) {
    if (n->kind == AST_TUPLE)
      return fail(c, PLEAT_E_TYPE, n, "type error: reducer tuples cannot be nested");
    return fail(c, PLEAT_E_SYNTAX, n, "expected a reducer such as sum, count or collect "
                "as the last item of the pipeline");
  }
  int kind = red_kind(nm);
  if (kind < 0) {
    if (is_stage_or_reducer(nm))
      return fail(c, PLEAT_E_SYNTAX, n, "the pipeline ends with the stage '%s': it needs a "
                  "reducer such as sum or collect after '|>'", nm);
    return fail(c, PLEAT_E_NAME, n, "unknown reducer '%s'", nm);
  }
  pleat__ir_red r;
  memset(&r, 0, sizeof r);
  r.kind = (uint8_t)kind;
  r.pred = -1;
  r.key = -1;
  r.sub = -1;
  r.top = top;
  r.src_off = n->off;
  r.src_len = n->len;
  elem e;
  switch (kind) {
    case RED_COLLECT:
      if (!nargs_is(c, n, 0, 0)) return false;
      e = c->x;
      break;
    case RED_REDUCE:
    case RED_FOLDL: {
      if (!nargs_is(c, n, kind == RED_FOLDL ? 2 : 1, 2)) return false;
      if (!scalar_x(c, n, nm)) return false;
      e = c->x;
      int t = e.f[0].type;
      const pleat__ast_node *opn = n->kids[0];
      if (opn->kind == AST_LAMBDA) {
        if (n->nkids < 2)
          return fail(c, PLEAT_E_ARITY, n, "%s with a lambda needs an initial value: "
                      "%s((a, b) -> ..., init)", nm, nm);
        r.op = 0xff;
      } else {
        if (!opref(c, opn, &r.op)) return false;
        if (!op_fits(c, r.op, t, n)) return false;
      }
      if (n->nkids == 2) {
        if (!init_arg(c, n->kids[1], t, &r.init)) return false;
        r.has_init = 1;
      }
      /* Last: from here the lambda's code is owned by r. */
      if (opn->kind == AST_LAMBDA && !lambda(c, opn, t, &r)) return false;
      break;
    }
    case RED_GROUP: {
      if (!nargs_is(c, n, 3, 3)) return false;
      val key;
      if (!scalar(c, n->kids[0], &key)) return false;
      if (key.weak == W_FLT || (!key.weak && !is_int(key.type)))
        return fail(c, PLEAT_E_TYPE, n->kids[0], "type error: the group key must be an "
                    "integer, found %s (use i64(...))", tname(&key));
      /* an i32 key stays i32: the reducer reads either width */
      if (!convert(c, &key, key.type == PLEAT_I32 && !key.weak ? PLEAT_I32 : PLEAT_I64, n))
        return false;
      int64_t bins = 0;
      if (!count_arg(c, n->kids[1], &bins)) return false;
      if (bins == 0)
        return fail(c, PLEAT_E_DOMAIN, n->kids[1], "group needs at least 1 bin");
      if (bins > (int64_t)PLEAT_MAX_BINS)
        return fail(c, PLEAT_E_LIMIT, n->kids[1], "group has at most %u bins, found %lld",
                    PLEAT_MAX_BINS, (long long)bins);
      const pleat__ast_node *sn = n->kids[2];
      const char *snm = item_name(sn);
      if (sn->kind == AST_TUPLE)
        return fail(c, PLEAT_E_TYPE, sn, "type error: the reducer of group cannot be a tuple");
      if (snm && (!strcmp(snm, "collect") || !strcmp(snm, "group")))
        return fail(c, PLEAT_E_TYPE, sn, "type error: group cannot use %s as its reducer", snm);
      int32_t sub;
      if (!reducer(c, sn, false, &sub)) return false;
      r.key = key.reg;
      r.bins = bins;
      r.sub = sub;
      r.in_type = c->ir->red[sub].in_type;
      r.out_type = c->ir->red[sub].out_type;
      *idx = pleat__ir_add_red(c->ir, &r);
      return *idx >= 0 ? true : oom(c);
    }
    case RED_COUNT:
    case RED_ANY:
    case RED_ALL:
    case RED_FIND_FIRST:
      if (!nargs_is(c, n, kind == RED_FIND_FIRST ? 1 : 0, 1)) return false;
      if (n->kind == AST_CALL && n->nkids == 1) {
        val p;
        if (!boolean(c, n->kids[0], &p, nm)) return false;
        r.pred = p.reg;
      } else if (kind != RED_COUNT) {
        if (c->x.tuple || c->x.f[0].type != PLEAT_BOOL)
          return fail(c, PLEAT_E_TYPE, n, "type error: %s without a predicate needs bool "
                      "elements, found %s", nm, c->x.tuple ? "a tuple" : tname(&c->x.f[0]));
        r.pred = c->x.f[0].reg;
      }
      e.n = 0;
      e.tuple = false;
      break;
    default:
      if (!nargs_is(c, n, 0, 1)) return false;
      if (!red_input(c, n, &e)) return false;
      break;
  }
  r.nin = e.n;
  for (int k = 0; k < e.n; k++) r.in[k] = e.f[k].reg;
  r.in_type = e.n ? e.f[0].type : PLEAT_BOOL;
  if (e.tuple && kind != RED_FIRST && kind != RED_LAST && kind != RED_COLLECT)
    return fail(c, PLEAT_E_TYPE, n, "type error: %s needs numbers, but the element is a "
                "tuple of %d fields", nm, e.n);
  if (e.tuple) r.in_type = 0;
  int t = r.in_type;
  switch (kind) {
    case RED_SUM:
    case RED_PROD:
      r.out_type = (uint8_t)(is_flt(t) ? t : PLEAT_I64);
      break;
    case RED_MIN: case RED_MAX: case RED_MINMAX: case RED_ARGMIN: case RED_ARGMAX:
    case RED_MEAN: case RED_VAR: case RED_STD:
      if (t == PLEAT_BOOL)
        return fail(c, PLEAT_E_TYPE, n, "type error: %s of bool needs a cast", nm);
      r.out_type = (uint8_t)((kind == RED_ARGMIN || kind == RED_ARGMAX) ? PLEAT_I64 :
                             (kind >= RED_MEAN && kind <= RED_STD && !is_flt(t)) ? PLEAT_F64 : t);
      break;
    case RED_COUNT: case RED_FIND_FIRST:
      r.out_type = PLEAT_I64;
      break;
    case RED_ANY: case RED_ALL:
      r.out_type = PLEAT_BOOL;
      break;
    default:
      r.out_type = (uint8_t)t;
      break;
  }
  *idx = pleat__ir_add_red(c->ir, &r);
  if (*idx >= 0) return true;
  pleat__free(c->main_ir->al, r.lam.ins);
  return oom(c);
}

/* ---- the pipeline ------------------------------------------------------------ */

pleat_status pleat__check(const pleat__ast *t, const char *text, size_t len,
                          const pleat_column *cols, size_t ncols, pleat__ir *ir,
                          pleat__parse_error *err) {
  chk c;
  memset(&c, 0, sizeof c);
  memset(err, 0, sizeof *err);
  c.ir = c.main_ir = ir;
  c.text = text;
  c.text_len = len;
  c.cols = cols;
  c.ncols = ncols;
  c.err = err;
  c.idx_reg = -1;
  c.k_reg = -1;
  c.guard = -1;
  for (size_t k = 0; k < MAX_COLS; k++) c.col_reg[k] = -1;
  ir->text = text;
  ir->text_len = len;
  if (!setup_columns(&c)) return err->status;
  const pleat__ast_node *root = t->root;
  if (!root || root->kind != AST_PIPELINE || root->nkids == 0) {
    fail(&c, PLEAT_E_SYNTAX, root, "empty pipeline");
    return err->status;
  }
  one(&c.x, strong(load_col(&c, 0), cols[0].dtype));
  for (uint32_t k = 0; k + 1 < root->nkids; k++)
    if (!stage(&c, root->kids[k])) return err->status ? err->status : PLEAT_E_INTERNAL;
  const pleat__ast_node *last = root->kids[root->nkids - 1];
  uint32_t tops[PLEAT_MAX_STAGES];
  uint32_t ntop = 0;
  if (last->kind == AST_TUPLE) {
    if (last->nkids > PLEAT_MAX_STAGES) {
      fail(&c, PLEAT_E_LIMIT, last, "too many reducers in a tuple");
      return err->status;
    }
    for (uint32_t k = 0; k < last->nkids; k++) {
      int32_t idx;
      if (!reducer(&c, last->kids[k], true, &idx)) return err->status;
      tops[ntop++] = (uint32_t)idx;
    }
    ir->result_tuple = true;
  } else {
    int32_t idx;
    if (!reducer(&c, last, true, &idx)) return err->status;
    tops[ntop++] = (uint32_t)idx;
  }
  ir->top = pleat__malloc(ir->al, sizeof(uint32_t) * ntop);
  if (!ir->top) { oom(&c); return err->status; }
  memcpy(ir->top, tops, sizeof(uint32_t) * ntop);
  ir->ntop = ntop;
  ir->nseg = c.seg + 1;
  ir->seg_start = pleat__malloc(ir->al, sizeof(uint32_t) * (ir->nseg + 1));
  if (!ir->seg_start) { oom(&c); return err->status; }
  uint32_t s = 0;
  ir->seg_start[0] = 0;
  for (uint32_t k = 0; k < ir->nins; k++)
    while (s < ir->ins[k].seg) ir->seg_start[++s] = k;
  while (s < ir->nseg) ir->seg_start[++s] = ir->nins;
  return PLEAT_OK;
}
