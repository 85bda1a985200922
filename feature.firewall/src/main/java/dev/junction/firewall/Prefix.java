package dev.junction.firewall;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix as two 64-bit words: an IPv6 address as it is, an IPv4 address in the top 32
 * bits of {@code high} (so that one prefix length counts from the top for both families).
 *
 * @param family 4 or 6
 * @param high the top 64 bits (IPv4: the address shifted left by 32)
 * @param low the low 64 bits (IPv4: 0)
 * @param length 0..32 (IPv4) or 0..128 (IPv6); bits below it are zero
 */
public record Prefix(int family, long high, long low, int length) {
    public Prefix {
        if (family != 4 && family != 6) {
            throw new IllegalArgumentException("family " + family + " is not 4 or 6");
        }
        if (length < 0 || length > (family == 4 ? 32 : 128)) {
            throw new IllegalArgumentException("prefix length " + length + " out of range for IPv" + family);
        }
        if ((high & ~maskHigh(length)) != 0 || (low & ~maskLow(length)) != 0) {
            throw new IllegalArgumentException("prefix has bits set beyond its length /" + length);
        }
    }

    /** The mask of the top word for a prefix length counted from the top of 128 bits. */
    public static long maskHigh(int length) {
        return length <= 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
    }

    /** The mask of the low word for a prefix length counted from the top of 128 bits. */
    public static long maskLow(int length) {
        return length <= 64 ? 0 : length >= 128 ? -1L : -1L << (128 - length);
    }

    /** {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or an address alone (a host prefix). */
    public static Prefix parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        if (addr.isEmpty() || !(addr.indexOf(':') >= 0 || addr.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("'" + text + "' is not a prefix (10.0.0.0/8, 2001:db8::/32)");
        }
        byte[] b;
        try {
            b = InetAddress.getByName(addr).getAddress(); // literal only: checked above, no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not a prefix (10.0.0.0/8, 2001:db8::/32)");
        }
        int family = b.length == 4 ? 4 : 6;
        if (family == 4 && addr.indexOf(':') >= 0) {
            family = 6; // ::ffff:a.b.c.d stays IPv6 as written
            b = new byte[16];
            byte[] v4;
            try {
                v4 = InetAddress.getByName(addr).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + text + "' is not a prefix");
            }
            b[10] = (byte) 0xff;
            b[11] = (byte) 0xff;
            System.arraycopy(v4, 0, b, 12, 4);
        }
        int max = family == 4 ? 32 : 128;
        int length = max;
        if (slash >= 0) {
            try {
                length = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': prefix length is not a number");
            }
            if (length < 0 || length > max) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be 0.." + max);
            }
        }
        long high = 0, low = 0;
        if (family == 4) {
            high = ((long) (((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff))) << 32;
        } else {
            for (int i = 0; i < 8; i++) {
                high = high << 8 | (b[i] & 0xff);
                low = low << 8 | (b[i + 8] & 0xff);
            }
        }
        long mh = maskHigh(length), ml = maskLow(length);
        if ((high & ~mh) != 0 || (low & ~ml) != 0) {
            throw new IllegalArgumentException("'" + text + "' has host bits set beyond /" + length
                    + " (write " + new Prefix(family, high & mh, low & ml, length) + ")");
        }
        return new Prefix(family, high, low, length);
    }

    /** Whether an address (in this record's two-word form) lies in the prefix. */
    public boolean contains(long addrHigh, long addrLow) {
        return (addrHigh & maskHigh(length)) == high && (addrLow & maskLow(length)) == low;
    }

    /** An address in the two-word form as text. */
    public static String format(int family, long high, long low) {
        byte[] b;
        if (family == 4) {
            int a = (int) (high >>> 32);
            b = new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
        } else {
            b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (high >>> (56 - 8 * i));
                b[i + 8] = (byte) (low >>> (56 - 8 * i));
            }
        }
        try {
            String s = InetAddress.getByAddress(b).getHostAddress();
            return family == 6 ? compress(s) : s;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String compress(String full) {
        // Java prints 2001:db8:0:0:0:0:0:1; RFC 5952 wants the longest run of zero groups as ::
        String[] g = full.split(":");
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < g.length; ) {
            if (g[i].equals("0")) {
                int j = i;
                while (j < g.length && g[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(g, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(g, bestStart + bestLen, g.length));
        return head + "::" + tail;
    }

    @Override
    public String toString() {
        return format(family, high, low) + "/" + length;
    }
}
