/*
** div_const.c -- integer division and remainder by a divisor known when the
** plan runs (`x % 7`), as a multiply by a magic reciprocal.
**
** A hardware 64-bit idiv costs tens of cycles and never vectorises; the
** multiply-high form costs a few.  The magic number and shift are the ones
** of Granlund & Montgomery (PLDI 1994) for signed division truncating toward
** zero, found by the search of Warren's Hacker's Delight §10-1: the smallest
** p >= width with 2^p > nc * (|d| - 2^p mod |d|), where nc is the largest
** dividend with nc mod |d| = |d| - 1.  The results are exactly C's / and %
** (truncation), checked against them in tests/core/test_div_const.c.
*/
#include "div_const.h"

bool pleat__divc_init(pleat__divc *dc, int64_t d, int bits) {
  memset(dc, 0, sizeof *dc);
  dc->d = d;
  dc->bits = bits;
  if (d == 0) return false;
  if (d == 1 || d == -1) return true; /* no magic: x or -x */
  uint64_t two = (uint64_t)1 << (bits - 1);
  uint64_t ad = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
  if (bits == 32) ad &= 0xffffffffu;
  uint64_t t = two + (d < 0); /* 2^(w-1), or 2^(w-1) + 1 for d < 0 */
  uint64_t anc = t - 1 - t % ad;
  int p = bits - 1;
  uint64_t q1 = two / anc, r1 = two - q1 * anc;
  uint64_t q2 = two / ad, r2 = two - q2 * ad;
  uint64_t mask = bits == 64 ? UINT64_MAX : 0xffffffffu;
  uint64_t delta;
  do {
    p++;
    q1 = (2 * q1) & mask;
    r1 = (2 * r1) & mask;
    if (r1 >= anc) { q1 = (q1 + 1) & mask; r1 -= anc; }
    q2 = (2 * q2) & mask;
    r2 = (2 * r2) & mask;
    if (r2 >= ad) { q2 = (q2 + 1) & mask; r2 -= ad; }
    delta = ad - r2;
  } while (q1 < delta || (q1 == delta && r1 == 0));
  uint64_t m = (q2 + 1) & mask;
  if (d < 0) m = ((uint64_t)0 - m) & mask;
  dc->magic = bits == 64 ? (int64_t)m : (int64_t)(int32_t)(uint32_t)m;
  dc->shift = p - bits;
  return true;
}

/* q = x / d, truncated, for |d| >= 2: the high half of magic * x, corrected
   by +-x when the magic's sign differs from d's (adj), shifted, plus one for
   a negative quotient.  Everything a loop needs is in locals, so it stays
   in registers. */
/* The signed high half of a * b from four 32 x 32 -> 64 products: the form
   the vectoriser knows (vpmuludq), where a 128-bit multiply stays scalar. */
static inline int64_t mulhs64(int64_t a, int64_t b) {
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  uint64_t al = ua & 0xffffffffu, ah = ua >> 32, bl = ub & 0xffffffffu, bh = ub >> 32;
  uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  /* unsigned to signed: subtract b where a < 0 and a where b < 0 */
  hi -= ub & ((uint64_t)0 - (ua >> 63));
  hi -= ua & ((uint64_t)0 - (ub >> 63));
  return (int64_t)hi;
}

static inline int64_t q64(int64_t magic, int shift, int adj, int64_t x) {
  int64_t q = mulhs64(magic, x);
  if (adj > 0) q = (int64_t)((uint64_t)q + (uint64_t)x);
  if (adj < 0) q = (int64_t)((uint64_t)q - (uint64_t)x);
  q >>= shift;
  return (int64_t)((uint64_t)q + ((uint64_t)q >> 63));
}

static inline int32_t q32(int64_t magic, int shift, int adj, int32_t x) {
  int32_t q = (int32_t)((magic * (int64_t)x) >> 32);
  if (adj > 0) q = (int32_t)((uint32_t)q + (uint32_t)x);
  if (adj < 0) q = (int32_t)((uint32_t)q - (uint32_t)x);
  q >>= shift;
  return (int32_t)((uint32_t)q + ((uint32_t)q >> 31));
}

#define DIVLOOP(T, UT, QF, ADJ)                                                \
  do {                                                                         \
    if (rem)                                                                   \
      for (size_t j = 0; j < n; j++)                                           \
        R[j] = (T)((UT)A[j] - (UT)QF(magic, shift, ADJ, A[j]) * d);            \
    else                                                                       \
      for (size_t j = 0; j < n; j++) R[j] = QF(magic, shift, ADJ, A[j]);       \
  } while (0)

