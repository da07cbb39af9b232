/*
** codegen.c -- see codegen.h.  The text written here is the same algorithm
** as core/exec.c + core/reduce.c for one leaf, element by element: every
** op in instruction order, a filter that fails skips the rest of the
** element (the interpreter's mask), a division by zero where it counts
** ends the leaf with its index.  The op semantics beyond C's operators come
** from kernels/pleat_ops.h and kernels/pleat_math.h, the very functions the
** interpreter calls.
*/
#include <stdio.h>
#include <string.h>

#include "ast.h" /* AOP_*: scan's operators */
#include "codegen.h"
#include "kernel_pleat_math.h" /* generated: pleat__text_math */
#include "kernel_pleat_ops.h"  /* generated: pleat__text_ops */

void pleat__codegen_prelude(pleat__str *o) {
  pleat__str_puts(o, pleat__text_math);
  pleat__str_puts(o, pleat__text_ops);
}

/* ---- what can be written ------------------------------------------------- */

static bool is_early(int kind) {
  return kind == RED_ANY || kind == RED_ALL || kind == RED_FIND_FIRST || kind == RED_FIRST;
}

static bool red_ok(const pleat__ir_red *r) {
  switch (r->kind) {
    case RED_SUM: case RED_PROD: case RED_COUNT: case RED_MIN: case RED_MAX: case RED_MINMAX:
    case RED_MEAN: case RED_VAR: case RED_STD:
      return r->top && (r->kind == RED_COUNT || (r->nin == 1 && r->in[0] >= 0));
    case RED_ANY: case RED_ALL: case RED_FIND_FIRST:
      return r->top && r->pred >= 0;
    case RED_FIRST: case RED_LAST: case RED_ARGMIN: case RED_ARGMAX:
      return r->top && r->nin == 1 && r->in[0] >= 0 && r->in_type != 0;
    case RED_REDUCE:
      /* a builtin operator on integers or bools, without init: a leaf's
         left fold, combined in any order (the operators are exact) */
      return r->top && r->nin == 1 && r->in[0] >= 0 && r->op != 0xff && !r->has_init &&
             (r->in_type == PLEAT_I32 || r->in_type == PLEAT_I64 || r->in_type == PLEAT_BOOL);
    case RED_COLLECT: /* a tuple too: one output buffer per field */
      if (!r->top || r->nin < 1) return false;
      for (int f = 0; f < r->nin; f++)
        if (r->in[f] < 0) return false;
      return true;
  }
  return false;
}

/* The 64-bit word of a value as core/reduce.c holds it (pleat__imm: a
   float as the double of its value, an integer sign-extended). */
static void put_word(pleat__str *o, int t, int v) {
  if (t == PLEAT_F32) pleat__str_printf(o, "pleat_m_bits((double)v%d)", v);
  else if (t == PLEAT_F64) pleat__str_printf(o, "pleat_m_bits(v%d)", v);
  else pleat__str_printf(o, "(pleat_u64)(pleat_i64)v%d", v);
}

/* An op's name as the language writes it (the table has TAKE_WHILE). */
static const char *lower_name(int op, char *buf, size_t n) {
  const char *s = pleat__ir_ops[op].name;
  size_t k = 0;
  for (; s[k] && k + 1 < n; k++) buf[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] - 'A' + 'a' : s[k]);
  buf[k] = 0;
  return buf;
}

/* The stages the kernel writes: the stateful ones carry their state into
   each leaf from the host (codegen.h). */
static bool stage_ok(int op) {
  switch (op) {
    case IR_FILTER: case IR_SCAN: case IR_TAKE: case IR_DROP: case IR_TAKE_WHILE: case IR_TAKE_NTH:
    case IR_ENUMERATE: case IR_DEDUPE: case IR_DROP_WHILE: case IR_FLATMAP: case IR_FLATRANGE:
      return true;
    default:
      return false;
  }
}

/* A stage whose state crosses leaves through a carry and a summary pass
   (take_while needs none: once it stops, the fold has ended). */
static bool carry_stage(int op) {
  return op == IR_SCAN || op == IR_TAKE || op == IR_DROP || op == IR_TAKE_NTH || op == IR_ENUMERATE ||
         op == IR_DEDUPE || op == IR_DROP_WHILE;
}

/* The carry slots (pairs of words per leaf) of instruction in: a dedupe's
   one per field of its tuple, the other stateful stages' one. */
static uint32_t carry_width(const pleat__ir_ins *in) {
  if (!carry_stage(in->op)) return 0;
  return in->op == IR_DEDUPE ? in->nextra : 1;
}

static uint32_t ncarries(const pleat__ir *ir) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < ir->nins; k++) n += carry_width(&ir->ins[k]);
  return n;
}

uint32_t pleat__codegen_carry_stages(const pleat__ir *ir, uint32_t *ins, uint32_t *width) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < ir->nins && n < PLEAT__MAX_CARRIES; k++) {
    if (!carry_stage(ir->ins[k].op)) continue;
    ins[n] = k;
    width[n++] = carry_width(&ir->ins[k]);
  }
  return n;
}

bool pleat__codegen_host_fold(const pleat__ir *ir) {
  for (uint32_t k = 0; k < ir->nred; k++)
    if (!ir->red[k].top || !red_ok(&ir->red[k])) return true;
  return false;
}

bool pleat__codegen_supported(const pleat__ir *ir, char *why, size_t whylen) {
  char nm[32];
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    if ((pleat__ir_ops[in->op].flags & IRF_STAGE) && !stage_ok(in->op)) {
      snprintf(why, whylen, "the stage %s is not supported by the kernel generator yet "
               "(map, filter, scan, take, drop, take_while, take_nth, enumerate and the order-free "
               "reducers are)", lower_name(in->op, nm, sizeof nm));
      return false;
    }
  }
  if (ncarries(ir) > PLEAT__MAX_CARRIES) {
    snprintf(why, whylen, "more than %d stateful stages (a dedupe counts one per field) are not "
             "supported by the kernel generator", PLEAT__MAX_CARRIES);
    return false;
  }
  unsigned fields = 0;
  for (uint32_t k = 0; k < ir->nred; k++)
    if (ir->red[k].kind == RED_COLLECT) fields += ir->red[k].nin;
  if (fields > PLEAT__MAX_COLLECT_FIELDS) {
    snprintf(why, whylen, "more than %d collected fields are not supported by the kernel generator",
             PLEAT__MAX_COLLECT_FIELDS);
    return false;
  }
  if (pleat__codegen_host_fold(ir)) {
    /* codegen_fold.c: the device hands back the reducers' inputs */
    int32_t f[PLEAT__MAX_COLLECT_FIELDS];
    if (pleat__codegen_fold_fields(ir, f) > PLEAT__MAX_COLLECT_FIELDS) {
      snprintf(why, whylen, "reducers that read more than %d distinct values (%d after a stage, "
               "which adds the source index) are not supported by the kernel generator",
               PLEAT__MAX_COLLECT_FIELDS, PLEAT__MAX_COLLECT_FIELDS - 1);
      return false;
    }
  }
  return true;
}

/* ---- dialect hooks ----------------------------------------------------------- */

static const char *tname(int t) {
  switch (t) {
    case PLEAT_BOOL: return "pleat_u8";
    case PLEAT_I32: return "pleat_i32";
    case PLEAT_I64: return "pleat_i64";
    case PLEAT_F32: return "float";
    default: return "double";
  }
}

static const char *global_ptr(pleat__dialect d) {
  return d == PLEAT__DIALECT_OPENCL ? "__global " : "";
}

static void dialect_head(pleat__str *o, pleat__dialect d) {
  switch (d) {
    case PLEAT__DIALECT_OPENCL:
      pleat__str_puts(o, "#define PLEAT_DIALECT_OPENCL 1\n");
      break;
    case PLEAT__DIALECT_CUDA:
      pleat__str_puts(o, "#define PLEAT_DIALECT_CUDA 1\n");
      break;
    default:
      break;
  }
}

static void dialect_types(pleat__str *o, pleat__dialect d) {
  switch (d) {
    case PLEAT__DIALECT_OPENCL: pleat__str_puts(o, "typedef uchar pleat_u8;\n"); break;
    case PLEAT__DIALECT_CUDA: pleat__str_puts(o, "typedef unsigned char pleat_u8;\n"); break;
    default: pleat__str_puts(o, "#include <math.h>\ntypedef uint8_t pleat_u8;\n"); break;
  }
}

/* ---- expressions ------------------------------------------------------------------ */

/* A constant of type t, exactly: integers in hex through the unsigned
   type, floats as bit patterns (never a bare nan or -0, never through the
   locale). */
static void put_const(pleat__str *o, int t, pleat__imm v) {
  switch (t) {
    case PLEAT_BOOL: pleat__str_printf(o, "((pleat_u8)%d)", v.i != 0); break;
    case PLEAT_I32:
      pleat__str_printf(o, "((pleat_i32)0x%08xu)", (unsigned)(uint32_t)v.i);
      break;
    case PLEAT_I64:
      pleat__str_printf(o, "((pleat_i64)PLEAT_U64C(0x%016llx))", (unsigned long long)v.i);
      break;
    case PLEAT_F32: {
      float f = (float)v.f;
      uint32_t b;
      memcpy(&b, &f, sizeof b);
      pleat__str_printf(o, "pleat_m_flt(0x%08xu)", (unsigned)b);
      break;
    }
    default: {
      uint64_t b;
      memcpy(&b, &v.f, sizeof b);
      pleat__str_printf(o, "pleat_m_dbl(PLEAT_U64C(0x%016llx))", (unsigned long long)b);
      break;
    }
  }
}

static const char *ut(int t) { return t == PLEAT_I32 ? "pleat_u32" : "pleat_u64"; }
static const char *sfx(int t) { return t == PLEAT_F32 ? "f32" : "f64"; }

