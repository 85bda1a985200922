package dev.junction.firewall.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.firewall.Direction;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.Rule;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.packet.PacketVector;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connection tracking through the nodes, after VPP's test_acl_plugin_conns: inside (j0) may open
 * anything tracked, outside (j1) has no rule of its own, so only return traffic comes in.
 */
class ConnTrackTest {
    static final long SEC = 1_000_000_000L;
    static final int PASS = -1;
    static final String IN = "10.1.0.2", OUT = "10.2.0.2", IN6 = "2001:db8:1::2", OUT6 = "2001:db8:2::2";

    TestContext ctx;
    Frames frames;
    FirewallControl fw;
    FirewallNode ip4, ip6;
    final PacketVector v = new PacketVector();

    @BeforeEach
    void setUp() {
        ctx = new TestContext(64);
        frames = new Frames(ctx.pool);
        fw = new FirewallControl(new ConnTable(1024), (n, i, on) -> { }, () -> ctx.now);
        fw.ruleSet("inside", List.of(
                Rule.parse("priority=10 action=permit+track src=10.1.0.0/16"),
                Rule.parse("priority=10 action=permit+track src=2001:db8:1::/48"),
                Rule.parse("priority=5 action=deny src=10.1.0.0/16 proto=udp dport=9")));
        fw.ruleSet("outside", List.of());
        fw.attach("j0", Direction.INPUT, "inside");
        fw.attach("j1", Direction.INPUT, "outside");
        ip4 = ctx.ready(FirewallNode.ip4Input(fw));
        ip6 = ctx.ready(FirewallNode.ip6Input(fw));
    }

    /** Runs one packet through its family's node: PASS or the drop reason. */
    int run(int b) {
        boolean v6 = ctx.memory().get(java.lang.foreign.ValueLayout.JAVA_BYTE, ctx.pool.data(b) + 14) >>> 4 == 6;
        v.clear();
        v.add(b);
        (v6 ? ip6 : ip4).process(v, ctx);
        int verdict = v.verdict(0);
        ctx.pool.free(b);
        return PacketVector.isDrop(verdict) ? PacketVector.dropReason(verdict) : PASS;
    }

    /** A three-way handshake from inside to OUT:80, client ISN 1000, server ISN 5000. */
    void handshake(String in, String out, int sport) {
        assertEquals(PASS, run(frames.tcp(0, 0, in, sport, out, 80, Frames.SYN, 1000, 0, 64240, 0)));
        assertEquals(PASS, run(frames.tcp(1, 0, out, 80, in, sport, Frames.SYN | Frames.ACK, 5000, 1001, 65160, 0)));
        assertEquals(PASS, run(frames.tcp(0, 0, in, sport, out, 80, Frames.ACK, 1001, 5001, 502, 0)));
    }

    String state() {
        List<Firewall.Session> s = fw.sessions(10);
        assertEquals(1, s.size(), s.toString());
        return s.get(0).state();
    }

    @Test
    void handshakeEstablishesAndReturnTrafficPasses() {
        handshake(IN, OUT, 40000);
        assertEquals("ESTABLISHED", state());
        assertEquals(PASS, run(frames.tcp(1, 0, OUT, 80, IN, 40000, Frames.ACK | Frames.PSH, 5001, 1001, 509, 100)));
        assertEquals(PASS, run(frames.tcp(0, 0, IN, 40000, OUT, 80, Frames.ACK | Frames.PSH, 1001, 5101, 502, 200)));
        Firewall.Session s = fw.sessions(1).get(0);
        assertEquals(IN, s.source());
        assertEquals(40000, s.sourcePort());
        assertEquals(OUT, s.destination());
        assertEquals(80, s.destinationPort());
        // The SYN is the rules'; everything after the answer passes as tracked.
        assertEquals(1, fw.hits("inside").get(0).hits());
        assertEquals(0, fw.hits("inside").get(2).hits());
    }

