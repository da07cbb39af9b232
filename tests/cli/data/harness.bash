# harness.bash -- sourced by tests/cli/*.sh: runs the pleat command, checks
# exit status, stdout and stderr, counts passes and failures.
#   PLEAT      the binary under test (the script's first argument)
#   TMP        a fresh directory, removed at exit
set -u
PLEAT=${1:?usage: $0 PATH/TO/pleat}
case $PLEAT in /*) ;; *) PLEAT=$PWD/$PLEAT ;; esac
[ -x "$PLEAT" ] || { echo "not executable: $PLEAT" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pleat_cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# a clean environment: the tests choose the back end themselves
unset PLEAT_BACKEND PLEAT_DEVICE PLEAT_LOG
export PLEAT_CACHE_DIR="$TMP/cache"
PASS=0
FAIL=0
HAVE_PY=0
command -v python3 >/dev/null 2>&1 && HAVE_PY=1

ok() { PASS=$((PASS + 1)); }
bad() {
  FAIL=$((FAIL + 1))
  echo "FAIL: $1" >&2
  shift
  for line in "$@"; do echo "      $line" >&2; done
}

# run ARGS...: runs pleat, leaving $RC, $TMP/out, $TMP/err
run() {
  "$PLEAT" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
}

show() { echo "rc=$RC stdout=[$(head -c 300 "$TMP/out")] stderr=[$(head -c 300 "$TMP/err")]"; }

# expect DESC RC STDOUT -- ARGS...: exit status and exact stdout (one line)
expect() {
  local desc=$1 rc=$2 want=$3
  shift 4
  run "$@"
  if [ "$RC" = "$rc" ] && [ "$(cat "$TMP/out")" = "$want" ]; then ok
  else bad "$desc" "want rc=$rc stdout=[$want]" "$(show)"; fi
}

# expect_fail DESC RC PATTERN -- ARGS...: exit status, empty stdout, and
# "pleat: error:" plus PATTERN (grep -F) on stderr; never a crash
expect_fail() {
  local desc=$1 rc=$2 pat=$3
  shift 4
  run "$@"
  if [ "$RC" = "$rc" ] && [ ! -s "$TMP/out" ] && grep -q "pleat: error:" "$TMP/err" &&
     grep -qF -- "$pat" "$TMP/err"; then ok
  else bad "$desc" "want rc=$rc, empty stdout, stderr with [$pat]" "$(show)"; fi
}

# expect_grep DESC RC PATTERN -- ARGS...: exit status and PATTERN on stdout
expect_grep() {
  local desc=$1 rc=$2 pat=$3
  shift 4
  run "$@"
  if [ "$RC" = "$rc" ] && grep -qF -- "$pat" "$TMP/out"; then ok
  else bad "$desc" "want rc=$rc and [$pat] on stdout" "$(show)"; fi
}

# expect_json DESC JSON -- ARGS...: `--format json` output equal to JSON as
# text; with python3 also: json.loads reads it, and json.dumps of what it
# read gives the same text back (shortest round-trip floats, Python's
# spelling of NaN/Infinity/-0.0), and its floats equal JSON's bit for bit.
expect_json() {
  local desc=$1 want=$2
  shift 3
  run "$@" --format json
  if [ "$RC" != 0 ] || [ "$(cat "$TMP/out")" != "$want" ]; then
    bad "$desc" "want [$want]" "$(show)"
    return
  fi
  if [ "$HAVE_PY" = 1 ]; then
    if ! python3 - "$TMP/out" "$want" <<'PY' 2>"$TMP/pyerr"
import json, math, struct, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n") and text.count("\n") == 1, "not one line"
got = json.loads(text)
assert json.dumps(got) == text[:-1], "json.dumps gives " + json.dumps(got)
def same(a, b):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    return a == b
assert same(got, json.loads(sys.argv[2])), "values differ"
PY
    then bad "$desc (python json)" "$(cat "$TMP/pyerr" | tail -1)"; return; fi
  fi
  ok
}

# mknpy FILE DESCR SHAPE DATA_PRINTF [FORTRAN]: a version 1.0 .npy file
# written with printf (no numpy needed); DATA_PRINTF is a printf format of
# the raw little-endian bytes, e.g. '\x01\x00\x00\x00'.
mknpy() {
  local file=$1 descr=$2 shape=$3 data=$4 fortran=${5:-False}
  local dict="{'descr': '$descr', 'fortran_order': $fortran, 'shape': $shape, }"
  local hlen=$(( ${#dict} + 1 ))
  while [ $(( (10 + hlen) % 64 )) != 0 ]; do hlen=$((hlen + 1)); done
  local pad=$(( hlen - ${#dict} - 1 ))
  {
    printf '\223NUMPY\001\000'
    printf "\\$(printf %03o $((hlen % 256)))\\$(printf %03o $((hlen / 256)))"
    printf '%s%*s\n' "$dict" "$pad" ''
    printf "$data"
  } >"$file"
}

# usable BACKEND: whether `pleat info` lists it as usable here
usable() { "$PLEAT" info 2>/dev/null | grep -Eq "^  $1 +usable"; }

finish() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" = 0 ]
  exit $?
}