/* The value of a pure op, as an expression over v<a>, v<b>, v<c>. */
static bool put_expr(pleat__str *o, const pleat__ir *ir, const pleat__ir_ins *in, pleat__dialect d) {
  int t = in->a >= 0 ? ir->ins[in->a].type : in->type; /* operand type */
  bool flt = t == PLEAT_F32 || t == PLEAT_F64;
  int a = in->a, b = in->b, c = in->c;
  const char *T = tname(t);
  switch (in->op) {
    case IR_NEG:
      if (flt) pleat__str_printf(o, "(-v%d)", a);
      else pleat__str_printf(o, "((%s)((%s)0 - (%s)v%d))", T, ut(t), ut(t), a);
      return true;
#define ARITH(OPC, S)                                                                          \
    case OPC:                                                                                  \
      if (flt) pleat__str_printf(o, "(v%d " S " v%d)", a, b);                                  \
      else pleat__str_printf(o, "((%s)((%s)v%d " S " (%s)v%d))", T, ut(t), a, ut(t), b);       \
      return true;
    ARITH(IR_ADD, "+")
    ARITH(IR_SUB, "-")
    ARITH(IR_MUL, "*")
#undef ARITH
    case IR_DIV:
      if (flt) pleat__str_printf(o, "(v%d / v%d)", a, b);
      else pleat__str_printf(o, "pleat_o_div_%s(v%d, v%d)", t == PLEAT_I32 ? "i32" : "i64", a, b);
      return true;
    case IR_REM:
      if (t == PLEAT_F32 && d == PLEAT__DIALECT_C) pleat__str_printf(o, "fmodf(v%d, v%d)", a, b);
      else if (flt) pleat__str_printf(o, "fmod(v%d, v%d)", a, b); /* exact everywhere */
      else pleat__str_printf(o, "pleat_o_rem_%s(v%d, v%d)", t == PLEAT_I32 ? "i32" : "i64", a, b);
      return true;
    case IR_SHL:
      pleat__str_printf(o, "((%s)((%s)v%d << ((%s)v%d & %du)))", T, ut(t), a, ut(t), b,
                        t == PLEAT_I32 ? 31 : 63);
      return true;
    case IR_SHR:
      pleat__str_printf(o, "((%s)(v%d >> ((%s)v%d & %du)))", T, a, ut(t), b, t == PLEAT_I32 ? 31 : 63);
      return true;
    case IR_BAND: pleat__str_printf(o, "((%s)(v%d & v%d))", T, a, b); return true;
    case IR_BOR: pleat__str_printf(o, "((%s)(v%d | v%d))", T, a, b); return true;
    case IR_BXOR: pleat__str_printf(o, "((%s)(v%d ^ v%d))", T, a, b); return true;
    case IR_BNOT: pleat__str_printf(o, "((%s)~v%d)", T, a); return true;
    case IR_NOT: pleat__str_printf(o, "((pleat_u8)!v%d)", a); return true;
#define CMPOP(OPC, S) \
    case OPC: pleat__str_printf(o, "((pleat_u8)(v%d " S " v%d))", a, b); return true;
    CMPOP(IR_LT, "<")
    CMPOP(IR_LE, "<=")
    CMPOP(IR_GT, ">")
    CMPOP(IR_GE, ">=")
    CMPOP(IR_EQ, "==")
    CMPOP(IR_NE, "!=")
#undef CMPOP
    case IR_SELECT: pleat__str_printf(o, "(v%d ? v%d : v%d)", a, b, c); return true;
    case IR_CAST: {
      int from = in->aux, to = in->type;
      bool ff = from == PLEAT_F32 || from == PLEAT_F64;
      switch (to) {
        case PLEAT_BOOL: pleat__str_printf(o, "((pleat_u8)(v%d != 0))", a); break;
        case PLEAT_I32:
          if (ff) pleat__str_printf(o, "pleat_o_f2i32((double)v%d)", a);
          else pleat__str_printf(o, "((pleat_i32)(pleat_u32)(pleat_u64)(pleat_i64)v%d)", a);
          break;
        case PLEAT_I64:
          if (ff) pleat__str_printf(o, "pleat_o_f2i64((double)v%d)", a);
          else pleat__str_printf(o, "((pleat_i64)v%d)", a);
          break;
        default: pleat__str_printf(o, "((%s)v%d)", tname(to), a); break;
      }
      return true;
    }
    case IR_ABS:
      if (flt) pleat__str_printf(o, "((%s)pleat_m_fabs((double)v%d))", T, a);
      else pleat__str_printf(o, "(v%d < 0 ? (%s)((%s)0 - (%s)v%d) : v%d)", a, T, ut(t), ut(t), a, a);
      return true;
    case IR_MIN:
      if (flt) pleat__str_printf(o, "pleat_o_min_%s(v%d, v%d)", sfx(t), a, b);
      else pleat__str_printf(o, "(v%d < v%d ? v%d : v%d)", a, b, a, b);
      return true;
    case IR_MAX:
      if (flt) pleat__str_printf(o, "pleat_o_max_%s(v%d, v%d)", sfx(t), a, b);
      else pleat__str_printf(o, "(v%d > v%d ? v%d : v%d)", a, b, a, b);
      return true;
    case IR_SQRT:
      pleat__str_printf(o, "pleat_m_sqrt%s(v%d)", t == PLEAT_F32 ? "f" : "", a);
      return true;
#define FN1(OPC, NAME) \
    case OPC: pleat__str_printf(o, "pleat_" NAME "_%s(v%d)", sfx(t), a); return true;
#define FN2(OPC, NAME) \
    case OPC: pleat__str_printf(o, "pleat_" NAME "_%s(v%d, v%d)", sfx(t), a, b); return true;
    FN1(IR_CBRT, "cbrt") FN1(IR_EXP, "exp") FN1(IR_EXP2, "exp2") FN1(IR_LOG, "log")
    FN1(IR_LOG2, "log2") FN1(IR_LOG10, "log10") FN2(IR_POW, "pow") FN1(IR_SIN, "sin")
    FN1(IR_COS, "cos") FN1(IR_TAN, "tan") FN1(IR_ASIN, "asin") FN1(IR_ACOS, "acos")
    FN1(IR_ATAN, "atan") FN2(IR_ATAN2, "atan2") FN1(IR_SINH, "sinh") FN1(IR_COSH, "cosh")
    FN1(IR_TANH, "tanh") FN2(IR_HYPOT, "hypot")
#undef FN1
#undef FN2
#define RND(OPC, NAME)                                                                  \
    case OPC:                                                                           \
      if (d == PLEAT__DIALECT_C && t == PLEAT_F32) pleat__str_printf(o, NAME "f(v%d)", a); \
      else pleat__str_printf(o, NAME "(v%d)", a);                                       \
      return true;
    RND(IR_FLOOR, "floor") RND(IR_CEIL, "ceil") RND(IR_ROUND, "round") RND(IR_TRUNC, "trunc")
#undef RND
    case IR_FMA:
      if (d == PLEAT__DIALECT_C && t == PLEAT_F32) pleat__str_printf(o, "fmaf(v%d, v%d, v%d)", a, b, c);
      else pleat__str_printf(o, "fma(v%d, v%d, v%d)", a, b, c);
      return true;
    case IR_ISNAN: pleat__str_printf(o, "((pleat_u8)(v%d != v%d))", a, a); return true;
    case IR_ISINF:
      pleat__str_printf(o, "((pleat_u8)(pleat_m_fabs((double)v%d) == pleat_m_inf()))", a);
      return true;
    case IR_HASH: pleat__str_printf(o, "((pleat_i64)pleat_hash_u64((pleat_u64)v%d))", a); return true;
    case IR_UNIFORM: pleat__str_printf(o, "pleat_uniform_f64(v%d)", a); return true;
  }
  return false;
}

/* A column's element at source index i: read, or generated from i as
   core/exec.c's load_column generates it. */
static void put_column(pleat__str *o, int k, int col, int t) {
  const char *T = tname(t);
  pleat__str_printf(o, "    %s v%d;\n", T, k);
  if (t == PLEAT_BOOL) /* a bool column's bytes count as 0 or 1 */
    pleat__str_printf(o, "    if (g%d == 0) v%d = (pleat_u8)(c%d[i - base] != 0);\n", col, k, col);
  else pleat__str_printf(o, "    if (g%d == 0) v%d = c%d[i - base];\n", col, k, col);
  pleat__str_printf(o, "    else if (g%d == 1) {\n", col);
  pleat__str_printf(o, "      pleat_i64 r = (pleat_i64)((pleat_u64)p%d + i);\n", col);
  switch (t) {
    case PLEAT_BOOL: pleat__str_printf(o, "      v%d = (pleat_u8)(r & 1);\n", k); break;
    case PLEAT_I32: pleat__str_printf(o, "      v%d = (pleat_i32)(pleat_u32)(pleat_u64)r;\n", k); break;
    default: pleat__str_printf(o, "      v%d = (%s)r;\n", k, T); break;
  }
  pleat__str_puts(o, "    } else ");
  if (t == PLEAT_F32) {
    pleat__str_printf(o, "if (g%d == 2) {\n      pleat_u64 h = pleat_hash_u64(p%d ^ pleat_hash_u64(i));\n"
                      "      v%d = (float)(h >> 40) * 0x1p-24f;\n    } else v%d = (float)pleat_normal_f64(p%d, (pleat_i64)i);\n",
                      col, col, k, k, col);
  } else if (t == PLEAT_F64) {
    pleat__str_printf(o, "if (g%d == 2) {\n      pleat_u64 h = pleat_hash_u64(p%d ^ pleat_hash_u64(i));\n"
                      "      v%d = (double)(h >> 11) * 0x1p-53;\n    } else v%d = pleat_normal_f64(p%d, (pleat_i64)i);\n",
                      col, col, k, k, col);
  } else {
    pleat__str_printf(o, "v%d = 0; /* no uniform or normal column of this type */\n", k);
  }
}

/* op(A, B) for a scan's operator over values of type t, as core/exec.c's
   pleat__apply_op evaluates it. */
static void put_aop(pleat__str *o, int op, int t, const char *A, const char *B) {
  bool flt = t == PLEAT_F32 || t == PLEAT_F64;
  const char *T = tname(t);
  switch (op) {
    case AOP_ADD: case AOP_MUL: {
      const char *c = op == AOP_ADD ? "+" : "*";
      if (flt) pleat__str_printf(o, "(%s %s %s)", A, c, B);
      else pleat__str_printf(o, "((%s)((%s)%s %s (%s)%s))", T, ut(t), A, c, ut(t), B);
      break;
    }
    case AOP_MIN: case AOP_MAX:
      if (flt) pleat__str_printf(o, "pleat_o_%s_%s(%s, %s)", op == AOP_MIN ? "min" : "max", sfx(t), A, B);
      else pleat__str_printf(o, "(%s %s %s ? %s : %s)", A, op == AOP_MIN ? "<" : ">", B, A, B);
      break;
    case AOP_BAND: pleat__str_printf(o, "((%s)(%s & %s))", T, A, B); break;
    case AOP_BOR: pleat__str_printf(o, "((%s)(%s | %s))", T, A, B); break;
    default: pleat__str_printf(o, "((%s)(%s ^ %s))", T, A, B); break;
  }
}

/* ---- reducers ------------------------------------------------------------------- */

static bool tree_kind(const pleat__ir_red *r) {
  bool flt = r->in_type == PLEAT_F32 || r->in_type == PLEAT_F64;
  return ((r->kind == RED_SUM || r->kind == RED_PROD) && flt) || r->kind == RED_MEAN ||
         r->kind == RED_VAR || r->kind == RED_STD;
}

/* warp: the kernel walks a leaf with one work item per tree lane
   (pleat__codegen_shape), so a lane's state is scalar. */
