package dev.junction.overlay.vxlan;

import dev.junction.overlay.tunnel.DecapNode;
import dev.junction.overlay.tunnel.TunnelConfig;
import dev.junction.overlay.tunnel.TunnelControl;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code vxlan-input}: UDP datagrams to a VXLAN port of a router address. Checks the UDP length and
 * a non-zero checksum, the flags (the I flag set, every reserved flag bit clear, as Linux checks
 * them; the reserved bytes are ignored, RFC 7348 section 5), then finds the tunnel by VNI, outer
 * source and destination, VRF and port.
 */
public final class VxlanDecapNode extends DecapNode {
    public static final String NAME = "vxlan-input";
    static final int TOO_SHORT = 0, BAD_UDP_LENGTH = 1, BAD_CHECKSUM = 2, NO_I_FLAG = 3, RESERVED_FLAGS = 4,
            NO_TUNNEL = 5, NO_INTERFACE = 6;
    /** UDP and VXLAN headers. */
    private static final int HEADERS = 16;

    public VxlanDecapNode(TunnelControl control) {
        super(NAME, control);
    }

    @Override
    public List<String> errors() {
        return List.of("too short for UDP, VXLAN and a frame", "UDP length beyond the IP packet", "bad UDP checksum",
                "VXLAN I flag not set", "VXLAN reserved flags set", "no tunnel for this VNI, source and destination",
                "tunnel interface not in the graph");
    }

    @Override
    protected long decapsulate(MemorySegment m, TunnelConfig c, long ip, long l4, int l4Length, boolean ipv6, int vrf) {
        if (l4Length < HEADERS + MIN_FRAME) {
            return -1 - TOO_SHORT;
        }
        // Both headers in two loads: UDP (ports, length, checksum), then VXLAN (flags, VNI, reserved).
        long udp = m.get(NET_LONG, l4);
        long vxlan = m.get(NET_LONG, l4 + 8);
        int udpLength = (int) (udp >>> 16) & 0xFFFF;
        if (udpLength > l4Length || udpLength < HEADERS + MIN_FRAME) {
            return -1 - (udpLength < HEADERS + MIN_FRAME ? TOO_SHORT : BAD_UDP_LENGTH);
        }
        if ((udp & 0xFFFF) != 0 && !checksumOk(m, ip, l4, udpLength, ipv6)) {
            return -1 - BAD_CHECKSUM;
        }
        int flags = (int) (vxlan >>> 32);
        if ((flags & 0x0800_0000) == 0) {
            return -1 - NO_I_FLAG;
        }
        if (flags != 0x0800_0000) {
            return -1 - RESERVED_FLAGS;
        }
        int vni = (int) (vxlan >>> 8) & 0xFF_FFFF;
        int port = (int) (udp >>> 32) & 0xFFFF;
        int t = tunnel(m, c, ip, ipv6, TunnelConfig.VXLAN, vni, vrf, port);
        if (t < 0) {
            return -1 - NO_TUNNEL;
        }
        return found(t, HEADERS, udpLength - HEADERS);
    }

    @Override
    protected int noInterface() {
        return NO_INTERFACE;
    }

    private static boolean checksumOk(MemorySegment m, long ip, long l4, int udpLength, boolean ipv6) {
        if (ipv6) {
            return Ipv6.upperLayerSum(m, ip, Ipv6.NEXT_UDP, udpLength) == 0xFFFF;
        }
        long s = Ipv4.sum(m, ip + 12, 8) + (long) Ipv4.PROTO_UDP + udpLength + Ipv4.sum(m, l4, udpLength);
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return s == 0xFFFF;
    }
}
