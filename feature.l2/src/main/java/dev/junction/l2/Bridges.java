package dev.junction.l2;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Bridge domains: sets of interfaces that switch frames among themselves by destination MAC,
 * learning where each source MAC lives. Registered as a service by feature.l2; what the shell and the
 * {@code bridge}, {@code bridge-port} and {@code bridge-mac} statements set is persisted, what is set
 * through this service is not. Interfaces need not exist yet.
 */
@ProviderType
public interface Bridges {
    /** The per-domain counters, in the order {@code l2:bridges} shows them. */
    List<String> COUNTERS = List.of("forwarded", "flooded", "unknown-unicast-flooded", "learned", "moved", "aged",
            "flushed", "limit-drops", "filtered");

    /** Makes a domain or changes its settings (its table and ports are kept). */
    void domain(BridgeSettings settings);

    /** Removes a domain, its ports (back to layer 3) and its table; returns whether there was one. */
    boolean removeDomain(String name);

    /**
     * Makes {@code iface} a port of {@code bridge} (moving it from another domain if it was in one).
     * Ports of one non-zero split-horizon group never flood to each other (tunnels of a domain).
     */
    void port(String iface, String bridge, int splitHorizonGroup);

    /** Takes {@code iface} out of its domain, flushing what was learned on it. */
    boolean removePort(String iface);

    /**
     * Puts VLAN {@code vlan} (1-4094) of {@code iface} into {@code bridge}: frames with that outer tag
     * (802.1Q, or an 802.1ad service tag when {@code serviceTag}) switch in that domain, and frames of
     * the domain leave {@code iface} with that tag, pushed or rewritten (its priority kept). An
     * interface with VLANs is a trunk; its untagged port ({@link #port}), if any, is its native VLAN.
     * The sub-port is named {@code IFACE.VLAN} ({@code IFACE.sVLAN} for a service tag) in MAC entries
     * and statuses.
     */
    void vlan(String iface, int vlan, boolean serviceTag, String bridge, int splitHorizonGroup);

    /** Takes a VLAN of {@code iface} out of its domain; returns whether it was in one. */
    boolean removeVlan(String iface, int vlan, boolean serviceTag);

    /** A static entry: frames to {@code mac} in {@code bridge} go out of {@code iface}; never aged or moved. */
    void staticMac(String bridge, long mac, String iface);

    boolean removeStaticMac(String bridge, long mac);

    /** Forgets learned entries: of one domain, of one interface, or both (null: any); returns how many. */
    int flush(String bridge, String iface);

    List<BridgeStatus> domains();

    /** The MAC table, domain by domain. */
    List<MacEntry> macs();
}
