#!/usr/bin/env bash
# Layer-2 switching and VXLAN on one core, 64-byte frames, side by side in one run:
#   1. Open vSwitch with DPDK (openvswitch-switch-dpdk: the userspace datapath, one PMD thread on
#      the CPU Junction's worker uses), fed by net_pcap ports replaying frames with distinct MACs
#      (bench/l2-pcap.py; net_null's all-zero MACs would make NORMAL meaningless):
#        ovs-normal-1k / ovs-normal-100k  two ports, actions=NORMAL, host i of one side to host i of
#                                         the other (500 / 50,000 MACs a side, all learned)
#        ovs-vxlan-encap                  a port's frames to a vxlan port (VNI 100) -> br-phy -> net_null
#        ovs-vxlan-decap                  VXLAN packets to br-phy's address -> tnl_pop -> br-int -> net_null
#   2. Junction on one worker (dev.junction.bench.L2Bench): the same four cases, bridge-1k,
#      bridge-100k, vxlan-encap, vxlan-decap, with bench ports that write frames like the pcaps.
# Prints Mpps, cycles per packet (OVS: pmd-perf-show; Junction: ns x nominal clock), bytes
# allocated per packet (Junction), and the ratios Junction/OVS.
# Usage: bench/run-l2.sh [--seconds N] [--only ovs|junction]   (root: installs what is missing)
# Memory for OVS's DPDK: 2 MB hugepages (reserved and given back here), or NOHUGE=1 for none.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
SECONDS_RUN=10
ONLY=ovs,junction
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_RUN=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        *) echo "usage: bench/run-l2.sh [--seconds N] [--only ovs|junction]" >&2; exit 2 ;;
    esac
done
CPU=$(($(nproc) - 1))
W=$(mktemp -d /tmp/junction-l2-bench.XXXXXX)
RESULTS=$W/results
NS=jl2-$$
HUGE_MOUNTED=0
cleanup() {
    if [ -f "$W/ovs-vswitchd.pid" ]; then
        for b in $(OVS_RUNDIR=$W ovs-vsctl --timeout=5 list-br 2>/dev/null); do OVS_RUNDIR=$W ovs-vsctl --timeout=5 del-br "$b" || true; done
    fi
    for p in ovs-vswitchd ovsdb-server; do [ -f "$W/$p.pid" ] && kill "$(cat "$W/$p.pid")" 2>/dev/null || true; done
    sleep 1
    ip netns del "$NS" 2>/dev/null || true
    if [ $HUGE_MOUNTED = 1 ]; then umount "$W/huge" 2>/dev/null || true; echo 0 > /proc/sys/vm/nr_hugepages; fi
    rm -rf "$W"
}
trap cleanup EXIT
touch "$RESULTS"

