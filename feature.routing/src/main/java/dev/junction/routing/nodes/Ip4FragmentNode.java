package dev.junction.routing.nodes;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Fragments an IPv4 packet larger than its output MTU that does not forbid it (DF clear), RFC 791:
 * the first fragment stays in the packet's buffer, the others go into new buffers from the pool,
 * appended to the vector; each carries a multiple of 8 payload bytes but the last, the original
 * offset plus its own, MF on all but the last (which keeps the original's). All go back to
 * ip4-rewrite, which now finds them small enough. No allocation: buffers come from the pool.
 */
public final class Ip4FragmentNode implements PacketNode {
    public static final String NAME = "ip4-fragment";
    static final int REWRITE = 0;
    static final int OPTIONS = 0, NO_BUFFER = 1, NO_ROOM = 2, MTU_TOO_SMALL = 3, PAST_MAXIMUM = 4;
    private static final int MF = 0x2000;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Ip4RewriteNode.NAME);
    }

    @Override
    public List<String> errors() {
        return List.of("needs fragmenting but carries IP options (not fragmented)", "no free buffer for a fragment",
                "no room in the vector for its fragments", "output MTU below 68 bytes",
                "fragment ends past 65,535 bytes (its offset plus length; not fragmented)");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int l3 = pool.l3Offset(b);
            long ip = pool.data(b) + l3;
            int ihl = Ipv4.headerLength(m, ip);
            int total = Ipv4.totalLength(m, ip);
            int mtu = ctx.interfaces().mtu(pool.txInterface(b));
            if (ihl != Ipv4.MIN_HEADER) {
                v.drop(i, OPTIONS);
                continue;
            }
            if (mtu < 68) {
                v.drop(i, MTU_TOO_SMALL);
                continue;
            }
            int chunk = (mtu - ihl) & ~7;
            int payload = total - ihl;
            int fragments = (payload + chunk - 1) / chunk;
            if (v.count() + fragments - 1 > PacketVector.MAX) {
                v.drop(i, NO_ROOM);
                continue;
            }
            int word = Ipv4.fragment(m, ip);
            int offset = word & 0x1FFF; // in 8-byte units
            if (offset * 8 + payload > 65_535) {
                // No datagram is that long (RFC 791): fragments of it would need offsets past 13 bits.
                v.drop(i, PAST_MAXIMUM);
                continue;
            }
            boolean lastHasMore = (word & MF) != 0;
            int firstAppended = v.count();
            boolean failed = false;
            for (int k = 1; k < fragments; k++) {
                int f = pool.allocate();
                if (f < 0) {
                    failed = true;
                    break;
                }
                int len = Math.min(chunk, payload - k * chunk);
                long fip = pool.data(f) + l3;
                MemorySegment.copy(m, pool.data(b), m, pool.data(f), l3 + ihl); // link and IP headers
                MemorySegment.copy(m, ip + ihl + (long) k * chunk, m, fip + ihl, len);
                boolean more = k < fragments - 1 || lastHasMore;
                finish(m, fip, ihl + len, offset + k * chunk / 8, more);
                pool.length(f, l3 + ihl + len);
                pool.l3Offset(f, l3);
                pool.rxInterface(f, pool.rxInterface(b));
                pool.txInterface(f, pool.txInterface(b));
                pool.nextHop(f, pool.nextHop(b));
                pool.vrf(f, pool.vrf(b));
                pool.traceId(f, 0);
                v.add(f);
                v.next(v.count() - 1, REWRITE);
            }
            if (failed) {
                for (int j = v.count() - 1; j >= firstAppended; j--) {
                    pool.free(v.buffer(j));
                }
                v.truncate(firstAppended);
                v.drop(i, NO_BUFFER);
                continue;
            }
            finish(m, ip, ihl + chunk, offset, true);
            pool.length(b, l3 + ihl + chunk);
            v.next(i, REWRITE);
        }
    }

    private static void finish(MemorySegment m, long ip, int totalLength, int offset8, boolean more) {
        Ipv4.totalLength(m, ip, totalLength);
        Ipv4.fragment(m, ip, (more ? MF : 0) | offset8);
        Ipv4.updateChecksum(m, ip);
    }
}
