/*
** compact_x86.h -- stable compaction in AVX-512 / AVX2 (compact_x86.c).
*/
#ifndef PLEAT_COMPACT_X86_H
#define PLEAT_COMPACT_X86_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#  define PLEAT_COMPACT_X86 1
/** The live elements (m[j] != 0) of src to dst, in order; returns how
    many.  Writes nothing past them.  *done false (nothing written) when es is not 4 or 8 or the CPU
    has neither AVX-512 (F, BW, VL) nor AVX2: the caller's loop then runs. */
size_t pleat__compact_x86(size_t es, void *dst, const void *src, const uint8_t *m, size_t len,
                          bool *done);

enum { PLEAT_ISA_NONE, PLEAT_ISA_AVX2, PLEAT_ISA_AVX512 };
/** The best of PLEAT_ISA_* this CPU runs. */
int pleat__compact_x86_best(void);
/** The compaction with one instruction set (es 4 or 8; isa AVX2 or
    AVX512, which the CPU must have): the tests run each. */
size_t pleat__compact_x86_isa(int isa, size_t es, void *dst, const void *src, const uint8_t *m,
                              size_t len);
#else
#  define PLEAT_COMPACT_X86 0
#endif

#endif
