#!/usr/bin/env bash
# vhost-user backends side by side, against the same frontend: dpdk-testpmd's virtio-user port (the
# guest side) on one forwarding core, and as the backend either
#   1. Junction (bench VhostBench: one worker pinned to another CPU, spin idle), or
#   2. dpdk-testpmd's own vhost PMD (--vdev net_vhost0) on a forwarding core on that same CPU.
# Two directions: guest -> backend (frontend txonly; backend rxonly / Junction sink) and backend ->
# guest (frontend rxonly; backend txonly / Junction memory generator), 64-byte frames.
# The rate is read from the frontend's own port statistics (Tx-pps, Rx-pps), the same ruler for both
# backends. The first WARMUP reports are skipped: on 2 CPUs, with both forwarding cores spinning,
# Junction's JIT compilers have little CPU left and its rate climbs for several seconds.
# Usage: bench/run-vhost.sh [--seconds N] [--warmup N]   (root: installs what is missing, tools/packages.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
SECONDS_RUN=10
WARMUP=10
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        *) echo "usage: bench/run-vhost.sh [--seconds N] [--warmup N]" >&2; exit 2 ;;
    esac
done
tools/packages.sh need dpdk-testpmd || exit 1
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs (one for the frontend, one for the backend)" >&2; exit 1; }
FRONT_CPU=1   # the frontend's forwarding core
BACK_CPU=0    # the backend's: Junction's worker or testpmd's vhost forwarding core
DIR=$(mktemp -d /tmp/junction-vhost-bench.XXXXXX)
KEEP=/tmp/junction-vhost-bench-last   # the last run's logs, kept for a look
rm -rf "$KEEP"; mkdir -p "$KEEP"
SOCK=$DIR/vhost.sock
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$DIR" /var/run/dpdk/jvb-fe-$$ /var/run/dpdk/jvb-be-$$
}
trap cleanup EXIT

JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
# Build what the benchmark runs (under the shared Maven lock when there is one).
LOCK=(); [ -e /tmp/junction-mvn.lock ] && LOCK=(flock /tmp/junction-mvn.lock)
"${LOCK[@]}" mvn -B -q -Dstyle.color=never package -DskipTests -pl platform.core,shell,feature.l2,platform.drivers.linux,platform.drivers.vhost,feature.routing,bench >/dev/null
CP=bench/target/classes:platform.core/target/classes:platform.drivers.vhost/target/classes:shell/target/classes:feature.l2/target/classes

# frontend MODE: testpmd's virtio-user port as the guest; prints the average of its pps reports.
frontend() {
    local mode=$1 field=$2 log=$DIR/frontend-$1-against-$3.log
    dpdk-testpmd -l "$BACK_CPU,$FRONT_CPU" --main-lcore "$BACK_CPU" --no-pci --no-huge -m 512 \
        --file-prefix=jvb-fe-$$ --vdev "net_virtio_user0,path=$SOCK,queues=1,queue_size=1024" -- \
        --forward-mode="$mode" --nb-cores=1 --txd=1024 --rxd=1024 --burst=32 --total-num-mbufs=32768 \
        --stats-period=1 </dev/null >"$log" 2>&1 &
    local fe=$!
    # Run until WARMUP + SECONDS_RUN reports have come since traffic started (testpmd itself takes
    # a few seconds to start here), at most 120 s.
    for _ in $(seq 1200); do
        local n; n=$(awk -v f="$field:" '$1 == f && ($2 > 0 || s) { s = 1; c++ } END { print c + 0 }' "$log")
        [ "$n" -ge "$((WARMUP + SECONDS_RUN))" ] && break
        kill -0 "$fe" 2>/dev/null || break
        sleep 0.1
    done
    kill -INT "$fe" 2>/dev/null || true; wait "$fe" 2>/dev/null || true
    cp "$log" "$KEEP/" 2>/dev/null || true
    awk -v f="$field:" -v w="$WARMUP" -v m="$SECONDS_RUN" '$1 == f && ($2 > 0 || k) { k = 1; v[n++] = $2 }
        END { s = 0; c = 0; for (i = w; i < n && c < m; i++) { s += v[i]; c++ }
        if (c == 0) print "0.00"; else printf "%.2f", s / c / 1e6 }' "$log"
}

junction_backend() {   # MODE: sink or generator
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms512m -Xmx512m -cp "$CP" dev.junction.bench.VhostBench \
        --socket "$SOCK" --mode "$1" --cpu "$BACK_CPU" --seconds 150 >"$DIR/junction-$1.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 200); do grep -q listening "$DIR/junction-$1.log" 2>/dev/null && return 0; sleep 0.05; done
    echo "Junction did not start: $(cat "$DIR/junction-$1.log")" >&2; exit 1
}

testpmd_backend() {    # MODE: rxonly or txonly
    dpdk-testpmd -l "$FRONT_CPU,$BACK_CPU" --main-lcore "$FRONT_CPU" --no-pci --no-huge -m 512 --file-prefix=jvb-be-$$ \
        --vdev "net_vhost0,iface=$SOCK,queues=1" -- --forward-mode="$1" --nb-cores=1 --txd=1024 --rxd=1024 \
        --burst=32 --total-num-mbufs=32768 --stats-period=5 </dev/null >"$DIR/testpmd-backend-$1.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 200); do [ -S "$SOCK" ] && return 0; sleep 0.05; done
    echo "testpmd backend did not start: $(cat "$DIR/testpmd-backend-$1.log")" >&2; exit 1
}

stop_backend() {
    cp "$DIR"/junction-*.log "$DIR"/testpmd-backend-*.log "$KEEP/" 2>/dev/null || true
    for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    PIDS=(); rm -f "$SOCK"
}

junction_backend sink;        J_FROM=$(frontend txonly Tx-pps junction); stop_backend
testpmd_backend rxonly;       T_FROM=$(frontend txonly Tx-pps testpmd);  stop_backend
junction_backend generator;   J_TO=$(frontend rxonly Rx-pps junction);   stop_backend
testpmd_backend txonly;       T_TO=$(frontend rxonly Rx-pps testpmd);    stop_backend

echo "direction        junction-mpps  testpmd-vhost-mpps  ratio"
awk -v j="$J_FROM" -v t="$T_FROM" 'BEGIN { printf "guest->backend   %13s  %18s  %5.2f\n", j, t, (t > 0 ? j / t : 0) }'
awk -v j="$J_TO" -v t="$T_TO" 'BEGIN { printf "backend->guest   %13s  %18s  %5.2f\n", j, t, (t > 0 ? j / t : 0) }'
echo "frontend: dpdk-testpmd virtio-user, 1 forwarding core on CPU $FRONT_CPU; backend on CPU $BACK_CPU; 64-byte frames, ring 1024"
echo "averaged over ${SECONDS_RUN} s after ${WARMUP} s of warm-up"
machine
