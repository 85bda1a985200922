package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip6Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Makes a routed IPv6 packet ready to leave: hop-limit check and decrement (IPv6 has no header
 * checksum), MTU check (routers never fragment IPv6: too big is answered with ICMPv6 packet too big),
 * and the Ethernet header from the next hop's neighbour entry; an unknown neighbour goes to ip6-nd.
 * The packet's next hop is its adjacency id: the gateway, or the destination itself when on-link.
 */
public final class Ip6RewriteNode implements PacketNode {
    public static final String NAME = "ip6-rewrite";
    static final int OUTPUT = 0, HOP_LIMIT = 1, ND = 2, TOO_BIG = 3;
    private final Vrfs vrfs;

    public Ip6RewriteNode(Vrfs vrfs) {
        this.vrfs = vrfs;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT), Ip6IcmpErrorNode.HOP_LIMIT, Ip6NdNode.NAME, Ip6IcmpErrorNode.TOO_BIG);
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        InterfaceView ifs = ctx.interfaces();
        int lastTx = -1;
        long lastHigh = 0, lastLow = 0, lastMac = -1;
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            Ip6Tables.Adjacencies adj = vrfs.ip6(pool.vrf(b)).adjacencies;
            long[] gwHigh = adj.gatewayHigh();
            long[] gwLow = adj.gatewayLow();
            long frame = pool.data(b);
            long ip = frame + pool.l3Offset(b);
            int tx = pool.txInterface(b);
            if (Ipv6.hopLimit(m, ip) <= 1) {
                v.next(i, HOP_LIMIT);
                continue;
            }
            if (Ipv6.HEADER_LENGTH + Ipv6.payloadLength(m, ip) > ifs.mtu(tx)) {
                v.next(i, TOO_BIG);
                continue;
            }
            int id = pool.adjacency(b);
            long high, low;
            if (id > 0 && id < gwHigh.length && (gwHigh[id] | gwLow[id]) != 0) {
                high = gwHigh[id];
                low = gwLow[id];
            } else {
                high = Ipv6.destinationHigh(m, ip);
                low = Ipv6.destinationLow(m, ip);
            }
            long mac;
            if (tx == lastTx && high == lastHigh && low == lastLow) {
                mac = lastMac; // packets of a vector mostly share a next hop
            } else {
                mac = vrfs.neighbours6.lookup(tx, high, low);
                lastTx = tx;
                lastHigh = high;
                lastLow = low;
                lastMac = mac;
            }
            if (mac < 0) {
                v.next(i, ND);
                continue;
            }
            Ipv6.hopLimit(m, ip, Ipv6.hopLimit(m, ip) - 1);
            Ethernet.destination(m, frame, mac);
            Ethernet.source(m, frame, ifs.mac(tx));
            v.next(i, OUTPUT);
        }
    }
}
