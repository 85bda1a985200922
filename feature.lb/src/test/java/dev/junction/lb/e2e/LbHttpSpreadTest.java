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
import dev.junction.lb.health.HealthChecker;
import dev.junction.lb.health.ProbeNode;
import dev.junction.lb.health.ProbeSlots;
import dev.junction.lb.health.ProbeSources;
import dev.junction.lb.nodes.LbNode;
import dev.junction.lb.nodes.LbReverseNode;
import dev.junction.routing.LocalService;
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
 * Four HTTP backends ({@code python3 -m http.server}) behind a VIP in NAT mode (and L2 DSR) with weights
 * 1, 2, 3 and 0, and clients making 10,000 short requests (a new TCP connection each, four clients at
 * once): every response is a whole, right answer from one backend, the shares are within 10 % of the
 * weights', the weight-0 backend gets none, and the flows and packets counted per backend match what
 * the backends answered. With health checks (TCP probes from Junction's own data plane), a backend
 * killed mid-run leaves the table within the probe window, its share moves to the others, and
 * keep-alive connections to the others held open through the change all go on working.
 * <pre>
 *   client 10.86.0.2 -- lbc   Junction (VIP 10.86.9.9:8080)   lbb1..lbb4 -- backends 10.86.1..4.2
 * </pre>
 */
class LbHttpSpreadTest {
    private static final int REQUESTS = 10_000, CLIENTS = 4;
    private static final int[] WEIGHTS = {1, 2, 3, 0};
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final LinuxHosts hosts = new LinuxHosts();
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();
    /** Clients started in the background. */
    private final List<Process> others = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private Engine engine;
    private LbControl lb;
    private HealthChecker checker;
    private java.util.concurrent.ScheduledExecutorService prober;
    private String client;

    /**
     * Requests N times over a new connection each, from ports 20000+i (with
     * {@code -Djunction.lb.e2e.kernelPorts=true}: ports the kernel picks, which it reuses); prints the
     * failures, then the body counts.
     */
    private static final String CLIENT = String.join("\n",
            "import http.client, sys, collections",
            "import time",
            "t00 = time.time(); n = int(sys.argv[1]); kernel = sys.argv[2] == 'kernel'; first = int(sys.argv[3]); got = collections.Counter(); bad = 0; why = []; ports = set(); port = 0",
            "for i in range(n):",
            "    t = time.time()",
            "    try:",
            "        c = http.client.HTTPConnection('10.86.9.9', 8080, timeout=5, source_address=('10.86.0.2', 0 if kernel else first + i)); c.connect(); port = c.sock.getsockname()[1]; ports.add(port)",
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

    /**
     * Holds K keep-alive connections (HTTP/1.1) from ports 40000+k and sends a request on each every
     * 100 ms for D seconds; prints "ready" after the first round, then per connection its first backend,
     * requests answered right, errors (it stops using one after an error) and whether the backend changed.
     */
    private static final String HOLDER = String.join("\n",
            "import http.client, sys, time",
            "k = int(sys.argv[1]); d = float(sys.argv[2]); conns = []; first = [None] * k; ok = [0] * k; err = [''] * k; changed = [0] * k",
            "for i in range(k):",
            "    c = http.client.HTTPConnection('10.86.9.9', 8080, timeout=5, source_address=('10.86.0.2', 40000 + i)); c.connect(); conns.append(c)",
            "def ask(i):",
            "    try:",
            "        c = conns[i]; c.request('GET', '/id.txt'); r = c.getresponse(); body = r.read().decode()",
            "        if r.status != 200 or not body.endswith(' ok\\n') or len(body) != 1000: err[i] = 'bad answer'; return",
            "        b = body.split()[1]",
            "        if first[i] is None: first[i] = b",
            "        elif first[i] != b: changed[i] += 1",
            "        ok[i] += 1",
            "    except Exception as e: err[i] = repr(e)",
            "t0 = time.time(); r = 0",
            "while time.time() - t0 < d:",
            "    for i in range(k):",
            "        if not err[i]: ask(i)",
            "    if r == 0: print('ready', flush=True)",
            "    r += 1; time.sleep(max(0, t0 + r * 0.1 - time.time()))",
            "for i in range(k): print('conn %d %s ok=%d changed=%d err=%s' % (i, first[i], ok[i], changed[i], err[i] or '-'))");

    /** Short requests, a new connection each from ports 30000+i, for D seconds; per request: start (ms), ok or not, backend or reason. */
    private static final String SHORT = String.join("\n",
            "import http.client, sys, time",
            "d = float(sys.argv[1]); t0 = time.time(); i = 0; out = []",
            "while time.time() - t0 < d:",
            "    t = time.time()",
            "    try:",
            "        c = http.client.HTTPConnection('10.86.9.9', 8080, timeout=3, source_address=('10.86.0.2', 30000 + i)); c.connect()",
            "        c.request('GET', '/id.txt', headers={'Connection': 'close'}); r = c.getresponse(); body = r.read().decode(); c.close()",
            "        good = r.status == 200 and body.endswith(' ok\\n') and len(body) == 1000",
            "        out.append('%d %s %s' % (t * 1000, 'ok' if good else 'bad', body.split()[1] if good else r.status))",
            "    except Exception as e: out.append('%d fail %s' % (t * 1000, type(e).__name__))",
            "    i += 1",
            "print('\\n'.join(out))");

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("LbHttpSpreadTest", "network namespaces, veth, AF_PACKET");
        Packages.require("LbHttpSpreadTest", "/usr/bin/python3", "ethtool");
        client = "lb-c-" + id;
        hosts.host(client, "lbc-" + id).address("10.86.0.2/24").defaultRoute("10.86.0.1");
        for (int i = 1; i <= 4; i++) {
            hosts.host("lb-b" + i + "-" + id, "lbb" + i + "-" + id).address("10.86." + i + ".2/24").defaultRoute("10.86." + i + ".1");
        }
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (int p = 0; p < ProbeNode.PORTS; p++) { // as LbComponent registers them, before ip4-local reads its next nodes
            vrfs.localServices.add(LocalService.of(LocalService.TCP, ProbeNode.FIRST_PORT + p, ProbeNode.NAME), () -> { });
        }
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        VrfControl routing = new VrfControl(vrfs, engine);
        lb = new LbControl(new FlowTable(1 << 17), vrf -> vrfId(routing, vrf), new LbControl.Steering() {
            public void steer(int index, String vrf, String prefix, int family) {
                routing.steer(vrf, prefix, family == 4 ? LbNode.IP4 : LbNode.IP6, index);
            }

            public void unsteer(int index) {
            }
        }, (vrf, address) -> {
            Routing.AdjacencyEntry a = routing.resolve(vrf, address); // as LbComponent does
            return a != null && a.kind().equals("forward") && a.via() == null ? a.iface() : null;
        });
        ProbeSlots slots = new ProbeSlots();
        checker = new HealthChecker(lb, slots, vrf -> vrfId(routing, vrf), ProbeSources.of(routing));
        lb.healthChecker(checker);
        for (PacketNode n : List.of(LbNode.ip4(lb), LbNode.ip6(lb), LbReverseNode.ip4(lb), LbReverseNode.ip6(lb),
                new ProbeNode(slots))) {
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
        prober = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        prober.scheduleWithFixedDelay(() -> checker.run(System.nanoTime()), 10, 10, TimeUnit.MILLISECONDS); // as LbComponent
        for (int i = 1; i <= 4; i++) {
            Path dir = Files.createTempDirectory("lb-backend");
            dirs.add(dir);
            String body = "backend b" + i + " ";
            Files.writeString(dir.resolve("id.txt"), body + "x".repeat(1000 - body.length() - 4) + " ok\n");
            servers.add(new ProcessBuilder(ns("lb-b" + i + "-" + id, "/usr/bin/python3", "-m", "http.server", "8080",
                    "--bind", "0.0.0.0", "--protocol", "HTTP/1.1", "--directory", dir.toString())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
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
        if (prober != null) {
            prober.shutdownNow();
            prober.awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Process p : others) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
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
        serve(mode, WEIGHTS);
    }

    private void serve(String mode, int[] weights) {
        lb.addService(new LoadBalancer.ServiceSpec("web", null, "10.86.9.9", "tcp", 8080, mode, 0, 0));
        for (int i = 1; i <= 4; i++) {
            lb.addBackend(new LoadBalancer.BackendSpec("web", "10.86." + i + ".2", 0, weights[i - 1], false));
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

    private LoadBalancer.BackendHealth health(String backend) {
        return lb.health().stream().filter(h -> h.backend().equals(backend)).findFirst().orElse(null);
    }

    private long flowsOf(String backend) {
        return lb.services().get(0).backends().stream().filter(b -> b.spec().key().equals(backend))
                .mapToLong(LoadBalancer.BackendStatus::flows).sum();
    }

    /**
     * Acceptance 2: four backends of weight 1 with TCP health checks (200 ms, timeout 100 ms, fall 3, rise 2);
     * 24 keep-alive connections held open sending every 100 ms and short requests coming all along; backend
     * 4's server is killed mid-run. It leaves the table within interval x fall + timeout, every short request
     * started after that is answered right by one of the other three (spread over them), and every held
     * connection to the other three answers every request, on its backend throughout.
     */
    @Test
    void aKilledBackendLeavesTheTableWithinTheProbeWindowAndTheOthersCarryOn() throws Exception {
        int interval = 200, timeout = 100, fall = 3;
        serve("nat", new int[] {1, 1, 1, 1});
        lb.health(new LoadBalancer.HealthSpec("web", "tcp", interval, timeout, fall, 2, 0, null));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lb.health().size() < 4 || !lb.health().stream().allMatch(h -> h.state().equals("up"))) {
            assertTrue(System.nanoTime() < deadline, "all four up by the probes: " + lb.health() + "; " + engine.counters());
            Thread.sleep(10);
        }
        double seconds = 7;
        Process holder = new ProcessBuilder(ns(client, "/usr/bin/python3", "-c", HOLDER, "24", Double.toString(seconds)))
                .redirectErrorStream(true).start();
        others.add(holder);
        var holderOut = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream()));
        String ready = holderOut.readLine();
        assertEquals("ready", ready, "the held connections are open and answered once");
        Process shorts = new ProcessBuilder(ns(client, "/usr/bin/python3", "-c", SHORT, Double.toString(seconds - 1)))
                .redirectErrorStream(true).start();
        others.add(shorts);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (flowsOf("10.86.4.2") < 30) { // short requests reach backend 4 before it dies
            assertTrue(System.nanoTime() < deadline, "backend 4 has flows: " + lb.services());
            Thread.sleep(5);
        }
        long killedWall = System.currentTimeMillis(), killed = System.nanoTime();
        servers.get(3).destroyForcibly();
        while (!health("10.86.4.2").state().equals("down")) {
            assertTrue(System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(5), "backend 4 never went down: " + lb.health());
            Thread.sleep(1);
        }
        long tookMs = (System.nanoTime() - killed) / 1_000_000, downWall = System.currentTimeMillis();
        assertEquals(0, lb.services().get(0).backends().get(3).tableShare(), "out of the Maglev table");
        String shortText = new String(shorts.getInputStream().readAllBytes());
        assertTrue(shorts.waitFor(60, TimeUnit.SECONDS));
        List<String> held = new ArrayList<>();
        for (String l; (l = holderOut.readLine()) != null; ) {
            held.add(l);
        }
        assertTrue(holder.waitFor(60, TimeUnit.SECONDS));

        Map<String, Integer> before = new java.util.TreeMap<>(), after = new java.util.TreeMap<>();
        List<String> failedAfter = new ArrayList<>();
        int failedBefore = 0;
        for (String l : shortText.strip().split("\n")) {
            String[] w = l.split(" ");
            long t = Long.parseLong(w[0]);
            boolean ok = w[1].equals("ok");
            if (t >= downWall) {
                if (ok) {
                    after.merge(w[2], 1, Integer::sum);
                } else {
                    failedAfter.add(l);
                }
            } else if (ok) {
                before.merge(w[2], 1, Integer::sum);
            } else {
                failedBefore++;
            }
        }
        int heldOthers = 0, heldTo4 = 0;
        List<String> heldBad = new ArrayList<>();
        for (String l : held) {
            String[] w = l.split(" ");
            if (w[2].equals("b4")) {
                heldTo4++;
                continue;
            }
            heldOthers++;
            int ok = Integer.parseInt(w[3].substring(3));
            if (!l.endsWith("changed=0 err=-") || ok < seconds * 10 * 0.5) {
                heldBad.add(l);
            }
        }
        System.out.printf("lb e2e health: backend 4 down %d ms after the kill (window %d ms); short requests before %s "
                + "(%d failed, in the window), after %s (%d failed); held connections: %d to b1-b3, %d to b4; health %s; "
                + "probe counters %s%n", tookMs, interval * fall + timeout, before, failedBefore, after, failedAfter.size(),
                heldOthers, heldTo4, lb.health(), engine.counters().stream().filter(c -> c.node().equals(ProbeNode.NAME)).toList());
        for (String l : held) {
            System.out.println("held: " + l);
        }
        assertTrue(tookMs <= interval * fall + timeout, "down within interval x fall + timeout: " + tookMs + " ms");
        assertTrue(before.getOrDefault("b4", 0) > 0, "backend 4 answered before: " + before);
        assertEquals(List.of(), failedAfter, "every short request after the window answered");
        int total = after.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(total >= 200, "short requests after the window: " + after);
        assertEquals(null, after.get("b4"), "none to the dead backend");
        for (String b : List.of("b1", "b2", "b3")) {
            double share = after.getOrDefault(b, 0) / (double) total;
            assertTrue(Math.abs(share - 1 / 3.0) <= 0.1, b + " takes a third of the moved share: " + after);
        }
        assertTrue(heldOthers >= 12, "held connections to the other backends: " + held);
        assertEquals(List.of(), heldBad, "held connections to b1-b3: every request answered, same backend throughout");
    }

    private void awaitHealth(String state, String last) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lb.health().size() < 4 || !lb.health().stream().allMatch(h -> h.state().equals(state) && h.last().equals(last))) {
            assertTrue(System.nanoTime() < deadline, "all four " + state + " by " + last + ": " + lb.health() + "; "
                    + engine.counters().stream().filter(c -> c.node().equals(ProbeNode.NAME)).toList());
            Thread.sleep(10);
        }
    }

    /** HTTP probes against the real servers: 200 for a file they have is up, 404 for one they lack is down, and back. */
    @Test
    void httpProbesGoByTheServersStatus() throws Exception {
        serve("dsr", new int[] {1, 1, 1, 1}); // DSR: the probes go to the backends' own addresses, not the VIP
        lb.health(new LoadBalancer.HealthSpec("web", "http", 200, 100, 2, 2, 0, null, "/id.txt"));
        awaitHealth("up", "http 200");
        lb.health(new LoadBalancer.HealthSpec("web", "http", 200, 100, 2, 2, 0, null, "/missing"));
        awaitHealth("down", "http 404");
        assertEquals(0, lb.services().get(0).backends().stream().mapToInt(LoadBalancer.BackendStatus::tableShare).sum(),
                "all out of the table");
        lb.health(new LoadBalancer.HealthSpec("web", "http", 200, 100, 2, 2, 0, null, "/id.txt"));
        awaitHealth("up", "http 200");
        List<dev.junction.dataplane.CounterValue> probe = engine.counters().stream().filter(c -> c.node().equals(ProbeNode.NAME)).toList();
        System.out.println("lb e2e http probes: " + lb.health() + "; " + probe);
        long sent = probe.stream().filter(c -> c.counter().startsWith("HTTP probe requests")).mapToLong(c -> c.value()).sum();
        long answers = probe.stream().filter(c -> c.counter().equals("HTTP probe answers")).mapToLong(c -> c.value()).sum();
        assertTrue(sent >= 4 * 5 && answers >= sent - 4, "requests " + sent + ", answers " + answers);
    }

    private void requests(String mode, boolean replies) throws Exception {
        long t0 = System.nanoTime();
        // Four clients at once, each on its own range of source ports (each port once: no reuse).
        List<Process> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            clients.add(new ProcessBuilder(ns(client, "/usr/bin/python3", "-c", CLIENT, Integer.toString(REQUESTS / CLIENTS),
                    Boolean.getBoolean("junction.lb.e2e.kernelPorts") ? "kernel" : "fixed",
                    Integer.toString(20000 + c * (REQUESTS / CLIENTS)))).redirectErrorStream(true).start());
        }
        Map<String, Integer> got = new HashMap<>();
        StringBuilder outs = new StringBuilder();
        for (Process p : clients) {
            String text = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(600, TimeUnit.SECONDS), "client ended");
            String[] lines = text.strip().split("\n");
            String last = lines[lines.length - 1];
            for (String l : lines) {
                if (l != last) {
                    System.out.println("client: " + l);
                }
            }
            outs.append(last).append("; ");
            for (String w : last.split(" ")) {
                String[] kv = w.split("=");
                got.merge(kv[0], Integer.parseInt(kv[1]), Integer::sum);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String out = new java.util.TreeMap<>(got) + " (" + outs + ")";
        System.out.println("counters: " + engine.counters());
        System.out.printf("lb e2e %s: %d requests in %.1f s: %s; drops %s%n", mode, REQUESTS, secs, out, engine.drops());
        assertEquals(REQUESTS, got.values().stream().mapToInt(Integer::intValue).sum(), "every request answered or failed: " + out);
        assertEquals(0, got.get("bad"), "every response whole and right: " + out);
        assertEquals(null, got.get("b4"), "the weight-0 backend got none: " + out);
        int total = 0;
        for (int w : WEIGHTS) {
            total += w;
        }
        for (int i = 1; i <= 3; i++) {
            double share = got.getOrDefault("b" + i, 0) / (double) REQUESTS, want = WEIGHTS[i - 1] / (double) total;
            assertTrue(Math.abs(share - want) <= 0.1 * want, "b" + i + ": " + share + " of the requests, within 10 % of its "
                    + "weight share " + want + ": " + out);
        }
        for (LoadBalancer.BackendStatus b : lb.services().get(0).backends()) {
            int n = got.getOrDefault("b" + b.spec().address().split("\\.")[2], 0);
            assertEquals(n, b.flows(), "flows counted for " + b.spec().address());
            assertTrue(b.packets() >= (replies ? 8L : 4L) * n, "packets for " + b.spec().address() + ": " + b.packets());
        }
    }
}
