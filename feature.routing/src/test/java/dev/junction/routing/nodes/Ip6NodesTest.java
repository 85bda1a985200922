package dev.junction.routing.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.fib.Ipv6Prefix;
import dev.junction.routing.internal.Announcements;
import dev.junction.routing.internal.Ip6Tables;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The IPv6 nodes on hand-made packets: header checks by reason, and the neighbour discovery state
 * machine (solicitations answered and learned, advertisements learned, malformed messages refused,
 * solicitations sent for unknown next hops and rate-limited), echo replies.
 */
class Ip6NodesTest {
    private static final long OUR_MAC = 0x02_00_00_00_00_01L;
    private static final long PEER_MAC = 0x02_00_00_00_00_99L;
    private static final Ipv6Prefix OURS = Ipv6Prefix.parse("2001:db8:1::1/128");
    private static final Ipv6Prefix PEER = Ipv6Prefix.parse("2001:db8:1::99/128");
    private final TestContext ctx = new TestContext(1024);
    private final PacketPool pool = ctx.pool;
    private final MemorySegment m = ctx.memory;
    private final dev.junction.routing.internal.Vrfs vrfs = new dev.junction.routing.internal.Vrfs();
    private final Ip6Tables tables = vrfs.ip6(0);

    @BeforeEach
    void ourAddressOnInterfaceZero() {
        tables.adjacencies = new Ip6Tables.Adjacencies(new int[] {0, Ip6Tables.LOCAL, Ip6Tables.FORWARD},
                new int[] {-1, 0, 0}, new long[3], new long[3], new int[0]);
        tables.addresses = new Ip6Tables.Addresses(new long[] {OURS.high()}, new long[] {OURS.low()},
                new long[] {Ipv6.interfaceId(OUR_MAC)});
        tables.fib.add(OURS.high(), OURS.low(), 128, 1);
        tables.fib.add(OURS.high(), 0, 64, 2);
    }

    /** An Ethernet + IPv6 frame from the peer with an ICMPv6 message of {@code icmpLength} bytes; returns the buffer. */
    private int frame(long srcHigh, long srcLow, long dstHigh, long dstLow, int hopLimit, int icmpLength) {
        int b = pool.allocate();
        long f = pool.data(b);
        m.asSlice(f, 200).fill((byte) 0);
        Ethernet.destination(m, f, OUR_MAC);
        Ethernet.source(m, f, PEER_MAC);
        Ethernet.etherType(m, f, Ethernet.TYPE_IPV6);
        Ipv6.writeHeader(m, f + 14, icmpLength, Ipv6.NEXT_ICMP6, hopLimit, srcHigh, srcLow, dstHigh, dstLow);
        pool.length(b, 14 + 40 + icmpLength);
        pool.l3Offset(b, 14);
        pool.rxInterface(b, 0);
        return b;
    }

    private long icmp(int b) {
        return pool.data(b) + 14 + 40;
    }

    /** A neighbour solicitation for {@code target}, with a source link-layer option unless {@code lla} is -1. */
    private int solicitation(long srcHigh, long srcLow, int hopLimit, Ipv6Prefix target, long lla) {
        int len = lla < 0 ? 24 : 32;
        int b = frame(srcHigh, srcLow, Ipv6.SOLICITED_NODE_HIGH, Ipv6.solicitedNodeLow(target.low()), hopLimit, len);
        long icmp = icmp(b);
        m.set(ValueLayout.JAVA_BYTE, icmp, (byte) Icmp6.NEIGHBOUR_SOLICITATION);
        m.set(Icmp6.NET_LONG, icmp + 8, target.high());
        m.set(Icmp6.NET_LONG, icmp + 16, target.low());
        if (lla >= 0) {
            m.set(ValueLayout.JAVA_BYTE, icmp + 24, (byte) Icmp6.OPTION_SOURCE_LLA);
            m.set(ValueLayout.JAVA_BYTE, icmp + 25, (byte) 1);
            Icmp6.writeMac(m, icmp + 26, lla);
        }
        Icmp6.writeChecksum(m, pool.data(b) + 14, len);
        return b;
    }

