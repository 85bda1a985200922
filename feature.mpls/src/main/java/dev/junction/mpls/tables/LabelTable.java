package dev.junction.mpls.tables;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The incoming label map: an array indexed by the 20-bit label (4 MiB of references, one load per
 * lookup, no hashing), each slot published on its own. The control thread writes a slot with a
 * release store after the entry is complete; a worker reads it with an acquire load, so it sees an
 * entry whole or the one before. Changes are made under this object's lock, on the control path only.
 */
public final class LabelTable {
    /** The most entries (each has a counter slot); label values themselves may be any of 2^20. */
    public static final int MAX_ENTRIES = 1 << 18;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(LabelEntry[].class);
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    /** A fast word's flag: there is a one-label swap to one next hop for the label. */
    public static final long FAST = 1L << 62;
    private final LabelEntry[] byLabel = new LabelEntry[MplsHeader.MAX_LABEL + 1];
    /**
     * The common entry flattened, two longs a label (16 MiB, one cache line for both): a swap of one
     * label for one label towards one next hop. Word 0: {@link #FAST} | slot << 20 | outgoing label,
     * or 0 (use {@link #get}); word 1: the next hop's {@link Nhlfe#resolved()}. With 100,000 labels
     * in random order a lookup through the objects is five dependent cache misses (slot, entry,
     * paths, next hop, its labels); this is one. Word 0 doubles as a sequence: a change clears it,
     * writes word 1, then word 0, each a release store, and a reader that reads word 0, word 1 and
     * word 0 again (acquire loads) and sees word 0 unchanged has a pair that belongs together.
     */
    private final long[] fast = new long[2 * (MplsHeader.MAX_LABEL + 1)];
    private final EntryCounters counters = new EntryCounters(MAX_ENTRIES);
    private final SlotAllocator slots = new SlotAllocator(MAX_ENTRIES);
    /** The same entries by label for the control side (listing without a scan of 2^20 slots). */
    private final java.util.TreeMap<Integer, LabelEntry> sorted = new java.util.TreeMap<>();

    /** The entry for {@code label} (0 to 2^20-1), or null: the fast path's read. */
    public LabelEntry get(int label) {
        return (LabelEntry) SLOT.getAcquire(byLabel, label);
    }

    /** The fast words, indexed {@code 2 * label} and {@code 2 * label + 1}: the fast path's read. */
    public long[] fastWords() {
        return fast;
    }

    /** Acquire load of fast word {@code i} (see {@link #fastWords()}). */
    public static long word(long[] words, int i) {
        return (long) WORD.getAcquire(words, i);
    }

    /** The fast word 0 of {@code e}, or 0 when it is not a one-label, one-next-hop swap. */
    private static long fastWord(LabelEntry e) {
        if (e.action() != LabelEntry.SWAP || e.paths().length != 1 || e.paths()[0].labelCount() != 1) {
            return 0;
        }
        return FAST | (long) e.slot() << 20 | e.paths()[0].label(0);
    }

    private void publishFast(LabelEntry e) {
        int i = 2 * e.label();
        long w0 = fastWord(e);
        WORD.setRelease(fast, i, 0L);
        if (w0 != 0) {
            WORD.setRelease(fast, i + 1, e.paths()[0].resolved());
            WORD.setRelease(fast, i, w0);
        }
    }

    /**
     * Publishes the next hop's resolution of {@code label}'s entry again (after a resolution pass);
     * one store, word 0 left as it is.
     */
    public synchronized void refreshResolution(int label) {
        LabelEntry e = get(label);
        if (e != null && fastWord(e) != 0) {
            long r = e.paths()[0].resolved();
            if ((long) WORD.getAcquire(fast, 2 * label + 1) != r) {
                WORD.setRelease(fast, 2 * label + 1, r);
            }
        }
    }

    public EntryCounters counters() {
        return counters;
    }

    /** A counter slot for a new entry, zeroed; -1 when the table is full. */
    public synchronized int allocateSlot() {
        int s = slots.allocate();
        if (s >= 0) {
            counters.clear(s);
        }
        return s;
    }

    /** Publishes {@code e} for its label, replacing what was there (whose slot is freed unless reused). */
    public synchronized void put(LabelEntry e) {
        LabelEntry old = get(e.label());
        SLOT.setRelease(byLabel, e.label(), e);
        publishFast(e);
        sorted.put(e.label(), e);
        if (old != null && old.slot() != e.slot()) {
            slots.free(old.slot());
        }
    }

    /** Removes the entry of {@code label}; returns it, or null. */
    public synchronized LabelEntry remove(int label) {
        LabelEntry old = get(label);
        if (old != null) {
            SLOT.setRelease(byLabel, label, null);
            WORD.setRelease(fast, 2 * label, 0L);
            sorted.remove(label);
            slots.free(old.slot());
        }
        return old;
    }

    /** Every entry, by label. */
    public synchronized List<LabelEntry> entries() {
        return new ArrayList<>(sorted.values());
    }

    public synchronized int size() {
        return sorted.size();
    }
}
