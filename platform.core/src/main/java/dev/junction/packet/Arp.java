package dev.junction.packet;

import java.lang.foreign.MemorySegment;

/** Flyweight accessors for an ARP packet (Ethernet/IPv4) at offset {@code arp} in packet memory. */
public final class Arp {
    public static final int LENGTH = 28;
    public static final int REQUEST = 1;
    public static final int REPLY = 2;

    private Arp() {
    }

    /** True for hardware Ethernet (1), protocol IPv4, lengths 6 and 4: the only ARP we speak. */
    public static boolean isEthernetIpv4(MemorySegment m, long arp) {
        return m.get(Ethernet.NET_INT, arp) == 0x0001_0800 && m.get(Ethernet.NET_SHORT, arp + 4) == 0x0604;
    }

    public static int operation(MemorySegment m, long arp) {
        return Short.toUnsignedInt(m.get(Ethernet.NET_SHORT, arp + 6));
    }

    public static long senderMac(MemorySegment m, long arp) {
        return MacAddress.read(m, arp + 8);
    }

    public static int senderIp(MemorySegment m, long arp) {
        return m.get(Ethernet.NET_INT, arp + 14);
    }

    public static long targetMac(MemorySegment m, long arp) {
        return MacAddress.read(m, arp + 18);
    }

    public static int targetIp(MemorySegment m, long arp) {
        return m.get(Ethernet.NET_INT, arp + 24);
    }

    /** Writes a whole ARP packet. */
    public static void write(MemorySegment m, long arp, int op, long senderMac, int senderIp, long targetMac, int targetIp) {
        m.set(Ethernet.NET_INT, arp, 0x0001_0800);
        m.set(Ethernet.NET_SHORT, arp + 4, (short) 0x0604);
        m.set(Ethernet.NET_SHORT, arp + 6, (short) op);
        MacAddress.write(m, arp + 8, senderMac);
        m.set(Ethernet.NET_INT, arp + 14, senderIp);
        MacAddress.write(m, arp + 18, targetMac);
        m.set(Ethernet.NET_INT, arp + 24, targetIp);
    }
}
