package dev.junction.dataplane;

/** One named counter of a node in the graph (see {@code PacketNode.counters()}), summed over workers. */
public record CounterValue(String node, String counter, long value) {
}
