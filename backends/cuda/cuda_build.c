/*
** cuda_build.c -- see cuda_build.h.
*/
#include <stdio.h>
#include <string.h>

#include "cuda_build.h"
#include "kcache.h"

/* seq's bits: contraction off, IEEE-rounded division and sqrt, denormals
   kept (kernels/pleat_math.h states the same requirements) */
static const char *const opts_common[] = {"--fmad=false", "--prec-div=true", "--prec-sqrt=true",
                                          "--ftz=false"};
#define NOPTS_COMMON (sizeof opts_common / sizeof opts_common[0])

int pleat__cuda_arch_for(const pleat__nvrtc *nv, int cc) {
  int best = 0;
  int num = 0;
  if (nv->GetNumSupportedArchs && nv->GetSupportedArchs &&
      nv->GetNumSupportedArchs(&num) == NVRTC_SUCCESS && num > 0 && num <= 128) {
    int a[128];
    if (nv->GetSupportedArchs(a) == NVRTC_SUCCESS)
      for (int k = 0; k < num; k++)
        if (a[k] <= cc && a[k] > best) best = a[k];
    return best;
  }
  /* NVRTC before 11.2 cannot say: every NVRTC of that age knew sm_52 up to
     sm_80 */
  if (cc >= 52) best = cc < 80 ? cc : 80;
  return best;
}

pleat_status pleat__cuda_compile(pleat__alloc *al, const char *src, size_t len, int arch,
                                 bool cubin, int driver, void **out, size_t *outlen,
                                 bool *is_cubin, pleat__msg *msg) {
  *out = NULL;
  *outlen = 0;
  char why[256];
  const pleat__nvrtc *nv = pleat__nvrtc_get(why, sizeof why);
  if (!nv) {
    pleat__msg_set(msg, "%s", why);
    return PLEAT_E_UNAVAILABLE;
  }
  cubin = cubin && nv->GetCUBINSize && nv->GetCUBIN;
  char archopt[48];
  snprintf(archopt, sizeof archopt, "--gpu-architecture=%s_%d", cubin ? "sm" : "compute", arch);
  const char *opts[NOPTS_COMMON + 1];
  for (size_t k = 0; k < NOPTS_COMMON; k++) opts[k] = opts_common[k];
  opts[NOPTS_COMMON] = archopt;

  /* the on-disk cache: everything the result depends on is in the key */
  pleat__str key;
  pleat__str_init(&key, al);
  pleat__str_printf(&key, "pleat %s cuda\nnvrtc %d.%d\ndriver %d\n%s\n", pleat_version_string(),
                    nv->major, nv->minor, driver, cubin ? "cubin" : "ptx");
  for (size_t k = 0; k <= NOPTS_COMMON; k++) pleat__str_printf(&key, "%s\n", opts[k]);
  pleat__str_append(&key, src, len);
  if (!key.oom) {
    size_t got = 0;
    void *hit = pleat__kcache_get(al, key.s, key.len, &got);
    if (hit && got) {
      pleat__log(PLEAT_LOG_INFO, "cuda: kernel from the disk cache");
      pleat__str_free(&key);
      *out = hit;
      *outlen = cubin ? got : got - 1;
      *is_cubin = cubin;
      return PLEAT_OK;
    }
    pleat__free(al, hit);
  }

  /* the source is not NUL-terminated in general */
  char *z = pleat__malloc(al, len + 1);
  if (!z) {
    pleat__str_free(&key);
    pleat__msg_set(msg, "out of memory for the kernel source");
    return PLEAT_E_NOMEM;
  }
  memcpy(z, src, len);
  z[len] = 0;
  nvrtcProgram prog = NULL;
  nvrtcResult r = nv->CreateProgram(&prog, z, "pleat_kernel.cu", 0, NULL, NULL);
  pleat__free(al, z);
  if (r != NVRTC_SUCCESS) {
    pleat__str_free(&key);
    pleat__msg_set(msg, "nvrtcCreateProgram: %s", nv->GetErrorString(r));
    return r == NVRTC_ERROR_OUT_OF_MEMORY ? PLEAT_E_NOMEM : PLEAT_E_BUILD;
  }
  r = nv->CompileProgram(prog, (int)(NOPTS_COMMON + 1), opts);
  if (r != NVRTC_SUCCESS) {
    size_t ls = 0;
    char log[PLEAT_MSG_MAX - 96];
    log[0] = 0;
    if (nv->GetProgramLogSize(prog, &ls) == NVRTC_SUCCESS && ls > 1) {
      char *full = pleat__malloc(al, ls);
      if (full && nv->GetProgramLog(prog, full) == NVRTC_SUCCESS)
        snprintf(log, sizeof log, "%s", full);
      pleat__free(al, full);
    }
    nv->DestroyProgram(&prog);
    pleat__str_free(&key);
    pleat__msg_set(msg, "NVRTC %d.%d (%s): %s; log: %s", nv->major, nv->minor, archopt,
                   nv->GetErrorString(r), log);
    return r == NVRTC_ERROR_OUT_OF_MEMORY ? PLEAT_E_NOMEM : PLEAT_E_BUILD;
  }
  size_t sz = 0;
  r = cubin ? nv->GetCUBINSize(prog, &sz) : nv->GetPTXSize(prog, &sz);
  char *img = r == NVRTC_SUCCESS && sz ? pleat__malloc(al, sz + 1) : NULL;
  if (img) r = cubin ? nv->GetCUBIN(prog, img) : nv->GetPTX(prog, img);
  nv->DestroyProgram(&prog);
  if (!img || r != NVRTC_SUCCESS) {
    pleat__free(al, img);
    pleat__str_free(&key);
    pleat__msg_set(msg, "NVRTC wrote no %s (%s)", cubin ? "cubin" : "PTX",
                   r == NVRTC_SUCCESS ? "out of memory" : nv->GetErrorString(r));
    return r == NVRTC_SUCCESS ? PLEAT_E_NOMEM : PLEAT_E_BUILD;
  }
  img[sz] = 0;
  if (!cubin) sz = strlen(img); /* the PTX size counts its NUL */
  pleat__log(PLEAT_LOG_INFO, "cuda: NVRTC %d.%d compiled %zu bytes of source to %zu bytes of %s",
             nv->major, nv->minor, len, sz, cubin ? "cubin" : "PTX");
  if (!key.oom) pleat__kcache_put(key.s, key.len, img, cubin ? sz : sz + 1);
  pleat__str_free(&key);
  *out = img;
  *outlen = sz;
  *is_cubin = cubin;
  return PLEAT_OK;
}
