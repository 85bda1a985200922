#!/usr/bin/env bash
# feature.firewall's classifier beside DPDK's rte_acl (dpdk-test-acl), one core, the very same IPv4
# 5-tuple rule sets and traces (issue 13): for each size, AclBench writes a seeded ClassBench-shaped
# rule set and a trace of 65,536 5-tuples in dpdk-test-acl's formats, and measures Junction's
# classifier on them (build time, ns and cycles per classification, bytes allocated); then
# dpdk-test-acl classifies the same trace with each of its algorithms this CPU runs (scalar, sse,
# avx2), and its answers for the trace are compared with Junction's: a figure only counts when both
# chose the same rule for every packet.
#
# Usage: bench/run-acl.sh [--sizes 1000,10000,100000] [--seed N] [--iter N]
#   --iter  dpdk-test-acl passes over the trace (default 200)
# Root not needed. Installs dpdk-dev (tools/packages.sh); needs a JDK 25, builds with Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
SIZES=1000,10000,100000
SEED=13
ITER=200
usage() { echo "usage: bench/run-acl.sh [--sizes N,N,...] [--seed N] [--iter N]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) [ $# -ge 2 ] || usage; SIZES=$2; shift 2 ;;
        --seed) [ $# -ge 2 ] || usage; SEED=$2; shift 2 ;;
        --iter) [ $# -ge 2 ] || usage; ITER=$2; shift 2 ;;
        *) usage ;;
    esac
done
[[ $SIZES =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "--sizes: comma-separated rule counts" >&2; exit 2; }
[[ $SEED =~ ^[0-9]+$ ]] && [[ $ITER =~ ^[0-9]+$ ]] || usage
tools/packages.sh need dpdk-test-acl || exit 1
CPU=$(( $(nproc) - 1 ))
WORK=$(mktemp -d /tmp/junction-acl.XXXXXX)
PREFIX=junction-acl-$$
trap 'rm -rf "$WORK" /var/run/dpdk/$PREFIX-*' EXIT
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
mvn -B -q -Dstyle.color=never package -DskipTests -Djunction.baseline.skip=true -pl bench -am >/dev/null
CP=bench/target/classes:platform.core/target/classes:feature.routing/target/classes:feature.firewall/target/classes
ALGS=scalar
grep -qw sse4_1 /proc/cpuinfo && ALGS="$ALGS sse"
grep -qw avx2 /proc/cpuinfo && ALGS="$ALGS avx2"

declare -A JC DC
for n in ${SIZES//,/ }; do
    d=$WORK/$n
    mkdir -p "$d"
    line=$(taskset -c "$CPU" "$JAVA_HOME/bin/java" -Xms1g -Xmx4g -cp "$CP" dev.junction.bench.AclBench "$n" "$((SEED + n))" "$d")
    echo "$line"
    JC[$n]=$(sed -n 's/.* cycles=\([0-9.]*\) .*/\1/p' <<<"$line")
    for alg in $ALGS; do
        out=$(dpdk-test-acl --no-huge --no-pci -m 2048 -l "$CPU" --file-prefix="$PREFIX-$n-$alg" -- \
            --rulesf="$d/rules" --tracef="$d/trace" --rulenum=$((n + 1)) --tracenum=65536 --iter="$ITER" \
            --alg="$alg" --verbose=0 </dev/null 2>&1) || { echo "dpdk-test-acl $alg failed: $(tail -3 <<<"$out")" >&2; continue; }
        cycles=$(sed -n 's/.* \([0-9.]*\) cycles\/pkt.*/\1/p' <<<"$out" | tail -1)
        build=$(sed -n 's/.*rte_acl_build(.*) finished with \(-\?[0-9]*\).*/\1/p' <<<"$out")
        # The same trace once more with every answer printed, for the comparison.
        dpdk-test-acl --no-huge --no-pci -m 2048 -l "$CPU" --file-prefix="$PREFIX-$n-$alg-v" -- \
            --rulesf="$d/rules" --tracef="$d/trace" --rulenum=$((n + 1)) --tracenum=65536 --iter=1 \
            --alg="$alg" --verbose=2 </dev/null 2>/dev/null |
            sed -n 's/^ipv4_5tuple: [0-9]*, category: 0, result: \([0-9]*\)$/\1/p' >"$d/dpdk.$alg"
        same=$(paste -d' ' "$d/expected" "$d/dpdk.$alg" | awk '$1 == $2 { s++ } END { print s + 0 }')
        total=$(wc -l <"$d/expected")
        echo "dpdk-test-acl rules=$n alg=$alg cycles=$cycles build_rc=$build same_answers=$same/$total"
        if [ "$same" = "$total" ]; then
            if [ -z "${DC[$n]:-}" ] || awk -v a="$cycles" -v b="${DC[$n]}" 'BEGIN { exit !(a < b) }'; then DC[$n]=$cycles; fi
        else
            echo "  (answers differ: $alg's figure is not compared)" >&2
        fi
    done
done
for n in ${SIZES//,/ }; do
    awk -v n="$n" -v j="${JC[$n]:-0}" -v d="${DC[$n]:-0}" 'BEGIN {
        if (j > 0 && d > 0) printf "ratio junction/rte_acl best at %d rules: %.2f (%.0f against %.0f cycles)\n", n, j / d, j, d }'
done
machine "CPU $CPU"
