#!/usr/bin/env bash
# Runs ctest in a sanitizer build tree and fails on any sanitizer report (docs/testing.md).
#
#   scripts/sanitizer-ctest.sh BUILD_DIR [ctest args...]
#
# Reports of every instrumented process (test binaries, and the magnumd/magnum-api/
# magnum-conductor the Python suites start, whose stderr nobody reads) are written to
# BUILD_DIR/sanitizer-logs/<kind>.<pid> through the sanitizers' log_path option; a leak found
# by LeakSanitizer at a server's clean exit would otherwise only change an exit code the
# test may not check. After ctest, any such file fails the run and is printed.
set -uo pipefail
build=$(cd "$1" && pwd)
shift
logs=$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && command -v llvm-symbolizer >/dev/null; then
  export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:quarantine_size_mb=16}:log_path=$logs/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}:log_path=$logs/ubsan"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1}:log_path=$logs/tsan"
export LSAN_OPTIONS="${LSAN_OPTIONS:-}"
# Tests may relax what an instrumented build cannot meet (timing, memory figures).
export MAGNUM_SANITIZER_BUILD=1

start=$(date +%s)
(cd "$build" && ctest "$@")
rc=$?
echo "sanitizer-ctest: ctest exit $rc after $(( $(date +%s) - start )) s"
reports=$(find "$logs" -type f -size +0 | sort)
if [ -n "$reports" ]; then
  echo "sanitizer-ctest: sanitizer reports:" >&2
  for f in $reports; do
    echo "---- $f" >&2
    head -120 "$f" >&2
  done
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  "$(dirname "$0")/ctest-failures.py" "$build"  # why, at the end where CI logs keep it
fi
exit $rc
