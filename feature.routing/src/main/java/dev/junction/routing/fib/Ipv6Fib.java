package dev.junction.routing.fib;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * IPv6 longest-prefix match: a multibit trie with leaf pushing (the scheme of DPDK's rte_lpm6), a
 * root of 2^{@value #ROOT_BITS} entries for the first {@value #ROOT_BITS} bits, then groups of 256
 * entries, one per value of the next 8 bits. Each entry is the answer for all addresses below it or a
 * pointer to the next group ({@link FibEntry}), so a lookup is one load per level: 3 to reach a /32,
 * 5 to reach a /48. Next hops are 1..{@link #MAX_NEXT_HOP}, 0 means no route.
 *
 * <p>Why this shape, measured on the 160,147 routes of a 2023 full table (mostly /32../48), one
 * thread, random addresses inside routes: this 16-bit root takes 38,155 groups, 43 MB with the
 * pool's slack, and answers in about 35-45 ns (70-75 ns when each lookup waits for the previous
 * one). A 24-bit root saves a level but not time (same latency: the deep groups miss the cache
 * either way), costs 106 MB, and makes lookups outside the routes 20 times slower (a 64 MiB root
 * misses too). 4-bit strides below /32 cut memory to 7-13 MB but add levels, and were slower.
 * A group exists only under an entry with a longer prefix below it, and goes back to the pool when
 * the last such prefix goes.
 *
 * <p>Concurrency: one writer thread calls the updates; any number of threads look up at the same
 * time, without locks. Every address maps to exactly one entry and an int store is atomic, so a
 * lookup sees an entry before or after an update, never a mix. A new group is filled completely
 * before the release store that links it; a freed group is only retired, and reused after
 * {@link #reclaimGroups()}, which the owner calls once no lookup can still be in it. A RIB, a map per
 * length, keeps the routes off the fast path, so that a removal can put back whatever covers it.
 */
public final class Ipv6Fib {
    public static final int MAX_NEXT_HOP = FibEntry.MAX_NEXT_HOP;
    static final int ROOT_BITS = 16;
    private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(int[].class);
    /** A prefix up to /128 goes through at most this many groups. */
    private static final int MAX_LEVELS = (128 - ROOT_BITS) / FibEntry.GROUP_BITS;

    private final int[] root = new int[1 << ROOT_BITS];
    /** The groups end to end; replaced by a bigger copy when full. Read after the root entry. */
    private volatile int[] groups = new int[FibEntry.GROUP_SIZE * 64];
    private final GroupPool pool = new GroupPool();
    /** The routes, one map per length: prefix -> next hop. */
    private final PrefixMap[] rib = new PrefixMap[129];
    /** Writer's scratch: where the pointers to the groups a prefix goes through are, root first. */
    private final int[] path = new int[MAX_LEVELS];
    private int size;

    public Ipv6Fib() {
        for (int length = 0; length <= 128; length++) {
            rib[length] = new PrefixMap(true);
        }
    }

    /**
     * Loads {@code count} routes (prefix i is {@code highs[i]}, {@code lows[i]}, its length
     * {@code lengths[i] & 0xFF}, so 128 is {@code (byte) 128}) into a new table, shortest first: each
     * write then meets only leaves of shorter routes. A later duplicate of a prefix replaces an
     * earlier one, as {@link #add} would.
     *
     * @throws IllegalArgumentException for a bad route, naming its index
     */
    public static Ipv6Fib build(long[] highs, long[] lows, byte[] lengths, int[] nextHops, int count) {
        int[] byLength = new int[130];
        for (int i = 0; i < count; i++) {
            try {
                new Ipv6Prefix(highs[i], lows[i], lengths[i] & 0xFF);
                FibEntry.checkNextHop(nextHops[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("route " + i + ": " + e.getMessage(), e);
            }
            byLength[(lengths[i] & 0xFF) + 1]++;
        }
        for (int length = 1; length <= 129; length++) {
            byLength[length] += byLength[length - 1];
        }
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[byLength[lengths[i] & 0xFF]++] = i;
        }
        Ipv6Fib fib = new Ipv6Fib();
        for (int i : order) {
            fib.add(highs[i], lows[i], lengths[i] & 0xFF, nextHops[i]);
        }
        return fib;
    }

    /** The next hop of the longest prefix that covers the address, 0 if none does. */
    public int lookup(long high, long low) {
        // Acquire loads pair with the release stores that link groups: a plain load on x86, and the
        // groups array is read after the root entry.
        int entry = (int) ENTRIES.getAcquire(root, (int) (high >>> (64 - ROOT_BITS)));
        int[] g = groups;
        for (int shift = 56 - ROOT_BITS; entry < 0 && shift >= 0; shift -= 8) {
            entry = (int) ENTRIES.getAcquire(g, FibEntry.firstEntry(entry) | ((int) (high >>> shift) & 0xFF));
        }
        // Only addresses under a route longer than /64 get here; the last level (bits 120..127) holds
        // leaves only.
        for (int shift = 56; entry < 0; shift -= 8) {
            entry = (int) ENTRIES.getAcquire(g, FibEntry.firstEntry(entry) | ((int) (low >>> shift) & 0xFF));
        }
        return entry & MAX_NEXT_HOP;
    }

    /**
     * {@code results[i] = lookup(highs[i], lows[i])} for the first {@code n} addresses, a level at a
     * time: all the root entries, then the groups below those that point on, and so on. Each level's
     * loads are independent, so a vector's cache misses overlap instead of one chain of misses per
     * address. {@code pending} is the caller's scratch, at least {@code n} long.
     */
    public void lookupAll(long[] highs, long[] lows, int[] results, int[] pending, int n) {
        int[] r = root;
        for (int i = 0; i < n; i++) {
            results[i] = r[(int) (highs[i] >>> (64 - ROOT_BITS))];
        }
        // Orders the root loads before the load of the groups array and the groups (getAcquire in lookup).
        VarHandle.acquireFence();
        int[] g = groups;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (results[i] < 0) {
                pending[count++] = i;
            }
        }
        for (int start = ROOT_BITS; count > 0; start += 8) {
            // The level's loads first, with nothing that waits on them: each iteration's address comes
            // from the pending list and the previous level, never from this level's loads, so their
            // misses overlap. (Compacting the list in the same loop made each store's index wait for
            // the previous load, and on some machines that chained the misses again.)
            if (start < 64) {
                int shift = 56 - start;
                for (int k = 0; k < count; k++) {
                    int i = pending[k];
                    results[i] = g[FibEntry.firstEntry(results[i]) | ((int) (highs[i] >>> shift) & 0xFF)];
                }
            } else {
                int shift = 120 - start;
                for (int k = 0; k < count; k++) {
                    int i = pending[k];
                    results[i] = g[FibEntry.firstEntry(results[i]) | ((int) (lows[i] >>> shift) & 0xFF)];
                }
            }
            // Then the addresses that still point on: one more level.
            int kept = 0;
            for (int k = 0; k < count; k++) {
                int i = pending[k];
                pending[kept] = i;
                kept += results[i] >>> 31;
            }
            count = kept;
            VarHandle.acquireFence();
        }
        for (int i = 0; i < n; i++) {
            results[i] &= MAX_NEXT_HOP;
        }
    }

    /** Adds the route, or changes its next hop if present. */
    public void add(long high, long low, int length, int nextHop) {
        new Ipv6Prefix(high, low, length); // the record's checks, and its messages
        FibEntry.checkNextHop(nextHop);
        if (rib[length].put(high, low, nextHop) == 0) {
            size++;
        }
        write(high, low, length, FibEntry.leaf(length, nextHop));
    }

    /** Removes the route; its addresses go to the longest shorter prefix covering it, or to no route. */
    public boolean remove(long high, long low, int length) {
        new Ipv6Prefix(high, low, length);
        if (rib[length].remove(high, low) == 0) {
            return false;
        }
        size--;
        write(high, low, length, cover(high, low, length));
        collapse(high, low, length);
        return true;
    }

    /** Routes in the table. */
    public int size() {
        return size;
    }

    /** Bytes of the lookup structures (root and the whole group pool), without the RIB. */
    public long memoryBytes() {
        return 4L * root.length + 4L * groups.length;
    }

    /** Groups in use. */
    public int groups() {
        return pool.inUse();
    }

    /**
     * Makes retired groups reusable. Call only after a grace period longer than any lookup (the
     * control thread does, a second after a change): a reader may still be in a group just unlinked.
     */
    public void reclaimGroups() {
        pool.reclaim();
    }

    /**
     * Stores {@code leaf} into every entry under prefix/length that holds a route of at most
     * {@code length} bits, making the groups on the way down when missing.
     */
    private void write(long high, long low, int length, int leaf) {
        if (length <= ROOT_BITS) {
            int count = 1 << (ROOT_BITS - length);
            overwrite(root, (int) (high >>> (64 - ROOT_BITS)) & -count, count, length, leaf);
            return;
        }
        int first = group(true, (int) (high >>> (64 - ROOT_BITS)));
        int start = ROOT_BITS; // the group's first bit
        while (length > start + 8) {
            first = group(false, first + bitsAt(high, low, start));
            start += 8;
        }
        int count = 1 << (start + 8 - length);
        overwrite(groups, first + (bitsAt(high, low, start) & -count), count, length, leaf);
    }

    private void overwrite(int[] table, int first, int count, int length, int leaf) {
        int[] g = groups;
        for (int j = first; j < first + count; j++) {
            int entry = table[j];
            if (entry < 0) {
                overwrite(g, FibEntry.firstEntry(entry), FibEntry.GROUP_SIZE, length, leaf);
            } else if (FibEntry.length(entry) <= length) {
                ENTRIES.setRelease(table, j, leaf);
            }
        }
    }

    /** The first entry of the group the entry at {@code slot} points to, made from its leaf if none. */
    private int group(boolean inRoot, int slot) {
        int entry = inRoot ? root[slot] : groups[slot];
        if (entry < 0) {
            return FibEntry.firstEntry(entry);
        }
        int group = pool.allocate();
        int[] g = GroupPool.fit(groups, group);
        if (g != groups) {
            groups = g;
        }
        int first = group << FibEntry.GROUP_BITS;
        Arrays.fill(g, first, first + FibEntry.GROUP_SIZE, entry);
        ENTRIES.setRelease(inRoot ? root : g, slot, FibEntry.pointer(group));
        return first;
    }

    /**
     * After a removal, gives back the groups on the prefix's path, deepest first, that hold no
     * longer prefix any more: their 256 entries all came from one route that covers the whole group.
     */
    private void collapse(long high, long low, int length) {
        int levels = 0;
        int[] g = groups;
        int slot = (int) (high >>> (64 - ROOT_BITS));
        int entry = root[slot];
        for (int start = ROOT_BITS; length > start; start += 8) {
            path[levels++] = slot;
            slot = FibEntry.firstEntry(entry) + bitsAt(high, low, start);
            entry = g[slot];
        }
        for (int level = levels - 1; level >= 0; level--) {
            int[] parent = level == 0 ? root : g;
            int first = FibEntry.firstEntry(parent[path[level]]);
            int start = ROOT_BITS + 8 * level;
            for (int j = first; j < first + FibEntry.GROUP_SIZE; j++) {
                if (FibEntry.length(g[j]) > start) { // a pointer counts as longer than any prefix
                    return;
                }
            }
            ENTRIES.setRelease(parent, path[level], g[first]);
            pool.retire(first >>> FibEntry.GROUP_BITS);
        }
    }

    /** The leaf of the longest route shorter than prefix/length that covers it, 0 if none. */
    private int cover(long high, long low, int length) {
        for (int shorter = length - 1; shorter >= 0; shorter--) {
            int nextHop = rib[shorter].get(high & Ipv6Prefix.highMask(shorter), low & Ipv6Prefix.lowMask(shorter));
            if (nextHop != 0) {
                return FibEntry.leaf(shorter, nextHop);
            }
        }
        return 0;
    }

    /** The 8 address bits from bit {@code start} on (a multiple of 8). */
    private static int bitsAt(long high, long low, int start) {
        return (int) (start < 64 ? high >>> (56 - start) : low >>> (120 - start)) & 0xFF;
    }
}
