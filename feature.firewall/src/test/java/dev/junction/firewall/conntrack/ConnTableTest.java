package dev.junction.firewall.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ConnTableTest {
    static final long NOW = 1_000_000_000L;

    static FlowKey key(int i) {
        return new FlowKey().set(4, 0, 17, (long) (0x0a000000 + i) << 32, 0, 1000 + (i & 0xff), 0x0a630001L << 32, 0, 53);
    }

    @Test
    void racingInsertsOfOneConnectionLeaveOneEntry() throws Exception {
        ConnTable t = new ConnTable(1 << 16);
        int n = 20_000;
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Runnable inserter = () -> {
            try {
                start.await();
                for (int i = 0; i < n; i++) {
                    FlowKey k = key(i);
                    if (t.find(k, NOW) < 0) {
                        int s = t.insert(k, 0, ConnState.withState(0, ConnState.UDP_UNREPLIED), NOW);
                        assertTrue(s >= 0, "insert " + i + ": " + s);
                    }
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        };
        Thread a = new Thread(inserter), b = new Thread(inserter);
        a.start();
        b.start();
        a.join();
        b.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        int[] live = new int[n];
        t.forEach(NOW, Integer.MAX_VALUE, (slot, k0, k1, k2, k3, k4, w, seen) -> live[(int) (k0 >>> 32) - 0x0a000000]++);
        for (int i = 0; i < n; i++) {
            assertEquals(1, live[i], "entries of connection " + i);
        }
        assertEquals(n, t.zoneCount(0));
    }

    @Test
    void expiredEntriesAreReclaimedAndTheirSlotsReused() {
        ConnTable t = new ConnTable(64);
        t.timeoutNanos(8, 1_000_000_000L); // udp: 1 s
        for (int i = 0; i < 40; i++) {
            assertTrue(t.insert(key(i), 0, ConnState.withState(0, ConnState.UDP_UNREPLIED), NOW) >= 0);
        }
        assertEquals(40, t.size());
        assertEquals(40, t.expire(NOW + 2_000_000_000L));
        assertEquals(0, t.size());
        for (int i = 100; i < 150; i++) {
            assertTrue(t.insert(key(i), 0, ConnState.withState(0, ConnState.UDP_UNREPLIED), NOW + 3_000_000_000L) >= 0);
        }
        assertEquals(50, t.size());
    }

    @Test
    void aFullWindowTakesAnEarlyEntryButNeverAnEstablishedOne() {
        ConnTable t = new ConnTable(32); // a key's window can be the whole table
        int[] fill = new int[32];
        for (int i = 0, k = 0; i < 32; i++, k++) {
            k = covering(t, k); // keys whose window is all 32 slots, so the table fills whole
            fill[i] = k;
            int state = i < 31 ? ConnState.ESTABLISHED : ConnState.SYN_SENT;
            assertTrue(t.insert(key(k), 0, ConnState.withState(0, state), NOW + i) >= 0, "insert " + i);
        }
        int k = covering(t, fill[31] + 1);
        assertTrue(t.insert(key(k), 0, ConnState.withState(0, ConnState.SYN_SENT), NOW + 20) >= 0, "took the half-open one");
        assertTrue(t.find(key(fill[31]), NOW + 21) < 0);
        for (int i = 0; i < 31; i++) {
            assertTrue(t.find(key(fill[i]), NOW + 21) >= 0);
        }
        // Now the only early entry is the newest: it goes for the next, and then only established remain.
        int k2 = covering(t, k + 1);
        assertTrue(t.insert(key(k2), 0, ConnState.withState(0, ConnState.ESTABLISHED), NOW + 22) >= 0);
        assertTrue(t.find(key(k), NOW + 23) < 0);
        int k3 = covering(t, k2 + 1);
        assertEquals(ConnTable.TABLE_FULL, t.insert(key(k3), 0, ConnState.withState(0, ConnState.SYN_SENT), NOW + 23));
    }

    @Test
    void keysPutDeepInTheirWindowAreFoundWhileTheSlotsBeforeThemDie() {
        ConnTable t = new ConnTable(1024);
        t.timeoutNanos(8, 1_000_000_000L); // udp: 1 s
        int home = t.probeOf(key(0), 0);
        java.util.List<Integer> same = new java.util.ArrayList<>(); // keys whose window starts where key 0's does
        for (int k = 1; same.size() < 20; k++) {
            if (t.probeOf(key(k), 0) == home) {
                same.add(k);
            }
        }
        // Sixteen UDP entries fill the home's first run; four established ones go on into their second runs.
        for (int j = 0; j < 20; j++) {
            int state = j < 16 ? ConnState.UDP_UNREPLIED : ConnState.ESTABLISHED;
            FlowKey k = key(same.get(j));
            int slot = t.insert(k, 0, ConnState.withState(0, state), NOW);
            if (j < 16) {
                assertEquals(t.probeOf(k, j), slot, "entry " + j + " in the first run");
            } else {
                boolean inRun2 = false;
                for (int i = 16; i < ConnTable.WINDOW; i++) {
                    inRun2 |= t.probeOf(k, i) == slot;
                }
                assertTrue(slot >= 0 && inRun2, "entry " + j + " in its second run: " + slot);
            }
        }
        long later = NOW + 2_000_000_000L; // the UDP ones expired, the established ones not
        assertEquals(16, t.expire(later));
        for (int j = 16; j < 20; j++) {
            assertTrue(t.find(key(same.get(j)), later) >= 0, "an entry of a second run, its first run dead: " + j);
        }
        for (int j = 0; j < 16; j++) {
            assertEquals(-1, t.find(key(same.get(j)), later), "an expired one is gone: " + j);
        }
        assertEquals(-1, t.find(key(0), later), "a key never put there");
        // A new key of that home takes the first dead slot and is found; the deep ones still are.
        int slot = t.insert(key(0), 0, ConnState.withState(0, ConnState.ESTABLISHED), later);
        assertEquals(home, slot);
        assertEquals(slot, t.find(key(0), later));
        for (int j = 16; j < 20; j++) {
            assertTrue(t.find(key(same.get(j)), later) >= 0, "still found: " + j);
        }
        assertEquals(5, t.size());
    }

    /** The first key from {@code from} on whose two runs of 16 do not overlap: its window is all 32 slots. */
    private static int covering(ConnTable t, int from) {
        int k = from;
        while (!windowCoversTable(t, key(k))) {
            k++;
        }
        return k;
    }

    private static boolean windowCoversTable(ConnTable t, FlowKey k) {
        java.util.Set<Integer> slots = new java.util.HashSet<>();
        for (int i = 0; i < ConnTable.WINDOW; i++) {
            slots.add(t.probeOf(k, i));
        }
        return slots.size() == 32;
    }

    @Test
    void aMillionConnectionsFitInTwoMillionSlots() {
        ConnTable t = new ConnTable(1 << 21);
        for (int i = 0; i < 1 << 20; i++) {
            FlowKey k = new FlowKey().set(4, 0, 6, (long) (0x0a000000 | (i >>> 8)) << 32, 0, 1024 + (i & 0x7fff),
                    (long) (0xc0a80000 | (i & 0xff)) << 32, 0, 443);
            assertTrue(t.insert(k, 0, ConnState.withState(0, ConnState.ESTABLISHED), NOW) >= 0, "insert " + i);
        }
        assertEquals(1 << 20, t.size());
    }
}
