/*
** ref_eval.c -- the reference evaluator: a naive one-element-at-a-time
** interpreter of the pipeline language, written from LANGUAGE.md and the
** documented fixed summation tree, to check the library against.
**
** It takes only the syntax tree from the library's parser.  Everything else
** is its own: the type checker (weak literals, promotion), the scalar
** arithmetic, the stages (pushed one element at a time), the reducers, and
** the fixed tree, implemented by its recursive definition (the library keeps
** a binary-counter stack).  It is slow and simple on purpose.
**
** Layout: arena and values {====}; scalar semantics; the checker (AST ->
** typed expressions, stages, reducers); the evaluator (push one element);
** the reducers and the fixed tree; building the result; comparison.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "ref_eval.h"

#if defined(__has_include)
#  if __has_include("pleat_math.h")
#    include "pleat_math.h"
#    define REF_HAVE_PLEAT_MATH 1
#  endif
#endif

#define REF_LEAF 4096
#define REF_LANES 32
#define REF_MAX_FIELDS 8
#define REF_MAX_FLAT 64

/* {==== arena ============================================================ */

typedef struct ref_blk {
  struct ref_blk *next;
  size_t used, cap;
  max_align_t data[];
} ref_blk;

struct ref_arena {
  ref_blk *head;
};

static void *ar_alloc(struct ref_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n == 0) n = 16;
  ref_blk *b = a->head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    b = malloc(sizeof *b + cap);
    if (!b) {
      fprintf(stderr, "ref_eval: out of memory\n");
      abort();
    }
    b->used = 0;
    b->cap = cap;
    b->next = a->head;
    a->head = b;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

static void ar_free(struct ref_arena *a) {
  if (!a) return;
  ref_blk *b = a->head;
  while (b) {
    ref_blk *nx = b->next;
    free(b);
    b = nx;
  }
  free(a);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fprintf(stderr, "ref_eval: out of memory\n");
    abort();
  }
  return q;
}

/* }==== */

/* {==== scalar values and their semantics ================================= */

/* A scalar: ints and bools in i (i32 sign-extended, bool 0/1), floats in f
   (an f32 is stored exactly as the double of the float). */
typedef struct rv {
  int64_t i;
  double f;
} rv;

static rv rv_i(int64_t i) {
  rv v;
  v.i = i;
  v.f = 0;
  return v;
}
static rv rv_f(double f) {
  rv v;
  v.i = 0;
  v.f = f;
  return v;
}

static int is_int(int t) { return t == PLEAT_I32 || t == PLEAT_I64; }
static int is_flt(int t) { return t == PLEAT_F32 || t == PLEAT_F64; }

/* An integer of type t from any int64 (two's complement wrap to 32 bits). */
static int64_t wrap_t(int t, int64_t v) {
  if (t == PLEAT_I32) return (int64_t)(int32_t)(uint32_t)(uint64_t)v;
  if (t == PLEAT_BOOL) return v != 0;
  return v;
}

static double to_t(int t, double v) { return t == PLEAT_F32 ? (double)(float)v : v; }

/* IEEE 754-2019 minimum / maximum: NaN propagates, -0 < +0. */
static double min19(double a, double b) {
  if (isnan(a)) return a;
  if (isnan(b)) return b;
  if (a < b) return a;
  if (b < a) return b;
  return signbit(a) ? a : b;
}
static double max19(double a, double b) {
  if (isnan(a)) return a;
  if (isnan(b)) return b;
  if (a > b) return a;
  if (b > a) return b;
  return signbit(a) ? b : a;
}

/* Float arithmetic in the precision of t (f32 in float, f64 in double). */
static double f_add(int t, double a, double b) {
  if (t == PLEAT_F32) {
    float r = (float)a + (float)b;
    return r;
  }
  return a + b;
}
static double f_sub(int t, double a, double b) {
  if (t == PLEAT_F32) {
    float r = (float)a - (float)b;
    return r;
  }
  return a - b;
}
static double f_mul(int t, double a, double b) {
  if (t == PLEAT_F32) {
    float r = (float)a * (float)b;
    return r;
  }
  return a * b;
}
static double f_div(int t, double a, double b) {
  if (t == PLEAT_F32) {
    float r = (float)a / (float)b;
    return r;
  }
  return a / b;
}
static double f_rem(int t, double a, double b) {
  if (t == PLEAT_F32) return fmodf((float)a, (float)b);
  return fmod(a, b);
}

/* Float to int: truncate toward zero, saturate, NaN -> 0. */
static int64_t f_to_i(int t, double x) {
  if (isnan(x)) return 0;
  if (t == PLEAT_I32) {
    if (x >= 2147483648.0) return INT32_MAX;
    if (x <= -2147483649.0) return INT32_MIN;
    return (int32_t)x;
  }
  if (x >= 9223372036854775808.0) return INT64_MAX;
  if (x < -9223372036854775808.0) return INT64_MIN;
  return (int64_t)x;
}

static rv cast_v(int to, int from, rv v) {
  if (to == from) return v;
  if (is_flt(from)) {
    switch (to) {
      case PLEAT_I32:
      case PLEAT_I64: return rv_i(f_to_i(to, v.f));
      case PLEAT_F32: return rv_f((double)(float)v.f);
      case PLEAT_F64: return rv_f(v.f);
      default: return rv_i(v.f != 0);
    }
  }
  switch (to) {
    case PLEAT_I32:
    case PLEAT_I64: return rv_i(wrap_t(to, v.i));
    case PLEAT_F32: return rv_f((double)(float)v.i);
    case PLEAT_F64: return rv_f((double)v.i);
    default: return rv_i(v.i != 0);
  }
}

/* Integer arithmetic of type t, wrapping. */
static int64_t i_add(int t, int64_t a, int64_t b) { return wrap_t(t, (int64_t)((uint64_t)a + (uint64_t)b)); }
static int64_t i_sub(int t, int64_t a, int64_t b) { return wrap_t(t, (int64_t)((uint64_t)a - (uint64_t)b)); }
static int64_t i_mul(int t, int64_t a, int64_t b) { return wrap_t(t, (int64_t)((uint64_t)a * (uint64_t)b)); }
static int64_t i_neg(int t, int64_t a) { return wrap_t(t, (int64_t)(0 - (uint64_t)a)); }

/* a / b and a % b truncating; *trap when b == 0. */
static int64_t i_div(int t, int64_t a, int64_t b, int rem, int *trap) {
  if (b == 0) {
    *trap = 1;
    return 0;
  }
  if (b == -1) return rem ? 0 : i_neg(t, a);
  return rem ? a % b : a / b;
}

static int64_t i_shl(int t, int64_t a, int64_t b) {
  if (t == PLEAT_I32) return (int32_t)((uint32_t)a << ((uint64_t)b & 31u));
  return (int64_t)((uint64_t)a << ((uint64_t)b & 63u));
}
static int64_t i_shr(int t, int64_t a, int64_t b) {
  unsigned s = (unsigned)((uint64_t)b & (t == PLEAT_I32 ? 31u : 63u));
  if (t == PLEAT_I32) {
    int32_t x = (int32_t)a;
    return x >= 0 ? (x >> s) : ~(~x >> s);
  }
  return a >= 0 ? (a >> s) : ~(~a >> s);
}

/* The builtin operators of scan/reduce/foldl: + * min max & | ^. */
static rv apply_op(int op, int t, rv a, rv b) {
  if (is_flt(t)) {
    switch (op) {
      case AOP_ADD: return rv_f(f_add(t, a.f, b.f));
      case AOP_MUL: return rv_f(f_mul(t, a.f, b.f));
      case AOP_MIN: return rv_f(min19(a.f, b.f));
      case AOP_MAX: return rv_f(max19(a.f, b.f));
      default: return rv_f(NAN);
    }
  }
  switch (op) {
    case AOP_ADD: return rv_i(i_add(t, a.i, b.i));
    case AOP_MUL: return rv_i(i_mul(t, a.i, b.i));
    case AOP_MIN: return rv_i(a.i < b.i ? a.i : b.i);
    case AOP_MAX: return rv_i(a.i > b.i ? a.i : b.i);
    case AOP_BAND: return rv_i(a.i & b.i);
    case AOP_BOR: return rv_i(a.i | b.i);
    case AOP_BXOR: return rv_i(a.i ^ b.i);
    default: return rv_i(0);
  }
}

/* Transcendentals: pleat's own where kernels/pleat_math.h exists (as the
   library uses them), else the C library's, like the library's fallback. */
#ifdef REF_HAVE_PLEAT_MATH
#  define REF_M1(n) \
  static double m_##n##_d(double a) { return pleat_##n##_f64(a); } \
  static float m_##n##_f(float a) { return pleat_##n##_f32(a); }
#  define REF_M2(n) \
  static double m_##n##_d(double a, double b) { return pleat_##n##_f64(a, b); } \
  static float m_##n##_f(float a, float b) { return pleat_##n##_f32(a, b); }
static uint64_t ref_hash(uint64_t v) { return pleat_hash_u64(v); }
static double ref_uniform(int64_t v) { return pleat_uniform_f64(v); }
#else
#  define REF_M1(n) \
  static double m_##n##_d(double a) { return n(a); } \
  static float m_##n##_f(float a) { return n##f(a); }
#  define REF_M2(n) \
  static double m_##n##_d(double a, double b) { return n(a, b); } \
  static float m_##n##_f(float a, float b) { return n##f(a, b); }
/* splitmix64's finalizer, as documented for hash(); uniform takes its top 53
   bits. */
