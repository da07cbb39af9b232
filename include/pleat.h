/*
** pleat.h -- the only public header of pleat, a library that runs composable
** transducer pipelines (map |> filter |> sum ...) over large arrays on
** pluggable back ends (seq, threads, opencl, cuda).
**
** Shape of the API (after SQLite's prepare/step/finalize):
**
**   pleat_ctx_create      a context: the back end, the allocator, the options
**   pleat_plan_create     parse + check + lower + build kernels, once
**   pleat_plan_run        run the plan over input columns, many times,
**                         from any number of threads at once
**   pleat_result_value    read the typed result
**   pleat_*_free          every handle is freed by its own function, which
**                         accepts NULL; results before their context
**   pleat_ctx_trim        release the big result blocks kept for reuse
**
** Errors: every function returns a pleat_status.  The detailed message
** ("what and where") lives on the handle that failed: constructors hand the
** handle back even when they fail so that the message can be read, and only
** an out-of-memory failure yields NULL.  Messages stay valid until the next
** call on the same handle (or its destruction).
**
** Threading: a context may be shared by threads; pleat_plan_create and
** pleat_plan_run may be called concurrently on one context.  A plan is
** immutable once created: one plan may be run from many threads at once.
** Each run returns its own result handle, which carries that run's error,
** so concurrent failing runs never tear each other's messages.  A context
** must not be freed while another thread is using it or its plans.
**
** The threads back end keeps a pool of worker threads per context, started
** by pleat_ctx_create and joined by pleat_ctx_free (none is left behind).
** Its workers block every signal, so the host's handlers run on the host's
** threads.  Runs from several host threads on one context are all correct:
** one at a time uses the pool, the others run on their calling thread.  In
** a child of fork() the pool's threads do not exist: runs there use the
** calling thread, pleat_ctx_free only releases memory, and a context made in
** the child gets its own pool.  With this back end the allocator is called
** from the workers, so it must be thread safe.
*/
#ifndef PLEAT_H
#define PLEAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PLEAT_STATIC_DEFINE)
#  define PLEAT_API
#elif defined(_WIN32)
#  define PLEAT_API __declspec(dllimport)
#else
#  define PLEAT_API __attribute__((visibility("default")))
#endif

/* ---- versions ---------------------------------------------------------- */

#define PLEAT_VERSION_MAJOR 0
#define PLEAT_VERSION_MINOR 1
#define PLEAT_VERSION_PATCH 0
#define PLEAT_VERSION_NUMBER \
  (PLEAT_VERSION_MAJOR * 10000 + PLEAT_VERSION_MINOR * 100 + PLEAT_VERSION_PATCH)
#define PLEAT_VERSION_STRING "0.1.0"

/** The version of the library actually loaded (may differ from the header). */
PLEAT_API int pleat_version(void);
/** "MAJOR.MINOR.PATCH" of the library actually loaded. */
PLEAT_API const char *pleat_version_string(void);

/* ---- status codes ------------------------------------------------------ */

/* X(name, value, default text): the one list of status codes. */
#define PLEAT_STATUS_MAP(X)                                                    \
  X(OK, 0, "success")                                                          \
  X(E_INVAL, 1, "invalid argument")                                            \
  X(E_NOMEM, 2, "out of memory")                                               \
  X(E_SYNTAX, 3, "syntax error")                                               \
  X(E_NAME, 4, "unknown or invalid name")                                      \
  X(E_ARITY, 5, "wrong number of arguments")                                   \
  X(E_TYPE, 6, "type error")                                                   \
  X(E_RANGE, 7, "value out of range")                                          \
  X(E_DOMAIN, 8, "domain error")                                               \
  X(E_LIMIT, 9, "limit exceeded")                                              \
  X(E_BACKEND, 10, "unknown back end")                                         \
  X(E_UNAVAILABLE, 11, "back end unavailable")                                 \
  X(E_UNSUPPORTED, 12, "not supported")                                        \
  X(E_DEVICE, 13, "device error")                                              \
  X(E_DEVICE_LOST, 14, "device lost")                                          \
  X(E_BUILD, 15, "kernel build failed")                                        \
  X(E_IO, 16, "input/output error")                                            \
  X(E_MISUSE, 17, "library misuse")                                            \
  X(E_INTERNAL, 18, "internal error")

