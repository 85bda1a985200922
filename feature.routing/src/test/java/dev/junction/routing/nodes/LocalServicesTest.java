package dev.junction.routing.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.LocalService;
import dev.junction.routing.internal.LocalServices;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Other bundles' services on the router's own addresses: ip4-local and ip6-local send a claimed UDP
 * port or protocol to the claimant's node (a next node after their own), everything else as before;
 * a second claim waits behind the first and takes over when it goes; malformed claims are refused.
 */
class LocalServicesTest {
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private final TestContext ctx = new TestContext(64);
    private final PacketPool pool = ctx.pool;
    private final MemorySegment m = ctx.memory;
    private final Vrfs vrfs = new Vrfs();
    private int refreshes;

    /** An IPv4 packet for the router of {@code protocol} with {@code l4} transport bytes, UDP port {@code port}. */
    private int ip4(int protocol, int l4, int port) {
        int b = pool.allocate();
        long f = pool.data(b);
        m.asSlice(f, 200).fill((byte) 0);
        Ethernet.etherType(m, f, Ethernet.TYPE_IPV4);
        Ipv4.writeHeader(m, f + 14, 20 + l4, 64, protocol, 0x0a000002, 0x0a000001);
        m.set(NET_SHORT, f + 14 + 20 + 2, (short) port);
        pool.length(b, 14 + 20 + l4);
        pool.l3Offset(b, 14);
        return b;
    }

    private int ip6(int next, int l4, int port) {
        int b = pool.allocate();
        long f = pool.data(b);
        m.asSlice(f, 200).fill((byte) 0);
        Ethernet.etherType(m, f, Ethernet.TYPE_IPV6);
        Ipv6.writeHeader(m, f + 14, l4, next, 64, 0x20010db8_00000000L, 2, 0x20010db8_00000000L, 1);
        m.set(NET_SHORT, f + 14 + 40 + 2, (short) port);
        pool.length(b, 14 + 40 + l4);
        pool.l3Offset(b, 14);
        return b;
    }

    private static int verdict(dev.junction.graph.PacketNode node, int b, TestContext ctx) {
        PacketVector v = new PacketVector();
        v.add(b);
        node.process(v, ctx);
        int verdict = v.verdict(0);
        return PacketVector.isDrop(verdict) ? -100 - PacketVector.dropReason(verdict) : verdict;
    }

    @Test
    void aClaimedUdpPortOrProtocolLeavesTheLocalNodesForItsNode() {
        LocalServices s = vrfs.localServices;
        Ip4LocalNode l4 = new Ip4LocalNode(s);
        Ip6LocalNode l6 = new Ip6LocalNode(vrfs);
        assertEquals(-100 - Ip4LocalNode.NO_SERVICE, verdict(l4, ip4(17, 16, 4789), ctx), "nothing claims UDP 4789 yet");
        s.add(LocalService.of(17, 4789, "vxlan-input"), () -> refreshes++);
        s.add(LocalService.of(47, -1, "nvgre-input"), () -> refreshes++);
        assertEquals(2, refreshes, "each new node made the local nodes re-read their next nodes");
        assertEquals(List.of("ip4-lookup", "vxlan-input", "nvgre-input"), l4.next());
        assertEquals("vxlan-input", l6.next().get(3));
        assertEquals(1, verdict(l4, ip4(17, 16, 4789), ctx));
        assertEquals(2, verdict(l4, ip4(47, 8, 0), ctx));
        assertEquals(3, verdict(l6, ip6(17, 16, 4789), ctx));
        assertEquals(4, verdict(l6, ip6(47, 8, 0), ctx));
        assertEquals(-100 - Ip4LocalNode.NO_SERVICE, verdict(l4, ip4(17, 16, 4790), ctx), "another port");
        assertEquals(-100 - Ip4LocalNode.NO_SERVICE, verdict(l4, ip4(17, 6, 4789), ctx), "a UDP header cut short has no port");
        assertEquals(-100 - Ip4LocalNode.NO_SERVICE, verdict(l4, ip4(6, 20, 4789), ctx), "TCP is nobody's");
        assertEquals(-100 - Ip6LocalNode.NO_SERVICE, verdict(l6, ip6(6, 20, 4789), ctx));
    }

