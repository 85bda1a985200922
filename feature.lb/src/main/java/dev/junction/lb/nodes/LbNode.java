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
    /** Per worker: the vector's parsed fields, filled by the first pass and read by the second. */
    private final PerWorker<ParsedVector> parsed = new PerWorker<>(i -> new ParsedVector(false));
    /** Per worker: its side of the flow table (the inserts' scratch word, its own flow counts). */
    private final PerWorker<FlowTable.Writer> writers;

    private LbNode(String name, int family, LbControl lb) {
        this.name = name;
        this.family = family;
        this.lb = lb;
        writers = new PerWorker<>(i -> lb.table().writer());
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
        dsr.resize(count);
        parsed.resize(count);
        writers.resize(count);
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
        ParsedVector p = parsed.get(w);
        long[] counters = lb.backendCounters.get(w);
        Snapshot snap = lb.snapshot();
        FlowTable t = lb.table();
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        long now = ctx.now();
        int n = v.count();
        // The one parse: each packet's fields and its flow key's hash into the per-worker arrays (a loop of
        // its own, one call a vector: whether C2 inlines it or not, no call a packet).
        p.parse(v, pool, m, family);
        // Then a load of the first two slots of each one's window, in a loop of its own (a few instructions
        // an iteration), so that the vector's table misses are in flight together, not one after the other.
        long sink = 0;
        int[] result = p.result;
        long[] hash = p.hash;
        boolean ipv6 = family == 6;
        for (int i = 0; i < n; i++) {
            if (result[i] == Headers.OK) {
                sink += t.peekWindow(hash[i], ipv6);
            }
        }
        p.sink = sink;
        Snapshot.Backend[] backends = snap.backends;
        long tracked = 0;
        int misses = 0;
        int[] miss = p.miss;
        for (int i = 0; i < n; i++) {
            int res = result[i];
            if (res != Headers.OK) {
                v.drop(i, res);
                continue;
            }
            int b = v.buffer(i);
            int index = pool.adjacency(b);
            Snapshot.Vip vip = index >= 0 && index < snap.vips.length ? snap.vips[index] : null;
            if (vip == null || vip.family != family) {
                v.drop(i, NO_VIP);
                continue;
            }
            Snapshot.Service s = vip.service(p.proto(i), p.dport(i));
            if (s == null) {
                v.drop(i, NO_SERVICE);
                continue;
            }
            int slot = t.find(hash[i], p.k0[i], p.sh[i], p.sl[i], p.dh[i], p.dl[i], now);
            if (slot >= 0) {
                long v2 = t.value(slot, 2);
                int id = FlowTable.backend(v2);
                Snapshot.Backend be = backendOf(backends, t, slot, v2, p, i);
                if (be == null || be.down && p.syn(i) || p.syn(i) && (t.word(slot) & FlowTable.CLOSING) != 0) {
                    again(t, slot, be, p.syn(i), ctx); // the flow ends here and the packet is balanced again
                } else {
                    tracked++;
                    counters[id * 2 + 1]++;
                    if (p.ends(i)) {
                        t.close(slot);
                    }
                    t.touch(slot, now);
                    if (s.mode == Snapshot.MODE_NAT) {
                        if (family == 4) {
                            p.rewriteDestination4(m, i, (int) t.value(slot, 1), FlowTable.port(v2));
                        } else {
                            p.rewriteDestination6(m, i, t.value(slot, 0), t.value(slot, 1), FlowTable.port(v2));
                        }
                        v.next(i, 0);
                    } else {
                        direct(v, i, b, s, slot, v2, pool, m, ctx);
                    }
                    continue;
                }
            }
            miss[misses] = i;
            p.service[misses++] = s;
        }
        if (tracked != 0) {
            ctx.count(C_TRACKED, tracked);
        }
        if (misses != 0) {
            newFlows(v, p, misses, snap, t, counters, now, pool, m, ctx);
        }
    }

    /**
     * The backend of flow {@code slot} (value word {@code v2}, which holds its number) as the
     * snapshot has it, or null when it is gone: no backend has the number now, or the number was
     * given to another backend (another address or port) since the flow began, whose packets must not
     * follow the old one's flows.
     */
    private Snapshot.Backend backendOf(Snapshot.Backend[] backends, FlowTable t, int slot, long v2, ParsedVector p, int i) {
        int id = FlowTable.backend(v2);
        Snapshot.Backend be = id < backends.length ? backends[id] : null;
        if (be == null || be.lo != t.value(slot, 1) || family == 6 && be.hi != t.value(slot, 0)
                || FlowTable.port(v2) != (be.port == 0 ? p.dport(i) : be.port)) {
            return null;
        }
        return be;
    }

    /**
     * A flow found that does not go on: its backend left the service; a SYN on a flow of a backend found
     * down (a client's retry, or a new connection: not to a dead backend); or a SYN on the ports of a
     * connection that closed (a new connection). The flow dies and the packet is balanced again.
     */
    private static void again(FlowTable t, int slot, Snapshot.Backend be, boolean syn, NodeContext ctx) {
        long word = t.word(slot);
        t.kill(slot, word);
        if (syn && (word & FlowTable.CLOSING) != 0) {
            return; // a new connection on the ports of one that closed: not counted
        }
        ctx.count(be == null ? C_REBALANCED : C_DOWN_SYN, 1);
    }

    /**
     * The vector's packets of no flow, after the others: first each one's backend (Maglev); then, in
     * the packets' order, each flow is looked up again (an earlier packet of the vector may have made
     * it) and made in its window (whose first lines {@link #process} loaded ahead), and the packet goes
     * on as a tracked one.
     */
    private void newFlows(PacketVector v, ParsedVector p, int misses, Snapshot snap, FlowTable t, long[] counters,
                          long now, PacketPool pool, MemorySegment m, NodeContext ctx) {
        int[] miss = p.miss, pick = p.pick;
        for (int j = 0; j < misses; j++) {
            int i = miss[j];
            Snapshot.Service s = p.service[j];
            int[] table = s.table;
            int id = table[flowHash(p.k0[i], p.sh[i], p.sl[i], p.dh[i], p.dl[i]) % table.length];
            pick[j] = id;
        }
        for (int j = 0; j < misses; j++) {
            int i = miss[j];
            Snapshot.Service s = p.service[j];
            p.service[j] = null; // no snapshot's service held past the vector
            int b = v.buffer(i);
            int slot = t.find(p.hash[i], p.k0[i], p.sh[i], p.sl[i], p.dh[i], p.dl[i], now);
            boolean made = false;
            if (slot >= 0) {
                Snapshot.Backend be = backendOf(snap.backends, t, slot, t.value(slot, 2), p, i);
                if (be == null || be.down && p.syn(i) || p.syn(i) && (t.word(slot) & FlowTable.CLOSING) != 0) {
                    again(t, slot, be, p.syn(i), ctx);
                    slot = -1;
                }
            }
            if (slot < 0) {
                slot = newFlow(p, i, j, b, s, snap, t, now, ctx);
                if (slot < 0) {
                    v.drop(i, -slot - 1);
                    continue;
                }
                made = true;
            }
            long v2 = t.value(slot, 2); // another worker's entry for the same flow may have won
            int id = FlowTable.backend(v2);
            if (made) {
                counters[id * 2]++;
                ctx.count(C_NEW, 1);
            } else {
                ctx.count(C_TRACKED, 1);
            }
            counters[id * 2 + 1]++;
            if (p.ends(i)) {
                t.close(slot);
            }
            t.touch(slot, now);
            if (s.mode == Snapshot.MODE_NAT) {
                if (family == 4) {
                    p.rewriteDestination4(m, i, (int) t.value(slot, 1), FlowTable.port(v2));
                } else {
                    p.rewriteDestination6(m, i, t.value(slot, 0), t.value(slot, 1), FlowTable.port(v2));
                }
                v.next(i, 0);
            } else {
                direct(v, i, b, s, slot, v2, pool, m, ctx);
            }
        }
    }

    /** Makes packet {@code i}'s flow (the {@code j}th of no flow) on its Maglev pick: its slot, or {@code -1 - drop code}. */
    private int newFlow(ParsedVector p, int i, int j, int b, Snapshot.Service s, Snapshot snap, FlowTable t, long now,
                        NodeContext ctx) {
        int id = p.pick[j];
        if (id < 0) {
            return -1 - NO_BACKEND;
        }
        if (s.mode == Snapshot.MODE_DSR) {
            int[] dsrIf = dsr.get(ctx.worker()).current(snap, ctx.interfaces());
            if (id >= dsrIf.length || dsrIf[id] < 0) {
                return -1 - DSR_OFF_LINK; // no flow for a backend that cannot be reached at layer 2
            }
        }
        Snapshot.Backend be = snap.backends[id];
        int bport = be.port == 0 ? p.dport(i) : be.port;
        int slot = t.insert(p.hash[i], p.k0[i], p.sh[i], p.sl[i], p.dh[i], p.dl[i], be.hi, be.lo,
                FlowTable.value(s.number, id, bport), s.mode == Snapshot.MODE_NAT, now, writers.get(ctx.worker()));
        if (slot < 0) {
            return -1 - (slot == FlowTable.SERVICE_FULL ? SERVICE_FULL : TABLE_FULL);
        }
        return slot;
    }

    /** DSR and GRE: the packet left as it is, for a backend that holds the VIP itself; -1 or a drop code. */
    private int direct(PacketVector v, int i, int b, Snapshot.Service s, int slot, long v2, PacketPool pool,
                       MemorySegment m, NodeContext ctx) {
        FlowTable t = lb.table();
        if (s.mode == Snapshot.MODE_GRE) {
            // GRE (RFC 2784, no options): an outer IPv4 header and 4 bytes of GRE in front of the packet,
            // which is left untouched; the layer-2 header moves to the new start for ip4-rewrite to fill.
            int l3 = pool.l3Offset(b);
            long ip = pool.data(b) + l3;
            int inner = Short.toUnsignedInt(m.get(Checksums.U16, ip + 2)); // without any Ethernet padding
            if (inner + 24 > 65535 || !pool.advance(b, -24)) {
                v.drop(i, GRE_NO_ROOM);
                return -1;
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
            return -1;
        }
        // L2 DSR: the packet stays as it is, for the VIP the backend holds on its loopback; ip4-rewrite
        // gives it the backend's MAC (ARP first if need be) on the backend's own network.
        int[] dsrIf = dsr.get(ctx.worker()).current(lb.snapshot(), ctx.interfaces());
        int id = FlowTable.backend(v2);
        int tx = id < dsrIf.length ? dsrIf[id] : -1;
        if (tx < 0) {
            v.drop(i, DSR_OFF_LINK);
            return -1;
        }
        pool.txInterface(b, tx);
        pool.nextHop(b, (int) t.value(slot, 1));
        v.next(i, 1);
        return -1;
    }
}
