package dev.junction.drivers.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * One of an AF_XDP socket's four single-producer single-consumer rings, mapped from the socket
 * (Documentation/networking/af_xdp.rst, include/uapi/linux/if_xdp.h): a producer index, a consumer
 * index, a flags word and the entries. Junction produces on the fill and TX rings and consumes the
 * RX and completion rings; the kernel the other way round. Indices run freely as u32 and wrap; an
 * entry lives at {@code index & (size - 1)}.
 *
 * <p>Ordering: the side that reads the other's index reads it with acquire (the entries it covers
 * are then visible), and publishes its own with release (the entries it wrote, or finished reading,
 * come before). The other side's index is cached and re-read only when the cached one says the ring
 * is full (producer) or empty (consumer), so a busy ring costs no shared-line read per entry.
 * Owned by one worker thread: no locks.
 */
final class XskRing {
    /** if_xdp.h XDP_RING_NEED_WAKEUP: the kernel must be woken (sendto for TX, recvmsg/poll for fill). */
    static final int NEED_WAKEUP = 1;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_SHARED_POPULATE = 0x1 | 0x8000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));

    final MemorySegment map;
    private final long producer;
    private final long consumer;
    private final long flags;
    /** Offset of entry 0. */
    final long desc;
    final int size;
    final int mask;
    /** Our own index (producer on fill/TX, consumer on RX/completion). */
    private int local;
    /** The other side's index as last read. */
    private int cached;
    private final boolean produces;

    /**
     * Maps a ring of {@code size} entries of {@code entryBytes} at page offset {@code pgoff} of
     * socket {@code fd}; {@code offsets} is the ring's struct xdp_ring_offset (producer, consumer,
     * desc, flags: four u64). Returns null with errno in {@code state} when mmap fails.
     */
    static XskRing map(MemorySegment state, int fd, long pgoff, MemorySegment offsets, int size, int entryBytes,
            boolean produces) {
        long prod = offsets.get(ValueLayout.JAVA_LONG, 0);
        long cons = offsets.get(ValueLayout.JAVA_LONG, 8);
        long desc = offsets.get(ValueLayout.JAVA_LONG, 16);
        long fl = offsets.get(ValueLayout.JAVA_LONG, 24);
        long length = desc + (long) size * entryBytes;
        MemorySegment m;
        try {
            m = (MemorySegment) MMAP.invokeExact(state, 0L, length, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, pgoff);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (m.address() == -1L) {
            return null;
        }
        return new XskRing(m.reinterpret(length), prod, cons, desc, fl, size, produces);
    }

    private XskRing(MemorySegment map, long producer, long consumer, long desc, long flags, int size, boolean produces) {
        this.map = map;
        this.producer = producer;
        this.consumer = consumer;
        this.desc = desc;
        this.flags = flags;
        this.size = size;
        this.mask = size - 1;
        this.produces = produces;
        if (produces) {
            local = (int) INT.getAcquire(map, producer);
            cached = (int) INT.getAcquire(map, consumer) + size; // cached holds consumer + size: the limit
        } else {
            local = (int) INT.getAcquire(map, consumer);
            cached = (int) INT.getAcquire(map, producer);
        }
    }

    // ---- producer side (fill, TX) ----

    /** Free entries, at most {@code want}; re-reads the consumer only when the cached one shows fewer. */
    int free(int want) {
        int free = cached - local;
        if (free < want) {
            cached = (int) INT.getAcquire(map, consumer) + size;
            free = cached - local;
        }
        return Math.min(free, want);
    }

    /** Offset in {@link #map} of the entry {@code i} places after the next one to produce. */
    long producerEntry(int i, int entryBytes) {
        return desc + (long) ((local + i) & mask) * entryBytes;
    }

    /** Publishes {@code n} produced entries (release: their contents first). */
    void submit(int n) {
        local += n;
        INT.setRelease(map, producer, local);
    }

    /** Entries produced and not yet taken by the kernel. */
    int outstanding() {
        return local - (int) INT.getAcquire(map, consumer);
    }

    // ---- consumer side (RX, completion) ----

    /** Entries ready to consume, at most {@code max}; re-reads the producer only when the cached one shows none. */
    int available(int max) {
        int n = cached - local;
        if (n == 0) {
            cached = (int) INT.getAcquire(map, producer);
            n = cached - local;
        }
        return Math.min(n, max);
    }

    /** Offset in {@link #map} of the entry {@code i} places after the next one to consume. */
    long consumerEntry(int i, int entryBytes) {
        return desc + (long) ((local + i) & mask) * entryBytes;
    }

    /** Hands {@code n} consumed entries back (release: our reads of them come first). */
    void release(int n) {
        local += n;
        INT.setRelease(map, consumer, local);
    }

    boolean needsWakeup() {
        return ((int) INT.getVolatile(map, flags) & NEED_WAKEUP) != 0;
    }

    boolean produces() {
        return produces;
    }
}
