#!/usr/bin/env bash
# Side-by-side benchmark: the rmq broker and the Apache RocketMQ Java broker (4.9.7: Maven
# Central serves no 4.9.8 broker jar; the store and protocol are the same) on this machine, one
# after the other, with the same store settings and the same load, printing one table.
#
#   benches/compare.sh                  # defaults below; takes a few minutes
#   DURATION=30 FLUSH=SYNC_FLUSH benches/compare.sh
#   KEEP_WORK=1 benches/compare.sh      # keep the logs and per-run JSON (path printed at the end)
#
# Loads per broker (client and broker share the machine's cores, as in production tests here):
#   1. rmq perf produce  --inflight $INFLIGHT --size $SIZE for $DURATION s  (rmq's client)
#   2. BenchProducer.java: the Java 4.9.8 client, $INFLIGHT threads of sync sends, $DURATION s
#   3. rmq perf consume and BenchConsumer.java (20 threads) each draining $BACKLOG messages
#   4. with RMQ_BENCH_CLASSES (a directory of Apache's own benchmark classes, compiled from
#      example/src/main/java/org/apache/rocketmq/example/benchmark of an apache/rocketmq 4.9.x
#      checkout, e.g. `../shared/java-ref/rmq-ref.sh build-bench`, or javac against the broker
#      jars tests/java/fetch.sh gets): its Producer (-w $INFLIGHT threads of sync sends,
#      -q $APACHE_MESSAGES messages; its "[Complete]" line) and its Consumer (20 threads, a new
#      group draining the whole topic from its first offset, run for $APACHE_CONSUME_SECS s;
#      the table shows the TPS lines it prints every 10 s, no ratio: both brokers drain the
#      topic within a window or two, so the windows mix start-up, draining and idle time)
# Measured on the broker process: CPU time (utime+stime from /proc) per message sent, RssAnon
# after the load (mapped store pages are page cache, not the broker's), and start-to-ready time
# (process start until the name server lists the broker).
# No rocketmq-rust column: its 1.0 broker (`cargo install rocketmq-broker`, tried 2026-12-04)
# starts from these .properties only without diskMaxUsedSpaceRatio and with ROCKETMQ_HOME set,
# and it publishes the route of a topic created by UPDATE_AND_CREATE_TOPIC only at a later
# periodic registration (about 10 s in one try, not within 60 s in the scripted run, after
# which the shared load could not run against it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
INFLIGHT=${INFLIGHT:-64}
SIZE=${SIZE:-1024}
BACKLOG=${BACKLOG:-300000}
FLUSH=${FLUSH:-ASYNC_FLUSH}
JAVA_LIB=${RMQ_JAVA_LIB:-$HOME/.cache/rmq/java-lib}
BROKER_LIB=${RMQ_JAVA_BROKER_LIB:-$HOME/.cache/rmq/java-broker-lib}
JAVA=${JAVA:-java}
BENCH_CLASSES=${RMQ_BENCH_CLASSES:-}
APACHE_MESSAGES=${APACHE_MESSAGES:-1000000}
APACHE_CONSUME_SECS=${APACHE_CONSUME_SECS:-35}

cd "$ROOT"
cargo build --release --quiet
RMQ=${CARGO_TARGET_DIR:-$ROOT/target}/release/rmq
tests/java/fetch.sh >/dev/null
[ -n "$(ls "$BROKER_LIB"/rocketmq-broker-*.jar 2>/dev/null)" ] || { echo "no Java broker jars in $BROKER_LIB (tests/java/fetch.sh)" >&2; exit 1; }
if [ -n "$BENCH_CLASSES" ] && [ ! -f "$BENCH_CLASSES/org/apache/rocketmq/example/benchmark/Producer.class" ]; then
  echo "RMQ_BENCH_CLASSES=$BENCH_CLASSES has no org/apache/rocketmq/example/benchmark/Producer.class" >&2
  exit 2
fi

WORK=$(mktemp -d /tmp/rmq-compare.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ -n "${KEEP_WORK:-}" ]; then echo "work files kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# shellcheck source=benches/lib.sh
source "$ROOT/benches/lib.sh"

