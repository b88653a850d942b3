#!/usr/bin/env bash
# Parley against ejabberd on this machine, measured by the same load generator in one run
# (issue 7). Writes bench/RESULTS.md and bench/load-chart.png.
#
#   bench/compare.sh            the whole comparison, stops by itself within COMPARE_BUDGET_S
#
# What it does, in order:
#   1. starts ejabberd (../shared/peers/ejabberd.sh, Debian package) and registers 10,000 users
#      while it builds bench/target/parley-bench.jar (which carries the generator and the server);
#   2. runs 1,000 and 10,000 clients against ejabberd, 256-byte messages, rates stepped up until
#      p99 passes 100 ms (twice in a row: one step alone can be a hiccup of a shared machine);
#   3. starts a Parley server (data in a temporary folder, SQLite) and runs the same points,
#      recording a JFR profile of the server during the 10,000-client run;
#   4. restarts the Parley server empty and holds as many idle connections as the file-descriptor
#      limit allows (100,000 where it can), measuring resident memory per connection;
#   5. writes the table and the chart; stops every process it started.
#
# Env: COMPARE_BUDGET_S (default 870: the whole run), PARLEY_SERVER_OPTS (JVM options of the
# server; default the launcher's heap policy), BENCH_JAVA_OPTS (of the generator), RATES_EJABBERD, RATES_PARLEY (comma lists),
# STEP_SECONDS (5), IDLE_CONNECTIONS (100000, capped by the fd limit), EJ_SHARED (the peers folder).
#
# System settings it touches (root in a container; each is documented in bench/RESULTS.md):
#   - raises its own soft fd limit to the hard limit (`ulimit -n`);
#   - writes /etc/security/limits.d/parley-bench-ejabberd.conf so that ejabberd, which
#     ejabberdctl starts through `su`, gets the hard fd limit instead of su's default soft 1024.
# It changes no sysctl: source addresses spread over 127.0.0.0/8 keep ephemeral ports plentiful.
set -euo pipefail
# Parley runs with two malloc arenas, as the parley launcher starts it.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
started=$(date +%s)
budget=${COMPARE_BUDGET_S:-870}
deadline=$((started + budget))
step_seconds=${STEP_SECONDS:-5}
rates_ejabberd=${RATES_EJABBERD:-1000,2000,4000,6000,8000,10000,12000,15000,20000}
rates_parley=${RATES_PARLEY:-1000,2000,4000,6000,8000,10000,15000,20000,30000,40000,50000,60000,80000}
shared=${EJ_SHARED:-$root/../shared/peers}
jar=$root/bench/target/parley-bench.jar
parley_port=7879
ej_port=5222

log() { echo "[compare] $(date -u +%H:%M:%S) $*" >&2; }
left() { echo $((deadline - $(date +%s))); }

work=$(mktemp -d /tmp/parley-compare.XXXXXX)
chmod 755 "$work" # ejabberd runs as its own user and must reach its folder inside
results=$work/results
mkdir -p "$results"
server_pid=""
ej_started=""
reg_pid=""
ej_dir=$work/ejabberd

