package dev.junction.firewall.nodes;

import dev.junction.firewall.Prefix;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The optional log of denials, off the fast path: a worker that denies a packet (by rule or by the
 * default deny) writes its addresses, ports, zone and reason into its own ring of {@link #SLOTS}
 * entries (the last 63 are drained) in preallocated primitive arrays and publishes the ring's head with a release store: no
 * allocation, no lock, no logging on the worker. The control thread {@link #drain drains} the rings
 * once a second and makes at most {@link #perSecond} lines; the rest (and entries overwritten before
 * they were drained) are summed in one line. Off ({@code perSecond} 0) the worker does not write.
 */
public final class DenialLog {
    public static final int SLOTS = 64, MAX_WORKERS = 64;
    private static final int WORDS = 6, PAD = 8;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private final long[] ring = new long[MAX_WORKERS * SLOTS * WORDS];
    private final long[] heads = new long[MAX_WORKERS * PAD]; // a cache line per worker
    private final long[] tails = new long[MAX_WORKERS]; // the drainer's own
    private volatile int perSecond;

    /** At most {@code lines} lines a second; 0 turns the log off. */
    public void perSecond(int lines) {
        if (lines < 0 || lines > 10_000) {
            throw new IllegalArgumentException("log-denials=" + lines + ": lines a second from 0 (off) to 10000");
        }
        perSecond = lines;
    }

    public int perSecond() {
        return perSecond;
    }

    /** Worker {@code w}: notes one denied packet (only when on; the caller checks {@link #on}). */
    void record(int w, PacketFields f, int zone, int reason) {
        if (w < 0 || w >= MAX_WORKERS) {
            return;
        }
        long h = heads[w * PAD]; // only this worker writes its head
        int base = (w * SLOTS + (int) (h & (SLOTS - 1))) * WORDS;
        ring[base] = (long) f.family << 56 | (long) (f.proto & 0xff) << 48 | (long) (reason & 0xff) << 40 | (zone & 0xffffL);
        ring[base + 1] = f.sh;
        ring[base + 2] = f.sl;
        ring[base + 3] = f.dh;
        ring[base + 4] = f.dl;
        ring[base + 5] = (long) (f.sport & 0xffff) << 16 | (f.dport & 0xffff);
        LONGS.setRelease(heads, w * PAD, h + 1);
    }

    boolean on() {
        return perSecond > 0;
    }

    /** Control thread, once a second: the lines to log (at most {@link #perSecond}, and a summary). */
    public synchronized List<String> drain() {
        List<String> out = new ArrayList<>();
        int budget = perSecond;
        long dropped = 0;
        for (int w = 0; w < MAX_WORKERS; w++) {
            long h = (long) LONGS.getAcquire(heads, w * PAD), t = tails[w];
            if (h - t > SLOTS - 1) { // the oldest slot may be under the worker's next write
                dropped += h - t - (SLOTS - 1);
                t = h - (SLOTS - 1);
            }
            for (; t < h; t++) {
                if (out.size() >= budget) {
                    dropped += h - t;
                    break;
                }
                int base = (w * SLOTS + (int) (t & (SLOTS - 1))) * WORDS;
                long meta = ring[base], sh = ring[base + 1], sl = ring[base + 2], dh = ring[base + 3], dl = ring[base + 4],
                        ports = ring[base + 5];
                if ((long) LONGS.getAcquire(heads, w * PAD) - t >= SLOTS) { // overwritten while read
                    dropped++;
                    continue;
                }
                int family = (int) (meta >>> 56), proto = (int) (meta >>> 48) & 0xff, reason = (int) (meta >>> 40) & 0xff;
                String p = proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 132 ? "sctp" : proto == 1 ? "icmp"
                        : proto == 58 ? "icmp6" : "proto " + proto;
                boolean ports4 = proto == 6 || proto == 17 || proto == 132;
                String src = Prefix.format(family, sh, sl), dst = Prefix.format(family, dh, dl);
                out.add("fw denied (" + FirewallNode.ERRORS.get(reason) + ") zone " + (meta & 0xffff) + " " + p + " "
                        + (ports4 ? addr(family, src) + ":" + (ports >>> 16 & 0xffff) : src) + " > "
                        + (ports4 ? addr(family, dst) + ":" + (ports & 0xffff) : dst));
            }
            tails[w] = h;
        }
        if (dropped > 0) {
            out.add("fw denied " + dropped + " more packets not logged (log-denials=" + budget + " lines a second)");
        }
        return out;
    }

    private static String addr(int family, String a) {
        return family == 6 ? "[" + a + "]" : a;
    }
}
