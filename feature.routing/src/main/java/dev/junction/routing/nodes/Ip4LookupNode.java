package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip4Tables;
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
    private final Ip4Tables tables;

    public Ip4LookupNode(Ip4Tables tables) {
        this.tables = tables;
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
        return List.of(Ip4RewriteNode.NAME, Ip4LocalNode.NAME, Ip4IcmpErrorNode.UNREACHABLE);
    }

    @Override
    public List<String> errors() {
        return List.of("broadcast or multicast destination (not routed)");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        Ip4Tables.Adjacencies adj = tables.adjacencies;
        int[] kind = adj.kind();
        int[] ifIndex = adj.ifIndex();
        int[] gateway = adj.gateway();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            long ip = pool.data(b) + pool.l3Offset(b);
            int dst = Ipv4.destination(m, ip);
            if (dst == -1 || (dst & 0xF000_0000) == 0xE000_0000) {
                v.drop(i, NOT_ROUTED);
                continue;
            }
            int id = tables.fib.lookup(dst);
            if (id <= 0 || id >= kind.length) {
                v.next(i, UNREACHABLE);
            } else if (kind[id] == Ip4Tables.LOCAL) {
                v.next(i, LOCAL);
            } else {
                pool.txInterface(b, ifIndex[id]);
                pool.nextHop(b, gateway[id] != 0 ? gateway[id] : dst);
                v.next(i, REWRITE);
            }
        }
    }
}