    private int run(PacketNodeLike node, int b) {
        PacketVector v = new PacketVector();
        v.add(b);
        node.process(v);
        int verdict = v.verdict(0);
        return PacketVector.isDrop(verdict) ? -100 - PacketVector.dropReason(verdict) : verdict;
    }

    private interface PacketNodeLike {
        void process(PacketVector v);
    }

    private int local(int b) {
        return run(v -> new Ip6LocalNode(vrfs).process(v, ctx), b);
    }

    private static int dropped(int reason) {
        return -100 - reason;
    }

    @Test
    void inputChecksEachDefect() {
        Ip6InputNode input = new Ip6InputNode();
        int good = frame(PEER.high(), PEER.low(), OURS.high(), OURS.low(), 64, 8);
        pool.length(good, 80); // padded
        assertEquals(PacketVector.NEXT_FEATURE, run(v -> input.process(v, ctx), good));
        assertEquals(14 + 48, pool.length(good), "padding trimmed");
        int truncated = frame(PEER.high(), PEER.low(), OURS.high(), OURS.low(), 64, 8);
        pool.length(truncated, 14 + 39);
        assertEquals(dropped(Ip6InputNode.TRUNCATED), run(v -> input.process(v, ctx), truncated));
        int v4 = frame(PEER.high(), PEER.low(), OURS.high(), OURS.low(), 64, 8);
        m.set(ValueLayout.JAVA_BYTE, pool.data(v4) + 14, (byte) 0x45);
        assertEquals(dropped(Ip6InputNode.NOT_V6), run(v -> input.process(v, ctx), v4));
        int longer = frame(PEER.high(), PEER.low(), OURS.high(), OURS.low(), 64, 8);
        Ipv6.payloadLength(m, pool.data(longer) + 14, 9);
        assertEquals(dropped(Ip6InputNode.BAD_LENGTH), run(v -> input.process(v, ctx), longer));
        int group = frame(Ipv6.ALL_NODES_HIGH, 1, OURS.high(), OURS.low(), 64, 8);
        assertEquals(dropped(Ip6InputNode.MULTICAST_SOURCE), run(v -> input.process(v, ctx), group));
    }

    @Test
    void aSolicitationForOurAddressIsAnsweredAndItsSenderLearned() {
        int b = solicitation(PEER.high(), PEER.low(), 255, OURS, PEER_MAC);
        assertEquals(Ip6LocalNode.OUTPUT, local(b));
        long f = pool.data(b), ip = f + 14, icmp = icmp(b);
        assertEquals(PEER_MAC, Ethernet.destination(m, f));
        assertEquals(OUR_MAC, Ethernet.source(m, f));
        assertEquals(OURS.high(), Ipv6.sourceHigh(m, ip));
        assertEquals(OURS.low(), Ipv6.sourceLow(m, ip));
        assertEquals(PEER.low(), Ipv6.destinationLow(m, ip));
        assertEquals(255, Ipv6.hopLimit(m, ip));
        assertEquals(Icmp6.NEIGHBOUR_ADVERTISEMENT, Icmp6.type(m, icmp));
        assertEquals(Icmp6.NA_ROUTER | Icmp6.NA_SOLICITED | Icmp6.NA_OVERRIDE, m.get(ValueLayout.JAVA_BYTE, icmp + 4) & 0xFF);
        assertEquals(OURS.low(), m.get(Icmp6.NET_LONG, icmp + 16), "the target");
        assertEquals(OUR_MAC, Icmp6.linkLayerOption(m, icmp + 24, icmp + 32, Icmp6.OPTION_TARGET_LLA));
        assertEquals(0xFFFF, Ipv6.upperLayerSum(m, ip, Ipv6.NEXT_ICMP6, Ipv6.payloadLength(m, ip)), "checksum");
        assertEquals(14 + 40 + 32, pool.length(b));
        assertEquals(0, pool.txInterface(b));
        assertEquals(PEER_MAC, tables.neighbours.lookup(0, PEER.high(), PEER.low()));
    }

