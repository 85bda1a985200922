package dev.junction.routing.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.packet.Arp;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.MacAddress;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Announcements;
import dev.junction.routing.internal.Ip4Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ip4-arp's state machine, by hand: a packet for an unresolved next hop waits while ARP asks (at
 * most once per 100 ms), goes on when the answer comes, is asked for again each second and dropped
 * after 3 s; a full queue turns the packet itself into the request; leaving the graph hands back
 * what is held; and gratuitous ARP for an address that came up.
 */
class Ip4ArpNodeTest {
    private static final int OURS = 0x0A07_0001, PEER = 0x0A07_0002;
    private static final long PEER_MAC = 0x02_00_00_00_07_02L;
    private final TestContext ctx = new TestContext(1024);
    private final PacketPool pool = ctx.pool;
    private final MemorySegment m = ctx.memory;
    private final Vrfs vrfs = new Vrfs();
    private final Ip4Tables tables = vrfs.ip4(0);
    private final Ip4ArpNode arp = ctx.ready(new Ip4ArpNode(vrfs));

    @BeforeEach
    void ourAddressOnInterfaceZero() {
        tables.adjacencies = new Ip4Tables.Adjacencies(new int[] {0, Ip4Tables.LOCAL}, new int[] {-1, 0}, new int[2], new int[0]);
        tables.fib.add(OURS, 32, 1);
        tables.interfaceAddress = new int[] {OURS};
    }

    /** A routed packet for {@code nextHop} out of interface 0, as ip4-rewrite hands it over. */
    private int toNextHop(int nextHop) {
        int b = pool.allocate();
        long f = pool.data(b);
        Ipv4.writeHeader(m, f + 14, 28, 63, Ipv4.PROTO_UDP, 0x0A09_0009, nextHop);
        pool.l3Offset(b, 14);
        pool.length(b, 14 + 28);
        pool.txInterface(b, 0);
        pool.nextHop(b, nextHop);
        return b;
    }

    private void assertRequest(int b, int target) {
        long f = pool.data(b);
        assertEquals(MacAddress.BROADCAST, Ethernet.destination(m, f));
        assertEquals(ctx.mac, Ethernet.source(m, f));
        assertEquals(Ethernet.TYPE_ARP, Ethernet.etherType(m, f));
        assertEquals(Arp.REQUEST, Arp.operation(m, f + 14));
        assertEquals(ctx.mac, Arp.senderMac(m, f + 14));
        assertEquals(OURS, Arp.senderIp(m, f + 14));
        assertEquals(target, Arp.targetIp(m, f + 14));
        assertEquals(60, pool.length(b), "padded to the Ethernet minimum");
    }

    @Test
    void aPacketWaitsWhileArpAsksThenGoesOnWhenAnswered() {
        PacketVector v = new PacketVector();
        int first = toNextHop(PEER);
        v.add(first);
        arp.process(v, ctx);
        assertEquals(2, v.count(), "held, and a request added");
        assertEquals(PacketVector.TAKEN, v.verdict(0));
        assertEquals(Ip4ArpNode.OUTPUT, v.verdict(1));
        assertRequest(v.buffer(1), PEER);

        ctx.now += 50_000_000L;
        PacketVector again = new PacketVector();
        again.add(toNextHop(PEER));
        arp.process(again, ctx);
        assertEquals(1, again.count(), "held, not asked again within 100 ms");

        PacketVector out = new PacketVector();
        arp.tick(out, ctx);
        assertEquals(0, out.count(), "nothing known yet");
        tables.neighbours.learn(0, PEER, PEER_MAC, ctx.now);
        arp.tick(out, ctx);
        assertEquals(2, out.count(), "both go on to ip4-rewrite");
        assertEquals(Ip4ArpNode.REWRITE, out.verdict(0));
        assertEquals(Ip4ArpNode.REWRITE, out.verdict(1));
        assertTrue(out.buffer(0) == first || out.buffer(1) == first);
    }

