package dev.junction.dataplane;

/** A node's counters summed over workers, and the cost per packet derived from them. */
public record NodeRuntime(String name, long calls, long packets, long nanos, long drops, double cpuGhz) {
    public double packetsPerCall() {
        return calls == 0 ? 0 : (double) packets / calls;
    }

    public double nanosPerPacket() {
        return packets == 0 ? 0 : (double) nanos / packets;
    }

    /** Cycles per packet estimated from time and the CPU's nominal clock. */
    public double clocksPerPacket() {
        return nanosPerPacket() * cpuGhz;
    }
}
