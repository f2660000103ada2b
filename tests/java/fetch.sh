#!/usr/bin/env bash
# Fetches the Apache RocketMQ Java jars the compatibility tests use into two directories that
# must never be merged (one classpath must not hold two versions of rocketmq-common):
#   $RMQ_JAVA_LIB        (default ~/.cache/rmq/java-lib):        4.9.8 client + tools (tests/java/pom.xml)
#   $RMQ_JAVA_BROKER_LIB (default ~/.cache/rmq/java-broker-lib): 4.9.7 broker + namesrv
#                        (tests/java/broker-pom.xml; Maven Central has no 4.9.8 broker, and 4.9.7's
#                        store format is 4.9.8's), run by tests/portability.rs.
# Idempotent: an existing complete copy is kept.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lib=${RMQ_JAVA_LIB:-$HOME/.cache/rmq/java-lib}
broker_lib=${RMQ_JAVA_BROKER_LIB:-$HOME/.cache/rmq/java-broker-lib}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() { # pom dir: copy the pom's runtime dependencies into dir
  rm -rf "$work/pom" && mkdir "$work/pom"
  cp "$1" "$work/pom/pom.xml"   # keep Maven's target/ out of the source tree
  mvn -B -q -f "$work/pom/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$2"
}

if compgen -G "$lib/rocketmq-client-4.9.8.jar" >/dev/null && compgen -G "$lib/rocketmq-tools-4.9.8.jar" >/dev/null; then
  echo "java-lib: $(ls "$lib" | wc -l) jars already in $lib"
else
  fetch "$here/pom.xml" "$lib"
  echo "java-lib: $(ls "$lib" | wc -l) jars in $lib"
fi

if compgen -G "$broker_lib/rocketmq-broker-4.9.7.jar" >/dev/null && compgen -G "$broker_lib/rocketmq-store-4.9.7.jar" >/dev/null; then
  echo "java-broker-lib: $(ls "$broker_lib" | wc -l) jars already in $broker_lib"
else
  fetch "$here/broker-pom.xml" "$broker_lib"
  echo "java-broker-lib: $(ls "$broker_lib" | wc -l) jars in $broker_lib"
fi
