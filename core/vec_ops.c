/*
** vec_ops.c -- the semantics of every pure IR op, as loops over n elements.
** The interpreter calls it chunk by chunk; the constant folder calls it with
** n = 1, so a folded constant can never disagree with the same expression
** evaluated at run time.  Written as plain loops the compiler vectorises;
** the entry point is cloned for AVX2 and AVX-512 and picked at load time,
** so the default build stays portable (no -march=native).
*/
#include <math.h>

#include "ast.h"
#include "cmp_wide.h"
#include "ir.h"
#include "pleat_math.h" /* kernels/: one source for every back end */
#include "pleat_ops.h"

const pleat__ir_opinfo pleat__ir_ops[IR_COUNT_] = {
#define PURE IRF_PURE
#define TRAP (IRF_PURE | IRF_TRAP)
#define STAGE IRF_STAGE
#define STATE IRF_STATE
#define EARLY IRF_EARLY
#define SEG IRF_SEG
#define X(name, nargs, rule, flags, meaning) \
  {#name, nargs, IRR_##rule, (uint8_t)(flags), meaning},
#include "ir_ops.def"
#undef X
#undef PURE
#undef TRAP
#undef STAGE
#undef STATE
#undef EARLY
#undef SEG
};

/* The ops whose semantics are more than a C operator live in
   kernels/pleat_ops.h, shared with the generated kernels. */
#define min19_d pleat_o_min_f64
#define max19_d pleat_o_max_f64
#define min19_f pleat_o_min_f32
#define max19_f pleat_o_max_f32
#define f2i32 pleat_o_f2i32
#define f2i64 pleat_o_f2i64

#define LOOP1(T, E) do { T *R = r; const T *A = a; (void)A; \
    for (size_t j = 0; j < n; j++) R[j] = (E); } while (0)
#define LOOP2(T, E) do { T *R = r; const T *A = a, *B = b; \
    for (size_t j = 0; j < n; j++) R[j] = (E); } while (0)
#define CMP(T, E) do { uint8_t *R = r; const T *A = a, *B = b; (void)B; \
    for (size_t j = 0; j < n; j++) R[j] = (uint8_t)(E); } while (0)

/* Integer ops through unsigned types so overflow wraps without UB. */
#define IARITH(T, U, OPX) LOOP2(T, (T)((U)A[j] OPX (U)B[j]))

#define BY_NUM(ty, I32, I64, F32, F64) \
  switch (ty) { case PLEAT_I32: I32; break; case PLEAT_I64: I64; break; \
    case PLEAT_F32: F32; break; case PLEAT_F64: F64; break; default: return false; }
#define BY_INT(ty, B, I32, I64) \
  switch (ty) { case PLEAT_BOOL: B; break; case PLEAT_I32: I32; break; \
    case PLEAT_I64: I64; break; default: return false; }
#define BY_FLT(ty, F32, F64) \
  switch (ty) { case PLEAT_F32: F32; break; case PLEAT_F64: F64; break; default: return false; }
#define BY_ALL(ty, B, I32, I64, F32, F64) \
  switch (ty) { case PLEAT_BOOL: B; break; case PLEAT_I32: I32; break; \
    case PLEAT_I64: I64; break; case PLEAT_F32: F32; break; \
    case PLEAT_F64: F64; break; default: return false; }

