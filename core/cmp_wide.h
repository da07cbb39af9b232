/*
** cmp_wide.h -- comparisons into byte masks with AVX-512 mask registers.
**
** GCC vectorises `r[j] = a[j] > b[j]` but widens the mask register back
** through three shuffles per 16 elements; a filter's predicate is on every
** element of the hottest pipelines, so x86-64 machines with AVX-512BW take
** this path (picked at run time; the default build stays portable).
*/
#ifndef PLEAT_CMP_WIDE_H
#define PLEAT_CMP_WIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** r[j] = a[j] OP b[j] (0 or 1) for j < n, OP the comparison IR op `op` on
    operands of dtype `t` (i32, i64, f32, f64; C's semantics: ordered
    comparisons are false on NaN, != true); b_const: every b[j] is b[0].
    Returns false, having written nothing, when this machine or this type
    has no wide path: the caller then runs its portable loop. */
bool pleat__cmp_wide(int op, int t, uint8_t *r, const void *a, const void *b, bool b_const,
                     size_t n);

#endif
