package dev.junction.routing.fib;

import java.util.Arrays;

/**
 * Numbers of the 256-entry groups a table keeps end to end in one {@code int[]}, and that array's
 * growth. Control path only (the table's single writer).
 *
 * <p>A freed group is not reused at once: a reader may have loaded the pointer to it just before it
 * was unlinked and still be about to read it. It is retired, and becomes free only when the writer
 * calls {@link #reclaim()} after a grace period (every reader has finished the lookups it had begun).
 */
final class GroupPool {
    private int reserved;
    private int[] free = new int[16];
    private int freeCount;
    private int[] retired = new int[16];
    private int retiredCount;

    /** A group number: a free one if there is, else a new one (which {@link #fit} makes room for). */
    int allocate() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (reserved == FibEntry.MAX_GROUPS) {
            throw new IllegalStateException("no more than " + FibEntry.MAX_GROUPS + " groups");
        }
        return reserved++;
    }

    void retire(int group) {
        if (retiredCount == retired.length) {
            retired = Arrays.copyOf(retired, retiredCount * 2);
        }
        retired[retiredCount++] = group;
    }

    /** Frees the groups retired so far. */
    void reclaim() {
        if (freeCount + retiredCount > free.length) {
            free = Arrays.copyOf(free, Math.max(free.length * 2, freeCount + retiredCount));
        }
        System.arraycopy(retired, 0, free, freeCount, retiredCount);
        freeCount += retiredCount;
        retiredCount = 0;
    }

    /** Groups holding entries of the table (neither free nor retired). */
    int inUse() {
        return reserved - freeCount - retiredCount;
    }

    /**
     * {@code groups} itself if group number {@code group} fits in it, else a copy half as big again.
     * Readers still on the old array see the table as it was: the writer only changes the new one.
     */
    static int[] fit(int[] groups, int group) {
        long needed = (long) (group + 1) << FibEntry.GROUP_BITS;
        if (needed <= groups.length) {
            return groups;
        }
        long grown = Math.max(needed, groups.length + ((long) groups.length >> 1));
        return Arrays.copyOf(groups, (int) Math.min(grown, (long) FibEntry.MAX_GROUPS << FibEntry.GROUP_BITS));
    }
}
