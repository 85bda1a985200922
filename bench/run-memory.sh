#!/usr/bin/env bash
# What a random 64-byte line costs on this machine by table size (dev.junction.bench.MemoryBench):
# a dependent chain (one miss's latency), 256 independent lines at a time (as lb-ip4 peeks its vector),
# and the same with each line written. The floor under the large tables of the stateful functions;
# the JVM as bench/run-lb.sh runs it (3 GiB heap in transparent huge pages), on the last CPU.
# Usage: bench/run-memory.sh [--seconds S] [--mib N,N,...]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
CPU=$(($(nproc) - 1))
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
taskset -c "$CPU" "$JAVA_HOME/bin/java" -Xms3g -Xmx3g -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch \
    -cp bench/target/classes:platform.core/target/classes dev.junction.bench.MemoryBench "$@"
echo "AnonHugePages after: $(awk '/AnonHugePages/ { print $2, $3 }' /proc/meminfo) (the JVM's heap gone by now)"
machine "CPU $CPU"
