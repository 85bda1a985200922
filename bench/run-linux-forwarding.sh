#!/usr/bin/env bash
# IPv4 forwarding between Linux network namespaces, side by side in one run, on one topology with
# one traffic generator (issue 4):
#
#   jb-gen-ID: e0 10.77.1.2 ==veth== f1 [ jb-rtr-ID: the forwarder ] f2 ==veth== e0 10.77.2.2 :jb-sink-ID
#
# UDP frames to 10.77.3.0/24 (a prefix routed via the sink 10.77.2.2), many flows, go from the
# generator through the forwarder to the sink. The forwarders, measured one after the other on the
# same namespaces and veth pairs:
#   kernel     Linux forwarding in jb-rtr (net.ipv4.ip_forward=1, addresses on f1/f2, a static route)
#   ovs        Open vSwitch userspace datapath (datapath_type=netdev), f1/f2 as ordinary `system`
#              ports (polled by ovs-vswitchd's main thread), OpenFlow doing the router's work:
#              match in_port+IPv4+destination prefix, rewrite both MACs, dec_ttl, output
#   ovs-afxdp  the same bridge and flows with f1/f2 as `afxdp` ports (XDP generic/skb mode), polled
#              by a PMD thread
#   junction   the runnable jar: AF_PACKET devices on f1/f2, addresses, the same static route, one
#              worker pinned (ARP warmed by a ping first; static neighbours do not exist yet)
#   junction-afxdp  the same with AF_XDP devices on f1/f2 (native XDP on veth, copy-mode sockets;
#              the UMEM is the worker's packet pool)
# and first the generator alone (nothing forwards: jb-rtr's kernel drops the frames at ip_rcv) to
# show what it can offer.
#
# CPUs: the generator on CPU 0; everything the forwarder does on the last CPU: f1's receive
# processing is steered there with RPS (so the kernel forwards, and AF_PACKET/XDP copy, on that
# CPU), ovs-vswitchd is confined there with taskset and its PMD mask names it, Junction's worker is
# pinned there (the JVM's other threads, the JIT at warm-up, may run anywhere). The sink's receive
# processing runs where f2 transmits (the forwarder CPU) for every forwarder alike.
#
# Measured over a window after a warm-up: forwarded = the sink's e0 rx_packets, offered = the
# generator's e0 tx_packets, both per second; loss = what f1 received but the sink did not; CPU busy
# from /proc/stat. The generator (a PACKET_TX_RING sender, C, compiled here from the source below)
# is closed-loop through its ring: a slot comes back when the kernel frees its skb. A forwarder that
# keeps the skb until it has forwarded it (the kernel) is never offered more than it forwards, and
# the CPU figures say which side was saturated; the userspace forwarders get a copy and the skb is
# freed at once, so they are offered all the generator can send.
#
# Then, per forwarder, TCP: iperf3 from the generator's namespace to the sink (10.77.2.2) for
# --tcp seconds, both ends on the generator's CPU, the hosts' offloads off (TSO, GSO, checksum: the
# userspace forwarders see no checksum status, and with GSO the kernel alone would move 64 KiB
# segments); the receiver's Gbit/s.
#
# Usage: bench/run-linux-forwarding.sh [--seconds N] [--size BYTES] [--flows N] [--rounds N] [--rate PPS]
#                                      [--only LIST] [--no-rps]
#   --seconds  measured window per forwarder (default 10; a 5 s warm-up comes before it)
#   --size     Ethernet frame size with FCS, 64..1518 (default 64: 60 bytes on the veth)
#   --flows    number of flows: destinations in 10.77.3.1-250 x UDP source ports (default 1000)
#   --rounds   measure every forwarder this many times, in turn (default 2); the summary takes each
#              one's best round (other work on the machine only ever lowers a rate)
#   --rate     cap the generator at PPS frames per second (default 0: as fast as it goes), to find
#              the highest rate a forwarder carries without loss
#   --only     comma-separated subset of gen,kernel,ovs,ovs-afxdp,junction,junction-afxdp (default: all)
#   --tcp      iperf3 seconds per forwarder after its frame rate (default 5; 0: no TCP)
#   --no-rps   leave f1's receive processing where the generator transmits (CPU 0): the kernel then
#              forwards on the generator's CPU, and AF_PACKET/XDP copies for the userspace
#              forwarders cost the generator, not the forwarder
# Root. Installs what is missing (tools/packages.sh: iproute2, iputils-ping, gcc, iperf3, openvswitch-switch);
# needs a JDK 25 and builds app/target/junction.jar with Maven when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
ROOT=$PWD
SECONDS_RUN=10
SIZE=64
FLOWS=1000
WARMUP=5
ONLY=gen,kernel,ovs,ovs-afxdp,junction,junction-afxdp
ALL=gen,kernel,kernel-ct,ovs,ovs-afxdp,junction,junction-afxdp,junction-fw,junction-afxdp-fw
TCP=5
RPS=1
ROUNDS=2
RATE=0
UDP_TIMEOUT=30
CT_MAX=4194304
usage() { echo "usage: bench/run-linux-forwarding.sh [--seconds N] [--size BYTES] [--flows N] [--rounds N] [--rate PPS] [--only LIST] [--tcp S] [--no-rps] [--udp-timeout S] [--ct-max N]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) [ $# -ge 2 ] || usage; SECONDS_RUN=$2; shift 2 ;;
        --size) [ $# -ge 2 ] || usage; SIZE=$2; shift 2 ;;
        --flows) [ $# -ge 2 ] || usage; FLOWS=$2; shift 2 ;;
        --only) [ $# -ge 2 ] || usage; ONLY=$2; shift 2 ;;
        --rounds) [ $# -ge 2 ] || usage; ROUNDS=$2; shift 2 ;;
        --rate) [ $# -ge 2 ] || usage; RATE=$2; shift 2 ;;
        --tcp) [ $# -ge 2 ] || usage; TCP=$2; shift 2 ;;
        --no-rps) RPS=0; shift ;;
        --udp-timeout) [ $# -ge 2 ] || usage; UDP_TIMEOUT=$2; shift 2 ;;
        --ct-max) [ $# -ge 2 ] || usage; CT_MAX=$2; shift 2 ;;
        *) usage ;;
    esac
