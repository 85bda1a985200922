package dev.junction.lb.health;

import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The probes' TCP segments: a bare 20-byte TCP header (no options, no data) in a fresh IPv4 or IPv6
 * header, TTL or hop limit 64, checksums whole (RFC 9293 section 3.1: the pseudo-header of RFC 791 or
 * RFC 8200 section 8.1). A SYN asks; a RST ends a handshake the probe does not finish.
 */
public final class ProbeFrames {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final int FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 0x10;
    /** The window a SYN offers: what a small receiver would; the probe never takes data. */
    static final int SYN_WINDOW = 1024;

    private ProbeFrames() {
    }

    /**
     * Writes at {@code ip} an IP header and a TCP header; IPv4 addresses in the low 32 bits of
     * {@code sl}/{@code dl}. Returns the IP packet's length (40 or 60).
     */
    public static int write(MemorySegment m, long ip, int family, long sh, long sl, long dh, long dl, int sport, int dport,
                            int seq, int ack, int flags, int window) {
        return write(m, ip, family, sh, sl, dh, dl, sport, dport, seq, ack, flags, window, 0);
    }

    /** The same with {@code data} bytes of payload, already in place after the TCP header. */
    public static int write(MemorySegment m, long ip, int family, long sh, long sl, long dh, long dl, int sport, int dport,
                            int seq, int ack, int flags, int window, int data) {
        long tcp;
        if (family == 4) {
            Ipv4.writeHeader(m, ip, 40 + data, 64, 6, (int) sl, (int) dl);
            tcp = ip + 20;
        } else {
            Ipv6.writeHeader(m, ip, 20 + data, 6, 64, sh, sl, dh, dl);
            tcp = ip + Ipv6.HEADER_LENGTH;
        }
        m.set(U16, tcp, (short) sport);
        m.set(U16, tcp + 2, (short) dport);
        m.set(U32, tcp + 4, seq);
        m.set(U32, tcp + 8, ack);
        m.set(U16, tcp + 12, (short) (5 << 12 | flags));
        m.set(U16, tcp + 14, (short) window);
        m.set(U32, tcp + 16, 0); // checksum 0 while summing, urgent pointer 0
        m.set(U16, tcp + 16, (short) ~tcpSum(m, ip, family, tcp, 20 + data));
        return (family == 4 ? 40 : 60) + data;
    }

    /** The one's complement sum (folded, not inverted) of a TCP segment and its pseudo-header: 0xFFFF verifies. */
    static int tcpSum(MemorySegment m, long ip, int family, long tcp, int length) {
        if (family == 6) {
            return Ipv6.upperLayerSum(m, ip, 6, length);
        }
        long s = Ipv4.sum(m, ip + 12, 8) + 6L + length + Ipv4.sum(m, tcp, length);
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }
}
