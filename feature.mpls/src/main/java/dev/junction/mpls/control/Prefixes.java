package dev.junction.mpls.control;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Checks an imposition's prefix: IPv4 or IPv6, a length in range, host bits clear. Control path. */
public final class Prefixes {
    private Prefixes() {
    }

    public static void check(String prefix) {
        String form = "'" + prefix + "' is not a prefix such as 10.2.0.0/16 or 2001:db8::/32 (host bits clear)";
        int slash = prefix.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException(form);
        }
        String addr = prefix.substring(0, slash);
        if (!addr.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new IllegalArgumentException(form);
        }
        byte[] bytes;
        int len;
        try {
            bytes = InetAddress.getByName(addr).getAddress(); // a literal only: the pattern above allows no names
            len = Integer.parseInt(prefix.substring(slash + 1));
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException(form);
        }
        int bits = bytes.length * 8;
        if ((addr.contains(":") != (bits == 128)) || len < 0 || len > bits) {
            throw new IllegalArgumentException(form);
        }
        BigInteger v = new BigInteger(1, bytes);
        if (len < bits && !v.mod(BigInteger.ONE.shiftLeft(bits - len)).equals(BigInteger.ZERO)) {
            throw new IllegalArgumentException(form);
        }
    }
}
