/* pleat_math.h — pleat's own transcendental functions, hash and random numbers.
 *
 * ONE source for every back end: this header compiles as C11 on the host
 * (seq, threads), as OpenCL C (define PLEAT_DIALECT_OPENCL) and as CUDA C
 * (define PLEAT_DIALECT_CUDA). Every function is built only from IEEE basic
 * operations (+ - * / sqrt, all correctly rounded), integer operations, bit
 * casts, comparisons and selects, in a fixed order, with no fma and no
 * contraction — so each function returns the same bits on every back end.
 *
 * Requirements on the compiler: floating-point contraction off
 * (-ffp-contract=off; OpenCL: the pragma below; NVRTC/nvcc: --fmad=false),
 * no fast-math, denormals kept (no -cl-denorms-are-zero, --ftz=false), and
 * FLT_EVAL_METHOD 0 (no x87 excess precision). The f32 functions evaluate in
 * f64 internally, so they need a device with fp64.
 *
 * Accuracy (measured, see docs/math.md): every f64 function within 1 ulp,
 * most within 0.6 ulp; every f32 function correctly rounded except in rare
 * double-rounding cases (max error < 0.5 + 2^-28 ulp).
 * Special values follow C99 Annex F. NaN inputs are returned unchanged; NaN
 * results made from non-NaN inputs are the canonical quiet NaN
 * (0x7ff8000000000000, f32 0x7fc00000).
 *
 * Constants are hex-float literals (exact) or bit patterns.
 * Internal names start with pleat_m_. docs/math.md documents the algorithms.
 */
#ifndef PLEAT_MATH_H
#define PLEAT_MATH_H

/* {==== dialect layer ===================================================== */
#if defined(PLEAT_DIALECT_OPENCL)

#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF
#define PLEAT_MFN static inline
typedef int pleat_i32;
typedef uint pleat_u32;
typedef long pleat_i64;
typedef ulong pleat_u64;
#define PLEAT_U64C(c) c##UL
PLEAT_MFN pleat_u64 pleat_m_bits(double x) { return as_ulong(x); }
PLEAT_MFN double pleat_m_dbl(pleat_u64 b) { return as_double(b); }
PLEAT_MFN pleat_u32 pleat_m_bitsf(float x) { return as_uint(x); }
PLEAT_MFN float pleat_m_flt(pleat_u32 b) { return as_float(b); }
PLEAT_MFN double pleat_m_sqrt(double x) { return sqrt(x); }
PLEAT_MFN float pleat_m_sqrtf(float x) { return sqrt(x); }

#elif defined(PLEAT_DIALECT_CUDA)

#define PLEAT_MFN static __device__ __forceinline__
typedef int pleat_i32;
typedef unsigned int pleat_u32;
typedef long long pleat_i64;
typedef unsigned long long pleat_u64;
#define PLEAT_U64C(c) c##ULL
PLEAT_MFN pleat_u64 pleat_m_bits(double x) { return (pleat_u64)__double_as_longlong(x); }
PLEAT_MFN double pleat_m_dbl(pleat_u64 b) { return __longlong_as_double((long long)b); }
PLEAT_MFN pleat_u32 pleat_m_bitsf(float x) { return __float_as_uint(x); }
PLEAT_MFN float pleat_m_flt(pleat_u32 b) { return __uint_as_float(b); }
/* the _rn intrinsics are IEEE round-to-nearest whatever -prec-sqrt says */
PLEAT_MFN double pleat_m_sqrt(double x) { return __dsqrt_rn(x); }
PLEAT_MFN float pleat_m_sqrtf(float x) { return __fsqrt_rn(x); }

#else /* plain C11 */

#include <stdint.h>
#include <string.h>
#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ != 0 && \
    __FLT_EVAL_METHOD__ != -1
#  error "pleat_math.h needs FLT_EVAL_METHOD 0 (SSE2 arithmetic, not x87)"
#endif
#if defined(__clang__)
#  pragma STDC FP_CONTRACT OFF
#endif
#define PLEAT_MFN static inline
typedef int32_t pleat_i32;
typedef uint32_t pleat_u32;
typedef int64_t pleat_i64;
typedef uint64_t pleat_u64;
#define PLEAT_U64C(c) UINT64_C(c)
PLEAT_MFN pleat_u64 pleat_m_bits(double x) { pleat_u64 b; memcpy(&b, &x, sizeof b); return b; }
PLEAT_MFN double pleat_m_dbl(pleat_u64 b) { double x; memcpy(&x, &b, sizeof x); return x; }
PLEAT_MFN pleat_u32 pleat_m_bitsf(float x) { pleat_u32 b; memcpy(&b, &x, sizeof b); return b; }
PLEAT_MFN float pleat_m_flt(pleat_u32 b) { float x; memcpy(&x, &b, sizeof x); return x; }
#if defined(__GNUC__) || defined(__clang__)
PLEAT_MFN double pleat_m_sqrt(double x) { return __builtin_sqrt(x); }
PLEAT_MFN float pleat_m_sqrtf(float x) { return __builtin_sqrtf(x); }
#else
double sqrt(double);
float sqrtf(float);
PLEAT_MFN double pleat_m_sqrt(double x) { return sqrt(x); }
PLEAT_MFN float pleat_m_sqrtf(float x) { return sqrtf(x); }
#endif

#endif
/* }==== */

/* {==== small helpers ===================================================== */
#define PLEAT_M_SIGN PLEAT_U64C(0x8000000000000000)
#define PLEAT_M_ABS PLEAT_U64C(0x7fffffffffffffff)

