package dev.junction.routing.nodes;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.LocalServices;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Packets for the router's own addresses: ICMP echo requests become echo replies in place and are
 * routed back; a protocol or UDP port another bundle serves ({@code LocalService}: a VXLAN tunnel
 * end) goes to that bundle's node; everything else is dropped, counted by reason.
 */
public final class Ip4LocalNode implements PacketNode {
    public static final String NAME = "ip4-local";
    static final int FRAGMENT = 0, NO_SERVICE = 1, NOT_ECHO = 2, BAD_ICMP = 3;
    private final LocalServices services;

    public Ip4LocalNode(LocalServices services) {
        this.services = services;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return services.next(List.of(Ip4LookupNode.NAME));
    }

    @Override
    public List<String> errors() {
        return List.of("fragment for a router address (no reassembly)", "no local service for this protocol",
                "ICMP other than echo request", "bad ICMP length or checksum");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            long ip = pool.data(b) + pool.l3Offset(b);
            if (Ipv4.isFragment(m, ip)) {
                v.drop(i, FRAGMENT);
                continue;
            }
            int ihl = Ipv4.headerLength(m, ip);
            int protocol = Ipv4.protocol(m, ip);
            if (protocol != Ipv4.PROTO_ICMP) {
                int t = services.target(m, protocol, ip + ihl, Ipv4.totalLength(m, ip) - ihl);
                if (t >= 0) {
                    v.next(i, OWN_NEXT + t);
                } else {
                    v.drop(i, NO_SERVICE);
                }
                continue;
            }
            int icmpLen = Ipv4.totalLength(m, ip) - ihl;
            long icmp = ip + ihl;
            if (icmpLen < 8 || Ipv4.sum(m, icmp, icmpLen) != 0xFFFF) {
                v.drop(i, BAD_ICMP);
                continue;
            }
            if (m.get(ValueLayout.JAVA_BYTE, icmp) != 8 || m.get(ValueLayout.JAVA_BYTE, icmp + 1) != 0) {
                v.drop(i, NOT_ECHO);
                continue;
            }
            // Echo reply: type 0; the checksum word changes by the type's 0x0800 (one's complement add).
            m.set(ValueLayout.JAVA_BYTE, icmp, (byte) 0);
            int c = Short.toUnsignedInt(m.get(ICMP_SHORT, icmp + 2)) + 0x0800;
            m.set(ICMP_SHORT, icmp + 2, (short) ((c & 0xFFFF) + (c >>> 16)));
            int src = Ipv4.source(m, ip);
            Ipv4.source(m, ip, Ipv4.destination(m, ip));
            Ipv4.destination(m, ip, src);
            m.set(ValueLayout.JAVA_BYTE, ip + 8, (byte) 64);
            Ipv4.updateChecksum(m, ip);
            v.next(i, 0);
        }
    }

    /** How many next nodes are ip4-local's own, before the local services' targets. */
    private static final int OWN_NEXT = 1;
    private static final ValueLayout.OfShort ICMP_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

}
