package dev.junction.routing.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Malformed IPv4 headers are dropped with the right reason; a good one passes, its padding trimmed. */
class Ip4InputNodeTest {
    private final TestContext ctx = new TestContext(1024);
    private final PacketPool pool = ctx.pool;
    private final MemorySegment m = ctx.memory;

    /** A 60-byte frame holding a valid 28-byte IPv4/ICMP packet, changed by {@code edit} before the node sees it. */
    private int verdictFor(int frameLength, Consumer<Long> edit) {
        int b = pool.allocate();
        long f = pool.data(b);
        m.asSlice(f, 64).fill((byte) 0);
        m.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), f + 12, (short) 0x0800);
        Ipv4.writeHeader(m, f + 14, 28, 64, Ipv4.PROTO_ICMP, 0x0A000001, 0x0A000002);
        edit.accept(f + 14);
        pool.length(b, frameLength);
        pool.l3Offset(b, 14);
        PacketVector v = new PacketVector();
        v.add(b);
        new Ip4InputNode().process(v, ctx);
        int verdict = v.verdict(0);
        pool.free(b);
        return PacketVector.isDrop(verdict) ? PacketVector.dropReason(verdict) : verdict;
    }

    @Test
    void eachDefectHasItsReason() {
        assertEquals(PacketVector.NEXT_FEATURE, verdictFor(60, ip -> { }));
        assertEquals(Ip4InputNode.TRUNCATED, verdictFor(14 + 19, ip -> { }));
        assertEquals(Ip4InputNode.NOT_V4, verdictFor(60, ip -> m.set(ValueLayout.JAVA_BYTE, ip, (byte) 0x65)));
        assertEquals(Ip4InputNode.BAD_IHL, verdictFor(60, ip -> m.set(ValueLayout.JAVA_BYTE, ip, (byte) 0x44)));
        assertEquals(Ip4InputNode.BAD_IHL, verdictFor(14 + 28, ip -> m.set(ValueLayout.JAVA_BYTE, ip, (byte) 0x4F)));
        assertEquals(Ip4InputNode.BAD_LENGTH, verdictFor(14 + 28, ip -> Ipv4.totalLength(m, ip, 29)));
        assertEquals(Ip4InputNode.BAD_LENGTH, verdictFor(60, ip -> Ipv4.totalLength(m, ip, 19)));
        assertEquals(Ip4InputNode.BAD_CHECKSUM, verdictFor(60, ip -> m.set(ValueLayout.JAVA_BYTE, ip + 8, (byte) 63)));
    }

    @Test
    void ethernetPaddingIsTrimmed() {
        int b = pool.allocate();
        long f = pool.data(b);
        Ipv4.writeHeader(m, f + 14, 28, 64, Ipv4.PROTO_ICMP, 1, 2);
        pool.length(b, 60);
        pool.l3Offset(b, 14);
        PacketVector v = new PacketVector();
        v.add(b);
        new Ip4InputNode().process(v, ctx);
        assertEquals(42, pool.length(b));
    }

    @Test
    void ttlDecrementKeepsTheChecksumRight() {
        int b = pool.allocate();
        long ip = pool.data(b) + 14;
        for (int ttl = 255; ttl > 1; ttl--) {
            Ipv4.writeHeader(m, ip, 1500, ttl, Ipv4.PROTO_UDP, 0xC0A80001 + ttl, 0x08080808);
            Ipv4.decrementTtl(m, ip);
            assertEquals(ttl - 1, Ipv4.ttl(m, ip));
            assertEquals(true, Ipv4.checksumOk(m, ip, 20), "ttl " + ttl);
        }
    }
}
