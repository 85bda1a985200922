package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip4Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Longest-prefix match of the destination: to the router itself (ip4-local), out of an interface
 * towards a next hop (ip4-rewrite), or nowhere (ip4-unreachable answers with ICMP).
 */
public final class Ip4LookupNode implements PacketNode {
    public static final String NAME = "ip4-lookup";
    static final int REWRITE = 0, LOCAL = 1, UNREACHABLE = 2;
    static final int NOT_ROUTED = 0;
    private final Vrfs vrfs;

    /** One worker's scratch: destinations and lookup results of the vector in hand. */
    private static final class Scratch {
        final int[] dsts = new int[PacketVector.MAX];
        final int[] ids = new int[PacketVector.MAX];
    }

    private final PerWorker<Scratch> scratch = new PerWorker<>(w -> new Scratch());

    public Ip4LookupNode(Vrfs vrfs) {
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
        return Arcs.IP4_UNICAST;
    }

    @Override
    public List<String> runsAfter() {
        return List.of(Ip4InputNode.NAME);
    }

    @Override
    public List<String> next() {
        return vrfs.steerTargets.next(List.of(Ip4RewriteNode.NAME, Ip4LocalNode.NAME, Ip4IcmpErrorNode.UNREACHABLE));
    }

    @Override
    public List<String> errors() {
        return List.of("broadcast or multicast destination (not routed)");
    }

    private static final java.lang.foreign.ValueLayout.OfInt NET_INT =
            java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    /**
     * The flow hash ECMP picks a path by: source, destination, protocol and, for TCP and UDP, both
     * ports; fragments hash without ports so that all the fragments of a packet take one path.
     */
    static int flowHash(MemorySegment m, long ip) {
        int proto = Ipv4.protocol(m, ip);
        int h = Ipv4.source(m, ip) * 0x9E37_79B1 ^ Ipv4.destination(m, ip);
        h = h * 0x85EB_CA6B ^ proto;
        if ((proto == Ipv4.PROTO_TCP || proto == Ipv4.PROTO_UDP) && !Ipv4.isFragment(m, ip)) {
            h = h * 0xC2B2_AE35 ^ m.get(NET_INT, ip + Ipv4.headerLength(m, ip));
        }
        h ^= h >>> 16;
        h *= 0x7FEB_352D;
        h ^= h >>> 15;
        return h;
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        int n = v.count();
        Scratch s = scratch.get(ctx.worker());
        int[] dsts = s.dsts;
        int[] ids = s.ids;
        // Pass 1, the lookups alone: a tight loop of independent loads lets the CPU overlap the
        // cache misses of many packets (the table is 64 MiB: most lookups miss).
        int first = n > 0 ? pool.vrf(v.buffer(0)) : 0;
        boolean oneVrf = true;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            oneVrf &= pool.vrf(b) == first;
            dsts[i] = Ipv4.destination(m, pool.data(b) + pool.l3Offset(b));
        }
        if (oneVrf) { // the usual case: the whole vector in one table
            vrfs.ip4(first).fib.lookupAll(dsts, ids, n);
        } else {
            int vrf = -1;
            dev.junction.routing.internal.Ipv4Lookup fib = null;
            for (int i = 0; i < n; i++) {
                int b = v.buffer(i);
                if (pool.vrf(b) != vrf) {
                    vrf = pool.vrf(b);
                    fib = vrfs.ip4(vrf).fib;
                }
                ids[i] = fib.lookup(dsts[i]);
            }
        }
        // Pass 2: what each result means.
        int vrf = -1;
        int[] kind = null, ifIndex = null, gateway = null, members = null;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            if (pool.vrf(b) != vrf) { // the tables of the packet's VRF; read once per run of one VRF
                vrf = pool.vrf(b);
                Ip4Tables.Adjacencies adj = vrfs.ip4(vrf).adjacencies;
                kind = adj.kind();
                ifIndex = adj.ifIndex();
                gateway = adj.gateway();
                members = adj.members();
            }
            int dst = dsts[i];
            if (dst == -1 || (dst & 0xF000_0000) == 0xE000_0000) {
                v.drop(i, NOT_ROUTED);
                continue;
            }
            int id = ids[i];
            if (id <= 0 || id >= kind.length) {
                v.next(i, UNREACHABLE);
            } else if (kind[id] == Ip4Tables.LOCAL) {
                v.next(i, LOCAL);
            } else if (kind[id] == Ip4Tables.STEERED) { // another bundle's node, with its index
                pool.adjacency(b, gateway[id]);
                v.next(i, ifIndex[id]);
            } else {
                if (kind[id] == Ip4Tables.MULTIPATH) {
                    // ECMP: a flow (addresses, protocol, ports) always takes the same path.
                    int h = flowHash(m, pool.data(b) + pool.l3Offset(b));
                    pool.flowHash(b, h);
                    id = members[ifIndex[id] + Integer.remainderUnsigned(h, gateway[id])];
                }
                pool.txInterface(b, ifIndex[id]);
                // The next hop's address is all ip4-rewrite needs: the adjacency word is left alone
                // (a store into one more metadata array per packet costs ~5% of routed IPv4).
                pool.nextHop(b, gateway[id] != 0 ? gateway[id] : dst);
                v.next(i, REWRITE);
            }
        }
    }
}
