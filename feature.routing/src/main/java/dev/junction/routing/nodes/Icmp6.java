package dev.junction.routing.nodes;

import dev.junction.packet.Ipv6;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** ICMPv6 (RFC 4443) and neighbour discovery (RFC 4861) message facts the IPv6 nodes share. */
final class Icmp6 {
    static final int DESTINATION_UNREACHABLE = 1, PACKET_TOO_BIG = 2, TIME_EXCEEDED = 3;
    static final int ECHO_REQUEST = 128, ECHO_REPLY = 129;
    static final int NEIGHBOUR_SOLICITATION = 135, NEIGHBOUR_ADVERTISEMENT = 136;
    /** Neighbour discovery options: source and target link-layer address. */
    static final int OPTION_SOURCE_LLA = 1, OPTION_TARGET_LLA = 2;
    /** NS and NA: 4 bytes of type, code, checksum; 4 of flags; the 16-byte target; then options. */
    static final int ND_LENGTH = 24;
    /** An NS or NA with one link-layer address option, as the router sends them. */
    static final int ND_WITH_OPTION_LENGTH = ND_LENGTH + 8;
    /** Neighbour advertisement flags: router, solicited, override. */
    static final int NA_ROUTER = 0x80, NA_SOLICITED = 0x40, NA_OVERRIDE = 0x20;
    /** Neighbour discovery messages are sent, and accepted, only with this hop limit. */
    static final int ND_HOP_LIMIT = 255;
    static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong NET_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Icmp6() {
    }

    static int type(MemorySegment m, long icmp) {
        return m.get(ValueLayout.JAVA_BYTE, icmp) & 0xFF;
    }

    /** Writes the checksum of the ICMPv6 message of {@code length} bytes after the header at {@code ip}. */
    static void writeChecksum(MemorySegment m, long ip, int length) {
        long icmp = ip + Ipv6.HEADER_LENGTH;
        m.set(NET_SHORT, icmp + 2, (short) 0);
        m.set(NET_SHORT, icmp + 2, (short) ~Ipv6.upperLayerSum(m, ip, Ipv6.NEXT_ICMP6, length));
    }

    /**
     * Writes, after the IPv6 header at {@code ip} (written first: the checksum covers its addresses),
     * a neighbour solicitation or advertisement of {@link #ND_WITH_OPTION_LENGTH} bytes: {@code type},
     * {@code flags} (0 for an NS), the target, one link-layer address {@code option} with {@code mac},
     * and the checksum.
     */
    static void writeNeighbourMessage(MemorySegment m, long ip, int type, int flags, long targetHigh, long targetLow,
            int option, long mac) {
        long icmp = ip + Ipv6.HEADER_LENGTH;
        m.set(ValueLayout.JAVA_INT_UNALIGNED, icmp, 0);
        m.set(ValueLayout.JAVA_BYTE, icmp, (byte) type);
        m.set(ValueLayout.JAVA_INT_UNALIGNED, icmp + 4, 0);
        m.set(ValueLayout.JAVA_BYTE, icmp + 4, (byte) flags);
        m.set(NET_LONG, icmp + 8, targetHigh);
        m.set(NET_LONG, icmp + 16, targetLow);
        m.set(ValueLayout.JAVA_BYTE, icmp + 24, (byte) option);
        m.set(ValueLayout.JAVA_BYTE, icmp + 25, (byte) 1);
        writeMac(m, icmp + 26, mac);
        writeChecksum(m, ip, ND_WITH_OPTION_LENGTH);
    }

    /** Writes a 6-byte MAC (low 48 bits of {@code mac}). */
    static void writeMac(MemorySegment m, long at, long mac) {
        m.set(NET_SHORT, at, (short) (mac >>> 32));
        m.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + 2, (int) mac);
    }

    static long readMac(MemorySegment m, long at) {
        return (Short.toUnsignedLong(m.get(NET_SHORT, at)) << 32)
                | Integer.toUnsignedLong(m.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + 2));
    }

    /**
     * The link-layer address in the first option of {@code type} among the options from {@code from}
     * to {@code end}, -1 when there is none, -2 when the options are malformed (a zero length or one
     * past the end: RFC 4861 says to drop such a message).
     */
    static long linkLayerOption(MemorySegment m, long from, long end, int type) {
        long found = -1;
        for (long o = from; o < end; ) {
            if (o + 2 > end) {
                return -2;
            }
            int len = (m.get(ValueLayout.JAVA_BYTE, o + 1) & 0xFF) * 8;
            if (len == 0 || o + len > end) {
                return -2;
            }
            if (found == -1 && (m.get(ValueLayout.JAVA_BYTE, o) & 0xFF) == type && len >= 8) {
                found = readMac(m, o + 2);
            }
            o += len;
        }
        return found;
    }
}