done
[[ $SECONDS_RUN =~ ^[0-9]+$ ]] && [ "$SECONDS_RUN" -ge 1 ] || { echo "--seconds: a whole number >= 1" >&2; exit 2; }
[[ $SIZE =~ ^[0-9]+$ ]] && [ "$SIZE" -ge 64 ] && [ "$SIZE" -le 1518 ] || { echo "--size: 64..1518" >&2; exit 2; }
[[ $TCP =~ ^[0-9]+$ ]] || { echo "--tcp: iperf3 seconds, 0 for none" >&2; exit 2; }
[[ $RATE =~ ^[0-9]+$ ]] || { echo "--rate: packets per second, 0 for as fast as it goes" >&2; exit 2; }
[[ $ROUNDS =~ ^[0-9]+$ ]] && [ "$ROUNDS" -ge 1 ] || { echo "--rounds: a whole number >= 1" >&2; exit 2; }
[[ $FLOWS =~ ^[0-9]+$ ]] && [ "$FLOWS" -ge 1 ] && [ "$FLOWS" -le 16000000 ] || { echo "--flows: 1..16000000" >&2; exit 2; }
[[ $UDP_TIMEOUT =~ ^[0-9]+$ ]] && [ "$UDP_TIMEOUT" -ge 1 ] || { echo "--udp-timeout: seconds, 1 and up" >&2; exit 2; }
[[ $CT_MAX =~ ^[0-9]+$ ]] && [ "$CT_MAX" -ge 1024 ] && [ "$CT_MAX" -le 67108864 ] && [ $((CT_MAX & (CT_MAX - 1))) = 0 ] ||
    { echo "--ct-max: a power of two, 1024..67108864" >&2; exit 2; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }
[ "$(id -u)" = 0 ] || { echo "run-linux-forwarding: needs root (network namespaces)" >&2; exit 1; }

# --- what the run needs ---
tools=(ip ping ethtool taskset gcc /usr/include/stdio.h)
if [ "$TCP" -gt 0 ]; then tools+=(iperf3); fi
if want ovs || want ovs-afxdp; then tools+=(/usr/lib/openvswitch-switch/ovs-vswitchd ovs-vsctl ovsdb-server ovsdb-tool); fi
if want kernel-ct; then tools+=(nft); fi
for o in ${ONLY//,/ }; do [[ ",$ALL," == *",$o,"* ]] || { echo "--only: $o is none of $ALL" >&2; exit 2; }; done
tools/packages.sh need "${tools[@]}" || exit 1
JAR=$ROOT/app/target/junction.jar
if want junction || want junction-afxdp || want junction-fw || want junction-afxdp-fw; then
    JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
    [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ] || { echo "run-linux-forwarding: no JDK 25 (set JAVA_HOME)" >&2; exit 1; }
    export JAVA_HOME
    if [ ! -f "$JAR" ]; then
        echo "run-linux-forwarding: building $JAR" >&2
        MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" PATH="$JAVA_HOME/bin:$PATH" \
            mvn -B -q package -DskipTests >/dev/null
    fi
fi

CPUS=$(nproc)
[ "$CPUS" -ge 2 ] || { echo "run-linux-forwarding: needs 2 CPUs at least" >&2; exit 1; }
GEN_CPU=0
FWD_CPU=$((CPUS - 1))
ID=$$
GEN=jb-gen-$ID
RTR=jb-rtr-$ID
SINK=jb-sink-$ID
WORK=$(mktemp -d /tmp/jb-linuxfwd.XXXXXX)
PIDS=()
OVS_DB=$WORK/ovs/run/db.sock

CT_SAVED=""
cleanup() {
    set +e
    if [ -n "$CT_SAVED" ]; then # the host's conntrack sizes as they were (they are global, not per namespace)
        sysctl -qw net.netfilter.nf_conntrack_buckets="${CT_SAVED% *}" net.netfilter.nf_conntrack_max="${CT_SAVED#* }"
    fi
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$p" 2>/dev/null
    done
    if [ -f "$WORK/ovs/run/ovs-vswitchd.pid" ]; then
        ovs-vsctl --db="unix:$OVS_DB" --timeout=5 -- --if-exists del-br jb0 >/dev/null 2>&1
        kill "$(cat "$WORK/ovs/run/ovs-vswitchd.pid")" 2>/dev/null
    fi
    [ -f "$WORK/ovs/run/ovsdb-server.pid" ] && kill "$(cat "$WORK/ovs/run/ovsdb-server.pid")" 2>/dev/null
    for n in "$GEN" "$RTR" "$SINK"; do
        ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del "$n" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- the generator: every slot of a PACKET_TX_RING holds one flow's frame, built once ---
cat >"$WORK/jb-gen.c" <<'EOF'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void) s; stop = 1; }

