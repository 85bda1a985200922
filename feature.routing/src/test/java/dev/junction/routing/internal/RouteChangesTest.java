package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.routing.Routing.AdjacencyEntry;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routing's exported view for other bundles: the adjacencies routes lead to, and news of changes by VRF. */
class RouteChangesTest {
    private final VrfControl routing = new VrfControl(new Vrfs(), VrfTablesTest.FOUR_INTERFACES);
    private final BlockingQueue<String> told = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() {
        routing.changes.stop();
    }

    private AdjacencyEntry find(String vrf, int family, String kind) {
        return routing.adjacencies(vrf).stream().filter(a -> a.family() == family && a.kind().equals(kind))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " in " + routing.adjacencies(vrf)));
    }

    @Test
    void adjacenciesOfEachKindAreReadableAndEveryChangeIsToldByVrf() throws Exception {
        routing.changes.add(told::add);
        routing.changes.start();
        routing.addAddress("if0", "10.0.0.1/24");
        routing.addAddress("if1", "10.1.0.1/24");
        assertEquals("default", told.poll(5, TimeUnit.SECONDS));
        AdjacencyEntry onLink = find("default", 4, "forward");
        assertEquals("if0", onLink.iface());
        assertNull(onLink.via(), "the connected route's adjacency is on-link");
        assertEquals("if0", find("default", 4, "local").iface());

        routing.addRoute("192.0.2.0/24", "10.0.0.2,10.1.0.2", null);
        assertEquals("default", told.poll(5, TimeUnit.SECONDS));
        AdjacencyEntry group = find("default", 4, "multipath");
        assertEquals(2, group.paths().size());
        List<String> gateways = routing.adjacencies("default").stream().filter(a -> group.paths().contains(a.id()))
                .map(AdjacencyEntry::via).sorted().toList();
        assertEquals(List.of("10.0.0.2", "10.1.0.2"), gateways, "a group's paths are readable by id");

        routing.addAddress("if2", "fd00:2::1/64");
        assertEquals("default", told.poll(5, TimeUnit.SECONDS));
        assertEquals("if2", find("default", 6, "forward").iface());

        routing.steer("default", "198.51.100.0/24", "lb-vip", 3);
        assertEquals("default", told.poll(5, TimeUnit.SECONDS));
        assertEquals("lb-vip", find("default", 4, "steered").via());

        routing.bindVrf("red", List.of("if3"));
        routing.addAddress("if3", "10.3.0.1/24");
        assertEquals("red", told.poll(5, TimeUnit.SECONDS), "a change in one VRF is told as that VRF's");
        assertTrue(routing.adjacencies("red").stream().anyMatch(a -> "if3".equals(a.iface())));
        assertNull(told.poll(200, TimeUnit.MILLISECONDS), "nothing else changed: " + told);
    }
}
