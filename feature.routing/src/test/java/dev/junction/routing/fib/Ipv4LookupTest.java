package dev.junction.routing.fib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.junction.routing.internal.CompactIpv4Fib;
import dev.junction.routing.internal.Dir24Fib;
import dev.junction.routing.internal.Ipv4Lookup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The IPv4 tables the forwarding nodes use, DIR-24-8 (the default VRF's) and the compact trie (other
 * VRFs'), against {@link ReferenceLpm} on the real full table and on random tables: /0, /32 and
 * overlapping prefixes, adds, replacements and removals, single lookups and vector lookups.
 */
class Ipv4LookupTest {

    static List<Arguments> tables() {
        return List.of(Arguments.of("dir-24-8", (Supplier<Ipv4Lookup>) Dir24Fib::new),
                Arguments.of("compact", (Supplier<Ipv4Lookup>) CompactIpv4Fib::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void fullTableMatchesTheReference(String kind, Supplier<Ipv4Lookup> table) {
        RouteTables.V4 t = RouteTables.ipv4();
        Ipv4Lookup fib = table.get();
        ReferenceLpm reference = new ReferenceLpm();
        long start = System.nanoTime();
        for (int i = 0; i < t.count(); i++) {
            fib.add(t.prefixes()[i], t.lengths()[i], t.nextHops()[i]);
        }
        long nanos = System.nanoTime() - start;
        for (int i = 0; i < t.count(); i++) {
            reference.add4(t.prefixes()[i], t.lengths()[i], t.nextHops()[i]);
        }
        assertEquals(901_899, fib.size());
        long compared = compareAll(fib, reference, t.prefixes(), t.lengths(), t.count(), new SplittableRandom(1));
        System.out.printf("%s: %,d routes added in %d ms, %,d bytes; %,d addresses compared%n", kind, fib.size(),
                nanos / 1_000_000, fib.memoryBytes(), compared);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void fullTableAfterRandomRemovalsMatchesAReferenceOfTheRest(String kind, Supplier<Ipv4Lookup> table) {
        RouteTables.V4 t = RouteTables.ipv4();
        Ipv4Lookup fib = table.get();
        for (int i = 0; i < t.count(); i++) {
            fib.add(t.prefixes()[i], t.lengths()[i], t.nextHops()[i]);
        }
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
        for (int i = 0; i < keptCount; i++) {
            assertTrue(fib.remove(kept[i], keptLengths[i]));
        }
        assertEquals(1, fib.size());
        for (int i = 0; i < 100_000; i++) {
            assertEquals(999, fib.lookup(random.nextInt()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void randomTablesWithDefaultHostRoutesAndOverlaps(String kind, Supplier<Ipv4Lookup> table) {
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 10; round++) {
            Map<Long, Integer> routes = randomRoutes(random, 300);
            Ipv4Lookup fib = table.get();
            ReferenceLpm reference = new ReferenceLpm();
            routes.forEach((key, hop) -> {
                fib.add(prefix(key), length(key), hop);
                reference.add4(prefix(key), length(key), hop);
            });
            int[] prefixes = new int[routes.size()];
            byte[] lengths = new byte[routes.size()];
            int n = 0;
            for (long key : routes.keySet()) {
                prefixes[n] = prefix(key);
                lengths[n++] = (byte) length(key);
            }
            for (int i = 0; i < 20_000; i++) {
                int address = randomAddress(random);
                int expected = linearScan(routes, address);
                assertEquals(expected, reference.lookup4(address), "the reference itself");
                check(expected, fib.lookup(address), address);
            }
            compareAll(fib, reference, prefixes, lengths, n, random);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void addRemoveSequencesMatchAReferenceRebuiltFromWhatRemains(String kind, Supplier<Ipv4Lookup> table) {
        SplittableRandom random = new SplittableRandom(4);
        Ipv4Lookup fib = table.get();
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
            fib.reclaim();
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
        for (int i = 0; i < 20_000; i++) {
            assertEquals(0, fib.lookup(randomAddress(random)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void edges(String kind, Supplier<Ipv4Lookup> table) {
        Ipv4Lookup fib = table.get();
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
        assertEquals(1, fib.lookup(0x0A01_017F));
        fib.add(0x0A01_0180, 25, 5); // replaces
        assertEquals(5, fib.lookup(0x0A01_01FF));
        assertEquals(4, fib.size());
        assertTrue(fib.remove(0, 0));
        assertEquals(0, fib.lookup(1));
        assertEquals(3, fib.lookup(0));
        fib.add(0x0B00_0000, 8, Ipv6Fib.MAX_NEXT_HOP); // the largest result both kinds hold
        assertEquals(Ipv6Fib.MAX_NEXT_HOP, fib.lookup(0x0BFF_FFFF));
    }

    /**
     * Compares every prefix's first and last address, then 1M random and 1M in-route addresses, one
     * at a time and by vectors of 256 ({@link Ipv4Lookup#lookupAll}, what ip4-lookup calls).
     */
    static long compareAll(Ipv4Lookup fib, ReferenceLpm reference, int[] prefixes, byte[] lengths, int n,
            SplittableRandom random) {
        for (int i = 0; i < n; i++) {
            Ipv4Prefix p = new Ipv4Prefix(prefixes[i], lengths[i]);
            check(reference.lookup4(p.address()), fib.lookup(p.address()), p.address());
            check(reference.lookup4(p.last()), fib.lookup(p.last()), p.last());
        }
        int[] vector = new int[256];
        int[] results = new int[256];
        for (int i = 0; i < 1_000_000; i++) {
            int address = random.nextInt();
            check(reference.lookup4(address), fib.lookup(address), address);
            int r = random.nextInt(n);
            address = prefixes[r] | (random.nextInt() & ~Ipv4Prefix.mask(lengths[r]));
            check(reference.lookup4(address), fib.lookup(address), address);
            vector[i & 255] = (i & 1) == 0 ? address : random.nextInt();
            if ((i & 255) == 255) {
                fib.lookupAll(vector, results, 256);
                for (int k = 0; k < 256; k++) {
                    check(reference.lookup4(vector[k]), results[k], vector[k]);
                }
            }
        }
        return 2L * n + 2_000_000;
    }

    static void check(int expected, int actual, int address) {
        if (expected != actual) {
            fail("lookup of " + Ipv4Prefix.formatAddress(address) + ": expected " + expected + " but was " + actual);
        }
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
