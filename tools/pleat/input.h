/*
** input.h -- the pleat command's input readers: .npy, raw binary and
** one-number-per-line text files, and the numbers typed on its command
** line.  Nothing here prints: errors come back as text in a caller buffer,
** so the readers can be tested (and fuzzed) on their own.
*/
#ifndef PLEAT_CLI_INPUT_H
#define PLEAT_CLI_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "pleat.h"

/* One column read from a file.  data points into a read-only mapping of
   the file (.npy, raw) or into memory the reader allocated (text, pipes);
   cli_input_release frees either. */
typedef struct cli_input {
  pleat_dtype dtype;
  const void *data; /* len elements of dtype, native (little-endian) order */
  uint64_t len;
  void *map_;       /* mmap'ed region, or NULL */
  size_t map_len_;
  void *heap_;      /* malloc'ed block, or NULL */
} cli_input;

/* What a file's name and content make of it. */
typedef enum cli_file_kind {
  CLI_FILE_NPY = 1,
  CLI_FILE_RAW = 2,
  CLI_FILE_TEXT = 3
} cli_file_kind;

/* The parsed header of a .npy file. */
typedef struct cli_npy_header {
  pleat_dtype dtype;
  uint64_t len;       /* elements */
  size_t data_offset; /* bytes from the start of the file */
} cli_npy_header;

/* Reads path (or standard input for "-") as one column.  type is a
   pleat_dtype from --type, or 0 when none was given.  Returns 0, or -1 with
   "what is wrong" in err (the caller adds the file name). */
int cli_input_load(cli_input *in, const char *path, int type, char *err,
                   size_t errlen);
void cli_input_release(cli_input *in);

/* The kind of file: .npy by name or by its magic bytes (head: the first
   bytes, headlen of them), text for "-", *.txt and *.csv or when no --type
   was given, raw binary otherwise. */
cli_file_kind cli_file_kind_of(const char *path, int type,
                               const unsigned char *head, size_t headlen);

/* .npy: checks the whole header against size bytes of file; never reads
   outside buf[0, size). */
int cli_npy_parse(const unsigned char *buf, size_t size, cli_npy_header *h,
                  char *err, size_t errlen);
/* Raw binary of size bytes as elements of type: the element count, or an
   error when size is not a multiple of the element size. */
int cli_raw_count(size_t size, pleat_dtype type, uint64_t *len, char *err,
                  size_t errlen);
/* Text, one number per line, buf[0, size) (no NUL needed).  type 0 infers
   f64 when any value has '.', an exponent, nan or inf, else i64.  On
   success out->heap_ owns the values. */
int cli_text_parse(const char *buf, size_t size, int type, cli_input *out,
                   char *err, size_t errlen);

/* ---- numbers on the command line ------------------------------------- */

/* "i32", "i64", "f32", "f64" (the --type values). */
int cli_parse_dtype(const char *s, pleat_dtype *out);
/* An element count: 1000000, 2^40 (any base^exponent), 1e8 or 2.5e6 when
   the value is a whole number; at most 2^63 - 1. */
int cli_parse_count(const char *s, uint64_t *out);
/* A seed: decimal or 0x hexadecimal, 0 .. 2^64 - 1. */
int cli_parse_u64(const char *s, uint64_t *out);
/* A start value: decimal, optionally negative. */
int cli_parse_i64(const char *s, int64_t *out);

#endif
