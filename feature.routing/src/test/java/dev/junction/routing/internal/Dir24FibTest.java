package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Dir24Fib against a reference that scans every route, on random tables with adds and removes. */
class Dir24FibTest {

    /** The slow and obviously right answer. */
    static int reference(Map<Long, Integer> routes, int address) {
        int best = -1;
        int result = 0;
        for (Map.Entry<Long, Integer> e : routes.entrySet()) {
            int prefix = (int) (e.getKey() >>> 6);
            int len = (int) (e.getKey() & 63);
            int mask = len == 0 ? 0 : -1 << (32 - len);
            if ((address & mask) == prefix && len > best) {
                best = len;
                result = e.getValue();
            }
        }
        return result;
    }

    static long key(int prefix, int len) {
        return ((prefix & 0xFFFF_FFFFL) << 6) | len;
    }

    @Test
    void edgesDefaultRouteHostRoutesAndOverlaps() {
        Dir24Fib f = new Dir24Fib();
        assertEquals(0, f.lookup(0x0A000001));
        f.add(0, 0, 1);
        f.add(0x0A000000, 8, 2);
        f.add(0x0A010000, 16, 3);
        f.add(0x0A010100, 24, 4);
        f.add(0x0A010180, 25, 5);
        f.add(0x0A0101FF, 32, 6);
        assertEquals(1, f.lookup(0x0B000000));
        assertEquals(2, f.lookup(0x0A020304));
        assertEquals(3, f.lookup(0x0A010203));
        assertEquals(4, f.lookup(0x0A010101));
        assertEquals(5, f.lookup(0x0A010181));
        assertEquals(6, f.lookup(0x0A0101FF));
        assertTrue(f.remove(0x0A010180, 25));
        assertEquals(4, f.lookup(0x0A010181));
        assertEquals(6, f.lookup(0x0A0101FF));
        assertTrue(f.remove(0x0A0101FF, 32));
        assertEquals(4, f.lookup(0x0A0101FF));
        assertTrue(f.remove(0x0A010100, 24));
        assertEquals(3, f.lookup(0x0A0101FF));
        assertFalse(f.remove(0x0A010100, 24));
        f.add(0xFFFFFFFF, 32, 7);
        assertEquals(7, f.lookup(0xFFFFFFFF));
        assertEquals(1, f.lookup(0xFFFFFFFE));
    }

    @Test
    void randomTablesMatchTheReferenceThroughAddsAndRemoves() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int round = 0; round < 5; round++) {
            Dir24Fib f = new Dir24Fib();
            Map<Long, Integer> routes = new LinkedHashMap<>();
            // Prefixes clustered under a few /8s, so that they overlap at every length.
            int[] bases = {0x0A000000, 0xC0A80000, 0x64400000};
            for (int i = 0; i < 400; i++) {
                int len = rnd.nextInt(0, 33);
                int mask = len == 0 ? 0 : -1 << (32 - len);
                int prefix = (bases[rnd.nextInt(bases.length)] | rnd.nextInt() >>> 8) & mask;
                int result = rnd.nextInt(1, 1000);
                routes.put(key(prefix, len), result);
                f.add(prefix, len, result);
            }
            check(f, routes, rnd, bases);
            List<Long> keys = new ArrayList<>(routes.keySet());
            for (int i = 0; i < keys.size(); i += 2) {
                long k = keys.get(i);
                assertTrue(f.remove((int) (k >>> 6), (int) (k & 63)));
                routes.remove(k);
            }
            check(f, routes, rnd, bases);
            assertEquals(routes.size(), f.size());
        }
    }

    private static void check(Dir24Fib f, Map<Long, Integer> routes, SplittableRandom rnd, int[] bases) {
        for (Map.Entry<Long, Integer> e : routes.entrySet()) {
            int prefix = (int) (e.getKey() >>> 6);
            int len = (int) (e.getKey() & 63);
            int last = prefix | (len == 0 ? -1 : ~(-1 << (32 - len)));
            for (int a : new int[] {prefix, last}) {
                assertEquals(reference(routes, a), f.lookup(a), "address " + Integer.toHexString(a));
            }
        }
        int[] batch = new int[256];
        int[] results = new int[256];
        for (int i = 0; i < 20_000; i++) {
            int a = rnd.nextBoolean() ? rnd.nextInt() : bases[rnd.nextInt(bases.length)] | (rnd.nextInt() >>> 8);
            assertEquals(reference(routes, a), f.lookup(a), "address " + Integer.toHexString(a));
            batch[i % 256] = a;
            if (i % 256 == 255) { // the vector form agrees with the single lookups
                f.lookupAll(batch, results, 256);
                for (int j = 0; j < 256; j++) {
                    assertEquals(reference(routes, batch[j]), results[j], "vector address " + Integer.toHexString(batch[j]));
                }
            }
        }
    }
}
