package dev.junction.core.engine;

/**
 * One node's counters on one worker: written only by that worker, read by the shell (a stale value is
 * fine; 64-bit fields do not tear on 64-bit JVMs).
 */
final class NodeCounters {
    long calls;
    long packets;
    long nanos;
    final long[] drops;
    /** The node's own named counters ({@code PacketNode.counters()}). */
    final long[] named;

    NodeCounters(int reasons, int counters) {
        drops = new long[reasons];
        named = new long[counters];
    }

    long totalDrops() {
        long n = 0;
        for (long d : drops) {
            n += d;
        }
        return n;
    }

    void clear() {
        calls = 0;
        packets = 0;
        nanos = 0;
        java.util.Arrays.fill(drops, 0);
        java.util.Arrays.fill(named, 0);
    }
}
