/*
** fold_kernels.c -- the reducers' per-chunk inner loops, cloned per ISA.
**
** Written so GCC's vectoriser takes them: accumulators in locals (no
** aliasing with the inputs), masks applied by select rather than a branch
** (a 50 % filter mispredicts every other element), fixed-width inner loops
** over the 32 lanes.  reduce.c owns the semantics; these only go fast.
*/
#include "fold_kernels.h"

#include "ast.h" /* AOP_* */
#include "compact_x86.h"

#define L PLEAT_LANES

/* The mask is applied to the bits (x & -m): an unconditional load and an
   and, where `m ? x : 0` becomes a masked load.  m == NULL: all live. */
#define LANES_LOOP(FT, UT, ONE)                                                \
  do {                                                                         \
    FT a[L];                                                                   \
    memcpy(a, lane, sizeof a);                                                 \
    size_t j = 0;                                                              \
    if (!m) {                                                                  \
      if (!mul)                                                                \
        for (; j + L <= len; j += L)                                           \
          for (int l = 0; l < L; l++) a[l] += v[j + l];                        \
      else                                                                     \
        for (; j + L <= len; j += L)                                           \
          for (int l = 0; l < L; l++) a[l] *= v[j + l];                        \
      for (; j < len; j++) a[j % L] = mul ? a[j % L] * v[j] : a[j % L] + v[j]; \
    } else {                                                                   \
      UT one;                                                                  \
      FT onef = ONE;                                                           \
      memcpy(&one, &onef, sizeof one);                                         \
      for (; j + L <= len; j += L)                                             \
        for (int l = 0; l < L; l++) {                                          \
          UT bits, keep = (UT)0 - (UT)m[j + l];                                \
          memcpy(&bits, &v[j + l], sizeof bits);                               \
          bits = mul ? (bits & keep) | (one & ~keep) : bits & keep;            \
          FT x;                                                                \
          memcpy(&x, &bits, sizeof x);                                         \
          a[l] = mul ? a[l] * x : a[l] + x;                                    \
        }                                                                      \
      for (; j < len; j++)                                                     \
        if (m[j]) a[j % L] = mul ? a[j % L] * v[j] : a[j % L] + v[j];          \
    }                                                                          \
    memcpy(lane, a, sizeof a);                                                 \
  } while (0)

PLEAT_CLONES
void pleat__k_lanes_f32(float *lane, const float *v, const uint8_t *m, size_t len, bool mul) {
  LANES_LOOP(float, uint32_t, 1.0f);
}

PLEAT_CLONES
void pleat__k_lanes_f64(double *lane, const double *v, const uint8_t *m, size_t len, bool mul) {
  LANES_LOOP(double, uint64_t, 1.0);
}

/* Masked elements keep the old lane value (a select, not an add of 0), so
   the lanes hold exactly the element-at-a-time sums whatever the signs. */
#define MOMENTS_LOOP()                                                         \
  do {                                                                         \
    double a[L], b[L];                                                         \
    memcpy(a, lane, sizeof a);                                                 \
    memcpy(b, s2, sizeof b);                                                   \
    size_t j = 0;                                                              \
    if (!m) /* every element live */                                           \
      for (; j + L <= len; j += L)                                             \
        for (int l = 0; l < L; l++) {                                          \
          double y = (double)v[j + l] - K;                                     \
          a[l] += y;                                                           \
          b[l] += y * y;                                                       \
        }                                                                      \
    else                                                                       \
      for (; j + L <= len; j += L)                                             \
        for (int l = 0; l < L; l++) {                                          \
          double y = (double)v[j + l] - K;                                     \
          double na = a[l] + y, nb = b[l] + y * y;                             \
          a[l] = m[j + l] ? na : a[l];                                         \
          b[l] = m[j + l] ? nb : b[l];                                         \
        }                                                                      \
    for (; j < len; j++)                                                       \
      if (!m || m[j]) {                                                        \
        double y = (double)v[j] - K;                                           \
        a[j % L] += y;                                                         \
        b[j % L] += y * y;                                                     \
      }                                                                        \
    memcpy(lane, a, sizeof a);                                                 \
    memcpy(s2, b, sizeof b);                                                   \
  } while (0)

