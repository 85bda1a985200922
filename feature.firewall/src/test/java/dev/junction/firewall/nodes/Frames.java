package dev.junction.firewall.nodes;

import dev.junction.firewall.Prefix;
import dev.junction.packet.PacketPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Writes test packets (Ethernet, IPv4 or IPv6, TCP/UDP/ICMP) into pool buffers, as ip4-input leaves them. */
public final class Frames {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final int FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 0x10;

    private final PacketPool pool;
    private final MemorySegment m;

    public Frames(PacketPool pool) {
        this.pool = pool;
        this.m = pool.memory();
    }

    /** An IP packet: header for {@code src} to {@code dst} (same family), then {@code l4} bytes written by the caller. */
    private int ip(int rx, int vrf, String src, String dst, int proto, int l4Length, int fragWord) {
        Prefix s = Prefix.parse(src), d = Prefix.parse(dst);
        int b = pool.allocate();
        long f = pool.data(b);
        m.asSlice(f, 128).fill((byte) 0);
        int ipLen = s.family() == 4 ? 20 : 40;
        m.set(U16, f + 12, (short) (s.family() == 4 ? 0x0800 : 0x86dd));
        long ip = f + 14;
        if (s.family() == 4) {
            m.set(ValueLayout.JAVA_BYTE, ip, (byte) 0x45);
            m.set(U16, ip + 2, (short) (20 + l4Length));
            m.set(U16, ip + 6, (short) fragWord);
            m.set(ValueLayout.JAVA_BYTE, ip + 8, (byte) 64);
            m.set(ValueLayout.JAVA_BYTE, ip + 9, (byte) proto);
            m.set(U32, ip + 12, (int) (s.high() >>> 32));
            m.set(U32, ip + 16, (int) (d.high() >>> 32));
        } else {
            m.set(U32, ip, 0x6000_0000);
            m.set(U16, ip + 4, (short) l4Length);
            m.set(ValueLayout.JAVA_BYTE, ip + 6, (byte) proto);
            m.set(ValueLayout.JAVA_BYTE, ip + 7, (byte) 64);
            m.set(U64, ip + 8, s.high());
            m.set(U64, ip + 16, s.low());
            m.set(U64, ip + 24, d.high());
            m.set(U64, ip + 32, d.low());
        }
        pool.length(b, 14 + ipLen + l4Length);
        pool.l3Offset(b, 14);
        pool.rxInterface(b, rx);
        pool.txInterface(b, rx == 0 ? 1 : 0);
        pool.vrf(b, vrf);
        return b;
    }

    public long l4(int b) {
        long f = pool.data(b);
        return f + 14 + (m.get(ValueLayout.JAVA_BYTE, f + 14) >>> 4 == 4 ? 20 : 40);
    }

    public int tcp(int rx, int vrf, String src, int sport, String dst, int dport, int flags, int seq, int ack, int win,
                   int payload) {
        boolean syn = (flags & SYN) != 0;
        int opt = syn ? 4 : 0; // a SYN carries window scale 7 (kind 3, len 3) and a NOP
        int b = ip(rx, vrf, src, dst, 6, 20 + opt + payload, 0);
        long t = l4(b);
        m.set(U16, t, (short) sport);
        m.set(U16, t + 2, (short) dport);
        m.set(U32, t + 4, seq);
        m.set(U32, t + 8, ack);
        m.set(ValueLayout.JAVA_BYTE, t + 12, (byte) (((20 + opt) / 4) << 4));
        m.set(ValueLayout.JAVA_BYTE, t + 13, (byte) flags);
        m.set(U16, t + 14, (short) win);
        if (syn) {
            m.set(ValueLayout.JAVA_BYTE, t + 20, (byte) 3);
            m.set(ValueLayout.JAVA_BYTE, t + 21, (byte) 3);
            m.set(ValueLayout.JAVA_BYTE, t + 22, (byte) 7);
            m.set(ValueLayout.JAVA_BYTE, t + 23, (byte) 1);
        }
        return b;
    }

    public int udp(int rx, int vrf, String src, int sport, String dst, int dport) {
        int b = ip(rx, vrf, src, dst, 17, 8 + 4, 0);
        long u = l4(b);
        m.set(U16, u, (short) sport);
        m.set(U16, u + 2, (short) dport);
        m.set(U16, u + 4, (short) 12);
        return b;
    }

    /** ICMP (ICMPv6 for IPv6 addresses) of type and code with identifier {@code id} and 8 bytes after the header. */
    public int icmp(int rx, int vrf, String src, String dst, int type, int code, int id) {
        boolean v6 = src.indexOf(':') >= 0;
        int b = ip(rx, vrf, src, dst, v6 ? 58 : 1, 16, 0);
        long c = l4(b);
        m.set(ValueLayout.JAVA_BYTE, c, (byte) type);
        m.set(ValueLayout.JAVA_BYTE, c + 1, (byte) code);
        m.set(U16, c + 4, (short) id);
        return b;
    }

    /** An ICMP error from {@code src} to {@code dst} quoting {@code quoted}'s IP header and 8 transport bytes. */
    public int icmpError(int rx, int vrf, String src, String dst, int type, int code, int quoted) {
        boolean v6 = src.indexOf(':') >= 0;
        int qlen = (v6 ? 40 : 20) + 8;
        int b = ip(rx, vrf, src, dst, v6 ? 58 : 1, 8 + qlen, 0);
        long c = l4(b);
        m.set(ValueLayout.JAVA_BYTE, c, (byte) type);
        m.set(ValueLayout.JAVA_BYTE, c + 1, (byte) code);
        MemorySegment.copy(m, pool.data(quoted) + 14, m, c + 8, qlen);
        pool.free(quoted);
        return b;
    }

    /** A later fragment (offset 185 * 8) of a UDP or TCP packet: no transport header. */
    public int laterFragment(int rx, int vrf, String src, String dst, int proto) {
        boolean v6 = src.indexOf(':') >= 0;
        if (!v6) {
            return ip(rx, vrf, src, dst, proto, 40, 185);
        }
        int b = ip(rx, vrf, src, dst, 44, 8 + 40, 0);
        long x = l4(b);
        m.set(ValueLayout.JAVA_BYTE, x, (byte) proto);
        m.set(U16, x + 2, (short) (185 << 3));
        return b;
    }
}
