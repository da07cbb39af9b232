/*
** input.c -- reads the pleat command's input files (.npy, raw binary, text)
** into columns, and parses the numbers typed on its command line.  Files
** are untrusted: every length is checked against the bytes actually there,
** and binary files are mapped read-only so a 1 GiB input costs no copy.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

#if defined(__GNUC__)
#  define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#  define CLI_PRINTF(a, b)
#endif

static int fail(char *err, size_t errlen, const char *fmt, ...) CLI_PRINTF(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static bool little_endian_host(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

/* ---- a "C" locale for strtod ------------------------------------------ */

/* The command never calls setlocale, but these readers are also linked
   into tests and may be reused: strtod must read '.' whatever LC_NUMERIC
   says, so the calling thread switches to a "C" locale object. */
static pthread_once_t c_once = PTHREAD_ONCE_INIT;
static locale_t c_locale = (locale_t)0;
static void make_c_locale(void) {
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* ---- command-line numbers --------------------------------------------- */

int cli_parse_dtype(const char *s, pleat_dtype *out) {
  static const struct { const char *name; pleat_dtype dt; } names[] = {
    {"i32", PLEAT_I32}, {"i64", PLEAT_I64}, {"f32", PLEAT_F32},
    {"f64", PLEAT_F64}};
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
    if (strcmp(s, names[k].name) == 0) {
      *out = names[k].dt;
      return 0;
    }
  return -1;
}

/* Decimal digits s[0, n) into *v; -1 on overflow, a non-digit or none. */
static int digits_u64(const char *s, size_t n, uint64_t *v) {
  uint64_t r = 0;
  if (n == 0) return -1;
  for (size_t k = 0; k < n; k++) {
    if (s[k] < '0' || s[k] > '9') return -1;
    unsigned d = (unsigned)(s[k] - '0');
    if (r > (UINT64_MAX - d) / 10) return -1;
    r = r * 10 + d;
  }
  *v = r;
  return 0;
}

static int mul_u64(uint64_t a, uint64_t b, uint64_t *r) {
  if (a != 0 && b > UINT64_MAX / a) return -1;
  *r = a * b;
  return 0;
}

int cli_parse_count(const char *s, uint64_t *out) {
  const uint64_t max = (uint64_t)INT64_MAX;
  size_t n = strlen(s);
  uint64_t v;
  const char *caret = strchr(s, '^');
  const char *e = strpbrk(s, "eE");
  if (caret) { /* base^exponent */
    uint64_t base, ex;
    if (digits_u64(s, (size_t)(caret - s), &base) ||
        digits_u64(caret + 1, strlen(caret + 1), &ex))
      return -1;
    v = 1;
    for (uint64_t k = 0; k < ex; k++) {
      if (mul_u64(v, base, &v) || v > max) return -1;
      if (base <= 1) break;
    }
    if (ex == 0) v = 1;
  } else if (e) { /* mantissa e exponent, a whole number */
    const char *dot = memchr(s, '.', (size_t)(e - s));
    size_t ilen = dot ? (size_t)(dot - s) : (size_t)(e - s);
    const char *frac = dot ? dot + 1 : e;
    size_t flen = dot ? (size_t)(e - frac) : 0;
    const char *xp = e + 1;
    if (*xp == '+') xp++;
    uint64_t ex, m = 0;
    if (ilen + flen == 0 || digits_u64(xp, strlen(xp), &ex)) return -1;
    if ((ilen && digits_u64(s, ilen, &m)) || ex > 40) return -1;
    for (size_t k = 0; k < flen; k++) {
      if (frac[k] < '0' || frac[k] > '9') return -1;
      unsigned d = (unsigned)(frac[k] - '0');
      if (ex == 0) {
        if (d != 0) return -1; /* 1.5e0: not a whole number */
        continue;
      }
      if (mul_u64(m, 10, &m) || m > UINT64_MAX - d) return -1;
      m += d;
      ex--;
    }
    for (; ex > 0; ex--)
      if (mul_u64(m, 10, &m)) return -1;
    v = m;
  } else {
    if (digits_u64(s, n, &v)) return -1;
  }
  if (v > max) return -1;
  *out = v;
  return 0;
}

int cli_parse_u64(const char *s, uint64_t *out) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t r = 0;
    const char *p = s + 2;
    if (!*p) return -1;
    for (; *p; p++) {
      unsigned d;
      if (*p >= '0' && *p <= '9') d = (unsigned)(*p - '0');
      else if (*p >= 'a' && *p <= 'f') d = (unsigned)(*p - 'a' + 10);
      else if (*p >= 'A' && *p <= 'F') d = (unsigned)(*p - 'A' + 10);
      else return -1;
      if (r >> 60) return -1;
      r = r << 4 | d;
    }
    *out = r;
    return 0;
  }
  return digits_u64(s, strlen(s), out);
}

