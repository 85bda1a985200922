package dev.junction.l2.bridge;

import dev.junction.l2.BridgeSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bridge domains and their ports as the control side last set them, immutable: the control
 * replaces it whole and the nodes and the learner pick it up. Domains have small numbers (ids, from
 * 1, never reused while the bundle runs) that go into MAC table keys and counter arrays.
 */
public final class BridgeConfig {
    static final BridgeConfig EMPTY = new BridgeConfig(Map.of(), Map.of(), Map.of(), Map.of());
    /** A bridge port: its domain's id and split-horizon group. */
    record Port(int domain, int splitHorizon) {
    }

    /** A VLAN of an interface in a domain (a sub-port): frames with that outer tag switch there. */
    record Vlan(String iface, int kind, int vid, int domain, int splitHorizon) {
        String name() {
            return PortId.name(iface, kind, vid);
        }
    }

    /** A static MAC of a domain: the interface it lives on. */
    record StaticMac(int domain, long mac, String iface) {
    }

    final Map<Integer, BridgeSettings> domains; // by id
    final Map<String, Port> ports; // by interface name, in the order they were added
    final Map<Long, StaticMac> statics; // by MacTable key
    final Map<String, Vlan> vlans; // by sub-port name (eth1.42), in the order they were added
    final int maxDomain;

    BridgeConfig(Map<Integer, BridgeSettings> domains, Map<String, Port> ports, Map<Long, StaticMac> statics,
            Map<String, Vlan> vlans) {
        this.domains = Map.copyOf(domains);
        this.ports = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ports));
        this.statics = Map.copyOf(statics);
        this.vlans = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vlans));
        int max = 0;
        for (int id : domains.keySet()) {
            max = Math.max(max, id);
        }
        this.maxDomain = max;
    }

    /** The id of the domain named, or 0. */
    int idOf(String name) {
        for (Map.Entry<Integer, BridgeSettings> e : domains.entrySet()) {
            if (e.getValue().name().equals(name)) {
                return e.getKey();
            }
        }
        return 0;
    }

    /** Whether {@code iface} is in any domain, untagged or by a VLAN. */
    boolean bridges(String iface) {
        if (ports.containsKey(iface)) {
            return true;
        }
        for (Vlan v : vlans.values()) {
            if (v.iface().equals(iface)) {
                return true;
            }
        }
        return false;
    }

    /** The MACs every domain may hold together: the table is sized for all of them at once. */
    long totalLimit() {
        long sum = 0;
        for (BridgeSettings s : domains.values()) {
            sum += s.macLimit();
        }
        return sum;
    }
}
