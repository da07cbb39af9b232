/*
** peers_pocl.c -- the P5 kernels of the peer baselines (hand-written
** OpenCL, CPU-style: each work item owns a contiguous chunk read with
** vload16; /work/shared/peers/p5_pocl.c) behind plain functions, for
** `pleat_bench --peer pocl` (W1, W2, W3 only, as P5).  The same device
** pleat's opencl back end picks first, the same launch shape as P5 (64
** groups of 8), the same timed region (enqueue, finish, read the partials,
** sum them on the host).  p5_pocl.c's own main is renamed away.
*/
#define main p5_pocl_main_unused
#include "p5_pocl.c"
#undef main

#include "bench_peers.h"

static cl_context p5_ctx;
static cl_command_queue p5_q;
static cl_program p5_prog;
static cl_kernel p5_k[3];
static cl_mem p5_part, p5_x;
static const float *p5_xp;
static size_t p5_xn;
enum { P5_GROUPS = 64, P5_LOCAL = 8 };

int peer5_init(char *what, size_t len) {
  cl_platform_id plat;
  cl_uint np = 0;
  cl_device_id dev;
  cl_int err;
  if (clGetPlatformIDs(1, &plat, &np) != CL_SUCCESS || !np ||
      clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) != CL_SUCCESS) {
    snprintf(what, len, "no OpenCL platform or device");
    return 0;
  }
  char name[200] = "";
  clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name - 1, name, NULL);
  p5_ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
  if (!p5_ctx) { snprintf(what, len, "clCreateContext: %d", err); return 0; }
  p5_q = clCreateCommandQueue(p5_ctx, dev, 0, &err);
  p5_prog = clCreateProgramWithSource(p5_ctx, 1, &SRC, NULL, &err);
  if (!p5_q || !p5_prog || clBuildProgram(p5_prog, 1, &dev, "-cl-std=CL1.2", NULL, NULL) != CL_SUCCESS) {
    snprintf(what, len, "building p5_pocl.c's kernels failed");
    return 0;
  }
  static const char *const names[3] = {"w1_cpu", "w2_cpu", "w3_cpu"};
  for (int k = 0; k < 3; k++) {
    p5_k[k] = clCreateKernel(p5_prog, names[k], &err);
    if (!p5_k[k]) { snprintf(what, len, "clCreateKernel %s: %d", names[k], err); return 0; }
  }
  p5_part = clCreateBuffer(p5_ctx, CL_MEM_READ_WRITE, P5_GROUPS * 4, NULL, &err);
  if (!p5_part) { snprintf(what, len, "clCreateBuffer: %d", err); return 0; }
  snprintf(what, len, "%s", name);
  return 1;
}

/* kernel k over x: the partials' sum (P5's timed region) */
static double p5_run(int k, const float *x, size_t n) {
  if (x != p5_xp || n != p5_xn) { /* zero copy on a CPU device, as P5 */
    if (p5_x) clReleaseMemObject(p5_x);
    p5_x = clCreateBuffer(p5_ctx, CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR, n * 4, (void *)x, NULL);
    p5_xp = x;
    p5_xn = n;
  }
  cl_ulong nn = n;
  clSetKernelArg(p5_k[k], 0, sizeof(cl_mem), &p5_x);
  clSetKernelArg(p5_k[k], 1, sizeof nn, &nn);
  clSetKernelArg(p5_k[k], 2, sizeof(cl_mem), &p5_part);
  clSetKernelArg(p5_k[k], 3, P5_LOCAL * 4, NULL);
  size_t gsz = P5_GROUPS * P5_LOCAL, lsz = P5_LOCAL;
  union { float f[P5_GROUPS]; uint32_t u[P5_GROUPS]; } part;
  if (clEnqueueNDRangeKernel(p5_q, p5_k[k], 1, NULL, &gsz, &lsz, 0, NULL, NULL) != CL_SUCCESS ||
      clEnqueueReadBuffer(p5_q, p5_part, CL_TRUE, 0, sizeof part, &part, 0, NULL, NULL) != CL_SUCCESS)
    return -1;
  double s = 0;
  for (int g = 0; g < P5_GROUPS; g++) s += k == 2 ? (double)part.u[g] : (double)part.f[g];
  return s;
}

float peer5_w1(const float *x, size_t n) { return (float)p5_run(0, x, n); }
float peer5_w2(const float *x, size_t n) { return (float)p5_run(1, x, n); }
uint64_t peer5_w3(const float *x, size_t n) { return (uint64_t)p5_run(2, x, n); }
