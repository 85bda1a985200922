package dev.junction.lb.nodes;

import static dev.junction.lb.nodes.Checksums.U16;
import static dev.junction.lb.nodes.Checksums.U32;
import static dev.junction.lb.nodes.Checksums.U64;

import dev.junction.lb.flows.FlowTable;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Each packet's IP and TCP/UDP fields for one vector, one primitive array per field (one set per
 * worker, made once): lb-ip4/lb-ip6 parse a vector in a first pass (that also hashes the flow key),
 * load each window ahead in a second and judge in a third that reads the fields from here instead of
 * the packet again; the reverse nodes parse only their candidates. The NAT rewrites, of the destination
 * and of a reply's source, work from the same fields.
 */
final class ParsedVector {
    /** {@link Headers#OK} or the reason the packet is not ours (a {@link Headers} drop code). */
    final int[] result = new int[PacketVector.MAX];
    /** Protocol in bits 0-7, TCP flags in bits 8-15. */
    final int[] protoFlags = new int[PacketVector.MAX];
    /** Source port in the high 16 bits, destination port in the low 16. */
    final int[] ports = new int[PacketVector.MAX];
    /** Addresses of the IP header and of the TCP/UDP header, in the worker's memory. */
    final long[] ip = new long[PacketVector.MAX], l4 = new long[PacketVector.MAX];
    /** Addresses (IPv4 in {@code sl}, {@code dl}; the high words zero). */
    final long[] sh = new long[PacketVector.MAX], sl = new long[PacketVector.MAX],
            dh = new long[PacketVector.MAX], dl = new long[PacketVector.MAX];
    /**
     * The 5-tuple's first word ({@link FlowTable#misc}) and where its flow's window starts: the
     * {@link FlowTable#forwardHash} of a client's packet, or for the reverse nodes ({@link #replies})
     * the {@link FlowTable#replyHash} of a backend's reply.
     */
    final long[] k0 = new long[PacketVector.MAX], hash = new long[PacketVector.MAX];
    /** The packets of no flow, by their index in the vector, in order; for each its service and the backend Maglev gives it (-1: none). */
    final int[] miss = new int[PacketVector.MAX], pick = new int[PacketVector.MAX];
    final dev.junction.lb.control.Snapshot.Service[] service = new dev.junction.lb.control.Snapshot.Service[PacketVector.MAX];
    /** The reverse nodes' parse: packets hashed as backends' replies (by their destination, the client). */
    final boolean replies;
    /** Where the loads issued ahead are folded, so that the compiler keeps them. */
    long sink;

    ParsedVector(boolean replies) {
        this.replies = replies;
    }

