/* LABELS: quick equiv  TIMEOUT: 600 */
/*
** test_equiv.c -- the random-pipeline differential test.
**
** From fixed seeds, a typed grammar generates valid pipelines: maps of
** arithmetic, comparisons, functions, casts, ternaries and guarded divisions
** over x, i, k and extra columns; every stage (filter, take, drop,
** take_while, drop_while, take_nth, enumerate, scan, dedupe, flat_map,
** flat_map_range); every reducer, reducer tuples and group.  Each runs over
** random inputs full of NaN, +-0, +-inf, denormals and INT_MIN/INT_MAX at
** the lengths where the fixed tree changes shape (0, 1, 31, 32, 33, 4095,
** 4096, 4097, 8191, 3*4096+17, and ~50,000 now and then), through the
** library (seq back end) and through the reference evaluator; the results
** must agree bitwise (JSON text, dtypes, float bits), and so must run-time
** errors (status and index).
**
** A pipeline the library rejects at plan time is a generator bug and fails
** the test.  On a mismatch the pipeline, the seeds, the schema and both
** outputs are printed; rerun one case with PLEAT_EQUIV_ONLY=<case number>.
** PLEAT_EQUIV_N sets the number of pipelines, PLEAT_EQUIV_SEED the base seed;
** PLEAT_EQUIV_DUMP=1 prints the pipelines without running them.
**
** PLEAT_EQUIV_BACKEND=<name> runs the library on that back end instead of
** seq, and then also requires its results to equal seq's byte for byte
** (JSON, dtypes, float bits, error status, index and message): CTest runs
** it so for `threads` at several worker counts and block sizes, and for
** `opencl` with PLEAT_EQUIV_PARTIAL=1: a back end that runs part of the
** language may answer PLEAT_E_UNSUPPORTED (counted and reported), every
** other answer is held to seq (tests/CMakeLists.txt).
*/
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pleat.h"
#include "pleat_test.h"
#include "ref_eval.h"

#define DEFAULT_PIPELINES 2000
#define DEFAULT_SEED 0x5eed2024u

/* ---- random numbers ----------------------------------------------------- */

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t next_u64(rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static int pick(rng *r, int n) { return (int)(next_u64(r) % (uint64_t)n); }
static int chance(rng *r, int percent) { return pick(r, 100) < percent; }
static double unit(rng *r) { return (double)(next_u64(r) >> 11) * 0x1p-53; }

/* ---- text buffer -------------------------------------------------------------- */

typedef struct buf {
  char s[16384];
  size_t n;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (b->n < sizeof b->s) {
    int k = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
    if (k > 0) b->n += (size_t)k;
    if (b->n >= sizeof b->s) b->n = sizeof b->s - 1;
  }
  va_end(ap);
}

/* ---- exclusions ----------------------------------------------------------------
** None at present.  When a library bug would flood the comparison, the
** generator steers around it behind an EXCLUDE_<BUG> macro (1 while the bug
** is open, with a note here) and test_semantics.c checks the bug directly.
*/

/* ---- the generator ---------------------------------------------------------------- */

enum { B = PLEAT_BOOL, I32 = PLEAT_I32, I64 = PLEAT_I64, F32 = PLEAT_F32, F64 = PLEAT_F64 };

typedef struct gen {
  rng *r;
  buf *b;
  int ncols;
  int ct[3];        /* column dtypes; column 0 is x at the start */
  int nx;           /* fields of the element */
  int xt[8];
  int tuple;
  int has_k;
  int nflat;
  int nstage;       /* stages so far */
  int no_raw_div;   /* every integer division guarded (no run-time error) */
  int in_lambda;    /* lambda body: only a and b, of type lam_t */
  int lam_t;
  int x_const;      /* x may have folded to a constant (a map of literals) */
} gen;

static int is_int(int t) { return t == I32 || t == I64; }
static int is_flt(int t) { return t == F32 || t == F64; }

static const char *tname(int t) {
  switch (t) {
    case B: return "bool";
    case I32: return "i32";
    case I64: return "i64";
    case F32: return "f32";
    default: return "f64";
  }
}

/* Literals: every one fits i32 (the i64-only ones are separate); the float
   ones round to f32 the same from the text or from the double. */
static const char *const small_ints[] = {"0", "1", "2", "3", "5", "7", "10", "(-1)", "(-2)", "(-7)"};
static const char *const int_lits[] = {"0", "1", "2", "3", "5", "7", "10", "100", "255", "0x1f",
                                      "65535", "1000000", "(-1)", "(-2)", "(-100)",
                                      "2147483647", "(-2147483648)"};
static const char *const big_lits[] = {"4294967296", "9223372036854775807",
                                      "(-9223372036854775808)", "(-4294967297)"};
static const char *const flt_lits[] = {"0.5", "1.5", "0.1", "(-2.25)", "3.0", "1e-3", "1e10",
                                      "2.5e-8", "100.0", "0.0", "(-0.0)", "nan", "inf",
                                      "(-inf)", "1e-40", "3.4e38", "6.02e23", "0.3", "7.1"};

#define NL(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void lit_of(gen *g, int t) {
  rng *r = g->r;
  if (t == B) put(g->b, pick(r, 2) ? "true" : "false");
  else if (t == I32) put(g->b, "%s", int_lits[pick(r, NL(int_lits))]);
  else if (t == I64) put(g->b, "%s", chance(r, 15) ? big_lits[pick(r, NL(big_lits))] : int_lits[pick(r, NL(int_lits))]);
  else if (chance(r, 20)) put(g->b, "%s", int_lits[pick(r, NL(int_lits))]);
  else put(g->b, "%s", flt_lits[pick(r, NL(flt_lits))]);
}

static void expr(gen *g, int t, int depth);
static void boolean(gen *g, int depth);

/* Whether the text names a variable (x unless it may be a constant, y, z,
   i, k): else it may fold to a constant. */
