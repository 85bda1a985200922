package dev.junction.firewall.e2e;

import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import dev.junction.routing.internal.RoutingControl;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import dev.junction.testing.Commands;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Junction routing between an inside host and an outside one (the attacker), with a policy on both
 * input sides:
 * <pre>
 *   inside 10.90.1.2 fd90:1::2 -- j-in [rules "from-in"]   Junction   [rules "from-out"] j-out -- outside 10.90.2.2 fd90:2::2
 * </pre>
 * From outside only TCP 22 and 80, UDP 53 and echo requests reach the inside host (each tracked, so
 * the answers pass back); the inside may open anything (tracked). nmap from the attacker must see
 * exactly 22 and 80 open over IPv4 and IPv6 although the inside host listens on 8080 too; UDP 53 is
 * answered, UDP 5353 (listening) is not; the inside's own TCP connections out get their replies,
 * while the outside cannot open one in; an ICMP port unreachable for the inside's UDP flow passes
 * (related).
 */
class FirewallNmapTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String in = "jf-in-" + id, out = "jf-out-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private Engine engine;
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private FirewallControl fw;
    private final List<Process> servers = new ArrayList<>();

    /** Dual-stack listeners: TCP ports echo a line, UDP ports echo a datagram. */
    private static final String SERVERS = String.join("\n",
            "import socket, sys, threading",
            "def tcp(p):",
            "    s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); s.bind(('::', p)); s.listen(16)",
            "    while True:",
            "        c, _ = s.accept(); c.sendall(c.recv(100)); c.close()",
            "def udp(p):",
            "    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)",
            "    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); s.bind(('::', p))",
            "    while True:",
            "        d, a = s.recvfrom(100); s.sendto(d, a)",
            "for a in sys.argv[1:]:",
            "    f = tcp if a[0] == 't' else udp",
            "    threading.Thread(target=f, args=(int(a[1:]),), daemon=True).start()",
            "print('listening', flush=True)",
            "threading.Event().wait()");

    private static String udpAsk(String host, int port) {
        return "import socket, sys\n"
                + "s = socket.socket(socket.AF_INET6 if ':' in '" + host + "' else socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "s.settimeout(2); s.connect(('" + host + "', " + port + "))\n"
                + "s.send(b'hello')\n"
                + "try:\n    print('reply', s.recv(100).decode())\n"
                + "except ConnectionRefusedError:\n    print('refused')\n"
                + "except socket.timeout:\n    print('timeout')\n";
    }

    private static String tcpAsk(String host, int port) {
        return "import socket\n"
                + "try:\n"
                + "    c = socket.create_connection(('" + host + "', " + port + "), timeout=3); c.sendall(b'hi'); print('reply', c.recv(100).decode())\n"
                + "except OSError as e:\n    print('failed', e)\n";
    }

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("FirewallNmapTest", "network namespaces, veth, AF_PACKET");
        Packages.require("FirewallNmapTest", "nmap", "/usr/bin/python3");
        hosts.host(in, "jfi-" + id).address("10.90.1.2/24").defaultRoute("10.90.1.1")
                .address("fd90:1::2/64").defaultRoute("fd90:1::1");
        hosts.host(out, "jfo-" + id).address("10.90.2.2/24").defaultRoute("10.90.2.1")
                .address("fd90:2::2/64").defaultRoute("fd90:2::1");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        RoutingControl routing = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine, vrfs.announcements);
        fw = new FirewallControl(new ConnTable(1 << 14), engine::enableFeature);
        for (PacketNode n : List.of(FirewallNode.ip4Input(fw), FirewallNode.ip6Input(fw), FirewallNode.output(fw))) {
            engine.addNode(n, "firewall");
        }
        List<Rule> nd = new ArrayList<>();
        for (int t = 133; t <= 136; t++) { // neighbour discovery with the router itself
            nd.add(Rule.parse("priority=" + (90 + t - 133) + " action=permit family=ip6 proto=icmp6 icmp-type=" + t));
        }
        List<Rule> fromOut = new ArrayList<>(List.of(
                Rule.parse("priority=10 action=permit+track dst=10.90.1.2 proto=tcp dport=22"),
                Rule.parse("priority=11 action=permit+track dst=10.90.1.2 proto=tcp dport=80"),
                Rule.parse("priority=12 action=permit+track dst=fd90:1::2 proto=tcp dport=22"),
                Rule.parse("priority=13 action=permit+track dst=fd90:1::2 proto=tcp dport=80"),
                Rule.parse("priority=20 action=permit+track dst=10.90.1.2 proto=udp dport=53"),
                Rule.parse("priority=21 action=permit+track dst=fd90:1::2 proto=udp dport=53"),
                Rule.parse("priority=30 action=permit+track dst=10.90.1.2 proto=icmp icmp-type=8"),
                Rule.parse("priority=31 action=permit+track dst=fd90:1::2 proto=icmp6 icmp-type=128"),
                Rule.parse("priority=50 action=deny src=10.90.2.0/24")));
        fromOut.addAll(nd);
        List<Rule> fromIn = new ArrayList<>(List.of(
                Rule.parse("priority=10 action=permit+track src=10.90.1.0/24"),
                Rule.parse("priority=11 action=permit+track src=fd90:1::/64")));
        fromIn.addAll(nd);
        fw.ruleSet("from-out", fromOut);
        fw.ruleSet("from-in", fromIn);
        for (String[] d : List.of(new String[] {"j-in", "jfi-" + id}, new String[] {"j-out", "jfo-" + id})) {
            AfPacketDevice dev = new AfPacketDevice(d[0], d[1]);
            devices.add(dev);
            engine.addDevice(dev);
        }
        routing.addAddress("j-in", "10.90.1.1/24");
        routing.addAddress("j-in", "fd90:1::1/64");
        routing.addAddress("j-out", "10.90.2.1/24");
        routing.addAddress("j-out", "fd90:2::1/64");
        fw.attach("j-in", Direction.INPUT, "from-in");
        fw.attach("j-out", Direction.INPUT, "from-out");
        engine.start();
        servers.add(server(in, "t22", "t80", "t8080", "u53", "u5353"));
        servers.add(server(out, "t9000"));
    }

    private Process server(String host, String... ports) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ns(host, "/usr/bin/python3", "-c", SERVERS)));
        cmd.addAll(List.of(ports));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
        assertEquals("listening", line, "servers in " + host);
        return p;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : servers) {
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

    private String py(String host, String script) throws Exception {
        Commands.Result r = run(30, ns(host, "/usr/bin/python3", "-c", script));
        return r.out().strip();
    }

    /** The ports nmap reports open on {@code target} (a TCP SYN scan from the attacker). */
    private Set<Integer> openPorts(String target, boolean v6) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ns(out, "nmap", "-Pn", "-n", "-sS", "--max-retries", "1",
                "--host-timeout", "120s", "-p", "21,22,23,80,443,8080", "-oG", "-")));
        if (v6) {
            cmd.add("-6");
        }
        cmd.add(target);
        Commands.Result r = run(180, cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), r.out());
        Set<Integer> open = new TreeSet<>();
        Matcher m = Pattern.compile("(\\d+)/open/tcp").matcher(r.out());
        while (m.find()) {
            open.add(Integer.parseInt(m.group(1)));
        }
        assertTrue(r.out().contains("8080/filtered/tcp"), "8080 listens but is denied: " + r.out());
        return open;
    }

    private long drops(String reason) {
        return engine.drops().stream().filter(d -> d.reason().equals(reason)).mapToLong(DropCount::count).sum();
    }

    @Test
    void thePolicyHoldsForTcpUdpAndIcmpOverBothFamilies() throws Exception {
        // The inside's own connections get their replies (tracked), v4 and v6.
        assertEquals("reply hi", py(in, tcpAsk("10.90.2.2", 9000)), engine.drops().toString());
        assertEquals("reply hi", py(in, tcpAsk("fd90:2::2", 9000)), engine.drops().toString());
        assertTrue(fw.sessions(100).stream().anyMatch(s -> s.source().equals("10.90.1.2") && s.destinationPort() == 9000),
                fw.sessions(100).toString());
        // nmap from the attacker sees exactly the permitted ports.
        assertEquals(Set.of(22, 80), openPorts("10.90.1.2", false), engine.drops().toString());
        assertEquals(Set.of(22, 80), openPorts("fd90:1::2", true), engine.drops().toString());
        // UDP: 53 is answered, 5353 (listening too) is not.
        assertEquals("reply hello", py(out, udpAsk("10.90.1.2", 53)));
        assertEquals("reply hello", py(out, udpAsk("fd90:1::2", 53)));
        assertEquals("timeout", py(out, udpAsk("10.90.1.2", 5353)));
        assertEquals("timeout", py(out, udpAsk("fd90:1::2", 5353)));
        // The outside cannot open a connection to the inside's 8080, nor anywhere not permitted.
        assertTrue(py(out, tcpAsk("10.90.1.2", 8080)).startsWith("failed"));
        // ICMP: echo requests from outside are permitted, and the inside's pings are answered.
        assertEquals(0, run(20, ns(out, "ping", "-c", "2", "-W", "2", "10.90.1.2")).exit(), engine.drops().toString());
        assertEquals(0, run(20, ns(out, "ping", "-6", "-c", "2", "-W", "2", "fd90:1::2")).exit(), engine.drops().toString());
        assertEquals(0, run(20, ns(in, "ping", "-c", "2", "-W", "2", "10.90.2.2")).exit(), engine.drops().toString());
        // Related: the outside's port unreachable for the inside's UDP flow reaches the inside's socket.
        assertEquals("refused", py(in, udpAsk("10.90.2.2", 7777)), engine.drops().toString());
        assertEquals("refused", py(in, udpAsk("fd90:2::2", 7777)), engine.drops().toString());
        assertTrue(engine.counters().stream().filter(c -> c.counter().equals("passed as related ICMP error"))
                .mapToLong(c -> c.value()).sum() >= 2, engine.counters().toString());
        long denied = drops("denied by rule") + drops("no rule matched (default deny)");
        assertNotEquals(0, denied, "the scans' other ports denied and counted: " + engine.drops());
        List<Firewall.RuleHits> hits = fw.hits("from-out");
        assertTrue(hits.get(8).hits() > 0, "the deny rule counted its hits: " + hits);
    }
}
