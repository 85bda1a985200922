package dev.junction.lb.flows;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The load balancer's connection table: shared by every worker, bounded, lock-free, primitive arrays.
 *
 * <p>A flow is one entry: its key is the client's packets' 5-tuple as they arrive (client to VIP),
 * its value the backend (address, port, id). Both directions of a NAT flow find that one entry,
 * whichever worker receives them: the window a key hashes to is chosen by the client's side alone
 * (family, VRF, protocol, the client's address and port; {@link #forwardHash}), which a backend's
 * reply carries as its destination ({@link #replyHash} gives the same window), and a reply matches
 * the entry by the client's side, the backend's address and port in the value, and the entry's
 * {@link #NAT} flag ({@link #findReply}). The VIP's address and port the reply is rewritten to are
 * the key's destination. So a new NAT flow costs one claim and one line, as a DSR one does (with a
 * second entry under the reply's key, new NAT flows ran at 0.12x routed against DSR's 0.22x). The
 * cost: the flows of one client address and port (to different VIPs or ports) share one window, so
 * at most {@link #WINDOW} of them are open at once.
 *
 * <p>Keys hash to a window of {@link #WINDOW} slots (two runs of 16 from two starts, as the
 * firewall's table does). A slot's status, flags and generation are one 64-bit word, read and
 * written through a VarHandle:
 *
 * <ul>
 *   <li>insert: claim a free, dead or expired slot of the window by CAS of its word to BUSY, write the
 *       key and value (plain writes), then publish LIVE with the next generation (a release store,
 *       which orders the plain writes before it: no fence), so a reply never finds half a flow;
 *   <li>lookup: word, key, word again: only a LIVE word of the same generation vouches for the key;
 *   <li>close (FIN or RST seen) and kill: a CAS of the word;
 *   <li>two workers inserting the same new flow at once both publish; each then looks for the other
 *       in the window (waiting out a BUSY slot: their claims' CAS are ordered, so the later claimer
 *       sees the earlier's slot at least BUSY) and the one later in the probe sequence dies, so one
 *       survives.
 * </ul>
 *
 * <p>Slots never go back to EMPTY (a dead one is reused), so a lookup stops at the first EMPTY slot.
 * Each service has a count of its flows and a limit; a flow beyond it, or with no free slot in its
 * windows, is refused and counted. A worker counts the flows it makes and takes over in a
 * {@link Writer} of its own (plain adds); every other change of a count is atomic; a count is the
 * sum (with the release publication, new flows 5.08 -> 5.38 Mpps in four rounds against an atomic
 * add each and a volatile publication).
 */
public final class FlowTable {
    public static final int WINDOW = 32;
    private static final int HALF = WINDOW / 2;
    public static final int MAX_SERVICES = 4096;
    /** {@link #insert} results. */
    public static final int SERVICE_FULL = -1, TABLE_FULL = -2;

    static final long STATUS = 3, EMPTY = 0, BUSY = 1, LIVE = 2, DEAD = 3;
    /** A NAT flow (its replies come back through us and find it), and a closing one (FIN or RST seen). */
    public static final long NAT = 1 << 2, CLOSING = 1 << 3;
    private static final int GEN_SHIFT = 32;

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
    /** The counts' changes not made through a {@link Writer}: kills, the sweep, control-path inserts. */
    private final AtomicIntegerArray serviceCount = new AtomicIntegerArray(MAX_SERVICES);
    /** Every writer made for this table (never removed: their counts stay part of the sums). */
    private volatile Writer[] writers = new Writer[0];
    /** How long a dedupe waits for a BUSY slot of its window to be published (spins) before it goes on. */
    private static final int BUSY_SPINS = 1 << 14;
    private final AtomicLongArray serviceRefused = new AtomicLongArray(MAX_SERVICES);
    private volatile int[] serviceLimit = new int[MAX_SERVICES];
    /** Idle timeouts until {@link #timeouts} says otherwise: an open TCP flow, a closing one, a UDP flow. */
    public static final long DEFAULT_OPEN_NANOS = 900_000_000_000L, DEFAULT_CLOSING_NANOS = 10_000_000_000L,
            DEFAULT_UDP_NANOS = 60_000_000_000L;
    private volatile long openNanos = DEFAULT_OPEN_NANOS, closingNanos = DEFAULT_CLOSING_NANOS, udpNanos = DEFAULT_UDP_NANOS;
    /** The largest table: 2^26 slots, 6 GiB (96 bytes a slot: a line and, for IPv6, four longs). */
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

    /**
     * Where a flow's window starts, from a client's packet: its key's first word ({@link #misc}: the
     * VIP's port is left out) and the client's address (its source, {@code k1}, {@code k2}).
     */
    public static long forwardHash(long k0, long k1, long k2) {
        return clientHash(k0 >>> 32, (int) (k0 >>> 16) & 0xffff, k1, k2);
    }

    /**
     * The same window from a backend's reply under NAT: its 5-tuple's first word ({@link #misc}, the
     * client's port its destination port) and the client's address (its destination, {@code k3},
     * {@code k4}). {@code replyHash} of a reply's key equals {@code forwardHash} of its flow's.
     */
    public static long replyHash(long k0, long k3, long k4) {
        return clientHash(k0 >>> 32, (int) k0 & 0xffff, k3, k4);
    }

    /** Family, VRF and protocol ({@code top}: a key's first word's high half), the client's port and address. */
    private static long clientHash(long top, int port, long hi, long lo) {
        long h = ((top << 16 | port) ^ 0x7F4A7C15F39CC060L) * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 30) ^ hi) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27) ^ lo) * 0x94D049BB133111EBL;
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
        WORDS.setRelease(slots, at(slot) + WORD, to);
    }

    /**
     * One worker's side of the table: the insert's scratch word and the worker's own changes of the
     * service counts (plain, by that worker only). Made by {@link #writer()}, one a worker.
     */
    public static final class Writer {
        final long[] old = new long[1];
        final int[] counts = new int[MAX_SERVICES];

        private Writer() {
        }
    }

    /** A writer for one worker's inserts (control path: when the workers are made). */
    public synchronized Writer writer() {
        Writer w = new Writer();
        Writer[] all = java.util.Arrays.copyOf(writers, writers.length + 1);
        all[all.length - 1] = w;
        writers = all;
        return w;
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

    /**
     * Whether slot {@code s} (a NAT flow's) is the flow of a backend's reply with 5-tuple {@code k*}
     * (backend to client): the same family, VRF and protocol, the client's port and address as the
     * key's source, the backend's address and port as the value's.
     */
    private boolean replyIs(int s, long k0, long k1, long k2, long k3, long k4) {
        int o = at(s);
        long e0 = slots[o + K0];
        return e0 >>> 32 == k0 >>> 32 && (e0 >>> 16 & 0xffff) == (k0 & 0xffff) && slots[o + K2] == k4
                && slots[o + V1] == k2 && (slots[o + V2] & 0xffff) == (k0 >>> 16 & 0xffff)
                && ((k0 & IPV6) == 0 || wide[s * WIDE + K1] == k3 && wide[s * WIDE + V0] == k1);
    }

    /** Whether a live entry has been idle longer than its state allows (either direction keeps it alive). */
    public boolean expired(int slot, long word, long now) {
        long limit = (word & CLOSING) != 0 ? closingNanos
                : (slots[at(slot) + K0] >>> 32 & 0xff) == 17 ? udpNanos : openNanos;
        return now - lastSeen(slot) > limit;
    }

    /** The slot of the live, unexpired entry with this key, or -1. */
    public int find(long k0, long k1, long k2, long k3, long k4, long now) {
        return find(forwardHash(k0, k1, k2), k0, k1, k2, k3, k4, now);
    }

    /** {@link #find(long, long, long, long, long, long)} with the key's {@link #forwardHash} already made. */
    public int find(long h, long k0, long k1, long k2, long k3, long k4, long now) {
        return find(h, k0, k1, k2, k3, k4, now, false);
    }

    /**
     * The slot of the live, unexpired NAT flow a backend's reply of 5-tuple {@code k*} (backend to
     * client) belongs to, or -1; {@code h} is the reply's {@link #replyHash}.
     */
    public int findReply(long h, long k0, long k1, long k2, long k3, long k4, long now) {
        return find(h, k0, k1, k2, k3, k4, now, true);
    }

    /** A client's packet's flow, or ({@code reply}) a reply's: the first run as far as its reach, then the second. */
    private int find(long h, long k0, long k1, long k2, long k3, long k4, long now, boolean reply) {
        int home = (int) h & mask;
        long reach = reach(home);
        int s = findInRun(home, (int) reach & 0xff, k0, k1, k2, k3, k4, now, reply);
        if (s != -2) {
            return s;
        }
        if ((reach & SPILL) == 0) {
            return -1;
        }
        // The second run of a window, for a home one of whose keys was put there (rare below half full).
        int home2 = (int) (h >>> 32) & mask;
        s = findInRun(home2, (int) (reach(home2) >>> RUN2_SHIFT) & 0xff, k0, k1, k2, k3, k4, now, reply);
        return s == -2 ? -1 : s;
    }

    /** The entry in {@code run} slots from {@code start}; -1 at an EMPTY slot or an expired match, -2 past the run. */
    private int findInRun(int start, int run, long k0, long k1, long k2, long k3, long k4, long now, boolean reply) {
        for (int i = 0; i < run; i++) {
            int s = (start + i) & mask;
            long w1 = word(s);
            long status = w1 & STATUS;
            if (status == EMPTY) {
                return -1;
            }
            if (status == LIVE && (reply ? (w1 & NAT) != 0 && replyIs(s, k0, k1, k2, k3, k4) : keyIs(s, k0, k1, k2, k3, k4))) {
                long w2 = word(s);
                if ((w2 & STATUS) == LIVE && w2 >>> GEN_SHIFT == w1 >>> GEN_SHIFT) {
                    return expired(s, w2, now) ? -1 : s;
                }
            }
        }
        return -2;
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

    /**
     * Claims a slot of the key's window (BUSY); returns it with its old word in {@code old[0]}, or -1.
     * An expired flow taken over leaves its service's count through {@code counts} (a writer's), or
     * atomically when null.
     */
    private int claim(long h, long k0, long k1, long k2, long k3, long k4, long now, long[] old, int[] counts) {
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
                    reclaimed(free, counts); // an expired entry: its flow goes with it
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

    /** An expired entry taken over by an insert: its service is told (the claim's CAS made it ours alone). */
    private void reclaimed(int slot, int[] counts) {
        int svc = service(value(slot, 2));
        if (counts != null) {
            counts[svc]--;
        } else {
            serviceCount.getAndDecrement(svc);
        }
    }

    private static long nextGen(long word) {
        return ((word >>> GEN_SHIFT) + 1) << GEN_SHIFT;
    }

    /**
     * Makes the entry of a new flow (the caller found none): key {@code f*} (the client's packet's) to
     * the backend ({@code bh, bl}, value word {@code v2}), {@code nat} when the backend's replies come
     * back through us (they find it by {@link #findReply}). Returns its slot, or {@link #SERVICE_FULL}
     * / {@link #TABLE_FULL}. {@code scratch} is the caller's (per worker) one-long array.
     */
    public int insert(long f0, long f1, long f2, long f3, long f4, long bh, long bl, long v2, boolean nat, long now,
                      long[] scratch) {
        return insert(forwardHash(f0, f1, f2), f0, f1, f2, f3, f4, bh, bl, v2, nat, now, scratch);
    }

    /** {@link #insert(long, long, long, long, long, long, long, long, boolean, long, long[])} with the key's {@link #forwardHash} already made. */
    public int insert(long fh, long f0, long f1, long f2, long f3, long f4, long bh, long bl, long v2, boolean nat,
                      long now, long[] scratch) {
        return insert(fh, f0, f1, f2, f3, f4, bh, bl, v2, nat, now, scratch, null);
    }

    /** The same on a worker, through its {@link Writer}: its count changes are plain adds. */
    public int insert(long fh, long f0, long f1, long f2, long f3, long f4, long bh, long bl, long v2, boolean nat,
                      long now, Writer w) {
        return insert(fh, f0, f1, f2, f3, f4, bh, bl, v2, nat, now, w.old, w.counts);
    }

    private int insert(long fh, long f0, long f1, long f2, long f3, long f4, long bh, long bl, long v2, boolean nat,
                       long now, long[] old, int[] counts) {
        int svc = service(v2);
        int limit = serviceLimit[svc];
        if (limit > 0 && serviceCount(svc) >= limit) {
            serviceRefused.getAndIncrement(svc);
            return SERVICE_FULL;
        }
        int s = claim(fh, f0, f1, f2, f3, f4, now, old, counts);
        if (s < 0) {
            serviceRefused.getAndIncrement(svc);
            return TABLE_FULL;
        }
        setValue(s, f0, bh, bl, v2);
        if (counts != null) {
            counts[svc]++;
        } else {
            serviceCount.getAndIncrement(svc);
        }
        long live = nextGen(old[0]) | (nat ? NAT : 0) | LIVE;
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
        // As far as the reach goes. Of two racing inserters of one key, the one whose claim's CAS came
        // second sees the other's slot at least BUSY, as its reach was covered before that CAS or is
        // raised later by a CAS of the other's, which then sees this one's slot: so at least one of
        // them finds the other, waiting out a BUSY slot until it is published.
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
            for (int spin = 0; (w & STATUS) == BUSY && spin < BUSY_SPINS; spin++) {
                Thread.onSpinWait(); // another insert between its claim and its publication: a few stores
                w = word(t);
            }
            if ((w & STATUS) == LIVE && keyIs(t, k0, k1, k2, k3, k4)) {
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

    /** Marks a live entry dead (whoever's CAS wins); returns whether this call did. */
    public boolean kill(int slot, long word) {
        return kill(slot, word, true);
    }

    /** {@link #kill(int, long)}; the service's count is left to the caller when not {@code count}. */
    private boolean kill(int slot, long word, boolean count) {
        if ((word & STATUS) != LIVE || !casWord(slot, word, nextGen(word) | DEAD)) {
            return false;
        }
        if (count) {
            serviceCount.getAndDecrement(service(value(slot, 2)));
        }
        return true;
    }

    /** A FIN or RST was seen (either way): the flow gets the short closing timeout. */
    public void close(int slot) {
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
            if ((w & STATUS) == LIVE && expired(s, w, now)) {
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
            if ((w & STATUS) == LIVE && kill(s, w)) {
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
            if ((w & STATUS) == LIVE && service(value(s, 2)) == service && kill(s, w)) {
                n++;
            }
        }
        return n;
    }

    /** Service {@code service}'s flows: the atomic changes and every writer's (plain reads: a worker's latest adds may lag). */
    public int serviceCount(int service) {
        int n = serviceCount.get(service);
        for (Writer w : writers) {
            n += w.counts[service];
        }
        return n;
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

    /**
     * What a visitor sees of a live flow (control path: handover, listing): its key and value, and for
     * a NAT flow ({@code reverse}) its replies' 5-tuple (backend to client) and what they are rewritten
     * to (the VIP's address, and its port in the third word as {@link #value} lays it out).
     */
    public interface Visitor {
        void flow(int slot, long[] key, long[] value, boolean closing, long lastSeen, boolean reverse,
                  long[] reverseKey, long[] reverseValue);
    }

    /** Visits the live, unexpired flows, in slot order, at most {@code max}. */
    public int forEach(long now, int max, Visitor v) {
        int n = 0;
        long[] k = new long[5], val = new long[3], rk = new long[5], rv = new long[3];
        for (int s = 0; s < capacity && n < max; s++) {
            long w = word(s);
            if ((w & STATUS) != LIVE || expired(s, w, now)) {
                continue;
            }
            copy(s, k, val);
            boolean nat = (w & NAT) != 0;
            if (nat) {
                int bport = port(val[2]), cport = (int) (k[0] >>> 16) & 0xffff, vport = (int) k[0] & 0xffff;
                rk[0] = k[0] & ~0xffffffffL | (long) bport << 16 | cport;
                rk[1] = val[0];
                rk[2] = val[1];
                rk[3] = k[1];
                rk[4] = k[2];
                rv[0] = k[3];
                rv[1] = k[4];
                rv[2] = value(service(val[2]), backend(val[2]), vport);
            }
            v.flow(s, k, val, (w & CLOSING) != 0, lastSeen(s), nat, rk, rv);
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

    /**
     * Puts back a flow handed over by the previous instance (control path, before any worker runs it);
     * {@code nat}: its replies come back through us (their key and value follow from the flow's).
     */
    public boolean restore(long[] k, long[] val, boolean closing, long seen, boolean nat, long now) {
        if (find(k[0], k[1], k[2], k[3], k[4], now) >= 0) {
            return false;
        }
        int s = insert(k[0], k[1], k[2], k[3], k[4], val[0], val[1], val[2], nat, now, new long[1]);
        if (s < 0) {
            return false;
        }
        touch(s, seen);
        if (closing) {
            close(s);
        }
        return true;
    }

    /** How many flows are live (expired ones not yet reclaimed included). */
    public int size() {
        int n = 0;
        for (int i = 0; i < MAX_SERVICES; i++) {
            n += serviceCount(i);
        }
        return n;
    }
}
