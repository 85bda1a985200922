package dev.junction.examples.passthrough;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * {@code example-forward}, the end of example-input: sends every example frame out of the
 * configured interface, counting frames and bytes; with no such interface it drops them, counted.
 */
@Component(service = PacketNode.class, configurationPid = ExampleProtocol.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class ExampleForward implements PacketNode {
    static final int FRAMES = 0, BYTES = 1;
    static final int NO_OUTPUT = 0;
    private final String out;

    @Activate
    public ExampleForward(ExampleProtocol.Config config) {
        this.out = config.out();
    }

    @Override
    public String name() {
        return ExampleProtocol.FORWARD;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT));
    }

    @Override
    public List<String> errors() {
        return List.of("no output interface configured (junction.example.protocol out=)");
    }

    @Override
    public List<String> counters() {
        return List.of("frames", "bytes");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        int tx = out.isEmpty() ? -1 : ctx.interfaces().indexOf(out);
        int n = v.count();
        if (tx < 0) {
            for (int i = 0; i < n; i++) {
                v.drop(i, NO_OUTPUT);
            }
            return;
        }
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            bytes += pool.length(b);
            pool.txInterface(b, tx);
            v.next(i, 0);
        }
        ctx.count(FRAMES, n);
        ctx.count(BYTES, bytes);
    }
}
