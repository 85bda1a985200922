package dev.junction.mpls.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.mpls.tables.ArpWishes;
import dev.junction.mpls.tables.LabelEntry;
import dev.junction.mpls.tables.LabelTable;
import dev.junction.mpls.tables.MplsHeader;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.mpls.tables.Nhlfe;
import dev.junction.packet.Arp;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The label switch: the top label of each frame of the mpls-input arc looked up in the label table
 * and acted on. Swap (to one or more labels, or to none: PHP) and pop-and-forward leave for
 * {@code arc:output} with the Ethernet header of the resolved next hop written here (routing's
 * ip4-rewrite would treat the frame as IPv4); pop-and-lookup and explicit null leave the payload,
 * the labels stripped, for ip4-lookup or ip6-lookup in the entry's VRF; pop-and-continue looks up the
 * next label in the same pass. TTL: the top label's is checked and decremented once per pass
 * (RFC 3032 section 2.4); on disposition the uniform mode copies it into the IP header (the IP
 * rewrite decrements it), the pipe mode leaves the IP TTL alone (RFC 3443).
 *
 * <p>Every frame is first checked whole: its stack must end (bottom-of-stack bit) within
 * {@link MplsHeader#MAX_DEPTH} labels and inside the frame. Between rounds worker 0 sends the ARP
 * requests the control side asks for (gateways it found no neighbour for).
 */
public final class MplsLookupNode implements PacketNode {
    public static final String NAME = "mpls-lookup";
    static final int OUTPUT = 0, IP4_LOOKUP = 1, IP6_LOOKUP = 2;
    public static final int TRUNCATED = 0, NO_BOTTOM = 1, RESERVED = 2, NO_ENTRY = 3, TTL_EXPIRED = 4, UNRESOLVED = 5,
            NO_HEADROOM = 6, TOO_BIG = 7, BAD_PAYLOAD = 8, NOT_BOTTOM = 9;
    public static final int C_SWAPPED = 0, C_POPPED = 1, C_DISPOSED = 2, C_EXPLICIT_NULL = 3, C_ARP = 4, C_ICMP = 5;
    /** RFC 4884: the original datagram quoted in 128 bytes, then the extension structure. */
    static final int QUOTE = 128;
    private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    private final MplsTables tables;

    /** One worker's scratch: the fast words of the vector in hand (see {@link LabelTable#fastWords()}). */
    private static final class Scratch {
        final long[] w0 = new long[PacketVector.MAX];
        final long[] w1 = new long[PacketVector.MAX];
    }

    private final PerWorker<Scratch> scratch = new PerWorker<>(w -> new Scratch());

    public MplsLookupNode(MplsTables tables) {
        this.tables = tables;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String arc() {
        return Arcs.MPLS_INPUT;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT), "ip4-lookup", "ip6-lookup");
    }

    @Override
    public List<String> errors() {
        return List.of("truncated label stack", "no bottom of stack within 8 labels", "reserved label",
                "no label table entry", "TTL expired", "next hop unresolved", "no headroom for labels",
                "too big for the interface MTU", "bad IP payload (not IPv4 or IPv6, truncated, bad header)",
                "VRF label not at the bottom of the stack");
    }

    @Override
    public List<String> counters() {
        return List.of("swapped", "popped and forwarded", "popped to IP lookup", "explicit null popped",
                "ARP requests sent", "ICMP time exceeded sent (RFC 4950)");
    }

    @Override
    public void workers(int count) {
        tables.labels.counters().workers(count);
        scratch.resize(count);
    }

    @Override
    public long tickNanos() {
        return 1_000_000_000L;
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        InterfaceView ifs = ctx.interfaces();
        LabelTable table = tables.labels;
        long[] perEntry = table.counters().of(ctx.worker());
        long[] words = table.fastWords();
        Scratch s = scratch.get(ctx.worker());
        long[] w0s = s.w0, w1s = s.w1;
        int n = v.count();
        // Pass 1, the table loads alone: independent loads over the vector let the CPU overlap the
        // cache misses of many packets (16 MiB of fast words: with many labels most loads miss).
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            long w0 = 0, w1 = 0;
            if (pool.l3Offset(b) == Ethernet.HEADER_LENGTH && pool.length(b) >= Ethernet.HEADER_LENGTH + MplsHeader.LENGTH) {
                int w = MplsHeader.word(m, pool.data(b) + Ethernet.HEADER_LENGTH);
                if (MplsHeader.bottom(w)) {
                    int at = 2 * MplsHeader.label(w);
                    w0 = LabelTable.word(words, at);
                    w1 = LabelTable.word(words, at + 1);
                }
            }
            w0s[i] = w0;
            w1s[i] = w1;
        }
        int swapped = 0;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            long frame = pool.data(b);
            int l3 = pool.l3Offset(b);
            int len = pool.length(b);
            long top = frame + l3;
            int avail = len - l3;
            long w0 = w0s[i];
            if (w0 != 0) {
                // The common case, a one-label stack swapped for one label towards one next hop:
                // no object touched. Anything it does not cover goes the whole way below.
                int word = MplsHeader.word(m, top);
                long res = w1s[i];
                int tx = Nhlfe.ifIndex(res);
                if (LabelTable.word(words, 2 * MplsHeader.label(word)) == w0 && res != Nhlfe.UNRESOLVED
                        && MplsHeader.ttl(word) > 1 && len - Ethernet.HEADER_LENGTH <= ifs.mtu(tx)) {
                    int slot = (int) (w0 >>> 20) & 0x3_FFFF;
                    perEntry[2 * slot]++;
                    perEntry[2 * slot + 1] += len;
                    MplsHeader.word(m, top, MplsHeader.make((int) w0 & MplsHeader.MAX_LABEL, MplsHeader.tc(word), true,
                            MplsHeader.ttl(word) - 1));
                    Frames.ethernet(m, frame, Nhlfe.mac(res), ifs.mac(tx), Ethernet.TYPE_MPLS);
                    pool.txInterface(b, tx);
                    swapped++;
                    v.next(i, OUTPUT);
                    continue;
                }
            }
            // The whole stack first: how deep it is, and that it ends inside the frame.
            int depth = 0;
            boolean ended = false;
            while (depth < MplsHeader.MAX_DEPTH && avail >= MplsHeader.LENGTH * (depth + 1)) {
                int w = MplsHeader.word(m, top + MplsHeader.LENGTH * depth);
                depth++;
                if (MplsHeader.bottom(w)) {
                    ended = true;
                    break;
                }
            }
            if (!ended) {
                v.drop(i, depth == MplsHeader.MAX_DEPTH ? NO_BOTTOM : TRUNCATED);
                continue;
            }
            int first = MplsHeader.word(m, top);
            int ttlIn = MplsHeader.ttl(first), tcIn = MplsHeader.tc(first);
            int pos = 0;
            int verdict = Integer.MIN_VALUE; // set once the packet is dealt with
            while (verdict == Integer.MIN_VALUE) {
                int w = MplsHeader.word(m, top + MplsHeader.LENGTH * pos);
                int label = MplsHeader.label(w);
                boolean bottom = MplsHeader.bottom(w);
                if (label < MplsHeader.FIRST_UNRESERVED) {
                    if (label == MplsHeader.IPV4_EXPLICIT_NULL || label == MplsHeader.IPV6_EXPLICIT_NULL) {
                        if (!bottom) {
                            pos++; // RFC 4182: an explicit null may sit anywhere; the next label decides
                            continue;
                        }
                        int rx = pool.rxInterface(b);
                        int[] vrfs = tables.interfaceVrfs();
                        verdict = dispose(pool, m, b, frame, top, pos + 1, avail, ttlIn, true,
                                rx >= 0 && rx < vrfs.length ? vrfs[rx] : 0, label == MplsHeader.IPV4_EXPLICIT_NULL ? 4 : 6);
                        ctx.count(C_EXPLICIT_NULL, verdict >= 0 ? 1 : 0);
                    } else {
                        verdict = -2 - RESERVED;
                    }
                    break;
                }
                LabelEntry e = table.get(label);
                if (e == null) {
                    verdict = -2 - NO_ENTRY;
                    break;
                }
                perEntry[2 * e.slot()]++;
                perEntry[2 * e.slot() + 1] += len;
                switch (e.action()) {
                    case LabelEntry.POP_CONTINUE -> {
                        if (bottom) {
                            verdict = dispose(pool, m, b, frame, top, pos + 1, avail, ttlIn, e.uniform(),
                                    e.vrf(), 0);
                            ctx.count(C_DISPOSED, verdict >= 0 ? 1 : 0);
                        } else {
                            pos++;
                        }
                    }
                    case LabelEntry.POP_LOOKUP -> {
                        if (!bottom) {
                            verdict = -2 - NOT_BOTTOM;
                        } else {
                            verdict = dispose(pool, m, b, frame, top, pos + 1, avail, ttlIn, e.uniform(),
                                    e.vrf(), 0);
                            ctx.count(C_DISPOSED, verdict >= 0 ? 1 : 0);
                        }
                    }
                    default -> verdict = forward(pool, m, ifs, ctx, b, e, frame, l3, len, top, pos, depth, avail,
                            ttlIn, tcIn, bottom);
                }
            }
            if (verdict == -2 - TTL_EXPIRED) {
                timeExceeded(v, ctx, pool, m, b, top, depth, avail);
                v.drop(i, TTL_EXPIRED);
            } else if (verdict <= -2) {
                v.drop(i, -2 - verdict);
            } else if (verdict >= 0) {
                v.next(i, verdict);
            }
        }
        ctx.count(C_SWAPPED, swapped);
    }

    /**
     * Swap or pop towards one of the entry's next hops: labels 0..pos go, the next hop's labels come,
     * the frame gets the neighbour's Ethernet header. Returns the verdict, or -2 - a drop reason.
     */
    private int forward(PacketPool pool, MemorySegment m, InterfaceView ifs, NodeContext ctx, int b, LabelEntry e,
            long frame, int l3, int len, long top, int pos, int depth, int avail, int ttlIn, int tcIn, boolean bottom) {
        if (ttlIn <= 1) {
            return -2 - TTL_EXPIRED;
        }
        Nhlfe[] paths = e.paths();
        Nhlfe p;
        if (paths.length == 1) {
            p = paths[0];
        } else if (paths.length == 0) {
            return -2 - UNRESOLVED;
        } else {
            int h = 0x2545_F491;
            for (int j = 0; j < depth; j++) {
                h = Frames.mix(h, MplsHeader.word(m, top + MplsHeader.LENGTH * j) & 0xFFFF_F000);
            }
            long payload = top + MplsHeader.LENGTH * depth;
            h = Frames.ipHash(m, payload, avail - MplsHeader.LENGTH * depth, h);
            pool.flowHash(b, h);
            p = paths[(h & 0x7FFF_FFFF) % paths.length];
        }
        long res = p.resolved();
        if (res == Nhlfe.UNRESOLVED) {
            return -2 - UNRESOLVED;
        }
        int tx = Nhlfe.ifIndex(res);
        int k = p.labelCount();
        int ttlOut = ttlIn - 1;
        long rest = top + MplsHeader.LENGTH * (pos + 1); // what stays under the labels that go
        int restLen = avail - MplsHeader.LENGTH * (pos + 1);
        int type;
        if (k > 0 || !bottom) {
            type = Ethernet.TYPE_MPLS;
        } else {
            int ver = restLen > 0 ? Frames.version(m, rest) : 0;
            if (ver == 4 && restLen >= Ipv4.MIN_HEADER) {
                type = Ethernet.TYPE_IPV4;
            } else if (ver == 6 && restLen >= Ipv6.HEADER_LENGTH) {
                type = Ethernet.TYPE_IPV6;
            } else {
                return -2 - BAD_PAYLOAD;
            }
        }
        long newTop = rest - (long) MplsHeader.LENGTH * k;
        long newFrame = newTop - Ethernet.HEADER_LENGTH;
        int shift = (int) (newFrame - frame);
        if (len - shift - Ethernet.HEADER_LENGTH > ifs.mtu(tx)) {
            return -2 - TOO_BIG;
        }
        if (!pool.advance(b, shift)) {
            return -2 - NO_HEADROOM;
        }
        for (int j = 0; j < k; j++) {
            MplsHeader.word(m, newTop + MplsHeader.LENGTH * j,
                    MplsHeader.make(p.label(j), tcIn, bottom && j == k - 1, ttlOut));
        }
        if (k == 0 && e.uniform()) { // PHP or pop: the TTL goes down to what is now on top
            if (type == Ethernet.TYPE_MPLS) {
                MplsHeader.word(m, rest, MplsHeader.withTtl(MplsHeader.word(m, rest), ttlOut));
            } else if (type == Ethernet.TYPE_IPV4) { // never up: a pipe-mode ingress may have set 255
                Frames.ipv4Ttl(m, rest, Math.min(ttlOut, Ipv4.ttl(m, rest)));
            } else {
                Ipv6.hopLimit(m, rest, Math.min(ttlOut, Ipv6.hopLimit(m, rest)));
            }
        }
        Frames.ethernet(m, newFrame, Nhlfe.mac(res), ifs.mac(tx), type);
        pool.l3Offset(b, Ethernet.HEADER_LENGTH);
        pool.txInterface(b, tx);
        ctx.count(k > 0 ? C_SWAPPED : C_POPPED, 1);
        return OUTPUT;
    }

    /**
     * Strips the Ethernet header's labels (the first {@code labels} of the stack) and hands the IP
     * payload to ip4-lookup or ip6-lookup in {@code vrf}. {@code family} 4 or 6 when only that one may
     * be under (explicit null), 0 for either. Returns the verdict, or -2 - a drop reason.
     */
    private static int dispose(PacketPool pool, MemorySegment m, int b, long frame, long top,
            int labels, int avail, int ttlIn, boolean uniform, int vrf, int family) {
        long ip = top + MplsHeader.LENGTH * labels;
        int ipLen = avail - MplsHeader.LENGTH * labels;
        int ver = ipLen > 0 ? Frames.version(m, ip) : 0;
        if (family != 0 && ver != family) {
            return -2 - BAD_PAYLOAD;
        }
        // What ip4-input / ip6-input would check, as the lookups trust it (they come after them): the
        // header whole, the packet inside the frame; the frame is trimmed to the packet.
        int verdict, type, packet;
        if (ver == 4 && ipLen >= Ipv4.MIN_HEADER) {
            int ihl = Ipv4.headerLength(m, ip);
            packet = Ipv4.totalLength(m, ip);
            if (ihl < Ipv4.MIN_HEADER || ihl > ipLen || packet < ihl || packet > ipLen || !Ipv4.checksumOk(m, ip, ihl)) {
                return -2 - BAD_PAYLOAD;
            }
            if (uniform) {
                Frames.ipv4Ttl(m, ip, Math.min(ttlIn, Ipv4.ttl(m, ip)));
            }
            verdict = IP4_LOOKUP;
            type = Ethernet.TYPE_IPV4;
        } else if (ver == 6 && ipLen >= Ipv6.HEADER_LENGTH) {
            packet = Ipv6.HEADER_LENGTH + Ipv6.payloadLength(m, ip);
            if (packet > ipLen) {
                return -2 - BAD_PAYLOAD;
            }
            if (uniform) {
                Ipv6.hopLimit(m, ip, Math.min(ttlIn, Ipv6.hopLimit(m, ip)));
            }
            verdict = IP6_LOOKUP;
            type = Ethernet.TYPE_IPV6;
        } else {
            return -2 - BAD_PAYLOAD;
        }
        long newFrame = ip - Ethernet.HEADER_LENGTH;
        // The MAC addresses move with the frame's start (ip4-rewrite writes them again; a trace shows them).
        MemorySegment.copy(m, frame, m, newFrame, 12);
        Ethernet.etherType(m, newFrame, type);
        pool.advance(b, (int) (newFrame - frame)); // forward: always inside the buffer
        pool.length(b, Ethernet.HEADER_LENGTH + packet);
        pool.l3Offset(b, Ethernet.HEADER_LENGTH);
        pool.vrf(b, vrf);
        return verdict;
    }

    /**
     * Answers an expired label with ICMP time exceeded (RFC 3032 section 2.3.2) from the receiving
     * interface's address to the IPv4 packet's source, routed by ip4-lookup in the default VRF, with
     * the label stack as received in an RFC 4950 extension object after the 128-byte quote (RFC 4884).
     * Not for payloads that are not IPv4, ICMP errors, later fragments or bad sources (as ip4's ICMP
     * errors), nor when the vector or the pool is full: then only counted.
     */
    private void timeExceeded(PacketVector v, NodeContext ctx, PacketPool pool, MemorySegment m, int b, long top,
            int depth, int avail) {
        long ip = top + MplsHeader.LENGTH * depth;
        int ipLen = avail - MplsHeader.LENGTH * depth;
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
        for (int o = quoted; o < QUOTE; o++) {
            m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, icmp + 8 + o, (byte) 0);
        }
        long ext = icmp + 8 + QUOTE;
        int objLen = 4 + MplsHeader.LENGTH * depth;
        MplsHeader.word(m, ext, 0x2000_0000); // version 2, checksum below
        MplsHeader.word(m, ext + 4, objLen << 16 | 1 << 8 | 1); // class 1 (MPLS label stack), c-type 1
        MemorySegment.copy(m, top, m, ext + 8, MplsHeader.LENGTH * depth);
        int extLen = 4 + objLen;
        m.set(Frames.NET_SHORT, ext + 2, (short) (~Ipv4.sum(m, ext, extLen) & 0xFFFF));
        int icmpLen = 8 + QUOTE + extLen;
        MplsHeader.word(m, icmp, 11 << 24); // type 11, code 0
        MplsHeader.word(m, icmp + 4, (QUOTE / 4) << 16); // RFC 4884 length, in 32-bit words
        Frames.sendIcmp4(v, pool, m, nb, icmpLen, addresses[rx], src, rx, 0, IP4_LOOKUP);
        ctx.count(C_ICMP, 1);
    }

    @Override
    public void tick(PacketVector out, NodeContext ctx) {
        if (ctx.worker() != 0) {
            return;
        }
        ArpWishes w = tables.arpWishes();
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        InterfaceView ifs = ctx.interfaces();
        for (int i = 0; i < w.size() && !out.isFull(); i++) {
            int tx = w.ifIndex(i);
            if (tx < 0 || tx >= ifs.size() || !ifs.isUp(tx)) {
                continue;
            }
            int b = pool.allocate();
            if (b < 0) {
                return;
            }
            long frame = pool.data(b);
            for (int o = 0; o < 60; o += 4) {
                m.set(Frames.NET_INT, frame + o, 0); // the padding too: a reused buffer holds old bytes
            }
            Frames.ethernet(m, frame, BROADCAST, ifs.mac(tx), Ethernet.TYPE_ARP);
            Arp.write(m, frame + Ethernet.HEADER_LENGTH, Arp.REQUEST, ifs.mac(tx), w.source(i), 0, w.target(i));
            pool.length(b, 60);
            pool.l3Offset(b, Ethernet.HEADER_LENGTH);
            pool.txInterface(b, tx);
            out.add(b);
            out.next(out.count() - 1, OUTPUT);
            ctx.count(C_ARP, 1);
        }
    }
}
