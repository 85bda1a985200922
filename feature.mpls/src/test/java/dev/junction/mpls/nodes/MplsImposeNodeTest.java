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
}
