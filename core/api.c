/*
** api.c -- the public life cycle: contexts, plans (prepare), runs (step),
** results, explain.  Argument checking happens here, once, so the layers
** below can trust their inputs.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend.h"
#include "codegen.h"
#include "check.h"

/* ---- contexts --------------------------------------------------------------- */

static pleat_ctx oom_ctx; /* never written: pleat_ctx_errmsg(NULL) reads it */

static bool allocator_ok(const pleat_allocator *a) {
  return a->malloc && a->realloc && a->free;
}

PLEAT_API pleat_status pleat_ctx_create(pleat_ctx **out, const pleat_ctx_options *opts) {
  if (!out) return PLEAT_E_INVAL;
  *out = NULL;
  pleat__alloc al = pleat__alloc_default;
  if (opts && opts->allocator) {
    if (!allocator_ok(opts->allocator)) return PLEAT_E_INVAL;
    al.fn = *opts->allocator;
  }
  pleat_ctx *ctx = pleat__malloc(&al, sizeof *ctx);
  if (!ctx) return PLEAT_E_NOMEM;
  memset(ctx, 0, sizeof *ctx);
  ctx->al = al;
  pthread_mutex_init(&ctx->lock, NULL);
  *out = ctx;
  /* threads: option, else $PLEAT_THREADS, else 0 (= online cores) */
  ctx->threads = opts ? opts->threads : 0;
  if (ctx->threads < 0) {
    pleat__msg_set(&ctx->msg, "threads = %d: must be 0 (default) or positive", ctx->threads);
    return PLEAT_E_INVAL;
  }
  const char *dev = opts && opts->device ? opts->device : getenv("PLEAT_DEVICE");
  if (dev) snprintf(ctx->device, sizeof ctx->device, "%s", dev);
  const char *spec = opts && opts->backend ? opts->backend : getenv("PLEAT_BACKEND");
  const pleat__backend_ops *b;
  pleat_status st = pleat__backend_select(spec, &b, &ctx->msg);
  if (st != PLEAT_OK) return st;
  if (b->ctx_init) {
    st = b->ctx_init(ctx, &ctx->backend_state);
    if (st != PLEAT_OK) {
      if (!ctx->msg.text[0]) pleat__msg_set(&ctx->msg, "%s: initialisation failed", b->name);
      return st;
    }
  }
  ctx->backend = b;
  pleat__log(PLEAT_LOG_INFO, "context on back end %s", b->name);
  return PLEAT_OK;
}

PLEAT_API void pleat_ctx_free(pleat_ctx *ctx) {
  if (!ctx) return;
  if (ctx->backend && ctx->backend->ctx_free) ctx->backend->ctx_free(ctx, ctx->backend_state);
  pleat__recycle_drain(&ctx->rc, &ctx->al);
  pthread_mutex_destroy(&ctx->lock);
  pleat__alloc al = ctx->al;
  pleat__free(&al, ctx);
}

PLEAT_API void pleat_ctx_trim(pleat_ctx *ctx) {
  if (ctx) pleat__recycle_drain(&ctx->rc, &ctx->al);
}

PLEAT_API const char *pleat_ctx_backend(const pleat_ctx *ctx) {
  return ctx && ctx->backend ? ctx->backend->name : "";
}

PLEAT_API const char *pleat_ctx_errmsg(const pleat_ctx *ctx) {
  if (!ctx) return "out of memory (no context)";
  (void)oom_ctx;
  return ctx->msg.text;
}

/* ---- plans ------------------------------------------------------------------- */

static pleat_plan *plan_new(pleat_ctx *ctx) {
  pleat_plan *p = pleat__malloc(&ctx->al, sizeof *p);
  if (!p) return NULL;
  memset(p, 0, sizeof *p);
  p->ctx = ctx;
  pleat__ir_init(&p->ir, &ctx->al);
  return p;
}

