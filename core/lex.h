/*
** lex.h -- the pipeline lexer: turns text[0..len) into tokens on demand, so
** the parser sees errors in source order and never tokenises more than it
** reads.  Positions are 1-based lines and 1-based columns counted in bytes
** (a tab is one column); a line ends at LF (CRLF: the CR is white space).
*/
#ifndef PLEAT_LEX_H
#define PLEAT_LEX_H

#include <locale.h>

#include "pleat_int.h"

typedef enum pleat__tok_kind {
  TK_END,     /* end of input; its position is just past the last byte */
  TK_ERR,     /* lexical error: details in the lexer (sticky) */
  TK_INT,     /* integer literal or field number: u is the magnitude */
  TK_FLOAT,   /* float literal: f */
  TK_NAME,    /* identifier */
  TK_TRUE,
  TK_FALSE,
  TK_NAN,
  TK_INF,
  TK_PIPE,    /* |> */
  TK_LPAREN,
  TK_RPAREN,
  TK_COMMA,
  TK_DOT,     /* field access */
  TK_ARROW,   /* -> */
  TK_QUEST,
  TK_COLON,
  TK_PLUS,
  TK_MINUS,
  TK_STAR,
  TK_SLASH,
  TK_PERCENT,
  TK_SHL,
  TK_SHR,
  TK_LT,
  TK_LE,
  TK_GT,
  TK_GE,
  TK_EQ,
  TK_NE,
  TK_AMP,
  TK_CARET,
  TK_BAR,
  TK_ANDAND,
  TK_OROR,
  TK_BANG,
  TK_TILDE
} pleat__tok_kind;

typedef struct pleat__token {
  uint8_t kind;   /* pleat__tok_kind */
  uint32_t line;  /* 1-based */
  uint32_t col;   /* 1-based, in bytes */
  uint32_t off;   /* 0-based byte offset of the first byte */
  uint32_t len;   /* bytes */
  uint64_t u;     /* TK_INT: magnitude (at most 2^63; the sign is the parser's) */
  double f;       /* TK_FLOAT */
} pleat__token;

typedef struct pleat__lexer {
  const char *s;
  size_t len;
  size_t pos;
  uint32_t line;
  size_t line_start;   /* offset of the first byte of the current line */
  uint8_t prev;        /* kind of the previous token (decides what '.' is) */
  bool prev_field;     /* the previous TK_INT was a field number */
  pleat__alloc *al;    /* for float literals too long for a stack buffer */
  /* the error, once a TK_ERR has been produced (every later call repeats it) */
  pleat_status err_status;
  uint32_t err_line, err_col;
  char err_msg[160];
} pleat__lexer;

/** Starts lexing s[0..len) (len <= PLEAT_MAX_TEXT, checked by the caller). */
void pleat__lex_init(pleat__lexer *lx, const char *s, size_t len, pleat__alloc *al);
/** The next token.  On TK_ERR, lx->err_* say what and where: PLEAT_E_SYNTAX
    (bad character, NUL, non-ASCII outside a comment, invalid UTF-8 inside
    one, malformed number), PLEAT_E_RANGE (integer magnitude above 2^63,
    float literal that overflows), PLEAT_E_NOMEM. */
void pleat__lex_next(pleat__lexer *lx, pleat__token *tok);
/** The text of an operator or punctuation kind ("|>", "("), or a word for
    the others ("end of input", "name", ...). */
const char *pleat__lex_kind_text(int kind);
/** A "C" locale object made once per process ((locale_t)0 if newlocale
    failed), for locale-independent strtod/printf through uselocale. */
locale_t pleat__lex_c_locale(void);

#endif
