package dev.junction.routing.internal;

/**
 * An IPv4 longest-prefix-match table from prefix to a result (an adjacency id, 1 or more). One
 * writer (the control thread), lock-free readers (workers): a reader sees each entry before or after
 * an update, never half-made. Two kinds: {@link Dir24Fib} for the default table (fast, 80 MiB fixed)
 * and {@link CompactIpv4Fib} for the other VRFs (small tables, memory that grows with the routes).
 */
public interface Ipv4Lookup {

    /** The result of the longest prefix covering {@code address}, 0 when none does. */
    int lookup(int address);

    /**
     * {@code results[i] = lookup(addresses[i])} for the first {@code n}: one call per vector lets a
     * table order its loads so that the cache misses of many addresses overlap.
     */
    default void lookupAll(int[] addresses, int[] results, int n) {
        for (int i = 0; i < n; i++) {
            results[i] = lookup(addresses[i]);
        }
    }

    /** Adds or replaces {@code prefix/len}. */
    void add(int prefix, int len, int result);

    /** Removes {@code prefix/len}; returns whether it was there. */
    boolean remove(int prefix, int len);

    int size();

    long memoryBytes();

    /** Control thread, about once a second: give back memory no reader can still be using. */
    default void reclaim() {
    }
}