PLEAT_CLONES
void pleat__k_moments_f64(double *lane, double *s2, const double *v, const uint8_t *m,
                          size_t len, double K) {
  MOMENTS_LOOP();
}

PLEAT_CLONES
void pleat__k_moments_f32(double *lane, double *s2, const float *v, const uint8_t *m,
                          size_t len, double K) {
  MOMENTS_LOOP();
}

PLEAT_CLONES
uint64_t pleat__k_sum_i64(const int64_t *v, const uint8_t *m, size_t len) {
  uint64_t s = 0;
  if (!m)
    for (size_t j = 0; j < len; j++) s += (uint64_t)v[j];
  else
    for (size_t j = 0; j < len; j++) s += (uint64_t)v[j] & ((uint64_t)0 - m[j]);
  return s;
}

PLEAT_CLONES
uint64_t pleat__k_sum_i32(const int32_t *v, const uint8_t *m, size_t len) {
  uint64_t s = 0;
  if (!m)
    for (size_t j = 0; j < len; j++) s += (uint64_t)(int64_t)v[j];
  else
    for (size_t j = 0; j < len; j++) s += (uint64_t)(int64_t)v[j] & ((uint64_t)0 - m[j]);
  return s;
}

/* Byte sums: lanes of uint8_t for up to 255 rounds of 32 (mask bytes are
   0 or 1, so a lane cannot wrap), widened once per block; a sum of bytes
   into a wide counter makes the vectoriser widen every element instead. */
static inline uint32_t bytesum(const uint8_t *m, const uint8_t *p, size_t len) {
  uint32_t c = 0;
  size_t j = 0;
  while (j + 32 <= len) {
    uint8_t acc[32] = {0};
    size_t end = j + (size_t)255 * 32;
    if (end > len) end = len;
    if (p)
      for (; j + 32 <= end; j += 32)
        for (int l = 0; l < 32; l++) acc[l] = (uint8_t)(acc[l] + (m[j + l] & p[j + l]));
    else
      for (; j + 32 <= end; j += 32)
        for (int l = 0; l < 32; l++) acc[l] = (uint8_t)(acc[l] + m[j + l]);
    for (int l = 0; l < 32; l++) c += acc[l];
  }
  for (; j < len; j++) c += p ? (uint32_t)(m[j] & p[j]) : m[j];
  return c;
}

PLEAT_CLONES
int64_t pleat__k_count(const uint8_t *m, const uint8_t *p, size_t len) {
  if (!m) {
    if (!p) return (int64_t)len;
    m = p;
    p = NULL;
  }
  return (int64_t)bytesum(m, p, len);
}

/* One OR over the chunk, no early exit: the loop vectorises, and the
   caller looks for the failing element only when there is one. */
PLEAT_CLONES
bool pleat__k_keys_ok(const void *key, bool k32, const uint8_t *m, size_t len, uint64_t bins) {
  uint64_t bad = 0;
#define KLOOP(K)                                                                       \
  do {                                                                                 \
    if (!m)                                                                            \
      for (size_t j = 0; j < len; j++) bad |= (uint64_t)(int64_t)K[j] >= bins;         \
    else                                                                               \
      for (size_t j = 0; j < len; j++) bad |= (uint64_t)m[j] & ((uint64_t)(int64_t)K[j] >= bins); \
  } while (0)
  if (k32) KLOOP(((const int32_t *)key));
  else KLOOP(((const int64_t *)key));
#undef KLOOP
  return !bad;
}

/* Masked elements take the neutral key (MAX for min, MIN for max).  One
   accumulator per lane in a fixed-width inner loop: the form GCC
   vectorises (a single running min with a NaN flag and a count beside it
   stays scalar). */
