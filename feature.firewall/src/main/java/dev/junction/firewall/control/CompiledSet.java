package dev.junction.firewall.control;

import dev.junction.firewall.classify.RuleSetClassifier;

/**
 * A rule set as workers use it: its classifier and its hits, one array per worker (each written by
 * its own worker with plain adds, summed on read). Kept as long as the rule set is unchanged, so an
 * unrelated change keeps its counters.
 */
public final class CompiledSet {
    public final RuleSetClassifier classifier;
    private volatile long[][] hits;
    /** Hits the previous instance of the bundle counted, by position (handed over). */
    private volatile long[] carried;

    CompiledSet(RuleSetClassifier classifier, int workers) {
        this.classifier = classifier;
        hits = new long[Math.max(1, workers)][classifier.rules.size()];
    }

    /** Worker {@code w}'s hit counters, by rank; null in the moment before a grown worker count reaches this set. */
    public long[] hits(int worker) {
        long[][] h = hits;
        return worker < h.length ? h[worker] : null;
    }

    /** Control thread, before workers of a larger count run. */
    synchronized void workers(int count) {
        long[][] h = hits;
        if (count > h.length) {
            long[][] n = java.util.Arrays.copyOf(h, count);
            for (int i = h.length; i < count; i++) {
                n[i] = new long[classifier.rules.size()];
            }
            hits = n;
        }
    }

    void carry(long[] byPosition) {
        carried = byPosition.clone();
    }

    /** Hits of each rule, by its position in the set. */
    long[] summed() {
        long[] c = carried;
        long[] out = c != null ? c.clone() : new long[classifier.rules.size()];
        for (long[] h : hits) {
            for (int rank = 0; rank < h.length; rank++) {
                out[classifier.position[rank]] += h[rank];
            }
        }
        return out;
    }
}
