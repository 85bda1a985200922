package dev.junction.mpls.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.mpls.tables.FtnEntry;
import dev.junction.mpls.tables.FtnTable;
import dev.junction.mpls.tables.MplsHeader;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.mpls.tables.Nhlfe;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The label edge: IPv4 and IPv6 packets routing steered here (an {@code mpls-ftn} prefix; the
 * entry's index is in the adjacency word) get the entry's label stack for one of its next hops (by
 * flow hash), the IP TTL decremented (this is a routed hop), and leave for {@code arc:output} with
 * the neighbour's Ethernet header. The pushed labels' TTL is the IP TTL (uniform) or 255 (pipe); their
 * TC the DSCP's top three bits or the entry's. A next hop with no labels (implicit null) forwards the
 * packet as IP.
 *
 * <p>An IPv4 packet that cannot enter the LSP is answered as a router answers (RFC 1812 4.3.2): TTL
 * 1 or 0 with time exceeded, too big for the interface MTU once the labels are counted (and DF set)
 * with destination unreachable, fragmentation needed, carrying the MTU left for IP (RFC 1191), so
 * that path MTU discovery through the LSP works. Both come from the receiving interface's first IPv4
 * address, quote the first 128 bytes of the packet at most, and go to ip4-lookup in the packet's VRF.
 * Too big without DF is dropped (the LSP does not fragment), counted.
 */
public final class MplsImposeNode implements PacketNode {
    public static final String NAME = "mpls-impose";
    static final int OUTPUT = 0, IP4_LOOKUP = 1;
    /** The most of the packet an ICMP error quotes (a 576-byte datagram holds it whole). */
    static final int QUOTE = 128;
    public static final int NO_ENTRY = 0, TTL_EXPIRED = 1, UNRESOLVED = 2, NO_HEADROOM = 3, TOO_BIG = 4, NOT_IP = 5;
    public static final int C_IMPOSED = 0, C_UNLABELLED = 1, C_TIME_EXCEEDED = 2, C_FRAG_NEEDED = 3;
    private final MplsTables tables;

    public MplsImposeNode(MplsTables tables) {
        this.tables = tables;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT), "ip4-lookup");
    }

    @Override
    public List<String> errors() {
        return List.of("no imposition entry", "TTL expired", "next hop unresolved", "no headroom for labels",
                "too big for the interface MTU", "not IPv4 or IPv6 (or truncated)");
    }

    @Override
    public List<String> counters() {
        return List.of("labelled", "forwarded unlabelled (implicit null)", "ICMP time exceeded sent",
                "ICMP fragmentation needed sent");
    }

    @Override
    public void workers(int count) {
        tables.ftns.counters().workers(count);
        scratch.resize(count);
    }

    /** One worker's scratch: the fast words of the vector in hand (see {@link FtnTable#fastWords()}). */
    private static final class Scratch {
        final long[] w0 = new long[PacketVector.MAX];
        final long[] w1 = new long[PacketVector.MAX];
        /** What impose left for a too-big answer: the MTU for IP on the chosen next hop's interface. */
        int ipMtu;
    }

    private final PerWorker<Scratch> scratch = new PerWorker<>(w -> new Scratch());

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        InterfaceView ifs = ctx.interfaces();
        FtnTable ftns = tables.ftns;
        long[] perEntry = ftns.counters().of(ctx.worker());
        long[] words = ftns.fastWords();
        Scratch s = scratch.get(ctx.worker());
        long[] w0s = s.w0, w1s = s.w1;
        int n = v.count();
        // Pass 1, the table loads alone, so that the cache misses of many packets overlap.
        for (int i = 0; i < n; i++) {
            int idx = pool.adjacency(v.buffer(i));
            boolean in = idx >= 0 && idx < FtnTable.MAX_ENTRIES;
            w0s[i] = in ? FtnTable.word(words, 2 * idx) : 0;
            w1s[i] = in ? FtnTable.word(words, 2 * idx + 1) : 0;
        }
        int imposed = 0;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            long w0 = w0s[i];
            if (w0 != 0 && FtnTable.word(words, 2 * pool.adjacency(b)) != w0) {
                w0 = 0; // changed since pass 1: take the entry itself
            }
            int r = impose(pool, m, ifs, ctx, ftns, perEntry, b, w0, w1s[i], s);
            if (r < 0) {
                int reason = -1 - r;
                if (reason == TTL_EXPIRED) {
                    icmpError(v, ctx, pool, m, b, 11, 0, 0, C_TIME_EXCEEDED);
                } else if (reason == TOO_BIG && Ipv4.dontFragment(m, pool.data(b) + pool.l3Offset(b))) {
                    icmpError(v, ctx, pool, m, b, 3, 4, s.ipMtu, C_FRAG_NEEDED);
                }
                v.drop(i, reason);
            } else {
                v.next(i, OUTPUT);
                imposed += r;
            }
        }
        ctx.count(C_IMPOSED, imposed);
    }

    /**
     * Returns 1 when labels were pushed, 0 when the packet leaves unlabelled (implicit null), or -1 - a
     * drop reason. {@code w0}, {@code w1}: the entry's fast words, or w0 0 to read the entry.
     */
    private static int impose(PacketPool pool, MemorySegment m, InterfaceView ifs, NodeContext ctx, FtnTable ftns,
            long[] perEntry, int b, long w0, long w1, Scratch s) {
        FtnEntry e = null;
        if (w0 == 0) {
            e = ftns.get(pool.adjacency(b));
            if (e == null) {
                return -1 - NO_ENTRY;
            }
        }
        long frame = pool.data(b);
        int l3 = pool.l3Offset(b);
        int len = pool.length(b);
        long ip = frame + l3;
        int ipLen = len - l3;
        int ver = ipLen > 0 ? Frames.version(m, ip) : 0;
        int ttl, tos, type;
        if (ver == 4 && ipLen >= Ipv4.MIN_HEADER) {
            ttl = Ipv4.ttl(m, ip);
            tos = m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, ip + 1) & 0xFF;
            type = Ethernet.TYPE_IPV4;
        } else if (ver == 6 && ipLen >= Ipv6.HEADER_LENGTH) {
            ttl = Ipv6.hopLimit(m, ip);
            tos = (MplsHeader.word(m, ip) >>> 20) & 0xFF;
            type = Ethernet.TYPE_IPV6;
        } else {
            return -1 - NOT_IP;
        }
        if (ttl <= 1) {
            return -1 - TTL_EXPIRED;
        }
        Nhlfe p = null;
        long res;
        int k, slot, tcSet;
        boolean uniform;
        if (e == null) { // one label towards one next hop, from the fast words
            res = w1;
            k = 1;
            slot = pool.adjacency(b);
            uniform = (w0 & FtnTable.UNIFORM) != 0;
            tcSet = FtnTable.tc(w0);
        } else {
            Nhlfe[] paths = e.paths();
            if (paths.length == 1) {
                p = paths[0];
            } else if (paths.length == 0) {
                return -1 - UNRESOLVED;
            } else {
                int h = Frames.ipHash(m, ip, ipLen, 0x2545_F491);
                pool.flowHash(b, h);
                p = paths[(h & 0x7FFF_FFFF) % paths.length];
            }
            res = p.resolved();
            k = p.labelCount();
            slot = e.slot();
            uniform = e.uniform();
            tcSet = e.tc();
        }
        if (res == Nhlfe.UNRESOLVED) {
            return -1 - UNRESOLVED;
        }
        int tx = Nhlfe.ifIndex(res);
        long top = ip - (long) MplsHeader.LENGTH * k;
        long newFrame = top - Ethernet.HEADER_LENGTH;
        int shift = (int) (newFrame - frame);
        if (len - shift - Ethernet.HEADER_LENGTH > ifs.mtu(tx)) {
            s.ipMtu = ifs.mtu(tx) - MplsHeader.LENGTH * k;
            return -1 - TOO_BIG;
        }
        if (!pool.advance(b, shift)) {
            return -1 - NO_HEADROOM;
        }
        perEntry[2 * slot]++;
        perEntry[2 * slot + 1] += len - l3;
        if (type == Ethernet.TYPE_IPV4) {
            Ipv4.decrementTtl(m, ip);
        } else {
            Ipv6.hopLimit(m, ip, ttl - 1);
        }
        int labelTtl = uniform ? ttl - 1 : 255;
        int tc = tcSet == FtnEntry.TC_COPY ? tos >>> 5 : tcSet;
        for (int j = 0; j < k; j++) {
            int label = p == null ? (int) w0 & MplsHeader.MAX_LABEL : p.label(j);
            MplsHeader.word(m, top + MplsHeader.LENGTH * j, MplsHeader.make(label, tc, j == k - 1, labelTtl));
        }
        Frames.ethernet(m, newFrame, Nhlfe.mac(res), ifs.mac(tx), k > 0 ? Ethernet.TYPE_MPLS : type);
        pool.l3Offset(b, Ethernet.HEADER_LENGTH);
        pool.txInterface(b, tx);
        if (k == 0) {
            ctx.count(C_UNLABELLED, 1);
        }
        return k > 0 ? 1 : 0;
    }

    /**
     * Appends an ICMP error about IPv4 packet {@code b} (RFC 792) for ip4-lookup: {@code word2} is the
     * second header word's low half (the next-hop MTU of a fragmentation-needed). None for an ICMP
     * error, a later fragment, a source that cannot be answered, no address on the receiving
     * interface, a full vector or pool.
     */
    private void icmpError(PacketVector v, NodeContext ctx, PacketPool pool, MemorySegment m, int b, int type, int code,
            int word2, int counter) {
        long ip = pool.data(b) + pool.l3Offset(b);
        int ipLen = pool.length(b) - pool.l3Offset(b);
        if (v.isFull() || !Frames.answerable(m, ip, ipLen)) {
            return;
        }
        int src = Ipv4.source(m, ip);
        int rx = pool.rxInterface(b);
        int[] addresses = tables.interfaceAddresses();
        if (rx < 0 || rx >= addresses.length || addresses[rx] == 0) {
            return;
        }
        int nb = pool.allocate();
        if (nb < 0) {
            return;
        }
        long f = pool.data(nb);
        long nip = f + Ethernet.HEADER_LENGTH;
        long icmp = nip + Ipv4.MIN_HEADER;
        int quoted = Math.min(QUOTE, ipLen);
        MemorySegment.copy(m, ip, m, icmp + 8, quoted);
        int icmpLen = 8 + quoted;
        MplsHeader.word(m, icmp, type << 24 | code << 16);
        MplsHeader.word(m, icmp + 4, word2 & 0xFFFF);
        Frames.sendIcmp4(v, pool, m, nb, icmpLen, addresses[rx], src, rx, pool.vrf(b), IP4_LOOKUP);
        ctx.count(counter, 1);
    }
}
