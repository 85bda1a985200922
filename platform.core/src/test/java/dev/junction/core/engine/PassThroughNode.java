package dev.junction.core.engine;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketVector;
import java.util.List;

/** A feature that sends every packet on along its arc, optionally throwing on its n-th call. */
final class PassThroughNode implements PacketNode {
    private final String name;
    private final String arc;
    private final List<String> after;
    volatile long throwOnCall = -1;
    long calls;

    PassThroughNode(String name, String arc, String... after) {
        this.name = name;
        this.arc = arc;
        this.after = List.of(after);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String arc() {
        return arc;
    }

    @Override
    public List<String> runsAfter() {
        return after;
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        if (++calls == throwOnCall) {
            throw new IllegalStateException("boom from " + name);
        }
        // verdicts start as NEXT_FEATURE: nothing to do
    }
}
