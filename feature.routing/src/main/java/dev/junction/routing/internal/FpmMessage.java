package dev.junction.routing.internal;

import dev.junction.packet.Ipv4;
import dev.junction.routing.fib.Ipv6Prefix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One route message of the FPM stream a routing daemon (FRR's zebra with dplane_fpm_nl) sends: a
 * netlink RTM_NEWROUTE or RTM_DELROUTE (rtnetlink, in the sender's byte order, little-endian here)
 * carrying the destination, and one gateway or a multipath list of them. Facts from rtnetlink(7).
 * Parsing never trusts a length: anything inconsistent is refused with the reason.
 */
record FpmMessage(boolean add, String prefix, List<String> gateways, long table, int routeType) {
    static final int RTM_NEWROUTE = 24, RTM_DELROUTE = 25;
    static final int AF_INET = 2, AF_INET6 = 10;
    static final int RTA_DST = 1, RTA_GATEWAY = 5, RTA_MULTIPATH = 9, RTA_TABLE = 15;
    static final int RTN_UNICAST = 1;
    static final int NLMSG_HEADER = 16, RTMSG = 12, RTNEXTHOP = 8;

    /** A message Junction does not take, with why (counted by reason, never fatal). */
    static final class Refused extends Exception {
        final String reason;

        Refused(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    /**
     * Parses the netlink message at the buffer's position (little-endian, as the daemon wrote it) and
     * leaves the position after it. Returns null for a message that is not about routes.
     */
    static FpmMessage parse(ByteBuffer in) throws Refused {
        ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < NLMSG_HEADER) {
            in.position(in.limit());
            throw new Refused("truncated netlink header");
        }
        int len = b.getInt(0);
        int type = Short.toUnsignedInt(b.getShort(4));
        if (len < NLMSG_HEADER || len > b.remaining()) {
            in.position(in.limit());
            throw new Refused("bad netlink length");
        }
        in.position(in.position() + align(len) > in.limit() ? in.limit() : in.position() + align(len));
        if (type != RTM_NEWROUTE && type != RTM_DELROUTE) {
            throw new Refused("not a route message (netlink type " + type + "; next-hop groups must be off)");
        }
        if (len < NLMSG_HEADER + RTMSG) {
            throw new Refused("truncated route message");
        }
        int family = b.get(16) & 0xFF;
        int dstLen = b.get(17) & 0xFF;
        long table = b.get(20) & 0xFF; // RTA_TABLE, when present, has the whole (unsigned 32-bit) number
        int routeType = b.get(23) & 0xFF;
        int addrLen = family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
        if (addrLen < 0) {
            throw new Refused("address family " + family + " is not IPv4 or IPv6");
        }
        if (dstLen > addrLen * 8) {
            throw new Refused("prefix length " + dstLen + " too long for the family");
        }
        byte[] dst = new byte[addrLen];
        List<String> gateways = new ArrayList<>();
        for (int at = NLMSG_HEADER + RTMSG; at + 4 <= len; ) {
            int alen = Short.toUnsignedInt(b.getShort(at));
            int atype = Short.toUnsignedInt(b.getShort(at + 2)) & 0x3FFF; // without the nested/byte-order flags
            if (alen < 4 || at + alen > len) {
                throw new Refused("bad route attribute length");
            }
            switch (atype) {
                case RTA_DST -> {
                    if (alen - 4 != addrLen) {
                        throw new Refused("destination of the wrong size");
                    }
                    b.get(at + 4, dst);
                }
                case RTA_GATEWAY -> gateways.add(address(b, at + 4, alen - 4, addrLen));
                case RTA_TABLE -> {
                    if (alen >= 8) {
                        table = Integer.toUnsignedLong(b.getInt(at + 4));
                    }
                }
                case RTA_MULTIPATH -> {
                    for (int nh = at + 4; nh + RTNEXTHOP <= at + alen; ) {
                        int nhLen = Short.toUnsignedInt(b.getShort(nh));
                        if (nhLen < RTNEXTHOP || nh + nhLen > at + alen) {
                            throw new Refused("bad multipath next-hop length");
                        }
                        for (int na = nh + RTNEXTHOP; na + 4 <= nh + nhLen; ) {
                            int naLen = Short.toUnsignedInt(b.getShort(na));
                            if (naLen < 4 || na + naLen > nh + nhLen) {
                                throw new Refused("bad multipath attribute length");
                            }
                            if ((Short.toUnsignedInt(b.getShort(na + 2)) & 0x3FFF) == RTA_GATEWAY) {
                                gateways.add(address(b, na + 4, naLen - 4, addrLen));
                            }
                            na += align(naLen);
                        }
                        nh += align(nhLen);
                    }
                }
                default -> {
                }
            }
            at += align(alen);
        }
        return new FpmMessage(type == RTM_NEWROUTE, prefixText(dst, dstLen, addrLen), gateways, table, routeType);
    }

    private static String address(ByteBuffer b, int at, int size, int addrLen) throws Refused {
        if (size != addrLen) {
            throw new Refused("gateway of the wrong size");
        }
        byte[] a = new byte[addrLen];
        b.get(at, a);
        return addrLen == 4 ? Ipv4.format(ByteBuffer.wrap(a).getInt())
                : Ipv6Prefix.formatAddress(ByteBuffer.wrap(a).getLong(0), ByteBuffer.wrap(a).getLong(8));
    }

    /** The prefix as text, host bits cleared (a daemon should send none; the FIB refuses them). */
    private static String prefixText(byte[] dst, int len, int addrLen) {
        if (addrLen == 4) {
            int a = ByteBuffer.wrap(dst).getInt();
            int mask = len == 0 ? 0 : -1 << (32 - len);
            return Ipv4.format(a & mask) + "/" + len;
        }
        long high = ByteBuffer.wrap(dst).getLong(0), low = ByteBuffer.wrap(dst).getLong(8);
        return new Ipv6Prefix(high & Ipv6Prefix.highMask(len), low & Ipv6Prefix.lowMask(len), len).toString();
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }
}
