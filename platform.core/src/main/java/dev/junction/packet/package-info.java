/**
 * Packets without objects: {@link dev.junction.packet.PacketPool} (off-heap buffers and their
 * metadata as parallel arrays), {@link dev.junction.packet.PacketVector} (a burst of up to 256 buffer
 * numbers with a verdict each), flyweight header accessors, and {@link dev.junction.packet.PacketMemory},
 * the seam through which a driver supplies DMA-able memory for the pools.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.4.0")
package dev.junction.packet;
