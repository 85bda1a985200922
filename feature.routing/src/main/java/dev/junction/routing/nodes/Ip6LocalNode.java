package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip6Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * IPv6 packets for the router itself: ICMPv6 echo requests become echo replies in place; neighbour
 * solicitations for its addresses are answered with an advertisement on the receiving interface;
 * solicitations and advertisements teach the neighbour cache. A next header or UDP port another bundle
 * serves ({@code LocalService}) goes to that bundle's node. Everything else is dropped, counted by
 * reason. Replies to a link-local address go straight back out of the receiving interface, since no
 * route covers link-local addresses.
 */
public final class Ip6LocalNode implements PacketNode {
    public static final String NAME = "ip6-local";
    static final int LOOKUP = 0, REWRITE = 1, OUTPUT = 2;
    static final int NO_SERVICE = 0, BAD_ICMP = 1, NOT_HANDLED = 2, BAD_ND = 3, NOT_FOR_US = 4, ADVERT_LEARNED = 5,
            TABLE_FULL = 6, MULTICAST_ECHO = 7, CONFLICT = 8;
    private final Vrfs vrfs;

    public Ip6LocalNode(Vrfs vrfs) {
        this.vrfs = vrfs;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return vrfs.localServices.next(List.of(Ip6LookupNode.NAME, Ip6RewriteNode.NAME, Arcs.start(Arcs.OUTPUT)));
    }

