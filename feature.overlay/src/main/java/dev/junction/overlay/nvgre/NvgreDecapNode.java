package dev.junction.overlay.nvgre;

import dev.junction.overlay.tunnel.DecapNode;
import dev.junction.overlay.tunnel.TunnelConfig;
import dev.junction.overlay.tunnel.TunnelControl;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code nvgre-input}: GRE packets to a router address. Only NVGRE's form is accepted (RFC 7637
 * section 3.2): the key bit set, no checksum or sequence number, version 0, protocol 0x6558; the
 * tunnel is found by VSID (the key's high 24 bits; the FlowID is ignored), outer source and
 * destination, and VRF.
 */
public final class NvgreDecapNode extends DecapNode {
    public static final String NAME = "nvgre-input";
    static final int TOO_SHORT = 0, NOT_BRIDGING = 1, BAD_FLAGS = 2, NO_TUNNEL = 3, NO_INTERFACE = 4;
    private static final int HEADER = 8;

    public NvgreDecapNode(TunnelControl control) {
        super(NAME, control);
    }

    @Override
    public List<String> errors() {
        return List.of("too short for GRE and a frame", "GRE protocol other than transparent Ethernet bridging (0x6558)",
                "GRE flags or version not NVGRE's (key bit only, version 0)", "no tunnel for this VSID, source and destination",
                "tunnel interface not in the graph");
    }

    @Override
    protected long decapsulate(MemorySegment m, TunnelConfig c, long ip, long l4, int l4Length, boolean ipv6, int vrf) {
        if (l4Length < HEADER + MIN_FRAME) {
            return -1 - TOO_SHORT;
        }
        int word = m.get(NET_INT, l4);
        if ((word & 0xFFFF) != 0x6558) {
            return -1 - NOT_BRIDGING;
        }
        if (word >>> 16 != 0x2000) {
            return -1 - BAD_FLAGS;
        }
        int vsid = m.get(NET_INT, l4 + 4) >>> 8;
        int t = tunnel(m, c, ip, ipv6, TunnelConfig.NVGRE, vsid, vrf, 0);
        if (t < 0) {
            return -1 - NO_TUNNEL;
        }
        return found(t, HEADER, l4Length - HEADER);
    }

    @Override
    protected int noInterface() {
        return NO_INTERFACE;
    }
}