typedef enum pleat_status {
#define PLEAT_X_(name, value, text) PLEAT_##name = value,
  PLEAT_STATUS_MAP(PLEAT_X_)
#undef PLEAT_X_
} pleat_status;

/** The symbolic name of a status ("PLEAT_E_SYNTAX"); "PLEAT_UNKNOWN" for a
    value outside the list.  Never NULL. */
PLEAT_API const char *pleat_status_name(int status);
/** The default text of a status; "unknown status" for a value outside the
    list.  Never NULL. */
PLEAT_API const char *pleat_strerror(int status);

/* ---- element types ----------------------------------------------------- */

typedef enum pleat_dtype {
  PLEAT_BOOL = 1, /* stored as uint8_t 0/1 */
  PLEAT_I32 = 2,
  PLEAT_I64 = 3,
  PLEAT_F32 = 4,
  PLEAT_F64 = 5
} pleat_dtype;

/** "bool", "i32", "i64", "f32", "f64"; "?" for anything else. */
PLEAT_API const char *pleat_dtype_name(int dtype);
/** Size in bytes of one element of dtype, 0 for an invalid dtype. */
PLEAT_API size_t pleat_dtype_size(int dtype);

/* ---- allocator hook ---------------------------------------------------- */

/** Memory functions used for every allocation pleat makes on a context
    (Lua's lua_Alloc, SQLite's mem_methods).  malloc/realloc return NULL on
    failure; free accepts NULL.  All three must be set, and be thread safe if
    the context is used from several threads or runs on the threads back
    end (whose workers allocate). */
typedef struct pleat_allocator {
  void *(*malloc)(void *ud, size_t size);
  void *(*realloc)(void *ud, void *ptr, size_t size);
  void (*free)(void *ud, void *ptr);
  void *ud;
} pleat_allocator;

/* ---- contexts ---------------------------------------------------------- */

typedef struct pleat_ctx pleat_ctx;

/** Options of pleat_ctx_create.  Zero-initialise, then set what you need.
    Any field left 0/NULL takes its default, which comes from the
    environment where one is named. */
typedef struct pleat_ctx_options {
  /** Back end: "auto", "seq", "threads", "opencl", "cuda", or a
      comma-separated list tried in order.  NULL: $PLEAT_BACKEND, else
      "auto".  An explicit single name that cannot be served is an error
      (PLEAT_E_UNAVAILABLE), never a silent fallback. */
  const char *backend;
  /** Memory functions; NULL: the C library's. Copied. */
  const pleat_allocator *allocator;
  /** Worker threads for "threads"; 0: $PLEAT_THREADS, else online cores. */
  int threads;
  /** Device index or name substring for GPU back ends; NULL: $PLEAT_DEVICE. */
  const char *device;
} pleat_ctx_options;

/** Creates a context.  opts may be NULL (all defaults).  On failure other
    than out-of-memory, *out is still set: read pleat_ctx_errmsg(*out), then
    pleat_ctx_free(*out).  On out-of-memory *out is NULL. */
PLEAT_API pleat_status pleat_ctx_create(pleat_ctx **out,
                                        const pleat_ctx_options *opts);
/** Releases the big result blocks the context keeps for its next runs (see
    pleat_result_free): at most two, each of 1 MiB or more.  Best effort: a
    block that another thread is handing over at that moment stays.  Safe
    from any thread; NULL is a no-op.  pleat_ctx_free releases them too. */
