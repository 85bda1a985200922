package dev.junction.itests;

import static dev.junction.itests.Netns.ns;
import static dev.junction.itests.Netns.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.DropCount;
import dev.junction.firewall.Firewall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/**
 * feature.firewall updated to a new build five times under traffic: an inside host (h1) holds a TCP
 * connection open to an outside host (h2) and sends a line every 50 ms, which h2 echoes. Only the
 * inside may open connections (permit+track); the outside's own set denies. The echoes come back
 * only while their connection is tracked, so every update must hand the table over: the client
 * fails at the first echo that does not come within 2 s. The table is the same before and after.
 */
class FirewallHotSwapTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jf-h1-" + id;
    private final String h2 = "jf-h2-" + id;
    private final String v1 = "jf1-" + id;
    private final String v2 = "jf2-" + id;
    private Traffic traffic;
    private Process server;

    private static final String SERVER = String.join("\n",
            "import socket",
            "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('0.0.0.0', 7001)); s.listen(1)",
            "c, _ = s.accept()",
            "while True:",
            "    d = c.recv(4096)",
            "    if not d: break",
            "    c.sendall(d)");
    private static final String CLIENT = String.join("\n",
            "import socket, sys, time",
            "c = socket.create_connection(('10.84.2.2', 7001), timeout=5); c.settimeout(2)",
            "f = c.makefile('rwb')",
            "n = int(sys.argv[1])",
            "for i in range(n):",
            "    f.write(b'line %d\\n' % i); f.flush()",
            "    if f.readline() != b'line %d\\n' % i: print('bad echo', i); sys.exit(2)",
            "    if i == 20: print('established', flush=True)",
            "    time.sleep(0.05)",
            "print('echoed', n)");

    @BeforeEach
    void setUp() throws Exception {
        Netns.requireRoot("FirewallHotSwapTest", "network namespaces");
        for (String[] c : List.of(new String[] {"ip", "netns", "add", h1}, new String[] {"ip", "netns", "add", h2},
                new String[] {"ip", "link", "add", v1, "type", "veth", "peer", "name", "e0", "netns", h1},
                new String[] {"ip", "link", "add", v2, "type", "veth", "peer", "name", "e0", "netns", h2},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + v1 + ".disable_ipv6=1"},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + v2 + ".disable_ipv6=1"},
                new String[] {"ip", "link", "set", v1, "up"}, new String[] {"ip", "link", "set", v2, "up"},
                ns(h1, "ip", "link", "set", "e0", "up"), ns(h2, "ip", "link", "set", "e0", "up"),
                ns(h1, "ip", "link", "set", "lo", "up"), ns(h2, "ip", "link", "set", "lo", "up"),
                ns(h1, "ethtool", "-K", "e0", "tso", "off", "gso", "off"),
                ns(h2, "ethtool", "-K", "e0", "tso", "off", "gso", "off"),
                ns(h1, "ip", "addr", "add", "10.84.1.2/24", "dev", "e0"),
                ns(h2, "ip", "addr", "add", "10.84.2.2/24", "dev", "e0"),
                ns(h1, "ip", "route", "add", "default", "via", "10.84.1.1"),
                ns(h2, "ip", "route", "add", "default", "via", "10.84.2.1"))) {
            String r = sh(c);
            assertTrue(r.startsWith("0:"), String.join(" ", c) + " -> " + r);
        }
        traffic = new Traffic();
        Path f = Files.createTempFile("firewall", ".conf");
        Files.writeString(f, String.join("\n", "dataplane cpus=auto",
                "linux f1 iface=" + v1, "linux f2 iface=" + v2,
                "address f1-a iface=f1 ip=10.84.1.1/24", "address f2-a iface=f2 ip=10.84.2.1/24",
                "fw-rule inside-out set=inside priority=10 action=permit+track src=10.84.1.0/24",
                "fw-rule outside-in set=outside priority=10 action=deny family=ip4",
                "fw-attach f1-in iface=f1 direction=in set=inside",
                "fw-attach f2-in iface=f2 direction=in set=outside", ""));
        traffic.config.load(f);
        Files.delete(f);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (traffic != null) {
            Path f = Files.createTempFile("firewall", ".conf");
            Files.writeString(f, "dataplane cpus=auto\n"); // removes the statements this test loaded
            traffic.config.load(f);
            Files.delete(f);
        }
        sh("ip", "netns", "del", h1);
        sh("ip", "netns", "del", h2);
        sh("ip", "link", "del", v1);
        sh("ip", "link", "del", v2);
    }

    /** The table as a set of connections and states (idle times left out: they move). */
    private static Set<String> table() throws InterruptedException {
        Set<String> out = new TreeSet<>();
        for (Firewall.Session s : Osgi.service(Firewall.class).sessions(10_000)) {
            out.add(s.zone() + " " + s.protocol() + " " + s.source() + ":" + s.sourcePort() + " > " + s.destination() + ":"
                    + s.destinationPort() + " " + s.state());
        }
        return out;
    }

    private static Set<String> tableOrEmpty() {
        try {
            return table();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Set.of();
        }
    }

    private long drops(String reason) {
        return traffic.dataplane.drops().stream().filter(d -> d.reason().equals(reason)).mapToLong(DropCount::count).sum();
    }

    @Test
    void firewallUpdatedFiveTimesKeepsAHeldOpenConnection() throws Exception {
        Osgi.await(() -> traffic.find("f1") != null && traffic.find("f2") != null, Duration.ofSeconds(30), "f1 and f2");
        server = new ProcessBuilder(ns(h2, "/usr/bin/python3", "-c", SERVER)).redirectErrorStream(true).start();
        Osgi.await(() -> {
            try {
                return sh(ns(h2, "ss", "-ltn")).contains(":7001");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(10), "the echo server listening");
        Process client = new ProcessBuilder(ns(h1, "/usr/bin/python3", "-c", CLIENT, "300")).redirectErrorStream(true).start();
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(client.getInputStream()));
        String first = out.readLine(); // blocks until 20 echoes came back, or the client died
        assertEquals("established", first, "the client: " + first + "\ndrops: " + traffic.dataplane.drops());
        Set<String> before = table();
        assertEquals(1, before.size(), before.toString());
        assertTrue(before.iterator().next().contains("10.84.1.2:") && before.iterator().next().contains("> 10.84.2.2:7001 ESTABLISHED"),
                before.toString());

        long hitsBefore = Osgi.service(Firewall.class).hits("inside").get(0).hits();
        assertTrue(hitsBefore >= 1, "the SYN was the rule's");
        Bundle fw = Osgi.bundle("dev.junction.feature.firewall");
        for (int i = 0; i < 5; i++) {
            Thread.sleep(1000); // echoes in between: each update under traffic
            fw.update(); // a new build from the bundle's location
            int n = i;
            Osgi.await(() -> tableOrEmpty().equals(before), Duration.ofSeconds(10),
                    () -> "the table back after update " + n + ": " + tableOrEmpty() + " (before: " + before + ")");
        }
        assertTrue(client.waitFor(60, TimeUnit.SECONDS), "client finished");
        String rest = new String(client.getInputStream().readAllBytes());
        assertEquals(0, client.exitValue(), rest + "\ndrops: " + traffic.dataplane.drops());
        assertTrue(rest.contains("echoed 300"), rest);
        assertEquals(0, drops("TCP segment outside the window") + drops("TCP segment invalid in the connection's state"),
                traffic.dataplane.drops().toString());

        // The outside still cannot open a connection to the inside, and is counted by rule.
        long denied = drops("denied by rule");
        String probe = sh(ns(h2, "/usr/bin/python3", "-c",
                "import socket; socket.create_connection(('10.84.1.2', 7002), timeout=2)"));
        assertFalse(probe.startsWith("0:"), probe);
        Osgi.await(() -> drops("denied by rule") > denied, Duration.ofSeconds(5), "the outside's SYN denied by rule");
        Firewall f = Osgi.service(Firewall.class);
        assertTrue(f.hits("outside").get(0).hits() > 0, f.hits("outside").toString());
        assertTrue(f.hits("inside").get(0).hits() >= hitsBefore, "hits handed over too: " + f.hits("inside"));
    }
}