    /**
     * Worker 99 and worker 35 (99 % 64) each hold their own packets and keep their own request slots:
     * per-worker state is sized by the real worker count, not folded onto 64.
     */
    @Test
    void eachOfMoreThan64WorkersHoldsItsOwnPacketsAndAsksForItself() {
        ctx.workerCount = 100;
        Ip4ArpNode many = ctx.ready(new Ip4ArpNode(vrfs));
        int[] held = new int[100];
        for (int w : new int[] {35, 99}) {
            ctx.worker = w;
            PacketVector v = new PacketVector();
            held[w] = toNextHop(PEER);
            v.add(held[w]);
            many.process(v, ctx);
            assertEquals(2, v.count(), "worker " + w + " holds its packet and asks for the next hop itself");
            assertEquals(PacketVector.TAKEN, v.verdict(0));
        }
        tables.neighbours.learn(0, PEER, PEER_MAC, ctx.now);
        for (int w : new int[] {35, 99}) {
            ctx.worker = w;
            PacketVector out = new PacketVector();
            many.tick(out, ctx);
            assertEquals(1, out.count(), "worker " + w + " hands back its own packet only");
            assertEquals(held[w], out.buffer(0));
            assertEquals(Ip4ArpNode.REWRITE, out.verdict(0));
        }
    }

    @Test
    void anUnansweredNextHopIsAskedForEachSecondThenItsPacketsDropped() {
        PacketVector v = new PacketVector();
        v.add(toNextHop(PEER));
        arp.process(v, ctx);
        ctx.now += 1_100_000_000L;
        PacketVector out = new PacketVector();
        arp.tick(out, ctx);
        assertEquals(1, out.count(), "asked again after a second");
        assertRequest(out.buffer(0), PEER);
        out.clear();
        ctx.now += 2_000_000_000L;
        arp.tick(out, ctx);
        assertEquals(1, out.count());
        assertEquals(Ip4ArpNode.UNRESOLVED, PacketVector.dropReason(out.verdict(0)));
        out.clear();
        arp.tick(out, ctx);
        assertEquals(0, out.count(), "gone from the queue");
    }

    @Test
    void aFullQueueTurnsThePacketIntoTheRequest() {
        for (int i = 0; i < HoldQueue.PER_WORKER; i++) {
            PacketVector v = new PacketVector();
            v.add(toNextHop(PEER + 1 + i));
            arp.process(v, ctx);
        }
        PacketVector v = new PacketVector();
        int b = toNextHop(PEER);
        v.add(b);
        arp.process(v, ctx);
        assertEquals(1, v.count());
        assertEquals(Ip4ArpNode.OUTPUT, v.verdict(0), "the packet itself became the request");
        assertRequest(b, PEER);
        PacketVector again = new PacketVector();
        again.add(toNextHop(PEER));
        arp.process(again, ctx);
        assertEquals(Ip4ArpNode.PENDING, PacketVector.dropReason(again.verdict(0)), "asked already: dropped, counted");
    }

    @Test
    void leavingTheGraphHandsResolvedPacketsOnAndDropsTheOthers() {
        PacketVector v = new PacketVector();
        v.add(toNextHop(PEER));
        v.add(toNextHop(PEER + 1));
        arp.process(v, ctx);
        tables.neighbours.learn(0, PEER, PEER_MAC, ctx.now);
        PacketVector out = new PacketVector();
        arp.release(out, ctx);
        assertEquals(2, out.count());
        int resolved = pool.nextHop(out.buffer(0)) == PEER ? 0 : 1;
        assertEquals(Ip4ArpNode.REWRITE, out.verdict(resolved));
        assertEquals(Ip4ArpNode.LEFT_UNRESOLVED, PacketVector.dropReason(out.verdict(1 - resolved)));
    }

    @Test
    void gratuitousArpAnnouncesAnAddressThatCameUp() {
        vrfs.announcements.announce4(0, OURS);
        ctx.now = System.nanoTime(); // announcements are due from when they are made, on the system clock
        PacketVector out = new PacketVector();
        arp.tick(out, ctx);
        assertEquals(1, out.count());
        assertEquals(Ip4ArpNode.OUTPUT, out.verdict(0));
        long f = pool.data(out.buffer(0));
        assertEquals(MacAddress.BROADCAST, Ethernet.destination(m, f));
        assertEquals(OURS, Arp.senderIp(m, f + 14), "from the address");
        assertEquals(OURS, Arp.targetIp(m, f + 14), "for the address");
        assertEquals(0, Arp.targetMac(m, f + 14));
        out.clear();
        vrfs.announcements.announce4(0, 0x0A07_0063); // not the router's (any more): not sent
        ctx.now += Announcements.INTERVAL_NS;
        arp.tick(out, ctx);
        assertEquals(1, out.count(), "only the repeat of the real one");
        assertEquals(OURS, Arp.senderIp(m, pool.data(out.buffer(0)) + 14));
    }
}
