/*
** opencl.c -- the opencl back end: the device operations of the GPU host
** layer (backends/gpu/gpu.h) over OpenCL 1.2.  The ICD loader is opened at
** run time (dlopen), so the library loads, and the other back ends work,
** on a machine without it (DESIGN principle 6).
**
** Devices: PLEAT_DEVICE (or the context option) picks one by index in the
** order of `pleat info`, or by a substring of its name; by default the
** first GPU, else the first device.  A CPU device (PoCL) gets the inputs
** by reference (CL_MEM_USE_HOST_PTR), a GPU a copy.
*/
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "gpu.h"
#include "kcache.h"

/* ---- the API, opened at run time ------------------------------------------- */

typedef struct clapi {
  void *lib;
  cl_int (*GetPlatformIDs)(cl_uint, cl_platform_id *, cl_uint *);
  cl_int (*GetPlatformInfo)(cl_platform_id, cl_platform_info, size_t, void *, size_t *);
  cl_int (*GetDeviceIDs)(cl_platform_id, cl_device_type, cl_uint, cl_device_id *, cl_uint *);
  cl_int (*GetDeviceInfo)(cl_device_id, cl_device_info, size_t, void *, size_t *);
  cl_context (*CreateContext)(const cl_context_properties *, cl_uint, const cl_device_id *,
                              void (*)(const char *, const void *, size_t, void *), void *,
                              cl_int *);
  cl_command_queue (*CreateCommandQueue)(cl_context, cl_device_id, cl_command_queue_properties,
                                         cl_int *);
  cl_program (*CreateProgramWithSource)(cl_context, cl_uint, const char **, const size_t *,
                                        cl_int *);
  cl_program (*CreateProgramWithBinary)(cl_context, cl_uint, const cl_device_id *, const size_t *,
                                        const unsigned char **, cl_int *, cl_int *);
  cl_int (*GetProgramInfo)(cl_program, cl_program_info, size_t, void *, size_t *);
  cl_int (*BuildProgram)(cl_program, cl_uint, const cl_device_id *, const char *,
                         void (*)(cl_program, void *), void *);
  cl_int (*GetProgramBuildInfo)(cl_program, cl_device_id, cl_program_build_info, size_t, void *,
                                size_t *);
  cl_kernel (*CreateKernel)(cl_program, const char *, cl_int *);
  cl_int (*SetKernelArg)(cl_kernel, cl_uint, size_t, const void *);
  cl_mem (*CreateBuffer)(cl_context, cl_mem_flags, size_t, void *, cl_int *);
  cl_int (*EnqueueNDRangeKernel)(cl_command_queue, cl_kernel, cl_uint, const size_t *,
                                 const size_t *, const size_t *, cl_uint, const cl_event *,
                                 cl_event *);
  cl_int (*EnqueueReadBuffer)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint,
                              const cl_event *, cl_event *);
  cl_int (*Finish)(cl_command_queue);
  void *(*EnqueueMapBuffer)(cl_command_queue, cl_mem, cl_bool, cl_map_flags, size_t, size_t, cl_uint,
                            const cl_event *, cl_event *, cl_int *);
  cl_int (*EnqueueUnmapMemObject)(cl_command_queue, cl_mem, void *, cl_uint, const cl_event *, cl_event *);
  cl_int (*ReleaseMemObject)(cl_mem);
  cl_int (*ReleaseKernel)(cl_kernel);
  cl_int (*ReleaseProgram)(cl_program);
  cl_int (*RetainProgram)(cl_program);
  cl_int (*ReleaseCommandQueue)(cl_command_queue);
  cl_int (*ReleaseContext)(cl_context);
} clapi;

static clapi cl;
static char cl_load_why[256];
static bool cl_loaded;
static pthread_once_t cl_once = PTHREAD_ONCE_INIT;