#define MINMAX_LOOP(KT, KMAX, KMIN, KEY, NANX)                                 \
  do {                                                                         \
    KT amn[L], amx[L];                                                         \
    KT anan[L];                                                                \
    for (int l = 0; l < L; l++) { amn[l] = KMAX; amx[l] = KMIN; anan[l] = 0; } \
    size_t j = 0;                                                              \
    if (!m) /* every element live: no mask to read */                          \
      for (; j + L <= len; j += L)                                             \
        for (int l = 0; l < L; l++) {                                          \
          size_t q = j + (size_t)l;                                            \
          KT k = KEY(q);                                                       \
          amn[l] = k < amn[l] ? k : amn[l];                                    \
          amx[l] = k > amx[l] ? k : amx[l];                                    \
          anan[l] |= (KT)(NANX(q));                                            \
        }                                                                      \
    else                                                                       \
      for (; j + L <= len; j += L)                                             \
        for (int l = 0; l < L; l++) {                                          \
          size_t q = j + (size_t)l;                                            \
          KT k = KEY(q);                                                       \
          KT live = (KT)m[q];                                                  \
          KT kmn = live ? k : KMAX, kmx = live ? k : KMIN;                     \
          amn[l] = kmn < amn[l] ? kmn : amn[l];                                \
          amx[l] = kmx > amx[l] ? kmx : amx[l];                                \
          anan[l] |= live & (KT)(NANX(q));                                     \
        }                                                                      \
    KT mn = KMAX, mx = KMIN, nan = 0;                                          \
    for (int l = 0; l < L; l++) {                                              \
      mn = amn[l] < mn ? amn[l] : mn;                                          \
      mx = amx[l] > mx ? amx[l] : mx;                                          \
      nan |= anan[l];                                                          \
    }                                                                          \
    for (; j < len; j++) {                                                     \
      if (m && !m[j]) continue;                                                \
      KT k = KEY(j);                                                           \
      mn = k < mn ? k : mn;                                                    \
      mx = k > mx ? k : mx;                                                    \
      nan |= (KT)(NANX(j));                                                    \
    }                                                                          \
    int64_t cnt = m ? pleat__k_count(m, NULL, len) : (int64_t)len;             \
    if (cnt) {                                                                 \
      if (mn < s->mn) s->mn = mn;                                              \
      if (mx > s->mx) s->mx = mx;                                              \
    }                                                                          \
    s->nan |= (uint8_t)(nan != 0);                                             \
    s->cnt += cnt;                                                             \
  } while (0)

#define KEY_F32(q) (b[q] ^ ((b[q] >> 31) & INT32_MAX))
#define KEY_F64(q) (b[q] ^ ((b[q] >> 63) & INT64_MAX))
#define KEY_PLAIN(q) ((KT_)b[q])
#define NAN_F32(q) (f[q] != f[q])
#define NAN_NONE(q) 0

PLEAT_CLONES
void pleat__k_minmax(int t, const void *v, const uint8_t *m, size_t len, pleat__kminmax *s) {
  switch (t) {
    case PLEAT_F32: {
      const int32_t *b = v;
      const float *f = v;
      /* NaN keys sit beyond +-inf; the flag makes the result NaN anyway */
      MINMAX_LOOP(int32_t, INT32_MAX, INT32_MIN, KEY_F32, NAN_F32);
      break;
    }
    case PLEAT_F64: {
      const int64_t *b = v;
      const double *f = v;
      MINMAX_LOOP(int64_t, INT64_MAX, INT64_MIN, KEY_F64, NAN_F32);
      break;
    }
    case PLEAT_I32: {
      const int32_t *b = v;
#define KT_ int32_t
      MINMAX_LOOP(int32_t, INT32_MAX, INT32_MIN, KEY_PLAIN, NAN_NONE);
#undef KT_
      break;
    }
    case PLEAT_I64: {
      const int64_t *b = v;
#define KT_ int64_t
      MINMAX_LOOP(int64_t, INT64_MAX, INT64_MIN, KEY_PLAIN, NAN_NONE);
      break;
    }
    default: {
      const uint8_t *b = v;
      MINMAX_LOOP(int64_t, INT64_MAX, INT64_MIN, KEY_PLAIN, NAN_NONE);
#undef KT_
      break;
    }
  }
}

/* ---- scan ------------------------------------------------------------------ */

/* The running op of one chunk: local folds the live elements from the
   leaf's first, each output is carry op local (or local before any carry);
   masked elements pass their input through.  Floats run on their own type
   (+ and * round in the element's precision, as the element-at-a-time path
   does); integers on the unsigned storage of their type, so they wrap. */
