#!/usr/bin/env bash
# Install the Debian packages that rolloutlab's build, tests, benchmarks and demo need.
# Idempotent: only missing packages are installed. Runs as root or through sudo, never asks.
#
#   scripts/install-deps.sh            build + tests + demo (+ GUI)
#   ROLLOUTLAB_DEPS_EXTRA=bench ...    also the benchmark baselines (R, scipy, hyperfine; bc for their ratios)
#   ROLLOUTLAB_DEPS_EXTRA=fuzz ...     also clang and its libFuzzer runtime (`make fuzz`)
#   scripts/install-deps.sh --list     print the package names, one a line, and do nothing else
#                                      (scripts/check-deps-closure.py reads the list this way)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl python3
  libeigen3-dev libboost-math-dev libboost-dev
  nlohmann-json3-dev libyaml-cpp-dev libgit2-dev libcli11-dev libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev python3-jsonschema libxml2-utils
  libcurl4-openssl-dev libssl-dev zlib1g-dev
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-svg-dev libgl-dev
  xvfb xauth
  prometheus
  help2man dpkg-dev file
  clang-format
)
if [[ "${ROLLOUTLAB_DEPS_EXTRA:-}" == *bench* ]]; then
  packages+=(r-base-core r-cran-rpact r-cran-mvtnorm python3-scipy hyperfine bc)
fi
if [[ "${ROLLOUTLAB_DEPS_EXTRA:-}" == *fuzz* ]]; then
  packages+=(clang libclang-rt-14-dev)
fi
if [[ "${1:-}" == --list ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 3; fi
}

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Debian's prometheus postinst would start a service listening on :9090 where an init
# system runs; tests start their own server on loopback, so forbid that start.
prc=/usr/sbin/policy-rc.d added=0
if [ ! -e "$prc" ]; then
  as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $prc && chmod 755 $prc"
  added=1
fi
cleanup() { if [ "$added" = 1 ]; then as_root rm -f "$prc"; fi; }
trap cleanup EXIT
apt_opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=600)
as_root apt-get update -q -o DPkg::Lock::Timeout=600 >&2
as_root apt-get install "${apt_opts[@]}" "${missing[@]}" >&2
