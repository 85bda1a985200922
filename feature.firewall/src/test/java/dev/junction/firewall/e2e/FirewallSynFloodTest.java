package dev.junction.firewall.e2e;

import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.DropCount;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.firewall.Direction;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.Rule;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.firewall.nodes.FirewallNode;
import dev.junction.graph.PacketNode;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.VrfControl;
import dev.junction.routing.internal.Vrfs;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A SYN flood from random sources (hping3 in the attacker's namespace) at the server's open port,
 * with the zone limited to 256 connections: the zone never holds more than its limit, the flood's
 * half-open entries make room for newer ones, a connection established before the flood goes on
 * echoing through it, and a legitimate client (another namespace) still opens new connections. A
 * second tenant with the same addresses in VRF {@code other} (zone 1) holds a connection open all
 * through the flood: every one of its echoes arrives, and its zone keeps its one entry.
 * <pre>
 *   server 10.91.1.2 -- j-srv   Junction   j-att -- attacker 10.91.2.2 (hping3 --rand-source)
 *                                          j-cli -- client 10.91.3.2
 *   other: server 10.91.1.2 -- o-srv   o-cli -- client 10.91.3.2          (VRF other)
 * </pre>
 */
class FirewallSynFloodTest {
    private static final int LIMIT = 256;
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String srv = "jf-srv-" + id, att = "jf-att-" + id, cli = "jf-cli-" + id;
    private final String otherSrv = "fw2-os-" + id, otherCli = "fw2-oc-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private Engine engine;
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private FirewallControl fw;
    private final List<Process> processes = new ArrayList<>();

    /** TCP 80: echo one message and close; TCP 9001: echo until the peer closes. */
    private static final String SERVER = String.join("\n",
            "import socket, threading",
            "def serve(p, once):",
            "    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', p)); s.listen(1024)",
            "    while True:",
            "        c, _ = s.accept()",
            "        threading.Thread(target=echo, args=(c, once), daemon=True).start()",
            "def echo(c, once):",
            "    while True:",
            "        d = c.recv(4096)",
            "        if not d: break",
            "        c.sendall(d)",
            "        if once: break",
            "    c.close()",
            "threading.Thread(target=serve, args=(80, True), daemon=True).start()",
            "threading.Thread(target=serve, args=(9001, False), daemon=True).start()",
            "print('listening', flush=True)",
            "threading.Event().wait()");
    /** A held-open connection: a line every 50 ms for N lines, each echoed within 2 s. */
    private static final String HELD = String.join("\n",
            "import socket, sys, time",
            "c = socket.create_connection(('10.91.1.2', 9001), timeout=5); c.settimeout(2); f = c.makefile('rwb')",
            "print('connected', flush=True)",
            "for i in range(int(sys.argv[1])):",
            "    f.write(b'%d\\n' % i); f.flush()",
            "    if f.readline() != b'%d\\n' % i: sys.exit(2)",
            "    time.sleep(0.05)",
            "print('held')");
    /** N new connections one after another; prints how many were answered. */
    private static final String NEW = String.join("\n",
            "import socket, sys, time",
            "ok = 0",
            "for i in range(int(sys.argv[1])):",
            "    try:",
            "        c = socket.create_connection(('10.91.1.2', 80), timeout=2); c.sendall(b'x')",
            "        ok += c.recv(10) == b'x'; c.close()",
            "    except OSError: pass",
            "    time.sleep(0.1)",
            "print(ok)");

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("FirewallSynFloodTest", "network namespaces, veth, AF_PACKET");
        Packages.require("FirewallSynFloodTest", "hping3", "/usr/bin/python3");
        hosts.host(srv, "jfs-" + id).address("10.91.1.2/24").defaultRoute("10.91.1.1");
        hosts.host(att, "jfa-" + id).address("10.91.2.2/24").defaultRoute("10.91.2.1");
        hosts.host(cli, "jfc-" + id).address("10.91.3.2/24").defaultRoute("10.91.3.1");
        hosts.host(otherSrv, "fw2os" + id).address("10.91.1.2/24").defaultRoute("10.91.1.1");
        hosts.host(otherCli, "fw2oc" + id).address("10.91.3.2/24").defaultRoute("10.91.3.1");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        fw = new FirewallControl(new ConnTable(1 << 14), engine::enableFeature);
        for (PacketNode n : List.of(FirewallNode.ip4Input(fw), FirewallNode.ip6Input(fw), FirewallNode.output(fw))) {
            engine.addNode(n, "firewall");
        }
        fw.ruleSet("to-server", List.of(
                Rule.parse("priority=10 action=permit+track dst=10.91.1.2 proto=tcp dport=80"),
                Rule.parse("priority=11 action=permit+track dst=10.91.1.2 proto=tcp dport=9001")));
        fw.ruleSet("from-server", List.of(Rule.parse("priority=10 action=deny family=ip4")));
        fw.zoneLimit(0, LIMIT);
        String[][] links = {{"j-srv", "jfs-" + id, "10.91.1.1/24"}, {"j-att", "jfa-" + id, "10.91.2.1/24"},
            {"j-cli", "jfc-" + id, "10.91.3.1/24"}, {"o-srv", "fw2os" + id, "10.91.1.1/24"}, {"o-cli", "fw2oc" + id, "10.91.3.1/24"}};
        for (String[] d : links) {
            AfPacketDevice dev = new AfPacketDevice(d[0], d[1]);
            devices.add(dev);
            engine.addDevice(dev);
        }
        VrfControl routing = new VrfControl(vrfs, engine);
        routing.bindVrf("other", List.of("o-srv", "o-cli"));
        for (String[] d : links) {
            routing.addAddress(d[0], d[2]);
        }
        fw.attach("j-srv", Direction.INPUT, "from-server");
        fw.attach("j-att", Direction.INPUT, "to-server");
        fw.attach("j-cli", Direction.INPUT, "to-server");
        fw.attach("o-srv", Direction.INPUT, "from-server");
        fw.attach("o-cli", Direction.INPUT, "to-server");
        engine.start();
        for (String host : List.of(srv, otherSrv)) {
            Process s = start(host, "/usr/bin/python3", "-c", SERVER);
            assertEquals("listening", new BufferedReader(new InputStreamReader(s.getInputStream())).readLine());
        }
    }

    private Process start(String host, String... cmd) throws Exception {
        Process p = new ProcessBuilder(ns(host, cmd)).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor();
        }
        if (engine != null) {
            engine.close();
        }
        for (AfPacketDevice d : devices) {
            d.close();
        }
        hosts.close();
    }

    private long drops(String reason) {
        return engine.drops().stream().filter(d -> d.reason().equals(reason)).mapToLong(DropCount::count).sum();
    }

    @Test
    void aSynFloodFillsAtMostItsZoneAndLegitimateConnectionsGoOn() throws Exception {
        Process held = start(cli, "/usr/bin/python3", "-c", HELD, "160"); // 8 s of echoes
        BufferedReader heldOut = new BufferedReader(new InputStreamReader(held.getInputStream()));
        assertEquals("connected", heldOut.readLine(), engine.drops().toString());
        Process other = start(otherCli, "/usr/bin/python3", "-c", HELD, "160"); // zone 1, the same 8 s
        assertEquals("connected", new BufferedReader(new InputStreamReader(other.getInputStream())).readLine());
        // 20,000 SYNs a second from random sources for about 5 s.
        Process flood = start(att, "hping3", "-q", "-S", "-p", "80", "-i", "u50", "-c", "100000", "--rand-source", "10.91.1.2");
        Process fresh = start(cli, "/usr/bin/python3", "-c", NEW, "30"); // new connections during the flood
        int most = 0, otherMost = 0;
        long otherRefused = 0;
        while (fresh.isAlive()) {
            for (Firewall.ZoneStatus z : fw.zones()) {
                if (z.zone() == 0) {
                    most = Math.max(most, (int) z.entries());
                } else if (z.zone() == 1) {
                    otherMost = Math.max(otherMost, (int) z.entries());
                    otherRefused = z.refused();
                }
            }
            Thread.sleep(20);
        }
        String answered = new String(fresh.getInputStream().readAllBytes()).strip();
        assertTrue(held.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "held-open client finished");
        String heldRest = new String(held.getInputStream().readAllBytes()).strip();
        assertTrue(other.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the other zone's client finished");
        String otherRest = new String(other.getInputStream().readAllBytes()).strip();
        flood.destroyForcibly().waitFor();
        long refused = drops("zone's connection limit reached") + drops("connection table full");
        long opened = engine.counters().stream().filter(c -> c.counter().equals("connections opened"))
                .mapToLong(c -> c.value()).sum();
        System.out.println("SYN flood: " + opened + " connections opened, " + refused + " refused, zone 0 held at most "
                + most + " of " + LIMIT + "; " + answered + " of 30 new legitimate connections answered; held-open: " + heldRest
                + "; other zone: " + otherRest + ", at most " + otherMost + " entries, " + otherRefused + " refused");
        assertTrue(most <= LIMIT, "zone 0 held " + most);
        assertTrue(opened > 10 * LIMIT, "the flood's SYNs opened entries that were evicted for newer ones: " + opened);
        assertEquals(0, held.exitValue(), "the established connection went on: " + heldRest + " " + engine.drops());
        assertEquals("held", heldRest);
        assertEquals(0, other.exitValue(), "every echo of zone 1's connection arrived in order during the flood: " + otherRest);
        assertEquals("held", otherRest);
        assertEquals(1, otherMost, "zone 1 held its one connection, untouched by zone 0's flood");
        assertEquals(0, otherRefused, "nothing refused in zone 1");
        assertTrue(Integer.parseInt(answered) >= 20, answered + " of 30 new connections answered: " + engine.drops());
    }
}