#define S_ADD(p, x) ((p) + (x))
#define S_MUL(p, x) ((p) * (x))
#define S_AND(p, x) ((p) & (x))
#define S_OR(p, x) ((p) | (x))
#define S_XOR(p, x) ((p) ^ (x))

/* The leaf's first live element starts local (peeled, so the chain itself
   is one op per element with no select on it); then one loop per case:
   no mask or a mask, a carry or none. */
#define SCAN_RUN(UT, OP)                                                       \
  do {                                                                         \
    UT *R = out;                                                               \
    const UT *A = a;                                                           \
    UT loc = 0, car = 0;                                                       \
    memcpy(&loc, local, sizeof loc);                                           \
    memcpy(&car, &carry, sizeof car);                                          \
    size_t j = 0;                                                              \
    if (!*local_set) {                                                         \
      for (; j < len && m && !m[j]; j++) R[j] = A[j];                          \
      if (j == len) break;                                                     \
      loc = A[j];                                                              \
      R[j] = carry_set ? (UT)OP(car, loc) : loc;                               \
      j++;                                                                     \
      *local_set = true;                                                       \
    }                                                                          \
    if (!m && carry_set)                                                       \
      for (; j < len; j++) { loc = (UT)OP(loc, A[j]); R[j] = (UT)OP(car, loc); } \
    else if (!m)                                                               \
      for (; j < len; j++) { loc = (UT)OP(loc, A[j]); R[j] = loc; }            \
    else                                                                       \
      for (; j < len; j++) {                                                   \
        if (!m[j]) { R[j] = A[j]; continue; }                                  \
        loc = (UT)OP(loc, A[j]);                                               \
        R[j] = carry_set ? (UT)OP(car, loc) : loc;                             \
      }                                                                        \
    memcpy(local, &loc, sizeof loc);                                           \
  } while (0)

/* signed min/max on the unsigned storage */
#define SMIN32(p, x) ((int32_t)(x) < (int32_t)(p) ? (x) : (p))
#define SMAX32(p, x) ((int32_t)(x) > (int32_t)(p) ? (x) : (p))
#define SMIN64(p, x) ((int64_t)(x) < (int64_t)(p) ? (x) : (p))
#define SMAX64(p, x) ((int64_t)(x) > (int64_t)(p) ? (x) : (p))

/* One function per integer width: every operator of the width. */
#define SCAN_INTS(NAME, UT, SMIN, SMAX)                                     \
  static bool NAME(int op, void *out, const void *a, const uint8_t *m, size_t len, \
                   void *local, bool *local_set, uint64_t carry, bool carry_set) { \
    switch (op) {                                                              \
      case AOP_ADD: SCAN_RUN(UT, S_ADD); return true;                       \
      case AOP_MUL: SCAN_RUN(UT, S_MUL); return true;                       \
      case AOP_MIN: SCAN_RUN(UT, SMIN); return true;                        \
      case AOP_MAX: SCAN_RUN(UT, SMAX); return true;                        \
      case AOP_BAND: SCAN_RUN(UT, S_AND); return true;                      \
      case AOP_BOR: SCAN_RUN(UT, S_OR); return true;                        \
      case AOP_BXOR: SCAN_RUN(UT, S_XOR); return true;                      \
    }                                                                          \
    return false;                                                              \
  }
SCAN_INTS(scan_int32, uint32_t, SMIN32, SMAX32)
SCAN_INTS(scan_int64, uint64_t, SMIN64, SMAX64)

bool pleat__k_scan(int op, int t, void *out, const void *a, const uint8_t *m, size_t len,
                   void *local, bool *local_set, uint64_t carry, bool carry_set) {
  switch (t) {
    case PLEAT_F32:
      if (op == AOP_ADD) SCAN_RUN(float, S_ADD);
      else if (op == AOP_MUL) SCAN_RUN(float, S_MUL);
      else return false; /* IEEE 754-2019 min/max: the generic path */
      return true;
    case PLEAT_F64:
      if (op == AOP_ADD) SCAN_RUN(double, S_ADD);
      else if (op == AOP_MUL) SCAN_RUN(double, S_MUL);
      else return false;
      return true;
    case PLEAT_I32: return scan_int32(op, out, a, m, len, local, local_set, carry, carry_set);
    case PLEAT_I64: return scan_int64(op, out, a, m, len, local, local_set, carry, carry_set);
  }
  return false;
}

