# Shell functions shared by the benchmark scripts (benches/compare.sh, benches/replication.sh).
# Expects RMQ, JAVA, JAVA_LIB and BROKER_LIB to be set by the caller.

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
now_ms() { date +%s%3N; }

# A port whose neighbours (-2 fast channel, +1 HA) are free too.
free_port() {
  python3 - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 40000)
    ok = True
    for q in (p - 2, p, p + 1):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", q))
        except OSError:
            ok = False
        finally:
            s.close()
    if ok:
        print(p)
        break
EOF
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_anon_kb() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status"; }

wait_registered() { # namesrv broker_addr -> waits until the name server lists it
  local i
  for ((i = 0; i < 3000; i++)); do
    if "$RMQ" cluster list -n "$1" -o json 2>/dev/null | grep -q "$2"; then return 0; fi
    sleep 0.01
  done
  echo "broker $2 never registered" >&2
  return 1
}

write_broker_conf() { # dir port -> dir/broker.properties of a single master (uses NS, FLUSH)
  mkdir -p "$1/store"
  cat >"$1/broker.properties" <<EOF
brokerClusterName=DefaultCluster
brokerName=bench-broker
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=$FLUSH
brokerIP1=127.0.0.1
listenPort=$2
namesrvAddr=$NS
storePathRootDir=$1/store
storePathCommitLog=$1/store/commitlog
autoCreateTopicEnable=true
diskMaxUsedSpaceRatio=95
EOF
}

start_java() { # dir port -> pid
  local home=$1/rocketmq-home
  mkdir -p "$home/conf" "$1/home"
  for n in broker tools client namesrv; do
    cat >"$home/conf/logback_$n.xml" <<EOF
<configuration><appender name="F" class="ch.qos.logback.core.FileAppender"><file>$1/$n-java.log</file>
<encoder><pattern>%d %-5level %logger{20} - %msg%n</pattern></encoder></appender>
<root level="WARN"><appender-ref ref="F"/></root></configuration>
EOF
  done
  ROCKETMQ_HOME=$home "$JAVA" -Xms512m -Xmx512m -XX:MaxDirectMemorySize=256m -XX:+UseSerialGC \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
    --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED \
    -Duser.home="$1/home" -Drocketmq.home.dir="$home" -Dlogback.configurationFile="$home/conf/logback_broker.xml" \
    -Drocketmq.broker.diskSpaceWarningLevelRatio=0.98 \
    -cp "$BROKER_LIB/*" org.apache.rocketmq.broker.BrokerStartup -c "$1/broker.properties" -n "$NS" \
    >"$1/broker.log" 2>&1 &
  echo $!
}

java_client() { "$JAVA" -Xms256m -Xmx1g -cp "$JAVA_LIB/*" -Drocketmq.client.logUseSlf4j=false "$@"; }

