#!/usr/bin/env bash
# inputs.sh -- the pleat command's input files end to end (G01-G03): .npy
# written by printf (and by numpy when it is there), raw binary, text, stdin,
# several named columns; each bad file is exit 1 with "pleat: error: FILE:".
# usage: inputs.sh PATH/TO/pleat
. "$(dirname "$0")/data/harness.bash"
D="$(cd "$(dirname "$0")" && pwd)/data"

# ---- .npy
mknpy "$TMP/f8.npy" '<f8' '(3,)' '\x00\x00\x00\x00\x00\x00\xf8\x3f\x00\x00\x00\x00\x00\x00\x04\x40\x00\x00\x00\x00\x00\x00\x00\x00'
expect "npy <f8 sum (1.5 + 2.5 + 0)" 0 4.0 -- run sum --input "$TMP/f8.npy"
mknpy "$TMP/i4.npy" '<i4' '(3, 1)' '\x01\x00\x00\x00\xfe\xff\xff\xff\x07\x00\x00\x00'
expect "npy <i4 (n, 1)" 0 6 -- run sum --input "$TMP/i4.npy"
mknpy "$TMP/i8.npy" '<i8' '()' '\x2a\x00\x00\x00\x00\x00\x00\x00'
expect "npy 0-d" 0 '[42]' -- run collect --input "$TMP/i8.npy"
mknpy "$TMP/b1.npy" '|b1' '(4,)' '\x01\x00\x01\x01'
expect "npy bool" 0 3 -- run 'count(x)' --input "$TMP/b1.npy"
mknpy "$TMP/f4.npy" '<f4' '(2,)' '\xcd\xcc\xcc\x3d\x00\x00\x80\xbf'
expect_json "npy <f4 keeps f32" "[0.1, -1.0]" -- run collect --input "$TMP/f4.npy"
mknpy "$TMP/empty.npy" '<f8' '(0,)' ''
expect "npy with no elements" 0 0.0 -- run sum --input "$TMP/empty.npy"
cp "$TMP/f8.npy" "$TMP/noext"
expect "npy found by its magic" 0 4.0 -- run sum --input "$TMP/noext"

# ---- G01
mknpy "$TMP/be.npy" '>f4' '(1,)' '\x3f\x80\x00\x00'
expect_fail "big-endian" 1 "$TMP/be.npy: big-endian" -- run sum --input "$TMP/be.npy"
mknpy "$TMP/fo.npy" '<f8' '(1, 1)' '\x00\x00\x00\x00\x00\x00\xf0\x3f' True
expect_fail "Fortran order" 1 "$TMP/fo.npy: Fortran" -- run sum --input "$TMP/fo.npy"
mknpy "$TMP/obj.npy" '|O' '(1,)' '\x00\x00\x00\x00\x00\x00\x00\x00'
expect_fail "object dtype" 1 "object dtype" -- run sum --input "$TMP/obj.npy"
mknpy "$TMP/u1.npy" '|u1' '(1,)' '\x01'
expect_fail "unsigned dtype" 1 "unsigned" -- run sum --input "$TMP/u1.npy"
mknpy "$TMP/neg.npy" '<f8' '(-1,)' ''
expect_fail "negative shape" 1 "negative" -- run sum --input "$TMP/neg.npy"
mknpy "$TMP/huge.npy" '<f8' '(18446744073709551616,)' ''
expect_fail "2^64 shape" 1 "64 bits" -- run sum --input "$TMP/huge.npy"
mknpy "$TMP/short.npy" '<f8' '(3,)' '\x00\x00\x00\x00'
expect_fail "data shorter than the shape" 1 "truncated" -- run sum --input "$TMP/short.npy"
mknpy "$TMP/long.npy" '<f4' '(1,)' '\x00\x00\x00\x00\x00\x00\x00\x00'
expect_fail "data longer than the shape" 1 "extra" -- run sum --input "$TMP/long.npy"
printf '\223NUMPZ\001\000\010\000{}      ' >"$TMP/magic.npy"
expect_fail "bad magic" 1 "$TMP/magic.npy: not a .npy file" -- run sum --input "$TMP/magic.npy"
printf '\223NUMPY\001\000' >"$TMP/trunc.npy"
expect_fail "truncated header" 1 "truncated" -- run sum --input "$TMP/trunc.npy"
printf '\223NUMPY\001\000\377\377{}' >"$TMP/hlen.npy"
expect_fail "header length past the end" 1 "past the end" -- run sum --input "$TMP/hlen.npy"
expect_fail "--type against the .npy dtype" 1 "--type f32" -- run sum --input "$TMP/f8.npy" --type f32

