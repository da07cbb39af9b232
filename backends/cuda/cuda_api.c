/*
** cuda_api.c -- see cuda_api.h.  Each library is looked up once; the
** reason it is unusable is kept, so every later probe says the same thing
** at no cost.
*/
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_api.h"

/* the versioned name a cuda.h macro maps f to (cuMemAlloc -> "cuMemAlloc_v2") */
#define NAME_OF(f) NAME_OF_(f)
#define NAME_OF_(f) #f

static pleat__cu cu;
static bool cu_ok;
static char cu_why[256];
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;

static void cu_load(void) {
  const char *lib = getenv("PLEAT_CUDA_DRIVER");
  bool named = lib && *lib;
  cu.lib = dlopen(named ? lib : "libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!cu.lib) {
    if (named) snprintf(cu_why, sizeof cu_why, "PLEAT_CUDA_DRIVER=%s cannot be opened", lib);
    else snprintf(cu_why, sizeof cu_why, "libcuda.so.1 not found (no NVIDIA driver on this machine)");
    return;
  }
#define SYM(field, f)                                                                      \
  if (!(*(void **)&cu.field = dlsym(cu.lib, NAME_OF(f)))) {                                \
    snprintf(cu_why, sizeof cu_why, "the driver library has no %s (driver too old)", NAME_OF(f)); \
    return;                                                                                \
  }
  SYM(Init, cuInit) SYM(DriverGetVersion, cuDriverGetVersion) SYM(DeviceGetCount, cuDeviceGetCount)
  SYM(DeviceGet, cuDeviceGet) SYM(DeviceGetName, cuDeviceGetName)
  SYM(DeviceGetAttribute, cuDeviceGetAttribute) SYM(DeviceTotalMem, cuDeviceTotalMem)
  SYM(DevicePrimaryCtxRetain, cuDevicePrimaryCtxRetain)
  SYM(DevicePrimaryCtxRelease, cuDevicePrimaryCtxRelease) SYM(CtxPushCurrent, cuCtxPushCurrent)
  SYM(CtxPopCurrent, cuCtxPopCurrent) SYM(CtxSynchronize, cuCtxSynchronize)
  SYM(MemGetInfo, cuMemGetInfo) SYM(MemAlloc, cuMemAlloc) SYM(MemFree, cuMemFree)
  SYM(MemcpyHtoDAsync, cuMemcpyHtoDAsync) SYM(MemcpyDtoHAsync, cuMemcpyDtoHAsync)
  SYM(MemsetD8Async, cuMemsetD8Async) SYM(StreamCreate, cuStreamCreate)
  SYM(StreamDestroy, cuStreamDestroy) SYM(StreamSynchronize, cuStreamSynchronize)
  SYM(ModuleLoadDataEx, cuModuleLoadDataEx) SYM(ModuleUnload, cuModuleUnload)
  SYM(ModuleGetFunction, cuModuleGetFunction) SYM(FuncGetAttribute, cuFuncGetAttribute)
  SYM(LaunchKernel, cuLaunchKernel) SYM(GetErrorName, cuGetErrorName)
  SYM(GetErrorString, cuGetErrorString)
#undef SYM
  CUresult e = cu.Init(0);
  if (e == CUDA_ERROR_STUB_LIBRARY) {
    snprintf(cu_why, sizeof cu_why, "%s is the toolkit's stub library, not an NVIDIA driver",
             named ? lib : "libcuda.so.1");
    return;
  }
  if (e == CUDA_ERROR_NO_DEVICE) {
    snprintf(cu_why, sizeof cu_why, "no CUDA device (the driver is installed)");
    return;
  }
  if (e != CUDA_SUCCESS) {
    char b[128];
    snprintf(cu_why, sizeof cu_why, "cuInit failed: %s", pleat__cu_errstr(e, b, sizeof b));
    return;
  }
  int nd = 0;
  if (cu.DeviceGetCount(&nd) != CUDA_SUCCESS || nd <= 0) {
    snprintf(cu_why, sizeof cu_why, "no CUDA device");
    return;
  }
  cu_ok = true;
}

const pleat__cu *pleat__cu_get(char *why, size_t n) {
  pthread_once(&cu_once, cu_load);
  if (!cu_ok && why) snprintf(why, n, "%s", cu_why);
  return cu_ok ? &cu : NULL;
}

