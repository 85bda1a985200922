package dev.junction.overlay.tunnel;

import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.Ip4Neighbours;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Encapsulation, a per-interface feature of the output arc enabled on each tunnel interface of its
 * kind: a frame sent out of a tunnel gets the tunnel's prebuilt outer headers in front (in the
 * buffer's headroom, no copy of the frame), its lengths, checksum and entropy, the underlay VRF, and
 * goes to ip4-lookup or ip6-lookup: the outer packet is routed like any other (ARP, ECMP, rewrite).
 * Where routing resolves an IPv4 tunnel's remote end to a single next hop (the control path follows
 * it with a RouteListener), the node writes that next hop itself and goes to ip4-rewrite, one node
 * fewer per packet; ECMP, steered and unresolved remotes keep the lookup.
 * A frame whose layer-3 payload exceeds the tunnel's MTU is dropped and counted, never fragmented.
 * A frame of an interface that is no tunnel of this kind goes on along the arc untouched.
 * The subclass writes what its header needs per packet.
 */
public abstract class EncapNode extends TunnelNode {
    protected static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final int IP4 = 0, IP6 = 1, REWRITE4 = 2, OUTPUT = 3;
    static final int C_DIRECT = 0;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    /** 0x8100 and 0x88A8 as a native load of the type field sees them. */
    private static final short VLAN_TYPE = (short) (LITTLE_ENDIAN ? 0x0081 : 0x8100), QINQ_TYPE = (short) (LITTLE_ENDIAN ? 0xA888 : 0x88A8);
    static final int TOO_BIG = 0, NO_HEADROOM = 1;
    private final int kind;

    protected EncapNode(String name, int kind, TunnelControl control) {
        super(name, control);
        this.kind = kind;
    }

    @Override
    public final String arc() {
        return Arcs.OUTPUT;
    }

    @Override
    public final boolean perInterface() {
        return true;
    }

    @Override
    public final List<String> next() {
        return List.of("ip4-lookup", "ip6-lookup", "ip4-rewrite", Arcs.start(Arcs.OUTPUT));
    }

    @Override
    public final List<String> counters() {
        return List.of("sent with the next hop's MAC (ip4-rewrite skipped)");
    }

    @Override
    public final List<String> errors() {
        return List.of("frame bigger than the tunnel's MTU (never fragmented)",
                "no headroom for the outer headers");
    }