static uint64_t ref_hash(uint64_t v) {
  uint64_t z = v + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static double ref_uniform(int64_t v) { return (double)(ref_hash((uint64_t)v) >> 11) * 0x1p-53; }
#endif
REF_M1(cbrt) REF_M1(exp) REF_M1(exp2) REF_M1(log) REF_M1(log2) REF_M1(log10)
REF_M1(sin) REF_M1(cos) REF_M1(tan) REF_M1(asin) REF_M1(acos) REF_M1(atan)
REF_M1(sinh) REF_M1(cosh) REF_M1(tanh)
REF_M2(pow) REF_M2(atan2) REF_M2(hypot)

/* }==== */

/* {==== typed expressions ================================================== */

enum {
  X_CONST, X_COL, X_IDX, X_K, X_FIELD, X_PARAM, X_NEG, X_NOT, X_BNOT, X_BIN,
  X_AND, X_OR, X_SEL, X_CAST, X_FN
};

enum {
  F_ABS, F_MIN, F_MAX, F_SQRT, F_CBRT, F_EXP, F_EXP2, F_LOG, F_LOG2, F_LOG10,
  F_POW, F_SIN, F_COS, F_TAN, F_ASIN, F_ACOS, F_ATAN, F_ATAN2, F_SINH, F_COSH,
  F_TANH, F_FLOOR, F_CEIL, F_ROUND, F_TRUNC, F_FMA, F_HYPOT, F_ISNAN, F_ISINF,
  F_HASH, F_UNIFORM
};

typedef struct rx {
  int kind;
  int t;       /* result type */
  int op;      /* X_BIN: AOP_*; X_FN: F_* */
  int idx;     /* X_COL column, X_FIELD field, X_PARAM 0/1 */
  rv c;        /* X_CONST */
  struct rx *a, *b, *c3;
} rx;

/* }==== */

/* {==== the pipeline as the reference sees it ============================= */

enum {
  S_MAP, S_FILTER, S_TAKE, S_DROP, S_TAKE_WHILE, S_DROP_WHILE, S_TAKE_NTH,
  S_ENUM, S_SCAN, S_DEDUPE, S_FLATMAP, S_FLATRANGE
};

typedef struct rstage {
  int kind;
  rx **ex;       /* MAP: n fields; FLATMAP: m * w; FLATRANGE: lo, hi; else [0] */
  int nex, m, w;
  int64_t arg;   /* take/drop/take_nth count */
  int op, t;     /* scan operator and type */
  int has_init;
  rv init;
  int nfields;   /* dedupe width */
  int ft[REF_MAX_FIELDS]; /* dedupe field types */
  /* run-time state */
  int64_t cnt;
  int done, has_prev;
  rv prev[REF_MAX_FIELDS];
  int local_set, carry_set;
  rv local, carry;
  int64_t cur_leaf;
} rstage;

enum {
  R_SUM, R_PROD, R_COUNT, R_MIN, R_MAX, R_MINMAX, R_MEAN, R_VAR, R_STD,
  R_FIRST, R_LAST, R_ARGMIN, R_ARGMAX, R_ANY, R_ALL, R_FIND_FIRST, R_COLLECT,
  R_REDUCE, R_FOLDL, R_GROUP, R_COUNT_
};
static const char *const red_names[R_COUNT_] = {
  "sum", "prod", "count", "min", "max", "minmax", "mean", "var", "std",
  "first", "last", "argmin", "argmax", "any", "all", "find_first", "collect",
  "reduce", "foldl", "group"};

/* A partial of the fixed tree: a leaf's (or a subtree's) value. */
typedef struct tv {
  int64_t n;
  rv a;          /* sum / product / reduce value */
  double mean, m2;
} tv;

/* The running state of a tree reducer over the current leaf. */
typedef struct rtree {
  int64_t cur;   /* current leaf, -1 before the first element */
  int64_t leaf_n;
  rv lane[REF_LANES];
  int k_set;
  double K, s1[REF_LANES], s2[REF_LANES];
  tv *leaves;    /* finished leaves, indexed by leaf; n entries */
  size_t nleaves, cap;
} rtree;

/* A group bin of a tree reducer: per-leaf partials folded in stream order. */
typedef struct rbin_tree {
  int64_t cur;
  tv part;
  tv *leaves;
  size_t nleaves, cap;
} rbin_tree;

/* The state of an order-free (or strict left) reducer. */
typedef struct rst {
  int64_t n;
  rv a, b;
  int64_t idx;
  int flag;
  int done;
  rv fv[REF_MAX_FIELDS];
  rv *col;       /* collect: nin values per element */
  size_t clen, ccap;
} rst;

typedef struct rred {
  int kind;
  int t;         /* input type (of field 0; 0 for a tuple) */
  int out_t;
  int nin;
  int tuple;
  int in_t[REF_MAX_FIELDS];
  rx *in[REF_MAX_FIELDS];
  rx *pred;
  int op;        /* builtin AOP_* or -1: lambda */
  rx *lam;
  int has_init;
  rv init;
  rx *key;
  int64_t bins;
  struct rred *sub;
  int tree;      /* uses the fixed tree */
  /* per element */
  rv inv[REF_MAX_FIELDS];
  rv predv, keyv;
  /* state */
  rst s;
  rtree tr;
  rst *gs;        /* group, order-free sub: one state per bin */
  rbin_tree *gt;  /* group, tree sub: one per bin */
} rred;

typedef struct relem {
  rv f[REF_MAX_FIELDS];
  int n;
  int64_t i, k;
} relem;

typedef struct R {
  struct ref_arena *ar;
  const char *text;
  size_t text_len;
  const pleat_column *cols;
  size_t ncols;
  char colname[64][72];
  /* checker */
  int nx;           /* fields of the current element */
  int xt[REF_MAX_FIELDS];
  int xtuple;
  int has_k;
  int in_lambda;
  const char *pa, *pb;
  int lam_t;
  pleat_status st;
  char msg[256];
  /* pipeline */
  rstage *stages;
  int nst;
  rred **reds;
  int nred;
  int red_tuple;
  /* run */
  uint64_t n;
  int stop, trap;
  int64_t err_index;
  int64_t trap_index;   /* index to report for a trap in the current eval */
  int64_t last_leaf;
  const rv *params;
} R;

/* }==== */

/* {==== the checker ========================================================= */

enum { W_NONE = 0, W_INT = 1, W_FLT = 2 };

/* A checked value: a weak literal not yet typed, or a typed expression. */
typedef struct cv {
  int weak;
  int64_t wi;
  double wf;
  const pleat__ast_node *lit; /* the float literal its value came from */
  rx *x;
} cv;

typedef struct celem {
  cv f[REF_MAX_FIELDS];
  int n;
  int tuple;
} celem;

PLEAT_PRINTF(3, 4)
static int fail(R *r, pleat_status st, const char *fmt, ...) {
  if (r->st != PLEAT_OK) return 0;
  r->st = st;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->msg, sizeof r->msg, fmt, ap);
  va_end(ap);
  return 0;
}

static rx *mk(R *r, int kind, int t) {
  rx *e = ar_alloc(r->ar, sizeof *e);
  e->kind = kind;
  e->t = t;
  return e;
}

static rx *mk_const(R *r, int t, rv c) {
  rx *e = mk(r, X_CONST, t);
  e->c = c;
  return e;
}

static cv strong(rx *x) {
  cv v;
  memset(&v, 0, sizeof v);
  v.x = x;
  return v;
}

static const char *tname(const cv *v) {
  if (v->weak == W_INT) return "integer literal";
  if (v->weak == W_FLT) return "float literal";
  return pleat_dtype_name(v->x->t);
}

/* A float literal rounded once to f32 from its decimal text (strtof). */
static float lit_f32(R *r, const cv *v) {
  const pleat__ast_node *n = v->lit;
  if (n && r->text && n->len > 0 && n->len < 120 && (size_t)n->off + n->len <= r->text_len) {
    char buf[128];
    memcpy(buf, r->text + n->off, n->len);
    buf[n->len] = 0;
    if (strpbrk(buf, "0123456789") && !strpbrk(buf, "xX")) {
      char *end;
      float f = strtof(buf, &end);
      if (*end == 0) {
        if (!signbit(f) != !signbit(v->wf)) f = -f;
        return f;
      }
    }
  }
  return (float)v->wf;
}

static int materialize(R *r, cv *v, int t) {
  if (v->weak == W_NONE) return 1;
  rv c = rv_i(0);
  if (v->weak == W_INT) {
    switch (t) {
      case PLEAT_I32:
        if (v->wi < INT32_MIN || v->wi > INT32_MAX)
          return fail(r, PLEAT_E_RANGE, "integer literal does not fit i32");
        c.i = v->wi;
        break;
      case PLEAT_I64: c.i = v->wi; break;
      case PLEAT_F32: c.f = (double)(float)v->wi; break;
      case PLEAT_F64: c.f = (double)v->wi; break;
      default: return fail(r, PLEAT_E_TYPE, "an integer literal cannot be %s", pleat_dtype_name(t));
    }
  } else {
    switch (t) {
      case PLEAT_F32: c.f = (double)lit_f32(r, v); break;
      case PLEAT_F64: c.f = v->wf; break;
      default: return fail(r, PLEAT_E_TYPE, "a float literal cannot be %s", pleat_dtype_name(t));
    }
  }
  v->x = mk_const(r, t, c);
  v->weak = W_NONE;
  return 1;
}

static int settle(R *r, cv *v) {
  if (v->weak == W_INT) return materialize(r, v, PLEAT_I64);
  if (v->weak == W_FLT) return materialize(r, v, PLEAT_F64);
  return 1;
}

static int convert(R *r, cv *v, int t) {
  if (v->weak) return materialize(r, v, t);
  if (v->x->t == t) return 1;
  rx *c = mk(r, X_CAST, t);
  c->a = v->x;
  v->x = c;
  return 1;
}

/* The C promotion of two strong numeric types. */
static int promote(int a, int b) {
  if (a == b) return a;
  if (a == PLEAT_F64 || b == PLEAT_F64) return PLEAT_F64;
  if (a == PLEAT_F32 || b == PLEAT_F32) return PLEAT_F32;
  return PLEAT_I64;
}

static int unify(R *r, cv *l, cv *rr, int allow_bool) {
  if (l->weak && rr->weak) {
    int t = (l->weak == W_FLT || rr->weak == W_FLT) ? PLEAT_F64 : PLEAT_I64;
    return materialize(r, l, t) && materialize(r, rr, t);
  }
  if (l->weak || rr->weak) {
    cv *w = l->weak ? l : rr, *s = l->weak ? rr : l;
    if (s->x->t == PLEAT_BOOL) return fail(r, PLEAT_E_TYPE, "arithmetic on bool");
    if (w->weak == W_FLT && is_int(s->x->t))
      return materialize(r, w, PLEAT_F64) && convert(r, s, PLEAT_F64);
    return materialize(r, w, s->x->t);
  }
  if (l->x->t == PLEAT_BOOL || rr->x->t == PLEAT_BOOL) {
    if (l->x->t == rr->x->t && allow_bool) return 1;
    return fail(r, PLEAT_E_TYPE, "bool operand");
  }
  int t = promote(l->x->t, rr->x->t);
  return convert(r, l, t) && convert(r, rr, t);
}

static int expr(R *r, const pleat__ast_node *n, celem *out);

static int scalar(R *r, const pleat__ast_node *n, cv *out) {
  celem e;
  if (!expr(r, n, &e)) return 0;
  if (e.tuple) return fail(r, PLEAT_E_TYPE, "a tuple where a number is needed");
  *out = e.f[0];
  return 1;
}

static int boolean(R *r, const pleat__ast_node *n, cv *out) {
  if (!scalar(r, n, out)) return 0;
  if (out->weak || out->x->t != PLEAT_BOOL) return fail(r, PLEAT_E_TYPE, "needs a bool, found %s", tname(out));
  return 1;
}

static void one(celem *e, cv v) {
  e->n = 1;
  e->tuple = 0;
  e->f[0] = v;
}

/* Folds an operator over two weak literals (i64 wrapping, or f64). */
static int weak_fold(R *r, int op, cv *l, cv *rr, cv *out) {
  int flt = l->weak == W_FLT || rr->weak == W_FLT;
  memset(out, 0, sizeof *out);
  if (op == AOP_SHL || op == AOP_SHR) {
    if (flt) return fail(r, PLEAT_E_TYPE, "shift of a float literal");
    out->weak = W_INT;
    out->wi = op == AOP_SHL ? i_shl(PLEAT_I64, l->wi, rr->wi) : i_shr(PLEAT_I64, l->wi, rr->wi);
    return 1;
  }
  if (!flt) {
    int trap = 0;
    out->weak = W_INT;
    switch (op) {
      case AOP_ADD: out->wi = i_add(PLEAT_I64, l->wi, rr->wi); break;
      case AOP_SUB: out->wi = i_sub(PLEAT_I64, l->wi, rr->wi); break;
      case AOP_MUL: out->wi = i_mul(PLEAT_I64, l->wi, rr->wi); break;
      case AOP_DIV: out->wi = i_div(PLEAT_I64, l->wi, rr->wi, 0, &trap); break;
      case AOP_REM: out->wi = i_div(PLEAT_I64, l->wi, rr->wi, 1, &trap); break;
      default: return fail(r, PLEAT_E_INTERNAL, "weak fold");
    }
    if (trap) return fail(r, PLEAT_E_DOMAIN, "integer division by zero in a constant");
    return 1;
  }
  double a = l->weak == W_INT ? (double)l->wi : l->wf;
  double b = rr->weak == W_INT ? (double)rr->wi : rr->wf;
  out->weak = W_FLT;
  switch (op) {
    case AOP_ADD: out->wf = a + b; break;
    case AOP_SUB: out->wf = a - b; break;
    case AOP_MUL: out->wf = a * b; break;
    case AOP_DIV: out->wf = a / b; break;
    case AOP_REM: out->wf = fmod(a, b); break;
    default: return fail(r, PLEAT_E_INTERNAL, "weak fold");
  }
  return 1;
}

static int op_kind(int op) {
  switch (op) {
    case AOP_MUL: case AOP_DIV: case AOP_REM: case AOP_ADD: case AOP_SUB: return 0;
    case AOP_LT: case AOP_LE: case AOP_GT: case AOP_GE: case AOP_EQ: case AOP_NE: return 1;
    case AOP_SHL: case AOP_SHR: return 2;
    case AOP_BAND: case AOP_BXOR: case AOP_BOR: return 3;
    case AOP_LAND: case AOP_LOR: return 4;
    default: return -1;
  }
}

