package dev.junction.firewall.conntrack;

import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Figures, not a check: inserts and lookups of the shared table with 1M connections, on one thread
 * and on two at once (the two directions' workers). {@code -Djunction.bench=true -Dtest=ConnTableBenchmark}.
 */
@EnabledIfSystemProperty(named = "junction.bench", matches = "true")
class ConnTableBenchmark {
    static final int N = 1 << 20;
    static final long NOW = 1_000_000_000L;

    static void key(FlowKey k, int i, boolean reply) {
        long a = (long) (0x0a000000 | (i >>> 8)) << 32, b = (long) (0xc0a80000 | (i & 0xff)) << 32;
        if (reply) {
            k.set(4, 0, 6, b, 0, 443, a, 0, 1024 + (i & 0x7fff));
        } else {
            k.set(4, 0, 6, a, 0, 1024 + (i & 0x7fff), b, 0, 443);
        }
    }

    @Test
    void figures() throws Exception {
        ConnTable t = new ConnTable(1 << 21);
        FlowKey k = new FlowKey();
        long s = System.nanoTime();
        for (int i = 0; i < N; i++) {
            key(k, i, false);
            if (t.insert(k, 0, ConnState.withState(0, ConnState.ESTABLISHED), NOW) < 0) {
                throw new AssertionError("insert " + i);
            }
        }
        double insert = (System.nanoTime() - s) / (double) N;
        double one = lookups(t, 1), two = lookups(t, 2);
        System.out.printf("conntrack 1M entries in 2M slots: insert %.0f ns (%.1f M new connections/s on one thread); "
                + "lookup %.0f ns on one thread, %.0f ns each on two at once (%.1f M lookups/s together)%n",
                insert, 1e3 / insert, one, two, 2e3 / two);
    }

    private static double lookups(ConnTable t, int threads) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        double[] ns = new double[threads];
        Thread[] ts = new Thread[threads];
        for (int w = 0; w < threads; w++) {
            int me = w;
            ts[w] = new Thread(() -> {
                FlowKey k = new FlowKey();
                long found = 0;
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                long best = Long.MAX_VALUE;
                for (int round = 0; round < 3; round++) {
                    long s = System.nanoTime();
                    for (int i = 0; i < N; i++) {
                        int j = (int) ((i * 0x9E3779B1L) & (N - 1));
                        key(k, j, me == 1); // worker 1 sees the replies
                        int slot = t.find(k, NOW);
                        if (slot >= 0) {
                            t.touch(slot, NOW);
                            found++;
                        }
                    }
                    best = Math.min(best, System.nanoTime() - s);
                }
                if (found != 3L * N) {
                    throw new AssertionError("found " + found);
                }
                ns[me] = best / (double) N;
            });
            ts[w].start();
        }
        double sum = 0;
        for (int w = 0; w < threads; w++) {
            ts[w].join();
            sum += ns[w];
        }
        return sum / threads;
    }
}
