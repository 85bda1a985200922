package dev.junction.routing.fib;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** PrefixMap against a HashMap through puts and removals, with keys that collide often. */
class PrefixMapTest {

    @Test
    void behavesLikeAHashMap() {
        for (boolean wide : new boolean[] {false, true}) {
            SplittableRandom random = new SplittableRandom(wide ? 1 : 2);
            PrefixMap map = new PrefixMap(wide);
            Map<List<Long>, Integer> expected = new HashMap<>();
            for (int op = 0; op < 200_000; op++) {
                long high = random.nextInt(5_000) << 12; // trailing zero bits, as prefixes have
                long low = wide ? random.nextInt(3) << 20 : 0;
                List<Long> key = List.of(high, low);
                switch (random.nextInt(3)) {
                    case 0 -> assertEquals(orZero(expected.remove(key)), map.remove(high, low));
                    case 1 -> {
                        int hop = random.nextInt(1, 1000);
                        assertEquals(orZero(expected.put(key, hop)), map.put(high, low, hop));
                    }
                    default -> assertEquals(orZero(expected.get(key)), map.get(high, low));
                }
                assertEquals(expected.size(), map.size());
            }
            for (List<Long> key : new ArrayList<>(expected.keySet())) {
                assertEquals(expected.get(key), map.get(key.get(0), key.get(1)));
                assertEquals(expected.remove(key), map.remove(key.get(0), key.get(1)));
            }
            assertEquals(0, map.size());
        }
    }

    private static int orZero(Integer hop) {
        return hop == null ? 0 : hop;
    }
}
