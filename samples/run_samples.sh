#!/usr/bin/env bash
# run_samples.sh -- builds samples/ against an installed pleat, as a user
# would, and runs every program:
#   1. cmake --install BUILD_DIR into a temporary prefix
#   2. configure samples/ with -DCMAKE_PREFIX_PATH=<prefix> (find_package)
#   3. build, run each sample, check exit status and output fragments
# usage: samples/run_samples.sh BUILD_DIR   (a built top-level build tree)
# A sanitizer build tree (PLEAT_SANITIZE set) builds the samples with the
# same -fsanitize flags, so the instrumented library can load.
set -uo pipefail

build=${1:?usage: run_samples.sh BUILD_DIR}
build=$(cd "$build" && pwd)
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pleat-samples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

die() { echo "run_samples: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 \
  || { cat "$tmp/install.log" >&2; die "cmake --install $build failed"; }

flags=()
san=$(sed -n 's/^PLEAT_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
if [ -n "$san" ]; then
  flags+=("-DCMAKE_C_FLAGS=-fsanitize=$san -fno-omit-frame-pointer"
          "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=$san")
fi
cmake -S "$src" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
      -DCMAKE_BUILD_TYPE=Release "${flags[@]}" >"$tmp/configure.log" 2>&1 \
  || { cat "$tmp/configure.log" >&2; die "configuring samples/ failed"; }
cmake --build "$tmp/build" -j 2 >"$tmp/build.log" 2>&1 \
  || { cat "$tmp/build.log" >&2; die "building samples/ failed"; }

# check NAME WANT_STATUS FRAGMENT... -- ARGS: runs the sample, requires the
# exit status and every fragment in its stdout+stderr
check() {
  local name=$1 want=$2; shift 2
  local frags=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do frags+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  local out rc
  out=$("$tmp/build/$name" "$@" 2>&1); rc=$?
  local ok=1
  [ "$rc" = "$want" ] || ok=0
  for f in "${frags[@]}"; do grep -qF -- "$f" <<<"$out" || ok=0; done
  local shown="${*:+ $*}"; shown=${shown//$'\n'/\\n}
  if [ $ok = 1 ]; then
    echo "ok   $name$shown"
  else
    echo "FAIL $name$shown (exit $rc, want $want; want fragments: ${frags[*]})"
    sed 's/^/     | /' <<<"$out"
    fails=$((fails + 1))
  fi
}

check sum_squares 0 "sum of squares of 1..10 = 385"
check text_pipeline 0 "183.0" -- 'map(x * x) |> filter(x > 10) |> sum'
check text_pipeline 0 "[1.0, 9.0]" -- 'minmax'
check text_pipeline 1 "syntax error at line 1, column" "  map(x * ) |> sum" -- 'map(x * ) |> sum'
# the caret sits under the reported column
out=$("$tmp/build/text_pipeline" 'map(x * ) |> sum' 2>&1)
col=$(sed -n 's/.*line 1, column \([0-9]*\).*/\1/p' <<<"$out" | head -1)
caret=$(grep -E '^ *\^$' <<<"$out" | head -1)
if [ -n "$col" ] && [ "${#caret}" = $((col + 2)) ]; then
  echo "ok   text_pipeline caret under column $col"
else
  echo "FAIL text_pipeline caret (column '${col}', caret line '${caret}')"
  fails=$((fails + 1))
fi
check text_pipeline 1 "line 2" -- $'filter(x > 2)\n|> sum(y)'
check summary_stats 0 "mean = " "std  = +" "min  = -" "max  = +"
check monte_carlo_pi 0 "points inside: pi ~ 3.14"
check histogram 0 "[0.0, 0.1)" "[0.9, 1.0)" "total 1000000"

if [ $fails -gt 0 ]; then
  echo "run_samples: $fails failed"
  exit 1
fi
echo "run_samples: all samples ok"