static void red_decl(pleat__str *o, const pleat__ir_red *r, int q, bool warp) {
  int t = r->in_type;
  pleat__str_printf(o, "  pleat_i64 n%d = 0;\n", q);
  switch (r->kind) {
    case RED_SUM: case RED_PROD:
      if (tree_kind(r) && warp)
        pleat__str_printf(o, "  %s l%d = %s;\n", tname(t), q,
                          r->kind == RED_PROD ? (t == PLEAT_F32 ? "1.0f" : "1.0")
                                              : (t == PLEAT_F32 ? "0.0f" : "0.0"));
      else if (tree_kind(r))
        pleat__str_printf(o, "  %s l%d[32];\n  for (int j = 0; j < 32; j++) l%d[j] = %s;\n", tname(t), q,
                          q, r->kind == RED_PROD ? (t == PLEAT_F32 ? "1.0f" : "1.0")
                                                 : (t == PLEAT_F32 ? "0.0f" : "0.0"));
      else pleat__str_printf(o, "  pleat_u64 acc%d = %s;\n", q, r->kind == RED_PROD ? "1" : "0");
      break;
    case RED_MIN: case RED_MAX: case RED_MINMAX:
      pleat__str_printf(o, "  pleat_i64 mn%d = (pleat_i64)PLEAT_U64C(0x7fffffffffffffff), "
                        "mx%d = (pleat_i64)PLEAT_U64C(0x8000000000000000);\n  int nan%d = 0;\n", q, q, q);
      break;
    case RED_MEAN: case RED_VAR: case RED_STD:
      if (warp) {
        pleat__str_printf(o, "  double s%d = 0.0, t%d = 0.0, K%d = 0.0, x%d = 0.0;\n  int ks%d = 0, lv%d;\n",
                          q, q, q, q, q, q);
        break;
      }
      pleat__str_printf(o, "  double s%d[32], t%d[32], K%d = 0.0;\n  int ks%d = 0;\n"
                        "  for (int j = 0; j < 32; j++) { s%d[j] = 0.0; t%d[j] = 0.0; }\n",
                        q, q, q, q, q, q);
      break;
    case RED_ANY: case RED_ALL: case RED_FIND_FIRST:
      pleat__str_printf(o, "  pleat_i64 h%d = -1; /* the leaf's first hit */\n", q);
      break;
    case RED_FIRST:
      pleat__str_printf(o, "  pleat_i64 h%d = -1; pleat_u64 fa%d = 0;\n", q, q);
      break;
    case RED_LAST:
      pleat__str_printf(o, "  pleat_u64 la%d = 0;\n", q);
      if (warp) pleat__str_printf(o, "  pleat_i64 li%d = -1;\n", q);
      break;
    case RED_ARGMIN: case RED_ARGMAX:
      pleat__str_printf(o, "  pleat_i64 ak%d = 0, ai%d = -1;\n", q, q);
      break;
    case RED_REDUCE:
      pleat__str_printf(o, "  %s ra%d = 0;\n", tname(t), q);
      break;
    case RED_COLLECT:
      /* the write pass (cpass) stores the leaf's live elements from its
         offset on; the count pass only counts them */
      pleat__str_printf(o, "  pleat_u64 cw%d = cpass ? coff[gid] : 0;\n", q);
      if (warp) pleat__str_printf(o, "  int lc%d; /* and xc%d_<field>: put_warp_kernel */\n", q, q);
      break;
    default:
      break;
  }
}

/* Opens a block with k, the order-preserving integer key of v<v> (reduce.c
   key_of; fold_kernels.c KEY_F32/KEY_F64): -0 < +0, -inf < ... < +inf. */
static void put_key(pleat__str *o, int t, int v) {
  if (t == PLEAT_F32)
    pleat__str_printf(o, "    { pleat_i32 b = (pleat_i32)pleat_m_bitsf(v%d); pleat_i64 k = "
                      "(pleat_i64)(b ^ ((b >> 31) & 0x7fffffff));\n", v);
  else if (t == PLEAT_F64)
    pleat__str_printf(o, "    { pleat_i64 b = (pleat_i64)pleat_m_bits(v%d); pleat_i64 k = "
                      "b ^ ((b >> 63) & (pleat_i64)PLEAT_U64C(0x7fffffffffffffff));\n", v);
  else pleat__str_printf(o, "    { pleat_i64 k = (pleat_i64)v%d;\n", v);
}

/* The fold of one live element into reducer q (its input is v<in>). */
static void red_step(pleat__str *o, const pleat__ir_red *r, int q, bool warp) {
  int t = r->in_type, v = r->in[0];
  switch (r->kind) {
    case RED_ANY: case RED_FIND_FIRST: case RED_ALL:
      /* a hit: the predicate holds (any, find_first) or fails (all) */
      pleat__str_printf(o, "    if (h%d < 0 && %sv%d) h%d = (pleat_i64)i;\n", q,
                        r->kind == RED_ALL ? "!" : "", r->pred, q);
      return;
    case RED_FIRST:
      pleat__str_printf(o, "    if (h%d < 0) { h%d = (pleat_i64)i; fa%d = ", q, q, q);
      put_word(o, t, v);
      pleat__str_puts(o, "; }\n");
      return;
    case RED_LAST:
      pleat__str_printf(o, "    la%d = ", q);
      put_word(o, t, v);
      pleat__str_printf(o, ";\n    n%d++;\n", q);
      if (warp) pleat__str_printf(o, "    li%d = (pleat_i64)i;\n", q);
      return;
    case RED_ARGMIN: case RED_ARGMAX: {
      /* reduce.c g_update: NaN wins (argmin: the smallest key), ties keep
         the first */
      bool mn = r->kind == RED_ARGMIN;
      put_key(o, t, v);
      if (t == PLEAT_F32 || t == PLEAT_F64)
        pleat__str_printf(o, "      if (v%d != v%d) k = (pleat_i64)PLEAT_U64C(%s);\n", v, v,
                          mn ? "0x8000000000000000" : "0x7fffffffffffffff");
      pleat__str_printf(o, "      if (n%d == 0 || k %s ak%d) { ak%d = k; ai%d = (pleat_i64)i; }\n      n%d++; }\n",
                        q, mn ? "<" : ">", q, q, q, q);
      return;
    }
    case RED_REDUCE: {
      char A[16], B[16];
      snprintf(A, sizeof A, "ra%d", q);
      snprintf(B, sizeof B, "v%d", v);
      pleat__str_printf(o, "    if (n%d == 0) ra%d = v%d;\n    else ra%d = ", q, q, v, q);
      put_aop(o, r->op, t, A, B);
      pleat__str_printf(o, ";\n    n%d++;\n", q);
      return;
    }
    case RED_COLLECT:
      if (warp) { /* stored after the step's vote (put_warp_collect) */
        pleat__str_printf(o, "    lc%d = 1;", q);
        for (int f = 0; f < r->nin; f++) pleat__str_printf(o, " xc%d_%d = v%d;", q, f, r->in[f]);
        pleat__str_puts(o, "\n");
        return;
      }
      pleat__str_printf(o, "    if (cpass) {");
      for (int f = 0; f < r->nin; f++) pleat__str_printf(o, " co%d_%d[cw%d] = v%d;", q, f, q, r->in[f]);
      pleat__str_printf(o, " cw%d++; }\n    n%d++;\n", q, q);
      return;
    case RED_COUNT:
      if (r->pred >= 0) pleat__str_printf(o, "    if (v%d) n%d++;\n", r->pred, q);
      else pleat__str_printf(o, "    n%d++;\n", q);
      return;
    case RED_SUM: case RED_PROD: {
      const char *op = r->kind == RED_SUM ? "+" : "*";
      if (tree_kind(r) && warp)
        pleat__str_printf(o, "    l%d = l%d %s v%d;\n", q, q, op, v);
      else if (tree_kind(r))
        pleat__str_printf(o, "    l%d[i & 31] = l%d[i & 31] %s v%d;\n", q, q, op, v);
      else
        pleat__str_printf(o, "    acc%d = acc%d %s (pleat_u64)(pleat_i64)v%d;\n", q, q, op, v);
      pleat__str_printf(o, "    n%d++;\n", q);
      return;
    }
    case RED_MIN: case RED_MAX: case RED_MINMAX:
      /* order-preserving integer keys, as fold_kernels.c's KEY_F32/KEY_F64 */
      put_key(o, t, v);
      pleat__str_printf(o, "      if (k < mn%d) mn%d = k;\n      if (k > mx%d) mx%d = k;\n", q, q, q, q);
      if (t == PLEAT_F32 || t == PLEAT_F64) pleat__str_printf(o, "      if (v%d != v%d) nan%d = 1;\n", v, v, q);
      pleat__str_printf(o, "      n%d++; }\n", q);
      return;
    case RED_MEAN: case RED_VAR: case RED_STD:
      /* shifted sums, K the leaf's first live element (reduce.c mean_lanes);
         a warp learns K after the step (put_warp_mean) */
      if (warp) {
        pleat__str_printf(o, "    lv%d = 1; x%d = (double)v%d;\n", q, q, v);
        return;
      }
      pleat__str_printf(o, "    { double x = (double)v%d;\n"
                        "      if (!ks%d) { K%d = (x - x == 0.0) ? x : 0.0; ks%d = 1; }\n"
                        "      double y = x - K%d;\n"
                        "      s%d[i & 31] = s%d[i & 31] + y;\n"
                        "      t%d[i & 31] = t%d[i & 31] + y * y;\n"
                        "      n%d++; }\n",
                        v, q, q, q, q, q, q, q, q, q);
      return;
  }
}

/* The row words of reducer q at the end of the leaf. */
static void red_end(pleat__str *o, const pleat__ir_red *r, int q) {
  int t = r->in_type;
  pleat__str_printf(o, "  row[%d] = 0; row[%d] = 0; row[%d] = (pleat_u64)n%d; row[%d] = 0;\n", 4 * q,
                    4 * q + 1, 4 * q + 2, q, 4 * q + 3);
  switch (r->kind) {
    case RED_SUM: case RED_PROD:
      if (tree_kind(r)) {
        const char *op = r->kind == RED_SUM ? "+" : "*";
        pleat__str_printf(o, "  for (int s = 16; s; s >>= 1)\n    for (int j = 0; j < s; j++) "
                          "l%d[j] = l%d[j] %s l%d[j + s];\n", q, q, op, q);
        pleat__str_printf(o, "  row[%d] = pleat_m_bits((double)l%d[0]);\n", 4 * q, q);
      } else {
        pleat__str_printf(o, "  row[%d] = acc%d;\n", 4 * q, q);
      }
      break;
    case RED_MIN: case RED_MAX: case RED_MINMAX:
      pleat__str_printf(o, "  row[%d] = (pleat_u64)mn%d; row[%d] = (pleat_u64)mx%d; row[%d] = (pleat_u64)nan%d;\n",
                        4 * q, q, 4 * q + 1, q, 4 * q + 3, q);
      break;
    case RED_ANY: case RED_ALL: case RED_FIND_FIRST:
      pleat__str_printf(o, "  row[%d] = (pleat_u64)h%d;\n", 4 * q, q);
      break;
    case RED_FIRST:
      pleat__str_printf(o, "  row[%d] = fa%d; row[%d] = (pleat_u64)h%d; row[%d] = h%d >= 0;\n", 4 * q, q,
                        4 * q + 1, q, 4 * q + 2, q);
      break;
    case RED_LAST:
      pleat__str_printf(o, "  row[%d] = la%d;\n", 4 * q, q);
      break;
    case RED_ARGMIN: case RED_ARGMAX:
      pleat__str_printf(o, "  row[%d] = (pleat_u64)ak%d; row[%d] = (pleat_u64)ai%d;\n", 4 * q, q, 4 * q + 1, q);
      break;
    case RED_REDUCE:
      pleat__str_printf(o, "  row[%d] = (pleat_u64)(pleat_i64)ra%d;\n", 4 * q, q);
      break;
    case RED_MEAN: case RED_VAR: case RED_STD:
      pleat__str_printf(o, "  for (int s = 16; s; s >>= 1)\n    for (int j = 0; j < s; j++) "
                        "{ s%d[j] = s%d[j] + s%d[j + s]; t%d[j] = t%d[j] + t%d[j + s]; }\n",
                        q, q, q, q, q, q);
      /* the shifted sums: the host divides (pleat__reduce_mean_leaf), so
         no kernel calls a division's slow path */
      pleat__str_printf(o, "  row[%d] = pleat_m_bits(K%d); row[%d] = pleat_m_bits(s%d[0]); "
                        "row[%d] = pleat_m_bits(t%d[0]);\n", 4 * q, q, 4 * q + 1, q, 4 * q + 3, q);
      break;
  }
  (void)t;
}

