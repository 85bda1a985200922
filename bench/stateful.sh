# Sourced by bench/run-lb.sh and bench/run-firewall.sh: a stateful function's in-memory cases, each
# in a JVM of its own on the last CPU, their lines collected in $RESULTS for `ratio` (machine.sh).
# `stateful_cases SCRIPT CLASS FEATURE CASES ARGS...`: ARGS are the script's own (--seconds N,
# --flows N, --table-slots N); CLASS the bench (LbBench), FEATURE its bundle's folder (feature.lb).
stateful_cases() {
    local script=$1 class=$2 feature=$3 cases=$4 seconds=10 extra=() c
    shift 4
    while [ $# -gt 0 ]; do
        case "$1" in
            --seconds) seconds=$2; shift 2 ;;
            --flows|--table-slots) extra+=("$1" "$2"); shift 2 ;;
            *) echo "usage: bench/$script [--seconds N] [--flows N] [--table-slots N]" >&2; exit 2 ;;
        esac
    done
    CPU=$(($(nproc) - 1))
    RESULTS=$(mktemp /tmp/junction-stateful-bench.XXXXXX)
    trap 'rm -f "$RESULTS"' EXIT
    JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
    export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
    mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
    local cp=bench/target/classes:platform.core/target/classes:feature.routing/target/classes:$feature/target/classes
    for c in $cases; do
        "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms3g -Xmx3g -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch \
            -cp "$cp" "dev.junction.bench.$class" data "$c" --cpu "$CPU" --seconds "$seconds" --warmup 4 "${extra[@]}" \
            | tee -a "$RESULTS"
    done
}
