package dev.junction.lb.health;

import dev.junction.routing.Routing;

/**
 * Where probes come from when a service names no {@code source=}: Junction's address of the backend's
 * family on the interface routing sends the backend's packets out of (not an IPv6 link-local one), so
 * that the backend's answer comes back to Junction by its ordinary routes, VIP or no VIP on its loopback.
 */
public final class ProbeSources {
    private ProbeSources() {
    }

    public static HealthChecker.Sources of(Routing routing) {
        return (vrf, address, family) -> {
            Routing.AdjacencyEntry a;
            try {
                a = routing.resolve(vrf, address);
            } catch (IllegalArgumentException e) {
                return null;
            }
            if (a == null || a.iface() == null) {
                return null;
            }
            for (Routing.AddressEntry e : routing.addresses()) {
                int slash = e.cidr().indexOf('/');
                String ip = slash < 0 ? e.cidr() : e.cidr().substring(0, slash);
                if (e.iface().equals(a.iface()) && (ip.indexOf(':') >= 0) == (family == 6)
                        && !(family == 6 && ip.toLowerCase(java.util.Locale.ROOT).startsWith("fe80"))) {
                    return ip;
                }
            }
            return null;
        };
    }
}
