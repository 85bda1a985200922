package dev.junction.routing.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * IPv4 longest-prefix match, DIR-24-8: one array entry per /24 (a result, or the number of a group of
 * 256 entries for the /24s that hold longer prefixes), so a lookup is one or two array reads. A RIB
 * of the routes themselves (off the fast path) lets a removal restore whatever covers the removed
 * prefix. Each entry keeps the length of the prefix it came from, so an update only overwrites
 * entries of an equal or shorter prefix.
 *
 * <p>One writer (the control thread), any number of readers (workers), no lock: a reader sees each
 * entry either before or after an update. A group is filled completely before the /24 entry that
 * points to it is published with a release store, which readers load with acquire (a plain load on
 * x86).
 */
public final class Dir24Fib implements Ipv4Lookup {
    private static final int EXT = 1 << 31;
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private final int[] tbl24 = new int[1 << 24];
    private final byte[] depth24 = new byte[1 << 24];
    private int[] tbl8 = new int[256 * 256];
    private byte[] depth8 = new byte[256 * 256];
    private int groups;
    private int[] freeGroups = new int[16];
    private int freeCount;
    /** Groups given back, with when: reused only after {@link #GRACE_NS}, see {@link #collapse}. */
    private final java.util.ArrayDeque<long[]> retired = new java.util.ArrayDeque<>();
    private static final long GRACE_NS = 1_000_000_000L;
    /** The routes: (prefix << 6 | length) -> result. */
    private final Map<Long, Integer> rib = new HashMap<>();

    private static long key(int prefix, int len) {
        return ((prefix & 0xFFFF_FFFFL) << 6) | len;
    }

    private static int mask(int len) {
        return len == 0 ? 0 : -1 << (32 - len);
    }

    /** The result (>= 1) of the longest prefix covering {@code address}, 0 when none does. */
    @Override
    public int lookup(int address) {
        // Acquire: a group number seen here comes with the group's contents (and a grown tbl8).
        int e = (int) INTS.getAcquire(tbl24, address >>> 8);
        if ((e & EXT) != 0) {
            e = tbl8[((e & ~EXT) << 8) | (address & 0xFF)];
        }
        return e;
    }

    /**
     * All the /24 entries first, then the groups: the first loop is nothing but independent loads, so
     * the misses of a whole vector overlap, where one lookup at a time would wait on a branch that
     * depends on each miss.
     */
    @Override
    public void lookupAll(int[] addresses, int[] results, int n) {
        int[] t24 = tbl24;
        for (int i = 0; i < n; i++) {
            results[i] = t24[addresses[i] >>> 8];
        }
        // Orders the loads above before those below, as getAcquire does in lookup().
        VarHandle.acquireFence();
        int[] t8 = tbl8;
        for (int i = 0; i < n; i++) {
            int e = results[i];
            if ((e & EXT) != 0) {
                results[i] = t8[((e & ~EXT) << 8) | (addresses[i] & 0xFF)];
            }
        }
    }

    @Override
    public int size() {
        return rib.size();
    }

    @Override
    public long memoryBytes() {
        return tbl24.length * 5L + tbl8.length * 5L;
    }

    /** Adds or replaces {@code prefix/len} with {@code result} (1 .. 2^31-1). */
    @Override
    public void add(int prefix, int len, int result) {
        if (len < 0 || len > 32 || result <= 0 || (prefix & ~mask(len)) != 0) {
            throw new IllegalArgumentException("bad route " + prefix + "/" + len + " -> " + result);
        }
        rib.put(key(prefix, len), result);
        write(prefix, len, result, len, len);
    }

    /** Removes {@code prefix/len}; what covers it (a shorter route, or nothing) takes its place. */
    @Override
    public boolean remove(int prefix, int len) {
        if (rib.remove(key(prefix, len)) == null) {
            return false;
        }
        int coverResult = 0;
        int coverLen = 0;
        for (int l = len - 1; l >= 0; l--) {
            Integer r = rib.get(key(prefix & mask(l), l));
            if (r != null) {
                coverResult = r;
                coverLen = l;
                break;
            }
        }
        // Entries that came from this prefix (depth == len) go back to the cover.
        rewrite(prefix, len, coverResult, coverLen);
        if (len > 24) {
            collapse(prefix >>> 8);
        }
        return true;
    }

