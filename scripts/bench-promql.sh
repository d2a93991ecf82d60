#!/usr/bin/env bash
# The PromQL evaluator next to a real Prometheus answering the same instant queries.
#
# Usage: scripts/bench-promql.sh [build-dir] [requests]
#
# 1. Generates 3 h of Istio history (tests/support/istio-history.py), backfills it into a
#    Prometheus on a free loopback port (tests/support/prom-fixture.sh, the tests' fixture).
# 2. Sends Flagger's istio request-success-rate and request-duration queries as instant queries
#    (`/api/v1/query?time=...`, one analysis tick apart), all through one curl process so the
#    connection stays open, and reports per-request round-trip times and Prometheus' own
#    `evalTotalTime` (`stats=all`).
# 3. Runs bench/promql_bench (the same queries on a MemorySeriesStore of the same shape).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-500}
bench="$build/bin/promql_bench"
[ -x "$bench" ] || { echo "build $bench first (cmake --build $build --target promql_bench)" >&2; exit 2; }

work=$(mktemp -d)
cleanup() {
  tests/support/prom-fixture.sh stop "$work/prom" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 tests/support/istio-history.py --start 2024-01-01T00:00:00Z --duration 3h --seed 42 \
  -o "$work/istio.om" 2>/dev/null
read -r port _ < <(tests/support/prom-fixture.sh start "$work/istio.om" "$work/prom" | tail -n1)

mapfile -t queries < <("$bench" --print-queries)
names=(request-success-rate request-duration)
echo "Prometheus $(prometheus --version 2>&1 | head -n1 | awk '{print $3}') on 127.0.0.1:$port, $n instant queries each"
for i in 0 1; do
  cfg="$work/curl-$i.cfg"
  : >"$cfg"
  q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "${queries[$i]}")
  for ((k = 0; k < n; k++)); do
    t=$((1704067200 + 600 + (k % 160) * 60))
    printf 'url = "http://127.0.0.1:%s/api/v1/query?query=%s&time=%s&stats=all"\n' "$port" "$q" "$t" >>"$cfg"
    printf 'write-out = "%%{time_total}\\n"\n' >>"$cfg"
  done
  curl -s -K "$cfg" >"$work/out-$i.txt"
  python3 - "$work/out-$i.txt" "${names[$i]}" <<'EOF'
import json, statistics, sys
rt, ev = [], []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    if line.startswith("{"):
        body, _, tail = line.rpartition("}")
        d = json.loads(body + "}")
        ev.append(d["data"]["stats"]["timings"]["evalTotalTime"])
        if tail:
            rt.append(float(tail))
    else:
        rt.append(float(line))
us = lambda xs: "median %.0f us, mean %.0f us" % (statistics.median(xs) * 1e6, statistics.mean(xs) * 1e6)
print("  %-21s HTTP round trip %s; evalTotalTime %s" % (sys.argv[2], us(rt), us(ev)))
EOF
done
echo "rolloutlab evaluator (bench/promql_bench):"
"$bench" --benchmark_min_time=1 --benchmark_filter='Istio|Parse|Cold'
