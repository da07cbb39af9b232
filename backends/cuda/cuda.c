/*
** cuda.c -- the cuda back end: the device operations of the GPU host layer
** (backends/gpu/gpu.h) over the CUDA driver API, with kernels compiled by
** NVRTC (cuda_build.h).  Everything else -- the kernel, the launches in
** pieces, the leaf tree -- is the shared layer's, tested on PoCL.
**
** Devices: PLEAT_DEVICE (or the context option) picks one by index or by a
** substring of its name; by default device 0.  pleat runs on the device's
** primary context, so it shares the device with a program's own CUDA code.
** Launches of one context are serialised on its stream and reuse its
** device buffers.  A sticky error (an illegal address...) marks the
** context lost: every later call fails at once with the first error's
** message.  Out of memory is an error of that run only.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cuda_build.h"
#include "gpu.h"

#define B_ROWS PLEAT_MAX_COLUMNS
#define B_COFF (PLEAT_MAX_COLUMNS + 1)
#define B_SCARRY (PLEAT_MAX_COLUMNS + 2)
#define B_SSUM (PLEAT_MAX_COLUMNS + 3)
#define B_CO (PLEAT_MAX_COLUMNS + 4)
#define NBUF (B_CO + PLEAT__MAX_COLLECT_FIELDS)

typedef struct cudev {
  pleat__alloc *al;
  const pleat__cu *cu;
  CUdevice dev;
  CUcontext ctx;
  CUstream stream;
  int cc, arch, driver;
  bool cubin;              /* the driver loads cubins from this NVRTC */
  char name[128];
  uint64_t max_buf;
  pthread_mutex_t lock;    /* one launch at a time: the stream and buffers */
  /* the columns, then the rows, the collect offsets and the collect outputs */
  CUdeviceptr buf[NBUF];
  size_t cap[NBUF];
  atomic_bool lost;
  char lost_why[256];
} cudev;

typedef struct cuprog {
  CUmodule mod;
  CUfunction fn;
} cuprog;

/* ---- devices ------------------------------------------------------------------ */

static int dev_cc(const pleat__cu *cu, CUdevice d) {
  int ma = 0, mi = 0;
  cu->DeviceGetAttribute(&ma, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d);
  cu->DeviceGetAttribute(&mi, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d);
  return ma * 10 + mi;
}

static bool cuda_probe(char *why, size_t n) {
  const pleat__cu *cu = pleat__cu_get(why, n);
  if (!cu) return false;
  char nwhy[256];
  const pleat__nvrtc *nv = pleat__nvrtc_get(nwhy, sizeof nwhy);
  if (!nv) {
    snprintf(why, n, "%s (the driver is installed)", nwhy);
    return false;
  }
  int drv = 0, nd = 0;
  cu->DriverGetVersion(&drv);
  cu->DeviceGetCount(&nd);
  int w = snprintf(why, n, "part of the language so far; driver %d.%d, NVRTC %d.%d", drv / 1000,
                   drv % 1000 / 10, nv->major, nv->minor);
  size_t used = w > 0 && (size_t)w < n ? (size_t)w : n - 1;
  for (int k = 0; k < nd && used + 1 < n; k++) {
    CUdevice d;
    char name[96] = "?";
    size_t mem = 0;
    if (cu->DeviceGet(&d, k) != CUDA_SUCCESS) break;
    cu->DeviceGetName(name, sizeof name, d);
    cu->DeviceTotalMem(&mem, d);
    int cc = dev_cc(cu, d);
    w = snprintf(why + used, n - used, "; device %d: %s (sm_%d, %llu MiB)", k, name, cc,
                 (unsigned long long)(mem >> 20));
    if (w < 0 || (size_t)w >= n - used) break;
    used += (size_t)w;
  }
  return true;
}

static void listed_name(void *arg, size_t k, char *out, size_t n) {
  const pleat__cu *cu = arg;
  CUdevice d;
  if (cu->DeviceGet(&d, (int)k) == CUDA_SUCCESS) cu->DeviceGetName(out, (int)n, d);
}

/* PLEAT_DEVICE's device, by default device 0. */
static pleat_status pick_device(const pleat__cu *cu, const char *want, CUdevice *out,
                                pleat__msg *msg) {
  int nd = 0;
  cu->DeviceGetCount(&nd);
  long k = -1;
  pleat_status st = pleat__gpu_pick_device("cuda", want, nd > 0 ? (size_t)nd : 0, listed_name,
                                           (void *)cu, &k, msg);
  if (st != PLEAT_OK) return st;
  return cu->DeviceGet(out, k < 0 ? 0 : (int)k) == CUDA_SUCCESS ? PLEAT_OK : PLEAT_E_DEVICE;
}