static pleat_status plan_fail(pleat_plan *p, pleat_status st, int line, int col,
                              const char *what) {
  p->status = st;
  p->line = line;
  p->col = col;
  if (line > 0)
    pleat__msg_set(&p->msg, "%s at line %d, column %d: %s",
                   st == PLEAT_E_SYNTAX ? "syntax error" : pleat_strerror(st), line, col, what);
  else
    pleat__msg_set(&p->msg, "%s", what);
  return st;
}

/* Copies the schema (names included) so the plan does not depend on the
   caller's strings. */
static bool copy_schema(pleat_plan *p, const pleat_column *cols, size_t ncols) {
  p->schema = pleat__calloc(&p->ctx->al, ncols, sizeof *p->schema);
  p->names = pleat__calloc(&p->ctx->al, ncols, sizeof *p->names);
  if (!p->schema || !p->names) return false;
  p->ncols = ncols;
  for (size_t k = 0; k < ncols; k++) {
    char buf[24];
    const char *nm = pleat__col_name(cols, k, buf);
    snprintf(p->names[k], sizeof p->names[k], "%s", nm);
    p->schema[k].name = p->names[k];
    p->schema[k].dtype = cols[k].dtype;
  }
  return true;
}

static pleat_status compile(pleat_plan *p, const pleat_column *cols, size_t ncols) {
  pleat__parse_error err;
  pleat_status st = pleat__check(&p->ast, p->text, p->text_len, cols, ncols, &p->ir, &err);
  if (st != PLEAT_OK) return plan_fail(p, st, (int)err.line, (int)err.col, err.msg);
  if (!copy_schema(p, cols, ncols)) return plan_fail(p, PLEAT_E_NOMEM, 0, 0, "out of memory");
  p->ok = true;
  p->status = PLEAT_OK;
  return PLEAT_OK;
}

static pleat_status check_schema_args(pleat_plan *p, const pleat_column *cols, size_t ncols) {
  if (!cols) return plan_fail(p, PLEAT_E_INVAL, 0, 0, "cols is NULL");
  if (ncols == 0) return plan_fail(p, PLEAT_E_INVAL, 0, 0, "ncols is 0: the input needs at least one column");
  if (ncols > PLEAT_MAX_COLUMNS) {
    char m[96];
    snprintf(m, sizeof m, "%zu columns: at most %d are allowed", ncols, PLEAT_MAX_COLUMNS);
    return plan_fail(p, PLEAT_E_LIMIT, 0, 0, m);
  }
  return PLEAT_OK;
}

PLEAT_API pleat_status pleat_plan_create(pleat_ctx *ctx, const char *text, size_t len,
                                         const pleat_column *cols, size_t ncols,
                                         pleat_plan **out) {
  if (!out) return PLEAT_E_INVAL;
  *out = NULL;
  if (!ctx) return PLEAT_E_INVAL;
  pleat_plan *p = plan_new(ctx);
  if (!p) return PLEAT_E_NOMEM;
  *out = p;
  if (!ctx->backend) return plan_fail(p, PLEAT_E_MISUSE, 0, 0, "the context has no back end (its creation failed)");
  if (!text) return plan_fail(p, PLEAT_E_INVAL, 0, 0, "text is NULL");
  if (len == PLEAT_NUL_TERMINATED) len = strnlen(text, (size_t)PLEAT_MAX_TEXT + 1);
  pleat_status st = check_schema_args(p, cols, ncols);
  if (st) return st;
  if (len <= PLEAT_MAX_TEXT) {
    p->text = pleat__malloc(&ctx->al, len + 1);
    if (!p->text) return plan_fail(p, PLEAT_E_NOMEM, 0, 0, "out of memory");
    memcpy(p->text, text, len);
    p->text[len] = 0;
    p->text_len = len;
  }
  pleat__ast_init(&p->ast, &ctx->al);
  p->has_ast = true;
  pleat__parse_error err;
  memset(&err, 0, sizeof err);
  st = pleat__parse(&p->ast, text, len, &err);
  if (st != PLEAT_OK) return plan_fail(p, st, (int)err.line, (int)err.col, err.msg);
  return compile(p, cols, ncols);
}

