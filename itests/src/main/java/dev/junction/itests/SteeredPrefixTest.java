package dev.junction.itests;

import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.CounterValue;
import dev.junction.routing.Routing;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.RootOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * A bundle steers one IPv4 and one IPv6 prefix to a node of its own through routing's exported API
 * alone (the example plugin's {@code example-steered}, whose imports ApiOnlyTest checks), while
 * routing forwards everything else between two Linux hosts; uninstalling the bundle takes its
 * prefixes out of the FIB again.
 */
class SteeredPrefixTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jst-h1-" + id, h2 = "jst-h2-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private Traffic traffic;
    private Bundle example;
    private Configuration steer;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("SteeredPrefixTest", "network namespaces");
        hosts.host(h1, "jst1-" + id).address("10.86.1.2/24").defaultRoute("10.86.1.1")
                .address("fd86:1::2/64").defaultRoute("fd86:1::1");
        hosts.host(h2, "jst2-" + id).address("10.86.2.2/24").defaultRoute("10.86.2.1")
                .address("fd86:2::2/64").defaultRoute("fd86:2::1");
        traffic = new Traffic();
        Path f = Files.createTempFile("steer", ".conf");
        Files.writeString(f, String.join("\n", "dataplane cpus=auto",
                "linux s1 iface=jst1-" + id, "linux s2 iface=jst2-" + id,
                "address s1-a iface=s1 ip=10.86.1.1/24", "address s2-a iface=s2 ip=10.86.2.1/24",
                "address s1-b iface=s1 ip=fd86:1::1/64", "address s2-b iface=s2 ip=fd86:2::1/64", ""));
        Osgi.load(traffic.config, f);
        Files.delete(f);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (steer != null) {
                steer.delete();
            }
            if (example != null && example.getState() != Bundle.UNINSTALLED) {
                example.uninstall();
            }
            if (traffic != null) {
                traffic.stop();
            }
        } finally {
            hosts.close(); // the namespaces go even when the set-up or the stop failed
        }
    }

    private long counter(String name) {
        for (CounterValue c : traffic.dataplane.counters()) {
            if (c.node().equals("example-steered") && c.counter().equals(name)) {
                return c.value();
            }
        }
        return 0;
    }

    private static long steered(Routing routing) {
        return routing.routes().stream().filter(r -> r.kind().equals("steered")).count();
    }

    @Test
    void aBundlesOwnNodeGetsItsPrefixesAndRoutingForwardsTheRest() throws Exception {
        Routing routing = Osgi.service(Routing.class);
        Osgi.await(() -> routing.routes().stream().filter(r -> r.kind().equals("connected")).count() == 4,
                Duration.ofSeconds(30), () -> "connected routes, both families: " + routing.routes());
        example = Osgi.context().installBundle(Osgi.exampleBundle().toUri().toString());
        example.start();
        steer = Osgi.service(ConfigurationAdmin.class).getConfiguration("junction.example.steer", "?");
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("ipv4", "10.86.9.0/24");
        p.put("ipv6", "fd86:9::/64");
        steer.update(p);
        Osgi.await(() -> steered(routing) == 2, Duration.ofSeconds(10), () -> "two steered prefixes: " + routing.routes());
        assertTrue(routing.routes().stream().anyMatch(r -> r.prefix().equals("10.86.9.0/24") && r.kind().equals("steered")
                && r.via().equals("example-steered")), routing.routes()::toString);

        // Steered: the example's node counts them by the index it gave (and drops them: no reply).
        Result r = run(30, ns(h1, "ping", "-c", "5", "-i", "0.1", "-W", "1", "10.86.9.7"));
        assertTrue(r.out().contains("5 packets transmitted, 0 received"), r.out());
        r = run(30, ns(h1, "ping", "-6", "-c", "5", "-i", "0.1", "-W", "1", "fd86:9::7"));
        assertTrue(r.out().contains("5 packets transmitted, 0 received"), r.out());
        assertEquals(5, counter("ipv4 index 4"), traffic.dataplane.counters()::toString);
        assertEquals(5, counter("ipv6 index 6"), traffic.dataplane.counters()::toString);
        assertEquals(0, counter("other index"));

        // The rest: routing forwards as before, both families.
        r = run(30, ns(h1, "ping", "-c", "5", "-i", "0.1", "-W", "2", "10.86.2.2"));
        assertTrue(r.out().contains("5 packets transmitted, 5 received"), r.out() + "\n" + traffic.dataplane.drops());
        r = run(30, ns(h1, "ping", "-6", "-c", "5", "-i", "0.1", "-W", "2", "fd86:2::2"));
        assertTrue(r.out().contains("5 packets transmitted, 5 received"), r.out() + "\n" + traffic.dataplane.drops());
        assertEquals(5, counter("ipv4 index 4"), "routed packets never reach the steered node");

        // The bundle leaves: its prefixes leave the FIB, and routing answers for them as for any unrouted address.
        example.uninstall();
        Osgi.await(() -> steered(routing) == 0, Duration.ofSeconds(10), () -> "no steered prefix left: " + routing.routes());
        r = run(30, ns(h1, "ping", "-c", "1", "-W", "2", "10.86.9.7"));
        assertTrue(r.out().contains("Unreachable"), "routing's ICMP unreachable now: " + r.out());
    }
}
