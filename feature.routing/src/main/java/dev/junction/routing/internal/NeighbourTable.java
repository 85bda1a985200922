package dev.junction.routing.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * IPv4 neighbours (ARP cache) keyed by (interface, address): open addressing in preallocated arrays,
 * written by any worker that learns from an ARP packet and read by every worker that rewrites a
 * packet, with no lock and no allocation.
 *
 * <p>An empty slot is claimed by a CAS on its key. Expired slots are re-keyed for new neighbours, or
 * hosts coming and going over months would fill every probe window for good. Each slot's MAC word
 * (MAC, a generation, FILLED, VALID) is therefore its version: a worker re-keys an expired slot by a
 * CAS of the word it saw to 0 (which no one else matches, refreshes, expires or takes), writes the
 * key, then publishes the new MAC with the next generation. Everyone else reads the word, then the
 * key, then checks the word is unchanged (readers by reading it again, writers by their CAS), so a
 * word's MAC is never taken for, or written into, a key it does not belong to. A reader that loses a
 * race returns -1, "unknown, ask again". Two workers learning the same new neighbour at once may
 * place it twice; lookups and updates use the first, and the other expires and is reused.
 */
public final class NeighbourTable {
    public static final int CAPACITY = 1 << 16;
    private static final int PROBES = 32;
    /** Rescans a learn makes after losing a slot to another worker before it reports the table full. */
    private static final int ATTEMPTS = 8;
    private static final long EMPTY = 0;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long MAC = (1L << 48) - 1;
    /**
     * Bits 48-61, one more at each re-key. Only a reader stalled across 16,384 re-keys of one slot
     * (each needing its own expiry, a second apart) could mistake one neighbour's word for another's.
     */
    private static final long GENERATION = ((1L << 14) - 1) << 48;
    private static final long NEXT_GENERATION = 1L << 48;
    /** In every word that holds a MAC; a word of 0 belongs to the worker keying the slot. */
    private static final long FILLED = 1L << 62;
    private static final long VALID = 1L << 63;
    private final long[] keys = new long[CAPACITY];
    private final long[] macs = new long[CAPACITY];
    private final long[] updated = new long[CAPACITY];

    static long key(int ifIndex, int ip) {
        return ((long) (ifIndex + 1) << 32) | (ip & 0xFFFF_FFFFL);
    }

