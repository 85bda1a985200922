package dev.junction.mpls.nodes;

import dev.junction.mpls.tables.MplsHeader;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Test frames as ethernet-input leaves them: Ethernet, a label stack, then an IPv4 or IPv6 packet. */
public final class MplsFrames {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final int PAYLOAD = 8;
    private final PacketPool pool;
    private final MemorySegment m;

    public MplsFrames(PacketPool pool) {
        this.pool = pool;
        this.m = pool.memory();
    }

    /** {@code words} label stack entries as given (S bits the caller's), then an IP packet of {@code family} (0: none). */
    public int frame(int[] words, int family, int ipTtl, int tos) {
        int b = pool.allocate();
        long f = pool.data(b);
        for (int o = 0; o < 200; o++) {
            m.set(ValueLayout.JAVA_BYTE, f + o, (byte) 0);
        }
        dev.junction.packet.Ethernet.destination(m, f, 0x02_00_00_00_00_01L);
        dev.junction.packet.Ethernet.source(m, f, 0x02_aa_00_00_00_01L);
        m.set(U16, f + 12, (short) (words.length > 0 ? 0x8847 : family == 6 ? 0x86dd : 0x0800));
        long o = f + 14;
        for (int w : words) {
            m.set(U32, o, w);
            o += 4;
        }
        int ipLen = 0;
        if (family == 4) {
            ipLen = 20 + PAYLOAD;
            Ipv4.writeHeader(m, o, ipLen, ipTtl, Ipv4.PROTO_UDP, Ipv4.parse("10.1.0.2"), Ipv4.parse("10.2.0.2"));
            m.set(ValueLayout.JAVA_BYTE, o + 1, (byte) tos);
            Ipv4.updateChecksum(m, o);
        } else if (family == 6) {
            ipLen = 40 + PAYLOAD;
            m.set(U32, o, 0x6000_0000 | (tos << 20));
            m.set(U16, o + 4, (short) PAYLOAD);
            m.set(ValueLayout.JAVA_BYTE, o + 6, (byte) 17);
            m.set(ValueLayout.JAVA_BYTE, o + 7, (byte) ipTtl);
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, o + 8, 0x20010db8L << 32);
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, o + 24, 0x20010db8_00000002L);
        }
        pool.length(b, 14 + 4 * words.length + ipLen);
        pool.l3Offset(b, 14);
        pool.rxInterface(b, 0);
        return b;
    }

    /** An IPv4 or IPv6 packet as ip4-lookup or ip6-lookup leaves it steered: adjacency = {@code index}. */
    public int steered(int family, int ttl, int tos, int index) {
        int b = frame(new int[0], family, ttl, tos);
        pool.adjacency(b, index);
        return b;
    }

    public static int bos(int label, int ttl) {
        return MplsHeader.make(label, 0, true, ttl);
    }

    public static int mid(int label, int ttl) {
        return MplsHeader.make(label, 0, false, ttl);
    }

    public long frameAt(int b) {
        return pool.data(b);
    }

    public int etherType(int b) {
        return Short.toUnsignedInt(m.get(U16, pool.data(b) + 12));
    }

    public long dstMac(int b) {
        return dev.junction.packet.Ethernet.destination(m, pool.data(b));
    }

    public long srcMac(int b) {
        return dev.junction.packet.Ethernet.source(m, pool.data(b));
    }

    /** Label stack entry {@code i} of a frame with l3 offset 14. */
    public int word(int b, int i) {
        return m.get(U32, pool.data(b) + 14 + 4L * i);
    }

    public long ipAt(int b, int labels) {
        return pool.data(b) + 14 + 4L * labels;
    }

    public MemorySegment memory() {
        return m;
    }
}
