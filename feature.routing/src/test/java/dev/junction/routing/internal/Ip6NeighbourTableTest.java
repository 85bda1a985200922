package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * NeighbourTableTest for IPv6, whose keys (three fields) are compared one field at a time: a probe
 * window filled once takes new neighbours after its entries expire, the old ones are then unknown,
 * and an expired neighbour heard from again comes back in its own slot. Under workers that learn,
 * refresh and look up while the control thread expires everything, on keys crowded into one window so
 * that slots go ready, re-keyed, ready again all the time, a lookup or a listing never pairs an
 * address with another address's MAC.
 */
class Ip6NeighbourTableTest {
    private static final int WINDOW = 32;
    private static final long HIGH = 0xFD00_0000_0000_0001L;

    /**
     * {@code count} keys (interface 0 or 1, fd00:0:0:1:: plus low) whose home slot is in
     * [home, home + spread).
     */
    private record Keys(int[] ifIndexes, long[] lows) {
        static Keys near(int home, int spread, int count) {
            int[] ifIndexes = new int[count];
            long[] lows = new long[count];
            int n = 0;
            for (long low = 1; n < count; low++) {
                for (int ifIndex = 0; ifIndex < 2 && n < count; ifIndex++) {
                    int s = Ip6NeighbourTable.slot(ifIndex, HIGH, low);
                    if (s >= home && s < home + spread) {
                        ifIndexes[n] = ifIndex;
                        lows[n++] = low;
                    }
                }
            }
            return new Keys(ifIndexes, lows);
        }

