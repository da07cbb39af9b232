/*
** cuda_api.h -- the CUDA driver API and NVRTC, opened at run time
** (dlopen), never linked: a library built with the toolkit loads, and runs
** its other back ends, on a machine without the driver (DESIGN principle
** 6).  The prototypes come from the toolkit's own cuda.h and nvrtc.h, so
** every call is checked against the real API at build time; the names
** looked up are the versioned ones those headers map to (cuMemAlloc_v2).
*/
#ifndef PLEAT_CUDA_API_H
#define PLEAT_CUDA_API_H

#include <cuda.h>
#include <nvrtc.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct pleat__cu {
  void *lib;
  __typeof__(cuInit) *Init;
  __typeof__(cuDriverGetVersion) *DriverGetVersion;
  __typeof__(cuDeviceGetCount) *DeviceGetCount;
  __typeof__(cuDeviceGet) *DeviceGet;
  __typeof__(cuDeviceGetName) *DeviceGetName;
  __typeof__(cuDeviceGetAttribute) *DeviceGetAttribute;
  __typeof__(cuDeviceTotalMem) *DeviceTotalMem;
  __typeof__(cuDevicePrimaryCtxRetain) *DevicePrimaryCtxRetain;
  __typeof__(cuDevicePrimaryCtxRelease) *DevicePrimaryCtxRelease;
  __typeof__(cuCtxPushCurrent) *CtxPushCurrent;
  __typeof__(cuCtxPopCurrent) *CtxPopCurrent;
  __typeof__(cuCtxSynchronize) *CtxSynchronize;
  __typeof__(cuMemGetInfo) *MemGetInfo;
  __typeof__(cuMemAlloc) *MemAlloc;
  __typeof__(cuMemFree) *MemFree;
  __typeof__(cuMemcpyHtoDAsync) *MemcpyHtoDAsync;
  __typeof__(cuMemcpyDtoHAsync) *MemcpyDtoHAsync;
  __typeof__(cuMemsetD8Async) *MemsetD8Async;
  __typeof__(cuStreamCreate) *StreamCreate;
  __typeof__(cuStreamDestroy) *StreamDestroy;
  __typeof__(cuStreamSynchronize) *StreamSynchronize;
  __typeof__(cuModuleLoadDataEx) *ModuleLoadDataEx;
  __typeof__(cuModuleUnload) *ModuleUnload;
  __typeof__(cuModuleGetFunction) *ModuleGetFunction;
  __typeof__(cuFuncGetAttribute) *FuncGetAttribute;
  __typeof__(cuLaunchKernel) *LaunchKernel;
  __typeof__(cuGetErrorName) *GetErrorName;
  __typeof__(cuGetErrorString) *GetErrorString;
} pleat__cu;

typedef struct pleat__nvrtc {
  void *lib;
  int major, minor;
  __typeof__(nvrtcVersion) *Version;
  __typeof__(nvrtcGetErrorString) *GetErrorString;
  __typeof__(nvrtcCreateProgram) *CreateProgram;
  __typeof__(nvrtcDestroyProgram) *DestroyProgram;
  __typeof__(nvrtcCompileProgram) *CompileProgram;
  __typeof__(nvrtcGetProgramLogSize) *GetProgramLogSize;
  __typeof__(nvrtcGetProgramLog) *GetProgramLog;
  __typeof__(nvrtcGetPTXSize) *GetPTXSize;
  __typeof__(nvrtcGetPTX) *GetPTX;
  __typeof__(nvrtcGetCUBINSize) *GetCUBINSize;   /* NULL before NVRTC 11.1 */
  __typeof__(nvrtcGetCUBIN) *GetCUBIN;
  __typeof__(nvrtcGetNumSupportedArchs) *GetNumSupportedArchs; /* NULL before 11.2 */
  __typeof__(nvrtcGetSupportedArchs) *GetSupportedArchs;
} pleat__nvrtc;

/** The driver API, loaded and initialised once (cuInit(0)); NULL with the
    reason in why ("libcuda.so.1 not found (no NVIDIA driver on this
    machine)", "no CUDA device", the stub library...).  $PLEAT_CUDA_DRIVER
    names the library instead of libcuda.so.1. */
const pleat__cu *pleat__cu_get(char *why, size_t n);

/** NVRTC, loaded once (the newest libnvrtc.so.* found, or
    $PLEAT_NVRTC_LIB); NULL with the reason in why. */
const pleat__nvrtc *pleat__nvrtc_get(char *why, size_t n);

/** "CUDA_ERROR_OUT_OF_MEMORY (out of memory)" for e, in buf. */
const char *pleat__cu_errstr(CUresult e, char *buf, size_t n);

/** Errors after which the context is unusable (an illegal address in a
    kernel, a launch failure...): every later call fails the same way. */
bool pleat__cu_sticky(CUresult e);

#endif
