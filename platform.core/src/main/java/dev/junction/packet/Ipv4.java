package dev.junction.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Flyweight accessors for an IPv4 header at offset {@code ip} in packet memory. */
public final class Ipv4 {
    public static final int MIN_HEADER = 20;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private Ipv4() {
    }

    public static int version(MemorySegment m, long ip) {
        return (m.get(ValueLayout.JAVA_BYTE, ip) & 0xF0) >>> 4;
    }

    /** Header length in bytes (IHL * 4). */
    public static int headerLength(MemorySegment m, long ip) {
        return (m.get(ValueLayout.JAVA_BYTE, ip) & 0x0F) * 4;
    }

    public static int totalLength(MemorySegment m, long ip) {
        return Short.toUnsignedInt(m.get(Ethernet.NET_SHORT, ip + 2));
    }

    public static void totalLength(MemorySegment m, long ip, int len) {
        m.set(Ethernet.NET_SHORT, ip + 2, (short) len);
    }

    /** Flags and fragment offset word. */
    public static int fragment(MemorySegment m, long ip) {
        return Short.toUnsignedInt(m.get(Ethernet.NET_SHORT, ip + 6));
    }

    /** Sets the flags and fragment offset word (the checksum is not updated). */
    public static void fragment(MemorySegment m, long ip, int word) {
        m.set(Ethernet.NET_SHORT, ip + 6, (short) word);
    }

    public static boolean dontFragment(MemorySegment m, long ip) {
        return (fragment(m, ip) & 0x4000) != 0;
    }

    /** True for every fragment: more-fragments set or a non-zero offset. */
    public static boolean isFragment(MemorySegment m, long ip) {
        return (fragment(m, ip) & 0x3FFF) != 0;
    }

    /** True for a fragment other than the first (offset non-zero). */
    public static boolean isLaterFragment(MemorySegment m, long ip) {
        return (fragment(m, ip) & 0x1FFF) != 0;
    }

    public static int ttl(MemorySegment m, long ip) {
        return m.get(ValueLayout.JAVA_BYTE, ip + 8) & 0xFF;
    }

    public static int protocol(MemorySegment m, long ip) {
        return m.get(ValueLayout.JAVA_BYTE, ip + 9) & 0xFF;
    }

    public static int source(MemorySegment m, long ip) {
        return m.get(Ethernet.NET_INT, ip + 12);
    }

    public static int destination(MemorySegment m, long ip) {
        return m.get(Ethernet.NET_INT, ip + 16);
    }

    public static void source(MemorySegment m, long ip, int address) {
        m.set(Ethernet.NET_INT, ip + 12, address);
    }

    public static void destination(MemorySegment m, long ip, int address) {
        m.set(Ethernet.NET_INT, ip + 16, address);
    }

    /** Writes a fresh 20-byte header (no options), checksum included. */
    public static void writeHeader(MemorySegment m, long ip, int totalLength, int ttl, int protocol, int src, int dst) {
        m.set(ValueLayout.JAVA_BYTE, ip, (byte) 0x45);
        m.set(ValueLayout.JAVA_BYTE, ip + 1, (byte) 0);
        m.set(Ethernet.NET_SHORT, ip + 2, (short) totalLength);
        m.set(Ethernet.NET_INT, ip + 4, 0);
        m.set(ValueLayout.JAVA_BYTE, ip + 8, (byte) ttl);
        m.set(ValueLayout.JAVA_BYTE, ip + 9, (byte) protocol);
        m.set(Ethernet.NET_INT, ip + 12, src);
        m.set(Ethernet.NET_INT, ip + 16, dst);
        updateChecksum(m, ip);
    }

    /** One's complement sum of {@code len} bytes, folded to 16 bits, not inverted. */
    public static int sum(MemorySegment m, long off, int len) {
        // 32-bit words summed in a long and folded at the end give the same one's complement sum
        // as 16-bit words (RFC 1071), with half the loads.
        long s = 0;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            s += Integer.toUnsignedLong(m.get(Ethernet.NET_INT, off + i));
        }
        for (; i + 1 < len; i += 2) {
            s += Short.toUnsignedInt(m.get(Ethernet.NET_SHORT, off + i));
        }
        if (i < len) {
            s += (m.get(ValueLayout.JAVA_BYTE, off + i) & 0xFF) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    /** Whether the header checksum verifies (sum over the header is 0xFFFF). */
    public static boolean checksumOk(MemorySegment m, long ip, int headerLength) {
        return (headerLength == MIN_HEADER ? sum20(m, ip) : sum(m, ip, headerLength)) == 0xFFFF;
    }

    /** {@link #sum} of a 20-byte header (no options, nearly every packet): five loads, no loop. */
    private static int sum20(MemorySegment m, long ip) {
        long s = Integer.toUnsignedLong(m.get(Ethernet.NET_INT, ip))
                + Integer.toUnsignedLong(m.get(Ethernet.NET_INT, ip + 4))
                + Integer.toUnsignedLong(m.get(Ethernet.NET_INT, ip + 8))
                + Integer.toUnsignedLong(m.get(Ethernet.NET_INT, ip + 12))
                + Integer.toUnsignedLong(m.get(Ethernet.NET_INT, ip + 16));
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return (int) ((s & 0xFFFF) + (s >>> 16));
    }

    /** Recomputes the header checksum. */
    public static void updateChecksum(MemorySegment m, long ip) {
        m.set(Ethernet.NET_SHORT, ip + 10, (short) 0);
        int ihl = headerLength(m, ip);
        m.set(Ethernet.NET_SHORT, ip + 10, (short) (~(ihl == MIN_HEADER ? sum20(m, ip) : sum(m, ip, ihl)) & 0xFFFF));
    }

    /**
     * Decrements the TTL and adjusts the checksum incrementally (RFC 1624: HC' = ~(~HC + ~m + m'),
     * m the 16-bit word holding TTL and protocol), so forwarding never re-sums the header.
     */
    public static void decrementTtl(MemorySegment m, long ip) {
        int old = Short.toUnsignedInt(m.get(Ethernet.NET_SHORT, ip + 8));
        int neu = old - 0x0100;
        m.set(Ethernet.NET_SHORT, ip + 8, (short) neu);
        int hc = Short.toUnsignedInt(m.get(Ethernet.NET_SHORT, ip + 10));
        int s = (~hc & 0xFFFF) + (~old & 0xFFFF) + neu;
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        m.set(Ethernet.NET_SHORT, ip + 10, (short) ~s);
    }

    /** Dotted-quad text of an address (control path). */
    public static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /** Parses a dotted quad; throws IllegalArgumentException saying why. */
    public static int parse(String text) {
        String[] p = text.trim().split("\\.", -1);
        if (p.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address like 192.0.2.1");
        }
        int a = 0;
        for (String part : p) {
            int v;
            try {
                v = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < 0 || v > 255 || part.isEmpty() || part.length() > 3) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address like 192.0.2.1");
            }
            a = (a << 8) | v;
        }
        return a;
    }
}
