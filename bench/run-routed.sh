#!/usr/bin/env bash
# Whole-pipeline routed forwarding with the full Internet table (data/, 901,899 IPv4 and 160,147
# IPv6 routes), one worker, 64-byte frames to random addresses inside random routes:
# generator -> ethernet-input -> ip4/ip6-input -> lookup -> rewrite -> output -> sink.
# Prints the table load (the ip:load path) time and FIB size, then Mpps, ns and cycles per packet
# and bytes allocated per packet for IPv4 and for IPv6.
# Usage: bench/run-routed.sh [--seconds N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
SECONDS_RUN=10
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        *) echo "usage: bench/run-routed.sh [--seconds N]" >&2; exit 2 ;;
    esac
done
WORKER_CPU=$(($(nproc) - 1))
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
CP=bench/target/classes:platform.core/target/classes:feature.routing/target/classes
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms3g -Xmx3g -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch \
    -cp "$CP" dev.junction.bench.RoutedPipelineBench data --cpu "$WORKER_CPU" --seconds "$SECONDS_RUN" --warmup 3
machine "worker on CPU $WORKER_CPU"