    /** The home slot of {@code key} (package-private for tests that need keys in one window). */
    static int slot(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 48) & (CAPACITY - 1);
    }

    /** The MAC of {@code ip} on {@code ifIndex}, or -1 when unknown. */
    public long lookup(int ifIndex, int ip) {
        long k = key(ifIndex, ip);
        int s = slot(k);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
            long cur = (long) LONGS.getAcquire(keys, s);
            if (cur == k) {
                // Word, key, same word: a re-key in between would have left 0 or a new generation.
                long word = (long) LONGS.getAcquire(macs, s);
                if ((word & VALID) != 0 && (long) LONGS.getAcquire(keys, s) == k
                        && (long) LONGS.getAcquire(macs, s) == word) {
                    return word & MAC;
                }
                return -1;
            }
            if (cur == EMPTY) {
                return -1;
            }
        }
        return -1;
    }

    /** Learns or refreshes a neighbour; returns false when the table has no room near its slot. */
    public boolean learn(int ifIndex, int ip, long mac, long nowNanos) {
        long k = key(ifIndex, ip);
        long value = mac & MAC;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int s = slot(k);
            int expired = -1;
            long expiredWord = 0;
            boolean empty = false;
            for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
                long cur = (long) LONGS.getAcquire(keys, s);
                if (cur == EMPTY) {
                    empty = true;
                    break;
                }
                if (cur == k && update(s, k, value, nowNanos)) {
                    return true;
                }
                long word = (long) LONGS.getAcquire(macs, s);
                if (expired < 0 && (word & (FILLED | VALID)) == FILLED) {
                    expired = s;
                    expiredWord = word;
                }
            }
            // The window is searched for the key up to the first empty slot either way; then the first
            // expired slot met is taken before that empty one: probe chains stay short (a miss runs to
            // the first empty slot) and empty slots stay spare for windows full of live neighbours.
            if (expired >= 0) {
                if (rekey(expired, expiredWord, k, value, nowNanos)) {
                    return true;
                }
            } else if (!empty) {
                return false;
            } else if (LONGS.compareAndSet(keys, s, EMPTY, k)) {
                LONGS.setRelease(updated, s, nowNanos);
                LONGS.setRelease(macs, s, FILLED | VALID | value);
                return true;
            }
            // Another worker took the slot first, perhaps for this very neighbour: look again.
        }
        return false;
    }

    /**
     * Refreshes a neighbour the table has (even an expired one); makes none. For what the router hears
     * without having asked (gratuitous ARP, requests for other hosts): a busy broadcast domain then
     * cannot fill the table. Returns whether it was there.
     */
    public boolean refresh(int ifIndex, int ip, long mac, long nowNanos) {
        long k = key(ifIndex, ip);
        long value = mac & MAC;
        int s = slot(k);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
            long cur = (long) LONGS.getAcquire(keys, s);
            if (cur == k && update(s, k, value, nowNanos)) {
                return true;
            }
            if (cur == EMPTY) {
                return false;
            }
        }
        return false;
    }

    /** Writes {@code value} as k's MAC if slot {@code s} holds k; false when it does not (any more). */
    private boolean update(int s, long k, long value, long nowNanos) {
        while (true) {
            long word = (long) LONGS.getAcquire(macs, s);
            if ((word & FILLED) == 0 || (long) LONGS.getAcquire(keys, s) != k) {
                return false;
            }
            // The time goes first so that expire, which reads the word and then the time, never sees
            // this word with an older time. Should the slot be re-keyed before the CAS, the time lands
            // on the next neighbour, which then lives a little longer or shorter; its MAC is untouched.
            LONGS.setRelease(updated, s, nowNanos);
            // Succeeds only if the word, read before the key, is still there: the slot is still k's.
            if (LONGS.compareAndSet(macs, s, word, (word & GENERATION) | FILLED | VALID | value)) {
                return true;
            }
        }
    }

    /** Takes expired slot {@code s} for k if its word is still {@code expiredWord}. */
    private boolean rekey(int s, long expiredWord, long k, long value, long nowNanos) {
        // One CAS decides among re-keyers, a refresh of the old neighbour (which revives it in place)
        // and expire; from here on no one else writes the slot, and no one reads it as a match.
        if (!LONGS.compareAndSet(macs, s, expiredWord, 0L)) {
            return false;
        }
        // Release: a reader or writer that sees the new key then also sees the word at 0 or later.
        LONGS.setRelease(keys, s, k);
        LONGS.setRelease(updated, s, nowNanos);
        long generation = (expiredWord + NEXT_GENERATION) & GENERATION;
        LONGS.setRelease(macs, s, generation | FILLED | VALID | value);
        return true;
    }

    /**
     * Forgets neighbours not heard from (no ARP from them) since {@code cutoffNanos}: the next packet
     * for one asks again, waiting in the hold queue meanwhile, and the slot may go to a new neighbour.
     * Control path; returns how many went.
     */
    public int expire(long cutoffNanos) {
        int n = 0;
        for (int s = 0; s < CAPACITY; s++) {
            long word = (long) LONGS.getAcquire(macs, s);
            if ((word & VALID) != 0 && (long) LONGS.getAcquire(updated, s) - cutoffNanos < 0) {
                // A learn or re-key racing with this changes the word, and the CAS fails.
                if (LONGS.compareAndSet(macs, s, word, word & ~VALID)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Calls {@code visitor} for each known neighbour (control path, for the shell). */
    public void forEach(Visitor visitor) {
        for (int s = 0; s < CAPACITY; s++) {
            long word = (long) LONGS.getAcquire(macs, s);
            if ((word & VALID) == 0) {
                continue;
            }
            long k = (long) LONGS.getAcquire(keys, s);
            long time = (long) LONGS.getAcquire(updated, s);
            // As lookup: an entry re-keyed while being read is left out, never shown half old, half new.
            if ((long) LONGS.getAcquire(macs, s) == word) {
                visitor.visit((int) (k >>> 32) - 1, (int) k, word & MAC, time);
            }
        }
    }

    /** A neighbour as {@link #forEach} reports it. */
    public interface Visitor {
        void visit(int ifIndex, int ip, long mac, long updatedNanos);
    }
}
