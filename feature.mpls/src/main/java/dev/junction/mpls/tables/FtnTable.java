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
    private final FtnEntry[] byIndex = new FtnEntry[MAX_ENTRIES];
    private final EntryCounters counters = new EntryCounters(MAX_ENTRIES);
    private final SlotAllocator slots = new SlotAllocator(MAX_ENTRIES);

    /** The entry at {@code index}, or null (also for an index out of range): the fast path's read. */
    public FtnEntry get(int index) {
        return index >= 0 && index < MAX_ENTRIES ? (FtnEntry) SLOT.getAcquire(byIndex, index) : null;
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
    }

    /** Clears the slot and gives it back. */
    public synchronized void remove(int index) {
        if (byIndex[index] != null) {
            SLOT.setRelease(byIndex, index, null);
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
