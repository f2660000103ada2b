#!/usr/bin/env bash
# Bring an old master back as a slave of the broker that replaced it (after failover.sh):
# cut its CommitLog back to where the new master was promoted (what only the old master had
# is written to a file, not lost silently), make its properties file a slave's, start it,
# and wait until it has every byte of the new master. Read it and adapt it (e.g. start the
# broker with your service manager instead of nohup).
#
#   NAMESRV_ADDR='ns1:9876;ns2:9876' conf/failover/rejoin-old-master.sh broker-a /etc/rmq/broker-a.properties
#
# The old master must be stopped. Environment:
#   NAMESRV_ADDR        the name servers (required)
#   RMQ                 the rmq binary (default: rmq on PATH)
#   REJOIN_TRUNCATE_TO  the offset to cut back to, when the new master cannot tell (it was
#                       restarted since its promotion): its commitLogMaxOffset at promotion
#   REJOIN_BROKER_ID    the slave's brokerId (default 1)
#   REJOIN_START_ARGS   extra arguments of 'rmq broker start' (e.g. '-p 10911')
#   REJOIN_LOG          where the started broker logs (default: <store>/rejoin.log)
#   FAILOVER_WAIT       longest wait for it to catch up (default 60s)
set -euo pipefail

name=${1:?usage: rejoin-old-master.sh BROKER_NAME OLD_MASTER_PROPERTIES}
conf=${2:?usage: rejoin-old-master.sh BROKER_NAME OLD_MASTER_PROPERTIES}
rmq=${RMQ:-rmq}
: "${NAMESRV_ADDR:?set NAMESRV_ADDR to the name servers (host:port;host:port)}"
export NAMESRV_ADDR
wait=${FAILOVER_WAIT:-60s}
broker_id=${REJOIN_BROKER_ID:-1}
started=$(date +%s)

step() { echo "== [$(( $(date +%s) - started ))s] $*" >&2; }

# The last value of KEY in the properties file (plain key=value lines).
prop() { sed -n "s/^[[:space:]]*$1[[:space:]]*[=:][[:space:]]*//p" "$conf" | tail -n 1; }

# Sets KEY=VALUE in the properties file, replacing its line or appending one.
set_prop() {
  if grep -Eq "^[[:space:]]*$1[[:space:]]*[=:]" "$conf"; then
    sed -i -E "s|^[[:space:]]*$1[[:space:]]*[=:].*|$1=$2|" "$conf"
  else
    printf '%s=%s\n' "$1" "$2" >> "$conf"
  fi
}

store=$(prop storePathRootDir)
store=${store:-$HOME/store}

step "1/5 find the new master of $name"
read -r new_master new_ha promoted < <(
  "$rmq" failover plan -b "$name" --get masterAddr,masterHaAddr,promotedAtOffset)
if [ "$new_master" = - ] || [ "$new_ha" = - ]; then
  echo "$name has no master that answers: run failover.sh first" >&2
  exit 1
fi
to=${REJOIN_TRUNCATE_TO:-$promoted}
if [ "$to" = - ]; then
  echo "the new master $new_master does not say where it was promoted; set REJOIN_TRUNCATE_TO" >&2
  exit 1
fi

step "2/5 cut $store back to CommitLog offset $to (the new master's start)"
"$rmq" store truncate --store "$store" --to "$to" --yes >&2

step "3/5 make $conf a slave's: brokerId=$broker_id brokerRole=SLAVE haMasterAddress=$new_ha"
cp "$conf" "$conf.before-rejoin"
set_prop brokerId "$broker_id"
set_prop brokerRole SLAVE
set_prop haMasterAddress "$new_ha"

step "4/5 start it"
log=${REJOIN_LOG:-$store/rejoin.log}
# shellcheck disable=SC2086 # REJOIN_START_ARGS is a list of words
nohup "$rmq" broker start -c "$conf" -n "$NAMESRV_ADDR" ${REJOIN_START_ARGS:-} >"$log" 2>&1 &
echo "broker started, pid $! (log: $log)" >&2

step "5/5 wait until it has every byte of $new_master"
"$rmq" ha status --broker-name "$name" --wait-in-sync --timeout "$wait" >&2
step "done: the old master is a slave of $new_master again"
