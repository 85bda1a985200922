package dev.junction.routing.nodes;

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
 * Answers a packet with an ICMPv6 error (destination unreachable, time exceeded, packet too big),
 * built in the packet's own buffer: 48 bytes of headroom become the new IPv6 and ICMPv6 headers in
 * front of the offending packet, which is cut so that the error fits the IPv6 minimum MTU (RFC 4443).
 * Never about an ICMPv6 error, to an unspecified or multicast source, or (except packet too big) about
 * a packet sent to a multicast group; at most {@link #PER_SECOND} a second per worker.
 */
public final class Ip6IcmpErrorNode implements PacketNode {
    public static final String UNREACHABLE = "ip6-unreachable";
    public static final String HOP_LIMIT = "ip6-hop-limit-exceeded";
    public static final String TOO_BIG = "ip6-packet-too-big";
    static final int PER_SECOND = 1000;
    static final int LOOKUP = 0, REWRITE = 1;
    static final int RATE_LIMITED = 0, NOT_ANSWERED = 1, NO_ADDRESS = 2, UNROUTABLE = 3;
    private static final int PREPENDED = Ipv6.HEADER_LENGTH + 8;
    private final String name;
    private final int type;
    private final Vrfs vrfs;
    private final TokenBuckets tokens = new TokenBuckets(PER_SECOND);

    public Ip6IcmpErrorNode(String name, Vrfs vrfs) {
        this.name = name;
        this.type = switch (name) {
            case UNREACHABLE -> Icmp6.DESTINATION_UNREACHABLE;
            case HOP_LIMIT -> Icmp6.TIME_EXCEEDED;
            case TOO_BIG -> Icmp6.PACKET_TOO_BIG;
            default -> throw new IllegalArgumentException("no ICMPv6 error node " + name);
        };
        this.vrfs = vrfs;
    }

    @Override
    public void workers(int count) {
        tokens.workers(count);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> next() {
        return List.of(Ip6LookupNode.NAME, Ip6RewriteNode.NAME);
    }

    @Override
    public List<String> errors() {
        String what = switch (type) {
            case Icmp6.DESTINATION_UNREACHABLE -> "no route";
            case Icmp6.TIME_EXCEEDED -> "hop limit exceeded";
            default -> "too big for the output MTU";
        };
        return List.of(what + ": ICMPv6 rate-limited", what + ": no ICMPv6 for it (ICMPv6 error, multicast or bad source)",
                what + ": no IPv6 address to send ICMPv6 from", what + ": ICMPv6 does not fit the buffer");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        long[] bucket = tokens.refill(ctx.worker(), ctx.now());
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            Ip6Tables.Addresses addrs = vrfs.ip6(pool.vrf(b)).addresses;
            int l3 = pool.l3Offset(b);
            long ip = pool.data(b) + l3;
            long sh = Ipv6.sourceHigh(m, ip), sl = Ipv6.sourceLow(m, ip);
            int total = Ipv6.HEADER_LENGTH + Ipv6.payloadLength(m, ip);
            boolean icmpError = Ipv6.nextHeader(m, ip) == Ipv6.NEXT_ICMP6
                    && (total < Ipv6.HEADER_LENGTH + 1 || Icmp6.type(m, ip + Ipv6.HEADER_LENGTH) < 128);
            boolean toGroup = Ipv6.isMulticast(Ipv6.destinationHigh(m, ip)) && type != Icmp6.PACKET_TOO_BIG;
            if (icmpError || toGroup || (sh | sl) == 0 || Ipv6.isMulticast(sh)) {
                v.drop(i, NOT_ANSWERED);
                continue;
            }
            int rx = pool.rxInterface(b);
            if (rx < 0 || rx >= addrs.linkLocal().length || addrs.linkLocal()[rx] == 0) {
                v.drop(i, NO_ADDRESS);
                continue;
            }
            // From the receiving interface's global address, or its link-local one for a link-local sender.
            long fromHigh = addrs.high()[rx], fromLow = addrs.low()[rx];
            if ((fromHigh | fromLow) == 0 || Ipv6.isLinkLocal(sh)) {
                fromHigh = Ipv6.LINK_LOCAL_HIGH;
                fromLow = addrs.linkLocal()[rx];
            }
            if (TokenBuckets.empty(bucket)) {
                v.drop(i, RATE_LIMITED);
                continue;
            }
            int mtu = ctx.interfaces().mtu(Math.max(pool.txInterface(b), 0));
            if (!pool.advance(b, -PREPENDED)) {
                v.drop(i, UNROUTABLE);
                continue;
            }
            TokenBuckets.take(bucket);
            int quote = Math.min(total, Ipv6.MIN_MTU - PREPENDED);
            long nip = pool.data(b) + l3;
            long icmp = nip + Ipv6.HEADER_LENGTH;
            int icmpLen = 8 + quote;
            Ipv6.writeHeader(m, nip, icmpLen, Ipv6.NEXT_ICMP6, 64, fromHigh, fromLow, sh, sl);
            m.set(ValueLayout.JAVA_INT_UNALIGNED, icmp, 0);
            m.set(ValueLayout.JAVA_BYTE, icmp, (byte) type);
            m.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), icmp + 4,
                    type == Icmp6.PACKET_TOO_BIG ? mtu : 0);
            Icmp6.writeChecksum(m, nip, icmpLen);
            Ethernet.etherType(m, pool.data(b), Ethernet.TYPE_IPV6); // addresses come from ip6-rewrite
            pool.length(b, l3 + Ipv6.HEADER_LENGTH + icmpLen);
            if (Ipv6.isLinkLocal(sh)) {
                pool.txInterface(b, rx);
                pool.adjacency(b, 0);
                v.next(i, REWRITE);
            } else {
                v.next(i, LOOKUP);
            }
        }
    }
}