static int has_var(const gen *g, const char *s) {
  for (const char *p = s; *p;) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
      const char *q = p;
      while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_' ||
             (*q >= '0' && *q <= '9'))
        q++;
      if (q - p == 1 && strchr("yzik", *p)) return 1;
      if (q - p == 1 && *p == 'x' && !g->x_const) return 1;
      p = q;
    } else if (*p >= '0' && *p <= '9') {
      while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'x' || *p == 'e' ||
             (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
        p++;
    } else {
      p++;
    }
  }
  return 0;
}

/* A condition that guards something (?: and the left side of && ||); it may
   fold to a constant (false && e never evaluates e). */
static void condition(gen *g, int depth) { boolean(g, depth); }

/* A source of type t without arithmetic, or 0 when there is none. */
static int leaf_source(gen *g, int t) {
  const char *cand[16];
  char fld[8][16];
  int nc = 0;
  if (g->in_lambda) {
    if (t == g->lam_t) {
      cand[nc++] = "a";
      cand[nc++] = "b";
    }
  } else {
    for (int k = 0; k < g->nx; k++)
      if (g->xt[k] == t) {
        if (g->tuple) {
          snprintf(fld[k], sizeof fld[k], "x.%d", k);
          cand[nc++] = fld[k];
        } else {
          cand[nc++] = "x";
        }
      }
    static const char *const cn[3] = {"x", "y", "z"};
    for (int k = 1; k < g->ncols; k++)
      if (g->ct[k] == t) cand[nc++] = cn[k];
    if (t == I64) {
      cand[nc++] = "i";
      if (g->has_k) cand[nc++] = "k";
    }
  }
  if (!nc) return 0;
  put(g->b, "%s", cand[pick(g->r, nc)]);
  return 1;
}

/* Some value of any type: x or a field, a column, i. */
static int any_type(gen *g) {
  int t = g->in_lambda ? g->lam_t : g->xt[pick(g->r, g->nx)];
  if (!g->in_lambda && chance(g->r, 30)) {
    if (g->ncols > 1 && chance(g->r, 50)) t = g->ct[1 + pick(g->r, g->ncols - 1)];
    else t = I64;
  }
  return t;
}

static void leaf(gen *g, int t) {
  rng *r = g->r;
  if (!chance(r, 15) && leaf_source(g, t)) return;
  if (t == B) {
    if (chance(r, 10)) {
      put(g->b, pick(r, 2) ? "true" : "false");
      return;
    }
    int u = any_type(g);
    if (u == B) u = I64;
    put(g->b, "(");
    if (!leaf_source(g, u)) lit_of(g, u);
    static const char *const cmp[] = {"<", "<=", ">", ">=", "==", "!="};
    put(g->b, " %s ", cmp[pick(r, 6)]);
    lit_of(g, u);
    put(g->b, ")");
    return;
  }
  if (chance(r, 40)) { /* a cast of another value */
    int u = any_type(g);
    put(g->b, "%s(", tname(t));
    if (!leaf_source(g, u)) lit_of(g, u);
    put(g->b, ")");
    return;
  }
  put(g->b, "%s(", tname(t)); /* a typed literal */
  lit_of(g, is_int(t) ? I32 : F64);
  put(g->b, ")");
}

/* An operand of type t: an expression, or sometimes a weak literal. */
static void operand(gen *g, int t, int depth) {
  if (chance(g->r, 25)) lit_of(g, t);
  else expr(g, t, depth);
}

/* An integer expression of type t that never folds to a constant (a
   constant zero divisor is a plan-time error): E + i - i, or E + a - a in
   a lambda (which sees only a and b). */
static void nonconst(gen *g, int t, int depth) {
  put(g->b, "(");
  expr(g, t, depth);
  if (g->in_lambda) put(g->b, t == I32 ? " + i32(a) - i32(a))" : " + i64(a) - i64(a))");
  else put(g->b, t == I32 ? " + i32(i) - i32(i))" : " + i - i)");
}

static void int_divisor(gen *g, int t, int depth) {
  rng *r = g->r;
  int k = pick(r, 100);
  if (k < 45) {
    static const char *const nz[] = {"2", "3", "7", "(-1)", "(-3)", "1000", "0x10"};
    put(g->b, "%s", nz[pick(r, NL(nz))]);
  } else if (k < 85) { /* guarded by ?: */
    buf tmp;
    tmp.n = 0;
    tmp.s[0] = 0;
    gen h = *g;
    h.b = &tmp;
    expr(&h, t, depth);
    put(g->b, "(%s == 0 ? 3 : %s)", tmp.s, tmp.s);
  } else if (g->no_raw_div) {
    put(g->b, "5");
  } else {
    nonconst(g, t, depth); /* may be zero: a run-time error */
  }
}

static void float_fn(gen *g, int t, int depth) {
  rng *r = g->r;
  static const char *const f1[] = {"sqrt", "cbrt", "exp", "exp2", "log", "log2", "log10",
                                   "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
                                   "cosh", "tanh", "floor", "ceil", "round", "trunc", "abs"};
  static const char *const f2[] = {"pow", "atan2", "hypot", "min", "max"};
  int k = pick(r, 10);
  if (k < 6) {
    put(g->b, "%s(", f1[pick(r, NL(f1))]);
    expr(g, t, depth);
    put(g->b, ")");
  } else if (k < 9) {
    put(g->b, "%s(", f2[pick(r, NL(f2))]);
    expr(g, t, depth);
    put(g->b, ", ");
    operand(g, t, depth);
    put(g->b, ")");
  } else {
    put(g->b, "fma(");
    expr(g, t, depth);
    put(g->b, ", ");
    operand(g, t, depth);
    put(g->b, ", ");
    operand(g, t, depth);
    put(g->b, ")");
  }
}

