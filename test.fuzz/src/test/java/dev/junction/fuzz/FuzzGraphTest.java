package dev.junction.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness catches what it promises to: a throw, a missing or bad verdict, a leak; and reproduces a frame. */
class FuzzGraphTest {

    private static FuzzFailure fuzz(PacketNode node) {
        FuzzContext ctx = new FuzzContext(256, FuzzContext.standardInterfaces());
        FuzzGraph g = new FuzzGraph(ctx).node(node);
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), FrameFuzzer.Protocol.values());
        NodeFuzz.Feed feed = (PacketPool pool, int b, int len, FuzzRandom rng) -> node.name();
        return assertThrows(FuzzFailure.class, () -> NodeFuzz.run("self-test", g, fuzzer, feed, 1000, List.of(node.name())));
    }

    /** A node with one bad habit, triggered by frames whose first byte is 0x42. */
    private abstract static class Bad implements PacketNode {
        public String name() {
            return "bad";
        }

        public List<String> errors() {
            return List.of("one reason");
        }

        public void process(PacketVector v, NodeContext ctx) {
            for (int i = 0; i < v.count(); i++) {
                int b = v.buffer(i);
                if (ctx.pool().length(b) > 0 && ctx.memory().get(java.lang.foreign.ValueLayout.JAVA_BYTE, ctx.pool().data(b)) == 0x42) {
                    misbehave(v, i);
                } else {
                    v.drop(i, 0);
                }
            }
        }

        abstract void misbehave(PacketVector v, int i);
    }

    @Test
    void aThrowNamesTheFrame() {
        FuzzFailure f = fuzz(new Bad() {
            void misbehave(PacketVector v, int i) {
                throw new IndexOutOfBoundsException("boom");
            }
        });
        assertTrue(f.getMessage().contains("process threw java.lang.IndexOutOfBoundsException: boom"), f.getMessage());
        assertTrue(f.getMessage().contains("bytes: 42"), "the frame's hex: " + f.getMessage());
    }

    @Test
    void noVerdictAndBadReasonsAreCaught() {
        assertTrue(fuzz(new Bad() {
            void misbehave(PacketVector v, int i) {
                // NEXT_FEATURE left from a node on no arc
            }
        }).getMessage().contains("no verdict"));
        assertTrue(fuzz(new Bad() {
            void misbehave(PacketVector v, int i) {
                v.drop(i, 1);
            }
        }).getMessage().contains("dropped with reason 1 but names 1 errors"));
        assertTrue(fuzz(new Bad() {
            void misbehave(PacketVector v, int i) {
                v.next(i, 0);
            }
        }).getMessage().contains("verdict 0 but has 0 next nodes"));
    }

    @Test
    void aTakenPacketNeverHandedBackIsALeak() {
        assertTrue(fuzz(new Bad() {
            void misbehave(PacketVector v, int i) {
                v.take(i);
            }
        }).getMessage().contains("still holds buffer"));
    }

    @Test
    void aFrameIsReproducedFromItsSeed() {
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), FrameFuzzer.Protocol.values());
        byte[] a = new byte[FrameFuzzer.MAX_FRAME], b = new byte[FrameFuzzer.MAX_FRAME];
        for (long seed = 0; seed < 10_000; seed++) {
            int n = fuzzer.frame(seed, a);
            fuzzer.frame(seed + 1, b);
            assertEquals(n, fuzzer.frame(seed, b));
            assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(a, n)),
                    java.util.Arrays.toString(java.util.Arrays.copyOf(b, n)));
        }
    }
}
