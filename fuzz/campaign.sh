#!/usr/bin/env bash
# A long fuzzing campaign: every target side by side until a wall-clock end, at the lowest CPU
# priority (SCHED_IDLE and nice 19, so that it only takes CPU nobody else wants), each target
# restarted after every stop so that it keeps fuzzing for the whole campaign.
#
#   fuzz/campaign.sh BUILD_DIR END [TARGET...]   END: HH:MM (UTC, today) or a number of seconds
#   fuzz/campaign.sh --summary BUILD_DIR         the per-target table of what ran and what it found
#   touch BUILD_DIR/fuzz-campaign/STOP           ends the campaign early (each run is interrupted,
#                                                so libFuzzer still prints its final statistics)
#
# libFuzzer stops at a target's first finding. The driver then records the finding and starts
# the target again on its grown corpus with the time left. A finding is named by its kind and
# the project functions at the top of its stack: one that repeats with the same name is counted
# once. A timeout is replayed alone (-timeout=60) before it counts: libFuzzer's -timeout is wall
# time, and at idle priority on a busy machine a slow input can be starved past 10 s; one that
# replays in under 10 s of CPU is recorded as `starved`, not as a finding.
#
# When a target's binary is rebuilt (a fix), its running fuzzer is interrupted and restarted
# with the new binary once the link has finished.
#
# Layout under BUILD_DIR: fuzz-corpus/<target>/ (the grown corpus, libFuzzer writes there),
# fuzz-seeds/<target>/ (fuzz/gather-corpus.py, read only), fuzz-artifacts/<target>/ (crash-*,
# timeout-*, oom-*, leak-*), fuzz-campaign/<target>/run-N.{log,time} and runs.tsv (one line per
# run: run, start, wall s, user s, sys s, executions, exit, outcome, artifact, signature).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

project_frames() {
  # The project's function names at the top of a sanitizer/libFuzzer stack (its modules' src/ and
  # include/, not the harness, libFuzzer, the sanitizers or the libraries), first 6, in order.
  # Paths are matched inside, not by the checkout's prefix: ccache may have compiled an object
  # in another checkout of the same tree.
  sed -n 's/^ *#[0-9][0-9]* 0x[0-9a-f]* in \(.*\) \(\/[^ ]*\):[0-9]*.*$/\1\t\2/p' "$1" |
    awk -F'\t' '$2 ~ /\/(core|io|replay|app|sim|scenarios|tune|gitops|cli)\/(src|include)\// {print $1}' |
    sed 's/(anonymous namespace)/{anon}/g; s/(.*$//; s/^.* //' | head -6
}

signature() {
  # What stopped libFuzzer (the first report in the log), then the sorted distinct functions of
  # the top frames (a recursion overflowing the stack stops at a different frame each time; the
  # set of functions it cycles through does not).
  local log=$1 kind
  kind=$(grep -m1 -o -E '[^ ]+:[0-9]+:[0-9]+: runtime error|terminate called after throwing an instance of .*|libFuzzer: timeout|out-of-memory \(malloc|libFuzzer: out-of-memory|LeakSanitizer: detected memory leaks|AddressSanitizer: [a-z-]+|libFuzzer: deadly signal|libFuzzer: fuzz target exited' "$log" |
    head -1 | sed -E 's#^(\.\./)*([^ ]+):([0-9]+):[0-9]+: runtime error#UBSan \2:\3#')
  [ -n "$kind" ] || kind="stop"
  printf '%s: %s' "$kind" "$(project_frames "$log" | sort -u | tr '\n' ' ' | sed 's/ $//')"
}