static int parse_mac(const char *s, uint8_t *m) {
    return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6 ? 0 : -1;
}

static uint16_t ip_checksum(const uint8_t *h) {
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += (uint32_t) (h[i] << 8 | h[i + 1]);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t) ~s;
}

int main(int argc, char **argv) {
    if (argc != 9) {
        fprintf(stderr, "usage: jb-gen IFACE SRC-MAC DST-MAC SRC-IP DST-NET FRAME-LEN(60..1514) FLOWS PPS(0: no limit)\n");
        return 2;
    }
    uint8_t smac[6], dmac[6];
    struct in_addr sip, dnet;
    int len = atoi(argv[6]), flows = atoi(argv[7]);
    double pps = atof(argv[8]);
    if (parse_mac(argv[2], smac) || parse_mac(argv[3], dmac) || !inet_aton(argv[4], &sip)
            || !inet_aton(argv[5], &dnet) || len < 60 || len > 1514 || flows < 1 || flows > 16000000) {
        fprintf(stderr, "jb-gen: bad argument\n");
        return 2;
    }
    int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: the socket receives nothing */
    if (fd < 0) { perror("jb-gen: socket"); return 1; }
    int version = TPACKET_V2, one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version)) { perror("jb-gen: PACKET_VERSION"); return 1; }
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    /* Socket memory for the whole ring in flight (root may exceed wmem_max): the generator is then
     * held back by the ring only, not by the default 208 KiB send buffer. */
    int sndbuf = 64 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf)) perror("jb-gen: SO_SNDBUFFORCE");
    struct tpacket_req req = {.tp_block_size = 1 << 16, .tp_frame_size = 2048, .tp_block_nr = 64};
    req.tp_frame_nr = req.tp_block_nr * (req.tp_block_size / req.tp_frame_size);
    if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req)) { perror("jb-gen: PACKET_TX_RING"); return 1; }
    uint8_t *ring = mmap(NULL, (size_t) req.tp_block_size * req.tp_block_nr, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ring == MAP_FAILED) { perror("jb-gen: mmap"); return 1; }
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int) if_nametoindex(argv[1])};
    if (!sll.sll_ifindex || bind(fd, (struct sockaddr *) &sll, sizeof sll)) { perror("jb-gen: bind"); return 1; }

    /* Flow f: destination DST-NET + 1 + f % 250, UDP source port 1024 + f / 250, port 9. With more
     * flows than the ring has slots, each slot is given the next flow's addresses before it is sent. */
    unsigned n = req.tp_frame_nr;
    int rewrite = (unsigned) flows > n;
    for (unsigned i = 0; i < n; i++) {
        struct tpacket2_hdr *h = (void *) (ring + (size_t) i * req.tp_frame_size);
        uint8_t *f = (uint8_t *) h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
        unsigned flow = i % (unsigned) flows;
        memset(f, 0, (size_t) len);
        memcpy(f, dmac, 6);
        memcpy(f + 6, smac, 6);
        f[12] = 0x08;
        uint8_t *ip = f + 14;
        int iplen = len - 14;
        ip[0] = 0x45;
        ip[2] = (uint8_t) (iplen >> 8);
        ip[3] = (uint8_t) iplen;
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 12, &sip, 4);
        uint32_t dst = htonl(ntohl(dnet.s_addr) + 1 + flow % 250);
        memcpy(ip + 16, &dst, 4);
        uint16_t c = ip_checksum(ip);
        ip[10] = (uint8_t) (c >> 8);
        ip[11] = (uint8_t) c;
        uint8_t *udp = ip + 20;
        uint16_t sport = (uint16_t) (1024 + flow / 250), ulen = (uint16_t) (iplen - 20);
        udp[0] = (uint8_t) (sport >> 8);
        udp[1] = (uint8_t) sport;
        udp[3] = 9;
        udp[4] = (uint8_t) (ulen >> 8);
        udp[5] = (uint8_t) ulen; /* UDP checksum 0: none, as IPv4 allows */
        h->tp_len = (unsigned) len;
        h->tp_status = TP_STATUS_AVAILABLE;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    unsigned long long queued = 0;
    unsigned i = 0, pending = 0;
    unsigned long long paced_from = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!stop) {
        if (pps > 0 && pending == 0 && (queued & 31) == 0) { /* paced: 32 frames at a time, never ahead */
            clock_gettime(CLOCK_MONOTONIC, &now);
            double due = (double) (queued - paced_from) / pps, el = (double) (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
            if (el > due + 0.01) { /* more than 10 ms behind (a full ring): start afresh, no long burst */
                t0 = now;
                paced_from = queued;
            } else if (el < due) {
                struct timespec d = {.tv_sec = 0, .tv_nsec = (long) ((due - el) * 1e9)};
                if (d.tv_nsec > 999999999) d.tv_nsec = 999999999;
                nanosleep(&d, NULL);
                continue;
            }
        }
        struct tpacket2_hdr *h = (void *) (ring + (size_t) i * req.tp_frame_size);
        uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (status != TP_STATUS_AVAILABLE) {
            if (status & TP_STATUS_WRONG_FORMAT) { fprintf(stderr, "jb-gen: the kernel refused a frame\n"); return 1; }
            if (pending) { send(fd, NULL, 0, 0); pending = 0; continue; }
            /* The ring is full; a slot comes back when its skb is freed, roughly in ring order. Wait
             * for a batch of 256 free slots rather than sending one frame per system call. */
            struct tpacket2_hdr *ahead = (void *) (ring + (size_t) ((i + 255) % n) * req.tp_frame_size);
            while (!stop && __atomic_load_n(&ahead->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE
                    && __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
                usleep(20);
            while (!stop && __atomic_load_n(&ahead->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
                usleep(20);
            continue;
        }
        if (rewrite) {
            unsigned flow = (unsigned) (queued % (unsigned long long) flows);
            uint8_t *ip = (uint8_t *) h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll) + 14;
            uint32_t dst = htonl(ntohl(dnet.s_addr) + 1 + flow % 250);
            uint16_t sport = (uint16_t) (1024 + flow / 250);
            memcpy(ip + 16, &dst, 4);
            ip[10] = ip[11] = 0;
            uint16_t c = ip_checksum(ip);
            ip[10] = (uint8_t) (c >> 8);
            ip[11] = (uint8_t) c;
            ip[20] = (uint8_t) (sport >> 8);
            ip[21] = (uint8_t) sport;
        }
        __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
        queued++;
        i = (i + 1) % n;
        if (++pending == (pps > 0 ? 32u : 256u)) { send(fd, NULL, 0, 0); pending = 0; } /* blocking: waits for socket memory */
    }
    if (pending) send(fd, NULL, 0, 0);
    printf("jb-gen queued=%llu\n", queued);
    return 0;
}
EOF
gcc -O2 -Wall -o "$WORK/jb-gen" "$WORK/jb-gen.c"

# --- the topology ---
ip netns add "$GEN"
ip netns add "$RTR"
ip netns add "$SINK"
ip link add f1 netns "$RTR" type veth peer name e0 netns "$GEN"
ip link add f2 netns "$RTR" type veth peer name e0 netns "$SINK"
for n in "$GEN" "$RTR" "$SINK"; do ip -n "$n" link set lo up; done
ip netns exec "$RTR" sysctl -qw net.ipv6.conf.f1.disable_ipv6=1 net.ipv6.conf.f2.disable_ipv6=1
ip netns exec "$GEN" sysctl -qw net.ipv6.conf.e0.disable_ipv6=1
ip netns exec "$SINK" sysctl -qw net.ipv6.conf.e0.disable_ipv6=1
ip -n "$RTR" link set f1 up
ip -n "$RTR" link set f2 up
ip -n "$GEN" link set e0 up
ip -n "$SINK" link set e0 up
# The hosts fill in their own checksums and send MTU-sized segments (see TCP above).
ip netns exec "$GEN" ethtool -K e0 tso off gso off tx off >/dev/null
ip netns exec "$SINK" ethtool -K e0 tso off gso off tx off >/dev/null
ip -n "$GEN" addr add 10.77.1.2/24 dev e0
ip -n "$GEN" route add default via 10.77.1.1
# The sink owns 10.77.2.2 only: frames to 10.77.3.x stop at its route lookup (no forwarding there).
ip -n "$SINK" addr add 10.77.2.2/24 dev e0
ip -n "$SINK" route add default via 10.77.2.1
ip netns exec "$SINK" sysctl -qw net.ipv4.ip_forward=0
# The forwarder's receive processing of f1 on the forwarder CPU.
if [ $RPS = 1 ]; then
    printf '%x' $((1 << FWD_CPU)) | ip netns exec "$RTR" tee /sys/class/net/f1/queues/rx-0/rps_cpus >/dev/null
fi

F1MAC=$(ip netns exec "$RTR" cat /sys/class/net/f1/address)
F2MAC=$(ip netns exec "$RTR" cat /sys/class/net/f2/address)
GMAC=$(ip netns exec "$GEN" cat /sys/class/net/e0/address)
SMAC=$(ip netns exec "$SINK" cat /sys/class/net/e0/address)
FRAME=$((SIZE - 4))

stat_of() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
cpu_ticks() { awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6 }' /proc/stat; }
busy() { # busy% of a CPU between two "total idle" samples
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; i = y[2] - x[2];
        if (t <= 0) print 0; else printf "%.0f", 100 * (t - i) / t }'
}
mpps() { awk -v n="$1" -v s="$SECONDS_RUN" 'BEGIN { printf "%.3f", n / s / 1e6 }'; }

declare -A RESULT ROUNDS_OF TCP_RESULT TCP_ROUNDS_OF
# iperf3 through the forwarder: the receiver's Gbit/s over --tcp seconds.
measure_tcp() {
    local name=$1
    [ "$TCP" -gt 0 ] || return 0
    taskset -c "$GEN_CPU" ip netns exec "$SINK" iperf3 -s -1 -p 5201 >"$WORK/iperf-s.out" 2>&1 &
    local sp=$!
    PIDS+=("$sp")
    local g="" c0g c0f c1g c1f
    c0g=$(cpu_ticks "$GEN_CPU"); c0f=$(cpu_ticks "$FWD_CPU")
    for _ in $(seq 20); do
        if g=$(taskset -c "$GEN_CPU" ip netns exec "$GEN" iperf3 -c 10.77.2.2 -p 5201 -t "$TCP" -f g 2>&1); then break; fi
        g=""; sleep 0.25   # the server not listening yet
    done
    c1g=$(cpu_ticks "$GEN_CPU"); c1f=$(cpu_ticks "$FWD_CPU")
    wait "$sp" 2>/dev/null || true
    local v
    v=$(awk '/receiver/ { print $(NF-2) }' <<<"$g")
    if [ -z "$v" ]; then echo "$name tcp: iperf3 failed: $(tail -2 <<<"$g")" >&2; return 0; fi
    TCP_ROUNDS_OF[$name]="${TCP_ROUNDS_OF[$name]:-}${TCP_ROUNDS_OF[$name]:+ }$v"
    if awk -v a="$v" -v b="${TCP_RESULT[$name]:-0}" 'BEGIN { exit !(a > b) }'; then TCP_RESULT[$name]=$v; fi
    # Both iperf3 ends run on the generator's CPU: at 100% there, that CPU (the hosts' TCP, and XDP's
    # copy for AF_XDP) is the limit, whatever the forwarder does; a spinning worker reads 100% always.
    printf '%-10s tcp=%s Gbit/s (iperf3 %s s, receiver; retransmits %s) cpu%d(iperf3)=%s%% cpu%d(fwd)=%s%%\n' "$name" "$v" "$TCP" \
        "$(awk '/sender/ { print $(NF-1) }' <<<"$g")" "$GEN_CPU" "$(busy "$c0g" "$c1g")" "$FWD_CPU" "$(busy "$c0f" "$c1f")"
}
# Runs the generator for warm-up + window and prints the forwarder's line.
measure() {
    local name=$1 note=$2
    taskset -c "$GEN_CPU" ip netns exec "$GEN" "$WORK/jb-gen" e0 "$GMAC" "$F1MAC" 10.77.1.2 10.77.3.0 "$FRAME" "$FLOWS" "$RATE" \
        >"$WORK/gen.out" 2>&1 &
    local gp=$!
    PIDS+=("$gp")
    sleep "$WARMUP"
    kill -0 "$gp" 2>/dev/null || { echo "$name: the generator stopped: $(cat "$WORK/gen.out")" >&2; return 1; }
    local load t0 s0 f0 fd0 c0g c0f t1 s1 f1 fd1 c1g c1f
    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(stat_of "$GEN" e0 tx_packets); s0=$(stat_of "$SINK" e0 rx_packets)
    f0=$(stat_of "$RTR" f1 rx_packets); fd0=$(stat_of "$RTR" f1 rx_dropped)
    c0g=$(cpu_ticks "$GEN_CPU"); c0f=$(cpu_ticks "$FWD_CPU")
    sleep "$SECONDS_RUN"
    t1=$(stat_of "$GEN" e0 tx_packets); s1=$(stat_of "$SINK" e0 rx_packets)
    f1=$(stat_of "$RTR" f1 rx_packets); fd1=$(stat_of "$RTR" f1 rx_dropped)
    c1g=$(cpu_ticks "$GEN_CPU"); c1f=$(cpu_ticks "$FWD_CPU")
    kill -INT "$gp" 2>/dev/null; wait "$gp" 2>/dev/null || true
    local fwd=$((s1 - s0)) off=$((t1 - t0)) rx=$((f1 - f0))
    if [ "$off" = 0 ] && [ $RPS = 1 ]; then
        echo "$name: the generator sent nothing in the window: RPS to CPU $FWD_CPU has wedged veth's backlog on some kernels (6.18 here); try --no-rps" >&2
    fi
    local loss
    loss=$(awk -v r="$rx" -v f="$fwd" 'BEGIN { if (r > 0) printf "%.1f", (r > f ? 100 * (r - f) / r : 0); else print "-" }')
    local val
    if [ "$name" = gen ]; then val=$(mpps "$off"); else val=$(mpps "$fwd"); fi
    ROUNDS_OF[$name]="${ROUNDS_OF[$name]:-}${ROUNDS_OF[$name]:+ }$val"
    if awk -v a="$val" -v b="${RESULT[$name]:-0}" 'BEGIN { exit !(a > b) }'; then RESULT[$name]=$val; fi
    printf '%-10s mpps=%s offered=%s f1-rx=%s loss=%s%% f1-rx-dropped=%d cpu%d(gen)=%s%% cpu%d(fwd)=%s%% load=%s  %s\n' \
        "$name" "$(mpps "$fwd")" "$(mpps "$off")" "$(mpps "$rx")" "$loss" $((fd1 - fd0)) \
        "$GEN_CPU" "$(busy "$c0g" "$c1g")" "$FWD_CPU" "$(busy "$c0f" "$c1f")" "$load" "$note"
}

wait_ping() { # until the sink answers through the forwarder (this also resolves the next hop)
    for _ in $(seq 60); do
        ip netns exec "$GEN" ping -c 1 -W 1 10.77.2.2 >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    return 1
}

machine "generator on CPU $GEN_CPU, forwarder on CPU $FWD_CPU, f1 receive on CPU $([ $RPS = 1 ] && echo "$FWD_CPU (RPS)" || echo "$GEN_CPU (no RPS)"); ${SIZE}-byte frames, $FLOWS flows, ${SECONDS_RUN} s window after ${WARMUP} s; generator rate $([ "$RATE" = 0 ] && echo unlimited || echo "capped at $RATE pps")"

# --- 0. the generator alone: jb-rtr has no address and forwards nothing; its kernel drops at ip_rcv ---
run_gen() {
    measure gen "(no forwarder: what the generator offers when the receiver only drops)" || true
}

# --- 1. Linux kernel forwarding ---
run_kernel() {
    ip -n "$RTR" addr add 10.77.1.1/24 dev f1
    ip -n "$RTR" addr add 10.77.2.1/24 dev f2
    ip -n "$RTR" route add 10.77.3.0/24 via 10.77.2.2
    ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1
    if wait_ping; then
        measure kernel "(ip_forward, softirq on CPU $([ $RPS = 1 ] && echo "$FWD_CPU through RPS" || echo "$GEN_CPU: no RPS"))" || true
        measure_tcp kernel
    else
        echo "kernel     failed: no ping through the kernel" >&2
    fi
    ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=0
    ip -n "$RTR" route flush table main
    ip -n "$RTR" addr flush dev f1
    ip -n "$RTR" addr flush dev f2
    ip -n "$RTR" neigh flush all
}

# --- 1b. Linux kernel forwarding through nftables and conntrack: the stateful reference ---
# What Junction's firewall does in junction-fw: connections from the generator's side tracked, the
# rest refused; every frame of a flow after its first is "ct state" of an entry (unreplied UDP:
# the generator's flows are one-way in both forwarders alike).
run_kernel_ct() {
    if [ -z "$CT_SAVED" ]; then
        CT_SAVED="$(sysctl -n net.netfilter.nf_conntrack_buckets) $(sysctl -n net.netfilter.nf_conntrack_max)"
    fi
    sysctl -qw net.netfilter.nf_conntrack_buckets=$((CT_MAX / 2)) net.netfilter.nf_conntrack_max="$CT_MAX"
    ip -n "$RTR" addr add 10.77.1.1/24 dev f1
    ip -n "$RTR" addr add 10.77.2.1/24 dev f2
    ip -n "$RTR" route add 10.77.3.0/24 via 10.77.2.2
    ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_udp_timeout="$UDP_TIMEOUT"
    ip netns exec "$RTR" nft -f - <<'NFT'
table inet jb {
    chain jbforward {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname "f1" ip saddr 10.77.1.0/24 ct state new accept
    }
}
NFT
    if wait_ping; then
        measure kernel-ct "(ip_forward + nftables: ct state established,related accept; from f1 new accept; policy drop)" || true
        echo "  kernel-ct  tracked after the window: $(ip netns exec "$RTR" cat /proc/sys/net/netfilter/nf_conntrack_count) (nf_conntrack_max $CT_MAX, udp timeout $UDP_TIMEOUT s)"
        measure_tcp kernel-ct
    else
        echo "kernel-ct  failed: no ping through the kernel and nftables" >&2
    fi
    ip netns exec "$RTR" nft flush ruleset
    ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=0
    ip -n "$RTR" route flush table main
    ip -n "$RTR" addr flush dev f1
    ip -n "$RTR" addr flush dev f2
    ip -n "$RTR" neigh flush all
}

# --- 2. Open vSwitch userspace datapath, private daemons in jb-rtr ---
ovs_up() {
    rm -rf "$WORK/ovs"
    mkdir -p "$WORK/ovs/run" "$WORK/ovs/db" "$WORK/ovs/log" "$WORK/ovs/etc"
    export OVS_RUNDIR=$WORK/ovs/run OVS_DBDIR=$WORK/ovs/db OVS_LOGDIR=$WORK/ovs/log OVS_SYSCONFDIR=$WORK/ovs/etc
    ovsdb-tool create "$WORK/ovs/db/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ip netns exec "$RTR" ovsdb-server "$WORK/ovs/db/conf.db" --remote="punix:$OVS_DB" \
        --pidfile="$OVS_RUNDIR/ovsdb-server.pid" --unixctl="$OVS_RUNDIR/ovsdb-server.ctl" --detach \
        --log-file="$OVS_LOGDIR/ovsdb-server.log" 2>/dev/null
    ovs-vsctl --db="unix:$OVS_DB" --no-wait init
    ovs-vsctl --db="unix:$OVS_DB" --no-wait set Open_vSwitch . other_config:pmd-cpu-mask="$(printf '0x%x' $((1 << FWD_CPU)))"
    ip netns exec "$RTR" taskset -c "$FWD_CPU" ovs-vswitchd "unix:$OVS_DB" --pidfile="$OVS_RUNDIR/ovs-vswitchd.pid" \
        --unixctl="$OVS_RUNDIR/ovs-vswitchd.ctl" --detach --log-file="$OVS_LOGDIR/ovs-vswitchd.log" 2>/dev/null
    ovs-vsctl --db="unix:$OVS_DB" --timeout=20 add-br jb0 -- set bridge jb0 datapath_type=netdev
}
ovs_flows() { # the router's work in OpenFlow: the next hop's MACs are known, TTL decremented
    ovs-ofctl del-flows jb0
    ovs-ofctl add-flow jb0 "priority=100,ip,in_port=f1,nw_dst=10.77.3.0/24,actions=mod_dl_src:$F2MAC,mod_dl_dst:$SMAC,dec_ttl,output:f2"
    ovs-ofctl add-flow jb0 "priority=100,ip,in_port=f1,nw_dst=10.77.2.0/24,actions=mod_dl_src:$F2MAC,mod_dl_dst:$SMAC,dec_ttl,output:f2"
    ovs-ofctl add-flow jb0 "priority=100,ip,in_port=f2,nw_dst=10.77.1.0/24,actions=mod_dl_src:$F1MAC,mod_dl_dst:$GMAC,dec_ttl,output:f1"
    ovs-ofctl add-flow jb0 "priority=0,actions=drop"
}
ovs_static_arp() { # OVS does not answer ARP for 10.77.x.1 here: the hosts get static neighbours for the ping
    ip -n "$GEN" neigh replace 10.77.1.1 lladdr "$F1MAC" dev e0 nud permanent
    ip -n "$SINK" neigh replace 10.77.2.1 lladdr "$F2MAC" dev e0 nud permanent
}
ovs_ok() { # the ping crosses OVS both ways
    for _ in $(seq 20); do ip netns exec "$GEN" ping -c 1 -W 1 10.77.2.2 >/dev/null 2>&1 && return 0; sleep 0.5; done
    return 1
}
run_ovs() {
    ovs_up
    ovs_static_arp
    if want ovs; then
        ovs-vsctl --db="unix:$OVS_DB" --timeout=20 add-port jb0 f1 -- add-port jb0 f2
        ovs_flows
        if ovs_ok; then
            measure ovs "(netdev datapath, system ports, main thread; OpenFlow: MACs + dec_ttl)" || true
            measure_tcp ovs
        else
            echo "ovs        failed: no ping through OVS (see $OVS_LOGDIR/ovs-vswitchd.log)" >&2
        fi
        ovs-vsctl --db="unix:$OVS_DB" --timeout=20 del-port jb0 f1 -- del-port jb0 f2
    fi
    if want ovs-afxdp; then
        if ovs-vsctl --db="unix:$OVS_DB" --timeout=20 add-port jb0 f1 -- set interface f1 type=afxdp options:xdp-mode=generic \
                -- add-port jb0 f2 -- set interface f2 type=afxdp options:xdp-mode=generic && ovs_flows && ovs_ok; then
            measure ovs-afxdp "(netdev datapath, afxdp ports in XDP generic mode, PMD on CPU $FWD_CPU)" || true
            measure_tcp ovs-afxdp
        else
            echo "ovs-afxdp  failed: $(grep -E 'ERR|WARN' "$OVS_LOGDIR/ovs-vswitchd.log" | tail -3)" >&2
        fi
        ovs-vsctl --db="unix:$OVS_DB" --timeout=20 -- --if-exists del-port jb0 f1 -- --if-exists del-port jb0 f2
    fi
    ovs-vsctl --db="unix:$OVS_DB" --timeout=20 del-br jb0
    kill "$(cat "$OVS_RUNDIR/ovs-vswitchd.pid")" "$(cat "$OVS_RUNDIR/ovsdb-server.pid")" 2>/dev/null || true
    for _ in $(seq 20); do
        pgrep -F "$OVS_RUNDIR/ovs-vswitchd.pid" >/dev/null 2>&1 || pgrep -F "$OVS_RUNDIR/ovsdb-server.pid" >/dev/null 2>&1 || break
        sleep 0.5
    done
    rm -f "$OVS_RUNDIR"/*.pid
    ip -n "$GEN" neigh flush all
    ip -n "$SINK" neigh flush all
    ip -n "$RTR" link set f1 xdpgeneric off 2>/dev/null || true
    ip -n "$RTR" link set f2 xdpgeneric off 2>/dev/null || true
}

# --- 3. Junction ---
run_junction() { # NAME TYPE [fw]: junction afpacket, or junction-afxdp afxdp; fw: the firewall as kernel-ct's
    local name=$1 type=$2 fw=${3:-} dev fwconf="" fwboot=""
    if [ "$type" = afxdp ]; then dev="type=afxdp mode=native"; else dev="type=afpacket"; fi
    J=$WORK/$name
    rm -rf "$J"
    mkdir -p "$J"
    # The devices first; addresses and the route once the devices exist (config:load below).
    cat >"$J/boot.conf" <<CONF
dataplane cpus=$FWD_CPU idle=spin
linux j1 $dev iface=f1
linux j2 $dev iface=f2
CONF
    cat >"$J/full.conf" <<CONF
dataplane cpus=$FWD_CPU idle=spin
linux j1 $dev iface=f1
linux j2 $dev iface=f2
address j1-a iface=j1 ip=10.77.1.1/24
address j2-a iface=j2 ip=10.77.2.1/24
route r3 prefix=10.77.3.0/24 via=10.77.2.2
CONF
    if [ "$fw" = fw ]; then # kernel-ct's policy: from j1 new connections tracked; others only as replies
        cat >>"$J/full.conf" <<CONF
fw-settings table=$CT_MAX udp=$UDP_TIMEOUT
fw-rule from-gen set=gen-side priority=10 action=permit+track src=10.77.1.0/24
fw-attach j1-in iface=j1 direction=in set=gen-side
fw-attach j2-in iface=j2 direction=in set=sink-side
CONF
        # A set with no rule refuses all that is not a reply; fw-rule makes the set, so give it one
        # that never matches the traffic (a destination nobody uses).
        echo "fw-rule sink-none set=sink-side priority=10 action=deny dst=192.0.2.0/24" >>"$J/full.conf"
        # The table's size is read when feature.firewall starts: restart the bundle once it is stored.
        fwboot="; sleep 1; each (\$.context bundles) { if { (\$it symbolicName) equals dev.junction.feature.firewall } { \$it stop ; \$it start } }; sleep 6; format (fw:zones)"
        fwconf="; format (fw:zones)"
    fi
    # Where frames were lost, by reason (the kernel's counters among them): after the run, each device's.
    dropsconf="; echo DROPS j1; format (linux:drops j1); echo DROPS j2; format (linux:drops j2)"
    # A Gogo script instead of the console: load the routing, wait for the stop file, print counters.
    (cd "$J" && exec ip netns exec "$RTR" "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow \
        -Dfelix.cm.dir="$J/cm" -Djunction.config="$J/boot.conf" \
        "-Dgosh.args=-c sleep 2; config:load $J/full.conf$fwboot; (new java.io.File $J/ready) createNewFile; until { (new java.io.File $J/stop) exists } { sleep 1 }; format (interface:list); format (runtime:show)$dropsconf$fwconf; exit" \
        -jar "$JAR" >"$J/out.log" 2>&1) &
    JPID=$!
    PIDS+=("$JPID")
    for _ in $(seq 60); do [ -f "$J/ready" ] || ! kill -0 "$JPID" 2>/dev/null && break; sleep 0.5; done
    if [ -f "$J/ready" ] && wait_ping; then
        if [ "$type" = afxdp ]; then
            measure "$name" "(AF_XDP on f1/f2, native XDP, 1 worker pinned to CPU $FWD_CPU, spinning)" || true
        else
            measure "$name" "(AF_PACKET on f1/f2, 1 worker pinned to CPU $FWD_CPU, spinning)" || true
        fi
        measure_tcp "$name"
    else
        echo "$name failed: no ping through Junction; its output:" >&2
        cat "$J/out.log" >&2
    fi
    touch "$J/stop"
    for _ in $(seq 30); do kill -0 "$JPID" 2>/dev/null || break; sleep 0.5; done
    # Junction's own view: kernel ring drops are j1's ERRORS; per-node costs.
    sed -n '/^IDX /,/^$/p;/^NODE /,/^$/p;/^DROPS /,/^$/p' "$J/out.log" | sed 's/^/  junction> /'
    if [ "$fw" = fw ]; then grep -A12 -i '^ZONE\|^zone' "$J/out.log" | sed 's/^/  junction> /'; fi
}

# --- the rounds, then each forwarder's best ---
for r in $(seq "$ROUNDS"); do
    echo "round $r:"
    if want gen; then run_gen; fi
    if want kernel; then run_kernel; fi
    if want kernel-ct; then run_kernel_ct; fi
    if want ovs || want ovs-afxdp; then run_ovs; fi
    if want junction; then run_junction junction afpacket; fi
    if want junction-afxdp; then run_junction junction-afxdp afxdp; fi
    if want junction-fw; then run_junction junction-fw afpacket fw; fi
    if want junction-afxdp-fw; then run_junction junction-afxdp-fw afxdp fw; fi
done
echo "best of $ROUNDS round(s), Mpps forwarded (gen: offered):"
for n in ${ALL//,/ }; do
    if [ -n "${RESULT[$n]:-}" ]; then printf '  %-14s %s   (rounds: %s)\n' "$n" "${RESULT[$n]}" "${ROUNDS_OF[$n]}"; fi
done
ratio() { awk -v a="${RESULT[$1]:-0}" -v b="${RESULT[$2]:-0}" -v n="$1/$2" 'BEGIN { if (a > 0 && b > 0) printf "ratio %s = %.2f\n", n, a / b }'; }
for j in junction junction-afxdp; do
    for p in kernel ovs ovs-afxdp; do ratio "$j" "$p"; done
done
for j in junction-fw junction-afxdp-fw; do ratio "$j" kernel-ct; done
if [ "$TCP" -gt 0 ]; then
    echo "best of $ROUNDS round(s), iperf3 TCP Gbit/s:"
    for n in ${ALL//,/ }; do
        if [ -n "${TCP_RESULT[$n]:-}" ]; then printf '  %-14s %s   (rounds: %s)\n' "$n" "${TCP_RESULT[$n]}" "${TCP_ROUNDS_OF[$n]}"; fi
    done
    for j in junction junction-afxdp; do
        awk -v a="${TCP_RESULT[$j]:-0}" -v b="${TCP_RESULT[kernel]:-0}" -v n="$j" \
            'BEGIN { if (a > 0 && b > 0) printf "tcp ratio %s/kernel = %.2f\n", n, a / b }'
    done
fi
