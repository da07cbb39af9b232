/*
** cmp_wide.c -- see cmp_wide.h.  Four (or eight) compares fill one 64-bit
** mask register, one masked byte move writes 64 results.
*/
#include "cmp_wide.h"

#include "ir.h"
#include "pleat.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>

#define W512 __attribute__((target("avx512f,avx512bw")))

/* 16 (or 8) results of one compare, placed at their bits of the 64 */
#define B_AT(LD, W, q) (bc ? bv : LD(b + j + (W) * (q)))
#define K_PS(q, P) ((uint64_t)_mm512_cmp_ps_mask(_mm512_loadu_ps(a + j + 16 * (q)), \
                                                  B_AT(_mm512_loadu_ps, 16, q), P) << (16 * (q)))
#define K_PD(q, P) ((uint64_t)_mm512_cmp_pd_mask(_mm512_loadu_pd(a + j + 8 * (q)), \
                                                  B_AT(_mm512_loadu_pd, 8, q), P) << (8 * (q)))
#define K_D(q, P) ((uint64_t)_mm512_cmp_epi32_mask(_mm512_loadu_si512(a + j + 16 * (q)), \
                                                    B_AT(_mm512_loadu_si512, 16, q), P) << (16 * (q)))
#define K_Q(q, P) ((uint64_t)_mm512_cmp_epi64_mask(_mm512_loadu_si512(a + j + 8 * (q)), \
                                                    B_AT(_mm512_loadu_si512, 8, q), P) << (8 * (q)))
#define K4(K, P) (K(0, P) | K(1, P) | K(2, P) | K(3, P))
#define K8(K, P) (K4(K, P) | K(4, P) | K(5, P) | K(6, P) | K(7, P))

/* One loop per (type, predicate): the predicate is an immediate.  bc: b
   is a constant, read once (its buffer would cost a second stream). */
#define CMP_LOOP(NAME, T, VT, SET1, KS, PRED, OPX)                                \
  W512 static void NAME(uint8_t *r, const T *a, const T *b, bool bc, size_t n) {  \
    const __m512i one = _mm512_set1_epi8(1);                                      \
    const VT bv = SET1(b[0]);                                                     \
    size_t j = 0;                                                                 \
    for (; j + 64 <= n; j += 64)                                                  \
      _mm512_storeu_si512(r + j, _mm512_maskz_mov_epi8(KS, one));                 \
    for (; j < n; j++) r[j] = (uint8_t)(a[j] OPX b[bc ? 0 : j]);                  \
  }

/* C's float comparisons: quiet, ordered except != (unordered: true on NaN) */
#define PREDICATES(X)                                                   \
  X(lt, _CMP_LT_OQ, _MM_CMPINT_LT, <)                                   \
  X(le, _CMP_LE_OQ, _MM_CMPINT_LE, <=)                                  \
  X(gt, _CMP_GT_OQ, _MM_CMPINT_NLE, >)                                  \
  X(ge, _CMP_GE_OQ, _MM_CMPINT_NLT, >=)                                 \
  X(eq, _CMP_EQ_OQ, _MM_CMPINT_EQ, ==)                                  \
  X(ne, _CMP_NEQ_UQ, _MM_CMPINT_NE, !=)

#define DEFINE(SUF, FP, IP, OPX)                         \
  CMP_LOOP(ps_##SUF, float, __m512, _mm512_set1_ps, K4(K_PS, FP), FP, OPX)          \
  CMP_LOOP(pd_##SUF, double, __m512d, _mm512_set1_pd, K8(K_PD, FP), FP, OPX)        \
  CMP_LOOP(d_##SUF, int32_t, __m512i, _mm512_set1_epi32, K4(K_D, IP), IP, OPX)      \
  CMP_LOOP(q_##SUF, int64_t, __m512i, _mm512_set1_epi64, K8(K_Q, IP), IP, OPX)
PREDICATES(DEFINE)
#undef DEFINE

static int have_avx512bw(void) {
  /* 0: not asked yet; 1: yes; 2: no.  Racing first calls store the same. */
  static int state;
  int s = __atomic_load_n(&state, __ATOMIC_RELAXED);
  if (!s) {
    __builtin_cpu_init();
    s = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? 1 : 2;
    __atomic_store_n(&state, s, __ATOMIC_RELAXED);
  }
  return s == 1;
}

bool pleat__cmp_wide(int op, int t, uint8_t *r, const void *a, const void *b, bool b_const,
                     size_t n) {
  if (!have_avx512bw()) return false;
#define CASE(SUF, OPC)                                            \
  case OPC:                                                       \
    switch (t) {                                                  \
      case PLEAT_F32: ps_##SUF(r, a, b, b_const, n); return true;          \
      case PLEAT_F64: pd_##SUF(r, a, b, b_const, n); return true;          \
      case PLEAT_I32: d_##SUF(r, a, b, b_const, n); return true;           \
      case PLEAT_I64: q_##SUF(r, a, b, b_const, n); return true;           \
      default: return false;                                      \
    }
  switch (op) {
    CASE(lt, IR_LT)
    CASE(le, IR_LE)
    CASE(gt, IR_GT)
    CASE(ge, IR_GE)
    CASE(eq, IR_EQ)
    CASE(ne, IR_NE)
    default: return false;
  }
#undef CASE
}

#else

bool pleat__cmp_wide(int op, int t, uint8_t *r, const void *a, const void *b, bool b_const,
                     size_t n) {
  (void)op; (void)t; (void)r; (void)a; (void)b; (void)b_const; (void)n;
  return false;
}

#endif
