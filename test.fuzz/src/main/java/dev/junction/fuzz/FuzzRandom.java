package dev.junction.fuzz;

/**
 * SplitMix64: small, fast and fully determined by its seed, so that a frame is reproduced from its
 * seed alone (java.util.Random would do, but one object per frame is garbage we do not need).
 */
public final class FuzzRandom {
    private long state;

    public FuzzRandom(long seed) {
        state = seed;
    }

    /** Starts over from {@code seed}. */
    public void seed(long seed) {
        state = seed;
    }

    /** The seed of item {@code index} of a run seeded with {@code seed}: independent streams per item. */
    public static long mix(long seed, long index) {
        return scramble(seed ^ scramble(index + 0x632B_E59B_D9B4_E019L));
    }

    private static long scramble(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += 0x9E37_79B9_7F4A_7C15L;
        return scramble(state);
    }

    public int nextInt() {
        return (int) (nextLong() >>> 32);
    }

    /** Uniform in [0, bound), bound > 0. */
    public int nextInt(int bound) {
        return (int) (((nextLong() >>> 33) * bound) >>> 31);
    }

    /** Uniform in [from, to]. */
    public int between(int from, int to) {
        return from + nextInt(to - from + 1);
    }

    /** True with probability {@code percent}/100. */
    public boolean percent(int percent) {
        return nextInt(100) < percent;
    }

    public <T> T pick(T[] items) {
        return items[nextInt(items.length)];
    }

    public int pick(int[] items) {
        return items[nextInt(items.length)];
    }

    public long pick(long[] items) {
        return items[nextInt(items.length)];
    }
}