PLEAT_MFN double pleat_m_nan(void) { return pleat_m_dbl(PLEAT_U64C(0x7ff8000000000000)); }
PLEAT_MFN double pleat_m_inf(void) { return pleat_m_dbl(PLEAT_U64C(0x7ff0000000000000)); }
PLEAT_MFN float pleat_m_nanf(void) { return pleat_m_flt(0x7fc00000u); }
PLEAT_MFN double pleat_m_fabs(double x) { return pleat_m_dbl(pleat_m_bits(x) & PLEAT_M_ABS); }
/* |x| with the sign bit of s */
PLEAT_MFN double pleat_m_copysign(double x, double s) {
  return pleat_m_dbl((pleat_m_bits(x) & PLEAT_M_ABS) | (pleat_m_bits(s) & PLEAT_M_SIGN));
}
PLEAT_MFN int pleat_m_signbit(double x) { return (int)(pleat_m_bits(x) >> 63); }
PLEAT_MFN int pleat_m_isnan(double x) { return !(x == x); }
/* 2^k for -1022 <= k <= 1023 */
PLEAT_MFN double pleat_m_pow2(pleat_i32 k) { return pleat_m_dbl((pleat_u64)(k + 1023) << 52); }
/* y * 2^k with one rounding (y in [0.5, 4), -1100 < k < 1100); overflows to inf */
PLEAT_MFN double pleat_m_scale(double y, pleat_i32 k) {
  if (k > 1000) return y * 0x1p1000 * pleat_m_pow2(k - 1000);
  if (k < -1000) return y * pleat_m_pow2(k + 1000) * 0x1p-1000;
  return y * pleat_m_pow2(k);
}
/* round to the nearest integer (ties to even), |x| < 2^51 */
PLEAT_MFN double pleat_m_rint(double x) { return (x + 0x1.8p52) - 0x1.8p52; }

/* double-double: value hi + lo, |lo| <= ulp(hi)/2 when normalized */
typedef struct { double hi, lo; } pleat_m_dd;

PLEAT_MFN pleat_m_dd pleat_m_dd_of(double hi, double lo) { pleat_m_dd r; r.hi = hi; r.lo = lo; return r; }
/* exact a + b, |a| >= |b| or a == 0 */
PLEAT_MFN pleat_m_dd pleat_m_fast2sum(double a, double b) {
  double s = a + b;
  return pleat_m_dd_of(s, b - (s - a));
}
/* exact a + b, any order (Knuth) */
PLEAT_MFN pleat_m_dd pleat_m_2sum(double a, double b) {
  double s = a + b;
  double bb = s - a;
  return pleat_m_dd_of(s, (a - (s - bb)) + (b - bb));
}
/* exact a * b (Dekker/Veltkamp; |a|, |b| < 2^995, no underflow of the error) */
PLEAT_MFN pleat_m_dd pleat_m_2prod(double a, double b) {
  double p = a * b;
  double ca = 0x1.0000002p27 * a, cb = 0x1.0000002p27 * b;
  double ah = ca - (ca - a), bh = cb - (cb - b);
  double al = a - ah, bl = b - bh;
  return pleat_m_dd_of(p, ((ah * bh - p) + ah * bl + al * bh) + al * bl);
}
PLEAT_MFN pleat_m_dd pleat_m_dd_neg(pleat_m_dd a) { return pleat_m_dd_of(-a.hi, -a.lo); }
PLEAT_MFN pleat_m_dd pleat_m_dd_add(pleat_m_dd a, pleat_m_dd b) {
  pleat_m_dd s = pleat_m_2sum(a.hi, b.hi);
  pleat_m_dd t = pleat_m_2sum(a.lo, b.lo);
  s = pleat_m_fast2sum(s.hi, s.lo + t.hi);
  return pleat_m_fast2sum(s.hi, s.lo + t.lo);
}
PLEAT_MFN pleat_m_dd pleat_m_dd_add_d(pleat_m_dd a, double b) {
  pleat_m_dd s = pleat_m_2sum(a.hi, b);
  return pleat_m_fast2sum(s.hi, s.lo + a.lo);
}
PLEAT_MFN pleat_m_dd pleat_m_dd_mul(pleat_m_dd a, pleat_m_dd b) {
  pleat_m_dd p = pleat_m_2prod(a.hi, b.hi);
  return pleat_m_fast2sum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}
PLEAT_MFN pleat_m_dd pleat_m_dd_mul_d(pleat_m_dd a, double b) {
  pleat_m_dd p = pleat_m_2prod(a.hi, b);
  return pleat_m_fast2sum(p.hi, p.lo + a.lo * b);
}
PLEAT_MFN pleat_m_dd pleat_m_dd_div(pleat_m_dd a, pleat_m_dd b) {
  double q = a.hi / b.hi;
  pleat_m_dd p = pleat_m_2prod(q, b.hi);
  double r = (((a.hi - p.hi) - p.lo) + a.lo) - q * b.lo;
  return pleat_m_fast2sum(q, r / b.hi);
}
PLEAT_MFN pleat_m_dd pleat_m_dd_sqrt(pleat_m_dd a) {
  double h = pleat_m_sqrt(a.hi);
  pleat_m_dd p;
  if (h == 0.0) return pleat_m_dd_of(h, 0.0);
  p = pleat_m_2prod(h, h);
  return pleat_m_fast2sum(h, (((a.hi - p.hi) - p.lo) + a.lo) / (2.0 * h));
}
/* }==== */

/* {==== constants ========================================================= */
#define PLEAT_M_LN2_CW1 0x1.62e42fefa3800p-1   /* ln 2, 42 bits: k*LN2_CW1 exact */
#define PLEAT_M_LN2_CW2 0x1.ef35793c76730p-45  /* ln 2 - LN2_CW1 */
#define PLEAT_M_LN2_HI 0x1.62e42fefa39efp-1
#define PLEAT_M_LN2_LO 0x1.abc9e3b39803fp-56
#define PLEAT_M_INVLN2 0x1.71547652b82fep+0
#define PLEAT_M_INVLN2_LO 0x1.777d0ffda0d24p-56
#define PLEAT_M_INVLN10 0x1.bcb7b1526e50ep-2
#define PLEAT_M_INVLN10_LO 0x1.95355baaafad3p-57
#define PLEAT_M_PIO2_CW1 0x1.921fb54400000p+0  /* pi/2 in 33-bit pieces */
#define PLEAT_M_PIO2_CW2 0x1.0b4611a600000p-34
#define PLEAT_M_PIO2_CW3 0x1.3198a2e000000p-69
#define PLEAT_M_PIO2_CW4 0x1.b839a252049c1p-104
#define PLEAT_M_PIO2_HI 0x1.921fb54442d18p+0
#define PLEAT_M_PIO2_LO 0x1.1a62633145c07p-54
#define PLEAT_M_PI_HI 0x1.921fb54442d18p+1
#define PLEAT_M_PI_LO 0x1.1a62633145c07p-53
#define PLEAT_M_PIO4_HI 0x1.921fb54442d18p-1
#define PLEAT_M_INV_PIO2 0x1.45f306dc9c883p-1
#define PLEAT_M_TWOPI 0x1.921fb54442d18p+2
/* }==== */

