#!/usr/bin/env bash
# Runs every test suite: gtest unit tests, integration tests against the real
# binary and mock upstream (Python: HTTP + gRPC; Node: the official openai
# SDK), deployment checks — then the unit and integration suites again with
# ASan+UBSan. Prints "Summary: N passed, M failed" (suites) and exits
# non-zero when any suite failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BAZEL=${BAZEL:-bazel}
PY=/usr/bin/python3  # Debian's python, which has python3-grpcio
passed=0
failed=0
failures=()

run_suite() {
  local name=$1
  shift
  echo "=== suite: $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "=== suite: $name: PASS"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "=== suite: $name: FAIL"
  fi
}

# $1 = bazel config flags ("" or "--config=asan"); $2 = label
run_build_and_tests() {
  local flags=$1 label=$2
  # shellcheck disable=SC2086
  if ! $BAZEL build $flags //...; then
    failed=$((failed + 1))
    failures+=("build$label")
    return
  fi
  # shellcheck disable=SC2086
  run_suite "unit$label" $BAZEL test $flags //...
  local bin
  # shellcheck disable=SC2086
  bin=$($BAZEL info $flags bazel-bin 2>/dev/null)
  export GATEWAY_BIN="$bin/gateway/across_gateway"
  export MOCK_BIN="$bin/tests/mock_upstream/mock_upstream"
  export PROTOSET="$bin/proto/gateway_v1.protoset"
  run_suite "integration$label" $PY -m unittest discover -s tests/integration -p 'test_*.py' -v
  if [[ -d tests/node && -z "$label" ]]; then
    run_suite "openai-sdk$label" node --test tests/node/
  fi
}

run_build_and_tests "" ""
if [[ -x tests/deploy/run.sh ]]; then
  run_suite "deploy" tests/deploy/run.sh
fi
if [[ "${SKIP_ASAN:-0}" != "1" ]]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_build_and_tests "--config=asan" "-asan"
fi

if ((failed)); then echo "failed suites: ${failures[*]}"; fi
echo "Summary: $passed passed, $failed failed"
((failed == 0))
