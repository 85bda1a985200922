package dev.junction.overlay.vxlan;

import dev.junction.overlay.tunnel.EncapNode;
import dev.junction.overlay.tunnel.TunnelConfig;
import dev.junction.overlay.tunnel.TunnelControl;
import dev.junction.packet.Ipv6;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code vxlan-encap}: VXLAN (RFC 7348) in UDP. Per packet: the UDP source port from the inner
 * flow's hash in the dynamic range 49152-65535 (section 5), the UDP length, and over IPv6 the UDP
 * checksum (RFC 6935 would allow zero, but Linux refuses zero-checksum IPv6 tunnels by default);
 * over IPv4 the checksum stays zero, as the RFC recommends.
 */
public final class VxlanEncapNode extends EncapNode {
    public static final String NAME = "vxlan-encap";
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    public VxlanEncapNode(TunnelControl control) {
        super(NAME, TunnelConfig.VXLAN, control);
    }

    @Override
    protected void finish(MemorySegment m, long ip, long l4, int l4Length, int hash, boolean ipv6) {
        m.set(NET_SHORT, l4, (short) (0xC000 | (hash & 0x3FFF)));
        m.set(NET_SHORT, l4 + 4, (short) l4Length);
        if (ipv6) {
            int c = ~Ipv6.upperLayerSum(m, ip, Ipv6.NEXT_UDP, l4Length) & 0xFFFF;
            m.set(NET_SHORT, l4 + 6, (short) (c == 0 ? 0xFFFF : c));
        }
    }
}