/* {==== exp core ========================================================== */
/* e^(th + tl) = 2^k * (1 + (hi + lo)), for |th| <= 746, |tl| <= 2^-40 |th|.
   Cody-Waite: th = k ln2 + r, |r| <= ln2/2; e^r - 1 = r + r^2/2 + r^3 P3(r). */
typedef struct { double hi, lo; pleat_i32 k; } pleat_m_expr;

PLEAT_MFN pleat_m_expr pleat_m_exp_core(double th, double tl) {
  pleat_m_expr e;
  double kd = pleat_m_rint(th * PLEAT_M_INVLN2);
  double a = th - kd * PLEAT_M_LN2_CW1;          /* exact */
  pleat_m_dd r = pleat_m_2sum(a, tl - kd * PLEAT_M_LN2_CW2);
  double rh = r.hi, rl = r.lo;
  double p = 0x1.1f2b5553cc07bp-29; /* P3(rh) = (e^r - 1 - r - r^2/2) / r^3 */
  p = 0x1.af3cc2c59e780p-26 + rh * p;
  p = 0x1.27e50311a381ap-22 + rh * p;
  p = 0x1.71de0bf24e940p-19 + rh * p;
  p = 0x1.a01a01983504ep-16 + rh * p;
  p = 0x1.a01a01a837172p-13 + rh * p;
  p = 0x1.6c16c16c182d4p-10 + rh * p;
  p = 0x1.111111111091fp-7 + rh * p;
  p = 0x1.5555555555553p-5 + rh * p;
  p = 0x1.5555555555556p-3 + rh * p;
  {
    /* e^(rh+rl) - 1 = rh + rh^2/2 + rh^3 P3(rh) + rl (1 + rh + rh^2/2) + ...
       with rh^2/2 exact */
    pleat_m_dd z = pleat_m_2prod(rh, rh);
    double t = (rh * z.hi) * p;
    pleat_m_dd s = pleat_m_fast2sum(rh, 0.5 * z.hi);
    s = pleat_m_fast2sum(s.hi, s.lo + ((0.5 * z.lo + t) + rl * (1.0 + rh * (1.0 + 0.5 * rh))));
    e.hi = s.hi;
    e.lo = s.lo;
  }
  e.k = (pleat_i32)kd;
  return e;
}
/* 2^k (1 + hi + lo) rounded, with overflow / gradual underflow */
PLEAT_MFN double pleat_m_exp_fin(pleat_m_expr e) {
  pleat_m_dd s = pleat_m_fast2sum(1.0, e.hi);
  return pleat_m_scale(s.hi + (s.lo + e.lo), e.k);
}
/* e^(th+tl) - 1 as a double-double; 0 <= th <= 45 */
PLEAT_MFN pleat_m_dd pleat_m_expm1_core(double th, double tl) {
  pleat_m_expr e = pleat_m_exp_core(th, tl);
  double sc;
  pleat_m_dd s;
  if (e.k == 0) return pleat_m_dd_of(e.hi, e.lo);
  sc = pleat_m_pow2(e.k);
  s = pleat_m_2sum(sc - 1.0, sc * e.hi);
  return pleat_m_fast2sum(s.hi, s.lo + sc * e.lo);
}
/* e^(th+tl) as a double-double; |th| <= 700 */
PLEAT_MFN pleat_m_dd pleat_m_exp_dd(double th, double tl) {
  pleat_m_expr e = pleat_m_exp_core(th, tl);
  double sc = pleat_m_pow2(e.k);
  pleat_m_dd s = pleat_m_fast2sum(1.0, e.hi);
  s = pleat_m_fast2sum(s.hi, s.lo + e.lo);
  return pleat_m_dd_of(s.hi * sc, s.lo * sc);
}
/* }==== */

/* {==== log core ========================================================== */
/* ln(x) as a double-double (relative error about 2^-70), x > 0 finite.
   x = 2^k m, m in [sqrt(2)/2, sqrt(2)); f = m - 1; s = f / (2 + f);
   ln(m) = 2s + 2s^3/3 + 2s^5/5 + ... evaluated in double-double for the
   first terms. */
PLEAT_MFN pleat_m_dd pleat_m_log_core(double x) {
  pleat_u64 b = pleat_m_bits(x);
  pleat_i32 k = 0;
  double m, f, sh, sl, u;
  pleat_m_dd d, p, s, z, t, L, K;
  if (b < PLEAT_U64C(0x0010000000000000)) { /* subnormal */
    b = pleat_m_bits(x * 0x1p54);
    k = -54;
  }
  k += (pleat_i32)(b >> 52) - 1023;
  b = (b & PLEAT_U64C(0x000fffffffffffff)) | PLEAT_U64C(0x3ff0000000000000);
  if (b >= PLEAT_U64C(0x3ff6a09e667f3bcd)) { /* m >= sqrt(2): halve */
    b -= PLEAT_U64C(0x0010000000000000);
    k += 1;
  }
  m = pleat_m_dbl(b);
  f = m - 1.0; /* exact */
  d = pleat_m_2sum(1.0, m);
  sh = f / d.hi;
  p = pleat_m_2prod(sh, d.hi);
  sl = (((f - p.hi) - p.lo) - sh * d.lo) / d.hi;
  s = pleat_m_fast2sum(sh, sl);
  z = pleat_m_dd_mul(s, s);
  /* U = 2/7 + z T(z) */
  u = 0x1.8d7c55720ffd1p-4;
  u = 0x1.84127160ea279p-4 + z.hi * u;
  u = 0x1.af357c31817acp-4 + z.hi * u;
  u = 0x1.e1e1b35b55c80p-4 + z.hi * u;
  u = 0x1.1111113df3e10p-3 + z.hi * u;
  u = 0x1.3b13b13ae9386p-3 + z.hi * u;
  u = 0x1.745d1745d183bp-3 + z.hi * u;
  u = 0x1.c71c71c71c71cp-3 + z.hi * u;
  u = 0x1.2492492492492p-2 + z.hi * u;
  t = pleat_m_dd_add(pleat_m_dd_of(0x1.999999999999ap-2, -0x1.999999999999ap-56),
                     pleat_m_dd_mul_d(z, u));                          /* 2/5 + z U */
  t = pleat_m_dd_add(pleat_m_dd_of(0x1.5555555555555p-1, 0x1.5555555555555p-55),
                     pleat_m_dd_mul(z, t));                            /* 2/3 + ... */
  t = pleat_m_dd_mul(pleat_m_dd_mul(s, z), t);
  L = pleat_m_dd_add(pleat_m_dd_of(2.0 * s.hi, 2.0 * s.lo), t);
  if (k == 0) return L;
  K = pleat_m_2sum((double)k * PLEAT_M_LN2_CW1, (double)k * PLEAT_M_LN2_CW2);
  return pleat_m_dd_add(K, L);
}
/* }==== */

