#!/usr/bin/env bash
# The ixgbe driver's own cycles per packet, receive plus transmit (zero copy), at batch sizes 1..256,
# with a minimal ring filler on the same thread in place of the NIC (dev.junction.bench.IxgbeDriverBench).
# Prints ns and cycles per packet of the driver calls alone and of the loop with the filler, and bytes
# allocated per packet. Cycles are ns x the clock given (default: the CPU's "cpu MHz" from /proc/cpuinfo).
# Usage: bench/run-ixgbe.sh [--seconds N] [--ghz F]
# On a machine shared with other builds, run it under the build lock (it builds, then measures):
#   flock /tmp/junction-build.lock bench/run-ixgbe.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=2
GHZ=$(awk -F: '/cpu MHz/ { printf "%.3f", $2 / 1000; exit }' /proc/cpuinfo)
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        --ghz) GHZ=$2; shift 2 ;;
        *) echo "usage: bench/run-ixgbe.sh [--seconds N] [--ghz F]" >&2; exit 2 ;;
    esac
done
CPU=$(($(nproc) - 1))
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
CP=bench/target/classes:platform.core/target/classes:platform.drivers.ixgbe/target/classes
taskset -c "$CPU" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms512m -Xmx512m \
    -cp "$CP" dev.junction.bench.IxgbeDriverBench --ghz "$GHZ" --seconds "$SECONDS_RUN" --warmup 2
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), CPU $CPU, clock ${GHZ} GHz"
