package dev.junction.routing.nodes;

/**
 * A token bucket per worker, refilled at a fixed rate each millisecond and holding at most a
 * second's worth: the rate limit of the ICMP error nodes (RFC 1812 4.3.2.8, RFC 4443 2.4). Each
 * worker's bucket is 8 longs apart (a cache line of its own), no sharing, no allocation.
 */
final class TokenBuckets {
    private static final int MAX_WORKERS = 64;
    private static final long SECOND_NS = 1_000_000_000L;
    private final int perSecond;
    /** Per worker: tokens, then when they were last refilled. */
    private final long[] bucket = new long[MAX_WORKERS * 8];

    TokenBuckets(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Refills {@code worker}'s bucket for the time since its last refill; returns the bucket for {@link #empty}, {@link #take}. */
    int refill(int worker, long now) {
        int w = (worker % MAX_WORKERS) * 8;
        long since = now - bucket[w + 1];
        if (since >= 1_000_000) { // refill each millisecond
            // A second or more fills the bucket; capping it keeps the product below from overflowing
            // after a long idle time (or on the first refill, from time 0 of System.nanoTime).
            long add = Math.min(since, SECOND_NS) * perSecond / SECOND_NS;
            bucket[w] = Math.min(perSecond, bucket[w] + add);
            bucket[w + 1] = now;
        }
        return w;
    }

    boolean empty(int bucket) {
        return this.bucket[bucket] <= 0;
    }

    void take(int bucket) {
        this.bucket[bucket]--;
    }
}
