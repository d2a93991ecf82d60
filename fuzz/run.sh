#!/usr/bin/env bash
# Runs every fuzz target of a build for a bounded time, each on its seed corpus.
#
#   fuzz/run.sh BUILD_DIR SECONDS [TARGET...]      (default: every fuzz_* in BUILD_DIR/bin)
#
# Corpora grow in BUILD_DIR/fuzz-corpus/<target>/ (seeded by fuzz/gather-corpus.py), findings go
# to BUILD_DIR/fuzz-artifacts/<target>/ (crash-*, timeout-*, oom-*), logs to
# BUILD_DIR/fuzz-logs/<target>.log. A run counts as a finding when libFuzzer stops on a crash,
# an input running longer than 10 s or one using more than 2 GiB. Exit 1 when anything was
# found (the list is printed), 0 otherwise.
set -uo pipefail
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for b in "$build"/bin/fuzz_*; do targets+=("$(basename "$b" | sed 's/^fuzz_//')"); done
fi
python3 "$here/gather-corpus.py" "$build/fuzz-corpus" >/dev/null
mkdir -p "$build/fuzz-logs"
found=()
for t in "${targets[@]}"; do
  bin="$build/bin/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: no $bin (build the fuzz_targets target)" >&2; exit 3; }
  mkdir -p "$build/fuzz-corpus/$t" "$build/fuzz-artifacts/$t"
  log="$build/fuzz-logs/$t.log"
  # Readers that take a path get a scratch file in $TMPDIR; standard input is empty so that a
  # spec naming /dev/stdin cannot wait for a terminal.
  TIMEFORMAT='%R %U %S'
  scratch="$build/fuzz-tmp/$t"
  mkdir -p "$scratch"
  { time TMPDIR="$scratch" "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t/" \
      "$build/fuzz-corpus/$t" </dev/null >"$log" 2>&1; } 2>"$log.cpu"
  rc=$?
  rm -rf "$scratch"
  wall=$(awk '{printf "%.0f", $1}' "$log.cpu")
  cpu=$(awk '{printf "%.0f", $2 + $3}' "$log.cpu")
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "fuzz_$t: ${wall} s wall, ${cpu} s CPU, ${runs:-?} executions, corpus" \
       "$(ls "$build/fuzz-corpus/$t" | wc -l) inputs, exit $rc"
  if [ $rc -ne 0 ] || ls "$build/fuzz-artifacts/$t" | grep -q .; then
    found+=("$t: $(ls "$build/fuzz-artifacts/$t" | tr '\n' ' ')(log: $log)")
  fi
done
if [ ${#found[@]} -gt 0 ]; then
  printf 'fuzz: found %s\n' "${found[@]}" >&2
  exit 1
fi