    @Test
    void unsolicitedFromOutsideIsDropped() {
        assertEquals(FirewallNode.NO_MATCH, run(frames.tcp(1, 0, OUT, 80, IN, 40000, Frames.SYN, 1, 0, 1000, 0)));
        assertEquals(FirewallNode.NO_MATCH, run(frames.tcp(1, 0, OUT, 80, IN, 40000, Frames.ACK, 1, 1, 1000, 0)));
        assertEquals(FirewallNode.NO_MATCH, run(frames.udp(1, 0, OUT, 53, IN, 5353)));
        assertEquals(FirewallNode.NO_MATCH, run(frames.icmp(1, 0, OUT, IN, 0, 0, 7))); // an echo reply nobody asked for
        assertEquals(0, fw.sessions(10).size());
        // A connection from inside must start with a SYN.
        assertEquals(FirewallNode.NO_SYN, run(frames.tcp(0, 0, IN, 40000, OUT, 80, Frames.ACK, 1, 1, 1000, 0)));
        // A deny rule beats the tracked permit by priority.
        assertEquals(FirewallNode.DENIED, run(frames.udp(0, 0, IN, 5000, OUT, 9)));
    }

    @Test
    void halfOpenExpiresOnTheTransientTimeout() {
        assertEquals(PASS, run(frames.tcp(0, 0, IN, 40001, OUT, 80, Frames.SYN, 1000, 0, 64240, 0)));
        assertEquals("SYN_SENT", state());
        ctx.now += 119 * SEC;
        assertEquals(PASS, run(frames.tcp(0, 0, IN, 40001, OUT, 80, Frames.SYN, 1000, 0, 64240, 0))); // retransmit
        ctx.now += 121 * SEC; // syn_sent: 120 s since the last packet
        assertEquals(FirewallNode.NO_MATCH, run(frames.tcp(1, 0, OUT, 80, IN, 40001, Frames.SYN | Frames.ACK, 5000, 1001, 65160, 0)));
        assertEquals(0, fw.sessions(10).size());
    }

    @Test
    void establishedExpiresOnTheIdleTimeout() {
        handshake(IN, OUT, 40002);
        ctx.now += 432_000 * SEC - SEC; // 5 days less a second
        assertEquals(PASS, run(frames.tcp(1, 0, OUT, 80, IN, 40002, Frames.ACK, 5001, 1001, 509, 0)));
        ctx.now += 432_000 * SEC + SEC;
        assertEquals(FirewallNode.NO_MATCH, run(frames.tcp(1, 0, OUT, 80, IN, 40002, Frames.ACK, 5001, 1001, 509, 0)));
    }

    @Test
    void finMovesBackToATransientTimeout() {
        handshake(IN, OUT, 40003);
        assertEquals(PASS, run(frames.tcp(0, 0, IN, 40003, OUT, 80, Frames.FIN | Frames.ACK, 1001, 5001, 502, 0)));
        assertEquals("FIN_WAIT", state());
        ctx.now += 121 * SEC; // fin_wait: 120 s
        assertEquals(FirewallNode.NO_MATCH, run(frames.tcp(1, 0, OUT, 80, IN, 40003, Frames.ACK, 5001, 1002, 509, 0)));
    }

    @Test
    void wholeCloseReachesTimeWait() {
        handshake(IN, OUT, 40004);
        assertEquals(PASS, run(frames.tcp(0, 0, IN, 40004, OUT, 80, Frames.FIN | Frames.ACK, 1001, 5001, 502, 0)));
        assertEquals(PASS, run(frames.tcp(1, 0, OUT, 80, IN, 40004, Frames.ACK, 5001, 1002, 509, 0)));
        assertEquals("CLOSE_WAIT", state());
        assertEquals(PASS, run(frames.tcp(1, 0, OUT, 80, IN, 40004, Frames.FIN | Frames.ACK, 5001, 1002, 509, 0)));
        assertEquals("LAST_ACK", state());
        assertEquals(PASS, run(frames.tcp(0, 0, IN, 40004, OUT, 80, Frames.ACK, 1002, 5002, 502, 0)));
        assertEquals("TIME_WAIT", state());
        // A new SYN on the same ports opens the connection again.
        assertEquals(PASS, run(frames.tcp(0, 0, IN, 40004, OUT, 80, Frames.SYN, 90000, 0, 64240, 0)));
        assertEquals("SYN_SENT", state());
    }

