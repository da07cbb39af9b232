/*
** ir.h -- the intermediate representation every back end consumes.
**
** A plan's body is one linear SSA list of instructions: instruction k
** defines value k.  Pure ops compute a value per element; stage ops
** (FILTER, TAKE, SCAN, ...) change the stream at their position in the list,
** so everything after a FILTER runs only for the elements it keeps.
** FLATMAP/FLATRANGE end a *segment*: the next segment runs once per
** produced element and sees the element through UNPACK, INDEX and KIN.
** The reducers (a list, one per member of a reducer tuple) consume values
** of the last segment.
**
** Leaves: the input index space [0, n) is cut into leaves of PLEAT_LEAF
** source elements.  Float sums, products and scans, mean/var/std use a fixed
** tree: inside a leaf, element i goes to lane i % PLEAT_LANES (each lane
** folds in stream order), lanes combine pairwise (s = 16, 8, 4, 2, 1:
** lane[j] op= lane[j + s]), and leaves combine pairwise by the binary
** counter over the leaf index.  The tree depends only on n, so every back
** end that computes leaves in any order gets the same bits.
*/
#ifndef PLEAT_IR_H
#define PLEAT_IR_H

#include "pleat_int.h"

#define PLEAT_LEAF 4096  /* source elements per leaf */
#define PLEAT_LANES 32   /* lanes of the in-leaf tree */

enum {
#define X(name, nargs, rule, flags, meaning) IR_##name,
#include "ir_ops.def"
#undef X
  IR_COUNT_
};

/* flag and rule bits for the table */
enum { IRF_PURE = 1, IRF_TRAP = 2, IRF_STAGE = 4, IRF_STATE = 8,
       IRF_EARLY = 16, IRF_SEG = 32 };
enum { IRR_SAME, IRR_BOOL, IRR_FLT, IRR_INT, IRR_SPEC };

typedef struct pleat__ir_opinfo {
  const char *name;
  int8_t nargs;
  uint8_t rule;
  uint8_t flags;
  const char *meaning;
} pleat__ir_opinfo;

extern const pleat__ir_opinfo pleat__ir_ops[IR_COUNT_];

typedef union pleat__imm {
  int64_t i;
  double f;
} pleat__imm;

typedef struct pleat__ir_ins {
  uint16_t op;
  uint8_t type;     /* result pleat_dtype; 0 when the op defines no value */
  uint8_t aux;      /* CAST: source dtype; SCAN: AOP_* operator */
  int32_t a, b, c;  /* operands (value numbers), -1 when unused; DIV/REM: c
                       is the guard (the trap counts only where it holds) */
  pleat__imm imm;
  int64_t imm2;
  uint32_t extra;   /* first index in ir->extra (DEDUPE, FLATMAP) */
  uint32_t nextra;
  uint32_t seg;     /* segment of the instruction */
  uint32_t src_off, src_len; /* span of pipeline text it came from */
} pleat__ir_ins;

/* Reducer kinds.  X(NAME, "text") */
#define PLEAT_REDUCERS(X)                                                      \
  X(SUM, "sum") X(PROD, "prod") X(COUNT, "count") X(MIN, "min")                \
  X(MAX, "max") X(MINMAX, "minmax") X(MEAN, "mean") X(VAR, "var")              \
  X(STD, "std") X(FIRST, "first") X(LAST, "last") X(ARGMIN, "argmin")          \
  X(ARGMAX, "argmax") X(ANY, "any") X(ALL, "all")                              \
  X(FIND_FIRST, "find_first") X(COLLECT, "collect") X(REDUCE, "reduce")        \
  X(FOLDL, "foldl") X(GROUP, "group")

enum {
#define X(n, t) RED_##n,
  PLEAT_REDUCERS(X)
#undef X
  RED_COUNT_
};
extern const char *const pleat__red_names[RED_COUNT_];

/* A lambda (a, b) -> e compiled to its own small body: values 0 and 1 are
   the parameters (op CONST placeholders), `res` the result.  At most
   PLEAT__LAMBDA_MAX_OPS instructions (the checker refuses more), so the
   interpreter evaluates it in a fixed stack buffer, allocating nothing. */
#define PLEAT__LAMBDA_MAX_OPS 1024
typedef struct pleat__ir_lambda {
  pleat__ir_ins *ins;
  uint32_t nins;
  int32_t res;
} pleat__ir_lambda;