    @Test
    void ourLinkLocalAddressIsSolicitedToo() {
        Ipv6Prefix ll = new Ipv6Prefix(Ipv6.LINK_LOCAL_HIGH, Ipv6.interfaceId(OUR_MAC), 128);
        assertEquals(0x0000_00FF_FE00_0001L, ll.low(), "EUI-64 of 02:00:00:00:00:01 is ::ff:fe00:1");
        int b = solicitation(Ipv6.LINK_LOCAL_HIGH, 0x99, 255, ll, -1);
        assertEquals(Ip6LocalNode.OUTPUT, local(b));
        assertEquals(PEER_MAC, tables.neighbours.lookup(0, Ipv6.LINK_LOCAL_HIGH, 0x99), "no option: learned from the frame");
    }

    @Test
    void malformedOrForeignSolicitationsAreRefusedByReason() {
        assertEquals(dropped(Ip6LocalNode.BAD_ND), local(solicitation(PEER.high(), PEER.low(), 64, OURS, PEER_MAC)),
                "hop limit other than 255: not from the link");
        int zeroOption = solicitation(PEER.high(), PEER.low(), 255, OURS, PEER_MAC);
        m.set(ValueLayout.JAVA_BYTE, icmp(zeroOption) + 25, (byte) 0);
        Icmp6.writeChecksum(m, pool.data(zeroOption) + 14, 32);
        assertEquals(dropped(Ip6LocalNode.BAD_ND), local(zeroOption), "an option of length 0");
        int badSum = solicitation(PEER.high(), PEER.low(), 255, OURS, PEER_MAC);
        m.set(ValueLayout.JAVA_BYTE, icmp(badSum) + 30, (byte) 0x42);
        assertEquals(dropped(Ip6LocalNode.BAD_ICMP), local(badSum));
        assertEquals(dropped(Ip6LocalNode.NOT_FOR_US), local(solicitation(PEER.high(), PEER.low(), 255, PEER, PEER_MAC)));
        assertEquals(-1, tables.neighbours.lookup(0, PEER.high(), PEER.low()), "nothing learned from refused messages");
    }

    @Test
    void duplicateAddressDetectionIsAnsweredToAllNodesAndLearnsNothing() {
        int b = solicitation(0, 0, 255, OURS, -1);
        assertEquals(Ip6LocalNode.OUTPUT, local(b));
        long ip = pool.data(b) + 14;
        assertEquals(Ipv6.ALL_NODES_HIGH, Ipv6.destinationHigh(m, ip));
        assertEquals(Ipv6.ALL_NODES_LOW, Ipv6.destinationLow(m, ip));
        assertEquals(Ipv6.multicastMac(1), Ethernet.destination(m, pool.data(b)));
        assertEquals(Icmp6.NA_ROUTER | Icmp6.NA_OVERRIDE, m.get(ValueLayout.JAVA_BYTE, icmp(b) + 4) & 0xFF, "not solicited");
        assertEquals(-1, tables.neighbours.lookup(0, 0, 0));
    }

    private int advertisement(Ipv6Prefix target, long lla) {
        int b = frame(target.high(), target.low(), OURS.high(), OURS.low(), 255, 32);
        long icmp = icmp(b);
        m.set(ValueLayout.JAVA_BYTE, icmp, (byte) Icmp6.NEIGHBOUR_ADVERTISEMENT);
        m.set(ValueLayout.JAVA_BYTE, icmp + 4, (byte) (Icmp6.NA_SOLICITED | Icmp6.NA_OVERRIDE));
        m.set(Icmp6.NET_LONG, icmp + 8, target.high());
        m.set(Icmp6.NET_LONG, icmp + 16, target.low());
        m.set(ValueLayout.JAVA_BYTE, icmp + 24, (byte) Icmp6.OPTION_TARGET_LLA);
        m.set(ValueLayout.JAVA_BYTE, icmp + 25, (byte) 1);
        Icmp6.writeMac(m, icmp + 26, lla);
        Icmp6.writeChecksum(m, pool.data(b) + 14, 32);
        return b;
    }

