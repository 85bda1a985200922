package dev.junction.fuzz;

import dev.junction.fuzz.FrameFuzzer.Protocol;
import dev.junction.graph.Arcs;
import dev.junction.graph.PacketNode;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.l2.bridge.L2BridgeNode;
import dev.junction.l2.bridge.L2FloodNode;
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

    /**
     * feature.l2's bridge: j0, j1 (split-horizon 1), j3 (down) and j4 (split-horizon 1) in domain blue,
     * learning, with a static MAC on j0; j2 alone in domain red with a MAC limit of 4, so that
     * the limit is hit at once; VLAN sub-ports on four of them (trunks with and without a native VLAN,
     * 802.1Q and 802.1ad), so that tags are pushed, popped and rewritten. The learner thread learns
     * from the frames as a worker's would.
     */
    @Test
    void bridge() {
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, Graphs.interfaces());
        List<PacketNode> nodes = new ArrayList<>();
        BridgeControl bc = new BridgeControl(o -> {
            if (o instanceof PacketNode n) {
                nodes.add(n);
            }
        }, o -> { });
        try {
            bc.interfacesChanged(Graphs.interfaceStatuses(ctx));
            bc.domain(BridgeSettings.defaults("blue"));
            bc.domain(BridgeSettings.defaults("red").withMacLimit(4));
            bc.port("j0", "blue", 0);
            bc.port("j1", "blue", 1);
            bc.port("j3", "blue", 0);
            bc.port("j4", "blue", 1);
            bc.port("j2", "red", 0);
            bc.staticMac("blue", 0x02_00_00_00_00_99L, "j0");
            // VLANs: 255 802.1Q VLANs of j0 in blue, 255 802.1ad ones of j2 in red, a few of
            // j4 (split horizon 1) in blue and of j1 in red, so that random tags hit sub-ports often.
            for (int vid = 1; vid < 256; vid++) {
                bc.vlan("j0", vid, false, "blue", 0);
                bc.vlan("j2", vid, true, "red", 0);
            }
            for (int vid = 2048; vid < 2100; vid++) {
                bc.vlan("j4", vid, false, "blue", 1);
                bc.vlan("j1", vid, true, "red", 0);
            }
            FuzzGraph g = Graphs.core(ctx, new int[] {0, 1, 2, 3, 4}, nodes).arc(Arcs.L2_INPUT, L2BridgeNode.NAME);
            FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), Protocol.values());
            NodeFuzz.run("bridge", g, fuzzer, Graphs.receiveOn(0, 1, 2, 3, 4), NodeFuzz.frames(),
                    List.of(L2BridgeNode.NAME, L2FloodNode.NAME, "interface-tx"));
        } finally {
            bc.close();
        }
    }
}