/* The scan of SCAN_LANES leaves at once, in place: a[g][j] becomes leaf
   g's local after element j.  Each leaf's chain is strict (element by
   element from its first live element), but the chains of different leaves
   are independent, so running them side by side hides the latency of the
   op (4 cycles for an add here) that bounds one chain.  A masked element
   takes the op's identity (-0 for +, 1 for *): x op id is x exactly, NaN
   payloads aside (not promised), so a masked element repeats the value
   before it, and the first live element starts its chain as itself. */
#define SCAN_CHAINS(FT, OP, ID, KEEP)                                          \
  do {                                                                         \
    FT loc[SCAN_LANES];                                                        \
    FT *A[SCAN_LANES];                                                         \
    size_t mn = len[0];                                                        \
    bool any_m = false;                                                        \
    for (int g = 0; g < SCAN_LANES; g++) {                                     \
      loc[g] = ID;                                                             \
      A[g] = a[g];                                                             \
      if (len[g] < mn) mn = len[g];                                            \
      any_m |= m[g] != NULL;                                                   \
    }                                                                          \
    size_t j = 0;                                                              \
    if (!any_m)                                                                \
      for (; j < mn; j++)                                                      \
        for (int g = 0; g < SCAN_LANES; g++) {                                 \
          loc[g] = OP(loc[g], A[g][j]);                                        \
          if (KEEP) A[g][j] = loc[g];                                          \
        }                                                                      \
    else                                                                       \
      for (; j < mn; j++)                                                      \
        for (int g = 0; g < SCAN_LANES; g++) {                                 \
          FT x = A[g][j];                                                      \
          if (m[g] && !m[g][j]) x = ID;                                        \
          loc[g] = OP(loc[g], x);                                              \
          if (KEEP) A[g][j] = loc[g];                                          \
        }                                                                      \
    for (int g = 0; g < SCAN_LANES; g++) {                                     \
      for (size_t q = j; q < len[g]; q++) {                                    \
        if (!m[g] || m[g][q]) loc[g] = OP(loc[g], A[g][q]);                    \
        if (KEEP) A[g][q] = loc[g];                                            \
      }                                                                        \
      if (!KEEP) memcpy((char *)locals + 8 * g, &loc[g], sizeof loc[g]);       \
    }                                                                          \
  } while (0)

/* One function for both: KEEP (the prefixes, in place) or the locals only
   (a summary pass: no stores in the chains' loop). */
#define SCAN_BY_TYPE(KEEP)                                                     \
  do {                                                                         \
    if (t == PLEAT_F32 && op == AOP_ADD) SCAN_CHAINS(float, S_ADD, -0.0f, KEEP); \
    else if (t == PLEAT_F32 && op == AOP_MUL) SCAN_CHAINS(float, S_MUL, 1.0f, KEEP); \
    else if (t == PLEAT_F64 && op == AOP_ADD) SCAN_CHAINS(double, S_ADD, -0.0, KEEP); \
    else if (t == PLEAT_F64 && op == AOP_MUL) SCAN_CHAINS(double, S_MUL, 1.0, KEEP); \
    else return false;                                                         \
  } while (0)

PLEAT_CLONES
bool pleat__k_scan_prefixes(int op, int t, void *const *a, const uint8_t *const *m,
                            const size_t *len) {
  void *locals = NULL;
  (void)locals;
  SCAN_BY_TYPE(1);
  return true;
}

PLEAT_CLONES
bool pleat__k_scan_locals(int op, int t, void *const *a, const uint8_t *const *m,
                          const size_t *len, void *locals, uint8_t *set) {
  SCAN_BY_TYPE(0);
  for (int g = 0; g < SCAN_LANES; g++)
    set[g] = (m[g] ? pleat__k_count(m[g], NULL, len[g]) : (int64_t)len[g]) > 0;
  return true;
}

