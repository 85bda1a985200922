package dev.junction.lb.health;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the health checker (control thread) and the {@link ProbeNode} (workers) share, lock-free. A probe
 * is a slot: the checker writes its addresses, ports and initial sequence number (ISN) in plain arrays,
 * arms it ({@link #armed}, a release store) and queues it on a single-producer single-consumer ring that
 * only worker 0 drains (one worker sends). The ISN holds the slot number in its low bits, so the answer's
 * acknowledgement number (ISN + 1) names the slot; whichever worker receives the answer checks it against
 * the armed word (an acquire load, after which the plain fields are visible) and the backend's address and
 * ports, then stores the outcome with a release store that the checker reads.
 */
public final class ProbeSlots {
    public static final int SLOTS = 4096;
    static final int SLOT_MASK = SLOTS - 1;
    /** Outcomes. */
    public static final int NONE = 0, SYN_ACK = 1, RST = 2, HTTP = 3;
    /** Kinds of probe: a handshake, or a handshake and a GET. */
    public static final int KIND_TCP = 0, KIND_HTTP = 1;
    /**
     * Every HTTP probe's request is this long (padded with a header), so that the answer's
     * acknowledgement, ISN + 1 + this, names the slot as a SYN-ACK's does.
     */
    public static final int REQUEST_LENGTH = 192;
    /** What {@link #answer} says of a packet that answers no armed probe. */
    public static final int NOT_OURS = -1;

    final int[] family = new int[SLOTS], vrf = new int[SLOTS], sport = new int[SLOTS], dport = new int[SLOTS],
            isn = new int[SLOTS], kind = new int[SLOTS];
    /** Per slot, {@link #REQUEST_LENGTH} bytes: an HTTP probe's request. */
    final byte[] request = new byte[SLOTS * REQUEST_LENGTH];
    final long[] srcHi = new long[SLOTS], srcLo = new long[SLOTS], dstHi = new long[SLOTS], dstLo = new long[SLOTS];
    /** Per slot: 1 << 32 | ISN while the probe waits for its answer, 0 otherwise. */
    private final AtomicLongArray armed = new AtomicLongArray(SLOTS);
    /** Per slot: ISN << 24 | HTTP status << 8 | outcome once answered. */
    private final AtomicLongArray result = new AtomicLongArray(SLOTS);
    private final int[] ring = new int[SLOTS];
    /** Next ring position to write (the checker's) and to read (worker 0's). */
    private final AtomicLong head = new AtomicLong(), tail = new AtomicLong();

    /** Control: fills slot {@code s} for a probe and queues it; false (nothing queued) when the ring is full. */
    public boolean send(int s, int fam, int vrfId, long sh, long sl, long dh, long dl, int sourcePort, int destPort, int seq) {
        return send(s, fam, vrfId, sh, sl, dh, dl, sourcePort, destPort, seq, null);
    }

    /** The same for an HTTP probe when {@code http} is its request ({@link #REQUEST_LENGTH} bytes), a TCP one when null. */
    public boolean send(int s, int fam, int vrfId, long sh, long sl, long dh, long dl, int sourcePort, int destPort, int seq,
                        byte[] http) {
        long h = head.get();
        if (h - tail.getAcquire() >= SLOTS) {
            return false;
        }
        family[s] = fam;
        vrf[s] = vrfId;
        srcHi[s] = sh;
        srcLo[s] = sl;
        dstHi[s] = dh;
        dstLo[s] = dl;
        sport[s] = sourcePort;
        dport[s] = destPort;
        isn[s] = seq;
        kind[s] = http == null ? KIND_TCP : KIND_HTTP;
        if (http != null) {
            System.arraycopy(http, 0, request, s * REQUEST_LENGTH, REQUEST_LENGTH);
        }
        result.set(s, 0);
        armed.setRelease(s, 1L << 32 | Integer.toUnsignedLong(seq));
        ring[(int) (h & SLOT_MASK)] = s;
        head.setRelease(h + 1); // the slot's fields and the ring entry before the worker sees the new head
        return true;
    }

    /** Control: the outcome of slot {@code s}'s probe of ISN {@code seq} so far ({@link #NONE} while unanswered). */
    public int outcome(int s, int seq) {
        long r = result.getAcquire(s);
        return (int) (r >>> 24) == seq ? (int) (r & 0xff) : NONE;
    }

    /** Control: the HTTP status of an {@link #HTTP} outcome (0: the answer did not start with a status line). */
    public int status(int s) {
        return (int) (result.getAcquire(s) >>> 8) & 0xffff;
    }

    /** Control: the probe is over (answered or timed out); a late answer finds nothing armed. */
    public void disarm(int s) {
        armed.setRelease(s, 0);
    }

    /** Worker 0: the next queued slot, or -1; {@link #taken()} after its frame went out. */
    int peek() {
        long t = tail.get();
        return t == head.getAcquire() ? -1 : ring[(int) (t & SLOT_MASK)];
    }

    void taken() {
        tail.setRelease(tail.get() + 1);
    }

    /**
     * Any worker: an answer (SYN-ACK or RST) from {@code (hi, lo):fromPort} to our {@code toPort} that
     * acknowledges {@code ack}; stores the outcome and returns it, or {@link #NOT_OURS}. Fast path.
     */
    int answer(int fam, long hi, long lo, int fromPort, int toPort, int ack, int outcome) {
        int s = slot(fam, hi, lo, fromPort, toPort, ack - 1);
        // The first answer decides (a compare-and-set from none): what the backend sends after it is late.
        if (s < 0 || !result.compareAndSet(s, 0, Integer.toUnsignedLong(isn[s]) << 24 | outcome)) {
            return NOT_OURS;
        }
        return outcome;
    }

    /**
     * Any worker: the armed slot whose probe (ISN {@code seq}) came from these addresses and ports, or -1.
     * The checks after the acquire load see the fields the checker wrote before arming.
     */
    int slot(int fam, long hi, long lo, int fromPort, int toPort, int seq) {
        int s = seq & SLOT_MASK;
        long a = armed.getAcquire(s);
        if (a != (1L << 32 | Integer.toUnsignedLong(seq)) || family[s] != fam || dstHi[s] != hi || dstLo[s] != lo
                || dport[s] != fromPort || sport[s] != toPort) {
            return -1;
        }
        return s;
    }

    /** Any worker: an HTTP probe's answer (its status, 0 for none) in slot {@code s}; false if one came first. */
    boolean http(int s, int status) {
        return result.compareAndSet(s, 0, Integer.toUnsignedLong(isn[s]) << 24 | (long) (status & 0xffff) << 8 | HTTP);
    }
}
