package dev.junction.routing.fib;

import java.util.Arrays;

/**
 * An IPv6 prefix, {@code x:y::/len}: a 128-bit address as two longs ({@code high} holds the first 64
 * bits) with no bit set beyond its length 0..128. Formatted as RFC 5952 says (lower case, the longest
 * run of two or more zero groups as {@code ::}); parsed from any RFC 4291 text form, including a
 * dotted quad for the last 32 bits.
 *
 * <p>{@link #parse} refuses bad text with an {@link IllegalArgumentException} whose message is
 * {@code 'TEXT' is not an IPv6 prefix: REASON}, REASON being one of
 * <ul>
 * <li>{@code missing /length}
 * <li>{@code length must be a number 0..128}
 * <li>{@code bad address (DETAIL)}, for example {@code bad address ('::' more than once)}
 * <li>{@code host bits are set (did you mean 2001:db8::/32?)}
 * </ul>
 * The constructor gives the same reasons for a bad length or host bits.
 */
public record Ipv6Prefix(long high, long low, int length) {
    private static final String BAD_LENGTH = "length must be a number 0..128";

    public Ipv6Prefix {
        String reason = length < 0 || length > 128 ? BAD_LENGTH : hostBitsReason(high, low, length);
        if (reason != null) {
            throw new IllegalArgumentException(
                    formatAddress(high, low) + "/" + length + " is not an IPv6 prefix: " + reason);
        }
    }

    public static Ipv6Prefix parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw bad(text, "missing /length");
        }
        int length = Ipv4Prefix.parseNumber(text, slash + 1, text.length(), 128);
        if (length < 0) {
            throw bad(text, BAD_LENGTH);
        }
        int[] groups = new int[8];
        String error = parseGroups(text.substring(0, slash), groups);
        if (error != null) {
            throw bad(text, "bad address (" + error + ")");
        }
        long high = (long) groups[0] << 48 | (long) groups[1] << 32 | (long) groups[2] << 16 | groups[3];
        long low = (long) groups[4] << 48 | (long) groups[5] << 32 | (long) groups[6] << 16 | groups[7];
        String reason = hostBitsReason(high, low, length);
        if (reason != null) {
            throw bad(text, reason);
        }
        return new Ipv6Prefix(high, low, length);
    }

    /** The first 64 bits of the netmask of a length. */
    public static long highMask(int length) {
        return length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
    }

    /** The last 64 bits of the netmask of a length. */
    public static long lowMask(int length) {
        return length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
    }

    public static String formatAddress(long high, long low) {
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (high >>> (48 - 16 * i)) & 0xFFFF;
            groups[i + 4] = (int) (low >>> (48 - 16 * i)) & 0xFFFF;
        }
        int runStart = -1;
        int runLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > runLength) {
                runStart = i;
                runLength = j - i;
            }
            i = j;
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == runStart) {
                text.append("::");
                i += runLength - 1;
            } else {
                if (i > 0 && i != runStart + runLength) {
                    text.append(':');
                }
                text.append(Integer.toHexString(groups[i]));
            }
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return formatAddress(high, low) + "/" + length;
    }

    private static String hostBitsReason(long high, long low, int length) {
        long networkHigh = high & highMask(length);
        long networkLow = low & lowMask(length);
        return networkHigh == high && networkLow == low ? null
                : "host bits are set (did you mean " + formatAddress(networkHigh, networkLow) + "/" + length + "?)";
    }

    /** Fills the 8 groups of an address; returns what is wrong with it, or null. */
    private static String parseGroups(String s, int[] groups) {
        int count = 0;
        int gap = -1; // where '::' stands, in groups
        int i = 0;
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
        }
        while (i < s.length()) {
            int end = s.indexOf(':', i);
            end = end < 0 ? s.length() : end;
            if (s.indexOf('.', i) >= 0 && end == s.length()) {
                long v4 = Ipv4Prefix.parseAddress(s, i, end);
                if (v4 < 0 || count > 6) {
                    return "bad dotted quad '" + s.substring(i) + "'";
                }
                groups[count++] = (int) (v4 >>> 16);
                groups[count++] = (int) v4 & 0xFFFF;
                break;
            }
            if (end - i < 1 || end - i > 4) {
                return "group '" + s.substring(i, end) + "' is not 1 to 4 hex digits";
            }
            if (count == 8) {
                return "more than 8 groups";
            }
            int value = 0;
            for (int k = i; k < end; k++) {
                int digit = Character.digit(s.charAt(k), 16);
                if (digit < 0) {
                    return "group '" + s.substring(i, end) + "' is not 1 to 4 hex digits";
                }
                value = value << 4 | digit;
            }
            groups[count++] = value;
            if (end == s.length()) {
                break;
            }
            if (end + 1 < s.length() && s.charAt(end + 1) == ':') {
                if (gap >= 0) {
                    return "'::' more than once";
                }
                gap = count;
                i = end + 2;
            } else if (end + 1 == s.length()) {
                return "ends with a single ':'";
            } else {
                i = end + 1;
            }
        }
        if (gap < 0 ? count != 8 : count > 7) {
            return gap < 0 ? "8 groups or '::' expected" : "more than 7 groups with '::'";
        }
        if (gap >= 0) {
            int moved = count - gap;
            System.arraycopy(groups, gap, groups, 8 - moved, moved);
            Arrays.fill(groups, gap, 8 - moved, 0);
        }
        return null;
    }

    private static IllegalArgumentException bad(String text, String reason) {
        return new IllegalArgumentException("'" + text + "' is not an IPv6 prefix: " + reason);
    }
}
