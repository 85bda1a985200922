package dev.junction.firewall.classify;

import dev.junction.firewall.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Figures, not a check: ns per classification for the tuple classifier and the linear reference,
 * and build time, at 1k, 10k and 100k rules. {@code -Djunction.bench=true -Dtest=ClassifierBenchmark}.
 */
@EnabledIfSystemProperty(named = "junction.bench", matches = "true")
class ClassifierBenchmark {
    @Test
    void figures() {
        for (int n : new int[] {1_000, 10_000, 100_000}) {
            RuleGenerator g = new RuleGenerator(42 + n);
            List<Rule> rules = g.rules(n);
            long t0 = System.nanoTime();
            RuleSetClassifier c = new RuleSetClassifier("b", rules);
            long build = System.nanoTime() - t0;
            int p = 1 << 16;
            long[][] packets = new long[p][];
            for (int i = 0; i < p; i++) {
                packets[i] = g.packet(rules);
            }
            long sink = 0;
            double best = Double.MAX_VALUE, bestTuples = Double.MAX_VALUE;
            TupleClassifier t4 = c.tuples(4), t6 = c.tuples(6);
            for (int round = 0; round < 15; round++) {
                long s = System.nanoTime();
                for (long[] k : packets) {
                    DfaClassifier d = k[0] == 4 ? c.ip4 : c.ip6;
                    sink += d.classify(k[1], k[2], k[3], k[4], (int) k[5], (int) k[6], (int) k[7], (int) k[8], k[9] != 0);
                }
                best = Math.min(best, (System.nanoTime() - s) / (double) p);
                s = System.nanoTime();
                for (long[] k : packets) {
                    TupleClassifier t = k[0] == 4 ? t4 : t6;
                    sink += t.classify(k[1], k[2], k[3], k[4], (int) k[5], (int) k[6], (int) k[7], (int) k[8], k[9] != 0);
                }
                bestTuples = Math.min(bestTuples, (System.nanoTime() - s) / (double) p);
            }
            LinearClassifier lin = new LinearClassifier(rules);
            int lp = n >= 100_000 ? 1 << 10 : 1 << 13;
            double linear = Double.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long s = System.nanoTime();
                for (int i = 0; i < lp; i++) {
                    long[] k = packets[i];
                    sink += lin.classify((int) k[0], k[1], k[2], k[3], k[4], (int) k[5], (int) k[6], (int) k[7], (int) k[8], k[9] != 0);
                }
                linear = Math.min(linear, (System.nanoTime() - s) / (double) lp);
            }
            System.out.printf("rules %d: dfa ip4 %s, ip6 %s, build %.1f ms, dfa %.1f ns/packet (one at a time); tuples ip4 %d ip6 %d,"
                    + " tuple search %.1f ns/packet, linear %.0f ns/packet (%d)%n",
                    n, c.ip4, c.ip6, build / 1e6, best, t4.tuples(), t6.tuples(), bestTuples, linear, sink & 1);
        }
    }
}
