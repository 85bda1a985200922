package dev.junction.routing.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Fragmentation by the rules of RFC 791: payload in multiples of 8 bytes but the last, offsets, MF,
 * checksums, the bytes themselves in order; a fragment fragmented again keeps its offset and MF;
 * no buffer or no room: dropped and counted, buffers given back.
 */
class Ip4FragmentNodeTest {
    private final TestContext ctx = new TestContext(64);
    private final PacketPool pool = ctx.pool;
    private final MemorySegment m = ctx.memory;

    /** A packet of {@code total} bytes whose payload byte k is (k mod 251), fragment word {@code word}. */
    private int packet(int total, int word) {
        int b = pool.allocate();
        long ip = pool.data(b) + 14;
        Ipv4.writeHeader(m, ip, total, 64, Ipv4.PROTO_UDP, 0x0A01_0002, 0x0A02_0002);
        Ipv4.fragment(m, ip, word);
        Ipv4.updateChecksum(m, ip);
        for (int k = 0; k < total - 20; k++) {
            m.set(ValueLayout.JAVA_BYTE, ip + 20 + k, (byte) (k % 251));
        }
        pool.l3Offset(b, 14);
        pool.length(b, 14 + total);
        pool.txInterface(b, 0);
        return b;
    }

    @Test
    void aPacketIsSplitIntoFragmentsThatRebuildIt() {
        PacketVector v = new PacketVector();
        ctx.mtu = 600;
        v.add(packet(1900, 0));
        int free = pool.available();
        new Ip4FragmentNode().process(v, ctx);
        assertEquals(4, v.count(), "1880 payload bytes at 576 a fragment");
        assertEquals(free - 3, pool.available());
        int expectOffset = 0;
        for (int i = 0; i < 4; i++) {
            assertEquals(Ip4FragmentNode.REWRITE, v.verdict(i));
            long ip = pool.data(v.buffer(i)) + 14;
            int total = Ipv4.totalLength(m, ip);
            assertTrue(total <= ctx.mtu);
            assertEquals(14 + total, pool.length(v.buffer(i)));
            assertTrue(Ipv4.checksumOk(m, ip, 20));
            int word = Ipv4.fragment(m, ip);
            assertEquals(expectOffset / 8, word & 0x1FFF);
            assertEquals(i < 3, (word & 0x2000) != 0, "MF on all but the last");
            int len = total - 20;
            assertTrue(i == 3 || len % 8 == 0);
            for (int k = 0; k < len; k++) {
                assertEquals((byte) ((expectOffset + k) % 251), m.get(ValueLayout.JAVA_BYTE, ip + 20 + k), "byte " + (expectOffset + k));
            }
            expectOffset += len;
        }
        assertEquals(1880, expectOffset);
    }

    @Test
    void aFragmentFragmentedAgainKeepsItsOffsetAndMoreFragments() {
        PacketVector v = new PacketVector();
        ctx.mtu = 1000;
        v.add(packet(1500, 0x2000 | 100)); // offset 800 bytes, more to come
        new Ip4FragmentNode().process(v, ctx);
        assertEquals(2, v.count());
        assertEquals(0x2000 | 100, Ipv4.fragment(m, pool.data(v.buffer(0)) + 14));
        assertEquals(0x2000 | (100 + 976 / 8), Ipv4.fragment(m, pool.data(v.buffer(1)) + 14), "the last keeps MF");
    }

    @Test
    void withoutBuffersThePacketIsDroppedAndNothingLeaks() {
        PacketVector v = new PacketVector();
        ctx.mtu = 600;
        v.add(packet(1900, 0));
        int[] held = new int[pool.available() - 1];
        for (int i = 0; i < held.length; i++) {
            held[i] = pool.allocate(); // one buffer left: not enough for three more fragments
        }
        new Ip4FragmentNode().process(v, ctx);
        assertEquals(1, v.count());
        assertTrue(PacketVector.isDrop(v.verdict(0)));
        assertEquals(Ip4FragmentNode.NO_BUFFER, PacketVector.dropReason(v.verdict(0)));
        assertEquals(1, pool.available(), "the fragment made before the failure went back");
        for (int b : held) {
            pool.free(b);
        }
    }

    /** Found by test.fuzz's reading: a fragment near the last offset would have fragments whose offsets overflow 13 bits. */
    @Test
    void aFragmentEndingPastTheLargestDatagramIsDroppedNotSplit() {
        PacketVector v = new PacketVector();
        ctx.mtu = 600;
        int free = pool.available();
        v.add(packet(1500, 8100)); // offset 64,800 bytes + 1,480 of payload > 65,535
        new Ip4FragmentNode().process(v, ctx);
        assertEquals(1, v.count(), "no fragments made");
        assertTrue(PacketVector.isDrop(v.verdict(0)));
        assertEquals(Ip4FragmentNode.PAST_MAXIMUM, PacketVector.dropReason(v.verdict(0)));
        assertEquals(free - 1, pool.available(), "nothing allocated");
    }
}
