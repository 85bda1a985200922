package dev.junction.routing.fib;

/**
 * The 32-bit entry both tables are made of, as in DPDK's rte_lpm.
 *
 * <p>A leaf has bit 31 clear, the length of the prefix it came from in bits 23..30 and the next hop
 * in bits 0..22; 0 means no route. Keeping the length in the entry lets an update tell the entries a
 * route owns from those a longer route owns, without looking at the RIB.
 *
 * <p>A pointer has bit 31 set and a group number in bits 0..22. A group is 256 entries, one per value
 * of the next 8 address bits, and {@code pointer << 8} is the index of its first entry (the shift
 * also drops the flag), which keeps the lookup to a shift, an or and a load per level.
 */
final class FibEntry {
    static final int GROUP_BITS = 8;
    static final int GROUP_SIZE = 1 << GROUP_BITS;
    static final int MAX_NEXT_HOP = (1 << 23) - 1;
    /** Groups a table can have: {@code group << 8} must stay a valid index of one int[]. */
    static final int MAX_GROUPS = (1 << 23) - 1;

    private FibEntry() {
    }

    static int leaf(int length, int nextHop) {
        return length << 23 | nextHop;
    }

    static int pointer(int group) {
        return Integer.MIN_VALUE | group;
    }

    /** The prefix length of a leaf; 256 or more for a pointer, which is longer than any prefix. */
    static int length(int entry) {
        return entry >>> 23;
    }

    static int nextHop(int leaf) {
        return leaf & MAX_NEXT_HOP;
    }

    /** Index of the first entry of the group a pointer names. */
    static int firstEntry(int pointer) {
        return pointer << GROUP_BITS;
    }

    static void checkNextHop(int nextHop) {
        if (nextHop < 1 || nextHop > MAX_NEXT_HOP) {
            throw new IllegalArgumentException("next hop " + nextHop + " is out of range 1.." + MAX_NEXT_HOP);
        }
    }
}
