#!/usr/bin/env bash
# The stateful firewall on one core, in memory, 64-byte UDP frames, the full IPv4 table loaded,
# side by side in one run, each case in a JVM of its own (dev.junction.bench.FirewallBench):
#   routed   the IPv4 reference (RoutedPipelineBench's case, no firewall);
#   tracked  fw-ip4-input on the generator's interface (permit+track), 2^20 one-way UDP connections
#            all in the table before the timing: each packet a lookup and the rules;
#   new      the same, every packet a new connection (UDP timeout 1 s, expired once a second).
# Prints Mpps, ns and cycles per packet, bytes allocated per packet, the firewall's counters, the
# table, and the ratios. The Linux kernel beside it, on veth pairs between namespaces:
# bench/run-linux-forwarding.sh --only kernel-ct,junction-afxdp-fw (docs/PERFORMANCE.md).
# Usage: bench/run-firewall.sh [--seconds N] [--flows N] [--table-slots N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
SECONDS_RUN=10
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        --flows|--table-slots) EXTRA+=("$1" "$2"); shift 2 ;;
        *) echo "usage: bench/run-firewall.sh [--seconds N] [--flows N] [--table-slots N]" >&2; exit 2 ;;
    esac
done
CPU=$(($(nproc) - 1))
RESULTS=$(mktemp /tmp/junction-fw-bench.XXXXXX)
trap 'rm -f "$RESULTS"' EXIT
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
CP=bench/target/classes:platform.core/target/classes:feature.routing/target/classes:feature.firewall/target/classes
for c in routed tracked new; do
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms3g -Xmx3g -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch \
        -cp "$CP" dev.junction.bench.FirewallBench data "$c" --cpu "$CPU" --seconds "$SECONDS_RUN" --warmup 4 "${EXTRA[@]}" \
        | tee -a "$RESULTS"
done
ratio "fw tracked / routed ipv4" "junction fw-tracked" "junction ipv4-routed"
ratio "fw new connections / routed ipv4" "junction fw-new-connections" "junction ipv4-routed"
machine "CPU $CPU"
