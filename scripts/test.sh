#!/usr/bin/env bash
# `npm test`: typecheck (which also builds the compiled JavaScript the integration
# stage runs), then lint, unit and integration tests. A failing stage does not stop
# the later ones, so one run reports every stage; the exit code is non-zero if any
# failed. Only a failed build stops early: nothing after it could run current code.
set -uo pipefail
cd "$(dirname "$0")/.."

declare -a names=() results=() seconds=()
run_stage() {
  local name=$1 start=$SECONDS code=0
  shift
  echo "=== ${name}: $*"
  "$@" || code=$?
  names+=("$name")
  results+=("$code")
  seconds+=($((SECONDS - start)))
  return "$code"
}

summary() {
  local failed=0
  echo
  echo "=== npm test summary"
  for i in "${!names[@]}"; do
    if [ "${results[$i]}" = 0 ]; then status=passed; else status="FAILED (exit ${results[$i]})"; failed=1; fi
    printf '  %-12s %-18s %5ss\n' "${names[$i]}" "$status" "${seconds[$i]}"
  done
  return "$failed"
}

if ! run_stage typecheck npm run --silent typecheck; then
  summary
  exit 1
fi
run_stage lint npm run --silent lint
run_stage unit npm run --silent test:unit
run_stage integration npm run --silent test:integration
summary
