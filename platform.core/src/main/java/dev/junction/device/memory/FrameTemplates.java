package dev.junction.device.memory;

import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.MacAddress;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Builds the generator's frames once, off the fast path. */
final class FrameTemplates {
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private FrameTemplates() {
    }

    /** An Ethernet + IPv4 + UDP frame of the profile's size for flow {@code flow} (UDP source port 1024 + flow). */
    static void writeUdp4(MemorySegment m, long off, TrafficProfile p, int flow) {
        int size = p.frameSize();
        m.asSlice(off, size).fill((byte) 0);
        MacAddress.write(m, off, p.dstMac());
        MacAddress.write(m, off + 6, p.srcMac());
        Ethernet.etherType(m, off, Ethernet.TYPE_IPV4);
        long ip = off + Ethernet.HEADER_LENGTH;
        int ipLen = size - Ethernet.HEADER_LENGTH;
        m.set(ValueLayout.JAVA_BYTE, ip, (byte) 0x45);
        m.set(NET_SHORT, ip + 2, (short) ipLen);
        m.set(NET_SHORT, ip + 6, (short) 0x4000); // DF
        m.set(ValueLayout.JAVA_BYTE, ip + 8, (byte) 64);
        m.set(ValueLayout.JAVA_BYTE, ip + 9, (byte) 17);
        m.set(NET_INT, ip + 12, p.srcIp());
        m.set(NET_INT, ip + 16, p.dstIp());
        Ipv4.updateChecksum(m, ip);
        long udp = ip + 20;
        m.set(NET_SHORT, udp, (short) (1024 + flow));
        m.set(NET_SHORT, udp + 2, (short) 9);
        m.set(NET_SHORT, udp + 4, (short) (ipLen - 20));
        m.set(NET_INT, udp + 8, MemoryDevice.MAGIC);
    }
}
