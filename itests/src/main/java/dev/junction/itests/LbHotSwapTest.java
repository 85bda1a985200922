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
 * feature.lb updated to a new build five times under load: a client (h1) holds 50 TCP connections
 * open to a VIP served by two backends (h2, h3, NAT mode) and sends a line every 100 ms on each, which
 * the backend echoes with its name in front; meanwhile another client makes short requests (a new
 * connection each: connect, one line, its echo, close) all along. An echo comes back only when the
 * reply finds the flow's entry and is rewritten back to the VIP; the long-lived client fails at the
 * first echo that does not come within 2 s, that is not right, or that names another backend than the
 * connection's first (a connection moved would be reset anyway); the short client counts every
 * request and every failure. The long-lived flows, each on its backend, are the same before and after
 * every update; no request of either client fails. The service has health checks (TCP probes from
 * Junction every 200 ms): both backends are up by their SYN-ACKs before the load and again after the
 * last update (the new instance takes their states over and probes anew: its own SYN-ACKs are seen).
 */
class LbHotSwapTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String[] hosts = {"lb-h1-" + id, "lb-h2-" + id, "lb-h3-" + id};
    private final String[] veths = {"lb1-" + id, "lb2-" + id, "lb3-" + id};
    private Traffic traffic;
    private final List<Process> servers = new ArrayList<>();
    private Path stopFile;

    private static final int HELD = 50;
    /** Echoes each line with the backend's name (argv[1]) in front. */
    private static final String SERVER = String.join("\n",
            "import socket, sys, threading",
            "name = sys.argv[1].encode()",
            "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('0.0.0.0', 7001)); s.listen(256)",
            "def echo(c):",
            "    f = c.makefile('rwb')",
            "    try:",
            "        for line in f:",
            "            f.write(name + b' ' + line); f.flush()",
            "    except OSError: pass",
            "    c.close()",
            "while True:",
            "    c, _ = s.accept()",
            "    threading.Thread(target=echo, args=(c,), daemon=True).start()");
    /** 50 connections from ports 41000+k, a line on each every 100 ms until the stop file (argv[1]) is there. */
    private static final String CLIENT = String.join("\n",
            "import os, socket, sys, time",
            "cs = [socket.create_connection(('10.85.9.9', 7001), timeout=5, source_address=('10.85.1.2', 41000 + k)) for k in range(%d)]",
            "fs = []; first = [None] * len(cs)",
            "for c in cs: c.settimeout(2); fs.append(c.makefile('rwb'))",
            "i = 0; t0 = time.time()",
            "while not os.path.exists(sys.argv[1]) and time.time() - t0 < 300:",
            "    for k, f in enumerate(fs):",
            "        f.write(b'line %%d\\n' %% i); f.flush()",
            "        try: r = f.readline()",
            "        except OSError as e: print('connection %%d: %%r in round %%d' %% (k, e, i)); sys.exit(2)",
            "        w = r.split(b' ', 1)",
            "        if len(w) != 2 or w[1] != b'line %%d\\n' %% i: print('bad echo', k, i, r); sys.exit(2)",
            "        if first[k] is None: first[k] = w[0]",
            "        elif first[k] != w[0]: print('connection %%d moved from %%s to %%s' %% (k, first[k], w[0])); sys.exit(3)",
            "    if i == 20: print('established', flush=True)",
            "    i += 1; time.sleep(max(0, t0 + i * 0.1 - time.time()))",
            "print('echoed', i, 'rounds;', ' '.join(sorted('%%s=%%d' %% (b.decode(), first.count(b)) for b in set(first))))").formatted(HELD);
    /** Short requests from ports 42000+i (each once) until the stop file (argv[1]) is there: counts and failures. */
    private static final String SHORT = String.join("\n",
            "import os, socket, sys, time",
            "n = ok = 0; bad = []",
            "while not os.path.exists(sys.argv[1]) and n < 18000:",
            "    try:",
            "        c = socket.create_connection(('10.85.9.9', 7001), timeout=3, source_address=('10.85.1.2', 42000 + n))",
            "        c.settimeout(3); c.sendall(b'short %d\\n' % n); f = c.makefile('rb'); r = f.readline(); c.close()",
            "        if r.endswith(b' short %d\\n' % n): ok += 1",
            "        else: bad.append('%d: %r' % (n, r))",
            "    except OSError as e: bad.append('%d: %r' % (n, e))",
            "    n += 1; time.sleep(0.01)",
            "for b in bad[:10]: print(b)",
            "print('short sent=%d answered=%d failed=%d' % (n, ok, len(bad)))");

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
                "lb-backend echo-10.85.3.2 service=echo address=10.85.3.2",
                "lb-health echo interval=200 fall=2 rise=1",
                // A table of another size than the running one's: it is made at the first update below,
                // and the flows are handed over into it.
                "lb-settings table=2097152 udp=30", ""));
        Osgi.load(traffic.config, f);
        Files.delete(f);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (stopFile != null) {
            Files.deleteIfExists(stopFile);
        }
        for (Process p : servers) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (traffic != null) {
            Path f = Files.createTempFile("lb", ".conf");
            // Removes the named statements this test loaded; lb-settings, a singleton, a file without it
            // leaves as it is, so it is written back to its defaults.
            Files.writeString(f, "dataplane cpus=auto\nlb-settings\n");
            Osgi.load(traffic.config, f);
            Files.delete(f);
            // The defaults' timeouts in force (ConfigAdmin tells the bundle on its own thread) before the
            // next test looks. The table keeps its size until the bundle starts again.
            LoadBalancer lb = Osgi.service(LoadBalancer.class);
            Osgi.await(() -> lb.tableStatus().udpSeconds() == 60, Duration.ofSeconds(10),
                    () -> "lb-settings' timeouts back to the defaults: " + lb.tableStatus());
        }
        for (int i = 0; i < 3; i++) {
            sh("ip", "netns", "del", hosts[i]);
            sh("ip", "link", "del", veths[i]);
        }
    }

    /** Both backends up by the health probes' SYN-ACKs: the probes went out and their answers came back through routing. */
    private static void awaitBothUp(String when) throws Exception {
        Osgi.await(() -> {
            try {
                List<LoadBalancer.BackendHealth> h = Osgi.service(LoadBalancer.class).health();
                return h.size() == 2 && h.stream().allMatch(b -> b.state().equals("up") && b.last().equals("syn-ack"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, Duration.ofSeconds(10), () -> {
            try {
                return "both backends up " + when + ": " + Osgi.service(LoadBalancer.class).health();
            } catch (InterruptedException e) {
                return e.toString();
            }
        });
    }

    /** The long-lived connections' flows (client ports 41000 up), each with its backend. */
    private static Set<String> flows() {
        Set<String> out = new TreeSet<>();
        try {
            for (LoadBalancer.Connection c : Osgi.service(LoadBalancer.class).connections(null, null, 0, 100_000)) {
                int port = Integer.parseInt(c.client().substring(c.client().lastIndexOf(':') + 1));
                if (port >= 41000 && port < 41000 + HELD) {
                    out.add(c.client() + " > " + c.vip() + " on " + c.backend() + (c.closing() ? " closing" : ""));
                }
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
            servers.add(new ProcessBuilder(ns(hosts[i], "/usr/bin/python3", "-c", SERVER, "h" + (i + 1)))
                    .redirectErrorStream(true).start());
            String h = hosts[i];
            Osgi.await(() -> {
                try {
                    return sh(ns(h, "ss", "-ltn")).contains(":7001");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(10), "the echo server listening in " + h);
        }
        Path stop = Path.of("/tmp/lb-hotswap-stop-" + id);
        Files.deleteIfExists(stop);
        stopFile = stop;
        awaitBothUp("before the load");
        Process client = new ProcessBuilder(ns(hosts[0], "/usr/bin/python3", "-c", CLIENT, stop.toString()))
                .redirectErrorStream(true).start();
        servers.add(client);
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(client.getInputStream()));
        String first = out.readLine(); // blocks until 20 rounds of echoes came back, or the client died
        assertEquals("established", first, "the client: " + first + "\ndrops: " + traffic.dataplane.drops());
        Process shorts = new ProcessBuilder(ns(hosts[0], "/usr/bin/python3", "-c", SHORT, stop.toString()))
                .redirectErrorStream(true).start();
        servers.add(shorts);
        Set<String> before = flows();
        assertEquals(HELD, before.size(), before.toString());
        assertTrue(before.stream().anyMatch(s -> s.endsWith("10.85.2.2:7001")) && before.stream().anyMatch(s -> s.endsWith("10.85.3.2:7001")),
                "both backends hold some: " + before);

        Bundle lb = Osgi.bundle("dev.junction.feature.lb");
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            Thread.sleep(1000); // echoes and short requests in between: each update under load
            lb.update(); // a new build from the bundle's location
            int n = i;
            Osgi.await(() -> flows().equals(before), Duration.ofSeconds(10),
                    () -> "the flows back after update " + n + ": " + flows() + " (before: " + before + ")");
        }
        awaitBothUp("after the fifth update (the new instance's own probes answered)");
        Thread.sleep(1000); // a last stretch of load after the fifth update
        assertEquals(before, flows(), "each long-lived connection on its backend throughout");
        Files.writeString(stop, "stop\n");
        double secs = (System.nanoTime() - t0) / 1e9;
        assertTrue(client.waitFor(60, TimeUnit.SECONDS), "client finished");
        assertTrue(shorts.waitFor(60, TimeUnit.SECONDS), "short client finished");
        String rest = new String(client.getInputStream().readAllBytes());
        String shortOut = new String(shorts.getInputStream().readAllBytes()).strip();
        System.out.printf("lb hot swap: 5 updates in %.1f s; held: %s; %s%n", secs, rest.strip(), shortOut);
        assertEquals(0, client.exitValue(), rest + "\ndrops: " + traffic.dataplane.drops());
        assertTrue(rest.contains("echoed "), rest);
        String last = shortOut.substring(shortOut.lastIndexOf('\n') + 1);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("short sent=(\\d+) answered=(\\d+) failed=(\\d+)").matcher(last);
        assertTrue(m.matches(), shortOut);
        assertEquals("0", m.group(3), "no short request failed: " + shortOut + "\ndrops: " + traffic.dataplane.drops());
        assertEquals(m.group(1), m.group(2), "every short request answered: " + shortOut);
        assertTrue(Integer.parseInt(m.group(1)) >= 200, "short requests kept coming through the updates: " + shortOut);
        List<LoadBalancer.ServiceStatus> s = Osgi.service(LoadBalancer.class).services();
        assertEquals(1, s.size(), s.toString());
        LoadBalancer.TableStatus table = Osgi.service(LoadBalancer.class).tableStatus();
        assertEquals(2097152, table.slots(), "lb-settings table= took effect at the first update: " + table);
        assertEquals(30, table.udpSeconds(), table.toString());
    }
}
