package dev.junction.lb.nodes;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Incremental Internet checksum updates, RFC 1624 equation 3: {@code HC' = ~(~HC + ~m + m')} for each
 * 16-bit word {@code m} that becomes {@code m'}, in one's complement arithmetic. A sum is carried in
 * a long and folded once at the end.
 */
final class Checksums {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Checksums() {
    }

    /** {@code ~m + m'} for a 16-bit word, to add to a running sum. */
    static long delta16(int old, int neu) {
        return (~old & 0xffff) + (neu & 0xffff);
    }

    /** The same for a 32-bit word (two 16-bit ones). */
    static long delta32(int old, int neu) {
        return (~old >>> 16 & 0xffff) + (~old & 0xffff) + (neu >>> 16 & 0xffff) + (neu & 0xffff);
    }

    static long delta64(long old, long neu) {
        return delta32((int) (old >>> 32), (int) (neu >>> 32)) + delta32((int) old, (int) neu);
    }

    /** The checksum {@code hc} after changes whose deltas add up to {@code delta}. */
    static int apply(int hc, long delta) {
        long s = (~hc & 0xffff) + delta; // below 2^32 for any delta these updates make (a few dozen words)
        s = (s & 0xffff) + (s >>> 16); // below 2^17
        s = (s & 0xffff) + (s >>> 16); // at most 0x10000
        s = (s & 0xffff) + (s >>> 16); // 16 bits: three folds, no loop to mispredict
        return (int) ~s & 0xffff;
    }

    /** Updates the 16-bit checksum field at {@code at} by {@code delta}. */
    static void update(MemorySegment m, long at, long delta) {
        m.set(U16, at, (short) apply(Short.toUnsignedInt(m.get(U16, at)), delta));
    }

    /** A UDP checksum field: 0 means none over IPv4 (left alone), and a computed 0 is sent as 0xffff (RFC 768). */
    static void updateUdp(MemorySegment m, long at, long delta, boolean ip4) {
        int hc = Short.toUnsignedInt(m.get(U16, at));
        if (hc == 0 && ip4) {
            return;
        }
        int c = apply(hc, delta);
        m.set(U16, at, (short) (c == 0 ? 0xffff : c));
    }
}
