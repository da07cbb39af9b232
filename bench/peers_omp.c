/*
** peers_omp.c -- the P2 kernels of the peer baselines (hand-written OpenMP,
** /work/shared/peers/p2_omp.c) behind plain functions, for
** `pleat_bench --peer omp`.  Compiled with the peers' flags plus -fopenmp
** when p2_omp.c and OpenMP are there; p2_omp.c's own main is renamed away.
*/
#define main p2_omp_main_unused
#include "p2_omp.c"
#undef main

#include "bench_peers.h"

float peer2_w1(const float *x, size_t n) { return o_w1(x, n); }
float peer2_w2(const float *x, size_t n) { return o_w2(x, n); }
uint64_t peer2_w3(const float *x, size_t n) { return o_w3(x, n); }
void peer2_w4(const float *x, size_t n, float *mn, float *mx) { o_w4(x, n, mn, mx); }
void peer2_w5(const float *x, float *out, size_t n) { o_w5(x, out, n, 0); }
size_t peer2_w6(const float *x, float *out, size_t n) { return o_w6(x, out, n, 0); }
int64_t peer2_w7(const int64_t *v, size_t n) { return o_w7(v, n); }
size_t peer2_w8(const float *x, size_t n) { return o_w8(x, n); }
void peer2_w9(const float *x, const uint32_t *k, float *h, size_t n) { o_w9(x, k, h, n); }
int peer2_threads(void) { return omp_get_max_threads(); }
