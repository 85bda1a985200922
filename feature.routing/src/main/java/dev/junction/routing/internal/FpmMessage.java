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
 * carrying the destination, and one gateway or a multipath list of them. Facts from rtnetlink(7) and
 * the kernel's MPLS headers (linux/rtnetlink.h, linux/mpls.h, linux/mpls_iptunnel.h, linux/lwtunnel.h):
 * <ul>
 * <li>an IPv4 / IPv6 route's next hop may push labels: RTA_ENCAP_TYPE (u16) LWTUNNEL_ENCAP_MPLS and a
 * nested RTA_ENCAP holding MPLS_IPTUNNEL_DST, the label stack entries top first;</li>
 * <li>a label switched path is a route of family AF_MPLS: RTA_DST the incoming label stack entry,
 * each next hop's gateway in RTA_VIA (struct rtvia: u16 address family, then the address) and the
 * labels it swaps to in RTA_NEWDST (none: implicit null, the label is popped).</li>
 * </ul>
 * Label stack entries are big-endian: the label in the top 20 bits. {@link #stacks()} pairs with
 * {@link #gateways()}. Parsing never trusts a length: anything inconsistent is refused with the reason.
 */
record FpmMessage(boolean add, int family, String prefix, int label, List<String> gateways, List<List<Integer>> stacks,
        long table, int routeType) {
    static final int RTM_NEWROUTE = 24, RTM_DELROUTE = 25;
    static final int AF_INET = 2, AF_INET6 = 10, AF_MPLS = 28;
    static final int RTA_DST = 1, RTA_GATEWAY = 5, RTA_MULTIPATH = 9, RTA_TABLE = 15, RTA_VIA = 18, RTA_NEWDST = 19,
            RTA_ENCAP_TYPE = 21, RTA_ENCAP = 22;
    static final int LWTUNNEL_ENCAP_MPLS = 1, MPLS_IPTUNNEL_DST = 1;
    static final int RTN_UNICAST = 1;
    static final int NLMSG_HEADER = 16, RTMSG = 12, RTNEXTHOP = 8;
    /** Most labels one next hop may carry (the kernel's MAX_NEW_LABELS is 30). */
    static final int MAX_LABELS = 30;

    /** A message Junction does not take, with why (counted by reason, never fatal). */
    static final class Refused extends Exception {
        final String reason;

        Refused(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    /** True when some next hop carries labels. */
    boolean labelled() {
        return stacks.stream().anyMatch(s -> !s.isEmpty());
    }

    /**
     * Parses the netlink message at the buffer's position (little-endian, as the daemon wrote it) and
     * leaves the position after it.
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
        int addrLen = family == AF_INET ? 4 : family == AF_INET6 ? 16 : family == AF_MPLS ? 4 : -1;
        if (addrLen < 0) {
            throw new Refused("address family " + family + " is not IPv4, IPv6 or MPLS");
        }
        if (family == AF_MPLS ? dstLen != 20 : dstLen > addrLen * 8) {
            throw new Refused("prefix length " + dstLen + " wrong for the family");
        }
        byte[] dst = new byte[addrLen];
        boolean hasDst = false;
        List<String> gateways = new ArrayList<>();
        List<List<Integer>> stacks = new ArrayList<>();
        Hop top = new Hop();
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
                    hasDst = true;
                }
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
                        Hop hop = new Hop();
                        for (int na = nh + RTNEXTHOP; na + 4 <= nh + nhLen; ) {
                            int naLen = Short.toUnsignedInt(b.getShort(na));
                            if (naLen < 4 || na + naLen > nh + nhLen) {
                                throw new Refused("bad multipath attribute length");
                            }
                            hop.attribute(b, Short.toUnsignedInt(b.getShort(na + 2)) & 0x3FFF, na + 4, naLen - 4, family);
                            na += align(naLen);
                        }
                        hop.addTo(gateways, stacks);
                        nh += align(nhLen);
                    }
                }
                default -> top.attribute(b, atype, at + 4, alen - 4, family);
            }
            at += align(alen);
        }
        top.addTo(gateways, stacks);
        if (family == AF_MPLS) {
            if (!hasDst) {
                throw new Refused("label switched path without its incoming label (RTA_DST)");
            }
            int label = ByteBuffer.wrap(dst).getInt() >>> 12;
            return new FpmMessage(type == RTM_NEWROUTE, family, null, label, gateways, stacks, table, routeType);
        }
        return new FpmMessage(type == RTM_NEWROUTE, family, prefixText(dst, dstLen, addrLen), -1, gateways, stacks, table,
                routeType);
    }

    /** One next hop's attributes as they come: gateway (RTA_GATEWAY or RTA_VIA) and labels. */
    private static final class Hop {
        String gateway;
        List<Integer> labels = List.of();
        int encapType = -1;
        int encapAt = -1, encapLen;

        void attribute(ByteBuffer b, int type, int at, int size, int family) throws Refused {
            buffer = b;
            switch (type) {
                case RTA_GATEWAY -> {
                    if (family == AF_MPLS) {
                        gateway = address(b, at, size, 4); // an LSP's IPv4 next hop may come this way too
                    } else {
                        gateway = address(b, at, size, family == AF_INET ? 4 : 16);
                    }
                }
                case RTA_VIA -> {
                    if (size < 2) {
                        throw new Refused("RTA_VIA too short");
                    }
                    int via = Short.toUnsignedInt(b.getShort(at)); // host order, as the rest of the message
                    if (via != AF_INET && via != AF_INET6) {
                        throw new Refused("RTA_VIA of address family " + via + " (IPv4 or IPv6 only)");
                    }
                    gateway = address(b, at + 2, size - 2, via == AF_INET ? 4 : 16);
                }
                case RTA_NEWDST -> {
                    if (family != AF_MPLS) {
                        throw new Refused("RTA_NEWDST on a route that is not MPLS");
                    }
                    labels = stack(b, at, size);
                }
                case RTA_ENCAP_TYPE -> {
                    if (size < 2) {
                        throw new Refused("RTA_ENCAP_TYPE too short");
                    }
                    encapType = Short.toUnsignedInt(b.getShort(at));
                }
                case RTA_ENCAP -> {
                    encapAt = at;
                    encapLen = size;
                }
                default -> {
                }
            }
        }

        ByteBuffer buffer;

        void addTo(List<String> gateways, List<List<Integer>> stacks) throws Refused {
            if (encapType >= 0 || encapAt >= 0) { // the two may come in either order: read once both are known
                if (encapType != LWTUNNEL_ENCAP_MPLS) {
                    throw new Refused("encapsulation type " + encapType + " (only MPLS, 1, is taken)");
                }
                if (encapAt < 0) {
                    throw new Refused("MPLS encapsulation without its RTA_ENCAP");
                }
                for (int at = encapAt; at + 4 <= encapAt + encapLen; ) {
                    int alen = Short.toUnsignedInt(buffer.getShort(at));
                    if (alen < 4 || at + alen > encapAt + encapLen) {
                        throw new Refused("bad RTA_ENCAP attribute length");
                    }
                    if ((Short.toUnsignedInt(buffer.getShort(at + 2)) & 0x3FFF) == MPLS_IPTUNNEL_DST) {
                        labels = stack(buffer, at + 4, alen - 4);
                    }
                    at += align(alen);
                }
            }
            if (gateway != null) {
                gateways.add(gateway);
                stacks.add(labels);
            } else if (!labels.isEmpty()) {
                throw new Refused("labels on a next hop without a gateway");
            }
        }
    }

    private static List<Integer> stack(ByteBuffer b, int at, int size) throws Refused {
        if (size % 4 != 0 || size == 0 || size / 4 > MAX_LABELS) {
            throw new Refused("label stack of " + size + " bytes (1 to " + MAX_LABELS + " entries of 4)");
        }
        List<Integer> out = new ArrayList<>(size / 4);
        ByteBuffer be = b.duplicate().order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < size; i += 4) {
            out.add(be.getInt(at + i) >>> 12);
        }
        return List.copyOf(out);
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
