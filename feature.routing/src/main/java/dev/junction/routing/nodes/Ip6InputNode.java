package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * First feature on ip6-unicast: checks the header (version, payload length against the frame, a
 * unicast or unspecified source) and trims Ethernet padding, so that every later node may trust it.
 * IPv6 has no header checksum; the hop limit is checked where a packet is forwarded.
 */
public final class Ip6InputNode implements PacketNode {
    public static final String NAME = "ip6-input";
    static final int TRUNCATED = 0, NOT_V6 = 1, BAD_LENGTH = 2, MULTICAST_SOURCE = 3;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String arc() {
        return Arcs.IP6_UNICAST;
    }

    @Override
    public List<String> errors() {
        return List.of("truncated IPv6 header", "IP version is not 6", "bad IPv6 payload length",
                "multicast source address");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int l3 = pool.l3Offset(b);
            int avail = pool.length(b) - l3;
            long ip = pool.data(b) + l3;
            if (avail < Ipv6.HEADER_LENGTH) {
                v.drop(i, TRUNCATED);
            } else if (Ipv6.version(m, ip) != 6) {
                v.drop(i, NOT_V6);
            } else {
                int total = Ipv6.HEADER_LENGTH + Ipv6.payloadLength(m, ip);
                if (total > avail) {
                    v.drop(i, BAD_LENGTH);
                } else if (Ipv6.isMulticast(Ipv6.sourceHigh(m, ip))) {
                    v.drop(i, MULTICAST_SOURCE);
                } else {
                    pool.length(b, l3 + total); // drop Ethernet padding
                }
            }
        }
    }
}