# The name server (rmq's for both brokers: it is not what is measured).
NS_LOG=$WORK/namesrv.log
"$RMQ" namesrv start --listen-port 0 --kv-config "$WORK/kv.json" >"$NS_LOG" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q "boot success" "$NS_LOG" && break; sleep 0.05; done
NS="127.0.0.1:$(grep -o 'address [^ ]*' "$NS_LOG" | awk -F: '{print $NF}')"
log "name server $NS"

start_rmq() { # dir port -> pid
  "$RMQ" broker start -c "$1/broker.properties" -n "$NS" >"$1/broker.log" 2>&1 &
  echo $!
}

# rmq's CommitLog flush counters (absent from the Java broker's runtime info: prints {}).
flush_stats() { # port
  "$RMQ" broker status -n "$NS" --broker-addr "127.0.0.1:$1" -o json 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin)["brokers"][0]["runtimeInfo"]; print(json.dumps({k: d[k] for k in ("rmqCommitLogFlushTimes", "rmqCommitLogFlushAvgMicros") if k in d}))' ||
    echo '{}'
}

# Apache's benchmark tools run on the broker jars' classpath (they need rocketmq-srvutil and
# commons-cli besides the client); their client is 4.9.7.
# `exec`: the JVM takes the place of the subshell it runs in (a pipeline stage or `&`), so $!
# is the JVM's pid.
apache_java() { exec "$JAVA" -Xms256m -Xmx1g -cp "$BENCH_CLASSES:$BROKER_LIB/*" -Drocketmq.client.logUseSlf4j=false "$@"; }

apache_produce() { # ns -> one JSON line {sent, tps, avgRtMs, maxRtMs, failed}
  apache_java org.apache.rocketmq.example.benchmark.Producer -n "$1" -t BenchTopic -w "$INFLIGHT" \
    -s "$SIZE" -q "$APACHE_MESSAGES" 2>/dev/null | python3 -c '
import json, re, sys
done = [l for l in sys.stdin if l.startswith("[Complete]")]
m = re.search(r"Send Total: (\d+) Send TPS: (\d+) Max RT\(ms\): (\d+) Average RT\(ms\):\s*([\d.]+) "
              r"Send Failed: (\d+) Response Failed: (\d+)", done[-1] if done else "")
if not m: sys.exit("no [Complete] line from the Apache benchmark Producer")
t, tps, mx, avg, f1, f2 = m.groups()
print(json.dumps({"sent": int(t), "tps": int(tps), "maxRtMs": int(mx), "avgRtMs": float(avg), "failed": int(f1) + int(f2)}))'
}

apache_consume() { # ns dir -> one JSON line {tps, lines}
  local out=$2/apache-consumer.out
  apache_java org.apache.rocketmq.example.benchmark.Consumer -n "$1" -t BenchTopic -g bench_apache_consumer >"$out" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  sleep "$APACHE_CONSUME_SECS"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  python3 - "$out" <<'EOF'
import json, re, sys
tps = [int(m.group(1)) for m in (re.search(r" TPS: (\d+) FAIL", l) for l in open(sys.argv[1])) if m]
print(json.dumps({"tps": max(tps, default=0), "lines": tps}))
EOF
}

