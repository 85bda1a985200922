package dev.junction.drivers.linux;

import dev.junction.packet.Ipv4;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Completes TCP and UDP checksums the kernel left partial (TP_STATUS_CSUMNOTREADY: the sender
 * offloaded them to a "device" that never computed them, as veth does). Ethernet + IPv4 or IPv6
 * without extension headers; anything else is left as it is.
 */
final class Checksums {
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Checksums() {
    }

    private static int u8(MemorySegment m, long off) {
        return m.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    private static int u16(MemorySegment m, long off) {
        return Short.toUnsignedInt(m.get(NET_SHORT, off));
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    /** Fills in the L4 checksum of the frame at {@code frame}; returns false when it is not TCP/UDP over IP. */
    static boolean complete(MemorySegment m, long frame, int len) {
        if (len < 14) {
            return false;
        }
        int type = u16(m, frame + 12);
        int l2 = 14;
        for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88A8) && len >= l2 + 4; tags++) {
            type = u16(m, frame + l2 + 2); // a VLAN tag (the driver puts back what the kernel took out)
            l2 += 4;
        }
        long ip = frame + l2;
        len -= l2 - 14; // from here on, as if untagged
        long pseudo;
        long l4;
        int l4len;
        int proto;
        if (type == 0x0800 && len >= 34) {
            int ihl = (u8(m, ip) & 0xF) * 4;
            int total = u16(m, ip + 2);
            if (ihl < 20 || total > len - 14 || total < ihl) {
                return false;
            }
            proto = u8(m, ip + 9);
            l4 = ip + ihl;
            l4len = total - ihl;
            pseudo = Ipv4.sum(m, ip + 12, 8) + proto + l4len;
        } else if (type == 0x86DD && len >= 54) {
            proto = u8(m, ip + 6);
            l4len = u16(m, ip + 4);
            if (l4len > len - 54) {
                return false;
            }
            l4 = ip + 40;
            pseudo = Ipv4.sum(m, ip + 8, 32) + proto + l4len;
        } else {
            return false;
        }
        long field;
        if (proto == 6 && l4len >= 20) {
            field = l4 + 16;
        } else if (proto == 17 && l4len >= 8) {
            field = l4 + 6;
        } else {
            return false;
        }
        m.set(NET_SHORT, field, (short) 0);
        int c = ~fold(pseudo + Ipv4.sum(m, l4, l4len)) & 0xFFFF;
        if (proto == 17 && c == 0) {
            c = 0xFFFF; // UDP: 0 means "no checksum"
        }
        m.set(NET_SHORT, field, (short) c);
        return true;
    }
}