int cli_parse_i64(const char *s, int64_t *out) {
  bool neg = s[0] == '-';
  uint64_t m;
  if (digits_u64(s + (neg || s[0] == '+'), strlen(s) - (neg || s[0] == '+'), &m))
    return -1;
  if (neg) {
    if (m > (uint64_t)INT64_MAX + 1) return -1;
    *out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
  } else {
    if (m > (uint64_t)INT64_MAX) return -1;
    *out = (int64_t)m;
  }
  return 0;
}

/* ---- .npy --------------------------------------------------------------- */

/* A cursor over the header text, which is not NUL-terminated. */
typedef struct cur {
  const char *p, *end;
} cur;

static void skip_ws(cur *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' ||
                           *c->p == '\r'))
    c->p++;
}

static bool take(cur *c, char ch) {
  skip_ws(c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return true;
  }
  return false;
}

/* A quoted Python string without escapes, copied into out (NUL-terminated,
   truncated to outlen - 1). */
static bool take_string(cur *c, char *out, size_t outlen) {
  skip_ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return false;
  char q = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != q) {
    if (*c->p == '\\') return false;
    if (n + 1 < outlen) out[n++] = *c->p;
    c->p++;
  }
  if (c->p >= c->end) return false;
  c->p++;
  out[n] = 0;
  return true;
}

static bool take_word(cur *c, const char *w) {
  size_t n = strlen(w);
  skip_ws(c);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0) return false;
  c->p += n;
  return true;
}

/* Maps a descr string to a dtype, or explains why not. */
static int npy_descr(const char *d, pleat_dtype *dt, char *err, size_t errlen) {
  static const char supported[] = "supported: <f4 <f8 <i4 <i8 |b1";
  char order = d[0];
  const char *code = d + 1;
  if (!strchr("<>|=", order) || order == 0) {
    order = 0;
    code = d;
  }
  int size = 0;
  char kind = code[0];
  const char *sz = kind ? code + 1 : code;
  for (; *sz >= '0' && *sz <= '9' && size < 1000; sz++)
    size = size * 10 + (*sz - '0');
  bool exact = *sz == 0 && sz > code + 1; /* kind, digits, nothing else */
  if (kind == 'O')
    return fail(err, errlen, "object dtype '%s' is not supported (%s)", d,
                supported);
  if (kind == 'u')
    return fail(err, errlen,
                "unsigned dtype '%s' is not supported (%s; convert with "
                "astype('<i8'))", d, supported);
  pleat_dtype t = 0;
  if (exact && kind == 'f' && size == 4) t = PLEAT_F32;
  else if (exact && kind == 'f' && size == 8) t = PLEAT_F64;
  else if (exact && kind == 'i' && size == 4) t = PLEAT_I32;
  else if (exact && kind == 'i' && size == 8) t = PLEAT_I64;
  else if (exact && kind == 'b' && size == 1) t = PLEAT_BOOL;
  if (!t)
    return fail(err, errlen, "dtype '%s' is not supported (%s)", d, supported);
  if (order == '>' && size > 1)
    return fail(err, errlen,
                "big-endian dtype '%s' is not supported (convert with "
                "astype('<%s'))", d, code);
  if (order == 0 || order == '=')
    return fail(err, errlen, "dtype '%s' does not say its byte order (%s)", d,
                supported);
  if (order == '|' && size > 1)
    return fail(err, errlen, "dtype '%s': '|' is only valid for one-byte types",
                d);
  *dt = t;
  return 0;
}

