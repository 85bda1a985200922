package dev.junction.lb.nodes;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.control.Snapshot;
import dev.junction.lb.flows.FlowTable;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code lb-ip4} and {@code lb-ip6}: where routing sends packets for a VIP (a steered /32 or /128
 * whose index, in the adjacency word, names the VIP). For each packet: the service of its protocol
 * and destination port (an exact port before an all-ports one); its flow in the {@link FlowTable},
 * or a new flow on the backend the service's Maglev table gives the 5-tuple's hash; then NAT: the
 * destination address and port become the backend's, checksums updated incrementally, and the packet
 * goes to ip4-lookup / ip6-lookup to be routed to the backend. A flow stays on its backend while the
 * Maglev table changes, until a FIN or RST (then a short closing timeout) or its idle timeout; only
 * a backend removed from its service loses its flows (they are balanced again).
 */
public final class LbNode implements PacketNode {
    public static final String IP4 = "lb-ip4", IP6 = "lb-ip6";

    static final int TRUNCATED_IP = Headers.TRUNCATED_IP, TRUNCATED_L4 = Headers.TRUNCATED_L4,
            FRAGMENT = Headers.FRAGMENT, NOT_TCP_UDP = Headers.NOT_TCP_UDP, NO_VIP = 4, NO_SERVICE = 5,
            NO_BACKEND = 6, SERVICE_FULL = 7, TABLE_FULL = 8, DSR_OFF_LINK = 9, GRE_NO_ROOM = 10;
    static final List<String> ERRORS = List.of("truncated or malformed IP header", "truncated TCP or UDP header",
            "IP fragment (not balanced)", "not TCP or UDP (or IPv6 extension headers)", "no VIP for the steered index",
            "no service for the protocol and port", "no backend with a weight", "service's flow limit reached",
            "flow table full", "DSR backend not on a connected network", "no room for the GRE header (headroom or 64 KiB)");
    static final int C_NEW = 0, C_TRACKED = 1, C_REBALANCED = 2, C_DOWN_SYN = 3;
    static final List<String> COUNTERS = List.of("new flows", "packets of tracked flows",
            "flows of removed backends balanced again", "SYNs on flows of down backends balanced again");

    private final String name;
    private final int family;
    private final LbControl lb;
    private final PerWorker<Headers> headers = new PerWorker<>(i -> new Headers());
    private final PerWorker<DsrInterfaces> dsr = new PerWorker<>(i -> new DsrInterfaces());

    /**
     * A worker's DSR backends' interface indexes by backend id, made again (off the per-packet path)
     * when the snapshot or the interfaces change: names become indexes once, not per packet.
     */
    private static final class DsrInterfaces {
        Snapshot snap;
        dev.junction.graph.InterfaceView view;
        int[] ifIndex = new int[0];

        int[] current(Snapshot s, dev.junction.graph.InterfaceView v) {
            if (s != snap || v != view) {
                int[] x = new int[s.backends.length];
                for (int i = 0; i < x.length; i++) {
                    Snapshot.Backend b = s.backends[i];
                    x[i] = b == null || b.iface == null ? -1 : v.indexOf(b.iface);
                }
                ifIndex = x;
                snap = s;
                view = v;
            }
            return ifIndex;
        }
    }
    /** Per worker: the insert's scratch word, then the load sink, then each packet's flow-key hash. */
    private final PerWorker<long[]> scratch = new PerWorker<>(i -> new long[HASHES + PacketVector.MAX]);
    private static final int SINK = 1, HASHES = 2;

    private LbNode(String name, int family, LbControl lb) {
        this.name = name;
        this.family = family;
        this.lb = lb;
    }

    public static LbNode ip4(LbControl lb) {
        return new LbNode(IP4, 4, lb);
    }

