/*
** fold_kernels.h -- the reducers' per-chunk inner loops (fold_kernels.c).
**
** Each kernel folds one chunk of live elements (mask m, 0/1 bytes) into a
** running state.  They are plain loops over arrays so the compiler
** vectorises them, and each is cloned for AVX2 and AVX-512 and picked at
** load time (PLEAT_CLONES): the default build stays portable while the hot
** loops use the machine's vector width.  Every kernel computes exactly what
** the element-at-a-time definition in reduce.c computes, bit for bit.
*/
#ifndef PLEAT_FOLD_KERNELS_H
#define PLEAT_FOLD_KERNELS_H

#include "ir.h"


/** Min/max over order-preserving keys, with a NaN flag and a live count. */
typedef struct pleat__kminmax {
  int64_t mn, mx;
  int64_t cnt;
  uint8_t nan;
} pleat__kminmax;

/** Lane sums (mul: products) of a chunk (m == NULL: every element live): element j goes to lane
    j % PLEAT_LANES (the chunk starts on a lane boundary); masked elements
    add +0.0 (multiply by 1.0), the identity on every value a lane can
    hold. */
void pleat__k_lanes_f32(float *lane, const float *v, const uint8_t *m, size_t len, bool mul);
void pleat__k_lanes_f64(double *lane, const double *v, const uint8_t *m, size_t len, bool mul);
/** Lane sums of a[j] op b[j] (op 0: +, 1: -, 2: *), computed in the
    element's precision exactly as a separate pass would. */
void pleat__k_lanes_op_f32(float *lane, const float *a, const float *b, int op,
                           const uint8_t *m, size_t len);
void pleat__k_lanes_op_f64(double *lane, const double *a, const double *b, int op,
                           const uint8_t *m, size_t len);
/** lane += a op b (op 0 +, 1 -, 2 *, 3: a alone) where c[j] CMP d holds,
    CMP 0 <, 1 <=, 2 >, 3 >=, 4 ==, 5 != (C's semantics on NaN): a filter
    by comparison and the sum after it in one pass.  With need_any, returns
    whether any element was kept (else false). */
bool pleat__k_lanes_cmp_f32(float *lane, const float *a, const float *b, int op,
                            const float *c, float d, int cmp, bool need_any, size_t len);
bool pleat__k_lanes_cmp_f64(double *lane, const double *a, const double *b, int op,
                            const double *c, double d, int cmp, bool need_any, size_t len);
/** Shifted sums for mean/var/std: y = v - K, lane += y, s2 += y * y over
    the live elements (m NULL: all). */
void pleat__k_moments_f64(double *lane, double *s2, const double *v, const uint8_t *m,
                          size_t len, double K);
void pleat__k_moments_f32(double *lane, double *s2, const float *v, const uint8_t *m,
                          size_t len, double K);
/* In the sums and counts, m == NULL means every element is live. */

/** Wrapping integer sum of the live elements (i32 sign-extended). */
uint64_t pleat__k_sum_i64(const int64_t *v, const uint8_t *m, size_t len);
uint64_t pleat__k_sum_i32(const int32_t *v, const uint8_t *m, size_t len);
/** Live elements, or live elements whose p holds (p may be NULL). */
int64_t pleat__k_count(const uint8_t *m, const uint8_t *p, size_t len);
/** Folds the keys of the live elements (m NULL: all) of a chunk of type t
    into *s. */
void pleat__k_minmax(int t, const void *v, const uint8_t *m, size_t len, pleat__kminmax *s);

/** Stable compaction: the live elements of src (len elements of es bytes:
    1, 2, 4 or 8) to dst, which has room for len; returns how many.
    m == NULL: all. */
size_t pleat__k_compact(size_t es, void *dst, const void *src, const uint8_t *m, size_t len);
/** The first j < len with m[j] (m == NULL: every j) and p[j] == want, or
    len. */
size_t pleat__k_find(const uint8_t *m, const uint8_t *p, uint8_t want, size_t len);
/** Leaves whose scans pleat__k_scan_prefixes runs at once. */
#define SCAN_LANES 8
/** The scans of SCAN_LANES leaves side by side, in place: leaf g's a[g]
    (len[g] elements, live where m[g], NULL: all) folded by float + or *
    from its first live element, a[g][j] becoming the running value after
    element j (the op's identity, -0 or 1, before the first live one; a
    masked element repeats the value before it).  False (nothing done)
    unless t is f32 or f64 and op is + or *. */
bool pleat__k_scan_prefixes(int op, int t, void *const *a, const uint8_t *const *m,
                            const size_t *len);
/** The same, keeping only each leaf's last running value (a summary pass)
    in locals[8 g ..] (the element type in the first bytes), set[g] whether
    it had a live element; the inputs stay as they are. */
bool pleat__k_scan_locals(int op, int t, void *const *a, const uint8_t *const *m,
                          const size_t *len, void *locals, uint8_t *set);
/** A chunk's scan output from its prefixes p: out[j] = carry op p[j]
    (p[j] while !carry_set) where m[j] (m == NULL: all), a[j] elsewhere.
    Float + and * only (as pleat__k_scan_prefixes). */
void pleat__k_scan_apply(int op, int t, void *out, const void *a, const void *p, const uint8_t *m,
                         size_t len, uint64_t carry, bool carry_set);
/** Whether every live key (m == NULL: every key; int32 keys when k32,
    else int64) is in [0, bins). */
bool pleat__k_keys_ok(const void *key, bool k32, const uint8_t *m, size_t len, uint64_t bins);
/** One chunk of scan(op): local (the running op from the leaf's first live
    element, stored as the element type in its first bytes; *local_set
    whether it has started) advances over the live elements; out[j] =
    carry op local, or local while !carry_set (carry's first bytes hold the
    element type); masked elements copy a.  m == NULL: every element live.
    False (nothing done) for the cases it does not cover: float min/max and
    bool operands take the element-at-a-time path. */
bool pleat__k_scan(int op, int t, void *out, const void *a, const uint8_t *m, size_t len,
                   void *local, bool *local_set, uint64_t carry, bool carry_set);

#endif
