package dev.junction.drivers.ixgbe;

import java.util.SplittableRandom;

/** Test frames: the same bytes for the same seed and number, IPv4/UDP with random payload. */
final class TestFrames {
    private TestFrames() {
    }

    /** A frame of 60..maxLength bytes to {@code dst}, IPv4 UDP (not a fragment), random otherwise. */
    static byte[] udp(long dst, long seed, int i, int maxLength) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
        int length = 60 + random.nextInt(maxLength - 60 + 1);
        byte[] f = new byte[length];
        random.nextBytes(f);
        putMac(f, 0, dst);
        putMac(f, 6, 0x02_00_00_00_00_10L);
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = 0x45;
        f[14 + 6] = 0;
        f[14 + 7] = 0;
        f[14 + 9] = 17;
        return f;
    }

    static void putMac(byte[] f, int at, long mac) {
        for (int b = 0; b < 6; b++) {
            f[at + b] = (byte) (mac >>> (40 - 8 * b));
        }
    }
}