static int binary(R *r, const pleat__ast_node *n, cv *out) {
  int kind = op_kind(n->op);
  if (kind < 0) return fail(r, PLEAT_E_SYNTAX, "unexpected operator");
  cv l, rr;
  if (!scalar(r, n->kids[0], &l) || !scalar(r, n->kids[1], &rr)) return 0;
  if (kind == 4) {
    if (l.weak || l.x->t != PLEAT_BOOL || rr.weak || rr.x->t != PLEAT_BOOL)
      return fail(r, PLEAT_E_TYPE, "&& and || need bools");
    rx *e = mk(r, n->op == AOP_LAND ? X_AND : X_OR, PLEAT_BOOL);
    e->a = l.x;
    e->b = rr.x;
    *out = strong(e);
    return 1;
  }
  if (l.weak && rr.weak && kind != 1 && kind != 3) return weak_fold(r, n->op, &l, &rr, out);
  if (kind == 2) { /* shifts: the left operand's type */
    if (l.weak && !rr.weak && !materialize(r, &l, is_int(rr.x->t) ? rr.x->t : PLEAT_I64)) return 0;
    if (!is_int(l.x->t) || !(rr.weak == W_INT || (!rr.weak && is_int(rr.x->t))))
      return fail(r, PLEAT_E_TYPE, "shifts need integers");
    if (!convert(r, &rr, l.x->t)) return 0;
    rx *e = mk(r, X_BIN, l.x->t);
    e->op = n->op;
    e->a = l.x;
    e->b = rr.x;
    *out = strong(e);
    return 1;
  }
  if (!unify(r, &l, &rr, kind == 1 || kind == 3)) return 0;
  int t = l.x->t;
  if (kind == 3 && is_flt(t)) return fail(r, PLEAT_E_TYPE, "bitwise operator on %s", pleat_dtype_name(t));
  rx *e = mk(r, X_BIN, kind == 1 ? PLEAT_BOOL : t);
  e->op = n->op;
  e->a = l.x;
  e->b = rr.x;
  *out = strong(e);
  return 1;
}

static int unary(R *r, const pleat__ast_node *n, cv *out) {
  cv a;
  if (!scalar(r, n->kids[0], &a)) return 0;
  switch (n->op) {
    case AOP_NEG:
      if (a.weak == W_INT) {
        *out = a;
        out->wi = i_neg(PLEAT_I64, a.wi);
        return 1;
      }
      if (a.weak == W_FLT) {
        *out = a;
        out->wf = -a.wf; /* the literal still rounds once from its text */
        return 1;
      }
      if (a.x->t == PLEAT_BOOL) return fail(r, PLEAT_E_TYPE, "'-' of bool");
      break;
    case AOP_NOT:
      if (a.weak || a.x->t != PLEAT_BOOL) return fail(r, PLEAT_E_TYPE, "'!' needs a bool");
      break;
    case AOP_BNOT:
      if (a.weak == W_INT) {
        *out = a;
        out->wi = ~a.wi;
        return 1;
      }
      if (a.weak || !is_int(a.x->t)) return fail(r, PLEAT_E_TYPE, "'~' needs an integer");
      break;
    default: return fail(r, PLEAT_E_SYNTAX, "unexpected unary operator");
  }
  rx *e = mk(r, n->op == AOP_NEG ? X_NEG : n->op == AOP_NOT ? X_NOT : X_BNOT, a.x->t);
  e->a = a.x;
  *out = strong(e);
  return 1;
}

static int ternary(R *r, const pleat__ast_node *n, cv *out) {
  cv c, t, f;
  if (!boolean(r, n->kids[0], &c) || !scalar(r, n->kids[1], &t) || !scalar(r, n->kids[2], &f))
    return 0;
  if (!unify(r, &t, &f, 1)) return 0;
  rx *e = mk(r, X_SEL, t.x->t);
  e->a = c.x;
  e->b = t.x;
  e->c3 = f.x;
  *out = strong(e);
  return 1;
}

static const struct fn {
  const char *name;
  int fn;
  int nargs;
  char kind; /* N numeric, K clamp, F float math, P predicate, H hash, C cast */
} fns[] = {
  {"abs", F_ABS, 1, 'N'}, {"min", F_MIN, 2, 'N'}, {"max", F_MAX, 2, 'N'},
  {"clamp", -1, 3, 'K'}, {"sqrt", F_SQRT, 1, 'F'}, {"cbrt", F_CBRT, 1, 'F'},
  {"exp", F_EXP, 1, 'F'}, {"exp2", F_EXP2, 1, 'F'}, {"log", F_LOG, 1, 'F'},
  {"log2", F_LOG2, 1, 'F'}, {"log10", F_LOG10, 1, 'F'}, {"pow", F_POW, 2, 'F'},
  {"sin", F_SIN, 1, 'F'}, {"cos", F_COS, 1, 'F'}, {"tan", F_TAN, 1, 'F'},
  {"asin", F_ASIN, 1, 'F'}, {"acos", F_ACOS, 1, 'F'}, {"atan", F_ATAN, 1, 'F'},
  {"atan2", F_ATAN2, 2, 'F'}, {"sinh", F_SINH, 1, 'F'}, {"cosh", F_COSH, 1, 'F'},
  {"tanh", F_TANH, 1, 'F'}, {"floor", F_FLOOR, 1, 'F'}, {"ceil", F_CEIL, 1, 'F'},
  {"round", F_ROUND, 1, 'F'}, {"trunc", F_TRUNC, 1, 'F'}, {"fma", F_FMA, 3, 'F'},
  {"hypot", F_HYPOT, 2, 'F'}, {"isnan", F_ISNAN, 1, 'P'}, {"isinf", F_ISINF, 1, 'P'},
  {"hash", F_HASH, 1, 'H'}, {"uniform", F_UNIFORM, 1, 'H'},
  {"i32", PLEAT_I32, 1, 'C'}, {"i64", PLEAT_I64, 1, 'C'}, {"f32", PLEAT_F32, 1, 'C'},
  {"f64", PLEAT_F64, 1, 'C'},
};

static rx *mk_fn(R *r, int fn, int t, rx *a, rx *b, rx *c) {
  rx *e = mk(r, X_FN, t);
  e->op = fn;
  e->a = a;
  e->b = b;
  e->c3 = c;
  return e;
}

/* min / max of two values with the binary promotion rules. */
static int minmax2(R *r, int fn, cv *a, cv *b, cv *out) {
  if ((!a->weak && a->x->t == PLEAT_BOOL) || (!b->weak && b->x->t == PLEAT_BOOL))
    return fail(r, PLEAT_E_TYPE, "min/max of bool");
  if (!unify(r, a, b, 0)) return 0;
  *out = strong(mk_fn(r, fn, a->x->t, a->x, b->x, NULL));
  return 1;
}

static int call(R *r, const pleat__ast_node *n, cv *out) {
  const struct fn *f = NULL;
  for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++)
    if (!strcmp(fns[k].name, n->name)) f = &fns[k];
  if (!f) return fail(r, PLEAT_E_NAME, "unknown function '%s'", n->name);
  if ((int)n->nkids != f->nargs) return fail(r, PLEAT_E_ARITY, "%s: wrong number of arguments", n->name);
  cv a[3];
  for (uint32_t k = 0; k < n->nkids; k++)
    if (!scalar(r, n->kids[k], &a[k])) return 0;
  switch (f->kind) {
    case 'C': {
      int to = f->fn;
      if (a[0].weak == W_INT && !materialize(r, &a[0], is_int(to) ? PLEAT_I64 : to)) return 0;
      if (a[0].weak == W_FLT && !materialize(r, &a[0], PLEAT_F64)) return 0;
      if (!convert(r, &a[0], to)) return 0;
      *out = a[0];
      return 1;
    }
    case 'H':
      if (a[0].weak == W_FLT || (!a[0].weak && !is_int(a[0].x->t)))
        return fail(r, PLEAT_E_TYPE, "%s needs an integer", n->name);
      if (!convert(r, &a[0], PLEAT_I64)) return 0;
      *out = strong(mk_fn(r, f->fn, f->fn == F_HASH ? PLEAT_I64 : PLEAT_F64, a[0].x, NULL, NULL));
      return 1;
    case 'N':
      if (f->nargs == 1) {
        if (!a[0].weak && a[0].x->t == PLEAT_BOOL) return fail(r, PLEAT_E_TYPE, "abs of bool");
        if (!settle(r, &a[0])) return 0;
        *out = strong(mk_fn(r, f->fn, a[0].x->t, a[0].x, NULL, NULL));
        return 1;
      }
      return minmax2(r, f->fn, &a[0], &a[1], out);
    case 'K': { /* clamp(x, lo, hi) = min(max(x, lo), hi) */
      cv m;
      if (!minmax2(r, F_MAX, &a[0], &a[1], &m)) return 0;
      return minmax2(r, F_MIN, &m, &a[2], out);
    }
    case 'F':
    case 'P': {
      int any_strong = 0, t = PLEAT_F32;
      for (int k = 0; k < f->nargs; k++) {
        if (a[k].weak) continue;
        if (a[k].x->t == PLEAT_BOOL) return fail(r, PLEAT_E_TYPE, "%s of bool", n->name);
        any_strong = 1;
        if (a[k].x->t != PLEAT_F32) t = PLEAT_F64;
      }
      if (!any_strong) t = PLEAT_F64;
      for (int k = 0; k < f->nargs; k++)
        if (!convert(r, &a[k], t)) return 0;
      *out = strong(mk_fn(r, f->fn, f->kind == 'P' ? PLEAT_BOOL : t, a[0].x,
                          f->nargs > 1 ? a[1].x : NULL, f->nargs > 2 ? a[2].x : NULL));
      return 1;
    }
  }
  return fail(r, PLEAT_E_INTERNAL, "function table");
}

static void x_elem(R *r, celem *out) {
  out->n = r->nx;
  out->tuple = r->xtuple;
  for (int k = 0; k < r->nx; k++) {
    rx *e = mk(r, X_FIELD, r->xt[k]);
    e->idx = k;
    out->f[k] = strong(e);
  }
}

static int name_ref(R *r, const pleat__ast_node *n, celem *out) {
  const char *nm = n->name;
  if (r->in_lambda) {
    if (!strcmp(nm, r->pa) || !strcmp(nm, r->pb)) {
      rx *e = mk(r, X_PARAM, r->lam_t);
      e->idx = strcmp(nm, r->pa) ? 1 : 0;
      one(out, strong(e));
      return 1;
    }
    return fail(r, PLEAT_E_NAME, "unknown name '%s' in a lambda", nm);
  }
  if (!strcmp(nm, "x")) {
    x_elem(r, out);
    return 1;
  }
  if (!strcmp(nm, "i")) {
    one(out, strong(mk(r, X_IDX, PLEAT_I64)));
    return 1;
  }
  if (!strcmp(nm, "k")) {
    if (!r->has_k) return fail(r, PLEAT_E_NAME, "k before enumerate");
    one(out, strong(mk(r, X_K, PLEAT_I64)));
    return 1;
  }
  for (size_t k = 0; k < r->ncols; k++)
    if (!strcmp(nm, r->colname[k])) {
      rx *e = mk(r, X_COL, r->cols[k].dtype);
      e->idx = (int)k;
      one(out, strong(e));
      return 1;
    }
  return fail(r, PLEAT_E_NAME, "unknown name '%s'", nm);
}

