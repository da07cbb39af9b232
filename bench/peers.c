/*
** peers.c -- the P1 kernels of kernels.h (hand-written sequential C, the
** primary rows of /work/shared/peers/RESULTS.md) behind plain functions.
** Compiled only when PLEAT_PEERS_DIR/kernels.h exists, with the peers' own
** flags (-O3 -march=native); warnings are off for this external header.
*/
#include "kernels.h"

#include "bench_peers.h"

float peer_w1(const float *x, size_t n) { return w1_lanes(x, n); }
float peer_w2(const float *x, size_t n) { return w2_lanes(x, n); }
uint64_t peer_w3(const float *x, size_t n) { return w3(x, n); }
void peer_w4(const float *x, size_t n, float *mn, float *mx) { w4_lanes(x, n, mn, mx); }
void peer_w5(const float *x, float *out, size_t n) { w5(x, out, n); }
size_t peer_w6(const float *x, float *out, size_t n) { return w6(x, out, n); }
int64_t peer_w7(const int64_t *v, size_t n) { return w7(v, n); }
size_t peer_w8(const float *x, size_t n) { return w8_blocked(x, n); }
void peer_w9(const float *x, const uint32_t *k, float *h, size_t n) { w9(x, k, h, n); }
void peer_w9_imod(const float *x, float *h, size_t n) { w9_imod(x, h, n); }
