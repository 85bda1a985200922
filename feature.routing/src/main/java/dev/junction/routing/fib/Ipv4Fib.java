package dev.junction.routing.fib;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * IPv4 longest-prefix match, DIR-24-8 (the scheme of DPDK's rte_lpm): one entry per /24, either the
 * answer for all of its addresses or a pointer to a group of 256 entries, one per address, for the
 * /24s that hold a longer prefix. A lookup is one load, or two for those /24s. Entries are
 * {@link FibEntry} leaves and pointers; next hops are 1..{@link #MAX_NEXT_HOP}, 0 means no route.
 *
 * <p>Memory: 64 MiB for the /24 entries, plus 1 KiB per group in use (the pool grows by half when
 * full). A RIB, a hash map per length, keeps the routes off the fast path, so that a removal can
 * put back whatever covers the removed prefix. On a 2023 full table (901,899 routes, 961 longer
 * than /24): 451 groups, 67.6 MB, built in 0.1-0.3 s, plus 21.6 MB of RIB; a lookup of a random
 * address costs 9-15 ns when lookups overlap, 40-50 ns when each waits for the previous one
 * (the /24 entries are too big for the caches; transparent huge pages take off 1-3 ns).
 *
 * <p>Concurrency: one writer thread calls the updates; any number of threads call {@link #lookup}
 * at the same time, without locks. Every address maps to exactly one entry and an int store is
 * atomic, so a lookup sees an entry before or after an update, never a mix. A new group is filled
 * completely before the release store that links it; a freed group is only retired, see
 * {@link #reclaimGroups()}. A table made by {@link #build} must reach readers through a volatile
 * field or another safe publication.
 */
public final class Ipv4Fib {
    public static final int MAX_NEXT_HOP = FibEntry.MAX_NEXT_HOP;
    private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(int[].class);

    private final int[] tbl24 = new int[1 << 24];
    /** The groups end to end; replaced by a bigger copy when full. Read after the /24 entry. */
    private volatile int[] tbl8 = new int[FibEntry.GROUP_SIZE * 64];
    private final GroupPool pool = new GroupPool();
    /** The routes, one map per length: prefix -> next hop. */
    private final PrefixMap[] rib = new PrefixMap[33];
    private int size;

    public Ipv4Fib() {
        for (int length = 0; length <= 32; length++) {
            rib[length] = new PrefixMap(false);
        }
    }

    /**
     * Loads {@code count} routes at once into a new table: sorted by length, each route only covers
     * shorter ones, so its range is filled without looking at what it holds. A later duplicate of a
     * prefix replaces an earlier one, as {@link #add} would.
     *
     * @throws IllegalArgumentException for a bad route, naming its index
     */
    public static Ipv4Fib build(int[] prefixes, byte[] lengths, int[] nextHops, int count) {
        int[] byLength = new int[34];
        for (int i = 0; i < count; i++) {
            try {
                check(prefixes[i], lengths[i]);
                FibEntry.checkNextHop(nextHops[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("route " + i + ": " + e.getMessage(), e);
            }
            byLength[lengths[i] + 1]++;
        }
        for (int length = 1; length <= 33; length++) {
            byLength[length] += byLength[length - 1];
        }
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[byLength[lengths[i]]++] = i;
        }
        Ipv4Fib fib = new Ipv4Fib();
        for (int i : order) {
            int prefix = prefixes[i];
            int length = lengths[i];
            if (fib.rib[length].put(prefix, 0, nextHops[i]) == 0) {
                fib.size++;
            }
            int leaf = FibEntry.leaf(length, nextHops[i]);
            if (length <= 24) {
                Arrays.fill(fib.tbl24, prefix >>> 8, (prefix >>> 8) + (1 << (24 - length)), leaf);
            } else {
                int first = fib.group(prefix >>> 8) + (prefix & 0xFF);
                Arrays.fill(fib.tbl8, first, first + (1 << (32 - length)), leaf);
            }
        }
        return fib;
    }

    /** The next hop of the longest prefix that covers {@code address}, 0 if none does. */
    public int lookup(int address) {
        // Acquire pairs with the release store that linked a group, so its entries and a grown
        // tbl8 are seen. On x86 it is a plain load (measured: no cost) that the JIT may not move
        // the group load above; on ARM it is an ldar.
        int entry = (int) ENTRIES.getAcquire(tbl24, address >>> 8);
        if (entry < 0) {
            entry = tbl8[FibEntry.firstEntry(entry) | (address & 0xFF)];
        }
        return entry & MAX_NEXT_HOP;
    }

    /** Adds the route, or changes its next hop if present. */
    public void add(int prefix, int length, int nextHop) {
        check(prefix, length);
        FibEntry.checkNextHop(nextHop);
        if (rib[length].put(prefix, 0, nextHop) == 0) {
            size++;
        }
        write(prefix, length, FibEntry.leaf(length, nextHop));
    }

    /** Removes the route; its addresses go to the longest shorter prefix covering it, or to no route. */
    public boolean remove(int prefix, int length) {
        check(prefix, length);
        if (rib[length].remove(prefix, 0) == 0) {
            return false;
        }
        size--;
        write(prefix, length, cover(prefix, length));
        if (length > 24) {
            collapse(prefix >>> 8);
        }
        return true;
    }

    /** Routes in the table. */
    public int size() {
        return size;
    }

    /** Bytes of the lookup structures (/24 entries and the whole group pool), without the RIB. */
    public long memoryBytes() {
        return 4L * tbl24.length + 4L * tbl8.length;
    }

    /** Groups in use, one per /24 holding a prefix longer than /24. */
    public int groups() {
        return pool.inUse();
    }

    /**
     * Lets new groups reuse those freed before this call. Call it only after a grace period: when
     * every lookup that was running at the last removal has returned (in Junction, once every worker
     * has announced a new epoch). Until then freed groups stay untouched, so a reader that loaded a
     * pointer to one still finds the answer it had before the removal.
     */
    public void reclaimGroups() {
        pool.reclaim();
    }

    /**
     * Stores {@code leaf} into every entry of prefix/length that holds a route of at most
     * {@code length} bits: on add, the route's own leaf (a longer route keeps its entries); on
     * removal, the cover's leaf (all entries there came from the removed route or longer ones).
     */
    private void write(int prefix, int length, int leaf) {
        if (length <= 24) {
            int[] groups = tbl8;
            for (int i = prefix >>> 8, end = i + (1 << (24 - length)); i < end; i++) {
                int entry = tbl24[i];
                if (entry < 0) {
                    overwrite(groups, FibEntry.firstEntry(entry), FibEntry.GROUP_SIZE, length, leaf);
                } else if (FibEntry.length(entry) <= length) {
                    ENTRIES.setRelease(tbl24, i, leaf);
                }
            }
        } else {
            int first = group(prefix >>> 8) + (prefix & 0xFF);
            overwrite(tbl8, first, 1 << (32 - length), length, leaf);
        }
    }

    private static void overwrite(int[] groups, int first, int count, int length, int leaf) {
        for (int j = first; j < first + count; j++) {
            if (FibEntry.length(groups[j]) <= length) {
                ENTRIES.setRelease(groups, j, leaf);
            }
        }
    }

    /** The first entry of the group of /24 number {@code i}, made from its leaf if it has none. */
    private int group(int i) {
        int entry = tbl24[i];
        if (entry < 0) {
            return FibEntry.firstEntry(entry);
        }
        int group = pool.allocate();
        int[] groups = GroupPool.fit(tbl8, group);
        if (groups != tbl8) {
            tbl8 = groups;
        }
        int first = group << FibEntry.GROUP_BITS;
        Arrays.fill(groups, first, first + FibEntry.GROUP_SIZE, entry);
        ENTRIES.setRelease(tbl24, i, FibEntry.pointer(group));
        return first;
    }

    /** Gives back the group of /24 number {@code i} when no prefix longer than /24 is left in it. */
    private void collapse(int i) {
        int[] groups = tbl8;
        int first = FibEntry.firstEntry(tbl24[i]);
        for (int j = first; j < first + FibEntry.GROUP_SIZE; j++) {
            if (FibEntry.length(groups[j]) > 24) {
                return;
            }
        }
        // All 256 entries now hold the same leaf, from a route of at most 24 bits.
        ENTRIES.setRelease(tbl24, i, groups[first]);
        pool.retire(first >>> FibEntry.GROUP_BITS);
    }

    /** The leaf of the longest route shorter than prefix/length that covers it, 0 if none. */
    private int cover(int prefix, int length) {
        for (int shorter = length - 1; shorter >= 0; shorter--) {
            int nextHop = rib[shorter].get(prefix & Ipv4Prefix.mask(shorter), 0);
            if (nextHop != 0) {
                return FibEntry.leaf(shorter, nextHop);
            }
        }
        return 0;
    }

    private static void check(int prefix, int length) {
        new Ipv4Prefix(prefix, length); // the record's checks, and its messages
    }
}
