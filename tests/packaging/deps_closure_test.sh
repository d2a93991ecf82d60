#!/usr/bin/env bash
# scripts/check-deps-closure.py on the configured build, and on package lists that carry the
# defects it exists to catch. Also: install-deps.sh runs no apt when everything is installed.
#
# usage: deps_closure_test.sh CASE SOURCE_DIR BUILD_DIR
#   ok            the real list (install-deps.sh --list) covers the build
#   no-opengl     a list without libqt6opengl6-dev (Qt6Charts' CMake config needs Qt6OpenGL,
#                 which qt6-base-dev only recommends) fails, naming it and Qt6OpenGLConfig.cmake
#   virtual-name  a list naming libqt6charts6-dev (a virtual name qt6-charts-dev provides)
#                 instead of qt6-charts-dev fails twice: the name is not an installed package,
#                 and the build's Qt6ChartsConfig.cmake comes from a package outside the closure
#   misspelt      a list with a misspelt name fails naming it
#   no-apt        install-deps.sh with every package installed calls neither apt-get nor sudo
set -uo pipefail
case_=$1 src=$2 build=$3
check=("${PYTHON3:-python3}" "$src/scripts/check-deps-closure.py")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_line() {  # expect_line OUTPUT REGEX WHAT
  grep -Eq -- "$2" <<<"$1" || fail "$3: no line matching /$2/ in:"$'\n'"$1"
}
ROLLOUTLAB_DEPS_EXTRA= "$src/scripts/install-deps.sh" --list >"$work/real" || fail "install-deps.sh --list"
real_list() { cat "$work/real"; }

case $case_ in
  ok)
    out=$("${check[@]}" "$build" 2>&1) || fail "the real package list does not cover the build:"$'\n'"$out"
    expect_line "$out" '^check-deps-closure: ok: [0-9]+ files' "summary"
    echo "$out"
    ;;
  no-opengl)
    real_list | grep -x libqt6opengl6-dev >/dev/null || fail "install-deps.sh no longer lists libqt6opengl6-dev"
    real_list | grep -vx libqt6opengl6-dev >"$work/list"
    out=$("${check[@]}" "$build" --packages "$work/list" 2>&1) && fail "passed without libqt6opengl6-dev:"$'\n'"$out"
    expect_line "$out" '^check-deps-closure: libqt6opengl6-dev: not in the Depends closure .* uses /usr/lib/[^ ]*/cmake/Qt6OpenGL/Qt6OpenGLConfig\.cmake \(Qt6OpenGL_DIR in CMakeCache\.txt\)' \
      "the missing package and the file that needed it"
    expect_line "$out" '^check-deps-closure: FAILED: 1 problem' "exactly one problem"
    echo "$out"
    ;;
  virtual-name)
    real_list | sed 's/^qt6-charts-dev$/libqt6charts6-dev/' >"$work/list"
    grep -qx libqt6charts6-dev "$work/list" || fail "install-deps.sh no longer lists qt6-charts-dev"
    out=$("${check[@]}" "$build" --packages "$work/list" 2>&1) && fail "passed with a virtual name:"$'\n'"$out"
    expect_line "$out" '^check-deps-closure: libqt6charts6-dev: listed, but dpkg reports no installed package of that name: it is a virtual name provided by qt6-charts-dev' \
      "the virtual name"
    expect_line "$out" '^check-deps-closure: qt6-charts-dev: not in the Depends closure .* uses /usr/lib/[^ ]*/cmake/Qt6Charts/Qt6ChartsConfig\.cmake' \
      "the real package and the file that needed it"
    echo "$out"
    ;;
  misspelt)
    { real_list; echo libyaml-ccp-dev; } >"$work/list"
    out=$("${check[@]}" "$build" --packages "$work/list" 2>&1) && fail "passed with a misspelt name:"$'\n'"$out"
    expect_line "$out" '^check-deps-closure: libyaml-ccp-dev: listed, but dpkg reports no installed package of that name and no installed package provides it' \
      "the misspelt name"
    expect_line "$out" '^check-deps-closure: FAILED: 1 problem' "exactly one problem"
    echo "$out"
    ;;
  no-apt)
    # Every listed package is installed here (the check above says so); then the script must
    # not reach apt: fake apt-get, apt and sudo record any call.
    mkdir -p "$work/bin"
    for tool in apt-get apt sudo; do
      printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit 99\n' "$tool" "$work" >"$work/bin/$tool"
      chmod +x "$work/bin/$tool"
    done
    out=$(PATH="$work/bin:$PATH" ROLLOUTLAB_DEPS_EXTRA= "$src/scripts/install-deps.sh" 2>&1)
    rc=$?
    [ ! -e "$work/calls" ] || fail "install-deps.sh called: $(cat "$work/calls")"
    [ $rc -eq 0 ] || fail "install-deps.sh: exit $rc: $out"
    [ -z "$out" ] || fail "install-deps.sh printed: $out"
    echo "install-deps.sh: exit 0, no output, no apt-get/apt/sudo call"
    ;;
  *) fail "unknown case $case_" ;;
esac
