#!/usr/bin/env bash
# What sealed sending and padding cost (issue 13): the same load, 1,000 clients at the same stepped
# rates, four ways in one run, each against a fresh Parley server on this machine:
#   plain          unsealed sends on the signed-in connection, payloads as they are
#   padded         the same, payloads padded to Padme buckets (org.parley.protocol.Padding)
#   sealed         every message sealed on a second, anonymous connection, paid with an RFC 9474
#                  send token (fetched before the steps) and carrying the recipient's access key
#   sealed+padded  both
# Every client registers with a mailbox key and opens what it is delivered (MailboxSeal) in all four.
# The JSON lines go to bench/results/sealed-cost/MODE.jsonl; the table in bench/RESULTS.md is made
# from them.
#
#   bench/sealed-cost.sh
#
# Env: RATES (comma list, default 500,1000,2000,4000), STEP_SECONDS (3), CLIENTS (1000),
# PARLEY_SERVER_OPTS (JVM options of the server), BENCH_JAVA_OPTS (of the generator).
set -euo pipefail
# Parley runs with two malloc arenas, as the parley launcher starts it.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
rates=${RATES:-500,1000,2000,4000}
step_seconds=${STEP_SECONDS:-3}
clients=${CLIENTS:-1000}
jar=$root/bench/target/parley-bench.jar
port=7879
out=$root/bench/results/sealed-cost
work=$(mktemp -d /tmp/parley-sealed-cost.XXXXXX)
server_pid=""

log() { echo "[sealed-cost] $(date -u +%H:%M:%S) $*" >&2; }

stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$work/data"' EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_server() {
  rm -rf "$work/data"
  mkdir -p "$work/data"
  java ${PARLEY_SERVER_OPTS:--XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30} -cp "$jar" org.parley.cli.Main server \
    --listen "127.0.0.1:$port" --media-port 0 --data "$work/data" >"$work/server-$1.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do port_open "$port" && return 0; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  log "the server did not start; its log:"; tail -n 20 "$work/server-$1.log" >&2
  return 1
}

ulimit -n "$(ulimit -Hn)"
log "building the bench jar"
"$root/parley" bench --help >/dev/null
mkdir -p "$out"
for mode in plain sealed padded sealed+padded; do
  flags=()
  case $mode in
    padded) flags=(--padded) ;;
    sealed) flags=(--sealed) ;;
    sealed+padded) flags=(--sealed --padded) ;;
  esac
  start_server "$mode"
  log "$mode: $clients clients at $rates msgs/s, $step_seconds s per step"
  timeout --signal=INT --kill-after=10 900 java ${BENCH_JAVA_OPTS:--Xmx2g} -jar "$jar" load --server "http://127.0.0.1:$port" \
    --clients "$clients" --rate "$rates" --duration "$step_seconds" --size 256 --drain 3 --stop-above-p99 100 \
    --server-pid "$server_pid" --json "$out/$mode.jsonl" "${flags[@]}" 2>"$work/$mode.log" \
    || log "$mode ended early (exit $?; see $work/$mode.log)"
  tail -n 1 "$work/$mode.log" >&2 || true
  stop_server
done
log "done; logs in $work"
