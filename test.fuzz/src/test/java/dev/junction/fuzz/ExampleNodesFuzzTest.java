package dev.junction.fuzz;

import dev.junction.examples.passthrough.ExampleNodes;
import dev.junction.graph.Arcs;
import dev.junction.graph.PacketNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * examples.passthrough's nodes: example-mark on device-input (it runs for every interface here; the
 * engine runs it only where enabled), the example arc ending in example-forward out of j1, and
 * pass-through features on the example arc and on l2-input (j2 is in layer-2 mode, no cross-connect).
 */
class ExampleNodesFuzzTest {

    @Test
    void exampleNodes() {
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, Graphs.interfaces());
        List<PacketNode> nodes = new ArrayList<>(ExampleNodes.protocol("j1"));
        nodes.add(ExampleNodes.passThrough("passthrough", ExampleNodes.ARC));
        nodes.add(ExampleNodes.passThrough("passthrough-l2", Arcs.L2_INPUT));
        FuzzGraph g = Graphs.core(ctx, new int[] {2}, nodes).arc(ExampleNodes.ARC, "example-forward");
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), FrameFuzzer.Protocol.values());
        NodeFuzz.run("examples", g, fuzzer, Graphs.receiveOn(0, 1, 2, 3, 4), NodeFuzz.frames(),
                List.of("example-mark", "example-forward", "passthrough", "passthrough-l2"));
    }
}