/* An expression of exactly type t. */
static void expr(gen *g, int t, int depth) {
  rng *r = g->r;
  if (t == B) {
    boolean(g, depth);
    return;
  }
  int k = pick(r, 100);
  if (depth <= 0 || k < 28) {
    leaf(g, t);
    return;
  }
  depth--;
  if (k < 46) { /* same-type arithmetic */
    static const char *const ops[] = {"+", "-", "*"};
    put(g->b, "(");
    expr(g, t, depth);
    put(g->b, " %s ", ops[pick(r, 3)]);
    operand(g, t, depth);
    put(g->b, ")");
  } else if (k < 53) { /* division and remainder (in lambdas too) */
    put(g->b, "(");
    expr(g, t, depth);
    put(g->b, pick(r, 2) ? " / " : " %% ");
    if (is_int(t)) int_divisor(g, t, depth);
    else operand(g, t, depth);
    put(g->b, ")");
  } else if (k < 59) { /* mixed operands that promote to t */
    static const char *const ops[] = {"+", "-", "*"};
    int a = t, bb = t;
    switch (t) {
      case I64: a = I32; break;
      case F32: a = pick(r, 2) ? I32 : I64; break;
      case F64: a = pick(r, 3) == 0 ? F32 : pick(r, 2) ? I32 : I64; break;
      default: break;
    }
    if (pick(r, 2)) { int s = a; a = bb; bb = s; }
    put(g->b, "(");
    expr(g, a, depth);
    put(g->b, " %s ", ops[pick(r, 3)]);
    if (t == F64 && is_int(bb) && chance(r, 30)) put(g->b, "%s", flt_lits[pick(r, 6)]);
    else expr(g, bb, depth);
    put(g->b, ")");
  } else if (k < 64) { /* unary */
    if (is_int(t) && pick(r, 3) == 0) put(g->b, "(~");
    else put(g->b, "(-");
    expr(g, t, depth);
    put(g->b, ")");
  } else if (k < 71) {
    if (is_int(t)) { /* shifts: the left operand's type */
      put(g->b, "(");
      expr(g, t, depth);
      put(g->b, pick(r, 2) ? " << " : " >> ");
      if (chance(r, 60)) {
        static const char *const cnt[] = {"0", "1", "3", "31", "32", "33", "63", "64", "(-1)", "70"};
        put(g->b, "%s", cnt[pick(r, NL(cnt))]);
      } else {
        expr(g, pick(r, 2) ? I32 : I64, depth);
      }
      put(g->b, ")");
    } else {
      float_fn(g, t, depth);
    }
  } else if (k < 78) { /* abs min max clamp */
    int f = pick(r, 4);
    if (f == 0) {
      put(g->b, "abs(");
      expr(g, t, depth);
    } else if (f < 3) {
      put(g->b, f == 1 ? "min(" : "max(");
      expr(g, t, depth);
      put(g->b, ", ");
      operand(g, t, depth);
    } else {
      put(g->b, "clamp(");
      expr(g, t, depth);
      put(g->b, ", ");
      operand(g, t, depth);
      put(g->b, ", ");
      operand(g, t, depth);
    }
    put(g->b, ")");
  } else if (k < 85) { /* ternary */
    put(g->b, "(");
    condition(g, depth);
    put(g->b, " ? ");
    expr(g, t, depth);
    put(g->b, " : ");
    operand(g, t, depth);
    put(g->b, ")");
  } else if (k < 91) { /* cast of an expression of another type */
    int u = pick(r, 5) + 1;
    if (g->in_lambda) u = g->lam_t;
    put(g->b, "%s(", tname(t));
    expr(g, u, depth);
    put(g->b, ")");
  } else if (k < 95 && !g->in_lambda) { /* hash / uniform / guarded division */
    if (t == I64 && pick(r, 2)) {
      put(g->b, "hash(");
      expr(g, pick(r, 2) ? I32 : I64, depth);
      put(g->b, ")");
    } else if (t == F64 && pick(r, 2)) {
      put(g->b, "uniform(");
      expr(g, pick(r, 2) ? I32 : I64, depth);
      put(g->b, ")");
    } else if (is_int(t)) {
      put(g->b, "(");
      buf tmp;
      tmp.n = 0;
      tmp.s[0] = 0;
      gen h = *g;
      h.b = &tmp;
      nonconst(&h, t, depth);
      put(g->b, "%s != 0 ? ", tmp.s);
      expr(g, t, depth);
      put(g->b, " / %s : ", tmp.s);
      lit_of(g, t);
      put(g->b, ")");
    } else {
      float_fn(g, t, depth);
    }
  } else if (is_flt(t)) {
    float_fn(g, t, depth);
  } else {
    leaf(g, t);
  }
}

static void boolean(gen *g, int depth) {
  rng *r = g->r;
  int k = pick(r, 100);
  if (depth <= 0 || k < 25) {
    leaf(g, B);
    return;
  }
  depth--;
  if (k < 48) { /* comparison */
    static const char *const cmp[] = {"<", "<=", ">", ">=", "==", "!="};
    int u = g->in_lambda ? g->lam_t : pick(r, 4) + 2;
    if (u == B) {
      put(g->b, "(");
      boolean(g, depth);
      put(g->b, pick(r, 2) ? " == " : " != ");
      boolean(g, depth);
      put(g->b, ")");
      return;
    }
    put(g->b, "(");
    expr(g, u, depth);
    put(g->b, " %s ", cmp[pick(r, 6)]);
    if (chance(r, 40)) lit_of(g, u);
    else expr(g, u, depth);
    put(g->b, ")");
  } else if (k < 55) {
    int u = pick(r, 2) ? F32 : F64;
    if (g->in_lambda) u = is_flt(g->lam_t) ? g->lam_t : -1;
    if (u < 0) {
      leaf(g, B);
      return;
    }
    int inf = pick(r, 2);
    put(g->b, inf ? "isinf(" : "isnan(");
    expr(g, u, depth);
    put(g->b, ")");
  } else if (k < 63) {
    put(g->b, "!(");
    boolean(g, depth);
    put(g->b, ")");
  } else if (k < 78) {
    put(g->b, "(");
    condition(g, depth);
    put(g->b, pick(r, 2) ? " && " : " || ");
    boolean(g, depth);
    put(g->b, ")");
  } else if (k < 84) {
    static const char *const ops[] = {"==", "!=", "&", "|", "^"};
    put(g->b, "(");
    boolean(g, depth);
    put(g->b, " %s ", ops[pick(r, 5)]);
    boolean(g, depth);
    put(g->b, ")");
  } else if (k < 90 && !g->in_lambda) { /* a division guarded by && */
    int u = pick(r, 2) ? I32 : I64;
    buf tmp;
    tmp.n = 0;
    tmp.s[0] = 0;
    gen h = *g;
    h.b = &tmp;
    nonconst(&h, u, depth);
    put(g->b, "(%s != 0 && (", tmp.s);
    expr(g, u, depth);
    put(g->b, " / %s) > ", tmp.s);
    lit_of(g, u);
    put(g->b, ")");
  } else {
    put(g->b, "(");
    condition(g, depth);
    put(g->b, " ? ");
    boolean(g, depth);
    put(g->b, " : ");
    boolean(g, depth);
    put(g->b, ")");
  }
}

