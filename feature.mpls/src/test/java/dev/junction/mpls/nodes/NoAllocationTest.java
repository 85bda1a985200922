package dev.junction.mpls.nodes;

import static dev.junction.mpls.nodes.MplsFrames.bos;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.mpls.tables.FtnEntry;
import dev.junction.packet.PacketVector;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The fast path allocates nothing: whole vectors swapped (ECMP) and imposed, bytes counted by the JVM. */
class NoAllocationTest {
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void swapAndImposeAllocateNothing() {
        Fixture fx = new Fixture();
        TestContext ctx = new TestContext(PacketVector.MAX + 16);
        MplsFrames frames = new MplsFrames(ctx.pool);
        MplsLookupNode lookup = ctx.ready(new MplsLookupNode(fx.tables));
        MplsImposeNode impose = ctx.ready(new MplsImposeNode(fx.tables));
        fx.control.putLabel("e", 100, "swap", "10.0.1.2,10.0.2.2", "200,201", null, true);
        fx.control.putFtn("f", null, "10.2.0.0/16", "10.0.1.2", "300", true, FtnEntry.TC_COPY);
        int index = fx.tables.ftns.entries().getFirst().slot();
        int[] buffers = new int[PacketVector.MAX];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = frames.frame(new int[] {bos(100, 64)}, 4, 64, 0);
        }
        PacketVector v = new PacketVector();
        long before = 0;
        for (int round = 0; round < 6000; round++) {
            if (round == 3000) {
                before = allocated();
            }
            v.clear();
            for (int b : buffers) { // a fresh label 100 in place (a 1-for-1 swap leaves the frame where it was)
                frames.memory().set(MplsFrames.U32, ctx.pool.data(b) + 14, bos(100, 64));
                v.add(b);
            }
            lookup.process(v, ctx);
            v.clear();
            for (int b : buffers) { // the same buffers as steered IPv4 packets: the label goes, TTL back
                long f = ctx.pool.data(b);
                frames.memory().set(ValueLayout.JAVA_BYTE, f + 18 + 8, (byte) 64);
                ctx.pool.l3Offset(b, 18);
                ctx.pool.adjacency(b, index);
                v.add(b);
            }
            impose.process(v, ctx); // pushes one label before the IP header: the frame starts where it did
        }
        long used = allocated() - before;
        assertEquals(MplsImposeNode.OUTPUT, v.verdict(0));
        // "swapped" and "labelled" are both counter 0 of their nodes: one array here.
        assertEquals(6000L * 2 * PacketVector.MAX, ctx.counted[MplsLookupNode.C_SWAPPED], "every packet swapped and imposed");
        assertTrue(used < 1024, "bytes allocated in 3000 rounds of 2 x 256 packets: " + used);
    }
}
