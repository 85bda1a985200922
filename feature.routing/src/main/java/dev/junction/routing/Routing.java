package dev.junction.routing;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Routing state, IPv4 and IPv6: interface addresses (each brings a connected route and a local /32 or /128), static
 * routes, and the neighbours learned by ARP and neighbour discovery. Registered as a service by feature.routing. Control path;
 * every method throws IllegalArgumentException with what was wrong and the right form.
 */
@ProviderType
public interface Routing {

    /** Adds {@code a.b.c.d/len} or {@code x:y::z/len} to an interface. */
    void addAddress(String iface, String cidr);

    void removeAddress(String iface, String cidr);

    /** Adds or replaces a route: {@code via} a gateway (its interface found from the connected routes), or straight out of {@code iface}. */
    void addRoute(String prefix, String via, String iface);

    void removeRoute(String prefix);

    /** Routes of the default VRF. */
    List<RouteEntry> routes();

    /** Adds or replaces a route in a VRF ({@code default}: the one every interface starts in). */
    void addRoute(String vrf, String prefix, String via, String iface);

    void removeRoute(String vrf, String prefix);

    List<RouteEntry> routes(String vrf);

    /**
     * Puts interfaces in a VRF, made if new, with its own IPv4 and IPv6 tables (so that tenants may
     * use the same prefixes); their addresses go with them. Interfaces not named stay where they are.
     */
    void bindVrf(String vrf, List<String> interfaces);

    /** Removes a VRF: its interfaces go back to the default VRF, its routes are dropped. */
    void removeVrf(String vrf);

    List<VrfEntry> vrfs();

    /**
     * A VRF: its name, its number in Junction (what packets carry), interfaces, how many routes its
     * FIB holds, and the kernel routing table it stands for, whose routes FRR sends it over FPM (254,
     * main, for the default VRF; 0 for none).
     */
    record VrfEntry(String name, int id, List<String> interfaces, int routes, long table) {
    }

    List<AddressEntry> addresses();

    List<NeighbourEntry> neighbours();

    /**
     * Tells the interface's link about its addresses again: gratuitous ARP for each IPv4 address,
     * an unsolicited neighbour advertisement for each IPv6 one, sent a few times a second apart (as
     * when an address comes up). Returns how many addresses; throws when the interface has none.
     */
    int announce(String iface);

    /**
     * A route of the FIB: kind {@code connected}, {@code local}, {@code static}, or learned
     * ({@code frr}, a table load's kind); an inactive one has no reachable gateway (or is shadowed).
     */
    record RouteEntry(String prefix, String kind, String via, String iface, boolean active) {
    }

    /**
     * The ECMP groups of a VRF's FIB: each set of paths that routes with several reachable gateways
     * share traffic over by flow.
     */
    List<EcmpGroup> ecmpGroups(String vrf);

    /** Paths by index: {@code gateways.get(i)} out of {@code interfaces.get(i)}; how many routes use it, and one of them. */
    record EcmpGroup(List<String> gateways, List<String> interfaces, int routes, String example) {
    }

    /**
     * The adjacencies the routes of a VRF lead to, IPv4 then IPv6, by id: what a data-plane bundle
     * reads to follow routing (a load balancer's backends, an MPLS next hop). {@code id} is the
     * FIB's result (for IPv6 what {@code PacketPool.adjacency} carries); {@code kind} is
     * {@code forward}, {@code local}, {@code multipath} (its {@code paths} are adjacency ids) or
     * {@code steered} ({@code via} names the node); {@code via} is the gateway, or null on-link.
     * Those no installed route uses are left out. Throws for a VRF that does not exist.
     */
    List<AdjacencyEntry> adjacencies(String vrf);

    record AdjacencyEntry(int family, int id, String kind, String iface, String via, List<Integer> paths) {
    }

    /**
     * Where a VRF's FIB sends {@code address} (IPv4 or IPv6) now: the adjacency of its longest
     * matching route, as {@link #adjacencies} describes it ({@code via} null on-link; for a
     * {@code steered} one, null too), or null when no route matches. What a data-plane bundle
     * reads to send straight to routing's rewrite node, as a tunnel to its remote end does; follow
     * changes with a {@link RouteListener}. Control path. Throws for a VRF that does not exist or an
     * address that is not one.
     */
    AdjacencyEntry resolve(String vrf, String address);

    /**
     * The IPv4 neighbours ip4-rewrite writes Ethernet headers from, for the fast path of another
     * bundle (see {@link Ip4Neighbours}); the same object for the life of this service.
     */
    Ip4Neighbours ip4Neighbours();

    record AddressEntry(String iface, String cidr) {
    }

    record NeighbourEntry(String iface, String address, String mac, long ageMillis) {
    }
}
