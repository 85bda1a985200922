package dev.junction.routing.e2e;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.routing.Routing;
import dev.junction.routing.internal.FpmServer;
import dev.junction.routing.internal.VrfControl;
import dev.junction.routing.internal.Vrfs;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real FRR in a network namespace streams its RIB to Junction over FPM: static routes configured in
 * FRR (IPv4, IPv6, one with two next hops) appear in Junction's FIB as learned routes, the multipath
 * one as ECMP, and disappear when FRR removes them. Routes of another kernel table go to the VRF
 * that stands for it; those of a table no VRF has wait for one. zebra with dplane_fpm_nl and staticd
 * run as user frr; the next hops are on a veth pair inside FRR's namespace, Junction resolves the same
 * gateways through the same address on a memory interface in each VRF.
 */
class FrrFpmTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String namespace = "jf-" + id;
    private final String veth = "jf0-" + id;
    private Path dir;
    private Engine engine;
    private VrfControl routing;
    private FpmServer fpm;
    private final LinuxHosts hosts = new LinuxHosts();

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("FrrFpmTest", "network namespaces, FRR");
        Packages.require("FrrFpmTest", "/usr/lib/frr/zebra", "/usr/lib/frr/staticd", "vtysh");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        engine.addDevice(new MemoryDevice("m0", 0x02_00_00_00_86_01L, TrafficProfile.defaults(), false));
        engine.addDevice(new MemoryDevice("m1", 0x02_00_00_00_86_02L, TrafficProfile.defaults(), false));
        engine.addDevice(new MemoryDevice("m2", 0x02_00_00_00_86_03L, TrafficProfile.defaults(), false));
        routing = new VrfControl(new Vrfs(), engine);
        routing.addAddress("m0", "10.87.0.10/24");
        routing.addAddress("m0", "fd87::10/64");
        // VRF red stands for FRR's table 10, as a Linux VRF device would; its interface has the same
        // addressing as m0 (another table, so no clash): the same gateways resolve in either.
        routing.bindVrf("red", List.of("m1"), 10);
        routing.addAddress("m1", "10.87.0.10/24");
        routing.addAddress("m1", "fd87::10/64");
        // FRR's host: zebra connects to Junction's FPM server on the outer end of its veth pair.
        hosts.host(namespace, veth).address("10.86.0.2/24");
        must("ip", "addr", "add", "10.86.0.1/24", "dev", veth);
        // The next hops' link, inside FRR's namespace: the kernel there must accept the routes.
        for (String[] c : List.of(
                ns(namespace, "ip", "link", "add", "n1", "type", "veth", "peer", "name", "n2"),
                ns(namespace, "ip", "addr", "add", "10.87.0.1/24", "dev", "n1"),
                ns(namespace, "ip", "addr", "add", "fd87::1/64", "dev", "n1", "nodad"),
                ns(namespace, "ip", "link", "set", "n1", "up"),
                ns(namespace, "ip", "link", "set", "n2", "up"))) {
            must(c);
        }
        fpm = new FpmServer(routing, new InetSocketAddress("10.86.0.1", 0));
        dir = Files.createTempDirectory("jn-frr");
        Files.writeString(dir.resolve("zebra.conf"), String.join("\n", "hostname jf-zebra",
                "fpm address 10.86.0.1 port " + fpm.address().getPort(), "no fpm use-next-hop-groups", ""));
        Files.writeString(dir.resolve("staticd.conf"), String.join("\n", "hostname jf-staticd",
                "ip route 10.88.0.0/16 10.87.0.2",
                "ipv6 route fd88::/32 fd87::2",
                "ip route 10.89.0.0/16 10.87.0.2",
                "ip route 10.89.0.0/16 10.87.0.3", ""));
        must("chown", "-R", "frr:frr", dir.toString());
        must(ns(namespace, "/usr/lib/frr/zebra", "-d", "-M", "dplane_fpm_nl",
                "-f", dir.resolve("zebra.conf").toString(), "-i", dir.resolve("zebra.pid").toString(),
                "-z", dir.resolve("zserv.api").toString(), "--vty_socket", dir.toString(), "-u", "frr", "-g", "frr"));
        must(ns(namespace, "/usr/lib/frr/staticd", "-d",
                "-f", dir.resolve("staticd.conf").toString(), "-i", dir.resolve("staticd.pid").toString(),
                "-z", dir.resolve("zserv.api").toString(), "--vty_socket", dir.toString(), "-u", "frr", "-g", "frr"));
    }

    @AfterEach
    void tearDown() throws Exception {
        hosts.close(); // FRR's daemons first, so that they leave before the FPM server does
        if (fpm != null) {
            fpm.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (dir != null) {
            run(20, "rm", "-rf", dir.toString());
        }
    }

    /** The FRR route of a prefix in the default VRF. */
    private Optional<Routing.RouteEntry> route(String prefix) {
        return route(VrfControl.DEFAULT, prefix);
    }

    private Optional<Routing.RouteEntry> route(String vrf, String prefix) {
        return routing.routes(vrf).stream().filter(r -> r.prefix().equals(prefix) && r.kind().equals(FpmServer.KIND)).findFirst();
    }

    private void await(Predicate<List<Routing.RouteEntry>> condition, String what) throws InterruptedException {
        await(() -> condition.test(routing.routes()), what);
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 30 s; routes " + routing.routes() + "; VRF red "
                        + routing.routes("red") + "; fpm " + fpm.status());
            }
            Thread.sleep(50);
        }
    }

    @Test
    void staticRoutesInFrrComeAndGoInJunctionsFib() throws Exception {
        await(r -> route("10.88.0.0/16").isPresent() && route("fd88::/32").isPresent()
                && route("10.89.0.0/16").map(e -> e.via().contains(",")).orElse(false), "FRR's routes in Junction");
        assertEquals("10.87.0.2", route("10.88.0.0/16").orElseThrow().via());
        assertTrue(route("10.88.0.0/16").orElseThrow().active());
        assertEquals("fd87::2", route("fd88::/32").orElseThrow().via());
        assertEquals("10.87.0.2,10.87.0.3", route("10.89.0.0/16").orElseThrow().via(), "multipath as ECMP");
        assertEquals("m0", route("10.89.0.0/16").orElseThrow().iface());

        // FRR removes them: one of the two paths first, then everything.
        vtysh("no ip route 10.89.0.0/16 10.87.0.3");
        await(r -> route("10.89.0.0/16").map(e -> e.via().equals("10.87.0.2")).orElse(false), "multipath down to one path");
        vtysh("no ip route 10.88.0.0/16 10.87.0.2", "no ipv6 route fd88::/32 fd87::2", "no ip route 10.89.0.0/16 10.87.0.2");
        await(r -> route("10.88.0.0/16").isEmpty() && route("fd88::/32").isEmpty() && route("10.89.0.0/16").isEmpty(),
                "FRR's routes gone from Junction");
        assertTrue(fpm.status().messages() >= 5, fpm.status().toString());
    }

    @Test
    void routesOfAnotherTableGoToTheVrfOfThatTable() throws Exception {
        await(r -> route("10.88.0.0/16").isPresent(), "FRR connected, its main table in Junction");
        // zebra's replay when it connects covers each VRF's main table, not the other tables a static
        // route may name: those reach FPM as they change, so they are configured now.
        vtysh("ip route 10.99.0.0/24 10.87.0.2 table 10", "ipv6 route fd99::/32 fd87::2 table 10",
                "ip route 10.97.0.0/24 10.87.0.3 table 11");
        assertTrue(vtyshShow("show ip route table 10").contains("10.99.0.0/24"), "FRR took the route of table 10");
        await(() -> route("red", "10.99.0.0/24").isPresent() && route("red", "fd99::/32").isPresent(),
                "FRR's table 10 in VRF red");
        assertEquals("10.87.0.2", route("red", "10.99.0.0/24").orElseThrow().via());
        assertEquals("m1", route("red", "10.99.0.0/24").orElseThrow().iface());
        assertTrue(route("red", "10.99.0.0/24").orElseThrow().active());
        assertEquals("fd87::2", route("red", "fd99::/32").orElseThrow().via());
        assertTrue(routing.routes().stream().noneMatch(r -> r.prefix().equals("10.99.0.0/24") || r.prefix().equals("fd99::/32")),
                "the default VRF has none of table 10: " + routing.routes());

        // Table 11 has no VRF yet: its route is counted and kept aside.
        await(() -> fpm.status().keptAside().equals(Map.of(11L, 1)), "the route of table 11 kept aside");
        assertTrue(fpm.status().refused().keySet().stream().anyMatch(k -> k.startsWith("route of table 11, which no VRF has")),
                fpm.status().refused().toString());
        assertTrue(routing.routes().stream().noneMatch(r -> r.prefix().equals("10.97.0.0/24")));
        assertTrue(routing.routes("red").stream().noneMatch(r -> r.prefix().equals("10.97.0.0/24")));

        // A VRF takes table 11: the route kept aside joins its FIB without FRR sending it again.
        routing.bindVrf("green", List.of("m2"), 11);
        routing.addAddress("m2", "10.87.0.10/24");
        assertEquals("10.87.0.3", route("green", "10.97.0.0/24").orElseThrow().via());
        assertTrue(route("green", "10.97.0.0/24").orElseThrow().active());
        assertEquals(Map.of(), fpm.status().keptAside());

        // FRR removes them all.
        vtysh("no ip route 10.99.0.0/24 10.87.0.2 table 10", "no ipv6 route fd99::/32 fd87::2 table 10",
                "no ip route 10.97.0.0/24 10.87.0.3 table 11");
        await(() -> route("red", "10.99.0.0/24").isEmpty() && route("red", "fd99::/32").isEmpty()
                && route("green", "10.97.0.0/24").isEmpty(), "FRR's other tables gone from Junction");
        assertTrue(route("10.88.0.0/16").isPresent(), "the main table's route stays");
    }

    private String vtyshShow(String command) throws Exception {
        Result r = run(30, ns(namespace, "vtysh", "--vty_socket", dir.toString(), "-c", command));
        assertEquals(0, r.exit(), r.out());
        return r.out();
    }

    private void vtysh(String... commands) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", namespace, "vtysh", "--vty_socket", dir.toString(),
                "-c", "configure terminal"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        must(cmd.toArray(String[]::new));
    }
}
