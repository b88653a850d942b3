#!/usr/bin/env bash
# What running several nodes costs and gives (issue 17): the same stepped load from
# `parley bench load`, four ways in one run, each on a fresh PostgreSQL database on this machine:
#   single   one node without a bus, reached directly (the baseline: same database, no NATS, no HAProxy)
#   nodes-1  one node with --bus over a three-server routed NATS cluster, behind HAProxy
#   nodes-2  two such nodes behind HAProxy
#   nodes-3  three such nodes behind HAProxy
# HAProxy runs the README's haproxy.cfg (the block between the haproxy-config markers, as the
# several-nodes test does) with loopback addresses, and only the servers that run in this point.
# Throughput and p99 per step go to bench/results/several-nodes/POINT.jsonl; on one machine the
# nodes share its cores, so the figures say what the bus and the balancer cost, not how far
# several machines scale. The generator's CPU and memory columns are of the process on the port it
# drives (HAProxy, behind the balancer): compare throughput and p99. Run it on a quiet machine.
#
#   bench/several-nodes.sh
#
# Needs nats-server, haproxy (Debian packages) and a PostgreSQL that this user may create
# databases on. Env: POSTGRES (admin URL, default postgresql://127.0.0.1:5432/postgres?user=postgres),
# RATES (comma list, default 500,1000,2000,4000), STEP_SECONDS (5), WARMUP_SECONDS (unmeasured
# seconds at the first rate, default 20: each point starts fresh JVMs, whose JIT compilation takes
# most of a core for the first half minute, more so with three of them on two cores), CLIENTS (1000), POINTS
# (default "single nodes-1 nodes-2 nodes-3"), PARLEY_SERVER_OPTS (JVM options of each node),
# BENCH_JAVA_OPTS (of the generator).
set -euo pipefail
# Parley runs with two malloc arenas, as the parley launcher starts it.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
postgres=${POSTGRES:-postgresql://127.0.0.1:5432/postgres?user=postgres}
rates=${RATES:-500,1000,2000,4000}
step_seconds=${STEP_SECONDS:-5}
warmup_seconds=${WARMUP_SECONDS:-20}
clients=${CLIENTS:-1000}
points=${POINTS:-single nodes-1 nodes-2 nodes-3}
jar=$root/bench/target/parley-bench.jar
nats_server=${PARLEY_NATS_SERVER:-/usr/sbin/nats-server}
balancer_port=7900
node_ports=(7911 7912 7913)
admin_ports=(7921 7922 7923)
nats_ports=(7931 7932 7933)
route_ports=(7941 7942 7943)
out=$root/bench/results/several-nodes
work=$(mktemp -d /tmp/parley-several-nodes.XXXXXX)
database=parley_bench_nodes
pids=()

log() { echo "[several-nodes] $(date -u +%H:%M:%S) $*" >&2; }

stop_all() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # NAME PORT PID
  for _ in $(seq 1 600); do
    port_open "$2" && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  log "$1 did not listen on $2; see $work"
  return 1
}

psql_admin() { psql -q -v ON_ERROR_STOP=1 "$postgres" -c "$1" >/dev/null; }

fresh_database() {
  psql_admin "DROP DATABASE IF EXISTS $database WITH (FORCE)"
  psql_admin "CREATE DATABASE $database"
}

