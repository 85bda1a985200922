package dev.junction.lb.nodes;

import dev.junction.lb.control.Addresses;
import dev.junction.packet.PacketPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Writes TCP/UDP test packets (Ethernet, IPv4 or IPv6) with correct checksums, and checks checksums whole. */
final class Packets {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final int SYN = 2, ACK = 0x10, FIN = 1, RST = 4;

    final PacketPool pool;
    final MemorySegment m;

    Packets(PacketPool pool) {
        this.pool = pool;
        this.m = pool.memory();
    }

    /** A packet as ip4-input / ip6-input leave it, {@code payload} bytes of data, {@code adjacency} set. */
    int packet(String src, int sport, String dst, int dport, int proto, int flags, int payload, int adjacency) {
        long[] s = Addresses.parse(src), d = Addresses.parse(dst);
        boolean v4 = s[0] == 4;
        int b = pool.allocate();
        long f = pool.data(b);
        int ipLen = v4 ? 20 : 40, l4Len = (proto == 6 ? 20 : 8) + payload;
        m.asSlice(f, 14 + ipLen + l4Len).fill((byte) 0);
        m.set(U16, f + 12, (short) (v4 ? 0x0800 : 0x86dd));
        long ip = f + 14;
        if (v4) {
            m.set(ValueLayout.JAVA_BYTE, ip, (byte) 0x45);
            m.set(U16, ip + 2, (short) (20 + l4Len));
            m.set(U16, ip + 4, (short) 0x1234);
            m.set(ValueLayout.JAVA_BYTE, ip + 8, (byte) 64);
            m.set(ValueLayout.JAVA_BYTE, ip + 9, (byte) proto);
            m.set(U32, ip + 12, (int) s[2]);
            m.set(U32, ip + 16, (int) d[2]);
            m.set(U16, ip + 10, (short) ~fold(sum(ip, 20)));
        } else {
            m.set(U32, ip, 0x6000_0000);
            m.set(U16, ip + 4, (short) l4Len);
            m.set(ValueLayout.JAVA_BYTE, ip + 6, (byte) proto);
            m.set(ValueLayout.JAVA_BYTE, ip + 7, (byte) 64);
            m.set(U64, ip + 8, s[1]);
            m.set(U64, ip + 16, s[2]);
            m.set(U64, ip + 24, d[1]);
            m.set(U64, ip + 32, d[2]);
        }
        long l4 = ip + ipLen;
        m.set(U16, l4, (short) sport);
        m.set(U16, l4 + 2, (short) dport);
        if (proto == 6) {
            m.set(U32, l4 + 4, 1000);
            m.set(ValueLayout.JAVA_BYTE, l4 + 12, (byte) 0x50);
            m.set(ValueLayout.JAVA_BYTE, l4 + 13, (byte) flags);
            m.set(U16, l4 + 14, (short) 65535);
        } else {
            m.set(U16, l4 + 4, (short) l4Len);
        }
        for (int i = 0; i < payload; i++) {
            m.set(ValueLayout.JAVA_BYTE, l4 + (proto == 6 ? 20 : 8) + i, (byte) (i * 7 + 3));
        }
        pool.length(b, 14 + ipLen + l4Len);
        pool.l3Offset(b, 14);
        int c = ~fold(pseudo(b) + sum(l4, l4Len)) & 0xffff;
        m.set(U16, l4 + (proto == 6 ? 16 : 6), (short) (proto == 17 && c == 0 ? 0xffff : c));
        pool.rxInterface(b, 0);
        pool.vrf(b, 0);
        pool.adjacency(b, adjacency);
        if (!checksumsOk(b)) {
            throw new AssertionError("test packet with a bad checksum");
        }
        return b;
    }

    long ip(int b) {
        return pool.data(b) + pool.l3Offset(b);
    }

    boolean v4(int b) {
        return (m.get(ValueLayout.JAVA_BYTE, ip(b)) & 0xf0) == 0x40;
    }

    long l4(int b) {
        return ip(b) + (v4(b) ? 20 : 40);
    }

    int l4Length(int b) {
        return pool.length(b) - pool.l3Offset(b) - (v4(b) ? 20 : 40);
    }

    int proto(int b) {
        return m.get(ValueLayout.JAVA_BYTE, ip(b) + (v4(b) ? 9 : 6)) & 0xff;
    }

    String dst(int b) {
        long ip = ip(b);
        return v4(b) ? Addresses.format(4, 0, m.get(U32, ip + 16) & 0xffffffffL)
                : Addresses.format(6, m.get(U64, ip + 24), m.get(U64, ip + 32));
    }

    String src(int b) {
        long ip = ip(b);
        return v4(b) ? Addresses.format(4, 0, m.get(U32, ip + 12) & 0xffffffffL)
                : Addresses.format(6, m.get(U64, ip + 8), m.get(U64, ip + 16));
    }

    int sport(int b) {
        return Short.toUnsignedInt(m.get(U16, l4(b)));
    }

    int dport(int b) {
        return Short.toUnsignedInt(m.get(U16, l4(b) + 2));
    }

    int l4Checksum(int b) {
        return Short.toUnsignedInt(m.get(U16, l4(b) + (proto(b) == 6 ? 16 : 6)));
    }

    private long sum(long at, int len) {
        long s = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            s += Short.toUnsignedInt(m.get(U16, at + i));
        }
        if ((len & 1) != 0) {
            s += (m.get(ValueLayout.JAVA_BYTE, at + len - 1) & 0xff) << 8;
        }
        return s;
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    private long pseudo(int b) {
        long ip = ip(b);
        int len = l4Length(b);
        return v4(b) ? sum(ip + 12, 8) + proto(b) + len : sum(ip + 8, 32) + proto(b) + len;
    }

    /** Whether the IPv4 header checksum and the TCP/UDP checksum are right, computed whole. */
    boolean checksumsOk(int b) {
        if (v4(b) && fold(sum(ip(b), 20)) != 0xffff) {
            return false;
        }
        if (proto(b) == 17 && v4(b) && l4Checksum(b) == 0) {
            return true;
        }
        return fold(pseudo(b) + sum(l4(b), l4Length(b))) == 0xffff;
    }
}