static int expr(R *r, const pleat__ast_node *n, celem *out) {
  if (r->st != PLEAT_OK) return 0;
  cv v;
  memset(&v, 0, sizeof v);
  switch (n->kind) {
    case AST_INT:
      if (n->neg) {
        if (n->u > (uint64_t)INT64_MAX + 1) return fail(r, PLEAT_E_RANGE, "integer literal");
        v.wi = (int64_t)(0 - n->u);
      } else {
        if (n->u > (uint64_t)INT64_MAX) return fail(r, PLEAT_E_RANGE, "integer literal");
        v.wi = (int64_t)n->u;
      }
      v.weak = W_INT;
      one(out, v);
      return 1;
    case AST_FLOAT:
      v.weak = W_FLT;
      v.wf = n->f;
      v.lit = n;
      one(out, v);
      return 1;
    case AST_BOOL:
      one(out, strong(mk_const(r, PLEAT_BOOL, rv_i(n->u ? 1 : 0))));
      return 1;
    case AST_NAME: return name_ref(r, n, out);
    case AST_UNARY:
      if (!unary(r, n, &v)) return 0;
      one(out, v);
      return 1;
    case AST_BINARY:
      if (!binary(r, n, &v)) return 0;
      one(out, v);
      return 1;
    case AST_TERNARY:
      if (!ternary(r, n, &v)) return 0;
      one(out, v);
      return 1;
    case AST_CALL:
      if (!call(r, n, &v)) return 0;
      one(out, v);
      return 1;
    case AST_FIELD: {
      celem e;
      if (!expr(r, n->kids[0], &e)) return 0;
      if (!e.tuple || n->u >= (uint64_t)e.n) return fail(r, PLEAT_E_TYPE, "bad field access");
      one(out, e.f[n->u]);
      return 1;
    }
    case AST_TUPLE:
      if (n->nkids > REF_MAX_FIELDS) return fail(r, PLEAT_E_LIMIT, "tuple too wide");
      out->n = (int)n->nkids;
      out->tuple = 1;
      for (uint32_t k = 0; k < n->nkids; k++) {
        cv f;
        if (!scalar(r, n->kids[k], &f) || !settle(r, &f)) return 0;
        out->f[k] = f;
      }
      return 1;
    default: return fail(r, PLEAT_E_SYNTAX, "unexpected item in an expression");
  }
}

static int element(R *r, const pleat__ast_node *n, celem *e) {
  if (!expr(r, n, e)) return 0;
  for (int k = 0; k < e->n; k++)
    if (!settle(r, &e->f[k])) return 0;
  return 1;
}

static const char *item_name(const pleat__ast_node *n) {
  if (n->kind == AST_NAME || n->kind == AST_CALL) return n->name;
  return NULL;
}

static uint32_t nargs(const pleat__ast_node *n) { return n->kind == AST_CALL ? n->nkids : 0; }

static int count_arg(R *r, const pleat__ast_node *n, int64_t *out) {
  if (n->kind != AST_INT || n->neg || n->u > (uint64_t)INT64_MAX)
    return fail(r, PLEAT_E_TYPE, "expected a non-negative integer literal");
  *out = (int64_t)n->u;
  return 1;
}

static int opref(R *r, const pleat__ast_node *n, int *op) {
  if (n->kind == AST_OPREF) {
    *op = n->op;
    return 1;
  }
  if (n->kind == AST_NAME && !strcmp(n->name, "min")) {
    *op = AOP_MIN;
    return 1;
  }
  if (n->kind == AST_NAME && !strcmp(n->name, "max")) {
    *op = AOP_MAX;
    return 1;
  }
  return fail(r, PLEAT_E_TYPE, "expected an operator");
}

static int op_fits(R *r, int op, int t) {
  int ok = (op == AOP_ADD || op == AOP_MUL || op == AOP_MIN || op == AOP_MAX) ? t != PLEAT_BOOL
                                                                                 : !is_flt(t);
  return ok ? 1 : fail(r, PLEAT_E_TYPE, "operator does not fit %s", pleat_dtype_name(t));
}

/* A constant of type t (scan/reduce/foldl initial values). */
static int const_arg(R *r, const pleat__ast_node *n, int t, rv *out) {
  cv v;
  if (!scalar(r, n, &v) || !convert(r, &v, t)) return 0;
  /* fold casts of constants (f32(0.1), i32(-1), -(1)) */
  rx *e = v.x;
  if (e->kind == X_CAST && e->a->kind == X_CONST) {
    *out = cast_v(e->t, e->a->t, e->a->c);
    return 1;
  }
  if (e->kind == X_NEG && e->a->kind == X_CONST) {
    *out = is_flt(e->t) ? rv_f(-e->a->c.f) : rv_i(i_neg(e->t, e->a->c.i));
    return 1;
  }
  if (e->kind != X_CONST) return fail(r, PLEAT_E_TYPE, "the initial value must be a constant");
  *out = e->c;
  return 1;
}

static void set_x_scalar(R *r, int t) {
  r->nx = 1;
  r->xt[0] = t;
  r->xtuple = 0;
}

static rstage *new_stage(R *r, int kind) {
  rstage *s = &r->stages[r->nst++];
  memset(s, 0, sizeof *s);
  s->kind = kind;
  s->cur_leaf = -1;
  return s;
}

static int stage(R *r, const pleat__ast_node *n) {
  const char *nm = item_name(n);
  if (!nm) return fail(r, PLEAT_E_SYNTAX, "expected a stage");
  uint32_t na = nargs(n);
  if (!strcmp(nm, "map")) {
    if (na != 1) return fail(r, PLEAT_E_ARITY, "map");
    celem e;
    if (!element(r, n->kids[0], &e)) return 0;
    rstage *s = new_stage(r, S_MAP);
    s->nex = e.n;
    s->ex = ar_alloc(r->ar, sizeof(rx *) * (size_t)e.n);
    for (int k = 0; k < e.n; k++) {
      s->ex[k] = e.f[k].x;
      r->xt[k] = e.f[k].x->t;
    }
    r->nx = e.n;
    r->xtuple = e.tuple;
    return 1;
  }
  if (!strcmp(nm, "filter") || !strcmp(nm, "take_while") || !strcmp(nm, "drop_while")) {
    if (na != 1) return fail(r, PLEAT_E_ARITY, "%s", nm);
    cv p;
    if (!boolean(r, n->kids[0], &p)) return 0;
    rstage *s = new_stage(r, nm[0] == 'f' ? S_FILTER : nm[0] == 't' ? S_TAKE_WHILE : S_DROP_WHILE);
    s->ex = ar_alloc(r->ar, sizeof(rx *));
    s->ex[0] = p.x;
    s->nex = 1;
    return 1;
  }
  if (!strcmp(nm, "take") || !strcmp(nm, "drop") || !strcmp(nm, "take_nth")) {
    if (na != 1) return fail(r, PLEAT_E_ARITY, "%s", nm);
    int64_t c = 0;
    if (!count_arg(r, n->kids[0], &c)) return 0;
    int kind = !strcmp(nm, "take") ? S_TAKE : !strcmp(nm, "drop") ? S_DROP : S_TAKE_NTH;
    if (kind == S_TAKE_NTH && c == 0) return fail(r, PLEAT_E_DOMAIN, "take_nth(0)");
    new_stage(r, kind)->arg = c;
    return 1;
  }
  if (!strcmp(nm, "enumerate")) {
    if (na != 0) return fail(r, PLEAT_E_ARITY, "enumerate");
    new_stage(r, S_ENUM);
    r->has_k = 1;
    return 1;
  }
  if (!strcmp(nm, "dedupe")) {
    if (na != 0) return fail(r, PLEAT_E_ARITY, "dedupe");
    rstage *s = new_stage(r, S_DEDUPE);
    s->nfields = r->nx;
    for (int k = 0; k < r->nx; k++) s->ft[k] = r->xt[k];
    return 1;
  }
  if (!strcmp(nm, "scan")) {
    if (na < 1 || na > 2) return fail(r, PLEAT_E_ARITY, "scan");
    if (r->xtuple) return fail(r, PLEAT_E_TYPE, "scan of a tuple");
    int op, t = r->xt[0];
    if (!opref(r, n->kids[0], &op) || !op_fits(r, op, t)) return 0;
    rv init = rv_i(0);
    if (na == 2 && !const_arg(r, n->kids[1], t, &init)) return 0;
    rstage *s = new_stage(r, S_SCAN);
    s->op = op;
    s->t = t;
    s->has_init = na == 2;
    s->init = init;
    s->carry = init; /* carry = init op (totals of the earlier leaves) */
    s->carry_set = s->has_init;
    return 1;
  }
  if (!strcmp(nm, "flat_map")) {
    if (na < 1 || na > REF_MAX_FLAT) return fail(r, PLEAT_E_ARITY, "flat_map");
    celem *items = ar_alloc(r->ar, sizeof *items * na);
    for (uint32_t k = 0; k < na; k++) {
      if (!expr(r, n->kids[k], &items[k])) return 0;
      if (items[k].n != items[0].n || items[k].tuple != items[0].tuple)
        return fail(r, PLEAT_E_TYPE, "flat_map items of different shapes");
    }
    int w = items[0].n;
    rstage *s = new_stage(r, S_FLATMAP);
    s->m = (int)na;
    s->w = w;
    s->nex = (int)na * w;
    s->ex = ar_alloc(r->ar, sizeof(rx *) * (size_t)s->nex);
    for (int f = 0; f < w; f++) {
      /* the common type of the field over every item, each converted once */
      int weak_int = 0, weak_flt = 0, strong_t = 0, nbool = 0, nstrong = 0;
      for (uint32_t k = 0; k < na; k++) {
        cv *v = &items[k].f[f];
        if (v->weak == W_INT) weak_int = 1;
        else if (v->weak == W_FLT) weak_flt = 1;
        else {
          nstrong++;
          if (v->x->t == PLEAT_BOOL) nbool++;
          else strong_t = strong_t ? promote(strong_t, v->x->t) : v->x->t;
        }
      }
      int t;
      if (nbool) {
        if (nbool != nstrong || weak_int || weak_flt)
          return fail(r, PLEAT_E_TYPE, "flat_map mixes bool and numbers");
        t = PLEAT_BOOL;
      } else if (!strong_t) {
        t = weak_flt ? PLEAT_F64 : PLEAT_I64;
      } else {
        t = strong_t;
        if (weak_flt && is_int(t)) t = PLEAT_F64;
      }
      for (uint32_t k = 0; k < na; k++) {
        if (!convert(r, &items[k].f[f], t)) return 0;
        s->ex[k * (uint32_t)w + (uint32_t)f] = items[k].f[f].x;
      }
      r->xt[f] = t;
    }
    r->nx = w;
    r->xtuple = items[0].tuple;
    return 1;
  }
  if (!strcmp(nm, "flat_map_range")) {
    if (na != 2) return fail(r, PLEAT_E_ARITY, "flat_map_range");
    cv lo, hi;
    if (!scalar(r, n->kids[0], &lo) || !scalar(r, n->kids[1], &hi)) return 0;
    cv *p[2] = {&lo, &hi};
    for (int k = 0; k < 2; k++) {
      if (p[k]->weak == W_FLT || (!p[k]->weak && !is_int(p[k]->x->t)))
        return fail(r, PLEAT_E_TYPE, "flat_map_range needs integers");
      if (!convert(r, p[k], PLEAT_I64)) return 0;
    }
    rstage *s = new_stage(r, S_FLATRANGE);
    s->ex = ar_alloc(r->ar, sizeof(rx *) * 2);
    s->ex[0] = lo.x;
    s->ex[1] = hi.x;
    s->nex = 2;
    set_x_scalar(r, PLEAT_I64);
    return 1;
  }
  return fail(r, PLEAT_E_NAME, "unknown stage '%s'", nm);
}

static int red_kind(const char *nm) {
  for (int k = 0; k < R_COUNT_; k++)
    if (!strcmp(red_names[k], nm)) return k;
  return -1;
}

static int lambda(R *r, const pleat__ast_node *n, int t, rred *d) {
  if (!strcmp(n->name, n->name2)) return fail(r, PLEAT_E_NAME, "lambda parameters");
  r->in_lambda = 1;
  r->pa = n->name;
  r->pb = n->name2;
  r->lam_t = t;
  cv res;
  int ok = scalar(r, n->kids[0], &res);
  if (ok && !res.weak && res.x->t != t) ok = fail(r, PLEAT_E_TYPE, "the lambda's type");
  if (ok) ok = convert(r, &res, t);
  r->in_lambda = 0;
  if (ok) d->lam = res.x;
  return ok;
}

static int is_tree(const rred *d) {
  switch (d->kind) {
    case R_SUM: case R_PROD: return is_flt(d->t);
    case R_MEAN: case R_VAR: case R_STD: return 1;
    case R_REDUCE: return d->op < 0 || (is_flt(d->t) && (d->op == AOP_ADD || d->op == AOP_MUL));
    default: return 0;
  }
}

