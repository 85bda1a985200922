package dev.junction.routing.nodes;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Answers a packet with an ICMP error (destination unreachable, time exceeded, fragmentation
 * needed), built in the packet's own buffer: 28 bytes of headroom become the new IP and ICMP headers
 * in front of the offending header and its first 8 payload bytes, which stay where they are. Then
 * routed back to the sender. Never about an ICMP error, a later fragment or a non-unicast source;
 * at most {@link #PER_SECOND} a second per worker (RFC 1812 asks routers to rate-limit).
 */
public final class Ip4IcmpErrorNode implements PacketNode {
    public static final String UNREACHABLE = "ip4-unreachable";
    public static final String TTL_EXPIRED = "ip4-ttl-expired";
    public static final String FRAG_NEEDED = "ip4-frag-needed";
    static final int PER_SECOND = 1000;
    static final int RATE_LIMITED = 0, NOT_ANSWERED = 1, NO_ADDRESS = 2, UNROUTABLE = 3;
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private final String name;
    private final int type;
    private final int code;
    private final Vrfs vrfs;
    private final TokenBuckets tokens = new TokenBuckets(PER_SECOND);

    public Ip4IcmpErrorNode(String name, int type, int code, Vrfs vrfs) {
        this.name = name;
        this.type = type;
        this.code = code;
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
        return List.of(Ip4LookupNode.NAME);
    }

    @Override
    public List<String> errors() {
        String what = switch (name) {
            case UNREACHABLE -> "no route";
            case TTL_EXPIRED -> "TTL expired";
            default -> "too big for the output MTU with DF set";
        };
        return List.of(what + ": ICMP rate-limited", what + ": no ICMP for it (ICMP error, fragment or bad source)",
                what + ": no address to send ICMP from", what + ": ICMP does not fit the buffer");
    }

    /** ICMP errors (unreachable, source quench, redirect, time exceeded, parameter problem) get no answer. */
    private static boolean isErrorType(byte t) {
        return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        long[] bucket = tokens.refill(ctx.worker(), ctx.now());
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int l3 = pool.l3Offset(b);
            long ip = pool.data(b) + l3;
            int src = Ipv4.source(m, ip);
            int ihl = Ipv4.headerLength(m, ip);
            boolean icmpError = Ipv4.protocol(m, ip) == Ipv4.PROTO_ICMP
                    && (ihl + 1 > Ipv4.totalLength(m, ip) || isErrorType(m.get(ValueLayout.JAVA_BYTE, ip + ihl)));
            if (icmpError || Ipv4.isLaterFragment(m, ip) || src == 0 || src == -1 || (src & 0xF000_0000) == 0xE000_0000) {
                v.drop(i, NOT_ANSWERED);
                continue;
            }
            int from = vrfs.ip4(pool.vrf(b)).addressOf(pool.rxInterface(b));
            if (from == 0) {
                v.drop(i, NO_ADDRESS);
                continue;
            }
            if (TokenBuckets.empty(bucket)) {
                v.drop(i, RATE_LIMITED);
                continue;
            }
            int mtu = ctx.interfaces().mtu(Math.max(pool.txInterface(b), 0));
            int quote = Math.min(ihl + 8, Ipv4.totalLength(m, ip));
            if (!pool.advance(b, -28)) {
                v.drop(i, UNROUTABLE);
                continue;
            }
            TokenBuckets.take(bucket);
            long nip = pool.data(b) + l3;
            long icmp = nip + 20;
            int icmpLen = 8 + quote;
            m.set(ValueLayout.JAVA_BYTE, icmp, (byte) type);
            m.set(ValueLayout.JAVA_BYTE, icmp + 1, (byte) code);
            m.set(NET_SHORT, icmp + 2, (short) 0);
            m.set(NET_SHORT, icmp + 4, (short) 0);
            m.set(NET_SHORT, icmp + 6, (short) (type == 3 && code == 4 ? mtu : 0));
            m.set(NET_SHORT, icmp + 2, (short) (~Ipv4.sum(m, icmp, icmpLen) & 0xFFFF));
            Ipv4.writeHeader(m, nip, 20 + icmpLen, 64, Ipv4.PROTO_ICMP, from, src);
            Ethernet.etherType(m, pool.data(b), Ethernet.TYPE_IPV4); // addresses come from ip4-rewrite
            pool.length(b, l3 + 20 + icmpLen);
            v.next(i, 0);
        }
    }
}
