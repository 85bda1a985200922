package dev.junction.core.engine;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketVector;

/** A feature that keeps every packet (one worker), as a node waiting for a neighbour does, until released. */
final class HoldingNode implements PacketNode {
    private final String arc;
    private final int[] held = new int[4096];
    volatile int count;

    HoldingNode(String arc) {
        this.arc = arc;
    }

    @Override
    public String name() {
        return "holder";
    }

    @Override
    public String arc() {
        return arc;
    }

    @Override
    public long tickNanos() {
        return 3_600_000_000_000L; // a node with a tick is one that may hold packets
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        int c = count;
        for (int i = 0, n = v.count(); i < n && c < held.length; i++) {
            held[c++] = v.buffer(i);
            v.take(i);
        }
        count = c;
    }

    @Override
    public void release(PacketVector out, NodeContext ctx) {
        int c = count;
        while (c > 0 && !out.isFull()) {
            out.add(held[--c]); // verdict NEXT_FEATURE: on along the arc
        }
        count = c;
    }
}
