package dev.junction.itests;

import static dev.junction.itests.Netns.ns;
import static dev.junction.itests.Netns.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.lb.LoadBalancer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/**
 * feature.lb updated to a new build five times under traffic: a client (h1) holds TCP connections
 * open to a VIP served by two backends (h2, h3, NAT mode) and sends a line every 50 ms on each, which
 * the backend echoes. An echo comes back only when the reply is rewritten back to the VIP by the
 * flow's reverse entry, and a connection moved to the other backend would be reset: the client fails
 * at the first echo that does not come within 2 s. The flows, each on its backend, are the same
 * before and after every update.
 */
class LbHotSwapTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String[] hosts = {"lb-h1-" + id, "lb-h2-" + id, "lb-h3-" + id};
    private final String[] veths = {"lb1-" + id, "lb2-" + id, "lb3-" + id};
    private Traffic traffic;
    private final List<Process> servers = new ArrayList<>();

    private static final String SERVER = String.join("\n",
            "import socket, threading",
            "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('0.0.0.0', 7001)); s.listen(16)",
            "def echo(c):",
            "    while True:",
            "        d = c.recv(4096)",
            "        if not d: break",
            "        c.sendall(d)",
            "while True:",
            "    c, _ = s.accept()",
            "    threading.Thread(target=echo, args=(c,), daemon=True).start()");
    private static final String CLIENT = String.join("\n",
            "import socket, sys, time",
            "cs = [socket.create_connection(('10.85.9.9', 7001), timeout=5) for _ in range(8)]",
            "fs = []",
            "for c in cs: c.settimeout(2); fs.append(c.makefile('rwb'))",
            "n = int(sys.argv[1])",
            "for i in range(n):",
            "    for f in fs:",
            "        f.write(b'line %d\\n' % i); f.flush()",
            "        if f.readline() != b'line %d\\n' % i: print('bad echo', i); sys.exit(2)",
            "    if i == 20: print('established', flush=True)",
            "    time.sleep(0.05)",
            "print('echoed', n)");

    @BeforeEach
    void setUp() throws Exception {
        Netns.requireRoot("LbHotSwapTest", "network namespaces");
        List<String[]> cmds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String h = hosts[i], v = veths[i];
            cmds.add(new String[] {"ip", "netns", "add", h});
            cmds.add(new String[] {"ip", "link", "add", v, "type", "veth", "peer", "name", "e0", "netns", h});
            cmds.add(new String[] {"sysctl", "-qw", "net.ipv6.conf." + v + ".disable_ipv6=1"});
            cmds.add(new String[] {"ip", "link", "set", v, "up"});
            cmds.add(ns(h, "ip", "link", "set", "e0", "up"));
            cmds.add(ns(h, "ip", "link", "set", "lo", "up"));
            cmds.add(ns(h, "ethtool", "-K", "e0", "tx", "off", "tso", "off", "gso", "off"));
            cmds.add(ns(h, "ip", "addr", "add", "10.85." + (i + 1) + ".2/24", "dev", "e0"));
            cmds.add(ns(h, "ip", "route", "add", "default", "via", "10.85." + (i + 1) + ".1"));
        }
        for (String[] c : cmds) {
            String r = sh(c);
            assertTrue(r.startsWith("0:"), String.join(" ", c) + " -> " + r);
        }
        traffic = new Traffic();
        Path f = Files.createTempFile("lb", ".conf");
        Files.writeString(f, String.join("\n", "dataplane cpus=auto",
                "linux l1 iface=" + veths[0], "linux l2 iface=" + veths[1], "linux l3 iface=" + veths[2],
                "address l1-a iface=l1 ip=10.85.1.1/24", "address l2-a iface=l2 ip=10.85.2.1/24",
                "address l3-a iface=l3 ip=10.85.3.1/24",
                "lb-service echo vip=10.85.9.9 proto=tcp port=7001",
                "lb-backend echo-10.85.2.2 service=echo address=10.85.2.2",
                "lb-backend echo-10.85.3.2 service=echo address=10.85.3.2", ""));
        traffic.config.load(f);
        Files.delete(f);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : servers) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (traffic != null) {
            Path f = Files.createTempFile("lb", ".conf");
            Files.writeString(f, "dataplane cpus=auto\n"); // removes the statements this test loaded
            traffic.config.load(f);
            Files.delete(f);
        }
        for (int i = 0; i < 3; i++) {
            sh("ip", "netns", "del", hosts[i]);
            sh("ip", "link", "del", veths[i]);
        }
    }

    private static Set<String> flows() {
        Set<String> out = new TreeSet<>();
        try {
            for (LoadBalancer.Connection c : Osgi.service(LoadBalancer.class).connections(null, null, 0, 10_000)) {
                out.add(c.client() + " > " + c.vip() + " on " + c.backend() + (c.closing() ? " closing" : ""));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    @Test
    void lbUpdatedFiveTimesKeepsHeldOpenConnectionsOnTheirBackends() throws Exception {
        Osgi.await(() -> traffic.find("l1") != null && traffic.find("l2") != null && traffic.find("l3") != null,
                Duration.ofSeconds(30), "l1, l2 and l3");
        for (int i = 1; i < 3; i++) {
            servers.add(new ProcessBuilder(ns(hosts[i], "/usr/bin/python3", "-c", SERVER)).redirectErrorStream(true).start());
            String h = hosts[i];
            Osgi.await(() -> {
                try {
                    return sh(ns(h, "ss", "-ltn")).contains(":7001");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(10), "the echo server listening in " + h);
        }
        Process client = new ProcessBuilder(ns(hosts[0], "/usr/bin/python3", "-c", CLIENT, "300")).redirectErrorStream(true).start();
        servers.add(client);
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(client.getInputStream()));
        String first = out.readLine(); // blocks until 20 rounds of echoes came back, or the client died
        assertEquals("established", first, "the client: " + first + "\ndrops: " + traffic.dataplane.drops());
        Set<String> before = flows();
        assertEquals(8, before.size(), before.toString());
        assertTrue(before.stream().anyMatch(s -> s.endsWith("10.85.2.2:7001")) || before.stream().anyMatch(s -> s.endsWith("10.85.3.2:7001")),
                before.toString());

        Bundle lb = Osgi.bundle("dev.junction.feature.lb");
        for (int i = 0; i < 5; i++) {
            Thread.sleep(1000); // echoes in between: each update under traffic
            lb.update(); // a new build from the bundle's location
            int n = i;
            Osgi.await(() -> flows().equals(before), Duration.ofSeconds(10),
                    () -> "the flows back after update " + n + ": " + flows() + " (before: " + before + ")");
        }
        assertTrue(client.waitFor(60, TimeUnit.SECONDS), "client finished");
        String rest = new String(client.getInputStream().readAllBytes());
        assertEquals(0, client.exitValue(), rest + "\ndrops: " + traffic.dataplane.drops());
        assertTrue(rest.contains("echoed 300"), rest);
        List<LoadBalancer.ServiceStatus> s = Osgi.service(LoadBalancer.class).services();
        assertEquals(1, s.size(), s.toString());
        assertEquals(8, s.get(0).flows(), s.toString());
    }
}
