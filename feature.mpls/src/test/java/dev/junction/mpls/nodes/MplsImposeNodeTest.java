package dev.junction.mpls.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.mpls.tables.FtnEntry;
import dev.junction.mpls.tables.MplsHeader;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketVector;
import java.util.List;
import org.junit.jupiter.api.Test;

class MplsImposeNodeTest {
    final Fixture fx = new Fixture();
    final TestContext ctx = new TestContext(512);
    final MplsFrames frames = new MplsFrames(ctx.pool);
    final MplsImposeNode node = ctx.ready(new MplsImposeNode(fx.tables));
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

    private int index(String name) {
        return fx.tables.ftns.entries().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow().slot();
    }

    @Test
    void pushesAStackUniformlyWithTcCopiedAndRegistersTheSteering() {
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2", "100/200", true, FtnEntry.TC_COPY);
        assertEquals(List.of("default 10.2.0.0/16 " + index("f")), fx.steered);
        int b = frames.steered(4, 64, 0xb8, index("f")); // DSCP EF: TC 5
        int len = ctx.pool.length(b);
        assertEquals(MplsImposeNode.OUTPUT, run(b));
        assertEquals(len + 8, ctx.pool.length(b));
        assertEquals(Ethernet.TYPE_MPLS, frames.etherType(b));
        assertEquals(MplsHeader.make(100, 5, false, 63), frames.word(b, 0));
        assertEquals(MplsHeader.make(200, 5, true, 63), frames.word(b, 1));
        long ip = frames.ipAt(b, 2);
        assertEquals(63, Ipv4.ttl(frames.memory(), ip));
        assertTrue(Ipv4.checksumOk(frames.memory(), ip, 20));
        assertEquals(Fixture.MAC1, frames.dstMac(b));
        assertEquals(1, ctx.pool.txInterface(b));
        assertEquals(14, ctx.pool.l3Offset(b));
        assertEquals(1, fx.control.ftns().get(0).packets());
        assertEquals(28, fx.control.ftns().get(0).bytes());
    }

    @Test
    void pipeModeSetsTtl255AndTheGivenTc() {
        fx.control.putFtn("f", null, "2001:db8::/32", "10.0.2.2", "100", false, 3);
        int b = frames.steered(6, 10, 0xb8, index("f"));
        assertEquals(MplsImposeNode.OUTPUT, run(b));
        assertEquals(MplsHeader.make(100, 3, true, 255), frames.word(b, 0));
        assertEquals(9, Ipv6.hopLimit(frames.memory(), frames.ipAt(b, 1)));
        assertEquals(2, ctx.pool.txInterface(b));
    }

    @Test
    void implicitNullForwardsUnlabelled() {
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2", "implicit-null", true, FtnEntry.TC_COPY);
        int b = frames.steered(4, 64, 0, index("f"));
        assertEquals(MplsImposeNode.OUTPUT, run(b));
        assertEquals(Ethernet.TYPE_IPV4, frames.etherType(b));
        assertEquals(63, Ipv4.ttl(frames.memory(), frames.ipAt(b, 0)));
        assertEquals(1, ctx.counted[MplsImposeNode.C_UNLABELLED]);
    }

    @Test
    void dropsByReason() {
        assertEquals(dropped(MplsImposeNode.NO_ENTRY), run(frames.steered(4, 64, 0, 77)));
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2", "100", true, FtnEntry.TC_COPY);
        assertEquals(dropped(MplsImposeNode.TTL_EXPIRED), run(frames.steered(4, 1, 0, index("f"))));
        int bad = frames.steered(4, 64, 0, index("f"));
        ctx.pool.length(bad, 14 + 10);
        assertEquals(dropped(MplsImposeNode.NOT_IP), run(bad));
        fx.control.putFtn("g", null, "10.3.0.0/16", "10.0.9.2", "100", true, FtnEntry.TC_COPY);
        assertEquals(dropped(MplsImposeNode.UNRESOLVED), run(frames.steered(4, 64, 0, index("g"))));
        assertTrue(fx.control.removeFtn("f"));
        assertEquals(List.of("default 10.3.0.0/16 " + index("g")), fx.steered);
    }