pleat_status pleat__plan_create_ast(pleat_ctx *ctx, pleat__ast *t, const pleat_column *cols,
                                    size_t ncols, pleat_plan **out) {
  *out = NULL;
  pleat_plan *p = plan_new(ctx);
  if (!p) {
    pleat__ast_free(t);
    return PLEAT_E_NOMEM;
  }
  *out = p;
  p->ast = *t;
  p->has_ast = true;
  memset(t, 0, sizeof *t);
  if (!ctx->backend) return plan_fail(p, PLEAT_E_MISUSE, 0, 0, "the context has no back end (its creation failed)");
  pleat_status st = check_schema_args(p, cols, ncols);
  if (st) return st;
  return compile(p, cols, ncols);
}

PLEAT_API void pleat_plan_free(pleat_plan *p) {
  if (!p) return;
  pleat__alloc *al = &p->ctx->al;
  void *bp = atomic_load(&p->backend_plan);
  if (bp && p->ctx->backend && p->ctx->backend->plan_release)
    p->ctx->backend->plan_release(p->ctx, p->ctx->backend_state, bp);
  if (p->has_ast) pleat__ast_free(&p->ast);
  pleat__scratch_free(&p->scratch, al);
  pleat__ir_free(&p->ir);
  pleat__free(al, p->text);
  pleat__free(al, p->schema);
  pleat__free(al, p->names);
  pleat__free(al, p);
}

PLEAT_API const char *pleat_plan_errmsg(const pleat_plan *p) {
  return p ? p->msg.text : "out of memory (no plan)";
}
PLEAT_API int pleat_plan_error_line(const pleat_plan *p) { return p ? p->line : 0; }
PLEAT_API int pleat_plan_error_column(const pleat_plan *p) { return p ? p->col : 0; }

PLEAT_API pleat_status pleat_plan_explain(const pleat_plan *p, const char *stage, char **text) {
  if (!text) return PLEAT_E_INVAL;
  *text = NULL;
  if (!p || !stage) return PLEAT_E_INVAL;
  if (!p->ok) return PLEAT_E_MISUSE;
  pleat__str s;
  pleat__str_init(&s, &p->ctx->al);
  if (!strcmp(stage, "ast")) pleat__ast_dump(&p->ast, &s);
  else if (!strcmp(stage, "ir")) pleat__ir_dump(&p->ir, &s);
  else if (!strcmp(stage, "plan")) {
    pleat__str_printf(&s, "back end: %s\n", p->ctx->backend->name);
    pleat__ir_dump_plan(&p->ir, &s);
  } else if (!strcmp(stage, "c") || !strcmp(stage, "opencl") || !strcmp(stage, "cuda")) {
    /* the generated leaf kernel in that dialect, without the kernels/
       headers it is compiled with */
    pleat__dialect d = stage[0] == 'c' && stage[1] == 0 ? PLEAT__DIALECT_C
                       : stage[0] == 'o' ? PLEAT__DIALECT_OPENCL : PLEAT__DIALECT_CUDA;
    uint8_t dt[PLEAT_MAX_COLUMNS];
    size_t nc = p->ncols < PLEAT_MAX_COLUMNS ? p->ncols : PLEAT_MAX_COLUMNS;
    for (size_t k = 0; k < nc; k++) dt[k] = (uint8_t)p->schema[k].dtype;
    char why[256];
    pleat__str_printf(&s, "/* %s dialect; compiled after kernels/pleat_math.h and kernels/pleat_ops.h */\n",
                      stage);
    pleat_status st = pleat__codegen_leaves(&p->ir, dt, nc, d, false, false, &s, why, sizeof why);
    if (st != PLEAT_OK) {
      pthread_mutex_lock(&p->ctx->lock);
      pleat__msg_set(&p->ctx->msg, "%s", why);
      pthread_mutex_unlock(&p->ctx->lock);
      pleat__str_free(&s);
      return st;
    }
  } else {
    /* a stage a back end writes (cuda: ptx), whichever back end runs */
    pleat__msg msg;
    pleat__msg_clear(&msg);
    pleat_status st = PLEAT_E_INVAL;
    for (size_t k = 0; k < pleat__backend_count() && st == PLEAT_E_INVAL; k++) {
      const pleat__backend_ops *b = pleat__backend_at(k);
      if (b->built && b->explain) st = b->explain(p, stage, &s, &msg);
    }
    if (st == PLEAT_E_INVAL && !msg.text[0] && !strcmp(stage, "ptx")) {
      st = PLEAT_E_UNSUPPORTED;
      pleat__msg_set(&msg, "the ptx stage needs the cuda back end, which is not built into this "
                     "library (CMake did not find the CUDA toolkit's cuda.h and nvrtc.h)");
    }
    if (st != PLEAT_OK) {
      if (msg.text[0]) {
        pthread_mutex_lock(&p->ctx->lock);
        pleat__msg_set(&p->ctx->msg, "%s", msg.text);
        pthread_mutex_unlock(&p->ctx->lock);
      }
      pleat__str_free(&s);
      return st;
    }
  }
  *text = pleat__str_take(&s);
  return *text ? PLEAT_OK : PLEAT_E_NOMEM;
}

