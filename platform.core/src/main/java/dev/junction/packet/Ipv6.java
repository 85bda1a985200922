package dev.junction.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Flyweight accessors for an IPv6 header at offset {@code ip} in packet memory. An address is two
 * longs: {@code high} the first 64 bits (network order), {@code low} the last 64.
 */
public final class Ipv6 {
    public static final int HEADER_LENGTH = 40;
    public static final int NEXT_ICMP6 = 58;
    public static final int NEXT_TCP = 6;
    public static final int NEXT_UDP = 17;
    /** The minimum link MTU every IPv6 link has (RFC 8200): ICMPv6 errors fit in it. */
    public static final int MIN_MTU = 1280;
    /** fe80::/64, the high half of every link-local address Junction makes. */
    public static final long LINK_LOCAL_HIGH = 0xFE80_0000_0000_0000L;
    /** ff02::1, all nodes on the link. */
    public static final long ALL_NODES_HIGH = 0xFF02_0000_0000_0000L;
    public static final long ALL_NODES_LOW = 1L;

    static final ValueLayout.OfLong NET_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Ipv6() {
    }

    public static int version(MemorySegment m, long ip) {
        return (m.get(ValueLayout.JAVA_BYTE, ip) & 0xF0) >>> 4;
    }

    /** Bytes after the 40-byte header (extension headers included). */
    public static int payloadLength(MemorySegment m, long ip) {
        return Short.toUnsignedInt(m.get(Ethernet.NET_SHORT, ip + 4));
    }

    public static void payloadLength(MemorySegment m, long ip, int len) {
        m.set(Ethernet.NET_SHORT, ip + 4, (short) len);
    }

    public static int nextHeader(MemorySegment m, long ip) {
        return m.get(ValueLayout.JAVA_BYTE, ip + 6) & 0xFF;
    }

    public static int hopLimit(MemorySegment m, long ip) {
        return m.get(ValueLayout.JAVA_BYTE, ip + 7) & 0xFF;
    }

    public static void hopLimit(MemorySegment m, long ip, int hops) {
        m.set(ValueLayout.JAVA_BYTE, ip + 7, (byte) hops);
    }

    public static long sourceHigh(MemorySegment m, long ip) {
        return m.get(NET_LONG, ip + 8);
    }

    public static long sourceLow(MemorySegment m, long ip) {
        return m.get(NET_LONG, ip + 16);
    }

    public static long destinationHigh(MemorySegment m, long ip) {
        return m.get(NET_LONG, ip + 24);
    }

    public static long destinationLow(MemorySegment m, long ip) {
        return m.get(NET_LONG, ip + 32);
    }

    public static void source(MemorySegment m, long ip, long high, long low) {
        m.set(NET_LONG, ip + 8, high);
        m.set(NET_LONG, ip + 16, low);
    }

    public static void destination(MemorySegment m, long ip, long high, long low) {
        m.set(NET_LONG, ip + 24, high);
        m.set(NET_LONG, ip + 32, low);
    }

    /** Writes a whole header: traffic class and flow label 0. */
    public static void writeHeader(MemorySegment m, long ip, int payloadLength, int nextHeader, int hopLimit,
            long srcHigh, long srcLow, long dstHigh, long dstLow) {
        m.set(Ethernet.NET_INT, ip, 0x6000_0000);
        payloadLength(m, ip, payloadLength);
        m.set(ValueLayout.JAVA_BYTE, ip + 6, (byte) nextHeader);
        hopLimit(m, ip, hopLimit);
        source(m, ip, srcHigh, srcLow);
        destination(m, ip, dstHigh, dstLow);
    }

    /**
     * The one's complement sum (folded, not inverted) of the upper-layer message of {@code length}
     * bytes right after the header and of its pseudo-header (RFC 8200 section 8.1): 0xFFFF when a
     * received checksum verifies; {@code ~sum} is the checksum to write (with the field zeroed first).
     */
    public static int upperLayerSum(MemorySegment m, long ip, int nextHeader, int length) {
        long s = Ipv4.sum(m, ip + 8, 32) + (long) length + nextHeader + Ipv4.sum(m, ip + HEADER_LENGTH, length);
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    public static boolean isMulticast(long high) {
        return (high >>> 56) == 0xFF;
    }

    /** fe80::/10. */
    public static boolean isLinkLocal(long high) {
        return (high & 0xFFC0_0000_0000_0000L) == LINK_LOCAL_HIGH;
    }

    /** The solicited-node multicast group of an address: ff02::1:ffXX:XXXX, high half. */
    public static final long SOLICITED_NODE_HIGH = 0xFF02_0000_0000_0000L;

    /** The low half of the solicited-node group of an address whose low half is {@code low}. */
    public static long solicitedNodeLow(long low) {
        return 0x0000_0001_FF00_0000L | (low & 0xFF_FFFFL);
    }

    /** The Ethernet multicast address of an IPv6 multicast group (33:33 and its last 32 bits). */
    public static long multicastMac(long groupLow) {
        return 0x3333_0000_0000L | (groupLow & 0xFFFF_FFFFL);
    }

    /** The modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A): the low half of fe80::/64. */
    public static long interfaceId(long mac) {
        long upper = (mac >>> 24) & 0xFF_FFFFL;
        long lower = mac & 0xFF_FFFFL;
        return ((upper << 40) | 0xFF_FE00_0000L | lower) ^ 0x0200_0000_0000_0000L;
    }
}