    @Test
    void ecmpKeepsAFlowOnOnePath() {
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2,10.0.2.2", "100,200", true, FtnEntry.TC_COPY);
        int b1 = frames.steered(4, 64, 0, index("f"));
        int b2 = frames.steered(4, 64, 0, index("f"));
        assertEquals(MplsImposeNode.OUTPUT, run(b1));
        assertEquals(MplsImposeNode.OUTPUT, run(b2));
        assertEquals(ctx.pool.txInterface(b1), ctx.pool.txInterface(b2));
    }

    @Test
    void theFlatImpositionFollowsEveryChangeOfItsEntry() {
        // One label towards one next hop is read from the table's fast words: each change of the
        // entry must show on the next packet, within one vector too.
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2", "100", true, FtnEntry.TC_COPY);
        int b = frames.steered(4, 64, 0, index("f"));
        assertEquals(MplsImposeNode.OUTPUT, run(b));
        assertEquals(MplsHeader.make(100, 0, true, 63), frames.word(b, 0));
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.2.2", "101", false, 6);
        b = frames.steered(4, 64, 0, index("f"));
        assertEquals(MplsImposeNode.OUTPUT, run(b));
        assertEquals(MplsHeader.make(101, 6, true, 255), frames.word(b, 0));
        assertEquals(Fixture.MAC2, frames.dstMac(b));
        assertEquals(2, ctx.pool.txInterface(b));
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2", "102/103", true, FtnEntry.TC_COPY);
        b = frames.steered(4, 64, 0, index("f"));
        int len = ctx.pool.length(b);
        assertEquals(MplsImposeNode.OUTPUT, run(b));
        assertEquals(len + 8, ctx.pool.length(b));
        assertEquals(102, MplsHeader.label(frames.word(b, 0)));
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.9.2", "104", true, FtnEntry.TC_COPY); // no neighbour
        assertEquals(dropped(MplsImposeNode.UNRESOLVED), run(frames.steered(4, 64, 0, index("f"))));
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2", "105", true, FtnEntry.TC_COPY);
        int slot = index("f");
        v.clear();
        int a = frames.steered(4, 64, 0, slot), c = frames.steered(4, 1, 0, slot), d = frames.steered(4, 64, 0, slot + 1);
        v.add(a);
        v.add(c);
        v.add(d);
        node.process(v, ctx);
        assertEquals(MplsImposeNode.OUTPUT, v.verdict(0));
        assertEquals(105, MplsHeader.label(frames.word(a, 0)));
        assertEquals(dropped(MplsImposeNode.TTL_EXPIRED), v.verdict(1));
        assertEquals(dropped(MplsImposeNode.NO_ENTRY), v.verdict(2));
        assertTrue(fx.control.removeFtn("f"));
        assertEquals(dropped(MplsImposeNode.NO_ENTRY), run(frames.steered(4, 64, 0, slot)));
        assertEquals(4, ctx.counted[MplsImposeNode.C_IMPOSED]);
    }

    /** Runs {@code b} alone; returns the ICMP error appended for ip4-lookup, or -1. */
    private int errorFor(int b) {
        v.clear();
        v.add(b);
        node.process(v, ctx);
        if (v.count() == 1) {
            return -1;
        }
        assertEquals(2, v.count());
        assertEquals(MplsImposeNode.IP4_LOOKUP, v.verdict(1));
        return v.buffer(1);
    }