PLEAT_API void pleat_ctx_trim(pleat_ctx *ctx);
/** Frees a context; NULL is a no-op.  Plans of the context must be freed
    first (a plan keeps a pointer to its context). */
PLEAT_API void pleat_ctx_free(pleat_ctx *ctx);
/** The back end the context runs on ("seq", ...); "" if creation failed. */
PLEAT_API const char *pleat_ctx_backend(const pleat_ctx *ctx);
/** The message of the last failed call on ctx ("" when none).  Never NULL. */
PLEAT_API const char *pleat_ctx_errmsg(const pleat_ctx *ctx);

/* ---- back-end discovery ------------------------------------------------ */

typedef struct pleat_backend_info {
  const char *name;    /* "seq", "threads", "opencl", "cuda" */
  int built;           /* compiled into this library */
  int usable;          /* can run here now */
  const char *reason;  /* why not usable, or a short description if usable */
} pleat_backend_info;

/** Number of back ends pleat knows of (built or not). */
PLEAT_API size_t pleat_backend_count(void);
/** Fills *info for back end k (0 <= k < pleat_backend_count()); probes it.
    Strings are static or live until the library is unloaded. */
PLEAT_API pleat_status pleat_backend_get(size_t k, pleat_backend_info *info);

/* ---- columns ----------------------------------------------------------- */

/** How a column's values are produced. */
typedef enum pleat_gen {
  PLEAT_GEN_NONE = 0,    /* read from data */
  PLEAT_GEN_RANGE = 1,   /* start, start+1, ... (integer dtypes, or float) */
  PLEAT_GEN_UNIFORM = 2, /* uniform in [0, 1) from (seed, index) */
  PLEAT_GEN_NORMAL = 3   /* standard normal from (seed, index) */
} pleat_gen;

/** One input column.  For pleat_plan_create only name and dtype matter
    (the schema); pleat_plan_run reads the values.  A generated column is
    computed from the index, never stored, so a range of 2^40 elements
    costs nothing until it is read. */
typedef struct pleat_column {
  /** Identifier naming the column in pipelines; NULL: positional default
      "x", "y", "z", then "c3", "c4", ...  `x` is also always the first
      column's value at the start of the pipeline. */
  const char *name;
  pleat_dtype dtype;
  /** len elements of dtype, native byte order, any alignment.  May be NULL
      when len == 0 or gen != PLEAT_GEN_NONE. */
  const void *data;
  /** Number of elements; every column of one run must have the same len. */
  uint64_t len;
  pleat_gen gen;
  int64_t start; /* PLEAT_GEN_RANGE: first value */
  uint64_t seed; /* PLEAT_GEN_UNIFORM / NORMAL */
} pleat_column;

/* ---- plans ------------------------------------------------------------- */

typedef struct pleat_plan pleat_plan;

/** Use as the len argument of pleat_plan_create for a NUL-terminated text. */
#define PLEAT_NUL_TERMINATED ((size_t)-1)

/** Compiles the pipeline text (len bytes, or up to its NUL with
    PLEAT_NUL_TERMINATED) against the schema cols[0..ncols) (ncols >= 1).
    All the work happens here: parsing, type checking, lowering, planning,
    kernel builds.  *out is set even on failure (NULL only on
    out-of-memory); read pleat_plan_errmsg and pleat_plan_error_line/column,
    then pleat_plan_free. */
PLEAT_API pleat_status pleat_plan_create(pleat_ctx *ctx, const char *text,
                                         size_t len, const pleat_column *cols,
                                         size_t ncols, pleat_plan **out);
/** Frees a plan; NULL is a no-op. */
PLEAT_API void pleat_plan_free(pleat_plan *plan);
/** The message of the failed pleat_plan_create ("" when it succeeded). */
PLEAT_API const char *pleat_plan_errmsg(const pleat_plan *plan);
/** 1-based line and column (in bytes) of a syntax, name or type error in the
    pipeline text; 0 when the error has no position. */