run_broker() { # kind (rmq|java) -> writes $WORK/<kind>.json
  local kind=$1 dir=$WORK/$1 port pid t0 ready c0 c1 c2 c3
  port=$(free_port)
  write_broker_conf "$dir" "$port"
  t0=$(now_ms)
  if [ "$kind" = rmq ]; then pid=$(start_rmq "$dir" "$port"); else pid=$(start_java "$dir" "$port"); fi
  PIDS+=("$pid")
  wait_registered "$NS" "127.0.0.1:$port"
  ready=$(($(now_ms) - t0))
  log "$kind broker pid $pid on $port, ready in ${ready} ms"
  "$RMQ" topic create -n "$NS" -c DefaultCluster -t BenchTopic -r 8 -w 8 -o json >/dev/null
  sleep 1
  "$RMQ" perf produce -n "$NS" -t BenchTopic --inflight "$INFLIGHT" --size "$SIZE" --duration "${WARMUP}s" -o json >/dev/null
  c0=$(cpu_ticks "$pid")
  flush_stats "$port" >"$dir/flush-before.json"
  "$RMQ" perf produce -n "$NS" -t BenchTopic --inflight "$INFLIGHT" --size "$SIZE" --duration "${DURATION}s" -o json >"$dir/rmq-produce.json"
  c1=$(cpu_ticks "$pid")
  flush_stats "$port" >"$dir/flush-after.json"
  local rss; rss=$(rss_anon_kb "$pid")
  java_client "$ROOT/benches/java/BenchProducer.java" "$NS" BenchTopic "$INFLIGHT" "$SIZE" "$DURATION" | grep "^{" | tail -1 >"$dir/java-produce.json"
  c2=$(cpu_ticks "$pid")
  "$RMQ" perf consume -n "$NS" -t BenchTopic -g bench_rmq_consumer --from-earliest --count "$BACKLOG" -o json >"$dir/rmq-consume.json"
  java_client "$ROOT/benches/java/BenchConsumer.java" "$NS" BenchTopic bench_java_consumer "$BACKLOG" 300 | grep "^{" | tail -1 >"$dir/java-consume.json"
  local c4=0 c5=0
  if [ -n "$BENCH_CLASSES" ]; then
    c4=$(cpu_ticks "$pid")
    apache_produce "$NS" >"$dir/apache-produce.json"
    c5=$(cpu_ticks "$pid")
    apache_consume "$NS" "$dir" >"$dir/apache-consume.json"
  fi
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  python3 - "$dir" "$kind" "$ready" "$rss" "$c0" "$c1" "$c2" "$c4" "$c5" <<'EOF' >"$WORK/$kind.json"
import json, os, sys
d, kind, ready, rss, c0, c1, c2, c4, c5 = sys.argv[1:]
hz = os.sysconf("SC_CLK_TCK")
rp = json.load(open(f"{d}/rmq-produce.json")); jp = json.loads(open(f"{d}/java-produce.json").read())
rc = json.load(open(f"{d}/rmq-consume.json")); jc = json.loads(open(f"{d}/java-consume.json").read())
cpu_rmq_load = (int(c1) - int(c0)) / hz / max(rp["sent"], 1) * 1e6
cpu_java_load = (int(c2) - int(c1)) / hz / max(jp["sent"], 1) * 1e6
out = {"kind": kind, "ready_ms": int(ready), "rss_anon_mb": int(rss) / 1024,
  "send_tps_rmq_client": rp["msgsPerSec"], "p99_ms_rmq_client": rp["latencyUs"]["p99"] / 1000,
  "send_tps_java_client": jp["tps"], "p99_ms_java_client": jp["p99Us"] / 1000,
  "cpu_us_per_msg_rmq_client": cpu_rmq_load, "cpu_us_per_msg_java_client": cpu_java_load,
  "consume_tps_rmq_client": rc["msgsPerSec"], "consume_tps_java_client": jc["tps"],
  "send_errors_rmq_client": rp["errors"], "send_errors_java_client": jp["errors"]}
if os.path.exists(f"{d}/apache-produce.json"):
    ap = json.load(open(f"{d}/apache-produce.json")); ac = json.load(open(f"{d}/apache-consume.json"))
    out.update({"send_tps_apache": ap["tps"], "avg_rt_ms_apache": ap["avgRtMs"],
                "cpu_us_per_msg_apache": (int(c5) - int(c4)) / hz / max(ap["sent"], 1) * 1e6,
                "consume_lines_apache": ac["lines"], "send_errors_apache": ap["failed"]})
print(json.dumps(out))
EOF
}

log "load: $INFLIGHT in flight, $SIZE-byte messages, $DURATION s per produce run, $BACKLOG consumed, $FLUSH"
run_broker rmq
run_broker java

