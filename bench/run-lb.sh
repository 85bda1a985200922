#!/usr/bin/env bash
# The load balancer on one core, 64-byte UDP frames, the full IPv4 table loaded, side by side in one
# run, each case in a JVM of its own (dev.junction.bench.LbBench):
#   routed   the IPv4 reference (RoutedPipelineBench's case, no VIP);
#   tracked  lb NAT, 2^20 client flows to one VIP of 16 backends, all made before the timing;
#   new      lb NAT, every packet a new 5-tuple (UDP idle timeout 20 ms, expired every 50 ms);
#   maglev   Maglev table build, 1000 backends, M = 65537 and 655373.
# Prints Mpps, ns and cycles per packet, bytes allocated per packet, the lb counters, and the ratios.
# Usage: bench/run-lb.sh [--seconds N] [--flows N] [--table-slots N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
SECONDS_RUN=10
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        --flows|--table-slots) EXTRA+=("$1" "$2"); shift 2 ;;
        *) echo "usage: bench/run-lb.sh [--seconds N] [--flows N] [--table-slots N]" >&2; exit 2 ;;
    esac
done
CPU=$(($(nproc) - 1))
RESULTS=$(mktemp /tmp/junction-lb-bench.XXXXXX)
trap 'rm -f "$RESULTS"' EXIT
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
CP=bench/target/classes:platform.core/target/classes:feature.routing/target/classes:feature.lb/target/classes
for c in routed tracked new maglev; do
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms3g -Xmx3g -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch \
        -cp "$CP" dev.junction.bench.LbBench data "$c" --cpu "$CPU" --seconds "$SECONDS_RUN" --warmup 4 "${EXTRA[@]}" \
        | tee -a "$RESULTS"
done
ratio "lb tracked / routed ipv4" "junction lb-nat-tracked" "junction ipv4-routed"
ratio "lb new flows / routed ipv4" "junction lb-nat-new-flows" "junction ipv4-routed"
machine "CPU $CPU"
