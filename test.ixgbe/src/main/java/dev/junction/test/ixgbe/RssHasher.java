package dev.junction.test.ixgbe;

/**
 * Which fields of a received frame RSS hashes, as MRQC selects them (datasheet 7.1.2.8): IPv4 or
 * IPv6 source and destination addresses, and the TCP or UDP ports when the frame carries them and
 * MRQC enables that type. Fragments and IPv6 with extension headers hash their addresses only.
 * Untagged Ethernet II frames only (a VLAN tag is not parsed).
 */
final class RssHasher {
    /** A frame RSS does not hash: queue 0, type and hash 0. */
    static final long NOT_HASHED = 0;

    private final byte[] input = new byte[36];

    /** The RSS type in bits 35:32 and the hash in bits 31:0, or {@link #NOT_HASHED}. */
    long classify(byte[] frame, int length, int mrqc, byte[] key) {
        if (length < 14) {
            return NOT_HASHED;
        }
        int etherType = u16(frame, 12);
        if (etherType == 0x0800) {
            return ipv4(frame, length, mrqc, key);
        }
        if (etherType == 0x86DD) {
            return ipv6(frame, length, mrqc, key);
        }
        return NOT_HASHED;
    }

    private long ipv4(byte[] frame, int length, int mrqc, byte[] key) {
        int ip = 14;
        if (length < ip + 20 || (frame[ip] & 0xF0) != 0x40) {
            return NOT_HASHED;
        }
        int headerLength = (frame[ip] & 0x0F) * 4;
        int protocol = frame[ip + 9] & 0xFF;
        boolean fragment = (u16(frame, ip + 6) & 0x3FFF) != 0;
        System.arraycopy(frame, ip + 12, input, 0, 8);
        int l4 = ip + headerLength;
        boolean ports = !fragment && headerLength >= 20 && length >= l4 + 4;
        if (ports && protocol == 6 && (mrqc & Registers.MRQC_TCP_IPV4) != 0) {
            return withPorts(frame, l4, 8, Descriptors.RSS_TYPE_TCP_IPV4, key);
        }
        if (ports && protocol == 17 && (mrqc & Registers.MRQC_UDP_IPV4) != 0) {
            return withPorts(frame, l4, 8, Descriptors.RSS_TYPE_UDP_IPV4, key);
        }
        if ((mrqc & Registers.MRQC_IPV4) != 0) {
            return typed(Descriptors.RSS_TYPE_IPV4, Toeplitz.hash(key, input, 0, 8));
        }
        return NOT_HASHED;
    }

    private long ipv6(byte[] frame, int length, int mrqc, byte[] key) {
        int ip = 14;
        if (length < ip + 40 || (frame[ip] & 0xF0) != 0x60) {
            return NOT_HASHED;
        }
        int nextHeader = frame[ip + 6] & 0xFF;
        System.arraycopy(frame, ip + 8, input, 0, 32);
        int l4 = ip + 40;
        boolean ports = length >= l4 + 4;
        if (ports && nextHeader == 6 && (mrqc & Registers.MRQC_TCP_IPV6) != 0) {
            return withPorts(frame, l4, 32, Descriptors.RSS_TYPE_TCP_IPV6, key);
        }
        if (ports && nextHeader == 17 && (mrqc & Registers.MRQC_UDP_IPV6) != 0) {
            return withPorts(frame, l4, 32, Descriptors.RSS_TYPE_UDP_IPV6, key);
        }
        if ((mrqc & Registers.MRQC_IPV6) != 0) {
            return typed(Descriptors.RSS_TYPE_IPV6, Toeplitz.hash(key, input, 0, 32));
        }
        return NOT_HASHED;
    }

    private long withPorts(byte[] frame, int l4, int addressBytes, int type, byte[] key) {
        System.arraycopy(frame, l4, input, addressBytes, 4);
        return typed(type, Toeplitz.hash(key, input, 0, addressBytes + 4));
    }

    private static long typed(int type, int hash) {
        return ((long) type << 32) | (hash & 0xFFFFFFFFL);
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }
}
