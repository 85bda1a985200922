package dev.junction.core.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * End of the device-input arc: classifies frames by interface mode and ethertype onto the l2, IPv4,
 * IPv6, MPLS and ARP arcs; sets the network header offset.
 */
public final class EthernetInputNode implements PacketNode {
    public static final String NAME = "ethernet-input";
    static final int L2 = 0, IP4 = 1, IP6 = 2, MPLS = 3, ARP = 4;
    static final int RUNT = 0, UNKNOWN_ETHERTYPE = 1, INTERFACE_DOWN = 2;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.L2_INPUT), Arcs.start(Arcs.IP4_UNICAST), Arcs.start(Arcs.IP6_UNICAST),
                Arcs.start(Arcs.MPLS_INPUT), Arcs.start(Arcs.ARP_INPUT));
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
            if (ifs.xconnect(rx) >= 0) {
                v.next(i, L2);
                continue;
            }
            switch (Ethernet.etherType(mem, pool.data(b))) {
                case Ethernet.TYPE_IPV4 -> v.next(i, IP4);
                case Ethernet.TYPE_IPV6 -> v.next(i, IP6);
                case Ethernet.TYPE_MPLS -> v.next(i, MPLS);
                case Ethernet.TYPE_ARP -> v.next(i, ARP);
                default -> v.drop(i, UNKNOWN_ETHERTYPE);
            }
        }
    }
}
