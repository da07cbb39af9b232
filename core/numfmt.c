/*
** numfmt.c -- shortest decimal text of f64/f32 values that reads back
** bit-exactly, laid out as Python's repr() and json module write floats, the
** same under every C locale (JSON results, kernel constants, dumps).
**
** Method: glibc's printf rounds correctly, so "%.16e" gives the 17
** significant digits of the exact binary value.  For p = 1, 2, ... the
** correctly rounded p-digit decimal is derived from those digits (or, on
** the one ambiguous tail "5000...", asked of printf directly), and the first
** p whose nearest decimal -- or its neighbour one unit away, needed where
** the rounding interval is lopsided at a power of two -- reads back to the
** same bits wins.  Among the shortest candidates the nearest is preferred,
** which is exactly the string Python's repr() chooses.
*/
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "pleat_int.h"

/* ---- a "C" locale for this thread ------------------------------------- */

/* printf and strtod honour LC_NUMERIC ("1,5" under de_DE); uselocale
   switches only the calling thread, so concurrent callers and the host's
   own setlocale are undisturbed.  The locale object is made once. */
static pthread_once_t c_once = PTHREAD_ONCE_INIT;
static locale_t c_locale = (locale_t)0;

static void make_c_locale(void) {
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t enter_c_locale(void) {
  pthread_once(&c_once, make_c_locale);
  /* Without the object (newlocale failed) the parsing below still works:
     it skips whatever radix character printf wrote and the read-back
     strings carry no radix character at all. */
  if (c_locale == (locale_t)0) return (locale_t)0;
  return uselocale(c_locale);
}

static void leave_c_locale(locale_t old) {
  if (old != (locale_t)0) uselocale(old);
}

/* ---- decimal digits --------------------------------------------------- */

/* A positive decimal m * 10^q. */
typedef struct dec {
  uint64_t m;
  int q;
} dec;

/* Parses printf's "d.ddde[+-]xx" into digits[] (returns their count) and
   the exponent; any radix character is skipped. */
static int parse_sci(const char *s, char *digits, int *exp10) {
  int nd = 0;
  for (; *s && *s != 'e'; s++)
    if (*s >= '0' && *s <= '9' && nd < 40) digits[nd++] = *s;
  int e = 0, neg = 0;
  if (*s == 'e') {
    s++;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    for (; *s >= '0' && *s <= '9'; s++) e = e * 10 + (*s - '0');
  }
  *exp10 = neg ? -e : e;
  return nd;
}

/* The p-digit decimal nearest to a (> 0, finite), straight from printf. */
static dec nearest_printf(double a, int p) {
  char buf[64], digits[48];
  int e;
  snprintf(buf, sizeof buf, "%.*e", p - 1, a);
  int nd = parse_sci(buf, digits, &e);
  dec r = {0, 0};
  for (int k = 0; k < nd; k++) r.m = r.m * 10 + (uint64_t)(digits[k] - '0');
  r.q = e - (nd - 1);
  return r;
}

/* The p-digit decimal nearest to the value whose 17 correctly rounded
   digits are d17 (exponent e17).  Rounding those digits again is exact
   except when the dropped tail is exactly 5 followed by zeros: then the
   true value may lie on either side of the half, and printf decides. */
static dec nearest(double a, const char *d17, int e17, int p) {
  if (p >= 17) {
    dec r = {0, e17 - 16};
    for (int k = 0; k < 17; k++) r.m = r.m * 10 + (uint64_t)(d17[k] - '0');
    return r;
  }
  dec r = {0, e17 - (p - 1)};
  for (int k = 0; k < p; k++) r.m = r.m * 10 + (uint64_t)(d17[k] - '0');
  char first = d17[p];
  bool rest_zero = true;
  for (int k = p + 1; k < 17; k++)
    if (d17[k] != '0') rest_zero = false;
  if (first == '5' && rest_zero) return nearest_printf(a, p);
  if (first >= '5') r.m++; /* may become 10^p: still the right value */
  return r;
}

/* "<m>e<q>" has no radix character, so strtod reads it the same in any
   locale. */
static void dec_text(dec v, char out[48]) {
  snprintf(out, 48, "%llue%d", (unsigned long long)v.m, v.q);
}

static bool reads_back_f64(dec v, double a) {
  char s[48];
  dec_text(v, s);
  double b = strtod(s, NULL);
  return memcmp(&a, &b, sizeof a) == 0;
}

static bool reads_back_f32(dec v, float a) {
  char s[48];
  dec_text(v, s);
  float b = strtof(s, NULL);
  return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- layout ----------------------------------------------------------- */

/* Writes sign and v the way Python's repr(float) does: positional for
   decimal exponents -4 .. 15 (with ".0" on integral values), else
   "d.ddde+XX" with at least two exponent digits. */
static int layout(char out[32], bool neg, dec v) {
  while (v.m != 0 && v.m % 10 == 0) {
    v.m /= 10;
    v.q++;
  }
  char s[24];
  int nd = snprintf(s, sizeof s, "%llu", (unsigned long long)v.m);
  int x = v.q + nd - 1; /* exponent of the leading digit */
  int n = 0;
  if (neg) out[n++] = '-';
  if (x < -4 || x >= 16) {
    out[n++] = s[0];
    if (nd > 1) {
      out[n++] = '.';
      memcpy(out + n, s + 1, (size_t)(nd - 1));
      n += nd - 1;
    }
    n += snprintf(out + n, (size_t)(32 - n), "e%c%02d", x < 0 ? '-' : '+',
                  x < 0 ? -x : x);
  } else if (x >= 0) {
    for (int k = 0; k <= x; k++) out[n++] = k < nd ? s[k] : (char)'0';
    out[n++] = '.';
    if (nd > x + 1) {
      memcpy(out + n, s + x + 1, (size_t)(nd - x - 1));
      n += nd - x - 1;
    } else {
      out[n++] = '0';
    }
  } else {
    out[n++] = '0';
    out[n++] = '.';
    for (int k = 0; k < -x - 1; k++) out[n++] = '0';
    memcpy(out + n, s, (size_t)nd);
    n += nd;
  }
  out[n] = 0;
  return n;
}

/* Non-finite values and zeros, spelled as Python's json module does;
   returns 0 when x is an ordinary number. */
static int special(char out[32], double x) {
  const char *t = NULL;
  if (isnan(x)) t = "NaN";
  else if (isinf(x)) t = x < 0 ? "-Infinity" : "Infinity";
  else if (x == 0) t = signbit(x) ? "-0.0" : "0.0";
  if (!t) return 0;
  size_t n = strlen(t);
  memcpy(out, t, n + 1);
  return (int)n;
}

/* ---- entry points ----------------------------------------------------- */

/* Shared search: maxp significant digits at most, is_f32 picks the read
   back.  a is the magnitude (> 0, finite); f32 values are widened exactly. */
static int shortest(char out[32], bool neg, double a, bool is_f32) {
  /* Below 2^53 (2^24 for f32) every whole number is exact and its
     neighbours are one apart, so its digits are the shortest text (and
     Python's): this skips printf's slow float path for counts, sums of
     integers and the like. */
  if (a < (is_f32 ? 0x1p24 : 0x1p53) && a == (double)(int64_t)a) {
    dec w = {(uint64_t)a, 0};
    return layout(out, neg, w);
  }
  locale_t old = enter_c_locale();
  char buf[64], d17[48];
  int e17;
  snprintf(buf, sizeof buf, "%.16e", a);
  int nd = parse_sci(buf, d17, &e17);
  int maxp = is_f32 ? 9 : 17;
  dec best = {0, 0};
  bool found = false;
  if (nd == 17) {
    /* A candidate farther than half an ulp from a cannot read back, and
       strtod is the costly step: measured in units of the 17th digit, the
       candidate's distance from the 17 digits is exact and a lies within
       half a unit of them, while half an ulp is at most m17 * 2^-53
       (2^-24 for f32).  The bound below is twice that plus slack, so it
       never skips a candidate that could work.  Subnormals have a fixed
       ulp far larger than that: no shortcut for them. */
    uint64_t m17 = 0;
    for (int k = 0; k < 17; k++) m17 = m17 * 10 + (uint64_t)(d17[k] - '0');
    bool subnormal = is_f32 ? a < 0x1p-126 : a < 0x1p-1022;
    uint64_t bound = subnormal ? UINT64_MAX : (m17 >> (is_f32 ? 23 : 52)) + 2;
    for (int p = 1; p <= maxp && !found; p++) {
      dec c[3];
      c[0] = nearest(a, d17, e17, p);
      c[1] = (dec){c[0].m + 1, c[0].q};
      c[2] = (dec){c[0].m - 1, c[0].q};
      int nc = c[0].m > 1 ? 3 : 2;
      uint64_t scale = 1;
      for (int k = p; k < 17; k++) scale *= 10;
      /* the exponents agree unless printf was asked (then skip nothing) */
      bool same_exp = c[0].q == e17 - (p - 1);
      for (int k = 0; k < nc && !found; k++) {
        uint64_t c17 = c[k].m * scale; /* <= 10^17 * 10: no overflow */
        uint64_t dist = c17 > m17 ? c17 - m17 : m17 - c17;
        if (same_exp && dist > bound) continue;
        bool ok = is_f32 ? reads_back_f32(c[k], (float)a)
                         : reads_back_f64(c[k], a);
        if (ok) {
          best = c[k];
          found = true;
        }
      }
    }
  }
  if (!found) /* cannot happen with a correct printf; 17/9 digits suffice */
    best = nearest_printf(a, maxp);
  leave_c_locale(old);
  return layout(out, neg, best);
}

int pleat__fmt_f64(char out[32], double d) {
  int n = special(out, d);
  if (n) return n;
  return shortest(out, signbit(d) != 0, fabs(d), false);
}

int pleat__fmt_f32(char out[32], float f) {
  int n = special(out, (double)f);
  if (n) return n;
  return shortest(out, signbit(f) != 0, fabs((double)f), true);
}
