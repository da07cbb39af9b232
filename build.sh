#!/usr/bin/env bash
# build.sh -- the two commands of the quick start, on a fresh Debian 12:
#   ./build.sh demo   install what is missing, build, run a real pipeline
#   ./build.sh test   install what is missing, build, run every test
# and a few more for developers:
#   ./build.sh build  configure and build build/ (Release)
#   ./build.sh asan   build build-asan/ (ASan+UBSan) and run the suite there
# (test also runs the threads tests under TSan in build-tsan/; PLEAT_SKIP_ASAN=1,
# PLEAT_SKIP_TSAN=1 skip those builds)
#   ./build.sh bench  build and run the benchmark (bench/README.md)
set -euo pipefail
cd "$(dirname "$0")"

JOBS=$(nproc 2>/dev/null || echo 2)
PKGS=(cmake gcc make libcmocka-dev pkg-config ocl-icd-opencl-dev opencl-c-headers pocl-opencl-icd)

missing_packages() {
  local p missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

ensure_deps() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    command -v cmake >/dev/null && command -v cc >/dev/null && return 0
    echo "build.sh: this is not a Debian system; install cmake, a C11 compiler and CMocka" >&2
    exit 1
  fi
  local missing; missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  local line="apt-get update && apt-get install -y $missing"
  echo "build.sh: installing missing packages: $missing"
  if [ "$(id -u)" = 0 ]; then
    (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq $missing) \
      || { echo "build.sh: could not install; run: $line" >&2; exit 1; }
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    (sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
     sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) \
      || { echo "build.sh: could not install; run: sudo $line" >&2; exit 1; }
  else
    echo "build.sh: missing packages; run this, then ./build.sh again:" >&2
    echo "  sudo $line" >&2
    exit 1
  fi
}

configure_build() { # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

cmd=${1:-build}
case "$cmd" in
  build)
    ensure_deps
    configure_build build
    ;;
  demo)
    ensure_deps
    configure_build build -DPLEAT_BUILD_TESTS=OFF
    pipeline='map(x * x) |> filter(x > 0.5) |> sum'
    n=100000000
    echo
    echo "pleat demo: $pipeline"
    echo "  over x = uniform [0,1) f32, generated lazily from the index, n = $n"
    build/pleat run "$pipeline" --gen uniform --n $n --type f32 --time
    echo
    build/pleat info
    ;;
  test)
    ensure_deps
    configure_build build
    (cd build && ctest --output-on-failure -j "$JOBS" --timeout 600)
    if [ "${PLEAT_SKIP_ASAN:-0}" != 1 ]; then
      echo "== ASan + UBSan build =="
      cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPLEAT_SANITIZE=address,undefined >/dev/null
      cmake --build build-asan -j "$JOBS"
      (cd build-asan && ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
         UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j "$JOBS" \
         --timeout 900 -LE large)
    fi
    if [ "${PLEAT_SKIP_TSAN:-0}" != 1 ]; then
      # the threads back end's pool and parallel runs under ThreadSanitizer
      echo "== ThreadSanitizer build (threads tests) =="
      cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPLEAT_SANITIZE=thread \
        -DPLEAT_BUILD_BENCH=OFF >/dev/null
      cmake --build build-tsan -j "$JOBS" --target test_threads
      (cd build-tsan && PLEAT_TEST_LIGHT=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
         ctest --output-on-failure --timeout 1200 -L tsan)
    fi
    ;;
  asan)
    ensure_deps
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPLEAT_SANITIZE=address,undefined >/dev/null
    cmake --build build-asan -j "$JOBS"
    (cd build-asan && ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 ctest --output-on-failure -j "$JOBS")
    ;;
  bench)
    ensure_deps
    configure_build build
    build/bench/pleat_bench "${@:2}"
    ;;
  *)
    echo "usage: ./build.sh demo|test|build|asan|bench" >&2
    exit 2
    ;;
esac