static rred *reducer(R *r, const pleat__ast_node *n) {
  const char *nm = item_name(n);
  if (!nm) {
    fail(r, PLEAT_E_SYNTAX, "expected a reducer");
    return NULL;
  }
  int kind = red_kind(nm);
  if (kind < 0) {
    fail(r, PLEAT_E_NAME, "unknown reducer '%s'", nm);
    return NULL;
  }
  uint32_t na = nargs(n);
  rred *d = ar_alloc(r->ar, sizeof *d);
  d->kind = kind;
  d->op = AOP_ADD;
  d->tr.cur = -1;
  celem e;
  x_elem(r, &e);
  switch (kind) {
    case R_COLLECT:
      if (na != 0) { fail(r, PLEAT_E_ARITY, "collect"); return NULL; }
      break;
    case R_REDUCE:
    case R_FOLDL: {
      if (na < (kind == R_FOLDL ? 2u : 1u) || na > 2) { fail(r, PLEAT_E_ARITY, "%s", nm); return NULL; }
      if (e.tuple) { fail(r, PLEAT_E_TYPE, "%s of a tuple", nm); return NULL; }
      int t = e.f[0].x->t;
      if (n->kids[0]->kind == AST_LAMBDA) {
        if (na < 2) { fail(r, PLEAT_E_ARITY, "a lambda needs an init"); return NULL; }
        d->op = -1;
        if (!lambda(r, n->kids[0], t, d)) return NULL;
      } else {
        if (!opref(r, n->kids[0], &d->op) || !op_fits(r, d->op, t)) return NULL;
      }
      if (na == 2) {
        if (!const_arg(r, n->kids[1], t, &d->init)) return NULL;
        d->has_init = 1;
      }
      break;
    }
    case R_GROUP: {
      if (na != 3) { fail(r, PLEAT_E_ARITY, "group"); return NULL; }
      cv key;
      if (!scalar(r, n->kids[0], &key)) return NULL;
      if (key.weak == W_FLT || (!key.weak && !is_int(key.x->t))) {
        fail(r, PLEAT_E_TYPE, "the group key must be an integer");
        return NULL;
      }
      if (!convert(r, &key, PLEAT_I64)) return NULL;
      int64_t bins = 0;
      if (!count_arg(r, n->kids[1], &bins)) return NULL;
      if (bins < 1 || bins > (int64_t)PLEAT_MAX_BINS) { fail(r, PLEAT_E_DOMAIN, "bins"); return NULL; }
      const pleat__ast_node *sn = n->kids[2];
      const char *snm = item_name(sn);
      if (!snm || !strcmp(snm, "collect") || !strcmp(snm, "group")) {
        fail(r, PLEAT_E_TYPE, "group reducer");
        return NULL;
      }
      rred *sub = reducer(r, sn);
      if (!sub) return NULL;
      d->key = key.x;
      d->bins = bins;
      d->sub = sub;
      d->t = sub->t;
      d->out_t = sub->out_t;
      return d;
    }
    case R_COUNT:
    case R_ANY:
    case R_ALL:
    case R_FIND_FIRST:
      if (na > 1 || (kind == R_FIND_FIRST && na != 1)) { fail(r, PLEAT_E_ARITY, "%s", nm); return NULL; }
      if (na == 1) {
        cv p;
        if (!boolean(r, n->kids[0], &p)) return NULL;
        d->pred = p.x;
      } else if (kind != R_COUNT) {
        if (e.tuple || e.f[0].x->t != PLEAT_BOOL) { fail(r, PLEAT_E_TYPE, "%s needs bools", nm); return NULL; }
        d->pred = e.f[0].x;
      }
      e.n = 0;
      e.tuple = 0;
      break;
    default:
      if (na > 1) { fail(r, PLEAT_E_ARITY, "%s", nm); return NULL; }
      if (na == 1 && !element(r, n->kids[0], &e)) return NULL;
      break;
  }
  d->nin = e.n;
  d->tuple = e.tuple;
  for (int k = 0; k < e.n; k++) {
    d->in[k] = e.f[k].x;
    d->in_t[k] = e.f[k].x->t;
  }
  d->t = e.n ? e.f[0].x->t : PLEAT_BOOL;
  if (e.tuple && kind != R_FIRST && kind != R_LAST && kind != R_COLLECT) {
    fail(r, PLEAT_E_TYPE, "%s of a tuple", nm);
    return NULL;
  }
  if (e.tuple) d->t = 0;
  int t = d->t;
  switch (kind) {
    case R_SUM: case R_PROD: d->out_t = is_flt(t) ? t : PLEAT_I64; break;
    case R_MIN: case R_MAX: case R_MINMAX: case R_ARGMIN: case R_ARGMAX:
    case R_MEAN: case R_VAR: case R_STD:
      if (t == PLEAT_BOOL) { fail(r, PLEAT_E_TYPE, "%s of bool", nm); return NULL; }
      d->out_t = (kind == R_ARGMIN || kind == R_ARGMAX) ? PLEAT_I64
                 : (kind >= R_MEAN && kind <= R_STD && !is_flt(t)) ? PLEAT_F64 : t;
      break;
    case R_COUNT: case R_FIND_FIRST: d->out_t = PLEAT_I64; break;
    case R_ANY: case R_ALL: d->out_t = PLEAT_BOOL; break;
    default: d->out_t = t; break;
  }
  d->tree = is_tree(d);
  return d;
}

static int check_pipeline(R *r, const pleat__ast *t) {
  const pleat__ast_node *root = t->root;
  if (!root || root->kind != AST_PIPELINE || root->nkids == 0)
    return fail(r, PLEAT_E_SYNTAX, "empty pipeline");
  for (size_t k = 0; k < r->ncols; k++) {
    const char *nm = r->cols[k].name;
    if (!nm) nm = k == 0 ? "x" : k == 1 ? "y" : k == 2 ? "z" : NULL;
    if (nm) snprintf(r->colname[k], sizeof r->colname[k], "%s", nm);
    else snprintf(r->colname[k], sizeof r->colname[k], "c%zu", k);
  }
  set_x_scalar(r, r->cols[0].dtype);
  r->stages = ar_alloc(r->ar, sizeof(rstage) * root->nkids);
  for (uint32_t k = 0; k + 1 < root->nkids; k++) {
    /* x starts as column 0: the first stage's x is the column */
    if (!stage(r, root->kids[k])) return 0;
  }
  const pleat__ast_node *last = root->kids[root->nkids - 1];
  if (last->kind == AST_TUPLE) {
    r->reds = ar_alloc(r->ar, sizeof(rred *) * last->nkids);
    for (uint32_t k = 0; k < last->nkids; k++) {
      rred *d = reducer(r, last->kids[k]);
      if (!d) return 0;
      r->reds[r->nred++] = d;
    }
    r->red_tuple = 1;
  } else {
    r->reds = ar_alloc(r->ar, sizeof(rred *));
    rred *d = reducer(r, last);
    if (!d) return 0;
    r->reds[r->nred++] = d;
  }
  return 1;
}

/* }==== */

/* {==== evaluation ========================================================== */

static rv col_at(const pleat_column *c, int64_t i) {
  if (c->gen == PLEAT_GEN_RANGE) {
    int64_t v = (int64_t)((uint64_t)c->start + (uint64_t)i);
    switch (c->dtype) {
      case PLEAT_I32: return rv_i(wrap_t(PLEAT_I32, v));
      case PLEAT_I64: return rv_i(v);
      case PLEAT_F32: return rv_f((double)(float)v);
      case PLEAT_F64: return rv_f((double)v);
      default: return rv_i(v & 1);
    }
  }
  const unsigned char *p = c->data;
  switch (c->dtype) {
    case PLEAT_BOOL: return rv_i(p[i] != 0);
    case PLEAT_I32: {
      int32_t v;
      memcpy(&v, p + (size_t)i * 4, 4);
      return rv_i(v);
    }
    case PLEAT_I64: {
      int64_t v;
      memcpy(&v, p + (size_t)i * 8, 8);
      return rv_i(v);
    }
    case PLEAT_F32: {
      float v;
      memcpy(&v, p + (size_t)i * 4, 4);
      return rv_f(v);
    }
    default: {
      double v;
      memcpy(&v, p + (size_t)i * 8, 8);
      return rv_f(v);
    }
  }
}

static rv eval(R *r, const rx *e, const relem *el);

static rv eval_bin(R *r, const rx *e, rv a, rv b) {
  int t = e->a->t; /* operand type */
  int op = e->op;
  if (is_flt(t)) {
    switch (op) {
      case AOP_ADD: return rv_f(f_add(t, a.f, b.f));
      case AOP_SUB: return rv_f(f_sub(t, a.f, b.f));
      case AOP_MUL: return rv_f(f_mul(t, a.f, b.f));
      case AOP_DIV: return rv_f(f_div(t, a.f, b.f));
      case AOP_REM: return rv_f(f_rem(t, a.f, b.f));
      case AOP_LT: return rv_i(a.f < b.f);
      case AOP_LE: return rv_i(a.f <= b.f);
      case AOP_GT: return rv_i(a.f > b.f);
      case AOP_GE: return rv_i(a.f >= b.f);
      case AOP_EQ: return rv_i(a.f == b.f);
      case AOP_NE: return rv_i(a.f != b.f);
      default: return rv_f(NAN);
    }
  }
  int trap = 0;
  int64_t v = 0;
  switch (op) {
    case AOP_ADD: v = i_add(t, a.i, b.i); break;
    case AOP_SUB: v = i_sub(t, a.i, b.i); break;
    case AOP_MUL: v = i_mul(t, a.i, b.i); break;
    case AOP_DIV: v = i_div(t, a.i, b.i, 0, &trap); break;
    case AOP_REM: v = i_div(t, a.i, b.i, 1, &trap); break;
    case AOP_SHL: v = i_shl(t, a.i, b.i); break;
    case AOP_SHR: v = i_shr(t, a.i, b.i); break;
    case AOP_LT: v = a.i < b.i; break;
    case AOP_LE: v = a.i <= b.i; break;
    case AOP_GT: v = a.i > b.i; break;
    case AOP_GE: v = a.i >= b.i; break;
    case AOP_EQ: v = a.i == b.i; break;
    case AOP_NE: v = a.i != b.i; break;
    case AOP_BAND: v = a.i & b.i; break;
    case AOP_BOR: v = a.i | b.i; break;
    case AOP_BXOR: v = a.i ^ b.i; break;
    default: break;
  }
  if (trap && !r->trap) {
    r->trap = 1;
    r->err_index = r->trap_index;
  }
  return rv_i(v);
}

static rv eval_fn(const rx *e, rv a, rv b, rv c) {
  int t = e->a->t; /* argument type */
  int f32 = t == PLEAT_F32;
  switch (e->op) {
    case F_ABS:
      if (is_flt(t)) return rv_f(fabs(a.f));
      return rv_i(a.i < 0 ? i_neg(t, a.i) : a.i);
    case F_MIN:
      if (is_flt(t)) return rv_f(min19(a.f, b.f));
      return rv_i(a.i < b.i ? a.i : b.i);
    case F_MAX:
      if (is_flt(t)) return rv_f(max19(a.f, b.f));
      return rv_i(a.i > b.i ? a.i : b.i);
    case F_SQRT: return rv_f(f32 ? (double)sqrtf((float)a.f) : sqrt(a.f));
#define M1(F, N) case F: return rv_f(f32 ? (double)m_##N##_f((float)a.f) : m_##N##_d(a.f));
#define M2(F, N) case F: return rv_f(f32 ? (double)m_##N##_f((float)a.f, (float)b.f) : m_##N##_d(a.f, b.f));
    M1(F_CBRT, cbrt) M1(F_EXP, exp) M1(F_EXP2, exp2) M1(F_LOG, log) M1(F_LOG2, log2)
    M1(F_LOG10, log10) M1(F_SIN, sin) M1(F_COS, cos) M1(F_TAN, tan) M1(F_ASIN, asin)
    M1(F_ACOS, acos) M1(F_ATAN, atan) M1(F_SINH, sinh) M1(F_COSH, cosh) M1(F_TANH, tanh)
    M2(F_POW, pow) M2(F_ATAN2, atan2) M2(F_HYPOT, hypot)
#undef M1
#undef M2
    case F_FLOOR: return rv_f(f32 ? (double)floorf((float)a.f) : floor(a.f));
    case F_CEIL: return rv_f(f32 ? (double)ceilf((float)a.f) : ceil(a.f));
    case F_ROUND: return rv_f(f32 ? (double)roundf((float)a.f) : round(a.f));
    case F_TRUNC: return rv_f(f32 ? (double)truncf((float)a.f) : trunc(a.f));
    case F_FMA: return rv_f(f32 ? (double)fmaf((float)a.f, (float)b.f, (float)c.f) : fma(a.f, b.f, c.f));
    case F_ISNAN: return rv_i(isnan(a.f) ? 1 : 0);
    case F_ISINF: return rv_i(isinf(a.f) ? 1 : 0);
    case F_HASH: return rv_i((int64_t)ref_hash((uint64_t)a.i));
    case F_UNIFORM: return rv_f(ref_uniform(a.i));
    default: return rv_f(NAN);
  }
}

