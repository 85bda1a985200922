package dev.junction.routing.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.routing.Routing;
import dev.junction.routing.internal.FpmServer;
import dev.junction.routing.internal.Ip4Tables;
import dev.junction.routing.internal.Ip6Tables;
import dev.junction.routing.internal.RoutingControl;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real FRR in a network namespace streams its RIB to Junction over FPM: static routes configured in
 * FRR (IPv4, IPv6, one with two next hops) appear in Junction's FIB as learned routes, the multipath
 * one as ECMP, and disappear when FRR removes them. zebra with dplane_fpm_nl and staticd run as user
 * frr; the next hops are on a veth pair inside FRR's namespace, Junction resolves the same gateways
 * through an address on a memory interface.
 */
class FrrFpmTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String ns = "jf-" + id;
    private final String veth = "jf0-" + id;
    private Path dir;
    private Engine engine;
    private RoutingControl routing;
    private FpmServer fpm;

    @BeforeEach
    void setUp() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI runs as root: the FRR test must run there");
            }
            System.err.println("SKIPPED LOUDLY: FrrFpmTest needs root (network namespaces, FRR)");
            Assumptions.abort("needs root");
        }
        if (!Files.isExecutable(Path.of("/usr/lib/frr/zebra"))) {
            RoutedHostsTest.must("sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq frr >/dev/null"
                    + " || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq frr >/dev/null)");
        }
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        engine.addDevice(new MemoryDevice("m0", 0x02_00_00_00_86_01L, TrafficProfile.defaults(), false));
        routing = new RoutingControl(new Ip4Tables(), new Ip6Tables(), engine);
        routing.addAddress("m0", "10.87.0.10/24");
        routing.addAddress("m0", "fd87::10/64");
        for (String[] c : List.of(
                new String[] {"ip", "netns", "add", ns},
                new String[] {"ip", "link", "add", veth, "type", "veth", "peer", "name", "e0", "netns", ns},
                new String[] {"ip", "addr", "add", "10.86.0.1/24", "dev", veth},
                new String[] {"ip", "link", "set", veth, "up"},
                RoutedHostsTest.ns(ns, "ip", "link", "set", "lo", "up"),
                RoutedHostsTest.ns(ns, "ip", "addr", "add", "10.86.0.2/24", "dev", "e0"),
                RoutedHostsTest.ns(ns, "ip", "link", "set", "e0", "up"),
                // The next hops' link, inside FRR's namespace: the kernel there must accept the routes.
                RoutedHostsTest.ns(ns, "ip", "link", "add", "n1", "type", "veth", "peer", "name", "n2"),
                RoutedHostsTest.ns(ns, "ip", "addr", "add", "10.87.0.1/24", "dev", "n1"),
                RoutedHostsTest.ns(ns, "ip", "addr", "add", "fd87::1/64", "dev", "n1", "nodad"),
                RoutedHostsTest.ns(ns, "ip", "link", "set", "n1", "up"),
                RoutedHostsTest.ns(ns, "ip", "link", "set", "n2", "up"))) {
            RoutedHostsTest.must(c);
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
        RoutedHostsTest.must("chown", "-R", "frr:frr", dir.toString());
        RoutedHostsTest.must(RoutedHostsTest.ns(ns, "/usr/lib/frr/zebra", "-d", "-M", "dplane_fpm_nl",
                "-f", dir.resolve("zebra.conf").toString(), "-i", dir.resolve("zebra.pid").toString(),
                "-z", dir.resolve("zserv.api").toString(), "--vty_socket", dir.toString(), "-u", "frr", "-g", "frr"));
        RoutedHostsTest.must(RoutedHostsTest.ns(ns, "/usr/lib/frr/staticd", "-d",
                "-f", dir.resolve("staticd.conf").toString(), "-i", dir.resolve("staticd.pid").toString(),
                "-z", dir.resolve("zserv.api").toString(), "--vty_socket", dir.toString(), "-u", "frr", "-g", "frr"));
    }

    @AfterEach
    void tearDown() throws Exception {
        RoutedHostsTest.run(20, "sh", "-c", "ip netns pids " + ns + " | xargs -r kill; sleep 0.5; ip netns pids " + ns + " | xargs -r kill -9");
        if (fpm != null) {
            fpm.close();
        }
        if (engine != null) {
            engine.close();
        }
        RoutedHostsTest.run(20, "ip", "netns", "del", ns);
        RoutedHostsTest.run(20, "ip", "link", "del", veth);
        if (dir != null) {
            RoutedHostsTest.run(20, "rm", "-rf", dir.toString());
        }
    }

    private Optional<Routing.RouteEntry> route(String prefix) {
        return routing.routes().stream().filter(r -> r.prefix().equals(prefix) && r.kind().equals(FpmServer.KIND)).findFirst();
    }

    private void await(Predicate<List<Routing.RouteEntry>> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.test(routing.routes())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 30 s; routes " + routing.routes() + "; fpm " + fpm.status());
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

    private void vtysh(String... commands) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", ns, "vtysh", "--vty_socket", dir.toString(),
                "-c", "configure terminal"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        RoutedHostsTest.must(cmd.toArray(String[]::new));
    }
}
