package dev.junction.firewall.nodes;

import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.Policy;

/** What the nodes read of the control side: each a volatile read, once per vector. */
public interface FirewallState {
    Policy policy();

    ConnTable table();

    boolean liberal();

    /** The denial log the workers write to (when on), or null for none. */
    default DenialLog denials() {
        return null;
    }

    /** Sizes per-worker state (rule hits) for {@code count} workers; control thread. */
    void workers(int count);
}
