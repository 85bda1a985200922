#!/usr/bin/env bash
# MPLS forwarding on one core, 64-byte frames, 100,000 labels, side by side in one run:
#   1. Open vSwitch with DPDK (the userspace datapath, one PMD thread on the CPU Junction's worker
#      uses): a net_pcap port replays frames with one label each (1000 + i, i < LABELS, IPv4 under
#      it; bench/l2-pcap.py --mpls), one OpenFlow flow a label swaps it (set_field mpls_label,
#      dec_mpls_ttl, the next hop's MAC) out of a net_null port: ovs-mpls-swap.
#   2. Junction on one worker (dev.junction.bench.MplsBench), each case in a JVM of its own, the full
#      IPv4 table (data/) loaded in each: routed (the IPv4 reference, RoutedPipelineBench's case),
#      swap (LABELS label entries, one label for one), impose (LABELS imposition entries on /32s,
#      one label pushed after ip4-lookup).
# Prints Mpps, cycles per packet (OVS: pmd-perf-show; Junction: ns x nominal clock), bytes
# allocated per packet (Junction), the time to make the entries, and the ratios.
# Usage: bench/run-mpls.sh [--seconds N] [--labels N] [--only ovs|junction]   (root: installs what is missing)
# Memory for OVS's DPDK: 2 MB hugepages (reserved and given back here), or NOHUGE=1 for none.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
SECONDS_RUN=10
LABELS=100000
ONLY=ovs,junction
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        --labels) LABELS=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        *) echo "usage: bench/run-mpls.sh [--seconds N] [--labels N] [--only ovs|junction]" >&2; exit 2 ;;
    esac
done
CPU=$(($(nproc) - 1))
W=$(mktemp -d /tmp/junction-mpls-bench.XXXXXX)
RESULTS=$W/results
HUGE_MOUNTED=0
cleanup() {
    if [ -f "$W/ovs-vswitchd.pid" ]; then
        for b in $(OVS_RUNDIR=$W ovs-vsctl --timeout=5 list-br 2>/dev/null); do OVS_RUNDIR=$W ovs-vsctl --timeout=5 del-br "$b" || true; done
    fi
    for p in ovs-vswitchd ovsdb-server; do [ -f "$W/$p.pid" ] && kill "$(cat "$W/$p.pid")" 2>/dev/null || true; done
    sleep 1
    if [ $HUGE_MOUNTED = 1 ]; then umount "$W/huge" 2>/dev/null || true; echo 0 > /proc/sys/vm/nr_hugepages; fi
    rm -rf "$W"
}
trap cleanup EXIT
touch "$RESULTS"

