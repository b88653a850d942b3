#!/bin/bash
# run.sh JARDIR NAME PORT [load args...]: a fresh server from JARDIR, JFR from the end of logins, one load run.
set -u
dir=$1; name=$2; port=$3; shift 3
out=/tmp/wtC/out/$name; rm -rf $out; mkdir -p $out
java -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -cp $dir/parley.jar org.parley.cli.Main server \
  --listen 127.0.0.1:$port --data $out/data > $out/server.log 2>&1 &
spid=$!
for i in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" > $out/meta
java -Xmx2g -jar $dir/parley-bench.jar load --size 256 --server http://127.0.0.1:$port --server-pid $spid \
   --json $out/result.jsonl "$@" > $out/load.log 2>&1 &
lpid=$!
# JFR once the logins are over (the generator prints its first step line then)
for i in $(seq 1 600); do grep -qiE 'warm|offered|msgs/s' $out/load.log 2>/dev/null && break; kill -0 $lpid 2>/dev/null || break; sleep 0.5; done
jcmd $spid JFR.start settings=profile filename=$out/server.jfr name=run >/dev/null 2>&1
wait $lpid
jcmd $spid JFR.stop name=run >/dev/null 2>&1
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> $out/meta
kill $spid; wait $spid 2>/dev/null
jfr print --events jdk.ExecutionSample $out/server.jfr | awk '/stackTrace = \[/{getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); n[$0]++}
    END {for (f in n) printf "%7d  %s\n", n[f], f}' | sort -rn | head -n 15 > $out/top-frames.txt
jfr print --events jdk.NativeMethodSample $out/server.jfr | awk '/stackTrace = \[/{getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); n[$0]++}
    END {for (f in n) printf "%7d  %s\n", n[f], f}' | sort -rn | head -n 8 > $out/native-frames.txt
