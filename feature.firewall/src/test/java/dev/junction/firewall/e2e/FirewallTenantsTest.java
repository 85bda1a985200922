package dev.junction.firewall.e2e;

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
import dev.junction.testing.RootOnly;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two tenants with the same addresses in two VRFs, each a client and a server, through one Junction
 * with the firewall on every interface:
 * <pre>
 *   red  client 10.92.1.2 -- rc [default VRF] rs -- server 10.92.2.2
 *   blue client 10.92.1.2 -- bc [VRF blue   ] bs -- server 10.92.2.2
 * </pre>
 * The two tenants open the very same connection (10.92.1.2:40001 to 10.92.2.2:9001): the table
 * keeps two entries, told apart by zone (the VRF). Then blue alone denies port 9002: red's new
 * connection to 9002 opens, blue's is denied, and both held connections go on. And blue's set
 * attached to VRF blue instead of its interfaces: the same verdicts through the graph.
 */
class FirewallTenantsTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String redC = "fw2-rc-" + id, redS = "fw2-rs-" + id, blueC = "fw2-bc-" + id, blueS = "fw2-bs-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private final List<Peer> peers = new ArrayList<>();
    private Engine engine;
    private VrfControl routing;
    private FirewallControl fw;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("FirewallTenantsTest", "network namespaces, veth, AF_PACKET");
        String[][] h = {{redC, "fw2rc" + id, "10.92.1.2/24", "10.92.1.1", "rc"}, {redS, "fw2rs" + id, "10.92.2.2/24", "10.92.2.1", "rs"},
            {blueC, "fw2bc" + id, "10.92.1.2/24", "10.92.1.1", "bc"}, {blueS, "fw2bs" + id, "10.92.2.2/24", "10.92.2.1", "bs"}};
        for (String[] x : h) {
            hosts.host(x[0], x[1]).address(x[2]).defaultRoute(x[3]);
        }
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        fw = new FirewallControl(new ConnTable(1 << 12), engine::enableFeature, System::nanoTime,
                vrf -> routing.vrfs().stream().filter(v -> v.name().equals(vrf)).findFirst()
                        .orElseThrow(() -> FirewallControl.noVrf(vrf)).id());
        for (PacketNode n : List.of(FirewallNode.ip4Input(fw), FirewallNode.ip6Input(fw), FirewallNode.output(fw))) {
            engine.addNode(n, "firewall");
        }
        for (String[] x : h) {
            AfPacketDevice d = new AfPacketDevice(x[4], x[1]);
            devices.add(d);
            engine.addDevice(d);
        }
        routing = new VrfControl(vrfs, engine);
        routing.bindVrf("blue", List.of("bc", "bs"));
        routing.addAddress("rc", "10.92.1.1/24");
        routing.addAddress("rs", "10.92.2.1/24");
        routing.addAddress("bc", "10.92.1.1/24");
        routing.addAddress("bs", "10.92.2.1/24");
        fw.ruleSet("to-server", List.of(Rule.parse("priority=10 action=permit+track dst=10.92.2.2 proto=tcp dport=9001-9002")));
        fw.ruleSet("from-server", List.of(Rule.parse("priority=10 action=deny family=ip4")));
        for (String c : List.of("rc", "bc")) {
            fw.attach(c, Direction.INPUT, "to-server");
        }
        for (String s : List.of("rs", "bs")) {
            fw.attach(s, Direction.INPUT, "from-server");
        }
        engine.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Peer p : peers) {
            p.close();
        }
        if (engine != null) {
            engine.close();
        }
        for (AfPacketDevice d : devices) {
            d.close();
        }
        hosts.close();
    }

    private Peer peer(Peer p) {
        peers.add(p);
        return p;
    }

    private long drops(String reason) {
        return engine.drops().stream().filter(d -> d.reason().equals(reason)).mapToLong(DropCount::count).sum();
    }

    private List<Firewall.Session> sessions(int port) {
        return fw.sessions(1000).stream().filter(s -> s.protocol() == 6 && s.destinationPort() == port).toList();
    }

    /** A line each way over an open connection. */
    private static void exchange(Peer client, Peer server, String word) throws Exception {
        client.send(word);
        assertEquals("got " + word, server.expect("got", 5));
        server.send(word + "-back");
        assertEquals("got " + word + "-back", client.expect("got", 5));
    }

    @Test
    void theSameConnectionInTwoVrfsIsTwoEntriesAndOneTenantsDenyLeavesTheOtherAlone() throws Exception {
        Peer redServer = peer(Peer.listen(redS, 9001)), blueServer = peer(Peer.listen(blueS, 9001));
        Peer red = peer(Peer.connect(redC, "10.92.2.2", 9001, 40001));
        assertEquals("connected 40001", red.expect("", 15), engine.drops().toString());
        Peer blue = peer(Peer.connect(blueC, "10.92.2.2", 9001, 40001));
        assertEquals("connected 40001", blue.expect("", 15), engine.drops().toString());
        redServer.expect("accepted 40001", 5);
        blueServer.expect("accepted 40001", 5);
        exchange(red, redServer, "red1");
        exchange(blue, blueServer, "blue1");

        List<Firewall.Session> held = sessions(9001);
        assertEquals(2, held.size(), "one entry per tenant: " + held);
        assertEquals(Set.of(0, 1), held.stream().map(Firewall.Session::zone).collect(Collectors.toSet()), held.toString());
        for (Firewall.Session s : held) {
            assertEquals("10.92.1.2", s.source(), s.toString());
            assertEquals(40001, s.sourcePort(), s.toString());
            assertEquals("10.92.2.2", s.destination(), s.toString());
            assertEquals("ESTABLISHED", s.state(), s.toString());
        }
        List<Firewall.ZoneStatus> zones = fw.zones();
        assertTrue(zones.stream().anyMatch(z -> z.zone() == 0 && z.entries() == 1), zones.toString());
        assertTrue(zones.stream().anyMatch(z -> z.zone() == 1 && z.entries() == 1), zones.toString());

        // Blue alone denies port 9002; red keeps the shared set.
        fw.ruleSet("blue-to-server", List.of(
                Rule.parse("priority=5 action=deny proto=tcp dport=9002"),
                Rule.parse("priority=10 action=permit+track dst=10.92.2.2 proto=tcp dport=9001")));
        fw.attach("bc", Direction.INPUT, "blue-to-server");
        Peer redServer2 = peer(Peer.listen(redS, 9002)), blueServer2 = peer(Peer.listen(blueS, 9002));
        long denied = drops("denied by rule");
        Peer red2 = peer(Peer.connect(redC, "10.92.2.2", 9002, 40002));
        assertEquals("connected 40002", red2.expect("", 15), "red's new connection opens: " + engine.drops());
        redServer2.expect("accepted 40002", 5);
        exchange(red2, redServer2, "red2");
        Peer blue2 = peer(Peer.connect(blueC, "10.92.2.2", 9002, 40002));
        String b = blue2.expect("", 15);
        assertTrue(b.startsWith("error"), "blue's connection to 9002 is denied: " + b);
        assertTrue(drops("denied by rule") > denied, "blue's SYNs were denied by its rule: " + engine.drops());
        assertEquals(null, blueServer2.next(0.2), "the blue server saw nothing on 9002");

        List<Firewall.Session> second = sessions(9002);
        assertEquals(1, second.size(), second.toString());
        assertEquals(0, second.get(0).zone(), "only red's 9002 connection is tracked: " + second);
        // Both held connections go on, each in its own zone.
        exchange(red, redServer, "red3");
        exchange(blue, blueServer, "blue3");
        assertEquals(2, sessions(9001).size(), sessions(9001).toString());
    }

    @Test
    void aSetAttachedToVrfBlueJudgesBluesPacketsOnEachOfItsInterfaces() throws Exception {
        fw.interfaces(engine.interfaces().stream().map(i -> i.name()).toList());
        fw.detach("bc", Direction.INPUT);
        fw.detach("bs", Direction.INPUT);
        fw.ruleSet("blue-tenant", List.of(Rule.parse("priority=10 action=permit+track dst=10.92.2.2 proto=tcp dport=9001")));
        fw.attachVrf("blue", Direction.INPUT, "blue-tenant");
        assertEquals(Set.of("rc", "rs", "bc", "bs"), Set.copyOf(engine.featureInterfaces(FirewallNode.IP4_INPUT)),
                "a VRF's set runs on every interface");

        Peer blueServer = peer(Peer.listen(blueS, 9001)), blueServer2 = peer(Peer.listen(blueS, 9002));
        Peer blue = peer(Peer.connect(blueC, "10.92.2.2", 9001, 40001));
        assertEquals("connected 40001", blue.expect("", 15), engine.drops().toString());
        blueServer.expect("accepted 40001", 5);
        exchange(blue, blueServer, "blue1"); // the answers on bs pass as tracked: blue's set is on bs too
        List<Firewall.Session> held = sessions(9001);
        assertEquals(1, held.size(), held.toString());
        assertEquals(1, held.get(0).zone(), held.toString());

        long noMatch = drops("no rule matched (default deny)");
        Peer blue2 = peer(Peer.connect(blueC, "10.92.2.2", 9002, 40002));
        String b = blue2.expect("", 15);
        assertTrue(b.startsWith("error"), "blue's set has no rule for 9002: " + b);
        assertTrue(drops("no rule matched (default deny)") > noMatch, engine.drops().toString());
        assertEquals(null, blueServer2.next(0.2), "the blue server saw nothing on 9002");

        // Red's interfaces keep their own sets, which override nothing of blue's and allow 9002.
        Peer redServer2 = peer(Peer.listen(redS, 9002));
        Peer red2 = peer(Peer.connect(redC, "10.92.2.2", 9002, 40002));
        assertEquals("connected 40002", red2.expect("", 15), engine.drops().toString());
        redServer2.expect("accepted 40002", 5);

        // Off VRF blue: its packets pass unattached, and the nodes are off its interfaces again.
        fw.detachVrf("blue", Direction.INPUT);
        assertEquals(Set.of("rc", "rs"), Set.copyOf(engine.featureInterfaces(FirewallNode.IP4_INPUT)));
        Peer blue3 = peer(Peer.connect(blueC, "10.92.2.2", 9002, 40003));
        assertEquals("connected 40003", blue3.expect("", 15), engine.drops().toString());
        blueServer2.expect("accepted 40003", 5);
        exchange(blue, blueServer, "blue2");
    }
}
