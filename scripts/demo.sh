#!/usr/bin/env bash
# The main job on the bundled example: what the podinfo canary does when its success rate dips.
set -euo pipefail
bin=${1:-build/bin/rolloutlab}
cd "$(dirname "$0")/.."
"$bin" validate examples
echo
"$bin" simulate --spec examples --scenario examples/scripts/two-failures-then-recover.yaml -o table
echo
# The same question for an Argo Rollout: a background analysis that fails during the pause.
"$bin" simulate --spec examples --scenario examples/scripts/argo-background-failure.yaml -o table