typedef struct pleat__ir_red {
  uint8_t kind;       /* RED_* */
  uint8_t in_type;    /* dtype of the input value(s) */
  uint8_t out_type;   /* dtype of the scalar result (or element type) */
  uint8_t op;         /* REDUCE/FOLDL builtin operator AOP_*, or 0xff: lambda */
  uint8_t nin;        /* number of input values (tuple width; 0 for count) */
  uint8_t has_init;
  int32_t in[PLEAT_MAX_TUPLE];
  int32_t pred;       /* ANY/ALL/FIND_FIRST/COUNT(p): bool value, or -1 */
  pleat__imm init;
  pleat__ir_lambda lam; /* REDUCE/FOLDL with a lambda */
  /* GROUP: */
  int32_t key;        /* i64 key value */
  int64_t bins;
  int32_t sub;        /* index in ir->red of the inner reducer (not top) */
  uint32_t src_off, src_len;
  bool top;           /* a member of the pipeline's result */
} pleat__ir_red;

typedef struct pleat__ir {
  pleat__alloc *al;
  pleat__ir_ins *ins;
  uint32_t nins, cap;
  int32_t *extra;
  uint32_t nextra, extracap;
  uint32_t nseg;          /* segments: 1 + number of FLATMAP/FLATRANGE */
  uint32_t *seg_start;    /* nseg + 1 entries */
  pleat__ir_red *red;
  uint32_t nred, redcap;
  uint32_t *top;          /* indices of the result's reducers, in order */
  uint32_t ntop;
  bool result_tuple;      /* the reducer was written as a tuple */
  bool uses_k;            /* an ENUMERATE exists */
  int32_t k_value;        /* value number of k in the current segment */
  const char *text;       /* pipeline text for messages (may be NULL) */
  size_t text_len;
} pleat__ir;

void pleat__ir_init(pleat__ir *ir, pleat__alloc *al);
void pleat__ir_free(pleat__ir *ir);
/** Appends an instruction; returns its value number, or -1 on OOM. */
int32_t pleat__ir_emit(pleat__ir *ir, const pleat__ir_ins *ins);
/** Appends n operands to extra; returns the first index, or UINT32_MAX. */
uint32_t pleat__ir_extra(pleat__ir *ir, const int32_t *v, uint32_t n);
/** Appends a reducer; returns its index, or -1 on OOM. */
int32_t pleat__ir_add_red(pleat__ir *ir, const pleat__ir_red *r);
/** uses[v] (ir->nins of them): how many operands of instructions (extras
    included) and of reducers name value v (ir_uses.c). */
void pleat__ir_count_uses(const pleat__ir *ir, int32_t *uses);
/** Whether a division comes before a drop_while in its segment: only then
    can a value be owned by a drop_while's predicate. */
bool pleat__ir_drop_while_divides(const pleat__ir *ir);
/** owner[q] (ir->nins of them): the drop_while whose predicate alone
    needs value q, else -1.  seq evaluates those values only while the
    drop_while is not done, so a division among them traps only there.
    uses from pleat__ir_count_uses; users is scratch of ir->nins. */
void pleat__ir_drop_while_owners(const pleat__ir *ir, const int32_t *uses, int32_t *owner, int32_t *users);
/** Text dump for `pleat explain --stage ir` (and the plan summary). */
void pleat__ir_dump(const pleat__ir *ir, pleat__str *out);
void pleat__ir_dump_plan(const pleat__ir *ir, pleat__str *out);

/* ---- scalar semantics shared by the folder and the interpreter ---------- */

/** Evaluates a pure op on n elements: r = op(a, b, c) with the types of
    `ins` (tys[] gives the operand types).  Pointers are to arrays of the
    operands' types.  For DIV/REM on ints, elements whose divisor is 0 give
    0 and are reported through *trap (first such j with guard true, or -1);
    guard may be NULL (always counts).  Returns false for ops it does not
    evaluate (stages, values). */
bool pleat__eval_op(const pleat__ir_ins *ins, const uint8_t *tys, void *r,
                    const void *a, const void *b, const void *c,
                    const uint8_t *guard, const uint8_t *mask, size_t n,
                    int64_t *trap);
/** r[j] = a[j] op k (k_left: k op a[j]) for op IR_ADD, IR_SUB or IR_MUL on
    operands of type t, k one constant: the same operations as eval_op's
    loops, without reading a constant's chunk-long buffer.  False (nothing
    written) for another op or type. */
bool pleat__eval_const_op(int op, int t, void *r, const void *a, const void *k, bool k_left,
                          size_t n);

#endif
