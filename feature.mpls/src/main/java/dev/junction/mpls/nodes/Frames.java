package dev.junction.mpls.nodes;

import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** What both MPLS nodes do to frames: flow hashes and the layer-3 payload's version. */
final class Frames {
    static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Frames() {
    }

    static int version(MemorySegment m, long ip) {
        return (m.get(ValueLayout.JAVA_BYTE, ip) & 0xF0) >>> 4;
    }

    static int mix(int h, int word) {
        h ^= word;
        h *= 0x9E37_79B1;
        return h ^ (h >>> 15);
    }

    /** A hash of an IP packet's addresses (IPv4 or IPv6, {@code avail} bytes readable), for ECMP. */
    static int ipHash(MemorySegment m, long ip, int avail, int h) {
        int ver = avail > 0 ? version(m, ip) : 0;
        if (ver == 4 && avail >= Ipv4.MIN_HEADER) {
            h = mix(h, Ipv4.source(m, ip));
            h = mix(h, Ipv4.destination(m, ip));
            h = mix(h, Ipv4.protocol(m, ip));
        } else if (ver == 6 && avail >= 40) {
            for (int o = 8; o < 40; o += 4) {
                h = mix(h, m.get(NET_INT, ip + o));
            }
        }
        return h;
    }

    /** Writes the Ethernet header of a frame leaving for a resolved neighbour. */
    static void ethernet(MemorySegment m, long frame, long dst, long src, int type) {
        Ethernet.destination(m, frame, dst);
        Ethernet.source(m, frame, src);
        Ethernet.etherType(m, frame, type);
    }

    /** Sets an IPv4 TTL, keeping the header checksum right. */
    static void ipv4Ttl(MemorySegment m, long ip, int ttl) {
        // Incremental update (RFC 1624): reads only the 20 bytes the caller checked are there.
        int old = Short.toUnsignedInt(m.get(NET_SHORT, ip + 8));
        int neu = (ttl & 0xFF) << 8 | (old & 0xFF);
        m.set(NET_SHORT, ip + 8, (short) neu);
        int hc = Short.toUnsignedInt(m.get(NET_SHORT, ip + 10));
        int s = (~hc & 0xFFFF) + (~old & 0xFFFF) + neu;
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        m.set(NET_SHORT, ip + 10, (short) ~s);
    }

    /**
     * Whether an ICMP error may be sent about IPv4 packet {@code ip} ({@code ipLen} bytes readable,
     * RFC 1812 4.3.2.7): a whole header, not a later fragment, a source that can be answered (not 0,
     * broadcast or multicast), and not itself an ICMP error.
     */
    static boolean answerable(MemorySegment m, long ip, int ipLen) {
        if (ipLen < Ipv4.MIN_HEADER || version(m, ip) != 4) {
            return false;
        }
        int ihl = Ipv4.headerLength(m, ip);
        int src = Ipv4.source(m, ip);
        if (ihl < Ipv4.MIN_HEADER || ihl >= ipLen || Ipv4.isLaterFragment(m, ip) || src == 0 || src == -1
                || (src & 0xF000_0000) == 0xE000_0000) {
            return false;
        }
        if (Ipv4.protocol(m, ip) == Ipv4.PROTO_ICMP) {
            int type = m.get(ValueLayout.JAVA_BYTE, ip + ihl) & 0xFF;
            return type != 3 && type != 4 && type != 5 && type != 11 && type != 12;
        }
        return true;
    }

    /**
     * Finishes ICMP message {@code icmpLen} bytes long, written after the IPv4 header room of buffer
     * {@code nb}: its checksum, the IPv4 header from {@code from} to {@code to}, the frame's length and
     * metadata, and appends it to {@code v} with verdict {@code next} (an IP lookup in {@code vrf}).
     */
    static void sendIcmp4(PacketVector v, PacketPool pool, MemorySegment m, int nb, int icmpLen, int from, int to,
            int rx, int vrf, int next) {
        long f = pool.data(nb);
        long nip = f + Ethernet.HEADER_LENGTH;
        long icmp = nip + Ipv4.MIN_HEADER;
        m.set(NET_SHORT, icmp + 2, (short) 0);
        m.set(NET_SHORT, icmp + 2, (short) (~Ipv4.sum(m, icmp, icmpLen) & 0xFFFF));
        Ipv4.writeHeader(m, nip, Ipv4.MIN_HEADER + icmpLen, 64, Ipv4.PROTO_ICMP, from, to);
        Ethernet.etherType(m, f, Ethernet.TYPE_IPV4);
        pool.length(nb, Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER + icmpLen);
        pool.l3Offset(nb, Ethernet.HEADER_LENGTH);
        pool.rxInterface(nb, rx);
        pool.vrf(nb, vrf);
        v.add(nb);
        v.next(v.count() - 1, next);
    }
}
