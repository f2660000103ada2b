#!/usr/bin/env bash
# Fail a master/slave pair (Apache RocketMQ 4.x without DLedger, rmq brokers) over to its
# slave, one rmq call per step. Read it and adapt it: each step is one line you can also run
# by hand. `rmq failover execute -b BROKER_NAME` does the same steps in one command.
#
#   NAMESRV_ADDR='ns1:9876;ns2:9876' conf/failover/failover.sh broker-a
#
# Environment:
#   NAMESRV_ADDR   the name servers (required)
#   RMQ            the rmq binary (default: rmq on PATH)
#   FAILOVER_WAIT  longest wait for the slave to catch up and for the new route (default 30s)
#   FAILOVER_ROLE  role of the promoted slave (default ASYNC_MASTER: a SYNC_MASTER without a
#                  slave answers every send SLAVE_NOT_AVAILABLE until one connects)
#
# Exit status 0 only when the new master takes writes through the name servers' route.
set -euo pipefail

name=${1:?usage: failover.sh BROKER_NAME}
rmq=${RMQ:-rmq}
: "${NAMESRV_ADDR:?set NAMESRV_ADDR to the name servers (host:port;host:port)}"
export NAMESRV_ADDR
wait=${FAILOVER_WAIT:-30s}
role=${FAILOVER_ROLE:-ASYNC_MASTER}
started=$(date +%s)

step() { echo "== [$(( $(date +%s) - started ))s] $*" >&2; }

step "1/6 look at $name"
"$rmq" failover plan -b "$name" >&2
read -r master master_up candidate candidate_ha < <(
  "$rmq" failover plan -b "$name" --get masterAddr,masterReachable,candidateAddr,candidateHaAddr)
if [ "$candidate" = - ]; then
  echo "no slave of $name answers: nothing to promote" >&2
  exit 1
fi

step "2/6 stop writes to $name: wipe its write permission on every name server"
"$rmq" broker perm wipe -b "$name" --yes >&2

if [ "$master_up" = true ]; then
  step "3/6 master $master answers: wait until slave $candidate has every byte"
  "$rmq" ha status --broker-name "$name" --wait-in-sync --timeout "$wait" >&2
  step "4/6 demote $master to a slave of $candidate ($candidate_ha)"
  "$rmq" broker demote -b "$master" --master "$candidate_ha" --yes >&2
else
  step "3/6 master $master is down: the slave is promoted with what it has"
  step "4/6 nothing to demote"
fi

step "5/6 promote $candidate to $role"
"$rmq" broker promote -b "$candidate" --role "$role" --yes >&2

step "6/6 verify that the routes send $name's writes to $candidate and it stores them"
"$rmq" failover verify -b "$name" --new-master "$candidate" --wait "$wait" >&2

step "done: $candidate is the master of $name"
if [ "$master_up" != true ]; then
  echo "when the old master $master comes back, rejoin it as a slave:" >&2
  echo "  conf/failover/rejoin-old-master.sh $name <its broker.properties>" >&2
fi
