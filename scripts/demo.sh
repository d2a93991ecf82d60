#!/usr/bin/env bash
# The main job on the bundled example: the operating characteristics of the example GitOps
# repo's canaries over the bundled scenario library.
set -euo pipefail
bin=${1:-build/bin/rolloutlab}
cd "$(dirname "$0")/.."
"$bin" validate -o text examples
echo
"$bin" batch --spec examples --scenarios scenarios/library --runs 2000 --seed 1 -o table