cleanup() {
  local rc=$?
  stop_parley
  if [ -n "$reg_pid" ]; then kill "$reg_pid" 2>/dev/null || true; fi
  if [ -n "$ej_started" ]; then "$shared/ejabberd.sh" stop "$ej_dir" >/dev/null 2>&1 || true; fi
  rm -rf "$work/parley-data" "$ej_dir"
  log "done in $(( $(date +%s) - started )) s (work files in $work)"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_parley() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- limits -------------------------------------------------------------------------------
ulimit -n "$(ulimit -Hn)"
fd_limit=$(ulimit -n)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "file-descriptor limit $fd_limit (hard); $(nproc) cores"
if [ -d /etc/security/limits.d ] && [ -w /etc/security/limits.d ]; then
  printf '# Written by parley bench/compare.sh: ejabberd (started via su) gets the hard fd limit.\nejabberd soft nofile %s\nejabberd hard nofile %s\n' \
    "$fd_limit" "$fd_limit" > /etc/security/limits.d/parley-bench-ejabberd.conf
fi

# --- ejabberd setup and build, side by side ------------------------------------------------
# ejabberd derives a SCRAM key for each user it registers (~10 ms of CPU each), so the 10,000
# users are registered while the jar builds. ejabberd.sh registers the first 1,000; the rest are
# registered here in one Erlang client call (ejabberd.sh gives up after 120 s for all of them).
ej_users=10000
register_ejabberd_users() { # FROM TO: users that do not exist yet, in parallel chunks
  local cookie; cookie=$(cat "$ej_dir/etc/cookie")
  (cd "$ej_dir/run" && exec timeout $((budget / 3)) erl -sname "benchreg$$@localhost" -hidden -noinput -setcookie "$cookie" \
    -erl_epmd_port "${EJ_DIST_PORT:-5210}" -start_epmd false -dist_listen false -eval "
      N = 'ejpeer@localhost', H = <<\"localhost\">>, P = <<\"pw\">>, Parent = self(),
      Reg = fun(I) -> rpc:call(N, ejabberd_auth, try_register, [list_to_binary(\"user\" ++ integer_to_list(I)), H, P]) end,
      Chunks = [lists:seq(S, min(S + 999, $2)) || S <- lists:seq($1, $2, 1000)],
      [spawn(fun() -> Parent ! {done, [Reg(I) || I <- C]} end) || C <- Chunks],
      R = lists:append([receive {done, X} -> X end || _ <- Chunks]),
      Bad = [X || X <- R, X =/= ok, X =/= {error, exists}],
      io:format(\"registered users $1..$2: ~p errors ~p~n\", [length(Bad), lists:sublist(lists:usort(Bad), 3)]),
      halt(case Bad of [] -> 0; _ -> 1 end).")
}

log "starting ejabberd"
ej_started=1
ej_ok=""
if EJ_PORT=$ej_port "$shared/ejabberd.sh" start 1000 "$ej_dir" >"$work/ejabberd-start.log" 2>&1; then
  ej_pid=$(cat "$ej_dir/run/ejabberd.pid")
  register_ejabberd_users 1001 "$ej_users" >"$work/ejabberd-register.log" 2>&1 &
  reg_pid=$!
else
  log "ejabberd did not start; its output:"; tail -n 5 "$work/ejabberd-start.log" >&2
fi

log "building the bench jar"
"$root/parley" bench --help >/dev/null
java_bin=$(command -v java)

if [ -n "$reg_pid" ]; then
  if wait "$reg_pid"; then reg_pid=""; ej_ok=1; log "$(tail -n 1 "$work/ejabberd-register.log")"
  else reg_pid=""; log "registering ejabberd users failed: $(tail -n 3 "$work/ejabberd-register.log")"; fi
fi

# `parley bench load`, run from the jar the launcher built, so that the generator gets BENCH_JAVA_OPTS
# alone, not the launcher's heap policy for servers.
load() { # load NAME TIMEOUT_S ARGS...: one generator run; JSON lines go to results/NAME.jsonl
  local name=$1 limit=$2; shift 2
  if [ "$limit" -le 10 ]; then log "skipping $name: out of time"; return 0; fi
  log "$name: up to $limit s"
  # The generator writes each step as it ends, so a run cut short keeps its finished steps.
  timeout --signal=INT --kill-after=10 "$limit" \
    "$java_bin" ${BENCH_JAVA_OPTS:--Xmx2g} -jar "$jar" load --size 256 --drain 3 \
      --json "$results/$name.jsonl" "$@" 2>"$work/$name.log" || log "$name ended early (exit $?; see $work/$name.log)"
  tail -n 1 "$work/$name.log" >&2 || true
}

# Waits until the generator writing LOG has logged its clients in (or has ended).
wait_for_logins() {
  for _ in $(seq 1 1200); do
    grep -q 'clients logged in' "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 0
    sleep 0.5
  done
}

# Share of what is left for the run at hand, keeping `reserve` seconds for what follows.
slot() { local reserve=$1 t; t=$(( $(left) - reserve )); [ "$t" -lt 0 ] && t=0; echo "$t"; }

# --- ejabberd -----------------------------------------------------------------------------
if [ -n "$ej_ok" ]; then
  load ejabberd-1000 "$(slot 600)" --peer "xmpp://127.0.0.1:$ej_port" --clients 1000 --rate "$rates_ejabberd" \
    --duration "$step_seconds" --stop-above-p99 100 --server-pid "$ej_pid"
  load ejabberd-10000 "$(slot 260)" --peer "xmpp://127.0.0.1:$ej_port" --clients "$ej_users" --rate "$rates_ejabberd" \
    --duration "$step_seconds" --stop-above-p99 100 --server-pid "$ej_pid"
fi
if [ -n "$ej_started" ]; then "$shared/ejabberd.sh" stop "$ej_dir" >/dev/null 2>&1 || true; ej_started=""; fi

# --- Parley -------------------------------------------------------------------------------
start_parley() { # start_parley [JVM_OPTION...]
  rm -rf "$work/parley-data"
  mkdir -p "$work/parley-data"
  # The release server, from the bench jar (which carries the CLI), as `parley server` runs it.
  # The heap policy is the one ./parley runs the server with.
  "$java_bin" ${PARLEY_SERVER_OPTS:--XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30} "$@" -cp "$jar" org.parley.cli.Main server \
    --listen "127.0.0.1:$parley_port" --data "$work/parley-data" >"$work/parley-server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do port_open "$parley_port" && return 0; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  log "the Parley server did not start; its log:"; tail -n 20 "$work/parley-server.log" >&2
  return 1
}

# Summarises a JFR recording of the server: where its CPU goes (execution samples), what its
# threads wait for (parks of 10 ms or more, by the first Parley frame) and native code (JNI).
profile_summary() {
  local jfr=$1
  set +o pipefail # `head` ends the pipes early on purpose
  top_frame() { awk '/stackTrace = \[/{getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); n[$0]++}
    END {for (f in n) printf "%7d  %s\n", n[f], f}' | sort -rn | head -n "$1"; }
  echo "## Profile of the Parley server during the 10,000-client run"
  echo
  echo "JFR (\`jcmd PID JFR.start settings=profile\`) from the end of the logins to the end of the run; the"
  echo "server runs a recording from its start, so starting this one recompiles nothing."
  echo "CPU: top frames of the execution samples of the server's Java threads:"
  echo
  echo '```'
  jfr print --events jdk.ExecutionSample "$jfr" | top_frame 15
  echo '```'
  echo
  echo "Native code: top frames of the native-method samples (threads inside JNI or system calls;"
  echo "idle event loops wait in epoll):"
  echo
  echo '```'
  jfr print --events jdk.NativeMethodSample "$jfr" | top_frame 8
  echo '```'
  echo
  echo "Waiting: threads parked 10 ms or more, total seconds by the first two Parley frames of the stack:"
  echo
  echo '```'
  jfr print --stack-depth 64 --events jdk.ThreadPark "$jfr" | awk '
    /^jdk.ThreadPark/ {d = 0; found = 0}
    /^[ \t]*duration = / {v = $3; u = $4; d = (u == "s") ? v : (u == "ms") ? v / 1e3 : (u == "us") ? v / 1e6 : (u == "min") ? v * 60 : 0}
    /^[ \t]*stackTrace = \[/ {inside = 1; next}
    inside && /^[ \t]*\]/ {inside = 0; if (!found) w["(no Parley frame)"] += d; else w[f] += d; next}
    inside && found == 1 && /org\.parley\./ {found = 2; g = $0; sub(/^[ \t]+/, "", g); sub(/[ \t]+line:.*/, "", g); f = f " <- " g}
    inside && !found && /org\.parley\./ {found = 1; f = $0; sub(/^[ \t]+/, "", f); sub(/[ \t]+line:.*/, "", f)}
    END {for (f in w) printf "%9.1f s  %s\n", w[f], f}' | sort -rn | head -n 12
  echo '```'
  set -o pipefail
}

log "starting the Parley server"
# A flight recording runs from the server's start so that the profile of the 10,000-client run
# below (a second recording, started after their logins) changes nothing in the running JVM: a
# first recording started mid-run made it drop its compiled code, and with 10,000 devices, where
# almost every copy opens its own HPKE window, X25519 back in the interpreter stalled the server
# for tens of seconds (1,000 msgs/s offered, 35 to 60 delivered; see the results notes).
start_parley -XX:StartFlightRecording:name=whole,settings=profile,maxage=5m
load parley-1000 "$(slot 190)" --server "http://127.0.0.1:$parley_port" --clients 1000 --rate "$rates_parley" \
  --duration "$step_seconds" --stop-above-p99 100 --server-pid "$server_pid"
# A JFR profile of the server while 10,000 clients send (from the end of their logins): where the
# time goes.
jfr=$work/parley-10000.jfr
# A longer warm-up: starting JFR costs the server a second or two of CPU, which must not land in a step.
load parley-10000 "$(slot 100)" --server "http://127.0.0.1:$parley_port" --clients 10000 --rate "$rates_parley" \
  --duration "$step_seconds" --warmup 6 --stop-above-p99 100 --server-pid "$server_pid" &
load_pid=$!
wait_for_logins "$work/parley-10000.log" "$load_pid"
jcmd "$server_pid" JFR.start name=compare settings=profile filename="$jfr" >/dev/null 2>&1 || log "JFR could not start"
wait "$load_pid" || true
jcmd "$server_pid" JFR.stop name=compare >/dev/null 2>&1 || true
if [ -s "$jfr" ] && command -v jfr >/dev/null; then
  profile_summary "$jfr" > "$work/profile.md" || log "the profile summary failed"
fi
stop_parley

idle=${IDLE_CONNECTIONS:-100000}
# The server and the generator each hold one descriptor per connection, plus their own files.
max_idle=$((fd_limit - 1000))
if [ "$idle" -gt "$max_idle" ]; then
  log "idle: $idle connections do not fit the fd limit of $fd_limit per process; measuring $max_idle"
  idle=$max_idle
fi
log "restarting the Parley server empty for the idle measurement"
start_parley
# The server's heap still holds the registrations' garbage when the last client is in; a full
# GC (jcmd GC.run) before the baseline and after the logins makes the RSS growth the memory the
# connections keep, not what the JVM has not collected yet.
jcmd "$server_pid" GC.run >/dev/null 2>&1 || true
load parley-idle "$(slot 20)" --server "http://127.0.0.1:$parley_port" --clients "$idle" --idle --duration 15 \
  --server-pid "$server_pid" --connect-concurrency 500 &
idle_pid=$!
wait_for_logins "$work/parley-idle.log" "$idle_pid"
jcmd "$server_pid" GC.run >/dev/null 2>&1 || true
wait "$idle_pid" || true
stop_parley

# --- report -------------------------------------------------------------------------------
notes=$work/notes.md
{
  echo "## Conditions of this run"
  echo
  echo "- load average when the run began: $load_before (other work on this machine competes for its $(nproc) cores)"
  echo "- file-descriptor limit per process: $fd_limit; idle connections measured: ${idle}"
  echo
} > "$notes"
[ -f "$root/bench/results-notes.md" ] && cat "$root/bench/results-notes.md" >> "$notes"
[ -f "$work/profile.md" ] && { echo; cat "$work/profile.md"; } >> "$notes"
"$java_bin" -jar "$jar" report --results "$results" --out "$root/bench/RESULTS.md" --chart "$root/bench/load-chart.png" \
  --command "bench/compare.sh (fd limit $fd_limit, $step_seconds s per step)" --notes "$notes"
# The raw figures, so the report can be rewritten (e.g. with new notes) without a new run:
#   ./parley bench report --results bench/results --out bench/RESULTS.md ...
mkdir -p "$root/bench/results"
rm -f "$root/bench/results/"*.jsonl
cp "$results"/*.jsonl "$root/bench/results/" 2>/dev/null || true
log "wrote bench/RESULTS.md, bench/load-chart.png and bench/results/"