/* ---- the vector form (OpenCL) ---------------------------------------------------- */

/* A full leaf of data columns, when every value is of one float type ft
   (or a bool made from it) and the reducers are float sums and products,
   counts and min/max: 16 elements per step in ft16 vectors, bools as
   int16/long16 masks, lanes l and l + 16 of the leaf tree in two
   accumulators.  The same operations on the same lanes in the same order
   as the scalar loop, so the same bits; PoCL vectorises it, where it runs
   the scalar loop one element at a time. */
static int vector_type(const pleat__ir *ir) {
  int ft = 0;
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    int t = in->type;
    if (t == PLEAT_F32 || t == PLEAT_F64) {
      if (ft && ft != t) return 0;
      ft = t;
    }
  }
  if (!ft) return 0;
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    int t = in->type;
    switch (in->op) {
      case IR_CONST: case IR_COL:
        if (t != ft && !(in->op == IR_CONST && t == PLEAT_BOOL)) return 0;
        break;
      case IR_NEG: case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV: case IR_ABS: case IR_SQRT:
        if (t != ft) return 0;
        break;
      case IR_LT: case IR_LE: case IR_GT: case IR_GE: case IR_EQ: case IR_NE:
        if (ir->ins[in->a].type != ft) return 0;
        break;
      case IR_BAND: case IR_BOR: case IR_BXOR: case IR_NOT:
        if (t != PLEAT_BOOL) return 0;
        break;
      case IR_SELECT:
        if (t != ft) return 0;
        break;
      case IR_FILTER:
        break;
      default:
        return 0;
    }
  }
  for (uint32_t q = 0; q < ir->nred; q++) {
    const pleat__ir_red *r = &ir->red[q];
    switch (r->kind) {
      case RED_COUNT: break;
      case RED_SUM: case RED_PROD: case RED_MIN: case RED_MAX: case RED_MINMAX:
        if (r->in_type != ft) return 0;
        break;
      default: return 0;
    }
  }
  return ft;
}

static void put_vector_leaf(pleat__str *o, const pleat__ir *ir, int ft, size_t ncols) {
  const char *V = ft == PLEAT_F32 ? "float16" : "double16";
  const char *M = ft == PLEAT_F32 ? "int16" : "long16";     /* masks: -1 or 0 */
  const char *KI = ft == PLEAT_F32 ? "as_int16" : "as_long16";
  pleat__str_puts(o, "  if (le - lb == 4096u");
  for (size_t c = 0; c < ncols; c++) pleat__str_printf(o, " && g%zu == 0", c);
  pleat__str_puts(o, ") { /* the vector form: a full leaf of data */\n");
  for (uint32_t q = 0; q < ir->nred; q++) {
    const pleat__ir_red *r = &ir->red[q];
    if (r->kind == RED_SUM || r->kind == RED_PROD)
      pleat__str_printf(o, "    %s A%u_0 = (%s)(%s), A%u_1 = A%u_0;\n", V, q, V,
                        r->kind == RED_PROD ? "1" : "0", q, q);
    if (r->kind == RED_MIN || r->kind == RED_MAX || r->kind == RED_MINMAX)
      pleat__str_printf(o, "    %s MN%u = (%s)(%s), MX%u = (%s)(%s), NN%u = (%s)(0);\n", M, q, M,
                        ft == PLEAT_F32 ? "0x7fffffff" : "(long)0x7fffffffffffffffL", q, M,
                        ft == PLEAT_F32 ? "(int)0x80000000" : "(long)0x8000000000000000L", q, M);
    pleat__str_printf(o, "    %s C%u = (%s)(0);\n", M, q, M);
  }
  pleat__str_puts(o, "    for (pleat_u64 b0 = lb; b0 < le; b0 += 32u) {\n");
  for (int h = 0; h < 2; h++) {
    pleat__str_printf(o, "     {\n      pleat_u64 j = b0 + %du - base;\n", 16 * h);
    pleat__str_printf(o, "      %s MK = (%s)(-1);\n", M, M);
    for (uint32_t k = 0; k < ir->nins; k++) {
      const pleat__ir_ins *in = &ir->ins[k];
      int a = in->a, b = in->b, c = in->c;
      switch (in->op) {
        case IR_CONST:
          if (in->type == PLEAT_BOOL) pleat__str_printf(o, "      %s w%u = (%s)(%s);\n", M, k, M, in->imm.i ? "-1" : "0");
          else {
            pleat__str_printf(o, "      %s w%u = (%s)(", V, k, V);
            put_const(o, in->type, in->imm);
            pleat__str_puts(o, ");\n");
          }
          break;
        case IR_COL: pleat__str_printf(o, "      %s w%u = vload16(0, c%d + j);\n", V, k, (int)in->imm.i); break;
        case IR_NEG: pleat__str_printf(o, "      %s w%u = -w%d;\n", V, k, a); break;
        case IR_ADD: pleat__str_printf(o, "      %s w%u = w%d + w%d;\n", V, k, a, b); break;
        case IR_SUB: pleat__str_printf(o, "      %s w%u = w%d - w%d;\n", V, k, a, b); break;
        case IR_MUL: pleat__str_printf(o, "      %s w%u = w%d * w%d;\n", V, k, a, b); break;
        case IR_DIV: pleat__str_printf(o, "      %s w%u = w%d / w%d;\n", V, k, a, b); break;
        case IR_ABS: pleat__str_printf(o, "      %s w%u = fabs(w%d);\n", V, k, a); break;
        case IR_SQRT: pleat__str_printf(o, "      %s w%u = sqrt(w%d);\n", V, k, a); break;
#define VCMP(OPC, S) case OPC: pleat__str_printf(o, "      %s w%u = w%d " S " w%d;\n", M, k, a, b); break;
        VCMP(IR_LT, "<") VCMP(IR_LE, "<=") VCMP(IR_GT, ">") VCMP(IR_GE, ">=") VCMP(IR_EQ, "==")
        VCMP(IR_NE, "!=")
#undef VCMP
        case IR_BAND: pleat__str_printf(o, "      %s w%u = w%d & w%d;\n", M, k, a, b); break;
        case IR_BOR: pleat__str_printf(o, "      %s w%u = w%d | w%d;\n", M, k, a, b); break;
        case IR_BXOR: pleat__str_printf(o, "      %s w%u = w%d ^ w%d;\n", M, k, a, b); break;
        case IR_NOT: pleat__str_printf(o, "      %s w%u = ~w%d;\n", M, k, a); break;
        case IR_SELECT: pleat__str_printf(o, "      %s w%u = select(w%d, w%d, w%d);\n", V, k, c, b, a); break;
        case IR_FILTER: pleat__str_printf(o, "      MK = MK & w%d;\n", a); break;
      }
    }
    for (uint32_t q = 0; q < ir->nred; q++) {
      const pleat__ir_red *r = &ir->red[q];
      int v = r->in[0];
      if (r->kind == RED_COUNT) {
        if (r->pred >= 0) pleat__str_printf(o, "      C%u -= MK & w%d;\n", q, r->pred);
        else pleat__str_printf(o, "      C%u -= MK;\n", q);
        continue;
      }
      pleat__str_printf(o, "      C%u -= MK;\n", q);
      if (r->kind == RED_SUM)
        pleat__str_printf(o, "      A%u_%d = A%u_%d + select((%s)(0), w%d, MK);\n", q, h, q, h, V, v);
      else if (r->kind == RED_PROD)
        pleat__str_printf(o, "      A%u_%d = A%u_%d * select((%s)(1), w%d, MK);\n", q, h, q, h, V, v);
      else {
        int sh = ft == PLEAT_F32 ? 31 : 63;
        pleat__str_printf(o, "      { %s b = %s(w%d), k = b ^ ((b >> %d) & (%s)(%s));\n", M, KI, v, sh, M,
                          ft == PLEAT_F32 ? "0x7fffffff" : "(long)0x7fffffffffffffffL");
        pleat__str_printf(o, "        MN%u = select(MN%u, min(MN%u, k), MK); MX%u = select(MX%u, max(MX%u, k), MK);\n",
                          q, q, q, q, q, q);
        pleat__str_printf(o, "        NN%u |= MK & (w%d != w%d); }\n", q, v, v);
      }
    }
    pleat__str_puts(o, "     }\n");
  }
  pleat__str_puts(o, "    }\n");
  /* back into the scalar state, for the common end of the leaf */
  for (uint32_t q = 0; q < ir->nred; q++) {
    const pleat__ir_red *r = &ir->red[q];
    pleat__str_printf(o, "    n%u = 0;\n    for (int e = 0; e < 16; e++) { %s cv = C%u; n%u += ((%s *)&cv)[e]; }\n",
                      q, M, q, q, ft == PLEAT_F32 ? "int" : "long");
    if (r->kind == RED_SUM || r->kind == RED_PROD)
      pleat__str_printf(o, "    vstore16(A%u_0, 0, l%u); vstore16(A%u_1, 0, l%u + 16);\n", q, q, q, q);
    if (r->kind == RED_MIN || r->kind == RED_MAX || r->kind == RED_MINMAX)
      pleat__str_printf(o, "    for (int e = 0; e < 16; e++) {\n"
                        "      %s mnv = MN%u, mxv = MX%u, nnv = NN%u;\n"
                        "      pleat_i64 a = ((%s *)&mnv)[e], z = ((%s *)&mxv)[e];\n"
                        "      if (a < mn%u) mn%u = a;\n      if (z > mx%u) mx%u = z;\n"
                        "      if (((%s *)&nnv)[e]) nan%u = 1;\n    }\n",
                        M, q, q, q, ft == PLEAT_F32 ? "int" : "long", ft == PLEAT_F32 ? "int" : "long",
                        q, q, q, q, ft == PLEAT_F32 ? "int" : "long", q);
  }
  pleat__str_puts(o, "  } else\n");
}


