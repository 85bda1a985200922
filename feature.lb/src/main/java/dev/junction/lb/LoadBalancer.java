package dev.junction.lb;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * feature.lb's control: services (a VIP in a VRF, a protocol, a port or all ports) and their
 * backends with weights. Registered by feature.lb; control path; every method throws
 * IllegalArgumentException saying what was wrong and the right form, and changes nothing then.
 */
@ProviderType
public interface LoadBalancer {

    /**
     * A service. {@code protocol} {@code tcp} or {@code udp}; {@code port} 0 for all ports; {@code mode}
     * {@code nat} (destination rewritten to the backend, replies rewritten back), {@code dsr} (IPv4:
     * only the MAC rewritten, the backend holds the VIP) or {@code gre} (IPv4: the packet untouched inside
     * an outer IPv4 header and GRE from {@code source} to the backend); {@code tableSize} a prime (the
     * Maglev table); {@code limit} the most flows it tracks, 0 for the table's capacity.
     */
    record ServiceSpec(String name, String vrf, String vip, String protocol, int port, String mode, int tableSize,
                       int limit, String source) {
        /** A service with no GRE source address (modes nat and dsr). */
        public ServiceSpec(String name, String vrf, String vip, String protocol, int port, String mode, int tableSize,
                           int limit) {
            this(name, vrf, vip, protocol, port, mode, tableSize, limit, null);
        }
    }

    /** A backend of a service: its address, port (0: the port the client sent to), weight, and whether drained. */
    record BackendSpec(String service, String address, int port, int weight, boolean drained) {
        /** How the backend is named in its service: {@code address} or {@code address:port} ({@code [v6]:port}). */
        public String key() {
            return port == 0 ? address : (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
        }
    }

    void addService(ServiceSpec service);

    void removeService(String name);

    /** Adds or replaces a backend (by service, address and port). */
    void addBackend(BackendSpec backend);

    void removeBackend(String service, String address, int port);

    /** Live state of a service: flows it tracks, new flows refused for want of room, its backends. */
    record ServiceStatus(ServiceSpec spec, int flows, long refused, List<BackendStatus> backends) {
    }

    /** A backend's counters: flows it was given and packets sent to it (both directions under NAT). */
    record BackendStatus(BackendSpec spec, long flows, long packets, int tableShare) {
    }

    List<ServiceStatus> services();

    /** A tracked flow: client, the VIP it went to, the backend it stays on, idle time, closing or not. */
    record Connection(String service, String protocol, String client, String vip, String backend, long idleMillis,
                      boolean closing) {
    }

    /** Flows, at most {@code max}, of one service (null: all), with an address or port at either end (null: any). */
    List<Connection> connections(String service, String host, int port, int max);

    /** Forgets every tracked flow; returns how many. */
    int clearConnections();
}
