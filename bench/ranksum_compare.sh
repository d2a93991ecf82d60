#!/usr/bin/env bash
# Times the Wilcoxon rank-sum test on the same data files, in the same run:
#   - rolloutlab: `rolloutlab stats ranksum --x X --y Y` through its implementation
#     (bench/ranksum_cli_bench: reads both files, test + Hodges-Lehmann estimate and 95% interval,
#     JSON output; no process start-up), with the default `--method r` (R's algorithm) and
#     with `--method exact`;
#   - R: wilcox.test(x, y, conf.int = TRUE) (files read beforehand, not timed);
#   - SciPy: scipy.stats.mannwhitneyu(x, y, method = "asymptotic") (p-value only: SciPy has no
#     Hodges-Lehmann interval; files read beforehand, not timed).
# and prints each time beside rolloutlab's with the ratio, plus the results side by side, and
# whether rolloutlab's default output equals R's bit for bit (p, estimate, both interval ends).
# Data: continuous N(0.01, 1) vs N(0, 1) and heavily tied round(2 N(0.3, 1)) vs round(2 N(0, 1))
# (NumPy), and issue 17's lognormal response times drawn by R: set.seed(20261122);
# rlnorm(n, log(100) + 0.005, 0.5) vs rlnorm(n, log(100), 0.5) (at n = 10^5 the issue's data).
#
# usage: bench/ranksum_compare.sh [BUILD_DIR] [N ...]      (default: build 1000 10000 100000)
# needs: BUILD_DIR/bin/ranksum_cli_bench (cmake --build BUILD_DIR --target ranksum_cli_bench),
#        Rscript, and python3 with numpy and scipy (Debian python3-scipy; set PYTHON to choose).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[[ $# -gt 0 ]] && shift
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(1000 10000 100000)
python=${PYTHON:-/usr/bin/python3}
ours="$build/bin/ranksum_cli_bench"
[[ -x $ours ]] || { echo "missing $ours: cmake --build $build --target ranksum_cli_bench" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
  "R $(Rscript -e 'cat(as.character(getRversion()))'), SciPy $("$python" -c 'import scipy; print(scipy.__version__)')"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# Data: continuous N(0.01, 1) vs N(0, 1), and heavily tied round(2 N(0.3, 1)) vs round(2 N(0, 1)).
"$python" - "$work" "${sizes[@]}" <<'EOF'
import sys
import numpy as np
work, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
for n in sizes:
    rng = np.random.default_rng(20240611 + n)
    data = {
        "continuous": (rng.normal(0.01, 1, n), rng.normal(0, 1, n)),
        "tied": (np.round(rng.normal(0.3, 2, n)), np.round(rng.normal(0, 2, n))),
    }
    for kind, (x, y) in data.items():
        np.savetxt(f"{work}/{kind}-{n}-x.txt", x, fmt="%.17g")
        np.savetxt(f"{work}/{kind}-{n}-y.txt", y, fmt="%.17g")
EOF

Rscript - "$work" "${sizes[@]}" <<'EOF'
args <- commandArgs(trailingOnly = TRUE)
for (n in as.integer(args[-1])) {
  set.seed(20261122)
  x <- rlnorm(n, log(100) + 0.005, 0.5); y <- rlnorm(n, log(100), 0.5)
  writeLines(sprintf("%.17g", x), file.path(args[1], sprintf("lognormal-%d-x.txt", n)))
  writeLines(sprintf("%.17g", y), file.path(args[1], sprintf("lognormal-%d-y.txt", n)))
}
EOF

repeats() { if (( $1 >= 100000 )); then echo 1; elif (( $1 >= 10000 )); then echo 3; else echo 5; fi; }

printf '\n%-8s %-11s %12s %12s %14s %8s %14s %8s\n' n data "rolloutlab r" "(exact)" "R wilcox.test" ratio "SciPy (p)" ratio
for n in "${sizes[@]}"; do
  for kind in continuous tied lognormal; do
    x="$work/$kind-$n-x.txt"
    y="$work/$kind-$n-y.txt"
    reps=$(repeats "$n")
    ourOut=$("$ours" "$x" "$y" 5)
    ourTime=$(sed -n 's/^seconds \([^ ]*\) .*/\1/p' <<<"$ourOut")
    ourJson=$(head -n 1 <<<"$ourOut")
    exactOut=$("$ours" "$x" "$y" 5 exact)
    exactTime=$(sed -n 's/^seconds \([^ ]*\) .*/\1/p' <<<"$exactOut")
    exactJson=$(head -n 1 <<<"$exactOut")
    rOut=$(Rscript - "$x" "$y" "$reps" <<'EOF'
args <- commandArgs(trailingOnly = TRUE)
x <- scan(args[1], quiet = TRUE); y <- scan(args[2], quiet = TRUE)
times <- numeric(as.integer(args[3]))
for (i in seq_along(times)) {
  times[i] <- system.time(r <- wilcox.test(x, y, conf.int = TRUE))[["elapsed"]]
}
cat(sprintf("%.6f %.17g %.17g %.17g %.17g", median(times), r$p.value, r$conf.int[1],
            r$conf.int[2], r$estimate), "\n")
EOF
)
    pyOut=$("$python" - "$x" "$y" "$reps" <<'EOF'
import sys, time
import numpy as np
from scipy.stats import mannwhitneyu
x, y = np.loadtxt(sys.argv[1]), np.loadtxt(sys.argv[2])
times = []
for _ in range(max(3, int(sys.argv[3]))):
    t = time.perf_counter()
    r = mannwhitneyu(x, y, use_continuity=True, alternative="two-sided", method="asymptotic")
    times.append(time.perf_counter() - t)
print(f"{np.median(times):.6f} {r.pvalue:.17g}")
EOF
)
    read -r rTime rP rLo rHi rEst <<<"$rOut"
    read -r pyTime pyP <<<"$pyOut"
    printf '%-8s %-11s %10.4f s %10.4f s %12.4f s %7.0fx %12.4f s %7.1fx\n' "$n" "$kind" \
      "$ourTime" "$exactTime" "$rTime" "$(bc -l <<<"$rTime / $ourTime")" "$pyTime" \
      "$(bc -l <<<"$pyTime / $ourTime")"
    "$python" - "$ourJson" "$exactJson" "$rP" "$rLo" "$rHi" "$rEst" "$pyP" <<'EOF'
import json, sys
ours, exact = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rP, rLo, rHi, rEst, pyP = map(float, sys.argv[3:])
same = (ours['p_value'], ours['conf_int'][0], ours['conf_int'][1], ours['estimate']) == \
    (rP, rLo, rHi, rEst)
print(f"{'':20s} p: ours {ours['p_value']!r}  R {rP!r}  SciPy {pyP:.10g}")
print(f"{'':20s} 95% CI: ours [{ours['conf_int'][0]!r}, {ours['conf_int'][1]!r}]  "
      f"R [{rLo!r}, {rHi!r}]  exact [{exact['conf_int'][0]!r}, {exact['conf_int'][1]!r}]")
print(f"{'':20s} estimate: ours {ours['estimate']!r}  R {rEst!r}  exact {exact['estimate']!r}")
print(f"{'':20s} default output equals R's bit for bit: {'yes' if same else 'NO'}")
EOF
  done
done
echo
echo "rolloutlab: median of 5 runs; R: median of 1 (n >= 1e5), 3 (n >= 1e4) or 5 runs; SciPy: median of >= 3."
echo "ratio: R / rolloutlab with the default --method r; --method exact gives the exact roots (data differences)."
