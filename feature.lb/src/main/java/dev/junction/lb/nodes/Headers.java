package dev.junction.lb.nodes;

import static dev.junction.lb.nodes.Checksums.U16;
import static dev.junction.lb.nodes.Checksums.U32;
import static dev.junction.lb.nodes.Checksums.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A packet's IP and TCP/UDP fields as the reverse nodes need them, parsed into one reused object per
 * worker (no object per packet), and the NAT rewrite of the source with its checksums; lb-ip4/lb-ip6
 * parse a whole vector into a {@link ParsedVector}. The drop codes and TCP flags are both's.
 */
final class Headers {
    static final int OK = -1, TRUNCATED_IP = 0, TRUNCATED_L4 = 1, FRAGMENT = 2, NOT_TCP_UDP = 3;
    static final int TCP = 6, UDP = 17, FIN = 1, SYN = 2, RST = 4, ACK = 0x10;

    int family, proto, sport, dport, flags;
    long sh, sl, dh, dl;
    long ip, l4;

    /** Parses an IPv4 packet of {@code avail} bytes at {@code ip}: OK or the reason it is not ours. */
    int parse4(MemorySegment m, long ip, int avail) {
        if (avail < 20) {
            return TRUNCATED_IP;
        }
        int vihl = m.get(ValueLayout.JAVA_BYTE, ip) & 0xff;
        int ihl = (vihl & 15) * 4;
        if (vihl >>> 4 != 4 || ihl < 20 || ihl > avail) {
            return TRUNCATED_IP;
        }
        int total = Short.toUnsignedInt(m.get(U16, ip + 2));
        if (total < ihl || total > avail) {
            return TRUNCATED_IP;
        }
        if ((Short.toUnsignedInt(m.get(U16, ip + 6)) & 0x3fff) != 0) {
            return FRAGMENT;
        }
        family = 4;
        proto = m.get(ValueLayout.JAVA_BYTE, ip + 9) & 0xff;
        sh = 0;
        sl = m.get(U32, ip + 12) & 0xffffffffL;
        dh = 0;
        dl = m.get(U32, ip + 16) & 0xffffffffL;
        this.ip = ip;
        return ports(m, ip + ihl, total - ihl);
    }

    /** Parses an IPv6 packet: TCP or UDP right after the fixed header (extension headers are not followed). */
    int parse6(MemorySegment m, long ip, int avail) {
        if (avail < 40 || (m.get(ValueLayout.JAVA_BYTE, ip) & 0xf0) != 0x60) {
            return TRUNCATED_IP;
        }
        int payload = Short.toUnsignedInt(m.get(U16, ip + 4));
        if (payload > avail - 40) {
            return TRUNCATED_IP;
        }
        family = 6;
        proto = m.get(ValueLayout.JAVA_BYTE, ip + 6) & 0xff;
        sh = m.get(U64, ip + 8);
        sl = m.get(U64, ip + 16);
        dh = m.get(U64, ip + 24);
        dl = m.get(U64, ip + 32);
        this.ip = ip;
        return ports(m, ip + 40, payload);
    }

    private int ports(MemorySegment m, long l4, int len) {
        if (proto != TCP && proto != UDP) {
            return NOT_TCP_UDP;
        }
        if (len < (proto == TCP ? 20 : 8)) {
            return TRUNCATED_L4;
        }
        this.l4 = l4;
        sport = Short.toUnsignedInt(m.get(U16, l4));
        dport = Short.toUnsignedInt(m.get(U16, l4 + 2));
        flags = proto == TCP ? m.get(ValueLayout.JAVA_BYTE, l4 + 13) & 0xff : 0;
        return OK;
    }

    boolean ends() {
        return (flags & (FIN | RST)) != 0;
    }

    private long l4Checksum() {
        return proto == TCP ? l4 + 16 : l4 + 6;
    }

    /** Rewrites the source address and port (NAT of a backend's reply back to the VIP). */
    void rewriteSource(MemorySegment m, long hi, long lo, int port) {
        long delta;
        if (family == 4) {
            delta = Checksums.delta32((int) sl, (int) lo);
            m.set(U32, ip + 12, (int) lo);
            Checksums.update(m, ip + 10, delta);
        } else {
            delta = Checksums.delta64(sh, hi) + Checksums.delta64(sl, lo);
            m.set(U64, ip + 8, hi);
            m.set(U64, ip + 16, lo);
        }
        long l4Delta = delta + Checksums.delta16(sport, port);
        m.set(U16, l4, (short) port);
        fixL4(m, l4Delta);
    }

    private void fixL4(MemorySegment m, long delta) {
        if (proto == TCP) {
            Checksums.update(m, l4Checksum(), delta);
        } else {
            Checksums.updateUdp(m, l4Checksum(), delta, family == 4);
        }
    }
}
