package dev.junction.firewall.nodes;

import dev.junction.firewall.conntrack.TcpTracker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One packet's 5-tuple and what tracking needs of it, parsed in place from packet memory. One per
 * worker, reused: no object per packet. {@link #parse4} and {@link #parse6} return 0 or a drop reason.
 */
final class PacketFields {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    static final int OK = -1;
    static final int TCP = 6, UDP = 17, ICMP = 1, ICMP6 = 58, SCTP = 132;
    /** ICMP kinds: echo request, echo reply, an error that quotes a packet, anything else. */
    static final int ICMP_OTHER = 0, ECHO_REQUEST = 1, ECHO_REPLY = 2, ICMP_ERROR = 3;

    int family;
    long sh, sl, dh, dl;
    int proto, sport, dport, flags;
    boolean later;
    // TCP
    int seq, ack, win, payload, scale;
    // ICMP
    int icmpKind, icmpId;
    // The packet an ICMP error quotes (valid when innerOk).
    boolean innerOk;
    long ish, isl, idh, idl;
    int iproto, isport, idport;

    private static int u8(MemorySegment m, long o) {
        return m.get(ValueLayout.JAVA_BYTE, o) & 0xff;
    }

    private static int u16(MemorySegment m, long o) {
        return Short.toUnsignedInt(m.get(U16, o));
    }

    /** IPv4 at {@code ip} with {@code avail} bytes of frame from there. */
    int parse4(MemorySegment m, long ip, int avail) {
        if (avail < 20) {
            return FirewallNode.TRUNCATED_IP;
        }
        int ihl = (u8(m, ip) & 0x0f) * 4, total = u16(m, ip + 2);
        if ((u8(m, ip) >>> 4) != 4 || ihl < 20 || ihl > avail || total < ihl || total > avail) {
            return FirewallNode.TRUNCATED_IP;
        }
        family = 4;
        proto = u8(m, ip + 9);
        later = (u16(m, ip + 6) & 0x1fff) != 0;
        sh = (long) m.get(U32, ip + 12) << 32;
        dh = (long) m.get(U32, ip + 16) << 32;
        sl = 0;
        dl = 0;
        return transport(m, ip + ihl, total - ihl, ICMP);
    }

    /** IPv6 at {@code ip}; walks hop-by-hop, routing, destination options and fragment headers. */
    int parse6(MemorySegment m, long ip, int avail) {
        if (avail < 40 || (u8(m, ip) >>> 4) != 6) {
            return FirewallNode.TRUNCATED_IP;
        }
        int plen = u16(m, ip + 4);
        if (40 + plen > avail) {
            return FirewallNode.TRUNCATED_IP;
        }
        family = 6;
        sh = m.get(U64, ip + 8);
        sl = m.get(U64, ip + 16);
        dh = m.get(U64, ip + 24);
        dl = m.get(U64, ip + 32);
        later = false;
        int next = u8(m, ip + 6);
        long at = ip + 40, end = ip + 40 + plen;
        for (int hops = 0; ; hops++) {
            if (next != 0 && next != 43 && next != 60 && next != 44) {
                break;
            }
            if (hops == 8 || at + 8 > end) {
                return FirewallNode.BAD_EXTENSION;
            }
            int nh = u8(m, at);
            if (next == 44) {
                later = (u16(m, at + 2) & 0xfff8) != 0;
                at += 8;
                next = nh;
                if (later) {
                    break; // no transport header in a later fragment
                }
            } else {
                int len = (u8(m, at + 1) + 1) * 8;
                if (at + len > end) {
                    return FirewallNode.BAD_EXTENSION;
                }
                at += len;
                next = nh;
            }
        }
        proto = next;
        return transport(m, at, (int) (end - at), ICMP6);
    }

    private int transport(MemorySegment m, long l4, int len, int icmp) {
        sport = 0;
        dport = 0;
        flags = 0;
        icmpKind = ICMP_OTHER;
        innerOk = false;
        if (later) {
            return OK;
        }
        if (proto == TCP) {
            if (len < 20) {
                return FirewallNode.TRUNCATED_L4;
            }
            int doff = (u8(m, l4 + 12) >>> 4) * 4;
            if (doff < 20 || doff > len) {
                return FirewallNode.TRUNCATED_L4;
            }
            sport = u16(m, l4);
            dport = u16(m, l4 + 2);
            seq = m.get(U32, l4 + 4);
            ack = m.get(U32, l4 + 8);
            flags = u8(m, l4 + 13);
            win = u16(m, l4 + 14);
            payload = len - doff;
            scale = (flags & TcpTracker.SYN) != 0 ? TcpTracker.scaleOption(m, l4 + 20, doff - 20) : TcpTracker.NO_SCALE;
        } else if (proto == UDP || proto == SCTP) {
            if (len < (proto == UDP ? 8 : 12)) {
                return FirewallNode.TRUNCATED_L4;
            }
            sport = u16(m, l4);
            dport = u16(m, l4 + 2);
        } else if (proto == icmp) {
            if (len < 8) {
                return FirewallNode.TRUNCATED_L4;
            }
            int type = u8(m, l4);
            sport = type;
            dport = u8(m, l4 + 1);
            icmpId = u16(m, l4 + 4);
            if (icmp == ICMP) {
                icmpKind = type == 8 ? ECHO_REQUEST : type == 0 ? ECHO_REPLY
                        : type == 3 || type == 4 || type == 5 || type == 11 || type == 12 ? ICMP_ERROR : ICMP_OTHER;
            } else {
                icmpKind = type == 128 ? ECHO_REQUEST : type == 129 ? ECHO_REPLY : type >= 1 && type <= 4 ? ICMP_ERROR : ICMP_OTHER;
            }
            if (icmpKind == ICMP_ERROR) {
                inner(m, l4 + 8, len - 8, icmp);
            }
        }
        return OK;
    }

    /** The quoted packet of an ICMP error: its addresses, protocol and ports (or echo identifier). */
    private void inner(MemorySegment m, long ip, int len, int icmp) {
        long l4;
        int rest;
        if (family == 4) {
            if (len < 20 || (u8(m, ip) >>> 4) != 4) {
                return;
            }
            int ihl = (u8(m, ip) & 0x0f) * 4;
            if (ihl < 20 || ihl + 8 > len || (u16(m, ip + 6) & 0x1fff) != 0) {
                return;
            }
            iproto = u8(m, ip + 9);
            ish = (long) m.get(U32, ip + 12) << 32;
            idh = (long) m.get(U32, ip + 16) << 32;
            isl = 0;
            idl = 0;
            l4 = ip + ihl;
            rest = len - ihl;
        } else {
            if (len < 48 || (u8(m, ip) >>> 4) != 6) {
                return;
            }
            iproto = u8(m, ip + 6); // extension headers in a quoted packet are not followed
            ish = m.get(U64, ip + 8);
            isl = m.get(U64, ip + 16);
            idh = m.get(U64, ip + 24);
            idl = m.get(U64, ip + 32);
            l4 = ip + 40;
            rest = len - 40;
        }
        if (rest < 8) {
            return;
        }
        if (iproto == TCP || iproto == UDP || iproto == SCTP) {
            isport = u16(m, l4);
            idport = u16(m, l4 + 2);
            innerOk = true;
        } else if (iproto == icmp) {
            int type = u8(m, l4);
            boolean echo = icmp == ICMP ? type == 8 || type == 0 : type == 128 || type == 129;
            if (echo) {
                isport = u16(m, l4 + 4);
                idport = isport;
                innerOk = true;
            }
        }
    }
}
