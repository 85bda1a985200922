package dev.junction.routing.fib;

/**
 * Open-addressing hash map from a prefix of one length to its next hop: the RIB the tables fall back
 * to on removal. A key is one long (IPv4) or two (IPv6: {@code high}, {@code low}), kept side by side
 * in one array. Control path only; primitive arrays, so that a million routes cost no boxes. Next
 * hop 0 marks an empty slot.
 */
final class PrefixMap {
    private final int words;
    private long[] keys;
    private int[] hops;
    private int size;

    /** A map of one-long keys ({@code low} must be 0) or, when {@code wide}, two-long keys. */
    PrefixMap(boolean wide) {
        words = wide ? 2 : 1;
        keys = new long[8 * words];
        hops = new int[8];
    }

    int size() {
        return size;
    }

    long memoryBytes() {
        return 8L * keys.length + 4L * hops.length;
    }

    /** The next hop of the prefix, 0 when absent. */
    int get(long high, long low) {
        int mask = hops.length - 1;
        for (int i = home(high, low, mask); hops[i] != 0; i = (i + 1) & mask) {
            if (holds(i, high, low)) {
                return hops[i];
            }
        }
        return 0;
    }

    /** Sets the next hop (>= 1) of the prefix; returns the one it replaces, 0 if none. */
    int put(long high, long low, int hop) {
        if ((size + 1) * 4L > hops.length * 3L) {
            resize(hops.length * 2);
        }
        int mask = hops.length - 1;
        int i = home(high, low, mask);
        for (; hops[i] != 0; i = (i + 1) & mask) {
            if (holds(i, high, low)) {
                int old = hops[i];
                hops[i] = hop;
                return old;
            }
        }
        set(i, high, low, hop);
        size++;
        return 0;
    }

    /** Removes the prefix; returns its next hop, 0 if it was absent. */
    int remove(long high, long low) {
        int mask = hops.length - 1;
        int i = home(high, low, mask);
        while (hops[i] != 0 && !holds(i, high, low)) {
            i = (i + 1) & mask;
        }
        int old = hops[i];
        if (old == 0) {
            return 0;
        }
        // Backward shift instead of a tombstone: pull later keys of the run into the hole when their
        // home slot is not between the hole and them, so that a search never stops early.
        int hole = i;
        for (int j = (i + 1) & mask; hops[j] != 0; j = (j + 1) & mask) {
            if (((j - home(high(j), low(j), mask)) & mask) >= ((j - hole) & mask)) {
                set(hole, high(j), low(j), hops[j]);
                hole = j;
            }
        }
        hops[hole] = 0;
        size--;
        return old;
    }

    private long high(int i) {
        return keys[i * words];
    }

    private long low(int i) {
        return words == 1 ? 0 : keys[2 * i + 1];
    }

    private boolean holds(int i, long high, long low) {
        return high(i) == high && low(i) == low;
    }

    private void set(int i, long high, long low, int hop) {
        keys[i * words] = high;
        if (words == 2) {
            keys[2 * i + 1] = low;
        }
        hops[i] = hop;
    }

    private void resize(int capacity) {
        long[] oldKeys = keys;
        int[] oldHops = hops;
        keys = new long[capacity * words];
        hops = new int[capacity];
        int mask = capacity - 1;
        for (int j = 0; j < oldHops.length; j++) {
            if (oldHops[j] != 0) {
                long high = oldKeys[j * words];
                long low = words == 1 ? 0 : oldKeys[2 * j + 1];
                int i = home(high, low, mask);
                while (hops[i] != 0) {
                    i = (i + 1) & mask;
                }
                set(i, high, low, oldHops[j]);
            }
        }
    }

    /** Murmur3's 64-bit finalizer: prefixes end in runs of zero bits, which it spreads. */
    private static int home(long high, long low, int mask) {
        long h = high * 0x9E37_79B9_7F4A_7C15L ^ low;
        h = (h ^ (h >>> 33)) * 0xFF51_AFD7_ED55_8CCDL;
        h = (h ^ (h >>> 33)) * 0xC4CE_B9FE_1A85_EC53L;
        return (int) (h ^ (h >>> 33)) & mask;
    }
}