    @Test
    void rstCloses() {
        handshake(IN, OUT, 40005);
        assertEquals(PASS, run(frames.tcp(1, 0, OUT, 80, IN, 40005, Frames.RST, 5001, 0, 0, 0)));
        assertEquals("CLOSE", state());
        ctx.now += 11 * SEC; // close: 10 s
        assertEquals(FirewallNode.NO_MATCH, run(frames.tcp(1, 0, OUT, 80, IN, 40005, Frames.ACK, 5001, 1001, 509, 0)));
    }

    @Test
    void segmentsOutsideTheWindowAreDroppedUnlessLiberal() {
        handshake(IN, OUT, 40006);
        int far = 5001 + (1 << 30); // far beyond anything the client allowed
        assertEquals(FirewallNode.OUT_OF_WINDOW, run(frames.tcp(1, 0, OUT, 80, IN, 40006, Frames.ACK, far, 1001, 509, 10)));
        assertEquals(FirewallNode.OUT_OF_WINDOW, run(frames.tcp(1, 0, OUT, 80, IN, 40006, Frames.RST, far, 0, 0, 0)));
        assertEquals("ESTABLISHED", state()); // a blind RST does not close it
        fw.liberal(true);
        assertEquals(PASS, run(frames.tcp(1, 0, OUT, 80, IN, 40006, Frames.ACK, far, 1001, 509, 10)));
    }

    @Test
    void windowScalingFromTheSyns() {
        handshake(IN, OUT, 40007); // both SYNs carry scale 7: a window of 502 is 64256 bytes
        assertEquals(PASS, run(frames.tcp(1, 0, OUT, 80, IN, 40007, Frames.ACK, 5001 + 60_000, 1001, 509, 1000)));
    }

    @Test
    void relatedIcmpErrorsPass() {
        assertEquals(PASS, run(frames.udp(0, 0, IN, 5000, OUT, 53)));
        int quoted = frames.udp(0, 0, IN, 5000, OUT, 53);
        assertEquals(PASS, run(frames.icmpError(1, 0, "10.2.0.1", IN, 3, 3, quoted)));
        int other = frames.udp(0, 0, IN, 5001, OUT, 53);
        assertEquals(FirewallNode.NO_MATCH, run(frames.icmpError(1, 0, "10.2.0.1", IN, 3, 3, other)));
        assertEquals(PASS, run(frames.tcp(0, 0, IN6, 40008, OUT6, 443, Frames.SYN, 1, 0, 64240, 0)));
        int q6 = frames.tcp(0, 0, IN6, 40008, OUT6, 443, Frames.SYN, 1, 0, 64240, 0);
        assertEquals(PASS, run(frames.icmpError(1, 0, "2001:db8:2::1", IN6, 1, 4, q6)));
    }

    @Test
    void udpAndIcmpFlows() {
        assertEquals(PASS, run(frames.udp(0, 0, IN, 5000, OUT, 53)));
        assertEquals("UNREPLIED", state());
        ctx.now += 29 * SEC;
        assertEquals(PASS, run(frames.udp(1, 0, OUT, 53, IN, 5000)));
        assertEquals("REPLIED", state());
        ctx.now += 119 * SEC; // udp-stream: 120 s
        assertEquals(PASS, run(frames.udp(1, 0, OUT, 53, IN, 5000)));
        ctx.now += 121 * SEC;
        assertEquals(FirewallNode.NO_MATCH, run(frames.udp(1, 0, OUT, 53, IN, 5000)));
        fw.clearSessions();
        assertEquals(PASS, run(frames.icmp(0, 0, IN6, OUT6, 128, 0, 77)));
        assertEquals(PASS, run(frames.icmp(1, 0, OUT6, IN6, 129, 0, 77)));
        assertEquals(FirewallNode.NO_MATCH, run(frames.icmp(1, 0, OUT6, IN6, 129, 0, 78)));
        ctx.now += 31 * SEC; // icmp: 30 s
        assertEquals(FirewallNode.NO_MATCH, run(frames.icmp(1, 0, OUT6, IN6, 129, 0, 77)));
    }

