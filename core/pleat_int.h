/*
** pleat_int.h -- internal umbrella header: naming, allocation, growable
** strings, error helpers.  Nothing here is exported: the library is built
** with -fvisibility=hidden and only PLEAT_API functions are visible.
**
** Naming: internal functions and types are pleat__<module>_<verb>; file-local
** helpers are plain static names.
*/
#ifndef PLEAT_INT_H
#define PLEAT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pleat.h"

#if defined(__GNUC__)
#  define PLEAT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#  define PLEAT_LIKELY(x) __builtin_expect(!!(x), 1)
#  define PLEAT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define PLEAT_PRINTF(a, b)
#  define PLEAT_LIKELY(x) (x)
#  define PLEAT_UNLIKELY(x) (x)
#endif

/* Hot loops are compiled three times, for the x86-64 baseline, for
   x86-64-v3 (AVX2) and for x86-64-v4 (AVX-512 F/BW/DQ/VL), and the loader
   picks one for the machine (an ifunc): the default build stays portable.
   Results cannot differ between the clones: nothing is contracted
   (-ffp-contract=off) or reassociated, so vectorising changes only which
   instructions compute the same lane-by-lane operations. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#  define PLEAT_CLONES \
    __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#  define PLEAT_CLONES
#endif

/* ---- allocation -------------------------------------------------------- */

/** The allocator of a context (copied from pleat_allocator or the C
    library's).  Every allocation of the library goes through one of these,
    so the OOM tests can fail the k-th call. */
typedef struct pleat__alloc {
  pleat_allocator fn;
} pleat__alloc;

/** The C library's allocator. */
extern pleat__alloc pleat__alloc_default;

void *pleat__malloc(pleat__alloc *al, size_t n);
void *pleat__calloc(pleat__alloc *al, size_t count, size_t size);
void *pleat__realloc(pleat__alloc *al, void *p, size_t n);
void pleat__free(pleat__alloc *al, void *p);
/** count * size, or SIZE_MAX when the product overflows (so the following
    allocation fails instead of wrapping to a small size). */
size_t pleat__mulsize(size_t count, size_t size);

/* ---- growable strings -------------------------------------------------- */

typedef struct pleat__str {
  pleat__alloc *al;
  char *s;     /* NUL-terminated; NULL until the first append */
  size_t len;
  size_t cap;
  bool oom;    /* an append failed: the contents are truncated */
} pleat__str;

void pleat__str_init(pleat__str *b, pleat__alloc *al);
void pleat__str_free(pleat__str *b);
void pleat__str_append(pleat__str *b, const char *s, size_t n);
void pleat__str_puts(pleat__str *b, const char *s);
void pleat__str_printf(pleat__str *b, const char *fmt, ...) PLEAT_PRINTF(2, 3);
void pleat__str_vprintf(pleat__str *b, const char *fmt, va_list ap);
/** Takes the buffer out of b (caller frees with pleat__free); NULL on oom. */
char *pleat__str_take(pleat__str *b);

/* ---- messages ---------------------------------------------------------- */

/** Fixed-size message slot on a handle.  Messages longer than the slot are
    truncated with "...": they never fail to be set (no allocation). */
#define PLEAT_MSG_MAX 1024
typedef struct pleat__msg {
  char text[PLEAT_MSG_MAX];
} pleat__msg;

void pleat__msg_set(pleat__msg *m, const char *fmt, ...) PLEAT_PRINTF(2, 3);
void pleat__msg_vset(pleat__msg *m, const char *fmt, va_list ap);
static inline void pleat__msg_clear(pleat__msg *m) { m->text[0] = 0; }

/* ---- numbers that must be locale-independent --------------------------- */

/** Shortest decimal text of d that reads back to d (17 digits at most),
    '.' as decimal point whatever the locale; NaN/Infinity/-Infinity as
    Python's json writes them; -0.0 as "-0.0"; always contains '.', 'e' or
    a letter so it reads as a float.  Returns the length written (< 32). */
int pleat__fmt_f64(char out[32], double d);
/** The same for a float: shortest text that strtof reads back to f. */
int pleat__fmt_f32(char out[32], float f);

/* ---- logging ----------------------------------------------------------- */

enum { PLEAT_LOG_NONE = 0, PLEAT_LOG_ERROR = 1, PLEAT_LOG_INFO = 2,
       PLEAT_LOG_DEBUG = 3 };
/** The level from $PLEAT_LOG, read once per process. */
int pleat__log_level(void);
/** Writes "pleat: <level>: message\n" to stderr if level <= the set level.
    Never fails, never raises SIGPIPE-death concerns for the caller
    (errors writing are ignored). */
void pleat__log(int level, const char *fmt, ...) PLEAT_PRINTF(2, 3);

#endif
