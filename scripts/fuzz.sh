#!/usr/bin/env bash
# Runs the libFuzzer targets of a MAGNUM_FUZZ=ON build (docs/testing.md).
#
#   scripts/fuzz.sh [-b BUILD_DIR] [-t SECONDS] [-j JOBS] [--replay] [TARGET...]
#
# Default: every target (fuzz/*_fuzzer.cc) for SECONDS each (default $FUZZ_SECONDS or 300),
# JOBS targets at a time (default 1; each target is one single-threaded process), bounded
# by -max_total_time, -rss_limit_mb=2048 and -timeout=10.
# Inputs come from fuzz/corpus/<t>/ (seeds) and fuzz/regressions/<t>/ (fixed findings);
# new coverage goes to BUILD_DIR/fuzz-corpus/<t>/ and crash artefacts to
# BUILD_DIR/artifacts/<t>/, never into the source tree. --replay runs each input once
# (no fuzzing). Exits non-zero when any target finds a crash, leak, timeout or OOM, after
# printing a summary line per target (executions, exec/s, coverage, new corpus size).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-asan
seconds=${FUZZ_SECONDS:-300}
replay=0
jobs=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    -b) build=$2; shift 2 ;;
    -t) seconds=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --replay) replay=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzzer.cc; do
    t=$(basename "$f" _fuzzer.cc)
    targets+=("$t")
  done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && command -v llvm-symbolizer >/dev/null; then
  export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
fi

for t in "${targets[@]}"; do
  if [ ! -x "$build/fuzz/fuzz_$t" ]; then
    echo "fuzz.sh: $build/fuzz/fuzz_$t is missing (build the 'fuzzers' target of a -DMAGNUM_FUZZ=ON tree)" >&2
    exit 2
  fi
done
mkdir -p "$build/fuzz-logs"

# One target: its log in $build/fuzz-logs/<t>.log, its summary line in <t>.summary and,
# on a finding, the excerpt in <t>.failed.
run_target() {
  local t=$1 bin=$build/fuzz/fuzz_$1
  local dirs=(fuzz/corpus/$t)
  [ -d fuzz/regressions/$t ] && dirs+=(fuzz/regressions/$t)
  local opts=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
  [ -f fuzz/dict/$t.dict ] && opts+=(-dict=fuzz/dict/$t.dict)
  mkdir -p "$build/artifacts/$t" "$build/fuzz-corpus/$t"
  local log=$build/fuzz-logs/$t.log cmd
  rm -f "$build/fuzz-logs/$t.summary" "$build/fuzz-logs/$t.failed"
  if [ $replay -eq 1 ]; then
    # Every seed and regression once; no new inputs are written anywhere.
    cmd=("$bin" -runs=0 "${opts[@]}" -artifact_prefix="$build/artifacts/$t/" "${dirs[@]}")
  else
    cmd=("$bin" -max_total_time="$seconds" "${opts[@]}" -artifact_prefix="$build/artifacts/$t/"
         "$build/fuzz-corpus/$t" "${dirs[@]}")
  fi
  echo "== fuzz $t: ${cmd[*]}"
  local rc=0
  "${cmd[@]}" >"$log" 2>&1 || rc=$?
  local execs rate cov corpus
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1 || true)
  cov=$({ grep -o 'cov: [0-9]*' "$log" || true; } | tail -1 | cut -d' ' -f2)
  corpus=$(ls "$build/fuzz-corpus/$t" | wc -l)
  printf '%-14s rc=%d execs=%s exec/s=%s cov=%s new_corpus=%s\n' "$t" "$rc" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "$corpus" >"$build/fuzz-logs/$t.summary"
  if [ $rc -ne 0 ]; then
    { echo "---- fuzz $t FAILED (log $log, artefacts in $build/artifacts/$t/):"
      grep -n -A40 -E '^==[0-9]+==ERROR|runtime error|=== api_request finding|deadly signal|ERROR: libFuzzer' "$log" | head -80 || tail -40 "$log"
    } >"$build/fuzz-logs/$t.failed"
  fi
}

for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_target "$t" &
done
wait

failed=()
summary=()
for t in "${targets[@]}"; do
  summary+=("$(cat "$build/fuzz-logs/$t.summary" 2>/dev/null || echo "$t: no result")")
  if [ -f "$build/fuzz-logs/$t.failed" ] || [ ! -f "$build/fuzz-logs/$t.summary" ]; then
    failed+=("$t")
    cat "$build/fuzz-logs/$t.failed" 2>/dev/null || true
  fi
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: findings in: ${failed[*]}" >&2
  exit 1
fi
