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
    public static final int MAX_ENTRIES = 1 << 16;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(LabelEntry[].class);
    private final LabelEntry[] byLabel = new LabelEntry[MplsHeader.MAX_LABEL + 1];
    private final EntryCounters counters = new EntryCounters(MAX_ENTRIES);
    private final SlotAllocator slots = new SlotAllocator(MAX_ENTRIES);
    /** The same entries by label for the control side (listing without a scan of 2^20 slots). */
    private final java.util.TreeMap<Integer, LabelEntry> sorted = new java.util.TreeMap<>();

    /** The entry for {@code label} (0 to 2^20-1), or null: the fast path's read. */
    public LabelEntry get(int label) {
        return (LabelEntry) SLOT.getAcquire(byLabel, label);
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
