package dev.junction.examples.passthrough;

import dev.junction.dataplane.Dataplane;
import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * {@code example-mark}: a per-interface feature on device-input that rewrites each frame's ethertype
 * to the example's, so ethernet-input sends it to example-input. It runs only on the interface its
 * configuration names (enabled at activation; the core keeps the setting across an update of this
 * bundle); frames of other interfaces never reach it, which its {@code foreign} counter would show.
 */
@Component(service = PacketNode.class, configurationPid = ExampleProtocol.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ExampleProtocol.Config.class)
public final class ExampleMarker implements PacketNode {
    static final int MARKED = 0, FOREIGN = 1;
    private final String mark;

    @Activate
    public ExampleMarker(ExampleProtocol.Config config, @Reference Dataplane dataplane) {
        this.mark = config.mark();
        if (!mark.isEmpty()) {
            dataplane.enableFeature(ExampleProtocol.MARK, mark, true);
        }
    }

    @Override
    public String name() {
        return ExampleProtocol.MARK;
    }

    @Override
    public String arc() {
        return Arcs.DEVICE_INPUT;
    }

    @Override
    public boolean perInterface() {
        return true;
    }

    @Override
    public List<String> counters() {
        return List.of("marked", "foreign");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment mem = ctx.memory();
        int mine = ctx.interfaces().indexOf(mark); // once per vector
        int n = v.count();
        int foreign = 0;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            if (pool.rxInterface(b) != mine) {
                foreign++; // the core ran us for an interface we are not enabled on: it must not
            }
            if (pool.length(b) >= Ethernet.HEADER_LENGTH) {
                Ethernet.etherType(mem, pool.data(b), ExampleProtocol.ETHERTYPE);
            }
        }
        ctx.count(MARKED, n - foreign);
        ctx.count(FOREIGN, foreign);
    }
}
