package dev.junction.l2.bridge;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One worker's requests to the {@link MacLearner}: "MAC key was seen on port p". Single producer
 * (the worker), single consumer (the learner), bounded: when full, the request is dropped and
 * counted by the worker (the next frame from that MAC asks again), never the frame.
 */
final class LearnRing {
    private static final int SIZE = 4096;
    private static final int MASK = SIZE - 1;
    private final long[] keys = new long[SIZE];
    private final int[] ports = new int[SIZE];
    private final AtomicLong head = new AtomicLong(); // next to consume: the learner's
    private final AtomicLong tail = new AtomicLong(); // next to fill: the worker's
    private long headSeen; // the worker's last read of head, to read the atomic rarely

    /** Worker: queues a request; false if the ring is full. */
    boolean offer(long key, int port) {
        long t = tail.get();
        if (t - headSeen >= SIZE) {
            headSeen = head.get();
            if (t - headSeen >= SIZE) {
                return false;
            }
        }
        int i = (int) t & MASK;
        keys[i] = key;
        ports[i] = port;
        tail.lazySet(t + 1);
        return true;
    }

    /** Learner: hands each queued request to {@code sink}; returns how many. */
    int drain(Sink sink) {
        long h = head.get();
        long t = tail.get();
        for (long s = h; s < t; s++) {
            int i = (int) s & MASK;
            sink.learn(keys[i], ports[i]);
        }
        head.lazySet(t);
        return (int) (t - h);
    }

    interface Sink {
        void learn(long key, int port);
    }
}
