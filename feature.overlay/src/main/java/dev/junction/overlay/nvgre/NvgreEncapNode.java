package dev.junction.overlay.nvgre;

import dev.junction.overlay.tunnel.EncapNode;
import dev.junction.overlay.tunnel.TunnelConfig;
import dev.junction.overlay.tunnel.TunnelControl;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code nvgre-encap}: NVGRE (RFC 7637), GRE with the key bit, protocol 0x6558 (Transparent Ethernet
 * Bridging) and key = VSID and FlowID. Per packet only the FlowID, the low byte of the key, from the
 * inner flow's hash (section 3.2: entropy for the underlay's ECMP).
 */
public final class NvgreEncapNode extends EncapNode {
    public static final String NAME = "nvgre-encap";

    public NvgreEncapNode(TunnelControl control) {
        super(NAME, TunnelConfig.NVGRE, control);
    }

    @Override
    protected void finish(MemorySegment m, long ip, long l4, int l4Length, int hash, boolean ipv6) {
        m.set(ValueLayout.JAVA_BYTE, l4 + 7, (byte) hash);
    }
}
