#!/bin/bash
# The benchmark entry point (docs/benchmarks.md).
#
#   bench/run.sh                 everything: micro-benchmarks, control plane (1,000 creates,
#                                10,000-cluster lists), then ours against the original
#   bench/run.sh --smoke         the harness end to end in seconds (ctest bench.smoke)
#   bench/run.sh --only compare|micro|controlplane [--only ...]
#
# Options: --duration N (seconds per wrk run, default 10), --connections 2,16,64,
#   --build-dir DIR (default build), --no-build, --perf (perf-record magnumd during the
#   creates), --original auto|yes|no (default auto: installed -> used; a full run installs it
#   with bench/setup-original.sh when missing and run as root), --previous-bin DIR
#   [--previous-label TEXT] (the previous main's build, e.g. a worktree's build/bin: the
#   micro-benchmarks run on both, and compare is ours against it instead of the original).
#
# Needs an optimised build (RelWithDebInfo or Release); binds 127.0.0.1 only; every process
# it starts is stopped on exit. Raw results: bench/results/*.json. The last lines printed
# are one per endpoint with the word `ratio`.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PY=/usr/bin/python3
BUILD_DIR="$ROOT/build"
SMOKE=0 BUILD=1 PERF=0 ORIGINAL=auto DURATION="" CONNECTIONS="" PREVIOUS_BIN="" PREVIOUS_LABEL=previous
ONLY=()

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) SMOKE=1; shift ;;
    --only) ONLY+=("$2"); shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --perf) PERF=1; shift ;;
    --original) ORIGINAL="$2"; shift 2 ;;
    --previous-bin) PREVIOUS_BIN=$(cd "$2" && pwd); shift 2 ;;
    --previous-label) PREVIOUS_LABEL="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ ${#ONLY[@]} -gt 0 ]] || ONLY=(micro controlplane compare)
want() { local p; for p in "${ONLY[@]}"; do [[ $p == "$1" ]] && return 0; done; return 1; }

# Children are run in the background and waited for, so that a signal reaches this trap
# at once; the trap passes it on (the Python scripts stop their servers in `finally`).
CHILD=""
cleanup() {
  if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
    kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP
run() {
  "$@" &
  CHILD=$!
  local rc=0
  wait "$CHILD" || rc=$?
  CHILD=""
  return $rc
}

# ---- the build --------------------------------------------------------------------------
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
if [[ -z "$BUILD_TYPE" && $BUILD == 1 ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
  BUILD_TYPE=RelWithDebInfo
fi
case "$BUILD_TYPE" in
  Release|RelWithDebInfo) ;;
  *) echo "run.sh: $BUILD_DIR is a '$BUILD_TYPE' build; benchmarks need an optimised one:" \
          "cmake -S $ROOT -B <dir> -DCMAKE_BUILD_TYPE=RelWithDebInfo, then --build-dir <dir>" >&2
     [[ $SMOKE == 1 ]] || exit 2
     echo "run.sh: (smoke: going on, the figures are not meaningful)" >&2 ;;
esac
if [[ $BUILD == 1 && $SMOKE == 0 ]]; then
  targets=(--target magnumd --target magnum-api --target magnum-db-manage)
  want micro && targets+=(--target magnum-micro-bench)
  cmake --build "$BUILD_DIR" -j2 "${targets[@]}" >&2
fi
if ! command -v wrk >/dev/null; then
  if [[ $SMOKE == 1 ]]; then
    echo "run.sh: skipped: wrk is not installed (apt-get install wrk)" >&2
    exit 77  # ctest SKIP_RETURN_CODE
  fi
  want compare && ! "$HERE/setup-original.sh" --check && [[ $(id -u) != 0 ]] &&
    { echo "run.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
fi
export MAGNUM_BIN_DIR="$BUILD_DIR/bin"
export PYTHONDONTWRITEBYTECODE=1
[[ -x "$MAGNUM_BIN_DIR/magnumd" ]] || { echo "run.sh: $MAGNUM_BIN_DIR/magnumd not built" >&2; exit 2; }

# ---- the original -----------------------------------------------------------------------
if [[ $SMOKE == 0 && $ORIGINAL != no && -z $PREVIOUS_BIN ]] && want compare && ! "$HERE/setup-original.sh" --check; then
  if [[ $(id -u) == 0 ]]; then
    echo "run.sh: installing the original (Debian's magnum-api, uwsgi, wrk)" >&2
    "$HERE/setup-original.sh" --install-only >&2
  else
    echo "run.sh: the original is not installed and this is not root: ours vs ours only" >&2
  fi
fi

mkdir -p "$HERE/results"
STAMP=$(date +%Y%m%d-%H%M%S)
echo "run.sh: $(date -Is) on $(hostname): $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
     "build $BUILD_TYPE ($BUILD_DIR); git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)" >&2

# ---- micro-benchmarks -------------------------------------------------------------------
if want micro; then
  MB="$MAGNUM_BIN_DIR/magnum-micro-bench"
  if [[ -x "$MB" ]]; then
    if [[ $SMOKE == 1 ]]; then
      run "$MB" --benchmark_filter='Policy|HandleGetV1|HandleListTemplates|EncodeClusterList/clusters:20' \
        --benchmark_min_time=0.01 >&2
    else
      echo "run.sh: micro-benchmarks ($MB)" >&2
      run "$MB" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
        --benchmark_out="$HERE/results/micro-$STAMP.json" --benchmark_out_format=json >&2
      if [[ -n "$PREVIOUS_BIN" ]]; then
        echo "run.sh: micro-benchmarks of the previous main ($PREVIOUS_LABEL:" \
             "$PREVIOUS_BIN/magnum-micro-bench)" >&2
        run "$PREVIOUS_BIN/magnum-micro-bench" --benchmark_repetitions=3 \
          --benchmark_report_aggregates_only=true \
          --benchmark_out="$HERE/results/micro-$STAMP-previous.json" --benchmark_out_format=json >&2
      fi
    fi
  else
    echo "run.sh: $MB not built (cmake --build $BUILD_DIR --target magnum-micro-bench): skipped" >&2
  fi
fi

# ---- control plane ------------------------------------------------------------------------
if want controlplane; then
  args=()
  [[ $SMOKE == 1 ]] && args+=(--smoke)
  [[ $PERF == 1 ]] && args+=(--perf)
  [[ $SMOKE == 1 ]] || args+=(--out "$HERE/results/controlplane-$STAMP.json")
  run "$PY" "$HERE/controlplane.py" "${args[@]}"
fi

# ---- ours against the original (last: its ratio lines end the output) ---------------------
if want compare; then
  args=(--original "$ORIGINAL")
  [[ $SMOKE == 1 ]] && args+=(--smoke)
  [[ -n "$DURATION" ]] && args+=(--duration "$DURATION")
  [[ -n "$CONNECTIONS" ]] && args+=(--connections "$CONNECTIONS")
  [[ -n "$PREVIOUS_BIN" ]] && args+=(--previous-bin "$PREVIOUS_BIN" --previous-label "$PREVIOUS_LABEL")
  [[ $SMOKE == 1 ]] || args+=(--out "$HERE/results/compare-$STAMP.json")
  run "$PY" "$HERE/compare.py" "${args[@]}"
fi
