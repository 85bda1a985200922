package dev.junction.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Flyweight accessors for an Ethernet II header at an offset in packet memory. */
public final class Ethernet {
    public static final int HEADER_LENGTH = 14;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_VLAN = 0x8100;
    public static final int TYPE_IPV6 = 0x86DD;
    public static final int TYPE_MPLS = 0x8847;

    static final ValueLayout.OfShort NET_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Ethernet() {
    }

    public static int etherType(MemorySegment m, long frame) {
        return Short.toUnsignedInt(m.get(NET_SHORT, frame + 12));
    }

    public static void etherType(MemorySegment m, long frame, int type) {
        m.set(NET_SHORT, frame + 12, (short) type);
    }

    /** Destination MAC as the low 48 bits of a long. */
    public static long destination(MemorySegment m, long frame) {
        return MacAddress.read(m, frame);
    }

    public static long source(MemorySegment m, long frame) {
        return MacAddress.read(m, frame + 6);
    }

    public static void destination(MemorySegment m, long frame, long mac) {
        MacAddress.write(m, frame, mac);
    }

    public static void source(MemorySegment m, long frame, long mac) {
        MacAddress.write(m, frame + 6, mac);
    }

    public static boolean isMulticast(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }
}
