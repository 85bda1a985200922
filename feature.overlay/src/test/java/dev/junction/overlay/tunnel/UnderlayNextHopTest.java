package dev.junction.overlay.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.junction.overlay.TunnelSettings;
import dev.junction.packet.Ipv4;
import dev.junction.routing.Routing.AdjacencyEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The underlay next hop a tunnel keeps: resolved when the tunnel is made, again when its VRF's
 * routes change, and given up (back to ip4-lookup per packet) for ECMP, local, steered, missing
 * routes and IPv6 underlays.
 */
class UnderlayNextHopTest {
    /** What "routing" answers, by "vrf/address". */
    private final Map<String, AdjacencyEntry> routes = new HashMap<>();
    private final TunnelControl control = new TunnelControl(o -> { }, o -> { }, new TunnelControl.Interfaces() {
        @Override
        public void enableFeature(String node, String iface, boolean enabled) {
        }

        @Override
        public boolean exists(String iface) {
            return false;
        }
    }, vrf -> vrf.equals("default") ? 0 : 7, (vrf, address) -> {
        if (vrf.equals("gone")) {
            throw new IllegalArgumentException("no VRF gone");
        }
        return routes.get(vrf + "/" + address);
    });

    @AfterEach
    void close() {
        control.close();
    }

    private static AdjacencyEntry forward(String iface, String via) {
        return new AdjacencyEntry(4, 5, "forward", iface, via, List.of());
    }

    private int tunnel(String name) {
        TunnelConfig c = control.config();
        for (int t = 0; t < c.count; t++) {
            if (c.names[t].equals(name)) {
                return t;
            }
        }
        throw new AssertionError(name);
    }

    @Test
    void resolvedAtCreationAndFollowedOnRouteChanges() {
        routes.put("default/10.0.2.2", forward("u1", "10.0.1.254"));
        control.tunnel(TunnelSettings.vxlan("vx0", "10.0.1.1", "10.0.2.2", 100));
        TunnelConfig c = control.config();
        assertEquals("u1", c.nextIface[tunnel("vx0")]);
        assertEquals(Ipv4.parse("10.0.1.254"), c.nextHop4[tunnel("vx0")]);
        assertEquals("10.0.1.254 out of u1", control.underlay("vx0"));

        control.routesChanged("default"); // nothing moved: the nodes keep their configuration
        assertSame(c, control.config());
        control.routesChanged("blue"); // another VRF's change: not this tunnel's
        assertSame(c, control.config());

        routes.put("default/10.0.2.2", forward("u2", null)); // now on-link out of u2
        control.routesChanged("default");
        assertNotSame(c, control.config());
        assertEquals("u2", control.config().nextIface[tunnel("vx0")]);
        assertEquals(Ipv4.parse("10.0.2.2"), control.config().nextHop4[tunnel("vx0")], "on-link: the remote itself");

        routes.put("default/10.0.2.2", new AdjacencyEntry(4, 9, "multipath", null, null, List.of(5, 6)));
        control.routesChanged("default");
        assertNull(control.config().nextIface[tunnel("vx0")], "ECMP: ip4-lookup hashes each flow");
        assertEquals("ip4-lookup", control.underlay("vx0"));

        routes.remove("default/10.0.2.2");
        control.routesChanged("default");
        assertEquals("ip4-lookup", control.underlay("vx0"), "no route: the lookup drops and counts");
    }

    @Test
    void localSteeredUnknownInterfacesAndIpv6KeepTheLookup() {
        routes.put("default/10.0.2.2", new AdjacencyEntry(4, 3, "local", "u1", null, List.of()));
        routes.put("default/10.0.3.3", new AdjacencyEntry(4, 4, "steered", null, null, List.of()));
        routes.put("default/10.0.4.4", forward("#12", null));
        routes.put("default/fd00::2", new AdjacencyEntry(6, 4, "forward", "u1", null, List.of()));
        control.tunnel(TunnelSettings.vxlan("a", "10.0.1.1", "10.0.2.2", 1));
        control.tunnel(TunnelSettings.vxlan("b", "10.0.1.1", "10.0.3.3", 2));
        control.tunnel(TunnelSettings.vxlan("c", "10.0.1.1", "10.0.4.4", 3));
        control.tunnel(TunnelSettings.vxlan("d", "fd00::1", "fd00::2", 4));
        assertEquals("ip4-lookup", control.underlay("a"));
        assertEquals("ip4-lookup", control.underlay("b"));
        assertEquals("ip4-lookup", control.underlay("c"));
        assertEquals("ip6-lookup", control.underlay("d"));
        assertNull(control.underlay("nope"));
    }
}
