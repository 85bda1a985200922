package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.junction.packet.Ipv4;
import dev.junction.routing.fib.Ipv6Prefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A steered prefix is applied to its own FIB entry alone (not by a recompute of every route), with
 * the precedence of a whole recompute: connected and local first, then steered, then static, then
 * learned; when the steering goes the route it shadowed comes back.
 */
class SteeringTest {
    private final Vrfs vrfs = new Vrfs();
    private final VrfControl routing = new VrfControl(vrfs, VrfTablesTest.FOUR_INTERFACES);

    @AfterEach
    void stop() {
        routing.changes.stop();
    }

    private int kindOf(String address) {
        Ip4Tables t = vrfs.ip4(0);
        return t.adjacencies.kind()[t.fib.lookup(Ipv4.parse(address))];
    }

    private int indexOf(String address) {
        Ip4Tables t = vrfs.ip4(0);
        return t.adjacencies.gateway()[t.fib.lookup(Ipv4.parse(address))];
    }

    @Test
    void aSteeringShadowsStaticAndLearnedRoutesButNotConnectedOnesAndGivesThemBack() {
        routing.addAddress("if0", "10.0.0.1/24");
        routing.addRoute("192.0.2.0/24", "10.0.0.2", null);
        routing.defaultControl().replaceLearnedRoute("frr", "198.51.100.0/24", java.util.List.of("10.0.0.3"));
        int forward = kindOf("192.0.2.9");
        assertEquals(forward, kindOf("198.51.100.9"));

        routing.steer("default", "192.0.2.0/24", "x-node", 7);
        routing.steer("default", "198.51.100.0/24", "x-node", 8);
        routing.steer("default", "10.0.0.0/24", "x-node", 9);
        routing.steer("default", "203.0.113.5/32", "x-node", 10);
        assertEquals(Ip4Tables.STEERED, kindOf("192.0.2.9"), "over a static route");
        assertEquals(Ip4Tables.STEERED, kindOf("198.51.100.9"), "over a learned route");
        assertEquals(Ip4Tables.STEERED, kindOf("203.0.113.5"), "where there was no route");
        assertEquals(forward, kindOf("10.0.0.9"), "a connected prefix keeps its own route");

        routing.unsteer("default", "192.0.2.0/24");
        routing.unsteer("default", "198.51.100.0/24");
        routing.unsteer("default", "10.0.0.0/24");
        routing.unsteer("default", "203.0.113.5/32");
        assertEquals(forward, kindOf("192.0.2.9"), "the static route is back");
        assertEquals(forward, kindOf("198.51.100.9"), "the learned route is back");
        assertEquals(forward, kindOf("10.0.0.9"));
        assertEquals(0, vrfs.ip4(0).fib.lookup(Ipv4.parse("203.0.113.5")), "nothing routes it any more (id 0)");
    }

    @Test
    void manySteeringsOverALoadedTableEachKeepTheirIndexAndTheTableStaysWhole() {
        routing.addAddress("if0", "10.0.0.1/24");
        java.util.List<String[]> routes = new java.util.ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            routes.add(new String[] {Ipv4.format(0x2000_0000 + (i << 8)) + "/24", "10.0.0.2"});
        }
        routing.defaultControl().loadTable("table", routes, s -> { });
        int forward = kindOf("32.0.0.1");
        for (int i = 0; i < 2_000; i++) {
            routing.steer("default", Ipv4.format(0xC612_0000 + i) + "/32", "x-node", i);
        }
        routing.steer("default", "32.0.5.0/24", "x-node", 5000); // over one of the loaded routes
        for (int i = 0; i < 2_000; i += 97) {
            assertEquals(Ip4Tables.STEERED, kindOf(Ipv4.format(0xC612_0000 + i)));
            assertEquals(i, indexOf(Ipv4.format(0xC612_0000 + i)), "the steering's index in the adjacency");
        }
        assertEquals(Ip4Tables.STEERED, kindOf("32.0.5.1"));
        routing.unsteer("default", "32.0.5.0/24");
        assertEquals(forward, kindOf("32.0.5.1"), "the loaded route is back");
        assertEquals(forward, kindOf("32.0.199.1"), "the other loaded routes never left");
    }

    private int kindOf6(String address) {
        Ip6Tables t = vrfs.ip6(0);
        Ipv6Prefix a = Ipv6Prefix.parse(address + "/128");
        return t.adjacencies.kind()[t.fib.lookup(a.high(), a.low())];
    }

    @Test
    void ipv6SteeringsHaveTheSamePrecedenceAndGiveTheShadowedRouteBack() {
        routing.addAddress("if0", "fd00:1::1/64");
        routing.addRoute("2001:db8:5::/48", "fd00:1::2", null);
        int forward = kindOf6("2001:db8:5::9");
        routing.steer("default", "2001:db8:5::/48", "x-node", 3);
        routing.steer("default", "fd00:1::/64", "x-node", 4);
        routing.steer("default", "2001:db8:77::5/128", "x-node", 5);
        assertEquals(Ip6Tables.STEERED, kindOf6("2001:db8:5::9"), "over a static route");
        assertEquals(Ip6Tables.STEERED, kindOf6("2001:db8:77::5"), "where there was no route");
        assertEquals(forward, kindOf6("fd00:1::9"), "a connected prefix keeps its own route");
        routing.unsteer("default", "2001:db8:5::/48");
        routing.unsteer("default", "fd00:1::/64");
        routing.unsteer("default", "2001:db8:77::5/128");
        assertEquals(forward, kindOf6("2001:db8:5::9"), "the static route is back");
        assertEquals(forward, kindOf6("fd00:1::9"));
        Ipv6Prefix gone = Ipv6Prefix.parse("2001:db8:77::5/128");
        assertEquals(0, vrfs.ip6(0).fib.lookup(gone.high(), gone.low()), "nothing routes it any more (id 0)");
    }
}
