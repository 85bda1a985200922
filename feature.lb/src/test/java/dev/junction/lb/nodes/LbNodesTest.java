package dev.junction.lb.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.lb.LoadBalancer.BackendSpec;
import dev.junction.lb.LoadBalancer.ServiceSpec;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import dev.junction.packet.PacketVector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LbNodesTest {
    static final String CLIENT = "192.168.1.10", VIP = "10.0.0.100";
    TestContext ctx;
    Packets p;
    LbControl lb;
    final List<String> steered = new ArrayList<>();
    LbNode node4, node6;
    LbReverseNode rev4, rev6;

    @BeforeEach
    void setUp() {
        ctx = new TestContext(4096);
        p = new Packets(ctx.pool);
        lb = new LbControl(new FlowTable(1 << 16), vrf -> {
            if (!vrf.equals("default")) {
                throw new IllegalArgumentException("no VRF " + vrf);
            }
            return 0;
        }, new LbControl.Steering() {
            public void steer(int index, String vrf, String prefix, int family) {
                steered.add(index + " " + vrf + " " + prefix);
            }

            public void unsteer(int index) {
                steered.add("-" + index);
            }
        });
        node4 = ctx.ready(LbNode.ip4(lb));
        node6 = ctx.ready(LbNode.ip6(lb));
        rev4 = ctx.ready(LbReverseNode.ip4(lb));
        rev6 = ctx.ready(LbReverseNode.ip6(lb));
    }

    void web(int limit, String... backends) {
        lb.addService(new ServiceSpec("web", null, VIP, "tcp", 80, null, 0, limit));
        for (String b : backends) {
            lb.addBackend(new BackendSpec("web", b, 0, 1, false));
        }
    }

    /** Runs one packet through a node; returns its verdict (the packet's buffer stays allocated). */
    int run(dev.junction.graph.PacketNode n, int b) {
        PacketVector v = new PacketVector();
        v.add(b);
        java.util.Arrays.fill(ctx.counted, 0);
        n.process(v, ctx);
        return v.verdict(0);
    }

    @Test
    void newFlowIsNattedToABackendWithRightChecksums() {
        web(0, "10.1.0.2", "10.1.0.3", "10.1.0.4");
        assertEquals(List.of("0 default 10.0.0.100/32"), steered);
        int b = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.SYN, 10, 0);
        assertEquals(0, run(node4, b));
        assertTrue(p.dst(b).startsWith("10.1.0."), p.dst(b));
        assertEquals(80, p.dport(b));
        assertEquals(CLIENT, p.src(b));
        assertTrue(p.checksumsOk(b), "checksums after NAT");
        assertEquals(1, ctx.counted[LbNode.C_NEW]);
        assertEquals(1, lb.services().get(0).flows());
    }

    @Test
    void flowStaysOnItsBackendWhenTheTableChanges() {
        web(0, "10.1.0.2", "10.1.0.3", "10.1.0.4");
        Map<Integer, String> first = new HashMap<>();
        for (int port = 1000; port < 1200; port++) {
            int b = p.packet(CLIENT, port, VIP, 80, 6, Packets.SYN, 0, 0);
            run(node4, b);
            first.put(port, p.dst(b));
            ctx.pool.free(b);
        }
        for (int i = 5; i < 15; i++) {
            lb.addBackend(new BackendSpec("web", "10.1.0." + i, 0, 5, false)); // most new flows would go there
        }
        lb.addBackend(new BackendSpec("web", "10.1.0.2", 0, 1, true)); // drained: keeps its flows
        for (int port = 1000; port < 1200; port++) {
            int b = p.packet(CLIENT, port, VIP, 80, 6, Packets.ACK, 5, 0);
            assertEquals(0, run(node4, b));
            assertEquals(first.get(port), p.dst(b), "flow from port " + port);
            assertEquals(1, ctx.counted[LbNode.C_TRACKED]);
            ctx.pool.free(b);
        }
    }

    @Test
    void aDownBackendKeepsItsFlowsButASynOnOneIsBalancedAgain() {
        web(0, "10.1.0.2", "10.1.0.3", "10.1.0.4");
        Map<Integer, String> first = new HashMap<>();
        for (int port = 1000; port < 1300; port++) {
            int b = p.packet(CLIENT, port, VIP, 80, 6, Packets.SYN, 0, 0);
            run(node4, b);
            first.put(port, p.dst(b));
            ctx.pool.free(b);
        }
        lb.down(java.util.Set.of("web 10.1.0.2"));
        int kept = 0, moved = 0;
        for (int port = 1000; port < 1300; port++) {
            boolean wasDown = first.get(port).equals("10.1.0.2");
            int b = p.packet(CLIENT, port, VIP, 80, 6, Packets.ACK, 5, 0);
            run(node4, b);
            assertEquals(first.get(port), p.dst(b), "an established flow stays, even on a down backend");
            ctx.pool.free(b);
            b = p.packet(CLIENT, port, VIP, 80, 6, Packets.SYN, 0, 0);
            run(node4, b);
            if (wasDown) {
                assertNotEquals("10.1.0.2", p.dst(b), "a SYN (a retry, a new connection) leaves the down backend");
                assertEquals(1, ctx.counted[LbNode.C_DOWN_SYN]);
                moved++;
            } else {
                assertEquals(first.get(port), p.dst(b), "flows of backends that are up stay");
                assertEquals(0, ctx.counted[LbNode.C_DOWN_SYN]);
                kept++;
            }
            ctx.pool.free(b);
        }
        assertTrue(moved > 50 && kept > 100, moved + " moved, " + kept + " kept");
        for (int port = 2000; port < 2300; port++) {
            int b = p.packet(CLIENT, port, VIP, 80, 6, Packets.SYN, 0, 0);
            run(node4, b);
            assertNotEquals("10.1.0.2", p.dst(b), "no new flow for a down backend");
            ctx.pool.free(b);
        }
        lb.down(java.util.Set.of());
        int back = 0;
        for (int port = 3000; port < 3300; port++) {
            int b = p.packet(CLIENT, port, VIP, 80, 6, Packets.SYN, 0, 0);
            run(node4, b);
            back += p.dst(b).equals("10.1.0.2") ? 1 : 0;
            ctx.pool.free(b);
        }
        assertTrue(back > 50, "up again: new flows again, " + back);
    }

    @Test
    void theReverseNodesSkipTheLookupOnlyForSourcesThatAreNoBackend() {
        web(0, "10.1.0.2");
        var snap = lb.snapshot();
        assertTrue(snap.maybeBackend(0, dev.junction.packet.Ipv4.parse("10.1.0.2") & 0xffffffffL), "a backend's address");
        int clear = 0;
        for (int i = 0; i < 1000; i++) {
            if (!snap.maybeBackend(0, 0x0B00_0000L + i)) {
                clear++;
            }
        }
        assertTrue(clear > 900, "most other sources pass without a lookup: " + clear);
        // a client's packet through the reverse node: passed, untouched
        int b = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.SYN, 0, 0);
        assertEquals(PacketVector.NEXT_FEATURE, run(rev4, b));
        assertEquals(1, ctx.counted[LbReverseNode.C_PASSED]);
        assertEquals(VIP, p.dst(b));
        lb.removeBackend("web", "10.1.0.2", 0);
        assertFalse(lb.snapshot().maybeBackend(0, dev.junction.packet.Ipv4.parse("10.1.0.2") & 0xffffffffL)
                || lb.snapshot().maybeBackend(0, 0x0B00_0001L), "no backends: every source clear");
    }

    @Test
    void replyIsRewrittenBackToTheVip() {
        web(0, "10.1.0.2");
        lb.addBackend(new BackendSpec("web", "10.1.0.2", 8080, 1, false));
        lb.removeBackend("web", "10.1.0.2", 0);
        int b = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.SYN, 0, 0);
        run(node4, b);
        assertEquals("10.1.0.2", p.dst(b));
        assertEquals(8080, p.dport(b));
        assertTrue(p.checksumsOk(b));
        int r = p.packet("10.1.0.2", 8080, CLIENT, 40000, 6, Packets.SYN | Packets.ACK, 3, 0);
        assertEquals(PacketVector.NEXT_FEATURE, run(rev4, r));
        assertEquals(1, ctx.counted[LbReverseNode.C_REVERSED]);
        assertEquals(VIP, p.src(r));
        assertEquals(80, p.sport(r));
        assertEquals(CLIENT, p.dst(r));
        assertTrue(p.checksumsOk(r), "checksums after reverse NAT");
        int other = p.packet("10.1.0.2", 8080, CLIENT, 40001, 6, Packets.ACK, 0, 0);
        run(rev4, other);
        assertEquals(1, ctx.counted[LbReverseNode.C_PASSED]);
        assertEquals("10.1.0.2", p.src(other));
        // per-backend counters: one flow, two packets (one each way)
        LbControlView.assertBackend(lb, "10.1.0.2:8080", 1, 2);
    }

    @Test
    void aVectorOfRepliesAndOthersIsRewrittenPacketByPacket() {
        web(0, "10.1.0.2");
        int[] ports = {40010, 40011, 40012};
        for (int port : ports) {
            int b = p.packet(CLIENT, port, VIP, 80, 6, Packets.SYN, 0, 0);
            run(node4, b);
            assertEquals("10.1.0.2", p.dst(b));
        }
        // One vector, the reverse node's three passes over it: replies of the three flows between a
        // client's packet, a backend's packet of no flow, and a packet too short to parse.
        int r0 = p.packet("10.1.0.2", 80, CLIENT, 40010, 6, Packets.SYN | Packets.ACK, 5, 0);
        int client = p.packet(CLIENT, 40010, VIP, 80, 6, Packets.ACK, 0, 0);
        int r1 = p.packet("10.1.0.2", 80, CLIENT, 40011, 6, Packets.ACK, 9, 0);
        int stray = p.packet("10.1.0.2", 80, CLIENT, 40099, 6, Packets.ACK, 0, 0);
        int shortOne = p.packet("10.1.0.2", 80, CLIENT, 40012, 6, Packets.ACK, 0, 0);
        ctx.pool.length(shortOne, 14 + 20 + 10); // its TCP header cut short
        int r2 = p.packet("10.1.0.2", 80, CLIENT, 40012, 6, Packets.FIN | Packets.ACK, 0, 0);
        PacketVector v = new PacketVector();
        for (int b : new int[] {r0, client, r1, stray, shortOne, r2}) {
            v.add(b);
        }
        java.util.Arrays.fill(ctx.counted, 0);
        rev4.process(v, ctx);
        assertEquals(3, ctx.counted[LbReverseNode.C_REVERSED]);
        assertEquals(3, ctx.counted[LbReverseNode.C_PASSED]);
        int[] replies = {r0, r1, r2};
        for (int k = 0; k < 3; k++) {
            int r = replies[k];
            assertEquals(PacketVector.NEXT_FEATURE, v.verdict(k == 0 ? 0 : k == 1 ? 2 : 5));
            assertEquals(VIP, p.src(r), "reply " + k);
            assertEquals(80, p.sport(r));
            assertEquals(CLIENT, p.dst(r));
            assertEquals(ports[k], p.dport(r));
            assertTrue(p.checksumsOk(r), "checksums of reply " + k);
        }
        assertEquals(CLIENT, p.src(client));
        assertEquals(VIP, p.dst(client));
        assertEquals("10.1.0.2", p.src(stray));
        assertEquals("10.1.0.2", p.src(shortOne));
        assertTrue(p.checksumsOk(stray), "a packet passed is untouched");
        // per-backend counters: three flows, six packets (three each way; the passed ones not counted)
        LbControlView.assertBackend(lb, "10.1.0.2", 3, 6);
        int closed = FlowTableView.reverse(lb, "10.1.0.2", 80, CLIENT, 40012);
        assertTrue(closed >= 0 && (lb.table().word(closed) & FlowTable.CLOSING) != 0, "the FIN among them closed its flow");
        int open = FlowTableView.reverse(lb, "10.1.0.2", 80, CLIENT, 40011);
        assertTrue(open >= 0 && (lb.table().word(open) & FlowTable.CLOSING) == 0, "the others stay open");
    }

    @Test
    void finClosesTheFlowAfterItsClosingTimeout() {
        web(0, "10.1.0.2", "10.1.0.3");
        int b = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.SYN, 0, 0);
        run(node4, b);
        run(node4, p.packet(CLIENT, 40000, VIP, 80, 6, Packets.FIN | Packets.ACK, 0, 0));
        assertEquals(1, ctx.counted[LbNode.C_TRACKED]);
        ctx.now += 5_000_000_000L;
        run(node4, p.packet(CLIENT, 40000, VIP, 80, 6, Packets.ACK, 0, 0));
        assertEquals(1, ctx.counted[LbNode.C_TRACKED], "still there within the closing timeout");
        run(node4, p.packet(CLIENT, 40000, VIP, 80, 6, Packets.SYN, 0, 0));
        assertEquals(1, ctx.counted[LbNode.C_NEW], "a SYN on a closing flow's ports: a new flow");
        run(node4, p.packet(CLIENT, 40000, VIP, 80, 6, Packets.FIN, 0, 0));
        ctx.now += 11_000_000_000L;
        run(node4, p.packet(CLIENT, 40000, VIP, 80, 6, Packets.ACK, 0, 0));
        assertEquals(1, ctx.counted[LbNode.C_NEW], "a new flow after the closing timeout");
        ctx.now += 901_000_000_000L;
        assertEquals(1, lb.table().expire(ctx.now));
        assertEquals(0, lb.services().get(0).flows());
    }

    /** Closed flows expire and their slots are taken by new flows: each new one is then found, both ways. */
    @Test
    void expiredFlowsMakeRoomForNewOnes() {
        web(0, "10.1.0.2", "10.1.0.3", "10.1.0.4");
        for (int round = 0; round < 5; round++) {
            for (int k = 0; k < 3000; k++) {
                int port = 1024 + round * 3000 + k;
                int b = p.packet(CLIENT, port, VIP, 80, 6, Packets.SYN, 0, 0);
                assertEquals(0, run(node4, b));
                String backend = p.dst(b);
                ctx.pool.free(b);
                b = p.packet(CLIENT, port, VIP, 80, 6, Packets.ACK | Packets.FIN, 0, 0);
                assertEquals(0, run(node4, b));
                assertEquals(1, ctx.counted[LbNode.C_TRACKED], "round " + round + " flow " + k + " found again");
                assertEquals(backend, p.dst(b));
                ctx.pool.free(b);
                int r = p.packet(backend, 80, CLIENT, port, 6, Packets.ACK | Packets.FIN, 0, 0);
                run(rev4, r);
                assertEquals(1, ctx.counted[LbReverseNode.C_REVERSED], "round " + round + " flow " + k + " reply");
                ctx.pool.free(r);
                ctx.now += 3_000_000L;
            }
            ctx.now += 2_000_000_000L;
        }
        ctx.now += 11_000_000_000L;
        lb.table().expire(ctx.now);
        assertEquals(0, lb.services().get(0).flows(), "closed flows leave the count");
    }

    @Test
    void udpChecksumsZeroStaysZeroOtherwiseRight() {
        lb.addService(new ServiceSpec("dns", null, VIP, "udp", 0, null, 0, 0));
        lb.addBackend(new BackendSpec("dns", "10.1.0.9", 5353, 1, false));
        int b = p.packet(CLIENT, 40000, VIP, 53, 17, 0, 11, 0);
        assertEquals(0, run(node4, b));
        assertEquals("10.1.0.9", p.dst(b));
        assertEquals(5353, p.dport(b));
        assertTrue(p.checksumsOk(b));
        int z = p.packet(CLIENT, 40001, VIP, 53, 17, 0, 11, 0);
        p.m.set(Packets.U16, p.l4(z) + 6, (short) 0);
        run(node4, z);
        assertEquals(0, p.l4Checksum(z));
        assertTrue(p.checksumsOk(z));
    }

    @Test
    void ipv6NatBothWays() {
        lb.addService(new ServiceSpec("web6", null, "2001:db8::100", "tcp", 443, null, 0, 0));
        lb.addBackend(new BackendSpec("web6", "2001:db8:1::2", 0, 1, false));
        assertEquals(List.of("0 default 2001:db8:0:0:0:0:0:100/128"), steered);
        int b = p.packet("2001:db8:9::10", 50000, "2001:db8::100", 443, 6, Packets.SYN, 7, 0);
        assertEquals(0, run(node6, b));
        assertEquals("2001:db8:1:0:0:0:0:2", p.dst(b));
        assertTrue(p.checksumsOk(b));
        int r = p.packet("2001:db8:1::2", 443, "2001:db8:9::10", 50000, 6, Packets.ACK, 9, 0);
        run(rev6, r);
        assertEquals("2001:db8:0:0:0:0:0:100", p.src(r));
        assertTrue(p.checksumsOk(r));
        assertEquals(1, ctx.counted[LbReverseNode.C_REVERSED]);
        // a client's packet (a source that is no backend) passes the IPv6 reverse node untouched
        int c = p.packet("2001:db8:9::10", 50000, "2001:db8::100", 443, 6, Packets.ACK, 0, 0);
        assertEquals(PacketVector.NEXT_FEATURE, run(rev6, c));
        assertEquals(1, ctx.counted[LbReverseNode.C_PASSED]);
        assertEquals("2001:db8:9:0:0:0:0:10", p.src(c));
        int wrong = p.packet(CLIENT, 1, VIP, 443, 6, Packets.SYN, 0, 0);
        assertEquals(LbNode.NO_VIP, PacketVector.dropReason(run(node4, wrong)), "an IPv6 VIP's index in ip4");
    }

    @Test
    void limitsAndDropsAreCounted() {
        web(2, "10.1.0.2");
        run(node4, p.packet(CLIENT, 1, VIP, 80, 6, Packets.SYN, 0, 0));
        run(node4, p.packet(CLIENT, 2, VIP, 80, 6, Packets.SYN, 0, 0));
        assertEquals(LbNode.SERVICE_FULL, PacketVector.dropReason(run(node4, p.packet(CLIENT, 3, VIP, 80, 6, Packets.SYN, 0, 0))));
        assertEquals(1, lb.services().get(0).refused());
        assertEquals(LbNode.NO_SERVICE, PacketVector.dropReason(run(node4, p.packet(CLIENT, 4, VIP, 81, 6, Packets.SYN, 0, 0))));
        assertEquals(LbNode.NO_VIP, PacketVector.dropReason(run(node4, p.packet(CLIENT, 4, VIP, 80, 6, Packets.SYN, 0, 7))));
        assertEquals(LbNode.NO_VIP, PacketVector.dropReason(run(node4, p.packet(CLIENT, 4, VIP, 80, 6, Packets.SYN, 0, -1))));
        lb.addBackend(new BackendSpec("web", "10.1.0.2", 0, 0, false));
        lb.table().clear();
        assertEquals(LbNode.NO_BACKEND, PacketVector.dropReason(run(node4, p.packet(CLIENT, 5, VIP, 80, 6, Packets.SYN, 0, 0))));
        int frag = p.packet(CLIENT, 6, VIP, 80, 6, Packets.SYN, 0, 0);
        p.m.set(Packets.U16, p.ip(frag) + 6, (short) 0x2000);
        assertEquals(LbNode.FRAGMENT, PacketVector.dropReason(run(node4, frag)));
        int icmp = p.packet(CLIENT, 6, VIP, 80, 1, 0, 0, 0);
        assertEquals(LbNode.NOT_TCP_UDP, PacketVector.dropReason(run(node4, icmp)));
    }

    @Test
    void spreadFollowsTheWeightsAndWeightZeroGetsNone() {
        lb.addService(new ServiceSpec("web", null, VIP, "tcp", 80, null, 0, 0));
        int[] weights = {1, 2, 3, 0};
        for (int i = 0; i < 4; i++) {
            lb.addBackend(new BackendSpec("web", "10.1.0." + (i + 2), 0, weights[i], false));
        }
        Map<String, Integer> got = new HashMap<>();
        int flows = 12000;
        for (int i = 0; i < flows; i++) {
            int b = p.packet("192.168." + (i >> 8 & 255) + "." + (i & 255), 1024 + i % 5000, VIP, 80, 6, Packets.SYN, 0, 0);
            assertEquals(0, run(node4, b));
            got.merge(p.dst(b), 1, Integer::sum);
            ctx.pool.free(b);
        }
        for (int i = 0; i < 3; i++) {
            double want = flows * weights[i] / 6.0;
            assertEquals(want, got.getOrDefault("10.1.0." + (i + 2), 0), want * 0.1, got.toString());
        }
        assertEquals(null, got.get("10.1.0.5"));
    }

    @Test
    void dsrLeavesThePacketAndSendsItToTheBackendsNetwork() {
        lb = new LbControl(new FlowTable(1 << 12), vrf -> 0, new LbControl.Steering() {
            public void steer(int index, String vrf, String prefix, int family) {
            }

            public void unsteer(int index) {
            }
        }, (vrf, address) -> address.startsWith("10.1.") ? "j1" : null);
        node4 = ctx.ready(LbNode.ip4(lb));
        lb.addService(new ServiceSpec("d", null, VIP, "tcp", 80, "dsr", 0, 0));
        lb.addBackend(new BackendSpec("d", "10.1.0.7", 0, 1, false));
        assertThrows(IllegalArgumentException.class, () -> lb.addBackend(new BackendSpec("d", "10.1.0.8", 8080, 1, false)));
        int b = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.SYN, 4, 0);
        byte[] before = p.m.asSlice(p.ip(b), ctx.pool.length(b) - 14).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        assertEquals(1, run(node4, b), "to ip4-rewrite");
        assertEquals(1, ctx.pool.txInterface(b));
        assertEquals(dev.junction.packet.Ipv4.parse("10.1.0.7"), ctx.pool.nextHop(b));
        assertTrue(java.util.Arrays.equals(before, p.m.asSlice(p.ip(b), ctx.pool.length(b) - 14)
                .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)), "the IP packet untouched");
        assertEquals(1, ctx.counted[LbNode.C_NEW]);
        run(node4, p.packet(CLIENT, 40000, VIP, 80, 6, Packets.ACK, 0, 0));
        assertEquals(1, ctx.counted[LbNode.C_TRACKED]);
        assertEquals(-1, FlowTableView.reverse(lb, "10.1.0.7", 80, CLIENT, 40000), "a DSR flow is found by no reply");
        lb.addBackend(new BackendSpec("d", "10.9.0.1", 0, 1, false));
        lb.removeBackend("d", "10.1.0.7", 0);
        assertEquals(LbNode.DSR_OFF_LINK, PacketVector.dropReason(run(node4, p.packet(CLIENT, 40001, VIP, 80, 6, Packets.SYN, 0, 0))));
        assertThrows(IllegalArgumentException.class, () -> lb.addService(new ServiceSpec("d6", null, "2001:db8::1", "tcp", 80, "dsr", 0, 0)));
    }

    /**
     * A removed backend's number given to the next backend added: the old backend's flows are
     * balanced again (to the new one, or any other), not sent on to the removed backend's address.
     */
    @Test
    void aRemovedBackendsFlowsDoNotFollowItsNumber() {
        lb.addService(new ServiceSpec("n", null, VIP, "tcp", 80, "nat", 0, 0));
        lb.addBackend(new BackendSpec("n", "10.1.0.7", 8080, 1, false));
        int b = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.SYN, 4, 0);
        assertEquals(0, run(node4, b));
        assertEquals("10.1.0.7", p.dst(b));
        lb.removeBackend("n", "10.1.0.7", 8080);
        lb.addBackend(new BackendSpec("n", "10.3.0.9", 8080, 1, false)); // the lowest free number: the same
        int r = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.ACK, 0, 0);
        assertEquals(0, run(node4, r));
        assertEquals("10.3.0.9", p.dst(r), "not to the removed backend");
        assertEquals(1, ctx.counted[LbNode.C_REBALANCED]);
        // The same address on another port is another backend too.
        lb.removeBackend("n", "10.3.0.9", 8080);
        lb.addBackend(new BackendSpec("n", "10.3.0.9", 9090, 1, false));
        int q = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.ACK, 0, 0);
        assertEquals(0, run(node4, q));
        assertEquals(9090, p.dport(q));
        assertEquals(1, ctx.counted[LbNode.C_REBALANCED], "counted for this packet's run");
    }

    @Test
    void greWrapsThePacketUntouchedForTheBackend() {
        assertThrows(IllegalArgumentException.class, () -> lb.addService(new ServiceSpec("g", null, VIP, "tcp", 80, "gre", 0, 0)));
        lb.addService(new ServiceSpec("g", null, VIP, "tcp", 80, "gre", 0, 0, "10.0.0.1"));
        lb.addBackend(new BackendSpec("g", "10.1.0.7", 0, 1, false));
        int b = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.SYN, 6, 0);
        int len = ctx.pool.length(b);
        byte[] inner = p.m.asSlice(p.ip(b), len - 14).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        assertEquals(0, run(node4, b), "to ip4-lookup");
        assertEquals(len + 24, ctx.pool.length(b));
        long outer = p.ip(b);
        assertEquals(0x0800, Short.toUnsignedInt(p.m.get(Packets.U16, ctx.pool.data(b) + 12)));
        assertEquals(0x45, p.m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, outer) & 0xff);
        assertEquals(47, p.m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, outer + 9) & 0xff);
        assertEquals(len - 14 + 24, Short.toUnsignedInt(p.m.get(Packets.U16, outer + 2)));
        assertTrue(dev.junction.packet.Ipv4.checksumOk(p.m, outer, 20), "outer header checksum");
        assertEquals("10.0.0.1", p.src(b));
        assertEquals("10.1.0.7", p.dst(b));
        assertEquals(0x0000_0800, p.m.get(Packets.U32, outer + 20), "GRE: no flags, version 0, IPv4");
        assertTrue(java.util.Arrays.equals(inner, p.m.asSlice(outer + 24, len - 14).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)),
                "the inner packet untouched");
        assertEquals(-1, FlowTableView.reverse(lb, "10.1.0.7", 80, CLIENT, 40000), "a GRE flow is found by no reply");
        int again = p.packet(CLIENT, 40000, VIP, 80, 6, Packets.ACK, 0, 0);
        run(node4, again);
        assertEquals(1, ctx.counted[LbNode.C_TRACKED]);
    }

    @Test
    void badStatementsAreRefusedWhole() {
        assertThrows(IllegalArgumentException.class, () -> lb.addService(new ServiceSpec("web", null, "10.0.0", "tcp", 80, null, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> lb.addService(new ServiceSpec("web", null, VIP, "sctp", 80, null, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> lb.addService(new ServiceSpec("web", null, VIP, "tcp", 80, null, 65536, 0)));
        assertThrows(IllegalArgumentException.class, () -> lb.addService(new ServiceSpec("web", "blue", VIP, "tcp", 80, null, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> lb.addBackend(new BackendSpec("web", "10.1.0.2", 0, 1, false)));
        web(0);
        assertThrows(IllegalArgumentException.class, () -> lb.addBackend(new BackendSpec("web", "2001:db8::1", 0, 1, false)));
        assertThrows(IllegalArgumentException.class, () -> lb.addService(new ServiceSpec("web2", null, VIP, "tcp", 80, null, 0, 0)));
        assertEquals(1, lb.services().size());
        assertEquals(0, lb.services().get(0).backends().size());
        lb.removeService("web");
        assertEquals(List.of("0 default 10.0.0.100/32", "-0"), steered);
    }

    @Test
    void nodesAllocateNothingPerPacket() {
        web(0, "10.1.0.2", "10.1.0.3");
        PacketVector v = new PacketVector();
        int[] bufs = new int[64];
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = p.packet(CLIENT, 2000 + i, VIP, 80, 6, Packets.ACK, 0, 0);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = 0;
        for (int round = 0; round < 2000; round++) {
            if (round == 1000) {
                before = mx.getCurrentThreadAllocatedBytes();
            }
            v.clear();
            for (int b : bufs) {
                // put the VIP back (NAT rewrote it) and the checksums with it
                p.m.set(Packets.U32, p.ip(b) + 16, 0x0a000064);
                v.add(b);
            }
            node4.process(v, ctx);
        }
        long bytes = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(bytes < 1000, "allocated " + bytes + " bytes in 64000 packets");
        assertNotEquals(0, ctx.counted[LbNode.C_TRACKED]);
    }
}
