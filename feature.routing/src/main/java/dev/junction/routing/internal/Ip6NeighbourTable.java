package dev.junction.routing.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * IPv6 neighbours (the neighbour cache of RFC 4861) keyed by (interface, address): open addressing in
 * preallocated arrays, written by any worker that learns from a neighbour solicitation or
 * advertisement and read by every worker that rewrites a packet, with no lock and no allocation.
 *
 * <p>A key is three words, so an empty slot is claimed by a CAS of its state word (empty to claimed),
 * filled, then published (ready) with a release store; it stays ready for good. Expired slots are
 * re-keyed for new neighbours, or hosts coming and going would fill every probe window for good. A
 * ready slot's MAC word (MAC, a generation, FILLED, VALID) is then its seqlock version: a worker
 * re-keys an expired slot by a CAS of the word it saw to 0, writes the three key fields, then
 * publishes the new MAC with the next generation. A reader compares the key fields between two reads
 * of the word and trusts the MAC only if the word is unchanged; a writer's CAS from the word it read
 * before comparing does the same. A slot that goes ready, re-keyed, ready again under a reader thus
 * shows it a new generation (ABA would take 16,384 re-keys of the slot while the reader stalls), and a
 * reader that loses a race returns -1, "unknown, ask again". Two workers learning the same new
 * neighbour at once may place it twice; lookups and updates use the first, and the other expires.
 */
public final class Ip6NeighbourTable {
    public static final int CAPACITY = 1 << 15;
    private static final int PROBES = 32;
    /** Rescans a learn makes after losing a slot to another worker before it reports the table full. */
    private static final int ATTEMPTS = 8;
    private static final int EMPTY = 0, CLAIMED = 1, READY = 2;
    private static final long MAC = (1L << 48) - 1;
    /** Bits 48-61, one more at each re-key of the slot. */
    private static final long GENERATION = ((1L << 14) - 1) << 48;
    private static final long NEXT_GENERATION = 1L << 48;
    /** In every word that holds a MAC; a word of 0 belongs to the worker keying the slot. */
    private static final long FILLED = 1L << 62;
    /** Set in a stored MAC while the entry is valid; {@link #expire} clears it. */
    private static final long VALID = 1L << 63;
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private final int[] state = new int[CAPACITY];
    private final int[] ifIndexes = new int[CAPACITY];
    private final long[] highs = new long[CAPACITY];
    private final long[] lows = new long[CAPACITY];
    private final long[] macs = new long[CAPACITY];
    private final long[] updated = new long[CAPACITY];

    /** The home slot of a key (package-private for tests that need keys in one window). */
    static int slot(int ifIndex, long high, long low) {
        long h = (high * 0x9E37_79B9_7F4A_7C15L) ^ (low * 0xC2B2_AE3D_27D4_EB4FL) ^ ifIndex;
        h *= 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & (CAPACITY - 1);
    }

    /**
     * Whether slot {@code s} holds the key, read between two reads of its word: opaque loads, as a
     * re-keyer may be writing them, which the second read of the word (after an acquire fence) catches.
     */
    private boolean matches(int s, int ifIndex, long high, long low) {
        return (int) INTS.getOpaque(ifIndexes, s) == ifIndex && (long) LONGS.getOpaque(highs, s) == high
                && (long) LONGS.getOpaque(lows, s) == low;
    }