/* out[j] = carry op p[j] (p[j] alone without a carry) where live, a[j]
   where masked: one vector loop. */
#define SCAN_APPLY(FT, OP)                                                     \
  do {                                                                         \
    FT *R = out;                                                               \
    const FT *A = a, *P = p;                                                   \
    FT car;                                                                    \
    memcpy(&car, &carry, sizeof car);                                          \
    if (!m && carry_set) for (size_t j = 0; j < len; j++) R[j] = OP(car, P[j]); \
    else if (!m) memcpy(R, P, len * sizeof *R);                                \
    else if (carry_set) for (size_t j = 0; j < len; j++) R[j] = m[j] ? OP(car, P[j]) : A[j]; \
    else for (size_t j = 0; j < len; j++) R[j] = m[j] ? P[j] : A[j];           \
  } while (0)

PLEAT_CLONES
void pleat__k_scan_apply(int op, int t, void *out, const void *a, const void *p, const uint8_t *m,
                         size_t len, uint64_t carry, bool carry_set) {
  if (t == PLEAT_F32 && op == AOP_ADD) SCAN_APPLY(float, S_ADD);
  else if (t == PLEAT_F32) SCAN_APPLY(float, S_MUL);
  else if (op == AOP_ADD) SCAN_APPLY(double, S_ADD);
  else SCAN_APPLY(double, S_MUL);
}

/* ---- compaction -------------------------------------------------------------- */

/* Store every element, advance past the live ones: no branch to mispredict
   on a 50 % filter. */
#define COMPACT(T)                                                             \
  do {                                                                         \
    T *D = dst;                                                                \
    const T *S = src;                                                          \
    for (size_t j = 0; j < len; j++) {                                         \
      D[n] = S[j];                                                             \
      n += m[j];                                                               \
    }                                                                          \
  } while (0)

PLEAT_CLONES
size_t pleat__k_compact(size_t es, void *dst, const void *src, const uint8_t *m, size_t len) {
  if (!m) {
    memcpy(dst, src, len * es);
    return len;
  }
#if PLEAT_COMPACT_X86
  bool done;
  size_t got = pleat__compact_x86(es, dst, src, m, len, &done);
  if (done) return got;
#endif
  size_t n = 0;
  switch (es) {
    case 1: COMPACT(uint8_t); break;
    case 2: COMPACT(uint16_t); break;
    case 4: COMPACT(uint32_t); break;
    default: COMPACT(uint64_t); break;
  }
  return n;
}

/* ---- first hit ----------------------------------------------------------------- */

/* A fixed-width OR over 32 bytes per step (vectorised), then the exact
   position inside the block that has a hit. */
PLEAT_CLONES
size_t pleat__k_find(const uint8_t *m, const uint8_t *p, uint8_t want, size_t len) {
  size_t j = 0;
  if (m) {
    for (; j + 32 <= len; j += 32) {
      uint8_t any = 0;
      for (int l = 0; l < 32; l++) any |= (uint8_t)(m[j + l] & (p[j + l] == want));
      if (any) break;
    }
    for (; j < len; j++)
      if (m[j] && p[j] == want) return j;
  } else {
    for (; j + 32 <= len; j += 32) {
      uint8_t any = 0;
      for (int l = 0; l < 32; l++) any |= (uint8_t)(p[j + l] == want);
      if (any) break;
    }
    for (; j < len; j++)
      if (p[j] == want) return j;
  }
  return len;
}

/* ---- sums of a product (dot products) ------------------------------------------- */

/* lane += a op b: the reducer's input computed in the lane loop instead of
   in a pass of its own (the value is used by nothing else).  The same
   operations in the same precision as the separate pass, so the same bits. */
