package dev.junction.routing.nodes;

import dev.junction.graph.PerWorker;

/**
 * A token bucket per worker, refilled at a fixed rate each millisecond and holding at most a
 * second's worth: the rate limit of the ICMP error nodes (RFC 1812 4.3.2.8, RFC 4443 2.4). Each
 * worker's bucket is an array of its own (a cache line's worth, so two workers' buckets do not share
 * one), sized by the real worker count ({@link #workers}); no sharing, no allocation per packet.
 */
final class TokenBuckets {
    private static final long SECOND_NS = 1_000_000_000L;
    private static final int TOKENS = 0, REFILLED = 1;
    private final int perSecond;
    /** Per worker: tokens, then when they were last refilled (8 longs: the rest is padding). */
    private final PerWorker<long[]> buckets = new PerWorker<>(w -> new long[8]);

    TokenBuckets(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Makes buckets for {@code count} workers (control thread, from the node's {@code workers}). */
    void workers(int count) {
        buckets.resize(count);
    }

    /** Refills {@code worker}'s bucket for the time since its last refill; returns it for {@link #empty}, {@link #take}. */
    long[] refill(int worker, long now) {
        long[] b = buckets.get(worker);
        long since = now - b[REFILLED];
        if (since >= 1_000_000) { // refill each millisecond
            // A second or more fills the bucket; capping it keeps the product below from overflowing
            // after a long idle time (or on the first refill, from time 0 of System.nanoTime).
            long add = Math.min(since, SECOND_NS) * perSecond / SECOND_NS;
            b[TOKENS] = Math.min(perSecond, b[TOKENS] + add);
            b[REFILLED] = now;
        }
        return b;
    }

    static boolean empty(long[] bucket) {
        return bucket[TOKENS] <= 0;
    }

    static void take(long[] bucket) {
        bucket[TOKENS]--;
    }
}