    @Test
    void zonesKeepTenantsApart() {
        assertEquals(PASS, run(frames.udp(0, 1, IN, 5000, OUT, 53)));
        assertEquals(FirewallNode.NO_MATCH, run(frames.udp(1, 2, OUT, 53, IN, 5000))); // same addresses, other VRF
        assertEquals(PASS, run(frames.udp(1, 1, OUT, 53, IN, 5000)));
        assertEquals(PASS, run(frames.udp(0, 2, IN, 5000, OUT, 53)));
        assertEquals(2, fw.sessions(10).size());
        assertEquals(1, fw.zones().stream().filter(z -> z.zone() == 2).findFirst().orElseThrow().entries());
    }

    @Test
    void aFullZoneRefusesNewConnectionsAndEvictsHalfOpenOnesFirst() {
        fw.zoneLimit(1, 8);
        handshake(IN, OUT, 39999); // zone 0: unaffected
        for (int i = 0; i < 4; i++) { // four established connections in zone 1
            assertEquals(PASS, run(frames.udp(0, 1, IN, 6000 + i, OUT, 53)));
            assertEquals(PASS, run(frames.udp(1, 1, OUT, 53, IN, 6000 + i)));
        }
        int opened = 0;
        for (int i = 0; i < 40; i++) { // a SYN flood in zone 1
            opened += run(frames.tcp(0, 1, IN, 20000 + i, OUT, 80, Frames.SYN, i, 0, 1000, 0)) == PASS ? 1 : 0;
        }
        assertTrue(opened >= 4, "half-open entries make room for newer ones: " + opened);
        Firewall.ZoneStatus z1 = fw.zones().stream().filter(z -> z.zone() == 1).findFirst().orElseThrow();
        assertTrue(z1.entries() <= 8, z1.toString());
        for (int i = 0; i < 4; i++) { // the replied flows are never evicted
            assertEquals(PASS, run(frames.udp(1, 1, OUT, 53, IN, 6000 + i)));
        }
        assertEquals(PASS, run(frames.tcp(1, 0, OUT, 80, IN, 39999, Frames.ACK, 5001, 1001, 509, 0)));
        // With every entry of the zone answered, a new connection is refused.
        fw.clearSessions();
        for (int i = 0; i < 8; i++) {
            assertEquals(PASS, run(frames.udp(0, 1, IN, 7000 + i, OUT, 53)));
            assertEquals(PASS, run(frames.udp(1, 1, OUT, 53, IN, 7000 + i)));
        }
        assertEquals(FirewallNode.ZONE_FULL, run(frames.udp(0, 1, IN, 7100, OUT, 53)));
        assertEquals(PASS, run(frames.udp(0, 3, IN, 7100, OUT, 53))); // another zone still opens
    }

    @Test
    void laterFragmentsAndTruncatedHeaders() {
        fw.ruleSet("outside", List.of(Rule.parse("priority=1 action=permit family=ip4 proto=udp fragment=yes")));
        assertEquals(PASS, run(frames.laterFragment(1, 0, OUT, IN, 17)));
        assertEquals(FirewallNode.NO_MATCH, run(frames.laterFragment(1, 0, OUT6, IN6, 17)));
        int b = frames.tcp(0, 0, IN, 1, OUT, 2, Frames.SYN, 1, 0, 1, 0);
        ctx.pool.length(b, 14 + 20 + 10); // the TCP header cut short
        ctx.memory().set(Frames.U16, ctx.pool.data(b) + 16, (short) 30);
        assertEquals(FirewallNode.TRUNCATED_L4, run(b));
        int c = frames.udp(0, 0, IN, 1, OUT, 2);
        ctx.pool.length(c, 14 + 12);
        assertEquals(FirewallNode.TRUNCATED_IP, run(c));
    }
}
