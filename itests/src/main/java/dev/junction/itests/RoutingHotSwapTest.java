package dev.junction.itests;

import static dev.junction.itests.Netns.ns;
import static dev.junction.itests.Netns.sh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.DropCount;
import dev.junction.routing.Routing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/**
 * feature.routing updated to a new build five times while a host pings another through Junction
 * every 10 ms: the routes come back from configuration, the neighbours are handed over, the swap
 * window holds received frames meanwhile, and no echo is lost.
 */
class RoutingHotSwapTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "js-h1-" + id;
    private final String h2 = "js-h2-" + id;
    private final String v1 = "js1-" + id;
    private final String v2 = "js2-" + id;
    private Traffic traffic;

    @BeforeEach
    void setUp() throws Exception {
        Netns.requireRoot("RoutingHotSwapTest", "network namespaces");
        for (String[] c : List.of(new String[] {"ip", "netns", "add", h1}, new String[] {"ip", "netns", "add", h2},
                new String[] {"ip", "link", "add", v1, "type", "veth", "peer", "name", "e0", "netns", h1},
                new String[] {"ip", "link", "add", v2, "type", "veth", "peer", "name", "e0", "netns", h2},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + v1 + ".disable_ipv6=1"},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + v2 + ".disable_ipv6=1"},
                new String[] {"ip", "link", "set", v1, "up"}, new String[] {"ip", "link", "set", v2, "up"},
                ns(h1, "ip", "link", "set", "e0", "up"), ns(h2, "ip", "link", "set", "e0", "up"),
                ns(h1, "ip", "addr", "add", "10.82.1.2/24", "dev", "e0"),
                ns(h2, "ip", "addr", "add", "10.82.2.2/24", "dev", "e0"),
                ns(h1, "ip", "route", "add", "default", "via", "10.82.1.1"),
                ns(h2, "ip", "route", "add", "default", "via", "10.82.2.1"))) {
            String r = sh(c);
            assertTrue(r.startsWith("0:"), String.join(" ", c) + " -> " + r);
        }
        traffic = new Traffic();
        Path f = Files.createTempFile("routing", ".conf");
        Files.writeString(f, String.join("\n", "dataplane cpus=auto",
                "linux r1 iface=" + v1, "linux r2 iface=" + v2,
                "address r1-a iface=r1 ip=10.82.1.1/24", "address r2-a iface=r2 ip=10.82.2.1/24", ""));
        Osgi.load(traffic.config, f);
        Files.delete(f);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (traffic != null) {
            traffic.stop();
        }
        sh("ip", "netns", "del", h1);
        sh("ip", "netns", "del", h2);
        sh("ip", "link", "del", v1);
        sh("ip", "link", "del", v2);
    }

    private static Bundle routingBundle() {
        for (Bundle b : Osgi.context().getBundles()) {
            if (b.getSymbolicName().equals("dev.junction.feature.routing")) {
                return b;
            }
        }
        throw new AssertionError("feature.routing is not installed");
    }

    private boolean routed() throws InterruptedException {
        return Osgi.service(Routing.class).routes().stream().filter(r -> r.kind().equals("connected")).count() == 2;
    }

    @Test
    void routingUpdatedFiveTimesUnderAPingLosesNoEcho() throws Exception {
        Osgi.await(() -> {
            try {
                return routed();
            } catch (InterruptedException e) {
                return false;
            }
        }, Duration.ofSeconds(30), "connected routes on r1 and r2");
        String warm = sh(ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.82.2.2"));
        assertTrue(warm.contains(" 0% packet loss") || warm.contains("3 received") || warm.contains("2 received"),
                warm + "\ndrops: " + traffic.dataplane.drops() + "\ninterfaces: " + traffic.dataplane.interfaces()
                        + "\nneighbours: " + Osgi.service(Routing.class).neighbours() + "\nroutes: " + Osgi.service(Routing.class).routes()
                        + "\nworkers: " + traffic.dataplane.workers() + "\nh2: " + sh(ns(h2, "ip", "-s", "link", "show", "e0"))
                        + "\nh2 neigh: " + sh(ns(h2, "ip", "neigh")) + "\nh1 neigh: " + sh(ns(h1, "ip", "neigh")));
        traffic.dataplane.clearRuntime();
        Process ping = new ProcessBuilder(ns(h1, "ping", "-c", "500", "-i", "0.01", "-W", "2", "10.82.2.2"))
                .redirectErrorStream(true).start();
        Bundle routing = routingBundle();
        for (int i = 0; i < 5; i++) {
            Thread.sleep(400);
            routing.update(); // a new build from the bundle's location
            Osgi.await(() -> {
                try {
                    return routed();
                } catch (InterruptedException e) {
                    return false;
                }
            }, Duration.ofSeconds(10), "routes back after update " + i);
        }
        assertTrue(ping.waitFor(60, TimeUnit.SECONDS), "ping finished");
        String out = new String(ping.getInputStream().readAllBytes());
        long lostToMissingRouting = traffic.dataplane.drops().stream()
                .filter(d -> d.reason().equals("no IPv4 forwarding feature installed")).mapToLong(DropCount::count).sum();
        assertTrue(out.contains("500 packets transmitted, 500 received"), out + "\ndrops: " + traffic.dataplane.drops());
        assertEquals(0, lostToMissingRouting);
    }
}
