package dev.junction.firewall.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.firewall.Direction;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.Rule;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.packet.PacketVector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rule sets attached to a VRF: they judge the VRF's packets on interfaces without a set of their own
 * for that direction; an interface's set overrides; other VRFs' packets pass unattached.
 */
class VrfAttachTest {
    static final int PASS = -1;
    static final int DEFAULT = 0, BLUE = 1;
    static final String A = "10.1.0.2", B = "10.2.0.2";

    TestContext ctx;
    Frames frames;
    final Map<String, Integer> vrfs = new HashMap<>(Map.of("default", DEFAULT, "blue", BLUE));
    final List<String> switched = new ArrayList<>();
    FirewallControl fw;
    FirewallNode ip4, out;
    final PacketVector v = new PacketVector();

    @BeforeEach
    void setUp() {
        ctx = new TestContext(64);
        frames = new Frames(ctx.pool);
        fw = new FirewallControl(new ConnTable(1024), (node, iface, on) -> switched.add(node + " " + iface + " " + on),
                () -> ctx.now, name -> {
                    Integer id = vrfs.get(name);
                    if (id == null) {
                        throw FirewallControl.noVrf(name);
                    }
                    return id;
                });
        fw.ruleSet("dns-only", List.of(Rule.parse("priority=10 action=permit proto=udp dport=53")));
        fw.ruleSet("no-dns", List.of(Rule.parse("priority=10 action=deny proto=udp dport=53"),
                Rule.parse("priority=20 action=permit family=ip4")));
        ip4 = ctx.ready(FirewallNode.ip4Input(fw));
        out = ctx.ready(FirewallNode.output(fw));
    }

    /** One packet through {@code node}: PASS or the drop reason. */
    int run(FirewallNode node, int b) {
        v.clear();
        v.add(b);
        node.process(v, ctx);
        int verdict = v.verdict(0);
        ctx.pool.free(b);
        return PacketVector.isDrop(verdict) ? PacketVector.dropReason(verdict) : PASS;
    }

    int udp(int rx, int vrf, int dport) {
        return frames.udp(rx, vrf, A, 40000, B, dport);
    }

    long unattached() {
        return ctx.counted[FirewallNode.C_UNATTACHED];
    }

    @Test
    void theVrfsSetJudgesItsPacketsOnAnInterfaceWithoutOne() {
        fw.attachVrf("blue", Direction.INPUT, "dns-only");
        assertEquals(PASS, run(ip4, udp(1, BLUE, 53)));
        assertEquals(FirewallNode.NO_MATCH, run(ip4, udp(1, BLUE, 54)));
        assertEquals(1, fw.hits("dns-only").get(0).hits());
        assertEquals(0, unattached());

        // The default VRF's packets on the same interface have no set: they pass, counted.
        assertEquals(PASS, run(ip4, udp(1, DEFAULT, 54)));
        assertEquals(1, unattached());
        // A VRF id beyond any attached one: no set either.
        assertEquals(PASS, run(ip4, udp(1, 7, 54)));
        assertEquals(2, unattached());
        assertEquals(List.of(new Firewall.VrfAttachment("blue", Direction.INPUT, "dns-only")), fw.vrfAttachments());
        assertEquals(List.of(), fw.attachments());
    }

    @Test
    void anInterfacesSetOverridesItsVrfs() {
        fw.attachVrf("blue", Direction.INPUT, "dns-only");
        fw.attach("j0", Direction.INPUT, "no-dns");
        assertEquals(FirewallNode.DENIED, run(ip4, udp(0, BLUE, 53)), "j0's set, not blue's");
        assertEquals(PASS, run(ip4, udp(0, BLUE, 54)), "j0's set permits it, blue's would not");
        assertEquals(PASS, run(ip4, udp(1, BLUE, 53)), "j1 has no set: blue's");
        assertEquals(FirewallNode.NO_MATCH, run(ip4, udp(1, BLUE, 54)));
        assertEquals(FirewallNode.DENIED, run(ip4, udp(0, DEFAULT, 53)), "j0's set is for every VRF");
        fw.detach("j0", Direction.INPUT);
        assertEquals(PASS, run(ip4, udp(0, BLUE, 53)), "blue's again");
        assertEquals(FirewallNode.NO_MATCH, run(ip4, udp(0, BLUE, 54)));
    }

    @Test
    void detachingTheVrfRestoresUnattached() {
        fw.attachVrf("blue", Direction.INPUT, "dns-only");
        assertEquals(FirewallNode.NO_MATCH, run(ip4, udp(1, BLUE, 54)));
        assertTrue(fw.detachVrf("blue", Direction.INPUT));
        assertFalse(fw.detachVrf("blue", Direction.INPUT), "nothing left to detach");
        assertEquals(PASS, run(ip4, udp(1, BLUE, 54)));
        assertEquals(1, unattached());
        assertEquals(List.of(), fw.vrfAttachments());
        assertTrue(fw.removeRuleSet("dns-only"), "no longer attached: removable");
    }

