/*
** lex.c -- the pipeline lexer (see lex.h): ASCII tokens, '#' comments that
** may hold UTF-8, C-style numbers checked strictly, converted independently
** of the C locale.
*/
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lex.h"

/* ---- the "C" locale ------------------------------------------------------ */

/* strtod and printf follow LC_NUMERIC, so a host running under de_DE would
   read "1.5" as 1; uselocale switches only the calling thread. */
static pthread_once_t c_once = PTHREAD_ONCE_INIT;
static locale_t c_loc = (locale_t)0;

static void make_c_locale(void) { c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

locale_t pleat__lex_c_locale(void) {
  pthread_once(&c_once, make_c_locale);
  return c_loc;
}

/* ---- helpers ------------------------------------------------------------- */

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_hex(int c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_ident_start(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_ident(int c) { return is_ident_start(c) || is_digit(c); }
static int hex_val(int c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

/* Length of the well-formed UTF-8 sequence at p (1..4), 0 when it is not
   one: overlong forms, surrogates, code points above U+10FFFF and sequences
   cut off by the end of the text are all rejected. */
static int utf8_seq(const unsigned char *p, size_t avail, uint32_t *cp) {
  unsigned b0 = p[0];
  int n;
  uint32_t v;
  if (b0 < 0x80) { *cp = b0; return 1; }
  if (b0 < 0xC2) return 0;
  if (b0 < 0xE0) { n = 2; v = b0 & 0x1F; }
  else if (b0 < 0xF0) { n = 3; v = b0 & 0x0F; }
  else if (b0 < 0xF5) { n = 4; v = b0 & 0x07; }
  else return 0;
  if (avail < (size_t)n) return 0;
  for (int k = 1; k < n; k++) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[k] & 0x3F);
  }
  if (n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) return 0;
  if (n == 4 && (v < 0x10000 || v > 0x10FFFF)) return 0;
  *cp = v;
  return n;
}

PLEAT_PRINTF(4, 5)
static void lex_fail(pleat__lexer *lx, pleat_status st, size_t at, const char *fmt, ...) {
  lx->err_status = st;
  lx->err_line = lx->line;
  lx->err_col = (uint32_t)(at - lx->line_start + 1);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(lx->err_msg, sizeof lx->err_msg, fmt, ap);
  va_end(ap);
}

void pleat__lex_init(pleat__lexer *lx, const char *s, size_t len, pleat__alloc *al) {
  memset(lx, 0, sizeof *lx);
  lx->s = s;
  lx->len = len;
  lx->line = 1;
  lx->prev = TK_END;
  lx->al = al ? al : &pleat__alloc_default;
}

const char *pleat__lex_kind_text(int kind) {
  switch (kind) {
    case TK_END: return "end of input";
    case TK_ERR: return "error";
    case TK_INT: return "integer";
    case TK_FLOAT: return "float";
    case TK_NAME: return "name";
    case TK_TRUE: return "true";
    case TK_FALSE: return "false";
    case TK_NAN: return "nan";
    case TK_INF: return "inf";
    case TK_PIPE: return "|>";
    case TK_LPAREN: return "(";
    case TK_RPAREN: return ")";
    case TK_COMMA: return ",";
    case TK_DOT: return ".";
    case TK_ARROW: return "->";
    case TK_QUEST: return "?";
    case TK_COLON: return ":";
    case TK_PLUS: return "+";
    case TK_MINUS: return "-";
    case TK_STAR: return "*";
    case TK_SLASH: return "/";
    case TK_PERCENT: return "%";
    case TK_SHL: return "<<";
    case TK_SHR: return ">>";
    case TK_LT: return "<";
    case TK_LE: return "<=";
    case TK_GT: return ">";
    case TK_GE: return ">=";
    case TK_EQ: return "==";
    case TK_NE: return "!=";
    case TK_AMP: return "&";
    case TK_CARET: return "^";
    case TK_BAR: return "|";
    case TK_ANDAND: return "&&";
    case TK_OROR: return "||";
    case TK_BANG: return "!";
    case TK_TILDE: return "~";
  }
  return "?";
}

/* ---- white space and comments ------------------------------------------ */

/* Skips blanks and comments; false (error recorded) on a NUL byte or on
   invalid UTF-8 inside a comment. */
static bool skip_space(pleat__lexer *lx) {
  const unsigned char *s = (const unsigned char *)lx->s;
  while (lx->pos < lx->len) {
    unsigned c = s[lx->pos];
    if (c == '\n') {
      lx->pos++;
      lx->line++;
      lx->line_start = lx->pos;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      lx->pos++;
    } else if (c == '#') {
      /* A comment runs to LF; in CRLF the CR is just part of it. */
      while (lx->pos < lx->len && s[lx->pos] != '\n') {
        unsigned b = s[lx->pos];
        if (b == 0) {
          lex_fail(lx, PLEAT_E_SYNTAX, lx->pos, "NUL byte in the pipeline text");
          return false;
        }
        if (b < 0x80) { lx->pos++; continue; }
        uint32_t cp;
        int n = utf8_seq(s + lx->pos, lx->len - lx->pos, &cp);
        if (n == 0) {
          lex_fail(lx, PLEAT_E_SYNTAX, lx->pos, "invalid UTF-8 in a comment (byte 0x%02X)", b);
          return false;
        }
        lx->pos += (size_t)n;
      }
    } else {
      break;
    }
  }
  return true;
}

/* ---- numbers ------------------------------------------------------------- */

/* The text of a malformed number for messages: the literal plus whatever
   letters, digits, dots and exponent signs stick to it. */
static void bad_number(pleat__lexer *lx, size_t start, const char *why) {
  size_t e = start;
  while (e < lx->len && e - start < 40) {
    char c = lx->s[e];
    if (is_ident(c) || c == '.') { e++; continue; }
    if ((c == '+' || c == '-') && e > start && (lx->s[e - 1] == 'e' || lx->s[e - 1] == 'E')) {
      e++;
      continue;
    }
    break;
  }
  lex_fail(lx, PLEAT_E_SYNTAX, start, "malformed number '%.*s': %s", (int)(e - start),
           lx->s + start, why);
}

/* After a literal's last character: another letter, digit, '_' or '.'
   means the literal is malformed (1_000, 0x1p3, 0x1g, 1..2). */
static bool literal_ends(pleat__lexer *lx, size_t start) {
  if (lx->pos < lx->len) {
    char c = lx->s[lx->pos];
    if (is_ident(c) || c == '.') {
      char why[64];
      snprintf(why, sizeof why, "a number cannot be directly followed by '%c'", c);
      bad_number(lx, start, why);
      return false;
    }
  }
  return true;
}

/* Decimal digits s[a..b) into *u; false when the value exceeds 2^63 (or
   2^64, which no accumulator could hold). */
static bool dec_value(const char *s, size_t a, size_t b, uint64_t *u) {
  uint64_t v = 0;
  for (size_t k = a; k < b; k++) {
    unsigned d = (unsigned)(s[k] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *u = v;
  return v <= (uint64_t)INT64_MAX + 1;
}

/* field := DIGITS, right after '.' (so x.0.1 is two field accesses and
   never the float 0.1). */
static bool lex_field(pleat__lexer *lx, pleat__token *tok) {
  size_t start = lx->pos;
  while (lx->pos < lx->len && is_digit(lx->s[lx->pos])) lx->pos++;
  if (lx->pos - start > 1 && lx->s[start] == '0') {
    bad_number(lx, start, "a field number cannot start with 0");
    return false;
  }
  if (lx->pos < lx->len && is_ident(lx->s[lx->pos])) {
    char why[64];
    snprintf(why, sizeof why, "a field number cannot be directly followed by '%c'",
             lx->s[lx->pos]);
    bad_number(lx, start, why);
    return false;
  }
  if (!dec_value(lx->s, start, lx->pos, &tok->u) || tok->u > (uint64_t)INT64_MAX) {
    lex_fail(lx, PLEAT_E_RANGE, start, "field number out of range");
    return false;
  }
  tok->kind = TK_INT;
  return true;
}

/* number := "0x" HEX+ | DIGITS ["." DIGITS*] [EXP] | "." DIGITS+ [EXP]
   EXP := ("e"|"E") ["+"|"-"] DIGITS+ */
static bool lex_number(pleat__lexer *lx, pleat__token *tok) {
  const char *s = lx->s;
  size_t start = lx->pos;
  if (s[start] == '0' && start + 1 < lx->len && (s[start + 1] == 'x' || s[start + 1] == 'X')) {
    lx->pos += 2;
    size_t d0 = lx->pos;
    uint64_t v = 0;
    bool over = false;
    while (lx->pos < lx->len && is_hex(s[lx->pos])) {
      if (v >> 60) over = true;
      v = (v << 4) | (uint64_t)hex_val(s[lx->pos]);
      lx->pos++;
    }
    if (lx->pos == d0) {
      bad_number(lx, start, "'0x' must be followed by hex digits");
      return false;
    }
    if (!literal_ends(lx, start)) return false;
    if (over || v > (uint64_t)INT64_MAX + 1) {
      lex_fail(lx, PLEAT_E_RANGE, start, "integer literal out of range");
      return false;
    }
    tok->kind = TK_INT;
    tok->u = v;
    return true;
  }
  size_t int_end;
  bool is_float = false;
  while (lx->pos < lx->len && is_digit(s[lx->pos])) lx->pos++;
  int_end = lx->pos;
  if (lx->pos < lx->len && s[lx->pos] == '.') {
    is_float = true;
    lx->pos++;
    while (lx->pos < lx->len && is_digit(s[lx->pos])) lx->pos++;
  }
  if (lx->pos < lx->len && (s[lx->pos] == 'e' || s[lx->pos] == 'E')) {
    is_float = true;
    lx->pos++;
    if (lx->pos < lx->len && (s[lx->pos] == '+' || s[lx->pos] == '-')) lx->pos++;
    size_t e0 = lx->pos;
    while (lx->pos < lx->len && is_digit(s[lx->pos])) lx->pos++;
    if (lx->pos == e0) {
      bad_number(lx, start, "the exponent has no digits");
      return false;
    }
  }
  if (!literal_ends(lx, start)) return false;
  if (!is_float) {
    /* 012 would mean 10 in C and 12 elsewhere: refuse to guess. */
    if (int_end - start > 1 && s[start] == '0') {
      bad_number(lx, start, "a decimal integer cannot start with 0");
      return false;
    }
    if (!dec_value(s, start, int_end, &tok->u)) {
      lex_fail(lx, PLEAT_E_RANGE, start, "integer literal out of range");
      return false;
    }
    tok->kind = TK_INT;
    return true;
  }
  size_t n = lx->pos - start;
  char small[128];
  char *buf = small;
  if (n >= sizeof small) {
    buf = pleat__malloc(lx->al, n + 1);
    if (!buf) {
      lex_fail(lx, PLEAT_E_NOMEM, start, "out of memory");
      return false;
    }
  }
  memcpy(buf, s + start, n);
  buf[n] = 0;
  locale_t c = pleat__lex_c_locale();
  locale_t old = c ? uselocale(c) : (locale_t)0;
  double v = strtod(buf, NULL);
  if (old) uselocale(old);
  if (buf != small) pleat__free(lx->al, buf);
  /* ERANGE also flags underflow (1e-400 -> 0, 4.9e-324 -> denormal), which
     is fine: only a result that became infinite is out of range. */
  if (isinf(v)) {
    lex_fail(lx, PLEAT_E_RANGE, start, "float literal out of range");
    return false;
  }
  tok->kind = TK_FLOAT;
  tok->f = v;
  return true;
}

/* ---- tokens ---------------------------------------------------------------- */

static bool starts_field_access(uint8_t prev, bool prev_field) {
  return prev == TK_NAME || prev == TK_RPAREN || prev == TK_TRUE || prev == TK_FALSE ||
         prev == TK_NAN || prev == TK_INF || (prev == TK_INT && prev_field);
}

static bool lex_token(pleat__lexer *lx, pleat__token *tok) {
  if (!skip_space(lx)) return false;
  const unsigned char *s = (const unsigned char *)lx->s;
  size_t p = lx->pos;
  tok->line = lx->line;
  tok->col = (uint32_t)(p - lx->line_start + 1);
  tok->off = (uint32_t)p;
  if (p >= lx->len) {
    tok->kind = TK_END;
    return true;
  }
  unsigned c = s[p];
  unsigned c1 = p + 1 < lx->len ? s[p + 1] : 0;
  bool field = false;

  if (lx->prev == TK_DOT && is_digit((int)c)) {
    if (!lex_field(lx, tok)) return false;
    field = true;
  } else if (is_digit((int)c) ||
             (c == '.' && is_digit((int)c1) && !starts_field_access(lx->prev, lx->prev_field))) {
    if (!lex_number(lx, tok)) return false;
  } else if (is_ident_start((int)c)) {
    while (lx->pos < lx->len && is_ident(lx->s[lx->pos])) lx->pos++;
    size_t n = lx->pos - p;
    const char *w = lx->s + p;
    tok->kind = TK_NAME;
    if (n == 4 && !memcmp(w, "true", 4)) tok->kind = TK_TRUE;
    else if (n == 5 && !memcmp(w, "false", 5)) tok->kind = TK_FALSE;
    else if (n == 3 && !memcmp(w, "nan", 3)) tok->kind = TK_NAN;
    else if (n == 3 && !memcmp(w, "inf", 3)) tok->kind = TK_INF;
  } else {
    int k = -1, w = 1;
    switch (c) {
      case '|': k = c1 == '>' ? TK_PIPE : c1 == '|' ? TK_OROR : TK_BAR; w = (c1 == '>' || c1 == '|') ? 2 : 1; break;
      case '-': k = c1 == '>' ? TK_ARROW : TK_MINUS; w = c1 == '>' ? 2 : 1; break;
      case '<': k = c1 == '<' ? TK_SHL : c1 == '=' ? TK_LE : TK_LT; w = (c1 == '<' || c1 == '=') ? 2 : 1; break;
      case '>': k = c1 == '>' ? TK_SHR : c1 == '=' ? TK_GE : TK_GT; w = (c1 == '>' || c1 == '=') ? 2 : 1; break;
      case '=': if (c1 == '=') { k = TK_EQ; w = 2; } break;
      case '!': k = c1 == '=' ? TK_NE : TK_BANG; w = c1 == '=' ? 2 : 1; break;
      case '&': k = c1 == '&' ? TK_ANDAND : TK_AMP; w = c1 == '&' ? 2 : 1; break;
      case '(': k = TK_LPAREN; break;
      case ')': k = TK_RPAREN; break;
      case ',': k = TK_COMMA; break;
      case '.': k = TK_DOT; break;
      case '?': k = TK_QUEST; break;
      case ':': k = TK_COLON; break;
      case '+': k = TK_PLUS; break;
      case '*': k = TK_STAR; break;
      case '/': k = TK_SLASH; break;
      case '%': k = TK_PERCENT; break;
      case '^': k = TK_CARET; break;
      case '~': k = TK_TILDE; break;
    }
    if (k < 0) {
      if (c == 0) {
        lex_fail(lx, PLEAT_E_SYNTAX, p, "NUL byte in the pipeline text");
      } else if (c >= 0x80) {
        uint32_t cp;
        if (utf8_seq(s + p, lx->len - p, &cp))
          lex_fail(lx, PLEAT_E_SYNTAX, p,
                   "non-ASCII character U+%04X (only ASCII is allowed outside comments)",
                   (unsigned)cp);
        else
          lex_fail(lx, PLEAT_E_SYNTAX, p, "non-ASCII character (invalid UTF-8 byte 0x%02X)", c);
      } else if (c < 0x20 || c == 0x7F) {
        lex_fail(lx, PLEAT_E_SYNTAX, p, "unexpected control character 0x%02X", c);
      } else {
        lex_fail(lx, PLEAT_E_SYNTAX, p, "unexpected character '%c'", (char)c);
      }
      return false;
    }
    tok->kind = (uint8_t)k;
    lx->pos = p + (size_t)w;
  }
  tok->len = (uint32_t)(lx->pos - p);
  lx->prev = tok->kind;
  lx->prev_field = field;
  return true;
}

void pleat__lex_next(pleat__lexer *lx, pleat__token *tok) {
  memset(tok, 0, sizeof *tok);
  if (lx->err_status == PLEAT_OK && lex_token(lx, tok)) return;
  tok->kind = TK_ERR;
  tok->line = lx->err_line;
  tok->col = lx->err_col;
  tok->off = (uint32_t)lx->pos;
  tok->len = 0;
}
