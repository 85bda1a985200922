package dev.junction.routing.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The ICMP error rate limit: a second's worth at most, refilled each millisecond, per worker. */
class TokenBucketsTest {
    private static final long MS = 1_000_000L;

    private static int drain(TokenBuckets tokens, long[] bucket) {
        int taken = 0;
        while (!TokenBuckets.empty(bucket)) {
            TokenBuckets.take(bucket);
            taken++;
        }
        return taken;
    }

    @Test
    void fullAfterASecondThenRefilledAtTheRate() {
        TokenBuckets tokens = new TokenBuckets(1000);
        tokens.workers(2);
        long now = 5_000_000_000L;
        assertEquals(1000, drain(tokens, tokens.refill(0, now)), "a second's worth, no more");
        now += MS / 2;
        assertTrue(TokenBuckets.empty(tokens.refill(0, now)), "not refilled within the millisecond");
        now += 10 * MS;
        assertEquals(10, drain(tokens, tokens.refill(0, now)), "10 ms at 1000 a second");
    }

    @Test
    void workersHaveTheirOwnBuckets() {
        TokenBuckets tokens = new TokenBuckets(1000);
        tokens.workers(2);
        long now = 5_000_000_000L;
        drain(tokens, tokens.refill(0, now));
        assertFalse(TokenBuckets.empty(tokens.refill(1, now)));
    }

    @Test
    void aLongIdleTimeStillFillsTheBucket() {
        // System.nanoTime after ~107 days of uptime: elapsed * rate overflowed a long before.
        TokenBuckets tokens = new TokenBuckets(1000);
        tokens.workers(2);
        long now = 120L * 24 * 3600 * 1_000_000_000L;
        long[] bucket = tokens.refill(0, now);
        assertEquals(1000, drain(tokens, bucket));
        now += 200L * 24 * 3600 * 1_000_000_000L;
        assertEquals(1000, drain(tokens, tokens.refill(0, now)));
    }
}