static rv eval(R *r, const rx *e, const relem *el) {
  switch (e->kind) {
    case X_CONST: return e->c;
    case X_COL: return col_at(&r->cols[e->idx], el->i);
    case X_IDX: return rv_i(el->i);
    case X_K: return rv_i(el->k);
    case X_FIELD: return el->f[e->idx];
    case X_PARAM: return r->params[e->idx];
    case X_NEG: {
      rv a = eval(r, e->a, el);
      return is_flt(e->t) ? rv_f(-a.f) : rv_i(i_neg(e->t, a.i));
    }
    case X_NOT: return rv_i(!eval(r, e->a, el).i);
    case X_BNOT: return rv_i(wrap_t(e->t, ~eval(r, e->a, el).i));
    case X_BIN: {
      rv a = eval(r, e->a, el);
      rv b = eval(r, e->b, el);
      return eval_bin(r, e, a, b);
    }
    case X_AND: /* C's short circuit */
      if (!eval(r, e->a, el).i) return rv_i(0);
      return rv_i(eval(r, e->b, el).i != 0);
    case X_OR:
      if (eval(r, e->a, el).i) return rv_i(1);
      return rv_i(eval(r, e->b, el).i != 0);
    case X_SEL: return eval(r, e->a, el).i ? eval(r, e->b, el) : eval(r, e->c3, el);
    case X_CAST: return cast_v(e->t, e->a->t, eval(r, e->a, el));
    case X_FN: {
      rv a = eval(r, e->a, el);
      rv b = e->b ? eval(r, e->b, el) : rv_i(0);
      rv c = e->c3 ? eval(r, e->c3, el) : rv_i(0);
      return eval_fn(e, a, b, c);
    }
    default: return rv_i(0);
  }
}

/* A reduce/foldl lambda on (a, b); a trap inside it reports `idx`. */
static rv apply_lambda(R *r, const rred *d, rv a, rv b, int64_t idx) {
  rv p[2] = {a, b};
  const rv *saved = r->params;
  int64_t saved_idx = r->trap_index;
  r->params = p;
  r->trap_index = idx;
  rv v = eval(r, d->lam, NULL);
  r->params = saved;
  r->trap_index = saved_idx;
  return v;
}

static rv red_op(R *r, const rred *d, rv a, rv b, int64_t idx) {
  if (d->op < 0) return apply_lambda(r, d, a, b, idx);
  return apply_op(d->op, d->t, a, b);
}

/* }==== */

/* {==== reducers ============================================================= */

/* a < b in the order of min/max: -0 < +0; a NaN is below (argmin) or above
   (argmax) everything, so the first NaN wins both. */
static int better(int kind, int t, rv x, rv best) {
  if (!is_flt(t)) return kind == R_ARGMIN ? x.i < best.i : x.i > best.i;
  if (isnan(best.f)) return 0;
  if (isnan(x.f)) return 1;
  if (kind == R_ARGMIN) {
    if (x.f < best.f) return 1;
    return x.f == best.f && signbit(x.f) && !signbit(best.f);
  }
  if (x.f > best.f) return 1;
  return x.f == best.f && !signbit(x.f) && signbit(best.f);
}

static void st_init(const rred *d, rst *s) {
  memset(s, 0, sizeof *s);
  s->idx = -1;
  if (d->kind == R_PROD && !is_flt(d->t)) s->a = rv_i(1);
  if (d->kind == R_ALL) s->flag = 1;
  if ((d->kind == R_REDUCE || d->kind == R_FOLDL) && d->has_init) s->a = d->init;
}

/* One element into an order-free (or strict left) state. */
static void st_update(R *r, const rred *d, rst *s, int64_t i) {
  rv v = d->inv[0];
  int t = d->t;
  switch (d->kind) {
    case R_SUM:
      s->a = rv_i((int64_t)((uint64_t)s->a.i + (uint64_t)v.i));
      break;
    case R_PROD:
      s->a = rv_i((int64_t)((uint64_t)s->a.i * (uint64_t)v.i));
      break;
    case R_COUNT:
      if (d->pred && !d->predv.i) return;
      break;
    case R_MIN: case R_MAX: case R_MINMAX:
      if (s->n == 0) {
        s->a = s->b = v;
      } else if (is_flt(t)) {
        s->a = rv_f(min19(s->a.f, v.f));
        s->b = rv_f(max19(s->b.f, v.f));
      } else {
        if (v.i < s->a.i) s->a = v;
        if (v.i > s->b.i) s->b = v;
      }
      break;
    case R_FIRST:
      if (s->n == 0) {
        for (int k = 0; k < d->nin; k++) s->fv[k] = d->inv[k];
        s->done = 1;
      }
      break;
    case R_LAST:
      for (int k = 0; k < d->nin; k++) s->fv[k] = d->inv[k];
      break;
    case R_ARGMIN: case R_ARGMAX:
      if (s->n == 0 || better(d->kind, t, v, s->a)) {
        s->a = v;
        s->idx = i;
      }
      break;
    case R_ANY:
      if (d->predv.i) s->flag = s->done = 1;
      break;
    case R_ALL:
      if (!d->predv.i) {
        s->flag = 0;
        s->done = 1;
      }
      break;
    case R_FIND_FIRST:
      if (d->predv.i && s->idx < 0) {
        s->idx = i;
        s->done = 1;
      }
      break;
    case R_COLLECT:
      if (s->clen == s->ccap) {
        s->ccap = s->ccap ? s->ccap * 2 : 64;
        s->col = xrealloc(s->col, sizeof(rv) * s->ccap * (size_t)d->nin);
      }
      for (int k = 0; k < d->nin; k++) s->col[s->clen * (size_t)d->nin + (size_t)k] = d->inv[k];
      s->clen++;
      break;
    case R_REDUCE: case R_FOLDL:
      if (s->n == 0 && !d->has_init) s->a = v;
      else s->a = red_op(r, d, s->a, v, i);
      break;
    default: break;
  }
  s->n++;
}

/* -- the fixed tree ------------------------------------------------------- */

enum { M_PLAIN, M_SKIP, M_CHAN };

/* a then b, where a covers earlier leaves. */
static tv tv_merge(R *r, const rred *d, int mode, tv a, tv b) {
  if (mode != M_PLAIN) {
    if (b.n == 0) return a;
    if (a.n == 0) return b;
  }
  tv o;
  memset(&o, 0, sizeof o);
  o.n = a.n + b.n;
  if (mode == M_CHAN) {
    if (!isfinite(a.mean) || !isfinite(b.mean)) {
      o.mean = a.mean + b.mean;
      o.m2 = NAN;
      return o;
    }
    double na = (double)a.n, nb = (double)b.n, nn = na + nb;
    double dd = b.mean - a.mean;
    o.mean = a.mean + dd * (nb / nn);
    o.m2 = a.m2 + b.m2 + dd * dd * (na * nb / nn);
    return o;
  }
  switch (d->kind) {
    case R_SUM: o.a = rv_f(f_add(d->t, a.a.f, b.a.f)); break;
    case R_PROD: o.a = rv_f(f_mul(d->t, a.a.f, b.a.f)); break;
    default: o.a = red_op(r, d, a.a, b.a, -1); break;
  }
  return o;
}

/* A perfect binary tree over v[lo .. lo + p), p a power of two. */
static tv tree_perfect(R *r, const rred *d, int mode, const tv *v, size_t lo, size_t p) {
  if (p == 1) return v[lo];
  tv a = tree_perfect(r, d, mode, v, lo, p / 2);
  tv b = tree_perfect(r, d, mode, v, lo + p / 2, p / 2);
  return tv_merge(r, d, mode, a, b);
}

/* T(lo, m): the maximal aligned power-of-two blocks from the left (the
   binary digits of m, largest first), each a perfect tree, combined right
   to left: B1 op (B2 op (... op Bk)).  m >= 1. */
static tv tree_combine(R *r, const rred *d, int mode, const tv *v, size_t lo, size_t m) {
  size_t p = 1;
  while (p * 2 <= m) p *= 2;
  tv b = tree_perfect(r, d, mode, v, lo, p);
  if (p == m) return b;
  return tv_merge(r, d, mode, b, tree_combine(r, d, mode, v, lo + p, m - p));
}

static rv lane_identity(const rred *d) {
  if (d->kind == R_REDUCE && d->has_init) return d->init;
  int mul = d->kind == R_PROD || (d->kind == R_REDUCE && d->op == AOP_MUL);
  return is_flt(d->t) ? rv_f(mul ? 1.0 : 0.0) : rv_i(mul ? 1 : 0);
}

static void lanes_reset(const rred *d, rtree *tr) {
  rv id = lane_identity(d);
  for (int l = 0; l < REF_LANES; l++) {
    tr->lane[l] = id;
    tr->s1[l] = tr->s2[l] = 0;
  }
  tr->leaf_n = 0;
  tr->k_set = 0;
}

static void leaves_push(tv **v, size_t *n, size_t *cap, tv x) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 16;
    *v = xrealloc(*v, sizeof(tv) * *cap);
  }
  (*v)[(*n)++] = x;
}

/* The value of the current leaf: lanes combined pairwise. */
static tv leaf_value(R *r, const rred *d, rtree *tr) {
  tv o;
  memset(&o, 0, sizeof o);
  o.n = tr->leaf_n;
  if (d->kind == R_MEAN || d->kind == R_VAR || d->kind == R_STD) {
    double s1[REF_LANES], s2[REF_LANES];
    memcpy(s1, tr->s1, sizeof s1);
    memcpy(s2, tr->s2, sizeof s2);
    for (int s = REF_LANES / 2; s; s >>= 1)
      for (int j = 0; j < s; j++) {
        s1[j] += s1[j + s];
        s2[j] += s2[j + s];
      }
    if (o.n) {
      double nn = (double)o.n;
      o.mean = tr->K + s1[0] / nn;
      o.m2 = s2[0] - s1[0] * s1[0] / nn;
      if (o.m2 < 0) o.m2 = 0;
    }
    return o;
  }
  rv l[REF_LANES];
  memcpy(l, tr->lane, sizeof l);
  for (int s = REF_LANES / 2; s; s >>= 1)
    for (int j = 0; j < s; j++) {
      tv a, b;
      memset(&a, 0, sizeof a);
      memset(&b, 0, sizeof b);
      a.a = l[j];
      b.a = l[j + s];
      l[j] = tv_merge(r, d, M_PLAIN, a, b).a;
    }
  o.a = l[0];
  return o;
}

/* Closes leaves up to (excluding) `leaf`: the current one, then empty ones. */
static void tree_advance(R *r, rred *d, int64_t leaf) {
  rtree *tr = &d->tr;
  while ((int64_t)tr->nleaves < leaf) {
    if (tr->cur == (int64_t)tr->nleaves) {
      leaves_push(&tr->leaves, &tr->nleaves, &tr->cap, leaf_value(r, d, tr));
    } else {
      rtree empty;
      memset(&empty, 0, sizeof empty);
      lanes_reset(d, &empty);
      leaves_push(&tr->leaves, &tr->nleaves, &tr->cap, leaf_value(r, d, &empty));
    }
  }
  if (tr->cur != leaf) {
    tr->cur = leaf;
    lanes_reset(d, tr);
  }
}