static int random_type(rng *r) {
  static const int ts[] = {I32, I64, F32, F64, F64, B};
  return ts[pick(r, NL(ts))];
}

static void set_scalar(gen *g, int t) {
  g->nx = 1;
  g->xt[0] = t;
  g->tuple = 0;
}

/* One stage, appended with its " |> ". */
static void stage(gen *g, uint64_t len) {
  rng *r = g->r;
  int k = pick(r, 100);
  size_t start = g->b->n;
  if (k < 28) { /* map */
    put(g->b, "map(");
    if (chance(r, 15)) {
      int w = 2 + pick(r, 2);
      put(g->b, "(");
      int nt[8];
      for (int f = 0; f < w; f++) {
        nt[f] = random_type(r);
        if (f) put(g->b, ", ");
        expr(g, nt[f], 2);
      }
      put(g->b, ")");
      g->nx = w;
      g->tuple = 1;
      for (int f = 0; f < w; f++) g->xt[f] = nt[f];
    } else {
      int t = random_type(r);
      expr(g, t, 3);
      set_scalar(g, t);
    }
    put(g->b, ")");
    g->x_const = !has_var(g, g->b->s + start);
  } else if (k < 42) {
    put(g->b, "filter(");
    boolean(g, 3);
    put(g->b, ")");
  } else if (k < 50) {
    static const int64_t cnt[] = {0, 1, 2, 5, 31, 100, 4097, 5000};
    int64_t n = chance(r, 30) ? (int64_t)(len / 2) : cnt[pick(r, NL(cnt))];
    if (n == 0 && chance(r, 70)) n = 3;
    put(g->b, "%s(%lld)", pick(r, 2) ? "take" : "drop", (long long)n);
  } else if (k < 57) {
    int drop = pick(r, 2);
    put(g->b, drop ? "drop_while(" : "take_while(");
    if (chance(r, 40)) put(g->b, "(i < %llu) && ", (unsigned long long)(len ? next_u64(r) % len : 1));
    boolean(g, 2);
    put(g->b, ")");
  } else if (k < 62) {
    static const int nth[] = {1, 2, 3, 5, 33, 4096};
    put(g->b, "take_nth(%d)", nth[pick(r, NL(nth))]);
  } else if (k < 68) {
    put(g->b, "enumerate");
    g->has_k = 1;
  } else if (k < 76 && !g->tuple) {
    int t = g->xt[0];
    const char *op;
    if (t == B) {
      static const char *const bo[] = {"&", "|", "^"};
      op = bo[pick(r, 3)];
    } else if (is_int(t)) {
      static const char *const io[] = {"+", "*", "min", "max", "&", "|", "^", "+"};
      op = io[pick(r, NL(io))];
    } else {
      static const char *const fo[] = {"+", "+", "*", "min", "max"};
      op = fo[pick(r, NL(fo))];
    }
    g->x_const = 0;
    put(g->b, "scan(%s", op);
    if (chance(r, 40)) {
      put(g->b, ", ");
      if (is_int(t)) put(g->b, "%s", small_ints[pick(r, NL(small_ints))]);
      else lit_of(g, t);
    }
    put(g->b, ")");
  } else if (k < 82) {
    put(g->b, "dedupe");
  } else if (k < 92 && g->nflat < 2) { /* flat_map */
    g->nflat++;
    int m = 1 + pick(r, 3);
    put(g->b, "flat_map(");
    if (g->tuple && chance(r, 50)) { /* tuples of the same shape */
      int w = g->nx;
      for (int q = 0; q < m; q++) {
        if (q) put(g->b, ", ");
        put(g->b, "(");
        for (int f = 0; f < w; f++) {
          if (f) put(g->b, ", ");
          expr(g, g->xt[f], 1);
        }
        put(g->b, ")");
      }
    } else {
      int t = random_type(r), rt = 0;
      for (int q = 0; q < m; q++) {
        int u = t;
        if (t != B && chance(r, 25)) u = pick(r, 4) + 2; /* promotion */
        if (t == B) rt = B;
        else rt = q == 0 ? u : (rt == F64 || u == F64) ? F64 : (rt == F32 || u == F32) ? F32
                             : (rt == I64 || u == I64) ? I64 : I32;
        if (q) put(g->b, ", ");
        expr(g, u, 2);
      }
      set_scalar(g, rt);
    }
    put(g->b, ")");
    g->x_const = 0;
  } else if (g->nflat < 2) { /* flat_map_range: at most 3 per element */
    g->nflat++;
    buf tmp;
    tmp.n = 0;
    tmp.s[0] = 0;
    gen h = *g;
    h.b = &tmp;
    put(&tmp, "i64(");
    expr(&h, pick(r, 2) ? I32 : I64, 2);
    put(&tmp, ")");
    put(g->b, "flat_map_range(%s, %s + (", tmp.s, tmp.s);
    expr(g, pick(r, 2) ? I32 : I64, 1);
    put(g->b, " & 3))");
    set_scalar(g, I64);
    g->x_const = 0;
  } else {
    put(g->b, "dedupe");
  }
  put(g->b, " |> ");
  g->nstage++;
}