/* shape: '(' [dim (',' dim)* [',']] ')'; returns the element count. */
static int npy_shape(cur *c, uint64_t *len, int *ndim, int *nonunit, char *text,
                     size_t textlen, char *err, size_t errlen) {
  const char *start = c->p;
  if (!take(c, '(')) return fail(err, errlen, "'shape' is not a tuple");
  uint64_t n = 1;
  bool overflow = false;
  *ndim = 0;
  *nonunit = 0;
  skip_ws(c);
  while (c->p < c->end && *c->p != ')') {
    skip_ws(c);
    if (c->p < c->end && *c->p == '-')
      return fail(err, errlen, "'shape' has a negative dimension");
    const char *d0 = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    uint64_t dim;
    if (digits_u64(d0, (size_t)(c->p - d0), &dim)) {
      if (c->p > d0)
        return fail(err, errlen, "'shape' has a dimension too large for 64 bits");
      return fail(err, errlen, "'shape' holds something that is not a number");
    }
    if (c->p < c->end && *c->p == 'L') c->p++; /* Python 2's long ints */
    if (mul_u64(n, dim, &n)) overflow = true;
    (*ndim)++;
    if (dim != 1) (*nonunit)++;
    if (take(c, ',')) {
      skip_ws(c);
      continue;
    }
    skip_ws(c);
    if (c->p >= c->end || *c->p != ')')
      return fail(err, errlen, "'shape' is not a tuple of integers");
  }
  if (!take(c, ')')) return fail(err, errlen, "'shape' is not closed");
  size_t tl = (size_t)(c->p - start);
  if (tl >= textlen) tl = textlen - 1;
  memcpy(text, start, tl);
  text[tl] = 0;
  if (overflow || n > (uint64_t)INT64_MAX)
    return fail(err, errlen, "shape %s has more elements than fit in 64 bits",
                text);
  *len = n;
  return 0;
}