static void tree_update(R *r, rred *d, int64_t i) {
  rtree *tr = &d->tr;
  tree_advance(r, d, i / REF_LEAF);
  int l = (int)(i % REF_LANES);
  rv v = d->inv[0];
  if (d->kind == R_MEAN || d->kind == R_VAR || d->kind == R_STD) {
    double x = is_flt(d->t) ? v.f : (double)v.i;
    if (!tr->k_set) {
      tr->K = isfinite(x) ? x : 0.0; /* documented: K = 0 for inf or NaN */
      tr->k_set = 1;
    }
    double y = x - tr->K;
    tr->s1[l] += y;
    tr->s2[l] += y * y;
  } else if (d->kind == R_SUM) {
    tr->lane[l] = rv_f(f_add(d->t, tr->lane[l].f, v.f));
  } else if (d->kind == R_PROD) {
    tr->lane[l] = rv_f(f_mul(d->t, tr->lane[l].f, v.f));
  } else {
    tr->lane[l] = red_op(r, d, tr->lane[l], v, i);
  }
  tr->leaf_n++;
}

/* The tree's total over leaves 0 .. m-1. */
static tv tree_total(R *r, rred *d, int64_t m) {
  tv o;
  memset(&o, 0, sizeof o);
  if (m <= 0) {
    o.a = lane_identity(d);
    return o;
  }
  tree_advance(r, d, m);
  int mode = (d->kind == R_MEAN || d->kind == R_VAR || d->kind == R_STD) ? M_CHAN : M_PLAIN;
  o = tree_combine(r, d, mode, d->tr.leaves, 0, (size_t)m);
  /* the element count, whatever the merge mode kept */
  int64_t cnt = 0;
  for (int64_t k = 0; k < m; k++) cnt += d->tr.leaves[k].n;
  o.n = cnt;
  return o;
}

/* -- group ---------------------------------------------------------------- */

/* A bin's per-leaf partial of a tree reducer, folded in stream order from the
   empty state (sum from 0, reduce from init or its first element, Welford). */
static void gpart_update(R *r, const rred *d, tv *p, int64_t i) {
  rv v = d->inv[0];
  switch (d->kind) {
    case R_SUM:
      if (p->n == 0) p->a = rv_f(0.0);
      p->a = rv_f(f_add(d->t, p->a.f, v.f));
      break;
    case R_PROD:
      if (p->n == 0) p->a = rv_f(1.0);
      p->a = rv_f(f_mul(d->t, p->a.f, v.f));
      break;
    case R_MEAN: case R_VAR: case R_STD: {
      double x = is_flt(d->t) ? v.f : (double)v.i;
      if (!isfinite(x) || !isfinite(p->mean)) {
        /* documented: an infinity or NaN makes the mean a plain sum and
           the variance NaN (mean([inf, inf]) = inf, RELIABILITY C04) */
        p->mean = p->n ? p->mean + x : x;
        if (p->n) p->m2 = NAN;
        break;
      }
      double dd = x - p->mean;
      p->mean += dd / (double)(p->n + 1);
      p->m2 += dd * (x - p->mean);
      break;
    }
    default: /* reduce */
      if (p->n == 0) p->a = d->has_init ? red_op(r, d, d->init, v, i) : v;
      else p->a = red_op(r, d, p->a, v, i);
      break;
  }
  p->n++;
}

static void gbin_advance(rbin_tree *b, int64_t leaf) {
  while ((int64_t)b->nleaves < leaf) {
    tv x;
    memset(&x, 0, sizeof x);
    if (b->cur == (int64_t)b->nleaves) x = b->part;
    leaves_push(&b->leaves, &b->nleaves, &b->cap, x);
  }
  if (b->cur != leaf) {
    b->cur = leaf;
    memset(&b->part, 0, sizeof b->part);
  }
}

static void group_init(rred *d) {
  const rred *s = d->sub;
  if (s->tree) {
    d->gt = xrealloc(NULL, sizeof(rbin_tree) * (size_t)d->bins);
    memset(d->gt, 0, sizeof(rbin_tree) * (size_t)d->bins);
    for (int64_t b = 0; b < d->bins; b++) d->gt[b].cur = -1;
  } else {
    d->gs = xrealloc(NULL, sizeof(rst) * (size_t)d->bins);
    for (int64_t b = 0; b < d->bins; b++) st_init(s, &d->gs[b]);
  }
}

static void group_update(R *r, rred *d, int64_t i) {
  rred *s = d->sub;
  int64_t b = d->keyv.i;
  if (s->tree) {
    gbin_advance(&d->gt[b], i / REF_LEAF);
    gpart_update(r, s, &d->gt[b].part, i);
  } else {
    st_update(r, s, &d->gs[b], i);
  }
}

/* }==== */

/* {==== results =============================================================== */

static void scalar_val(pleat_value *v, int t, rv x) {
  memset(v, 0, sizeof *v);
  v->dtype = (pleat_dtype)t;
  if (t == PLEAT_BOOL) {
    v->kind = PLEAT_VALUE_BOOL;
    v->as.b = x.i != 0;
  } else if (is_flt(t)) {
    v->kind = PLEAT_VALUE_FLOAT;
    v->as.f = to_t(t, x.f);
  } else {
    v->kind = PLEAT_VALUE_INT;
    v->as.i = wrap_t(t, x.i);
  }
}

static void null_val(pleat_value *v) {
  memset(v, 0, sizeof *v);
  v->kind = PLEAT_VALUE_NULL;
}

static pleat_value *array_val(R *r, pleat_value *v, uint64_t len) {
  memset(v, 0, sizeof *v);
  v->kind = PLEAT_VALUE_ARRAY;
  v->len = len;
  pleat_value *items = len ? ar_alloc(r->ar, sizeof *items * (size_t)len) : NULL;
  v->items = items;
  return items;
}

/* The final value of an order-free state. */
static void st_final(R *r, const rred *d, const rst *s, pleat_value *v) {
  null_val(v);
  switch (d->kind) {
    case R_SUM: case R_PROD: scalar_val(v, PLEAT_I64, s->a); return;
    case R_COUNT: scalar_val(v, PLEAT_I64, rv_i(s->n)); return;
    case R_MIN: case R_MAX:
      if (s->n) scalar_val(v, d->t, d->kind == R_MIN ? s->a : s->b);
      return;
    case R_MINMAX:
      if (s->n) {
        pleat_value *it = array_val(r, v, 2);
        scalar_val(&it[0], d->t, s->a);
        scalar_val(&it[1], d->t, s->b);
      }
      return;
    case R_FIRST: case R_LAST:
      if (!s->n) return;
      if (d->tuple) {
        pleat_value *it = array_val(r, v, (uint64_t)d->nin);
        for (int k = 0; k < d->nin; k++) scalar_val(&it[k], d->in_t[k], s->fv[k]);
      } else {
        scalar_val(v, d->t, s->fv[0]);
      }
      return;
    case R_ARGMIN: case R_ARGMAX: case R_FIND_FIRST:
      if (s->idx >= 0) scalar_val(v, PLEAT_I64, rv_i(s->idx));
      return;
    case R_ANY: case R_ALL: scalar_val(v, PLEAT_BOOL, rv_i(s->flag)); return;
    case R_COLLECT: {
      pleat_value *it = array_val(r, v, s->clen);
      for (size_t e = 0; e < s->clen; e++) {
        const rv *row = &s->col[e * (size_t)d->nin];
        if (d->tuple) {
          pleat_value *f = array_val(r, &it[e], (uint64_t)d->nin);
          for (int k = 0; k < d->nin; k++) scalar_val(&f[k], d->in_t[k], row[k]);
        } else {
          scalar_val(&it[e], d->t, row[0]);
        }
      }
      return;
    }
    case R_REDUCE: case R_FOLDL:
      if (s->n || d->has_init) scalar_val(v, d->t, s->a);
      return;
    default: return;
  }
}

/* The final value of a tree state (top level or a group bin). */
static void tv_final(const rred *d, tv x, pleat_value *v) {
  null_val(v);
  switch (d->kind) {
    case R_SUM: case R_PROD:
      if (x.n == 0) x.a = rv_f(d->kind == R_SUM ? 0.0 : 1.0);
      scalar_val(v, d->out_t, x.a);
      return;
    case R_MEAN:
      if (x.n) scalar_val(v, d->out_t, rv_f(x.mean));
      return;
    case R_VAR: case R_STD:
      if (x.n >= 2) {
        double m2 = x.m2 < 0 ? 0 : x.m2;
        double var = m2 / (double)(x.n - 1);
        scalar_val(v, d->out_t, rv_f(d->kind == R_STD ? sqrt(var) : var));
      }
      return;
    default: /* reduce */
      if (x.n) scalar_val(v, d->t, x.a);
      else if (d->has_init) scalar_val(v, d->t, d->init);
      return;
  }
}

static void red_final(R *r, rred *d, int64_t m, pleat_value *v) {
  if (d->kind == R_GROUP) {
    pleat_value *it = array_val(r, v, (uint64_t)d->bins);
    for (int64_t b = 0; b < d->bins; b++) {
      if (d->sub->tree) {
        rbin_tree *bt = &d->gt[b];
        tv x;
        memset(&x, 0, sizeof x);
        if (m > 0) {
          gbin_advance(bt, m);
          int mode = (d->sub->kind == R_MEAN || d->sub->kind == R_VAR || d->sub->kind == R_STD)
                         ? M_CHAN : M_SKIP;
          x = tree_combine(r, d->sub, mode, bt->leaves, 0, (size_t)m);
        }
        tv_final(d->sub, x, &it[b]);
      } else {
        st_final(r, d->sub, &d->gs[b], &it[b]);
      }
    }
    return;
  }
  if (d->tree) tv_final(d, tree_total(r, d, m), v);
  else st_final(r, d, &d->s, v);
}

/* }==== */

/* {==== pushing one element ================================================== */

static void red_inputs(R *r, rred *d, const relem *e) {
  if (d->kind == R_GROUP) {
    d->keyv = eval(r, d->key, e);
    red_inputs(r, d->sub, e);
    return;
  }
  for (int k = 0; k < d->nin; k++) d->inv[k] = eval(r, d->in[k], e);
  if (d->pred) d->predv = eval(r, d->pred, e);
}

static void reduce_elem(R *r, const relem *e) {
  for (int q = 0; q < r->nred; q++) red_inputs(r, r->reds[q], e);
  if (r->trap) return;
  for (int q = 0; q < r->nred; q++) {
    const rred *d = r->reds[q];
    if (d->kind == R_GROUP && (d->keyv.i < 0 || d->keyv.i >= d->bins)) {
      r->trap = 1;
      r->err_index = e->i;
      snprintf(r->msg, sizeof r->msg, "group key %lld out of range at index %lld",
               (long long)d->keyv.i, (long long)e->i);
      return;
    }
  }
  int all_done = 1;
  for (int q = 0; q < r->nred; q++) {
    rred *d = r->reds[q];
    if (d->kind == R_GROUP) group_update(r, d, e->i);
    else if (d->tree) tree_update(r, d, e->i);
    else if (!d->s.done) st_update(r, d, &d->s, e->i);
    if (d->kind == R_GROUP || !d->s.done) all_done = 0;
  }
  if (all_done) r->stop = 1;
}

