package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip6Tables;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A packet whose IPv6 next hop has no neighbour entry: its buffer becomes the neighbour solicitation
 * for that next hop, sent to its solicited-node group (no allocation), at most one every 100 ms per
 * next hop and worker; packets meanwhile are dropped and counted, as ip4-arp does.
 */
public final class Ip6NdNode implements PacketNode {
    public static final String NAME = "ip6-nd";
    static final int PENDING = 0, NO_ADDRESS = 1;
    private static final int MAX_WORKERS = 64;
    private static final int SLOTS = 256;
    private static final long RETRY_NS = 100_000_000L;
    /** IPv6 header, the NS and one source link-layer address option. */
    private static final int NS_LENGTH = Icmp6.ND_LENGTH + 8;
    private final Ip6Tables tables;
    private final long[] sentAt = new long[MAX_WORKERS * SLOTS];
    private final long[] sentFor = new long[MAX_WORKERS * SLOTS];

    public Ip6NdNode(Ip6Tables tables) {
        this.tables = tables;
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
        return List.of("awaiting neighbour discovery (solicitation sent)", "no IPv6 address on the output interface");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        Ip6Tables.Adjacencies adj = tables.adjacencies;
        Ip6Tables.Addresses addrs = tables.addresses;
        int base = (ctx.worker() % MAX_WORKERS) * SLOTS;
        long now = ctx.now();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int tx = pool.txInterface(b);
            long frame = pool.data(b);
            long ip = frame + pool.l3Offset(b);
            if (tx < 0 || tx >= addrs.linkLocal().length || addrs.linkLocal()[tx] == 0) {
                v.drop(i, NO_ADDRESS);
                continue;
            }
            int id = pool.nextHop(b);
            long high, low;
            if (id > 0 && id < adj.gatewayHigh().length && (adj.gatewayHigh()[id] | adj.gatewayLow()[id]) != 0) {
                high = adj.gatewayHigh()[id];
                low = adj.gatewayLow()[id];
            } else {
                high = Ipv6.destinationHigh(m, ip);
                low = Ipv6.destinationLow(m, ip);
            }
            long key = (high * 0x9E37_79B9_7F4A_7C15L) ^ low ^ ((long) tx << 48);
            int slot = base + (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 56);
            if (sentFor[slot] == key && now - sentAt[slot] < RETRY_NS) {
                v.drop(i, PENDING);
                continue;
            }
            sentFor[slot] = key;
            sentAt[slot] = now;
            // From the interface's global address if it has one (the target answers to it, and it
            // is what hosts expect from a router on their subnet), else from its link-local address.
            long srcHigh = addrs.high()[tx], srcLow = addrs.low()[tx];
            if ((srcHigh | srcLow) == 0) {
                srcHigh = Ipv6.LINK_LOCAL_HIGH;
                srcLow = addrs.linkLocal()[tx];
            }
            long group = Ipv6.solicitedNodeLow(low);
            long mac = ctx.interfaces().mac(tx);
            Ethernet.destination(m, frame, Ipv6.multicastMac(group));
            Ethernet.source(m, frame, mac);
            Ethernet.etherType(m, frame, Ethernet.TYPE_IPV6);
            Ipv6.writeHeader(m, ip, NS_LENGTH, Ipv6.NEXT_ICMP6, Icmp6.ND_HOP_LIMIT, srcHigh, srcLow,
                    Ipv6.SOLICITED_NODE_HIGH, group);
            long icmp = ip + Ipv6.HEADER_LENGTH;
            m.set(ValueLayout.JAVA_INT_UNALIGNED, icmp, 0);
            m.set(ValueLayout.JAVA_BYTE, icmp, (byte) Icmp6.NEIGHBOUR_SOLICITATION);
            m.set(ValueLayout.JAVA_INT_UNALIGNED, icmp + 4, 0);
            m.set(Icmp6.NET_LONG, icmp + 8, high);
            m.set(Icmp6.NET_LONG, icmp + 16, low);
            m.set(ValueLayout.JAVA_BYTE, icmp + 24, (byte) Icmp6.OPTION_SOURCE_LLA);
            m.set(ValueLayout.JAVA_BYTE, icmp + 25, (byte) 1);
            Icmp6.writeMac(m, icmp + 26, mac);
            Icmp6.writeChecksum(m, ip, NS_LENGTH);
            pool.length(b, pool.l3Offset(b) + Ipv6.HEADER_LENGTH + NS_LENGTH);
            v.next(i, 0);
        }
    }
}