/* {==== trig reduction and kernels ======================================== */
typedef struct { double hi, lo; pleat_i32 q; } pleat_m_red;

/* bits 32i+1 .. 32i+32 of the binary expansion of 2/pi */
PLEAT_MFN pleat_u32 pleat_m_2opi_word(pleat_i32 i) {
  switch (i) {
    case 0: return 0xa2f9836eu; case 1: return 0x4e441529u; case 2: return 0xfc2757d1u;
    case 3: return 0xf534ddc0u; case 4: return 0xdb629599u; case 5: return 0x3c439041u;
    case 6: return 0xfe5163abu; case 7: return 0xdebbc561u; case 8: return 0xb7246e3au;
    case 9: return 0x424dd2e0u; case 10: return 0x06492eeau; case 11: return 0x09d1921cu;
    case 12: return 0xfe1deb1cu; case 13: return 0xb129a73eu; case 14: return 0xe88235f5u;
    case 15: return 0x2ebb4484u; case 16: return 0xe99c7026u; case 17: return 0xb45f7e41u;
    case 18: return 0x3991d639u; case 19: return 0x835339f4u; case 20: return 0x9c845f8bu;
    case 21: return 0xbdf9283bu; case 22: return 0x1ff897ffu; case 23: return 0xde05980fu;
    case 24: return 0xef2f118bu; case 25: return 0x5a0a6d1fu; case 26: return 0x6d367ecfu;
    case 27: return 0x27cb09b7u; case 28: return 0x4f463f66u; case 29: return 0x9e5fea2du;
    case 30: return 0x7527bac7u; case 31: return 0xebe5f17bu; case 32: return 0x3d0739f7u;
    case 33: return 0x8a5292eau; case 34: return 0x6bfb5fb1u; case 35: return 0x1f8d5d08u;
    case 36: return 0x56033046u; case 37: return 0xfc7b6babu; case 38: return 0xf0cfbc20u;
    default: return 0u;
  }
}
/* bits pos .. pos+31 of the 320-bit little-endian number p[0..9] */
PLEAT_MFN pleat_u32 pleat_m_bits32(const pleat_u32 *p, pleat_i32 pos) {
  pleat_i32 l = pos >> 5;
  pleat_u64 w = ((pleat_u64)p[l + 1] << 32) | (pleat_u64)p[l];
  return (pleat_u32)(w >> (pos & 31));
}
/* Payne-Hanek: x mod pi/2 for |x| >= 1.5 2^20 (any finite x), 256 bits of 2/pi */
PLEAT_MFN pleat_m_red pleat_m_rem_pio2_big(double x) {
  pleat_m_red res;
  pleat_u64 b = pleat_m_bits(x) & PLEAT_M_ABS;
  pleat_i32 E = (pleat_i32)(b >> 52) - 1075; /* |x| = M 2^E */
  pleat_u64 M = (b & PLEAT_U64C(0x000fffffffffffff)) | PLEAT_U64C(0x0010000000000000);
  pleat_u32 ml = (pleat_u32)M, mh = (pleat_u32)(M >> 32);
  pleat_i32 j0 = (E - 2 + 64) / 32 - 2; /* word holding bit E-1 */
  pleat_i32 bp = 256 - (E - 32 * j0);  /* binary point of the product */
  pleat_u32 p[10];
  pleat_u32 f[5];
  pleat_u32 w[8];
  pleat_u64 carry = 0;
  pleat_i32 i, q;
  pleat_m_dd fr, r;
  /* p = M * (words j0 .. j0+7 of 2/pi), little-endian 32-bit limbs */
  for (i = 0; i < 8; i++) w[i] = pleat_m_2opi_word(j0 + 7 - i);
  for (i = 0; i < 8; i++) {
    pleat_u64 v = (pleat_u64)w[i] * ml + carry;
    p[i] = (pleat_u32)v;
    carry = v >> 32;
  }
  p[8] = (pleat_u32)carry;
  carry = 0;
  for (i = 0; i < 8; i++) {
    pleat_u64 v = (pleat_u64)w[i] * mh + p[i + 1] + carry;
    p[i + 1] = (pleat_u32)v;
    carry = v >> 32;
  }
  p[9] = (pleat_u32)carry;
  q = (pleat_i32)(pleat_m_bits32(p, bp) & 3u);
  for (i = 0; i < 5; i++) f[i] = pleat_m_bits32(p, bp - 32 * (i + 1));
  if (f[0] & 0x80000000u) { /* fraction >= 1/2: round the quotient up */
    carry = 1;
    q += 1;
    for (i = 4; i >= 0; i--) {
      pleat_u64 v = (pleat_u64)(~f[i]) + carry;
      f[i] = (pleat_u32)v;
      carry = v >> 32;
    }
    fr = pleat_m_dd_of((double)f[4] * 0x1p-160, 0.0);
    for (i = 3; i >= 0; i--) fr = pleat_m_dd_add_d(fr, (double)f[i] * pleat_m_pow2(-32 * (i + 1)));
    fr = pleat_m_dd_neg(fr);
  } else {
    fr = pleat_m_dd_of((double)f[4] * 0x1p-160, 0.0);
    for (i = 3; i >= 0; i--) fr = pleat_m_dd_add_d(fr, (double)f[i] * pleat_m_pow2(-32 * (i + 1)));
  }
  r = pleat_m_dd_mul(fr, pleat_m_dd_of(PLEAT_M_PIO2_HI, PLEAT_M_PIO2_LO));
  if (x < 0.0) {
    r = pleat_m_dd_neg(r);
    q = -q;
  }
  res.hi = r.hi;
  res.lo = r.lo;
  res.q = (pleat_i32)((pleat_u32)q & 3u);
  return res;
}
/* x = q pi/2 + (hi + lo), |hi + lo| <= pi/4 (+ tiny), x finite */
PLEAT_MFN pleat_m_red pleat_m_rem_pio2(double x) {
  pleat_m_red res;
  double ax = pleat_m_fabs(x);
  if (ax <= PLEAT_M_PIO4_HI) {
    res.hi = x;
    res.lo = 0.0;
    res.q = 0;
    return res;
  }
  if (ax < 0x1.8p20) { /* Cody-Waite with pi/2 in 33+33+33+53 bits */
    double kd = pleat_m_rint(x * PLEAT_M_INV_PIO2);
    double a = x - kd * PLEAT_M_PIO2_CW1;                  /* exact */
    pleat_m_dd s1 = pleat_m_2sum(a, -(kd * PLEAT_M_PIO2_CW2)); /* kd*CW2 exact */
    pleat_m_dd s2 = pleat_m_2sum(s1.hi, -(kd * PLEAT_M_PIO2_CW3));
    pleat_m_dd r = pleat_m_fast2sum(s2.hi, (s2.lo + s1.lo) - kd * PLEAT_M_PIO2_CW4);
    res.hi = r.hi;
    res.lo = r.lo;
    res.q = (pleat_i32)((pleat_u32)(pleat_i32)kd & 3u);
    return res;
  }
  return pleat_m_rem_pio2_big(x);
}
/* sin(rh + rl), |rh| <= pi/4, as a double-double */
PLEAT_MFN pleat_m_dd pleat_m_sin_dd(double rh, double rl) {
  pleat_m_dd z = pleat_m_2prod(rh, rh);
  pleat_m_dd t = pleat_m_dd_mul(pleat_m_dd_mul_d(z, rh),
                                pleat_m_dd_of(-0x1.5555555555555p-3, -0x1.5555555555555p-57));
  double zh = z.hi;
  double p = -0x1.ab8fc5ff0729dp-41;
  pleat_m_dd s;
  p = 0x1.6122554f4e5ddp-33 + zh * p;
  p = -0x1.ae64552e5d8dep-26 + zh * p;
  p = 0x1.71de3a550a715p-19 + zh * p;
  p = -0x1.a01a01a019eccp-13 + zh * p;
  p = 0x1.1111111111111p-7 + zh * p;
  p = (rh * (zh * zh)) * p;
  s = pleat_m_fast2sum(rh, t.hi);
  return pleat_m_fast2sum(s.hi, s.lo + ((t.lo + p) + rl * (1.0 - 0.5 * zh)));
}
/* cos(rh + rl), |rh| <= pi/4, as a double-double */
PLEAT_MFN pleat_m_dd pleat_m_cos_dd(double rh, double rl) {
  pleat_m_dd z = pleat_m_2prod(rh, rh);
  double zh = z.hi;
  pleat_m_dd a = pleat_m_fast2sum(1.0, -0.5 * zh);
  double p = 0x1.abe323f2da326p-45;
  p = -0x1.939578c85d8aap-37 + zh * p;
  p = 0x1.1eed8e69cc474p-29 + zh * p;
  p = -0x1.27e4fb775e6a2p-22 + zh * p;
  p = 0x1.a01a01a019f86p-16 + zh * p;
  p = -0x1.6c16c16c16c17p-10 + zh * p;
  p = (zh * zh) * (0x1.5555555555555p-5 + zh * p);
  return pleat_m_fast2sum(a.hi, a.lo + ((p - 0.5 * z.lo) - rh * rl));
}
/* }==== */

