#!/usr/bin/env bash
# Runs a test command; when it fails, prints why (its FAIL/ERROR lines and exception lines)
# and runs it once more, failing only if that fails too.
#
#   scripts/retry-once.sh COMMAND [ARGS...]
#
# For the `heat` tests only (CMakeLists.txt): they drive a real Heat (heat-api, heat-engine
# and their RPC over RabbitMQ) through whole stack lifecycles with several clusters at once,
# on 2 cores shared with the rest of `make test`. A second failure is a real one; a first
# failure stays visible in the output ("retry-once: the first attempt failed").
set -uo pipefail
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && exit 0
echo "retry-once: the first attempt failed (exit $rc):"
grep -E '^(FAIL|ERROR): |^[A-Za-z_.]*(Error|Exception)[: ]|^\[  FAILED  \]' "$out" | head -20 |
  cut -c1-300 | sed 's/^/retry-once:   /'
echo "retry-once: running it again"
"$@"
