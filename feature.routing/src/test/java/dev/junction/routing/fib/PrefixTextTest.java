package dev.junction.routing.fib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Prefix text in and out, and the messages bad text gets. */
class PrefixTextTest {

    @Test
    void ipv4ParsesAndFormats() {
        assertEquals(new Ipv4Prefix(0x0A00_0000, 8), Ipv4Prefix.parse("10.0.0.0/8"));
        assertEquals(new Ipv4Prefix(0, 0), Ipv4Prefix.parse("0.0.0.0/0"));
        assertEquals(new Ipv4Prefix(0xFFFF_FFFF, 32), Ipv4Prefix.parse("255.255.255.255/32"));
        assertEquals("192.168.1.128/25", Ipv4Prefix.parse("192.168.1.128/25").toString());
        assertEquals(0xC0A8_0101, Ipv4Prefix.parseAddress("192.168.1.1"));
        assertEquals("1.2.3.4", Ipv4Prefix.formatAddress(0x0102_0304));
        assertEquals(0x0AFF_FFFF, Ipv4Prefix.parse("10.0.0.0/8").last());
    }

    @Test
    void badIpv4TextSaysWhatIsWrong() {
        assertBad("'10.0.0.1/8' is not an IPv4 prefix: host bits are set (did you mean 10.0.0.0/8?)", "10.0.0.1/8");
        assertBad("'10.0.0.0' is not an IPv4 prefix: missing /length", "10.0.0.0");
        for (String length : new String[] {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/08", "1.0.0.0/1000"}) {
            assertBad("'" + length + "' is not an IPv4 prefix: length must be a number 0..32", length);
        }
        for (String address : new String[] {"10.0.0.256/8", "10.0.0/8", "10.0.0.0.0/8", "10..0.0/8", "a.b.c.d/8",
                "/8", "10.0.0.00/8", " 10.0.0.0/8", "10.0.0.0./8"}) {
            assertBad("'" + address + "' is not an IPv4 prefix: bad address (4 numbers 0..255 separated by dots expected)",
                    address);
        }
        assertEquals("'1.2.3' is not an IPv4 address: bad address (4 numbers 0..255 separated by dots expected)",
                assertThrows(IllegalArgumentException.class, () -> Ipv4Prefix.parseAddress("1.2.3")).getMessage());
        assertEquals("10.0.0.1/8 is not an IPv4 prefix: host bits are set (did you mean 10.0.0.0/8?)",
                assertThrows(IllegalArgumentException.class, () -> new Ipv4Prefix(0x0A00_0001, 8)).getMessage());
    }

    @Test
    void ipv6ParsesAndFormatsAsRfc5952Says() {
        assertEquals(new Ipv6Prefix(0x2001_0db8_0000_0000L, 0, 32), Ipv6Prefix.parse("2001:db8::/32"));
        assertEquals(new Ipv6Prefix(0, 0, 0), Ipv6Prefix.parse("::/0"));
        assertEquals(new Ipv6Prefix(-1, -1, 128), Ipv6Prefix.parse("ffff:FFFF:ffff:ffff:ffff:ffff:ffff:ffff/128"));
        assertEquals(new Ipv6Prefix(0, 0xFFFF_C000_0201L, 128), Ipv6Prefix.parse("::ffff:192.0.2.1/128"));
        String[][] canonical = {
            {"2001:0db8:0000:0000:0000:0000:0000:0001/128", "2001:db8::1/128"},
            {"2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128"}, // the first of two equal runs
            {"2001:db8:0:1:1:1:1:1/128", "2001:db8:0:1:1:1:1:1/128"}, // one zero group stays
            {"2001:0:0:1:0:0:0:1/128", "2001:0:0:1::1/128"}, // the longest run
            {"0:0:0:0:0:0:0:1/128", "::1/128"},
            {"1:0:0:0:0:0:0:0/16", "1::/16"},
            {"::/0", "::/0"},
            {"2001:DB8:A::/48", "2001:db8:a::/48"},
        };
        for (String[] c : canonical) {
            assertEquals(c[1], Ipv6Prefix.parse(c[0]).toString(), c[0]);
            assertEquals(Ipv6Prefix.parse(c[0]), Ipv6Prefix.parse(c[1]));
        }
    }

    @Test
    void badIpv6TextSaysWhatIsWrong() {
        assertBad("'2001:db8::1/32' is not an IPv6 prefix: host bits are set (did you mean 2001:db8::/32?)", "2001:db8::1/32");
        assertBad("'2001:db8::' is not an IPv6 prefix: missing /length", "2001:db8::");
        assertBad("'::/129' is not an IPv6 prefix: length must be a number 0..128", "::/129");
        String[][] addresses = {
            {"1::2::/16", "'::' more than once"},
            {"2001:db8:g::/32", "group 'g' is not 1 to 4 hex digits"},
            {"2001:db8:12345::/32", "group '12345' is not 1 to 4 hex digits"},
            {"1:2:3:4:5:6:7/16", "8 groups or '::' expected"},
            {"1:2:3:4:5:6:7:8:9/16", "more than 8 groups"},
            {"1:2:3:4::5:6:7:8/16", "more than 7 groups with '::'"},
            {"1:2:3:4:5:6:7:/16", "ends with a single ':'"},
            {":1:2:3:4:5:6:7/16", "group '' is not 1 to 4 hex digits"},
            {"::1.2.3/128", "bad dotted quad '1.2.3'"},
            {"/0", "8 groups or '::' expected"},
        };
        for (String[] a : addresses) {
            assertBad("'" + a[0] + "' is not an IPv6 prefix: bad address (" + a[1] + ")", a[0]);
        }
    }

    private static void assertBad(String message, String text) {
        boolean ipv6 = text.contains(":") || text.equals("/0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            if (ipv6) {
                Ipv6Prefix.parse(text);
            } else {
                Ipv4Prefix.parse(text);
            }
        }, text);
        assertEquals(message, e.getMessage());
    }
}