        int indexOf(int ifIndex, long high, long low) {
            for (int i = 0; i < lows.length; i++) {
                if (ifIndexes[i] == ifIndex && high == HIGH && lows[i] == low) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** A MAC that names its key (index + 1 in the top 24 bits) and the learn that wrote it (the rest). */
    private static long mac(int index, long tag) {
        return ((long) (index + 1) << 24) | (tag & 0xFF_FFFF);
    }

    private static boolean belongs(long mac, int index) {
        return mac >>> 24 == index + 1;
    }

    @Test
    void aFullWindowTakesNewNeighboursOnceItsEntriesExpire() {
        Ip6NeighbourTable table = new Ip6NeighbourTable();
        Keys keys = Keys.near(100, 1, 2 * WINDOW + 1);
        for (int i = 0; i < WINDOW; i++) {
            assertTrue(table.learn(keys.ifIndexes[i], HIGH, keys.lows[i], mac(i, 0), 1_000));
        }
        int next = 2 * WINDOW;
        assertFalse(table.learn(keys.ifIndexes[next], HIGH, keys.lows[next], mac(next, 0), 1_500), "window full of live neighbours");
        assertEquals(WINDOW, table.expire(2_000));
        for (int i = WINDOW; i < 2 * WINDOW; i++) {
            assertTrue(table.learn(keys.ifIndexes[i], HIGH, keys.lows[i], mac(i, 0), 3_000), "a new neighbour takes an expired slot");
        }
        for (int i = 0; i < WINDOW; i++) {
            assertEquals(-1, table.lookup(keys.ifIndexes[i], HIGH, keys.lows[i]), "an old neighbour is unknown");
            assertFalse(table.refresh(keys.ifIndexes[i], HIGH, keys.lows[i], mac(i, 1), 3_500), "and cannot be refreshed back");
        }
        for (int i = WINDOW; i < 2 * WINDOW; i++) {
            assertEquals(mac(i, 0), table.lookup(keys.ifIndexes[i], HIGH, keys.lows[i]));
        }
        List<Integer> listed = new ArrayList<>();
        table.forEach((ifIndex, high, low, mac, updated) -> {
            int i = keys.indexOf(ifIndex, high, low);
            assertEquals(mac(i, 0), mac);
            assertEquals(3_000, updated);
            listed.add(i);
        });
        assertEquals(WINDOW, listed.size());
        assertTrue(listed.stream().allMatch(i -> i >= WINDOW && i < 2 * WINDOW), "only the new ones: " + listed);
        assertFalse(table.learn(keys.ifIndexes[next], HIGH, keys.lows[next], mac(next, 0), 3_500), "full again");
    }

    @Test
    void anExpiredNeighbourComesBackInItsOwnSlotAndANewOneTakesTheFirstExpired() {
        Ip6NeighbourTable table = new Ip6NeighbourTable();
        Keys keys = Keys.near(200, 1, 3);
        table.learn(keys.ifIndexes[0], HIGH, keys.lows[0], mac(0, 0), 1_000);
        table.learn(keys.ifIndexes[1], HIGH, keys.lows[1], mac(1, 0), 1_000);
        assertEquals(2, table.expire(2_000));
        assertTrue(table.learn(keys.ifIndexes[1], HIGH, keys.lows[1], mac(1, 1), 3_000));
        assertEquals(mac(1, 1), table.lookup(keys.ifIndexes[1], HIGH, keys.lows[1]));
        // The new key takes the first expired slot (key 0's) before the empty one after key 1.
        assertTrue(table.learn(keys.ifIndexes[2], HIGH, keys.lows[2], mac(2, 0), 3_000));
        assertFalse(table.refresh(keys.ifIndexes[0], HIGH, keys.lows[0], mac(0, 1), 3_000), "key 0's slot went to key 2");
        assertEquals(mac(2, 0), table.lookup(keys.ifIndexes[2], HIGH, keys.lows[2]));
        assertEquals(mac(1, 1), table.lookup(keys.ifIndexes[1], HIGH, keys.lows[1]));
        assertEquals(2, table.expire(4_000));
    }

    @Test
    void aLookupNeverReturnsAnotherNeighboursMac() throws InterruptedException {
        Ip6NeighbourTable table = new Ip6NeighbourTable();
        // 64 keys for the 35 slots of their windows: learning one usually means re-keying another's.
        Keys keys = Keys.near(300, 4, 64);
        long deadline = System.nanoTime() + 1_500_000_000L;
        AtomicReference<String> wrong = new AtomicReference<>();
        AtomicLong hits = new AtomicLong(), learned = new AtomicLong(), listed = new AtomicLong(), known = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            long seed = 0x9E37_79B9_7F4A_7C15L * (w + 1);
            threads.add(new Thread(() -> {
                long r = seed, tag = 0, ownHits = 0, ownLearned = 0, seen = 0;
                while (System.nanoTime() - deadline < 0 && wrong.get() == null) {
                    r ^= r << 13;
                    r ^= r >>> 7;
                    r ^= r << 17;
                    int i = (int) ((r >>> 8) & 63);
                    int ifIndex = keys.ifIndexes[i];
                    long low = keys.lows[i];
                    switch ((int) (r & 7)) {
                        case 0, 1 -> {
                            if (table.learn(ifIndex, HIGH, low, mac(i, ++tag), System.nanoTime())) {
                                ownLearned++;
                            }
                        }
                        case 2 -> table.refresh(ifIndex, HIGH, low, mac(i, ++tag), System.nanoTime());
                        default -> {
                            long mac = table.lookup(ifIndex, HIGH, low);
                            if (mac >= 0) {
                                ownHits++;
                                seen |= 1L << i;
                                if (!belongs(mac, i)) {
                                    wrong.compareAndSet(null, "key " + i + " looked up as " + Long.toHexString(mac));
                                }
                            }
                        }
                    }
                }
                hits.addAndGet(ownHits);
                learned.addAndGet(ownLearned);
                known.accumulateAndGet(seen, (a, b) -> a | b);
            }));
        }
        // The control thread expires everything it sees, again and again; the shell lists meanwhile.
        threads.add(new Thread(() -> {
            while (System.nanoTime() - deadline < 0 && wrong.get() == null) {
                table.expire(System.nanoTime());
            }
        }));
        threads.add(new Thread(() -> {
            while (System.nanoTime() - deadline < 0 && wrong.get() == null) {
                table.forEach((ifIndex, high, low, mac, updated) -> {
                    listed.incrementAndGet();
                    int i = keys.indexOf(ifIndex, high, low);
                    if (i < 0 || !belongs(mac, i)) {
                        wrong.compareAndSet(null, "listed " + ifIndex + "/" + Long.toHexString(low) + " with " + Long.toHexString(mac));
                    }
                });
            }
        }));
        for (Thread t : threads) {
            t.setUncaughtExceptionHandler((thread, e) -> wrong.compareAndSet(null, e.toString()));
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(null, wrong.get());
        assertTrue(hits.get() > 10_000 && learned.get() > 10_000 && listed.get() > 0,
                hits + " hits, " + learned + " learned, " + listed + " listed");
        assertEquals(-1L, known.get(), "all 64 keys were found at some time, though 35 slots hold them");
    }
}
