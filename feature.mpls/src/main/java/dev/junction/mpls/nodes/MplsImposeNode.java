package dev.junction.mpls.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.mpls.tables.FtnEntry;
import dev.junction.mpls.tables.FtnTable;
import dev.junction.mpls.tables.MplsHeader;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.mpls.tables.Nhlfe;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The label edge: IPv4 and IPv6 packets routing steered here (an {@code mpls-ftn} prefix; the
 * entry's index is in the adjacency word) get the entry's label stack for one of its next hops (by
 * flow hash), the IP TTL decremented (this is a routed hop), and leave for {@code arc:output} with
 * the neighbour's Ethernet header. The pushed labels' TTL is the IP TTL (uniform) or 255 (pipe); their
 * TC the DSCP's top three bits or the entry's. A next hop with no labels (implicit null) forwards the
 * packet as IP.
 */
public final class MplsImposeNode implements PacketNode {
    public static final String NAME = "mpls-impose";
    static final int OUTPUT = 0;
    public static final int NO_ENTRY = 0, TTL_EXPIRED = 1, UNRESOLVED = 2, NO_HEADROOM = 3, TOO_BIG = 4, NOT_IP = 5;
    public static final int C_IMPOSED = 0, C_UNLABELLED = 1;
    private final MplsTables tables;

    public MplsImposeNode(MplsTables tables) {
        this.tables = tables;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT));
    }

    @Override
    public List<String> errors() {
        return List.of("no imposition entry", "TTL expired", "next hop unresolved", "no headroom for labels",
                "too big for the interface MTU", "not IPv4 or IPv6 (or truncated)");
    }

    @Override
    public List<String> counters() {
        return List.of("labelled", "forwarded unlabelled (implicit null)");
    }

    @Override
    public void workers(int count) {
        tables.ftns.counters().workers(count);
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        InterfaceView ifs = ctx.interfaces();
        FtnTable ftns = tables.ftns;
        long[] perEntry = ftns.counters().of(ctx.worker());
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int r = impose(pool, m, ifs, ctx, ftns, perEntry, b);
            if (r < 0) {
                v.drop(i, -1 - r);
            } else {
                v.next(i, r);
            }
        }
    }

    /** Returns the verdict, or -1 - a drop reason. */
    private static int impose(PacketPool pool, MemorySegment m, InterfaceView ifs, NodeContext ctx, FtnTable ftns,
            long[] perEntry, int b) {
        FtnEntry e = ftns.get(pool.adjacency(b));
        if (e == null) {
            return -1 - NO_ENTRY;
        }
        long frame = pool.data(b);
        int l3 = pool.l3Offset(b);
        int len = pool.length(b);
        long ip = frame + l3;
        int ipLen = len - l3;
        int ver = ipLen > 0 ? Frames.version(m, ip) : 0;
        int ttl, tos, type;
        if (ver == 4 && ipLen >= Ipv4.MIN_HEADER) {
            ttl = Ipv4.ttl(m, ip);
            tos = m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, ip + 1) & 0xFF;
            type = Ethernet.TYPE_IPV4;
        } else if (ver == 6 && ipLen >= Ipv6.HEADER_LENGTH) {
            ttl = Ipv6.hopLimit(m, ip);
            tos = (MplsHeader.word(m, ip) >>> 20) & 0xFF;
            type = Ethernet.TYPE_IPV6;
        } else {
            return -1 - NOT_IP;
        }
        if (ttl <= 1) {
            return -1 - TTL_EXPIRED;
        }
        Nhlfe[] paths = e.paths();
        Nhlfe p;
        if (paths.length == 1) {
            p = paths[0];
        } else if (paths.length == 0) {
            return -1 - UNRESOLVED;
        } else {
            int h = Frames.ipHash(m, ip, ipLen, 0x2545_F491);
            pool.flowHash(b, h);
            p = paths[(h & 0x7FFF_FFFF) % paths.length];
        }
        long res = p.resolved();
        if (res == Nhlfe.UNRESOLVED) {
            return -1 - UNRESOLVED;
        }
        int tx = Nhlfe.ifIndex(res);
        int k = p.labelCount();
        long top = ip - (long) MplsHeader.LENGTH * k;
        long newFrame = top - Ethernet.HEADER_LENGTH;
        int shift = (int) (newFrame - frame);
        if (len - shift - Ethernet.HEADER_LENGTH > ifs.mtu(tx)) {
            return -1 - TOO_BIG;
        }
        if (!pool.advance(b, shift)) {
            return -1 - NO_HEADROOM;
        }
        perEntry[2 * e.slot()]++;
        perEntry[2 * e.slot() + 1] += len - l3;
        if (type == Ethernet.TYPE_IPV4) {
            Ipv4.decrementTtl(m, ip);
        } else {
            Ipv6.hopLimit(m, ip, ttl - 1);
        }
        int labelTtl = e.uniform() ? ttl - 1 : 255;
        int tc = e.tc() == FtnEntry.TC_COPY ? tos >>> 5 : e.tc();
        for (int j = 0; j < k; j++) {
            MplsHeader.word(m, top + MplsHeader.LENGTH * j, MplsHeader.make(p.label(j), tc, j == k - 1, labelTtl));
        }
        Frames.ethernet(m, newFrame, Nhlfe.mac(res), ifs.mac(tx), k > 0 ? Ethernet.TYPE_MPLS : type);
        pool.l3Offset(b, Ethernet.HEADER_LENGTH);
        pool.txInterface(b, tx);
        ctx.count(k > 0 ? C_IMPOSED : C_UNLABELLED, 1);
        return OUTPUT;
    }
}