    @Test
    void aClaimedTcpPortComesBeforeAWholeTcpClaim() {
        LocalServices s = vrfs.localServices;
        Ip4LocalNode l4 = new Ip4LocalNode(s);
        Ip6LocalNode l6 = new Ip6LocalNode(vrfs);
        LocalService probe = LocalService.of(LocalService.TCP, 61000, "lb-probe");
        s.add(probe, () -> refreshes++);
        assertEquals(1, verdict(l4, ip4(6, 20, 61000), ctx), "the claimed TCP port");
        assertEquals(3, verdict(l6, ip6(6, 20, 61000), ctx));
        assertEquals(-100 - Ip4LocalNode.NO_SERVICE, verdict(l4, ip4(6, 20, 61001), ctx), "another TCP port");
        assertEquals(-100 - Ip4LocalNode.NO_SERVICE, verdict(l4, ip4(6, 12, 61000), ctx), "a TCP header cut short has no port");
        s.add(LocalService.of(LocalService.TCP, LocalService.ANY_PORT, "tcp-stack"), () -> refreshes++);
        assertEquals(2, verdict(l4, ip4(6, 20, 61001), ctx), "the whole-protocol claim takes the other ports");
        assertEquals(1, verdict(l4, ip4(6, 20, 61000), ctx), "the port claim still first");
        assertEquals(java.util.Map.of("6/61000", "lb-probe", "6/-1", "tcp-stack"), s.holders());
        s.remove(probe, () -> { });
        assertEquals(2, verdict(l4, ip4(6, 20, 61000), ctx), "given back: the whole-protocol claim has it now");
        assertThrows(IllegalArgumentException.class, () -> s.add(LocalService.of(6, 0, "x"), () -> { }));
        assertThrows(IllegalArgumentException.class, () -> s.add(LocalService.of(6, 65536, "x"), () -> { }));
    }

    @Test
    void aSecondClaimWaitsAndTakesOverWhenTheFirstGoes() {
        LocalServices s = vrfs.localServices;
        Ip4LocalNode l4 = new Ip4LocalNode(s);
        LocalService first = LocalService.of(17, 4789, "vxlan-input");
        LocalService second = LocalService.of(17, 4789, "other-vxlan");
        s.add(first, () -> refreshes++);
        s.add(second, () -> refreshes++);
        assertEquals(first, s.holder(second), "the earlier claim holds");
        assertEquals(1, verdict(l4, ip4(17, 16, 4789), ctx));
        s.remove(first, () -> refreshes++);
        assertEquals(second, s.holder(second));
        assertEquals(List.of("ip4-lookup", "vxlan-input", "other-vxlan"), l4.next(), "next nodes only grow");
        assertEquals(2, verdict(l4, ip4(17, 16, 4789), ctx));
        s.remove(second, () -> refreshes++);
        assertEquals(-100 - Ip4LocalNode.NO_SERVICE, verdict(l4, ip4(17, 16, 4789), ctx), "given back");
        assertTrue(s.holders().isEmpty(), s.holders()::toString);
    }

    @Test
    void malformedClaimsAreRefusedWithTheRightForm() {
        LocalServices s = vrfs.localServices;
        assertThrows(IllegalArgumentException.class, () -> s.add(LocalService.of(17, 0, "x"), () -> { }));
        assertThrows(IllegalArgumentException.class, () -> s.add(LocalService.of(17, 70000, "x"), () -> { }));
        assertThrows(IllegalArgumentException.class, () -> s.add(LocalService.of(47, 4789, "x"), () -> { }));
        assertThrows(IllegalArgumentException.class, () -> s.add(LocalService.of(1, -1, "x"), () -> { }));
        assertThrows(IllegalArgumentException.class, () -> s.add(LocalService.of(256, -1, "x"), () -> { }));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.add(LocalService.of(17, 4789, " "), () -> { }));
        assertTrue(e.getMessage().contains("name of its node"), e.getMessage());
        assertTrue(s.holders().isEmpty(), "nothing kept: " + s.holders());
    }
}
