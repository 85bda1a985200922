package dev.junction.routing.nodes;

import dev.junction.graph.PerWorker;

/**
 * Packets waiting for a neighbour to be resolved, per worker (a buffer belongs to its worker's pool):
 * at most {@link #PER_WORKER} each, preallocated arrays, no allocation. The node that holds them
 * looks at them on its ticks: resolved ones go on, ones waiting longer than its limit are dropped.
 * Sized by the real worker count ({@link #workers}); a worker's queue is kept across a resize.
 */
final class HoldQueue {
    static final int PER_WORKER = 64;

    /** One worker's held packets: buffer, when it was held, when it was last asked for. */
    private static final class Held {
        final int[] buffers = new int[PER_WORKER];
        final long[] since = new long[PER_WORKER];
        final long[] asked = new long[PER_WORKER];
        int count;
    }

    private final PerWorker<Held> held = new PerWorker<>(w -> new Held());

    /** Makes queues for {@code count} workers (control thread, from the node's {@code workers}). */
    void workers(int count) {
        held.resize(count);
    }

    /** Holds a buffer; false when this worker's queue is full. */
    boolean hold(int worker, int buffer, long now) {
        Held h = held.get(worker);
        int n = h.count;
        if (n == PER_WORKER) {
            return false;
        }
        h.buffers[n] = buffer;
        h.since[n] = now;
        h.asked[n] = now;
        h.count = n + 1;
        return true;
    }

    int count(int worker) {
        return held.get(worker).count;
    }

    int buffer(int worker, int i) {
        return held.get(worker).buffers[i];
    }

    long since(int worker, int i) {
        return held.get(worker).since[i];
    }

    long asked(int worker, int i) {
        return held.get(worker).asked[i];
    }

    void asked(int worker, int i, long now) {
        held.get(worker).asked[i] = now;
    }

    /** Removes entry {@code i} (the last one takes its place: callers walk from the end). */
    void remove(int worker, int i) {
        Held h = held.get(worker);
        int last = --h.count;
        h.buffers[i] = h.buffers[last];
        h.since[i] = h.since[last];
        h.asked[i] = h.asked[last];
    }
}
