package dev.junction.overlay.tunnel;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Decapsulation, reached from ip4-local and ip6-local (a {@code LocalService}: the packet is for one
 * of the router's addresses): the subclass checks its header and finds the tunnel by id, source,
 * destination, VRF (and port); the inner frame then starts over at the device-input arc with the
 * tunnel as its receiving interface, as if the tunnel's interface had received it, so that it is
 * bridged, cross-connected or routed as that interface's mode says. Anything else is dropped by reason.
 */
public abstract class DecapNode extends TunnelNode {
    protected static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    protected static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    protected static final ValueLayout.OfLong NET_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** A decapsulated frame is at least an Ethernet header. */
    protected static final int MIN_FRAME = 14;
    protected DecapNode(String name, TunnelControl control) {
        super(name, control);
    }

    @Override
    public final List<String> next() {
        return List.of(Arcs.start(Arcs.DEVICE_INPUT));
    }

    @Override
    public final void process(PacketVector v, NodeContext ctx) {
        ResolvedTunnels r = resolve(ctx);
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        int w = ctx.worker() * TunnelDevice.STRIDE;
        // The tunnel of the packet before and its counters, counted once per run of one tunnel.
        int lastT = -1;
        long[] counts = null;
        boolean counted = false;
        long rxPackets = 0, rxBytes = 0;
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            long ip = pool.data(b) + pool.l3Offset(b);
            boolean v6 = (m.get(ValueLayout.JAVA_BYTE, ip) & 0xF0) == 0x60;
            long l4;
            int l4Length;
            if (v6) {
                l4 = ip + Ipv6.HEADER_LENGTH;
                l4Length = Ipv6.payloadLength(m, ip);
            } else {
                int ihl = Ipv4.headerLength(m, ip);
                l4 = ip + ihl;
                l4Length = Ipv4.totalLength(m, ip) - ihl;
            }
            // The subclass answers the tunnel number and the inner frame in the adjacency word's
            // place: offset from l4 in the high half, length in the low half; or a drop reason.
            long found = decapsulate(m, r.config, ip, l4, l4Length, v6, pool.vrf(b));
            if (found < 0) {
                v.drop(i, (int) (-1 - found));
                continue;
            }
            int t = (int) (found >>> 48);
            int offset = (int) (found >>> 24) & 0xFF_FFFF;
            int length = (int) found & 0xFF_FFFF;
            int ifIndex = r.ifIndex[t];
            if (ifIndex < 0) {
                v.drop(i, noInterface());
                continue;
            }
            if (t != lastT) {
                if (counted) {
                    counts[w + TunnelDevice.RX_PACKETS] += rxPackets;
                    counts[w + TunnelDevice.RX_BYTES] += rxBytes;
                }
                rxPackets = 0;
                rxBytes = 0;
                lastT = t;
                counts = r.config.devices[t].counters;
                counted = w + TunnelDevice.STRIDE <= counts.length;
            }
            pool.advance(b, (int) (l4 + offset - pool.data(b)));
            pool.length(b, length);
            // A frame as a device would deliver it: the words PacketPool.allocate clears for a driver
            // cleared here, so nothing of the outer packet's life is left. (The adjacency and the
            // opaque words are not cleared for a received frame either: their writers set them.)
            pool.rxInterface(b, ifIndex);
            pool.txInterface(b, 0);
            pool.vrf(b, 0);
            pool.l3Offset(b, 0);
            pool.nextHop(b, 0);
            pool.flowHash(b, 0);
            rxPackets++;
            rxBytes += length;
            v.next(i, 0);
        }
        if (counted) {
            counts[w + TunnelDevice.RX_PACKETS] += rxPackets;
            counts[w + TunnelDevice.RX_BYTES] += rxBytes;
        }
    }

    /**
     * Checks the encapsulation at {@code l4} ({@code l4Length} bytes) of a packet of VRF {@code vrf} and
     * finds its tunnel: returns {@link #found}, or {@code -1 - reason} to drop it.
     */
    protected abstract long decapsulate(MemorySegment m, TunnelConfig c, long ip, long l4, int l4Length, boolean ipv6, int vrf);

    /** The drop reason of a tunnel whose interface is not in the graph. */
    protected abstract int noInterface();

    /** What {@link #decapsulate} returns for tunnel {@code t} whose inner frame is {@code length} bytes at {@code l4 + offset}. */
    protected static long found(int t, int offset, int length) {
        return (long) t << 48 | (long) offset << 24 | length;
    }

    /** Tunnel number of the packet's (kind, id) from its outer source to its outer destination, or -1. */
    protected static int tunnel(MemorySegment m, TunnelConfig c, long ip, boolean v6, int kind, int id, int vrf, int port) {
        if (v6) {
            return c.find6(kind, id, m.get(NET_LONG, ip + 8), m.get(NET_LONG, ip + 16), m.get(NET_LONG, ip + 24),
                    m.get(NET_LONG, ip + 32), vrf, port);
        }
        return c.find4(kind, id, m.get(NET_INT, ip + 12), m.get(NET_INT, ip + 16), vrf, port);
    }
}
