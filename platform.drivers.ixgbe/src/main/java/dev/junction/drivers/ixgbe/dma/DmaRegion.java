package dev.junction.drivers.ixgbe.dma;

import java.lang.foreign.MemorySegment;

/**
 * Memory the device can reach, and the address the device knows each byte by (its IOVA: the
 * virtual address under a VFIO IOMMU mapping, the physical address without one). Translation is
 * per page of {@code 1 << pageShift} bytes: a mapping that is one contiguous run (IOMMU) has a
 * single page; physical memory from huge pages has one entry per huge page, and a range that
 * crosses from one page into another is contiguous only when their addresses follow each other.
 */
public final class DmaRegion {
    private final MemorySegment segment;
    private final int pageShift;
    private final long pageMask;
    private final long[] pageIova;

    private DmaRegion(MemorySegment segment, int pageShift, long[] pageIova) {
        this.segment = segment;
        this.pageShift = pageShift;
        this.pageMask = (1L << pageShift) - 1;
        this.pageIova = pageIova;
    }

    /** A region the device sees as one run starting at {@code iova} (an IOMMU mapping). */
    public static DmaRegion contiguous(MemorySegment segment, long iova) {
        return new DmaRegion(segment, 62, new long[]{iova});
    }

    /**
     * A region of pages of {@code 1 << pageShift} bytes whose IOVAs are {@code pageIova} (physical
     * addresses from pagemap). The segment must start on a page boundary.
     */
    public static DmaRegion paged(MemorySegment segment, int pageShift, long[] pageIova) {
        if ((segment.address() & ((1L << pageShift) - 1)) != 0) {
            throw new IllegalArgumentException("a paged DMA region starts on a page boundary");
        }
        if (((long) pageIova.length << pageShift) < segment.byteSize()) {
            throw new IllegalArgumentException("fewer page addresses than pages");
        }
        return new DmaRegion(segment, pageShift, pageIova.clone());
    }

    public MemorySegment segment() {
        return segment;
    }

    /** The IOVA of byte {@code offset} of the segment. */
    public long iova(long offset) {
        return pageIova[(int) (offset >>> pageShift)] + (offset & pageMask);
    }

    /** How many bytes from {@code offset} on are contiguous in IOVA space (at most to the segment's end). */
    public long contiguous(long offset) {
        long end = segment.byteSize();
        long run = Math.min(end, ((offset >>> pageShift) + 1) << pageShift) - offset;
        int page = (int) (offset >>> pageShift);
        while (offset + run < end && pageIova[page + 1] == pageIova[page] + (1L << pageShift)) {
            page++;
            run = Math.min(end, ((long) page + 1) << pageShift) - offset;
        }
        return run;
    }
}
