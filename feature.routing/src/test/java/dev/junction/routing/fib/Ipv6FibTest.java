package dev.junction.routing.fib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Ipv6Fib against {@link ReferenceLpm} on the real full table and on random tables. */
class Ipv6FibTest {

    @Test
    void fullTableMatchesTheReference() {
        RouteTables.V6 t = RouteTables.ipv6();
        long start = System.nanoTime();
        Ipv6Fib fib = Ipv6Fib.build(t.highs(), t.lows(), t.lengths(), t.nextHops(), t.count());
        long buildNanos = System.nanoTime() - start;
        ReferenceLpm reference = new ReferenceLpm();
        for (int i = 0; i < t.count(); i++) {
            reference.add(t.highs()[i], t.lows()[i], t.lengths()[i] & 0xFF, t.nextHops()[i]);
        }
        assertEquals(160_147, fib.size());
        long compared = compareAll(fib, reference, routes(t), new SplittableRandom(1));
        System.out.printf("Ipv6Fib: %,d routes built in %d ms, %,d bytes, %d groups; %,d addresses compared%n",
                fib.size(), buildNanos / 1_000_000, fib.memoryBytes(), fib.groups(), compared);
    }

    @Test
    void fullTableAfterRandomRemovalsMatchesAReferenceOfTheRest() {
        RouteTables.V6 t = RouteTables.ipv6();
        Ipv6Fib fib = Ipv6Fib.build(t.highs(), t.lows(), t.lengths(), t.nextHops(), t.count());
        int groupsOfTheFullTable = fib.groups();
        fib.add(0, 0, 0, 999);
        SplittableRandom random = new SplittableRandom(2);
        List<Ipv6Prefix> kept = new ArrayList<>();
        ReferenceLpm reference = new ReferenceLpm();
        reference.add(0, 0, 0, 999);
        for (int i = 0; i < t.count(); i++) {
            if (random.nextInt(3) == 0) {
                assertTrue(fib.remove(t.highs()[i], t.lows()[i], t.lengths()[i] & 0xFF));
            } else {
                kept.add(new Ipv6Prefix(t.highs()[i], t.lows()[i], t.lengths()[i] & 0xFF));
                reference.add(t.highs()[i], t.lows()[i], t.lengths()[i] & 0xFF, t.nextHops()[i]);
            }
        }
        assertEquals(kept.size() + 1, fib.size());
        // The first and last addresses of every original prefix: removed ones show their cover.
        compareAll(fib, reference, routes(t), random);
        fib.reclaimGroups();
        Ipv6Fib rebuilt = new Ipv6Fib();
        kept.forEach(p -> rebuilt.add(p.high(), p.low(), p.length(), 1));
        assertEquals(rebuilt.groups(), fib.groups(), "groups left match those a fresh table needs");
        assertTrue(fib.groups() < groupsOfTheFullTable);
        for (Ipv6Prefix p : kept) {
            assertTrue(fib.remove(p.high(), p.low(), p.length()));
        }
        assertEquals(1, fib.size());
        assertEquals(0, fib.groups());
        for (int i = 0; i < 100_000; i++) {
            assertEquals(999, fib.lookup(random.nextLong(), random.nextLong()));
        }
    }

