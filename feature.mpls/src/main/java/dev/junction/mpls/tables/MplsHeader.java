package dev.junction.mpls.tables;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A label stack entry (RFC 3032 section 2.1) as a flyweight: 20 bits label, 3 bits traffic class,
 * 1 bit bottom of stack, 8 bits TTL, in network order.
 */
public final class MplsHeader {
    public static final int LENGTH = 4;
    /** RFC 3032: the reserved labels that mean something here. */
    public static final int IPV4_EXPLICIT_NULL = 0, ROUTER_ALERT = 1, IPV6_EXPLICIT_NULL = 2, IMPLICIT_NULL = 3;
    /** Labels 0-15 are reserved (RFC 3032 section 2.1); 16 is the first one to assign. */
    public static final int FIRST_UNRESERVED = 16, MAX_LABEL = (1 << 20) - 1;
    /** How deep a stack is looked into for its bottom (RFC 3032 does not bound it; we do). */
    public static final int MAX_DEPTH = 8;
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private MplsHeader() {
    }

    public static int word(MemorySegment m, long off) {
        return m.get(NET_INT, off);
    }

    public static void word(MemorySegment m, long off, int word) {
        m.set(NET_INT, off, word);
    }

    public static int label(int word) {
        return word >>> 12;
    }

    public static int tc(int word) {
        return (word >>> 9) & 7;
    }

    public static boolean bottom(int word) {
        return (word & 0x100) != 0;
    }

    public static int ttl(int word) {
        return word & 0xFF;
    }

    public static int make(int label, int tc, boolean bottom, int ttl) {
        return label << 12 | (tc & 7) << 9 | (bottom ? 0x100 : 0) | (ttl & 0xFF);
    }

    public static int withTtl(int word, int ttl) {
        return (word & 0xFFFF_FF00) | (ttl & 0xFF);
    }

    /** A label as the shell writes it: a number, or {@code implicit-null} / {@code explicit-null}. */
    public static String format(int label) {
        return label == IMPLICIT_NULL ? "implicit-null" : Integer.toString(label);
    }
}