    private void checkError(int e, int type, int code, int word2, byte[] quote) {
        var m = frames.memory();
        long ip = ctx.pool.data(e) + ctx.pool.l3Offset(e);
        assertEquals(Ethernet.TYPE_IPV4, m.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                ctx.pool.data(e) + 12));
        assertEquals(Ipv4.PROTO_ICMP, Ipv4.protocol(m, ip));
        assertEquals(Ipv4.parse("10.0.0.1"), Ipv4.source(m, ip), "from the receiving interface's address");
        assertEquals(Ipv4.parse("10.1.0.2"), Ipv4.destination(m, ip), "to the packet's source");
        assertTrue(Ipv4.checksumOk(m, ip, 20));
        int icmpLen = ctx.pool.length(e) - 14 - 20;
        assertEquals(8 + quote.length, icmpLen);
        assertEquals(0xFFFF, Ipv4.sum(m, ip + 20, icmpLen), "the ICMP checksum");
        assertEquals(type, m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, ip + 20) & 0xFF);
        assertEquals(code, m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, ip + 21) & 0xFF);
        assertEquals(word2, MplsHeader.word(m, ip + 24));
        byte[] got = new byte[quote.length];
        java.lang.foreign.MemorySegment.copy(m, java.lang.foreign.ValueLayout.JAVA_BYTE, ip + 28, got, 0, got.length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(quote, got, "the packet quoted as it arrived");
    }

    private byte[] quote(int b, int n) {
        byte[] q = new byte[n];
        java.lang.foreign.MemorySegment.copy(frames.memory(), java.lang.foreign.ValueLayout.JAVA_BYTE,
                ctx.pool.data(b) + ctx.pool.l3Offset(b), q, 0, n);
        return q;
    }

    @Test
    void tooBigWithDfIsAnsweredWithFragmentationNeededCarryingTheMtuLeftForIp() {
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2", "100/200", true, FtnEntry.TC_COPY);
        fx.control.resolveAll(); // the interfaces' addresses, ICMP's source
        int b = frames.steered(4, 64, 0, index("f"));
        ctx.pool.rxInterface(b, 0);
        ctx.pool.length(b, 14 + 1496); // fits 1500 as IP, not with 8 bytes of labels
        long ip = ctx.pool.data(b) + 14;
        var m = frames.memory();
        m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, ip + 6, (byte) 0x40); // DF
        Ipv4.updateChecksum(m, ip);
        byte[] q = quote(b, MplsImposeNode.QUOTE);
        int e = errorFor(b);
        assertEquals(dropped(MplsImposeNode.TOO_BIG), v.verdict(0));
        checkError(e, 3, 4, 1492, q);
        assertEquals(1, ctx.counted[MplsImposeNode.C_FRAG_NEEDED]);

        int n = frames.steered(4, 64, 0, index("f")); // no DF: dropped and counted, no answer
        ctx.pool.rxInterface(n, 0);
        ctx.pool.length(n, 14 + 1496);
        assertEquals(-1, errorFor(n));
        assertEquals(dropped(MplsImposeNode.TOO_BIG), v.verdict(0));
        assertEquals(1, ctx.counted[MplsImposeNode.C_FRAG_NEEDED]);
    }

    @Test
    void anExpiringTtlIsAnsweredWithTimeExceededButAnIcmpErrorIsNot() {
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2", "100", true, FtnEntry.TC_COPY);
        fx.control.resolveAll();
        int b = frames.steered(4, 1, 0, index("f"));
        ctx.pool.rxInterface(b, 0);
        byte[] q = quote(b, ctx.pool.length(b) - 14);
        int e = errorFor(b);
        assertEquals(dropped(MplsImposeNode.TTL_EXPIRED), v.verdict(0));
        checkError(e, 11, 0, 0, q);
        assertEquals(1, ctx.counted[MplsImposeNode.C_TIME_EXCEEDED]);

        int x = frames.steered(4, 1, 0, index("f"));
        ctx.pool.rxInterface(x, 0);
        long ip = ctx.pool.data(x) + 14;
        var m = frames.memory();
        m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, ip + 9, (byte) Ipv4.PROTO_ICMP);
        m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, ip + 20, (byte) 11); // itself a time exceeded
        Ipv4.updateChecksum(m, ip);
        assertEquals(-1, errorFor(x));
        assertEquals(dropped(MplsImposeNode.TTL_EXPIRED), v.verdict(0));
        assertEquals(1, ctx.counted[MplsImposeNode.C_TIME_EXCEEDED]);
    }
}
