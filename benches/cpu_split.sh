#!/usr/bin/env bash
# Where a load's CPU goes: per message, the broker's, the client's and the whole machine's,
# measured in a window in the middle of the run (after the client's start-up and JIT, before its
# end), for one broker (rmq or the Java 4.9.7 broker) and one load:
#   benches/cpu_split.sh rmq java      # the Java 4.9.8 client (benches/java/BenchProducer.java)
#   benches/cpu_split.sh java rmq      # rmq perf produce
#   benches/cpu_split.sh rmq consume   # the Java push consumer (benches/java/BenchConsumer.java)
# It shows what bounds a ratio in benches/compare.sh: when the client alone needs more of the
# two cores per message than the ratio leaves, no broker can reach it. The consume load drains
# 300 000 and then 1 500 000 messages with two fresh groups and reports the difference between
# the runs (the steady-state cost per message, without either run's start-up).
# Environment: DURATION (s, default 20; the window is DURATION-10 s for the Java client and
# DURATION-5 s for rmq perf), FLUSH (ASYNC_FLUSH), INFLIGHT (64), SIZE (1024).
set -euo pipefail

KIND=${1:?usage: cpu_split.sh rmq|java rmq|java|consume}
LOAD=${2:?usage: cpu_split.sh rmq|java rmq|java|consume}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-20}
FLUSH=${FLUSH:-ASYNC_FLUSH}
INFLIGHT=${INFLIGHT:-64}
SIZE=${SIZE:-1024}
JAVA_LIB=${RMQ_JAVA_LIB:-$HOME/.cache/rmq/java-lib}
BROKER_LIB=${RMQ_JAVA_BROKER_LIB:-$HOME/.cache/rmq/java-broker-lib}
JAVA=${JAVA:-java}

cd "$ROOT"
cargo build --release --quiet
RMQ=${CARGO_TARGET_DIR:-$ROOT/target}/release/rmq
tests/java/fetch.sh >/dev/null
# shellcheck source=benches/lib.sh
source "$ROOT/benches/lib.sh"

WORK=$(mktemp -d /tmp/rmq-cpu-split.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

"$RMQ" namesrv start --listen-port 0 --kv-config "$WORK/kv.json" >"$WORK/namesrv.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q "boot success" "$WORK/namesrv.log" && break; sleep 0.05; done
NS="127.0.0.1:$(grep -o 'address [^ ]*' "$WORK/namesrv.log" | awk -F: '{print $NF}')"
PORT=$(free_port)
write_broker_conf "$WORK" "$PORT"
if [ "$KIND" = rmq ]; then
  "$RMQ" broker start -c "$WORK/broker.properties" -n "$NS" >"$WORK/broker.log" 2>&1 &
  BROKER=$!
else
  BROKER=$(start_java "$WORK" "$PORT")
fi
PIDS+=("$BROKER")
wait_registered "$NS" "127.0.0.1:$PORT"
"$RMQ" topic create -n "$NS" -c DefaultCluster -t BenchTopic -r 8 -w 8 -o json >/dev/null
sleep 1
"$RMQ" perf produce -n "$NS" -t BenchTopic --inflight "$INFLIGHT" --size "$SIZE" --duration 3s -o json >/dev/null

# Messages stored so far: the sum of the topic's max offsets.
stored() {
  "$RMQ" topic status -n "$NS" -t BenchTopic -o json |
    python3 -c 'import json,sys; print(sum(int(q["maxOffset"]) for q in json.load(sys.stdin)["queues"]))'
}
# Busy and total jiffies of the whole machine.
machine() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }

if [ "$LOAD" = consume ]; then
  "$RMQ" perf produce -n "$NS" -t BenchTopic --inflight "$INFLIGHT" --size "$SIZE" --count 1500000 -o json >/dev/null
  for n in 300000 1500000; do
    b0=$(cpu_ticks "$BROKER"); t0=$(now_ms)
    /usr/bin/time -f "%U %S" -o "$WORK/time.$n" "$JAVA" -Xms256m -Xmx1g -cp "$JAVA_LIB/*" \
      -Drocketmq.client.logUseSlf4j=false "$ROOT/benches/java/BenchConsumer.java" "$NS" BenchTopic \
      "bench_split_$n" "$n" 300 >"$WORK/consume.$n" 2>&1
    echo "$n $(($(cpu_ticks "$BROKER") - b0)) $(cat "$WORK/time.$n") $(($(now_ms) - t0))" >>"$WORK/consume.txt"
  done
  python3 - "$WORK/consume.txt" "$KIND" <<'EOF'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
(n1, b1, u1, s1, w1), (n2, b2, u2, s2, w2) = [
    (int(x[0]), int(x[1]) / hz, float(x[2]), float(x[3]), int(x[4]) / 1000)
    for x in (l.split() for l in open(sys.argv[1]))]
d = n2 - n1
print(f"{sys.argv[2]} broker, Java push consumer, the {d:,} messages the longer drain adds: "
      f"{d / (w2 - w1):,.0f} msgs/s; CPU per message: broker {(b2 - b1) / d * 1e6:.2f} us, "
      f"client {((u2 + s2) - (u1 + s1)) / d * 1e6:.2f} us")
EOF
  exit 0
fi

if [ "$LOAD" = java ]; then
  java_client "$ROOT/benches/java/BenchProducer.java" "$NS" BenchTopic "$INFLIGHT" "$SIZE" "$DURATION" >"$WORK/load.out" 2>&1 &
  CLIENT=$!
  SKIP=8; WINDOW=$((DURATION - 10))
else
  "$RMQ" perf produce -n "$NS" -t BenchTopic --inflight "$INFLIGHT" --size "$SIZE" --duration "${DURATION}s" -o json >"$WORK/load.out" &
  CLIENT=$!
  SKIP=3; WINDOW=$((DURATION - 5))
fi
PIDS+=("$CLIENT")
sleep "$SKIP"
# The JVM is the client process's child when `java_client` runs in a subshell: take the newest
# java process under it, or the client itself.
CPU_PID=$(pgrep -n -P "$CLIENT" java || echo "$CLIENT")
m0=$(stored); b0=$(cpu_ticks "$BROKER"); c0=$(cpu_ticks "$CPU_PID"); s0=$(machine)
sleep "$WINDOW"
m1=$(stored); b1=$(cpu_ticks "$BROKER"); c1=$(cpu_ticks "$CPU_PID"); s1=$(machine)
wait "$CLIENT" || true
python3 - "$KIND" "$LOAD" "$WINDOW" "$m0" "$m1" "$b0" "$b1" "$c0" "$c1" "$s0" "$s1" <<'EOF'
import os, sys
kind, load, window = sys.argv[1], sys.argv[2], int(sys.argv[3])
m0, m1, b0, b1, c0, c1 = map(int, sys.argv[4:10])
s0, s1 = [list(map(int, s.split())) for s in sys.argv[10:12]]
hz = os.sysconf("SC_CLK_TCK")
m = max(m1 - m0, 1)
busy, total = s1[0] - s0[0], s1[1] - s0[1]
per = lambda ticks: ticks / hz / m * 1e6
client = "Java client" if load == "java" else "rmq perf"
print(f"{kind} broker, {client}, {window} s in the middle of the run: {m / window:,.0f} msgs/s; "
      f"CPU per message: broker {per(b1 - b0):.2f} us, client {per(c1 - c0):.2f} us, "
      f"machine {per(busy):.2f} us; machine busy {busy / max(total, 1):.0%}")
EOF
