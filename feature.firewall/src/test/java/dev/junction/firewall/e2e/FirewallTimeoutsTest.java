package dev.junction.firewall.e2e;

import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Short timers on real hosts: SYN_SENT 2 s, ESTABLISHED 6 s, every closing state 2 s.
 * <pre>
 *   client 10.94.1.2 -- tc   Junction   ts -- server 10.94.2.2
 * </pre>
 * A SYN nobody answers expires on the transient timeout; an idle established connection expires on
 * the idle timeout, after which the server's next segment is refused as unsolicited; a FIN moves a
 * connection onto the short closing timeouts. Every change is polled for with a deadline.
 */
class FirewallTimeoutsTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String cli = "fw2-tc-" + id, srv = "fw2-ts-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private final List<Peer> peers = new ArrayList<>();
    private Engine engine;
    private FirewallControl fw;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("FirewallTimeoutsTest", "network namespaces, veth, AF_PACKET");
        Packages.require("FirewallTimeoutsTest", "hping3", "/usr/bin/python3");
        hosts.host(cli, "fw2tc" + id).address("10.94.1.2/24").defaultRoute("10.94.1.1");
        hosts.host(srv, "fw2ts" + id).address("10.94.2.2/24").defaultRoute("10.94.2.1");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        RoutingControl routing = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine, vrfs.announcements);
        fw = new FirewallControl(new ConnTable(1 << 12), engine::enableFeature);
        for (PacketNode n : List.of(FirewallNode.ip4Input(fw), FirewallNode.ip6Input(fw), FirewallNode.output(fw))) {
            engine.addNode(n, "firewall");
        }
        String[][] links = {{"tc", "fw2tc" + id, "10.94.1.1/24"}, {"ts", "fw2ts" + id, "10.94.2.1/24"}};
        for (String[] d : links) {
            AfPacketDevice dev = new AfPacketDevice(d[0], d[1]);
            devices.add(dev);
            engine.addDevice(dev);
            routing.addAddress(d[0], d[2]);
        }
        fw.ruleSet("to-server", List.of(Rule.parse("priority=10 action=permit+track dst=10.94.2.0/24 proto=tcp dport=9001")));
        fw.ruleSet("from-server", List.of(Rule.parse("priority=10 action=deny family=ip4")));
        fw.attach("tc", Direction.INPUT, "to-server");
        fw.attach("ts", Direction.INPUT, "from-server");
        fw.timeout("tcp-syn-sent", 2);
        fw.timeout("tcp-established", 6);
        for (String t : List.of("tcp-syn-recv", "tcp-fin-wait", "tcp-close-wait", "tcp-last-ack", "tcp-time-wait", "tcp-close")) {
            fw.timeout(t, 2);
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

    private long drops(String reason) {
        return engine.drops().stream().filter(d -> d.reason().equals(reason)).mapToLong(DropCount::count).sum();
    }

    private Firewall.Session session(int sourcePort) {
        for (Firewall.Session s : fw.sessions(1000)) {
            if (s.protocol() == 6 && s.sourcePort() == sourcePort) {
                return s;
            }
        }
        return null;
    }

    /** Polls (every 20 ms) until the connection from {@code sourcePort} satisfies {@code p}; returns the time it took. */
    private long until(int sourcePort, Predicate<Firewall.Session> p, double seconds, String what) throws InterruptedException {
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        Firewall.Session last = null;
        while (System.nanoTime() < end) {
            last = session(sourcePort);
            if (p.test(last)) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(what + " within " + seconds + " s; last seen " + last + "; drops " + engine.drops());
    }

    private static void exchange(Peer client, Peer server, String word) throws Exception {
        client.send(word);
        assertEquals("got " + word, server.expect("got", 5));
        server.send(word + "-back");
        assertEquals("got " + word + "-back", client.expect("got", 5));
    }

    @Test
    void anUnansweredSynExpiresOnTheTransientTimeout() throws Exception {
        // One SYN to an address on the server's link that nobody holds: no answer ever comes.
        long sent = System.nanoTime();
        Result r = run(20, ns(cli, "hping3", "-q", "-S", "-c", "1", "-s", "41001", "-k", "-p", "9001", "10.94.2.99"));
        assertTrue(r.out().contains("1 packets transmitted"), r.out());
        Firewall.Session s = session(41001);
        assertNotNull(s, "the SYN opened an entry, still there when hping3 is done (2 s timeout)");
        assertEquals("SYN_SENT", s.state(), s.toString());
        assertEquals("10.94.2.99", s.destination(), s.toString());
        assertTrue(s.expiresMillis() <= 2000, "on the 2 s transient timeout, not the 6 s idle one: " + s);
        until(41001, x -> x == null, 4, "the half-open entry expired");
        long lived = (System.nanoTime() - sent) / 1_000_000;
        assertTrue(lived >= 1500 && lived < 4000, "expired after " + lived + " ms, on the 2 s timeout");
    }

    @Test
    void anIdleConnectionExpiresAndTheServersNextSegmentIsRefused() throws Exception {
        Peer server = Peer.listen(srv, 9001);
        peers.add(server);
        Peer client = Peer.connect(cli, "10.94.2.2", 9001, 41002);
        peers.add(client);
        assertEquals("connected 41002", client.expect("", 10), engine.drops().toString());
        exchange(client, server, "a");
        long last = System.nanoTime();
        Firewall.Session s = session(41002);
        assertNotNull(s, "tracked");
        assertEquals("ESTABLISHED", s.state(), s.toString());
        assertTrue(s.expiresMillis() > 4000 && s.expiresMillis() <= 6000, "on the 6 s idle timeout: " + s);
        until(41002, x -> x == null, 9, "the idle connection expired");
        long idle = (System.nanoTime() - last) / 1_000_000;
        assertTrue(idle >= 5000, "it lasted its idle timeout: " + idle + " ms");

        long denied = drops("denied by rule");
        server.send("late");
        long end = System.nanoTime() + 5_000_000_000L;
        while (drops("denied by rule") == denied && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(drops("denied by rule") > denied, "the server's segment after expiry is unsolicited: " + engine.drops());
        assertNull(client.next(1), "nothing reached the client");
        assertNull(session(41002), "a refused segment opens nothing");
    }

    @Test
    void aFinMovesTheConnectionOntoTheClosingTimeout() throws Exception {
        Peer server = Peer.listen(srv, 9001);
        peers.add(server);
        Peer client = Peer.connect(cli, "10.94.2.2", 9001, 41003);
        peers.add(client);
        assertEquals("connected 41003", client.expect("", 10), engine.drops().toString());
        exchange(client, server, "b");
        Firewall.Session s = session(41003);
        assertEquals("ESTABLISHED", s.state(), s.toString());
        assertTrue(s.expiresMillis() > 4000, s.toString());

        client.send("shut"); // the client's FIN; the server's kernel ACKs it
        server.expect("eof", 5);
        until(41003, x -> x != null && Set.of("FIN_WAIT", "CLOSE_WAIT").contains(x.state()), 3, "the FIN moved it to closing");
        s = session(41003);
        assertTrue(s.expiresMillis() <= 2000, "on the 2 s closing timeout: " + s);
        server.send("after-fin"); // the other direction still flows
        assertEquals("got after-fin", client.expect("got", 5));
        server.send("shut"); // the server's FIN, the client's last ACK
        client.expect("eof", 5);
        long fin = System.nanoTime();
        until(41003, x -> x != null && x.state().equals("TIME_WAIT"), 3, "both FINs and the last ACK: TIME_WAIT");
        until(41003, x -> x == null, 4, "the closed connection expired");
        long gone = (System.nanoTime() - fin) / 1_000_000;
        assertTrue(gone < 4000, "gone " + gone + " ms after the last FIN, well before the 6 s idle timeout");
    }
}