    /** Sets entries of [prefix/len] whose depth is at most {@code maxDepth} to (result, depth). */
    private void write(int prefix, int len, int result, int depth, int maxDepth) {
        if (len <= 24) {
            int first = prefix >>> 8;
            int count = 1 << (24 - len);
            for (int i = first; i < first + count; i++) {
                int e = tbl24[i];
                if ((e & EXT) != 0) {
                    int g = (e & ~EXT) << 8;
                    for (int j = g; j < g + 256; j++) {
                        if (depth8[j] <= maxDepth) {
                            depth8[j] = (byte) depth;
                            INTS.setRelease(tbl8, j, result);
                        }
                    }
                } else if (depth24[i] <= maxDepth) {
                    depth24[i] = (byte) depth;
                    INTS.setRelease(tbl24, i, result);
                }
            }
        } else {
            int i = prefix >>> 8;
            int g = groupFor(i) << 8;
            int first = g + (prefix & 0xFF);
            for (int j = first; j < first + (1 << (32 - len)); j++) {
                if (depth8[j] <= maxDepth) {
                    depth8[j] = (byte) depth;
                    INTS.setRelease(tbl8, j, result);
                }
            }
        }
    }

    /** Like {@link #write} but only for entries whose depth is exactly {@code len} (they came from it). */
    private void rewrite(int prefix, int len, int result, int depth) {
        if (len <= 24) {
            int first = prefix >>> 8;
            for (int i = first; i < first + (1 << (24 - len)); i++) {
                int e = tbl24[i];
                if ((e & EXT) != 0) {
                    int g = (e & ~EXT) << 8;
                    for (int j = g; j < g + 256; j++) {
                        if (depth8[j] == len) {
                            depth8[j] = (byte) depth;
                            INTS.setRelease(tbl8, j, result);
                        }
                    }
                } else if (depth24[i] == len) {
                    depth24[i] = (byte) depth;
                    INTS.setRelease(tbl24, i, result);
                }
            }
        } else {
            int e = tbl24[prefix >>> 8];
            int g = (e & ~EXT) << 8;
            int first = g + (prefix & 0xFF);
            for (int j = first; j < first + (1 << (32 - len)); j++) {
                if (depth8[j] == len) {
                    depth8[j] = (byte) depth;
                    INTS.setRelease(tbl8, j, result);
                }
            }
        }
    }

    /** The group of /24 entry {@code i}, made (filled with the entry's current result) when it has none. */
    private int groupFor(int i) {
        int e = tbl24[i];
        if ((e & EXT) != 0) {
            return e & ~EXT;
        }
        long now = System.nanoTime();
        while (!retired.isEmpty() && now - retired.peekFirst()[1] > GRACE_NS) {
            if (freeCount == freeGroups.length) {
                freeGroups = Arrays.copyOf(freeGroups, freeCount * 2);
            }
            freeGroups[freeCount++] = (int) retired.pollFirst()[0];
        }
        int g = freeCount > 0 ? freeGroups[--freeCount] : groups++;
        if ((g + 1) * 256 > tbl8.length) {
            // Grow by copying: readers keep the old array until they load the new reference; entries
            // they can reach in it are the same (the new group is not published yet).
            tbl8 = Arrays.copyOf(tbl8, tbl8.length * 2);
            depth8 = Arrays.copyOf(depth8, depth8.length * 2);
        }
        int base = g << 8;
        Arrays.fill(tbl8, base, base + 256, e);
        Arrays.fill(depth8, base, base + 256, depth24[i]);
        VarHandle.releaseFence();
        INTS.setRelease(tbl24, i, EXT | g);
        return g;
    }

    /** Gives a group back when no prefix longer than /24 is left in it. */
    private void collapse(int i) {
        int e = tbl24[i];
        if ((e & EXT) == 0) {
            return;
        }
        int g = (e & ~EXT) << 8;
        for (int j = g; j < g + 256; j++) {
            if (depth8[j] > 24) {
                return;
            }
        }
        depth24[i] = depth8[g];
        INTS.setRelease(tbl24, i, tbl8[g]);
        // A worker that loaded the old /24 entry just before may still read this group: it is reused
        // only after a grace period far longer than a lookup (one second).
        retired.add(new long[] {e & ~EXT, System.nanoTime()});
    }
}
