#!/usr/bin/env bash
# Replication benchmark: a master/slave pair of rmq brokers and a pair of Java 4.9.7 brokers on
# this machine, one after the other, each loaded by `rmq perf produce` (1 KiB, 64 in flight):
#   - ASYNC_MASTER: send TPS, and how far the slave is behind when the load stops (bytes, and
#     how long it takes to catch up);
#   - SYNC_MASTER: send TPS and p99 (every send waits for the slave).
# Client, master and slave share the machine's cores.
#
#   benches/replication.sh                 # DURATION=30 per run; takes about 5 minutes
#   DURATION=10 KINDS=rmq benches/replication.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
INFLIGHT=${INFLIGHT:-64}
SIZE=${SIZE:-1024}
KINDS=${KINDS:-rmq java}
ROLES=${ROLES:-ASYNC_MASTER SYNC_MASTER}
JAVA_LIB=${RMQ_JAVA_LIB:-$HOME/.cache/rmq/java-lib}
BROKER_LIB=${RMQ_JAVA_BROKER_LIB:-$HOME/.cache/rmq/java-broker-lib}
JAVA=${JAVA:-java}

cd "$ROOT"
cargo build --release --quiet
RMQ=${CARGO_TARGET_DIR:-$ROOT/target}/release/rmq
# shellcheck source=benches/lib.sh
source "$ROOT/benches/lib.sh"

WORK=$(mktemp -d /tmp/rmq-replication.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

NS_LOG=$WORK/namesrv.log
"$RMQ" namesrv start --listen-port 0 --kv-config "$WORK/kv.json" >"$NS_LOG" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q "boot success" "$NS_LOG" && break; sleep 0.05; done
NS="127.0.0.1:$(grep -o 'address [^ ]*' "$NS_LOG" | awk -F: '{print $NF}')"

write_conf() { # dir port id role name
  mkdir -p "$1/store"
  printf '%s\n' \
    "brokerClusterName=$5" "brokerName=$5" "brokerId=$3" "brokerRole=$4" \
    "flushDiskType=ASYNC_FLUSH" "brokerIP1=127.0.0.1" "brokerIP2=127.0.0.1" \
    "listenPort=$2" "haListenPort=$(($2 + 1))" "namesrvAddr=$NS" \
    "storePathRootDir=$1/store" "storePathCommitLog=$1/store/commitlog" \
    "autoCreateTopicEnable=true" "diskMaxUsedSpaceRatio=95" >"$1/broker.properties"
}

start_broker() { # kind dir -> pid
  if [ "$1" = rmq ]; then
    "$RMQ" broker start -c "$2/broker.properties" -n "$NS" >"$2/broker.log" 2>&1 &
    echo $!
  else
    start_java "$2"
  fi
}

max_offset() { # addr -> the broker's commitLogMaxOffset
  "$RMQ" broker status -n "$NS" --broker-addr "$1" -k commitLogMaxOffset -o json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["brokers"][0]["runtimeInfo"]["commitLogMaxOffset"])'
}

run_pair() { # kind role -> prints one JSON line
  local kind=$1 role=$2 name mp sp mpid spid
  name="bench-$kind-$(echo "$role" | tr 'A-Z_' 'a-z-')"
  mp=$(free_port); sp=$(free_port)
  write_conf "$WORK/$name-m" "$mp" 0 "$role" "$name"
  write_conf "$WORK/$name-s" "$sp" 1 SLAVE "$name"
  mpid=$(start_broker "$kind" "$WORK/$name-m"); PIDS+=("$mpid")
  wait_registered "$NS" "127.0.0.1:$mp"
  spid=$(start_broker "$kind" "$WORK/$name-s"); PIDS+=("$spid")
  wait_registered "$NS" "127.0.0.1:$sp"
  "$RMQ" topic create -n "$NS" -c "$name" -t "T-$name" -r 8 -w 8 -o json >/dev/null
  # The slave connects a few seconds after its first registration (Java checks every 5 s).
  local ready=""
  for _ in $(seq 150); do
    if "$RMQ" message send -n "$NS" -t "T-$name" -b "$name" probe -o json 2>/dev/null | grep -q '"SEND_OK"'; then ready=1; break; fi
    sleep 0.2
  done
  [ -n "$ready" ] || { log "$kind $role: no SEND_OK within 30 s (slave not connected?)"; return 1; }
  "$RMQ" perf produce -n "$NS" -t "T-$name" --inflight "$INFLIGHT" --size "$SIZE" --duration "${WARMUP}s" -o json >/dev/null
  "$RMQ" perf produce -n "$NS" -t "T-$name" --inflight "$INFLIGHT" --size "$SIZE" --duration "${DURATION}s" -o json >"$WORK/$name.json"
  local t0 m s behind caught=-1 i
  t0=$(now_ms)
  m=$(max_offset "127.0.0.1:$mp"); s=$(max_offset "127.0.0.1:$sp")
  behind=$((m - s))
  for ((i = 0; i < 1200; i++)); do
    if [ "$(max_offset "127.0.0.1:$sp")" -ge "$m" ]; then caught=$(($(now_ms) - t0)); break; fi
    sleep 0.05
  done
  # Not children of this shell (started in $(...)): wait until both are gone, so the next
  # pair does not share the cores with a JVM still shutting down.
  kill "$spid" "$mpid"
  for _ in $(seq 600); do
    kill -0 "$spid" 2>/dev/null || kill -0 "$mpid" 2>/dev/null || break
    sleep 0.1
  done
  python3 - "$WORK/$name.json" "$kind" "$role" "$behind" "$caught" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
print(json.dumps({"kind": sys.argv[2], "role": sys.argv[3], "tps": p["msgsPerSec"],
  "p99_ms": p["latencyUs"]["p99"] / 1000, "errors": p["errors"],
  "behind_bytes_at_end": int(sys.argv[4]), "catch_up_ms": int(sys.argv[5])}))
PY
}

log "load: rmq perf produce, $INFLIGHT in flight, $SIZE-byte messages, $DURATION s per run"
: >"$WORK/results.jsonl"
for kind in $KINDS; do
  for role in $ROLES; do
    log "$kind $role"
    run_pair "$kind" "$role" | tee -a "$WORK/results.jsonl" >&2
  done
done

python3 - "$WORK/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| pair | role | send TPS | send p99 ms | failed sends | slave behind at the end | slave caught up after |")
print("|---|---|---:|---:|---:|---:|---:|")
for r in rows:
    pair = "rmq + rmq" if r["kind"] == "rmq" else "Java 4.9.7 + Java 4.9.7"
    caught = f'{r["catch_up_ms"]} ms' if r["catch_up_ms"] >= 0 else "not within 60 s"
    print(f'| {pair} | {r["role"]} | {r["tps"]:,.0f} | {r["p99_ms"]:.2f} | {r["errors"]} | '
          f'{r["behind_bytes_at_end"] / 1048576:.1f} MiB | {caught} |')
PY
