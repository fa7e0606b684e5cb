#!/usr/bin/env bash
# Offline validation of everything under deploy/ (no cluster, no Docker
# engine, no helm binary, no network beyond `npm ci` on first use):
#   kustomize.test.mjs  kubectl kustomize renders base, overlays/dev, overlays/prod
#                       and the HTTP-probe variant; every object is validated
#                       against the Kubernetes API schema (kubernetes-models,
#                       strict about unknown fields) and probes, ports,
#                       resources, security and shutdown timing are asserted
#   helm.test.mjs       the Helm chart: Chart.yaml, values.schema.json, .Values
#                       references, templates rendered by helmrender (Go
#                       text/template + Sprig, as Helm) and validated the same
#                       way, plus parity with the Kustomize base
#   docker.test.mjs     the Dockerfile's structure and build context, the
#                       HEALTHCHECK script, the runtime contract on the built gateway
#   binary.test.mjs     ldd_check.sh on the built gateway (or a link probe), and
#                       every shipped config through the gateway's --check_config
#
# Needs: node + npm, kubectl (Debian: kubernetes-client), go +
# golang-github-masterminds-sprig-dev, g++ (link probe), dpkg.
# Environment: KUBECTL (kubectl to use), GATEWAY_BIN (gateway binary; default
# bazel-bin/gateway/across_gateway; the binary checks are skipped without one).
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1

die() {
  echo "deploy tests: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

command -v node >/dev/null || die "node not found (apt-get install nodejs npm)"

# npm ci when node_modules is missing or older than the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  command -v npm >/dev/null || die "npm not found (apt-get install npm)"
  echo "deploy tests: npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed"
fi

tap="$(mktemp)"
trap 'rm -f "$tap"' EXIT

# Human-readable results on stdout, TAP to a file for the counts.
node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  kustomize.test.mjs helm.test.mjs docker.test.mjs binary.test.mjs
status=$?

# The run's totals are the last "# pass N" etc. lines of the TAP stream.
count() { grep -E "^# $1 [0-9]+$" "$tap" | tail -n1 | awk '{print $3}'; }
pass=$(count pass)
fail=$(count fail)
cancelled=$(count cancelled)
skipped=$(count skipped)
pass=${pass:-0}
fail=$(( ${fail:-0} + ${cancelled:-0} ))
if [[ $status -ne 0 && $fail -eq 0 ]]; then
  fail=1 # the runner failed outside any test (syntax error, crash)
fi

summary="$pass passed, $fail failed"
if [[ ${skipped:-0} -gt 0 ]]; then summary+=", $skipped skipped"; fi
echo "$summary"
[[ $fail -eq 0 ]]