summary() {
  local build=$1 root="$1/fuzz-campaign"
  printf '| Target | Runs | Wall | CPU | Executions | Corpus after | Findings |\n'
  printf '|---|---|---|---|---|---|---|\n'
  local tot_cpu=0
  for f in "$root"/*/runs.tsv; do
    local t
    t=$(basename "$(dirname "$f")")
    local line
    line=$(awk -F'\t' '{n++; w+=$3; c+=$4+$5; e+=$6} END {printf "%d\t%.0f\t%.0f\t%d", n, w, c, e}' "$f")
    local n w c e
    IFS=$'\t' read -r n w c e <<<"$line"
    tot_cpu=$((tot_cpu + c))
    local found
    # signatures recomputed from the logs, so that the table follows this script's rules
    found=$(awk -F'\t' '$8 == "finding" {print $1}' "$f" | while read -r run; do
      signature "$root/$t/run-$run.log"
      echo
    done | sort | uniq -c |
      sed 's/^ *\([0-9]*\) \(.*\)$/\2 (x\1)/' | paste -sd ';' -)
    local starved
    starved=$(awk -F'\t' '$8 == "starved"' "$f" | wc -l)
    [ "$starved" -gt 0 ] && found="${found:+$found; }$starved starved timeout(s)"
    printf '| `%s` | %d | %d s | %d s | %d | %d | %s |\n' "$t" "$n" "$w" "$c" "$e" \
      "$(ls "$build/fuzz-corpus/$t" | wc -l)" "${found:-nothing}"
  done
  printf '\nCPU in all: %d s (%.2f h)\n' "$tot_cpu" "$(echo "$tot_cpu / 3600" | bc -l)"
}

if [ "${1:-}" = "--summary" ]; then
  summary "${2:?usage: fuzz/campaign.sh --summary BUILD_DIR}"
  exit 0
fi

build=${1:?usage: fuzz/campaign.sh BUILD_DIR END [TARGET...]}
end_arg=${2:?usage: fuzz/campaign.sh BUILD_DIR END [TARGET...]}
shift 2
build=$(cd "$build" && pwd)
if [[ $end_arg =~ ^[0-9]+$ ]]; then
  end=$(($(date +%s) + end_arg))
else
  end=$(date -u -d "$end_arg" +%s) || exit 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for b in "$build"/bin/fuzz_*; do targets+=("$(basename "$b" | sed 's/^fuzz_//')"); done
fi
for t in "${targets[@]}"; do
  [ -x "$build/bin/fuzz_$t" ] || { echo "campaign: no $build/bin/fuzz_$t" >&2; exit 3; }
done
for tool in /usr/bin/time chrt; do
  command -v "$tool" >/dev/null || { echo "campaign: $tool is needed" >&2; exit 3; }
done

root="$build/fuzz-campaign"
mkdir -p "$root"
rm -f "$root/STOP"
python3 "$here/gather-corpus.py" "$build/fuzz-seeds" >/dev/null || exit 3
echo "campaign: ${targets[*]} until $(date -u -d "@$end" '+%F %T UTC')"

mtime() { stat -c %Y "$1" 2>/dev/null || echo 0; }

# Replays a timeout input alone; prints the CPU seconds it took, or "hang".
replay_timeout() {
  local bin=$1 input=$2 tf rc
  tf=$(mktemp)
  /usr/bin/time -f '%e %U %S' -o "$tf" chrt --idle 0 nice -n 19 "$bin" -timeout=60 \
    -rss_limit_mb=1536 -malloc_limit_mb=1536 "$input" </dev/null >/dev/null 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then tail -1 "$tf" | awk '{printf "%.1f", $2 + $3}'; else echo hang; fi
  rm -f "$tf"
}

run_target() {
  local t=$1 bin="$build/bin/fuzz_$t" dir="$root/$1" art="$build/fuzz-artifacts/$1"
  local corpus="$build/fuzz-corpus/$1" seeds="$build/fuzz-seeds/$1" scratch="$build/fuzz-tmp/$1"
  mkdir -p "$dir" "$art" "$corpus" "$seeds" "$scratch"
  local n
  n=$(find "$dir" -name 'run-*.log' | wc -l)
  while :; do
    local now left
    now=$(date +%s)
    left=$((end - now))
    [ -e "$root/STOP" ] && break
    [ $left -ge 30 ] || break
    # a binary being relinked: wait until it has not changed for 20 s
    while [ ! -x "$bin" ] || [ $(($(date +%s) - $(mtime "$bin"))) -lt 20 ]; do sleep 5; done
    n=$((n + 1))
    local log="$dir/run-$n.log" tf="$dir/run-$n.time" built
    built=$(mtime "$bin")
    TMPDIR="$scratch" UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" /usr/bin/time -f '%e %U %S' -o "$tf" chrt --idle 0 nice -n 19 "$bin" \
      -max_total_time="$left" -timeout=10 -rss_limit_mb=1536 -malloc_limit_mb=1536 \
      -max_len=65536 -artifact_prefix="$art/" -print_final_stats=1 "$corpus" "$seeds" \
      </dev/null >"$log" 2>&1 &
    local tpid=$! why=""
    while kill -0 "$tpid" 2>/dev/null; do
      sleep 5
      if [ -e "$root/STOP" ]; then
        why=stopped
      elif [ "$(mtime "$bin")" != "$built" ]; then
        why=rebuilt
      fi
      if [ -n "$why" ]; then
        # the fuzzer is time's child (chrt and nice exec it); SIGINT makes it print its stats
        local fpid
        fpid=$(pgrep -P "$tpid")
        [ -n "$fpid" ] && kill -INT "$fpid" 2>/dev/null
        wait "$tpid"
        break
      fi
    done
    wait "$tpid" 2>/dev/null
    local rc
    rc=$(sed -n 's/^Command exited with non-zero status \([0-9]*\)$/\1/p' "$tf" | tail -1)
    grep -q '^Command terminated by signal' "$tf" && rc=signal
    local wall usr sys
    read -r wall usr sys < <(tail -1 "$tf")
    local execs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\)\t.*/\1/p' "$log" | tail -1)
    local artifact outcome sig=""
    # libFuzzer also writes `slow-unit-*` (its slowest input so far, when an input passes
    # -report_slow_units): a note, not a finding; the run goes on after it.
    artifact=$(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | grep -v '/slow-unit-' |
      tail -1)
    if [ -n "$artifact" ]; then
      outcome=finding
      sig=$(signature "$log")
      if [[ $sig == "libFuzzer: timeout"* ]]; then
        local cpu
        cpu=$(replay_timeout "$bin" "$artifact")
        if [ "$cpu" != hang ] && awk -v c="$cpu" 'BEGIN {exit !(c < 10)}'; then
          outcome=starved
          sig="$sig (replays in $cpu s CPU)"
        fi
      fi
    elif [ -n "$why" ]; then
      outcome=$why
    elif grep -q '^Done [0-9]* runs' "$log"; then
      outcome=done
    else
      outcome="exit-${rc:-0}"
    fi
    printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$now" "$wall" "$usr" "$sys" \
      "${execs:-0}" "${rc:-0}" "$outcome" "${artifact:-}" "$sig" >>"$dir/runs.tsv"
    echo "campaign: $(date -u +%T) $t run $n: $outcome ${wall}s wall, $(awk -v u="$usr" -v s="$sys" \
      'BEGIN {printf "%.0f", u + s}') s CPU, ${execs:-0} executions${sig:+, $sig}"
    rm -f "$scratch"/* 2>/dev/null
    # a stop that is neither the end nor a finding nor a rebuild (e.g. libFuzzer failing to
    # start): do not spin
    case $outcome in finding | starved | rebuilt | done | stopped) ;; *) sleep 60 ;; esac
  done
}

trap 'touch "$root/STOP"' INT TERM
pids=()
for t in "${targets[@]}"; do
  run_target "$t" &
  pids+=($!)
done
for p in "${pids[@]}"; do
  while kill -0 "$p" 2>/dev/null; do wait "$p"; done
done
summary "$build"
