package dev.junction.itests;

import static dev.junction.itests.Netns.ns;
import static dev.junction.itests.Netns.sh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.l2.BridgeStatus;
import dev.junction.l2.Bridges;
import dev.junction.l2.MacEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/**
 * feature.l2 updated to a new build five times while one host pings another across a bridge domain
 * every 10 ms: the domain and ports come back from configuration, the MAC table is handed over, the
 * swap window holds received frames meanwhile: no echo is lost, the table is the same after, and
 * nothing was flooded that was not flooded before.
 */
class BridgeHotSwapTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jw-h1-" + id;
    private final String h2 = "jw-h2-" + id;
    private final String v1 = "jw1-" + id;
    private final String v2 = "jw2-" + id;
    private Traffic traffic;

    @BeforeEach
    void setUp() throws Exception {
        Netns.requireRoot("BridgeHotSwapTest", "network namespaces");
        for (String[] c : List.of(new String[] {"ip", "netns", "add", h1}, new String[] {"ip", "netns", "add", h2},
                new String[] {"ip", "link", "add", v1, "type", "veth", "peer", "name", "e0", "netns", h1},
                new String[] {"ip", "link", "add", v2, "type", "veth", "peer", "name", "e0", "netns", h2},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + v1 + ".disable_ipv6=1"},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + v2 + ".disable_ipv6=1"},
                // IPv6 off in the hosts too: no ND or MLD multicast to flood while the counters are compared.
                ns(h1, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"),
                ns(h2, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"),
                new String[] {"ip", "link", "set", v1, "up"}, new String[] {"ip", "link", "set", v2, "up"},
                ns(h1, "ip", "link", "set", "e0", "up"), ns(h2, "ip", "link", "set", "e0", "up"),
                ns(h1, "ip", "addr", "add", "10.83.0.1/24", "dev", "e0"),
                ns(h2, "ip", "addr", "add", "10.83.0.2/24", "dev", "e0"))) {
            String r = sh(c);
            assertTrue(r.startsWith("0:"), String.join(" ", c) + " -> " + r);
        }
        traffic = new Traffic();
        load();
    }

    /** The test's configuration, and {@code more} statements. */
    private void load(String... more) throws Exception {
        List<String> lines = new ArrayList<>(List.of("dataplane cpus=auto",
                "linux b1 iface=" + v1, "linux b2 iface=" + v2,
                "bridge blue", "bridge-port b1 bridge=blue", "bridge-port b2 bridge=blue"));
        lines.addAll(List.of(more));
        lines.add("");
        Path f = Files.createTempFile("bridge", ".conf");
        Files.writeString(f, String.join("\n", lines));
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

    private static BridgeStatus blue() throws InterruptedException {
        for (BridgeStatus s : Osgi.service(Bridges.class).domains()) {
            if (s.settings().name().equals("blue")) {
                return s;
            }
        }
        return null;
    }

    private static boolean ready() {
        try {
            BridgeStatus s = blue();
            return s != null && s.ports().size() == 2;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private static List<String> table() throws InterruptedException {
        return Osgi.service(Bridges.class).macs().stream().map(e -> e.bridge() + " " + e.mac() + " " + e.iface()).sorted().toList();
    }

    /**
     * A BVI made by a statement: a host on the bridge pings its routed address, and again after an
     * update of feature.l2 (the BVI's interfaces go and come with the bundle; routing keeps the
     * address statement and takes it up again).
     */
    @Test
    void aBviFromConfigurationAnswersOnTheBridgeAndComesBackAfterAnUpdate() throws Exception {
        load("bvi bvi0 bridge=blue mac=02:4a:b0:00:00:01", "address bvi0-a iface=bvi0 ip=10.83.0.254/24");
        java.util.function.BooleanSupplier withBvi = () -> {
            try {
                BridgeStatus s = blue();
                return s != null && s.ports().containsKey("bvi0-br") && traffic.find("bvi0") != null;
            } catch (InterruptedException e) {
                return false;
            }
        };
        Osgi.await(withBvi, Duration.ofSeconds(30), "bvi0 and its port bvi0-br");
        String before = sh(ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.83.0.254"));
        assertTrue(before.contains("3 received"), "h1 pings the BVI's address: " + before + "\ndrops: " + traffic.dataplane.drops());
        assertTrue(table().contains("blue " + 0x02_4a_b0_00_00_01L + " bvi0-br"), "the BVI's MAC on its port: " + table());
        Osgi.bundle("dev.junction.feature.l2").update();
        Osgi.await(withBvi, Duration.ofSeconds(10), "the BVI back after the update");
        // The first echo may be spent on ARP: routing forgot h1's MAC with the interface.
        String after = sh(ns(h1, "ping", "-c", "4", "-i", "0.2", "-W", "2", "10.83.0.254"));
        assertTrue(after.matches("(?s).*[34] received.*"), "h1 pings the BVI after the update: " + after
                + "\ndrops: " + traffic.dataplane.drops());
    }

    @Test
    void l2UpdatedFiveTimesUnderAPingLosesNoEchoKeepsTheTableAndFloodsNothingNew() throws Exception {
        Osgi.await(BridgeHotSwapTest::ready, Duration.ofSeconds(30), "bridge blue with b1 and b2");
        String warm = sh(ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.83.0.2"));
        assertTrue(warm.contains("3 received"), warm + "\ndrops: " + traffic.dataplane.drops());
        Osgi.await(() -> {
            try {
                return table().size() == 2;
            } catch (InterruptedException e) {
                return false;
            }
        }, Duration.ofSeconds(10), "both hosts learned");
        List<String> before = table();
        BridgeStatus was = blue();
        Process ping = new ProcessBuilder(ns(h1, "ping", "-c", "500", "-i", "0.01", "-W", "2", "10.83.0.2"))
                .redirectErrorStream(true).start();
        Bundle l2 = Osgi.bundle("dev.junction.feature.l2");
        for (int i = 0; i < 5; i++) {
            Thread.sleep(400);
            l2.update(); // a new build from the bundle's location
            Osgi.await(BridgeHotSwapTest::ready, Duration.ofSeconds(10), "bridge back after update " + i);
        }
        assertTrue(ping.waitFor(60, TimeUnit.SECONDS), "ping finished");
        String out = new String(ping.getInputStream().readAllBytes());
        assertTrue(out.contains("500 packets transmitted, 500 received"), out + "\ndrops: " + traffic.dataplane.drops());
        assertEquals(before, table(), "the same MAC table after five updates");
        BridgeStatus now = blue();
        for (String c : List.of("flooded", "unknown-unicast-flooded")) {
            assertEquals(was.counter(c), now.counter(c), c + " did not move: " + was.counters() + " -> " + now.counters());
        }
        assertTrue(now.counter("forwarded") >= was.counter("forwarded") + 1000, "the echoes were bridged: " + now.counters());
    }
}
