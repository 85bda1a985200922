package dev.junction.routing.internal;

import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.routing.fib.Ipv6Prefix;

/**
 * Routing tables for the fuzz harness, over interfaces j0..j3 (VRF 0) and j4 (VRF 1, a compact FIB
 * with a prefix that overlaps VRF 0's): the router's addresses, on-link subnets, routes through
 * gateways, an ECMP group, neighbours known and unknown (so that packets reach ip4-arp and ip6-nd).
 * In this package because VRFs and interface bindings are the control path's to publish.
 */
public final class FuzzRouting {
    public static final int[] IP4_ROUTER = {ip4("10.0.0.1"), ip4("10.1.0.1"), ip4("10.2.0.1"), ip4("10.3.0.1"), ip4("10.4.0.1")};

    private FuzzRouting() {
    }

    public static int ip4(String text) {
        return Ipv4.parse(text);
    }

    public static Ipv6Prefix ip6(String text) {
        return Ipv6Prefix.parse(text.contains("/") ? text : text + "/128");
    }

    /** The tables; {@code macs[i]} is interface i's MAC (for link-local addresses). */
    public static Vrfs create(long[] macs, long now) {
        Vrfs vrfs = new Vrfs();
        Ip4Tables t = vrfs.ip4(0);
        int[] kind = {0, Ip4Tables.LOCAL, Ip4Tables.LOCAL, Ip4Tables.LOCAL, Ip4Tables.LOCAL, 0, 0, 0, 0, 0,
            Ip4Tables.MULTIPATH, 0, 0, 0};
        int[] ifIndex = {-1, 0, 1, 2, 3, 0, 1, 2, 3, 1, 0, 0, 2, 2};
        int[] gateway = {0, 0, 0, 0, 0, 0, 0, 0, 0, ip4("10.1.0.2"), 2, ip4("10.0.0.2"), ip4("10.2.0.2"), ip4("10.2.0.9")};
        t.adjacencies = new Ip4Tables.Adjacencies(kind, ifIndex, gateway, new int[] {11, 12});
        for (int i = 0; i < 4; i++) {
            t.fib.add(IP4_ROUTER[i], 32, 1 + i);
            t.fib.add(IP4_ROUTER[i] & 0xFFFF_FF00, 24, 5 + i);
        }
        t.fib.add(ip4("192.168.0.0"), 16, 9);
        t.fib.add(ip4("172.16.0.0"), 12, 10);
        t.fib.add(ip4("198.51.100.0"), 24, 13);
        t.interfaceAddress = new int[] {IP4_ROUTER[0], IP4_ROUTER[1], IP4_ROUTER[2], IP4_ROUTER[3], 0};
        vrfs.neighbours4.learn(0, ip4("10.0.0.2"), 0x02_00_00_00_07_02L, now);
        vrfs.neighbours4.learn(0, ip4("10.0.0.5"), 0x02_00_00_00_07_05L, now);
        vrfs.neighbours4.learn(1, ip4("10.1.0.2"), 0x02_00_00_00_17_02L, now);
        vrfs.neighbours4.learn(2, ip4("10.2.0.5"), 0x02_00_00_00_27_05L, now);

        Ip6Tables s = vrfs.ip6(0);
        int[] kind6 = {0, Ip6Tables.LOCAL, Ip6Tables.LOCAL, Ip6Tables.LOCAL, Ip6Tables.LOCAL, 0, 0, 0, 0, 0,
            Ip6Tables.MULTIPATH, 0, 0};
        int[] if6 = {0, 0, 1, 2, 3, 0, 1, 2, 3, 1, 0, 0, 2};
        long[] gwHigh = new long[13], gwLow = new long[13];
        gateway6(gwHigh, gwLow, 9, "2001:db8:1::2");
        gwLow[10] = 2;
        gateway6(gwHigh, gwLow, 11, "2001:db8:0::2");
        gateway6(gwHigh, gwLow, 12, "2001:db8:2::2");
        s.adjacencies = new Ip6Tables.Adjacencies(kind6, if6, gwHigh, gwLow, new int[] {11, 12});
        long[] high = new long[5], low = new long[5], linkLocal = new long[5];
        for (int i = 0; i < 4; i++) {
            Ipv6Prefix a = ip6("2001:db8:" + i + "::1");
            high[i] = a.high();
            low[i] = a.low();
            linkLocal[i] = Ipv6.interfaceId(macs[i]);
            s.fib.add(a.high(), a.low(), 128, 1 + i);
            s.fib.add(a.high(), 0, 64, 5 + i);
        }
        s.addresses = new Ip6Tables.Addresses(high, low, linkLocal);
        Ipv6Prefix p = ip6("2001:db8:100::/48");
        s.fib.add(p.high(), p.low(), 48, 9);
        p = ip6("2001:db8:200::/48");
        s.fib.add(p.high(), p.low(), 48, 10);
        learn6(vrfs, 1, "2001:db8:1::2", 0x02_00_00_00_17_02L, now);
        learn6(vrfs, 0, "2001:db8:0::2", 0x02_00_00_00_07_02L, now);
        learn6(vrfs, 0, "fe80::99", 0x02_00_00_00_07_99L, now);

        // VRF 1 on j4: its own 10.4.0.0/24, and a 10.0.0.0/24 of its own through 10.4.0.2.
        Ip4Tables t1 = new Ip4Tables(vrfs.neighbours4, true);
        t1.adjacencies = new Ip4Tables.Adjacencies(new int[] {0, Ip4Tables.LOCAL, 0, 0}, new int[] {-1, 4, 4, 4},
                new int[] {0, 0, 0, ip4("10.4.0.2")}, new int[0]);
        t1.fib.add(IP4_ROUTER[4], 32, 1);
        t1.fib.add(ip4("10.4.0.0"), 24, 2);
        t1.fib.add(ip4("10.0.0.0"), 24, 3);
        t1.interfaceAddress = new int[] {0, 0, 0, 0, IP4_ROUTER[4]};
        Ip6Tables s1 = new Ip6Tables(vrfs.neighbours6);
        s1.adjacencies = new Ip6Tables.Adjacencies(new int[] {0, Ip6Tables.LOCAL, 0}, new int[] {4, 4, 4}, new long[3],
                new long[3], new int[0]);
        Ipv6Prefix a4 = ip6("2001:db8:4::1");
        s1.fib.add(a4.high(), a4.low(), 128, 1);
        s1.fib.add(a4.high(), 0, 64, 2);
        s1.addresses = new Ip6Tables.Addresses(new long[] {0, 0, 0, 0, a4.high()}, new long[] {0, 0, 0, 0, a4.low()},
                new long[] {0, 0, 0, 0, Ipv6.interfaceId(macs[4])});
        vrfs.tables(1, t1, s1);
        vrfs.bindings(new int[] {0, 0, 0, 0, 1});
        vrfs.neighbours4.learn(4, ip4("10.4.0.2"), 0x02_00_00_00_47_02L, now);
        return vrfs;
    }

    private static void gateway6(long[] high, long[] low, int id, String address) {
        Ipv6Prefix a = ip6(address);
        high[id] = a.high();
        low[id] = a.low();
    }

    private static void learn6(Vrfs vrfs, int ifIndex, String address, long mac, long now) {
        Ipv6Prefix a = ip6(address);
        vrfs.neighbours6.learn(ifIndex, a.high(), a.low(), mac, now);
    }

    /** Parses an FPM message: the parser is package-private, its callers are the FPM server's. */
    public static String parseFpm(java.nio.ByteBuffer in) {
        try {
            FpmMessage m = FpmMessage.parse(in);
            return m == null ? "none" : m.prefix() != null ? m.prefix() : "label " + m.label() + " " + m.stacks();
        } catch (FpmMessage.Refused r) {
            return "refused: " + r.reason;
        }
    }

    /** The routing bundle's configuration statements (address, route, vrf, fpm). */
    public static java.util.List<dev.junction.config.StatementType> statements() {
        return java.util.List.of(new RoutingStatements.Address(), new RoutingStatements.Route(), new RoutingStatements.Vrf(),
                new RoutingStatements.Fpm());
    }
}