ovs() {
    tools/packages.sh need /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk ovs-vsctl ovs-appctl ovs-ofctl \
        ovsdb-server ovsdb-tool || exit 1
    export OVS_RUNDIR=$W OVS_DBDIR=$W OVS_LOGDIR=$W
    python3 bench/l2-pcap.py "$W/a1k.pcap" 500 020a00000000 020b00000000
    python3 bench/l2-pcap.py "$W/b1k.pcap" 500 020b00000000 020a00000000
    python3 bench/l2-pcap.py "$W/a100k.pcap" 50000 020a00000000 020b00000000
    python3 bench/l2-pcap.py "$W/b100k.pcap" 50000 020b00000000 020a00000000
    python3 bench/l2-pcap.py "$W/vx.pcap" 500 020b00000000 020a00000000 --vxlan 172.31.1.2 172.31.1.1 02:00:00:00:00:01
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
    # flow-limit: room for the 100k-MAC case's datapath flows (the default, 10,000, would make OVS
    # upcall for most packets there: measured 0.2 Mpps, which says nothing about its forwarding).
    ovs-vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true "$MEM" other_config:flow-limit=400000 \
        other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=$(printf '0x%x' $((1 << CPU)))
    ip netns add "$NS"   # vswitchd's taps and its tunnel routing table live here
    ip netns exec "$NS" /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk unix:"$W/db.sock" \
        --pidfile="$W/ovs-vswitchd.pid" --detach --log-file="$W/ovs-vswitchd.log"
    T="-t $W/ovs-vswitchd-dpdk.$(cat "$W/ovs-vswitchd.pid").ctl"
    measure() { # NAME: the PMD's rate and cycles over SECONDS_RUN
        sleep 3
        ovs-appctl $T dpif-netdev/pmd-stats-clear >/dev/null
        sleep "$SECONDS_RUN"
        local line
        line=$(ovs-appctl $T dpif-netdev/pmd-perf-show | grep -m1 'Rx packets' || true)
        echo "$1 $line" | awk '{ name = $1; kpps = ""; cyc = "";
            for (i = 2; i <= NF; i++) { if ($(i+1) ~ /^Kpps/) kpps = $i; if ($(i+1) ~ /^cycles\/pkt/) cyc = $i }
            gsub(/[(]/, "", kpps); printf "ovs %s mpps=%.2f cycles_per_packet=%s\n", name, kpps / 1000, cyc }' | tee -a "$RESULTS"
    }
    for size in 1k 100k; do
        ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev other_config:mac-table-size=200000 \
            -- add-port br0 q1 -- set interface q1 type=dpdk "options:dpdk-devargs=net_pcap_a$size,rx_pcap=$W/a$size.pcap,infinite_rx=1" \
            -- add-port br0 q2 -- set interface q2 type=dpdk "options:dpdk-devargs=net_pcap_b$size,rx_pcap=$W/b$size.pcap,infinite_rx=1"
        measure "normal-$size"
        ovs-vsctl del-br br0
    done
    ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev other_config:hwaddr=02:00:00:00:00:01 \
        -- add-port br-phy pout -- set interface pout type=dpdk "options:dpdk-devargs=net_null0,no-rx=1" ofport_request=1 \
        -- add-br br-int -- set bridge br-int datapath_type=netdev \
        -- add-port br-int q3 -- set interface q3 type=dpdk "options:dpdk-devargs=net_pcap_e,rx_pcap=$W/a1k.pcap,infinite_rx=1" ofport_request=1 \
        -- add-port br-int vxlan0 -- set interface vxlan0 type=vxlan options:remote_ip=172.31.1.2 options:key=100 ofport_request=2
    ip -n "$NS" addr add 172.31.1.1/24 dev br-phy; ip -n "$NS" link set br-phy up
    ovs-ofctl del-flows br-int; ovs-ofctl add-flow br-int in_port=1,actions=2
    ovs-ofctl del-flows br-phy; ovs-ofctl add-flow br-phy actions=1
    ovs-appctl $T tnl/neigh/set br-phy 172.31.1.2 02:00:00:00:00:99 >/dev/null
    measure vxlan-encap
    # Decapsulation: VXLAN packets to br-phy's address arrive on a pcap port of br-phy; NORMAL hands
    # them to the bridge's own port, where the datapath pops the tunnel into br-int's vxlan0.
    ovs-vsctl del-port br-int q3 -- add-port br-int dout -- set interface dout type=dpdk "options:dpdk-devargs=net_null1,no-rx=1" ofport_request=3 \
        -- add-port br-phy pin -- set interface pin type=dpdk "options:dpdk-devargs=net_pcap_d,rx_pcap=$W/vx.pcap,infinite_rx=1" ofport_request=2
    ovs-ofctl del-flows br-int; ovs-ofctl add-flow br-int in_port=2,actions=3
    ovs-ofctl del-flows br-phy; ovs-ofctl add-flow br-phy actions=NORMAL
    measure vxlan-decap
    ovs-vsctl del-br br-int; ovs-vsctl del-br br-phy
}

junction() {
    JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
    export JAVA_HOME MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
    mvn -B -q -Dstyle.color=never package -DskipTests -pl bench -am >/dev/null
    CP=bench/target/classes:platform.core/target/classes:feature.routing/target/classes:feature.l2/target/classes:feature.overlay/target/classes
    # Each case in a JVM of its own, as each would be a Junction of its own: the JIT compiles a node
    # for the traffic it has seen, and a case run before (100k MACs) would shape the next one's code.
    for c in bridge-1k bridge-100k vxlan-encap vxlan-decap; do
        "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms2g -Xmx2g -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch \
            -cp "$CP" dev.junction.bench.L2Bench "$c" --cpu "$CPU" --seconds "$SECONDS_RUN" --warmup 4 | tee -a "$RESULTS"
    done
}

[[ ",$ONLY," == *,ovs,* ]] && ovs
[[ ",$ONLY," == *,junction,* ]] && junction
ratio() { # JUNCTION_CASE OVS_CASE
    local j o
    j=$(sed -n "s/^junction $1 mpps=\([0-9.]*\).*/\1/p" "$RESULTS")
    o=$(sed -n "s/^ovs $2 mpps=\([0-9.]*\).*/\1/p" "$RESULTS")
    [ -n "$j" ] && [ -n "$o" ] && awk -v j="$j" -v o="$o" -v n="$1" 'BEGIN { if (o > 0) printf "ratio junction/ovs-dpdk %s: %.2f\n", n, j / o }'
    return 0
}
ratio bridge-1k normal-1k; ratio bridge-100k normal-100k; ratio vxlan-encap vxlan-encap; ratio vxlan-decap vxlan-decap
machine "CPU $CPU"