static void push(R *r, int from, relem *e) {
  for (int q = from; q < r->nst; q++) {
    if (r->stop || r->trap) return;
    rstage *s = &r->stages[q];
    switch (s->kind) {
      case S_MAP: {
        rv nv[REF_MAX_FIELDS];
        for (int k = 0; k < s->nex; k++) nv[k] = eval(r, s->ex[k], e);
        if (r->trap) return;
        for (int k = 0; k < s->nex; k++) e->f[k] = nv[k];
        e->n = s->nex;
        break;
      }
      case S_FILTER: {
        rv p = eval(r, s->ex[0], e);
        if (r->trap || !p.i) return;
        break;
      }
      case S_TAKE:
        if (s->arg == 0) {
          r->stop = 1;
          return;
        }
        if (++s->cnt == s->arg) {
          push(r, q + 1, e);
          r->stop = 1;
          return;
        }
        break;
      case S_DROP:
        if (s->cnt < s->arg) {
          s->cnt++;
          return;
        }
        break;
      case S_TAKE_WHILE: {
        rv p = eval(r, s->ex[0], e);
        if (r->trap) return;
        if (!p.i) {
          r->stop = 1;
          return;
        }
        break;
      }
      case S_DROP_WHILE:
        if (!s->done) {
          rv p = eval(r, s->ex[0], e);
          if (r->trap) return;
          if (p.i) return;
          s->done = 1;
        }
        break;
      case S_TAKE_NTH: {
        int pass = s->cnt % s->arg == 0;
        s->cnt++;
        if (!pass) return;
        break;
      }
      case S_ENUM:
        e->k = s->cnt++;
        break;
      case S_SCAN: {
        /* per leaf: a local running value from the leaf's first element;
           carry = init op (totals of the earlier leaves); out = carry op local */
        int64_t leaf = e->i / REF_LEAF;
        if (leaf != s->cur_leaf) {
          if (s->local_set) {
            s->carry = s->carry_set ? apply_op(s->op, s->t, s->carry, s->local) : s->local;
            s->carry_set = 1;
            s->local_set = 0;
          }
          s->cur_leaf = leaf;
        }
        rv x = e->f[0];
        s->local = s->local_set ? apply_op(s->op, s->t, s->local, x) : x;
        s->local_set = 1;
        e->f[0] = s->carry_set ? apply_op(s->op, s->t, s->carry, s->local) : s->local;
        break;
      }
      case S_DEDUPE: {
        int same = s->has_prev;
        for (int k = 0; k < s->nfields; k++) {
          if (same) {
            rv a = s->prev[k], b = e->f[k];
            /* == on every field: floats compare as floats (NaN never
               equal, -0 == +0), ints and bools exactly */
            if (is_flt(s->ft[k]) ? !(a.f == b.f) : a.i != b.i) same = 0;
          }
          s->prev[k] = e->f[k];
        }
        s->has_prev = 1;
        if (same) return;
        break;
      }
      case S_FLATMAP: {
        rv vals[REF_MAX_FLAT * REF_MAX_FIELDS];
        for (int k = 0; k < s->nex; k++) vals[k] = eval(r, s->ex[k], e);
        if (r->trap) return;
        for (int m = 0; m < s->m; m++) {
          relem c = *e;
          c.n = s->w;
          for (int f = 0; f < s->w; f++) c.f[f] = vals[m * s->w + f];
          push(r, q + 1, &c);
          if (r->stop || r->trap) return;
        }
        return;
      }
      case S_FLATRANGE: {
        rv lo = eval(r, s->ex[0], e);
        rv hi = eval(r, s->ex[1], e);
        if (r->trap) return;
        for (int64_t v = lo.i; v < hi.i; v++) {
          relem c = *e;
          c.n = 1;
          c.f[0] = rv_i(v);
          push(r, q + 1, &c);
          if (r->stop || r->trap) return;
          if (v == INT64_MAX) break;
        }
        return;
      }
      default: break;
    }
  }
  reduce_elem(r, e);
}

/* }==== */

/* {==== driver =================================================================== */

static void run(R *r) {
  for (int q = 0; q < r->nred; q++) {
    rred *d = r->reds[q];
    if (d->kind == R_GROUP) group_init(d);
    else st_init(d, &d->s);
  }
  r->last_leaf = -1;
  for (uint64_t i = 0; i < r->n && !r->stop && !r->trap; i++) {
    relem e;
    memset(&e, 0, sizeof e);
    e.n = 1;
    e.i = (int64_t)i;
    e.f[0] = col_at(&r->cols[0], (int64_t)i);
    r->trap_index = (int64_t)i;
    r->last_leaf = (int64_t)(i / REF_LEAF);
    push(r, 0, &e);
  }
}

static void cleanup(R *r) {
  for (int q = 0; q < r->nred; q++) {
    rred *d = r->reds[q];
    rred *list[2] = {d, d->sub};
    for (int k = 0; k < 2; k++) {
      if (!list[k]) continue;
      free(list[k]->s.col);
      free(list[k]->tr.leaves);
    }
    if (d->gt) {
      for (int64_t b = 0; b < d->bins; b++) free(d->gt[b].leaves);
      free(d->gt);
    }
    if (d->gs) {
      for (int64_t b = 0; b < d->bins; b++) free(d->gs[b].col);
      free(d->gs);
    }
  }
}

pleat_status ref_eval(const char *text, const pleat_column *cols, size_t ncols, ref_result *out) {
  memset(out, 0, sizeof *out);
  out->err_index = -1;
  out->arena = xrealloc(NULL, sizeof *out->arena);
  out->arena->head = NULL;
  if (!text || !cols || ncols == 0 || ncols > 64) {
    out->status = PLEAT_E_INVAL;
    out->plan_failed = 1;
    snprintf(out->msg, sizeof out->msg, "bad arguments");
    return out->status;
  }
  for (size_t k = 0; k < ncols; k++) {
    const pleat_column *c = &cols[k];
    int bad = c->len != cols[0].len || pleat_dtype_size(c->dtype) == 0 ||
              (c->gen == PLEAT_GEN_NONE && !c->data && c->len > 0);
    if (bad || (c->gen != PLEAT_GEN_NONE && c->gen != PLEAT_GEN_RANGE)) {
      out->status = bad ? PLEAT_E_INVAL : PLEAT_E_UNSUPPORTED;
      out->plan_failed = 1;
      snprintf(out->msg, sizeof out->msg, "column %zu: %s", k,
               bad ? "bad column" : "only data and range columns are supported");
      return out->status;
    }
  }
  R *r = xrealloc(NULL, sizeof *r);
  memset(r, 0, sizeof *r);
  r->ar = out->arena;
  r->text = text;
  r->text_len = strlen(text);
  r->cols = cols;
  r->ncols = ncols;
  r->n = cols[0].len;
  r->err_index = -1;

  pleat__ast ast;
  pleat__ast_init(&ast, &pleat__alloc_default);
  pleat__parse_error perr;
  memset(&perr, 0, sizeof perr);
  pleat_status st = pleat__parse(&ast, text, r->text_len, &perr);
  if (st != PLEAT_OK) {
    out->status = st;
    out->plan_failed = 1;
    snprintf(out->msg, sizeof out->msg, "parse: %.240s", perr.msg);
  } else if (!check_pipeline(r, &ast)) {
    out->status = r->st;
    out->plan_failed = 1;
    snprintf(out->msg, sizeof out->msg, "check: %.240s", r->msg);
  } else {
    run(r);
    if (r->trap) {
      out->status = PLEAT_E_DOMAIN;
      out->err_index = r->err_index;
      if (r->msg[0]) snprintf(out->msg, sizeof out->msg, "%s", r->msg);
      else snprintf(out->msg, sizeof out->msg, "integer division by zero at index %lld",
                    (long long)r->err_index);
    } else {
      int64_t m = r->stop ? r->last_leaf + 1
                          : (int64_t)(r->n / REF_LEAF + (r->n % REF_LEAF != 0));
      pleat_value *root = ar_alloc(r->ar, sizeof *root);
      if (r->red_tuple) {
        pleat_value *it = array_val(r, root, (uint64_t)r->nred);
        for (int q = 0; q < r->nred; q++) red_final(r, r->reds[q], m, &it[q]);
      } else {
        red_final(r, r->reds[0], m, root);
      }
      out->value = root;
      char *json = NULL;
      st = pleat_value_to_json(NULL, root, &json);
      if (st != PLEAT_OK) {
        out->status = st;
        snprintf(out->msg, sizeof out->msg, "pleat_value_to_json failed");
      } else {
        out->json = json;
        out->status = PLEAT_OK;
      }
    }
  }
  cleanup(r);
  pleat__ast_free(&ast);
  free(r);
  return out->status;
}

void ref_result_free(ref_result *res) {
  if (!res) return;
  if (res->json) pleat_string_free(NULL, res->json);
  ar_free(res->arena);
  memset(res, 0, sizeof *res);
}

/* }==== */

/* {==== comparison ================================================================ */

static int scalar_at(const pleat_value *v, uint64_t k, pleat_value *out) {
  if (v->kind == PLEAT_VALUE_ARRAY) {
    *out = v->items[k];
    return 1;
  }
  const unsigned char *p = v->data;
  rv x = rv_i(0);
  switch (v->dtype) {
    case PLEAT_BOOL: x.i = p[k] != 0; break;
    case PLEAT_I32: { int32_t a; memcpy(&a, p + k * 4, 4); x.i = a; break; }
    case PLEAT_I64: { int64_t a; memcpy(&a, p + k * 8, 8); x.i = a; break; }
    case PLEAT_F32: { float a; memcpy(&a, p + k * 4, 4); x.f = a; break; }
    case PLEAT_F64: { double a; memcpy(&a, p + k * 8, 8); x.f = a; break; }
    default: return 0;
  }
  scalar_val(out, v->dtype, x);
  return 1;
}

static int veq(const pleat_value *a, const pleat_value *b, char *why, size_t n, int depth) {
  if (depth > 32) {
    snprintf(why, n, "values nested too deep");
    return 0;
  }
  int aseq = a->kind == PLEAT_VALUE_ARRAY || a->kind == PLEAT_VALUE_COLUMN;
  int bseq = b->kind == PLEAT_VALUE_ARRAY || b->kind == PLEAT_VALUE_COLUMN;
  if (aseq || bseq) {
    if (!aseq || !bseq) {
      snprintf(why, n, "kind %d vs %d", (int)a->kind, (int)b->kind);
      return 0;
    }
    if (a->len != b->len) {
      snprintf(why, n, "length %llu vs %llu", (unsigned long long)a->len, (unsigned long long)b->len);
      return 0;
    }
    for (uint64_t k = 0; k < a->len; k++) {
      pleat_value x, y;
      if (!scalar_at(a, k, &x) || !scalar_at(b, k, &y)) {
        snprintf(why, n, "bad column dtype");
        return 0;
      }
      if (!veq(&x, &y, why, n, depth + 1)) {
        size_t l = strlen(why);
        if (l + 24 < n) snprintf(why + l, n - l, " (at [%llu])", (unsigned long long)k);
        return 0;
      }
    }
    return 1;
  }
  if (a->kind != b->kind) {
    snprintf(why, n, "kind %d vs %d", (int)a->kind, (int)b->kind);
    return 0;
  }
  if (a->kind == PLEAT_VALUE_NULL) return 1;
  if (a->dtype != b->dtype) {
    snprintf(why, n, "dtype %s vs %s", pleat_dtype_name(a->dtype), pleat_dtype_name(b->dtype));
    return 0;
  }
  switch (a->kind) {
    case PLEAT_VALUE_BOOL:
      if ((a->as.b != 0) != (b->as.b != 0)) {
        snprintf(why, n, "bool %d vs %d", a->as.b, b->as.b);
        return 0;
      }
      return 1;
    case PLEAT_VALUE_INT:
      if (a->as.i != b->as.i) {
        snprintf(why, n, "int %lld vs %lld", (long long)a->as.i, (long long)b->as.i);
        return 0;
      }
      return 1;
    case PLEAT_VALUE_FLOAT: {
      double x = a->as.f, y = b->as.f;
      if (isnan(x) && isnan(y)) return 1;
      uint64_t bx, by;
      if (a->dtype == PLEAT_F32) {
        float fx = (float)x, fy = (float)y;
        uint32_t ux, uy;
        memcpy(&ux, &fx, 4);
        memcpy(&uy, &fy, 4);
        bx = ux;
        by = uy;
      } else {
        memcpy(&bx, &x, 8);
        memcpy(&by, &y, 8);
      }
      if (bx != by) {
        snprintf(why, n, "float bits %016llx vs %016llx (%.17g vs %.17g)", (unsigned long long)bx,
                 (unsigned long long)by, x, y);
        return 0;
      }
      return 1;
    }
    default:
      snprintf(why, n, "unknown kind %d", (int)a->kind);
      return 0;
  }
}

int ref_value_equal(const pleat_value *a, const pleat_value *b, char *why, size_t n) {
  if (n) why[0] = 0;
  if (!a || !b) {
    snprintf(why, n, "missing value");
    return a == b;
  }
  return veq(a, b, why, n, 0);
}

/* }==== */