PLEAT_API void pleat_string_free(const pleat_ctx *ctx, char *text) {
  if (!text) return;
  pleat__alloc al = ctx ? ctx->al : pleat__alloc_default;
  pleat__free(&al, text);
}

/* ---- results ----------------------------------------------------------------- */

static pleat_result oom_result = {NULL, PLEAT_E_NOMEM, -1, {"out of memory"}, NULL, NULL, NULL, NULL, 0, 0, NULL};

void *pleat__res_alloc(pleat_result *r, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n == 0) n = 16;
  pleat__blk *b = r->blocks;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    if (cap > SIZE_MAX - sizeof *b) return NULL;
    b = pleat__malloc(r->al, sizeof *b + cap);
    if (!b) return NULL;
    b->next = r->blocks;
    b->used = 0;
    b->cap = cap;
    r->blocks = b;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

bool pleat__res_adopt_sized(pleat_result *r, void *p, size_t n) {
  if (r->nbig == r->bigcap) {
    size_t cap = r->bigcap ? r->bigcap * 2 : 4;
    void **q = pleat__realloc(r->al, r->bigs, cap * sizeof *q);
    if (!q) return false;
    r->bigs = q;
    size_t *z = pleat__realloc(r->al, r->bigsz, cap * sizeof *z);
    if (!z) return false;
    r->bigsz = z;
    r->bigcap = cap;
  }
  r->bigs[r->nbig] = p;
  r->bigsz[r->nbig++] = n;
  return true;
}

bool pleat__res_adopt(pleat_result *r, void *p) { return pleat__res_adopt_sized(r, p, 0); }

void pleat__res_fail(pleat_result *r, pleat_status st, int64_t index, const char *fmt, ...) {
  if (r->status != PLEAT_OK) return; /* keep the first error */
  r->status = st;
  r->err_index = index;
  va_list ap;
  va_start(ap, fmt);
  pleat__msg_vset(&r->msg, fmt, ap);
  va_end(ap);
}

static pleat_status run_fail(pleat_result *r, pleat_status st, const char *fmt, ...)
    PLEAT_PRINTF(3, 4);
static pleat_status run_fail(pleat_result *r, pleat_status st, const char *fmt, ...) {
  r->status = st;
  va_list ap;
  va_start(ap, fmt);
  pleat__msg_vset(&r->msg, fmt, ap);
  va_end(ap);
  return st;
}

