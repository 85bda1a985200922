package dev.junction.routing.internal;

import dev.junction.graph.PacketNode;
import dev.junction.routing.nodes.ArpInputNode;
import dev.junction.routing.nodes.Ip4ArpNode;
import dev.junction.routing.nodes.Ip4FragmentNode;
import dev.junction.routing.nodes.Ip4IcmpErrorNode;
import dev.junction.routing.nodes.Ip4InputNode;
import dev.junction.routing.nodes.Ip4LocalNode;
import dev.junction.routing.nodes.Ip4LookupNode;
import dev.junction.routing.nodes.Ip4RewriteNode;
import dev.junction.routing.nodes.Ip6IcmpErrorNode;
import dev.junction.routing.nodes.Ip6InputNode;
import dev.junction.routing.nodes.Ip6LocalNode;
import dev.junction.routing.nodes.Ip6LookupNode;
import dev.junction.routing.nodes.Ip6NdNode;
import dev.junction.routing.nodes.Ip6RewriteNode;
import java.util.List;

/** The routing bundle's nodes over its tables, in the order they join the graph. */
public final class RoutingNodes {
    private RoutingNodes() {
    }

    /**
     * Plain nodes first, then the features on the arcs that lead to them, so that no packet is
     * steered to a node that is not there yet; they leave in the reverse order.
     */
    public static List<PacketNode> create(Vrfs vrfs) {
        return List.of(
                new Ip4RewriteNode(vrfs.neighbours4), new Ip4FragmentNode(), new Ip4ArpNode(vrfs), new Ip4LocalNode(vrfs.localServices),
                new Ip4IcmpErrorNode(Ip4IcmpErrorNode.UNREACHABLE, 3, 0, vrfs),
                new Ip4IcmpErrorNode(Ip4IcmpErrorNode.TTL_EXPIRED, 11, 0, vrfs),
                new Ip4IcmpErrorNode(Ip4IcmpErrorNode.FRAG_NEEDED, 3, 4, vrfs),
                new Ip6RewriteNode(vrfs), new Ip6NdNode(vrfs), new Ip6LocalNode(vrfs),
                new Ip6IcmpErrorNode(Ip6IcmpErrorNode.UNREACHABLE, vrfs),
                new Ip6IcmpErrorNode(Ip6IcmpErrorNode.HOP_LIMIT, vrfs),
                new Ip6IcmpErrorNode(Ip6IcmpErrorNode.TOO_BIG, vrfs),
                new Ip4LookupNode(vrfs), new Ip4InputNode(vrfs), new ArpInputNode(vrfs),
                new Ip6LookupNode(vrfs), new Ip6InputNode(vrfs));
    }
}
