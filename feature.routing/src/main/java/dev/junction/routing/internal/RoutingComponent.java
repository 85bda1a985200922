package dev.junction.routing.internal;

import dev.junction.dataplane.Dataplane;
import dev.junction.graph.PacketNode;
import dev.junction.routing.Routing;
import dev.junction.routing.nodes.ArpInputNode;
import dev.junction.routing.nodes.Ip4ArpNode;
import dev.junction.routing.nodes.Ip4IcmpErrorNode;
import dev.junction.routing.nodes.Ip4InputNode;
import dev.junction.routing.nodes.Ip4LocalNode;
import dev.junction.routing.nodes.Ip4LookupNode;
import dev.junction.routing.nodes.Ip4RewriteNode;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * IPv4 routing in the graph: registers the routing nodes (plain nodes first, then the features that
 * lead to them, so that no packet is steered to a node that is not there yet; removal in reverse)
 * and the {@link Routing} service.
 */
@Component(immediate = true, service = {})
public final class RoutingComponent {
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    @Reference
    private Dataplane dataplane;

    @Activate
    void activate(BundleContext context) {
        Ip4Tables tables = new Ip4Tables();
        List<PacketNode> nodes = List.of(
                new Ip4RewriteNode(tables.neighbours), new Ip4ArpNode(tables), new Ip4LocalNode(),
                new Ip4IcmpErrorNode(Ip4IcmpErrorNode.UNREACHABLE, 3, 0, tables),
                new Ip4IcmpErrorNode(Ip4IcmpErrorNode.TTL_EXPIRED, 11, 0, tables),
                new Ip4IcmpErrorNode(Ip4IcmpErrorNode.FRAG_NEEDED, 3, 4, tables),
                new Ip4LookupNode(tables), new Ip4InputNode(), new ArpInputNode(tables));
        for (PacketNode n : nodes) {
            registrations.add(context.registerService(PacketNode.class, n, null));
        }
        registrations.add(context.registerService(Routing.class, new RoutingControl(tables, dataplane), null));
    }

    @Deactivate
    void deactivate() {
        for (int i = registrations.size() - 1; i >= 0; i--) {
            registrations.get(i).unregister(); // each returns once no worker runs the node
        }
        registrations.clear();
    }
}
