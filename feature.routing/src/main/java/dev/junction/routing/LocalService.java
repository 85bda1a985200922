package dev.junction.routing;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A service on the router's own addresses that another bundle's node provides (Linux: a socket bound
 * to a local address; VPP: a UDP port registration): register it as an OSGi service and every
 * IPv4 or IPv6 packet for one of the router's addresses, of any VRF, whose protocol is
 * {@link #protocol()} (and, for UDP, whose destination port is {@link #port()}) leaves ip4-local or
 * ip6-local for {@link #node()} instead of being dropped as "no local service". TCP may be claimed
 * either way: by destination port (a TCP port of the router's, such as the one a health checker's
 * probes come from and their answers go to), or whole with {@link #ANY_PORT}; a port claim comes
 * first, the whole-protocol one takes the other ports. The packet arrives
 * as received: its layer-3 offset at the IP header, VRF and receive interface as input set them,
 * fragments already refused (routing does not reassemble). A VXLAN tunnel end (UDP 4789) or an
 * NVGRE one (GRE, protocol 47) is one. Of two registrations of one protocol and port the earlier
 * holds; the later is logged and left out until the first goes. Unregistering it (or stopping its
 * bundle) gives the port back. The node need not exist yet: until it joins the graph its packets are
 * dropped and counted as "next node unavailable".
 */
@ConsumerType
public interface LocalService {
    /** UDP, the protocol whose services are told apart by destination port. */
    int UDP = 17;
    /** TCP: claimed by destination port, or whole ({@link #ANY_PORT}) for the ports nobody claims. */
    int TCP = 6;
    /** GRE. */
    int GRE = 47;
    /** {@link #port()} of a protocol without ports: every packet of the protocol. */
    int ANY_PORT = -1;

    /** The IP protocol (IPv4) or next header (IPv6, the first one after the fixed header): 0 to 255. */
    int protocol();

    /**
     * For {@link #UDP}, the destination port, 1 to 65535; for {@link #TCP} one too or {@link #ANY_PORT};
     * {@link #ANY_PORT} for other protocols.
     */
    int port();

    /** The node's name, as it registers itself in the graph. */
    String node();

    static LocalService of(int protocol, int port, String node) {
        record Simple(int protocol, int port, String node) implements LocalService {
        }
        return new Simple(protocol, port, node);
    }
}