    @Override
    public List<String> errors() {
        return List.of("no local service for this next header", "bad ICMPv6 length or checksum",
                "ICMPv6 type not handled (router solicitation, MLD, ...)", "malformed neighbour discovery message",
                "neighbour solicitation not for a router address", "neighbour advertisement (learned)",
                "neighbour table full", "echo request to a multicast group (not answered)",
                "address conflict: another host advertises a router address (not learned)");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            long ip = pool.data(b) + pool.l3Offset(b);
            int next = Ipv6.nextHeader(m, ip);
            if (next != Ipv6.NEXT_ICMP6) {
                int t = vrfs.localServices.target(m, next, ip + Ipv6.HEADER_LENGTH, Ipv6.payloadLength(m, ip));
                if (t >= 0) {
                    v.next(i, OUTPUT + 1 + t);
                } else {
                    v.drop(i, NO_SERVICE);
                }
                continue;
            }
            int len = Ipv6.payloadLength(m, ip);
            if (len < 8 || Ipv6.upperLayerSum(m, ip, Ipv6.NEXT_ICMP6, len) != 0xFFFF) {
                v.drop(i, BAD_ICMP);
                continue;
            }
            long icmp = ip + Ipv6.HEADER_LENGTH;
            switch (Icmp6.type(m, icmp)) {
                case Icmp6.ECHO_REQUEST -> echo(v, i, b, pool, m, ip, len);
                case Icmp6.NEIGHBOUR_SOLICITATION -> solicitation(v, i, b, pool, m, ip, len, ctx);
                case Icmp6.NEIGHBOUR_ADVERTISEMENT -> advertisement(v, i, b, pool, m, ip, len, ctx);
                default -> v.drop(i, NOT_HANDLED);
            }
        }
    }

    private void echo(PacketVector v, int i, int b, PacketPool pool, MemorySegment m, long ip, int len) {
        if (Ipv6.isMulticast(Ipv6.destinationHigh(m, ip))) {
            v.drop(i, MULTICAST_ECHO);
            return;
        }
        long sh = Ipv6.sourceHigh(m, ip), sl = Ipv6.sourceLow(m, ip);
        Ipv6.source(m, ip, Ipv6.destinationHigh(m, ip), Ipv6.destinationLow(m, ip));
        Ipv6.destination(m, ip, sh, sl);
        Ipv6.hopLimit(m, ip, 64);
        m.set(ValueLayout.JAVA_BYTE, ip + Ipv6.HEADER_LENGTH, (byte) Icmp6.ECHO_REPLY);
        Icmp6.writeChecksum(m, ip, len);
        replyTo(v, i, b, pool, sh);
    }

    /** Replies to link-local sources go back out of the receiving interface, others are routed. */
    private static void replyTo(PacketVector v, int i, int b, PacketPool pool, long dstHigh) {
        if (Ipv6.isLinkLocal(dstHigh)) {
            pool.txInterface(b, pool.rxInterface(b));
            pool.adjacency(b, 0);
            v.next(i, REWRITE);
        } else {
            v.next(i, LOOKUP);
        }
    }

    /** Whether the address is one of the router's on interface {@code rx}. */
    private static boolean ours(Ip6Tables tables, int rx, long high, long low) {
        if (Ipv6.isLinkLocal(high)) {
            return high == Ipv6.LINK_LOCAL_HIGH && low != 0 && low == tables.linkLocalOf(rx);
        }
        return tables.isLocal(high, low, rx);
    }

    /**
     * RFC 4861's checks common to solicitations and advertisements: hop limit 255 (so that it cannot
     * come from off the link), code 0, and at least the fixed part with the target.
     */
    private static boolean ndHeaderValid(MemorySegment m, long ip, int len) {
        return Ipv6.hopLimit(m, ip) == Icmp6.ND_HOP_LIMIT && len >= Icmp6.ND_LENGTH
                && m.get(ValueLayout.JAVA_BYTE, ip + Ipv6.HEADER_LENGTH + 1) == 0;
    }

    private void solicitation(PacketVector v, int i, int b, PacketPool pool, MemorySegment m, long ip, int len,
            NodeContext ctx) {
        long icmp = ip + Ipv6.HEADER_LENGTH;
        if (!ndHeaderValid(m, ip, len)) {
            v.drop(i, BAD_ND);
            return;
        }
        long th = m.get(Icmp6.NET_LONG, icmp + 8), tl = m.get(Icmp6.NET_LONG, icmp + 16);
        long sh = Ipv6.sourceHigh(m, ip), sl = Ipv6.sourceLow(m, ip);
        boolean unspecified = (sh | sl) == 0;
        long lla = Icmp6.linkLayerOption(m, icmp + Icmp6.ND_LENGTH, icmp + len, Icmp6.OPTION_SOURCE_LLA);
        if (Ipv6.isMulticast(th) || lla == -2 || unspecified && lla >= 0) {
            v.drop(i, BAD_ND);
            return;
        }
        int rx = pool.rxInterface(b);
        if (!ours(vrfs.ip6(pool.vrf(b)), rx, th, tl)) {
            v.drop(i, NOT_FOR_US);
            return;
        }
        long frame = pool.data(b);
        long peerMac = Ethernet.source(m, frame);
        if (!unspecified && !vrfs.neighbours6.learn(rx, sh, sl, lla >= 0 ? lla : peerMac, ctx.now())) {
            v.drop(i, TABLE_FULL);
            return;
        }
        // The advertisement, in place: to the solicitor, or to all nodes when it has no address yet (DAD).
        long mac = ctx.interfaces().mac(rx);
        int flags = Icmp6.NA_ROUTER | Icmp6.NA_OVERRIDE | (unspecified ? 0 : Icmp6.NA_SOLICITED);
        long dh = unspecified ? Ipv6.ALL_NODES_HIGH : sh, dl = unspecified ? Ipv6.ALL_NODES_LOW : sl;
        Ethernet.destination(m, frame, unspecified ? Ipv6.multicastMac(Ipv6.ALL_NODES_LOW) : peerMac);
        Ethernet.source(m, frame, mac);
        Ipv6.writeHeader(m, ip, Icmp6.ND_WITH_OPTION_LENGTH, Ipv6.NEXT_ICMP6, Icmp6.ND_HOP_LIMIT, th, tl, dh, dl);
        Icmp6.writeNeighbourMessage(m, ip, Icmp6.NEIGHBOUR_ADVERTISEMENT, flags, th, tl, Icmp6.OPTION_TARGET_LLA, mac);
        pool.length(b, pool.l3Offset(b) + Ipv6.HEADER_LENGTH + Icmp6.ND_WITH_OPTION_LENGTH);
        pool.txInterface(b, rx);
        v.next(i, OUTPUT);
    }

    private void advertisement(PacketVector v, int i, int b, PacketPool pool, MemorySegment m, long ip, int len,
            NodeContext ctx) {
        long icmp = ip + Ipv6.HEADER_LENGTH;
        if (!ndHeaderValid(m, ip, len)) {
            v.drop(i, BAD_ND);
            return;
        }
        long th = m.get(Icmp6.NET_LONG, icmp + 8), tl = m.get(Icmp6.NET_LONG, icmp + 16);
        long lla = Icmp6.linkLayerOption(m, icmp + Icmp6.ND_LENGTH, icmp + len, Icmp6.OPTION_TARGET_LLA);
        if (Ipv6.isMulticast(th) || lla == -2) {
            v.drop(i, BAD_ND);
            return;
        }
        long mac = lla >= 0 ? lla : Ethernet.source(m, pool.data(b));
        int rx = pool.rxInterface(b);
        if (ours(vrfs.ip6(pool.vrf(b)), rx, th, tl)) {
            // Another host advertises one of the router's addresses: a conflict, never learned.
            v.drop(i, mac == ctx.interfaces().mac(rx) ? ADVERT_LEARNED : CONFLICT);
            return;
        }
        // An answer to the router's solicitation makes an entry; an unsolicited one only refreshes
        // a neighbour it has (as Linux does), so that advertisements cannot fill the table.
        boolean solicited = (m.get(ValueLayout.JAVA_BYTE, icmp + 4) & Icmp6.NA_SOLICITED) != 0;
        if (solicited) {
            v.drop(i, vrfs.neighbours6.learn(rx, th, tl, mac, ctx.now()) ? ADVERT_LEARNED : TABLE_FULL);
        } else {
            vrfs.neighbours6.refresh(rx, th, tl, mac, ctx.now());
            v.drop(i, ADVERT_LEARNED);
        }
    }
}
