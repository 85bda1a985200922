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

    /**
     * The flow table: its slots (a power of two, {@code lb-settings table=}), the entries in use (a NAT
     * flow holds two; expired ones not yet reclaimed count), and the idle timeouts in seconds.
     */
    record TableStatus(int slots, int entries, long tcpSeconds, long tcpClosingSeconds, long udpSeconds) {
    }

    TableStatus tableStatus();

    /** A tracked flow: client, the VIP it went to, the backend it stays on, idle time, closing or not. */
    record Connection(String service, String protocol, String client, String vip, String backend, long idleMillis,
                      boolean closing) {
    }

    /** Flows, at most {@code max}, of one service (null: all), with an address or port at either end (null: any). */
    List<Connection> connections(String service, String host, int port, int max);

    /** Forgets every tracked flow; returns how many. */
    int clearConnections();

    /**
     * Health checks of a service's backends from Junction's own data plane: {@code probe} {@code tcp} (a
     * SYN to the backend's {@code port}, 0: the backend's port, or else the service's; a SYN-ACK passes and
     * is answered with a RST, a RST or no answer within {@code timeoutMillis} fails) or {@code http} (the
     * same handshake, then {@code GET path} in one segment: an answer of status 200 to 399 passes) every
     * {@code intervalMillis}; {@code fall} failures in a row take a backend out of the Maglev table,
     * {@code rise} passes in a row bring it back. {@code source}: the probes' source address, null for
     * the address Junction has on the interface towards the backend.
     */
    record HealthSpec(String service, String probe, int intervalMillis, int timeoutMillis, int fall, int rise, int port,
                      String source, String path) {
        /** A TCP probe (no path). */
        public HealthSpec(String service, String probe, int intervalMillis, int timeoutMillis, int fall, int rise, int port,
                          String source) {
            this(service, probe, intervalMillis, timeoutMillis, fall, rise, port, source, null);
        }
    }

    /**
     * A checked backend: {@code state} {@code unknown} (not probed to a verdict yet: it takes flows),
     * {@code up} or {@code down}; the last probe's result ({@code syn-ack}, {@code http 200} or another
     * status, {@code rst}, {@code timeout}, {@code no source address}, or {@code none}); the failures or passes in a row; probes sent and
     * failed in all; when it last changed state (ms ago, -1: never).
     */
    record BackendHealth(String service, String backend, String state, String last, int fails, int passes, long probes,
                         long failures, long changedMillisAgo) {
    }

    /** Sets (adds or replaces) a service's health checks; the service need not exist yet. */
    void health(HealthSpec spec);

    /** Stops checking a service: its backends are all in the table again (as their weights say). */
    void removeHealth(String service);

    /** The health settings in force. */
    List<HealthSpec> healthSpecs();

    /** Every checked backend's state. */
    List<BackendHealth> health();
}
