#!/usr/bin/env bash
# The Debian package: built with CPack from the configured build, unpacked into a scratch root
# (dpkg -x, no root rights, nothing installed on the system) and run from elsewhere.
#
# usage: deb_test.sh CASE SOURCE_DIR BUILD_DIR WORK_DIR
#   build        cpack (gzip instead of make package's xz, to keep the test fast) into
#                WORK_DIR/pkg and unpack it into WORK_DIR/root; the other cases use that root
#   depends      Depends was computed: every shared library the two executables need
#                (their DT_NEEDED entries) belongs to a package Depends names
#   demo         from an unrelated directory, the installed rolloutlab validates the installed
#                examples and runs the demo batch with no --scenarios: it takes the installed
#                scenario library and prints what the build tree prints for the source tree's;
#                the installed rolloutlab-gui prints --help without a display and draws the
#                podinfo Canary in a scenario of the installed library; nothing needs LD_LIBRARY_PATH
#   files        man pages (one per executable and per command the CLI has had since 0.1),
#                bash and zsh completion, docs
#   completion   the installed bash completion completes commands, flags and choices
#   build-tree   a build-tree rolloutlab without --scenarios takes the source tree's library
set -uo pipefail
case_=$1 src=$2 build=$3 work=$4
root="$work/root"
fail() { echo "FAIL: $*" >&2; exit 1; }
need_root() { [ -x "$root/usr/bin/rolloutlab" ] || fail "no unpacked package in $root (the build case failed?)"; }

