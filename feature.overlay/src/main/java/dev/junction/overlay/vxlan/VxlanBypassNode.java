package dev.junction.overlay.vxlan;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.overlay.tunnel.TunnelConfig;
import dev.junction.overlay.tunnel.TunnelControl;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * {@code ip4-vxlan-bypass}: a feature of ip4-unicast, last before ip4-lookup, present while an IPv4
 * VXLAN tunnel exists. An unfragmented IPv4 UDP packet without options to the port of a VXLAN
 * tunnel's local end, in that tunnel's VRF, goes straight to {@code vxlan-input}: ip4-lookup would
 * find the local address and ip4-local would hand the packet to vxlan-input (the port is its
 * {@code LocalService}); both are skipped, as VPP's node of the same name skips them. Everything
 * else goes on along the arc untouched; nothing is dropped here: vxlan-input checks the packet and
 * counts what it drops, as it does for packets reaching it through ip4-local.
 *
 * <p>It runs after the other features routing, the firewall and the load balancer put on the arc,
 * so that a firewall on the underlay still judges the outer packets. A third-party feature that must
 * see them names this node in its {@code runsBefore}.
 */
public final class VxlanBypassNode implements PacketNode {
    public static final String NAME = "ip4-vxlan-bypass";
    static final int C_BYPASSED = 0;
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong NET_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private final TunnelControl control;

    public VxlanBypassNode(TunnelControl control) {
        this.control = control;
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
        return List.of("ip4-input", "fw-ip4-input", "lb-nat4-reverse");
    }

    @Override
    public List<String> runsBefore() {
        return List.of("ip4-lookup");
    }

    @Override
    public List<String> next() {
        return List.of(VxlanDecapNode.NAME);
    }

    @Override
    public List<String> counters() {
        return List.of("to vxlan-input, ip4-lookup and ip4-local skipped");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        TunnelConfig c = control.config();
        if (!c.anyVtep4()) {
            return; // the last IPv4 tunnel just went: every verdict stays NEXT_FEATURE
        }
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        long bypassed = 0;
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            long ip = pool.data(b) + pool.l3Offset(b);
            // ip4-input checked the header: version 4, its length, the total length within the frame.
            long w0 = m.get(NET_LONG, ip); // version, IHL, TOS, total length, id, flags and fragment offset
            int protocol = m.get(ValueLayout.JAVA_BYTE, ip + 9);
            if ((w0 >>> 56) != 0x45 || (w0 & 0x3FFF) != 0 || protocol != 17 || ((w0 >>> 32) & 0xFFFF) < 28) {
                continue; // options, a fragment, not UDP, or too short for a port: the ordinary path decides
            }
            int port = Short.toUnsignedInt(m.get(NET_SHORT, ip + 22));
            if (c.isVtep4(pool.vrf(b), port, m.get(NET_INT, ip + 16))) {
                v.next(i, 0);
                bypassed++;
            }
        }
        ctx.count(C_BYPASSED, bypassed);
    }
}