int cli_npy_parse(const unsigned char *buf, size_t size, cli_npy_header *h,
                  char *err, size_t errlen) {
  static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 6 || memcmp(buf, magic, 6) != 0) {
    if (size < 6 && memcmp(buf, magic, size) == 0)
      return fail(err, errlen, "truncated .npy file (%zu bytes)", size);
    return fail(err, errlen, "not a .npy file (bad magic; expected \\x93NUMPY)");
  }
  if (size < 10)
    return fail(err, errlen, "truncated .npy header (%zu bytes)", size);
  unsigned major = buf[6], minor = buf[7];
  size_t hlen, hstart;
  if (major == 1) {
    hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return fail(err, errlen, "truncated .npy header (%zu bytes)", size);
    hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
           (size_t)buf[11] << 24;
    hstart = 12;
  } else {
    return fail(err, errlen, "unsupported .npy format version %u.%u", major,
                minor);
  }
  if (hlen > size - hstart)
    return fail(err, errlen,
                "header length %zu goes past the end of the file (%zu bytes)",
                hlen, size);

  cur c = {(const char *)buf + hstart, (const char *)buf + hstart + hlen};
  bool have_descr = false, have_order = false, have_shape = false;
  bool fortran = false;
  pleat_dtype dt = 0;
  uint64_t len = 0;
  int ndim = 0, nonunit = 0;
  char shape_text[128] = "()";
  if (!take(&c, '{')) return fail(err, errlen, "header is not a dictionary");
  while (!take(&c, '}')) {
    char key[32], val[64];
    if (!take_string(&c, key, sizeof key) || !take(&c, ':'))
      return fail(err, errlen, "header is not a valid dictionary");
    if (strcmp(key, "descr") == 0 && !have_descr) {
      skip_ws(&c);
      if (c.p < c.end && (*c.p == '[' || *c.p == '('))
        return fail(err, errlen,
                    "structured dtype is not supported (one column per file)");
      if (!take_string(&c, val, sizeof val))
        return fail(err, errlen, "'descr' is not a string");
      if (npy_descr(val, &dt, err, errlen)) return -1;
      have_descr = true;
    } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
      if (take_word(&c, "True")) fortran = true;
      else if (take_word(&c, "False")) fortran = false;
      else return fail(err, errlen, "'fortran_order' is not True or False");
      have_order = true;
    } else if (strcmp(key, "shape") == 0 && !have_shape) {
      if (npy_shape(&c, &len, &ndim, &nonunit, shape_text, sizeof shape_text,
                    err, errlen))
        return -1;
      have_shape = true;
    } else {
      return fail(err, errlen, "unexpected or repeated key '%s' in the header",
                  key);
    }
    if (!take(&c, ',')) {
      if (!take(&c, '}')) return fail(err, errlen, "header is not a valid dictionary");
      break;
    }
  }
  skip_ws(&c);
  if (c.p != c.end)
    return fail(err, errlen, "unexpected text after the header dictionary");
  if (!have_descr || !have_order || !have_shape)
    return fail(err, errlen, "header lacks '%s'",
                !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
  if (fortran && ndim > 1)
    return fail(err, errlen,
                "Fortran-order arrays with %d dimensions are not supported", ndim);
  if (nonunit > 1)
    return fail(err, errlen,
                "shape %s is not one column (give a 1-D array, or shape (n, 1))",
                shape_text);

  size_t itemsize = pleat_dtype_size(dt);
  size_t avail = size - hstart - hlen;
  uint64_t need;
  if (mul_u64(len, itemsize, &need))
    return fail(err, errlen, "shape %s is too large", shape_text);
  if (need > avail)
    return fail(err, errlen,
                "truncated: shape %s needs %llu bytes of data, the file has %zu",
                shape_text, (unsigned long long)need, avail);
  if (need < avail)
    return fail(err, errlen,
                "shape %s needs %llu bytes of data, the file has %zu (%llu "
                "extra)", shape_text, (unsigned long long)need, avail,
                (unsigned long long)(avail - need));
  h->dtype = dt;
  h->len = len;
  h->data_offset = hstart + hlen;
  return 0;
}

/* ---- raw binary --------------------------------------------------------- */

int cli_raw_count(size_t size, pleat_dtype type, uint64_t *len, char *err,
                  size_t errlen) {
  size_t es = pleat_dtype_size(type);
  if (es == 0) return fail(err, errlen, "raw binary input needs --type");
  if (size % es != 0)
    return fail(err, errlen,
                "raw %s data is %zu bytes, not a multiple of %zu (the size of "
                "one element)", pleat_dtype_name(type), size, es);
  *len = size / es;
  return 0;
}

/* ---- text ---------------------------------------------------------------- */

enum { TOK_BAD = 0, TOK_INT = 1, TOK_FLOAT = 2 };

/* [+-] digits | [+-] (digits [. digits] | . digits) [e [+-] digits] |
   [+-] (nan | inf | infinity), case-insensitive words. */
