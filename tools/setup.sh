#!/usr/bin/env bash
# Installs exactly the Debian 12 packages Across AI Gateway needs to build,
# run and test, skipping those already present. Idempotent; safe to re-run.
#   tools/setup.sh          build + run + test packages
#   tools/setup.sh --build  only what `make run` needs
set -euo pipefail

BUILD_PACKAGES=(
  bazel-bootstrap g++ pkg-config ca-certificates
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libgrpc++-dev libgrpc-dev libabsl-dev libre2-dev libssl-dev
  prometheus-cpp-dev libboost1.81-dev libyaml-cpp-dev
)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-grpcio python3-protobuf
  curl wrk
  # tests/deploy: a Helm-compatible renderer built from Debian's Go sources
  golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev
)
# Node.js and npm may come from elsewhere (e.g. NodeSource's nodejs bundles
# npm, and Debian's npm then conflicts): install Debian's only when absent.
if ! command -v node >/dev/null; then TEST_PACKAGES+=(nodejs); fi
if ! command -v npm >/dev/null; then TEST_PACKAGES+=(npm); fi
# kubectl for tests/deploy: Debian's kubernetes-client unless a kubectl exists
# (some images ship /usr/bin/kubectl in another package; dpkg refuses to
# overwrite it).
if ! command -v kubectl >/dev/null; then TEST_PACKAGES+=(kubernetes-client); fi

packages=("${BUILD_PACKAGES[@]}")
if [[ "${1:-}" != "--build" ]]; then packages+=("${TEST_PACKAGES[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} packages present"
fi

# npm packages for the independent-client and deployment tests (test-only
# folders, pinned by their package-lock.json files).
if [[ "${1:-}" != "--build" ]]; then
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  for dir in tests/node tests/deploy; do
    if [[ -f "$here/$dir/package-lock.json" && ! -d "$here/$dir/node_modules" ]]; then
      echo "setup: npm ci in $dir"
      (cd "$here/$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
fi
