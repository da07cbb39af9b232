/*
** compact_x86.c -- stable compaction (fold_kernels.h pleat__k_compact) in
** AVX-512 or AVX2 where the CPU has them, for 4- and 8-byte elements.
**
** A compaction cannot be left to the vectoriser: the output position of an
** element depends on every mask before it.  The scalar loop stores one
** element per cycle at best; AVX-512's compress moves 16 (or 8) per step,
** and AVX2 does 8 (or 4) through a permutation table.  Stores are masked
** to the kept elements only (and the tail stores only those): a block of
** a parallel collect writes straight into the result next to its
** neighbours' output, so nothing past its own end may be touched.
*/
#include "compact_x86.h"

#if PLEAT_COMPACT_X86
#  include <immintrin.h>
#  include <pthread.h>

#  define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,popcnt")))
#  define AVX2 __attribute__((target("avx2,popcnt")))

/* 16 mask bytes (0/1) as a bit mask */
AVX512 static inline __mmask16 mask16(const uint8_t *m) {
  __m128i b = _mm_loadu_si128((const __m128i *)m);
  return _mm_test_epi8_mask(b, b);
}

AVX512 static size_t c4_512(uint32_t *d, const uint32_t *s, const uint8_t *m, size_t len) {
  size_t n = 0, j = 0;
  for (; j + 16 <= len; j += 16) {
    __mmask16 k = mask16(m + j);
    __m512i v = _mm512_maskz_compress_epi32(k, _mm512_loadu_si512(s + j));
    unsigned c = (unsigned)__builtin_popcount(k);
    _mm512_mask_storeu_epi32(d + n, (__mmask16)((1u << c) - 1), v);
    n += c;
  }
  for (; j < len; j++)
    if (m[j]) d[n++] = s[j];
  return n;
}

AVX512 static size_t c8_512(uint64_t *d, const uint64_t *s, const uint8_t *m, size_t len) {
  size_t n = 0, j = 0;
  for (; j + 16 <= len; j += 16) {
    __mmask16 k = mask16(m + j);
    __mmask8 lo = (__mmask8)(k & 0xff), hi = (__mmask8)(k >> 8);
    __m512i a = _mm512_maskz_compress_epi64(lo, _mm512_loadu_si512(s + j));
    __m512i b = _mm512_maskz_compress_epi64(hi, _mm512_loadu_si512(s + j + 8));
    unsigned ca = (unsigned)__builtin_popcount(lo), cb = (unsigned)__builtin_popcount(hi);
    _mm512_mask_storeu_epi64(d + n, (__mmask8)((1u << ca) - 1), a);
    _mm512_mask_storeu_epi64(d + n + ca, (__mmask8)((1u << cb) - 1), b);
    n += ca + cb;
  }
  for (; j < len; j++)
    if (m[j]) d[n++] = s[j];
  return n;
}

/* For each 8-bit mask: the positions of its set bits, packed low (the
   permutation for 4-byte lanes), and the store mask of its count. */
static uint32_t perm8[256][8];
static int32_t first[9][8];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void fill_tables(void) {
  for (int k = 0; k < 256; k++) {
    int c = 0;
    for (int b = 0; b < 8; b++)
      if (k >> b & 1) perm8[k][c++] = (uint32_t)b;
    for (; c < 8; c++) perm8[k][c] = 0;
  }
  for (int c = 0; c <= 8; c++)
    for (int l = 0; l < 8; l++) first[c][l] = l < c ? -1 : 0;
}

/* Filled once, by whichever thread comes first (the others wait). */
static void tables(void) { pthread_once(&tables_once, fill_tables); }

/* 8 mask bytes (0/1) as a bit mask */
static inline unsigned mask8(const uint8_t *m) {
  uint64_t w;
  memcpy(&w, m, 8);
  /* bit 0 of each byte to bits 0..7: multiply-gather */
  return (unsigned)(((w & 0x0101010101010101ull) * 0x0102040810204080ull) >> 56);
}

/* 4 mask bytes (0/1) as a bit mask */
static inline unsigned mask4(const uint8_t *m) {
  uint32_t w;
  memcpy(&w, m, 4);
  return (unsigned)((((uint64_t)(w & 0x01010101u)) * 0x01020408u) >> 24) & 0xf;
}

AVX2 static size_t c4_256(uint32_t *d, const uint32_t *s, const uint8_t *m, size_t len) {
  size_t n = 0, j = 0;
  for (; j + 8 <= len; j += 8) {
    unsigned k = mask8(m + j);
    __m256i v = _mm256_loadu_si256((const __m256i *)(s + j));
    __m256i p = _mm256_loadu_si256((const __m256i *)perm8[k]);
    v = _mm256_permutevar8x32_epi32(v, p);
    unsigned c = (unsigned)__builtin_popcount(k);
    _mm256_maskstore_epi32((int *)(d + n), _mm256_loadu_si256((const __m256i *)first[c]), v);
    n += c;
  }
  for (; j < len; j++)
    if (m[j]) d[n++] = s[j];
  return n;
}

AVX2 static size_t c8_256(uint64_t *d, const uint64_t *s, const uint8_t *m, size_t len) {
  size_t n = 0, j = 0;
  for (; j + 4 <= len; j += 4) {
    unsigned k = mask4(m + j);
    /* a 64-bit lane is two 32-bit ones: lane b -> 2b, 2b + 1 */
    uint32_t idx[8];
    int c = 0;
    for (int b = 0; b < 4; b++)
      if (k >> b & 1) { idx[2 * c] = 2u * (uint32_t)b; idx[2 * c + 1] = 2u * (uint32_t)b + 1; c++; }
    for (int q = 2 * c; q < 8; q++) idx[q] = 0;
    __m256i v = _mm256_loadu_si256((const __m256i *)(s + j));
    v = _mm256_permutevar8x32_epi32(v, _mm256_loadu_si256((const __m256i *)idx));
    _mm256_maskstore_epi64((long long *)(d + n), _mm256_loadu_si256((const __m256i *)first[2 * c]), v);
    n += (size_t)c;
  }
  for (; j < len; j++)
    if (m[j]) d[n++] = s[j];
  return n;
}

int pleat__compact_x86_best(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl"))
    return PLEAT_ISA_AVX512;
  if (__builtin_cpu_supports("avx2")) return PLEAT_ISA_AVX2;
  return PLEAT_ISA_NONE;
}

size_t pleat__compact_x86_isa(int isa, size_t es, void *dst, const void *src, const uint8_t *m,
                              size_t len) {
  if (isa == PLEAT_ISA_AVX512) return es == 4 ? c4_512(dst, src, m, len) : c8_512(dst, src, m, len);
  tables();
  return es == 4 ? c4_256(dst, src, m, len) : c8_256(dst, src, m, len);
}

size_t pleat__compact_x86(size_t es, void *dst, const void *src, const uint8_t *m, size_t len,
                          bool *done) {
  static atomic_int best = -1;
  int isa = atomic_load_explicit(&best, memory_order_relaxed);
  if (isa < 0) {
    isa = pleat__compact_x86_best();
    atomic_store_explicit(&best, isa, memory_order_relaxed);
  }
  *done = (es == 4 || es == 8) && isa != PLEAT_ISA_NONE;
  return *done ? pleat__compact_x86_isa(isa, es, dst, src, m, len) : 0;
}
#endif
