package dev.junction.examples.passthrough;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.SteeredPrefix;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code example-steered}: one IPv4 and one IPv6 prefix steered to this bundle's own node through
 * routing's exported API alone ({@link SteeredPrefix}), as a load balancer's VIPs would be. The node
 * counts what arrives by the index routing hands it in the adjacency word (4 for the IPv4 prefix,
 * 6 for the IPv6 one), then drops it. Routing forwards everything else as before. Configuration PID
 * {@code junction.example.steer}; without one, nothing is steered.
 */
@Component(service = PacketNode.class, configurationPid = ExampleSteered.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
public final class ExampleSteered implements PacketNode {
    static final String PID = "junction.example.steer";
    static final String NAME = "example-steered";
    static final int IPV4_INDEX = 4, IPV6_INDEX = 6;
    static final int IPV4 = 0, IPV6 = 1, OTHER = 2;

    @ObjectClassDefinition(name = "Junction example steering")
    @interface Config {
        /** The IPv4 prefix steered here ("" for none). */
        String ipv4() default "";

        /** The IPv6 prefix steered here ("" for none). */
        String ipv6() default "";

        /** The VRF of both. */
        String vrf() default "default";
    }

    private final List<ServiceRegistration<SteeredPrefix>> prefixes = new ArrayList<>();

    @Activate
    public ExampleSteered(Config config, BundleContext context) {
        if (!config.ipv4().isEmpty()) {
            prefixes.add(context.registerService(SteeredPrefix.class,
                    SteeredPrefix.of(config.vrf(), config.ipv4(), NAME, IPV4_INDEX), null));
        }
        if (!config.ipv6().isEmpty()) {
            prefixes.add(context.registerService(SteeredPrefix.class,
                    SteeredPrefix.of(config.vrf(), config.ipv6(), NAME, IPV6_INDEX), null));
        }
    }

    @Deactivate
    void deactivate() {
        prefixes.forEach(ServiceRegistration::unregister);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> errors() {
        return List.of("steered here (counted, then dropped)");
    }

    @Override
    public List<String> counters() {
        return List.of("ipv4 index 4", "ipv6 index 6", "other index");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        long v4 = 0, v6 = 0, other = 0;
        for (int i = 0, n = v.count(); i < n; i++) {
            int index = pool.adjacency(v.buffer(i));
            if (index == IPV4_INDEX) {
                v4++;
            } else if (index == IPV6_INDEX) {
                v6++;
            } else {
                other++;
            }
            v.drop(i, 0);
        }
        ctx.count(IPV4, v4);
        ctx.count(IPV6, v6);
        ctx.count(OTHER, other);
    }
}
