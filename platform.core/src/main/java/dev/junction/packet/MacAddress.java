package dev.junction.packet;

import java.lang.foreign.MemorySegment;

/** A MAC address held as the low 48 bits of a {@code long}: no object on the fast path. */
public final class MacAddress {
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private MacAddress() {
    }

    public static long read(MemorySegment m, long off) {
        long hi = Short.toUnsignedLong(m.get(Ethernet.NET_SHORT, off));
        long lo = Integer.toUnsignedLong(m.get(Ethernet.NET_INT, off + 2));
        return (hi << 32) | lo;
    }

    public static void write(MemorySegment m, long off, long mac) {
        m.set(Ethernet.NET_SHORT, off, (short) (mac >>> 32));
        m.set(Ethernet.NET_INT, off + 2, (int) mac);
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (also with '-'); throws IllegalArgumentException saying why. */
    public static long parse(String text) {
        String[] parts = text.trim().split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC address must be six hex octets like 02:00:00:00:00:01, not '" + text + "'");
        }
        long mac = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2) {
                throw new IllegalArgumentException("bad octet '" + p + "' in MAC address '" + text + "'");
            }
            try {
                mac = (mac << 8) | Integer.parseInt(p, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad octet '" + p + "' in MAC address '" + text + "'");
            }
        }
        return mac;
    }

    public static String format(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int b = (int) (mac >>> shift) & 0xFF;
            if (sb.length() > 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    public static byte[] toBytes(long mac) {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (mac >>> (40 - 8 * i));
        }
        return b;
    }

    /** Reads a MAC from six bytes on the heap (control path). */
    public static long fromBytes(byte[] b, int off) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | (b[off + i] & 0xFF);
        }
        return mac;
    }
}
