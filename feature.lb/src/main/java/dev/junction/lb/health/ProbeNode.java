package dev.junction.lb.health;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * {@code lb-probe}: the health checks' TCP handshake probes, from Junction's own data plane. On worker 0's
 * {@link #tick} it turns the probes the checker queued ({@link ProbeSlots}) into SYN segments in new
 * buffers, from a router address and one of the {@link #PORTS} probe ports, and sends them to
 * ip4-lookup or ip6-lookup, which route them to the backend like any packet. The answers come back
 * here from ip4-local and ip6-local (routing's {@code LocalService}: each probe port is claimed): a
 * SYN-ACK passes its probe and is turned, in its own buffer, into the RST that ends the half-open
 * connection (RFC 9293 3.10.7: the sequence number its acknowledgement asked for); a RST fails it.
 * An HTTP probe's SYN-ACK is answered instead with the ACK that carries its GET request, and the first
 * data segment back (its status line) decides, then gets the RST. Either way the outcome is stored in
 * the probe's slot for the checker to read.
 */
public final class ProbeNode implements PacketNode {
    public static final String NAME = "lb-probe";
    /** The TCP ports the probes leave from and their answers come to, on every router address. */
    public static final int FIRST_PORT = 61000, PORTS = 8;
    static final int TO_IP4 = 0, TO_IP6 = 1;
    static final int MALFORMED = 0, BAD_CHECKSUM = 1, NOT_AN_ANSWER = 2, REFUSED = 3;
    static final List<String> ERRORS = List.of("truncated or malformed IP or TCP header", "bad TCP checksum",
            "not an answer to a probe (no SYN-ACK, RST or HTTP answer)", "RST answering a probe (taken)");
    public static final int C_SENT = 0, C_SYN_ACK = 1, C_RST = 2, C_STRAY = 3, C_RST_SENT = 4, C_NO_BUFFER = 5,
            C_HTTP_SENT = 6, C_HTTP_ANSWERS = 7;
    static final List<String> COUNTERS = List.of("probes sent (SYN)", "probes answered SYN-ACK",
            "probes answered RST (refused)", "answers to no probe (late or unknown)", "RST sent (ending a probe)",
            "probes waiting for a free buffer", "HTTP probe requests sent (ACK and GET)", "HTTP probe answers");
    private static final ValueLayout.OfShort U16 = ProbeFrames.U16;
    private static final ValueLayout.OfInt U32 = ProbeFrames.U32;

    private final ProbeSlots slots;

    public ProbeNode(ProbeSlots slots) {
        this.slots = slots;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of("ip4-lookup", "ip6-lookup");
    }

    @Override
    public List<String> errors() {
        return ERRORS;
    }

    @Override
    public List<String> counters() {
        return COUNTERS;
    }

    @Override
    public long tickNanos() {
        return 1_000_000L;
    }

    @Override
    public void tick(PacketVector out, NodeContext ctx) {
        if (ctx.worker() != 0) {
            return; // one sender: the ring has one consumer
        }
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        for (int s = slots.peek(); s >= 0 && !out.isFull(); s = slots.peek()) {
            int b = pool.allocate();
            if (b < 0) {
                ctx.count(C_NO_BUFFER, 1);
                return; // it stays queued for the next tick
            }
            long frame = pool.data(b);
            int fam = slots.family[s];
            m.asSlice(frame, 14).fill((byte) 0); // the MACs are ip4-rewrite's / ip6-rewrite's to write
            Ethernet.etherType(m, frame, fam == 4 ? Ethernet.TYPE_IPV4 : Ethernet.TYPE_IPV6);
            int len = ProbeFrames.write(m, frame + 14, fam, slots.srcHi[s], slots.srcLo[s], slots.dstHi[s],
                    slots.dstLo[s], slots.sport[s], slots.dport[s], slots.isn[s], 0, ProbeFrames.SYN, ProbeFrames.SYN_WINDOW);
            pool.l3Offset(b, 14);
            pool.length(b, 14 + len);
            pool.vrf(b, slots.vrf[s]);
            slots.taken();
            out.add(b);
            out.next(out.count() - 1, fam == 4 ? TO_IP4 : TO_IP6);
            ctx.count(C_SENT, 1);
        }
    }

    /** The status of an answer that starts {@code HTTP/1.x NNN}, 0 for anything else. */
    static int status(MemorySegment m, long at, int length) {
        if (length < 12 || m.get(U32, at) != 0x48545450 || m.get(ValueLayout.JAVA_BYTE, at + 4) != '/'
                || m.get(ValueLayout.JAVA_BYTE, at + 8) != ' ') { // "HTTP"
            return 0;
        }
        int n = 0;
        for (int k = 9; k < 12; k++) {
            int d = m.get(ValueLayout.JAVA_BYTE, at + k) - '0';
            if (d < 0 || d > 9) {
                return 0;
            }
            n = n * 10 + d;
        }
        return n;
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int l3 = pool.l3Offset(b);
            long ip = pool.data(b) + l3;
            int avail = pool.length(b) - l3;
            if (avail < 20) {
                v.drop(i, MALFORMED);
                continue;
            }
            int fam = (m.get(ValueLayout.JAVA_BYTE, ip) & 0xf0) >>> 4;
            long tcp;
            int tcpLen;
            long hi, lo, ourHi, ourLo;
            if (fam == 4) {
                int ihl = Ipv4.headerLength(m, ip);
                int total = Ipv4.totalLength(m, ip);
                if (ihl < 20 || total > avail || total < ihl + 20 || Ipv4.protocol(m, ip) != 6) {
                    v.drop(i, MALFORMED);
                    continue;
                }
                tcp = ip + ihl;
                tcpLen = total - ihl;
                hi = 0;
                lo = Integer.toUnsignedLong(Ipv4.source(m, ip));
                ourHi = 0;
                ourLo = Integer.toUnsignedLong(Ipv4.destination(m, ip));
            } else if (fam == 6 && avail >= 60) {
                int payload = dev.junction.packet.Ipv6.payloadLength(m, ip);
                if (payload + 40 > avail || payload < 20 || dev.junction.packet.Ipv6.nextHeader(m, ip) != 6) {
                    v.drop(i, MALFORMED);
                    continue;
                }
                tcp = ip + 40;
                tcpLen = payload;
                hi = dev.junction.packet.Ipv6.sourceHigh(m, ip);
                lo = dev.junction.packet.Ipv6.sourceLow(m, ip);
                ourHi = dev.junction.packet.Ipv6.destinationHigh(m, ip);
                ourLo = dev.junction.packet.Ipv6.destinationLow(m, ip);
            } else {
                v.drop(i, MALFORMED);
                continue;
            }
            int off = (m.get(ValueLayout.JAVA_BYTE, tcp + 12) & 0xf0) >>> 2;
            if (off < 20 || off > tcpLen) {
                v.drop(i, MALFORMED);
                continue;
            }
            if (ProbeFrames.tcpSum(m, ip, fam, tcp, tcpLen) != 0xFFFF) {
                v.drop(i, BAD_CHECKSUM);
                continue;
            }
            int fromPort = Short.toUnsignedInt(m.get(U16, tcp));
            int toPort = Short.toUnsignedInt(m.get(U16, tcp + 2));
            int seqIn = m.get(U32, tcp + 4);
            int ack = m.get(U32, tcp + 8);
            int flags = m.get(ValueLayout.JAVA_BYTE, tcp + 13) & 0x3f;
            int data = tcpLen - off;
            if ((flags & (ProbeFrames.SYN | ProbeFrames.ACK | ProbeFrames.RST)) == (ProbeFrames.SYN | ProbeFrames.ACK)) {
                int s = slots.slot(fam, hi, lo, fromPort, toPort, ack - 1);
                if (s >= 0 && slots.kind[s] == ProbeSlots.KIND_HTTP) {
                    // HTTP: finish the handshake and ask in one segment (the ACK of their SYN carries the GET).
                    long ours = ip + (fam == 4 ? 20 : 40) + 20;
                    MemorySegment.copy(slots.request, s * ProbeSlots.REQUEST_LENGTH, m, ValueLayout.JAVA_BYTE, ours,
                            ProbeSlots.REQUEST_LENGTH);
                    int len = ProbeFrames.write(m, ip, fam, ourHi, ourLo, hi, lo, toPort, fromPort, ack, seqIn + 1,
                            ProbeFrames.ACK | ProbeFrames.PSH, 65535, ProbeSlots.REQUEST_LENGTH);
                    pool.length(b, l3 + len);
                    ctx.count(C_SYN_ACK, 1);
                    ctx.count(C_HTTP_SENT, 1);
                    v.next(i, fam == 4 ? TO_IP4 : TO_IP6);
                    continue;
                }
                int r = slots.answer(fam, hi, lo, fromPort, toPort, ack, ProbeSlots.SYN_ACK);
                ctx.count(r == ProbeSlots.NOT_OURS ? C_STRAY : C_SYN_ACK, 1);
                // Whoever's it was, no connection stands behind it here: end it (the segment's ACK is our next sequence).
                int len = ProbeFrames.write(m, ip, fam, ourHi, ourLo, hi, lo, toPort, fromPort, ack, 0, ProbeFrames.RST, 0);
                pool.length(b, l3 + len);
                ctx.count(C_RST_SENT, 1);
                v.next(i, fam == 4 ? TO_IP4 : TO_IP6);
            } else if ((flags & ProbeFrames.RST) != 0) {
                int r = slots.answer(fam, hi, lo, fromPort, toPort, ack, ProbeSlots.RST);
                if (r == ProbeSlots.NOT_OURS) { // a RST after an HTTP probe's request
                    r = slots.answer(fam, hi, lo, fromPort, toPort, ack - ProbeSlots.REQUEST_LENGTH, ProbeSlots.RST);
                }
                ctx.count(r == ProbeSlots.NOT_OURS ? C_STRAY : C_RST, 1);
                v.drop(i, REFUSED);
            } else if ((flags & (ProbeFrames.ACK | ProbeFrames.SYN)) == ProbeFrames.ACK && data > 0
                    && slots.slot(fam, hi, lo, fromPort, toPort, ack - 1 - ProbeSlots.REQUEST_LENGTH) >= 0) {
                // The first bytes of an HTTP answer: its status line decides; then the RST that ends it.
                int s = slots.slot(fam, hi, lo, fromPort, toPort, ack - 1 - ProbeSlots.REQUEST_LENGTH);
                // Only its first segment decides; the rest (sent before our RST reached the backend) are late.
                ctx.count(slots.http(s, status(m, tcp + off, data)) ? C_HTTP_ANSWERS : C_STRAY, 1);
                int len = ProbeFrames.write(m, ip, fam, ourHi, ourLo, hi, lo, toPort, fromPort, ack, 0, ProbeFrames.RST, 0);
                pool.length(b, l3 + len);
                ctx.count(C_RST_SENT, 1);
                v.next(i, fam == 4 ? TO_IP4 : TO_IP6);
            } else {
                v.drop(i, NOT_AN_ANSWER);
            }
        }
    }
}
