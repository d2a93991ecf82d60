#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format makes of it (.clang-format:
# Google-based, 100 columns, left pointer alignment). Lists every such file.
#
#   scripts/check-format.sh            check (the Style.ClangFormat test runs this)
#   scripts/check-format.sh --fix      rewrite the files in place
set -euo pipefail
cd "$(dirname "$0")/.."
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null 2>&1; then
  echo "check-format: $cf not found (scripts/install-deps.sh installs clang-format)" >&2
  exit 3
fi
# Tracked files when this is a git checkout, else every C++ file under the module folders.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- '*.h' '*.cpp' | grep -v '^tests/data/')
else
  mapfile -t files < <(find app bench cli core fuzz gitops gui io replay scenarios sim tests tune \
                         \( -name '*.h' -o -name '*.cpp' \) -not -path 'tests/data/*' | sort)
fi
if [[ "${1:-}" == --fix ]]; then
  "$cf" -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! "$cf" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "check-format: $f is not clang-formatted (scripts/check-format.sh --fix)" >&2
    bad=$((bad + 1))
  fi
done
if [ "$bad" -gt 0 ]; then
  echo "check-format: $bad of ${#files[@]} files need clang-format" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted ($("$cf" --version | head -1))"