/* ---- the kernel ------------------------------------------------------------------------ */

/* The warp shape: one work item per tree lane, 32 per leaf (lane j walks
   source elements lb + j, lb + j + 32, ...: its loads are coalesced, and
   its fold is exactly lane j of reduce.c's leaf), the lanes combined at the
   end with the same pairwise tree.  For the CUDA dialect: scalar state in
   registers, where the leaf shape needs 32-entry arrays in local memory.
   OpenCL gets it on a GPU (the back end asks for it); a group is then one
   leaf, so its barriers are uniform. */
void pleat__codegen_shape(const pleat__ir *ir, pleat__dialect d, bool warp, unsigned *items_per_leaf,
                          unsigned *leaves_per_group) {
  bool w = warp || d == PLEAT__DIALECT_CUDA;
  if (d == PLEAT__DIALECT_C) w = false;
  /* a stateful stage is a chain through the whole leaf: one work item
     walks it */
  for (uint32_t k = 0; k < ir->nins; k++)
    if (carry_stage(ir->ins[k].op) || ir->ins[k].op == IR_TAKE_WHILE) w = false;
  if (ir->nseg > 1) w = false; /* a flat_map: a source element's outputs in order */
  *items_per_leaf = w ? 32 : 1;
  *leaves_per_group = w ? (d == PLEAT__DIALECT_CUDA ? 8 : 1) : d == PLEAT__DIALECT_CUDA ? 128 : 0;
}

/* The carry index of stateful stage k (its order among them). */
static uint32_t carry_ix(const pleat__ir *ir, uint32_t k) {
  uint32_t s = 0;
  for (uint32_t j = 0; j < k; j++) s += carry_width(&ir->ins[j]);
  return s;
}


/* A value of type t from its 64-bit word (the host's pleat__imm bits of
   the carry), and back. */
static void put_from_word(pleat__str *o, int t, const char *w) {
  if (t == PLEAT_F32) pleat__str_printf(o, "pleat_m_flt((pleat_u32)%s)", w);
  else if (t == PLEAT_F64) pleat__str_printf(o, "pleat_m_dbl(%s)", w);
  else pleat__str_printf(o, "((%s)(pleat_i64)%s)", tname(t), w);
}

static void put_to_word(pleat__str *o, int t, const char *v) {
  if (t == PLEAT_F32) pleat__str_printf(o, "(pleat_u64)pleat_m_bitsf(%s)", v);
  else if (t == PLEAT_F64) pleat__str_printf(o, "pleat_m_bits(%s)", v);
  else pleat__str_printf(o, "(pleat_u64)(pleat_i64)%s", v);
}

/* Stateful stage s (instruction k) at the start of a leaf: no local yet;
   the carry of the leaf (everything before it) when the pass runs past
   this stage: the final pass (spass < 0), or a summary pass of a later
   one. */
static void put_carry_decl(pleat__str *o, const pleat__ir *ir, const pleat__ir_ins *in, uint32_t k,
                          uint32_t s) {
  const char *T = tname(in->type);
  char w[64];
  if (in->op == IR_DEDUPE) {
    /* the element before (the carry: the last arrival of the leaves
       before), field j in slot s + j; the set flag is slot s's */
    pleat__str_printf(o, "  int ds%u = 0;\n", k);
    for (uint32_t j = 0; j < in->nextra; j++)
      pleat__str_printf(o, "  %s dp%u_%u = 0;\n", tname(ir->ins[ir->extra[in->extra + j]].type), k, j);
    pleat__str_printf(o, "  if (spass < 0 || spass > %u) {\n"
                      "    ds%u = (int)scarry[((pleat_u64)%u * nleaf + gid) * 2u + 1u];\n", s, k, s);
    for (uint32_t j = 0; j < in->nextra; j++) {
      snprintf(w, sizeof w, "scarry[((pleat_u64)%u * nleaf + gid) * 2u]", s + j);
      pleat__str_printf(o, "    dp%u_%u = ", k, j);
      put_from_word(o, ir->ins[ir->extra[in->extra + j]].type, w);
      pleat__str_puts(o, ";\n");
    }
    pleat__str_puts(o, "  }\n");
    return;
  }
  if (in->op == IR_DROP_WHILE) {
    /* done: the predicate failed before this leaf (carry) or in it */
    pleat__str_printf(o, "  int dd%u = 0;\n  if (spass < 0 || spass > %u) "
                      "dd%u = (int)scarry[((pleat_u64)%u * nleaf + gid) * 2u];\n", k, s, k, s);
    return;
  }
  if (in->op != IR_SCAN) {
    /* a counting stage: cc the arrivals before the leaf (drop: the drops),
       cl the leaf's own */
    pleat__str_printf(o, "  pleat_i64 cc%u = 0, cl%u = 0;\n  if (spass < 0 || spass > %u) "
                      "cc%u = (pleat_i64)scarry[((pleat_u64)%u * nleaf + gid) * 2u];\n", k, k, s, k, s);
    if (in->op == IR_TAKE && in->imm.i > 0) /* a leaf past the cut: nothing to walk */
      pleat__str_printf(o, "  if ((spass < 0 || spass > %u) && cc%u >= (pleat_i64)PLEAT_U64C(%llu)) le = lb;\n", s,
                        k, (unsigned long long)in->imm.i);
    return;
  }
  snprintf(w, sizeof w, "scarry[((pleat_u64)%u * nleaf + gid) * 2u]", s);
  pleat__str_printf(o, "  %s sl%u = 0, sc%u = 0;\n  int ss%u = 0, sk%u = 0;\n", T, k, k, k, k);
  pleat__str_printf(o, "  if (spass < 0 || spass > %u) {\n    sk%u = (int)scarry[((pleat_u64)%u * nleaf + gid) * 2u + 1u];\n"
                    "    sc%u = ", s, k, s, k);
  put_from_word(o, in->type, w);
  pleat__str_puts(o, ";\n  }\n");
}

/* Its step on a live element: the local running op from the leaf's first
   element, out = carry op local (core/exec.c's IR_SCAN). */
static void put_scan_step(pleat__str *o, const pleat__ir_ins *in, uint32_t k) {
  char A[32], B[32];
  pleat__str_printf(o, "    %s v%u;\n    if (ss%u) sl%u = ", tname(in->type), k, k, k);
  snprintf(A, sizeof A, "sl%u", k);
  snprintf(B, sizeof B, "v%d", in->a);
  put_aop(o, in->aux, in->type, A, B);
  pleat__str_printf(o, ";\n    else { sl%u = v%d; ss%u = 1; }\n    v%u = sk%u ? ", k, in->a, k, k, k);
  snprintf(A, sizeof A, "sc%u", k);
  snprintf(B, sizeof B, "sl%u", k);
  put_aop(o, in->aux, in->type, A, B);
  pleat__str_printf(o, " : sl%u;\n", k);
}

/* The per-element body: every op in order; a failed filter skips the rest
   of the element (`continue`: in the warp shape the body sits in a
   do-while(0), where it ends the element too), a zero divisor where it
   counts records the trap and ends the walk. */
/* dw_owner (NULL: none): pleat__ir_drop_while_owners' */
static bool put_body(pleat__str *o, const pleat__ir *ir, const int32_t *dw_owner, pleat__dialect d, char *why,
                     size_t whylen) {
  for (uint32_t k = 0; k < ir->nins; k++) {
    const pleat__ir_ins *in = &ir->ins[k];
    switch (in->op) {
      case IR_CONST:
        pleat__str_printf(o, "    %s v%u = ", tname(in->type), k);
        put_const(o, in->type, in->imm);
        pleat__str_puts(o, ";\n");
        break;
      case IR_COL:
        put_column(o, (int)k, (int)in->imm.i, in->type);
        break;
      case IR_INDEX:
        pleat__str_printf(o, "    pleat_i64 v%u = (pleat_i64)i;\n", k);
        break;
      case IR_FILTER:
        pleat__str_printf(o, "    if (!v%d) continue;\n", in->a);
        break;
      case IR_SCAN:
        put_scan_step(o, in, k);
        pleat__str_printf(o, "    if (spass == %u) continue; /* its summary needs no more */\n", carry_ix(ir, k));
        break;
      case IR_TAKE: case IR_DROP: case IR_TAKE_NTH: case IR_ENUMERATE: {
        uint32_t s = carry_ix(ir, k);
        unsigned long long nn = (unsigned long long)in->imm.i;
        /* a summary pass counts the arrivals and stops there */
        pleat__str_printf(o, "    if (spass == %u) { cl%u++; continue; }\n", s, k);
        if (in->op == IR_TAKE) /* the n-th arrival is taken and ends the fold; one more is refused */
          pleat__str_printf(o, "    if (cc%u + cl%u >= (pleat_i64)PLEAT_U64C(%llu)) { stop_i = (pleat_i64)i; stop_lv = %u; continue; }\n"
                            "    cl%u++;\n    if (cc%u + cl%u == (pleat_i64)PLEAT_U64C(%llu)) { stop_i = (pleat_i64)i; stop_lv = %u; }\n",
                            k, k, nn, in->seg, k, k, k, nn, in->seg);
        else if (in->op == IR_DROP)
          pleat__str_printf(o, "    if (cc%u + cl%u < (pleat_i64)PLEAT_U64C(%llu)) { cl%u++; continue; }\n", k, k, nn, k);
        else if (in->op == IR_TAKE_NTH)
          pleat__str_printf(o, "    { pleat_i64 pos = cc%u + cl%u; cl%u++;\n      if (pos %% (pleat_i64)PLEAT_U64C(%llu) != 0) continue; }\n",
                            k, k, k, nn);
        else
          pleat__str_printf(o, "    pleat_i64 v%u = cc%u + cl%u; cl%u++;\n", k, k, k, k);
        break;
      }
      case IR_DEDUPE: { /* == the element before in every field: dropped (NaN never, -0 == +0) */
        pleat__str_printf(o, "    { int same = ds%u", k);
        for (uint32_t j = 0; j < in->nextra; j++)
          pleat__str_printf(o, " && v%d == dp%u_%u", ir->extra[in->extra + j], k, j);
        pleat__str_puts(o, ";\n");
        for (uint32_t j = 0; j < in->nextra; j++)
          pleat__str_printf(o, "      dp%u_%u = v%d;\n", k, j, ir->extra[in->extra + j]);
        pleat__str_printf(o, "      ds%u = 1;\n      if (spass == %u || same) continue; }\n", k, carry_ix(ir, k));
        break;
      }
      case IR_DROP_WHILE: /* dropped while the predicate holds, then never again */
        pleat__str_printf(o, "    if (!dd%u) { if (v%d) continue; dd%u = 1; }\n    if (spass == %u) continue;\n",
                          k, in->a, k, carry_ix(ir, k));
        break;
      case IR_FLATMAP: /* the next segment once per produced tuple, in order */
        pleat__str_printf(o, "    for (pleat_i64 fe%u = 0; fe%u < %lld; fe%u++) {\n    if (stop_lv >= %u) break;\n", k, k,
                          (long long)in->imm.i, k, in->seg + 1);
        break;
      case IR_FLATRANGE:
        pleat__str_printf(o, "    for (pleat_i64 fe%u = v%d; fe%u < v%d; fe%u++) {\n    if (stop_lv >= %u) break;\n", k,
                          in->a, k, in->b, k, in->seg + 1);
        break;
      case IR_UNPACK: { /* field imm.i of the segment's current element */
        uint32_t f = 0;
        for (f = k; f > 0 && ir->ins[f].op != IR_FLATMAP && ir->ins[f].op != IR_FLATRANGE; f--) {}
        const pleat__ir_ins *fm = &ir->ins[f];
        pleat__str_printf(o, "    %s v%u = ", tname(in->type), k);
        if (fm->op == IR_FLATRANGE) {
          pleat__str_printf(o, "fe%u;\n", f);
          break;
        }
        int64_t m = fm->imm.i, w = fm->imm2;
        for (int64_t e = 0; e < m; e++) {
          int32_t src = ir->extra[fm->extra + (uint32_t)(e * w + in->imm.i)];
          if (e + 1 < m) pleat__str_printf(o, "fe%u == %lld ? v%d : ", f, (long long)e, src);
          else pleat__str_printf(o, "v%d;\n", src);
        }
        break;
      }
      case IR_KIN: { /* k of the segment before: its latest enumerate or k */
        int32_t kv = -1;
        for (uint32_t j = 0; j < k; j++)
          if (ir->ins[j].seg + 1 == in->seg && (ir->ins[j].op == IR_ENUMERATE || ir->ins[j].op == IR_KIN))
            kv = (int32_t)j;
        if (kv < 0) {
          snprintf(why, whylen, "k after a flat_map without k before it");
          return false;
        }
        pleat__str_printf(o, "    pleat_i64 v%u = v%d;\n", k, kv);
        break;
      }
      case IR_TAKE_WHILE: /* the first arrival that fails ends the fold, not taken */
        pleat__str_printf(o, "    if (!v%d) { stop_i = (pleat_i64)i; stop_lv = %u; continue; }\n", in->a, in->seg);
        break;
      default:
        if (!in->type) break;
        if ((in->op == IR_DIV || in->op == IR_REM) && in->type != PLEAT_F32 && in->type != PLEAT_F64) {
          /* a zero divisor where it counts (the guard; for a division only a
             drop_while's predicate needs, while that is not done, as seq
             evaluates it) ends the leaf here */
          pleat__str_printf(o, "    if (v%d == 0", in->b);
          if (in->c >= 0) pleat__str_printf(o, " && v%d", in->c);
          if (dw_owner && dw_owner[k] >= 0) pleat__str_printf(o, " && !dd%d", dw_owner[k]);
          pleat__str_printf(o, ") { trap_i = (pleat_i64)i; trap_k = %u; break; }\n", k);
        }
        pleat__str_printf(o, "    %s v%u = ", tname(in->type), k);
        if (!put_expr(o, ir, in, d)) {
          char nm[32];
          snprintf(why, whylen, "the op %s is not supported by the kernel generator",
                   lower_name(in->op, nm, sizeof nm));
          return false;
        }
        pleat__str_puts(o, ";\n");
        break;
    }
  }
  return true;
}

