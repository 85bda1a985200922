package dev.junction.l2.bridge;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Every domain's MACs in one open-addressing table (linear probing) of fixed capacity: key
 * {@code domain << 48 | mac}, value the port's interface index with flags, and the tick a frame
 * from the MAC was last seen. Key and value sit side by side in one array, so that a lookup
 * touches one cache line, not two.
 *
 * <p>One writer, any number of readers, no locks: only the {@link MacLearner} thread adds, moves and
 * deletes; workers look up with acquire reads and refresh {@link #seen} with plain stores (a lost
 * refresh only ages an entry a tick early). The writer publishes a value before its key, and never
 * reuses a deleted slot (a tombstone) in place: a reader that matched a key can only read that key's
 * value or a cleared one, never another MAC's port. Tombstones go when the writer copies the table
 * into a fresh one ({@link #copyInto}) and publishes that.
 */
public final class MacTable {
    static final long EMPTY = 0;
    static final long TOMBSTONE = -1;
    static final long VALID = 1L << 32;
    static final long STATIC = 1L << 33;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Slot i's key at {@code 2i}, its value at {@code 2i + 1}. */
    private final long[] slots;
    final int[] seen;
    final int mask;
    /** Live entries and tombstones: the writer's bookkeeping. */
    int live;
    int tombstones;

    /** A table for at least {@code entries} live MACs, at most half full. */
    MacTable(int entries) {
        int cap = Integer.highestOneBit(Math.max(64, entries) * 2 - 1) << 1;
        slots = new long[cap * 2];
        seen = new int[cap];
        mask = cap - 1;
    }

    public int capacity() {
        return seen.length;
    }

    /** Slot {@code i}'s key (plain read: the writer's own, or a scan that tolerates a stale one). */
    long keyAt(int i) {
        return slots[2 * i];
    }

    /** Slot {@code i}'s value (plain read, as {@link #keyAt}). */
    long valueAt(int i) {
        return slots[2 * i + 1];
    }

    static long key(int domain, long mac) {
        return ((long) domain << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    static int domainOf(long key) {
        return (int) (key >>> 48);
    }

    static long macOf(long key) {
        return key & 0xFFFF_FFFF_FFFFL;
    }

    static int port(long value) {
        return (int) value;
    }

    private static int home(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 29));
    }

    /**
     * The slot whose key is {@code key}, whatever its value (read it once with {@link #value} and
     * check {@link #VALID}), or -1. Any thread: the fast path's form, one read of the value.
     */
    int slot(long key) {
        int i = home(key) & mask;
        while (true) {
            long k = (long) LONGS.getAcquire(slots, 2 * i);
            if (k == key) {
                return i;
            }
            if (k == EMPTY) {
                return -1;
            }
            i = (i + 1) & mask;
        }
    }

    /** The slot holding {@code key} with a valid value, or -1. Any thread. */
    int find(long key) {
        int i = home(key) & mask;
        while (true) {
            long k = (long) LONGS.getAcquire(slots, 2 * i);
            if (k == key) {
                return ((long) LONGS.getAcquire(slots, 2 * i + 1) & VALID) != 0 ? i : -1;
            }
            if (k == EMPTY) {
                return -1;
            }
            i = (i + 1) & mask;
        }
    }

    /** The value at {@code slot} (0 once deleted). Any thread. */
    long value(int slot) {
        return (long) LONGS.getAcquire(slots, 2 * slot + 1);
    }

    // ---- the writer's side ----

    /** Whether one more entry keeps the table at most three quarters full, tombstones counted. */
    boolean hasRoom() {
        return live + tombstones + 1 <= capacity() - (capacity() >>> 2);
    }

    /** Adds {@code key} (not present: {@link #find} said so) at the first empty slot. Writer only. */
    int insert(long key, long value, int tick) {
        int i = home(key) & mask;
        while (slots[2 * i] != EMPTY) {
            i = (i + 1) & mask;
        }
        seen[i] = tick;
        LONGS.setRelease(slots, 2 * i + 1, value);
        LONGS.setRelease(slots, 2 * i, key);
        live++;
        return i;
    }

    /** Changes a live entry's value in place (a move). Writer only. */
    void update(int slot, long value) {
        LONGS.setRelease(slots, 2 * slot + 1, value);
    }

    /** Deletes the entry at {@code slot}: value cleared first, then the key becomes a tombstone. Writer only. */
    void delete(int slot) {
        LONGS.setRelease(slots, 2 * slot + 1, 0L);
        LONGS.setRelease(slots, 2 * slot, TOMBSTONE);
        live--;
        tombstones++;
    }

    /** Copies every live entry into {@code to} (fresh), dropping tombstones. Writer only. */
    void copyInto(MacTable to) {
        for (int i = 0; i < capacity(); i++) {
            long k = keyAt(i);
            if (k != EMPTY && k != TOMBSTONE && (valueAt(i) & VALID) != 0) {
                to.insert(k, valueAt(i), seen[i]);
            }
        }
    }

    /** Whether slot {@code i} holds a live entry (for scans). */
    boolean isLive(int i) {
        long k = keyAt(i);
        return k != EMPTY && k != TOMBSTONE && (valueAt(i) & VALID) != 0;
    }
}
