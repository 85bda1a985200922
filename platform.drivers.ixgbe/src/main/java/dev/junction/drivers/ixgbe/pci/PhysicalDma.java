package dev.junction.drivers.ixgbe.pci;

import dev.junction.drivers.ixgbe.dma.DmaMemory;
import dev.junction.drivers.ixgbe.dma.DmaRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * DMA without an IOMMU (the resource0 path): memory in huge pages, given to the device by physical
 * address from pagemap. Needs root. A pool slab must itself be in huge pages (the engine's
 * {@code PacketMemory}); other memory is refused when mapped.
 */
public final class PhysicalDma implements DmaMemory {
    @Override
    public MemorySegment allocate(Arena arena, long bytes) {
        return HugePages.allocate(arena, bytes);
    }

    @Override
    public DmaRegion map(MemorySegment segment) {
        return DmaRegion.paged(segment, HugePages.PAGE_SHIFT, Pagemap.hugePages(segment));
    }

    /** Nothing to undo: physical addresses need no mapping (the pages stay locked until freed). */
    @Override
    public void unmap(DmaRegion region) {
    }
}
