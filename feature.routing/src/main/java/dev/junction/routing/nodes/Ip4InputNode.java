package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * First feature on ip4-unicast: checks the header (version, header length, total length against the
 * frame, checksum) and trims Ethernet padding, so that every later node may trust the header.
 */
public final class Ip4InputNode implements PacketNode {
    public static final String NAME = "ip4-input";
    static final int TRUNCATED = 0, NOT_V4 = 1, BAD_IHL = 2, BAD_LENGTH = 3, BAD_CHECKSUM = 4;
    private final dev.junction.routing.internal.Vrfs vrfs;

    /** Marks each packet with the VRF of its receiving interface (null: all in the default VRF). */
    public Ip4InputNode(dev.junction.routing.internal.Vrfs vrfs) {
        this.vrfs = vrfs;
    }

    public Ip4InputNode() {
        this(null);
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
    public List<String> errors() {
        return List.of("truncated IPv4 header", "IP version is not 4", "bad IPv4 header length",
                "bad IPv4 total length", "bad IPv4 header checksum");
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
            if (avail < Ipv4.MIN_HEADER) {
                v.drop(i, TRUNCATED);
            } else if (Ipv4.version(m, ip) != 4) {
                v.drop(i, NOT_V4);
            } else {
                int ihl = Ipv4.headerLength(m, ip);
                int total = Ipv4.totalLength(m, ip);
                if (ihl < Ipv4.MIN_HEADER || ihl > avail) {
                    v.drop(i, BAD_IHL);
                } else if (total < ihl || total > avail) {
                    v.drop(i, BAD_LENGTH);
                } else if (!Ipv4.checksumOk(m, ip, ihl)) {
                    v.drop(i, BAD_CHECKSUM);
                } else {
                    pool.length(b, l3 + total); // drop Ethernet padding
                    pool.vrf(b, vrfs == null ? 0 : vrfs.ofInterface(pool.rxInterface(b)));
                }
            }
        }
    }
}