static pleat_status cuda_ctx_init(pleat_ctx *ctx, void **state) {
  char why[256];
  const pleat__cu *cu = pleat__cu_get(why, sizeof why);
  if (!cu) {
    pleat__msg_set(&ctx->msg, "cuda: %s", why);
    return PLEAT_E_UNAVAILABLE;
  }
  const pleat__nvrtc *nv = pleat__nvrtc_get(why, sizeof why);
  if (!nv) {
    pleat__msg_set(&ctx->msg, "cuda: %s", why);
    return PLEAT_E_UNAVAILABLE;
  }
  cudev *d = pleat__calloc(&ctx->al, 1, sizeof *d);
  if (!d) return PLEAT_E_NOMEM;
  d->al = &ctx->al;
  d->cu = cu;
  pleat_status st = pick_device(cu, ctx->device, &d->dev, &ctx->msg);
  if (st != PLEAT_OK) {
    pleat__free(&ctx->al, d);
    return st;
  }
  cu->DeviceGetName(d->name, sizeof d->name, d->dev);
  cu->DriverGetVersion(&d->driver);
  d->cc = dev_cc(cu, d->dev);
  d->arch = pleat__cuda_arch_for(nv, d->cc);
  if (!d->arch) {
    pleat__msg_set(&ctx->msg, "cuda: NVRTC %d.%d cannot compile for %s (sm_%d): the device is "
                   "older than this toolkit supports", nv->major, nv->minor, d->name, d->cc);
    pleat__free(&ctx->al, d);
    return PLEAT_E_UNAVAILABLE;
  }
  /* a cubin of the device's own architecture when the driver is at least
     as new as NVRTC; PTX (which the driver compiles) otherwise */
  d->cubin = d->arch == d->cc && d->driver >= nv->major * 1000 + nv->minor * 10;
  char eb[160];
  CUresult e = cu->DevicePrimaryCtxRetain(&d->ctx, d->dev);
  if (e != CUDA_SUCCESS) {
    pleat__msg_set(&ctx->msg, "cuda: cannot use %s: %s", d->name, pleat__cu_errstr(e, eb, sizeof eb));
    pleat__free(&ctx->al, d);
    return e == CUDA_ERROR_OUT_OF_MEMORY ? PLEAT_E_NOMEM : PLEAT_E_DEVICE;
  }
  cu->CtxPushCurrent(d->ctx);
  /* a primary context an earlier error left unusable says so here */
  e = cu->CtxSynchronize();
  if (e == CUDA_SUCCESS) e = cu->StreamCreate(&d->stream, CU_STREAM_NON_BLOCKING);
  size_t fr = 0, tot = 0;
  if (e == CUDA_SUCCESS) e = cu->MemGetInfo(&fr, &tot);
  CUcontext dummy;
  cu->CtxPopCurrent(&dummy);
  if (e != CUDA_SUCCESS) {
    pleat__msg_set(&ctx->msg, "cuda: cannot use %s: %s%s", d->name, pleat__cu_errstr(e, eb, sizeof eb),
                   pleat__cu_sticky(e) ? " (the device's context was lost earlier in this process)" : "");
    cu->DevicePrimaryCtxRelease(d->dev);
    pleat__free(&ctx->al, d);
    return PLEAT_E_DEVICE;
  }
  /* one buffer per column and one for the rows: each well under the memory */
  d->max_buf = (uint64_t)tot / 8;
  if (d->max_buf < ((uint64_t)1 << 24)) d->max_buf = (uint64_t)1 << 24;
  pthread_mutex_init(&d->lock, NULL);
  pleat__log(PLEAT_LOG_INFO, "cuda: device %s (sm_%d, %llu MiB; kernels as %s for sm_%d)", d->name,
             d->cc, (unsigned long long)(tot >> 20), d->cubin ? "cubin" : "PTX", d->arch);
  *state = d;
  return PLEAT_OK;
}

static void cuda_ctx_free(pleat_ctx *ctx, void *state) {
  cudev *d = state;
  if (!d) return;
  const pleat__cu *cu = d->cu;
  cu->CtxPushCurrent(d->ctx);
  for (size_t k = 0; k < NBUF; k++)
    if (d->buf[k]) cu->MemFree(d->buf[k]);
  if (d->stream) cu->StreamDestroy(d->stream);
  CUcontext dummy;
  cu->CtxPopCurrent(&dummy);
  cu->DevicePrimaryCtxRelease(d->dev);
  pthread_mutex_destroy(&d->lock);
  pleat__free(&ctx->al, d);
}

