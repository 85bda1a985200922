package dev.junction.mpls.nodes;

import static dev.junction.mpls.nodes.MplsFrames.bos;
import static dev.junction.mpls.nodes.MplsFrames.mid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.mpls.tables.MplsHeader;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketVector;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MplsLookupNodeTest {
    final Fixture fx = new Fixture();
    final TestContext ctx = new TestContext(512);
    final MplsFrames frames = new MplsFrames(ctx.pool);
    final MplsLookupNode node = ctx.ready(new MplsLookupNode(fx.tables));
    final PacketVector v = new PacketVector();

    private int run(int b) {
        v.clear();
        v.add(b);
        node.process(v, ctx);
        return v.verdict(0);
    }

    private static int dropped(int reason) {
        PacketVector p = new PacketVector();
        p.add(0);
        p.drop(0, reason);
        return p.verdict(0);
    }

    @Test
    void swapsTheLabelDecrementsTtlAndWritesTheNeighbour() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "200", null, true);
        int b = frames.frame(new int[] {MplsHeader.make(100, 5, true, 64)}, 4, 60, 0);
        int len = ctx.pool.length(b);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        int w = frames.word(b, 0);
        assertEquals(200, MplsHeader.label(w));
        assertEquals(63, MplsHeader.ttl(w));
        assertEquals(5, MplsHeader.tc(w));
        assertTrue(MplsHeader.bottom(w));
        assertEquals(Fixture.MAC1, frames.dstMac(b));
        assertEquals(0x02_00_00_00_00_02L, frames.srcMac(b));
        assertEquals(Ethernet.TYPE_MPLS, frames.etherType(b));
        assertEquals(1, ctx.pool.txInterface(b));
        assertEquals(len, ctx.pool.length(b));
        assertEquals(60, Ipv4.ttl(frames.memory(), frames.ipAt(b, 1)), "the IP header is not touched");
        assertEquals(1, ctx.counted[MplsLookupNode.C_SWAPPED]);
        assertEquals(1, fx.control.labels().get(0).packets());
        assertEquals(len, fx.control.labels().get(0).bytes());
    }

    @Test
    void swapsToAStackOfThreeUnderWhichTheRestStays() {
        fx.control.putLabel("a", 100, "swap", "10.0.2.2", "300/301/302", null, true);
        int b = frames.frame(new int[] {mid(100, 9), bos(555, 77)}, 4, 60, 0);
        int len = ctx.pool.length(b);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(len + 8, ctx.pool.length(b));
        assertEquals(300, MplsHeader.label(frames.word(b, 0)));
        assertEquals(301, MplsHeader.label(frames.word(b, 1)));
        assertEquals(302, MplsHeader.label(frames.word(b, 2)));
        assertFalse(MplsHeader.bottom(frames.word(b, 2)));
        assertEquals(8, MplsHeader.ttl(frames.word(b, 2)));
        assertEquals(bos(555, 77), frames.word(b, 3));
        assertEquals(Fixture.MAC2, frames.dstMac(b));
        assertEquals(2, ctx.pool.txInterface(b));
    }

    @Test
    void phpPopsTheLastLabelAndSendsIpWithTheTtlCopiedInUniformMode() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "implicit-null", null, true);
        int b = frames.frame(new int[] {bos(100, 30)}, 4, 60, 0);
        int len = ctx.pool.length(b);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(len - 4, ctx.pool.length(b));
        assertEquals(Ethernet.TYPE_IPV4, frames.etherType(b));
        long ip = frames.ipAt(b, 0);
        assertEquals(29, Ipv4.ttl(frames.memory(), ip));
        assertTrue(Ipv4.checksumOk(frames.memory(), ip, 20));
        assertEquals(1, ctx.counted[MplsLookupNode.C_POPPED]);
    }

    @Test
    void phpNeverRaisesTheIpTtl() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "implicit-null", null, true);
        int b = frames.frame(new int[] {bos(100, 255)}, 4, 20, 0);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(20, Ipv4.ttl(frames.memory(), frames.ipAt(b, 0)));
        assertTrue(Ipv4.checksumOk(frames.memory(), frames.ipAt(b, 0), 20));
    }

    @Test
    void popInPipeModeLeavesTheIpTtl() {
        fx.control.putLabel("a", 100, "pop", "10.0.1.2", null, null, false);
        int b = frames.frame(new int[] {bos(100, 30)}, 6, 60, 0);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(Ethernet.TYPE_IPV6, frames.etherType(b));
        assertEquals(60, Ipv6.hopLimit(frames.memory(), frames.ipAt(b, 0)));
    }

    @Test
    void popWithLabelsLeftSendsMplsWithTheDecrementedTtlOnTheNewTop() {
        fx.control.putLabel("a", 100, "pop", "10.0.1.2", null, null, true);
        int b = frames.frame(new int[] {mid(100, 30), bos(700, 255)}, 4, 60, 0);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(Ethernet.TYPE_MPLS, frames.etherType(b));
        assertEquals(bos(700, 29), frames.word(b, 0));
    }

    @Test
    void popLookupHandsThePayloadToIpLookupInTheVrf() {
        fx.control.putLabel("v", 100, "pop-lookup", null, null, "blue", true);
        int b = frames.frame(new int[] {bos(100, 20)}, 4, 60, 0);
        int len = ctx.pool.length(b);
        assertEquals(MplsLookupNode.IP4_LOOKUP, run(b));
        assertEquals(5, ctx.pool.vrf(b));
        assertEquals(len - 4, ctx.pool.length(b));
        assertEquals(14, ctx.pool.l3Offset(b));
        assertEquals(Ethernet.TYPE_IPV4, frames.etherType(b));
        assertEquals(20, Ipv4.ttl(frames.memory(), frames.ipAt(b, 0)), "uniform: the label's TTL");
        assertTrue(Ipv4.checksumOk(frames.memory(), frames.ipAt(b, 0), 20));
        int b6 = frames.frame(new int[] {bos(100, 20)}, 6, 60, 0);
        assertEquals(MplsLookupNode.IP6_LOOKUP, run(b6));
        assertEquals(Ethernet.TYPE_IPV6, frames.etherType(b6));
        assertEquals(20, Ipv6.hopLimit(frames.memory(), frames.ipAt(b6, 0)));
    }

    @Test
    void popLookupChecksTheIpHeaderAsIpInputWouldAndTrimsPadding() {
        fx.control.putLabel("v", 100, "pop-lookup", null, null, null, true);
        int padded = frames.frame(new int[] {bos(100, 20)}, 4, 60, 0);
        ctx.pool.length(padded, ctx.pool.length(padded) + 18); // Ethernet padding after the packet
        assertEquals(MplsLookupNode.IP4_LOOKUP, run(padded));
        assertEquals(14 + 28, ctx.pool.length(padded));
        int badSum = frames.frame(new int[] {bos(100, 20)}, 4, 60, 0);
        frames.memory().set(java.lang.foreign.ValueLayout.JAVA_BYTE, frames.ipAt(badSum, 1) + 10, (byte) 0x55);
        assertEquals(dropped(MplsLookupNode.BAD_PAYLOAD), run(badSum));
        int longer = frames.frame(new int[] {bos(100, 20)}, 6, 60, 0);
        ctx.pool.length(longer, ctx.pool.length(longer) - 1); // payload length beyond the frame
        assertEquals(dropped(MplsLookupNode.BAD_PAYLOAD), run(longer));
    }

    @Test
    void popLookupInPipeModeKeepsTheIpTtl() {
        fx.control.putLabel("v", 100, "pop-lookup", null, null, "blue", false);
        int b = frames.frame(new int[] {bos(100, 20)}, 4, 60, 0);
        assertEquals(MplsLookupNode.IP4_LOOKUP, run(b));
        assertEquals(60, Ipv4.ttl(frames.memory(), frames.ipAt(b, 0)));
    }

    @Test
    void popContinueLooksUpTheNextLabel() {
        fx.control.putLabel("outer", 100, "pop-continue", null, null, null, true);
        fx.control.putLabel("inner", 200, "swap", "10.0.1.2", "201", null, true);
        int b = frames.frame(new int[] {mid(100, 50), bos(200, 99)}, 4, 60, 0);
        int len = ctx.pool.length(b);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(len - 4, ctx.pool.length(b));
        assertEquals(bos(201, 49), frames.word(b, 0), "one hop: the outer label's TTL, decremented once");
    }

    @Test
    void explicitNullAtTheBottomGoesToTheLookupOfItsFamily() {
        int b = frames.frame(new int[] {bos(MplsHeader.IPV4_EXPLICIT_NULL, 9)}, 4, 60, 0);
        assertEquals(MplsLookupNode.IP4_LOOKUP, run(b));
        assertEquals(0, ctx.pool.vrf(b));
        assertEquals(9, Ipv4.ttl(frames.memory(), frames.ipAt(b, 0)));
        int b6 = frames.frame(new int[] {bos(MplsHeader.IPV6_EXPLICIT_NULL, 9)}, 6, 60, 0);
        assertEquals(MplsLookupNode.IP6_LOOKUP, run(b6));
        int wrong = frames.frame(new int[] {bos(MplsHeader.IPV4_EXPLICIT_NULL, 9)}, 6, 60, 0);
        assertEquals(dropped(MplsLookupNode.BAD_PAYLOAD), run(wrong));
        assertEquals(2, ctx.counted[MplsLookupNode.C_EXPLICIT_NULL]);
        fx.control.resolveAll(); // publishes the interfaces' VRFs: j2 is in blue
        int onBlue = frames.frame(new int[] {bos(MplsHeader.IPV4_EXPLICIT_NULL, 9)}, 4, 60, 0);
        ctx.pool.rxInterface(onBlue, 2);
        assertEquals(MplsLookupNode.IP4_LOOKUP, run(onBlue));
        assertEquals(5, ctx.pool.vrf(onBlue), "looked up in the receiving interface's VRF");
    }

    @Test
    void explicitNullOnTopOfALabelIsPoppedAndTheNextLabelDecides() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "200", null, true);
        int b = frames.frame(new int[] {mid(0, 40), bos(100, 64)}, 4, 60, 0);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(bos(200, 39), frames.word(b, 0));
    }

    @Test
    void swapToExplicitNullPushesIt() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "0", null, true);
        int b = frames.frame(new int[] {bos(100, 64)}, 4, 60, 0);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(bos(0, 63), frames.word(b, 0));
    }

    @Test
    void ecmpSpreadsFlowsOverEveryPathAndKeepsAFlowOnOne() {
        fx.control.putLabel("e", 100, "swap", "10.0.1.2,10.0.2.2", "201,202", null, true);
        Set<Integer> seen = new HashSet<>();
        for (int flow = 0; flow < 64; flow++) {
            int first = -1;
            for (int rep = 0; rep < 3; rep++) {
                int b = frames.frame(new int[] {mid(100, 64), bos(1000 + flow, 64)}, 4, 60, 0);
                assertEquals(MplsLookupNode.OUTPUT, run(b));
                int tx = ctx.pool.txInterface(b);
                assertEquals(tx == 1 ? 201 : 202, MplsHeader.label(frames.word(b, 0)));
                if (first < 0) {
                    first = tx;
                }
                assertEquals(first, tx, "one flow, one path");
                seen.add(tx);
                ctx.pool.free(b);
            }
        }
        assertEquals(Set.of(1, 2), seen);
    }

    @Test
    void ttlOneExpiresAndIsCounted() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "200", null, true);
        assertEquals(dropped(MplsLookupNode.TTL_EXPIRED), run(frames.frame(new int[] {bos(100, 1)}, 4, 60, 0)));
        assertEquals(dropped(MplsLookupNode.TTL_EXPIRED), run(frames.frame(new int[] {bos(100, 0)}, 4, 60, 0)));
    }

    @Test
    void anExpiredLabelIsAnsweredWithTimeExceededCarryingTheStack() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "200", null, true);
        fx.control.resolveAll();
        int[] stack = {mid(100, 1), bos(555, 7)};
        int b = frames.frame(stack, 4, 60, 0);
        v.clear();
        v.add(b);
        node.process(v, ctx);
        assertEquals(dropped(MplsLookupNode.TTL_EXPIRED), v.verdict(0));
        assertEquals(2, v.count(), "the ICMP error is appended");
        assertEquals(MplsLookupNode.IP4_LOOKUP, v.verdict(1));
        int e = v.buffer(1);
        java.lang.foreign.MemorySegment m = frames.memory();
        long ip = ctx.pool.data(e) + 14;
        assertEquals(Ethernet.TYPE_IPV4, frames.etherType(e));
        assertEquals(Ipv4.parse("10.0.0.1"), Ipv4.source(m, ip), "from the receiving interface's address");
        assertEquals(Ipv4.parse("10.1.0.2"), Ipv4.destination(m, ip), "to the packet's source");
        assertEquals(Ipv4.PROTO_ICMP, Ipv4.protocol(m, ip));
        assertTrue(Ipv4.checksumOk(m, ip, 20));
        long icmp = ip + 20;
        int icmpLen = 8 + 128 + 4 + 4 + 8;
        assertEquals(20 + icmpLen, Ipv4.totalLength(m, ip));
        assertEquals(14 + 20 + icmpLen, ctx.pool.length(e));
        assertEquals(11, m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, icmp));
        assertEquals(32, m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, icmp + 5), "RFC 4884 length: 128 bytes");
        assertEquals(0xFFFF, Ipv4.sum(m, icmp, icmpLen), "ICMP checksum");
        assertEquals(Ipv4.parse("10.2.0.2"), Ipv4.destination(m, icmp + 8), "the original datagram quoted");
        long ext = icmp + 8 + 128;
        assertEquals(0x20, m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, ext) & 0xFF, "extension version 2");
        assertEquals(0xFFFF, Ipv4.sum(m, ext, 16), "extension checksum");
        assertEquals(12 << 16 | 1 << 8 | 1, MplsHeader.word(m, ext + 4), "MPLS label stack object, 12 bytes");
        assertEquals(stack[0], MplsHeader.word(m, ext + 8));
        assertEquals(stack[1], MplsHeader.word(m, ext + 12));
        assertEquals(1, ctx.counted[MplsLookupNode.C_ICMP]);
        ctx.pool.rxInterface(b = frames.frame(new int[] {bos(100, 1)}, 6, 60, 0), 0);
        v.clear();
        v.add(b);
        node.process(v, ctx);
        assertEquals(1, v.count(), "no ICMP (v4) for an IPv6 payload");
        b = frames.frame(new int[] {bos(100, 1)}, 4, 60, 0);
        ctx.pool.rxInterface(b, 2);
        v.clear();
        v.add(b);
        node.process(v, ctx);
        assertEquals(1, v.count(), "none from an interface without an address");
    }

    @Test
    void malformedFramesAreDroppedByReason() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "200", null, true);
        int[] nine = new int[9];
        for (int i = 0; i < 9; i++) {
            nine[i] = i == 8 ? bos(100, 64) : mid(100, 64);
        }
        assertEquals(dropped(MplsLookupNode.NO_BOTTOM), run(frames.frame(nine, 4, 60, 0)));
        int noS = frames.frame(new int[] {mid(100, 64)}, 0, 0, 0);
        assertEquals(dropped(MplsLookupNode.TRUNCATED), run(noS));
        int runt = frames.frame(new int[] {bos(100, 64)}, 0, 0, 0);
        ctx.pool.length(runt, 16);
        assertEquals(dropped(MplsLookupNode.TRUNCATED), run(runt));
        for (int reserved : new int[] {1, 3, 7, 13, 15}) {
            assertEquals(dropped(MplsLookupNode.RESERVED), run(frames.frame(new int[] {bos(reserved, 64)}, 4, 60, 0)));
        }
        assertEquals(dropped(MplsLookupNode.NO_ENTRY), run(frames.frame(new int[] {bos(999, 64)}, 4, 60, 0)));
        fx.control.putLabel("v", 300, "pop-lookup", null, null, null, true);
        assertEquals(dropped(MplsLookupNode.NOT_BOTTOM), run(frames.frame(new int[] {mid(300, 64), bos(5, 5)}, 4, 60, 0)));
        int trunc = frames.frame(new int[] {bos(300, 64)}, 4, 60, 0);
        ctx.pool.length(trunc, 14 + 4 + 10);
        assertEquals(dropped(MplsLookupNode.BAD_PAYLOAD), run(trunc));
        fx.control.putLabel("p", 400, "pop", "10.0.1.2", null, null, true);
        assertEquals(dropped(MplsLookupNode.BAD_PAYLOAD), run(frames.frame(new int[] {bos(400, 64)}, 0, 0, 0)));
    }

    @Test
    void anUnresolvedNextHopDropsAndAsksForArp() {
        fx.control.putLabel("a", 100, "swap", "10.0.9.2", "200", null, true);
        assertEquals(dropped(MplsLookupNode.UNRESOLVED), run(frames.frame(new int[] {bos(100, 64)}, 4, 60, 0)));
        fx.control.resolveAll();
        PacketVector out = new PacketVector();
        node.tick(out, ctx);
        assertEquals(1, out.count());
        int b = out.buffer(0);
        assertEquals(MplsLookupNode.OUTPUT, out.verdict(0));
        assertEquals(Ethernet.TYPE_ARP, frames.etherType(b));
        assertEquals(0xFFFF_FFFF_FFFFL, frames.dstMac(b));
        assertEquals(1, ctx.pool.txInterface(b));
        assertEquals(Ipv4.parse("10.0.9.2"), dev.junction.packet.Arp.targetIp(frames.memory(), ctx.pool.data(b) + 14));
        assertEquals(Ipv4.parse("10.0.1.1"), dev.junction.packet.Arp.senderIp(frames.memory(), ctx.pool.data(b) + 14));
        assertEquals(1, ctx.counted[MplsLookupNode.C_ARP]);
        ctx.worker = 1;
        PacketVector none = new PacketVector();
        node.tick(none, ctx);
        assertEquals(0, none.count(), "worker 0 alone asks");
    }

    @Test
    void tooBigForTheMtuAfterThePushIsDropped() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "200/201/202/203", null, true);
        int b = frames.frame(new int[] {bos(100, 64)}, 4, 60, 0);
        ctx.pool.length(b, 14 + 1500);
        assertEquals(dropped(MplsLookupNode.TOO_BIG), run(b));
    }

    @Test
    void aRemovedLabelIsNoLongerSwitched() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "200", null, true);
        assertTrue(fx.control.removeLabel("a"));
        assertEquals(dropped(MplsLookupNode.NO_ENTRY), run(frames.frame(new int[] {bos(100, 64)}, 4, 60, 0)));
        assertEquals(0, fx.control.labels().size());
    }

    @Test
    void theFlatSwapFollowsEveryChangeOfItsEntry() {
        // A one-label swap to one next hop is read from the table's fast words: each change of the
        // entry (label, next hop, a stack that is not flat, removal) must show on the next frame.
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "200", null, true);
        int b = frames.frame(new int[] {bos(100, 64)}, 4, 60, 0);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(200, MplsHeader.label(frames.word(b, 0)));
        fx.control.putLabel("a", 100, "swap", "10.0.2.2", "201", null, true);
        b = frames.frame(new int[] {bos(100, 64)}, 4, 60, 0);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(201, MplsHeader.label(frames.word(b, 0)));
        assertEquals(Fixture.MAC2, frames.dstMac(b));
        assertEquals(2, ctx.pool.txInterface(b));
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "300/301", null, true);
        b = frames.frame(new int[] {bos(100, 64)}, 4, 60, 0);
        int len = ctx.pool.length(b);
        assertEquals(MplsLookupNode.OUTPUT, run(b));
        assertEquals(len + 4, ctx.pool.length(b));
        assertEquals(300, MplsHeader.label(frames.word(b, 0)));
        assertEquals(301, MplsHeader.label(frames.word(b, 1)));
        fx.control.putLabel("a", 100, "swap", "10.0.9.2", "202", null, true); // no neighbour
        assertEquals(dropped(MplsLookupNode.UNRESOLVED), run(frames.frame(new int[] {bos(100, 64)}, 4, 60, 0)));
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "203", null, true);
        assertEquals(dropped(MplsLookupNode.TTL_EXPIRED), run(frames.frame(new int[] {bos(100, 1)}, 4, 60, 0)));
        assertTrue(fx.control.removeLabel("a"));
        assertEquals(dropped(MplsLookupNode.NO_ENTRY), run(frames.frame(new int[] {bos(100, 64)}, 4, 60, 0)));
        assertEquals(3, ctx.counted[MplsLookupNode.C_SWAPPED]);
    }

    @Test
    void aVectorMixingFlatSwapsAndOtherFramesGivesEachItsOwnVerdict() {
        fx.control.putLabel("a", 100, "swap", "10.0.1.2", "200", null, true);
        fx.control.putLabel("b", 101, "swap", "10.0.2.2", "implicit-null", null, true);
        v.clear();
        int[] bufs = {
            frames.frame(new int[] {bos(100, 64)}, 4, 60, 0),
            frames.frame(new int[] {bos(101, 64)}, 4, 60, 0),
            frames.frame(new int[] {bos(999, 64)}, 4, 60, 0),
            frames.frame(new int[] {mid(100, 64), bos(555, 64)}, 4, 60, 0),
            frames.frame(new int[] {bos(100, 64)}, 4, 60, 0),
        };
        for (int x : bufs) {
            v.add(x);
        }
        node.process(v, ctx);
        assertEquals(MplsLookupNode.OUTPUT, v.verdict(0));
        assertEquals(MplsLookupNode.OUTPUT, v.verdict(1));
        assertEquals(Ethernet.TYPE_IPV4, frames.etherType(bufs[1]));
        assertEquals(dropped(MplsLookupNode.NO_ENTRY), v.verdict(2));
        assertEquals(MplsLookupNode.OUTPUT, v.verdict(3));
        assertEquals(200, MplsHeader.label(frames.word(bufs[3], 0)));
        assertFalse(MplsHeader.bottom(frames.word(bufs[3], 0)), "a swap above the bottom keeps the S bit clear");
        assertEquals(MplsLookupNode.OUTPUT, v.verdict(4));
        assertEquals(200, MplsHeader.label(frames.word(bufs[4], 0)));
        assertEquals(3, ctx.counted[MplsLookupNode.C_SWAPPED]);
        assertEquals(1, ctx.counted[MplsLookupNode.C_POPPED]);
        assertEquals(3, fx.control.labels().get(0).packets());
    }
}