PLEAT_API int pleat_plan_error_line(const pleat_plan *plan);
PLEAT_API int pleat_plan_error_column(const pleat_plan *plan);

/** Text dump of a compilation stage of the plan: "ast", "ir", "plan" (and
    back-end stages where the back end has them).  *text is allocated with the
    context's allocator; free it with pleat_string_free. */
PLEAT_API pleat_status pleat_plan_explain(const pleat_plan *plan,
                                          const char *stage, char **text);
PLEAT_API void pleat_string_free(const pleat_ctx *ctx, char *text);

/* ---- results ----------------------------------------------------------- */

typedef enum pleat_kind {
  PLEAT_VALUE_NULL = 0,  /* empty stream for min, first, mean, ... */
  PLEAT_VALUE_BOOL = 1,  /* as.b */
  PLEAT_VALUE_INT = 2,   /* as.i; dtype says i32 or i64 */
  PLEAT_VALUE_FLOAT = 3, /* as.f; dtype says f32 or f64 */
  PLEAT_VALUE_ARRAY = 4, /* items[0..len): tuples, reducer tuples, group */
  PLEAT_VALUE_COLUMN = 5 /* data[0..len) of dtype: collect of scalars */
} pleat_kind;

typedef struct pleat_value {
  pleat_kind kind;
  pleat_dtype dtype; /* scalars and columns */
  union {
    int b;
    int64_t i;
    double f;
  } as;
  uint64_t len;                    /* ARRAY and COLUMN */
  const struct pleat_value *items; /* ARRAY */
  const void *data;                /* COLUMN */
} pleat_value;

typedef struct pleat_result pleat_result;

/** Runs the plan over cols[0..ncols), which must match the plan's schema in
    number, names and dtypes, and all have the same len.  *out is set even on
    failure (NULL only on out-of-memory); it carries this run's message.
    Safe to call from many threads at once on one plan. */
PLEAT_API pleat_status pleat_plan_run(const pleat_plan *plan,
                                      const pleat_column *cols, size_t ncols,
                                      pleat_result **out);
/** The result value (owned by the result); NULL if the run failed. */
PLEAT_API const pleat_value *pleat_result_value(const pleat_result *res);
/** The status of the run that produced res. */
PLEAT_API pleat_status pleat_result_status(const pleat_result *res);
/** The message of a failed run ("" on success).  Never NULL. */
PLEAT_API const char *pleat_result_errmsg(const pleat_result *res);
/** Source index of the element a run-time error happened at, or -1. */
PLEAT_API int64_t pleat_result_error_index(const pleat_result *res);
/** Frees a result; NULL is a no-op.  Free every result of a context before
    the context.  A big collected array (1 MiB or more) is not returned to
    the system at once: the context keeps its last two such blocks and gives
    them to its next runs, so a plan run again and again writes into memory
    that is already mapped (see pleat_ctx_trim). */
PLEAT_API void pleat_result_free(pleat_result *res);

/** Writes v as one JSON value (no newline): numbers, true/false, null,
    arrays; floats in the shortest form that reads back to the same value of
    their dtype; NaN, Infinity, -Infinity and -0.0 as Python's json module
    writes them.  Independent of the C locale.  *text is malloc'ed with the
    context's allocator (ctx may be NULL: the C library's); free it with
    pleat_string_free(ctx, text). */
PLEAT_API pleat_status pleat_value_to_json(const pleat_ctx *ctx,
                                           const pleat_value *v, char **text);

/* ---- builder API --------------------------------------------------------
** Builds the same pipeline tree the text parser builds, so a built pipeline
** and its text form give the same plan.  Nodes belong to the builder; a
** NULL node argument makes the builder record PLEAT_E_INVAL (or the earlier
** out-of-memory), which pleat_plan_create_built then reports.  So calls can
** be nested without checking each one:
**
**   pleat_builder *b = pleat_builder_create(ctx);
**   pleat_node *x = pleat_b_name(b, "x");
**   pleat_b_stage(b, pleat_b_call(b, "map", 1, pleat_b_binary(b, "*", x, x)));
**   pleat_b_stage(b, pleat_b_name(b, "sum"));      // the last one: reducer
**   pleat_plan_create_built(b, cols, 1, &plan);
*/

