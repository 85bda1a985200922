package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Arp;
import dev.junction.packet.Ethernet;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip4Tables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * ARP on the arp-input arc: learns every sender (requests, replies, gratuitous ARP) into the neighbour
 * table, and answers requests for the router's own addresses on the receiving interface, in place.
 */
public final class ArpInputNode implements PacketNode {
    public static final String NAME = "arp-input";
    static final int MALFORMED = 0, NOT_FOR_US = 1, REPLY_LEARNED = 2, TABLE_FULL = 3;
    private final Ip4Tables tables;

    public ArpInputNode(Ip4Tables tables) {
        this.tables = tables;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String arc() {
        return Arcs.ARP_INPUT;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT));
    }

    @Override
    public List<String> errors() {
        return List.of("malformed or non-IPv4 ARP", "ARP request not for a router address (learned)",
                "ARP reply (learned)", "neighbour table full");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        var fib = tables.fib; // once per vector: a table load may replace it
        Ip4Tables.Adjacencies adj = tables.adjacencies;
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            long frame = pool.data(b);
            long arp = frame + Ethernet.HEADER_LENGTH;
            if (pool.length(b) < Ethernet.HEADER_LENGTH + Arp.LENGTH || !Arp.isEthernetIpv4(m, arp)) {
                v.drop(i, MALFORMED);
                continue;
            }
            int rx = pool.rxInterface(b);
            int spa = Arp.senderIp(m, arp);
            long sha = Arp.senderMac(m, arp);
            if (spa != 0 && !tables.neighbours.learn(rx, spa, sha, ctx.now())) {
                v.drop(i, TABLE_FULL);
                continue;
            }
            int op = Arp.operation(m, arp);
            if (op != Arp.REQUEST) {
                v.drop(i, op == Arp.REPLY ? REPLY_LEARNED : MALFORMED);
                continue;
            }
            int tpa = Arp.targetIp(m, arp);
            int id = fib.lookup(tpa);
            boolean ours = id > 0 && id < adj.kind().length && adj.kind()[id] == Ip4Tables.LOCAL && adj.ifIndex()[id] == rx;
            if (!ours) {
                v.drop(i, NOT_FOR_US);
                continue;
            }
            long mac = ctx.interfaces().mac(rx);
            Ethernet.destination(m, frame, sha);
            Ethernet.source(m, frame, mac);
            Arp.write(m, arp, Arp.REPLY, mac, tpa, sha, spa);
            pool.txInterface(b, rx);
            v.next(i, 0);
        }
    }
}
