package dev.junction.core.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.util.List;

/** End of the l2-input arc: a cross-connected interface sends every frame out of its peer, unchanged. */
public final class L2XconnectNode implements PacketNode {
    public static final String NAME = "l2-xconnect";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT));
    }

    @Override
    public List<String> errors() {
        return List.of("no layer-2 handler for this interface", "cross-connect peer down");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        InterfaceView ifs = ctx.interfaces();
        int n = v.count();
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int peer = ifs.xconnect(pool.rxInterface(b));
            if (peer < 0) {
                v.drop(i, 0);
            } else if (!ifs.isUp(peer)) {
                v.drop(i, 1);
            } else {
                pool.txInterface(b, peer);
                v.next(i, 0);
            }
        }
    }
}
