package dev.junction.lb.e2e;

import static dev.junction.testing.Commands.ns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.graph.PacketNode;
import dev.junction.lb.LoadBalancer;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import dev.junction.lb.nodes.LbNode;
import dev.junction.lb.nodes.LbReverseNode;
import dev.junction.routing.Routing;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.VrfControl;
import dev.junction.routing.internal.Vrfs;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Four HTTP backends ({@code python3 -m http.server}) behind a VIP in NAT mode with weights 1, 2, 3
 * and 0, and a client making 2000 short requests (a new TCP connection each): every response is a
 * whole, right answer from one backend, the shares follow the weights, the weight-0 backend gets
 * none, and the flows and packets counted per backend match what the backends answered.
 * <pre>
 *   client 10.86.0.2 -- lbc   Junction (VIP 10.86.9.9:8080)   lbb1..lbb4 -- backends 10.86.1..4.2
 * </pre>
 */
class LbHttpSpreadTest {
    private static final int REQUESTS = 2000;
    private static final int[] WEIGHTS = {1, 2, 3, 0};
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final LinuxHosts hosts = new LinuxHosts();
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private Engine engine;
    private LbControl lb;
    private String client;

    /**
     * Requests N times over a new connection each, from ports 20000+i (with
     * {@code -Djunction.lb.e2e.kernelPorts=true}: ports the kernel picks, which it reuses); prints the
     * failures, then the body counts.
     */
    private static final String CLIENT = String.join("\n",
            "import http.client, sys, collections",
            "import time",
            "t00 = time.time(); n = int(sys.argv[1]); kernel = sys.argv[2] == 'kernel'; got = collections.Counter(); bad = 0; why = []; ports = set(); port = 0",
            "for i in range(n):",
            "    t = time.time()",
            "    try:",
            "        c = http.client.HTTPConnection('10.86.9.9', 8080, timeout=5, source_address=('10.86.0.2', 0 if kernel else 20000 + i)); c.connect(); port = c.sock.getsockname()[1]; ports.add(port)",
            "        c.request('GET', '/id.txt', headers={'Connection': 'close'})",
            "        r = c.getresponse(); body = r.read().decode()",
            "        c.close()",
            "        if r.status == 200 and body.startswith('backend ') and body.endswith(' ok\\n') and len(body) == 1000: got[body.split()[1]] += 1",
            "        else: bad += 1; why.append('%d: status %d, %d bytes' % (i, r.status, len(body)))",
            "    except Exception as e:",
            "        bad += 1; why.append('%d at %.1f: %r after %.1f s, port %d' % (i, time.time() - t00, e, time.time() - t, port))",
            "for w in why[:10]: print(w)",
            "print('distinct ports', len(ports), min(ports), max(ports))",
            "print(' '.join('%s=%d' % kv for kv in sorted(got.items())), 'bad=%d' % bad)");

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("LbHttpSpreadTest", "network namespaces, veth, AF_PACKET");
        Packages.require("LbHttpSpreadTest", "/usr/bin/python3");
        client = "lb-c-" + id;
        hosts.host(client, "lbc-" + id).address("10.86.0.2/24").defaultRoute("10.86.0.1");
        for (int i = 1; i <= 4; i++) {
            hosts.host("lb-b" + i + "-" + id, "lbb" + i + "-" + id).address("10.86." + i + ".2/24").defaultRoute("10.86." + i + ".1");
        }
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        VrfControl routing = new VrfControl(vrfs, engine);
        lb = new LbControl(new FlowTable(1 << 16), vrf -> vrfId(routing, vrf), new LbControl.Steering() {
            public void steer(int index, String vrf, String prefix, int family) {
                routing.steer(vrf, prefix, family == 4 ? LbNode.IP4 : LbNode.IP6, index);
            }

            public void unsteer(int index) {
            }
        }, (vrf, address) -> {
            Routing.AdjacencyEntry a = routing.resolve(vrf, address); // as LbComponent does
            return a != null && a.kind().equals("forward") && a.via() == null ? a.iface() : null;
        });
        for (PacketNode n : List.of(LbNode.ip4(lb), LbNode.ip6(lb), LbReverseNode.ip4(lb), LbReverseNode.ip6(lb))) {
            engine.addNode(n, "lb");
        }
        String[] links = {"lbc-" + id, "lbb1-" + id, "lbb2-" + id, "lbb3-" + id, "lbb4-" + id};
        for (int i = 0; i < links.length; i++) {
            AfPacketDevice d = new AfPacketDevice("j" + i, links[i]);
            devices.add(d);
            engine.addDevice(d);
            routing.addAddress("j" + i, "10.86." + i + ".1/24");
        }
        engine.start();
        for (int i = 1; i <= 4; i++) {
            Path dir = Files.createTempDirectory("lb-backend");
            dirs.add(dir);
            String body = "backend b" + i + " ";
            Files.writeString(dir.resolve("id.txt"), body + "x".repeat(1000 - body.length() - 4) + " ok\n");
            servers.add(new ProcessBuilder(ns("lb-b" + i + "-" + id, "/usr/bin/python3", "-m", "http.server", "8080",
                    "--bind", "0.0.0.0", "--directory", dir.toString())).redirectErrorStream(true).start());
        }
        for (int i = 1; i <= 4; i++) {
            String probe = "import socket, time\nfor k in range(100):\n    try:\n        socket.create_connection(('10.86."
                    + i + ".2', 8080), timeout=1).close(); break\n    except OSError: time.sleep(0.1)\n";
            dev.junction.testing.Commands.run(30, ns("lb-b" + i + "-" + id, "/usr/bin/python3", "-c", probe));
        }
    }

    private static int vrfId(Routing routing, String name) {
        for (Routing.VrfEntry v : routing.vrfs()) {
            if (v.name().equals(name)) {
                return v.id();
            }
        }
        throw new IllegalArgumentException("no VRF " + name);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : servers) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (engine != null) {
            engine.close();
        }
        for (AfPacketDevice d : devices) {
            d.close();
        }
        hosts.close();
        for (Path d : dirs) {
            Files.deleteIfExists(d.resolve("id.txt"));
            Files.deleteIfExists(d);
        }
    }

    private void serve(String mode) {
        lb.addService(new LoadBalancer.ServiceSpec("web", null, "10.86.9.9", "tcp", 8080, mode, 0, 0));
        for (int i = 1; i <= 4; i++) {
            lb.addBackend(new LoadBalancer.BackendSpec("web", "10.86." + i + ".2", 0, WEIGHTS[i - 1], false));
        }
    }

    @Test
    void natShortRequestsSpreadByWeightAndEveryResponseIsRight() throws Exception {
        serve("nat");
        requests("nat", true);
    }

    /** DSR: each backend holds the VIP on its loopback and answers the client straight (through Junction's routing). */
    @Test
    void dsrShortRequestsSpreadByWeightAndEveryResponseIsRight() throws Exception {
        for (int i = 1; i <= 4; i++) {
            dev.junction.testing.Commands.must(ns("lb-b" + i + "-" + id, "ip", "addr", "add", "10.86.9.9/32", "dev", "lo"));
        }
        serve("dsr");
        requests("dsr", false);
        long rewritten = engine.counters().stream().filter(c -> c.counter().equals("replies rewritten to the VIP"))
                .mapToLong(c -> c.value()).sum();
        assertEquals(0, rewritten, "no reply rewritten under DSR");
    }

    private void requests(String mode, boolean replies) throws Exception {
        long t0 = System.nanoTime();
        var r = dev.junction.testing.Commands.run(600, ns(client, "/usr/bin/python3", "-c", CLIENT, Integer.toString(REQUESTS),
                Boolean.getBoolean("junction.lb.e2e.kernelPorts") ? "kernel" : "fixed"));
        double secs = (System.nanoTime() - t0) / 1e9;
        String[] lines = r.out().strip().split("\n");
        String out = lines[lines.length - 1];
        for (String l : lines) {
            if (l != out) {
                System.out.println("client: " + l);
            }
        }
        System.out.println("counters: " + engine.counters());
        System.out.printf("lb e2e %s: %d requests in %.1f s: %s; drops %s%n", mode, REQUESTS, secs, out, engine.drops());
        Map<String, Integer> got = new HashMap<>();
        for (String w : out.split(" ")) {
            String[] kv = w.split("=");
            got.put(kv[0], Integer.parseInt(kv[1]));
        }
        assertEquals(0, got.get("bad"), "every response whole and right: " + out);
        assertEquals(null, got.get("b4"), "the weight-0 backend got none: " + out);
        int total = 0;
        for (int w : WEIGHTS) {
            total += w;
        }
        for (int i = 1; i <= 3; i++) {
            double share = got.getOrDefault("b" + i, 0) / (double) REQUESTS, want = WEIGHTS[i - 1] / (double) total;
            assertTrue(Math.abs(share - want) <= 0.1 * want + 0.01, "b" + i + ": " + share + " of the requests, weight share " + want + ": " + out);
        }
        for (LoadBalancer.BackendStatus b : lb.services().get(0).backends()) {
            int n = got.getOrDefault("b" + b.spec().address().split("\\.")[2], 0);
            assertEquals(n, b.flows(), "flows counted for " + b.spec().address());
            assertTrue(b.packets() >= (replies ? 8L : 4L) * n, "packets for " + b.spec().address() + ": " + b.packets());
        }
    }
}