#define FN1(name) BY_FLT(t, LOOP1(float, pleat_##name##_f32(A[j])), \
                            LOOP1(double, pleat_##name##_f64(A[j])))
#define FN2(name) BY_FLT(t, LOOP2(float, pleat_##name##_f32(A[j], B[j])), \
                            LOOP2(double, pleat_##name##_f64(A[j], B[j])))

/* Integer division and remainder: never a trapping instruction (PoCL and
   x86 disagree on x / 0 and MIN / -1); a zero divisor yields 0 and is
   reported if the element is live and its guard holds. */
#define IDIV(T, FN) do { T *R = r; const T *A = a, *B = b; \
    for (size_t j = 0; j < n; j++) { \
      if (B[j] == 0 && *trap < 0 && (!mask || mask[j]) && (!guard || guard[j])) *trap = (int64_t)j; \
      R[j] = FN(A[j], B[j]); \
    } } while (0)

PLEAT_CLONES
static bool cast_op(int to, int from, void *r, const void *a, size_t n) {
#define CFROM(TO, CONV) \
  switch (from) { \
    case PLEAT_BOOL: { TO *R = r; const uint8_t *A = a; for (size_t j = 0; j < n; j++) R[j] = CONV(A[j]); } break; \
    case PLEAT_I32: { TO *R = r; const int32_t *A = a; for (size_t j = 0; j < n; j++) R[j] = CONV(A[j]); } break; \
    case PLEAT_I64: { TO *R = r; const int64_t *A = a; for (size_t j = 0; j < n; j++) R[j] = CONV(A[j]); } break; \
    case PLEAT_F32: { TO *R = r; const float *A = a; for (size_t j = 0; j < n; j++) R[j] = CONV##_F(A[j]); } break; \
    case PLEAT_F64: { TO *R = r; const double *A = a; for (size_t j = 0; j < n; j++) R[j] = CONV##_F(A[j]); } break; \
    default: return false; }
#define TO_B(x) ((uint8_t)((x) != 0))
#define TO_B_F(x) ((uint8_t)((x) != 0))
#define TO_I32(x) ((int32_t)(uint32_t)(uint64_t)(int64_t)(x))
#define TO_I32_F(x) f2i32((double)(x))
#define TO_I64(x) ((int64_t)(x))
#define TO_I64_F(x) f2i64((double)(x))
#define TO_F32(x) ((float)(x))
#define TO_F32_F(x) ((float)(x))
#define TO_F64(x) ((double)(x))
#define TO_F64_F(x) ((double)(x))
  switch (to) {
    case PLEAT_BOOL: CFROM(uint8_t, TO_B) break;
    case PLEAT_I32: CFROM(int32_t, TO_I32) break;
    case PLEAT_I64: CFROM(int64_t, TO_I64) break;
    case PLEAT_F32: CFROM(float, TO_F32) break;
    case PLEAT_F64: CFROM(double, TO_F64) break;
    default: return false;
  }
  return true;
}


PLEAT_CLONES
bool pleat__eval_op(const pleat__ir_ins *ins, const uint8_t *tys, void *r,
                    const void *a, const void *b, const void *c,
                    const uint8_t *guard, const uint8_t *mask, size_t n,
                    int64_t *trap) {
  int t = tys[0]; /* operand type */
  switch ((int)ins->op) {
    case IR_NEG:
      BY_NUM(t, LOOP1(int32_t, (int32_t)(0u - (uint32_t)A[j])),
             LOOP1(int64_t, (int64_t)(0ull - (uint64_t)A[j])),
             LOOP1(float, -A[j]), LOOP1(double, -A[j]));
      return true;
    case IR_ADD:
      BY_NUM(t, IARITH(int32_t, uint32_t, +), IARITH(int64_t, uint64_t, +),
             LOOP2(float, A[j] + B[j]), LOOP2(double, A[j] + B[j]));
      return true;
    case IR_SUB:
      BY_NUM(t, IARITH(int32_t, uint32_t, -), IARITH(int64_t, uint64_t, -),
             LOOP2(float, A[j] - B[j]), LOOP2(double, A[j] - B[j]));
      return true;
    case IR_MUL:
      BY_NUM(t, IARITH(int32_t, uint32_t, *), IARITH(int64_t, uint64_t, *),
             LOOP2(float, A[j] * B[j]), LOOP2(double, A[j] * B[j]));
      return true;
    case IR_DIV:
      BY_NUM(t, IDIV(int32_t, pleat_o_div_i32), IDIV(int64_t, pleat_o_div_i64),
             LOOP2(float, A[j] / B[j]), LOOP2(double, A[j] / B[j]));
      return true;
    case IR_REM:
      BY_NUM(t, IDIV(int32_t, pleat_o_rem_i32), IDIV(int64_t, pleat_o_rem_i64),
             LOOP2(float, fmodf(A[j], B[j])), LOOP2(double, fmod(A[j], B[j])));
      return true;
    case IR_SHL:
      BY_INT(t, return false,
             LOOP2(int32_t, (int32_t)((uint32_t)A[j] << ((uint32_t)B[j] & 31u))),
             LOOP2(int64_t, (int64_t)((uint64_t)A[j] << ((uint64_t)B[j] & 63u))));
      return true;
    case IR_SHR:
      BY_INT(t, return false,
             LOOP2(int32_t, (int32_t)(A[j] >> ((uint32_t)B[j] & 31u))),
             LOOP2(int64_t, (int64_t)(A[j] >> ((uint64_t)B[j] & 63u))));
      return true;
    case IR_BAND:
      BY_INT(t, LOOP2(uint8_t, A[j] & B[j]), LOOP2(int32_t, A[j] & B[j]),
             LOOP2(int64_t, A[j] & B[j]));
      return true;
    case IR_BOR:
      BY_INT(t, LOOP2(uint8_t, A[j] | B[j]), LOOP2(int32_t, A[j] | B[j]),
             LOOP2(int64_t, A[j] | B[j]));
      return true;
    case IR_BXOR:
      BY_INT(t, LOOP2(uint8_t, A[j] ^ B[j]), LOOP2(int32_t, A[j] ^ B[j]),
             LOOP2(int64_t, A[j] ^ B[j]));
      return true;
    case IR_BNOT:
      BY_INT(t, return false, LOOP1(int32_t, ~A[j]), LOOP1(int64_t, ~A[j]));
      return true;
    case IR_NOT:
      LOOP1(uint8_t, (uint8_t)!A[j]);
      return true;
#define CMPOP(OPC, OPX) \
    case OPC: \
      if (n >= 64 && pleat__cmp_wide(OPC, t, r, a, b, false, n)) return true; \
      BY_ALL(t, CMP(uint8_t, A[j] OPX B[j]), CMP(int32_t, A[j] OPX B[j]), \
             CMP(int64_t, A[j] OPX B[j]), CMP(float, A[j] OPX B[j]), \
             CMP(double, A[j] OPX B[j])); \
      return true;
    CMPOP(IR_LT, <)
    CMPOP(IR_LE, <=)
    CMPOP(IR_GT, >)
    CMPOP(IR_GE, >=)
    CMPOP(IR_EQ, ==)
    CMPOP(IR_NE, !=)
#undef CMPOP
    case IR_SELECT: {
      /* a is the bool condition; b, c the values, of type tys[1] */
      const uint8_t *C0 = a;
      int vt = tys[1];
      const void *bb = b, *cc = c;
#define SEL(T) do { T *R = r; const T *X = bb, *Y = cc; \
        for (size_t j = 0; j < n; j++) R[j] = C0[j] ? X[j] : Y[j]; } while (0)
      BY_ALL(vt, SEL(uint8_t), SEL(int32_t), SEL(int64_t), SEL(float), SEL(double));
#undef SEL
      return true;
    }
    case IR_CAST:
      return cast_op(ins->type, ins->aux, r, a, n);
    case IR_ABS:
      BY_NUM(t, LOOP1(int32_t, A[j] < 0 ? (int32_t)(0u - (uint32_t)A[j]) : A[j]),
             LOOP1(int64_t, A[j] < 0 ? (int64_t)(0ull - (uint64_t)A[j]) : A[j]),
             LOOP1(float, fabsf(A[j])), LOOP1(double, fabs(A[j])));
      return true;
    case IR_MIN:
      BY_NUM(t, LOOP2(int32_t, A[j] < B[j] ? A[j] : B[j]),
             LOOP2(int64_t, A[j] < B[j] ? A[j] : B[j]),
             LOOP2(float, min19_f(A[j], B[j])), LOOP2(double, min19_d(A[j], B[j])));
      return true;
    case IR_MAX:
      BY_NUM(t, LOOP2(int32_t, A[j] > B[j] ? A[j] : B[j]),
             LOOP2(int64_t, A[j] > B[j] ? A[j] : B[j]),
             LOOP2(float, max19_f(A[j], B[j])), LOOP2(double, max19_d(A[j], B[j])));
      return true;
    case IR_SQRT: BY_FLT(t, LOOP1(float, sqrtf(A[j])), LOOP1(double, sqrt(A[j]))); return true;
    case IR_CBRT: FN1(cbrt); return true;
    case IR_EXP: FN1(exp); return true;
    case IR_EXP2: FN1(exp2); return true;
    case IR_LOG: FN1(log); return true;
    case IR_LOG2: FN1(log2); return true;
    case IR_LOG10: FN1(log10); return true;
    case IR_POW: FN2(pow); return true;
    case IR_SIN: FN1(sin); return true;
    case IR_COS: FN1(cos); return true;
    case IR_TAN: FN1(tan); return true;
    case IR_ASIN: FN1(asin); return true;
    case IR_ACOS: FN1(acos); return true;
    case IR_ATAN: FN1(atan); return true;
    case IR_ATAN2: FN2(atan2); return true;
    case IR_SINH: FN1(sinh); return true;
    case IR_COSH: FN1(cosh); return true;
    case IR_TANH: FN1(tanh); return true;
    case IR_HYPOT: FN2(hypot); return true;
    case IR_FLOOR: BY_FLT(t, LOOP1(float, floorf(A[j])), LOOP1(double, floor(A[j]))); return true;
    case IR_CEIL: BY_FLT(t, LOOP1(float, ceilf(A[j])), LOOP1(double, ceil(A[j]))); return true;
    case IR_ROUND: BY_FLT(t, LOOP1(float, roundf(A[j])), LOOP1(double, round(A[j]))); return true;
    case IR_TRUNC: BY_FLT(t, LOOP1(float, truncf(A[j])), LOOP1(double, trunc(A[j]))); return true;
    case IR_FMA: {
      const void *cc = c;
#define FMAL(T, F) do { T *R = r; const T *A = a, *B = b, *C = cc; \
        for (size_t j = 0; j < n; j++) R[j] = F(A[j], B[j], C[j]); } while (0)
      BY_FLT(t, FMAL(float, fmaf), FMAL(double, fma));
#undef FMAL
      return true;
    }
    case IR_ISNAN:
      BY_FLT(t, CMP(float, A[j] != A[j]), CMP(double, A[j] != A[j]));
      return true;
    case IR_ISINF:
      BY_FLT(t, CMP(float, isinf(A[j]) != 0), CMP(double, isinf(A[j]) != 0));
      return true;
    case IR_HASH: {
      int64_t *R = r;
      const int64_t *A = a;
      for (size_t j = 0; j < n; j++) R[j] = (int64_t)pleat_hash_u64((uint64_t)A[j]);
      return true;
    }
    case IR_UNIFORM: {
      double *R = r;
      const int64_t *A = a;
      for (size_t j = 0; j < n; j++) R[j] = pleat_uniform_f64(A[j]);
      return true;
    }
    default:
      return false;
  }
}

/* Arithmetic with one constant side, the constant held in a register. */
#define KLOOP(T, E) do { T *R = r; const T *A = a; const T K = *(const T *)k; \
    for (size_t j = 0; j < n; j++) R[j] = (E); } while (0)
