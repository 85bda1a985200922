package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.routing.internal.Announcements;
import dev.junction.routing.internal.Ip6Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Packets whose IPv6 next hop has no neighbour entry: a neighbour solicitation to the next hop's
 * solicited-node group asks for it, and the packet waits in the hold queue of
 * {@link NeighbourResolverNode} (released to ip6-rewrite when the answer came, asked for again each
 * second, dropped after 3 s; with the queue full the packet itself becomes the solicitation).
 *
 * <p>The tick also sends the unsolicited neighbour advertisements the control path asks for when an
 * address comes up on an interface ({@link Announcements}).
 */
public final class Ip6NdNode extends NeighbourResolverNode {
    public static final String NAME = "ip6-nd";

    public Ip6NdNode(Vrfs vrfs) {
        super(vrfs, true);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT), Ip6RewriteNode.NAME);
    }

    @Override
    public List<String> errors() {
        return List.of("awaiting neighbour discovery (hold queue full)", "no IPv6 address on the output interface",
                "neighbour discovery failed (no answer in 3 s)", "unresolved when ip6-nd left the graph (bundle updated or stopped)");
    }

    /** A link-local address on the output interface (every interface with an IPv6 address has one). */
    @Override
    boolean hasSource(PacketPool pool, int b) {
        long[] linkLocal = vrfs.ip6(pool.vrf(b)).addresses.linkLocal();
        int tx = pool.txInterface(b);
        return tx >= 0 && tx < linkLocal.length && linkLocal[tx] != 0;
    }

    /** The hashed interface and next hop the rate limit is kept for. */
    @Override
    long key(PacketPool pool, MemorySegment m, int b) {
        Ip6Tables tables = vrfs.ip6(pool.vrf(b));
        long ip = pool.data(b) + pool.l3Offset(b);
        long high = targetHigh(tables, m, ip, pool.adjacency(b)), low = targetLow(tables, m, ip, pool.adjacency(b));
        return (high * 0x9E37_79B9_7F4A_7C15L) ^ low ^ ((long) pool.txInterface(b) << 48);
    }

    @Override
    boolean resolved(PacketPool pool, MemorySegment m, int b) {
        Ip6Tables tables = vrfs.ip6(pool.vrf(b));
        long ip = pool.data(b) + pool.l3Offset(b);
        return vrfs.neighbours6.lookup(pool.txInterface(b), targetHigh(tables, m, ip, pool.adjacency(b)),
                targetLow(tables, m, ip, pool.adjacency(b))) >= 0;
    }

    /** The next hop a packet waits for: its adjacency's gateway, or its destination when on-link. */
    private static long targetHigh(Ip6Tables tables, MemorySegment m, long ip, int id) {
        Ip6Tables.Adjacencies adj = tables.adjacencies;
        return id > 0 && id < adj.gatewayHigh().length && (adj.gatewayHigh()[id] | adj.gatewayLow()[id]) != 0
                ? adj.gatewayHigh()[id] : Ipv6.destinationHigh(m, ip);
    }

    private static long targetLow(Ip6Tables tables, MemorySegment m, long ip, int id) {
        Ip6Tables.Adjacencies adj = tables.adjacencies;
        return id > 0 && id < adj.gatewayHigh().length && (adj.gatewayHigh()[id] | adj.gatewayLow()[id]) != 0
                ? adj.gatewayLow()[id] : Ipv6.destinationLow(m, ip);
    }

    /** The neighbour solicitation for packet {@code b}'s next hop (the target is read before anything is written). */
    @Override
    void writeRequest(PacketPool pool, MemorySegment m, int r, int b, NodeContext ctx) {
        int tx = pool.txInterface(b);
        long ip = pool.data(b) + pool.l3Offset(b);
        Ip6Tables tables = vrfs.ip6(pool.vrf(b));
        long high = targetHigh(tables, m, ip, pool.adjacency(b));
        long low = targetLow(tables, m, ip, pool.adjacency(b));
        Ip6Tables.Addresses addrs = tables.addresses;
        // From the interface's global address if it has one (the target answers to it, and it
        // is what hosts expect from a router on their subnet), else from its link-local address.
        long srcHigh = addrs.high()[tx], srcLow = addrs.low()[tx];
        if ((srcHigh | srcLow) == 0) {
            srcHigh = Ipv6.LINK_LOCAL_HIGH;
            srcLow = addrs.linkLocal()[tx];
        }
        long frame = pool.data(r);
        long nip = frame + Ethernet.HEADER_LENGTH;
        long group = Ipv6.solicitedNodeLow(low);
        long mac = ctx.interfaces().mac(tx);
        Ethernet.destination(m, frame, Ipv6.multicastMac(group));
        Ethernet.source(m, frame, mac);
        Ethernet.etherType(m, frame, Ethernet.TYPE_IPV6);
        Ipv6.writeHeader(m, nip, Icmp6.ND_WITH_OPTION_LENGTH, Ipv6.NEXT_ICMP6, Icmp6.ND_HOP_LIMIT, srcHigh, srcLow,
                Ipv6.SOLICITED_NODE_HIGH, group);
        Icmp6.writeNeighbourMessage(m, nip, Icmp6.NEIGHBOUR_SOLICITATION, 0, high, low, Icmp6.OPTION_SOURCE_LLA, mac);
        pool.length(r, Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH + Icmp6.ND_WITH_OPTION_LENGTH);
        pool.l3Offset(r, Ethernet.HEADER_LENGTH);
        pool.txInterface(r, tx);
        if (r != b) {
            pool.traceId(r, 0);
        }
    }

    @Override
    Announcements.Sender announcer() {
        return unsolicitedNa;
    }

    /**
     * Unsolicited neighbour advertisements (RFC 4861 7.2.6): to all nodes, from and for the address,
     * router and override flags, the interface's MAC as target link-layer address.
     */
    private final Announcements.Sender unsolicitedNa = new Announcements.Sender() {
        @Override
        public boolean stillOurs(Announcements a, int slot) {
            int tx = a.ifIndex(slot);
            return vrfs.ip6(vrfs.ofInterface(tx)).isLocal(a.high(slot), a.low(slot), tx);
        }

        @Override
        public void write(Announcements a, int slot, int r, NodeContext ctx) {
            PacketPool pool = ctx.pool();
            MemorySegment m = ctx.memory();
            int tx = a.ifIndex(slot);
            long high = a.high(slot), low = a.low(slot);
            long frame = pool.data(r);
            long ip = frame + Ethernet.HEADER_LENGTH;
            long mac = ctx.interfaces().mac(tx);
            Ethernet.destination(m, frame, Ipv6.multicastMac(Ipv6.ALL_NODES_LOW));
            Ethernet.source(m, frame, mac);
            Ethernet.etherType(m, frame, Ethernet.TYPE_IPV6);
            Ipv6.writeHeader(m, ip, Icmp6.ND_WITH_OPTION_LENGTH, Ipv6.NEXT_ICMP6, Icmp6.ND_HOP_LIMIT, high, low,
                    Ipv6.ALL_NODES_HIGH, Ipv6.ALL_NODES_LOW);
            Icmp6.writeNeighbourMessage(m, ip, Icmp6.NEIGHBOUR_ADVERTISEMENT, Icmp6.NA_ROUTER | Icmp6.NA_OVERRIDE, high, low,
                    Icmp6.OPTION_TARGET_LLA, mac);
            pool.length(r, Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH + Icmp6.ND_WITH_OPTION_LENGTH);
            pool.l3Offset(r, Ethernet.HEADER_LENGTH);
            pool.txInterface(r, tx);
        }
    };
}
