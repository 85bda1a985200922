package dev.junction.l2;

import java.util.List;
import java.util.Map;

/**
 * A bridge domain as it is now.
 *
 * @param settings its settings
 * @param ports its ports by interface name, each with its split-horizon group (0: none)
 * @param macs how many MACs its table holds
 * @param counters its counters by name ({@link Bridges#COUNTERS}), since the domain was made
 */
public record BridgeStatus(BridgeSettings settings, Map<String, Integer> ports, int macs, Map<String, Long> counters) {
    public BridgeStatus {
        ports = Map.copyOf(ports);
        counters = Map.copyOf(counters);
    }

    /** A counter by name, 0 if unknown. */
    public long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }

    /** The port names in a stable order. */
    public List<String> portNames() {
        return ports.keySet().stream().sorted().toList();
    }
}
