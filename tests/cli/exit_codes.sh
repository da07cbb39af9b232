#!/usr/bin/env bash
# exit_codes.sh -- the pleat command's exit statuses (G04): 0 ok, 1 bad
# pipeline or input, 2 bad command line, 3 unusable back end; nothing on
# stdout on error; a closed or broken stdout is an error, never a crash (F12).
# usage: exit_codes.sh PATH/TO/pleat
. "$(dirname "$0")/data/harness.bash"

G=(--gen range --n 10)

# ---- 0
expect "sum of range" 0 45 -- run sum "${G[@]}"
expect_grep "--help" 0 "usage:" -- --help
expect_grep "help" 0 "usage:" -- help
expect_grep "run --help" 0 "usage:" -- run --help
expect_grep "--version" 0 "pleat 0." -- --version
expect "--opt=value form" 0 45 -- run sum --gen=range --n=10 --backend=seq
expect "options before the pipeline" 0 45 -- run --gen range --n 10 sum
expect "column options before the source" 0 45 -- run sum --n 10 --gen range
expect "-- ends options" 0 45 -- run "${G[@]}" -- sum

# ---- 2: the command line
expect_fail "no arguments" 2 "" --
[ -s "$TMP/err" ] && grep -q usage "$TMP/err" && ok || bad "no arguments prints usage on stderr"
expect_fail "unknown command" 2 "unknown command 'frobnicate'" -- frobnicate
expect_fail "unknown top-level option" 2 "unknown option" -- --frobnicate
expect_fail "run without pipeline" 2 "needs a PIPELINE" -- run
expect_fail "run without input" 2 "no input" -- run sum
expect_fail "--format xml" 2 "--format xml" -- run sum "${G[@]}" --format xml
expect_fail "unknown option" 2 "unknown option '--bogus'" -- run sum "${G[@]}" --bogus
expect_fail "single-dash option" 2 "unknown option '-n'" -- run sum --gen range -n 10
expect_fail "missing value" 2 "--n needs a value" -- run sum --gen range --n
expect_fail "bad count" 2 "--n abc" -- run sum --gen range --n abc
expect_fail "count too large" 2 "--n 2^64" -- run sum --gen range --n 2^64
expect_fail "negative count" 2 "--n -1" -- run sum --gen range --n -1
expect_fail "unknown generator" 2 "--gen sideways" -- run sum --gen sideways --n 3
expect_fail "unknown type" 2 "--type u8" -- run sum --gen range --n 3 --type u8
expect_fail "bool is not a --type" 2 "--type bool" -- run sum --gen range --n 3 --type bool
expect_fail "--seed on range" 2 "--seed" -- run sum --gen range --n 3 --seed 1
expect_fail "--start on uniform" 2 "--start" -- run sum --gen uniform --n 3 --start 1
expect_fail "bad seed" 2 "--seed x" -- run sum --gen uniform --n 3 --seed x
expect_fail "bad start" 2 "--start 1.5" -- run sum --gen range --n 3 --start 1.5
expect_fail "--n on a file" 2 "apply to --gen only" -- run sum --input "$TMP/x.txt" --n 3
expect_fail "--type twice" 2 "twice" -- run sum --gen range --n 3 --type i32 --type i64
expect_fail "--gen without --n" 2 "needs --n" -- run sum --gen range
expect_fail "--stage on run" 2 "--stage does not apply" -- run sum "${G[@]}" --stage ir
expect_fail "--time takes no value" 2 "takes no value" -- run sum "${G[@]}" --time=yes
expect_fail "info takes no pipeline" 2 "unexpected argument" -- info sum
expect_fail "two pipelines" 2 "unexpected argument 'count'" -- run sum count "${G[@]}"
expect_fail "bench --n 0" 2 "at least 1" -- bench --n 0
expect_fail "bench --type i64" 2 "f32 or f64" -- bench --type i64
expect_fail "empty --input" 2 "--input needs" -- run sum --input ""
expect_fail "column options without a source" 2 "no --input or --gen" -- run sum --type f32

# ---- 1: bad pipeline, bad input, failed run
expect_fail "syntax error" 1 "column" -- run 'map(x * ) |> sum' "${G[@]}"
grep -q '^  map(x \* ) |> sum$' "$TMP/err" && grep -q '^  *\^$' "$TMP/err" && ok ||
  bad "syntax error shows the pipeline and a caret" "$(cat "$TMP/err")"