case $case_ in
  build)
    rm -rf "$work"
    mkdir -p "$work"
    start=$(date +%s.%N)
    cpack --config "$build/CPackConfig.cmake" -B "$work/pkg" -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip \
      >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
    debs=("$work"/pkg/rolloutlab_*.deb)
    [ -f "${debs[0]}" ] || fail "cpack wrote no rolloutlab_*.deb: $(ls "$work/pkg")"
    dpkg -x "${debs[0]}" "$root" || fail "dpkg -x ${debs[0]}"
    ln -s "${debs[0]}" "$work/rolloutlab.deb"
    printf 'built %s (%s bytes) in %s s\n' "${debs[0]##*/}" "$(stat -c %s "${debs[0]}")" \
      "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
    dpkg-deb -f "${debs[0]}" Package Version Architecture Depends
    ;;
  depends)
    need_root
    depends=$(dpkg-deb -f "$work/rolloutlab.deb" Depends)
    [ -n "$depends" ] || fail "the package has no Depends"
    echo "Depends: $depends"
    names=$(tr ',' '\n' <<<"$depends" | tr '|' '\n' | sed 's/(.*//; s/ //g')
    cache=$(ldconfig -p)
    needed=$(for exe in "$root"/usr/bin/*; do
      objdump -p "$exe" | awk -v e="${exe##*/}" '$1 == "NEEDED" {print e, $2}'
    done)
    [ -n "$needed" ] || fail "no NEEDED entry in the installed executables"
    # Each library's path, both spellings of a merged-/usr path, then their owners in one query.
    declare -A path_of
    candidates=()
    for lib in $(awk '{print $2}' <<<"$needed" | sort -u); do
      path=$(awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}' <<<"$cache")
      [ -n "$path" ] || fail "the executables need $lib, which the system does not have"
      path_of[$lib]=$path
      real=$(realpath "$path")
      candidates+=("$path" "$real" "/usr${path#/usr}" "${path#/usr}" "/usr${real#/usr}" "${real#/usr}")
    done
    owners=$(dpkg-query -S "${candidates[@]}" 2>/dev/null | grep -v '^diversion')
    while read -r exe lib; do
      path=${path_of[$lib]} real=$(realpath "${path_of[$lib]}")
      pkg=
      for p in "$path" "$real" "/usr${path#/usr}" "${path#/usr}" "/usr${real#/usr}" "${real#/usr}"; do
        pkg=$(awk -v p="$p" '{f = $NF} f == p {sub(/[:,].*/, "", $1); print $1; exit}' <<<"$owners")
        [ -n "$pkg" ] && break
      done
      [ -n "$pkg" ] || fail "no package owns $path ($lib)"
      grep -qx -- "$pkg" <<<"$names" || fail "$exe needs $lib (package $pkg), not in Depends: $depends"
      echo "$exe: $lib -> $pkg"
    done <<<"$needed"
    ;;
  demo)
    need_root
    elsewhere=$(mktemp -d)
    trap 'rm -rf "$elsewhere"' EXIT
    cd "$elsewhere" || fail "cd"
    exe="$root/usr/bin/rolloutlab"
    lib="$root/usr/share/rolloutlab/scenarios/library"
    [ -d "$lib" ] || fail "the package has no $lib"
    ldd "$root"/usr/bin/* | grep 'not found' && fail "unresolved libraries"
    out=$(env -u LD_LIBRARY_PATH "$exe" validate "$root/usr/share/rolloutlab/examples" 2>&1) ||
      fail "validate the installed examples: $out"
    grep -q 'Canary' <<<"$out" || fail "validate lists no Canary: $out"
    env -u LD_LIBRARY_PATH "$exe" batch --spec "$root/usr/share/rolloutlab/examples" --runs 100 \
      --seed 1 -o table >installed.txt 2>installed.err || fail "installed batch: $(cat installed.err)"
    # The executable finds itself through /proc/self/exe: the path has its symlinks resolved.
    grep -qx "batch: no --scenarios: the bundled library $(realpath "$lib")" installed.err ||
      fail "the installed batch did not take the installed library: $(cat installed.err)"
    for f in "$lib"/*.yaml; do
      name=$(basename "$f" .yaml)
      grep -q " $name " installed.txt || fail "scenario $name missing from the installed batch"
    done
    "$build/bin/rolloutlab" batch --spec "$src/examples" --scenarios "$src/scenarios/library" \
      --runs 100 --seed 1 -o table >build-tree.txt 2>/dev/null || fail "build-tree batch"
    diff -u build-tree.txt installed.txt || fail "the installed batch differs from the build tree's"
    head -n 5 installed.txt
    if [ -e "$build/bin/rolloutlab-gui" ]; then
      gui=$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/usr/bin/rolloutlab-gui" --help 2>&1) ||
        fail "installed rolloutlab-gui --help: $gui"
      grep -q -- '--scenario' <<<"$gui" || fail "rolloutlab-gui --help: $gui"
      # The installed GUI opens the installed examples with a scenario of the installed library
      # (the same lookup as batch's) and draws its window.
      QT_QPA_PLATFORM=offscreen "$root/usr/bin/rolloutlab-gui" --screenshot gui.png --size 800x600 \
        --spec podinfo --scenario error-regression-1pt --seed 3 "$root/usr/share/rolloutlab/examples" \
        >gui.log 2>&1 || fail "installed rolloutlab-gui --screenshot: $(cat gui.log)"
      [ -s gui.png ] || fail "installed rolloutlab-gui drew no gui.png: $(cat gui.log)"
    fi
    echo "validate, batch (bundled library, $(wc -l <installed.txt) lines, identical to the build tree's) and rolloutlab-gui ran from $elsewhere"
    ;;
  files)
    need_root
    listing=$(dpkg -c "$work/rolloutlab.deb" | awk '{print $NF}')
    expected=(./usr/bin/rolloutlab
      ./usr/share/rolloutlab/examples/apps/podinfo/canary.yaml
      ./usr/share/man/man1/rolloutlab.1.gz
      ./usr/share/bash-completion/completions/rolloutlab
      ./usr/share/zsh/vendor-completions/_rolloutlab
      ./usr/share/doc/rolloutlab/copyright ./usr/share/doc/rolloutlab/README.md)
    if [ -x "$build/bin/rolloutlab-gui" ]; then
      expected+=(./usr/bin/rolloutlab-gui ./usr/share/man/man1/rolloutlab-gui.1.gz
        ./usr/share/bash-completion/completions/rolloutlab-gui)
    fi
    for c in validate simulate batch merge replay judge stats; do expected+=("./usr/share/man/man1/rolloutlab-$c.1.gz"); done
    for f in "$src"/scenarios/library/*; do expected+=("./usr/share/rolloutlab/scenarios/library/${f##*/}"); done
    for f in "${expected[@]}"; do
      grep -qx -- "$f" <<<"$listing" || fail "the package lacks $f"
    done
    cmp -s "$src/LICENSE" "$root/usr/share/doc/rolloutlab/copyright" || fail "copyright is not LICENSE"
    page=$(zcat "$root/usr/share/man/man1/rolloutlab-batch.1.gz")
    grep -q '^\.TH ROLLOUTLAB-BATCH "1"' <<<"$page" || fail "rolloutlab-batch(1) header: $(head -3 <<<"$page")"
    grep -q 'spec' <<<"$page" || fail "rolloutlab-batch(1) does not describe --spec"
    grep -q '/' <<<"$(grep -i '^usage\|^\.SH SYNOPSIS' -A1 <<<"$page")" && fail "a build path in the page"
    if command -v zsh >/dev/null; then
      zsh -n "$root/usr/share/zsh/vendor-completions/_rolloutlab" || fail "zsh syntax"
    else
      echo "zsh not installed: zsh completion syntax not checked"
    fi
    echo "${#expected[@]} expected files present"
    ;;
  completion)
    need_root
    comp() {  # comp WORD... : the completions bash offers for the last word
      bash --norc --noprofile -c '
        source "$0"
        COMP_WORDS=("${@}"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        _rolloutlab; printf "%s\n" "${COMPREPLY[@]}"' \
        "$root/usr/share/bash-completion/completions/rolloutlab" "$@"
    }
    [ "$(comp rolloutlab bat)" = batch ] || fail "rolloutlab bat<TAB>: $(comp rolloutlab bat)"
    comp rolloutlab batch --sc | grep -x -- --scenarios >/dev/null || fail "batch --sc<TAB>: $(comp rolloutlab batch --sc)"
    comp rolloutlab validate -o '' | grep -x json >/dev/null || fail "validate -o <TAB>: $(comp rolloutlab validate -o '')"
    comp rolloutlab batch -o j | grep -x json >/dev/null || fail "batch -o j<TAB>: $(comp rolloutlab batch -o j)"
    comp rolloutlab stats ran | grep -x ranksum >/dev/null || fail "stats ran<TAB>: $(comp rolloutlab stats ran)"
    echo "bash completion: commands, flags, -o choices and stats tests complete"
    ;;
  build-tree)
    elsewhere=$(mktemp -d)
    trap 'rm -rf "$elsewhere"' EXIT
    cd "$elsewhere" || fail "cd"
    "$build/bin/rolloutlab" batch --spec "$src/examples/apps/podinfo" --runs 10 --seed 1 -o table \
      >out.txt 2>err.txt || fail "build-tree batch without --scenarios: $(cat err.txt)"
    grep -qx "batch: no --scenarios: the bundled library $src/scenarios/library" err.txt ||
      fail "the build-tree batch did not take the source tree's library: $(cat err.txt)"
    grep -q ' error-regression-1pt ' out.txt || fail "no library scenario in: $(cat out.txt)"
    cat err.txt
    ;;
  *) fail "unknown case $case_" ;;
esac
