/**
 * Packets without objects: {@link dev.junction.packet.PacketPool} (off-heap buffers and their
 * metadata as parallel arrays), {@link dev.junction.packet.PacketVector} (a burst of up to 256 buffer
 * numbers with a verdict each) and flyweight header accessors.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package dev.junction.packet;