/* {==== atan core ========================================================= */
/* atan(v) as a double-double for 0 <= v <= 1 (v a double-double).
   v < 0.2: series; else atan(v) = atan(c) + atan((v - c) / (1 + v c)) with
   c one of three centres, so the series argument stays below 0.1. */
PLEAT_MFN pleat_m_dd pleat_m_atan_core(pleat_m_dd v) {
  pleat_m_dd w, r;
  double c = 0.0, ah = 0.0, al = 0.0, z, t;
  if (v.hi >= 0x1.98p-3) {
    pleat_m_dd num, den, p;
    if (v.hi < 0x1.a8p-2) {
      c = 0x1.36p-2; ah = 0x1.2d04c4c96c935p-2; al = 0x1.b4610db8303bap-59;
    } else if (v.hi < 0x1.56p-1) {
      c = 0x1.12p-1; ah = 0x1.f72b221a4e495p-2; al = 0x1.489c20f7eb740p-58;
    } else {
      c = 0x1.a4p-1; ah = 0x1.5fbf0d0d5cc4ap-1; al = -0x1.b4cfd000b7158p-58;
    }
    num = pleat_m_fast2sum(v.hi - c, v.lo); /* v.hi - c exact */
    p = pleat_m_2prod(v.hi, c);
    den = pleat_m_fast2sum(1.0, p.hi);
    den = pleat_m_fast2sum(den.hi, den.lo + (p.lo + v.lo * c));
    w = pleat_m_dd_div(num, den);
  } else {
    w = v;
  }
  z = w.hi * w.hi;
  t = -0x1.6fa91f7b10f78p-5;
  t = 0x1.dd4da8f0efa31p-5 + z * t;
  t = -0x1.10f9e863cd7fep-4 + z * t;
  t = 0x1.3b1327d1f3b46p-4 + z * t;
  t = -0x1.745d1565567d6p-4 + z * t;
  t = 0x1.c71c71c36aeb3p-4 + z * t;
  t = -0x1.2492492490769p-3 + z * t;
  t = 0x1.999999999998fp-3 + z * t;
  t = -0x1.5555555555555p-2 + z * t;
  t = (w.hi * z) * t;
  r = pleat_m_fast2sum(w.hi, (w.lo - w.lo * z) + t);
  if (c != 0.0) r = pleat_m_dd_add(pleat_m_dd_of(ah, al), r);
  return r;
}
/* atan(n / d) in [0, pi/2] for double-doubles n, d >= 0, not both 0,
   both well inside the exponent range */
PLEAT_MFN pleat_m_dd pleat_m_atan_ratio(pleat_m_dd n, pleat_m_dd d) {
  if (n.hi <= d.hi) return pleat_m_atan_core(pleat_m_dd_div(n, d));
  return pleat_m_dd_add(pleat_m_dd_of(PLEAT_M_PIO2_HI, PLEAT_M_PIO2_LO),
                        pleat_m_dd_neg(pleat_m_atan_core(pleat_m_dd_div(d, n))));
}
/* sqrt(1 - a^2) as a double-double, 0 <= a <= 1 */
PLEAT_MFN pleat_m_dd pleat_m_sqrt1m(double a) {
  return pleat_m_dd_sqrt(pleat_m_dd_mul(pleat_m_2sum(1.0, -a), pleat_m_2sum(1.0, a)));
}
/* }==== */

