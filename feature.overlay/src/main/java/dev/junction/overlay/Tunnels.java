package dev.junction.overlay;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The overlay tunnels, registered as a service by feature.overlay. Control path; every method throws
 * IllegalArgumentException with what is wrong and the right form.
 */
@ProviderType
public interface Tunnels {

    /**
     * Makes a tunnel, or changes the one of that name in place (its interface stays; what the bridge
     * learned on it stays). Refused when another tunnel has the same encapsulation, local, remote,
     * id, VRF and port (the receiver could not tell them apart), or the VRF does not exist.
     */
    void tunnel(TunnelSettings settings);

    /** Removes a tunnel and its interface; whether there was one. */
    boolean remove(String name);

    List<TunnelStatus> tunnels();

    /**
     * How a tunnel's outer packets are routed now: {@code "GATEWAY out of IFACE"} when routing
     * resolves its remote end to one next hop (they go straight to ip4-rewrite), else
     * {@code "ip4-lookup"} or {@code "ip6-lookup"} (looked up per packet: ECMP, no route yet, an
     * IPv6 underlay); null for no such tunnel.
     */
    String underlay(String name);
}