expect_fail "unknown name" 1 "line 1" -- run 'map(nosuchname) |> sum' "${G[@]}"
expect_fail "unknown reducer" 1 "line 1" -- run 'frobnicate' "${G[@]}"
expect_fail "multi-line pipeline error" 1 "line 2" -- run $'map(x)\n|> map(x * ) |> sum' "${G[@]}"
expect_fail "type error" 1 "" -- run 'map((x, x)) |> sum' "${G[@]}"
expect_fail "integer division by zero at run time" 1 "" -- run 'map(10 / (x - 5)) |> sum' "${G[@]}"
expect_fail "missing file" 1 "$TMP/missing.npy: No such file" -- run sum --input "$TMP/missing.npy"
printf '1\n2\n3\n' >"$TMP/three.txt"
printf '1\n2\n' >"$TMP/two.txt"
expect_fail "columns of different lengths" 1 "same length" -- run sum --input "$TMP/three.txt" --input "$TMP/two.txt"
expect_fail "--gen --n against a file's length" 1 "same length" -- run sum --input "$TMP/three.txt" --gen range --n 4
expect_fail "explain: unknown stage" 1 "nosuch" -- explain sum "${G[@]}" --stage nosuch

# ---- 3: back ends
expect_fail "--backend nosuch" 3 "nosuch" -- run sum "${G[@]}" --backend nosuch
if usable cuda; then
  echo "note: cuda is usable here; skipping '--backend cuda -> 3'"
else
  expect_fail "--backend cuda without a GPU" 3 "cuda" -- run sum "${G[@]}" --backend cuda
fi
# no OpenCL platform at all (the ICD loader finds no vendor): opencl is
# refused with the reason, everything else still works
mkdir -p "$TMP/no_icd"
OCL_ICD_VENDORS="$TMP/no_icd" run run sum "${G[@]}" --backend opencl
[ "$RC" = 3 ] && [ ! -s "$TMP/out" ] && grep -q "opencl: no OpenCL device" "$TMP/err" && ok ||
  bad "opencl without a platform -> 3 with the reason" "$(show)"
OCL_ICD_VENDORS="$TMP/no_icd" run run sum "${G[@]}"
[ "$RC" = 0 ] && [ "$(cat "$TMP/out")" = 45 ] && ok || bad "auto without an OpenCL platform" "$(show)"
OCL_ICD_VENDORS="$TMP/no_icd" run info
[ "$RC" = 0 ] && grep -Eq "^  opencl +(not usable|not built)" "$TMP/out" && ok ||
  bad "info without an OpenCL platform lists opencl as not usable" "$(show)"
if usable opencl; then
  # a pipeline the opencl back end cannot run (reducers reading 16 values
  # after a stage): a clear error, status 3 (that back end cannot be used
  # for it)
  run run 'filter(x > 0) |> map((x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7)) |> (first, first((x.0 * 2, x.1 * 2, x.2 * 2, x.3 * 2, x.4 * 2, x.5 * 2, x.6 * 2, x.7 * 2)))' "${G[@]}" --backend opencl
  [ "$RC" = 3 ] && [ ! -s "$TMP/out" ] && grep -q "not supported" "$TMP/err" && ok ||
    bad "opencl: an unsupported pipeline is an error saying so" "$(show)"
fi
PLEAT_BACKEND=nosuch run run sum "${G[@]}"
[ "$RC" = 3 ] && [ ! -s "$TMP/out" ] && ok || bad "PLEAT_BACKEND=nosuch -> 3" "$(show)"
PLEAT_BACKEND=nosuch run run sum "${G[@]}" --backend seq
[ "$RC" = 0 ] && [ "$(cat "$TMP/out")" = 45 ] && ok || bad "--backend overrides PLEAT_BACKEND" "$(show)"
expect_fail "bench on an unknown back end" 3 "nosuch" -- bench --n 1000 --runs 1 --backend nosuch

# ---- F12: stdout closed, full, or its reader gone
"$PLEAT" run sum "${G[@]}" >&- 2>"$TMP/err"
RC=$?
[ "$RC" = 1 ] && grep -q "standard output" "$TMP/err" && ok || bad "closed stdout -> 1" "rc=$RC $(cat "$TMP/err")"
if [ -w /dev/full ]; then
  "$PLEAT" run sum "${G[@]}" >/dev/full 2>"$TMP/err"
  RC=$?
  [ "$RC" = 1 ] && grep -q "standard output" "$TMP/err" && ok || bad "/dev/full -> 1" "rc=$RC $(cat "$TMP/err")"
fi
"$PLEAT" run collect --gen range --n 2000000 --format json 2>"$TMP/err" | head -c 10 >/dev/null
RC=${PIPESTATUS[0]}
[ "$RC" = 1 ] && grep -q "standard output" "$TMP/err" && ok || bad "reader exits early -> 1, no SIGPIPE death" "rc=$RC $(cat "$TMP/err")"
"$PLEAT" --help >&- 2>/dev/null
RC=$?
[ "$RC" = 1 ] && ok || bad "--help into a closed stdout -> 1" "rc=$RC"
# an error with stdout closed keeps its own status
"$PLEAT" run sum --gen range --n 10 --backend nosuch >&- 2>/dev/null
RC=$?
[ "$RC" = 3 ] && ok || bad "error with closed stdout keeps status 3" "rc=$RC"

finish
