package dev.junction.core.engine;

import dev.junction.graph.PacketNode;
import java.util.List;

/** A node added to the engine, with the control-side state the compiler and the shell need. */
final class NodeRegistration {
    final PacketNode node;
    final String name;
    final String arc;
    final String owner;
    final List<String> next;
    final List<String> errors;
    final List<String> before;
    final List<String> after;
    final List<String> counters;
    final boolean perInterface;
    /** Set by a worker when the node throws, or by the shell; read by workers once per vector. */
    volatile boolean quarantined;
    volatile String fault;
    /** Why the compiler left the node out of the graph, or null. */
    volatile String problem;

    NodeRegistration(PacketNode node, String owner) {
        this(node, owner, node.next());
    }

    /** With next nodes of the engine's choosing (ethernet-input's follow the arcs and claims). */
    NodeRegistration(PacketNode node, String owner, List<String> next) {
        this.node = node;
        this.owner = owner;
        // Read once: the compiled graph must not call back into a node's describing methods.
        this.name = node.name();
        this.arc = node.arc();
        this.next = List.copyOf(next);
        this.errors = List.copyOf(node.errors());
        this.before = List.copyOf(node.runsBefore());
        this.after = List.copyOf(node.runsAfter());
        this.counters = List.copyOf(node.counters());
        this.perInterface = node.perInterface();
    }
}
