/*
** bench_peers.h -- the hand-written C loops of the peer baselines (P1,
** /work/shared/peers/kernels.h), wrapped as plain functions.  peers.c
** compiles them in their own translation unit with -O3 -march=native, as
** the peers do; when kernels.h is absent the bench builds without them
** (PLEAT_BENCH_HAVE_PEERS undefined) and prints "-" in the peer column.
*/
#ifndef PLEAT_BENCH_PEERS_H
#define PLEAT_BENCH_PEERS_H

#include <stddef.h>
#include <stdint.h>

float peer_w1(const float *x, size_t n);                 /* 32 f32 lanes */
float peer_w2(const float *x, size_t n);                 /* sum x*x, x > 0.5 */
uint64_t peer_w3(const float *x, size_t n);              /* count x > 0.5 */
void peer_w4(const float *x, size_t n, float *mn, float *mx);
void peer_w5(const float *x, float *out, size_t n);      /* inclusive scan */
size_t peer_w6(const float *x, float *out, size_t n);    /* copy_if, branch-free */
int64_t peer_w7(const int64_t *v, size_t n);
size_t peer_w8(const float *x, size_t n);                /* first x > 0.999999f */
void peer_w9(const float *x, const uint32_t *k, float *h, size_t n);
void peer_w9_imod(const float *x, float *h, size_t n);   /* key = i % 1024 */

/* P2, hand-written OpenMP (p2_omp.c), when built with PLEAT_BENCH_HAVE_OMP;
   no W9I kernel. */
float peer2_w1(const float *x, size_t n);
float peer2_w2(const float *x, size_t n);
uint64_t peer2_w3(const float *x, size_t n);
void peer2_w4(const float *x, size_t n, float *mn, float *mx);
void peer2_w5(const float *x, float *out, size_t n);
size_t peer2_w6(const float *x, float *out, size_t n);
int64_t peer2_w7(const int64_t *v, size_t n);
size_t peer2_w8(const float *x, size_t n);
void peer2_w9(const float *x, const uint32_t *k, float *h, size_t n);
int peer2_threads(void);

/* P5, the CPU-style hand-written OpenCL kernels (p5_pocl.c), when built with
   PLEAT_BENCH_HAVE_POCL: W1-W3 only.  peer5_init says which device, or why
   none (0). */
int peer5_init(char *what, size_t len);
float peer5_w1(const float *x, size_t n);
float peer5_w2(const float *x, size_t n);
uint64_t peer5_w3(const float *x, size_t n);

#endif
