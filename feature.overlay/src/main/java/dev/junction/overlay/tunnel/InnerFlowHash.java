package dev.junction.overlay.tunnel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The entropy an outer header carries for the underlay's ECMP and the receiver's RSS (RFC 7348
 * section 5: the UDP source port from a hash of the inner headers): the inner IPv4 or IPv6 addresses
 * and, for unfragmented TCP and UDP, the ports; the MACs for anything else. One flow always gets the
 * same value, so the underlay keeps it in order.
 */
final class InnerFlowHash {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    /** The IPv4 flags-and-offset word's more-fragments bit and offset, as a native (little-endian) load sees them. */
    private static final int FRAGMENT_BITS = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0xFF3F : 0x3FFF;
    /** 0x0800 as a native (little-endian) load of the type field sees it. */
    private static final short IPV4_TYPE = (short) (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0x0008 : 0x0800);
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private InnerFlowHash() {
    }

    /**
     * The hash of the frame of {@code len} bytes at {@code f}. Native-order loads (the hash does not
     * care about byte order, and a byte swap per load is what this path would otherwise pay).
     */
    static int of(MemorySegment m, long f, int len) {
        // Untagged IPv4 without options, the common case, in a few loads; the rest in other().
        if (len >= 38 && m.get(SHORT, f + 12) == IPV4_TYPE && m.get(ValueLayout.JAVA_BYTE, f + 14) == 0x45) {
            long h = m.get(LONG, f + 26);
            int proto = m.get(ValueLayout.JAVA_BYTE, f + 23);
            if ((proto == 6 || proto == 17) && (m.get(SHORT, f + 20) & FRAGMENT_BITS) == 0) {
                h = h * 31 + m.get(INT, f + 34);
            }
            h *= 0x9E37_79B9_7F4A_7C15L;
            return (int) (h ^ (h >>> 32));
        }
        return other(m, f, len);
    }

    private static int other(MemorySegment m, long f, int len) {
        int l3 = 14;
        int type = len >= 14 ? Short.toUnsignedInt(m.get(NET_SHORT, f + 12)) : 0;
        while ((type == 0x8100 || type == 0x88A8) && len >= l3 + 4) {
            type = Short.toUnsignedInt(m.get(NET_SHORT, f + l3 + 2));
            l3 += 4;
        }
        long ip = f + l3;
        long h;
        if (type == 0x0800 && len >= l3 + 20) {
            h = m.get(LONG, ip + 12); // source and destination together
            int ihl = (m.get(ValueLayout.JAVA_BYTE, ip) & 0x0F) * 4;
            int proto = m.get(ValueLayout.JAVA_BYTE, ip + 9) & 0xFF;
            // Any fragment (more-fragments or an offset) hashes without ports, so that all of a packet's take one path.
            boolean fragment = (m.get(SHORT, ip + 6) & FRAGMENT_BITS) != 0;
            if ((proto == 6 || proto == 17) && !fragment && len >= l3 + ihl + 4) {
                h = h * 31 + Integer.toUnsignedLong(m.get(INT, ip + ihl)) + proto;
            }
        } else if (type == 0x86DD && len >= l3 + 40) {
            h = m.get(LONG, ip + 8) ^ m.get(LONG, ip + 16) * 31 ^ m.get(LONG, ip + 24) * 961
                    ^ m.get(LONG, ip + 32) * 29791;
            int next = m.get(ValueLayout.JAVA_BYTE, ip + 6) & 0xFF;
            if ((next == 6 || next == 17) && len >= l3 + 44) {
                h = h * 31 + Integer.toUnsignedLong(m.get(INT, ip + 40)) + next;
            }
        } else if (len >= 12) {
            h = m.get(LONG, f) ^ m.get(INT, f + 8);
        } else {
            h = 0;
        }
        h *= 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