    /** Parses every packet of the vector, of IP version {@code family}. */
    void parse(PacketVector v, PacketPool pool, MemorySegment m, int family) {
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int l3 = pool.l3Offset(b);
            long at = pool.data(b) + l3;
            int avail = pool.length(b) - l3;
            if (family == 4) {
                parse4(m, i, at, avail, pool.vrf(b));
            } else {
                parse6(m, i, at, avail, pool.vrf(b));
            }
        }
    }

    /** Parses packet {@code i}, IPv4 of {@code avail} bytes at {@code at}; the fields stand when the result is OK. */
    int parse4(MemorySegment m, int i, long at, int avail, int vrf) {
        if (avail < 20) {
            return result[i] = Headers.TRUNCATED_IP;
        }
        int vihl = m.get(ValueLayout.JAVA_BYTE, at) & 0xff;
        int ihl = (vihl & 15) * 4;
        int total = Short.toUnsignedInt(m.get(U16, at + 2));
        if (vihl >>> 4 != 4 || ihl < 20 || ihl > avail || total < ihl || total > avail) {
            return result[i] = Headers.TRUNCATED_IP;
        }
        if ((m.get(U16, at + 6) & 0x3fff) != 0) {
            return result[i] = Headers.FRAGMENT;
        }
        int proto = m.get(ValueLayout.JAVA_BYTE, at + 9) & 0xff;
        long s = m.get(U32, at + 12) & 0xffffffffL, d = m.get(U32, at + 16) & 0xffffffffL;
        sh[i] = 0;
        sl[i] = s;
        dh[i] = 0;
        dl[i] = d;
        ip[i] = at;
        int r = ports(m, i, proto, at + ihl, total - ihl);
        if (r == Headers.OK) {
            long k = FlowTable.misc(4, vrf, proto, ports[i] >>> 16, ports[i] & 0xffff);
            k0[i] = k;
            hash[i] = replies ? FlowTable.replyHash(k, 0, d) : FlowTable.forwardHash(k, 0, s);
        }
        return result[i] = r;
    }

    /** Parses packet {@code i} as IPv6: TCP or UDP right after the fixed header (extension headers are not followed). */
    int parse6(MemorySegment m, int i, long at, int avail, int vrf) {
        if (avail < 40 || (m.get(ValueLayout.JAVA_BYTE, at) & 0xf0) != 0x60) {
            return result[i] = Headers.TRUNCATED_IP;
        }
        int payload = Short.toUnsignedInt(m.get(U16, at + 4));
        if (payload > avail - 40) {
            return result[i] = Headers.TRUNCATED_IP;
        }
        int proto = m.get(ValueLayout.JAVA_BYTE, at + 6) & 0xff;
        long a = m.get(U64, at + 8), b = m.get(U64, at + 16), c = m.get(U64, at + 24), d = m.get(U64, at + 32);
        sh[i] = a;
        sl[i] = b;
        dh[i] = c;
        dl[i] = d;
        ip[i] = at;
        int r = ports(m, i, proto, at + 40, payload);
        if (r == Headers.OK) {
            long k = FlowTable.misc(6, vrf, proto, ports[i] >>> 16, ports[i] & 0xffff);
            k0[i] = k;
            hash[i] = replies ? FlowTable.replyHash(k, c, d) : FlowTable.forwardHash(k, a, b);
        }
        return result[i] = r;
    }

    private int ports(MemorySegment m, int i, int proto, long at, int len) {
        if (proto != Headers.TCP && proto != Headers.UDP) {
            return Headers.NOT_TCP_UDP;
        }
        if (len < (proto == Headers.TCP ? 20 : 8)) {
            return Headers.TRUNCATED_L4;
        }
        l4[i] = at;
        ports[i] = m.get(U32, at); // source port, then destination port
        protoFlags[i] = proto == Headers.TCP ? proto | (m.get(ValueLayout.JAVA_BYTE, at + 13) & 0xff) << 8 : proto;
        return Headers.OK;
    }

    int proto(int i) {
        return protoFlags[i] & 0xff;
    }

    int flags(int i) {
        return protoFlags[i] >>> 8;
    }

    int sport(int i) {
        return ports[i] >>> 16;
    }

    int dport(int i) {
        return ports[i] & 0xffff;
    }

    /** A SYN without ACK: a connection's first segment. */
    boolean syn(int i) {
        return (protoFlags[i] & (Headers.SYN | Headers.ACK) << 8) == Headers.SYN << 8;
    }

    /** A FIN or RST. */
    boolean ends(int i) {
        return (protoFlags[i] & (Headers.FIN | Headers.RST) << 8) != 0;
    }

    /** Rewrites packet {@code i}'s IPv4 destination address and port (NAT towards a backend), checksums once, incrementally. */
    void rewriteDestination4(MemorySegment m, int i, int lo, int port) {
        long at = ip[i];
        long delta = Checksums.delta32((int) dl[i], lo);
        m.set(U32, at + 16, lo);
        Checksums.update(m, at + 10, delta);
        l4Rewrite(m, i, delta, 2, ports[i], port, true);
    }

    /** The same for IPv6 (no header checksum). */
    void rewriteDestination6(MemorySegment m, int i, long hi, long lo, int port) {
        long at = ip[i];
        long delta = Checksums.delta64(dh[i], hi) + Checksums.delta64(dl[i], lo);
        m.set(U64, at + 24, hi);
        m.set(U64, at + 32, lo);
        l4Rewrite(m, i, delta, 2, ports[i], port, false);
    }

    /**
     * Rewrites packet {@code i}'s source address and port (a backend's reply NATed back to the VIP),
     * checksums once, incrementally; {@code hi} is ignored for IPv4.
     */
    void rewriteSource(MemorySegment m, int i, boolean ip4, long hi, long lo, int port) {
        long at = ip[i];
        long delta;
        if (ip4) {
            delta = Checksums.delta32((int) sl[i], (int) lo);
            m.set(U32, at + 12, (int) lo);
            Checksums.update(m, at + 10, delta);
        } else {
            delta = Checksums.delta64(sh[i], hi) + Checksums.delta64(sl[i], lo);
            m.set(U64, at + 8, hi);
            m.set(U64, at + 16, lo);
        }
        l4Rewrite(m, i, delta, 0, ports[i] >>> 16, port, ip4);
    }

    /**
     * Packet {@code i}'s port at {@code offset} of its TCP/UDP header (0 source, 2 destination) from
     * {@code old} to {@code port}, and its checksum by that and the address change {@code delta} (the
     * pseudo-header holds the address).
     */
    private void l4Rewrite(MemorySegment m, int i, long delta, int offset, int old, int port, boolean ip4) {
        long at = l4[i];
        long l4Delta = delta + Checksums.delta16(old, port);
        m.set(U16, at + offset, (short) port);
        if ((protoFlags[i] & 0xff) == Headers.TCP) {
            Checksums.update(m, at + 16, l4Delta);
        } else {
            Checksums.updateUdp(m, at + 6, l4Delta, ip4);
        }
    }
}