static bool all_early(const pleat__ir *ir) {
  bool all = ir->nred > 0;
  for (uint32_t q = 0; q < ir->nred; q++) all = all && is_early(ir->red[q].kind);
  return all;
}

static bool has_collect(const pleat__ir *ir) {
  for (uint32_t q = 0; q < ir->nred; q++)
    if (ir->red[q].kind == RED_COLLECT) return true;
  return false;
}

static void put_signature(pleat__str *o, const pleat__ir *ir, pleat__dialect d, bool warp,
                          const uint8_t *col_dtypes, size_t ncols) {
  const char *G = global_ptr(d);
  switch (d) {
    case PLEAT__DIALECT_OPENCL:
      pleat__str_puts(o, warp ? "__kernel __attribute__((reqd_work_group_size(32, 1, 1))) void pleat_leaves("
                              : "__kernel void pleat_leaves(");
      break;
    case PLEAT__DIALECT_CUDA:
      /* the warp shape's block of pleat__codegen_shape; the leaf shape none:
         ptxas, given one, trades registers for occupancy and spilled */
      pleat__str_puts(o, warp ? "extern \"C\" __global__ void __launch_bounds__(256) pleat_leaves("
                              : "extern \"C\" __global__ void pleat_leaves(");
      break;
    default: pleat__str_puts(o, "void pleat_leaves(pleat_u64 gid, "); break;
  }
  pleat__str_puts(o, "pleat_u64 n, pleat_u64 leaf0, pleat_u64 nleaf, pleat_u64 base");
  for (size_t c = 0; c < ncols; c++)
    pleat__str_printf(o, ",\n    %sconst %s *c%zu, int g%zu, pleat_u64 p%zu", G, tname(col_dtypes[c]), c, c, c);
  pleat__str_printf(o, ",\n    %spleat_u64 *out", G);
  if (ncarries(ir)) /* codegen.h: the scans' carries and summaries */
    pleat__str_printf(o, ",\n    %sconst pleat_u64 *scarry, %spleat_u64 *ssum, int spass", G, G);
  if (has_collect(ir)) { /* codegen.h: the collect passes */
    pleat__str_printf(o, ",\n    %sconst pleat_u64 *coff, int cpass", G);
    for (uint32_t q = 0; q < ir->nred; q++) {
      const pleat__ir_red *r = &ir->red[q];
      if (r->kind != RED_COLLECT) continue;
      for (int f = 0; f < r->nin; f++)
        pleat__str_printf(o, ", %s%s *co%u_%d", G, tname(ir->ins[r->in[f]].type), q, f);
    }
  }
  pleat__str_puts(o, ") {\n");
}

static pleat_status put_leaf_kernel(pleat__str *o, const pleat__ir *ir, const uint8_t *col_dtypes,
                                    size_t ncols, pleat__dialect d, char *why, size_t whylen) {
  const char *G = global_ptr(d);
  pleat__str_puts(o, "\n/* one work item per leaf of 4096 source elements (codegen.h) */\n");
  put_signature(o, ir, d, false, col_dtypes, ncols);
  switch (d) {
    case PLEAT__DIALECT_OPENCL: pleat__str_puts(o, "  pleat_u64 gid = get_global_id(0);\n"); break;
    case PLEAT__DIALECT_CUDA:
      pleat__str_puts(o, "  pleat_u64 gid = (pleat_u64)blockIdx.x * blockDim.x + threadIdx.x;\n");
      break;
    default: break;
  }
  pleat__str_puts(o, "  if (gid >= nleaf) return;\n"
                     "  pleat_u64 L = leaf0 + gid, lb = L * 4096u;\n"
                     "  pleat_u64 le = lb + 4096u < n ? lb + 4096u : n;\n");
  pleat__str_printf(o, "  %spleat_u64 *row = out + gid * %uu;\n", G, PLEAT__ROW_WORDS(ir->nred));
  /* stop_lv: the segment of the stage that ended the fold; its loop and
     the outer ones end, the current element's expansion runs on */
  pleat__str_puts(o, "  pleat_i64 trap_i = -1, trap_k = 0, stop_i = -1;\n  int stop_lv = -1;\n");
  for (uint32_t q = 0; q < ir->nred; q++) red_decl(o, &ir->red[q], (int)q, false);
  for (uint32_t k = 0, s = 0; k < ir->nins; k++)
    if (carry_stage(ir->ins[k].op)) {
      put_carry_decl(o, ir, &ir->ins[k], k, s);
      s += carry_width(&ir->ins[k]);
    }
  int vt = d == PLEAT__DIALECT_OPENCL ? vector_type(ir) : 0;
  if (vt) put_vector_leaf(o, ir, vt, ncols);
  /* a stage that ended the fold (take, take_while) at the element before */
  pleat__str_puts(o, "  for (pleat_u64 i = lb; i < le; i++) {\n    if (stop_lv >= 0) break;\n");
  int32_t *dw_owner = NULL;
  if (pleat__ir_drop_while_divides(ir)) {
    size_t nb = sizeof(int32_t) * ir->nins;
    dw_owner = pleat__malloc(ir->al, nb * 3);
    if (!dw_owner) {
      snprintf(why, whylen, "out of memory");
      return PLEAT_E_NOMEM;
    }
    pleat__ir_count_uses(ir, dw_owner + ir->nins);
    pleat__ir_drop_while_owners(ir, dw_owner + ir->nins, dw_owner, dw_owner + 2 * ir->nins);
  }
  bool body = put_body(o, ir, dw_owner, d, why, whylen);
  pleat__free(ir->al, dw_owner);
  if (!body) return PLEAT_E_UNSUPPORTED;
  for (uint32_t q = 0; q < ir->nred; q++) red_step(o, &ir->red[q], (int)q, false);
  /* every reducer early and all have hit: seq's fold stops here */
  if (all_early(ir)) {
    pleat__str_puts(o, "    if (1");
    for (uint32_t q = 0; q < ir->nred; q++) pleat__str_printf(o, " && h%u >= 0", q);
    pleat__str_puts(o, ") break;\n");
  }
  /* a flat_map's loops: a trap, a stop or the early reducers' end leaves
     the outer ones too */
  for (uint32_t sgi = ir->nseg - 1; sgi >= 1; sgi--) {
    pleat__str_printf(o, "    }\n    if (trap_i >= 0 || stop_lv >= %u", sgi);
    if (all_early(ir)) {
      pleat__str_puts(o, " || (1");
      for (uint32_t q = 0; q < ir->nred; q++) pleat__str_printf(o, " && h%u >= 0", q);
      pleat__str_puts(o, ")");
    }
    pleat__str_puts(o, ") break;\n");
  }
  pleat__str_puts(o, "  }\n");
  /* a summary pass: the leaf's local of its scan (the host folds them into
     the carries, exactly as seq) */
  for (uint32_t k = 0, s = 0; k < ir->nins; k++) {
    if (!carry_stage(ir->ins[k].op)) continue;
    if (ir->ins[k].op == IR_DROP_WHILE) {
      pleat__str_printf(o, "  if (spass == %u) { ssum[gid * 2u] = (pleat_u64)dd%u; ssum[gid * 2u + 1u] = 1; }\n", s++, k);
      continue;
    }
    if (ir->ins[k].op == IR_DEDUPE) {
      /* every field's last arrival: slot j of the leaf's nextra */
      const pleat__ir_ins *in = &ir->ins[k];
      pleat__str_printf(o, "  if (spass == %u) {\n", s);
      for (uint32_t j = 0; j < in->nextra; j++) {
        char v[24];
        snprintf(v, sizeof v, "dp%u_%u", k, j);
        pleat__str_printf(o, "    ssum[(gid * %uu + %uu) * 2u] = ", in->nextra, j);
        put_to_word(o, ir->ins[ir->extra[in->extra + j]].type, v);
        pleat__str_printf(o, "; ssum[(gid * %uu + %uu) * 2u + 1u] = (pleat_u64)ds%u;\n", in->nextra, j, k);
      }
      pleat__str_puts(o, "  }\n");
      s += in->nextra;
      continue;
    }
    if (ir->ins[k].op != IR_SCAN) {
      pleat__str_printf(o, "  if (spass == %u) { ssum[gid * 2u] = (pleat_u64)cl%u; ssum[gid * 2u + 1u] = 1; }\n", s++, k);
      continue;
    }
    char v[16];
    snprintf(v, sizeof v, "sl%u", k);
    pleat__str_printf(o, "  if (spass == %u) { ssum[gid * 2u] = ", s++);
    put_to_word(o, ir->ins[k].type, v);
    pleat__str_printf(o, "; ssum[gid * 2u + 1u] = (pleat_u64)ss%u; }\n", k);
  }
  for (uint32_t q = 0; q < ir->nred; q++) red_end(o, &ir->red[q], (int)q);
  pleat__str_printf(o, "  row[%u] = (pleat_u64)trap_i; row[%u] = (pleat_u64)trap_k; row[%u] = (pleat_u64)stop_i;\n}\n",
                    4 * ir->nred, 4 * ir->nred + 1, 4 * ir->nred + 2);
  return PLEAT_OK;
}