#define LANES_OP(FT, UT, OPX)                                                  \
  do {                                                                         \
    FT acc[L];                                                                 \
    memcpy(acc, lane, sizeof acc);                                             \
    size_t j = 0;                                                              \
    if (!m) {                                                                  \
      for (; j + L <= len; j += L)                                             \
        for (int l = 0; l < L; l++) acc[l] += OPX(a[j + l], b[j + l]);         \
      for (; j < len; j++) acc[j % L] += OPX(a[j], b[j]);                      \
    } else {                                                                   \
      for (; j + L <= len; j += L)                                             \
        for (int l = 0; l < L; l++) {                                          \
          FT x = OPX(a[j + l], b[j + l]);                                      \
          acc[l] += m[j + l] ? x : (FT)0;                                      \
        }                                                                      \
      for (; j < len; j++)                                                     \
        if (m[j]) acc[j % L] += OPX(a[j], b[j]);                               \
    }                                                                          \
    memcpy(lane, acc, sizeof acc);                                             \
  } while (0)

#define O_ADD(x, y) ((x) + (y))
#define O_SUB(x, y) ((x) - (y))
#define O_MUL(x, y) ((x) * (y))

PLEAT_CLONES
void pleat__k_lanes_op_f32(float *lane, const float *a, const float *b, int op,
                           const uint8_t *m, size_t len) {
  if (op == 2) LANES_OP(float, uint32_t, O_MUL);
  else if (op == 1) LANES_OP(float, uint32_t, O_SUB);
  else LANES_OP(float, uint32_t, O_ADD);
}

PLEAT_CLONES
void pleat__k_lanes_op_f64(double *lane, const double *a, const double *b, int op,
                           const uint8_t *m, size_t len) {
  if (op == 2) LANES_OP(double, uint64_t, O_MUL);
  else if (op == 1) LANES_OP(double, uint64_t, O_SUB);
  else LANES_OP(double, uint64_t, O_ADD);
}

/* ---- a filter by comparison, then the sum ----------------------------------------- */

/* The mask is c[j] CMP d computed in the lane loop: the same select as
   the two-pass form (comparison into a mask, masked lane loop), so the
   same bits, but the input is read once. */
#define O_A(x, y) (x)
#define LANES_CMP(FT, OPX, CMPX)                                               \
  do {                                                                         \
    FT acc[L];                                                                 \
    memcpy(acc, lane, sizeof acc);                                             \
    size_t j = 0;                                                              \
    for (; j + L <= len; j += L)                                               \
      for (int l = 0; l < L; l++) {                                            \
        FT x = OPX(a[j + l], b[j + l]);                                        \
        acc[l] += c[j + l] CMPX d ? x : (FT)0;                                 \
      }                                                                        \
    for (; j < len; j++)                                                       \
      if (c[j] CMPX d) acc[j % L] += OPX(a[j], b[j]);                          \
    memcpy(lane, acc, sizeof acc);                                             \
    if (!need_any) return false;                                               \
    /* kept elements are usually near the start: a scan that stops there */   \
    for (j = 0; j < len; j++)                                                  \
      if (c[j] CMPX d) return true;                                            \
    return false;                                                              \
  } while (0)
#define LANES_CMP_BY_CMP(FT, OPX)                  \
  switch (cmp) {                                   \
    case 0: LANES_CMP(FT, OPX, <);                 \
    case 1: LANES_CMP(FT, OPX, <=);                \
    case 2: LANES_CMP(FT, OPX, >);                 \
    case 3: LANES_CMP(FT, OPX, >=);                \
    case 4: LANES_CMP(FT, OPX, ==);                \
    default: LANES_CMP(FT, OPX, !=);               \
  }
#define LANES_CMP_BY_OP(FT)                        \
  switch (op) {                                    \
    case 0: LANES_CMP_BY_CMP(FT, O_ADD)            \
    case 1: LANES_CMP_BY_CMP(FT, O_SUB)            \
    case 2: LANES_CMP_BY_CMP(FT, O_MUL)            \
    default: LANES_CMP_BY_CMP(FT, O_A)             \
  }

PLEAT_CLONES
bool pleat__k_lanes_cmp_f32(float *lane, const float *a, const float *b, int op,
                            const float *c, float d, int cmp, bool need_any, size_t len) {
  LANES_CMP_BY_OP(float);
}

PLEAT_CLONES
bool pleat__k_lanes_cmp_f64(double *lane, const double *a, const double *b, int op,
                            const double *c, double d, int cmp, bool need_any, size_t len) {
  LANES_CMP_BY_OP(double);
}
