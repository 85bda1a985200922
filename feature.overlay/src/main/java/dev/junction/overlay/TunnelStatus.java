package dev.junction.overlay;

/**
 * A tunnel as it runs: its settings, whether its interface is in the graph, and its counters
 * (frames decapsulated out of it, frames encapsulated into it, frames too big for its MTU).
 */
public record TunnelStatus(TunnelSettings settings, boolean present, long rxPackets, long rxBytes, long txPackets,
        long txBytes, long tooBig) {
}