typedef struct pleat_builder pleat_builder;
typedef struct pleat_node pleat_node;

/** A new, empty builder on ctx; NULL on out-of-memory. */
PLEAT_API pleat_builder *pleat_builder_create(pleat_ctx *ctx);
PLEAT_API void pleat_builder_free(pleat_builder *b);
PLEAT_API pleat_node *pleat_b_int(pleat_builder *b, int64_t v);
PLEAT_API pleat_node *pleat_b_float(pleat_builder *b, double v);
PLEAT_API pleat_node *pleat_b_bool(pleat_builder *b, int v);
/** A name: x, i, k, a column, a lambda parameter, or a bare stage/reducer
    such as "enumerate" or "sum". */
PLEAT_API pleat_node *pleat_b_name(pleat_builder *b, const char *name);
/** op is the operator's text: "-", "!", "~" */
PLEAT_API pleat_node *pleat_b_unary(pleat_builder *b, const char *op,
                                    pleat_node *a);
/** op is the operator's text: "*", "+", "<<", "==", "&&", ... */
PLEAT_API pleat_node *pleat_b_binary(pleat_builder *b, const char *op,
                                     pleat_node *l, pleat_node *r);
PLEAT_API pleat_node *pleat_b_ternary(pleat_builder *b, pleat_node *c,
                                      pleat_node *t, pleat_node *f);
/** A call of a function, stage or reducer with nargs pleat_node* arguments. */
PLEAT_API pleat_node *pleat_b_call(pleat_builder *b, const char *name,
                                   int nargs, ...);
PLEAT_API pleat_node *pleat_b_callv(pleat_builder *b, const char *name,
                                    int nargs, pleat_node *const *args);
/** e.k: field k of a tuple. */
PLEAT_API pleat_node *pleat_b_field(pleat_builder *b, pleat_node *e, int k);
/** (e1, ..., en): a tuple value, or a tuple of reducers as the reducer. */
PLEAT_API pleat_node *pleat_b_tuple(pleat_builder *b, int n,
                                    pleat_node *const *items);
/** An operator used as a value, for scan/reduce: "+", "*", "min", "max",
    "&", "|", "^". */
PLEAT_API pleat_node *pleat_b_opref(pleat_builder *b, const char *op);
/** (pa, pb) -> body, for reduce and foldl. */
PLEAT_API pleat_node *pleat_b_lambda(pleat_builder *b, const char *pa,
                                     const char *pb, pleat_node *body);
/** Appends a stage; the last node appended is the reducer. */
PLEAT_API pleat_status pleat_b_stage(pleat_builder *b, pleat_node *stage);
/** Compiles the built pipeline, as pleat_plan_create does with text. */
PLEAT_API pleat_status pleat_plan_create_built(pleat_builder *b,
                                               const pleat_column *cols,
                                               size_t ncols, pleat_plan **out);

/* ---- limits (documented, checked, PLEAT_E_LIMIT beyond) ----------------- */

#define PLEAT_MAX_TEXT (1u << 20)  /* bytes of pipeline text */
#define PLEAT_MAX_DEPTH 200        /* nesting of expressions and calls */
#define PLEAT_MAX_STAGES 256       /* stages in one pipeline */
#define PLEAT_MAX_NODES (1u << 16) /* syntax tree nodes in one pipeline */
#define PLEAT_MAX_TUPLE 8          /* fields of a tuple */
#define PLEAT_MAX_COLUMNS 64       /* columns of one input */
#define PLEAT_MAX_BINS (1u << 24)  /* bins of group */

#ifdef __cplusplus
}
#endif
#endif /* PLEAT_H */
