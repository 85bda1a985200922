package dev.junction.routing;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A forwarding entry whose result is another bundle's node (VPP: a plugin's DPO in the FIB): register
 * it as an OSGi service and packets of {@link #vrf()} whose longest match is {@link #prefix()} leave
 * ip4-lookup or ip6-lookup for {@link #node()}, with {@link #index()} in their adjacency word
 * ({@code PacketPool.adjacency}), and their VRF and receive interface as input set them. A load
 * balancer's VIP or an MPLS imposition is one. Connected and local routes keep precedence; a
 * steering replaces a static or learned route of the same prefix while it is registered.
 * Unregistering it (or stopping its bundle) removes the entry. The node need not exist yet: until
 * it joins the graph its packets are dropped and counted as "next node unavailable".
 * {@code ip:routes} lists it with kind {@code steered} and the node as {@code via}.
 */
@ConsumerType
public interface SteeredPrefix {

    /** The VRF, {@code default} for the one every interface starts in; it must exist. */
    String vrf();

    /** {@code a.b.c.d/len} or {@code x:y::/len}, host bits clear. */
    String prefix();

    /** The node's name, as it registers itself in the graph. */
    String node();

    /** What the node finds in the packet's adjacency word: 0 or more, the node's own meaning. */
    int index();

    static SteeredPrefix of(String vrf, String prefix, String node, int index) {
        record Simple(String vrf, String prefix, String node, int index) implements SteeredPrefix {
        }
        return new Simple(vrf, prefix, node, index);
    }
}