    @Test
    void advertisementsAreLearnedAndUpdateTheCache() {
        assertEquals(dropped(Ip6LocalNode.ADVERT_LEARNED), local(advertisement(PEER, 0x02_00_00_00_00_AAL)));
        assertEquals(0x02_00_00_00_00_AAL, tables.neighbours.lookup(0, PEER.high(), PEER.low()));
        assertEquals(dropped(Ip6LocalNode.ADVERT_LEARNED), local(advertisement(PEER, 0x02_00_00_00_00_BBL)));
        assertEquals(0x02_00_00_00_00_BBL, tables.neighbours.lookup(0, PEER.high(), PEER.low()), "the newer MAC wins");
        assertEquals(-1, tables.neighbours.lookup(1, PEER.high(), PEER.low()), "per interface");
    }

    @Test
    void unsolicitedAdvertisementsOnlyRefreshAndOursFromAnotherMacAreAConflict() {
        int b = advertisement(PEER, 0x02_00_00_00_00_AAL);
        long icmp = icmp(b);
        m.set(ValueLayout.JAVA_BYTE, icmp + 4, (byte) Icmp6.NA_OVERRIDE); // unsolicited
        Icmp6.writeChecksum(m, pool.data(b) + 14, 32);
        assertEquals(dropped(Ip6LocalNode.ADVERT_LEARNED), local(b));
        assertEquals(-1, tables.neighbours.lookup(0, PEER.high(), PEER.low()), "an unknown neighbour is not made");
        local(advertisement(PEER, 0x02_00_00_00_00_AAL)); // solicited: learned
        b = advertisement(PEER, 0x02_00_00_00_00_CCL);
        m.set(ValueLayout.JAVA_BYTE, icmp(b) + 4, (byte) Icmp6.NA_OVERRIDE);
        Icmp6.writeChecksum(m, pool.data(b) + 14, 32);
        local(b);
        assertEquals(0x02_00_00_00_00_CCL, tables.neighbours.lookup(0, PEER.high(), PEER.low()), "a known one is refreshed");
        assertEquals(dropped(Ip6LocalNode.CONFLICT), local(advertisement(OURS, 0x02_00_00_00_00_DDL)));
        assertEquals(-1, tables.neighbours.lookup(0, OURS.high(), OURS.low()));
    }

    private int toPeer() {
        int b = frame(OURS.high(), 0x5, PEER.high(), PEER.low(), 64, 8);
        pool.txInterface(b, 0);
        pool.adjacency(b, 2); // the connected adjacency: the destination itself is the next hop
        return b;
    }