    /** The MAC of the address on {@code ifIndex}, or -1 when unknown. */
    public long lookup(int ifIndex, long high, long low) {
        int s = slot(ifIndex, high, low);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
            int st = (int) INTS.getAcquire(state, s);
            if (st == EMPTY) {
                return -1;
            }
            if (st != READY) {
                continue;
            }
            long word = (long) LONGS.getAcquire(macs, s);
            if ((word & FILLED) != 0 && matches(s, ifIndex, high, low)) {
                // The key loads complete before the word is read again: unchanged, no re-key came between.
                VarHandle.acquireFence();
                return (word & VALID) != 0 && (long) LONGS.getAcquire(macs, s) == word ? word & MAC : -1;
            }
        }
        return -1;
    }

    /** Learns or refreshes a neighbour; returns false when the table has no room near its slot. */
    public boolean learn(int ifIndex, long high, long low, long mac, long nowNanos) {
        long value = mac & MAC;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int s = slot(ifIndex, high, low);
            int expired = -1;
            long expiredWord = 0;
            boolean empty = false;
            for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
                int st = (int) INTS.getAcquire(state, s);
                if (st == EMPTY) {
                    empty = true;
                    break;
                }
                if (st != READY) {
                    continue;
                }
                long word = (long) LONGS.getAcquire(macs, s);
                if (update(s, ifIndex, high, low, value, nowNanos)) {
                    return true;
                }
                if (expired < 0 && (word & (FILLED | VALID)) == FILLED) {
                    expired = s;
                    expiredWord = word;
                }
            }
            // As NeighbourTable.learn: the key is searched for up to the first empty slot, then the first
            // expired slot met is taken before that empty one, to keep probe chains short.
            if (expired >= 0) {
                if (rekey(expired, expiredWord, ifIndex, high, low, value, nowNanos)) {
                    return true;
                }
            } else if (!empty) {
                return false;
            } else if (INTS.compareAndSet(state, s, EMPTY, CLAIMED)) {
                ifIndexes[s] = ifIndex;
                highs[s] = high;
                lows[s] = low;
                updated[s] = nowNanos;
                macs[s] = FILLED | VALID | value;
                INTS.setRelease(state, s, READY);
                return true;
            }
            // Another worker took the slot first, perhaps for this very neighbour: look again.
        }
        return false;
    }

    /** Refreshes a neighbour the table has, makes none (as NeighbourTable.refresh); returns whether it was there. */
    public boolean refresh(int ifIndex, long high, long low, long mac, long nowNanos) {
        long value = mac & MAC;
        int s = slot(ifIndex, high, low);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
            int st = (int) INTS.getAcquire(state, s);
            if (st == EMPTY) {
                return false;
            }
            if (st == READY && update(s, ifIndex, high, low, value, nowNanos)) {
                return true;
            }
        }
        return false;
    }

    /** Writes {@code value} as the key's MAC if ready slot {@code s} holds the key; false when it does not (any more). */
    private boolean update(int s, int ifIndex, long high, long low, long value, long nowNanos) {
        while (true) {
            long word = (long) LONGS.getAcquire(macs, s);
            if ((word & FILLED) == 0 || !matches(s, ifIndex, high, low)) {
                return false;
            }
            VarHandle.acquireFence();
            // Time first, as in NeighbourTable.update: a time that lands on a re-keyed slot only
            // changes when its new neighbour expires.
            LONGS.setRelease(updated, s, nowNanos);
            // Succeeds only if the word read before the key is still there: the slot is still the key's.
            if (LONGS.compareAndSet(macs, s, word, (word & GENERATION) | FILLED | VALID | value)) {
                return true;
            }
        }
    }

    /** Takes expired slot {@code s} for the key if its word is still {@code expiredWord}. */
    private boolean rekey(int s, long expiredWord, int ifIndex, long high, long low, long value, long nowNanos) {
        // One CAS decides among re-keyers, a refresh of the old neighbour (which revives it) and
        // expire; from here on no one else writes the slot, and no one reads it as a match.
        if (!LONGS.compareAndSet(macs, s, expiredWord, 0L)) {
            return false;
        }
        // Seqlock writer: the word at 0 is ordered before the key stores, so that a reader whose loads
        // see any of them (then its acquire fence) reads the word again as 0 or later, never as before.
        VarHandle.releaseFence();
        INTS.setOpaque(ifIndexes, s, ifIndex);
        LONGS.setOpaque(highs, s, high);
        LONGS.setOpaque(lows, s, low);
        LONGS.setOpaque(updated, s, nowNanos);
        long generation = (expiredWord + NEXT_GENERATION) & GENERATION;
        LONGS.setRelease(macs, s, generation | FILLED | VALID | value);
        return true;
    }

    /** Forgets neighbours not heard from since {@code cutoffNanos} (as NeighbourTable.expire). */
    public int expire(long cutoffNanos) {
        int n = 0;
        for (int s = 0; s < CAPACITY; s++) {
            if ((int) INTS.getAcquire(state, s) != READY) {
                continue;
            }
            long word = (long) LONGS.getAcquire(macs, s);
            // A learn or re-key racing with this changes the word, and the CAS fails.
            if ((word & VALID) != 0 && (long) LONGS.getAcquire(updated, s) - cutoffNanos < 0
                    && LONGS.compareAndSet(macs, s, word, word & ~VALID)) {
                n++;
            }
        }
        return n;
    }

    /** Calls {@code visitor} for each known neighbour (control path, for the shell). */
    public void forEach(Visitor visitor) {
        for (int s = 0; s < CAPACITY; s++) {
            if ((int) INTS.getAcquire(state, s) != READY) {
                continue;
            }
            long word = (long) LONGS.getAcquire(macs, s);
            if ((word & VALID) == 0) {
                continue;
            }
            int ifIndex = (int) INTS.getOpaque(ifIndexes, s);
            long high = (long) LONGS.getOpaque(highs, s);
            long low = (long) LONGS.getOpaque(lows, s);
            long time = (long) LONGS.getOpaque(updated, s);
            VarHandle.acquireFence();
            // As lookup: an entry re-keyed while being read is left out, never shown half old, half new.
            if ((long) LONGS.getAcquire(macs, s) == word) {
                visitor.visit(ifIndex, high, low, word & MAC, time);
            }
        }
    }

    /** A neighbour as {@link #forEach} reports it. */
    public interface Visitor {
        void visit(int ifIndex, long high, long low, long mac, long updatedNanos);
    }
}
