package dev.junction.routing.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * IPv4 neighbours (ARP cache) keyed by (interface, address): open addressing in preallocated arrays,
 * written by any worker that learns from an ARP packet and read by every worker that rewrites a
 * packet. No lock, no allocation: a slot is claimed by a CAS on its key, its MAC published with a
 * release store, and read with an acquire load.
 */
public final class NeighbourTable {
    public static final int CAPACITY = 1 << 16;
    private static final int PROBES = 32;
    private static final long EMPTY = 0;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private final long[] keys = new long[CAPACITY];
    /** MAC in the low 48 bits, bit 63 set when valid. */
    private final long[] macs = new long[CAPACITY];
    private final long[] updated = new long[CAPACITY];
    private static final long VALID = 1L << 63;

    static long key(int ifIndex, int ip) {
        return ((long) (ifIndex + 1) << 32) | (ip & 0xFFFF_FFFFL);
    }

    private static int slot(long key) {
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
                long mac = (long) LONGS.getAcquire(macs, s);
                return (mac & VALID) != 0 ? mac & 0xFFFF_FFFF_FFFFL : -1;
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
        int s = slot(k);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
            long cur = (long) LONGS.getAcquire(keys, s);
            if (cur == EMPTY && LONGS.compareAndSet(keys, s, EMPTY, k)) {
                cur = k;
            }
            if (cur == k) {
                LONGS.setRelease(updated, s, nowNanos);
                LONGS.setRelease(macs, s, mac | VALID);
                return true;
            }
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
        int s = slot(k);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CAPACITY - 1)) {
            long cur = (long) LONGS.getAcquire(keys, s);
            if (cur == k) {
                LONGS.setRelease(updated, s, nowNanos);
                LONGS.setRelease(macs, s, mac | VALID);
                return true;
            }
            if (cur == EMPTY) {
                return false;
            }
        }
        return false;
    }

    /**
     * Forgets neighbours not heard from (no ARP from them) since {@code cutoffNanos}: the next packet
     * for one asks again, waiting in the hold queue meanwhile. Control path; returns how many went.
     */
    public int expire(long cutoffNanos) {
        int n = 0;
        for (int s = 0; s < CAPACITY; s++) {
            long mac = (long) LONGS.getAcquire(macs, s);
            if ((mac & VALID) != 0 && (long) LONGS.getAcquire(updated, s) - cutoffNanos < 0) {
                // A learn racing with this keeps its fresh MAC: only the value read is cleared.
                if (LONGS.compareAndSet(macs, s, mac, mac & ~VALID)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Calls {@code visitor} for each known neighbour (control path, for the shell). */
    public void forEach(Visitor visitor) {
        for (int s = 0; s < CAPACITY; s++) {
            long k = (long) LONGS.getAcquire(keys, s);
            long mac = (long) LONGS.getAcquire(macs, s);
            if (k != EMPTY && (mac & VALID) != 0) {
                visitor.visit((int) (k >>> 32) - 1, (int) k, mac & 0xFFFF_FFFF_FFFFL, (long) LONGS.getAcquire(updated, s));
            }
        }
    }

    /** A neighbour as {@link #forEach} reports it. */
    public interface Visitor {
        void visit(int ifIndex, int ip, long mac, long updatedNanos);
    }
}