    @Test
    void outputGoesByTheVrfToo() {
        fw.attachVrf("blue", Direction.OUTPUT, "no-dns");
        // Frames sends what j1 received out of j0.
        assertEquals(FirewallNode.DENIED, run(out, udp(1, BLUE, 53)));
        assertEquals(PASS, run(out, udp(1, BLUE, 54)));
        assertEquals(PASS, run(out, udp(1, DEFAULT, 53)), "another VRF: unattached");
        assertEquals(1, unattached());
        assertEquals(PASS, run(ip4, udp(1, BLUE, 53)), "the input has no set");
        assertEquals(2, unattached());
        fw.attach("j0", Direction.OUTPUT, "dns-only");
        assertEquals(PASS, run(out, udp(1, BLUE, 53)), "j0's output set overrides blue's");
        assertTrue(fw.detachVrf("blue", Direction.OUTPUT));
        fw.detach("j0", Direction.OUTPUT);
        assertEquals(PASS, run(out, udp(1, BLUE, 53)));
        assertEquals(3, unattached());
    }

    @Test
    void aVectorOfBothVrfsOnBothInterfacesIsJudgedPacketByPacket() {
        fw.attachVrf("blue", Direction.INPUT, "dns-only");
        fw.attach("j0", Direction.INPUT, "no-dns");
        int[][] packets = { // rx, vrf, dport, expected
                {1, BLUE, 53, PASS}, {1, BLUE, 54, FirewallNode.NO_MATCH}, {0, BLUE, 53, FirewallNode.DENIED},
                {0, BLUE, 54, PASS}, {1, DEFAULT, 54, PASS}, {0, DEFAULT, 53, FirewallNode.DENIED}};
        for (int round = 0; round < 2; round++) { // the second vector is classified in one walk per set
            v.clear();
            for (int i = 0; i < 48; i++) {
                int[] p = packets[i % packets.length];
                v.add(udp(p[0], p[1], p[2]));
            }
            ip4.process(v, ctx);
            for (int i = 0; i < v.count(); i++) {
                int verdict = v.verdict(i);
                int got = PacketVector.isDrop(verdict) ? PacketVector.dropReason(verdict) : PASS;
                assertEquals(packets[i % packets.length][3], got, "round " + round + " packet " + i);
                ctx.pool.free(v.buffer(i));
            }
        }
    }

    @Test
    void aVrfMadeAgainUnderAnotherIdKeepsItsSet() {
        fw.attachVrf("blue", Direction.INPUT, "dns-only");
        vrfs.remove("blue");
        assertTrue(fw.refreshVrfs());
        assertEquals(PASS, run(ip4, udp(1, BLUE, 54)), "blue is gone: its old id has no set");
        vrfs.put("blue", 2);
        assertTrue(fw.refreshVrfs());
        assertFalse(fw.refreshVrfs(), "nothing changed since");
        assertEquals(FirewallNode.NO_MATCH, run(ip4, udp(1, 2, 54)));
        assertEquals(PASS, run(ip4, udp(1, BLUE, 54)));
        assertEquals(List.of(new Firewall.VrfAttachment("blue", Direction.INPUT, "dns-only")), fw.vrfAttachments());
    }

    @Test
    void aVrfsSetTurnsItsDirectionsNodesOnOnEveryInterface() {
        fw.interfaces(List.of("j0", "j1"));
        fw.attach("j0", Direction.INPUT, "no-dns");
        assertEquals(List.of("fw-ip4-input j0 true", "fw-ip6-input j0 true"), switched);
        switched.clear();
        fw.attachVrf("blue", Direction.INPUT, "dns-only");
        assertEquals(List.of("fw-ip4-input j1 true", "fw-ip6-input j1 true"), switched);
        switched.clear();
        fw.interfaces(List.of("j0", "j1", "j2"));
        assertEquals(List.of("fw-ip4-input j2 true", "fw-ip6-input j2 true"), switched, "a new interface");
        switched.clear();
        fw.detachVrf("blue", Direction.INPUT);
        assertEquals(List.of("fw-ip4-input j1 false", "fw-ip6-input j1 false", "fw-ip4-input j2 false",
                "fw-ip6-input j2 false"), switched, "j0 keeps its own");
        switched.clear();
        fw.attachVrf("blue", Direction.OUTPUT, "dns-only");
        assertEquals(List.of("fw-output j0 true", "fw-output j1 true", "fw-output j2 true"), switched);
    }

    @Test
    void refusals() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fw.attachVrf("red", Direction.INPUT, "dns-only"));
        assertEquals("no VRF red (make it with ip:vrf; the default VRF is 'default')", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fw.attachVrf("blue", Direction.INPUT, "nothing"));
        assertTrue(e.getMessage().startsWith("no rule set nothing (make one: fw:rule NAME set=nothing"), e.getMessage());
        assertEquals(List.of(), fw.vrfAttachments(), "nothing attached by the refused ones");

        fw.attachVrf("blue", Direction.OUTPUT, "dns-only");
        e = assertThrows(IllegalArgumentException.class, () -> fw.removeRuleSet("dns-only"));
        assertTrue(e.getMessage().startsWith("rule set dns-only is attached to vrf=blue out"), e.getMessage());
        assertTrue(fw.ruleSets().containsKey("dns-only"));

        FirewallControl plain = new FirewallControl(new ConnTable(1024), (n, i, on) -> { });
        plain.ruleSet("s", List.of());
        plain.attachVrf("default", Direction.INPUT, "s"); // the default resolver knows the default VRF
        assertThrows(IllegalArgumentException.class, () -> plain.attachVrf("blue", Direction.INPUT, "s"));
    }
}