/* {==== f64 functions ===================================================== */
PLEAT_MFN double pleat_sqrt_f64(double x) {
  if (x < 0.0) return pleat_m_nan();
  return pleat_m_sqrt(x);
}

PLEAT_MFN double pleat_exp_f64(double x) {
  if (pleat_m_isnan(x)) return x;
  if (x > 0x1.62e42fefa39efp+9) return pleat_m_inf();
  if (x < -0x1.75p+9) return 0.0;
  return pleat_m_exp_fin(pleat_m_exp_core(x, 0.0));
}

PLEAT_MFN double pleat_exp2_f64(double x) {
  double kd, f;
  pleat_m_dd t;
  pleat_m_expr e;
  if (pleat_m_isnan(x)) return x;
  if (x >= 1024.0) return pleat_m_inf();
  if (x < -1076.0) return 0.0;
  kd = pleat_m_rint(x);
  f = x - kd; /* exact, |f| <= 1/2 */
  t = pleat_m_2prod(f, PLEAT_M_LN2_HI);
  t = pleat_m_fast2sum(t.hi, t.lo + f * PLEAT_M_LN2_LO);
  e = pleat_m_exp_core(t.hi, t.lo);
  e.k += (pleat_i32)kd;
  return pleat_m_exp_fin(e);
}

PLEAT_MFN double pleat_log_f64(double x) {
  if (pleat_m_isnan(x)) return x;
  if (x < 0.0) return pleat_m_nan();
  if (x == 0.0) return -pleat_m_inf();
  if (x == pleat_m_inf()) return x;
  return pleat_m_log_core(x).hi;
}

PLEAT_MFN double pleat_log2_f64(double x) {
  if (pleat_m_isnan(x)) return x;
  if (x < 0.0) return pleat_m_nan();
  if (x == 0.0) return -pleat_m_inf();
  if (x == pleat_m_inf()) return x;
  return pleat_m_dd_mul(pleat_m_log_core(x), pleat_m_dd_of(PLEAT_M_INVLN2, PLEAT_M_INVLN2_LO)).hi;
}

PLEAT_MFN double pleat_log10_f64(double x) {
  if (pleat_m_isnan(x)) return x;
  if (x < 0.0) return pleat_m_nan();
  if (x == 0.0) return -pleat_m_inf();
  if (x == pleat_m_inf()) return x;
  return pleat_m_dd_mul(pleat_m_log_core(x), pleat_m_dd_of(PLEAT_M_INVLN10, PLEAT_M_INVLN10_LO)).hi;
}

/* 0: y not an integer, 1: odd integer, 2: even integer (y finite) */
PLEAT_MFN int pleat_m_int_kind(double y) {
  double ay = pleat_m_fabs(y);
  pleat_i64 i;
  if (ay >= 0x1p53) return 2;
  i = (pleat_i64)ay;
  if ((double)i != ay) return 0;
  return (i & 1) ? 1 : 2;
}

PLEAT_MFN double pleat_pow_f64(double x, double y) {
  double ax = pleat_m_fabs(x), ay = pleat_m_fabs(y), inf = pleat_m_inf();
  int yk, neg = 0;
  double th, r;
  pleat_m_dd L, T;
  pleat_m_expr e;
  if (y == 0.0) return 1.0;
  if (x == 1.0) return 1.0;
  if (pleat_m_isnan(x)) return x;
  if (pleat_m_isnan(y)) return y;
  if (ay == inf) {
    if (ax == 1.0) return 1.0;
    if ((ax < 1.0) == (y > 0.0)) return 0.0;
    return inf;
  }
  yk = pleat_m_int_kind(y);
  if (x == 0.0) {
    if (y < 0.0) return yk == 1 ? pleat_m_copysign(inf, x) : inf;
    return yk == 1 ? x : 0.0;
  }
  if (ax == inf) {
    if (x > 0.0) return y < 0.0 ? 0.0 : inf;
    if (y < 0.0) return yk == 1 ? -0.0 : 0.0;
    return yk == 1 ? -inf : inf;
  }
  if (x < 0.0) {
    if (yk == 0) return pleat_m_nan();
    neg = (yk == 1);
  }
  L = pleat_m_log_core(ax);
  th = y * L.hi;
  if (th > 710.0) return neg ? -inf : inf;
  if (th < -746.0) return neg ? -0.0 : 0.0;
  T = pleat_m_2prod(y, L.hi);
  T = pleat_m_fast2sum(T.hi, T.lo + y * L.lo);
  e = pleat_m_exp_core(T.hi, T.lo);
  r = pleat_m_exp_fin(e);
  return neg ? -r : r;
}

PLEAT_MFN double pleat_sin_f64(double x) {
  pleat_m_red r;
  pleat_m_dd s;
  if (pleat_m_fabs(x) < 0x1p-26) return x;
  if (!(pleat_m_fabs(x) < pleat_m_inf())) return pleat_m_isnan(x) ? x : pleat_m_nan();
  r = pleat_m_rem_pio2(x);
  s = (r.q & 1) ? pleat_m_cos_dd(r.hi, r.lo) : pleat_m_sin_dd(r.hi, r.lo);
  return (r.q & 2) ? -s.hi : s.hi;
}

PLEAT_MFN double pleat_cos_f64(double x) {
  pleat_m_red r;
  pleat_m_dd s;
  if (pleat_m_fabs(x) < 0x1p-27) return 1.0;
  if (!(pleat_m_fabs(x) < pleat_m_inf())) return pleat_m_isnan(x) ? x : pleat_m_nan();
  r = pleat_m_rem_pio2(x);
  s = (r.q & 1) ? pleat_m_sin_dd(r.hi, r.lo) : pleat_m_cos_dd(r.hi, r.lo);
  return ((r.q + 1) & 2) ? -s.hi : s.hi;
}