    @Test
    void randomTablesWithDefaultHostRoutesAndOverlaps() {
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 10; round++) {
            Map<Ipv6Prefix, Integer> routes = randomRoutes(random, 300);
            Ipv6Fib added = new Ipv6Fib();
            ReferenceLpm reference = new ReferenceLpm();
            routes.forEach((p, hop) -> {
                added.add(p.high(), p.low(), p.length(), hop);
                reference.add(p.high(), p.low(), p.length(), hop);
            });
            int n = routes.size();
            long[] highs = new long[n];
            long[] lows = new long[n];
            byte[] lengths = new byte[n];
            int[] hops = new int[n];
            int i = 0;
            for (Map.Entry<Ipv6Prefix, Integer> e : routes.entrySet()) {
                highs[i] = e.getKey().high();
                lows[i] = e.getKey().low();
                lengths[i] = (byte) e.getKey().length();
                hops[i++] = e.getValue();
            }
            Ipv6Fib built = Ipv6Fib.build(highs, lows, lengths, hops, n);
            assertEquals(n, built.size());
            assertEquals(added.groups(), built.groups());
            for (int k = 0; k < 20_000; k++) {
                long high = randomHigh(random);
                long low = randomLow(random);
                int expected = linearScan(routes, high, low);
                assertEquals(expected, reference.lookup(high, low), "the reference itself");
                check(expected, added.lookup(high, low), high, low);
                check(expected, built.lookup(high, low), high, low);
            }
            compareAll(added, reference, new ArrayList<>(routes.keySet()), random);
        }
    }

    @Test
    void addRemoveSequencesMatchAReferenceRebuiltFromWhatRemains() {
        SplittableRandom random = new SplittableRandom(4);
        Ipv6Fib fib = new Ipv6Fib();
        Map<Ipv6Prefix, Integer> routes = new LinkedHashMap<>();
        for (int round = 0; round < 30; round++) {
            for (int op = 0; op < 200; op++) {
                if (!routes.isEmpty() && random.nextInt(5) < 2) {
                    List<Ipv6Prefix> keys = new ArrayList<>(routes.keySet());
                    Ipv6Prefix p = keys.get(random.nextInt(keys.size()));
                    routes.remove(p);
                    assertTrue(fib.remove(p.high(), p.low(), p.length()));
                    assertFalse(fib.remove(p.high(), p.low(), p.length()));
                } else {
                    randomRoutes(random, 1).forEach((p, hop) -> {
                        routes.put(p, hop);
                        fib.add(p.high(), p.low(), p.length(), hop);
                    });
                }
            }
            fib.reclaimGroups();
            ReferenceLpm reference = new ReferenceLpm();
            routes.forEach((p, hop) -> reference.add(p.high(), p.low(), p.length(), hop));
            assertEquals(routes.size(), fib.size());
            for (int i = 0; i < 20_000; i++) {
                long high = randomHigh(random);
                long low = randomLow(random);
                check(reference.lookup(high, low), fib.lookup(high, low), high, low);
            }
        }
        for (Ipv6Prefix p : new ArrayList<>(routes.keySet())) {
            assertTrue(fib.remove(p.high(), p.low(), p.length()));
        }
        assertEquals(0, fib.size());
        assertEquals(0, fib.groups());
    }

    @Test
    void edges() {
        Ipv6Fib fib = new Ipv6Fib();
        assertEquals(0, fib.lookup(0, 0));
        fib.add(0, 0, 0, 1);
        fib.add(-1, -1, 128, 2);
        fib.add(0, 0, 128, 3);
        fib.add(0x2001_0db8_0000_0000L, 0, 32, 4);
        fib.add(0x2001_0db8_0000_0000L, 0x8000_0000_0000_0000L, 65, 5);
        assertEquals(2, fib.lookup(-1, -1));
        assertEquals(1, fib.lookup(-1, -2));
        assertEquals(3, fib.lookup(0, 0));
        assertEquals(1, fib.lookup(0, 1));
        assertEquals(4, fib.lookup(0x2001_0db8_ffff_ffffL, 0x7FFF_FFFF_FFFF_FFFFL));
        assertEquals(5, fib.lookup(0x2001_0db8_0000_0000L, -1));
        assertEquals(4, fib.lookup(0x2001_0db8_0000_0001L, -1));
        fib.add(0x2001_0db8_0000_0000L, 0, 32, 6); // replaces
        assertEquals(6, fib.lookup(0x2001_0db8_0000_0001L, -1));
        assertEquals(5, fib.size());
        assertTrue(fib.remove(-1, -1, 128));
        assertEquals(1, fib.lookup(-1, -1));
        assertTrue(fib.remove(0x2001_0db8_0000_0000L, 0x8000_0000_0000_0000L, 65));
        assertEquals(6, fib.lookup(0x2001_0db8_0000_0000L, -1));
        assertTrue(fib.remove(0, 0, 0));
        assertEquals(0, fib.lookup(0, 1));
        assertEquals(3, fib.lookup(0, 0));
        assertTrue(fib.remove(0, 0, 128));
        assertEquals(2, fib.groups()); // 2001:db8::/32 ends in the group for bits 24..31
        assertTrue(fib.remove(0x2001_0db8_0000_0000L, 0, 32));
        assertEquals(0, fib.groups());
        assertEquals(0, fib.size());
    }

    @Test
    void badRoutesAreRefusedWithTheirReason() {
        Ipv6Fib fib = new Ipv6Fib();
        assertEquals("2001:db8::1/32 is not an IPv6 prefix: host bits are set (did you mean 2001:db8::/32?)",
                assertThrows(IllegalArgumentException.class, () -> fib.add(0x2001_0db8_0000_0000L, 1, 32, 1)).getMessage());
        assertEquals("::/129 is not an IPv6 prefix: length must be a number 0..128",
                assertThrows(IllegalArgumentException.class, () -> fib.add(0, 0, 129, 1)).getMessage());
        assertEquals("next hop 8388608 is out of range 1..8388607",
                assertThrows(IllegalArgumentException.class, () -> fib.add(0, 0, 0, Ipv6Fib.MAX_NEXT_HOP + 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> fib.remove(0, 1, 64));
        assertEquals(0, fib.size());
    }

    /** Compares every prefix's first and last address, then 1M random and 1M in-route addresses. */
    static long compareAll(Ipv6Fib fib, ReferenceLpm reference, List<Ipv6Prefix> prefixes, SplittableRandom random) {
        for (Ipv6Prefix p : prefixes) {
            check(reference.lookup(p.high(), p.low()), fib.lookup(p.high(), p.low()), p.high(), p.low());
            long lastHigh = p.high() | ~Ipv6Prefix.highMask(p.length());
            long lastLow = p.low() | ~Ipv6Prefix.lowMask(p.length());
            check(reference.lookup(lastHigh, lastLow), fib.lookup(lastHigh, lastLow), lastHigh, lastLow);
        }
        long[] highs = new long[256];
        long[] lows = new long[256];
        int[] results = new int[256];
        int[] pending = new int[256];
        for (int i = 0; i < 1_000_000; i++) {
            long high = random.nextLong();
            long low = random.nextLong();
            check(reference.lookup(high, low), fib.lookup(high, low), high, low);
            Ipv6Prefix p = prefixes.get(random.nextInt(prefixes.size()));
            high = p.high() | (random.nextLong() & ~Ipv6Prefix.highMask(p.length()));
            low = p.low() | (random.nextLong() & ~Ipv6Prefix.lowMask(p.length()));
            check(reference.lookup(high, low), fib.lookup(high, low), high, low);
            highs[i & 255] = high;
            lows[i & 255] = low;
            if ((i & 255) == 255) { // the vector lookup agrees, a level at a time over 256 addresses
                fib.lookupAll(highs, lows, results, pending, 256);
                for (int k = 0; k < 256; k++) {
                    check(reference.lookup(highs[k], lows[k]), results[k], highs[k], lows[k]);
                }
            }
        }
        return 2L * prefixes.size() + 2_000_000;
    }

    static void check(int expected, int actual, long high, long low) {
        if (expected != actual) {
            fail("lookup of " + Ipv6Prefix.formatAddress(high, low) + ": expected " + expected + " but was " + actual);
        }
    }

    static List<Ipv6Prefix> routes(RouteTables.V6 t) {
        List<Ipv6Prefix> list = new ArrayList<>(t.count());
        for (int i = 0; i < t.count(); i++) {
            list.add(new Ipv6Prefix(t.highs()[i], t.lows()[i], t.lengths()[i] & 0xFF));
        }
        return list;
    }

    /**
     * Random routes clustered under 2001:db8::/32 and a few spots (a /64, the all-ones address), of
     * lengths 0..128 weighted towards /16../64, so that they overlap and reach every level.
     */
    static Map<Ipv6Prefix, Integer> randomRoutes(SplittableRandom random, int count) {
        Map<Ipv6Prefix, Integer> routes = new LinkedHashMap<>();
        while (routes.size() < count) {
            int length = switch (random.nextInt(6)) {
                case 0 -> random.nextInt(0, 17);
                case 1 -> random.nextInt(64, 129);
                default -> random.nextInt(16, 65);
            };
            long high = randomHigh(random) & Ipv6Prefix.highMask(length);
            long low = randomLow(random) & Ipv6Prefix.lowMask(length);
            routes.put(new Ipv6Prefix(high, low, length), random.nextInt(1, 300));
        }
        return routes;
    }

    static long randomHigh(SplittableRandom random) {
        return switch (random.nextInt(8)) {
            case 0 -> random.nextLong();
            case 1 -> -1L;
            case 2 -> 0x2001_0db8_0000_0000L;
            default -> 0x2001_0db8_0000_0000L | random.nextInt(1 << 20);
        };
    }

    static long randomLow(SplittableRandom random) {
        return random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(3) - 1;
    }

    static int linearScan(Map<Ipv6Prefix, Integer> routes, long high, long low) {
        int best = -1;
        int hop = 0;
        for (Map.Entry<Ipv6Prefix, Integer> e : routes.entrySet()) {
            Ipv6Prefix p = e.getKey();
            if ((high & Ipv6Prefix.highMask(p.length())) == p.high() && (low & Ipv6Prefix.lowMask(p.length())) == p.low()
                    && p.length() > best) {
                best = p.length();
                hop = e.getValue();
            }
        }
        return hop;
    }
}