    @Test
    void packetsToAnUnknownNextHopWaitWhileItIsSolicited() {
        Ip6NdNode nd = ctx.ready(new Ip6NdNode(vrfs));
        PacketVector v = new PacketVector();
        int first = toPeer();
        v.add(first);
        nd.process(v, ctx);
        assertEquals(2, v.count(), "the packet held, a solicitation added");
        assertEquals(PacketVector.TAKEN, v.verdict(0));
        assertEquals(Ip6NdNode.OUTPUT, v.verdict(1));
        int ns = v.buffer(1);
        long f = pool.data(ns), ip = f + 14, icmp = ip + 40;
        assertEquals(Ipv6.multicastMac(Ipv6.solicitedNodeLow(PEER.low())), Ethernet.destination(m, f));
        assertEquals(Ipv6.SOLICITED_NODE_HIGH, Ipv6.destinationHigh(m, ip));
        assertEquals(Ipv6.solicitedNodeLow(PEER.low()), Ipv6.destinationLow(m, ip));
        assertEquals(OURS.low(), Ipv6.sourceLow(m, ip), "from our address on that link");
        assertEquals(255, Ipv6.hopLimit(m, ip));
        assertEquals(Icmp6.NEIGHBOUR_SOLICITATION, Icmp6.type(m, icmp));
        assertEquals(PEER.low(), m.get(Icmp6.NET_LONG, icmp + 16));
        assertEquals(OUR_MAC, Icmp6.linkLayerOption(m, icmp + 24, icmp + 32, Icmp6.OPTION_SOURCE_LLA));
        assertEquals(0xFFFF, Ipv6.upperLayerSum(m, ip, Ipv6.NEXT_ICMP6, 32));

        ctx.now += 50_000_000;
        PacketVector again = new PacketVector();
        again.add(toPeer());
        nd.process(again, ctx);
        assertEquals(1, again.count(), "held, not solicited again within 100 ms");
        assertEquals(PacketVector.TAKEN, again.verdict(0));

        // Nothing known yet: a tick lets nothing out.
        PacketVector out = new PacketVector();
        nd.tick(out, ctx);
        assertEquals(0, out.count());
        // The advertisement came: the next tick releases both, in to ip6-rewrite.
        tables.neighbours.learn(0, PEER.high(), PEER.low(), PEER_MAC, ctx.now);
        nd.tick(out, ctx);
        assertEquals(2, out.count());
        assertEquals(Ip6NdNode.REWRITE, out.verdict(0));
        assertEquals(Ip6NdNode.REWRITE, out.verdict(1));
        assertTrue(out.buffer(0) == first || out.buffer(1) == first);
    }

    @Test
    void leavingTheGraphHandsResolvedPacketsOnAndDropsTheOthers() {
        Ip6NdNode nd = ctx.ready(new Ip6NdNode(vrfs));
        PacketVector v = new PacketVector();
        v.add(toPeer());
        int other = frame(OURS.high(), 0x5, PEER.high(), PEER.low() + 1, 64, 8);
        pool.txInterface(other, 0);
        pool.adjacency(other, 2);
        v.add(other);
        nd.process(v, ctx);
        tables.neighbours.learn(0, PEER.high(), PEER.low(), PEER_MAC, ctx.now); // only the first is answered
        PacketVector out = new PacketVector();
        nd.release(out, ctx);
        assertEquals(2, out.count());
        int rewrite = out.buffer(0) == other ? 1 : 0;
        assertEquals(Ip6NdNode.REWRITE, out.verdict(rewrite));
        assertEquals(Ip6NdNode.LEFT_UNRESOLVED, PacketVector.dropReason(out.verdict(1 - rewrite)));
        out.clear();
        nd.release(out, ctx);
        assertEquals(0, out.count(), "nothing held any more");
    }