/* The identity of a builtin reduce operator for type t, as text. */
static const char *identity(const char *op, int t) {
  if (!strcmp(op, "+") || !strcmp(op, "|") || !strcmp(op, "^")) return t == B ? "false" : "0";
  if (!strcmp(op, "*")) return "1";
  if (!strcmp(op, "&")) return t == B ? "true" : "(-1)";
  if (!strcmp(op, "min")) return t == I32 ? "2147483647" : t == I64 ? "9223372036854775807" : "inf";
  return t == I32 ? "(-2147483648)" : t == I64 ? "(-9223372036854775808)" : "(-inf)";
}

static void lambda_body(gen *g, int t) {
  g->in_lambda = 1;
  g->lam_t = t;
  expr(g, t, 2);
  g->in_lambda = 0;
}

/* A reducer over the current element; in_group: the inner reducer of group. */
static void reducer(gen *g, int in_group) {
  rng *r = g->r;
  int t = g->tuple ? -1 : g->xt[0];
  for (;;) {
    int k = pick(r, 100);
    if (k < 8) {
      put(g->b, pick(r, 2) ? "sum" : "prod");
      if (t == -1) { put(g->b, "("); expr(g, random_type(r), 2); put(g->b, ")"); }
      return;
    }
    if (k < 14) {
      static const char *const nm[] = {"sum", "prod", "min", "max", "minmax", "mean", "var",
                                      "std", "argmin", "argmax", "first", "last"};
      int q = pick(r, NL(nm));
      int u = random_type(r);
      if (q >= 2 && q < 10 && u == B) u = F64;
      put(g->b, "%s(", nm[q]);
      expr(g, u, 2);
      put(g->b, ")");
      return;
    }
    if (k < 22) {
      put(g->b, pick(r, 2) ? "count" : "count(");
      if (g->b->s[g->b->n - 1] == '(') {
        boolean(g, 2);
        put(g->b, ")");
      }
      return;
    }
    if (k < 36 && t != B && t != -1) {
      static const char *const nm[] = {"min", "max", "minmax", "argmin", "argmax"};
      put(g->b, "%s", nm[pick(r, NL(nm))]);
      return;
    }
    if (k < 48 && t != B && t != -1) {
      static const char *const nm[] = {"mean", "var", "std", "sum", "sum", "prod"};
      put(g->b, "%s", nm[pick(r, NL(nm))]);
      return;
    }
    if (k < 56) {
      static const char *const nm[] = {"first", "last", "collect"};
      const char *c = nm[pick(r, in_group ? 2 : 3)];
      if (chance(r, 15) && strcmp(c, "collect")) {
        put(g->b, "%s((", c);
        expr(g, random_type(r), 1);
        put(g->b, ", ");
        expr(g, I64, 1);
        put(g->b, "))");
      } else {
        put(g->b, "%s", c);
      }
      return;
    }
    if (k < 64) {
      static const char *const nm[] = {"any", "all", "find_first"};
      put(g->b, "%s(", nm[pick(r, 3)]);
      boolean(g, 2);
      put(g->b, ")");
      return;
    }
    if (k < 66 && t == B) {
      static const char *const nm[] = {"any", "all", "find_first(x)", "sum"};
      put(g->b, "%s", nm[pick(r, 4)]);
      return;
    }
    if (k < 80 && t != -1) { /* reduce */
      static const char *const num_ops[] = {"+", "*", "min", "max", "+"};
      static const char *const int_ops[] = {"&", "|", "^"};
      const char *op;
      if (t == B) op = int_ops[pick(r, 3)];
      else if (is_int(t) && pick(r, 3) == 0) op = int_ops[pick(r, 3)];
      else op = num_ops[pick(r, NL(num_ops))];
      int kind = pick(r, 3);
      if (kind == 0) {
        put(g->b, "reduce(%s)", op);
      } else if (kind == 1) {
        put(g->b, "reduce(%s, %s)", op, identity(op, t));
      } else {
        /* a lambda: associative, with its identity as init */
        if (!strcmp(op, "min") || !strcmp(op, "max"))
          put(g->b, "reduce((a, b) -> %s(a, b), %s)", op, identity(op, t));
        else if (!strcmp(op, "+") && t != B && pick(r, 2))
          put(g->b, "reduce((a, b) -> b + a, %s)", identity(op, t));
        else
          put(g->b, "reduce((a, b) -> a %s b, %s)", op, identity(op, t));
      }
      return;
    }
    if (k < 90 && t != -1) { /* foldl: any op, any init */
      put(g->b, "foldl(");
      if (pick(r, 2)) {
        if (t == B) put(g->b, "%s", pick(r, 2) ? "^" : "|");
        else if (is_int(t)) {
          static const char *const io[] = {"+", "*", "min", "max", "&", "|", "^"};
          put(g->b, "%s", io[pick(r, NL(io))]);
        } else {
          static const char *const fo[] = {"+", "*", "min", "max"};
          put(g->b, "%s", fo[pick(r, NL(fo))]);
        }
      } else {
        put(g->b, "(a, b) -> ");
        lambda_body(g, t);
      }
      put(g->b, ", ");
      if (is_int(t)) put(g->b, "%s", small_ints[pick(r, NL(small_ints))]);
      else lit_of(g, t);
      put(g->b, ")");
      return;
    }
    if (k >= 90 && !in_group) { /* group */
      int kind = pick(r, 10);
      put(g->b, "group(");
      if (kind < 4) {
        int bins = 1 + pick(r, 7);
        put(g->b, "i %% %d, %d, ", bins, bins);
      } else if (kind < 8) {
        int bins = 1 << pick(r, 4);
        put(g->b, "(i64(");
        expr(g, pick(r, 2) ? I32 : I64, 1);
        put(g->b, ") & %d), %d, ", bins - 1, bins);
      } else if (kind < 9) {
        put(g->b, "i / 1000, 60, ");
      } else {
        put(g->b, "(");
        expr(g, I64, 1);
        put(g->b, " %% 4), 4, "); /* may be negative: a domain error */
      }
      reducer(g, 1);
      put(g->b, ")");
      return;
    }
  }
}

