package dev.junction.fuzz;

import dev.junction.fuzz.FrameFuzzer.Protocol;
import dev.junction.graph.Arcs;
import dev.junction.graph.PacketNode;
import dev.junction.l2.xconnect.XconnectControl;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * feature.l2's l2-xconnect behind ethernet-input: j0 and j1 cross-connected both ways, j2 to j3
 * (down), j4 to an interface that does not exist; every frame of those interfaces enters l2-input
 * whatever it holds. Also interface-tx, which sends what the cross-connects forward.
 */
class L2NodesFuzzTest {

    @Test
    void crossConnect() {
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, Graphs.interfaces());
        List<PacketNode> nodes = new ArrayList<>();
        XconnectControl xc = new XconnectControl(o -> {
            if (o instanceof PacketNode n) {
                nodes.add(n);
            }
        }, o -> { });
        xc.connect("j0", "j1");
        xc.connect("j1", "j0");
        xc.connect("j2", "j3");
        xc.connect("j4", "j9");
        FuzzGraph g = Graphs.core(ctx, new int[] {0, 1, 2, 4}, nodes).arc(Arcs.L2_INPUT, "l2-xconnect");
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), Protocol.values());
        NodeFuzz.run("l2", g, fuzzer, Graphs.receiveOn(0, 1, 2, 3, 4), NodeFuzz.frames(),
                List.of("l2-xconnect", "interface-tx"));
    }
}
