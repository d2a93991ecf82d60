#!/usr/bin/env bash
# `make bench`: the benchmarks of docs/PERFORMANCE.md, section by section, each printing its
# figures beside the baseline measured in the same run where the baseline's tools are here.
#
# usage: scripts/bench.sh [BUILD_DIR] [SECTION...]      (default: build, every section)
#   sections: simulate batch argo promql ranksum replay
#   BENCH_QUICK=1   a smoke run: tiny times and sizes, to check that everything runs (the
#                   figures then mean nothing)
#
# Baselines that need the optional tools (R, SciPy: ROLLOUTLAB_DEPS_EXTRA=bench
# scripts/install-deps.sh) are skipped with a message saying so; the Prometheus baseline uses
# the tests' own fixture (tests/support/prom-fixture.sh). The GUI's figures are tests:
# `QT_QPA_PLATFORM=offscreen build/bin/gui_tests --gtest_filter='TimelinePerformance.*:WorkspaceLoad.*'`.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[[ $# -gt 0 ]] && shift
sections=("$@")
[[ ${#sections[@]} -eq 0 ]] && sections=(simulate batch argo promql ranksum replay)
quick=${BENCH_QUICK:-0}
bin="$build/bin"

say() { printf '\n== %s\n' "$*"; }
skip() { printf -- '-- skipped: %s\n' "$*"; }

# Google Benchmark options: the default minimum time, or a token one for a smoke run.
gbench() {
  local exe="$bin/$1"
  shift
  if [[ $quick == 1 ]]; then "$exe" --benchmark_min_time=0.001 "$@"; else "$exe" "$@"; fi
}

# measure LABEL CMD...: wall time and peak resident memory of one command (its output is dropped).
measure() {
  local label=$1
  shift
  python3 - "$label" "$@" <<'EOF'
import resource, subprocess, sys, time
label, cmd = sys.argv[1], sys.argv[2:]
t = time.monotonic()
r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.monotonic() - t
if r.returncode != 0:
    sys.exit(f"{label}: exit {r.returncode}: {r.stderr.strip()}")
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"  {label:<58s} {wall:7.2f} s  peak {rss:6.1f} MB")
EOF
}

# The benchmark programs of the chosen sections, built if missing.
targets=()
for s in "${sections[@]}"; do
  case $s in
    simulate) targets+=(simulate_bench) ;;
    batch) targets+=(batch_bench rolloutlab) ;;
    argo) targets+=(argo_bench argo_expr_bench simulate_bench rolloutlab) ;;
    promql) targets+=(promql_bench) ;;
    ranksum) targets+=(ranksum_bench ranksum_cli_bench) ;;
    replay) targets+=(replay_ingest_bench) ;;
    *) echo "bench.sh: unknown section $s (simulate batch argo promql ranksum replay)" >&2; exit 2 ;;
  esac
done
missing=()
for t in $(printf '%s\n' "${targets[@]}" | sort -u); do [[ -x $bin/$t ]] || missing+=("$t"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ -f $build/CMakeCache.txt ]] || { echo "bench.sh: $build is not a configured build (make build)" >&2; exit 2; }
  grep -q '^ROLLOUTLAB_BUILD_BENCH:BOOL=ON' "$build/CMakeCache.txt" ||
    { echo "bench.sh: $build was configured with ROLLOUTLAB_BUILD_BENCH=OFF" >&2; exit 2; }
  cmake --build "$build" --target "${missing[@]}"
fi

echo "rolloutlab benchmarks: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)$([[ $quick == 1 ]] && echo ', QUICK (smoke run: figures meaningless)')"

runs() { if [[ $quick == 1 ]]; then echo "$2"; else echo "$1"; fi; }

for s in "${sections[@]}"; do
  case $s in
    simulate)
      say "Closed-loop simulation, one run (docs/PERFORMANCE.md: Closed-loop simulation)"
      gbench simulate_bench
      ;;
    batch)
      say "Batches (docs/PERFORMANCE.md: Batches)"
      gbench batch_bench
      echo "rolloutlab batch, podinfo, error-regression-1pt, 2 threads:"
      for n in $(runs 10000 200) $(runs 1000000 2000); do
        measure "--runs $n" "$bin/rolloutlab" batch --spec examples/apps/podinfo \
          --scenarios scenarios/library/error-regression-1pt.yaml --runs "$n" --threads 2 -o json
      done
      ;;
    argo)
      say "Argo Rollouts engine, beside the Flagger baseline (docs/PERFORMANCE.md: Argo Rollouts engine)"
      gbench argo_bench
      gbench argo_expr_bench
      gbench simulate_bench --benchmark_filter='Good|Regression'
      echo "rolloutlab batch, good-high-traffic, $(runs 20000 200) runs:"
      for spec in examples/apps/storefront examples/apps/podinfo; do
        for t in 1 2; do
          measure "$spec, $t thread(s)" "$bin/rolloutlab" batch --spec "$spec" \
            --scenarios scenarios/library/good-high-traffic.yaml --runs "$(runs 20000 200)" \
            --threads "$t" --seed 1 -o json
        done
      done
      ;;
    promql)
      say "PromQL evaluator, beside a real Prometheus (docs/PERFORMANCE.md: PromQL evaluator)"
      if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
        scripts/bench-promql.sh "$build" "$(runs 1000 20)"
      else
        skip "the Prometheus baseline needs prometheus and promtool (Debian prometheus:" \
          "scripts/install-deps.sh); the evaluator alone:"
        gbench promql_bench
      fi
      ;;
    ranksum)
      say "Wilcoxon rank-sum test (docs/PERFORMANCE.md: Statistics)"
      if [[ $quick == 1 ]]; then
        gbench ranksum_bench --benchmark_filter='/10000$'
      else
        gbench ranksum_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
      fi
      # ranksum_compare.sh runs ${PYTHON:-/usr/bin/python3}: Debian's, where python3-scipy goes.
      if command -v Rscript >/dev/null && command -v bc >/dev/null &&
        "${PYTHON:-/usr/bin/python3}" -c 'import numpy, scipy' 2>/dev/null; then
        if [[ $quick == 1 ]]; then bench/ranksum_compare.sh "$build" 1000; else bench/ranksum_compare.sh "$build"; fi
      else
        skip "the R and SciPy baselines need Rscript, SciPy and bc:" \
          "ROLLOUTLAB_DEPS_EXTRA=bench scripts/install-deps.sh"
      fi
      ;;
    replay)
      say "Access-log ingestion, beside wc -l on the same file (docs/PERFORMANCE.md: Replay)"
      if [[ $quick == 1 ]]; then
        "$bin/replay_ingest_bench" --lines 20000 --repeat 1
      else
        "$bin/replay_ingest_bench" --lines 2000000 --repeat 5
      fi
      ;;
  esac
done