/* A whole pipeline for len elements; returns the text in g->b. */
static void pipeline(gen *g, uint64_t len) {
  rng *r = g->r;
  int nst = pick(r, 6);
  if (chance(r, 10)) nst += 3;
  for (int q = 0; q < nst; q++) stage(g, len);
  if (chance(r, 15)) {
    int m = 2 + pick(r, 2);
    put(g->b, "(");
    for (int q = 0; q < m; q++) {
      if (q) put(g->b, ", ");
      reducer(g, 0);
    }
    put(g->b, ")");
  } else {
    reducer(g, 0);
  }
}

/* ---- inputs ---------------------------------------------------------------------- */

static double special_f64(rng *r) {
  static const double v[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 2.0, 1e9, 3.0, 7.0, 1e-300,
                             4.9406564584124654e-324, -4.9406564584124654e-324,
                             2.2250738585072014e-308, DBL_MAX, -DBL_MAX, 9007199254740993.0,
                             9223372036854775808.0, -9223372036854775808.0, 2147483648.0,
                             -2147483649.0, 1e308, 1.00034952};
  int k = pick(r, NL(v) + 4);
  if (k == NL(v)) return NAN;
  if (k == NL(v) + 1) return -NAN;
  if (k == NL(v) + 2) return INFINITY;
  if (k == NL(v) + 3) return -INFINITY;
  return v[k];
}

static float special_f32(rng *r) {
  static const float v[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 0.1f, 2.0f, 3.0f, 1e-45f,
                            -1e-45f, FLT_MIN, FLT_MAX, -FLT_MAX, 1e38f, 16777217.0f,
                            2147483648.0f, -2147483648.0f, 1.00034952f, 7.0f};
  int k = pick(r, NL(v) + 3);
  if (k == NL(v)) return NAN;
  if (k == NL(v) + 1) return INFINITY;
  if (k == NL(v) + 2) return -INFINITY;
  return v[k];
}

static int64_t special_int(rng *r, int t) {
  static const int64_t v32[] = {INT32_MIN, INT32_MAX, 0, -1, 1, 2, -2, 3, 65536, 46341, 7};
  static const int64_t v64[] = {INT64_MIN, INT64_MAX, 0, -1, 1, 2, -2, 3, 4294967296LL,
                                -4294967296LL, 9007199254740993LL, 3037000500LL, 7,
                                INT32_MIN, INT32_MAX};
  return t == I32 ? v32[pick(r, NL(v32))] : v64[pick(r, NL(v64))];
}

/* n values of type t under one of four profiles: specials, clean numbers,
   runs of repeats, small integers. */
static void *make_column(rng *r, int t, uint64_t n) {
  size_t es = pleat_dtype_size(t);
  unsigned char *d = malloc(n ? n * es : 1);
  int profile = pick(r, 4);
  double prev = 0;
  int64_t previ = 0;
  for (uint64_t k = 0; k < n; k++) {
    int spec = profile == 0 ? chance(r, 30) : profile == 1 ? chance(r, 1) : chance(r, 5);
    double f = 0;
    int64_t i = 0;
    if (profile == 2 && k > 0 && !chance(r, 30)) {
      f = prev;
      i = previ;
    } else if (profile == 3) {
      i = pick(r, 11) - 5;
      f = (double)i;
    } else {
      f = (unit(r) - 0.5) * (profile == 1 ? 200.0 : 2e6);
      if (chance(r, 30)) f = floor(f);
      i = (int64_t)(next_u64(r) >> pick(r, 64));
      if (pick(r, 2)) i = -i;
      if (profile == 1) i %= 1000;
    }
    if (spec) {
      if (t == F64) f = special_f64(r);
      else if (t == F32) f = special_f32(r);
      else i = special_int(r, t);
    }
    prev = f;
    previ = i;
    switch (t) {
      case B: d[k] = (uint8_t)(next_u64(r) & 1); break;
      case I32: { int32_t v = (int32_t)(uint32_t)(uint64_t)i; memcpy(d + k * 4, &v, 4); break; }
      case I64: memcpy(d + k * 8, &i, 8); break;
      case F32: { float v = (float)f; memcpy(d + k * 4, &v, 4); break; }
      default: memcpy(d + k * 8, &f, 8); break;
    }
  }
  return d;
}

/* ---- the comparison ----------------------------------------------------------------- */

typedef struct stats {
  int cases, ok_equal, err_equal, rejected, mismatched, ref_failed, unsupported;
} stats;

static void show(const char *what, const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (!s) print_message("  %s: -\n", what);
  else if (n <= 600) print_message("  %s: %s\n", what, s);
  else print_message("  %s: %.300s ... %s (%zu chars)\n", what, s, s + n - 200, n);
}

/* The back end under test, and seq to hold it to when it is another one. */
static const char *backend_under_test(void) {
  const char *e = getenv("PLEAT_EQUIV_BACKEND");
  return e && *e ? e : "seq";
}
static pleat_ctx *seq_ctx;

/* Compares a run on the back end under test with the same run on seq. */
static int same_as_seq(const char *text, const pleat_column *cols, size_t ncols,
                       const pt_run *lib, char *why, size_t n) {
  if (!seq_ctx) return 1;
  pt_run s;
  pt_exec(seq_ctx, text, cols, ncols, &s);
  int ok = 1;
  if (s.status != lib->status || s.err_index != lib->err_index) {
    snprintf(why, n, "%s: status %s (index %lld) vs seq %s (index %lld)", backend_under_test(),
             pleat_status_name(lib->status), (long long)lib->err_index,
             pleat_status_name(s.status), (long long)s.err_index);
    ok = 0;
  } else if (s.status != PLEAT_OK && strcmp(s.msg, lib->msg)) {
    snprintf(why, n, "%s: message '%.200s' vs seq '%.200s'", backend_under_test(), lib->msg, s.msg);
    ok = 0;
  } else if (s.status == PLEAT_OK && strcmp(s.json, lib->json)) {
    snprintf(why, n, "%s: JSON differs from seq's (%.200s)", backend_under_test(), s.json);
    ok = 0;
  } else if (s.status == PLEAT_OK && !ref_value_equal(lib->value, s.value, why, n)) {
    ok = 0;
  }
  pt_run_free(&s);
  return ok;
}