db_url() { # NODE
  local base=${postgres%%\?*} query=${postgres#*\?}
  [ "$query" = "$postgres" ] && query=""
  echo "${base%/*}/$database?${query:+$query&}ApplicationName=parley-bench-node$1"
}

start_nats() {
  for i in 0 1 2; do
    local routes=()
    for j in 0 1 2; do [ "$j" = "$i" ] || routes+=("nats://127.0.0.1:${route_ports[$j]}"); done
    "$nats_server" -a 127.0.0.1 -p "${nats_ports[$i]}" -n "bench-nats$i" --cluster_name parley-bench \
      --cluster "nats://127.0.0.1:${route_ports[$i]}" --routes "$(IFS=,; echo "${routes[*]}")" >"$work/nats-$i.log" 2>&1 &
    pids+=($!)
    wait_port "nats-server $i" "${nats_ports[$i]}" "$!"
  done
}

start_node() { # INDEX LOGNAME [BUS OPTIONS...]
  local i=$1 name=$2
  shift 2
  mkdir -p "$work/data-$i"
  java ${PARLEY_SERVER_OPTS:--XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30} -cp "$jar" org.parley.cli.Main server \
    --listen "127.0.0.1:${node_ports[$i]}" --media-port 0 --data "$work/data-$i" --db "$(db_url "$i")" \
    --admin-listen "127.0.0.1:${admin_ports[$i]}" --registration-limit 1000000 --unsealed-inbound-per-minute 1000000 \
    "$@" >"$work/$name-node$i.log" 2>&1 &
  pids+=($!)
  wait_port "node $i" "${node_ports[$i]}" "$!"
}

# The README's haproxy.cfg for the first N nodes, on loopback.
start_haproxy() { # N NAME
  local n=$1 cfg=$work/haproxy-$2.cfg
  sed -n '/<!-- haproxy-config:begin/,/<!-- haproxy-config:end -->/p' "$root/README.md" | sed '1,2d;$d' | sed '$d' >"$cfg.readme"
  grep -q 'bind :443' "$cfg.readme" || { log "the README's haproxy.cfg has no 'bind :443'"; return 1; }
  sed -e "s/bind :443/bind 127.0.0.1:$balancer_port/" "$cfg.readme" >"$cfg"
  for i in 0 1 2; do
    local line="server chat$((i + 1)) 10.0.0.$((i + 5)):443 check port 9090"
    grep -q "$line" "$cfg" || { log "the README's haproxy.cfg has no '$line'"; return 1; }
    if [ "$i" -lt "$n" ]; then
      sed -i "s/$line/server chat$((i + 1)) 127.0.0.1:${node_ports[$i]} check port ${admin_ports[$i]}/" "$cfg"
    else
      sed -i "/$line/d" "$cfg"
    fi
  done
  haproxy -c -q -f "$cfg"
  haproxy -db -f "$cfg" >"$work/haproxy-$2.log" 2>&1 &
  pids+=($!)
  wait_port haproxy "$balancer_port" "$!"
  sleep 3 # two health checks (rise 2, inter 1s): every node in rotation
}

ulimit -n "$(ulimit -Hn)"
log "building the bench jar"
"$root/parley" bench --help >/dev/null
mkdir -p "$out"
for point in $points; do
  fresh_database
  case $point in
    single)
      start_node 0 "$point"
      server=http://127.0.0.1:${node_ports[0]}
      ;;
    nodes-[123])
      n=${point#nodes-}
      start_nats
      bus=$(printf 'nats://127.0.0.1:%s,' "${nats_ports[@]}")
      for i in $(seq 0 $((n - 1))); do
        start_node "$i" "$point" --bus "${bus%,}" --node-id "bench$i" --proxy-protocol
      done
      start_haproxy "$n" "$point"
      server=http://127.0.0.1:$balancer_port
      ;;
    *) log "unknown point $point"; exit 2 ;;
  esac
  log "$point: $clients clients at $rates msgs/s, $step_seconds s per step after $warmup_seconds s of warm-up, through $server"
  timeout --signal=INT --kill-after=10 900 java ${BENCH_JAVA_OPTS:--Xmx2g} -jar "$jar" load --server "$server" \
    --clients "$clients" --rate "$rates" --duration "$step_seconds" --warmup "$warmup_seconds" --size 256 --drain 3 --stop-above-p99 100 \
    --json "$out/$point.jsonl" 2>"$work/$point.log" || log "$point ended early (exit $?; see $work/$point.log)"
  tail -n 1 "$work/$point.log" >&2 || true
  stop_all
done
psql_admin "DROP DATABASE IF EXISTS $database WITH (FORCE)"
log "done; logs in $work"
