package dev.junction.routing.nodes;

/**
 * Packets waiting for a neighbour to be resolved, per worker (a buffer belongs to its worker's pool):
 * at most {@link #PER_WORKER} each, preallocated arrays, no allocation. The node that holds them
 * looks at them on its ticks: resolved ones go on, ones waiting longer than its limit are dropped.
 */
final class HoldQueue {
    static final int PER_WORKER = 64;
    private static final int MAX_WORKERS = 64;
    private final int[] buffers = new int[MAX_WORKERS * PER_WORKER];
    private final long[] since = new long[MAX_WORKERS * PER_WORKER];
    private final long[] asked = new long[MAX_WORKERS * PER_WORKER];
    private final int[] counts = new int[MAX_WORKERS];

    static int base(int worker) {
        return (worker % MAX_WORKERS) * PER_WORKER;
    }

    /** Holds a buffer; false when this worker's queue is full. */
    boolean hold(int worker, int buffer, long now) {
        int w = worker % MAX_WORKERS;
        int n = counts[w];
        if (n == PER_WORKER) {
            return false;
        }
        int at = w * PER_WORKER + n;
        buffers[at] = buffer;
        since[at] = now;
        asked[at] = now;
        counts[w] = n + 1;
        return true;
    }

    int count(int worker) {
        return counts[worker % MAX_WORKERS];
    }

    int buffer(int worker, int i) {
        return buffers[base(worker) + i];
    }

    long since(int worker, int i) {
        return since[base(worker) + i];
    }

    long asked(int worker, int i) {
        return asked[base(worker) + i];
    }

    void asked(int worker, int i, long now) {
        asked[base(worker) + i] = now;
    }

    /** Removes entry {@code i} (the last one takes its place: callers walk from the end). */
    void remove(int worker, int i) {
        int w = worker % MAX_WORKERS;
        int last = --counts[w];
        int at = w * PER_WORKER;
        buffers[at + i] = buffers[at + last];
        since[at + i] = since[at + last];
        asked[at + i] = asked[at + last];
    }
}