    @Override
    public final void process(PacketVector v, NodeContext ctx) {
        ResolvedTunnels r = resolve(ctx);
        TunnelConfig c = r.config;
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        InterfaceView ifs = ctx.interfaces();
        Ip4Neighbours neighbours = control.neighbours();
        int w = ctx.worker() * TunnelDevice.STRIDE;
        // The tunnel of the packet before, with everything the loop needs of it in locals: a vector
        // is mostly one tunnel's frames, and a chain of dependent loads per packet (interface to
        // tunnel to its settings) is what this node would otherwise spend its time waiting on.
        int lastTx = Integer.MIN_VALUE, t = -1, mtu = 0, over = 0, sum = 0, vrf = 0, nextIf = -1, nextHop = 0;
        boolean v6 = false, fast = false, counted = false;
        long[] counts = null;
        long w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, last = 0;
        // The whole outer frame, when routing knows the resolved next hop's MAC (VXLAN over IPv4):
        // the MACs in the template's first words, TTL 64 and its checksum, as ip4-rewrite would
        // leave them; up to the underlay interface's MTU, beyond which ip4-rewrite decides.
        boolean direct = false;
        long d0 = 0, d1 = 0, d2 = 0;
        int dsum = 0, dmtu = 0;
        int base = 0;
        long txPackets = 0, txBytes = 0, sentDirect = 0;
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int tx = pool.txInterface(b);
            if (tx != lastTx) {
                if (counted) {
                    counts[w + TunnelDevice.TX_PACKETS] += txPackets;
                    counts[w + TunnelDevice.TX_BYTES] += txBytes;
                }
                txPackets = 0;
                txBytes = 0;
                lastTx = tx;
                t = r.tunnelOf(tx);
                if (t < 0 || c.kind[t] != kind) {
                    t = -1;
                    counted = false;
                } else {
                    mtu = c.mtu[t];
                    over = c.overhead[t];
                    sum = c.ipSum[t];
                    vrf = c.vrf[t];
                    v6 = c.ipv6[t];
                    fast = kind == TunnelConfig.VXLAN && !v6 && LITTLE_ENDIAN;
                    counts = c.devices[t].counters;
                    counted = w + TunnelDevice.STRIDE <= counts.length;
                    base = t * TunnelConfig.WORDS;
                    nextIf = r.nextIf[t];
                    nextHop = c.nextHop4[t];
                    long[] words = c.words;
                    w0 = words[base];
                    w1 = words[base + 1];
                    w2 = words[base + 2];
                    w3 = words[base + 3];
                    w4 = words[base + 4];
                    w5 = words[base + 5];
                    last = c.lastWord[t];
                    long mac = fast && nextIf >= 0 ? neighbours.mac(nextIf, nextHop) : -1;
                    direct = mac >= 0;
                    if (direct) {
                        long src = littleEndianMac(ifs.mac(nextIf));
                        d0 = w0 | littleEndianMac(mac) | src << 48;
                        d1 = w1 | src >>> 16;
                        d2 = w2 - (1L << 48); // the TTL byte, frame offset 22: OUTER_TTL less routing's one
                        dsum = c.ipSumDirect[t];
                        dmtu = ifs.mtu(nextIf);
                    }
                }
            }
            if (t < 0) {
                continue; // enabled on an interface that is no tunnel of ours (feature:enable): on along the arc
            }
            long f = pool.data(b);
            int len = pool.length(b);
            if (len - layer2Length(m, f, len) > mtu) {
                v.drop(i, TOO_BIG);
                if (counted) {
                    counts[w + TunnelDevice.TOO_BIG]++;
                }
                continue;
            }
            int h = InnerFlowHash.of(m, f, len);
            if (!pool.advance(b, -over)) {
                v.drop(i, NO_HEADROOM);
                continue;
            }
            long o = f - over;
            int ipLength = len + over - 14;
            // Whole: the MACs and TTL 64 in the words, the frame ready to leave (direct implies fast).
            boolean whole = direct && ipLength <= dmtu;
            if (fast) {
                // VXLAN over IPv4, the common case: the per-packet fields go into the template's own
                // stores (total length, checksum, UDP source port and length), seven stores in all.
                int s = (whole ? dsum : sum) + ipLength;
                s = (s & 0xFFFF) + (s >>> 16);
                s = (s & 0xFFFF) + (s >>> 16);
                m.set(LONG, o, whole ? d0 : w0);
                m.set(LONG, o + 8, whole ? d1 : w1);
                m.set(LONG, o + 16, (whole ? d2 : w2) | swap16(ipLength));
                m.set(LONG, o + 24, w3 | swap16(~s));
                m.set(LONG, o + 32, w4 | swap16(0xC000 | (h & 0x3FFF)) << 16 | swap16(len + 16) << 48);
                m.set(LONG, o + 40, w5);
                m.set(LONG, o + 42, last);
            } else {
                slow(m, c, o, base, over, t, v6, sum, ipLength, h);
            }
            pool.l3Offset(b, 14);
            pool.vrf(b, vrf);
            pool.adjacency(b, 0);
            txPackets++;
            txBytes += len;
            if (whole) {
                pool.txInterface(b, nextIf);
                sentDirect++;
                v.next(i, OUTPUT);
                continue;
            }
            if (nextIf >= 0) {
                // Routing resolved the remote end to one next hop: what ip4-lookup would write.
                pool.txInterface(b, nextIf);
                pool.nextHop(b, nextHop);
                v.next(i, REWRITE4);
            } else {
                pool.nextHop(b, 0);
                v.next(i, v6 ? IP6 : IP4);
            }
        }
        if (counted) {
            counts[w + TunnelDevice.TX_PACKETS] += txPackets;
            counts[w + TunnelDevice.TX_BYTES] += txBytes;
        }
        if (sentDirect > 0) {
            ctx.count(C_DIRECT, sentDirect);
        }
    }

    /** A MAC (low 48 bits) as a little-endian long store lays it down: its six bytes first, in wire order. */
    private static long littleEndianMac(long mac) {
        return Long.reverseBytes(mac << 16);
    }

    /** Any other encapsulation: the template word by word, then the lengths, checksum and header. */
    private void slow(MemorySegment m, TunnelConfig c, long o, int base, int over, int t, boolean v6, int sum,
            int ipLength, int h) {
        long[] words = c.words;
        for (int k = 0; k + 8 <= over; k += 8) {
            m.set(LONG, o + k, words[base + (k >>> 3)]);
        }
        m.set(LONG, o + over - 8, c.lastWord[t]);
        long ip = o + 14;
        long l4;
        if (v6) {
            Ipv6.payloadLength(m, ip, ipLength - Ipv6.HEADER_LENGTH);
            l4 = ip + Ipv6.HEADER_LENGTH;
        } else {
            Ipv4.totalLength(m, ip, ipLength);
            int s = sum + ipLength;
            s = (s & 0xFFFF) + (s >>> 16);
            s = (s & 0xFFFF) + (s >>> 16);
            m.set(NET_SHORT, ip + 10, (short) ~s);
            l4 = ip + Ipv4.MIN_HEADER;
        }
        finish(m, ip, l4, (int) (ipLength - (l4 - ip)), h, v6);
    }

    /**
     * Writes what the encapsulation header needs per packet: {@code l4} is the UDP or GRE header of
     * {@code l4Length} bytes (to the end of the packet), {@code hash} the inner flow's entropy.
     */
    protected abstract void finish(MemorySegment m, long ip, long l4, int l4Length, int hash, boolean ipv6);

    /** The low 16 bits of {@code x} in network order, as the low 16 bits of a little-endian long store. */
    private static long swap16(int x) {
        return (x & 0xFF) << 8 | (x >>> 8) & 0xFF;
    }

    /** The inner frame's Ethernet header with up to two VLAN tags: what the MTU does not count. */
    static int layer2Length(MemorySegment m, long f, int len) {
        short outer = m.get(ValueLayout.JAVA_SHORT_UNALIGNED, f + 12);
        if (outer != VLAN_TYPE && outer != QINQ_TYPE) {
            return 14; // untagged: one native load, no loop
        }
        int l = 14;
        while (l <= 18 && len >= l + 4) {
            int type = Short.toUnsignedInt(m.get(NET_SHORT, f + l - 2));
            if (type != 0x8100 && type != 0x88A8) {
                break;
            }
            l += 4;
        }
        return l;
    }
}