/* Runs one (pipeline, input) on both sides; returns 0 when they agree. */
static int compare_one(pleat_ctx *ctx, int id, uint64_t seed, const char *text,
                       const pleat_column *cols, size_t ncols, stats *st) {
  st->cases++;
  pt_run lib;
  pt_exec(ctx, text, cols, ncols, &lib);
  if (lib.plan_status != PLEAT_OK) {
    st->rejected++;
    print_message("GENERATOR BUG (plan rejected) case %d seed 0x%llx: %s\n  %s: %s\n", id,
                  (unsigned long long)seed, text, pleat_status_name(lib.plan_status), lib.msg);
    pt_run_free(&lib);
    return 1;
  }
  if (lib.status == PLEAT_E_UNSUPPORTED && getenv("PLEAT_EQUIV_PARTIAL")) {
    /* a GPU back end that runs part of the language says so: counted, and
       the rest is still held to seq */
    if (st->unsupported++ < 8) print_message("not supported: %s: %s\n", text, lib.msg);
    pt_run_free(&lib);
    return 0;
  }
  ref_result ref;
  ref_eval(text, cols, ncols, &ref);
  int bad = 0;
  char why[512] = "";
  if (ref.plan_failed) {
    st->ref_failed++;
    bad = 1;
    snprintf(why, sizeof why, "the reference rejected it: %s", ref.msg);
  } else if (!same_as_seq(text, cols, ncols, &lib, why, sizeof why)) {
    bad = 1;
  } else if (lib.status == PLEAT_OK && ref.status == PLEAT_OK) {
    if (strcmp(lib.json, ref.json)) {
      bad = 1;
      snprintf(why, sizeof why, "JSON differs");
    } else if (!ref_value_equal(lib.value, ref.value, why, sizeof why)) {
      bad = 1;
    } else {
      st->ok_equal++;
    }
  } else if (lib.status == ref.status && lib.status == PLEAT_E_DOMAIN) {
    if (lib.err_index != ref.err_index) {
      bad = 1;
      snprintf(why, sizeof why, "error index %lld vs reference %lld", (long long)lib.err_index,
               (long long)ref.err_index);
    } else {
      st->err_equal++;
    }
  } else {
    bad = 1;
    snprintf(why, sizeof why, "status %s (index %lld) vs reference %s (index %lld)",
             pleat_status_name(lib.status), (long long)lib.err_index,
             pleat_status_name(ref.status), (long long)ref.err_index);
  }
  if (bad) {
    st->mismatched++;
    print_message("MISMATCH case %d seed 0x%llx n=%llu: %s\n", id, (unsigned long long)seed,
                  (unsigned long long)cols[0].len, why);
    print_message("  pipeline: %s\n", text);
    for (size_t c = 0; c < ncols; c++)
      print_message("  column %zu: %s\n", c, pleat_dtype_name(cols[c].dtype));
    show("library  ", lib.status == PLEAT_OK ? lib.json : lib.msg);
    show("reference", ref.status == PLEAT_OK ? ref.json : ref.msg);
  }
  ref_result_free(&ref);
  pt_run_free(&lib);
  return bad;
}

static const uint64_t small_lens[] = {0, 1, 31, 32, 33};
static const uint64_t large_lens[] = {4095, 4096, 4097, 8191, 3 * 4096 + 17};
#define BIG_LEN 50021

static void test_random_pipelines(void **state) {
  (void)state;
  pleat_ctx *ctx;
  PT_CTX_OR_SKIP(ctx, backend_under_test());
  int npipe = DEFAULT_PIPELINES;
  uint64_t base = DEFAULT_SEED;
  int only = -1;
  const char *e;
  if ((e = getenv("PLEAT_EQUIV_N")) && atoi(e) > 0) npipe = atoi(e);
  if ((e = getenv("PLEAT_EQUIV_SEED"))) base = strtoull(e, NULL, 0);
  if ((e = getenv("PLEAT_EQUIV_ONLY"))) only = atoi(e);
  int dump = (e = getenv("PLEAT_EQUIV_DUMP")) && *e == '1';
  stats st;
  memset(&st, 0, sizeof st);
  clock_t t0 = clock();
  int shown = 0;
  for (int p = 0; p < npipe; p++) {
    if (only >= 0 && p != only) continue;
    uint64_t seed = base + (uint64_t)p * 0x100000001b3ull;
    rng r = {seed};
    /* schema */
    int ncols = 1 + pick(&r, 3);
    int ct[3];
    ct[0] = pick(&r, 4) + 2; /* x is numeric */
    if (chance(&r, 5)) ct[0] = B;
    for (int c = 1; c < ncols; c++) ct[c] = random_type(&r);
    /* lengths: one small, one large, and now and then ~50,000 */
    uint64_t lens[3];
    int nl = 0;
    lens[nl++] = small_lens[p % 5];
    lens[nl++] = large_lens[(p / 5) % 5];
    if (p % 50 == 7) lens[nl++] = BIG_LEN;
    for (int q = 0; q < nl; q++) {
      uint64_t len = lens[q];
      rng gr = {seed ^ (0xabcdef12345ull * (uint64_t)(q + 1))};
      buf b;
      b.n = 0;
      b.s[0] = 0;
      gen g;
      memset(&g, 0, sizeof g);
      g.r = &gr;
      g.b = &b;
      g.ncols = ncols;
      memcpy(g.ct, ct, sizeof ct);
      set_scalar(&g, ct[0]);
      pipeline(&g, len);
      if (dump) {
        print_message("%d n=%llu: %s\n", p, (unsigned long long)len, b.s);
        continue;
      }
      pleat_column cols[3];
      void *data[3];
      rng dr = {seed * 31 + (uint64_t)q};
      for (int c = 0; c < ncols; c++) {
        data[c] = make_column(&dr, ct[c], len);
        cols[c] = pt_col(NULL, (pleat_dtype)ct[c], data[c], len);
      }
      int bad = compare_one(ctx, p, seed, b.s, cols, (size_t)ncols, &st);
      if (bad && ++shown > 40) {
        print_message("... stopping after 40 mismatches\n");
        p = npipe;
      }
      if (only >= 0) print_message("case %d n=%llu: %s\n", p, (unsigned long long)len, b.s);
      for (int c = 0; c < ncols; c++) free(data[c]);
    }
  }
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  print_message("equiv: %d runs of %d pipelines: %d equal results, %d equal domain errors, "
                "%d mismatches, %d rejected by the library, %d by the reference, %d not supported "
                "by the back end (%.1f s)\n",
                st.cases, npipe, st.ok_equal, st.err_equal, st.mismatched, st.rejected,
                st.ref_failed, st.unsupported, secs);
  pleat_ctx_free(ctx);
  assert_int_equal(st.rejected, 0);
  assert_int_equal(st.mismatched, 0);
}

