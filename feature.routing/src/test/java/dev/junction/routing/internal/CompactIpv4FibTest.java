package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The compact IPv4 table (a VRF's) answers exactly as DIR-24-8 (itself checked against a reference
 * in Dir24FibTest) through random adds and removes of every length, /0 and /32 included, looked up
 * at random addresses and at the edges of every prefix.
 */
class CompactIpv4FibTest {
    @Test
    void answersAsDir24FibThroughAddsAndRemoves() {
        SplittableRandom rnd = new SplittableRandom(7);
        Dir24Fib reference = new Dir24Fib();
        CompactIpv4Fib compact = new CompactIpv4Fib();
        List<int[]> routes = new ArrayList<>();
        for (int round = 0; round < 4_000; round++) {
            if (routes.isEmpty() || rnd.nextInt(4) != 0) {
                int len = rnd.nextInt(8) == 0 ? (rnd.nextBoolean() ? 0 : 32) : 12 + rnd.nextInt(21);
                int mask = len == 0 ? 0 : -1 << (32 - len);
                int prefix = (0x0A00_0000 | rnd.nextInt(1 << 20) << 4 | rnd.nextInt()) & mask;
                int result = 1 + rnd.nextInt(1000);
                reference.add(prefix, len, result);
                compact.add(prefix, len, result);
                routes.add(new int[] {prefix, len});
            } else {
                int[] r = routes.remove(rnd.nextInt(routes.size()));
                assertEquals(reference.remove(r[0], r[1]), compact.remove(r[0], r[1]));
            }
            if (round % 400 == 0) {
                for (int k = 0; k < 2000; k++) {
                    int a = rnd.nextInt(4) == 0 ? rnd.nextInt() : 0x0A00_0000 | rnd.nextInt(1 << 24);
                    assertEquals(reference.lookup(a), compact.lookup(a), "address " + Integer.toUnsignedString(a));
                }
                for (int[] r : routes) {
                    int last = r[0] | (r[1] == 0 ? -1 : ~(-1 << (32 - r[1])));
                    assertEquals(reference.lookup(r[0]), compact.lookup(r[0]));
                    assertEquals(reference.lookup(last), compact.lookup(last));
                }
            }
        }
        assertEquals(reference.size(), compact.size());
        compact.reclaim();
    }
}
