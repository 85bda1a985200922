package dev.junction.routing.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * IPv6 neighbours (the neighbour cache of RFC 4861) keyed by (interface, address): open addressing in
 * preallocated arrays, written by any worker that learns from a neighbour solicitation or
 * advertisement and read by every worker that rewrites a packet. No lock, no allocation: a key is
 * three words, so a slot is claimed by a CAS of its state word (empty to claimed), filled, then
 * published (ready) with a release store; readers only look at ready slots. Two workers learning the
 * same new neighbour at once may claim two slots; lookups and updates find the first, harmlessly.
 */
public final class Ip6NeighbourTable {
    public static final int CAPACITY = 1 << 15;
    private static final int PROBES = 32;
    private static final int EMPTY = 0, CLAIMED = 1, READY = 2;
    /** Set in a stored MAC while the entry is valid; {@link #expire} clears it. */
    private static final long VALID = 1L << 62;
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private final int[] state = new int[CAPACITY];
    private final int[] ifIndexes = new int[CAPACITY];
    private final long[] highs = new long[CAPACITY];
    private final long[] lows = new long[CAPACITY];
    private final long[] macs = new long[CAPACITY];
    private final long[] updated = new long[CAPACITY];

    private static int slot(int ifIndex, long high, long low) {
        long h = (high * 0x9E37_79B9_7F4A_7C15L) ^ (low * 0xC2B2_AE3D_27D4_EB4FL) ^ ifIndex;
        h *= 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & (CAPACITY - 1);
    }

    private boolean matches(int s, int ifIndex, long high, long low) {
        return ifIndexes[s] == ifIndex && highs[s] == high && lows[s] == low;
    }

    /** The MAC of the address on {@code ifIndex}, or -1 when unknown. */
    public long lookup(int ifIndex, long high, long low) {
        int s = slot(ifIndex, high, low);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
            int st = (int) INTS.getAcquire(state, s);
            if (st == EMPTY) {
                return -1;
            }
            if (st == READY && matches(s, ifIndex, high, low)) {
                long mac = (long) LONGS.getAcquire(macs, s);
                return (mac & VALID) != 0 ? mac & 0xFFFF_FFFF_FFFFL : -1;
            }
        }
        return -1;
    }

    /** Learns or refreshes a neighbour; returns false when the table has no room near its slot. */
    public boolean learn(int ifIndex, long high, long low, long mac, long nowNanos) {
        int s = slot(ifIndex, high, low);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
            int st = (int) INTS.getAcquire(state, s);
            if (st == READY && matches(s, ifIndex, high, low)) {
                LONGS.setRelease(updated, s, nowNanos);
                LONGS.setRelease(macs, s, mac | VALID);
                return true;
            }
            if (st == EMPTY && INTS.compareAndSet(state, s, EMPTY, CLAIMED)) {
                ifIndexes[s] = ifIndex;
                highs[s] = high;
                lows[s] = low;
                macs[s] = mac | VALID;
                updated[s] = nowNanos;
                INTS.setRelease(state, s, READY);
                return true;
            }
        }
        return false;
    }

    /** Refreshes a neighbour the table has, makes none (as NeighbourTable.refresh); returns whether it was there. */
    public boolean refresh(int ifIndex, long high, long low, long mac, long nowNanos) {
        int s = slot(ifIndex, high, low);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
            int st = (int) INTS.getAcquire(state, s);
            if (st == EMPTY) {
                return false;
            }
            if (st == READY && matches(s, ifIndex, high, low)) {
                LONGS.setRelease(updated, s, nowNanos);
                LONGS.setRelease(macs, s, mac | VALID);
                return true;
            }
        }
        return false;
    }

    /** Forgets neighbours not heard from since {@code cutoffNanos} (as NeighbourTable.expire). */
    public int expire(long cutoffNanos) {
        int n = 0;
        for (int s = 0; s < CAPACITY; s++) {
            if ((int) INTS.getAcquire(state, s) != READY) {
                continue;
            }
            long mac = (long) LONGS.getAcquire(macs, s);
            if ((mac & VALID) != 0 && (long) LONGS.getAcquire(updated, s) - cutoffNanos < 0
                    && LONGS.compareAndSet(macs, s, mac, mac & ~VALID)) {
                n++;
            }
        }
        return n;
    }

    /** Calls {@code visitor} for each known neighbour (control path, for the shell). */
    public void forEach(Visitor visitor) {
        for (int s = 0; s < CAPACITY; s++) {
            if ((int) INTS.getAcquire(state, s) == READY) {
                long mac = (long) LONGS.getAcquire(macs, s);
                if ((mac & VALID) != 0) {
                    visitor.visit(ifIndexes[s], highs[s], lows[s], mac & 0xFFFF_FFFF_FFFFL, (long) LONGS.getAcquire(updated, s));
                }
            }
        }
    }

    /** A neighbour as {@link #forEach} reports it. */
    public interface Visitor {
        void visit(int ifIndex, long high, long low, long mac, long updatedNanos);
    }
}
