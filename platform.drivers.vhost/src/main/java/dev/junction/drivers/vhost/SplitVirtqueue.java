package dev.junction.drivers.vhost;

import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One running split virtqueue (virtio 1.x, 2.7): the descriptor table, the available ring the driver
 * writes and the used ring the device writes, all in guest memory. Made by the control thread when a
 * ring starts and published to the one worker that serves it; the worker alone then moves
 * {@link #lastAvail} and writes the used ring, until the control thread unpublishes it and waits for
 * that worker to leave it (then it reads {@link #lastAvail} back).
 *
 * <p>The device consumes available entries in order and returns each one at once, so the used index
 * always equals {@link #lastAvail}: there is no separate used counter.
 *
 * <p>The guest is not trusted. Every field is read once into a local, indexes are checked against the
 * ring size, chains are bounded by the ring size, and every buffer goes through
 * {@link GuestMemory#translate}. A breach sets {@link #violation} and the operation stops; nothing is
 * read or written outside the guest's regions.
 */
final class SplitVirtqueue {
    static final int MAX_SIZE = 32768;
    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    static final int USED_F_NO_NOTIFY = 1;
    /** {@link #readChain}: the guest broke a rule ({@link #violation} says which). */
    static final int CHAIN_VIOLATION = -1;
    /** {@link #readChain}: the frame does not fit the destination; a drop, not a violation. */
    static final int CHAIN_OVERSIZE = -2;
    /** {@link #readChain}: the chain is shorter than the virtio-net header; a drop. */
    static final int CHAIN_SHORT = -3;

    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;

    final int size;
    private final int mask;
    private final GuestMemory memory;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final boolean eventIdx;
    private final int callFd;
    private final long usedEventOffset;
    private final long availEventOffset;
    private final MemorySegment callValue;
    private final MemorySegment callState;

    /** virtio-net: the header in front of every frame, 12 bytes (VERSION_1 or MRG_RXBUF) or 10. */
    final int headerLength;
    /** virtio-net: a received frame may spread over several chains (MRG_RXBUF). */
    final boolean mergeable;

    /** Next available entry to take; also the used index published. Worker-owned while published. */
    int lastAvail;
    /** Why the guest broke the rules; {@link GuestViolation#NONE} while it has not. */
    int violation;
    /** Call eventfd writes (interrupts asked for by the guest). */
    long calls;

    /**
     * @param desc {@code 16 * size} bytes, 16-aligned; @param avail {@code 6 + 2 * size}, 2-aligned;
     * @param used {@code 6 + 8 * size}, 4-aligned (checked by {@link #layoutProblem})
     * @param callFd eventfd to signal the guest, or -1 for none
     */
    SplitVirtqueue(int size, GuestMemory memory, MemorySegment desc, MemorySegment avail, MemorySegment used,
            boolean eventIdx, int callFd, int lastAvail, int headerLength, boolean mergeable) {
        this.size = size;
        this.mask = size - 1;
        this.memory = memory;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
        this.eventIdx = eventIdx;
        this.callFd = callFd;
        this.usedEventOffset = 4 + 2L * size;
        this.availEventOffset = 4 + 8L * size;
        this.lastAvail = lastAvail & 0xFFFF;
        this.headerLength = headerLength;
        this.mergeable = mergeable;
        Arena arena = Arena.ofAuto();
        this.callValue = arena.allocate(8, 8);
        this.callValue.set(U64, 0, 1L);
        this.callState = arena.allocate(Libc.CALL_STATE);
        if (!eventIdx) {
            used.set(U16, 0, (short) USED_F_NO_NOTIFY); // we poll: kicks are not needed
        }
        suppressKicks();
    }

    static long descBytes(int size) {
        return 16L * size;
    }

    static long availBytes(int size) {
        return 6 + 2L * size;
    }

    static long usedBytes(int size) {
        return 6 + 8L * size;
    }

    /** Why a ring of {@code size} entries cannot use these areas, or null when it can. */
    static String layoutProblem(int size, MemorySegment desc, MemorySegment avail, MemorySegment used) {
        if (size <= 0 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            return "ring size " + size + " is not a power of 2 up to " + MAX_SIZE;
        }
        if (desc == null || avail == null || used == null) {
            return "a ring area is outside the guest memory regions";
        }
        if (desc.address() % 16 != 0 || avail.address() % 2 != 0 || used.address() % 4 != 0) {
            return "ring areas misaligned (descriptors 16, available 2, used 4 bytes)";
        }
        return null;
    }

    /**
     * Entries the driver made available since {@link #lastAvail}, or -1 (a violation) when it claims
     * more than the ring holds.
     */
    int pending() {
        int idx = Short.toUnsignedInt((short) SHORT.getAcquire(avail, 2L)); // entries are read after it
        int n = (idx - lastAvail) & 0xFFFF;
        if (n > size) {
            violation = GuestViolation.AVAIL_INDEX;
            return -1;
        }
        return n;
    }

    /** The descriptor head of the {@code k}-th pending entry, or -1 (a violation) when out of range. */
    int head(int k) {
        int head = Short.toUnsignedInt(avail.get(U16, 4 + 2L * ((lastAvail + k) & mask)));
        if (head >= size) {
            violation = GuestViolation.HEAD_INDEX;
            return -1;
        }
        return head;
    }

    /**
     * Copies a transmit chain's bytes, after the first {@code skip} (the virtio-net header), into
     * {@code dst} at {@code dstOffset}, at most {@code capacity} bytes. Returns the bytes copied, or
     * {@link #CHAIN_VIOLATION}, {@link #CHAIN_OVERSIZE}, {@link #CHAIN_SHORT}.
     */
    int readChain(int head, MemorySegment dst, long dstOffset, int capacity, int skip) {
        int idx = head;
        int count = 0;
        long total = 0;
        int copied = 0;
        boolean oversize = false;
        while (true) {
            if (++count > size) {
                return fail(GuestViolation.CHAIN_LOOP);
            }
            long d = (long) idx << 4;
            long addr = desc.get(U64, d);
            long len = Integer.toUnsignedLong(desc.get(U32, d + 8));
            int flags = Short.toUnsignedInt(desc.get(U16, d + 12));
            int next = Short.toUnsignedInt(desc.get(U16, d + 14));
            if ((flags & DESC_F_INDIRECT) != 0) {
                return fail(GuestViolation.INDIRECT);
            }
            if ((flags & DESC_F_WRITE) != 0) {
                return fail(GuestViolation.WRITABLE_TX);
            }
            if (len > 0) {
                long t = memory.translate(addr, len);
                if (t == GuestMemory.INVALID) {
                    return fail(GuestViolation.ADDRESS);
                }
                long from = total >= skip ? 0 : Math.min(len, skip - total);
                long n = len - from;
                if (n > 0 && !oversize) {
                    if (copied + n > capacity) {
                        oversize = true; // keep walking: the rest of the chain is still checked
                    } else {
                        MemorySegment.copy(memory.segment(GuestMemory.region(t)), GuestMemory.offset(t) + from,
                                dst, dstOffset + copied, n);
                        copied += (int) n;
                    }
                }
                total += len;
            }
            if ((flags & DESC_F_NEXT) == 0) {
                break;
            }
            if (next >= size) {
                return fail(GuestViolation.NEXT_INDEX);
            }
            idx = next;
        }
        if (oversize) {
            return CHAIN_OVERSIZE;
        }
        return total < skip ? CHAIN_SHORT : copied;
    }

    /** Bytes a receive chain can take, or -1 (a violation). */
    long writableCapacity(int head) {
        int idx = head;
        int count = 0;
        long total = 0;
        while (true) {
            if (++count > size) {
                return fail(GuestViolation.CHAIN_LOOP);
            }
            long d = (long) idx << 4;
            long addr = desc.get(U64, d);
            long len = Integer.toUnsignedLong(desc.get(U32, d + 8));
            int flags = Short.toUnsignedInt(desc.get(U16, d + 12));
            int next = Short.toUnsignedInt(desc.get(U16, d + 14));
            if ((flags & DESC_F_INDIRECT) != 0) {
                return fail(GuestViolation.INDIRECT);
            }
            if ((flags & DESC_F_WRITE) == 0) {
                return fail(GuestViolation.READ_ONLY_RX);
            }
            if (len > 0 && memory.translate(addr, len) == GuestMemory.INVALID) {
                return fail(GuestViolation.ADDRESS);
            }
            total += len;
            if ((flags & DESC_F_NEXT) == 0) {
                return total;
            }
            if (next >= size) {
                return fail(GuestViolation.NEXT_INDEX);
            }
            idx = next;
        }
    }

    /**
     * Writes up to {@code length} bytes of {@code src} from {@code srcOffset} into a receive chain, in
     * order; returns how many fitted, or -1 (a violation). Every descriptor is checked again: the guest
     * may have changed it since {@link #writableCapacity}.
     */
    int scatter(int head, MemorySegment src, long srcOffset, int length) {
        int idx = head;
        int count = 0;
        int written = 0;
        while (written < length) {
            if (++count > size) {
                return fail(GuestViolation.CHAIN_LOOP);
            }
            long d = (long) idx << 4;
            long addr = desc.get(U64, d);
            long len = Integer.toUnsignedLong(desc.get(U32, d + 8));
            int flags = Short.toUnsignedInt(desc.get(U16, d + 12));
            int next = Short.toUnsignedInt(desc.get(U16, d + 14));
            if ((flags & DESC_F_INDIRECT) != 0) {
                return fail(GuestViolation.INDIRECT);
            }
            if ((flags & DESC_F_WRITE) == 0) {
                return fail(GuestViolation.READ_ONLY_RX);
            }
            int n = (int) Math.min(len, length - written);
            if (n > 0) {
                long t = memory.translate(addr, n);
                if (t == GuestMemory.INVALID) {
                    return fail(GuestViolation.ADDRESS);
                }
                MemorySegment.copy(src, srcOffset + written, memory.segment(GuestMemory.region(t)),
                        GuestMemory.offset(t), n);
                written += n;
            }
            if ((flags & DESC_F_NEXT) == 0) {
                break;
            }
            if (next >= size) {
                return fail(GuestViolation.NEXT_INDEX);
            }
            idx = next;
        }
        return written;
    }

    /** Fills the used element for the {@code k}-th pending entry (published later by {@link #complete}). */
    void putUsed(int k, int head, int length) {
        long e = 4 + 8L * ((lastAvail + k) & mask);
        used.set(U32, e, head);
        used.set(U32, e + 4, length);
    }

    /**
     * Takes {@code n} entries: publishes the used index past them (the elements were written before,
     * the release store orders them) and signals the guest if it asked for it.
     */
    void complete(int n) {
        int old = lastAvail;
        int now = (old + n) & 0xFFFF;
        lastAvail = now;
        SHORT.setRelease(used, 2L, (short) now);
        suppressKicks();
        if (callFd < 0) {
            return;
        }
        // The used index store must be visible before we read the driver's suppression fields, or we
        // could miss its request for an interrupt (virtio 1.x 2.7.10).
        VarHandle.fullFence();
        boolean signal;
        if (eventIdx) {
            int usedEvent = Short.toUnsignedInt(avail.get(U16, usedEventOffset));
            signal = ((now - usedEvent - 1) & 0xFFFF) < ((now - old) & 0xFFFF);
        } else {
            signal = (avail.get(U16, 0) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        if (signal) {
            Libc.write(callState, callFd, callValue.address(), 8);
            calls++;
        }
    }

    /**
     * With EVENT_IDX the driver kicks when its available index passes avail_event; keeping it just
     * behind what we took means it never does: we poll.
     */
    private void suppressKicks() {
        if (eventIdx) {
            used.set(U16, availEventOffset, (short) (lastAvail - 1));
        }
    }

    private int fail(int reason) {
        violation = reason;
        return CHAIN_VIOLATION;
    }

    /** The used index the guest sees (tests, status). */
    int usedIndex() {
        return Short.toUnsignedInt(used.get(U16, 2));
    }

    /** The available index the guest published (status). */
    int availIndex() {
        return Short.toUnsignedInt(avail.get(U16, 2));
    }
}
