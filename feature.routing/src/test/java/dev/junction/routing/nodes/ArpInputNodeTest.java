package dev.junction.routing.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.junction.packet.Arp;
import dev.junction.packet.Ethernet;
import dev.junction.packet.MacAddress;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip4Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What arp-input learns, answers and refuses; the router has 10.7.0.1 on interface 0. */
class ArpInputNodeTest {
    private static final int OURS = 0x0A07_0001, HOST = 0x0A07_0002, OTHER = 0x0A07_0003;
    private static final long HOST_MAC = 0x02_00_00_00_07_02L, OTHER_MAC = 0x02_00_00_00_07_03L;
    private final TestContext ctx = new TestContext(256);
    private final PacketPool pool = ctx.pool;
    private final MemorySegment m = ctx.memory;
    private final Vrfs vrfs = new Vrfs();
    private final Ip4Tables tables = vrfs.ip4(0);
    private final ArpInputNode node = new ArpInputNode(vrfs);

    @BeforeEach
    void ourAddressOnInterfaceZero() {
        tables.adjacencies = new Ip4Tables.Adjacencies(new int[] {0, Ip4Tables.LOCAL}, new int[] {-1, 0}, new int[2], new int[0]);
        tables.fib.add(OURS, 32, 1);
    }

    /** Runs one ARP packet through arp-input; returns its verdict (the buffer is freed unless answered). */
    private int arp(int op, long sha, int spa, long tha, int tpa) {
        int b = pool.allocate();
        long f = pool.data(b);
        Ethernet.destination(m, f, op == Arp.REQUEST ? MacAddress.BROADCAST : ctx.mac);
        Ethernet.source(m, f, sha);
        Ethernet.etherType(m, f, Ethernet.TYPE_ARP);
        Arp.write(m, f + 14, op, sha, spa, tha, tpa);
        pool.length(b, 60);
        pool.rxInterface(b, 0);
        PacketVector v = new PacketVector();
        v.add(b);
        node.process(v, ctx);
        int verdict = v.verdict(0);
        if (PacketVector.isDrop(verdict)) {
            pool.free(b);
        }
        return verdict;
    }

    @Test
    void aRequestForOurAddressIsAnsweredAndTeachesItsSender() {
        int before = pool.available();
        assertEquals(0, arp(Arp.REQUEST, HOST_MAC, HOST, 0, OURS));
        assertEquals(HOST_MAC, tables.neighbours.lookup(0, HOST));
        assertEquals(before - 1, pool.available(), "answered in place, in the same buffer");
    }

    @Test
    void aReplyToUsTeachesItsSender() {
        assertEquals(ArpInputNode.REPLY_LEARNED, PacketVector.dropReason(arp(Arp.REPLY, HOST_MAC, HOST, ctx.mac, OURS)));
        assertEquals(HOST_MAC, tables.neighbours.lookup(0, HOST));
    }

    @Test
    void arpBetweenOtherHostsAndGratuitousArpOnlyRefreshWhatIsKnown() {
        assertEquals(ArpInputNode.NOT_FOR_US, PacketVector.dropReason(arp(Arp.REQUEST, OTHER_MAC, OTHER, 0, HOST)));
        assertEquals(-1, tables.neighbours.lookup(0, OTHER), "a request between other hosts makes no entry");
        arp(Arp.REQUEST, OTHER_MAC, OTHER, 0, OTHER); // gratuitous
        assertEquals(-1, tables.neighbours.lookup(0, OTHER), "nor does gratuitous ARP for an unknown host");
        arp(Arp.REQUEST, HOST_MAC, HOST, 0, OURS);
        arp(Arp.REQUEST, 0x02_00_00_00_07_99L, HOST, 0, HOST); // the host moved to another MAC and says so
        assertEquals(0x02_00_00_00_07_99L, tables.neighbours.lookup(0, HOST), "gratuitous ARP updates a known host");
    }

    @Test
    void anotherHostClaimingOurAddressIsAConflictAndNotLearned() {
        assertEquals(ArpInputNode.CONFLICT, PacketVector.dropReason(arp(Arp.REQUEST, OTHER_MAC, OURS, 0, OURS)));
        assertEquals(ArpInputNode.CONFLICT, PacketVector.dropReason(arp(Arp.REPLY, OTHER_MAC, OURS, ctx.mac, HOST)));
        assertEquals(-1, tables.neighbours.lookup(0, OURS));
    }

    @Test
    void malformedArpIsDroppedByReason() {
        int b = pool.allocate();
        pool.length(b, 30);
        pool.rxInterface(b, 0);
        PacketVector v = new PacketVector();
        v.add(b);
        node.process(v, ctx);
        assertEquals(ArpInputNode.MALFORMED, PacketVector.dropReason(v.verdict(0)));
        pool.free(b);
    }
}