static void cl_load(void) {
  const char *names[] = {"libOpenCL.so.1", "libOpenCL.so"};
  for (size_t k = 0; k < 2 && !cl.lib; k++) cl.lib = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
  if (!cl.lib) {
    snprintf(cl_load_why, sizeof cl_load_why, "libOpenCL.so.1 not found (install ocl-icd-libopencl1)");
    return;
  }
#define SYM(f)                                                                          \
  if (!(*(void **)&cl.f = dlsym(cl.lib, "cl" #f))) {                                    \
    snprintf(cl_load_why, sizeof cl_load_why, "libOpenCL.so.1 has no cl" #f);         \
    return;                                                                             \
  }
  SYM(GetPlatformIDs) SYM(GetPlatformInfo) SYM(GetDeviceIDs) SYM(GetDeviceInfo)
  SYM(CreateContext) SYM(CreateCommandQueue) SYM(CreateProgramWithSource) SYM(BuildProgram)
  SYM(CreateProgramWithBinary) SYM(GetProgramInfo)
  SYM(GetProgramBuildInfo) SYM(CreateKernel) SYM(SetKernelArg) SYM(CreateBuffer)
  SYM(EnqueueNDRangeKernel) SYM(EnqueueReadBuffer) SYM(Finish) SYM(ReleaseMemObject)
  SYM(EnqueueMapBuffer) SYM(EnqueueUnmapMemObject)
  SYM(ReleaseKernel) SYM(ReleaseProgram) SYM(RetainProgram) SYM(ReleaseCommandQueue)
  SYM(ReleaseContext)
#undef SYM
  cl_loaded = true;
}

static const char *cl_err(cl_int e) {
  switch (e) {
    case CL_DEVICE_NOT_FOUND: return "CL_DEVICE_NOT_FOUND";
    case CL_OUT_OF_RESOURCES: return "CL_OUT_OF_RESOURCES";
    case CL_OUT_OF_HOST_MEMORY: return "CL_OUT_OF_HOST_MEMORY";
    case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
    case CL_BUILD_PROGRAM_FAILURE: return "CL_BUILD_PROGRAM_FAILURE";
    case CL_INVALID_VALUE: return "CL_INVALID_VALUE";
    case CL_INVALID_BUFFER_SIZE: return "CL_INVALID_BUFFER_SIZE";
    case CL_INVALID_KERNEL_ARGS: return "CL_INVALID_KERNEL_ARGS";
    case CL_INVALID_WORK_GROUP_SIZE: return "CL_INVALID_WORK_GROUP_SIZE";
    case -1001: return "no OpenCL platform (CL_PLATFORM_NOT_FOUND_KHR)";
    default: return "an OpenCL error";
  }
}

/* ---- devices ------------------------------------------------------------------ */

#define MAX_DEVICES 32

/* Every device of every platform, in a fixed order (platforms, then their
   devices); 0 when there is none. */
static cl_uint list_devices(cl_device_id *dev, cl_uint cap, cl_int *err) {
  cl_platform_id plat[8];
  cl_uint np = 0, nd = 0;
  *err = cl.GetPlatformIDs(8, plat, &np);
  if (*err != CL_SUCCESS) return 0;
  if (np > 8) np = 8;
  for (cl_uint p = 0; p < np && nd < cap; p++) {
    cl_uint got = 0;
    if (cl.GetDeviceIDs(plat[p], CL_DEVICE_TYPE_ALL, cap - nd, dev + nd, &got) == CL_SUCCESS)
      nd += got < cap - nd ? got : cap - nd;
  }
  return nd;
}

static void device_name(cl_device_id d, char *out, size_t n) {
  out[0] = 0;
  if (cl.GetDeviceInfo(d, CL_DEVICE_NAME, n, out, NULL) != CL_SUCCESS) snprintf(out, n, "?");
  out[n - 1] = 0;
}

static bool opencl_probe(char *why, size_t n) {
  pthread_once(&cl_once, cl_load);
  if (!cl_loaded) {
    snprintf(why, n, "%s", cl_load_why);
    return false;
  }
  cl_device_id dev[MAX_DEVICES];
  cl_int err;
  cl_uint nd = list_devices(dev, MAX_DEVICES, &err);
  if (!nd) {
    snprintf(why, n, "no OpenCL device (%s; is an ICD such as pocl-opencl-icd installed?)",
             err == CL_SUCCESS ? "no device" : cl_err(err));
    return false;
  }
  /* every device, as PLEAT_DEVICE numbers them: name, kind, memory, fp64 */
  size_t used = 0;
  int w = snprintf(why, n, "part of the language so far; ");
  used = w > 0 && (size_t)w < n ? (size_t)w : n - 1;
  for (cl_uint k = 0; k < nd && used + 1 < n; k++) {
    char name[96];
    device_name(dev[k], name, sizeof name);
    cl_device_type t = 0;
    cl_ulong mem = 0;
    cl_device_fp_config dfp = 0;
    cl.GetDeviceInfo(dev[k], CL_DEVICE_TYPE, sizeof t, &t, NULL);
    cl.GetDeviceInfo(dev[k], CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, NULL);
    cl.GetDeviceInfo(dev[k], CL_DEVICE_DOUBLE_FP_CONFIG, sizeof dfp, &dfp, NULL);
    w = snprintf(why + used, n - used, "%sdevice %u: %s (%s, %llu MiB, fp64 %s)", k ? "; " : "",
                 (unsigned)k, name, (t & CL_DEVICE_TYPE_GPU) ? "gpu" : (t & CL_DEVICE_TYPE_CPU) ? "cpu" : "accelerator",
                 (unsigned long long)(mem >> 20), dfp ? "yes" : "no");
    if (w < 0 || (size_t)w >= n - used) break;
    used += (size_t)w;
  }
  return true;
}

/* Programs built on this context, by source: plans of the same pipeline
   (and the same column types) share one build.  Each entry holds a
   reference; a plan holds its own. */
#define PROG_CACHE 128
typedef struct progent {
  uint64_t hash;
  size_t len;
  char *src;
  cl_program prog;
} progent;

typedef struct cldev {
  pleat__alloc *al;
  cl_device_id id;
  cl_context ctx;
  cl_command_queue q;
  bool cpu, fp64, crdiv;
  bool warp;            /* the warp shape of the kernel (codegen.h) */
  uint64_t max_alloc;
  char name[128];
  pthread_mutex_t lock; /* guards the cache */
  progent cache[PROG_CACHE];
  unsigned next;        /* the entry replaced next when full */
} cldev;

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t k = 0; k < n; k++) h = (h ^ (uint8_t)s[k]) * 0x100000001b3ull;
  return h;
}

static cl_program cache_get(cldev *d, uint64_t h, const char *src, size_t len) {
  cl_program p = NULL;
  pthread_mutex_lock(&d->lock);
  for (unsigned k = 0; k < PROG_CACHE && !p; k++) {
    progent *e = &d->cache[k];
    if (e->prog && e->hash == h && e->len == len && !memcmp(e->src, src, len)) {
      p = e->prog;
      cl.RetainProgram(p);
    }
  }
  pthread_mutex_unlock(&d->lock);
  return p;
}

static void cache_put(cldev *d, uint64_t h, const char *src, size_t len, cl_program p) {
  char *copy = pleat__malloc(d->al, len);
  if (!copy) return; /* not cached: only a later rebuild */
  memcpy(copy, src, len);
  cl.RetainProgram(p);
  pthread_mutex_lock(&d->lock);
  progent *e = &d->cache[d->next];
  d->next = (d->next + 1) % PROG_CACHE;
  if (e->prog) cl.ReleaseProgram(e->prog);
  pleat__free(d->al, e->src);
  e->hash = h;
  e->len = len;
  e->src = copy;
  e->prog = p;
  pthread_mutex_unlock(&d->lock);
}

static void listed_name(void *arg, size_t k, char *out, size_t n) {
  device_name(((cl_device_id *)arg)[k], out, n);
}

static pleat_status pick_device(const char *want, cl_device_id *out, pleat__msg *msg) {
  cl_device_id dev[MAX_DEVICES];
  cl_int err;
  cl_uint nd = list_devices(dev, MAX_DEVICES, &err);
  if (!nd) {
    pleat__msg_set(msg, "opencl: no OpenCL device (%s)", cl_err(err));
    return PLEAT_E_UNAVAILABLE;
  }
  long k0;
  pleat_status st = pleat__gpu_pick_device("opencl", want, nd, listed_name, dev, &k0, msg);
  if (st != PLEAT_OK || k0 >= 0) {
    if (st == PLEAT_OK) *out = dev[k0];
    return st;
  }
  for (cl_uint k = 0; k < nd; k++) {
    cl_device_type t = 0;
    cl.GetDeviceInfo(dev[k], CL_DEVICE_TYPE, sizeof t, &t, NULL);
    if (t & CL_DEVICE_TYPE_GPU) {
      *out = dev[k];
      return PLEAT_OK;
    }
  }
  *out = dev[0];
  return PLEAT_OK;
}

static pleat_status opencl_ctx_init(pleat_ctx *ctx, void **state) {
  pthread_once(&cl_once, cl_load);
  if (!cl_loaded) {
    pleat__msg_set(&ctx->msg, "opencl: %s", cl_load_why);
    return PLEAT_E_UNAVAILABLE;
  }
  cldev *d = pleat__calloc(&ctx->al, 1, sizeof *d);
  if (!d) return PLEAT_E_NOMEM;
  d->al = &ctx->al;
  pthread_mutex_init(&d->lock, NULL);
  pleat_status st = pick_device(ctx->device, &d->id, &ctx->msg);
  if (st != PLEAT_OK) {
    pthread_mutex_destroy(&d->lock);
    pleat__free(&ctx->al, d);
    return st;
  }
  device_name(d->id, d->name, sizeof d->name);
  cl_device_type t = 0;
  cl.GetDeviceInfo(d->id, CL_DEVICE_TYPE, sizeof t, &t, NULL);
  d->cpu = (t & CL_DEVICE_TYPE_CPU) != 0;
  /* a GPU walks a leaf with 32 work items (coalesced); a CPU with one.
     PLEAT_OPENCL_SHAPE=warp|leaf overrides it (tests run the warp shape on
     PoCL so that the CUDA kernel's algorithm is checked for real) */
  d->warp = !d->cpu;
  const char *shape = getenv("PLEAT_OPENCL_SHAPE");
  if (shape && !strcmp(shape, "warp")) d->warp = true;
  if (shape && !strcmp(shape, "leaf")) d->warp = false;
  cl_ulong ma = 0;
  cl.GetDeviceInfo(d->id, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof ma, &ma, NULL);
  d->max_alloc = ma ? ma : ((uint64_t)128 << 20);
  /* test knob: a smaller buffer limit, so a test input needs many launches */
  const char *mb = getenv("PLEAT_OPENCL_MAX_BUFFER");
  if (mb && *mb) {
    unsigned long long v = strtoull(mb, NULL, 10);
    if (v >= 4096 && v < d->max_alloc) d->max_alloc = v;
  }
  cl_device_fp_config dfp = 0, sfp = 0;
  cl.GetDeviceInfo(d->id, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof dfp, &dfp, NULL);
  cl.GetDeviceInfo(d->id, CL_DEVICE_SINGLE_FP_CONFIG, sizeof sfp, &sfp, NULL);
  d->fp64 = dfp != 0;
  d->crdiv = (sfp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
  cl_int err;
  d->ctx = cl.CreateContext(NULL, 1, &d->id, NULL, NULL, &err);
  if (!d->ctx) {
    pleat__msg_set(&ctx->msg, "opencl: cannot create a context on %s (%s)", d->name, cl_err(err));
    pthread_mutex_destroy(&d->lock);
    pleat__free(&ctx->al, d);
    return PLEAT_E_DEVICE;
  }
  d->q = cl.CreateCommandQueue(d->ctx, d->id, 0, &err);
  if (!d->q) {
    pleat__msg_set(&ctx->msg, "opencl: cannot create a queue on %s (%s)", d->name, cl_err(err));
    cl.ReleaseContext(d->ctx);
    pthread_mutex_destroy(&d->lock);
    pleat__free(&ctx->al, d);
    return PLEAT_E_DEVICE;
  }
  pleat__log(PLEAT_LOG_INFO, "opencl: device %s (%s, max buffer %llu MiB, fp64 %s)", d->name,
             d->cpu ? "cpu" : "gpu or accelerator", (unsigned long long)(d->max_alloc >> 20),
             d->fp64 ? "yes" : "no");
  *state = d;
  return PLEAT_OK;
}

static void opencl_ctx_free(pleat_ctx *ctx, void *state) {
  cldev *d = state;
  if (!d) return;
  for (unsigned k = 0; k < PROG_CACHE; k++) {
    if (d->cache[k].prog) cl.ReleaseProgram(d->cache[k].prog);
    pleat__free(d->al, d->cache[k].src);
  }
  pthread_mutex_destroy(&d->lock);
  cl.ReleaseCommandQueue(d->q);
  cl.ReleaseContext(d->ctx);
  pleat__free(&ctx->al, d);
}

/* ---- device operations ------------------------------------------------------------ */

static void *cl_build(void *dev, const char *src, size_t len, pleat__msg *msg) {
  cldev *d = dev;
  if (!d->crdiv) {
    pleat__msg_set(msg, "%s cannot round f32 division and sqrt correctly "
                   "(no CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT), which seq's answer needs", d->name);
    return NULL;
  }
  uint64_t h = fnv1a(src, len);
  cl_program p = cache_get(d, h, src, len);
  if (p) {
    pleat__log(PLEAT_LOG_INFO, "opencl: kernel found in the context's cache");
    return p;
  }
  /* no fast or relaxed math, denormals kept: only what the answer allows;
     -w: a user's x == x is no warning for PoCL to print on their stderr */
  static const char opts[] = "-cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt -w";
  cl_int err;
  /* the on-disk cache: a binary under a key naming all it depends on */
  char dver[128] = "", drv[128] = "";
  cl.GetDeviceInfo(d->id, CL_DEVICE_VERSION, sizeof dver - 1, dver, NULL);
  cl.GetDeviceInfo(d->id, CL_DRIVER_VERSION, sizeof drv - 1, drv, NULL);
  pleat__str key;
  pleat__str_init(&key, d->al);
  pleat__str_printf(&key, "pleat %s opencl\n%s\n%s\n%s\n%s\n", pleat_version_string(), opts, d->name,
                    dver, drv);
  pleat__str_append(&key, src, len);
  size_t bsz = 0;
  unsigned char *bin = key.oom ? NULL : pleat__kcache_get(d->al, key.s, key.len, &bsz);
  p = NULL;
  if (bin) {
    cl_int bst = CL_SUCCESS;
    const unsigned char *bp = bin;
    p = cl.CreateProgramWithBinary(d->ctx, 1, &d->id, &bsz, &bp, &bst, &err);
    if (p && (bst != CL_SUCCESS || cl.BuildProgram(p, 1, &d->id, opts, NULL, NULL) != CL_SUCCESS)) {
      cl.ReleaseProgram(p); /* not usable here after all: build from source */
      p = NULL;
    }
    pleat__free(d->al, bin);
    if (p) {
      pleat__log(PLEAT_LOG_INFO, "opencl: kernel from the disk cache");
      pleat__str_free(&key);
      cache_put(d, h, src, len, p);
      return p;
    }
  }
  /* test knob: a source the compiler refuses, for the PLEAT_E_BUILD path */
  static const char broken[] = "#error pleat test: a kernel that does not build\n";
  const char *srcs[2] = {broken, src};
  size_t lens[2] = {sizeof broken - 1, len};
  bool brk = getenv("PLEAT_OPENCL_TEST_BUILD_ERROR") != NULL;
  p = cl.CreateProgramWithSource(d->ctx, brk ? 2 : 1, brk ? srcs : srcs + 1, brk ? lens : lens + 1, &err);
  if (!p) {
    pleat__msg_set(msg, "clCreateProgramWithSource: %s", cl_err(err));
    pleat__str_free(&key);
    return NULL;
  }
  err = cl.BuildProgram(p, 1, &d->id, opts, NULL, NULL);
  if (err != CL_SUCCESS) {
    char log[PLEAT_MSG_MAX - 64];
    size_t got = 0;
    log[0] = 0;
    cl.GetProgramBuildInfo(p, d->id, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, &got);
    log[sizeof log - 1] = 0;
    pleat__msg_set(msg, "%s on %s; build log: %s", cl_err(err), d->name, log);
    cl.ReleaseProgram(p);
    pleat__str_free(&key);
    return NULL;
  }
  pleat__log(PLEAT_LOG_INFO, "opencl: built a %zu-byte kernel on %s", len, d->name);
  if (pleat__log_level() >= PLEAT_LOG_DEBUG) { /* the compiler's warnings, if any */
    char log[2048];
    size_t got = 0;
    log[0] = 0;
    cl.GetProgramBuildInfo(p, d->id, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, &got);
    log[sizeof log - 1] = 0;
    if (log[0]) pleat__log(PLEAT_LOG_DEBUG, "opencl: build log: %s", log);
  }
  size_t bs = 0;
  if (!key.oom && cl.GetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof bs, &bs, NULL) == CL_SUCCESS && bs) {
    unsigned char *out = pleat__malloc(d->al, bs);
    if (out && cl.GetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof out, &out, NULL) == CL_SUCCESS)
      pleat__kcache_put(key.s, key.len, out, bs);
    pleat__free(d->al, out);
  }
  pleat__str_free(&key);
  cache_put(d, h, src, len, p);
  return p;
}

