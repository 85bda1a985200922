package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.routing.Routing;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an updated feature.routing gets back from the instance before it: FRR's routes of the main
 * table, of a VRF's table and of a table no VRF has yet, and a table load's routes, each where it
 * was; and the FRR prefixes by table for the new FPM listener's sweep.
 */
class LearnedRouteHandoverTest {
    private final Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));

    @AfterEach
    void close() {
        engine.close();
    }

    /** A VrfControl as the configuration makes it, before and after an update alike. */
    private VrfControl configured() {
        VrfControl vrfs = new VrfControl(new Vrfs(), engine);
        vrfs.addAddress("a", "10.1.0.1/24");
        vrfs.addAddress("a", "fd01::1/64");
        vrfs.bindVrf("red", List.of("b"), 10);
        vrfs.addAddress("b", "10.1.0.1/24"); // the same subnet, in the tenant's VRF
        return vrfs;
    }

    private static Set<String> routes(VrfControl vrfs, String vrf) {
        Set<String> out = new TreeSet<>();
        for (Routing.RouteEntry r : vrfs.routes(vrf)) {
            if (!r.kind().equals("connected") && !r.kind().equals("local")) {
                out.add(r.prefix() + " " + r.kind() + " " + r.via() + (r.active() ? "" : " inactive"));
            }
        }
        return out;
    }

    @Test
    void everyLearnedRouteComesBackWhereItWas() {
        engine.addDevice(new MemoryDevice("a", 0x02_00_00_00_11_01L, TrafficProfile.defaults(), false));
        engine.addDevice(new MemoryDevice("b", 0x02_00_00_00_11_02L, TrafficProfile.defaults(), false));
        VrfControl before = configured();
        before.replaceLearnedRoute(VrfControl.TABLE_MAIN, "10.50.0.0/16", List.of("10.1.0.2", "10.1.0.3"));
        before.replaceLearnedRoute(VrfControl.TABLE_MAIN, "fd50::/32", List.of("fd01::2"));
        before.defaultControl().replaceLearnedRoute("table", "10.60.0.0/16", List.of("10.1.0.4"));
        before.replaceLearnedRoute(10, "10.70.0.0/16", List.of("10.1.0.5"));
        before.replaceLearnedRoute(11, "10.80.0.0/16", List.of("10.1.0.6")); // no VRF has table 11
        String text = LearnedRouteHandover.write(before);

        VrfControl after = configured();
        Map<Long, List<String>> frr = LearnedRouteHandover.read(List.of(text.split("\n")), after);
        assertEquals(routes(before, VrfControl.DEFAULT), routes(after, VrfControl.DEFAULT));
        assertEquals(routes(before, "red"), routes(after, "red"));
        assertTrue(routes(after, VrfControl.DEFAULT).contains("10.50.0.0/16 frr 10.1.0.2,10.1.0.3"), routes(after, "default").toString());
        assertTrue(routes(after, "red").contains("10.70.0.0/16 frr 10.1.0.5"), routes(after, "red").toString());
        assertEquals(Map.of(11L, 1), after.keptAside(), "table 11's route still waits for its VRF");
        assertEquals(Set.of(254L, 10L, 11L), frr.keySet());
        assertEquals(List.of("10.70.0.0/16"), frr.get(10L));
        assertEquals(new TreeSet<>(List.of("10.50.0.0/16", "fd50::/32")), new TreeSet<>(frr.get(254L)),
                "the table load's route is no FRR route: the FPM sweep must not touch it");
    }

    @Test
    void frrsLabelRoutesComeBackForTheListeners() {
        engine.addDevice(new MemoryDevice("a", 0x02_00_00_00_11_01L, TrafficProfile.defaults(), false));
        engine.addDevice(new MemoryDevice("b", 0x02_00_00_00_11_02L, TrafficProfile.defaults(), false));
        VrfControl before = configured();
        List<dev.junction.routing.LabelRoute> routes = List.of(
                new dev.junction.routing.LabelRoute(100, null, null, List.of(new dev.junction.routing.LabelRoute.Path("10.1.0.2", List.of(200)),
                        new dev.junction.routing.LabelRoute.Path("10.1.0.3", List.of()))),
                new dev.junction.routing.LabelRoute(-1, "red", "10.9.0.0/16",
                        List.of(new dev.junction.routing.LabelRoute.Path("10.1.0.2", List.of(16, 17)))),
                new dev.junction.routing.LabelRoute(-1, "default", "fd09::/32",
                        List.of(new dev.junction.routing.LabelRoute.Path("fd01::2", List.of(18)))));
        before.labelRoutes.put(LabelRoutes.pathKey(100), routes.get(0), 3);
        before.labelRoutes.put(LabelRoutes.routeKey(10, "10.9.0.0/16"), routes.get(1), 3);
        before.labelRoutes.put(LabelRoutes.routeKey(VrfControl.TABLE_MAIN, "fd09::/32"), routes.get(2), 3);
        String text = LearnedRouteHandover.write(before) + "mpls-path 7 10.1.0.2\n"; // and a line gone bad

        VrfControl after = configured();
        LearnedRouteHandover.read(List.of(text.split("\n")), after);
        assertEquals(before.labelRoutes.routes(), after.labelRoutes.routes(), text);
        assertEquals(before.labelRoutes.handoverLines(), after.labelRoutes.handoverLines());
        // Adopted as if before the first connection: a connection's sweep removes what zebra does not send again.
        assertEquals(3, after.labelRoutes.sweep(1, false));
    }

    @Test
    void aLineThatNoLongerAppliesIsSkippedAndTheRestTaken() {
        engine.addDevice(new MemoryDevice("a", 0x02_00_00_00_11_01L, TrafficProfile.defaults(), false));
        engine.addDevice(new MemoryDevice("b", 0x02_00_00_00_11_02L, TrafficProfile.defaults(), false));
        VrfControl after = configured();
        LearnedRouteHandover.read(List.of("frr 10.50.0.0/33 10.1.0.2", "frr 10.51.0.0/16 fd01::2", "garbage",
                "frr 10.52.0.0/16 10.1.0.2"), after);
        assertEquals(Set.of("10.52.0.0/16 frr 10.1.0.2"), routes(after, VrfControl.DEFAULT));
    }
}
