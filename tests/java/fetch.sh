#!/usr/bin/env bash
# Fetches the Apache RocketMQ Java jars the compatibility tests use (tests/java/pom.xml) into
# $RMQ_JAVA_LIB (default ~/.cache/rmq/java-lib). Idempotent: an existing complete copy is kept.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lib=${RMQ_JAVA_LIB:-$HOME/.cache/rmq/java-lib}
if compgen -G "$lib/rocketmq-client-4.9.8.jar" >/dev/null && compgen -G "$lib/rocketmq-tools-4.9.8.jar" >/dev/null; then
  echo "java-lib: $(ls "$lib" | wc -l) jars already in $lib"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/pom.xml" "$work/pom.xml"   # keep Maven's target/ out of the source tree
mvn -B -q -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib"
echo "java-lib: $(ls "$lib" | wc -l) jars in $lib"
