package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Arp;
import dev.junction.packet.Ethernet;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip4Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * ARP on the arp-input arc. A request or reply addressed to one of the router's addresses on the
 * receiving interface teaches the neighbour table its sender (a request is answered in place); any
 * other ARP (gratuitous, requests between other hosts) only refreshes a neighbour the table already
 * has, as Linux does, so that a chatty broadcast domain cannot fill the table. ARP from another host
 * claiming one of the router's addresses is an address conflict: counted, never learned.
 */
public final class ArpInputNode implements PacketNode {
    public static final String NAME = "arp-input";
    static final int MALFORMED = 0, NOT_FOR_US = 1, REPLY_LEARNED = 2, TABLE_FULL = 3, CONFLICT = 4;
    private final Vrfs vrfs;

    public ArpInputNode(Vrfs vrfs) {
        this.vrfs = vrfs;
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
        return List.of("malformed or non-IPv4 ARP", "ARP request not for a router address (a known sender refreshed)",
                "ARP reply (learned)", "neighbour table full",
                "address conflict: another host claims a router address (not learned)");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            long frame = pool.data(b);
            long arp = frame + Ethernet.HEADER_LENGTH;
            if (pool.length(b) < Ethernet.HEADER_LENGTH + Arp.LENGTH || !Arp.isEthernetIpv4(m, arp)) {
                v.drop(i, MALFORMED);
                continue;
            }
            int rx = pool.rxInterface(b);
            int vrf = vrfs.ofInterface(rx);
            pool.vrf(b, vrf);
            Ip4Tables tables = vrfs.ip4(vrf);
            int spa = Arp.senderIp(m, arp);
            long sha = Arp.senderMac(m, arp);
            long mac = ctx.interfaces().mac(rx);
            if (tables.isLocal(spa, rx) && sha != mac) {
                v.drop(i, CONFLICT);
                continue;
            }
            int op = Arp.operation(m, arp);
            int tpa = Arp.targetIp(m, arp);
            boolean toUs = tables.isLocal(tpa, rx) && spa != tpa;
            if (spa != 0) {
                if (toUs && (op == Arp.REQUEST || op == Arp.REPLY)) {
                    if (!tables.neighbours.learn(rx, spa, sha, ctx.now())) {
                        v.drop(i, TABLE_FULL);
                        continue;
                    }
                } else {
                    tables.neighbours.refresh(rx, spa, sha, ctx.now());
                }
            }
            if (op != Arp.REQUEST) {
                v.drop(i, op == Arp.REPLY ? REPLY_LEARNED : MALFORMED);
                continue;
            }
            if (!toUs) {
                v.drop(i, NOT_FOR_US);
                continue;
            }
            Ethernet.destination(m, frame, sha);
            Ethernet.source(m, frame, mac);
            Arp.write(m, arp, Arp.REPLY, mac, tpa, sha, spa);
            pool.txInterface(b, rx);
            v.next(i, 0);
        }
    }
}