PLEAT_CLONES
void pleat__divc_run(const pleat__divc *dc, bool rem, void *r, const void *a, size_t n) {
  int64_t magic = dc->magic;
  int shift = dc->shift;
  int adj = dc->d > 0 && magic < 0 ? 1 : dc->d < 0 && magic > 0 ? -1 : 0;
  if (dc->bits == 64) {
    int64_t *R = r;
    const int64_t *A = a;
    uint64_t d = (uint64_t)dc->d;
    if (dc->d == 1 || dc->d == -1) {
      /* x / -1 wraps (INT64_MIN / -1 = INT64_MIN); x % +-1 = 0 */
      for (size_t j = 0; j < n; j++)
        R[j] = rem ? 0 : dc->d == 1 ? A[j] : (int64_t)((uint64_t)0 - (uint64_t)A[j]);
      return;
    }
    if (adj > 0) DIVLOOP(int64_t, uint64_t, q64, 1);
    else if (adj < 0) DIVLOOP(int64_t, uint64_t, q64, -1);
    else DIVLOOP(int64_t, uint64_t, q64, 0);
  } else {
    int32_t *R = r;
    const int32_t *A = a;
    uint32_t d = (uint32_t)dc->d;
    if (dc->d == 1 || dc->d == -1) {
      for (size_t j = 0; j < n; j++)
        R[j] = rem ? 0 : dc->d == 1 ? A[j] : (int32_t)(0u - (uint32_t)A[j]);
      return;
    }
    if (adj > 0) DIVLOOP(int32_t, uint32_t, q32, 1);
    else if (adj < 0) DIVLOOP(int32_t, uint32_t, q32, -1);
    else DIVLOOP(int32_t, uint32_t, q32, 0);
  }
}

/* ---- divisibility ------------------------------------------------------------ */

/* x % d == 0 without the remainder.  With |d| = d0 * 2^k, d0 odd: x must end
   in k zero bits, and t = (x >> k) * d0^-1 (mod 2^w), read as signed, must
   be a quotient in range: the multiples of d0 among w-k bit signed values
   are exactly d0 * t for |t| <= M = floor(2^(w-1-k) / d0), and
   multiplying by the inverse maps each to its t (and every non-multiple
   outside that range).  So the test is one multiply, an add and a
   compare: (t + M) <= 2M, unsigned. */
bool pleat__divt_init(pleat__divt *dt, int64_t d, int bits) {
  memset(dt, 0, sizeof *dt);
  if (d == 0) return false;
  dt->bits = bits;
  uint64_t mask = bits == 64 ? UINT64_MAX : 0xffffffffu;
  uint64_t ad = (d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d) & mask;
  int k = 0;
  while (!(ad & 1)) { ad >>= 1; k++; }
  dt->k = k;
  dt->low = k ? (((uint64_t)1 << k) - 1) : 0;
  dt->odd1 = ad == 1;
  uint64_t inv = ad; /* Newton: each step doubles the correct low bits */
  for (int s = 0; s < 6; s++) inv *= 2 - ad * inv;
  dt->inv = inv & mask;
  dt->M = bits - 1 - k >= 0 ? (((uint64_t)1 << (bits - 1 - k)) / ad) : 0;
  return true;
}

PLEAT_CLONES
void pleat__divt_run(const pleat__divt *dt, bool eq, uint8_t *r, const void *a, size_t n) {
  uint64_t low = dt->low, inv = dt->inv, M = dt->M, M2 = 2 * dt->M;
  int k = dt->k;
  uint8_t want = eq ? 1 : 0;
  if (dt->bits == 64) {
    const int64_t *A = a;
    if (dt->odd1)
      for (size_t j = 0; j < n; j++) r[j] = (uint8_t)((((uint64_t)A[j] & low) == 0) == want);
    else
      for (size_t j = 0; j < n; j++) {
        uint64_t t = (uint64_t)(A[j] >> k) * inv + M;
        r[j] = (uint8_t)(((((uint64_t)A[j] & low) == 0) & (t <= M2)) == want);
      }
  } else {
    const int32_t *A = a;
    uint32_t l32 = (uint32_t)low, i32 = (uint32_t)inv, m32 = (uint32_t)M, mm32 = (uint32_t)M2;
    if (dt->odd1)
      for (size_t j = 0; j < n; j++) r[j] = (uint8_t)((((uint32_t)A[j] & l32) == 0) == want);
    else
      for (size_t j = 0; j < n; j++) {
        uint32_t t = (uint32_t)(A[j] >> k) * i32 + m32;
        r[j] = (uint8_t)(((((uint32_t)A[j] & l32) == 0) & (t <= mm32)) == want);
      }
  }
}
