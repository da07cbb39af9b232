/* LABELS: quick core cli */
/*
** test_input.c -- the pleat command's file readers (tools/pleat/input.c),
** compiled in directly: every G01-G03 case of RELIABILITY.md on files
** written to a fresh temporary directory, plus the command-line number
** parsers.
*/
#include "../../tools/pleat/input.c"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>

static char dir[256];

/* ---- helpers ------------------------------------------------------------ */

static const char *path_of(const char *name) {
  static char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return p;
}

static const char *write_file(const char *name, const void *data, size_t n) {
  const char *p = path_of(name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  if (n) assert_int_equal(fwrite(data, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
  return p;
}

static const char *write_text(const char *name, const char *text) {
  return write_file(name, text, strlen(text));
}

/* A .npy image: magic, version, header length (hlen_override >= 0 to lie
   about it), the header text padded as numpy pads it, then data. */
static size_t npy_image(unsigned char *out, size_t cap, int major,
                        const char *dict, long hlen_override, const void *data,
                        size_t datalen) {
  size_t pre = major == 1 ? 10 : 12;
  size_t dl = strlen(dict);
  size_t hlen = dl + 1;
  while ((pre + hlen) % 64) hlen++;
  assert_true(pre + hlen + datalen <= cap);
  memcpy(out, "\x93NUMPY", 6);
  out[6] = (unsigned char)major;
  out[7] = 0;
  size_t h = hlen_override >= 0 ? (size_t)hlen_override : hlen;
  if (major == 1) {
    out[8] = (unsigned char)(h & 0xff);
    out[9] = (unsigned char)(h >> 8);
  } else {
    for (int k = 0; k < 4; k++) out[8 + k] = (unsigned char)(h >> (8 * k));
  }
  memcpy(out + pre, dict, dl);
  memset(out + pre + dl, ' ', hlen - dl - 1);
  out[pre + hlen - 1] = '\n';
  if (datalen) memcpy(out + pre + hlen, data, datalen);
  return pre + hlen + datalen;
}

static const char *write_npy(const char *name, int major, const char *dict,
                             const void *data, size_t datalen) {
  static unsigned char buf[1 << 16];
  size_t n = npy_image(buf, sizeof buf, major, dict, -1, data, datalen);
  return write_file(name, buf, n);
}

/* Loads path expecting failure; the message must contain want. */
static void expect_error(const char *path, int type, const char *want) {
  cli_input in;
  char err[512] = "";
  int rc = cli_input_load(&in, path, type, err, sizeof err);
  if (rc == 0) {
    cli_input_release(&in);
    fail_msg("%s: loaded, expected an error containing '%s'", path, want);
  }
  if (!strstr(err, want)) fail_msg("%s: error '%s' lacks '%s'", path, err, want);
  assert_null(in.data);
  assert_null(in.map_);
  assert_null(in.heap_);
}

static cli_input expect_ok(const char *path, int type) {
  cli_input in;
  char err[512] = "";
  if (cli_input_load(&in, path, type, err, sizeof err) != 0)
    fail_msg("%s: %s", path, err);
  return in;
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/pleat_test_input.XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
        unlink(path_of(e->d_name));
    closedir(d);
  }
  return rmdir(dir);
}

/* ---- .npy: accepted ------------------------------------------------------ */

static void test_npy_good(void **state) {
  (void)state;
  double d[3] = {1.5, -0.0, 1e300};
  cli_input in = expect_ok(
      write_npy("a.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                d, sizeof d), 0);
  assert_int_equal(in.dtype, PLEAT_F64);
  assert_int_equal(in.len, 3);
  assert_memory_equal(in.data, d, sizeof d);
  assert_non_null(in.map_); /* mapped, not copied */
  cli_input_release(&in);

  int32_t i[2] = {-7, 2147483647};
  in = expect_ok(write_npy("b.npy", 2, "{\"descr\": \"<i4\", \"fortran_order\": False, "
                           "\"shape\": (2, 1)}", i, sizeof i), 0);
  assert_int_equal(in.dtype, PLEAT_I32);
  assert_int_equal(in.len, 2);
  assert_memory_equal(in.data, i, sizeof i);
  cli_input_release(&in);

  uint8_t b[4] = {1, 0, 0, 1};
  in = expect_ok(write_npy("c.npy", 3, "{'descr': '|b1', 'fortran_order': False, "
                           "'shape': (4,)}", b, sizeof b), 0);
  assert_int_equal(in.dtype, PLEAT_BOOL);
  assert_int_equal(in.len, 4);
  cli_input_release(&in);

  int64_t s = INT64_MIN; /* 0-D: one element */
  in = expect_ok(write_npy("d.npy", 1, "{'descr': '<i8', 'fortran_order': False, "
                           "'shape': ()}", &s, sizeof s), PLEAT_I64);
  assert_int_equal(in.len, 1);
  assert_memory_equal(in.data, &s, sizeof s);
  cli_input_release(&in);

  in = expect_ok(write_npy("e.npy", 1, "{'descr': '<f4', 'fortran_order': True, "
                           "'shape': (0,)}", NULL, 0), 0);
  assert_int_equal(in.dtype, PLEAT_F32);
  assert_int_equal(in.len, 0);
  cli_input_release(&in);

  /* a .npy without the extension is recognised by its magic */
  float f[1] = {0.1f};
  in = expect_ok(write_npy("f.bin", 1, "{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (1L,)}", f, sizeof f), 0);
  assert_int_equal(in.dtype, PLEAT_F32);
  cli_input_release(&in);
}

/* ---- G01: every way a .npy can be wrong ------------------------------ */

static void test_npy_bad(void **state) {
  (void)state;
  double d[3] = {1, 2, 3};
  const char *ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
  expect_error(write_text("magic.npy", "\x93NUMPX\x01\x00hello world"), 0, "bad magic");
  expect_error(write_text("text.npy", "1\n2\n"), 0, "bad magic");
  expect_error(write_file("empty.npy", "", 0), 0, "truncated");
  expect_error(write_file("short.npy", "\x93NUMPY\x01\x00", 8), 0, "truncated");
  expect_error(write_file("short2.npy", "\x93NUMPY\x02\x00\x10\x00", 10), 0, "truncated");
  expect_error(write_file("ver.npy", "\x93NUMPY\x04\x00\x10\x00\x00\x00", 12), 0,
               "version 4.0");

  unsigned char buf[512];
  size_t n = npy_image(buf, sizeof buf, 1, ok, 5000, d, sizeof d);
  expect_error(write_file("hlen.npy", buf, n), 0, "goes past the end");
  n = npy_image(buf, sizeof buf, 2, ok, 0x7fffffff, d, sizeof d);
  expect_error(write_file("hlen2.npy", buf, n), 0, "goes past the end");

  expect_error(write_npy("trunc.npy", 1, ok, d, sizeof d - 1), 0, "truncated");
  expect_error(write_npy("nodata.npy", 1, ok, NULL, 0), 0, "truncated");
  double d4[4] = {0};
  expect_error(write_npy("extra.npy", 1, ok, d4, sizeof d4), 0, "extra");

  expect_error(write_npy("be.npy", 1, "{'descr': '>f4', 'fortran_order': False, "
                         "'shape': (2,)}", d, 8), 0, "big-endian");
  expect_error(write_npy("fo.npy", 1, "{'descr': '<f8', 'fortran_order': True, "
                         "'shape': (3, 1)}", d, sizeof d), 0, "Fortran");
  expect_error(write_npy("obj.npy", 1, "{'descr': '|O', 'fortran_order': False, "
                         "'shape': (3,)}", d, sizeof d), 0, "object");
  expect_error(write_npy("u8.npy", 1, "{'descr': '<u8', 'fortran_order': False, "
                         "'shape': (3,)}", d, sizeof d), 0, "unsigned");
  expect_error(write_npy("u1.npy", 1, "{'descr': '|u1', 'fortran_order': False, "
                         "'shape': (3,)}", d, 3), 0, "unsigned");
  expect_error(write_npy("c16.npy", 1, "{'descr': '<c16', 'fortran_order': False, "
                         "'shape': (1,)}", d, 16), 0, "not supported");
  expect_error(write_npy("nat.npy", 1, "{'descr': '=f8', 'fortran_order': False, "
                         "'shape': (3,)}", d, sizeof d), 0, "byte order");
  expect_error(write_npy("rec.npy", 1, "{'descr': [('a', '<f8')], 'fortran_order': "
                         "False, 'shape': (3,)}", d, sizeof d), 0, "structured");
  expect_error(write_npy("neg.npy", 1, "{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (-3,)}", d, sizeof d), 0, "negative");
  expect_error(write_npy("big.npy", 1, "{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (18446744073709551616,)}", d, sizeof d), 0,
               "too large for 64 bits");
  expect_error(write_npy("ovf.npy", 1, "{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (4294967296, 4294967296)}", d, sizeof d), 0,
               "more elements than fit");
  expect_error(write_npy("ovf2.npy", 1, "{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (2305843009213693952,)}", d, sizeof d), 0,
               "too large");
  expect_error(write_npy("huge.npy", 1, "{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (1000000000000,)}", d, sizeof d), 0, "truncated");
  expect_error(write_npy("2d.npy", 1, "{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (3, 2)}", d, sizeof d), 0, "not one column");
  expect_error(write_npy("nokey.npy", 1, "{'descr': '<f8', 'shape': (3,)}", d,
                         sizeof d), 0, "fortran_order");
  expect_error(write_npy("key.npy", 1, "{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (3,), 'x': 1}", d, sizeof d), 0, "unexpected");
  expect_error(write_npy("dup.npy", 1, "{'descr': '<f8', 'descr': '<f8', "
                         "'fortran_order': False, 'shape': (3,)}", d, sizeof d), 0,
               "repeated");
  expect_error(write_npy("dict.npy", 1, "['descr', '<f8']", d, sizeof d), 0,
               "not a dictionary");
  expect_error(write_npy("shape.npy", 1, "{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (3,", NULL, 0), 0, "shape");

  uint8_t b[3] = {0, 2, 1};
  expect_error(write_npy("bool.npy", 1, "{'descr': '|b1', 'fortran_order': False, "
                         "'shape': (3,)}", b, sizeof b), 0, "byte value 2");
  expect_error(write_npy("type.npy", 1, ok, d, sizeof d), PLEAT_F32,
               "--type f32");
}

/* Every prefix and thousands of mutations of a valid file: errors, never a
   read outside the buffer (the buffer is exactly the file's size, so ASan
   sees any overrun). */
static void test_npy_no_overread(void **state) {
  (void)state;
  double d[3] = {1, 2, 3};
  unsigned char img[256];
  size_t n = npy_image(img, sizeof img, 1,
                       "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                       -1, d, sizeof d);
  cli_npy_header h;
  char err[256];
  for (size_t k = 0; k <= n; k++) {
    unsigned char *b = malloc(k ? k : 1);
    memcpy(b, img, k);
    int rc = cli_npy_parse(b, k, &h, err, sizeof err);
    assert_int_equal(rc, k == n ? 0 : -1);
    free(b);
  }
  uint64_t s = 12345;
  for (int it = 0; it < 20000; it++) {
    unsigned char *b = malloc(n);
    memcpy(b, img, n);
    for (int m = 0; m < 3; m++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      size_t pos = (size_t)(s >> 33) % n;
      b[pos] = (unsigned char)(s >> 20);
    }
    if (cli_npy_parse(b, n, &h, err, sizeof err) == 0)
      assert_true(h.data_offset + h.len * pleat_dtype_size(h.dtype) == n);
    free(b);
  }
}

/* ---- G02: raw binary ----------------------------------------------------- */

static void test_raw(void **state) {
  (void)state;
  float f[3] = {0.5f, -1.0f, 3.25f};
  cli_input in = expect_ok(write_file("a.f32", f, sizeof f), PLEAT_F32);
  assert_int_equal(in.dtype, PLEAT_F32);
  assert_int_equal(in.len, 3);
  assert_memory_equal(in.data, f, sizeof f);
  cli_input_release(&in);

  in = expect_ok(write_file("a.i32", f, sizeof f), PLEAT_I32);
  assert_int_equal(in.len, 3);
  cli_input_release(&in);

  expect_error(write_file("odd.bin", f, 10), PLEAT_F32, "not a multiple of 4");
  expect_error(write_file("odd8.bin", f, 12), PLEAT_F64, "not a multiple of 8");

  in = expect_ok(write_file("empty.bin", "", 0), PLEAT_F64);
  assert_int_equal(in.len, 0);
  assert_int_equal(in.dtype, PLEAT_F64);
  cli_input_release(&in);
}

/* ---- G03: text ----------------------------------------------------------- */

static double f64_at(const cli_input *in, size_t k) {
  double v;
  memcpy(&v, (const char *)in->data + 8 * k, 8);
  return v;
}

static int64_t i64_at(const cli_input *in, size_t k) {
  int64_t v;
  memcpy(&v, (const char *)in->data + 8 * k, 8);
  return v;
}

static void test_text_types(void **state) {
  (void)state;
  cli_input in = expect_ok(write_text("i.txt", "1\n-2\n+3\n-0\n"), 0);
  assert_int_equal(in.dtype, PLEAT_I64);
  assert_int_equal(in.len, 4);
  assert_int_equal(i64_at(&in, 0), 1);
  assert_int_equal(i64_at(&in, 1), -2);
  assert_int_equal(i64_at(&in, 2), 3);
  assert_int_equal(i64_at(&in, 3), 0);
  cli_input_release(&in);

  /* one float-looking value makes the column f64; -0 stays negative */
  in = expect_ok(write_text("f.txt", "1\n-0\n2.5\n"), 0);
  assert_int_equal(in.dtype, PLEAT_F64);
  assert_true(f64_at(&in, 1) == 0 && signbit(f64_at(&in, 1)));
  assert_true(f64_at(&in, 2) == 2.5);
  cli_input_release(&in);

  in = expect_ok(write_text("e.txt", "1e5\n"), 0);
  assert_int_equal(in.dtype, PLEAT_F64);
  assert_true(f64_at(&in, 0) == 1e5);
  cli_input_release(&in);

  in = expect_ok(write_text("nan.txt", " nan \n\tinf\n-Infinity\nNaN\n"), 0);
  assert_int_equal(in.dtype, PLEAT_F64);
  assert_int_equal(in.len, 4);
  assert_true(isnan(f64_at(&in, 0)));
  assert_true(isinf(f64_at(&in, 1)) && f64_at(&in, 1) > 0);
  assert_true(isinf(f64_at(&in, 2)) && f64_at(&in, 2) < 0);
  assert_true(isnan(f64_at(&in, 3)));
  cli_input_release(&in);

  /* underflow rounds (to a subnormal or zero); it is not an error */
  in = expect_ok(write_text("under.txt", "1e-400\n4e-320\n"), 0);
  assert_true(f64_at(&in, 0) == 0);
  assert_true(f64_at(&in, 1) > 0);
  cli_input_release(&in);

  /* an explicit --type converts; a .txt name keeps it text */
  in = expect_ok(write_text("t.txt", "0.1\n3\n"), PLEAT_F32);
  assert_int_equal(in.dtype, PLEAT_F32);
  float f;
  memcpy(&f, in.data, 4);
  assert_true(f == 0.1f);
  cli_input_release(&in);

  in = expect_ok(write_text("t32.csv", "-2147483648\n2147483647\n"), PLEAT_I32);
  assert_int_equal(in.dtype, PLEAT_I32);
  int32_t i;
  memcpy(&i, in.data, 4);
  assert_int_equal(i, INT32_MIN);
  cli_input_release(&in);

  in = expect_ok(write_text("empty.txt", ""), 0);
  assert_int_equal(in.len, 0);
  assert_int_equal(in.dtype, PLEAT_I64);
  cli_input_release(&in);

  /* no --type and no .txt: text */
  in = expect_ok(write_text("numbers", "7\n"), 0);
  assert_int_equal(in.len, 1);
  cli_input_release(&in);
}

static void test_text_layout(void **state) {
  (void)state;
  /* BOM, CRLF, blank lines and spaces */
  cli_input in = expect_ok(
      write_text("crlf.txt", "\xEF\xBB\xBF" "1\r\n\r\n  2  \r\n\n \t \n3"), 0);
  assert_int_equal(in.len, 3);
  assert_int_equal(i64_at(&in, 0), 1);
  assert_int_equal(i64_at(&in, 1), 2);
  assert_int_equal(i64_at(&in, 2), 3);
  cli_input_release(&in);

  /* a 1 MiB line: spaces around a number, and a 1 MiB number */
  size_t big = 1 << 20;
  char *t = malloc(big + 16);
  memset(t, ' ', big);
  memcpy(t + big / 2, "42", 2);
  t[big] = 0;
  in = expect_ok(write_text("wide.txt", t), 0);
  assert_int_equal(in.len, 1);
  assert_int_equal(i64_at(&in, 0), 42);
  cli_input_release(&in);
  memset(t, '1', big);
  memcpy(t + big, "\n", 2);
  expect_error(write_text("long.txt", t), 0, "line 1: 1111");
  expect_error(write_text("long2.txt", t), 0, "out of range");
  t[0] = '0';
  t[1] = '.';
  in = expect_ok(write_text("longf.txt", t), 0);
  assert_int_equal(in.dtype, PLEAT_F64);
  assert_true(fabs(f64_at(&in, 0) - 0.1111111111111111) < 1e-15);
  cli_input_release(&in);
  free(t);
}

static void test_text_errors(void **state) {
  (void)state;
  expect_error(write_text("comma.txt", "1\n2\n1,5\n"), 0, "line 3: '1,5' is not a number");
  expect_error(write_text("big.txt", "1\n\n1e999\n"), 0, "line 3: 1e999 is out of range");
  expect_error(write_text("bigf.txt", "1e39\n"), PLEAT_F32, "out of range for f32");
  expect_error(write_text("bigi.txt", "9223372036854775808\n"), 0,
               "line 1: 9223372036854775808 is out of range for i64");
  expect_error(write_text("bigi32.txt", "2147483648\n"), PLEAT_I32, "out of range for i32");
  expect_error(write_text("int.txt", "1\n1.5\n"), PLEAT_I64, "line 2: '1.5' is not an integer");
  expect_error(write_text("hex.txt", "0x10\n"), 0, "not a number");
  expect_error(write_text("word.txt", "12abc\n"), 0, "line 1");
  expect_error(write_text("two.txt", "1 2\n"), 0, "not a number");
  expect_error(write_file("nul.txt", "1\n2\0003\n", 6), 0, "line 2");
  expect_error(write_text("cr.txt", "1\r2\n"), 0, "line 1");
  expect_error(write_text("e.txt", "1e\n"), 0, "not a number");
  expect_error(write_text("dot.txt", ".\n"), 0, "not a number");
  expect_error(write_text("sign.txt", "-\n"), 0, "not a number");
  expect_error(write_text("nanx.txt", "nanx\n"), 0, "not a number");
}

/* Parsing does not depend on LC_NUMERIC. */
static void test_text_locale(void **state) {
  (void)state;
  char saved[256];
  const char *old = setlocale(LC_ALL, NULL);
  snprintf(saved, sizeof saved, "%s", old ? old : "C");
  if (!setlocale(LC_ALL, "de_DE.UTF-8") && !setlocale(LC_ALL, "de_DE.utf8")) {
    print_message("de_DE.UTF-8 is not installed; skipping the locale test\n");
    skip();
  }
  cli_input in = expect_ok(write_text("loc.txt", "1.5\n"), 0);
  assert_true(f64_at(&in, 0) == 1.5);
  cli_input_release(&in);
  expect_error(write_text("loc2.txt", "1,5\n"), 0, "not a number");
  setlocale(LC_ALL, saved);
}

/* ---- files that are not there ------------------------------------------ */

static void test_file_errors(void **state) {
  (void)state;
  expect_error(path_of("does-not-exist.npy"), 0, "No such file");
  expect_error(dir, 0, "is a directory");
  assert_int_equal(cli_file_kind_of("a.NPY", 0, NULL, 0), CLI_FILE_NPY);
  assert_int_equal(cli_file_kind_of("a.bin", PLEAT_F32, NULL, 0), CLI_FILE_RAW);
  assert_int_equal(cli_file_kind_of("a.bin", 0, NULL, 0), CLI_FILE_TEXT);
  assert_int_equal(cli_file_kind_of("a.txt", PLEAT_F32, NULL, 0), CLI_FILE_TEXT);
  assert_int_equal(cli_file_kind_of("-", PLEAT_F32, NULL, 0), CLI_FILE_TEXT);
  assert_int_equal(cli_file_kind_of("a.bin", PLEAT_F32,
                                    (const unsigned char *)"\x93NUMPY\x01", 7),
                   CLI_FILE_NPY);
}

/* ---- command-line numbers ---------------------------------------------- */

static void test_counts(void **state) {
  (void)state;
  uint64_t v;
  assert_int_equal(cli_parse_count("0", &v), 0);
  assert_int_equal(v, 0);
  assert_int_equal(cli_parse_count("1000000", &v), 0);
  assert_int_equal(v, 1000000);
  assert_int_equal(cli_parse_count("2^40", &v), 0);
  assert_int_equal(v, UINT64_C(1) << 40);
  assert_int_equal(cli_parse_count("2^62", &v), 0);
  assert_int_equal(v, UINT64_C(1) << 62);
  assert_int_equal(cli_parse_count("10^9", &v), 0);
  assert_int_equal(v, 1000000000);
  assert_int_equal(cli_parse_count("1e8", &v), 0);
  assert_int_equal(v, 100000000);
  assert_int_equal(cli_parse_count("2.5e6", &v), 0);
  assert_int_equal(v, 2500000);
  assert_int_equal(cli_parse_count("1.50E1", &v), 0);
  assert_int_equal(v, 15);
  assert_int_equal(cli_parse_count("9223372036854775807", &v), 0);
  assert_int_equal(v, INT64_MAX);
  assert_int_equal(cli_parse_count("1099511627776", &v), 0);
  static const char *bad[] = {"", "-1", "abc", "1.5", "1.5e0", "2^63", "2^",
                              "^3", "1e", "1e-3", "e5", "9223372036854775808",
                              "1e19", "99999999999999999999", "1 000", "0x10"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    if (cli_parse_count(bad[k], &v) == 0) fail_msg("'%s' accepted", bad[k]);

  assert_int_equal(cli_parse_u64("18446744073709551615", &v), 0);
  assert_int_equal(v, UINT64_MAX);
  assert_int_equal(cli_parse_u64("0xdeadBEEF", &v), 0);
  assert_int_equal(v, 0xdeadbeef);
  assert_int_equal(cli_parse_u64("18446744073709551616", &v), -1);
  assert_int_equal(cli_parse_u64("0x", &v), -1);
  assert_int_equal(cli_parse_u64("0x1ffffffffffffffff", &v), -1);

  int64_t s;
  assert_int_equal(cli_parse_i64("-9223372036854775808", &s), 0);
  assert_int_equal(s, INT64_MIN);
  assert_int_equal(cli_parse_i64("+5", &s), 0);
  assert_int_equal(s, 5);
  assert_int_equal(cli_parse_i64("9223372036854775808", &s), -1);
  assert_int_equal(cli_parse_i64("-", &s), -1);
  assert_int_equal(cli_parse_i64("", &s), -1);

  pleat_dtype t;
  assert_int_equal(cli_parse_dtype("f32", &t), 0);
  assert_int_equal(t, PLEAT_F32);
  assert_int_equal(cli_parse_dtype("bool", &t), -1);
  assert_int_equal(cli_parse_dtype("F32", &t), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_npy_good),
    cmocka_unit_test(test_npy_bad),
    cmocka_unit_test(test_npy_no_overread),
    cmocka_unit_test(test_raw),
    cmocka_unit_test(test_text_types),
    cmocka_unit_test(test_text_layout),
    cmocka_unit_test(test_text_errors),
    cmocka_unit_test(test_text_locale),
    cmocka_unit_test(test_file_errors),
    cmocka_unit_test(test_counts),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