# ---- numpy, when it is installed: what it writes, pleat reads
if [ "$HAVE_PY" = 1 ] && python3 -c 'import numpy' 2>/dev/null; then
  python3 - "$TMP" <<'PY'
import numpy as np, sys
d = sys.argv[1]
np.save(d + "/np_f4.npy", np.array([0.1, 0.2, 0.7], dtype="<f4"))
np.save(d + "/np_i8.npy", np.arange(10, dtype="<i8").reshape(10, 1))
np.save(d + "/np_b.npy", np.array([True, False, True]))
PY
  expect_json "numpy f4" "[0.1, 0.2, 0.7]" -- run collect --input "$TMP/np_f4.npy"
  expect "numpy i8 (10, 1)" 0 45 -- run sum --input "$TMP/np_i8.npy"
  expect "numpy bool" 0 2 -- run 'count(x)' --input "$TMP/np_b.npy"
else
  echo "note: numpy not installed; .npy files come from printf only"
fi

# ---- raw binary (G02)
printf '\x00\x00\xc0\x3f\x00\x00\x20\x40' >"$TMP/a.f32"
expect "raw f32" 0 4.0 -- run sum --input "$TMP/a.f32" --type f32
expect "raw f32, --type before --input" 0 4.0 -- run sum --type f32 --input "$TMP/a.f32"
expect "raw i32" 0 2 -- run count --input "$TMP/a.f32" --type i32
printf '\x00\x00\xc0\x3f\x00\x00\x20\x40\x00\x00\x00\x00' >"$TMP/odd.bin"
expect_fail "raw size not a multiple" 1 "not a multiple of 8" -- run sum --input "$TMP/odd.bin" --type f64
: >"$TMP/empty.bin"
expect "empty raw file is n = 0" 0 0 -- run count --input "$TMP/empty.bin" --type f64

# ---- text (G03)
expect "text integers" 0 6 -- run sum --input "$D/ints.txt"
expect_json "text floats, nan, inf, -0" "[1.5, NaN, -Infinity, -0.0, 2.0]" -- run collect --input "$D/floats.txt"
printf '\xef\xbb\xbf1\r\n\r\n  2 \r\n3\r\n' >"$TMP/crlf.txt"
expect "BOM, CRLF, blank lines" 0 6 -- run sum --input "$TMP/crlf.txt"
printf '1\n-0\n' >"$TMP/negzero.txt"
expect "-0 as an integer" 0 '[1, 0]' -- run collect --input "$TMP/negzero.txt"
printf '0.1\n0.2\n' >"$TMP/f32.txt"
expect_json "text with --type f32" "[0.1, 0.2]" -- run collect --input "$TMP/f32.txt" --type f32
printf '1\n2\n1,5\n' >"$TMP/comma.txt"
expect_fail "1,5" 1 "$TMP/comma.txt: line 3: '1,5' is not a number" -- run sum --input "$TMP/comma.txt"
printf '1\n1e999\n' >"$TMP/big.txt"
expect_fail "1e999" 1 "line 2: 1e999 is out of range" -- run sum --input "$TMP/big.txt"
printf '1\n2.5\n' >"$TMP/mixed.txt"
expect_fail "float in an i64 column" 1 "line 2: '2.5' is not an integer" -- run sum --input "$TMP/mixed.txt" --type i64
{ printf '7\n'; head -c 1048576 /dev/zero | tr '\0' ' '; printf '8\n'; } >"$TMP/wide.txt"
expect "1 MiB line" 0 15 -- run sum --input "$TMP/wide.txt"
: >"$TMP/empty.txt"
expect "empty text file" 0 0 -- run count --input "$TMP/empty.txt"
run run sum --input - <"$D/ints.txt"
[ "$RC" = 0 ] && [ "$(cat "$TMP/out")" = 6 ] && ok || bad "text from stdin" "$(show)"
expect_fail "directory" 1 "is a directory" -- run sum --input "$TMP"

# ---- several columns, names
printf '1\n2\n3\n' >"$TMP/a.txt"
printf '10\n20\n30\n' >"$TMP/b.txt"
expect "x and y" 0 140 -- run 'map(x * y) |> sum' --input "$TMP/a.txt" --input "$TMP/b.txt"
expect "named columns" 0 140 -- run 'map(price * qty) |> sum' \
  --input "$TMP/a.txt" --name price --input "$TMP/b.txt" --name qty
expect "file and generated column" 0 8 -- run 'map(x * r) |> sum' \
  --input "$TMP/a.txt" --gen range --name r
expect "--gen takes the file's length" 0 3 -- run 'map(r) |> count' \
  --gen range --name r --input "$TMP/a.txt" --name v

finish
