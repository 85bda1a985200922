package dev.junction.core.nodes;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketVector;
import java.util.List;

/**
 * End of an arc whose function is not installed (no routing, no MPLS): drops everything under one
 * named reason, so that a missing feature shows up in {@code runtime:drops}, not as silent loss.
 */
public final class ArcEndDropNode implements PacketNode {
    private final String name;
    private final String reason;

    public ArcEndDropNode(String name, String reason) {
        this.name = name;
        this.reason = reason;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> errors() {
        return List.of(reason);
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        int n = v.count();
        for (int i = 0; i < n; i++) {
            v.drop(i, 0);
        }
    }
}
