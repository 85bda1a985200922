package dev.junction.l2.bridge;

import dev.junction.packet.PacketPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The outer tag of a frame as it leaves a bridge port: kept as it came when both ports are untagged,
 * popped towards an untagged port, pushed towards a VLAN sub-port, rewritten (TPID and VLAN id, the
 * priority and DEI bits kept) from one sub-port to another. In place for the frame itself, or while
 * copying for a flood copy. Frames inside a bridge keep the tag they arrived with: only the sub-port
 * ids say whether it is there.
 */
final class VlanRewrite {
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final int TAG = 4;
    private static final int MACS = 12;

    private VlanRewrite() {
    }

    /**
     * Rewrites buffer {@code b}, received on port {@code from}, to leave by port {@code to}; false when
     * there is no room (the caller drops it).
     */
    static boolean inPlace(PacketPool pool, MemorySegment mem, int b, int from, int to) {
        boolean in = PortId.isTagged(from);
        boolean out = PortId.isTagged(to);
        if (!in && !out) {
            return true;
        }
        long f = pool.data(b);
        if (in && out) {
            writeTag(mem, f, to, mem.get(NET_SHORT, f + MACS + 2));
            return true;
        }
        if (in) {
            MemorySegment.copy(mem, f, mem, f + TAG, MACS); // overlapping: copy() behaves as memmove
            return pool.advance(b, TAG);
        }
        if (!pool.advance(b, -TAG)) {
            return false;
        }
        f = pool.data(b);
        MemorySegment.copy(mem, f + TAG, mem, f, MACS);
        writeTag(mem, f, to, (short) 0);
        return true;
    }

    /**
     * Copies buffer {@code b} (received on port {@code from}) into {@code c} as it leaves by port
     * {@code to}; false when the copy would not fit.
     */
    static boolean copy(PacketPool pool, MemorySegment mem, int b, int from, int c, int to) {
        boolean in = PortId.isTagged(from);
        boolean out = PortId.isTagged(to);
        long src = pool.data(b);
        long dst = pool.data(c);
        int len = pool.length(b);
        if (in == out) {
            MemorySegment.copy(mem, src, mem, dst, len);
            if (in) {
                writeTag(mem, dst, to, mem.get(NET_SHORT, src + MACS + 2));
            }
            pool.length(c, len);
            return true;
        }
        MemorySegment.copy(mem, src, mem, dst, MACS);
        if (in) {
            MemorySegment.copy(mem, src + MACS + TAG, mem, dst + MACS, len - MACS - TAG);
            pool.length(c, len - TAG);
            return true;
        }
        if (len + TAG > PacketPool.DATA_ROOM) {
            return false;
        }
        writeTag(mem, dst, to, (short) 0);
        MemorySegment.copy(mem, src + MACS, mem, dst + MACS + TAG, len - MACS);
        pool.length(c, len + TAG);
        return true;
    }

    /** The tag of sub-port {@code to} at {@code f + 12}, keeping priority and DEI of {@code oldTci}. */
    private static void writeTag(MemorySegment mem, long f, int to, short oldTci) {
        mem.set(NET_SHORT, f + MACS, (short) PortId.tpid(to));
        mem.set(NET_SHORT, f + MACS + 2, (short) ((oldTci & 0xF000) | PortId.vid(to)));
    }
}
