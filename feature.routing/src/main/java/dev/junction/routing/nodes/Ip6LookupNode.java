package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip6Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * IPv6 longest-prefix match of the destination: to the router itself (ip6-local: its addresses, its
 * link-local address on the receiving interface, and the all-nodes and solicited-node groups that
 * neighbour discovery uses), out of an interface (ip6-rewrite, with the adjacency id in the adjacency word), or
 * nowhere (ip6-unreachable answers with ICMPv6). Other multicast and other link-local destinations
 * are not routed.
 */
public final class Ip6LookupNode implements PacketNode {
    public static final String NAME = "ip6-lookup";
    static final int REWRITE = 0, LOCAL = 1, UNREACHABLE = 2;
    static final int MULTICAST = 0, LINK_LOCAL = 1;
    private final Vrfs vrfs;

    /** One worker's scratch: the destinations and lookup results of the vector in hand. */
    private static final class Scratch {
        final int[] ids = new int[PacketVector.MAX];
        final int[] pending = new int[PacketVector.MAX];
        final long[] highs = new long[PacketVector.MAX];
        final long[] lows = new long[PacketVector.MAX];
    }

    private final PerWorker<Scratch> scratch = new PerWorker<>(w -> new Scratch());

    public Ip6LookupNode(Vrfs vrfs) {
        this.vrfs = vrfs;
    }

    @Override
    public void workers(int count) {
        scratch.resize(count);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String arc() {
        return Arcs.IP6_UNICAST;
    }

    @Override
    public List<String> runsAfter() {
        return List.of(Ip6InputNode.NAME);
    }

    @Override
    public List<String> next() {
        return vrfs.steerTargets.next(List.of(Ip6RewriteNode.NAME, Ip6LocalNode.NAME, Ip6IcmpErrorNode.UNREACHABLE));
    }

    @Override
    public List<String> errors() {
        return List.of("multicast destination not handled (not routed)", "link-local destination not ours (not routed)");
    }

    /**
     * The flow hash ECMP picks a path by: source, destination, flow label and, for TCP and UDP right
     * after the header, both ports.
     */
    static int flowHash(MemorySegment m, long ip) {
        long h = Ipv6.sourceHigh(m, ip) * 0x9E37_79B9_7F4A_7C15L ^ Ipv6.sourceLow(m, ip);
        h = h * 0xC2B2_AE3D_27D4_EB4FL ^ Ipv6.destinationHigh(m, ip);
        h = h * 0x9E37_79B9_7F4A_7C15L ^ Ipv6.destinationLow(m, ip);
        int next = Ipv6.nextHeader(m, ip);
        h = h * 0xC2B2_AE3D_27D4_EB4FL ^ (m.get(FLOW, ip) & 0xF_FFFF) ^ ((long) next << 20);
        if ((next == Ipv6.NEXT_TCP || next == Ipv6.NEXT_UDP) && Ipv6.payloadLength(m, ip) >= 4) {
            h = h * 0x9E37_79B9_7F4A_7C15L ^ m.get(FLOW, ip + Ipv6.HEADER_LENGTH);
        }
        h ^= h >>> 32;
        h *= 0x7FEB_352DL;
        return (int) (h ^ h >>> 29);
    }

    private static final java.lang.foreign.ValueLayout.OfInt FLOW =
            java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        int n = v.count();
        Scratch s = scratch.get(ctx.worker());
        int[] ids = s.ids;
        // Pass 1, the lookups alone, a trie level at a time over the whole vector, so that the CPU
        // overlaps their misses. Multicast and link-local results are not used (pass 2 sorts them).
        long[] highs = s.highs;
        long[] lows = s.lows;
        int first = n > 0 ? pool.vrf(v.buffer(0)) : 0;
        boolean oneVrf = true;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            oneVrf &= pool.vrf(b) == first;
            long ip = pool.data(b) + pool.l3Offset(b);
            highs[i] = Ipv6.destinationHigh(m, ip);
            lows[i] = Ipv6.destinationLow(m, ip);
        }
        if (oneVrf) {
            vrfs.ip6(first).fib.lookupAll(highs, lows, ids, s.pending, n);
        } else {
            int vrf = -1;
            dev.junction.routing.fib.Ipv6Fib fib = null;
            for (int i = 0; i < n; i++) {
                int b = v.buffer(i);
                if (pool.vrf(b) != vrf) {
                    vrf = pool.vrf(b);
                    fib = vrfs.ip6(vrf).fib;
                }
                ids[i] = fib.lookup(highs[i], lows[i]);
            }
        }
        int vrf = -1;
        Ip6Tables tables = null;
        int[] kind = null, ifIndex = null, members = null;
        long[] paths = null;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            if (pool.vrf(b) != vrf) { // the tables of the packet's VRF; read once per run of one VRF
                vrf = pool.vrf(b);
                tables = vrfs.ip6(vrf);
                Ip6Tables.Adjacencies adj = tables.adjacencies;
                kind = adj.kind();
                ifIndex = adj.ifIndex();
                paths = adj.gatewayLow();
                members = adj.members();
            }
            long ip = pool.data(b) + pool.l3Offset(b);
            long high = Ipv6.destinationHigh(m, ip);
            long low = Ipv6.destinationLow(m, ip);
            if (Ipv6.isMulticast(high)) {
                boolean nd = high == Ipv6.ALL_NODES_HIGH
                        && (low == Ipv6.ALL_NODES_LOW || (low & 0xFFFF_FFFF_FF00_0000L) == 0x0000_0001_FF00_0000L);
                if (nd && tables.linkLocalOf(pool.rxInterface(b)) != 0) {
                    v.next(i, LOCAL);
                } else {
                    v.drop(i, MULTICAST);
                }
                continue;
            }
            if (Ipv6.isLinkLocal(high)) {
                long ours = tables.linkLocalOf(pool.rxInterface(b));
                if (ours != 0 && high == Ipv6.LINK_LOCAL_HIGH && low == ours) {
                    v.next(i, LOCAL);
                } else {
                    v.drop(i, LINK_LOCAL);
                }
                continue;
            }
            int id = ids[i];
            if (id <= 0 || id >= kind.length) {
                v.next(i, UNREACHABLE);
            } else if (kind[id] == Ip6Tables.LOCAL) {
                v.next(i, LOCAL);
            } else if (kind[id] == Ip6Tables.STEERED) { // another bundle's node, with its index
                pool.adjacency(b, (int) paths[id]);
                v.next(i, ifIndex[id]);
            } else {
                if (kind[id] == Ip6Tables.MULTIPATH) {
                    int h = flowHash(m, ip);
                    pool.flowHash(b, h);
                    id = members[ifIndex[id] + Integer.remainderUnsigned(h, (int) paths[id])];
                }
                pool.txInterface(b, ifIndex[id]);
                pool.adjacency(b, id);
                v.next(i, REWRITE);
            }
        }
    }
}
