package dev.junction.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where a worker's {@link PacketPool} slab comes from. The default, {@link #NATIVE}, is plain native
 * memory from the worker's arena. A userspace NIC driver that has the device write frames straight
 * into pool buffers (zero copy) needs memory the device can reach by DMA: pinned, and with physical
 * addresses that do not move, such as huge pages when there is no IOMMU. Such a driver supplies one
 * of these; the engine then cuts its pools from what it returns. The driver learns a pool's slab
 * from {@link PacketPool#memory()} and maps it for the device.
 */
@ConsumerType
@FunctionalInterface
public interface PacketMemory {

    /** Plain native memory from the arena, 4 KiB aligned: what pools have always used. */
    PacketMemory NATIVE = (arena, bytes) -> arena.allocate(bytes, 4096);

    /**
     * A native segment of at least {@code bytes} bytes, 4096-byte aligned, that lives as long as
     * {@code arena} (freed when it closes). Called on the control thread when a worker starts;
     * throws with a one-line reason when the memory cannot be had.
     */
    MemorySegment allocate(Arena arena, long bytes);
}
