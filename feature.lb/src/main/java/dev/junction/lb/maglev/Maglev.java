package dev.junction.lb.maglev;

import java.nio.charset.StandardCharsets;

/**
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016, section 3.4): each backend has a preference list, a permutation of the
 * {@code M} table positions given by an {@code offset} and a {@code skip} taken from two hashes of its
 * name ({@code (offset + j * skip) mod M}, a permutation because M is prime and skip is in 1..M-1);
 * backends take turns claiming their next free preferred position until the table is full.
 *
 * <p>Weights: in each round every backend earns its weight in credit and claims one position per
 * {@code maxWeight} of credit it holds, so shares follow the weights and a weight-0 backend (drained)
 * claims nothing. Built on the control thread; the result is an immutable array published whole.
 */
public final class Maglev {
    /** The paper's default size: a prime well above 100 times the backends a service expects. */
    public static final int DEFAULT_SIZE = 65537;
    /** An entry of a table with no backend of weight above 0. */
    public static final int NONE = -1;

    private Maglev() {
    }

    /**
     * The lookup table: for each of {@code size} positions the index (into {@code names}) of its
     * backend, or {@link #NONE} everywhere when no weight is above 0. {@code size} must be prime.
     */
    public static int[] build(String[] names, int[] weights, int size) {
        if (names.length != weights.length) {
            throw new IllegalArgumentException("one weight per backend");
        }
        if (!isPrime(size)) {
            throw new IllegalArgumentException("Maglev table size " + size + " is not prime (e.g. 65537, 655373)");
        }
        int n = names.length;
        int[] table = new int[size];
        java.util.Arrays.fill(table, NONE);
        // pos[i]: backend i's next preferred position, offset + j * skip mod M, stepped by adding skip
        // (no division in the loop).
        int[] pos = new int[n], skip = new int[n];
        long[] credit = new long[n];
        int maxWeight = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] < 0) {
                throw new IllegalArgumentException("weight " + weights[i] + " of " + names[i] + " is below 0");
            }
            maxWeight = Math.max(maxWeight, weights[i]);
            byte[] b = names[i].getBytes(StandardCharsets.UTF_8);
            pos[i] = (int) Long.remainderUnsigned(hash(b, 0x9E3779B97F4A7C15L), size);
            skip[i] = (int) Long.remainderUnsigned(hash(b, 0xC2B2AE3D27D4EB4FL), size - 1) + 1;
        }
        if (maxWeight == 0) {
            return table;
        }
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                credit[i] += weights[i];
                while (credit[i] >= maxWeight) {
                    credit[i] -= maxWeight;
                    int c = pos[i], k = skip[i];
                    while (table[c] >= 0) {
                        c += k;
                        if (c >= size) {
                            c -= size;
                        }
                    }
                    table[c] = i;
                    c += k;
                    pos[i] = c >= size ? c - size : c;
                    if (++filled == size) {
                        return table;
                    }
                }
            }
        }
    }

    /** A 64-bit hash of bytes with a seed (FNV-1a steps, then a finaliser to spread the bits). */
    static long hash(byte[] b, long seed) {
        long h = seed ^ 0xCBF29CE484222325L;
        for (byte x : b) {
            h = (h ^ (x & 0xff)) * 0x100000001B3L;
        }
        h = (h ^ (h >>> 33)) * 0xFF51AFD7ED558CCDL;
        h = (h ^ (h >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    public static boolean isPrime(int m) {
        if (m < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= m; d++) {
            if (m % d == 0) {
                return false;
            }
        }
        return true;
    }
}
