package dev.junction.core.nodes;

import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * End of the device-input arc: sends each frame to the arc its interface's mode names (an interface
 * a bundle owns at layer 2) or else to the arc that claimed its ethertype; sets the network header
 * offset. Its next nodes and both tables come from the engine, which follows the registered arcs,
 * claims and modes ({@link #dispatch}).
 */
public final class EthernetInputNode implements PacketNode {
    public static final String NAME = "ethernet-input";
    static final int RUNT = 0, UNKNOWN_ETHERTYPE = 1, INTERFACE_DOWN = 2;

    /**
     * Verdicts by ethertype and by interface index (-1: none). Verdicts index the next list the
     * engine compiled this node with; indexes only ever grow, so a table read by a worker still on
     * the previous graph names the same arcs there (or a missing one: a counted drop).
     */
    public record Dispatch(short[] byEtherType, int[] byInterface) {
        public static final Dispatch NONE = new Dispatch(empty(), new int[0]);

        private static short[] empty() {
            short[] t = new short[65536];
            java.util.Arrays.fill(t, (short) -1);
            return t;
        }
    }

    private volatile Dispatch dispatch = Dispatch.NONE;

    /** Set by the engine (control thread) once every worker runs a graph with these verdicts. */
    public void dispatch(Dispatch d) {
        dispatch = d;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> errors() {
        return List.of("runt frame (shorter than an Ethernet header)", "unknown ethertype", "interface down");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment mem = ctx.memory();
        InterfaceView ifs = ctx.interfaces();
        Dispatch d = dispatch;
        short[] byType = d.byEtherType;
        int[] byIf = d.byInterface;
        int ip4 = byType[Ethernet.TYPE_IPV4];
        int n = v.count();
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int rx = pool.rxInterface(b);
            if (!ifs.isUp(rx)) {
                v.drop(i, INTERFACE_DOWN);
                continue;
            }
            if (pool.length(b) < Ethernet.HEADER_LENGTH) {
                v.drop(i, RUNT);
                continue;
            }
            pool.l3Offset(b, Ethernet.HEADER_LENGTH);
            int mode = rx >= 0 && rx < byIf.length ? byIf[rx] : -1;
            if (mode >= 0) {
                v.next(i, mode);
                continue;
            }
            int type = Ethernet.etherType(mem, pool.data(b));
            int verdict = type == Ethernet.TYPE_IPV4 ? ip4 : byType[type]; // IPv4, the common case: no table load
            if (verdict >= 0) {
                v.next(i, verdict);
            } else {
                v.drop(i, UNKNOWN_ETHERTYPE);
            }
        }
    }
}
