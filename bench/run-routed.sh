#!/usr/bin/env bash
# Whole-pipeline routed forwarding with the full Internet table (data/, 901,899 IPv4 and 160,147
# IPv6 routes), one worker, 64-byte frames to random addresses inside random routes:
# generator -> ethernet-input -> ip4/ip6-input -> lookup -> rewrite -> output -> sink.
# Prints the table load (the ip:load path) time and FIB size, then Mpps, ns and cycles per packet
# and bytes allocated per packet for IPv4 and for IPv6.
# --workers N: N workers on the last N CPUs, each with a receive queue of its own (Mpps is the
# total; ns, cycles per packet and mpps_per_worker are one worker's). --scaling: one worker, then one
# per CPU, and the ratio of the two for each family (ready for a machine with more CPUs).
# Usage: bench/run-routed.sh [--seconds N] [--workers N | --scaling]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
SECONDS_RUN=10
WORKERS=1
SCALING=0
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        --workers) WORKERS=$2; shift 2 ;;
        --scaling) SCALING=1; shift ;;
        *) echo "usage: bench/run-routed.sh [--seconds N] [--workers N | --scaling]" >&2; exit 2 ;;
    esac
done
if [ "$WORKERS" -lt 1 ] || [ "$WORKERS" -gt "$(nproc)" ]; then
    echo "--workers: 1 to $(nproc) on this machine, not $WORKERS" >&2; exit 2
fi
cpus() { # the last N CPUs, as a list: 1, or 0-1
    local n=$1 last=$(($(nproc) - 1))
    [ "$n" = 1 ] && echo "$last" || echo "$((last - n + 1))-$last"
}
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
CP=bench/target/classes:platform.core/target/classes:feature.routing/target/classes
run() { # WORKERS
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms3g -Xmx3g -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch \
        -cp "$CP" dev.junction.bench.RoutedPipelineBench data --cpu "$(cpus "$1")" --seconds "$SECONDS_RUN" --warmup 3
}
if [ "$SCALING" = 1 ]; then
    ONE=$(run 1); echo "$ONE"
    ALL=$(run "$(nproc)"); echo "$ALL"
    for f in ipv4 ipv6; do
        a=$(echo "$ONE" | sed -n "s/^junction $f-routed mpps=\([0-9.]*\).*/\1/p")
        b=$(echo "$ALL" | sed -n "s/^junction $f-routed mpps=\([0-9.]*\).*/\1/p")
        awk -v a="$a" -v b="$b" -v f="$f" -v n="$(nproc)" 'BEGIN { if (a > 0) printf "scaling %s: %d workers / 1 worker = %.2f\n", f, n, b / a }'
    done
    machine "workers on CPUs $(cpus "$(nproc)") (1 worker: CPU $(cpus 1))"
else
    run "$WORKERS"
    machine "workers on CPU $(cpus "$WORKERS")"
fi