/* The fixed tree's shapes: every leaf count from 1 to 14 (each binary-counter
   shape), empty leaves at the start, in the middle and at the end, elements
   from flat_map sharing a source index, over order-sensitive data. */
static void test_tree_shapes(void **state) {
  (void)state;
  pleat_ctx *ctx;
  PT_CTX_OR_SKIP(ctx, backend_under_test());
  static const char *const reds[] = {
    "sum", "prod", "reduce(+)", "reduce(*, 1)", "reduce((a, b) -> a + b, 0)",
    "reduce((a, b) -> b * a, 1)", "(mean, var, std)", "scan(+) |> last",
    "scan(+, 0.5) |> take_nth(1000) |> collect", "scan(*) |> last",
    "group(i % 3, 3, sum)", "group(i / 5000, 11, mean)", "group(i % 2, 2, var)",
    "group(i % 4, 4, reduce(+))", "group(i % 4, 4, reduce((a, b) -> a + b, 0))",
    "map(x * x) |> sum", "sum(x) ", "(sum, prod, mean)"};
  static const char *const pre[] = {
    "", "filter(i / 4096 % 3 != 1) |> ", "filter(i % 4096 < 5 || i % 4096 > 4090) |> ",
    "filter(i >= 9000) |> ", "filter(i < 5000) |> ", "flat_map(x, x * 0.5) |> ",
    "flat_map_range(0, i % 3) |> map(f64(x) + 0.1) |> ", "drop(4100) |> ",
    "take(8193) |> ", "filter(x > 0) |> "};
  stats st;
  memset(&st, 0, sizeof st);
  rng r = {0x7ee5};
  int id = 0;
  bool gpu = !strcmp(backend_under_test(), "opencl") || !strcmp(backend_under_test(), "cuda");
  for (int m = 1; m <= 14; m++) {
    uint64_t len = (uint64_t)m * 4096 - (m % 3 == 0 ? 1 : 0) - (m == 5 ? 4000 : 0);
    for (int ty = 0; ty < 2; ty++) {
      int t = ty ? F64 : F32;
      size_t es = ty ? 8 : 4;
      unsigned char *d = malloc(len * es);
      for (uint64_t k = 0; k < len; k++) {
        double v = (unit(&r) - 0.5) * ldexp(1.0, pick(&r, 24) - 4);
        if (ty) memcpy(d + k * 8, &v, 8);
        else { float f = (float)v; memcpy(d + k * 4, &f, 4); }
      }
      pleat_column c = pt_col(NULL, (pleat_dtype)t, d, len);
      for (size_t q = 0; q < NL(pre); q++) {
        char text[512];
        size_t ri = (size_t)pick(&r, NL(reds));
        /* a GPU back end builds a kernel per pipeline and dtype (about a
           second each on PoCL, cold): there the reducer follows the shape,
           so each prefix meets four and every reducer still several
           prefixes, in 40 kernels instead of up to 280 */
        if (gpu) ri = (q * 5 + (size_t)ty * 7 + (size_t)(m % 2) * 11) % NL(reds);
        const char *red = reds[ri];
        if (strstr(red, "prod") || strstr(red, "*")) {
          /* products of many values overflow: keep them near 1 */
          snprintf(text, sizeof text, "%smap(1 + x / 4096) |> %s", pre[q], red);
        } else {
          snprintf(text, sizeof text, "%s%s", pre[q], red);
        }
        compare_one(ctx, id++, 0x7ee5, text, &c, 1, &st);
        /* every float scan, over whole batches of 8 leaves and their ends
           (core/exec.c leaves_batched; the last, a leaf of -0.0 only: its
           chain starts at its first element, not +0).  A GPU back end
           (the kernels' carries, no batches) takes one per prefix and
           dtype, in turn: a PoCL build of these costs about 3 s cold */
        static const char *const scans[] = {
            "scan(+) |> take_nth(397) |> collect",
            "map(1 + x / 4096) |> scan(*, -1) |> take_nth(401) |> collect",
            "scan(+) |> map(x * 0.5) |> scan(+) |> take_nth(397) |> collect",
            "map(-(x - x)) |> scan(+) |> take_nth(4093) |> collect"};
        for (size_t v = 0; v < NL(scans); v++) {
          if (gpu && v != (q + (size_t)ty * 2) % NL(scans)) continue;
          snprintf(text, sizeof text, "%s%s", pre[q], scans[v]);
          compare_one(ctx, id++, 0x7ee5, text, &c, 1, &st);
        }
      }
      free(d);
    }
  }
  print_message("tree shapes: %d runs: %d equal, %d mismatches, %d rejected\n", st.cases,
                st.ok_equal, st.mismatched, st.rejected);
  pleat_ctx_free(ctx);
  assert_int_equal(st.rejected, 0);
  assert_int_equal(st.mismatched, 0);
}

static int group_setup(void **state) {
  (void)state;
  if (strcmp(backend_under_test(), "seq")) {
    seq_ctx = pt_ctx("seq");
    if (!seq_ctx) return -1;
    print_message("equiv: back end %s, held to seq and to the reference\n", backend_under_test());
  }
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  pleat_ctx_free(seq_ctx);
  seq_ctx = NULL;
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tree_shapes),
    cmocka_unit_test(test_random_pipelines),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
