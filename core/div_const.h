/*
** div_const.h -- integer / and % by a divisor fixed for a whole run
** (div_const.c): the interpreter uses it when the divisor is a constant.
*/
#ifndef PLEAT_DIV_CONST_H
#define PLEAT_DIV_CONST_H

#include "pleat_int.h"

typedef struct pleat__divc {
  int64_t d;      /* the divisor */
  int64_t magic;  /* multiplier (sign-extended for 32 bits) */
  int shift;
  int bits;       /* 32 or 64 */
} pleat__divc;

/** Prepares division by d in `bits`-bit two's complement (32 or 64); false
    when d is 0 (the caller keeps the trapping path). */
bool pleat__divc_init(pleat__divc *dc, int64_t d, int bits);
/** r[j] = a[j] / d (rem: a[j] % d) for j < n, with C's truncation and the
    library's wrapping rule for MIN / -1; arrays of int32_t or int64_t. */
void pleat__divc_run(const pleat__divc *dc, bool rem, void *r, const void *a, size_t n);

/** x % d == 0 as a multiply and a compare (div_const.c), for a remainder
    that is only compared with 0. */
typedef struct pleat__divt {
  int bits;       /* 32 or 64 */
  int k;          /* |d| = d0 * 2^k, d0 odd */
  uint64_t low;   /* 2^k - 1 */
  uint64_t inv;   /* d0^-1 mod 2^bits */
  uint64_t M;     /* floor(2^(bits-1-k) / d0) */
  bool odd1;      /* d0 == 1: only the low bits decide */
} pleat__divt;

/** Prepares the test for divisor d (not 0) in `bits`-bit integers. */
bool pleat__divt_init(pleat__divt *dt, int64_t d, int bits);
/** r[j] = ((a[j] % d == 0) == eq) for j < n (a: int32_t or int64_t). */
void pleat__divt_run(const pleat__divt *dt, bool eq, uint8_t *r, const void *a, size_t n);

#endif