ovs() {
    tools/packages.sh need /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk ovs-vsctl ovs-appctl ovs-ofctl \
        ovsdb-server ovsdb-tool || exit 1
    export OVS_RUNDIR=$W OVS_DBDIR=$W OVS_LOGDIR=$W
    python3 bench/l2-pcap.py "$W/mpls.pcap" "$LABELS" 020000000002 020000000001 --mpls 1000
    awk -v n="$LABELS" 'BEGIN { for (i = 0; i < n; i++)
        printf "in_port=1,mpls,mpls_label=%d,actions=set_field:%d->mpls_label,dec_mpls_ttl,set_field:02:00:00:00:00:03->eth_dst,output:2\n",
            1000 + i, 301000 + i }' > "$W/flows"
    ovsdb-tool create "$W/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$W/conf.db" --remote=punix:"$W/db.sock" --pidfile="$W/ovsdb-server.pid" --detach --log-file="$W/ovsdb-server.log"
    ovs-vsctl --no-wait init
    if [ "${NOHUGE:-0}" = 1 ]; then
        MEM="other_config:dpdk-extra=--no-huge --legacy-mem -m 1024 --no-pci"
    else
        echo 600 > /proc/sys/vm/nr_hugepages
        mkdir -p "$W/huge"; mount -t hugetlbfs -o pagesize=2M nodev "$W/huge"; HUGE_MOUNTED=1
        MEM="other_config:dpdk-extra=--no-pci --huge-dir=$W/huge"
        ovs-vsctl --no-wait set Open_vSwitch . other_config:dpdk-socket-mem=512
    fi
    # flow-limit: room for one datapath flow a label (the default, 10,000, would make OVS upcall
    # for most packets, which says nothing about its forwarding).
    ovs-vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true "$MEM" other_config:flow-limit=400000 \
        other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=$(printf '0x%x' $((1 << CPU)))
    /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk unix:"$W/db.sock" \
        --pidfile="$W/ovs-vswitchd.pid" --detach --log-file="$W/ovs-vswitchd.log"
    T="-t $W/ovs-vswitchd-dpdk.$(cat "$W/ovs-vswitchd.pid").ctl"
    # The flows first, then the port that sends: 100,000 flows added while frames already miss
    # them (an upcall each, revalidated against a growing table) did not finish in 5 minutes.
    ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
        -- add-port br0 pout -- set interface pout type=dpdk "options:dpdk-devargs=net_null0,no-rx=1" ofport_request=2
    ovs-ofctl del-flows br0
    local t0 t1
    t0=$(date +%s.%N)
    ovs-ofctl add-flows br0 "$W/flows"
    t1=$(date +%s.%N)
    echo "ovs mpls flows: $LABELS added in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s (ovs-ofctl add-flows)" | tee -a "$RESULTS"
    ovs-vsctl add-port br0 q1 -- set interface q1 type=dpdk "options:dpdk-devargs=net_pcap_m,rx_pcap=$W/mpls.pcap,infinite_rx=1" ofport_request=1
    # Every label's datapath flow in place before the measurement: each is an upcall (about 3,000
    # a second here), so wait until the datapath holds them all (at most 5 minutes).
    local have=0 deadline=$((SECONDS + 300))
    while [ "$have" -lt "$LABELS" ] && [ $SECONDS -lt $deadline ]; do
        sleep 2
        have=$(ovs-appctl $T upcall/show | sed -n 's/.*flows *: (current \([0-9]*\)).*/\1/p' | head -1)
        have=${have:-0}
    done
    echo "ovs datapath flows before the measurement: $have" | tee -a "$RESULTS"
    sleep 3
    ovs-appctl $T dpif-netdev/pmd-stats-clear >/dev/null
    sleep "$SECONDS_RUN"
    local line flows
    line=$(ovs-appctl $T dpif-netdev/pmd-perf-show | grep -m1 'Rx packets' || true)
    flows=$(ovs-appctl $T dpctl/dump-flows 2>/dev/null | wc -l)
    echo "mpls-swap $line" | awk -v flows="$flows" '{ name = $1; kpps = ""; cyc = "";
        for (i = 2; i <= NF; i++) { if ($(i+1) ~ /^Kpps/) kpps = $i; if ($(i+1) ~ /^cycles\/pkt/) cyc = $i }
        gsub(/[(]/, "", kpps); printf "ovs %s mpps=%.2f cycles_per_packet=%s datapath_flows=%s\n", name, kpps / 1000, cyc, flows }' | tee -a "$RESULTS"
    ovs-vsctl del-br br0
}

junction() {
    JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
    export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
    mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
    CP=bench/target/classes:platform.core/target/classes:feature.routing/target/classes:feature.mpls/target/classes
    for c in routed swap impose; do
        "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms3g -Xmx3g -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch \
            -cp "$CP" dev.junction.bench.MplsBench data "$c" --cpu "$CPU" --seconds "$SECONDS_RUN" --warmup 4 --labels "$LABELS" \
            | tee -a "$RESULTS"
    done
}

[[ ",$ONLY," == *,ovs,* ]] && ovs
[[ ",$ONLY," == *,junction,* ]] && junction
ratio "junction swap / junction routed ipv4" "junction mpls-swap" "junction ipv4-routed"
ratio "junction impose / junction routed ipv4" "junction mpls-impose" "junction ipv4-routed"
ratio "junction swap / ovs-dpdk swap" "junction mpls-swap" "ovs mpls-swap"
machine "CPU $CPU"
