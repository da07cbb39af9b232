/* pleat_ops.h — the scalar semantics of pleat's IR operations where C's
 * operators are not already the whole definition: integer division and
 * remainder without a trapping instruction, saturating float-to-int casts,
 * IEEE 754-2019 minimum/maximum, wrapping negation and absolute value.
 *
 * ONE source for every back end, like pleat_math.h (include that first: it
 * gives the dialect layer, pleat_i32 ... pleat_u64 and PLEAT_MFN).  The
 * host interpreter (core/vec_ops.c) calls these in its loops, and the code
 * generator (core/codegen.c) emits calls to them in OpenCL C and CUDA C, so
 * a plan computes the same bits on seq, threads and the GPUs.
 *
 * Integer division by zero yields 0 here; reporting it is the caller's job
 * (only where the element is live and the guard holds).  PoCL and x86
 * disagree on x / 0 and MIN / -1, so nothing here divides by 0 or -1.
 */
#ifndef PLEAT_OPS_H
#define PLEAT_OPS_H

PLEAT_MFN pleat_i32 pleat_o_div_i32(pleat_i32 a, pleat_i32 b) {
  if (b == 0) return 0;
  if (b == -1) return (pleat_i32)(0u - (pleat_u32)a); /* MIN / -1 = MIN */
  return a / b;
}
PLEAT_MFN pleat_i32 pleat_o_rem_i32(pleat_i32 a, pleat_i32 b) {
  if (b == 0 || b == -1) return 0;
  return a % b;
}
PLEAT_MFN pleat_i64 pleat_o_div_i64(pleat_i64 a, pleat_i64 b) {
  if (b == 0) return 0;
  if (b == -1) return (pleat_i64)(PLEAT_U64C(0) - (pleat_u64)a);
  return a / b;
}
PLEAT_MFN pleat_i64 pleat_o_rem_i64(pleat_i64 a, pleat_i64 b) {
  if (b == 0 || b == -1) return 0;
  return a % b;
}

/* Float to int: truncate, saturate, NaN -> 0 (PTX cvt.rzi.sat). */
PLEAT_MFN pleat_i32 pleat_o_f2i32(double x) {
  if (x != x) return 0;
  if (x >= 2147483648.0) return 2147483647;
  if (x <= -2147483649.0) return -2147483647 - 1;
  return (pleat_i32)x;
}
PLEAT_MFN pleat_i64 pleat_o_f2i64(double x) {
  if (x != x) return 0;
  if (x >= 9223372036854775808.0) return (pleat_i64)PLEAT_U64C(0x7fffffffffffffff);
  if (x < -9223372036854775808.0) return (pleat_i64)PLEAT_U64C(0x8000000000000000);
  return (pleat_i64)x;
}

/* IEEE 754-2019 minimum/maximum: NaN propagates, -0 < +0, order-free. */
PLEAT_MFN double pleat_o_min_f64(double a, double b) {
  if (a != a || b != b) return a + b;
  if (a < b) return a;
  if (b < a) return b;
  return pleat_m_signbit(a) ? a : b;
}
PLEAT_MFN double pleat_o_max_f64(double a, double b) {
  if (a != a || b != b) return a + b;
  if (a > b) return a;
  if (b > a) return b;
  return pleat_m_signbit(a) ? b : a;
}
PLEAT_MFN float pleat_o_min_f32(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a < b) return a;
  if (b < a) return b;
  return (pleat_m_bitsf(a) >> 31) ? a : b;
}
PLEAT_MFN float pleat_o_max_f32(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a > b) return a;
  if (b > a) return b;
  return (pleat_m_bitsf(a) >> 31) ? b : a;
}

#endif
