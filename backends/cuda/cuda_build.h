/*
** cuda_build.h -- the generated kernel through NVRTC: the options that
** keep seq's bits (no fused multiply-add, IEEE division and sqrt, no
** flush-to-zero), the architecture to compile for, and the on-disk cache
** of the results (backends/gpu/kcache.h), keyed by NVRTC, driver,
** architecture and source: a PTX from a newer toolkit fails on an older
** driver, so PTX alone is never the key.
*/
#ifndef PLEAT_CUDA_BUILD_H
#define PLEAT_CUDA_BUILD_H

#include "cuda_api.h"
#include "pleat_int.h"

/** The NVRTC architecture for a device of compute capability cc (major *
    10 + minor): the highest NVRTC supports that is not above cc; 0 when
    NVRTC supports none of them (the device is older than the toolkit). */
int pleat__cuda_arch_for(const pleat__nvrtc *nv, int cc);

/** Compiles src (len bytes) for arch: a cubin for sm_<arch> when cubin
    (and NVRTC can write one), otherwise PTX for compute_<arch>
    (NUL-terminated, its length without the NUL in *outlen).  driver is
    cuDriverGetVersion's number, or 0 without a driver; it is part of the
    cache key.  The result is allocated with al; on failure msg holds the
    NVRTC log. */
pleat_status pleat__cuda_compile(pleat__alloc *al, const char *src, size_t len, int arch,
                                 bool cubin, int driver, void **out, size_t *outlen,
                                 bool *is_cubin, pleat__msg *msg);

#endif
