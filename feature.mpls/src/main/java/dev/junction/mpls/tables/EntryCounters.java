package dev.junction.mpls.tables;

import dev.junction.graph.PerWorker;

/**
 * Packets and bytes per table entry, per worker (plain adds: each worker writes only its own array),
 * summed on the control path. An entry's slot is given back when it is removed and may be given to a
 * later entry: its counts are zeroed then, and a worker still switching by the old entry in that
 * moment may count one vector to the new one.
 */
public final class EntryCounters {
    private final int slots;
    private final PerWorker<long[]> perWorker;

    public EntryCounters(int slots) {
        this.slots = slots;
        this.perWorker = new PerWorker<>(w -> new long[2 * slots]);
    }

    public void workers(int count) {
        perWorker.resize(count);
    }

    /** The worker's array: packets at {@code 2 * slot}, bytes at {@code 2 * slot + 1}. */
    public long[] of(int worker) {
        return perWorker.get(worker);
    }

    public long packets(int slot) {
        long n = 0;
        for (int w = 0; w < perWorker.size(); w++) {
            n += perWorker.get(w)[2 * slot];
        }
        return n;
    }

    public long bytes(int slot) {
        long n = 0;
        for (int w = 0; w < perWorker.size(); w++) {
            n += perWorker.get(w)[2 * slot + 1];
        }
        return n;
    }

    /** Adds counts handed over from a previous instance to worker 0's. */
    public void add(int slot, long packets, long bytes) {
        perWorker.resize(1);
        perWorker.get(0)[2 * slot] += packets;
        perWorker.get(0)[2 * slot + 1] += bytes;
    }

    public void clear(int slot) {
        for (int w = 0; w < perWorker.size(); w++) {
            perWorker.get(w)[2 * slot] = 0;
            perWorker.get(w)[2 * slot + 1] = 0;
        }
    }

    public int slots() {
        return slots;
    }
}
