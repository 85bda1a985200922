package dev.junction.mpls.tables;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The imposition entries by index: the index is what routing puts in a steered packet's adjacency
 * word (the entry's {@link dev.junction.routing.SteeredPrefix#index()}), so mpls-impose finds its
 * entry with one load. Slots are published one by one as in {@link LabelTable}; the index doubles as
 * the counter slot.
 */
public final class FtnTable {
    public static final int MAX_ENTRIES = 1 << 18;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(FtnEntry[].class);
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    /** A fast word's flags: one label towards one next hop; the uniform TTL mode. */
    public static final long FAST = 1L << 62, UNIFORM = 1L << 25;
    private final FtnEntry[] byIndex = new FtnEntry[MAX_ENTRIES];
    /**
     * The common entry flattened, as {@link LabelTable#fastWords()} does for labels: one label pushed
     * towards one next hop. Word 0: {@link #FAST} | {@link #UNIFORM} | (tc + 1) << 21 (0: copy) |
     * the label, or 0 (use {@link #get}); word 1: the next hop's {@link Nhlfe#resolved()}; the same
     * sequence rule for readers.
     */
    private final long[] fast = new long[2 * MAX_ENTRIES];
    private final EntryCounters counters = new EntryCounters(MAX_ENTRIES);
    private final SlotAllocator slots = new SlotAllocator(MAX_ENTRIES);

    /** The entry at {@code index}, or null (also for an index out of range): the fast path's read. */
    public FtnEntry get(int index) {
        return index >= 0 && index < MAX_ENTRIES ? (FtnEntry) SLOT.getAcquire(byIndex, index) : null;
    }

    /** The fast words, indexed {@code 2 * index} and {@code 2 * index + 1}: the fast path's read. */
    public long[] fastWords() {
        return fast;
    }

    /** Acquire load of fast word {@code i} (see {@link #fastWords()}). */
    public static long word(long[] words, int i) {
        return (long) WORD.getAcquire(words, i);
    }

    /** The traffic class a fast word 0 sets, or {@link FtnEntry#TC_COPY}. */
    public static int tc(long w0) {
        return (int) (w0 >>> 21 & 0xF) - 1;
    }

    private static long fastWord(FtnEntry e) {
        if (e.paths().length != 1 || e.paths()[0].labelCount() != 1) {
            return 0;
        }
        return FAST | (e.uniform() ? UNIFORM : 0) | (long) (e.tc() + 1) << 21 | e.paths()[0].label(0);
    }

    /** Publishes the next hop's resolution of entry {@code index} again (one store). */
    public synchronized void refreshResolution(int index) {
        FtnEntry e = get(index);
        if (e != null && fastWord(e) != 0) {
            long r = e.paths()[0].resolved();
            if ((long) WORD.getAcquire(fast, 2 * index + 1) != r) {
                WORD.setRelease(fast, 2 * index + 1, r);
            }
        }
    }

    public EntryCounters counters() {
        return counters;
    }

    /** An index for a new entry, its counters zeroed; -1 when full. */
    public synchronized int allocate() {
        int s = slots.allocate();
        if (s >= 0) {
            counters.clear(s);
        }
        return s;
    }

    /** Publishes {@code e} at its slot. */
    public synchronized void put(FtnEntry e) {
        SLOT.setRelease(byIndex, e.slot(), e);
        int i = 2 * e.slot();
        long w0 = fastWord(e);
        WORD.setRelease(fast, i, 0L);
        if (w0 != 0) {
            WORD.setRelease(fast, i + 1, e.paths()[0].resolved());
            WORD.setRelease(fast, i, w0);
        }
    }

    /** Clears the slot and gives it back. */
    public synchronized void remove(int index) {
        if (byIndex[index] != null) {
            SLOT.setRelease(byIndex, index, null);
            WORD.setRelease(fast, 2 * index, 0L);
            slots.free(index);
        }
    }

    public synchronized List<FtnEntry> entries() {
        List<FtnEntry> out = new ArrayList<>();
        for (FtnEntry e : byIndex) {
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }
}
