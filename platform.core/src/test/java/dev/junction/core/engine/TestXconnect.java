package dev.junction.core.engine;

import dev.junction.graph.ArcDefinition;
import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceMode;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A cross-connect for the core's own tests, through the same extension points feature.l2 uses (the
 * core has none of its own; feature.l2 depends on the core, so its tests cannot use it): an
 * interface mode sends the interface's frames to l2-input, which this node ends.
 */
final class TestXconnect implements PacketNode {
    private final Map<String, String> peers = new ConcurrentHashMap<>();

    /** Cross-connects {@code from} to {@code to} on {@code engine} (before it starts, or while it runs). */
    static TestXconnect connect(Engine engine, String from, String to) {
        TestXconnect x = new TestXconnect();
        engine.register(x, "test");
        engine.register(ArcDefinition.of(Arcs.L2_INPUT, x.name(), ArcDefinition.Direction.INPUT), "test");
        x.also(engine, from, to);
        return x;
    }

    TestXconnect also(Engine engine, String from, String to) {
        peers.put(from, to);
        engine.register(InterfaceMode.of(from, Arcs.L2_INPUT, "l2 test cross-connect " + to), "test");
        return this;
    }

    @Override
    public String name() {
        return "test-xconnect";
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT));
    }

    @Override
    public List<String> errors() {
        return List.of("not cross-connected");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        // A test node: a name lookup per packet is fine here, not in a real one.
        PacketPool pool = ctx.pool();
        for (int i = 0; i < v.count(); i++) {
            int b = v.buffer(i);
            String to = peers.get(ctx.interfaces().name(pool.rxInterface(b)));
            int tx = to == null ? -1 : ctx.interfaces().indexOf(to);
            if (tx < 0) {
                v.drop(i, 0);
            } else {
                pool.txInterface(b, tx);
                v.next(i, 0);
            }
        }
    }
}