static void cl_release(void *dev, void *prog) {
  (void)dev;
  cl.ReleaseProgram(prog);
}

static pleat_status cl_launch(void *dev, void *prog, const pleat__gpu_launch *l, pleat__msg *msg) {
  cldev *d = dev;
  cl_int err;
  pleat_status st = PLEAT_OK;
  cl_mem bufs[PLEAT_MAX_COLUMNS + 4 + PLEAT__MAX_COLLECT_FIELDS];
  cl_mem ssum = NULL;
  cl_mem cob[PLEAT__MAX_COLLECT_FIELDS];
  size_t nb = 0;
  cl_kernel k = cl.CreateKernel(prog, "pleat_leaves", &err);
  if (!k) {
    pleat__msg_set(msg, "clCreateKernel: %s", cl_err(err));
    return PLEAT_E_DEVICE;
  }
  cl_ulong u[4] = {l->n, l->leaf0, l->nleaf, l->base};
  cl_uint arg = 0;
  for (int q = 0; q < 4; q++) cl.SetKernelArg(k, arg++, sizeof u[q], &u[q]);
  for (size_t c = 0; c < l->ncols; c++) {
    const pleat__gpu_col *gc = &l->cols[c];
    cl_mem m;
    if (gc->data && gc->bytes) {
      cl_mem_flags f = CL_MEM_READ_ONLY | (d->cpu ? CL_MEM_USE_HOST_PTR : CL_MEM_COPY_HOST_PTR);
      m = cl.CreateBuffer(d->ctx, f, gc->bytes, (void *)gc->data, &err);
    } else {
      m = cl.CreateBuffer(d->ctx, CL_MEM_READ_ONLY, 16, NULL, &err); /* a lazy column */
    }
    if (!m) {
      pleat__msg_set(msg, "clCreateBuffer of %zu bytes for column %zu: %s", gc->bytes, c, cl_err(err));
      st = err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_RESOURCES ||
                   err == CL_OUT_OF_HOST_MEMORY ? PLEAT_E_NOMEM : PLEAT_E_DEVICE;
      goto out;
    }
    bufs[nb++] = m;
    cl_int g = gc->gen;
    cl_ulong p = gc->param;
    cl.SetKernelArg(k, arg++, sizeof m, &m);
    cl.SetKernelArg(k, arg++, sizeof g, &g);
    cl.SetKernelArg(k, arg++, sizeof p, &p);
  }
  cl_mem out = cl.CreateBuffer(d->ctx, CL_MEM_WRITE_ONLY, l->out_bytes, NULL, &err);
  if (!out) {
    pleat__msg_set(msg, "clCreateBuffer of %zu bytes for the leaf rows: %s", l->out_bytes, cl_err(err));
    st = PLEAT_E_NOMEM;
    goto out;
  }
  bufs[nb++] = out;
  err = cl.SetKernelArg(k, arg++, sizeof out, &out);
  if (err != CL_SUCCESS) {
    pleat__msg_set(msg, "clSetKernelArg: %s", cl_err(err));
    st = PLEAT_E_INTERNAL;
    goto out;
  }
  if (l->ncarry) { /* codegen.h: the carries, the summaries, the pass */
    cl_mem sc = cl.CreateBuffer(d->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                (size_t)l->ncarry * l->nleaf * 16, (void *)l->scarry, &err);
    if (sc) bufs[nb++] = sc;
    if (sc) ssum = cl.CreateBuffer(d->ctx, CL_MEM_WRITE_ONLY, (size_t)l->nleaf * l->swide * 16, NULL, &err);
    if (!sc || !ssum) {
      pleat__msg_set(msg, "clCreateBuffer for the scan carries: %s", cl_err(err));
      st = PLEAT_E_NOMEM;
      goto out;
    }
    bufs[nb++] = ssum;
    cl_int sp = l->spass;
    cl.SetKernelArg(k, arg++, sizeof sc, &sc);
    cl.SetKernelArg(k, arg++, sizeof ssum, &ssum);
    cl.SetKernelArg(k, arg++, sizeof sp, &sp);
  }
  if (l->collect) { /* codegen.h: offsets, the pass, the output buffers */
    cl_mem coff = NULL;
    if (l->cpass) {
      coff = cl.CreateBuffer(d->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (size_t)l->nleaf * 8,
                             (void *)l->coff, &err);
      if (!coff) {
        pleat__msg_set(msg, "clCreateBuffer for the collect offsets: %s", cl_err(err));
        st = PLEAT_E_NOMEM;
        goto out;
      }
      bufs[nb++] = coff;
    }
    cl_int cp = l->cpass;
    cl.SetKernelArg(k, arg++, sizeof coff, &coff);
    cl.SetKernelArg(k, arg++, sizeof cp, &cp);
    for (size_t c = 0; c < l->ncollect; c++) {
      cob[c] = NULL;
      if (l->cpass && l->co_bytes[c]) {
        /* a CPU device writes the result's own buffer (no copy) */
        cob[c] = d->cpu ? cl.CreateBuffer(d->ctx, CL_MEM_WRITE_ONLY | CL_MEM_USE_HOST_PTR, l->co_bytes[c], l->co[c], &err)
                        : cl.CreateBuffer(d->ctx, CL_MEM_WRITE_ONLY, l->co_bytes[c], NULL, &err);
        if (!cob[c]) {
          pleat__msg_set(msg, "clCreateBuffer of %zu bytes for collected elements: %s", l->co_bytes[c],
                         cl_err(err));
          st = PLEAT_E_NOMEM;
          goto out;
        }
        bufs[nb++] = cob[c];
      }
      err = cl.SetKernelArg(k, arg++, sizeof cob[c], &cob[c]);
      if (err != CL_SUCCESS) {
        pleat__msg_set(msg, "clSetKernelArg: %s", cl_err(err));
        st = PLEAT_E_INTERNAL;
        goto out;
      }
    }
  }
  /* the kernel's shape: groups of whole leaves, or the device's choice */
  size_t local = (size_t)l->items_per_leaf * l->leaves_per_group;
  size_t groups = l->leaves_per_group ? (size_t)((l->nleaf + l->leaves_per_group - 1) / l->leaves_per_group) : 0;
  size_t global = local ? groups * local : (size_t)l->nleaf * l->items_per_leaf;
  err = cl.EnqueueNDRangeKernel(d->q, k, 1, NULL, &global, local ? &local : NULL, 0, NULL, NULL);
  if (err == CL_SUCCESS) err = cl.EnqueueReadBuffer(d->q, out, CL_TRUE, 0, l->out_bytes, l->out, 0, NULL, NULL);
  if (err == CL_SUCCESS && l->ncarry && l->spass >= 0)
    err = cl.EnqueueReadBuffer(d->q, ssum, CL_TRUE, 0, (size_t)l->nleaf * l->swide * 16, l->ssum, 0, NULL, NULL);
  for (size_t c = 0; l->collect && l->cpass && c < l->ncollect && err == CL_SUCCESS; c++)
    if (cob[c] && d->cpu) {
      /* the device wrote the host memory: mapping makes it the host's again */
      void *mp = cl.EnqueueMapBuffer(d->q, cob[c], CL_TRUE, CL_MAP_READ, 0, l->co_bytes[c], 0, NULL, NULL, &err);
      if (mp && err == CL_SUCCESS) {
        if (mp != l->co[c]) memcpy(l->co[c], mp, l->co_bytes[c]);
        err = cl.EnqueueUnmapMemObject(d->q, cob[c], mp, 0, NULL, NULL);
        if (err == CL_SUCCESS) err = cl.Finish(d->q);
      }
    } else if (cob[c]) {
      err = cl.EnqueueReadBuffer(d->q, cob[c], CL_TRUE, 0, l->co_bytes[c], l->co[c], 0, NULL, NULL);
    }
  if (err != CL_SUCCESS) {
    pleat__msg_set(msg, "running the kernel on %s: %s", d->name, cl_err(err));
    st = err == CL_OUT_OF_RESOURCES || err == CL_MEM_OBJECT_ALLOCATION_FAILURE ? PLEAT_E_NOMEM
                                                                               : PLEAT_E_DEVICE;
  }
out:
  for (size_t b = 0; b < nb; b++) cl.ReleaseMemObject(bufs[b]);
  cl.ReleaseKernel(k);
  return st;
}