/* ---- the warp shape's exchanges ---------------------------------------------------- */

/* The lanes meet twice: after each step of 32 elements (votes: which lanes
   have a mean's live element, a trap, an early reducer's hit) and at the
   end of the leaf (a tree over the lanes' state).  CUDA exchanges through
   warp shuffles and ballots; OpenCL through local memory, all values of a
   step at once, so a kernel has few barriers (PoCL's build time grows with
   them). */
enum { WV_I64, WV_U64, WV_F64, WV_F32, WV_I32 };
typedef struct wval {
  char name[16];
  int t;
} wval;

#define MAX_WVAL 128

static const char *wv_ctype(int t) {
  static const char *const n[] = {"pleat_i64", "pleat_u64", "double", "float", "int"};
  return n[t];
}

static void wv_add(wval *v, size_t *nv, const char *prefix, int q, int t) {
  if (*nv >= MAX_WVAL) return;
  snprintf(v[*nv].name, sizeof v[*nv].name, "%s%d", prefix, q);
  v[*nv].t = t;
  (*nv)++;
}

/* The lane state of every reducer, then the trap. */
static size_t warp_values(const pleat__ir *ir, wval *v) {
  size_t nv = 0;
  for (uint32_t k = 0; k < ir->nred; k++) {
    const pleat__ir_red *r = &ir->red[k];
    int q = (int)k;
    wv_add(v, &nv, "n", q, WV_I64);
    switch (r->kind) {
      case RED_SUM: case RED_PROD:
        if (tree_kind(r)) wv_add(v, &nv, "l", q, r->in_type == PLEAT_F32 ? WV_F32 : WV_F64);
        else wv_add(v, &nv, "acc", q, WV_U64);
        break;
      case RED_MIN: case RED_MAX: case RED_MINMAX:
        wv_add(v, &nv, "mn", q, WV_I64);
        wv_add(v, &nv, "mx", q, WV_I64);
        wv_add(v, &nv, "nan", q, WV_I32);
        break;
      case RED_ANY: case RED_ALL: case RED_FIND_FIRST: wv_add(v, &nv, "h", q, WV_I64); break;
      case RED_FIRST: wv_add(v, &nv, "h", q, WV_I64); wv_add(v, &nv, "fa", q, WV_U64); break;
      case RED_LAST: wv_add(v, &nv, "li", q, WV_I64); wv_add(v, &nv, "la", q, WV_U64); break;
      case RED_ARGMIN: case RED_ARGMAX:
        wv_add(v, &nv, "ak", q, WV_I64);
        wv_add(v, &nv, "ai", q, WV_I64);
        break;
      case RED_REDUCE: wv_add(v, &nv, "ra", q, r->in_type == PLEAT_I64 ? WV_I64 : WV_I32); break;
      case RED_MEAN: case RED_VAR: case RED_STD:
        wv_add(v, &nv, "s", q, WV_F64);
        wv_add(v, &nv, "t", q, WV_F64);
        break;
    }
  }
  snprintf(v[nv].name, sizeof v[nv].name, "trap_i");
  v[nv++].t = WV_I64;
  snprintf(v[nv].name, sizeof v[nv].name, "trap_k");
  v[nv++].t = WV_I64;
  return nv;
}

/* o_<name> = lane (lane + s)'s <name> (a lane's own past 31), for all. */
static void put_exchange(pleat__str *o, pleat__dialect d, const wval *v, size_t nv) {
  if (d == PLEAT__DIALECT_CUDA) {
    for (size_t k = 0; k < nv; k++)
      pleat__str_printf(o, "    %s o_%s = __shfl_down_sync(0xffffffffu, %s, s);\n", wv_ctype(v[k].t),
                        v[k].name, v[k].name);
    return;
  }
  static const char *const to[] = {"(pleat_u64)", "", "as_ulong(", "(pleat_u64)as_uint(", "(pleat_u64)(uint)"};
  static const char *const to_close[] = {"", "", ")", ")", ""};
  static const char *const from[] = {"(pleat_i64)", "", "as_double", "as_float((uint)", "(int)(uint)("};
  static const char *const close[] = {"", "", "", ")", ")"};
  pleat__str_puts(o, "    barrier(CLK_LOCAL_MEM_FENCE);\n");
  for (size_t k = 0; k < nv; k++) {
    pleat__str_printf(o, "    wsc[%zuu + lane] = %s%s%s;\n", 32 * k, to[v[k].t], v[k].name, to_close[v[k].t]);
  }
  pleat__str_puts(o, "    barrier(CLK_LOCAL_MEM_FENCE);\n    uint src = lane + s < 32u ? lane + s : lane;\n");
  for (size_t k = 0; k < nv; k++)
    pleat__str_printf(o, "    %s o_%s = %s(wsc[%zuu + src])%s;\n", wv_ctype(v[k].t), v[k].name,
                      from[v[k].t], 32 * k, close[v[k].t]);
}

/* The combine of reducer q's lane state with o_ (the lanes' tree: s = 16
   .. 1, lane j takes lane j + s; for the float trees that is reduce.c's
   lanes_final exactly, the rest are order-free). */
static void put_combine(pleat__str *o, const pleat__ir_red *r, int q) {
  if (r->kind == RED_REDUCE) { /* before n: an empty side takes the other */
    char A[16], B[16];
    snprintf(A, sizeof A, "ra%d", q);
    snprintf(B, sizeof B, "o_ra%d", q);
    pleat__str_printf(o, "    if (o_n%d) ra%d = n%d ? ", q, q, q);
    put_aop(o, r->op, r->in_type, A, B);
    pleat__str_printf(o, " : o_ra%d;\n", q);
  }
  pleat__str_printf(o, "    n%d += o_n%d;\n", q, q);
  switch (r->kind) {
    case RED_SUM: case RED_PROD: {
      const char *op = r->kind == RED_SUM ? "+" : "*";
      if (tree_kind(r)) pleat__str_printf(o, "    l%d = l%d %s o_l%d;\n", q, q, op, q);
      else pleat__str_printf(o, "    acc%d = acc%d %s o_acc%d;\n", q, q, op, q);
      break;
    }
    case RED_MIN: case RED_MAX: case RED_MINMAX:
      pleat__str_printf(o, "    if (o_mn%d < mn%d) mn%d = o_mn%d;\n    if (o_mx%d > mx%d) mx%d = o_mx%d;\n"
                        "    nan%d |= o_nan%d;\n", q, q, q, q, q, q, q, q, q, q);
      break;
    case RED_ANY: case RED_ALL: case RED_FIND_FIRST: /* the first hit: -1 (none) as the largest */
      pleat__str_printf(o, "    if ((pleat_u64)o_h%d < (pleat_u64)h%d) h%d = o_h%d;\n", q, q, q, q);
      break;
    case RED_FIRST:
      pleat__str_printf(o, "    if ((pleat_u64)o_h%d < (pleat_u64)h%d) { h%d = o_h%d; fa%d = o_fa%d; }\n", q, q,
                        q, q, q, q);
      break;
    case RED_LAST:
      pleat__str_printf(o, "    if (o_li%d > li%d) { li%d = o_li%d; la%d = o_la%d; }\n", q, q, q, q, q, q);
      break;
    case RED_ARGMIN: case RED_ARGMAX:
      /* the smallest (largest) key, ties to the first index: seq's order */
      pleat__str_printf(o, "    if (o_ai%d >= 0 && (ai%d < 0 || o_ak%d %s ak%d || (o_ak%d == ak%d && o_ai%d < ai%d))) "
                        "{ ak%d = o_ak%d; ai%d = o_ai%d; }\n", q, q, q, r->kind == RED_ARGMIN ? "<" : ">",
                        q, q, q, q, q, q, q, q, q);
      break;
    case RED_MEAN: case RED_VAR: case RED_STD:
      pleat__str_printf(o, "    s%d = s%d + o_s%d;\n    t%d = t%d + o_t%d;\n", q, q, q, q, q, q);
      break;
  }
}

/* The votes of a step: bit b of the lanes' vote words as m<b> (a mask of
   lanes), for every lane. */
static void put_votes(pleat__str *o, pleat__dialect d, unsigned nbits) {
  if (d == PLEAT__DIALECT_CUDA) {
    for (unsigned b = 0; b < nbits; b++)
      pleat__str_printf(o, "    unsigned m%u = __ballot_sync(0xffffffffu, (unsigned)(vw >> %u) & 1u);\n", b, b);
    return;
  }
  pleat__str_puts(o, "    barrier(CLK_LOCAL_MEM_FENCE);\n    wsc[lane] = vw;\n    barrier(CLK_LOCAL_MEM_FENCE);\n");
  for (unsigned b = 0; b < nbits; b++) pleat__str_printf(o, "    uint m%u = 0u;\n", b);
  pleat__str_puts(o, "    for (uint j = 0; j < 32u; j++) {\n      pleat_u64 wj = wsc[j];\n");
  for (unsigned b = 0; b < nbits; b++)
    pleat__str_printf(o, "      m%u |= (uint)((wj >> %u) & 1u) << j;\n", b, b);
  pleat__str_puts(o, "    }\n");
}

/* A mean learns K, the leaf's first live element: in source order the
   lowest live lane (mask m<b>) of the first step with one; then it folds
   the step's live values. */
