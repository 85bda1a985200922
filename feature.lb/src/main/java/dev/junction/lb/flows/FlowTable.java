package dev.junction.lb.flows;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The load balancer's connection table: one for every worker, bounded, lock-free, primitive arrays.
 *
 * <p>A flow has two entries, linked to each other: the <em>forward</em> one under the key of the
 * client's packets as they arrive (client to VIP), whose value is the backend (address, port, id),
 * and the <em>reverse</em> one under the key of the backend's replies as they arrive under NAT
 * (backend to client), whose value is the VIP (address, port). So a reply finds its flow with one
 * lookup whichever worker receives it, and the two directions share nothing else. DSR flows, whose
 * replies never pass through us, have the forward entry only.
 *
 * <p>Keys hash to a window of {@link #WINDOW} slots (two runs of 16 from two starts, as the
 * firewall's table does). A slot's status, flags, peer and generation are one 64-bit word, read and
 * written through a VarHandle:
 *
 * <ul>
 *   <li>insert: claim a free, dead or expired slot of the window by CAS of its word to BUSY, write the
 *       key and value (plain writes), then publish LIVE with the next generation (a volatile store,
 *       which orders the plain writes before it); the reverse entry is claimed and written before
 *       either is published, so a reply never finds half a flow;
 *   <li>lookup: word, key, word again: only a LIVE word of the same generation vouches for the key;
 *   <li>close (FIN or RST seen) and kill: a CAS of the word; the peer follows;
 *   <li>two workers inserting the same new flow at once both publish; each then looks for the other
 *       in the window and the one later in the probe sequence dies, so one survives.
 * </ul>
 *
 * <p>Slots never go back to EMPTY (a dead one is reused), so a lookup stops at the first EMPTY slot.
 * Each service has a count of its flows and a limit; a flow beyond it, or with no free slot in its
 * windows, is refused and counted.
 */
public final class FlowTable {
    public static final int WINDOW = 32;
    private static final int HALF = WINDOW / 2;
    public static final int MAX_SERVICES = 4096;
    /** {@link #insert} results. */
    public static final int SERVICE_FULL = -1, TABLE_FULL = -2;

    static final long STATUS = 3, EMPTY = 0, BUSY = 1, LIVE = 2, DEAD = 3;
    public static final long REVERSE = 1 << 2, CLOSING = 1 << 3;
    private static final int PEER_SHIFT = 4, GEN_SHIFT = 32;
    private static final long PEER_MASK = (1L << 28) - 1;

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int capacity, mask;
    /**
     * Every slot's words in one array, {@link #STRIDE} longs (one cache line) a slot from {@link #BASE}:
     * all an IPv4 lookup reads and writes (state word, last seen, key words 0, 2 and 4, the home's reach,
     * value words 1 and 2), so a tracked IPv4 packet costs one line, not the four of arrays split by
     * field. (G1 puts an array this large at the start of a region, 16 bytes of header before element
     * 0: {@link #BASE} then starts each slot on a line; elsewhere it is only slower.)
     */
    private final long[] slots;
    /**
     * What only an IPv6 entry has, {@link #WIDE} longs a slot: key words 1 and 3 (the addresses' high
     * halves) and value word 0 (the target's); an IPv4 entry's are zero, never written nor read.
     */
    private final long[] wide;
    static final int STRIDE = 8, BASE = 6, WIDE = 4;
    private static final int WORD = 0, SEEN = 1, K0 = 2, K2 = 3, K4 = 4, REACH = 5, V1 = 6, V2 = 7;
    /** In {@link #wide}. */
    private static final int K1 = 0, K3 = 1, V0 = 2;
    /**
     * A slot's {@code REACH} word describes the keys whose window starts there (their home), not the
     * entry the slot holds: bits 0-7 one past the furthest first-run position any of them was ever put
     * at, bit 8 whether one was ever put in its second run, bits 16-23 one past the furthest position
     * in a second run that starts here. A lookup walks no further than that, so a miss reads the home's
     * line (and its neighbour) instead of all 32 of the window once no slot of it is EMPTY any more.
     * Only raised (a CAS to the larger value, before the entry is published), never lowered.
     */
    private static final long SPILL = 1L << 8;
    private static final int RUN2_SHIFT = 16;
    private static final long IPV6 = 1L << 62;
    private final AtomicIntegerArray serviceCount = new AtomicIntegerArray(MAX_SERVICES);
    private final AtomicLongArray serviceRefused = new AtomicLongArray(MAX_SERVICES);
    private volatile int[] serviceLimit = new int[MAX_SERVICES];
    /** Idle timeouts until {@link #timeouts} says otherwise: an open TCP flow, a closing one, a UDP flow. */
    public static final long DEFAULT_OPEN_NANOS = 900_000_000_000L, DEFAULT_CLOSING_NANOS = 10_000_000_000L,
            DEFAULT_UDP_NANOS = 60_000_000_000L;
    private volatile long openNanos = DEFAULT_OPEN_NANOS, closingNanos = DEFAULT_CLOSING_NANOS, udpNanos = DEFAULT_UDP_NANOS;
    /** The largest table: 2^26 slots, 6 GiB (96 bytes a slot). */
    public static final int MAX_CAPACITY = 1 << 26;

    public FlowTable(int capacity) {
        if (capacity < WINDOW || Integer.bitCount(capacity) != 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("flow table capacity " + capacity + " is not a power of two in "
                    + WINDOW + ".." + MAX_CAPACITY);
        }
        this.capacity = capacity;
        mask = capacity - 1;
        slots = new long[BASE + capacity * STRIDE];
        wide = new long[capacity * WIDE];
    }

    private static int at(int slot) {
        return BASE + slot * STRIDE;
    }

    /** Reads the first slot's state word of a key's hash (the caller folds it into a sink): a load issued early. */
    public long peek(long h) {
        return slots[at((int) h & mask)];
    }

    /**
     * Reads the first two slots of a key's window, and for an IPv6 key its first slot's {@link #wide}
     * words: loads issued early for a lookup. An entry not in its first slot is almost always in the
     * second (one tracked flow in eight at a quarter full, counted; past it one in several thousand),
     * and the second slot is the next line, in the same page: loading it with the first costs less
     * than waiting for it later (tracked 5.96-6.21 Mpps against 5.61-5.73 without, one sitting).
     */
    public long peekWindow(long h, boolean ipv6) {
        int home = (int) h & mask;
        long w = slots[at(home)] + slots[at((home + 1) & mask)];
        return ipv6 ? w + wide[home * WIDE] : w;
    }

    /**
     * When the first slot of a key's window holds a live entry linked to another (likely an expired one
     * that an insert will take over, which ends its flow), reads that peer's state word: a load issued
     * early, as {@link #peek}; else 0.
     */
    public long peekPeer(long h) {
        int home = (int) h & mask;
        long w = slots[at(home)];
        int p = peer(w);
        return (w & STATUS) == LIVE && p != home ? slots[at(p & mask)] : 0;
    }

    public int capacity() {
        return capacity;
    }

    /** The first key word: family, VRF, protocol and both ports. */
    public static long misc(int family, int vrf, int proto, int sport, int dport) {
        return (family == 6 ? 1L << 62 : 0) | (long) (vrf & 0xffff) << 40 | (long) (proto & 0xff) << 32
                | (long) (sport & 0xffff) << 16 | (dport & 0xffff);
    }

    /** The third value word: the service's number, the backend's id and the target's port. */
    public static long value(int service, int backend, int port) {
        return (long) (service & 0xffff) << 48 | (long) (backend & 0xffffff) << 16 | (port & 0xffff);
    }

    public static int service(long v2) {
        return (int) (v2 >>> 48) & 0xffff;
    }

    public static int backend(long v2) {
        return (int) (v2 >>> 16) & 0xffffff;
    }

    public static int port(long v2) {
        return (int) v2 & 0xffff;
    }

    /** A key's hash: where its window starts ({@link #peek}, {@link #find(long, long, long, long, long, long, long)}). */
    public static long hash(long k0, long k1, long k2, long k3, long k4) {
        long h = (k0 ^ 0x7F4A7C15F39CC060L) * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 30) ^ k1) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27) ^ k2) * 0x94D049BB133111EBL;
        h = (h ^ (h >>> 31) ^ k3) * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 29) ^ k4) * 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 31);
    }

    private int probe(long h, int i) {
        return i < HALF ? ((int) h + i) & mask : ((int) (h >>> 32) + i - HALF) & mask;
    }

    public long word(int slot) {
        return (long) WORDS.getVolatile(slots, at(slot) + WORD);
    }

    private boolean casWord(int slot, long expect, long to) {
        return WORDS.compareAndSet(slots, at(slot) + WORD, expect, to);
    }

    private void publish(int slot, long to) {
        WORDS.setVolatile(slots, at(slot) + WORD, to);
    }

    /**
     * Value word {@code i}: 0 and 1 the target's address (high, low), 2 service, backend and port. Word 0
     * (zero for an IPv4 target) is in {@link #wide}: IPv4 paths read words 1 and 2 only.
     */
    public long value(int slot, int i) {
        int o = at(slot);
        return i != 0 ? slots[o + V1 - 1 + i] : (slots[o + K0] & IPV6) == 0 ? 0 : wide[slot * WIDE + V0];
    }

    public long key(int slot, int i) {
        int o = at(slot);
        if (i == 1 || i == 3) {
            return (slots[o + K0] & IPV6) == 0 ? 0 : wide[slot * WIDE + (i == 1 ? K1 : K3)];
        }
        return slots[o + (i == 0 ? K0 : i == 2 ? K2 : K4)];
    }

    public static int peer(long word) {
        return (int) ((word >>> PEER_SHIFT) & PEER_MASK);
    }

    public void touch(int slot, long now) {
        // Opaque: any worker may write it, the last one wins; nothing else is ordered by it.
        WORDS.setOpaque(slots, at(slot) + SEEN, now);
    }

    public long lastSeen(int slot) {
        return (long) WORDS.getOpaque(slots, at(slot) + SEEN);
    }

    /**
     * An IPv4 key's words 1 and 3 are zero (no high address words; the callers' IPv4 keys always have
     * them zero): only an IPv6 key reads, or writes, {@link #wide}.
     */
    private boolean keyIs(int s, long k0, long k1, long k2, long k3, long k4) {
        int o = at(s);
        return slots[o + K0] == k0 && slots[o + K2] == k2 && slots[o + K4] == k4
                && ((k0 & IPV6) == 0 || wide[s * WIDE + K1] == k1 && wide[s * WIDE + K3] == k3);
    }

    /** Whether a live entry has been idle longer than its state allows (a flow's two entries age together). */
    public boolean expired(int slot, long word, long now) {
        long limit = (word & CLOSING) != 0 ? closingNanos
                : (slots[at(slot) + K0] >>> 32 & 0xff) == 17 ? udpNanos : openNanos;
        if (now - lastSeen(slot) <= limit) {
            return false; // the common case: seen lately itself, the peer's line is not read
        }
        // A NAT flow's two entries age together: the other direction may have kept it alive.
        int p = peer(word);
        boolean linked = (word & REVERSE) != 0 || (word & STATUS) == LIVE && p != slot;
        return !linked || now - lastSeen(p) > limit;
    }

    /** The slot of the live, unexpired entry with this key, or -1. */
    public int find(long k0, long k1, long k2, long k3, long k4, long now) {
        return find(hash(k0, k1, k2, k3, k4), k0, k1, k2, k3, k4, now);
    }

    /** {@link #find(long, long, long, long, long, long)} with the key's {@link #hash} already made. */
    public int find(long h, long k0, long k1, long k2, long k3, long k4, long now) {
        int home = (int) h & mask;
        long reach = reach(home);
        int r1 = (int) reach & 0xff;
        for (int i = 0; i < r1; i++) {
            int s = (home + i) & mask;
            long w1 = word(s);
            long status = w1 & STATUS;
            if (status == EMPTY) {
                return -1;
            }
            if (status == LIVE && keyIs(s, k0, k1, k2, k3, k4)) {
                long w2 = word(s);
                if ((w2 & STATUS) == LIVE && w2 >>> GEN_SHIFT == w1 >>> GEN_SHIFT) {
                    return expired(s, w2, now) ? -1 : s;
                }
            }
        }
        return (reach & SPILL) == 0 ? -1 : findInRun2(h, k0, k1, k2, k3, k4, now);
    }

    /** The second run of a window, for a home one of whose keys was put there (rare below half full). */
    private int findInRun2(long h, long k0, long k1, long k2, long k3, long k4, long now) {
        int home2 = (int) (h >>> 32) & mask;
        int r2 = (int) (reach(home2) >>> RUN2_SHIFT) & 0xff;
        for (int i = 0; i < r2; i++) {
            int s = (home2 + i) & mask;
            long w1 = word(s);
            long status = w1 & STATUS;
            if (status == EMPTY) {
                return -1;
            }
            if (status == LIVE && keyIs(s, k0, k1, k2, k3, k4)) {
                long w2 = word(s);
                if ((w2 & STATUS) == LIVE && w2 >>> GEN_SHIFT == w1 >>> GEN_SHIFT) {
                    return expired(s, w2, now) ? -1 : s;
                }
            }
        }
        return -1;
    }

    private long reach(int home) {
        return (long) WORDS.getVolatile(slots, at(home) + REACH);
    }

    /** Window position {@code i} of a key of hash {@code h} is taken: its home's reach covers it from now on. */
    private void reachTo(long h, int i) {
        if (i < HALF) {
            raise(at((int) h & mask) + REACH, 0xff, 0, i + 1);
        } else {
            raise(at((int) (h >>> 32) & mask) + REACH, 0xff, RUN2_SHIFT, i - HALF + 1);
            int o = at((int) h & mask) + REACH;
            for (long r = (long) WORDS.getVolatile(slots, o); (r & SPILL) == 0; r = (long) WORDS.getVolatile(slots, o)) {
                if (WORDS.compareAndSet(slots, o, r, r | SPILL)) {
                    break;
                }
            }
        }
    }

    /** Raises the field of {@code bits} at {@code shift} of the long at {@code o} to at least {@code to}. */
    private void raise(int o, long bits, int shift, int to) {
        for (long r = (long) WORDS.getVolatile(slots, o); (r >>> shift & bits) < to; r = (long) WORDS.getVolatile(slots, o)) {
            if (WORDS.compareAndSet(slots, o, r, r & ~(bits << shift) | (long) to << shift)) {
                return;
            }
        }
    }

    /** Claims a slot of the key's window (BUSY); returns it with its old word in {@code old[0]}, or -1. */
    private int claim(long h, long k0, long k1, long k2, long k3, long k4, long now, long[] old) {
        for (int attempt = 0; attempt < WINDOW; attempt++) {
            int free = -1, at = -1;
            long freeWord = 0;
            for (int i = 0; i < WINDOW; i++) {
                int s = probe(h, i);
                long w = word(s);
                long status = w & STATUS;
                if (status == EMPTY || status == DEAD || status == LIVE && expired(s, w, now)) {
                    free = s;
                    freeWord = w;
                    at = i;
                    break;
                }
            }
            if (free < 0) {
                return -1;
            }
            if (casWord(free, freeWord, (freeWord >>> GEN_SHIFT) << GEN_SHIFT | BUSY)) {
                if ((freeWord & STATUS) == LIVE) {
                    reclaimed(free, freeWord); // an expired entry: its flow goes with it
                }
                old[0] = freeWord;
                int o = at(free);
                slots[o + K0] = k0;
                slots[o + K2] = k2;
                slots[o + K4] = k4;
                if ((k0 & IPV6) != 0) {
                    wide[free * WIDE + K1] = k1; // an IPv4 key's are zero: never written nor read
                    wide[free * WIDE + K3] = k3;
                }
                touch(free, now);
                reachTo(h, at); // before the entry is published, so a lookup that sees it walks far enough
                return free;
            }
        }
        return -1;
    }

    /** An expired entry taken over by an insert: its peer dies and its service is told (once, for the flow). */
    private void reclaimed(int slot, long word) {
        int p = peer(word);
        boolean forward = (word & REVERSE) == 0;
        if (forward) {
            serviceCount.getAndDecrement(service(value(slot, 2)));
        }
        if (p != slot) {
            long pw = word(p);
            if ((pw & STATUS) == LIVE && peer(pw) == slot && casWord(p, pw, nextGen(pw) | DEAD)
                    && !forward) {
                serviceCount.getAndDecrement(service(value(p, 2))); // the flow's forward entry went with it
            }
        }
    }

    private static long nextGen(long word) {
        return ((word >>> GEN_SHIFT) + 1) << GEN_SHIFT;
    }

    private void release(int slot, long old) {
        publish(slot, nextGen(old) | DEAD);
    }

    /**
     * Makes the entries of a new flow (the caller found none): forward key {@code f*} to the backend
     * ({@code bh, bl}, value word {@code v2}), and when {@code reverse} also the reverse key {@code r*}
     * to the VIP ({@code vh, vl}, {@code rv2}). Returns the forward slot, or {@link #SERVICE_FULL} /
     * {@link #TABLE_FULL}. {@code scratch} is the caller's (per worker) two-long array.
     */
    public int insert(long f0, long f1, long f2, long f3, long f4, long bh, long bl, long v2,
                      boolean reverse, long r0, long r1, long r2, long r3, long r4, long vh, long vl, long rv2,
                      long now, long[] scratch) {
        return insert(hash(f0, f1, f2, f3, f4), f0, f1, f2, f3, f4, bh, bl, v2, reverse, r0, r1, r2, r3, r4, vh, vl, rv2,
                now, scratch);
    }

    /** {@link #insert(long, long, long, long, long, long, long, long, boolean, long, long, long, long, long, long, long, long, long, long[])} with the forward key's {@link #hash} already made. */
    public int insert(long fh, long f0, long f1, long f2, long f3, long f4, long bh, long bl, long v2,
                      boolean reverse, long r0, long r1, long r2, long r3, long r4, long vh, long vl, long rv2,
                      long now, long[] scratch) {
        return insert(fh, f0, f1, f2, f3, f4, bh, bl, v2, reverse, reverse ? hash(r0, r1, r2, r3, r4) : 0, r0, r1, r2, r3, r4,
                vh, vl, rv2, now, scratch);
    }

    /** The same with the reverse key's {@link #hash} made too ({@code rh}; anything when not {@code reverse}). */
    public int insert(long fh, long f0, long f1, long f2, long f3, long f4, long bh, long bl, long v2,
                      boolean reverse, long rh, long r0, long r1, long r2, long r3, long r4, long vh, long vl, long rv2,
                      long now, long[] scratch) {
        int svc = service(v2);
        int limit = serviceLimit[svc];
        if (limit > 0 && serviceCount.get(svc) >= limit) {
            serviceRefused.getAndIncrement(svc);
            return SERVICE_FULL;
        }
        int s = claim(fh, f0, f1, f2, f3, f4, now, scratch);
        if (s < 0) {
            serviceRefused.getAndIncrement(svc);
            return TABLE_FULL;
        }
        long sOld = scratch[0];
        setValue(s, f0, bh, bl, v2);
        int r = s;
        long rOld = 0;
        if (reverse) {
            r = claim(rh, r0, r1, r2, r3, r4, now, scratch);
            if (r < 0) {
                release(s, sOld);
                serviceRefused.getAndIncrement(svc);
                return TABLE_FULL;
            }
            rOld = scratch[0];
            setValue(r, r0, vh, vl, rv2);
        }
        serviceCount.getAndIncrement(svc);
        long live = nextGen(sOld) | (long) r << PEER_SHIFT | LIVE;
        if (reverse) {
            publish(r, nextGen(rOld) | (long) s << PEER_SHIFT | REVERSE | LIVE);
        }
        publish(s, live);
        return dedupe(s, live, fh);
    }

    /** An IPv4 entry's high address word is zero and not written (its key's {@code k0} says which). */
    private void setValue(int slot, long k0, long hi, long lo, long v2) {
        int o = at(slot);
        if ((k0 & IPV6) != 0) {
            wide[slot * WIDE + V0] = hi;
        }
        slots[o + V1] = lo;
        slots[o + V2] = v2;
    }

    /** After publishing forward slot {@code s}: of two live entries with its key, the one later in the window dies. */
    private int dedupe(int s, long live, long h) {
        long k0 = key(s, 0), k1 = key(s, 1), k2 = key(s, 2), k3 = key(s, 3), k4 = key(s, 4);
        int mine = -1;
        for (int i = 0; i < WINDOW; i++) {
            if (probe(h, i) == s) {
                mine = i;
                break;
            }
        }
        // As far as the reach goes, read after this entry's publication: another inserter's reach is
        // raised before its publication, so of two racing ones at least one sees the other.
        long reach = reach((int) h & mask);
        int r1 = (int) reach & 0xff;
        int end = (reach & SPILL) == 0 ? r1 : HALF + ((int) (reach((int) (h >>> 32) & mask) >>> RUN2_SHIFT) & 0xff);
        for (int i = 0; i < end; i++) {
            if (i >= r1 && i < HALF) {
                continue; // past the first run's reach: on to the second run
            }
            int t = probe(h, i);
            if (t == s) {
                continue;
            }
            long w = word(t);
            if ((w & STATUS) == EMPTY) {
                break;
            }
            if ((w & STATUS) == LIVE && (w & REVERSE) == 0
                    && keyIs(t, k0, k1, k2, k3, k4)) {
                if (mine < i) {
                    kill(t, w);
                    return s;
                }
                kill(s, live);
                return t;
            }
        }
        return s;
    }

    /** Marks a live entry and its peer dead (whoever's CAS wins); returns whether this call did. */
    public boolean kill(int slot, long word) {
        return kill(slot, word, true);
    }

    /** {@link #kill(int, long)}; the service's count is left to the caller when not {@code count}. */
    private boolean kill(int slot, long word, boolean count) {
        if ((word & STATUS) != LIVE || !casWord(slot, word, nextGen(word) | DEAD)) {
            return false;
        }
        int p = peer(word);
        int forward = (word & REVERSE) == 0 ? slot : p;
        if (p != slot) {
            long pw = word(p);
            if ((pw & STATUS) == LIVE && peer(pw) == slot) {
                casWord(p, pw, nextGen(pw) | DEAD);
            }
        }
        if (count) {
            serviceCount.getAndDecrement(service(value(forward, 2)));
        }
        return true;
    }

    /** A FIN or RST was seen: the flow (both entries) gets the short closing timeout. */
    public void close(int slot) {
        closeOne(slot);
        long w = word(slot);
        int p = peer(w);
        if (p != slot) {
            closeOne(p);
        }
    }

    private void closeOne(int slot) {
        long w = word(slot);
        if ((w & STATUS) == LIVE && (w & CLOSING) == 0) {
            casWord(slot, w, w | CLOSING); // lost to another change: that one stands
        }
    }

    /** Control thread: reclaims every expired flow; returns how many. */
    public int expire(long now) {
        return expire(now, 0, capacity);
    }

    /** Where the next {@link #expireSome} starts. */
    private int sweepCursor;
    /** The sweep's per-service reclaims, added to the counts once a pass rather than once a flow. */
    private final int[] swept = new int[MAX_SERVICES];

    /**
     * Control thread: reclaims the expired flows of the next {@code slots} slots (a sweep in steps, so
     * that no one call reads the whole table, wrapping at the end); returns how many.
     */
    public synchronized int expireSome(long now, int slots) {
        int n = 0;
        for (int left = Math.min(slots, capacity); left > 0; ) {
            int from = sweepCursor, count = Math.min(left, capacity - from);
            n += expire(now, from, count);
            left -= count;
            sweepCursor = from + count == capacity ? 0 : from + count;
        }
        return n;
    }

    private synchronized int expire(long now, int from, int count) {
        int n = 0;
        int[] dec = swept;
        for (int s = from, end = from + count; s < end; s++) {
            long w = word(s);
            if ((w & STATUS) == LIVE && (w & REVERSE) == 0 && expired(s, w, now)) {
                int svc = service(value(s, 2));
                if (kill(s, w, false)) {
                    dec[svc]++;
                    n++;
                }
            }
        }
        if (n > 0) {
            for (int i = 0; i < MAX_SERVICES; i++) {
                if (dec[i] != 0) {
                    serviceCount.getAndAdd(i, -dec[i]);
                    dec[i] = 0;
                }
            }
        }
        return n;
    }

    /** Forgets every flow; returns how many there were. */
    public int clear() {
        int n = 0;
        for (int s = 0; s < capacity; s++) {
            long w = word(s);
            if ((w & STATUS) == LIVE && (w & REVERSE) == 0 && kill(s, w)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Ends every flow of service number {@code service} (the service was removed: its number may be
     * given to another). The value is read between two reads of the slot's word and the kill is a CAS
     * on that word, so a slot re-used meanwhile is left alone. Control path.
     */
    public int clearService(int service) {
        int n = 0;
        for (int s = 0; s < capacity; s++) {
            long w = word(s);
            if ((w & STATUS) == LIVE && (w & REVERSE) == 0 && service(value(s, 2)) == service && kill(s, w)) {
                n++;
            }
        }
        return n;
    }

    public int serviceCount(int service) {
        return serviceCount.get(service);
    }

    public long serviceRefused(int service) {
        return serviceRefused.get(service);
    }

    /** 0: no limit but the table's. */
    public synchronized void serviceLimit(int service, int limit) {
        int[] l = serviceLimit.clone();
        l[service] = Math.max(0, limit);
        serviceLimit = l;
    }

    /** Idle timeouts: an open TCP flow, a closing one (FIN or RST seen), a UDP flow. */
    public void timeouts(long openNanos, long closingNanos, long udpNanos) {
        this.openNanos = openNanos;
        this.closingNanos = closingNanos;
        this.udpNanos = udpNanos;
    }

    /** The idle timeouts in nanoseconds: an open TCP flow, a closing one, a UDP flow (control path). */
    public long[] timeouts() {
        return new long[] {openNanos, closingNanos, udpNanos};
    }

    /** What a visitor sees of a live flow (control path: handover, listing). */
    public interface Visitor {
        void flow(int slot, long[] key, long[] value, boolean closing, long lastSeen, boolean reverse,
                  long[] reverseKey, long[] reverseValue);
    }

    /** Visits the live, unexpired flows by their forward entries, in slot order, at most {@code max}. */
    public int forEach(long now, int max, Visitor v) {
        int n = 0;
        long[] k = new long[5], val = new long[3], rk = new long[5], rv = new long[3];
        for (int s = 0; s < capacity && n < max; s++) {
            long w = word(s);
            if ((w & STATUS) != LIVE || (w & REVERSE) != 0 || expired(s, w, now)) {
                continue;
            }
            copy(s, k, val);
            int p = peer(w);
            boolean rev = p != s;
            if (rev) {
                copy(p, rk, rv);
            }
            long seen = rev ? Math.max(lastSeen(s), lastSeen(p)) : lastSeen(s);
            v.flow(s, k, val, (w & CLOSING) != 0, seen, rev, rk, rv);
            n++;
        }
        return n;
    }

    private void copy(int slot, long[] k, long[] val) {
        for (int i = 0; i < 5; i++) {
            k[i] = key(slot, i);
        }
        for (int i = 0; i < 3; i++) {
            val[i] = value(slot, i);
        }
    }

    /** Puts back a flow handed over by the previous instance (control path, before any worker runs it). */
    public boolean restore(long[] k, long[] val, boolean closing, long seen, boolean rev, long[] rk, long[] rv, long now) {
        if (find(k[0], k[1], k[2], k[3], k[4], now) >= 0) {
            return false;
        }
        int s = insert(k[0], k[1], k[2], k[3], k[4], val[0], val[1], val[2], rev, rk[0], rk[1], rk[2], rk[3], rk[4],
                rv[0], rv[1], rv[2], now, new long[1]);
        if (s < 0) {
            return false;
        }
        touch(s, seen);
        long w = word(s);
        if (rev) {
            touch(peer(w), seen);
        }
        if (closing) {
            close(s);
        }
        return true;
    }

    /** How many flows are live (expired ones not yet reclaimed included). */
    public int size() {
        int n = 0;
        for (int i = 0; i < MAX_SERVICES; i++) {
            n += serviceCount.get(i);
        }
        return n;
    }
}