static uint64_t cl_max_buffer(void *dev) { return ((cldev *)dev)->max_alloc; }
static bool cl_has_fp64(void *dev) { return ((cldev *)dev)->fp64; }
static bool cl_warp(void *dev) { return ((cldev *)dev)->warp; }

static const pleat__gpu_devops cl_ops = {
  .dialect_name = "opencl",
  .dialect = PLEAT__DIALECT_OPENCL,
  .build = cl_build,
  .release = cl_release,
  .launch = cl_launch,
  .max_buffer = cl_max_buffer,
  .has_fp64 = cl_has_fp64,
  .warp = cl_warp,
};

static pleat_status opencl_run(const pleat_plan *plan, const pleat_column *cols, uint64_t n,
                               pleat_result *res) {
  return pleat__gpu_run(plan, cols, n, res, &cl_ops, plan->ctx->backend_state);
}

static void opencl_plan_release(pleat_ctx *ctx, void *state, void *obj) {
  (void)ctx;
  cl_release(state, obj);
}

const pleat__backend_ops pleat__backend_opencl = {
  .name = "opencl",
  .built = true,
  .probe = opencl_probe,
  .ctx_init = opencl_ctx_init,
  .ctx_free = opencl_ctx_free,
  .run = opencl_run,
  .plan_release = opencl_plan_release,
  .partial = true,
};