    @Test
    void anUnsolicitedAdvertisementAnnouncesAnAddressThatCameUp() {
        Ip6NdNode nd = ctx.ready(new Ip6NdNode(vrfs));
        vrfs.announcements.announce6(0, OURS.high(), OURS.low());
        ctx.now = System.nanoTime(); // announcements are due from when they are made, on the system clock
        PacketVector out = new PacketVector();
        nd.tick(out, ctx);
        assertEquals(1, out.count());
        assertEquals(Ip6NdNode.OUTPUT, out.verdict(0));
        int na = out.buffer(0);
        long f = pool.data(na), ip = f + 14, icmp = ip + 40;
        assertEquals(Ipv6.multicastMac(Ipv6.ALL_NODES_LOW), Ethernet.destination(m, f));
        assertEquals(OUR_MAC, Ethernet.source(m, f));
        assertEquals(Ipv6.ALL_NODES_HIGH, Ipv6.destinationHigh(m, ip));
        assertEquals(OURS.low(), Ipv6.sourceLow(m, ip));
        assertEquals(255, Ipv6.hopLimit(m, ip));
        assertEquals(Icmp6.NEIGHBOUR_ADVERTISEMENT, Icmp6.type(m, icmp));
        assertEquals(Icmp6.NA_ROUTER | Icmp6.NA_OVERRIDE, m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, icmp + 4) & 0xFF,
                "router and override, not solicited");
        assertEquals(OURS.low(), m.get(Icmp6.NET_LONG, icmp + 16));
        assertEquals(OUR_MAC, Icmp6.linkLayerOption(m, icmp + 24, icmp + 32, Icmp6.OPTION_TARGET_LLA));
        assertEquals(0xFFFF, Ipv6.upperLayerSum(m, ip, Ipv6.NEXT_ICMP6, 32));
        out.clear();
        nd.tick(out, ctx);
        assertEquals(0, out.count(), "the repeat waits a second");
        ctx.now += Announcements.INTERVAL_NS;
        nd.tick(out, ctx);
        assertEquals(1, out.count(), "then goes");
    }

    @Test
    void heldPacketsAreDroppedWhenNoAnswerComes() {
        Ip6NdNode nd = ctx.ready(new Ip6NdNode(vrfs));
        PacketVector v = new PacketVector();
        v.add(toPeer());
        nd.process(v, ctx);
        ctx.now += 1_100_000_000L;
        PacketVector out = new PacketVector();
        nd.tick(out, ctx);
        assertEquals(1, out.count(), "asked again after a second");
        assertEquals(Ip6NdNode.OUTPUT, out.verdict(0));
        out.clear();
        ctx.now += 2_000_000_000L;
        nd.tick(out, ctx);
        assertEquals(1, out.count());
        assertTrue(PacketVector.isDrop(out.verdict(0)));
        assertEquals(Ip6NdNode.UNRESOLVED, PacketVector.dropReason(out.verdict(0)));
        out.clear();
        nd.tick(out, ctx);
        assertEquals(0, out.count(), "gone from the queue");
    }

    @Test
    void neighboursNotHeardFromExpireAndCanBeLearnedAgain() {
        tables.neighbours.learn(0, PEER.high(), PEER.low(), PEER_MAC, 1_000);
        tables.neighbours.learn(0, OURS.high(), 0x77, PEER_MAC + 1, 5_000);
        assertEquals(1, tables.neighbours.expire(2_000), "only the one older than the cutoff");
        assertEquals(-1, tables.neighbours.lookup(0, PEER.high(), PEER.low()));
        assertEquals(PEER_MAC + 1, tables.neighbours.lookup(0, OURS.high(), 0x77));
        tables.neighbours.learn(0, PEER.high(), PEER.low(), PEER_MAC, 6_000);
        assertEquals(PEER_MAC, tables.neighbours.lookup(0, PEER.high(), PEER.low()), "learned again in place");
        dev.junction.routing.internal.NeighbourTable v4 = new dev.junction.routing.internal.NeighbourTable();
        v4.learn(0, 0x0A00_0001, PEER_MAC, 1_000);
        assertEquals(1, v4.expire(2_000));
        assertEquals(-1, v4.lookup(0, 0x0A00_0001));
        v4.learn(0, 0x0A00_0001, PEER_MAC, 3_000);
        assertEquals(PEER_MAC, v4.lookup(0, 0x0A00_0001));
    }

    @Test
    void anEchoRequestBecomesItsReply() {
        int b = frame(PEER.high(), PEER.low(), OURS.high(), OURS.low(), 60, 16);
        long icmp = icmp(b);
        m.set(ValueLayout.JAVA_BYTE, icmp, (byte) Icmp6.ECHO_REQUEST);
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, icmp + 8, 0x1122334455667788L);
        Icmp6.writeChecksum(m, pool.data(b) + 14, 16);
        assertEquals(Ip6LocalNode.LOOKUP, local(b));
        long ip = pool.data(b) + 14;
        assertEquals(Icmp6.ECHO_REPLY, Icmp6.type(m, icmp));
        assertEquals(OURS.low(), Ipv6.sourceLow(m, ip));
        assertEquals(PEER.low(), Ipv6.destinationLow(m, ip));
        assertEquals(0x1122334455667788L, m.get(ValueLayout.JAVA_LONG_UNALIGNED, icmp + 8), "payload kept");
        assertTrue(Ipv6.upperLayerSum(m, ip, Ipv6.NEXT_ICMP6, 16) == 0xFFFF, "checksum");
    }
}
