package dev.junction.fuzz;

import dev.junction.routing.fib.Ipv6Prefix;
import dev.junction.routing.internal.FuzzRouting;
import java.util.Arrays;

/** Address plans for the frames: what the fuzz routing tables know, so that lookups take real paths. */
final class Plans {
    static final long[] MACS = {0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L, 0x02_00_00_00_00_03L, 0x02_00_00_00_00_05L,
        0x02_00_00_00_07_02L, 0x02_00_00_00_17_02L, 0xFFFF_FFFF_FFFFL, 0x33_33_00_00_00_01L, 0x33_33_FF_00_00_01L,
        0x01_00_5E_00_00_05L, 0};

    /** Every kind of address: the router's, neighbours known and unknown, routed, ECMP, unrouted, special. */
    static final String[] IP4_ALL = {"10.0.0.1", "10.1.0.1", "10.2.0.1", "10.3.0.1", "10.4.0.1", "10.0.0.2", "10.0.0.5",
        "10.0.0.9", "10.1.0.2", "10.2.0.2", "10.2.0.5", "10.3.0.7", "10.4.0.2", "10.4.0.8", "192.168.7.7", "172.16.1.2",
        "172.20.9.9", "198.51.100.7", "8.8.8.8", "0.0.0.0", "255.255.255.255", "224.0.0.5", "10.0.0.255"};
    static final String[] IP6_ALL = {"2001:db8:0::1", "2001:db8:1::1", "2001:db8:2::1", "2001:db8:3::1", "2001:db8:4::1",
        "2001:db8:0::2", "2001:db8:1::2", "2001:db8:2::2", "2001:db8:2::5", "2001:db8:3::5", "2001:db8:4::9",
        "2001:db8:100::5", "2001:db8:200::7", "2001:db8:200::8", "2001:db8:9::1", "fe80::99"};

    private Plans() {
    }

    static FrameFuzzer.Addresses all() {
        return plan(IP4_ALL, IP6_ALL);
    }

    static FrameFuzzer.Addresses plan(String[] ip4, String[] ip6) {
        int[] a4 = Arrays.stream(ip4).mapToInt(FuzzRouting::ip4).toArray();
        long[] high = new long[ip6.length], low = new long[ip6.length];
        for (int i = 0; i < ip6.length; i++) {
            Ipv6Prefix p = FuzzRouting.ip6(ip6[i]);
            high[i] = p.high();
            low[i] = p.low();
        }
        return new FrameFuzzer.Addresses(MACS, a4, high, low);
    }
}
