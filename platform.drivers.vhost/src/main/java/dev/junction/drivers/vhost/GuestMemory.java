package dev.junction.drivers.vhost;

import dev.junction.os.Libc;
import java.lang.foreign.MemorySegment;

/**
 * The frontend's memory as the backend sees it: up to {@link #MAX_REGIONS} regions, each a range of
 * guest physical addresses, the frontend's own virtual address for it (ring addresses are given in
 * those) and the segment where it is mapped here. Immutable; a new memory table makes a new one.
 *
 * <p>Every address a guest gives goes through {@link #translate}: the whole range {@code [address,
 * address + length)} must lie inside one region, otherwise the answer is {@link #INVALID}. The answer
 * packs the region number (high 16 bits) and the offset in it (low 48 bits) into one long, so that the
 * fast path translates without making an object. Accesses then go through the region's segment, whose
 * own bounds check is a second guard behind this one.
 */
final class GuestMemory {
    static final int MAX_REGIONS = 8;
    static final long INVALID = -1L;
    private static final int OFFSET_BITS = 48;
    private static final long OFFSET_MASK = (1L << OFFSET_BITS) - 1;
    /** Largest region accepted, so that an offset fits the packed form. */
    static final long MAX_REGION_SIZE = 1L << OFFSET_BITS;

    private final long[] guestPhys;
    private final long[] userAddr;
    private final long[] size;
    private final MemorySegment[] segments;
    /** Whole mmaps to unmap on {@link #unmap} (each region is a slice of one); empty for test memory. */
    private final MemorySegment[] mappings;

    /**
     * @param segments each region's memory, exactly {@code size[i]} bytes long
     * @throws IllegalArgumentException when a region is empty, too large, wraps around, or overlaps
     *         another in guest physical addresses
     */
    GuestMemory(long[] guestPhys, long[] userAddr, MemorySegment[] segments, MemorySegment[] mappings) {
        int n = segments.length;
        if (n > MAX_REGIONS || guestPhys.length != n || userAddr.length != n) {
            throw new IllegalArgumentException("at most " + MAX_REGIONS + " regions");
        }
        this.guestPhys = guestPhys.clone();
        this.userAddr = userAddr.clone();
        this.segments = segments.clone();
        this.mappings = mappings.clone();
        this.size = new long[n];
        for (int i = 0; i < n; i++) {
            long s = segments[i].byteSize();
            if (s <= 0 || s >= MAX_REGION_SIZE) {
                throw new IllegalArgumentException("region " + i + " has a bad size " + s);
            }
            if (Long.compareUnsigned(guestPhys[i], -s) > 0
                    || Long.compareUnsigned(userAddr[i], -s) > 0) {
                throw new IllegalArgumentException("region " + i + " wraps around the address space");
            }
            size[i] = s;
            for (int j = 0; j < i; j++) {
                if (Long.compareUnsigned(guestPhys[i], guestPhys[j] + size[j]) < 0
                        && Long.compareUnsigned(guestPhys[j], guestPhys[i] + s) < 0) {
                    throw new IllegalArgumentException("regions " + j + " and " + i + " overlap");
                }
            }
        }
    }

    /** Unmaps the frontend's memory; only once no worker can use it any more. */
    void unmap(MemorySegment callState) {
        for (MemorySegment m : mappings) {
            Libc.munmap(callState, m);
        }
    }

    int regionCount() {
        return segments.length;
    }

    long regionSize(int i) {
        return size[i];
    }

    long regionGuestPhys(int i) {
        return guestPhys[i];
    }

    /**
     * Where {@code [gpa, gpa + length)} lives: region and offset packed ({@link #region}, {@link #offset}),
     * or {@link #INVALID} when the range is not entirely inside one region.
     */
    long translate(long gpa, long length) {
        for (int i = 0; i < size.length; i++) {
            long off = gpa - guestPhys[i];
            // unsigned: an address below the region start wraps to a huge offset and fails too
            if (Long.compareUnsigned(off, size[i]) < 0) {
                return length >= 0 && length <= size[i] - off ? ((long) i << OFFSET_BITS) | off : INVALID;
            }
        }
        return INVALID;
    }

    static int region(long translated) {
        return (int) (translated >>> OFFSET_BITS);
    }

    static long offset(long translated) {
        return translated & OFFSET_MASK;
    }

    MemorySegment segment(int region) {
        return segments[region];
    }

    /**
     * The frontend's virtual range {@code [uaddr, uaddr + length)} as a slice of one region (control
     * path: ring addresses), or null when it is not inside one region.
     */
    MemorySegment userRange(long uaddr, long length) {
        for (int i = 0; i < size.length; i++) {
            long off = uaddr - userAddr[i];
            if (Long.compareUnsigned(off, size[i]) < 0) {
                return length >= 0 && length <= size[i] - off ? segments[i].asSlice(off, length) : null;
            }
        }
        return null;
    }
}
