package dev.junction.drivers.ixgbe.dma;

import java.lang.foreign.MemorySegment;

/**
 * The pool slabs a port's queues use, mapped for the device while any queue uses them. A queue
 * acquires its pool's slab on its first call with that pool and releases it once the device is done
 * with the pool's buffers; the last release unmaps it, so that memory freed and later reused at the
 * same address is never reached through a stale mapping (an IOMMU would still point at the old pages).
 */
public interface Slabs {
    DmaRegion acquire(MemorySegment slab);

    void release(MemorySegment slab);

    /** Every slab at its own address, nothing to unmap: for benchmarks and tests without a device. */
    Slabs IDENTITY = new Slabs() {
        @Override
        public DmaRegion acquire(MemorySegment slab) {
            return DmaRegion.contiguous(slab, slab.address());
        }

        @Override
        public void release(MemorySegment slab) {
        }
    };
}
