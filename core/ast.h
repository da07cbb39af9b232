/*
** ast.h -- the syntax tree that the text parser and the builder API both
** produce.  It is purely syntactic: a pipeline is a list of items, each a
** call (`map(...)`), a bare name (`enumerate`, `sum`) or a tuple of reducers;
** the checker (check.c) decides what every name means.  So a built pipeline
** and its text form are the same tree, and only one place knows the
** language's vocabulary.
**
** Nodes live in an arena owned by the pleat__ast; nothing is freed one by one,
** so destroying a tree never recurses (a 10^5-term chain cannot overflow the
** stack on destruction).
*/
#ifndef PLEAT_AST_H
#define PLEAT_AST_H

#include "pleat_int.h"

/* Operators, in the order of the lexer's tokens.  X(name, text) */
#define PLEAT_AST_OPS(X)                                                       \
  X(NEG, "-")    /* unary */                                                   \
  X(NOT, "!")    /* unary */                                                   \
  X(BNOT, "~")   /* unary */                                                   \
  X(MUL, "*")                                                                  \
  X(DIV, "/")                                                                  \
  X(REM, "%")                                                                  \
  X(ADD, "+")                                                                  \
  X(SUB, "-")                                                                  \
  X(SHL, "<<")                                                                 \
  X(SHR, ">>")                                                                 \
  X(LT, "<")                                                                   \
  X(LE, "<=")                                                                  \
  X(GT, ">")                                                                   \
  X(GE, ">=")                                                                  \
  X(EQ, "==")                                                                  \
  X(NE, "!=")                                                                  \
  X(BAND, "&")                                                                 \
  X(BXOR, "^")                                                                 \
  X(BOR, "|")                                                                  \
  X(LAND, "&&")                                                                \
  X(LOR, "||")                                                                 \
  X(MIN, "min") /* only as an operator reference: scan(min) */                 \
  X(MAX, "max") /* only as an operator reference */

typedef enum pleat__ast_op {
#define X(n, t) AOP_##n,
  PLEAT_AST_OPS(X)
#undef X
  AOP_COUNT_
} pleat__ast_op;

/** The operator's text ("*", "<<", "min"). */
const char *pleat__ast_op_text(int op);

typedef enum pleat__ast_kind {
  AST_INT,      /* integer literal: u (magnitude as written), neg */
  AST_FLOAT,    /* float literal: f (already negated when neg) */
  AST_BOOL,     /* true / false: u = 0/1 */
  AST_NAME,     /* identifier: name; `nan`/`inf` are AST_FLOAT instead */
  AST_UNARY,    /* op, kids[0] */
  AST_BINARY,   /* op, kids[0], kids[1] */
  AST_TERNARY,  /* kids[0] ? kids[1] : kids[2] */
  AST_CALL,     /* name(kids...) : functions, stages, reducers, casts */
  AST_FIELD,    /* kids[0].u */
  AST_TUPLE,    /* (kids...), at least 2, or 1 with a trailing comma? no: >=2 */
  AST_OPREF,    /* op used as a value: scan(+), reduce(min) */
  AST_LAMBDA,   /* (name, name2) -> kids[0] */
  AST_PIPELINE  /* kids = items in order; the last one is the reducer */
} pleat__ast_kind;

typedef struct pleat__ast_node pleat__ast_node;
struct pleat__ast_node {
  uint8_t kind;   /* pleat__ast_kind */
  uint8_t op;     /* pleat__ast_op for UNARY, BINARY, OPREF */
  uint8_t neg;    /* AST_INT: the literal was written with a leading '-' */
  uint8_t paren;  /* written inside parentheses (printer keeps them) */
  uint32_t line;  /* 1-based line of the node's first byte */
  uint32_t col;   /* 1-based column (bytes) of the node's first byte */
  uint32_t off;   /* 0-based byte offset of the node's first byte */
  uint32_t len;   /* bytes of source text the node spans (0 from the builder) */
  uint64_t u;     /* AST_INT magnitude, AST_BOOL value, AST_FIELD index */
  double f;       /* AST_FLOAT value */
  const char *name;   /* AST_NAME, AST_CALL, AST_LAMBDA first parameter;
                         NUL-terminated copy in the arena */
  const char *name2;  /* AST_LAMBDA second parameter */
  pleat__ast_node **kids;
  uint32_t nkids;
  uint16_t depth;     /* 1 + deepest kid, set by the parser and the builder
                         (saturates at 0xffff) so limits need no walk */
};

/** A whole tree plus its arena.  Created by pleat__parse or the builder. */
typedef struct pleat__ast {
  pleat__alloc *al;        /* allocator for the arena */
  struct pleat__arena_blk *blocks;
  pleat__ast_node *root;   /* AST_PIPELINE */
  uint32_t nnodes;
} pleat__ast;

/** Initialise an empty tree allocating from al. */
void pleat__ast_init(pleat__ast *t, pleat__alloc *al);
/** Free every node of t (no recursion). */
void pleat__ast_free(pleat__ast *t);
/** Arena allocation of n zeroed bytes, NULL on out-of-memory. */
void *pleat__ast_alloc(pleat__ast *t, size_t n);
/** A new zeroed node of kind k, NULL on out-of-memory or when the tree
    already has PLEAT_MAX_NODES nodes (the caller reports PLEAT_E_LIMIT:
    check t->nnodes). */
pleat__ast_node *pleat__ast_new(pleat__ast *t, int kind);
/** Copy of s[0..n) into the arena, NUL-terminated. */
const char *pleat__ast_strdup(pleat__ast *t, const char *s, size_t n);

/** Where a parse failed: status, message, line/column of the offending
    token (or of the end of input). */
typedef struct pleat__parse_error {
  pleat_status status;
  uint32_t line, col;
  char msg[256];
} pleat__parse_error;

/** Parses text[0..len) into t (t initialised by the caller).  Returns
    PLEAT_OK, or a status with *err filled: PLEAT_E_SYNTAX (the column of the
    bad token; "empty pipeline" at 1:1 for len == 0), PLEAT_E_RANGE
    (an integer literal that fits no type), PLEAT_E_LIMIT (text longer than
    PLEAT_MAX_TEXT, nesting deeper than PLEAT_MAX_DEPTH, more than
    PLEAT_MAX_STAGES items or PLEAT_MAX_NODES nodes), PLEAT_E_NOMEM.
    Bounded recursion: at most PLEAT_MAX_DEPTH frames. */
pleat_status pleat__parse(pleat__ast *t, const char *text, size_t len,
                          pleat__parse_error *err);

/** Appends the pipeline as canonical text to *buf (a pleat__str): the text
    parses back to the same tree (B35 round trip). */
pleat_status pleat__ast_print(const pleat__ast *t, struct pleat__str *buf);
/** Appends an indented tree dump (for `pleat explain --stage ast`). */
pleat_status pleat__ast_dump(const pleat__ast *t, struct pleat__str *buf);

/** Depth of the deepest node (iterative; used by the builder's checks). */
uint32_t pleat__ast_depth(const pleat__ast_node *n);

#endif
