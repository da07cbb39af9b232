/*
** check.h -- the checker: names, types, weak literals and promotion, and the
** lowering of the checked tree into the IR (one pass: every expression is
** typed as it is emitted, and constants fold through vec_ops.c).
*/
#ifndef PLEAT_CHECK_H
#define PLEAT_CHECK_H

#include "ast.h"
#include "ir.h"

/** Checks tree t against the input schema cols[0..ncols) and lowers it into
    ir (initialised by the caller).  text/len is the pipeline text the tree
    came from (NULL for built trees), used for literal re-parsing and
    messages.  On failure returns the status with *err filled (position of
    the offending node; 0:0 for built trees). */
pleat_status pleat__check(const pleat__ast *t, const char *text, size_t len,
                          const pleat_column *cols, size_t ncols,
                          pleat__ir *ir, pleat__parse_error *err);

/** The name of column k of a schema (its name, or x, y, z, c3, ...). */
const char *pleat__col_name(const pleat_column *cols, size_t k, char buf[24]);

#endif