static void put_warp_mean(pleat__str *o, pleat__dialect d, int q, unsigned b) {
  pleat__str_printf(o, "    if (!ks%d && m%u) {\n      pleat_u32 src = ", q, b);
  if (d == PLEAT__DIALECT_CUDA)
    pleat__str_printf(o, "(pleat_u32)(__ffs(m%u) - 1);\n      double kx = __shfl_sync(0xffffffffu, x%d, src);\n", b, q);
  else
    pleat__str_printf(o, "31u - clz(m%u & (0u - m%u));\n"
                      "      barrier(CLK_LOCAL_MEM_FENCE);\n      wsc[lane] = as_ulong(x%d);\n"
                      "      barrier(CLK_LOCAL_MEM_FENCE);\n      double kx = as_double(wsc[src]);\n", b, b, q);
  pleat__str_printf(o, "      K%d = (kx - kx == 0.0) ? kx : 0.0; ks%d = 1;\n    }\n"
                    "    if (lv%d) { double y = x%d - K%d; s%d = s%d + y; t%d = t%d + y * y; n%d++; }\n",
                    q, q, q, q, q, q, q, q, q, q);
}

/* A collect's live elements of the step, stored in source order: lane j's
   goes after the live lanes below it (mask m<b>). */
static void put_warp_collect(pleat__str *o, pleat__dialect d, const pleat__ir_red *r, int q, unsigned b) {
  const char *popc = d == PLEAT__DIALECT_CUDA ? "__popc" : "popcount";
  pleat__str_printf(o, "    if (lc%d) {\n      if (cpass) {\n        pleat_u64 at = cw%d + (pleat_u64)%s(m%u & ((1u << lane) - 1u));\n",
                    q, q, popc, b);
  for (int f = 0; f < r->nin; f++) pleat__str_printf(o, "        co%d_%d[at] = xc%d_%d;\n", q, f, q, f);
  pleat__str_printf(o, "      }\n      n%d++;\n    }\n    cw%d += (pleat_u64)%s(m%u);\n", q, q, popc, b);
}

static bool is_mean(int kind) { return kind == RED_MEAN || kind == RED_VAR || kind == RED_STD; }

static pleat_status put_warp_kernel(pleat__str *o, const pleat__ir *ir, const uint8_t *col_dtypes,
                                    size_t ncols, pleat__dialect d, char *why, size_t whylen) {
  const char *G = global_ptr(d);
  unsigned ipl, lpg;
  pleat__codegen_shape(ir, d, true, &ipl, &lpg);
  wval v[MAX_WVAL + 2];
  size_t nv = warp_values(ir, v);
  bool early = all_early(ir), trap = false;
  for (uint32_t k = 0; k < ir->nins; k++)
    if ((ir->ins[k].op == IR_DIV || ir->ins[k].op == IR_REM) && ir->ins[k].type != PLEAT_F32 &&
        ir->ins[k].type != PLEAT_F64)
      trap = true;
  /* the vote bits: the means' live lanes, the trap, the early reducers' hits */
  unsigned nbits = 0, bit_trap = 0, bit_early = 0;
  unsigned bit_live[64] = {0};
  if (ir->nred > 64) {
    snprintf(why, whylen, "too many reducers for the kernel generator's warp shape");
    return PLEAT_E_UNSUPPORTED;
  }
  for (uint32_t q = 0; q < ir->nred; q++)
    if (is_mean(ir->red[q].kind) || ir->red[q].kind == RED_COLLECT) bit_live[q] = nbits++;
  if (trap) bit_trap = nbits++;
  if (early) {
    bit_early = nbits;
    nbits += ir->nred;
  }
  if (nv > MAX_WVAL || nbits > 64) {
    snprintf(why, whylen, "too many reducers for the kernel generator's warp shape");
    return PLEAT_E_UNSUPPORTED;
  }
  pleat__str_puts(o, "\n/* 32 work items per leaf of 4096 source elements, one per tree lane (codegen.c) */\n");
  put_signature(o, ir, d, true, col_dtypes, ncols);
  if (d == PLEAT__DIALECT_CUDA)
    pleat__str_printf(o, "  unsigned lane = threadIdx.x & 31u;\n"
                      "  pleat_u64 gid = (pleat_u64)blockIdx.x * %uu + (threadIdx.x >> 5);\n", lpg);
  else
    pleat__str_printf(o, "  __local pleat_u64 wsc[%zu];\n  uint lane = (uint)get_local_id(0);\n"
                      "  pleat_u64 gid = get_group_id(0);\n", 32 * nv);
  /* a whole warp (group) leaves together: the exchanges stay uniform */
  pleat__str_puts(o, "  if (gid >= nleaf) return;\n"
                     "  pleat_u64 L = leaf0 + gid, lb = L * 4096u;\n"
                     "  pleat_u64 le = lb + 4096u < n ? lb + 4096u : n;\n"
                     "  pleat_i64 trap_i = -1, trap_k = 0;\n");
  for (uint32_t q = 0; q < ir->nred; q++) {
    const pleat__ir_red *r = &ir->red[q];
    red_decl(o, r, (int)q, true);
    if (r->kind == RED_COLLECT)
      for (int f = 0; f < r->nin; f++)
        pleat__str_printf(o, "  %s xc%u_%d = 0;\n", tname(ir->ins[r->in[f]].type), q, f);
  }
  pleat__str_puts(o, "  for (pleat_u64 i0 = lb; i0 < le; i0 += 32u) {\n"
                     "    pleat_u64 i = i0 + lane;\n");
  for (uint32_t q = 0; q < ir->nred; q++) {
    if (is_mean(ir->red[q].kind)) pleat__str_printf(o, "    lv%u = 0;\n", q);
    if (ir->red[q].kind == RED_COLLECT) pleat__str_printf(o, "    lc%u = 0;\n", q);
  }
  pleat__str_puts(o, "    if (i < le && trap_i < 0) do {\n");
  if (!put_body(o, ir, NULL, d, why, whylen)) return PLEAT_E_UNSUPPORTED;
  for (uint32_t q = 0; q < ir->nred; q++) red_step(o, &ir->red[q], (int)q, true);
  pleat__str_puts(o, "    } while (0);\n");
  if (nbits) {
    pleat__str_puts(o, "    pleat_u64 vw = 0u");
    for (uint32_t q = 0; q < ir->nred; q++) {
      if (is_mean(ir->red[q].kind)) pleat__str_printf(o, " | ((pleat_u64)(lv%u != 0) << %u)", q, bit_live[q]);
      if (ir->red[q].kind == RED_COLLECT)
        pleat__str_printf(o, " | ((pleat_u64)(lc%u != 0) << %u)", q, bit_live[q]);
    }
    if (trap) pleat__str_printf(o, " | ((pleat_u64)(trap_i >= 0) << %u)", bit_trap);
    if (early)
      for (uint32_t q = 0; q < ir->nred; q++)
        pleat__str_printf(o, " | ((pleat_u64)(h%u >= 0) << %u)", q, bit_early + q);
    pleat__str_puts(o, ";\n");
    put_votes(o, d, nbits);
  }
  for (uint32_t q = 0; q < ir->nred; q++) {
    if (is_mean(ir->red[q].kind)) put_warp_mean(o, d, (int)q, bit_live[q]);
    if (ir->red[q].kind == RED_COLLECT) put_warp_collect(o, d, &ir->red[q], (int)q, bit_live[q]);
  }
  /* a trap, or every early reducer decided, in any lane: seq's fold of the
     leaf stops in this step (the host keeps only what comes before) */
  if (trap || early) {
    pleat__str_puts(o, "    if (");
    if (trap) pleat__str_printf(o, "m%u", bit_trap);
    if (trap && early) pleat__str_puts(o, " || ");
    if (early) {
      pleat__str_puts(o, "(1");
      for (uint32_t q = 0; q < ir->nred; q++) pleat__str_printf(o, " && m%u", bit_early + q);
      pleat__str_puts(o, ")");
    }
    pleat__str_puts(o, ") break;\n");
  }
  pleat__str_puts(o, "  }\n  for (unsigned s = 16; s; s >>= 1) {\n");
  put_exchange(o, d, v, nv);
  for (uint32_t q = 0; q < ir->nred; q++) put_combine(o, &ir->red[q], (int)q);
  /* the first trap: the smallest index, -1 (none) as the largest */
  pleat__str_puts(o, "    if ((pleat_u64)o_trap_i < (pleat_u64)trap_i) { trap_i = o_trap_i; trap_k = o_trap_k; }\n  }\n");
  pleat__str_printf(o, "  if (lane != 0) return;\n  %spleat_u64 *row = out + gid * %uu;\n", G,
                    PLEAT__ROW_WORDS(ir->nred));
  for (uint32_t q = 0; q < ir->nred; q++) {
    const pleat__ir_red *r = &ir->red[q];
    if ((r->kind == RED_SUM || r->kind == RED_PROD) && tree_kind(r)) {
      /* red_end's row from the scalar l */
      pleat__str_printf(o, "  row[%u] = pleat_m_bits((double)l%u); row[%u] = 0; row[%u] = (pleat_u64)n%u; row[%u] = 0;\n",
                        4 * q, q, 4 * q + 1, 4 * q + 2, q, 4 * q + 3);
    } else if (is_mean(r->kind)) {
      pleat__str_printf(o, "  row[%u] = pleat_m_bits(K%u); row[%u] = pleat_m_bits(s%u); row[%u] = (pleat_u64)n%u; "
                        "row[%u] = pleat_m_bits(t%u);\n", 4 * q, q, 4 * q + 1, q, 4 * q + 2, q, 4 * q + 3, q);
    } else {
      red_end(o, r, (int)q);
    }
  }
  pleat__str_printf(o, "  row[%u] = (pleat_u64)trap_i; row[%u] = (pleat_u64)trap_k; row[%u] = PLEAT_U64C(0xffffffffffffffff);\n}\n",
                    4 * ir->nred, 4 * ir->nred + 1, 4 * ir->nred + 2);
  return PLEAT_OK;
}

pleat_status pleat__codegen_leaves(const pleat__ir *ir, const uint8_t *col_dtypes, size_t ncols,
                                   pleat__dialect d, bool warp, bool prelude, pleat__str *o,
                                   char *why, size_t whylen) {
  if (!pleat__codegen_supported(ir, why, whylen)) return PLEAT_E_UNSUPPORTED;
  if (pleat__codegen_host_fold(ir)) {
    pleat__ir fir;
    pleat_status st = pleat__codegen_fold_ir(ir, &fir);
    if (st != PLEAT_OK) {
      snprintf(why, whylen, "out of memory");
      return st;
    }
    pleat__str_puts(o, "/* the host folds the reducers: the kernel hands back the stream that reaches\n"
                       "   them, each element's source index and the values they read (codegen_fold.c) */\n");
    st = pleat__codegen_leaves(&fir, col_dtypes, ncols, d, warp, prelude, o, why, whylen);
    pleat__ir_free(&fir);
    return st;
  }
  unsigned ipl, lpg;
  pleat__codegen_shape(ir, d, warp, &ipl, &lpg);
  dialect_head(o, d);
  if (prelude) pleat__codegen_prelude(o);
  dialect_types(o, d);
  return ipl > 1 ? put_warp_kernel(o, ir, col_dtypes, ncols, d, why, whylen)
                 : put_leaf_kernel(o, ir, col_dtypes, ncols, d, why, whylen);
}