PLEAT_API pleat_status pleat_plan_run(const pleat_plan *p, const pleat_column *cols,
                                      size_t ncols, pleat_result **out) {
  if (!out) return PLEAT_E_INVAL;
  *out = NULL;
  if (!p) return PLEAT_E_INVAL;
  pleat__alloc *al = &p->ctx->al;
  pleat_result *r = pleat__malloc(al, sizeof *r);
  if (!r) {
    *out = &oom_result;
    return PLEAT_E_NOMEM;
  }
  memset(r, 0, sizeof *r);
  r->al = al;
  r->rc = &p->ctx->rc;
  r->err_index = -1;
  *out = r;
  if (!p->ok) return run_fail(r, PLEAT_E_MISUSE, "the plan failed to compile: %s", p->msg.text);
  if (!cols) return run_fail(r, PLEAT_E_INVAL, "cols is NULL");
  if (ncols != p->ncols)
    return run_fail(r, PLEAT_E_INVAL, "the plan was compiled for %zu column%s, the run gives %zu",
                    p->ncols, p->ncols == 1 ? "" : "s", ncols);
  uint64_t n = cols[0].len;
  for (size_t k = 0; k < ncols; k++) {
    const pleat_column *c = &cols[k];
    char buf[24];
    const char *nm = pleat__col_name(cols, k, buf);
    if (strcmp(nm, p->names[k]))
      return run_fail(r, PLEAT_E_INVAL, "column %zu is named '%s', the plan expects '%s'", k, nm,
                      p->names[k]);
    if (c->dtype != p->schema[k].dtype)
      return run_fail(r, PLEAT_E_TYPE, "column '%s' is %s, the plan was compiled for %s", nm,
                      pleat_dtype_name(c->dtype), pleat_dtype_name(p->schema[k].dtype));
    if (c->len != n)
      return run_fail(r, PLEAT_E_INVAL, "column '%s' has %llu elements, column '%s' has %llu",
                      nm, (unsigned long long)c->len, p->names[0], (unsigned long long)n);
    if ((unsigned)c->gen > PLEAT_GEN_NORMAL)
      return run_fail(r, PLEAT_E_INVAL, "column '%s': invalid gen %d", nm, (int)c->gen);
    if (c->gen == PLEAT_GEN_NONE) {
      if (!c->data && c->len > 0)
        return run_fail(r, PLEAT_E_INVAL, "column '%s': data is NULL with len %llu", nm,
                        (unsigned long long)c->len);
      if (c->len > SIZE_MAX / pleat_dtype_size(c->dtype))
        return run_fail(r, PLEAT_E_INVAL, "column '%s': %llu elements of %s exceed the address space",
                        nm, (unsigned long long)c->len, pleat_dtype_name(c->dtype));
    } else if (c->gen != PLEAT_GEN_RANGE && c->dtype != PLEAT_F32 && c->dtype != PLEAT_F64) {
      return run_fail(r, PLEAT_E_TYPE, "column '%s': generated %s values must be f32 or f64", nm,
                      c->gen == PLEAT_GEN_UNIFORM ? "uniform" : "normal");
    }
  }
  if (n > (uint64_t)INT64_MAX)
    return run_fail(r, PLEAT_E_INVAL, "%llu elements: at most 2^63 - 1", (unsigned long long)n);
  pleat_status st = p->ctx->backend->run(p, cols, n, r);
  if (st != PLEAT_OK && r->status == PLEAT_OK) r->status = st;
  if (r->status != PLEAT_OK) r->value = NULL;
  return r->status;
}

PLEAT_API const pleat_value *pleat_result_value(const pleat_result *r) {
  return r && r->status == PLEAT_OK ? r->value : NULL;
}
PLEAT_API pleat_status pleat_result_status(const pleat_result *r) {
  return r ? r->status : PLEAT_E_INVAL;
}
PLEAT_API const char *pleat_result_errmsg(const pleat_result *r) {
  return r ? r->msg.text : "no result";
}
PLEAT_API int64_t pleat_result_error_index(const pleat_result *r) {
  return r ? r->err_index : -1;
}

PLEAT_API void pleat_result_free(pleat_result *r) {
  if (!r || r == &oom_result) return;
  pleat__blk *b = r->blocks;
  while (b) {
    pleat__blk *nx = b->next;
    pleat__free(r->al, b);
    b = nx;
  }
  for (size_t k = 0; k < r->nbig; k++) pleat__recycle_give(r->rc, r->al, r->bigs[k], r->bigsz[k]);
  pleat__free(r->al, r->bigs);
  pleat__free(r->al, r->bigsz);
  pleat__free(r->al, r);
}
