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

    List<RouteEntry> routes();

    List<AddressEntry> addresses();

    List<NeighbourEntry> neighbours();

    /** A route of the FIB: kind {@code connected}, {@code local} or {@code static}; an inactive static route has no reachable gateway. */
    record RouteEntry(String prefix, String kind, String via, String iface, boolean active) {
    }

    record AddressEntry(String iface, String cidr) {
    }

    record NeighbourEntry(String iface, String address, String mac, long ageMillis) {
    }
}
