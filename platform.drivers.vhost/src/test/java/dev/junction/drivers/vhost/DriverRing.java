package dev.junction.drivers.vhost;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The driver's (guest's) side of a split virtqueue laid out in a {@link GuestRam}: it writes
 * descriptors and the available ring, and reads the used ring, as a guest's virtio driver does. Also
 * lets a test write anything it likes into the ring, as a malicious guest would.
 */
final class DriverRing {
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();
    final GuestRam ram;
    final int size;
    final long descOffset;
    final long availOffset;
    final long usedOffset;
    int availIdx;
    private int nextDesc;

    /** A ring of {@code size} entries at {@code offset} in the guest's region (4 KiB aligned parts). */
    DriverRing(GuestRam ram, int size, long offset) {
        this.ram = ram;
        this.size = size;
        this.descOffset = offset;
        this.availOffset = align(offset + 16L * size);
        this.usedOffset = align(availOffset + 6 + 2L * size);
    }

    private static long align(long v) {
        return (v + 4095) & ~4095L;
    }

    long end() {
        return align(usedOffset + 6 + 8L * size);
    }

    long descAddr() {
        return ram.gpa + descOffset;
    }

    long availAddr() {
        return ram.gpa + availOffset;
    }

    long usedAddr() {
        return ram.gpa + usedOffset;
    }

    /** The backend's ring over this layout, taking entries from {@code lastAvail} on. */
    SplitVirtqueue backend(GuestMemory memory, boolean eventIdx, int callFd, boolean mergeable) {
        MemorySegment r = ram.region;
        return new SplitVirtqueue(size, memory, r.asSlice(descOffset, 16L * size), r.asSlice(availOffset, 6 + 2L * size),
                r.asSlice(usedOffset, 6 + 8L * size), eventIdx, callFd, availIdx, 12, mergeable);
    }

    /** Starts both indexes at {@code idx} (as after SET_VRING_BASE), before the backend ring is made. */
    void startAt(int idx) {
        availIdx = idx & 0xFFFF;
        ram.region.set(ValueLayout.JAVA_SHORT, availOffset + 2, (short) idx);
        ram.region.set(ValueLayout.JAVA_SHORT, usedOffset + 2, (short) idx);
    }

    /**
     * Posts one chain of buffers at guest offsets {@code offsets} with {@code lengths} and publishes
     * it; {@code writable}: for the device to write (a receive ring). Returns the head.
     */
    int post(long[] offsets, int[] lengths, boolean writable) {
        int head = nextDesc;
        for (int i = 0; i < offsets.length; i++) {
            int d = nextDesc;
            nextDesc = (nextDesc + 1) % size;
            int flags = (writable ? SplitVirtqueue.DESC_F_WRITE : 0) | (i < offsets.length - 1 ? SplitVirtqueue.DESC_F_NEXT : 0);
            writeDesc(d, ram.gpa + offsets[i], lengths[i], flags, nextDesc);
        }
        putAvail(availIdx, head);
        publish(availIdx + 1);
        return head;
    }

    void writeDesc(int i, long addr, int len, int flags, int next) {
        long d = descOffset + 16L * i;
        ram.region.set(ValueLayout.JAVA_LONG, d, addr);
        ram.region.set(ValueLayout.JAVA_INT, d + 8, len);
        ram.region.set(ValueLayout.JAVA_SHORT, d + 12, (short) flags);
        ram.region.set(ValueLayout.JAVA_SHORT, d + 14, (short) next);
    }

    /** Puts {@code head} into the available ring's slot for index {@code idx} (not yet published). */
    void putAvail(int idx, int head) {
        ram.region.set(ValueLayout.JAVA_SHORT, availOffset + 4 + 2L * (idx & (size - 1)), (short) head);
    }

    /** Publishes the available index (a release store: the entries are written before). */
    void publish(int idx) {
        availIdx = idx & 0xFFFF;
        SHORT.setRelease(ram.region, availOffset + 2, (short) idx);
    }

    void availFlags(int flags) {
        ram.region.set(ValueLayout.JAVA_SHORT, availOffset, (short) flags);
    }

    void usedEvent(int idx) {
        ram.region.set(ValueLayout.JAVA_SHORT, availOffset + 4 + 2L * size, (short) idx);
    }

    int usedIdx() {
        return Short.toUnsignedInt((short) SHORT.getAcquire(ram.region, usedOffset + 2));
    }

    int usedFlags() {
        return Short.toUnsignedInt(ram.region.get(ValueLayout.JAVA_SHORT, usedOffset));
    }

    int availEvent() {
        return Short.toUnsignedInt(ram.region.get(ValueLayout.JAVA_SHORT, usedOffset + 4 + 8L * size));
    }

    /** The id of used element {@code idx} (a free-running index). */
    int usedId(int idx) {
        return ram.region.get(ValueLayout.JAVA_INT, usedOffset + 4 + 8L * (idx & (size - 1)));
    }

    int usedLen(int idx) {
        return ram.region.get(ValueLayout.JAVA_INT, usedOffset + 4 + 8L * (idx & (size - 1)) + 4);
    }
}