#define KARITH(OPX) \
  switch (t) { \
    case PLEAT_I32: \
      if (k_left) KLOOP(int32_t, (int32_t)((uint32_t)K OPX (uint32_t)A[j])); \
      else KLOOP(int32_t, (int32_t)((uint32_t)A[j] OPX (uint32_t)K)); \
      return true; \
    case PLEAT_I64: \
      if (k_left) KLOOP(int64_t, (int64_t)((uint64_t)K OPX (uint64_t)A[j])); \
      else KLOOP(int64_t, (int64_t)((uint64_t)A[j] OPX (uint64_t)K)); \
      return true; \
    case PLEAT_F32: \
      if (k_left) KLOOP(float, K OPX A[j]); else KLOOP(float, A[j] OPX K); \
      return true; \
    case PLEAT_F64: \
      if (k_left) KLOOP(double, K OPX A[j]); else KLOOP(double, A[j] OPX K); \
      return true; \
    default: return false; \
  }

PLEAT_CLONES
bool pleat__eval_const_op(int op, int t, void *r, const void *a, const void *k, bool k_left,
                          size_t n) {
  switch (op) {
    case IR_ADD: KARITH(+)
    case IR_SUB: KARITH(-)
    case IR_MUL: KARITH(*)
    default: return false;
  }
}
