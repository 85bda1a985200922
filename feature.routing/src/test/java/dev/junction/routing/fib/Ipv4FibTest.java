package dev.junction.routing.fib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Ipv4Fib against {@link ReferenceLpm} on the real full table and on random tables. */
class Ipv4FibTest {

    @Test
    void fullTableMatchesTheReference() {
        RouteTables.V4 t = RouteTables.ipv4();
        long start = System.nanoTime();
        Ipv4Fib fib = Ipv4Fib.build(t.prefixes(), t.lengths(), t.nextHops(), t.count());
        long buildNanos = System.nanoTime() - start;
        ReferenceLpm reference = new ReferenceLpm();
        for (int i = 0; i < t.count(); i++) {
            reference.add4(t.prefixes()[i], t.lengths()[i], t.nextHops()[i]);
        }
        assertEquals(901_899, fib.size());
        assertEquals(groupsNeeded(t.prefixes(), t.lengths(), t.count()), fib.groups());
        long compared = compareAll(fib, reference, t.prefixes(), t.lengths(), t.count(), new SplittableRandom(1));
        System.out.printf("Ipv4Fib: %,d routes built in %d ms, %,d bytes, %d groups; %,d addresses compared%n",
                fib.size(), buildNanos / 1_000_000, fib.memoryBytes(), fib.groups(), compared);
    }

    @Test
    void fullTableAfterRandomRemovalsMatchesAReferenceOfTheRest() {
        RouteTables.V4 t = RouteTables.ipv4();
        Ipv4Fib fib = Ipv4Fib.build(t.prefixes(), t.lengths(), t.nextHops(), t.count());
        fib.add(0, 0, 999); // a default route, so that removals fall back to it at the end
        SplittableRandom random = new SplittableRandom(2);
        int[] kept = new int[t.count()];
        byte[] keptLengths = new byte[t.count()];
        int keptCount = 0;
        ReferenceLpm reference = new ReferenceLpm();
        reference.add4(0, 0, 999);
        for (int i = 0; i < t.count(); i++) {
            if (random.nextInt(3) == 0) {
                assertTrue(fib.remove(t.prefixes()[i], t.lengths()[i]));
            } else {
                kept[keptCount] = t.prefixes()[i];
                keptLengths[keptCount++] = t.lengths()[i];
                reference.add4(t.prefixes()[i], t.lengths()[i], t.nextHops()[i]);
            }
        }
        assertEquals(keptCount + 1, fib.size());
        // The first and last addresses of every original prefix: removed ones show their cover.
        compareAll(fib, reference, t.prefixes(), t.lengths(), t.count(), random);
        fib.reclaimGroups();
        assertEquals(groupsNeeded(kept, keptLengths, keptCount), fib.groups());
        for (int i = 0; i < keptCount; i++) {
            assertTrue(fib.remove(kept[i], keptLengths[i]));
        }
        assertEquals(1, fib.size());
        assertEquals(0, fib.groups());
        for (int i = 0; i < 100_000; i++) {
            assertEquals(999, fib.lookup(random.nextInt()));
        }
    }

