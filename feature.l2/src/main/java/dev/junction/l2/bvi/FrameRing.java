package dev.junction.l2.bvi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Frames from one sending worker to the one worker polling the other end: a single-producer,
 * single-consumer ring of fixed slots holding copies (the two sides use different packet pools).
 * The producer publishes a slot with a release store of the tail, the consumer frees it with a
 * release store of the head; no locks, no allocation.
 */
final class FrameRing {
    static final int SLOTS = 512;
    static final int SLOT_BYTES = 2048;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(FrameRing.class, "head", long.class);
            TAIL = MethodHandles.lookup().findVarHandle(FrameRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final MemorySegment slots = Arena.ofAuto().allocate((long) SLOTS * SLOT_BYTES, 64);
    final int[] lengths = new int[SLOTS];
    private long head; // next slot the consumer reads
    private long tail; // next slot the producer writes

    /** Producer: copies {@code len} bytes at {@code from + offset}; false when full or too long. */
    boolean offer(MemorySegment from, long offset, int len) {
        long t = (long) TAIL.getOpaque(this);
        if (len > SLOT_BYTES || t - (long) HEAD.getAcquire(this) >= SLOTS) {
            return false;
        }
        int s = (int) (t & (SLOTS - 1));
        MemorySegment.copy(from, offset, slots, (long) s * SLOT_BYTES, len);
        lengths[s] = len;
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** Consumer: frames waiting. */
    int available() {
        return (int) ((long) TAIL.getAcquire(this) - (long) HEAD.getOpaque(this));
    }

    /** Consumer: the length of the oldest frame; its bytes are at {@link #offsetOfHead}. */
    int headLength() {
        return lengths[(int) ((long) HEAD.getOpaque(this) & (SLOTS - 1))];
    }

    long offsetOfHead() {
        return ((long) HEAD.getOpaque(this) & (SLOTS - 1)) * SLOT_BYTES;
    }

    /** Consumer: done with the oldest frame. */
    void advance() {
        HEAD.setRelease(this, (long) HEAD.getOpaque(this) + 1);
    }
}
