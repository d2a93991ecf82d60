#!/usr/bin/env bash
# prom-fixture.sh: a Prometheus of the tests' own, on loopback, holding backfilled history.
#
#   tests/support/prom-fixture.sh start FILE.om WORKDIR
#       Backfills FILE.om (OpenMetrics text, e.g. from tests/support/istio-history.py) into
#       WORKDIR/data with `promtool tsdb create-blocks-from openmetrics`, checks that no sample
#       was dropped, starts Debian's `prometheus` on 127.0.0.1 at a free port with no scrape
#       targets (so it serves exactly the backfilled data), waits until it is ready and is the
#       server answering on that port, and prints "PORT PID" as the last line of stdout.
#       WORKDIR must not exist or be empty; it holds the blocks, prometheus.yml, prometheus.log
#       and prometheus.pid.
#   tests/support/prom-fixture.sh stop WORKDIR
#       Stops the server started in WORKDIR (SIGTERM, SIGKILL after PROM_FIXTURE_STOP_TIMEOUT
#       seconds) and removes WORKDIR.
#
# Environment: PROM_FIXTURE_READY_TIMEOUT (seconds, default 60), PROM_FIXTURE_STOP_TIMEOUT
# (default 10), PROM_FIXTURE_ARGS (extra prometheus flags, split on spaces),
# PROM_FIXTURE_OWNER (a PID: when that process ends without calling `stop`, say a test killed at
# its timeout, the server is stopped and WORKDIR removed within about a second).
#
# Needs prometheus, promtool and curl (scripts/install-deps.sh installs them). Exit status: 0
# done, 1 failure (the reason on stderr), 2 wrong usage.
set -euo pipefail

say() { echo "prom-fixture: $*" >&2; }
die() {
  say "$*"
  exit 1
}

need_tools() {
  local t
  for t in prometheus promtool curl; do
    command -v "$t" >/dev/null 2>&1 || die "$t is not installed (scripts/install-deps.sh installs it)"
  done
}

# Ports something listens on (IPv4 and IPv6), from /proc/net/tcp*: state 0A is LISTEN.
listening_ports() {
  local f hex
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    awk 'NR > 1 && $4 == "0A" { n = split($2, a, ":"); print a[n] }' "$f" |
      while read -r hex; do echo $((16#$hex)); done
  done
}

# A port in the kernel's ephemeral range that nothing listens on now. Prometheus may still lose
# it to another process before it binds: `start` then tries another.
pick_port() {
  local lo=32768 hi=60999 busy port
  if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
  fi
  busy=" $(listening_ports | tr '\n' ' ') "
  for _ in $(seq 1 200); do
    port=$((lo + (SRANDOM % (hi - lo + 1))))
    [[ "$busy" == *" $port "* ]] || {
      echo "$port"
      return 0
    }
  done
  die "no free port in $lo..$hi"
}

# True while PID is a live prometheus process started with WORKDIR's data.
is_ours() {
  local pid=$1 wd=$2 state
  [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
  [ "$state" != Z ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = prometheus ] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "--storage.tsdb.path=$wd/data"
}

backfill() {
  local om=$1 wd=$2 want got=0 f n
  promtool tsdb create-blocks-from openmetrics "$om" "$wd/data" >"$wd/backfill.log" 2>&1 || {
    cat "$wd/backfill.log" >&2
    die "promtool could not backfill $om"
  }
  # promtool drops out-of-order and duplicate samples without failing: count what the blocks hold.
  want=$(grep -cvE '^(#|[[:space:]]*$)' "$om" || true)
  for f in "$wd"/data/*/meta.json; do
    [ -e "$f" ] || continue
    n=$(sed -n 's/.*"numSamples": *\([0-9]*\).*/\1/p' "$f" | head -n1)
    got=$((got + ${n:-0}))
  done
  [ "$got" = "$want" ] || die "$om has $want samples but the blocks hold $got (promtool dropped some)"
}

# With PROM_FIXTURE_OWNER set: a watcher in the background, detached from our output, that
# stops the server once the owner is gone (and ends by itself once the server is).
watch_owner() {
  local pid=$1 wd=$2 owner=${PROM_FIXTURE_OWNER:-}
  [[ "$owner" =~ ^[0-9]+$ ]] || return 0
  (
    while is_ours "$pid" "$wd"; do
      if ! kill -0 "$owner" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        sleep 2
        kill -KILL "$pid" 2>/dev/null || true
        rm -rf -- "$wd"
        exit 0
      fi
      sleep 1
    done
  ) </dev/null >/dev/null 2>&1 &
  disown
}

cmd_start() {
  [ $# -eq 2 ] || usage
  local om=$1 wd=$2 port pid attempt deadline
  need_tools
  [ -r "$om" ] || die "cannot read $om"
  mkdir -p "$wd"
  wd=$(cd "$wd" && pwd -P)
  [ -z "$(ls -A "$wd")" ] || die "$wd is not empty"
  backfill "$om" "$wd"
  printf 'global:\n  scrape_interval: 15s\nscrape_configs: []\n' >"$wd/prometheus.yml"

  for attempt in 1 2 3 4 5 6 7 8; do
    port=$(pick_port)
    # shellcheck disable=SC2086
    prometheus --config.file="$wd/prometheus.yml" --storage.tsdb.path="$wd/data" \
      --storage.tsdb.retention.time=200y --web.listen-address="127.0.0.1:$port" \
      ${PROM_FIXTURE_ARGS:-} >"$wd/prometheus.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$wd/prometheus.pid"
    deadline=$((SECONDS + ${PROM_FIXTURE_READY_TIMEOUT:-60}))
    while is_ours "$pid" "$wd"; do
      # Ready, and the server on the port is this one (not another that took the port first).
      if curl -fs --max-time 2 "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 &&
        curl -fs --max-time 2 "http://127.0.0.1:$port/api/v1/status/flags" 2>/dev/null |
        grep -qF "\"storage.tsdb.path\":\"$wd/data\""; then
        watch_owner "$pid" "$wd"
        echo "$port $pid"
        return 0
      fi
      if [ "$SECONDS" -ge "$deadline" ]; then
        kill -KILL "$pid" 2>/dev/null || true
        tail -n 20 "$wd/prometheus.log" >&2
        die "prometheus was not ready within ${PROM_FIXTURE_READY_TIMEOUT:-60} s"
      fi
      sleep 0.05
    done
    wait "$pid" 2>/dev/null || true
    if grep -q 'address already in use' "$wd/prometheus.log"; then
      say "port $port was taken (attempt $attempt); trying another"
      continue
    fi
    tail -n 20 "$wd/prometheus.log" >&2
    die "prometheus exited before it was ready"
  done
  die "no port could be bound after 8 attempts"
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  local wd pid deadline
  [ -d "$1" ] || return 0
  wd=$(cd "$1" && pwd -P)
  [ -e "$wd/prometheus.yml" ] || die "$wd was not made by prom-fixture.sh start; left alone"
  pid=$(cat "$wd/prometheus.pid" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]] && is_ours "$pid" "$wd"; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + ${PROM_FIXTURE_STOP_TIMEOUT:-10}))
    while is_ours "$pid" "$wd"; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.02
    done
  fi
  rm -rf -- "$wd"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
  start)
    shift
    cmd_start "$@"
    ;;
  stop)
    shift
    cmd_stop "$@"
    ;;
  *) usage ;;
esac
