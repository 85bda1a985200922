package dev.junction.l2.xconnect;

import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.util.List;

/**
 * {@code l2-xconnect}, the end of the l2-input arc while feature.l2 runs: a cross-connected interface
 * sends every frame out of its peer, unchanged. The peers are names (the control side's table);
 * each worker turns them into interface indexes once per graph (when {@link NodeContext#interfaces()}
 * or the table changes), into an array it reuses, so the per-packet work is one array read.
 */
public final class L2XconnectNode implements PacketNode {
    public static final String NAME = "l2-xconnect";
    static final int NO_PEER = 0, PEER_DOWN = 1;

    /** One worker's peer indexes, for the interface view and table it was made from. */
    private static final class Peers {
        InterfaceView view;
        PeerTable table;
        int[] peer = new int[0];
    }

    private volatile PeerTable table = PeerTable.EMPTY;
    private final PerWorker<Peers> peers = new PerWorker<>(w -> new Peers());

    /** Publishes a new table (control thread); workers pick it up at their next vector. */
    void table(PeerTable t) {
        table = t;
    }

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
        return List.of("interface not cross-connected", "cross-connect peer down or missing");
    }

    @Override
    public void workers(int count) {
        peers.resize(count);
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        InterfaceView ifs = ctx.interfaces();
        int[] peer = resolve(peers.get(ctx.worker()), ifs);
        int n = v.count();
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int rx = pool.rxInterface(b);
            int to = rx >= 0 && rx < peer.length ? peer[rx] : -2;
            if (to == -2) {
                v.drop(i, NO_PEER);
            } else if (to < 0 || !ifs.isUp(to)) {
                v.drop(i, PEER_DOWN);
            } else {
                pool.txInterface(b, to);
                v.next(i, 0);
            }
        }
    }

    /** Peer index by interface index: -2 not cross-connected, -1 its peer does not exist. */
    private int[] resolve(Peers p, InterfaceView ifs) {
        PeerTable t = table;
        if (p.view == ifs && p.table == t) {
            return p.peer;
        }
        int size = ifs.size();
        if (p.peer.length < size) {
            p.peer = new int[size]; // only when interfaces were added: a control event, not per packet
        }
        for (int i = 0; i < p.peer.length; i++) {
            String name = i < size ? ifs.name(i) : null;
            String to = name == null ? null : t.peerOf(name);
            p.peer[i] = to == null ? -2 : ifs.indexOf(to);
        }
        p.view = ifs;
        p.table = t;
        return p.peer;
    }
}