python3 - "$WORK/rmq.json" "$WORK/java.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); j = json.load(open(sys.argv[2]))
rows = [
  ("send TPS (rmq perf client)", "send_tps_rmq_client", "{:,.0f}"),
  ("send p99 ms (rmq perf client)", "p99_ms_rmq_client", "{:.2f}"),
  ("send TPS (Java 4.9.8 client)", "send_tps_java_client", "{:,.0f}"),
  ("send p99 ms (Java 4.9.8 client)", "p99_ms_java_client", "{:.2f}"),
  ("failed sends (rmq perf client / Java client)", None, None),
  ("consume TPS (rmq perf client)", "consume_tps_rmq_client", "{:,.0f}"),
  ("consume TPS (Java 4.9.8 push consumer)", "consume_tps_java_client", "{:,.0f}"),
  ("broker CPU us/msg (rmq perf load)", "cpu_us_per_msg_rmq_client", "{:.1f}"),
  ("broker CPU us/msg (Java client load)", "cpu_us_per_msg_java_client", "{:.1f}"),
  ("send TPS (Apache benchmark Producer)", "send_tps_apache", "{:,.0f}"),
  ("send average RT ms (Apache benchmark Producer)", "avg_rt_ms_apache", "{:.2f}"),
  ("Apache benchmark Consumer: its TPS lines (one per 10 s) draining the topic", "consume_lines_apache", None),
  ("broker CPU us/msg (Apache Producer load)", "cpu_us_per_msg_apache", "{:.1f}"),
  ("broker RssAnon MB after load", "rss_anon_mb", "{:.0f}"),
  ("start to ready ms", "ready_ms", "{:.0f}"),
]
print("| metric | rmq | Java 4.9.7 | rmq / Java |")
print("|---|---:|---:|---:|")
for name, key, fmt in rows:
    if key is None:
        print(f"| {name} | {r['send_errors_rmq_client']} / {r['send_errors_java_client']} | "
              f"{j['send_errors_rmq_client']} / {j['send_errors_java_client']} | |")
        continue
    if key not in r or key not in j:
        continue
    a, b = r[key], j[key]
    if fmt is None:
        # Windows that include start-up and the end of the backlog: no fair ratio.
        print(f"| {name} | {' / '.join(f'{x:,}' for x in a)} | {' / '.join(f'{x:,}' for x in b)} | |")
        continue
    ratio = a / b if b else float("nan")
    print(f"| {name} | {fmt.format(a)} | {fmt.format(b)} | {ratio:.2f} |")
EOF

# What it ran on (recorded by rmq perf in its JSON summary).
python3 - "$WORK" <<'EOF'
import json, sys
r = json.load(open(f"{sys.argv[1]}/rmq/rmq-produce.json")).get("environment", {})
j = json.load(open(f"{sys.argv[1]}/java/rmq-produce.json")).get("environment", {})
m = r.get("machine", {})
versions = [b.get("version") for e in (r, j) for b in e.get("brokers", [])]
print(f"\nmachine: {m.get('cpus')} CPUs ({m.get('cpuModel')}), {m.get('memoryBytes', 0) / 2**30:.1f} GiB, "
      f"kernel {m.get('kernel')}; broker versions reported (rmq, Java): {', '.join(map(str, versions))}")
EOF

# The group commit of the rmq run: flushes during the rmq perf send run and their average time.
# With SYNC_FLUSH every acknowledged send waits for one, so INFLIGHT / average time bounds TPS.
python3 - "$WORK/rmq" "$INFLIGHT" "$FLUSH" <<'EOF'
import json, sys
d, inflight, flush = sys.argv[1], int(sys.argv[2]), sys.argv[3]
a = json.load(open(f"{d}/flush-before.json")); b = json.load(open(f"{d}/flush-after.json"))
p = json.load(open(f"{d}/rmq-produce.json"))
if "rmqCommitLogFlushTimes" not in a or "rmqCommitLogFlushTimes" not in b:
    sys.exit(0)
n0, n1 = int(a["rmqCommitLogFlushTimes"]), int(b["rmqCommitLogFlushTimes"])
t0 = float(a["rmqCommitLogFlushAvgMicros"]) * n0
t1 = float(b["rmqCommitLogFlushAvgMicros"]) * n1
n = n1 - n0
if n <= 0:
    sys.exit(0)
avg_ms = (t1 - t0) / n / 1000
line = (f"\nrmq CommitLog flushes during the rmq perf send run ({flush}): {n:,}, "
        f"{p['sent'] / n:,.1f} messages and {avg_ms:.2f} ms each on average")
if flush == "SYNC_FLUSH" and avg_ms > 0:
    bound = inflight / (avg_ms / 1000)
    line += (f"; bound {inflight} in flight / {avg_ms:.2f} ms = {bound:,.0f} msgs/s, "
             f"achieved {p['msgsPerSec']:,.0f} ({p['msgsPerSec'] / bound:.0%} of it)")
print(line)
EOF
