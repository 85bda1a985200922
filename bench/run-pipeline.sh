#!/usr/bin/env bash
# Whole-pipeline benchmark, side by side in one run:
#   1. DPDK testpmd forwarding in mac mode between two in-memory net_null ports on one core
#      (the C reference for the same work: receive, touch the Ethernet header, transmit);
#   2. Junction on one worker: generator -> ethernet-input -> l2-xconnect -> output -> sink,
#      64-byte frames, then the same with 8 pass-through features on the l2-input arc.
# Prints Mpps, ns and cycles per packet, bytes allocated per packet, and Junction/testpmd.
# Usage: bench/run-pipeline.sh [--seconds N]   (root: installs what is missing, tools/packages.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
SECONDS_RUN=10
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        *) echo "usage: bench/run-pipeline.sh [--seconds N]" >&2; exit 2 ;;
    esac
done

tools/packages.sh need dpdk-testpmd || exit 1
CPUS=$(nproc)
WORKER_CPU=$((CPUS - 1))

# --- testpmd: main lcore 0, forwarding lcore = the CPU Junction's worker uses ---
PREFIX=junction-bench-$$
LOG=$(mktemp)
cleanup() { pkill -INT -f "file-prefix=$PREFIX" 2>/dev/null || true; rm -rf "/var/run/dpdk/$PREFIX" "$LOG"; }
trap cleanup EXIT
# testpmd runs until interrupted; the stats period prints each port's Rx-pps.
timeout -s INT "$((SECONDS_RUN + 2))" dpdk-testpmd -l "0,$WORKER_CPU" --no-pci --no-huge -m 1024 \
    --file-prefix="$PREFIX" --vdev net_null0 --vdev net_null1 -- --forward-mode=mac --nb-cores=1 \
    --burst=32 --total-num-mbufs=16384 --stats-period=2 </dev/null >"$LOG" 2>&1 || true
# Sum the two ports' Rx-pps per report, skip the first report (warm-up), average the rest.
TESTPMD_MPPS=$(awk '/Rx-pps:/ { v[n++] = $2 } END {
    s = 0; c = 0; for (i = 2; i + 1 < n; i += 2) { s += v[i] + v[i+1]; c++ }
    if (c == 0) { print "0"; exit } printf "%.2f", s / c / 1e6 }' "$LOG")
echo "testpmd mac-mode mpps=$TESTPMD_MPPS (net_null x2, burst 32, 1 forwarding core on CPU $WORKER_CPU)"

# --- Junction ---
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
OUT=$("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms512m -Xmx512m \
    -cp bench/target/classes:platform.core/target/classes:feature.l2/target/classes dev.junction.bench.PipelineBench \
    --cpu "$WORKER_CPU" --seconds "$SECONDS_RUN" --warmup 3)
echo "$OUT"
PLAIN=$(echo "$OUT" | sed -n 's/^junction plain .*mpps=\([0-9.]*\).*/\1/p')
awk -v j="$PLAIN" -v t="$TESTPMD_MPPS" 'BEGIN { if (t > 0) printf "ratio junction-plain/testpmd = %.2f\n", j / t }'
machine