/* ---- device operations ------------------------------------------------------------ */

/* A sticky error: the context is lost for good; remember the first. */
static pleat_status fail(cudev *d, CUresult e, const char *what, pleat__msg *msg) {
  char eb[160];
  pleat__cu_errstr(e, eb, sizeof eb);
  if (pleat__cu_sticky(e)) {
    bool was = atomic_exchange(&d->lost, true);
    if (!was) snprintf(d->lost_why, sizeof d->lost_why, "%s: %s", what, eb);
    pleat__msg_set(msg, "%s on %s: %s; the device's context is lost (every later call on it "
                   "fails; restart the process)", what, d->name, eb);
    return PLEAT_E_DEVICE;
  }
  pleat__msg_set(msg, "%s on %s: %s", what, d->name, eb);
  return e == CUDA_ERROR_OUT_OF_MEMORY ? PLEAT_E_NOMEM : PLEAT_E_DEVICE;
}

static bool is_lost(cudev *d, pleat__msg *msg) {
  if (!atomic_load(&d->lost)) return false;
  pleat__msg_set(msg, "the context on %s was lost earlier (%s); restart the process", d->name,
                 d->lost_why);
  return true;
}

static void *cu_build(void *dev, const char *src, size_t len, pleat__msg *msg) {
  cudev *d = dev;
  const pleat__cu *cu = d->cu;
  if (is_lost(d, msg)) return NULL;
  void *img = NULL;
  size_t sz = 0;
  bool is_cubin = false;
  if (pleat__cuda_compile(d->al, src, len, d->arch, d->cubin, d->driver, &img, &sz, &is_cubin,
                          msg) != PLEAT_OK)
    return NULL;
  cuprog *p = pleat__calloc(d->al, 1, sizeof *p);
  if (!p) {
    pleat__free(d->al, img);
    pleat__msg_set(msg, "out of memory");
    return NULL;
  }
  char jlog[512] = "";
  CUjit_option jo[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *jv[2] = {jlog, (void *)(uintptr_t)(sizeof jlog - 1)};
  cu->CtxPushCurrent(d->ctx);
  CUresult e = cu->ModuleLoadDataEx(&p->mod, img, 2, jo, jv);
  if (e == CUDA_SUCCESS) e = cu->ModuleGetFunction(&p->fn, p->mod, "pleat_leaves");
  CUcontext dummy;
  cu->CtxPopCurrent(&dummy);
  pleat__free(d->al, img);
  if (e != CUDA_SUCCESS) {
    char eb[160];
    pleat__cu_errstr(e, eb, sizeof eb);
    if (e == CUDA_ERROR_UNSUPPORTED_PTX_VERSION || e == CUDA_ERROR_INVALID_PTX ||
        e == CUDA_ERROR_NO_BINARY_FOR_GPU)
      pleat__msg_set(msg, "the driver (%d.%d) cannot load this %s from NVRTC: %s (driver too old "
                     "for this PTX? update the driver or use an older toolkit) %s",
                     d->driver / 1000, d->driver % 1000 / 10, is_cubin ? "cubin" : "PTX", eb, jlog);
    else (void)fail(d, e, "loading the kernel", msg);
    pleat__free(d->al, p);
    return NULL;
  }
  return p;
}

static void cu_release(void *dev, void *prog) {
  cudev *d = dev;
  cuprog *p = prog;
  d->cu->CtxPushCurrent(d->ctx);
  d->cu->ModuleUnload(p->mod);
  CUcontext dummy;
  d->cu->CtxPopCurrent(&dummy);
  pleat__free(d->al, p);
}

/* Buffer k holds at least bytes (grown, never shrunk: the next launch of
   the same size allocates nothing). */
static CUresult ensure(cudev *d, size_t k, size_t bytes) {
  if (d->cap[k] >= bytes) return CUDA_SUCCESS;
  if (d->buf[k]) d->cu->MemFree(d->buf[k]);
  d->buf[k] = 0;
  d->cap[k] = 0;
  size_t want = bytes < 4096 ? 4096 : bytes;
  CUresult e = d->cu->MemAlloc(&d->buf[k], want);
  if (e == CUDA_SUCCESS) d->cap[k] = want;
  return e;
}

static pleat_status cu_launch(void *dev, void *prog, const pleat__gpu_launch *l, pleat__msg *msg) {
  cudev *d = dev;
  const pleat__cu *cu = d->cu;
  cuprog *p = prog;
  if (is_lost(d, msg)) return PLEAT_E_DEVICE;
  pleat_status st = PLEAT_OK;
  pthread_mutex_lock(&d->lock);
  cu->CtxPushCurrent(d->ctx);
  unsigned long long u[4] = {l->n, l->leaf0, l->nleaf, l->base};
  CUdeviceptr ptr[NBUF];
  int gen[PLEAT_MAX_COLUMNS], cpass = l->cpass;
  unsigned long long par[PLEAT_MAX_COLUMNS];
  void *args[4 + 3 * PLEAT_MAX_COLUMNS + 6 + PLEAT__MAX_COLLECT_FIELDS];
  int spass = l->spass;
  size_t na = 0;
  for (int q = 0; q < 4; q++) args[na++] = &u[q];
  CUresult e = CUDA_SUCCESS;
  for (size_t c = 0; c < l->ncols && e == CUDA_SUCCESS; c++) {
    const pleat__gpu_col *gc = &l->cols[c];
    ptr[c] = 0; /* a lazy column: the kernel generates it */
    if (gc->data && gc->bytes) {
      e = ensure(d, c, gc->bytes);
      if (e != CUDA_SUCCESS) {
        st = fail(d, e, "allocating a column buffer", msg);
        goto out;
      }
      ptr[c] = d->buf[c];
      e = cu->MemcpyHtoDAsync(ptr[c], gc->data, gc->bytes, d->stream);
      if (e != CUDA_SUCCESS) {
        st = fail(d, e, "copying a column to the device", msg);
        goto out;
      }
    }
    gen[c] = gc->gen;
    par[c] = gc->param;
    args[na++] = &ptr[c];
    args[na++] = &gen[c];
    args[na++] = &par[c];
  }
  e = ensure(d, B_ROWS, l->out_bytes);
  if (e != CUDA_SUCCESS) {
    st = fail(d, e, "allocating the leaf rows", msg);
    goto out;
  }
  ptr[B_ROWS] = d->buf[B_ROWS];
  args[na++] = &ptr[B_ROWS];
  if (l->ncarry) { /* codegen.h: the carries, the summaries, the pass */
    size_t cb = (size_t)l->ncarry * l->nleaf * 16;
    e = ensure(d, B_SCARRY, cb);
    if (e == CUDA_SUCCESS) e = ensure(d, B_SSUM, (size_t)l->nleaf * l->swide * 16);
    if (e == CUDA_SUCCESS) e = cu->MemcpyHtoDAsync(d->buf[B_SCARRY], l->scarry, cb, d->stream);
    if (e != CUDA_SUCCESS) {
      st = fail(d, e, "copying the scan carries", msg);
      goto out;
    }
    ptr[B_SCARRY] = d->buf[B_SCARRY];
    ptr[B_SSUM] = d->buf[B_SSUM];
    args[na++] = &ptr[B_SCARRY];
    args[na++] = &ptr[B_SSUM];
    args[na++] = &spass;
  }
  if (l->collect) { /* codegen.h: offsets, the pass, the output buffers */
    ptr[B_COFF] = 0;
    if (l->cpass) {
      e = ensure(d, B_COFF, (size_t)l->nleaf * 8);
      if (e == CUDA_SUCCESS)
        e = cu->MemcpyHtoDAsync(d->buf[B_COFF], l->coff, (size_t)l->nleaf * 8, d->stream);
      if (e != CUDA_SUCCESS) {
        st = fail(d, e, "copying the collect offsets", msg);
        goto out;
      }
      ptr[B_COFF] = d->buf[B_COFF];
    }
    args[na++] = &ptr[B_COFF];
    args[na++] = &cpass;
    for (size_t c = 0; c < l->ncollect; c++) {
      ptr[B_CO + c] = 0;
      if (l->cpass && l->co_bytes[c]) {
        e = ensure(d, B_CO + c, l->co_bytes[c]);
        if (e != CUDA_SUCCESS) {
          st = fail(d, e, "allocating the collected elements", msg);
          goto out;
        }
        ptr[B_CO + c] = d->buf[B_CO + c];
      }
      args[na++] = &ptr[B_CO + c];
    }
  }
  unsigned block = l->items_per_leaf * l->leaves_per_group;
  unsigned long long grid = (l->nleaf + l->leaves_per_group - 1) / l->leaves_per_group;
  e = cu->LaunchKernel(p->fn, (unsigned)grid, 1, 1, block, 1, 1, 0, d->stream, args, NULL);
  if (e != CUDA_SUCCESS) {
    st = fail(d, e, "launching the kernel", msg);
    goto out;
  }
  e = cu->MemcpyDtoHAsync(l->out, ptr[B_ROWS], l->out_bytes, d->stream);
  if (e == CUDA_SUCCESS && l->ncarry && l->spass >= 0)
    e = cu->MemcpyDtoHAsync(l->ssum, ptr[B_SSUM], (size_t)l->nleaf * l->swide * 16, d->stream);
  for (size_t c = 0; l->collect && l->cpass && c < l->ncollect && e == CUDA_SUCCESS; c++)
    if (ptr[B_CO + c]) e = cu->MemcpyDtoHAsync(l->co[c], ptr[B_CO + c], l->co_bytes[c], d->stream);
  if (e == CUDA_SUCCESS) e = cu->StreamSynchronize(d->stream);
  if (e != CUDA_SUCCESS) st = fail(d, e, "running the kernel", msg);
out:;
  CUcontext dummy;
  cu->CtxPopCurrent(&dummy);
  pthread_mutex_unlock(&d->lock);
  return st;
}

static uint64_t cu_max_buffer(void *dev) { return ((cudev *)dev)->max_buf; }
static bool cu_has_fp64(void *dev) {
  (void)dev;
  return true; /* every CUDA device has fp64 (slow on some, never absent) */
}

static const pleat__gpu_devops cu_ops = {
  .dialect_name = "cuda",
  .dialect = PLEAT__DIALECT_CUDA,
  .build = cu_build,
  .release = cu_release,
  .launch = cu_launch,
  .max_buffer = cu_max_buffer,
  .has_fp64 = cu_has_fp64,
};

static pleat_status cuda_run(const pleat_plan *plan, const pleat_column *cols, uint64_t n,
                             pleat_result *res) {
  return pleat__gpu_run(plan, cols, n, res, &cu_ops, plan->ctx->backend_state);
}

static void cuda_plan_release(pleat_ctx *ctx, void *state, void *obj) {
  (void)ctx;
  cu_release(state, obj);
}

/* ---- explain --stage ptx ------------------------------------------------------------ */

/* The PTX NVRTC writes for the plan: for the context's device when it runs
   on cuda, else for $PLEAT_CUDA_ARCH (e.g. 90) or compute_80 -- so it
   works on a machine with the toolkit and no GPU. */
static pleat_status cuda_explain(const pleat_plan *plan, const char *stage, pleat__str *out,
                                 pleat__msg *msg) {
  if (strcmp(stage, "ptx")) return PLEAT_E_INVAL;
  int arch = 80;
  const char *why_arch = "the default without a CUDA device";
  const cudev *d = plan->ctx->backend == &pleat__backend_cuda ? plan->ctx->backend_state : NULL;
  const char *env = getenv("PLEAT_CUDA_ARCH");
  if (d) {
    arch = d->arch;
    why_arch = "the context's device";
  } else if (env && *env) {
    const char *s = env;
    while (*s && (*s < '0' || *s > '9')) s++; /* "sm_90", "compute_90", "90" */
    long a = strtol(s, NULL, 10);
    if (a < 30 || a > 1000) {
      pleat__msg_set(msg, "PLEAT_CUDA_ARCH=%s is not an architecture (e.g. 90 or sm_90)", env);
      return PLEAT_E_INVAL;
    }
    arch = (int)a;
    why_arch = "PLEAT_CUDA_ARCH";
  }
  pleat__str src;
  pleat__str_init(&src, out->al);
  char why[256];
  pleat_status st = pleat__gpu_source(plan, PLEAT__DIALECT_CUDA, true, &src, why, sizeof why);
  if (st != PLEAT_OK) {
    pleat__msg_set(msg, "%s", why);
    pleat__str_free(&src);
    return st;
  }
  if (src.oom) {
    pleat__str_free(&src);
    return PLEAT_E_NOMEM;
  }
  void *img = NULL;
  size_t sz = 0;
  bool cub = false;
  st = pleat__cuda_compile(out->al, src.s, src.len, arch, false, d ? d->driver : 0, &img, &sz, &cub, msg);
  pleat__str_free(&src);
  if (st != PLEAT_OK) return st;
  pleat__str_printf(out, "// PTX for compute_%d (%s), from the cuda dialect of the kernel\n", arch,
                    why_arch);
  pleat__str_append(out, img, sz);
  pleat__free(out->al, img);
  return out->oom ? PLEAT_E_NOMEM : PLEAT_OK;
}

const pleat__backend_ops pleat__backend_cuda = {
  .name = "cuda",
  .built = true,
  .probe = cuda_probe,
  .ctx_init = cuda_ctx_init,
  .ctx_free = cuda_ctx_free,
  .run = cuda_run,
  .plan_release = cuda_plan_release,
  .partial = true,
  .explain = cuda_explain,
};
