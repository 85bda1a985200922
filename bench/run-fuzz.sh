#!/usr/bin/env bash
# The fuzz harness (test.fuzz) at bench size: 10^7 frames through each packet node (10^7 FPM bodies,
# 10^6 vhost-user messages and configuration documents), then the per-node counts.
# Usage: bench/run-fuzz.sh [--frames N] [--seed N|random] [--test CLASS]
#   --test RoutingNodesFuzzTest (or 'RoutingNodesFuzzTest#node' etc.) runs one class only.
set -euo pipefail
cd "$(dirname "$0")/.."
FRAMES=10000000
SEED=""
TEST='dev.junction.fuzz.**'
while [ $# -gt 0 ]; do
    case "$1" in
        --frames) FRAMES=$2; shift 2 ;;
        --seed) SEED=$2; shift 2 ;;
        --test) TEST=$2; shift 2 ;;
        *) echo "usage: bench/run-fuzz.sh [--frames N] [--seed N|random] [--test CLASS]" >&2; exit 2 ;;
    esac
done
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
START=$(date +%s)
STATUS=0
mvn -B -Dstyle.color=never verify -pl test.fuzz -am -Dtest="$TEST" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djunction.fuzz.frames="$FRAMES" ${SEED:+-Djunction.fuzz.seed=$SEED} >"$LOG" 2>&1 || STATUS=$?
# The harness prints one 'fuzz NAME: ...' line per run with the packets each target node processed.
grep '^fuzz ' "$LOG" || true
grep -E 'Tests run:|FAIL|ERROR' "$LOG" | grep -v '^\[INFO\] Tests run: [0-9]*, Failures: 0, Errors: 0, Skipped: 0, Time' | tail -20 || true
echo "frames per node $FRAMES, $(( $(date +%s) - START )) s, machine: $(nproc) CPUs"
exit $STATUS
