package dev.junction.lb.control;

import java.net.Inet4Address;
import java.net.InetAddress;

/** IP addresses in the two-word form the nodes use: IPv4 in the low word's low 32 bits, IPv6 high then low. Control path. */
public final class Addresses {
    private Addresses() {
    }

    /** {family, high, low} of a literal IPv4 or IPv6 address. */
    public static long[] parse(String text) {
        InetAddress a;
        try {
            if (text == null || text.isEmpty() || !(text.indexOf(':') >= 0 || text.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
                throw new IllegalArgumentException();
            }
            a = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address (10.0.0.1 or 2001:db8::1)");
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return new long[] {4, 0, java.nio.ByteBuffer.wrap(b).getInt() & 0xffffffffL};
        }
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b);
        return new long[] {6, bb.getLong(), bb.getLong()};
    }

    public static String format(int family, long hi, long lo) {
        try {
            if (family == 4) {
                return InetAddress.getByAddress(java.nio.ByteBuffer.allocate(4).putInt((int) lo).array()).getHostAddress();
            }
            return InetAddress.getByAddress(java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(lo).array()).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