static pleat__nvrtc nv;
static bool nv_ok;
static char nv_why[256];
static pthread_once_t nv_once = PTHREAD_ONCE_INIT;

static void nv_load(void) {
  const char *lib = getenv("PLEAT_NVRTC_LIB");
  if (lib && *lib) {
    nv.lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!nv.lib) {
      snprintf(nv_why, sizeof nv_why, "PLEAT_NVRTC_LIB=%s cannot be opened", lib);
      return;
    }
  } else {
    /* the newest first; the toolkit's own lib64 when it is not on the path */
    static const char *const names[] = {
      "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so",
      "/usr/local/cuda/lib64/libnvrtc.so", "/usr/local/cuda/lib/libnvrtc.so",
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0] && !nv.lib; k++)
      nv.lib = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
    if (!nv.lib) {
      snprintf(nv_why, sizeof nv_why, "libnvrtc.so not found (install the CUDA toolkit's NVRTC "
               "or put its lib64 on LD_LIBRARY_PATH)");
      return;
    }
  }
#define SYM(field, f)                                                                    \
  if (!(*(void **)&nv.field = dlsym(nv.lib, #f))) {                                      \
    snprintf(nv_why, sizeof nv_why, "the NVRTC library has no " #f);                    \
    return;                                                                              \
  }
  SYM(Version, nvrtcVersion) SYM(GetErrorString, nvrtcGetErrorString)
  SYM(CreateProgram, nvrtcCreateProgram) SYM(DestroyProgram, nvrtcDestroyProgram)
  SYM(CompileProgram, nvrtcCompileProgram) SYM(GetProgramLogSize, nvrtcGetProgramLogSize)
  SYM(GetProgramLog, nvrtcGetProgramLog) SYM(GetPTXSize, nvrtcGetPTXSize) SYM(GetPTX, nvrtcGetPTX)
#undef SYM
  *(void **)&nv.GetCUBINSize = dlsym(nv.lib, "nvrtcGetCUBINSize");
  *(void **)&nv.GetCUBIN = dlsym(nv.lib, "nvrtcGetCUBIN");
  *(void **)&nv.GetNumSupportedArchs = dlsym(nv.lib, "nvrtcGetNumSupportedArchs");
  *(void **)&nv.GetSupportedArchs = dlsym(nv.lib, "nvrtcGetSupportedArchs");
  if (nv.Version(&nv.major, &nv.minor) != NVRTC_SUCCESS) {
    snprintf(nv_why, sizeof nv_why, "nvrtcVersion failed");
    return;
  }
  nv_ok = true;
}

const pleat__nvrtc *pleat__nvrtc_get(char *why, size_t n) {
  pthread_once(&nv_once, nv_load);
  if (!nv_ok && why) snprintf(why, n, "%s", nv_why);
  return nv_ok ? &nv : NULL;
}

const char *pleat__cu_errstr(CUresult e, char *buf, size_t n) {
  const char *name = NULL, *text = NULL;
  if (cu.GetErrorName) cu.GetErrorName(e, &name);
  if (cu.GetErrorString) cu.GetErrorString(e, &text);
  if (name && text) snprintf(buf, n, "%s (%s)", name, text);
  else snprintf(buf, n, "CUDA error %d", (int)e);
  return buf;
}

bool pleat__cu_sticky(CUresult e) {
  switch (e) {
    case CUDA_ERROR_ILLEGAL_ADDRESS: case CUDA_ERROR_LAUNCH_FAILED:
    case CUDA_ERROR_HARDWARE_STACK_ERROR: case CUDA_ERROR_ILLEGAL_INSTRUCTION:
    case CUDA_ERROR_MISALIGNED_ADDRESS: case CUDA_ERROR_INVALID_ADDRESS_SPACE:
    case CUDA_ERROR_INVALID_PC: case CUDA_ERROR_LAUNCH_TIMEOUT: case CUDA_ERROR_ECC_UNCORRECTABLE:
    case CUDA_ERROR_ASSERT: case CUDA_ERROR_CONTEXT_IS_DESTROYED:
      return true;
    default:
      return false;
  }
}
