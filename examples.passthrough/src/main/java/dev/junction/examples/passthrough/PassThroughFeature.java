package dev.junction.examples.passthrough;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.packet.PacketVector;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A feature in a few lines: it sits on an arc (l2-input unless configured), counts what passes and
 * sends every packet on to the next feature. Factory PID {@code junction.example.passthrough} makes
 * more instances (name, arc); without configuration one instance, {@code passthrough}, runs on
 * l2-input. Install, update or uninstall the bundle while traffic flows: nothing is lost.
 */
@Component(service = PacketNode.class, configurationPid = "junction.example.passthrough",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = PassThroughFeature.Config.class, factory = true)
public final class PassThroughFeature implements PacketNode {

    @ObjectClassDefinition(name = "Junction example pass-through feature")
    public @interface Config {
        String name() default "passthrough";

        String arc() default Arcs.L2_INPUT;

        /** Names of features this one must run after, on the same arc. */
        String[] after() default {};
    }

    private final String name;
    private final String arc;
    private final List<String> after;
    /**
     * Per-worker counts, an array each sized by the real worker count (8 longs: two workers never
     * write the same cache line).
     */
    private final PerWorker<long[]> seen = new PerWorker<>(w -> new long[8]);

    @Activate
    public PassThroughFeature(Config config) {
        this.name = config.name();
        this.arc = config.arc();
        this.after = List.of(config.after());
    }

    @Override
    public void workers(int count) {
        seen.resize(count);
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
    public void process(PacketVector vector, NodeContext context) {
        // Verdicts start as NEXT_FEATURE: counting is all this feature does.
        seen.get(context.worker())[0] += vector.count();
    }

    /** Packets seen, over all workers. */
    public long seen() {
        long n = 0;
        for (int w = 0; w < seen.size(); w++) {
            n += seen.get(w)[0];
        }
        return n;
    }
}
