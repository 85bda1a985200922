package dev.junction.drivers.ixgbe.pci;

import dev.junction.packet.PacketMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The workers' pools in huge pages, for a port the device reaches by physical address (resource0,
 * or VFIO without an IOMMU): registered as a service before the port, so that the engine cuts its
 * pools from it. When the pages are not there the engine keeps plain memory and the port refuses it
 * with {@link HugePages}' one line.
 */
public final class HugePagePacketMemory implements PacketMemory {
    @Override
    public MemorySegment allocate(Arena arena, long bytes) {
        return HugePages.allocate(arena, bytes);
    }
}