static int classify(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  size_t rest = n - i;
  if ((rest == 3 && (strncasecmp(s + i, "nan", 3) == 0 ||
                     strncasecmp(s + i, "inf", 3) == 0)) ||
      (rest == 8 && strncasecmp(s + i, "infinity", 8) == 0))
    return TOK_FLOAT;
  size_t nd = 0, nf = 0;
  bool dot = false, ex = false;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++, nd++;
  if (i < n && s[i] == '.') {
    dot = true;
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, nf++;
  }
  if (nd + nf == 0) return TOK_BAD;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ex = true;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t ne = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, ne++;
    if (ne == 0) return TOK_BAD;
  }
  if (i != n) return TOK_BAD;
  return dot || ex ? TOK_FLOAT : TOK_INT;
}

/* A short printable quote of a token for messages. */
static void quote(char *out, size_t outlen, const char *s, size_t n) {
  size_t k = 0, lim = outlen > 4 ? outlen - 4 : 0;
  for (size_t i = 0; i < n && k < lim; i++)
    out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : (char)'?';
  if (k < n && outlen >= 4) {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  if (outlen) out[k < outlen ? k : outlen - 1] = 0;
}

/* Spaces around a number, and the '\r' of CRLF line ends. */
static bool is_blank(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Walks the non-blank lines: calls fn(tok, n, line) for each trimmed
   token; stops at the first nonzero return. */
typedef int (*line_fn)(void *ud, const char *tok, size_t n, uint64_t line);

static int each_line(const char *buf, size_t size, line_fn fn, void *ud) {
  size_t pos = 0;
  uint64_t line = 0;
  if (size >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) pos = 3; /* UTF-8 BOM */
  while (pos < size) {
    line++;
    const char *nl = memchr(buf + pos, '\n', size - pos);
    size_t end = nl ? (size_t)(nl - buf) : size;
    size_t a = pos, b = end;
    while (a < b && is_blank(buf[a])) a++;
    while (b > a && is_blank(buf[b - 1])) b--;
    if (b > a) {
      int rc = fn(ud, buf + a, b - a, line);
      if (rc) return rc;
    }
    pos = end + 1;
  }
  return 0;
}

typedef struct scan_state {
  uint64_t count;
  bool any_float;
  int type; /* explicit --type, or 0 */
  char *err;
  size_t errlen;
  /* second pass */
  unsigned char *out;
  uint64_t k;
  char *tmp; /* NUL-terminated copy of the token */
  size_t tmpcap;
} scan_state;

static int scan_token(void *ud, const char *tok, size_t n, uint64_t line) {
  scan_state *s = ud;
  int cls = classify(tok, n);
  if (cls == TOK_BAD) {
    char q[48];
    quote(q, sizeof q, tok, n);
    return fail(s->err, s->errlen,
                "line %llu: '%s' is not a number (one number per line, '.' as "
                "the decimal point)", (unsigned long long)line, q);
  }
  if (cls == TOK_FLOAT) {
    if (s->type == PLEAT_I32 || s->type == PLEAT_I64) {
      char q[48];
      quote(q, sizeof q, tok, n);
      return fail(s->err, s->errlen, "line %llu: '%s' is not an integer (--type %s)",
                  (unsigned long long)line, q, pleat_dtype_name(s->type));
    }
    s->any_float = true;
  }
  s->count++;
  return 0;
}

static int convert_token(void *ud, const char *tok, size_t n, uint64_t line) {
  scan_state *s = ud;
  char q[48];
  if (n + 1 > s->tmpcap) {
    char *t = realloc(s->tmp, n + 1);
    if (!t) return fail(s->err, s->errlen, "out of memory");
    s->tmp = t;
    s->tmpcap = n + 1;
  }
  memcpy(s->tmp, tok, n);
  s->tmp[n] = 0;
  errno = 0;
  char *end = NULL;
  switch (s->type) {
    case PLEAT_I32:
    case PLEAT_I64: {
      long long v = strtoll(s->tmp, &end, 10);
      bool range = errno == ERANGE ||
                   (s->type == PLEAT_I32 && (v < INT32_MIN || v > INT32_MAX));
      if (range) {
        quote(q, sizeof q, tok, n);
        return fail(s->err, s->errlen, "line %llu: %s is out of range for %s",
                    (unsigned long long)line, q, pleat_dtype_name(s->type));
      }
      if (s->type == PLEAT_I32) {
        int32_t w = (int32_t)v;
        memcpy(s->out + s->k * 4, &w, 4);
      } else {
        int64_t w = v;
        memcpy(s->out + s->k * 8, &w, 8);
      }
      break;
    }
    case PLEAT_F32: {
      float v = strtof(s->tmp, &end);
      if (errno == ERANGE && isinf(v)) {
        quote(q, sizeof q, tok, n);
        return fail(s->err, s->errlen, "line %llu: %s is out of range for f32",
                    (unsigned long long)line, q);
      }
      memcpy(s->out + s->k * 4, &v, 4);
      break;
    }
    default: {
      double v = strtod(s->tmp, &end);
      if (errno == ERANGE && isinf(v)) {
        quote(q, sizeof q, tok, n);
        return fail(s->err, s->errlen, "line %llu: %s is out of range for f64",
                    (unsigned long long)line, q);
      }
      memcpy(s->out + s->k * 8, &v, 8);
      break;
    }
  }
  /* classify() accepted exactly what these functions read; a mismatch is a
     bug, reported rather than trusted */
  if (!end || *end != 0) {
    quote(q, sizeof q, tok, n);
    return fail(s->err, s->errlen, "line %llu: cannot read '%s'",
                (unsigned long long)line, q);
  }
  s->k++;
  return 0;
}

int cli_text_parse(const char *buf, size_t size, int type, cli_input *out,
                   char *err, size_t errlen) {
  scan_state s;
  memset(&s, 0, sizeof s);
  s.type = type;
  s.err = err;
  s.errlen = errlen;
  if (each_line(buf, size, scan_token, &s)) return -1;
  if (!s.type) s.type = s.any_float ? PLEAT_F64 : PLEAT_I64;
  size_t es = pleat_dtype_size(s.type);
  if (s.count > SIZE_MAX / es) return fail(err, errlen, "too many values");
  s.out = malloc(s.count ? (size_t)s.count * es : 1);
  if (!s.out) return fail(err, errlen, "out of memory for %llu values",
                          (unsigned long long)s.count);
  pthread_once(&c_once, make_c_locale);
  locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
  int rc = each_line(buf, size, convert_token, &s);
  if (old) uselocale(old);
  free(s.tmp);
  if (rc) {
    free(s.out);
    return -1;
  }
  memset(out, 0, sizeof *out);
  out->dtype = (pleat_dtype)s.type;
  out->len = s.count;
  out->data = s.out;
  out->heap_ = s.out;
  return 0;
}

/* ---- files -------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

cli_file_kind cli_file_kind_of(const char *path, int type,
                               const unsigned char *head, size_t headlen) {
  if (ends_with(path, ".npy")) return CLI_FILE_NPY;
  if (head && headlen >= 6 && memcmp(head, "\x93NUMPY", 6) == 0)
    return CLI_FILE_NPY;
  if (strcmp(path, "-") == 0 || ends_with(path, ".txt") ||
      ends_with(path, ".csv"))
    return CLI_FILE_TEXT;
  return type ? CLI_FILE_RAW : CLI_FILE_TEXT;
}

/* Reads the whole of fd into a malloc'ed buffer (pipes, standard input,
   files whose size stat does not tell). */
static int read_all(int fd, unsigned char **out, size_t *size, char *err,
                    size_t errlen) {
  size_t cap = 1 << 16, n = 0;
  unsigned char *b = malloc(cap);
  if (!b) return fail(err, errlen, "out of memory");
  for (;;) {
    if (n == cap) {
      if (cap > SIZE_MAX / 2) {
        free(b);
        return fail(err, errlen, "input too large");
      }
      unsigned char *nb = realloc(b, cap * 2);
      if (!nb) {
        free(b);
        return fail(err, errlen, "out of memory");
      }
      b = nb;
      cap *= 2;
    }
    ssize_t r = read(fd, b + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      free(b);
      return fail(err, errlen, "%s", strerror(e));
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  *out = b;
  *size = n;
  return 0;
}

void cli_input_release(cli_input *in) {
  if (in->map_) munmap(in->map_, in->map_len_);
  free(in->heap_);
  memset(in, 0, sizeof *in);
}

int cli_input_load(cli_input *in, const char *path, int type, char *err,
                   size_t errlen) {
  memset(in, 0, sizeof *in);
  bool is_stdin = strcmp(path, "-") == 0;
  int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(err, errlen, "%s", strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    if (!is_stdin) close(fd);
    return fail(err, errlen, "%s", strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    if (!is_stdin) close(fd);
    return fail(err, errlen, "is a directory");
  }
  /* Regular files are mapped (no copy, pages read on demand); anything
     else is read into memory. */
  const unsigned char *buf = NULL;
  size_t size = 0;
  void *map = NULL;
  unsigned char *heap = NULL;
  if (S_ISREG(st.st_mode) && !is_stdin) {
    if ((uintmax_t)st.st_size > SIZE_MAX) {
      close(fd);
      return fail(err, errlen, "file too large");
    }
    size = (size_t)st.st_size;
    if (size > 0) {
      map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (map == MAP_FAILED) {
        int e = errno;
        close(fd);
        return fail(err, errlen, "cannot map the file: %s", strerror(e));
      }
      buf = map;
    }
    close(fd);
  } else {
    int rc = read_all(fd, &heap, &size, err, errlen);
    if (!is_stdin) close(fd);
    if (rc) return -1;
    buf = heap;
  }

  int rc = 0;
  switch (cli_file_kind_of(path, type, buf, size)) {
    case CLI_FILE_NPY: {
      cli_npy_header h = {0, 0, 0};
      if (!little_endian_host()) {
        rc = fail(err, errlen, "binary input needs a little-endian host");
        break;
      }
      if ((rc = cli_npy_parse(buf ? buf : (const unsigned char *)"", size, &h,
                              err, errlen)))
        break;
      if (type && type != (int)h.dtype) {
        rc = fail(err, errlen, "the file holds %s values but --type %s was given",
                  pleat_dtype_name(h.dtype), pleat_dtype_name(type));
        break;
      }
      in->dtype = h.dtype;
      in->len = h.len;
      in->data = h.len ? buf + h.data_offset : NULL;
      /* the library takes bool as bytes 0/1: check rather than trust */
      if (h.dtype == PLEAT_BOOL) {
        const unsigned char *d = in->data;
        for (uint64_t k = 0; k < h.len; k++)
          if (d[k] > 1) {
            rc = fail(err, errlen, "bool element %llu holds byte value %u, "
                      "not 0 or 1", (unsigned long long)k, d[k]);
            break;
          }
      }
      break;
    }
    case CLI_FILE_RAW:
      if (!little_endian_host()) {
        rc = fail(err, errlen, "binary input needs a little-endian host");
        break;
      }
      if ((rc = cli_raw_count(size, (pleat_dtype)type, &in->len, err, errlen)))
        break;
      in->dtype = (pleat_dtype)type;
      in->data = in->len ? buf : NULL;
      break;
    case CLI_FILE_TEXT: {
      cli_input t;
      if ((rc = cli_text_parse(buf ? (const char *)buf : "", size, type, &t, err,
                               errlen)))
        break;
      /* the values are copied out: the text itself is no longer needed */
      if (map) munmap(map, size);
      free(heap);
      *in = t;
      return 0;
    }
  }
  if (rc) {
    if (map) munmap(map, size);
    free(heap);
    memset(in, 0, sizeof *in);
    return -1;
  }
  in->map_ = map;
  in->map_len_ = size;
  in->heap_ = heap;
  return 0;
}
