package dev.junction.test.ixgbe;

import java.util.SplittableRandom;

/** Test frames, the same bytes for the same number: IPv4/UDP to the model's MAC, 60..1514 bytes. */
final class Frames {
    private Frames() {
    }

    static byte[] frame(long mac, long seed, int i) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
        int length = 60 + random.nextInt(1514 - 60 + 1);
        byte[] f = new byte[length];
        random.nextBytes(f);
        putMac(f, 0, mac);
        putMac(f, 6, 0x02_00_00_00_00_10L);
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = 0x45;
        f[14 + 6] = 0;            // not a fragment
        f[14 + 7] = 0;
        f[14 + 9] = 17;           // UDP
        return f;
    }

    static void putMac(byte[] f, int at, long mac) {
        for (int b = 0; b < 6; b++) {
            f[at + b] = (byte) (mac >>> (40 - 8 * b));
        }
    }
}
