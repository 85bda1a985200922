package dev.junction.firewall.conntrack;

import static dev.junction.firewall.conntrack.ConnState.BUSY;
import static dev.junction.firewall.conntrack.ConnState.DEAD;
import static dev.junction.firewall.conntrack.ConnState.EMPTY;
import static dev.junction.firewall.conntrack.ConnState.GEN_SHIFT;
import static dev.junction.firewall.conntrack.ConnState.LIVE;
import static dev.junction.firewall.conntrack.ConnState.STATUS;

import dev.junction.firewall.Firewall;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The connection table: one for every worker, bounded, lock-free, in primitive arrays.
 *
 * <p>Both directions of a connection meet one entry because the key is normalised ({@link FlowKey}:
 * the two endpoints in a fixed order), so whichever worker receives a packet hashes it to the same
 * {@link #WINDOW} slots, its window: two runs of 16 from two starts the hash gives (two choices, so
 * that linear probing's clusters cannot fill a key's only run long before the table is full). A slot's state lives in one
 * 64-bit word (status, connection state, flags, generation) read and written through a VarHandle:
 *
 * <ul>
 *   <li>insert: claim a free, dead or expired slot of the window by a CAS of its word to BUSY, write the
 *       key and the rest, then publish LIVE with the next generation (a volatile store, after the
 *       plain writes it covers);
 *   <li>lookup: read the word, the key, the word again: only a LIVE word of the same generation on
 *       both sides vouches for the key (a slot re-keyed in between changed its generation);
 *   <li>state changes: a CAS of the word from the value read, so two workers never both move one
 *       connection on; the per-direction TCP window words are plain writes (a race between the two
 *       directions' workers can only make the check more or less strict by one packet);
 *   <li>two workers inserting the same new connection at once (both directions' first packets, or a
 *       retransmitted SYN) may both publish; each then looks for the other in the window, and
 *       whichever sees a duplicate kills the one in the later slot, so one entry survives.
 * </ul>
 *
 * <p>Slots never go back to EMPTY (a dead one is reused), so a lookup stops at the first EMPTY slot,
 * and walks no further than the reach its key's home slot records ({@link #REACH}): once a window
 * has no EMPTY slot left, a miss reads the home's line, not the whole window.
 * Zones (VRFs) have their own entry counts and limits; a zone at its limit, or a window with no free
 * slot, takes an early (half-open) entry of the window, the oldest, before it refuses the connection.
 * Expired entries are reclaimed by {@link #expire} on the control thread, or reused by an insert.
 */
public final class ConnTable {
    public static final int WINDOW = 32;
    private static final int HALF = WINDOW / 2;
    static final int EVICT_SCAN = 256;
    public static final int MAX_ZONES = 256;
    /** {@link #insert} results: refused because the zone is at its limit, or the window is full. */
    public static final int ZONE_FULL = -1, TABLE_FULL = -2;
    /** Per-slot TCP words: end, maxend, maxwin of the originator, then of the responder, then the scales. */
    public static final int TCP_WORDS = 8;
    /** A slot's longs: its word, its last seen time, the five key words, its home's reach; and where slot 0 starts. */
    static final int STRIDE = 8, WORD = 0, SEEN_AT = 1, KEY = 2, REACH = 7, BASE = 6;
    /**
     * A slot's {@code REACH} word describes the keys whose window starts there (their home), not the
     * entry the slot holds: bits 0-7 one past the furthest first-run position any of them was ever put
     * at, bit 8 whether one was ever put in its second run, bits 16-23 one past the furthest position
     * in a second run that starts here. A lookup walks no further than that, so a miss reads the home's
     * line instead of all 32 of the window once no slot of it is EMPTY any more. Only raised (a CAS to
     * the larger value, before the entry is published), never lowered.
     */
    private static final long SPILL = 1L << 8;
    private static final int RUN2_SHIFT = 16;

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int capacity, mask;
    /**
     * Every slot's state word, last seen time and key in one array, {@link #STRIDE} longs a slot:
     * a lookup reads one cache line, not one in each of three arrays. The array is large enough to
     * be placed at the start of a G1 region (humongous), so with {@link #BASE} longs skipped after
     * its 16-byte header each slot starts on a 64-byte line. The last seen time is written opaquely
     * by any worker (the last one wins).
     */
    final long[] slots;
    public final int[] tcp;
    private final AtomicIntegerArray zoneCount = new AtomicIntegerArray(MAX_ZONES);
    private final AtomicLongArray zoneRefused = new AtomicLongArray(MAX_ZONES);
    private volatile int[] zoneLimit = new int[MAX_ZONES];
    private volatile long[] timeoutNanos;

    public ConnTable(int capacity) {
        if (capacity < WINDOW || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("table capacity " + capacity + " is not a power of two >= " + WINDOW);
        }
        this.capacity = capacity;
        mask = capacity - 1;
        slots = new long[BASE + capacity * STRIDE];
        tcp = new int[capacity * TCP_WORDS];
        long[] t = new long[Firewall.Timeouts.NAMES.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = Firewall.Timeouts.DEFAULTS.get(i) * 1_000_000_000L;
        }
        timeoutNanos = t;
    }

    public int capacity() {
        return capacity;
    }

    /** The hash of a key: where its window starts ({@link #peek}). */
    public static long hash(FlowKey k) {
        return hash(k.k0, k.k1, k.k2, k.k3, k.k4);
    }

    /**
     * The state word of the first slot of the window of a key of hash {@code h} (a plain read): the
     * nodes call it for a vector's keys ahead of their lookups, so that the cache misses overlap.
     */
    public long peek(long h) {
        return slots[BASE + probe(h, 0) * STRIDE];
    }

    /**
     * {@link #peek} of the window's first two slots: an entry not in its first slot is almost always in
     * the second, the next line in the same page, which is cheaper loaded with the first than waited
     * for in the judging pass.
     */
    public long peekWindow(long h) {
        return slots[BASE + probe(h, 0) * STRIDE] + slots[BASE + probe(h, 1) * STRIDE];
    }

    static long hash(long k0, long k1, long k2, long k3, long k4) {
        long h = (k0 ^ 0x7F4A7C15F39CC060L) * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 30) ^ k1) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27) ^ k2) * 0x94D049BB133111EBL;
        h = (h ^ (h >>> 31) ^ k3) * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 29) ^ k4) * 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 31);
    }

    /**
     * The {@code i}-th slot a key may live in: the first half of its probe sequence runs from one
     * start, the second half from another (two choices: with one run of 16, linear probing's
     * clusters outgrow the window at a third full; with two of 16 a key is refused only when both
     * are full).
     */
    private int probe(long h, int i) {
        return i < HALF ? ((int) h + i) & mask : ((int) (h >>> 32) + i - HALF) & mask;
    }

    /** The {@code i}-th slot of a key's window (tests). */
    int probeOf(FlowKey k, int i) {
        return probe(hash(k.k0, k.k1, k.k2, k.k3, k.k4), i);
    }

    public long word(int slot) {
        return (long) WORDS.getVolatile(slots, BASE + slot * STRIDE);
    }

    /** Moves a connection on: whether the word was still {@code expected}. */
    public boolean update(int slot, long expected, long next) {
        return WORDS.compareAndSet(slots, BASE + slot * STRIDE, expected, next);
    }

    public void touch(int slot, long now) {
        WORDS.setOpaque(slots, BASE + slot * STRIDE + SEEN_AT, now);
    }

    public long lastSeen(int slot) {
        return (long) WORDS.getOpaque(slots, BASE + slot * STRIDE + SEEN_AT);
    }

    public long key(int slot, int i) {
        return slots[BASE + slot * STRIDE + KEY + i];
    }

    private boolean keyIs(int s, long k0, long k1, long k2, long k3, long k4) {
        int o = BASE + s * STRIDE + KEY;
        return slots[o] == k0 && slots[o + 1] == k1 && slots[o + 2] == k2 && slots[o + 3] == k3 && slots[o + 4] == k4;
    }

    /** Whether a live word's connection has been idle longer than its state allows. */
    public boolean expired(int slot, long word, long now) {
        return now - lastSeen(slot) > timeoutNanos[ConnState.TIMEOUT[ConnState.state(word)]];
    }

    /** The slot of the connection with key {@code k}, or -1; an expired entry is not found. */
    public int find(FlowKey k, long now) {
        return find(hash(k), k, now);
    }

    /** {@link #find(FlowKey, long)} with the key's {@link #hash(FlowKey)} already made. */
    public int find(long h, FlowKey k, long now) {
        long reach = reach((int) h & mask);
        int s = findIn(h, 0, (int) reach & 0xff, k, now);
        if (s != -1 || (reach & SPILL) == 0) {
            return s < 0 ? -1 : s;
        }
        s = findIn(h, HALF, HALF + run2Reach(h), k, now);
        return s < 0 ? -1 : s;
    }

    /** The slot of key {@code k} at window positions {@code from..to-1}; -1 not there, -2 an EMPTY slot met (nothing beyond). */
    private int findIn(long h, int from, int to, FlowKey k, long now) {
        long k0 = k.k0, k1 = k.k1, k2 = k.k2, k3 = k.k3, k4 = k.k4;
        for (int i = from; i < to; i++) {
            int s = probe(h, i);
            long w1 = word(s);
            long status = w1 & STATUS;
            if (status == EMPTY) {
                return -2;
            }
            if (status == LIVE && keyIs(s, k0, k1, k2, k3, k4)) {
                long w2 = word(s);
                if ((w2 & STATUS) == LIVE && w2 >>> GEN_SHIFT == w1 >>> GEN_SHIFT) {
                    return expired(s, w2, now) ? -2 : s;
                }
            }
        }
        return -1;
    }

    private long reach(int home) {
        return (long) WORDS.getVolatile(slots, BASE + home * STRIDE + REACH);
    }

    /** Window position {@code i} of a key of hash {@code h} is taken: its home's reach covers it from now on. */
    private void reachTo(long h, int i) {
        if (i < HALF) {
            raise(BASE + ((int) h & mask) * STRIDE + REACH, 0, i + 1);
        } else {
            raise(BASE + ((int) (h >>> 32) & mask) * STRIDE + REACH, RUN2_SHIFT, i - HALF + 1);
            int o = BASE + ((int) h & mask) * STRIDE + REACH;
            for (long r = (long) WORDS.getVolatile(slots, o); (r & SPILL) == 0; r = (long) WORDS.getVolatile(slots, o)) {
                if (WORDS.compareAndSet(slots, o, r, r | SPILL)) {
                    break;
                }
            }
        }
    }

    /** Raises the 8-bit field at {@code shift} of the long at {@code o} to at least {@code to}. */
    private void raise(int o, int shift, int to) {
        for (long r = (long) WORDS.getVolatile(slots, o); (r >>> shift & 0xff) < to; r = (long) WORDS.getVolatile(slots, o)) {
            if (WORDS.compareAndSet(slots, o, r, r & ~(0xffL << shift) | (long) to << shift)) {
                return;
            }
        }
    }

    /** How far into its second run a key of hash {@code h} may be (that run's start slot's reach). */
    private int run2Reach(long h) {
        return (int) (reach((int) (h >>> 32) & mask) >>> RUN2_SHIFT) & 0xff;
    }

    /**
     * Makes an entry for a new connection (the caller found none): its word's state and flags are
     * {@code stateBits} ({@link ConnState#withState} of 0 and flags). Returns the slot, or
     * {@link #ZONE_FULL} / {@link #TABLE_FULL}. The caller writes the TCP words before others can
     * rely on them (they start at zero: nothing seen).
     */
    public int insert(FlowKey k, int zone, long stateBits, long now) {
        long k0 = k.k0, k1 = k.k1, k2 = k.k2, k3 = k.k3, k4 = k.k4;
        long h = hash(k0, k1, k2, k3, k4);
        int limit = zoneLimit[zone];
        boolean zoneFull = limit > 0 && zoneCount.get(zone) >= limit && !evictEarly(zone, now);
        for (int attempt = 0; attempt < WINDOW; attempt++) {
            int free = -1, early = -1, freeAt = -1, earlyAt = -1;
            long freeWord = 0, earlyWord = 0, earlySeen = Long.MAX_VALUE;
            for (int i = 0; i < WINDOW; i++) {
                int s = probe(h, i);
                long w = word(s);
                long status = w & STATUS;
                boolean sameZone = status == LIVE && FlowKey.zone(key(s, 4)) == zone;
                if (status == EMPTY || status == DEAD) {
                    if (!zoneFull) {
                        free = s;
                        freeWord = w;
                        freeAt = i;
                        break; // the first free slot is the one taken
                    }
                    if (status == EMPTY) {
                        break; // nothing lives beyond an empty slot of the sequence
                    }
                } else if (status == LIVE) {
                    if (expired(s, w, now) && (!zoneFull || sameZone)) {
                        free = s;
                        freeWord = w;
                        freeAt = i;
                        break;
                    } else if (ConnState.early(ConnState.state(w)) && (!zoneFull || sameZone)) {
                        long seen = lastSeen(s);
                        if (seen < earlySeen) {
                            early = s;
                            earlyWord = w;
                            earlySeen = seen;
                            earlyAt = i;
                        }
                    }
                }
            }
            int s = free >= 0 ? free : early;
            long w = free >= 0 ? freeWord : earlyWord;
            int at = free >= 0 ? freeAt : earlyAt;
            if (s < 0) {
                zoneRefused.getAndIncrement(zone);
                return zoneFull ? ZONE_FULL : TABLE_FULL;
            }
            long gen = w >>> GEN_SHIFT;
            if (!update(s, w, gen << GEN_SHIFT | BUSY)) {
                continue; // another worker took it first: look again
            }
            if ((w & STATUS) == LIVE) {
                zoneCount.getAndDecrement(FlowKey.zone(key(s, 4))); // reclaimed an expired or early entry
            }
            int o = BASE + s * STRIDE + KEY;
            slots[o] = k0;
            slots[o + 1] = k1;
            slots[o + 2] = k2;
            slots[o + 3] = k3;
            slots[o + 4] = k4;
            java.util.Arrays.fill(tcp, s * TCP_WORDS, s * TCP_WORDS + TCP_WORDS, 0);
            touch(s, now);
            reachTo(h, at); // before the entry is published, so a lookup that sees it walks far enough
            zoneCount.getAndIncrement(zone);
            long live = (gen + 1) << GEN_SHIFT | (stateBits & ~STATUS & ((1L << GEN_SHIFT) - 1)) | LIVE;
            WORDS.setVolatile(slots, BASE + s * STRIDE, live);
            return dedupe(s, live, h, now);
        }
        zoneRefused.getAndIncrement(zone);
        return TABLE_FULL;
    }

    /** Where the search for an early entry to evict from a full zone goes on (racy by design: any start will do). */
    private int evictCursor;

    /**
     * A full zone makes room by evicting one of its early (half-open) entries, if one is among the
     * next {@link #EVICT_SCAN} slots: under a SYN flood the flood's own entries go first, while
     * established connections stay. Bounded work, only for a connection that would be refused.
     */
    private boolean evictEarly(int zone, long now) {
        int from = evictCursor;
        for (int i = 0; i < EVICT_SCAN; i++) {
            int s = (from + i) & mask;
            long w = word(s);
            if ((w & STATUS) == LIVE && FlowKey.zone(key(s, 4)) == zone
                    && (ConnState.early(ConnState.state(w)) || expired(s, w, now)) && kill(s, w)) {
                evictCursor = s + 1;
                return true;
            }
        }
        evictCursor = from + EVICT_SCAN;
        return false;
    }

    /** After publishing slot {@code s}: of two live entries with its key, the one later in the probe sequence dies. */
    private int dedupe(int s, long live, long h, long now) {
        int o = BASE + s * STRIDE + KEY;
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
        int r1 = (int) reach & 0xff, end = (reach & SPILL) == 0 ? r1 : HALF + run2Reach(h);
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
            if ((w & STATUS) == LIVE && keyIs(t, slots[o], slots[o + 1], slots[o + 2], slots[o + 3], slots[o + 4])) {
                if (expired(t, w, now)) {
                    kill(t, w); // the connection this one replaces
                    continue;
                }
                boolean mineFirst = mine < i;
                if (mineFirst) {
                    kill(t, w);
                    return s;
                }
                kill(s, live);
                return t;
            }
        }
        return s;
    }

    /** Marks a live slot dead (once: whoever's CAS wins); returns whether this call did. */
    public boolean kill(int slot, long word) {
        if ((word & STATUS) != LIVE) {
            return false;
        }
        if (update(slot, word, ((word >>> GEN_SHIFT) + 1) << GEN_SHIFT | DEAD)) {
            zoneCount.getAndDecrement(FlowKey.zone(key(slot, 4)));
            return true;
        }
        return false;
    }

    /** Control thread: reclaims every expired entry; returns how many. */
    public int expire(long now) {
        int n = 0;
        for (int s = 0; s < capacity; s++) {
            long w = word(s);
            if ((w & STATUS) == LIVE && expired(s, w, now) && kill(s, w)) {
                n++;
            }
        }
        return n;
    }

    /** Forgets every entry; returns how many were live. */
    public int clear() {
        int n = 0;
        for (int s = 0; s < capacity; s++) {
            long w = word(s);
            if ((w & STATUS) == LIVE && kill(s, w)) {
                n++;
            }
        }
        return n;
    }

    public int zoneCount(int zone) {
        return zoneCount.get(zone);
    }

    public long zoneRefused(int zone) {
        return zoneRefused.get(zone);
    }

    /** 0: no limit but the table's. */
    public int zoneLimit(int zone) {
        return zoneLimit[zone];
    }

    public synchronized void zoneLimit(int zone, int limit) {
        if (zone < 0 || zone >= MAX_ZONES || limit < 0) {
            throw new IllegalArgumentException("zone 0.." + (MAX_ZONES - 1) + " and a limit of 0 and up");
        }
        int[] l = zoneLimit.clone();
        l[zone] = limit;
        zoneLimit = l;
    }

    public long timeoutNanos(int index) {
        return timeoutNanos[index];
    }

    public synchronized void timeoutNanos(int index, long nanos) {
        long[] t = timeoutNanos.clone();
        t[index] = nanos;
        timeoutNanos = t;
    }

    /** What a visitor sees of a live entry (control path: handover, sessions). */
    public interface Visitor {
        void entry(int slot, long k0, long k1, long k2, long k3, long k4, long word, long lastSeen);
    }

    /** Visits the live, unexpired entries, in slot order, at most {@code max}. */
    public int forEach(long now, int max, Visitor v) {
        int n = 0;
        for (int s = 0; s < capacity && n < max; s++) {
            long w = word(s);
            if ((w & STATUS) == LIVE && !expired(s, w, now)) {
                int o = BASE + s * STRIDE + KEY;
                v.entry(s, slots[o], slots[o + 1], slots[o + 2], slots[o + 3], slots[o + 4], w, lastSeen(s));
                n++;
            }
        }
        return n;
    }

    /**
     * Puts back an entry handed over by the previous instance of the bundle (control path, before any
     * worker runs): its key, state and flags, when it was last seen and its TCP words. Returns whether
     * there was room.
     */
    public boolean restore(long k0, long k1, long k2, long k3, long k4, long stateBits, long seen, int[] tcpWords, long now) {
        FlowKey k = new FlowKey();
        k.k0 = k0;
        k.k1 = k1;
        k.k2 = k2;
        k.k3 = k3;
        k.k4 = k4;
        int zone = FlowKey.zone(k4);
        if (zone >= MAX_ZONES || find(k, now) >= 0) {
            return false;
        }
        int s = insert(k, zone, stateBits, now);
        if (s < 0) {
            return false;
        }
        System.arraycopy(tcpWords, 0, tcp, s * TCP_WORDS, TCP_WORDS);
        touch(s, seen);
        return true;
    }

    /** The bits of a word worth handing over: state and flags, not status or generation. */
    public static long stateBits(long word) {
        return word & ((1L << GEN_SHIFT) - 1) & ~STATUS;
    }

    /** How many entries are live (expired ones not yet reclaimed included). */
    public int size() {
        int n = 0;
        for (int z = 0; z < MAX_ZONES; z++) {
            n += zoneCount.get(z);
        }
        return n;
    }
}
