#!/usr/bin/env bash
# output.sh -- what `pleat run` prints: JSON exactly as Python's json module
# reads and writes it back (G05), the text form for people, --time, and
# generated inputs that are never stored (2^40 elements, G06).
# usage: output.sh PATH/TO/pleat
. "$(dirname "$0")/data/harness.bash"

# ---- JSON: numbers, spellings, round trips
expect_json "int sum" 45 -- run sum --gen range --n 10
expect_json "f64 collect" "[0.0, 0.1, 0.2, 0.30000000000000004, 0.4]" -- \
  run 'map(f64(x) * 0.1) |> collect' --gen range --n 5
expect_json "f32 collect prints f32 shortest" "[0.0, 0.1, 0.2, 0.3]" -- \
  run 'map(x * 0.1) |> collect' --gen range --n 4 --type f32
expect_json "NaN and infinities" "[-Infinity, NaN, Infinity]" -- \
  run 'map(f64(x) / 0.0) |> collect' --gen range --start -1 --n 3
expect_json "negative zero" "[-0.0, -1.0]" -- run 'map(-f64(x)) |> collect' --gen range --n 2
expect_json "subnormal" "1e-320" -- run 'map(f64(x) * 1e-320) |> first' --gen range --start 1 --n 1
expect_json "smallest subnormal" "5e-324" -- run 'map(f64(x) * 5e-324) |> first' --gen range --start 1 --n 1
expect_json "1e16 and 1e-5" "[1e+16, 1e-05, 123.0]" -- \
  run 'map(x == 0 ? 1e16 : x == 1 ? 1e-5 : 123.0) |> collect' --gen range --n 3
expect_json "2^53+1 stays exact" 9007199254740993 -- run first --gen range --start 9007199254740993 --n 1
expect_json "INT64_MIN" -9223372036854775808 -- run first --gen range --start -9223372036854775808 --n 1
expect_json "empty min is null" null -- run min --gen range --n 0
expect_json "empty collect" "[]" -- run collect --gen range --n 0
expect_json "minmax" "[0, 9]" -- run minmax --gen range --n 10
expect_json "reducer tuple" "[45, 10, 4.5]" -- run '(sum, count, mean)' --gen range --n 10
expect_json "bool" true -- run 'any(x > 5)' --gen range --n 10
expect_json "tuples" "[[0, 0], [1, 2]]" -- run 'map((x, 2 * x)) |> collect' --gen range --n 2

# ---- text: scalars as JSON, long arrays abbreviated
expect "text scalar" 0 45 -- run sum --gen range --n 10
expect "text float" 0 4.5 -- run mean --gen range --n 10
expect "text short array" 0 "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]" -- \
  run collect --gen range --n 20
expect "text long array" 0 "[0, 1, 2, 3, 4, ..., 995, 996, 997, 998, 999] (1000 elements)" -- \
  run collect --gen range --n 1000
expect "text null" 0 null -- run first --gen range --n 0
expect "--format text is the default" 0 "[0, 9]" -- run minmax --gen range --n 10 --format text

# ---- JSON prints long arrays whole
run run collect --gen range --n 1000 --format json
[ "$RC" = 0 ] && [ "$(tr ',' '\n' <"$TMP/out" | wc -l)" = 1000 ] && ok || bad "json collect of 1000" "$(show)"

# ---- --time goes to stderr only
run run sum --gen range --n 1000 --time
[ "$RC" = 0 ] && [ "$(cat "$TMP/out")" = 499500 ] && grep -q "plan" "$TMP/err" &&
  grep -q "run" "$TMP/err" && grep -q "elements/s" "$TMP/err" && ok || bad "--time" "$(show)"

# ---- generated columns are never stored
start=$(date +%s)
expect "2^40 range, early exit" 0 100 -- \
  run 'filter(x % 2 != 0) |> take(10) |> sum' --gen range --n 1099511627776
expect "2^40 written as 2^40" 0 100 -- \
  run 'filter(x % 2 != 0) |> take(10) |> sum' --gen range --n 2^40
[ $(( $(date +%s) - start )) -lt 20 ] && ok || bad "2^40 range answers at once"
expect "range with --start" 0 "[-3, -2]" -- run collect --gen range --start -3 --n 2
expect "count 1e6" 0 1000000 -- run count --gen uniform --n 1e6 --seed 3
expect "uniform in [0, 1)" 0 true -- run 'all(x >= 0.0 && x < 1.0)' --gen uniform --n 100000 --seed 9
expect "normal stays within 7 sigma" 0 true -- run 'all(abs(x) < 7.0)' --gen normal --n 100000 --seed 1

# G06: the same uniform numbers on every usable back end (a pipeline that
# every back end runs: opencl does not collect yet)
ref=""
for b in seq threads opencl cuda; do
  usable "$b" || continue
  run run '(sum, minmax, std)' --gen uniform --n 300000 --seed 12345 --format json --backend "$b"
  if [ "$RC" != 0 ]; then bad "uniform on $b" "$(show)"; continue; fi
  if [ -z "$ref" ]; then ref=$(cat "$TMP/out"); ok
  elif [ "$(cat "$TMP/out")" = "$ref" ]; then ok
  else bad "uniform on $b differs from the first back end" "$(cat "$TMP/out")" "$ref"; fi
done
run run '(sum, minmax, std)' --gen uniform --n 300000 --seed 12346 --format json --backend seq
[ "$RC" = 0 ] && [ "$(cat "$TMP/out")" != "$ref" ] && ok || bad "another seed gives other numbers" "$(show)"

# ---- explain
expect_grep "explain prints something" 0 "" -- explain 'map(x * x) |> sum' --gen range --n 10
[ -s "$TMP/out" ] && ok || bad "explain output is empty"
for s in ast ir plan; do
  run explain 'map(x * x) |> filter(x > 2) |> sum' --stage "$s"
  [ "$RC" = 0 ] && [ -s "$TMP/out" ] && ok || bad "explain --stage $s" "$(show)"
done
run explain 'sum' --type f32 --name v
[ "$RC" = 0 ] && ok || bad "explain with a schema-only column" "$(show)"

# ---- info and bench
expect_grep "info lists seq" 0 "seq" -- info
grep -q "^kernel cache: " "$TMP/out" && ok || bad "info shows the kernel cache" "$(cat "$TMP/out")"
PLEAT_CACHE_DIR=off run info
grep -q "^kernel cache: off" "$TMP/out" && ok || bad "PLEAT_CACHE_DIR=off" "$(cat "$TMP/out")"
PLEAT_CACHE_DIR=/some/where run info
grep -q "^kernel cache: /some/where" "$TMP/out" && ok || bad "PLEAT_CACHE_DIR" "$(cat "$TMP/out")"
(unset PLEAT_CACHE_DIR; XDG_CACHE_HOME=/xdg "$PLEAT" info) | grep -q "^kernel cache: /xdg/pleat" && ok ||
  bad "XDG_CACHE_HOME/pleat"
(unset PLEAT_CACHE_DIR XDG_CACHE_HOME; HOME=/home/u "$PLEAT" info) | grep -q "^kernel cache: /home/u/.cache/pleat" &&
  ok || bad "~/.cache/pleat"
run bench --n 1000 --runs 1 --backend seq
[ "$RC" = 0 ] && [ "$(grep -c '^seq ' "$TMP/out")" = 5 ] && ok || bad "bench on seq" "$(show)"

finish