PLEAT_MFN double pleat_tan_f64(double x) {
  pleat_m_red r;
  pleat_m_dd s, c;
  if (pleat_m_fabs(x) < 0x1p-27) return x;
  if (!(pleat_m_fabs(x) < pleat_m_inf())) return pleat_m_isnan(x) ? x : pleat_m_nan();
  r = pleat_m_rem_pio2(x);
  s = pleat_m_sin_dd(r.hi, r.lo);
  c = pleat_m_cos_dd(r.hi, r.lo);
  if (r.q & 1) return -pleat_m_dd_div(c, s).hi;
  return pleat_m_dd_div(s, c).hi;
}

PLEAT_MFN double pleat_atan_f64(double x) {
  double a = pleat_m_fabs(x);
  pleat_m_dd r;
  if (pleat_m_isnan(x)) return x;
  if (a < 0x1p-27) return x;
  if (a >= 0x1p60) return pleat_m_copysign(PLEAT_M_PIO2_HI, x);
  if (a <= 1.0) {
    r = pleat_m_atan_core(pleat_m_dd_of(a, 0.0));
  } else {
    r = pleat_m_atan_ratio(pleat_m_dd_of(a, 0.0), pleat_m_dd_of(1.0, 0.0));
  }
  return pleat_m_copysign(r.hi, x);
}

PLEAT_MFN double pleat_atan2_f64(double y, double x) {
  double ax = pleat_m_fabs(x), ay = pleat_m_fabs(y), inf = pleat_m_inf(), r;
  int xneg = pleat_m_signbit(x);
  pleat_m_dd t;
  if (pleat_m_isnan(x)) return x;
  if (pleat_m_isnan(y)) return y;
  if (ay == 0.0) return pleat_m_copysign(xneg ? PLEAT_M_PI_HI : 0.0, y);
  if (ax == 0.0) return pleat_m_copysign(PLEAT_M_PIO2_HI, y);
  if (ay == inf) {
    if (ax == inf) r = xneg ? 0x1.2d97c7f3321d2p+1 : PLEAT_M_PIO4_HI; /* 3pi/4, pi/4 */
    else r = PLEAT_M_PIO2_HI;
    return pleat_m_copysign(r, y);
  }
  if (ax == inf) return pleat_m_copysign(xneg ? PLEAT_M_PI_HI : 0.0, y);
  if (ay < 0x1p-30 * ax) {
    /* atan(v) rounds like v; pi - v in double-double */
    double v = ay / ax;
    if (!xneg) return pleat_m_copysign(v, y);
    t = pleat_m_dd_add_d(pleat_m_dd_of(PLEAT_M_PI_HI, PLEAT_M_PI_LO), -v);
    return pleat_m_copysign(t.hi, y);
  }
  {
    double mx = ax > ay ? ax : ay;
    if (mx > 0x1p500) { ax *= 0x1p-600; ay *= 0x1p-600; }
    else if (mx < 0x1p-500) { ax *= 0x1p600; ay *= 0x1p600; }
  }
  t = pleat_m_atan_ratio(pleat_m_dd_of(ay, 0.0), pleat_m_dd_of(ax, 0.0));
  if (xneg) t = pleat_m_dd_add(pleat_m_dd_of(PLEAT_M_PI_HI, PLEAT_M_PI_LO), pleat_m_dd_neg(t));
  return pleat_m_copysign(t.hi, y);
}

PLEAT_MFN double pleat_asin_f64(double x) {
  double a = pleat_m_fabs(x);
  if (pleat_m_isnan(x)) return x;
  if (a > 1.0) return pleat_m_nan();
  if (a < 0x1p-27) return x;
  return pleat_m_copysign(pleat_m_atan_ratio(pleat_m_dd_of(a, 0.0), pleat_m_sqrt1m(a)).hi, x);
}

PLEAT_MFN double pleat_acos_f64(double x) {
  double a = pleat_m_fabs(x);
  pleat_m_dd t;
  if (pleat_m_isnan(x)) return x;
  if (a > 1.0) return pleat_m_nan();
  t = pleat_m_atan_ratio(pleat_m_sqrt1m(a), pleat_m_dd_of(a, 0.0));
  if (x < 0.0) t = pleat_m_dd_add(pleat_m_dd_of(PLEAT_M_PI_HI, PLEAT_M_PI_LO), pleat_m_dd_neg(t));
  return t.hi;
}

/* e^a / 2 for 22 < a, as exp(a - ln 2) with the argument in double-double */
PLEAT_MFN double pleat_m_half_exp(double a) {
  pleat_m_dd t;
  if (a > 711.0) return pleat_m_inf();
  t = pleat_m_2sum(a, -PLEAT_M_LN2_HI);
  t = pleat_m_fast2sum(t.hi, t.lo - PLEAT_M_LN2_LO);
  return pleat_m_exp_fin(pleat_m_exp_core(t.hi, t.lo));
}

PLEAT_MFN double pleat_sinh_f64(double x) {
  double a = pleat_m_fabs(x);
  pleat_m_dd em, s;
  if (!(a < pleat_m_inf())) return x; /* NaN, +-inf */
  if (a < 0x1p-26) return x;
  if (a > 22.0) return pleat_m_copysign(pleat_m_half_exp(a), x);
  /* sinh a = (em + em / (1 + em)) / 2, em = e^a - 1 */
  em = pleat_m_expm1_core(a, 0.0);
  s = pleat_m_dd_add(em, pleat_m_dd_div(em, pleat_m_dd_add_d(em, 1.0)));
  return pleat_m_copysign(0.5 * s.hi, x);
}

PLEAT_MFN double pleat_cosh_f64(double x) {
  double a = pleat_m_fabs(x);
  pleat_m_dd e, s;
  if (pleat_m_isnan(x)) return x;
  if (a < 0x1p-27) return 1.0;
  if (a > 22.0) return pleat_m_half_exp(a); /* also +inf for +-inf */
  e = pleat_m_exp_dd(a, 0.0);
  s = pleat_m_dd_add(e, pleat_m_dd_div(pleat_m_dd_of(1.0, 0.0), e));
  return 0.5 * s.hi;
}

PLEAT_MFN double pleat_tanh_f64(double x) {
  double a = pleat_m_fabs(x);
  pleat_m_dd em;
  if (pleat_m_isnan(x)) return x;
  if (a < 0x1p-27) return x;
  if (a > 22.0) return pleat_m_copysign(1.0, x);
  /* tanh a = em / (em + 2), em = e^(2a) - 1 */
  em = pleat_m_expm1_core(2.0 * a, 0.0);
  return pleat_m_copysign(pleat_m_dd_div(em, pleat_m_dd_add_d(em, 2.0)).hi, x);
}

