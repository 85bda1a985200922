package dev.junction.drivers.ixgbe.dma;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * How the driver gets memory its device can reach: the rings it allocates itself, and the packet
 * pools' slabs it is handed. On the card that is VFIO (an IOMMU mapping) or huge pages with
 * physical addresses from pagemap; in tests the model's registered DMA space.
 */
public interface DmaMemory {

    /** New memory for descriptor rings, 4 KiB aligned, physically contiguous over {@code bytes}. */
    MemorySegment allocate(Arena arena, long bytes);

    /** Makes {@code segment} reachable by the device (control path; called once per segment). */
    DmaRegion map(MemorySegment segment);

    /** Takes a mapping {@link #map} made away again, once the device no longer uses the memory. */
    void unmap(DmaRegion region);
}