    @Test
    void randomTablesWithDefaultHostRoutesAndOverlaps() {
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 10; round++) {
            Map<Long, Integer> routes = randomRoutes(random, 300);
            Ipv4Fib added = new Ipv4Fib();
            ReferenceLpm reference = new ReferenceLpm();
            routes.forEach((key, hop) -> {
                added.add(prefix(key), length(key), hop);
                reference.add4(prefix(key), length(key), hop);
            });
            int[] prefixes = new int[routes.size()];
            byte[] lengths = new byte[routes.size()];
            int[] hops = new int[routes.size()];
            int n = 0;
            for (Map.Entry<Long, Integer> e : routes.entrySet()) {
                prefixes[n] = prefix(e.getKey());
                lengths[n] = (byte) length(e.getKey());
                hops[n++] = e.getValue();
            }
            Ipv4Fib built = Ipv4Fib.build(prefixes, lengths, hops, n);
            assertEquals(routes.size(), built.size());
            for (int i = 0; i < 20_000; i++) {
                int address = randomAddress(random);
                int expected = linearScan(routes, address);
                assertEquals(expected, reference.lookup4(address), "the reference itself");
                check(expected, added.lookup(address), address);
                check(expected, built.lookup(address), address);
            }
            compareAll(added, reference, prefixes, lengths, n, random);
        }
    }

    @Test
    void addRemoveSequencesMatchAReferenceRebuiltFromWhatRemains() {
        SplittableRandom random = new SplittableRandom(4);
        Ipv4Fib fib = new Ipv4Fib();
        Map<Long, Integer> routes = new LinkedHashMap<>();
        for (int round = 0; round < 30; round++) {
            for (int op = 0; op < 200; op++) {
                if (!routes.isEmpty() && random.nextInt(5) < 2) {
                    List<Long> keys = new ArrayList<>(routes.keySet());
                    long key = keys.get(random.nextInt(keys.size()));
                    routes.remove(key);
                    assertTrue(fib.remove(prefix(key), length(key)));
                    assertFalse(fib.remove(prefix(key), length(key)));
                } else {
                    randomRoutes(random, 1).forEach((key, hop) -> {
                        routes.put(key, hop);
                        fib.add(prefix(key), length(key), hop);
                    });
                }
            }
            fib.reclaimGroups();
            ReferenceLpm reference = new ReferenceLpm();
            routes.forEach((key, hop) -> reference.add4(prefix(key), length(key), hop));
            assertEquals(routes.size(), fib.size());
            for (int i = 0; i < 20_000; i++) {
                int address = randomAddress(random);
                check(reference.lookup4(address), fib.lookup(address), address);
            }
        }
        for (long key : new ArrayList<>(routes.keySet())) {
            assertTrue(fib.remove(prefix(key), length(key)));
        }
        assertEquals(0, fib.size());
        assertEquals(0, fib.groups());
        for (int i = 0; i < 20_000; i++) {
            assertEquals(0, fib.lookup(randomAddress(random)));
        }
    }

    @Test
    void edges() {
        Ipv4Fib fib = new Ipv4Fib();
        assertEquals(0, fib.lookup(0));
        fib.add(0, 0, 1);
        fib.add(0xFFFF_FFFF, 32, 2);
        fib.add(0, 32, 3);
        fib.add(0x0A01_0180, 25, 4);
        assertEquals(2, fib.lookup(0xFFFF_FFFF));
        assertEquals(1, fib.lookup(0xFFFF_FFFE));
        assertEquals(3, fib.lookup(0));
        assertEquals(1, fib.lookup(1));
        assertEquals(4, fib.lookup(0x0A01_01FF));
        fib.add(0x0A01_0180, 25, 5); // replaces
        assertEquals(5, fib.lookup(0x0A01_01FF));
        assertEquals(4, fib.size());
        assertEquals(3, fib.groups());
        assertTrue(fib.remove(0, 0));
        assertEquals(0, fib.lookup(1));
        assertEquals(3, fib.lookup(0));
        fib.add(0x0B00_0000, 8, Ipv4Fib.MAX_NEXT_HOP);
        assertEquals(Ipv4Fib.MAX_NEXT_HOP, fib.lookup(0x0BFF_FFFF));
    }

    @Test
    void badRoutesAreRefusedWithTheirReason() {
        Ipv4Fib fib = new Ipv4Fib();
        assertEquals("10.0.0.1/8 is not an IPv4 prefix: host bits are set (did you mean 10.0.0.0/8?)",
                assertThrows(IllegalArgumentException.class, () -> fib.add(0x0A00_0001, 8, 1)).getMessage());
        assertEquals("10.0.0.0/33 is not an IPv4 prefix: length must be a number 0..32",
                assertThrows(IllegalArgumentException.class, () -> fib.add(0x0A00_0000, 33, 1)).getMessage());
        assertEquals("next hop 0 is out of range 1..8388607",
                assertThrows(IllegalArgumentException.class, () -> fib.add(0x0A00_0000, 8, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> fib.add(0x0A00_0000, 8, Ipv4Fib.MAX_NEXT_HOP + 1));
        assertThrows(IllegalArgumentException.class, () -> fib.remove(0x0A00_0000, -1));
        assertEquals("route 1: 10.0.0.0/33 is not an IPv4 prefix: length must be a number 0..32",
                assertThrows(IllegalArgumentException.class, () -> Ipv4Fib.build(
                        new int[] {0, 0x0A00_0000}, new byte[] {0, 33}, new int[] {1, 1}, 2)).getMessage());
        assertEquals(0, fib.size());
    }

    /** Compares every prefix's first and last address, then 1M random and 1M in-route addresses. */
    static long compareAll(Ipv4Fib fib, ReferenceLpm reference, int[] prefixes, byte[] lengths, int n,
            SplittableRandom random) {
        for (int i = 0; i < n; i++) {
            Ipv4Prefix p = new Ipv4Prefix(prefixes[i], lengths[i]);
            check(reference.lookup4(p.address()), fib.lookup(p.address()), p.address());
            check(reference.lookup4(p.last()), fib.lookup(p.last()), p.last());
        }
        for (int i = 0; i < 1_000_000; i++) {
            int address = random.nextInt();
            check(reference.lookup4(address), fib.lookup(address), address);
            int r = random.nextInt(n);
            address = prefixes[r] | (random.nextInt() & ~Ipv4Prefix.mask(lengths[r]));
            check(reference.lookup4(address), fib.lookup(address), address);
        }
        return 2L * n + 2_000_000;
    }

    static void check(int expected, int actual, int address) {
        if (expected != actual) {
            fail("lookup of " + Ipv4Prefix.formatAddress(address) + ": expected " + expected + " but was " + actual);
        }
    }

    /** The /24s holding a prefix longer than /24. */
    static int groupsNeeded(int[] prefixes, byte[] lengths, int n) {
        BitSet slash24s = new BitSet(1 << 24);
        for (int i = 0; i < n; i++) {
            if (lengths[i] > 24) {
                slash24s.set(prefixes[i] >>> 8);
            }
        }
        return slash24s.cardinality();
    }

    /** Random routes clustered under a few /16s, of every length 0..32, so that they overlap. */
    static Map<Long, Integer> randomRoutes(SplittableRandom random, int count) {
        Map<Long, Integer> routes = new LinkedHashMap<>();
        while (routes.size() < count) {
            int length = random.nextInt(8) == 0 ? random.nextInt(0, 17) : random.nextInt(16, 33);
            int prefix = randomAddress(random) & Ipv4Prefix.mask(length);
            routes.put((long) prefix << 6 | length, random.nextInt(1, 300));
        }
        return routes;
    }

    static int randomAddress(SplittableRandom random) {
        int[] clusters = {0x0A01_0000, 0xC0A8_0000, 0xFFFF_0000, 0};
        return random.nextInt(10) == 0 ? random.nextInt() : clusters[random.nextInt(4)] | random.nextInt(1 << 16);
    }

    static int prefix(long key) {
        return (int) (key >>> 6);
    }

    static int length(long key) {
        return (int) (key & 63);
    }

    static int linearScan(Map<Long, Integer> routes, int address) {
        int best = -1;
        int hop = 0;
        for (Map.Entry<Long, Integer> e : routes.entrySet()) {
            int length = length(e.getKey());
            if ((address & Ipv4Prefix.mask(length)) == prefix(e.getKey()) && length > best) {
                best = length;
                hop = e.getValue();
            }
        }
        return hop;
    }
}