    public static LbNode ip6(LbControl lb) {
        return new LbNode(IP6, 6, lb);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> next() {
        return family == 4 ? List.of("ip4-lookup", "ip4-rewrite") : List.of("ip6-lookup");
    }

    @Override
    public List<String> errors() {
        return ERRORS;
    }

    @Override
    public List<String> counters() {
        return COUNTERS;
    }

    @Override
    public void workers(int count) {
        headers.resize(count);
        dsr.resize(count);
        scratch.resize(count);
        lb.workers(count);
    }

    /** The 5-tuple's hash that picks a Maglev position: the same on every worker and across updates. */
    static int flowHash(long k0, long sh, long sl, long dh, long dl) {
        long h = (k0 ^ 0x2545F4914F6CDD1DL) * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 29) ^ sh) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 32) ^ sl) * 0x94D049BB133111EBL;
        h = (h ^ (h >>> 29) ^ dh) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 32) ^ dl) * 0x94D049BB133111EBL;
        return (int) (h ^ (h >>> 31)) & Integer.MAX_VALUE;
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        int w = ctx.worker();
        Headers f = headers.get(w);
        long[] tmp = scratch.get(w);
        long[] counters = lb.backendCounters.get(w);
        Snapshot snap = lb.snapshot();
        int[] dsrIf = dsr.get(w).current(snap, ctx.interfaces());
        FlowTable t = lb.table();
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        long now = ctx.now();
        int n = v.count();
        // First each packet's flow hash, then a load of the first slot of each one's window, so that the
        // vector's table misses are in flight together instead of one after the other in the main pass.
        long sink = 0;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int l3 = pool.l3Offset(b);
            long ip = pool.data(b) + l3;
            int avail = pool.length(b) - l3;
            if ((family == 4 ? f.parse4(m, ip, avail) : f.parse6(m, ip, avail)) == Headers.OK) {
                long h = FlowTable.hash(FlowTable.misc(family, pool.vrf(b), f.proto, f.sport, f.dport), f.sh, f.sl, f.dh, f.dl);
                tmp[HASHES + i] = h;
            } else {
                tmp[HASHES + i] = 0;
            }
        }
        // The loads in a loop of their own: a few instructions each, so the core has many in flight at once.
        for (int i = 0; i < n; i++) {
            sink += t.peek(tmp[HASHES + i]);
        }
        tmp[SINK] = sink;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int l3 = pool.l3Offset(b);
            long ip = pool.data(b) + l3;
            int avail = pool.length(b) - l3;
            int res = family == 4 ? f.parse4(m, ip, avail) : f.parse6(m, ip, avail);
            if (res != Headers.OK) {
                v.drop(i, res);
                continue;
            }
            int index = pool.adjacency(b);
            Snapshot.Vip vip = index >= 0 && index < snap.vips.length ? snap.vips[index] : null;
            if (vip == null || vip.family != family) {
                v.drop(i, NO_VIP);
                continue;
            }
            Snapshot.Service s = vip.service(f.proto, f.dport);
            if (s == null) {
                v.drop(i, NO_SERVICE);
                continue;
            }
            int vrf = pool.vrf(b);
            long k0 = FlowTable.misc(family, vrf, f.proto, f.sport, f.dport);
            int slot = t.find(tmp[HASHES + i], k0, f.sh, f.sl, f.dh, f.dl, now);
            if (slot >= 0 && (f.flags & (Headers.SYN | Headers.ACK)) == Headers.SYN
                    && (t.word(slot) & FlowTable.CLOSING) != 0) {
                t.kill(slot, t.word(slot)); // a new connection on the ports of one that closed: a new flow
                slot = -1;
            }
            if (slot >= 0) {
                int id = FlowTable.backend(t.value(slot, 2));
                if (id >= snap.backends.length || snap.backends[id] == null) {
                    t.kill(slot, t.word(slot)); // its backend left the service: balance the flow again
                    ctx.count(C_REBALANCED, 1);
                    slot = -1;
                } else if (snap.backends[id].down && (f.flags & (Headers.SYN | Headers.ACK)) == Headers.SYN) {
                    t.kill(slot, t.word(slot)); // a client's retry, or a new connection: not to a backend found dead
                    ctx.count(C_DOWN_SYN, 1);
                    slot = -1;
                } else {
                    ctx.count(C_TRACKED, 1);
                }
            }
            if (slot < 0) {
                int[] table = s.table;
                int id = table[flowHash(k0, f.sh, f.sl, f.dh, f.dl) % table.length];
                if (id < 0) {
                    v.drop(i, NO_BACKEND);
                    continue;
                }
                if (s.mode == Snapshot.MODE_DSR && (id >= dsrIf.length || dsrIf[id] < 0)) {
                    v.drop(i, DSR_OFF_LINK); // no flow for a backend that cannot be reached at layer 2
                    continue;
                }
                Snapshot.Backend be = snap.backends[id];
                int bport = be.port == 0 ? f.dport : be.port;
                slot = t.insert(k0, f.sh, f.sl, f.dh, f.dl, be.hi, be.lo, FlowTable.value(s.number, id, bport),
                        s.mode == Snapshot.MODE_NAT, FlowTable.misc(family, vrf, f.proto, bport, f.sport), be.hi, be.lo, f.sh, f.sl,
                        f.dh, f.dl, FlowTable.value(s.number, id, f.dport), now, tmp);
                if (slot < 0) {
                    v.drop(i, slot == FlowTable.SERVICE_FULL ? SERVICE_FULL : TABLE_FULL);
                    continue;
                }
                counters[FlowTable.backend(t.value(slot, 2)) * 2]++;
                ctx.count(C_NEW, 1);
            }
            long v2 = t.value(slot, 2);
            counters[FlowTable.backend(v2) * 2 + 1]++;
            if (f.ends()) {
                t.close(slot);
            }
            t.touch(slot, now);
            if (s.mode == Snapshot.MODE_GRE) {
                // GRE (RFC 2784, no options): an outer IPv4 header and 4 bytes of GRE in front of the packet,
                // which is left untouched; the layer-2 header moves to the new start for ip4-rewrite to fill.
                int inner = Short.toUnsignedInt(m.get(Checksums.U16, ip + 2)); // without any Ethernet padding
                if (inner + 24 > 65535 || !pool.advance(b, -24)) {
                    v.drop(i, GRE_NO_ROOM);
                    continue;
                }
                pool.length(b, l3 + 24 + inner);
                long frame = pool.data(b);
                MemorySegment.copy(m, frame + 24, m, frame, l3);
                if (l3 >= 2) {
                    m.set(Checksums.U16, frame + l3 - 2, (short) 0x0800);
                }
                long outer = frame + l3;
                Ipv4.writeHeader(m, outer, inner + 24, 64, 47, s.greSource, (int) t.value(slot, 1));
                m.set(Checksums.U32, outer + 20, 0x0000_0800); // no flags, version 0, protocol IPv4
                v.next(i, 0);
                continue;
            }
            if (s.mode == Snapshot.MODE_DSR) {
                // L2 DSR: the packet stays as it is, for the VIP the backend holds on its loopback; ip4-rewrite
                // gives it the backend's MAC (ARP first if need be) on the backend's own network.
                int id = FlowTable.backend(v2);
                int tx = id < dsrIf.length ? dsrIf[id] : -1;
                if (tx < 0) {
                    v.drop(i, DSR_OFF_LINK);
                    continue;
                }
                pool.txInterface(b, tx);
                pool.nextHop(b, (int) t.value(slot, 1));
                v.next(i, 1);
                continue;
            }
            f.rewriteDestination(m, t.value(slot, 0), t.value(slot, 1), FlowTable.port(v2));
            v.next(i, 0);
        }
    }
}