PLEAT_MFN double pleat_cbrt_f64(double x) {
  pleat_u64 b = pleat_m_bits(x) & PLEAT_M_ABS;
  pleat_i32 e, q, rr, adj = 0;
  double t, y;
  pleat_m_dd y3;
  if (b == 0 || b >= PLEAT_U64C(0x7ff0000000000000)) return x; /* +-0, inf, NaN */
  if (b < PLEAT_U64C(0x0010000000000000)) { /* subnormal: scale by 2^54 */
    b = pleat_m_bits(pleat_m_fabs(x) * 0x1p54);
    adj = -18;
  }
  e = (pleat_i32)(b >> 52) - 1023;
  q = (e + 1200) / 3 - 400; /* floor(e / 3) */
  rr = e - 3 * q;           /* 0, 1, 2 */
  t = pleat_m_dbl((b & PLEAT_U64C(0x000fffffffffffff)) |
                  ((pleat_u64)(1023 + rr) << 52)); /* [1, 8) */
  y = 0x1.2f32e1c062865p-9;
  y = -0x1.62cbf84fef297p-5 + t * y;
  y = 0x1.7546e4965a745p-2 + t * y;
  y = 0x1.5d05a94a94e3dp-1 + t * y;
  y = y + (t / (y * y) - y) * 0x1.5555555555555p-2;
  y = y + (t / (y * y) - y) * 0x1.5555555555555p-2;
  y = y + (t / (y * y) - y) * 0x1.5555555555555p-2;
  /* last step with the residual y^3 - t in double-double */
  y3 = pleat_m_dd_mul_d(pleat_m_2prod(y, y), y);
  y = y - (((y3.hi - t) + y3.lo) / (3.0 * (y * y)));
  y = y * pleat_m_pow2(q + adj);
  return pleat_m_copysign(y, x);
}

PLEAT_MFN double pleat_hypot_f64(double x, double y) {
  double ax = pleat_m_fabs(x), ay = pleat_m_fabs(y), inf = pleat_m_inf();
  double a, b, sc = 1.0, un = 1.0;
  pleat_m_dd s;
  if (ax == inf || ay == inf) return inf;
  if (pleat_m_isnan(x)) return x;
  if (pleat_m_isnan(y)) return y;
  a = ax > ay ? ax : ay;
  b = ax > ay ? ay : ax;
  if (b == 0.0 || a > 0x1p27 * b) return a;
  if (a > 0x1p500) { sc = 0x1p-600; un = 0x1p600; }
  else if (b < 0x1p-500) { sc = 0x1p600; un = 0x1p-600; }
  a *= sc;
  b *= sc;
  s = pleat_m_dd_add(pleat_m_2prod(a, a), pleat_m_2prod(b, b));
  s = pleat_m_dd_sqrt(s);
  return s.hi * un;
}
/* }==== */

/* {==== f32 functions: evaluated in f64, rounded once to f32 ============== */
PLEAT_MFN float pleat_m_to_f32(double r) {
  if (pleat_m_isnan(r)) return pleat_m_nanf();
  return (float)r;
}
#define PLEAT_M_F32_1(name)                                          \
  PLEAT_MFN float pleat_##name##_f32(float x) {                      \
    if (!(x == x)) return x;                                         \
    return pleat_m_to_f32(pleat_##name##_f64((double)x));            \
  }
#define PLEAT_M_F32_2(name)                                          \
  PLEAT_MFN float pleat_##name##_f32(float x, float y) {             \
    double r = pleat_##name##_f64((double)x, (double)y);             \
    if (!(r == r)) return !(x == x) ? x : !(y == y) ? y : pleat_m_nanf(); \
    return (float)r;                                                 \
  }
PLEAT_MFN float pleat_sqrt_f32(float x) {
  if (x < 0.0f) return pleat_m_nanf();
  return pleat_m_sqrtf(x);
}
PLEAT_M_F32_1(exp)
PLEAT_M_F32_1(exp2)
PLEAT_M_F32_1(log)
PLEAT_M_F32_1(log2)
PLEAT_M_F32_1(log10)
PLEAT_M_F32_1(sin)
PLEAT_M_F32_1(cos)
PLEAT_M_F32_1(tan)
PLEAT_M_F32_1(asin)
PLEAT_M_F32_1(acos)
PLEAT_M_F32_1(atan)
PLEAT_M_F32_1(sinh)
PLEAT_M_F32_1(cosh)
PLEAT_M_F32_1(tanh)
PLEAT_M_F32_1(cbrt)
PLEAT_M_F32_2(pow)
PLEAT_M_F32_2(atan2)
PLEAT_M_F32_2(hypot)
#undef PLEAT_M_F32_1
#undef PLEAT_M_F32_2
/* }==== */

/* {==== hash and counter-based random numbers ============================= */
/* splitmix64's finalizer */
PLEAT_MFN pleat_u64 pleat_hash_u64(pleat_u64 v) {
  pleat_u64 z = v + PLEAT_U64C(0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * PLEAT_U64C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * PLEAT_U64C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
/* top 53 bits of hash(v): a multiple of 2^-53 in [0, 1) */
PLEAT_MFN double pleat_uniform_f64(pleat_i64 v) {
  return (double)(pleat_hash_u64((pleat_u64)v) >> 11) * 0x1p-53;
}
/* element i of the uniform stream with this seed */
PLEAT_MFN double pleat_uniform_seeded_f64(pleat_u64 seed, pleat_i64 i) {
  return (double)(pleat_hash_u64(seed ^ pleat_hash_u64((pleat_u64)i)) >> 11) * 0x1p-53;
}
/* element i of the standard normal stream with this seed (Box-Muller) */
PLEAT_MFN double pleat_normal_f64(pleat_u64 seed, pleat_i64 i) {
  pleat_u64 h1 = pleat_hash_u64(seed ^ pleat_hash_u64((pleat_u64)i));
  pleat_u64 h2 = pleat_hash_u64(h1);
  double u1 = (double)((h1 >> 11) + 1) * 0x1p-53; /* (0, 1] */
  double u2 = (double)(h2 >> 11) * 0x1p-53;       /* [0, 1) */
  return pleat_m_sqrt(-2.0 * pleat_log_f64(u1)) * pleat_cos_f64(PLEAT_M_TWOPI * u2);
}
/* }==== */

#endif /* PLEAT_MATH_H */
