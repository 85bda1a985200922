package dev.junction.drivers.ixgbe;

import dev.junction.drivers.ixgbe.dma.DmaMemory;
import dev.junction.drivers.ixgbe.dma.DmaRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** DMA memory with IOVA = virtual address and nothing registered: for tests with no device behind. */
final class NativeDma implements DmaMemory {
    @Override
    public MemorySegment allocate(Arena arena, long bytes) {
        return arena.allocate(bytes, 4096);
    }

    @Override
    public DmaRegion map(MemorySegment segment) {
        return DmaRegion.contiguous(segment, segment.address());
    }

    @Override
    public void unmap(DmaRegion region) {
    }
}
