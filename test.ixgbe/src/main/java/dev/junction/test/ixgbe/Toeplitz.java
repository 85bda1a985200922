package dev.junction.test.ixgbe;

/**
 * The Toeplitz hash of receive-side scaling (datasheet 7.1.2.8; Microsoft's "RSS hashing
 * functions"): for every set bit of the input, most significant first, the 32 key bits starting at
 * that bit position are XORed into the result.
 */
public final class Toeplitz {
    /** The key length the 82599 takes (RSSRK, 10 registers). */
    public static final int KEY_BYTES = 40;

    private Toeplitz() {
    }

    /** The hash of {@code input[offset .. offset + length)}; the key must be 4 bytes longer. */
    public static int hash(byte[] key, byte[] input, int offset, int length) {
        if (key.length < length + 4) {
            throw new IllegalArgumentException(key.length + "-byte key for " + length + " input bytes");
        }
        int result = 0;
        for (int i = 0; i < length; i++) {
            int b = input[offset + i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                if ((b & (0x80 >>> bit)) != 0) {
                    result ^= window(key, i * 8 + bit);
                }
            }
        }
        return result;
    }

    /** Key bits {@code position .. position + 31} as an int, the first of them the top bit. */
    private static int window(byte[] key, int position) {
        int byteIndex = position >>> 3;
        int shift = position & 7;
        long bits = 0;
        for (int k = 0; k < 5; k++) {
            int index = byteIndex + k;
            bits = (bits << 8) | (index < key.length ? key[index] & 0xFF : 0);
        }
        // 40 bits loaded, the window's first bit at bit 39 - shift
        return (int) (bits >>> (8 - shift));
    }
}
