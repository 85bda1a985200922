package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.NeighbourTable;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Makes a routed packet ready to leave: TTL check and decrement (incremental checksum), MTU check
 * (too big: fragmented by ip4-fragment, or with DF set answered by ICMP fragmentation needed),
 * and the Ethernet header from the next hop's neighbour entry; an unknown neighbour goes to ip4-arp.
 */
public final class Ip4RewriteNode implements PacketNode {
    public static final String NAME = "ip4-rewrite";
    static final int OUTPUT = 0, TTL_EXPIRED = 1, ARP = 2, FRAG_NEEDED = 3, FRAGMENT = 4;
    private final NeighbourTable neighbours;

    public Ip4RewriteNode(NeighbourTable neighbours) {
        this.neighbours = neighbours;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT), Ip4IcmpErrorNode.TTL_EXPIRED, Ip4ArpNode.NAME, Ip4IcmpErrorNode.FRAG_NEEDED,
                Ip4FragmentNode.NAME);
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        InterfaceView ifs = ctx.interfaces();
        // Packets of a vector mostly share a next hop: remember the last neighbour looked up.
        int lastTx = -1, lastHop = 0;
        long lastMac = -1;
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            long frame = pool.data(b);
            long ip = frame + pool.l3Offset(b);
            int tx = pool.txInterface(b);
            if (Ipv4.ttl(m, ip) <= 1) {
                v.next(i, TTL_EXPIRED);
                continue;
            }
            if (Ipv4.totalLength(m, ip) > ifs.mtu(tx)) {
                if (Ipv4.dontFragment(m, ip)) {
                    v.next(i, FRAG_NEEDED);
                } else {
                    v.next(i, FRAGMENT);
                }
                continue;
            }
            int hop = pool.nextHop(b);
            long mac;
            if (tx == lastTx && hop == lastHop) {
                mac = lastMac;
            } else {
                mac = neighbours.lookup(tx, hop);
                lastTx = tx;
                lastHop = hop;
                lastMac = mac;
            }
            if (mac < 0) {
                v.next(i, ARP);
                continue;
            }
            Ipv4.decrementTtl(m, ip);
            Ethernet.destination(m, frame, mac);
            Ethernet.source(m, frame, ifs.mac(tx));
            v.next(i, OUTPUT);
        }
    }
}
