package dev.junction.routing.fib;

/**
 * An IPv4 prefix, {@code a.b.c.d/len}: an address with no bit set beyond its length 0..32.
 *
 * <p>{@link #parse} refuses bad text with an {@link IllegalArgumentException} whose message is
 * {@code 'TEXT' is not an IPv4 prefix: REASON}, REASON being one of
 * <ul>
 * <li>{@code missing /length}
 * <li>{@code length must be a number 0..32}
 * <li>{@code bad address (4 numbers 0..255 separated by dots expected)}
 * <li>{@code host bits are set (did you mean 10.0.0.0/8?)}
 * </ul>
 * The constructor gives the same reasons for a bad length or host bits.
 */
public record Ipv4Prefix(int address, int length) {
    private static final String BAD_ADDRESS = "bad address (4 numbers 0..255 separated by dots expected)";
    private static final String BAD_LENGTH = "length must be a number 0..32";

    public Ipv4Prefix {
        String reason = length < 0 || length > 32 ? BAD_LENGTH : hostBitsReason(address, length);
        if (reason != null) {
            throw new IllegalArgumentException(
                    formatAddress(address) + "/" + length + " is not an IPv4 prefix: " + reason);
        }
    }

    public static Ipv4Prefix parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw bad(text, "missing /length");
        }
        int length = parseNumber(text, slash + 1, text.length(), 32);
        if (length < 0) {
            throw bad(text, BAD_LENGTH);
        }
        long address = parseAddress(text, 0, slash);
        if (address < 0) {
            throw bad(text, BAD_ADDRESS);
        }
        String reason = hostBitsReason((int) address, length);
        if (reason != null) {
            throw bad(text, reason);
        }
        return new Ipv4Prefix((int) address, length);
    }

    /** The address of dotted-quad text; an {@link IllegalArgumentException} says why not. */
    public static int parseAddress(String text) {
        long address = parseAddress(text, 0, text.length());
        if (address < 0) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address: " + BAD_ADDRESS);
        }
        return (int) address;
    }

    public static String formatAddress(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }

    /** The netmask of a length: its first {@code length} bits set. */
    public static int mask(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    /** The last address the prefix covers. */
    public int last() {
        return address | ~mask(length);
    }

    @Override
    public String toString() {
        return formatAddress(address) + "/" + length;
    }

    private static String hostBitsReason(int address, int length) {
        int network = address & mask(length);
        return network == address ? null
                : "host bits are set (did you mean " + formatAddress(network) + "/" + length + "?)";
    }

    /** The address in text[from, to) as an unsigned value, or -1 if it is not a dotted quad. */
    static long parseAddress(String text, int from, int to) {
        long address = 0;
        int start = from;
        for (int octet = 0; octet < 4; octet++) {
            int end = start;
            while (end < to && text.charAt(end) != '.') {
                end++;
            }
            int value = parseNumber(text, start, end, 255);
            if (value < 0 || (octet < 3) == (end == to)) {
                return -1;
            }
            address = address << 8 | value;
            start = end + 1;
        }
        return address;
    }

    /** The decimal number in text[from, to), or -1 if it is empty, above max or has a leading zero. */
    static int parseNumber(String text, int from, int to, int max) {
        if (from >= to || to - from > 3 || (text.charAt(from) == '0' && to - from > 1)) {
            return -1;
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= max ? value : -1;
    }

    private static IllegalArgumentException bad(String text, String reason) {
        return new IllegalArgumentException("'" + text + "' is not an IPv4 prefix: " + reason);
    }
}
