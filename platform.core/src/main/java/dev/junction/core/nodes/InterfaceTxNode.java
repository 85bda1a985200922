package dev.junction.core.nodes;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.util.List;

/**
 * End of the output arc. Checks the chosen interface; the worker then stages the packets per
 * interface and hands each batch to the device's transmit queue (verdict {@link #TX}).
 */
public final class InterfaceTxNode implements PacketNode {
    public static final String NAME = "interface-tx";
    /** Verdict: transmit on the packet's txInterface. */
    public static final int TX = 0;
    public static final int NO_INTERFACE = 0, INTERFACE_DOWN = 1, TX_FULL = 2, TOO_BIG = 3;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of("tx");
    }

    @Override
    public List<String> errors() {
        return List.of("no output interface", "output interface down", "transmit queue full",
                "frame larger than the buffer");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        int size = ctx.interfaces().size();
        int n = v.count();
        for (int i = 0; i < n; i++) {
            int tx = pool.txInterface(v.buffer(i));
            if (tx < 0 || tx >= size) {
                v.drop(i, NO_INTERFACE);
            } else if (!ctx.interfaces().isUp(tx)) {
                v.drop(i, INTERFACE_DOWN);
            } else {
                v.next(i, TX);
            }
        }
    }
}
