/* LABELS: quick core */
/*
** test_compact_x86.c -- the AVX-512 and AVX2 compactions (core/compact_x86.c)
** against the plain loop: every mask density, lengths around the vector
** widths, 4- and 8-byte elements, and not one byte written past the kept
** elements (a parallel collect's neighbour owns them).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "compact_x86.h"

#if PLEAT_COMPACT_X86
static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

#define MAXN 4200

static void check_isa(int isa, const char *name) {
  static uint8_t src[MAXN * 8], dst[MAXN * 8 + 64], want[MAXN * 8 + 64], m[MAXN];
  static const size_t lens[] = {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 1023, 4096, MAXN};
  static const unsigned dens[] = {0, 1, 10, 50, 90, 99, 100};
  int cases = 0;
  for (size_t es = 4; es <= 8; es += 4)
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
      for (size_t di = 0; di < sizeof dens / sizeof dens[0]; di++) {
        size_t len = lens[li];
        for (size_t b = 0; b < len * es; b++) src[b] = (uint8_t)next();
        for (size_t j = 0; j < len; j++) m[j] = (uint8_t)(next() % 100 < dens[di]);
        memset(dst, 0xA5, sizeof dst);
        memset(want, 0xA5, sizeof want);
        size_t wn = 0;
        for (size_t j = 0; j < len; j++)
          if (m[j]) memcpy(want + es * wn++, src + es * j, es);
        size_t n = pleat__compact_x86_isa(isa, es, dst, src, m, len);
        if (n != wn || memcmp(dst, want, sizeof dst)) {
          size_t q = 0;
          while (q < sizeof dst && dst[q] == want[q]) q++;
          print_error("%s: es %zu len %zu density %u%%: kept %zu (want %zu), first wrong byte %zu\n",
                      name, es, len, dens[di], n, wn, q);
          fail();
        }
        cases++;
      }
  print_message("%s: %d cases\n", name, cases);
}

static void test_avx2(void **state) {
  (void)state;
  if (pleat__compact_x86_best() < PLEAT_ISA_AVX2) {
    print_message("skipped: this CPU has no AVX2\n");
    skip();
  }
  check_isa(PLEAT_ISA_AVX2, "avx2");
}

static void test_avx512(void **state) {
  (void)state;
  if (pleat__compact_x86_best() < PLEAT_ISA_AVX512) {
    print_message("skipped: this CPU has no AVX-512 F/BW/VL\n");
    skip();
  }
  check_isa(PLEAT_ISA_AVX512, "avx512");
}
#else
static void test_avx2(void **state) {
  (void)state;
  print_message("skipped: not an x86-64 GCC/Clang build (the plain loop runs)\n");
  skip();
}
static void test_avx512(void **state) { test_avx2(state); }
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_avx2),
      cmocka_unit_test(test_avx512),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
