#!/usr/bin/env bash
# IPv4 longest-prefix-match cost on the real iprbench tier-1 table (901,899 prefixes, synthetic
# next hops 1..256), side by side in one run: Junction's Dir24Fib, then DPDK's dpdk-test-fib
# (DIR24_8 "FIB" and rte_lpm "LPM") on the very same route file and the very same addresses: inside
# routes (a random address of a random route, shuffled), then uniformly random; Junction writes the
# traces and dpdk-test-fib reads them (-t). Junction is measured one lookup at a time and by vectors
# of 64 (what the lookup node does, and what dpdk-test-fib's bulk lookups do); the ratios are of the
# vector figure.
# IPv6 (--ipv6): the iprbench IPv6 table (160,147 prefixes) in Junction's Ipv6Fib against
# dpdk-test-fib -6 (its trie FIB; rte_lpm6 cannot hold this table with the groups it allows).
# Usage: bench/run-fib.sh [--ipv6] [LOOKUPS]   (root: installs what is missing, tools/packages.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
FAMILY=4
if [ "${1:-}" = --ipv6 ]; then FAMILY=6; shift; fi
LOOKUPS=${1:-10000000}
TABLE=data/iprbench-tier1-ipv$FAMILY.txt.xz
[ -r "$TABLE" ] || { echo "no $TABLE (see data/README.md)" >&2; exit 1; }
tools/packages.sh need dpdk-test-fib || exit 1
CPU=$(( $(nproc) - 1 ))
ROUTES=$(mktemp)
PREFIX=junction-fib-$$
trap 'rm -f "$ROUTES" "$ROUTES".*; rm -rf /var/run/dpdk/$PREFIX-*' EXIT
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
taskset -c "$CPU" "$JAVA_HOME/bin/java" -Xms2g -Xmx2g -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch \
    -cp bench/target/classes:platform.core/target/classes:feature.routing/target/classes \
    "dev.junction.bench.$([ $FAMILY = 6 ] && echo Fib6Bench || echo FibBench)" "$TABLE" "$ROUTES" "$LOOKUPS" |
    tee /dev/stderr > "$ROUTES.junction"
if [ $FAMILY = 6 ]; then
    for trace in in-route random; do
        dpdk-test-fib --no-huge --no-pci -m 4096 -l "$CPU" --file-prefix="$PREFIX-$trace" -- \
            -f "$ROUTES" -t "$ROUTES.$trace" -6 -g 1048576 </dev/null 2>&1 |
            awk -v t="$trace" '/AVG FIB lookup/ { f = $4 } END { printf "dpdk-test-fib -6 %s trie_cycles=%s\n", t, f }'
    done | tee "$ROUTES.dpdk"
    J_IN=$(sed -n 's/.*vector in-route .*cycles=\([0-9.]*\).*/\1/p' "$ROUTES.junction")
    J_RND=$(sed -n 's/.*vector random .*cycles=\([0-9.]*\).*/\1/p' "$ROUTES.junction")
    T_IN=$(sed -n 's/.*in-route trie_cycles=\([0-9.]*\).*/\1/p' "$ROUTES.dpdk")
    T_RND=$(sed -n 's/.*random trie_cycles=\([0-9.]*\).*/\1/p' "$ROUTES.dpdk")
    awk -v a="$J_IN" -v b="$T_IN" -v c="$J_RND" -v d="$T_RND" 'BEGIN {
        printf "ratio junction/trie: in-route %.2f, random %.2f\n", a / b, c / d }'
    machine "CPU $CPU"
    exit 0
fi
for trace in in-route random; do
    dpdk-test-fib --no-huge --no-pci -m 2048 -l "$CPU" --file-prefix="$PREFIX-$trace" -- \
        -f "$ROUTES" -t "$ROUTES.$trace" -c -g 65536 </dev/null 2>&1 |
        awk -v t="$trace" '/AVG FIB lookup/ { f = $4 } /AVG LPM lookup/ { l = $4 }
            END { printf "dpdk-test-fib %s dir24_8_cycles=%s rte_lpm_cycles=%s\n", t, f, l }'
done | tee "$ROUTES.dpdk"
J_IN=$(sed -n 's/.*vector in-route .*cycles=\([0-9.]*\).*/\1/p' "$ROUTES.junction")
J_RND=$(sed -n 's/.*vector random .*cycles=\([0-9.]*\).*/\1/p' "$ROUTES.junction")
L_IN=$(sed -n 's/.*in-route .*rte_lpm_cycles=\([0-9.]*\).*/\1/p' "$ROUTES.dpdk")
L_RND=$(sed -n 's/.*random .*rte_lpm_cycles=\([0-9.]*\).*/\1/p' "$ROUTES.dpdk")
awk -v a="$J_IN" -v b="$L_IN" -v c="$J_RND" -v d="$L_RND" 'BEGIN {
    printf "ratio junction/rte_lpm: in-route %.2f, random %.2f\n", a / b, c / d }'
machine "CPU $CPU"
