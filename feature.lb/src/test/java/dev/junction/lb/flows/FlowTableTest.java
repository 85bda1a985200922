package dev.junction.lb.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FlowTableTest {
    static final long NOW = 1_000_000_000L;

    static int insert(FlowTable t, int client, int svc, long now, long[] scratch) {
        long f0 = FlowTable.misc(4, 0, 6, client & 0xffff, 80), r0 = FlowTable.misc(4, 0, 6, 80, client & 0xffff);
        return t.insert(f0, 0, 0xc0a80000L | client >>> 16, 0, 0x0a000064L, 0, 0x0a010002L, FlowTable.value(svc, 3, 80),
                true, r0, 0, 0x0a010002L, 0, 0xc0a80000L | client >>> 16, 0, 0x0a000064L, FlowTable.value(svc, 3, 80), now, scratch);
    }

    static int findForward(FlowTable t, int client, long now) {
        return t.find(FlowTable.misc(4, 0, 6, client & 0xffff, 80), 0, 0xc0a80000L | client >>> 16, 0, 0x0a000064L, now);
    }

    static int findReverse(FlowTable t, int client, long now) {
        return t.find(FlowTable.misc(4, 0, 6, 80, client & 0xffff), 0, 0x0a010002L, 0, 0xc0a80000L | client >>> 16, now);
    }

    @Test
    void bothEntriesLiveAndDieTogether() {
        FlowTable t = new FlowTable(1024);
        int s = insert(t, 5, 1, NOW, new long[1]);
        assertTrue(s >= 0);
        int r = findReverse(t, 5, NOW);
        assertEquals(s, findForward(t, 5, NOW));
        assertTrue(r >= 0 && r != s);
        assertEquals(r, FlowTable.peer(t.word(s)));
        assertEquals(0x0a000064L, t.value(r, 1), "the reverse entry holds the VIP");
        assertEquals(1, t.serviceCount(1));
        assertTrue(t.kill(r, t.word(r)));
        assertEquals(-1, findForward(t, 5, NOW));
        assertEquals(0, t.serviceCount(1));
    }

    @Test
    void clearingAServiceEndsItsFlowsBothWaysAndNoOthers() {
        FlowTable t = new FlowTable(1024);
        long[] sc = new long[1];
        for (int c = 0; c < 5; c++) {
            assertTrue(insert(t, c, 1, NOW, sc) >= 0);
            assertTrue(insert(t, 100 + c, 2, NOW, sc) >= 0);
        }
        assertEquals(5, t.clearService(1));
        assertEquals(0, t.serviceCount(1));
        assertEquals(5, t.serviceCount(2));
        assertEquals(-1, findForward(t, 3, NOW));
        assertEquals(-1, findReverse(t, 3, NOW), "the reply side went with it");
        assertTrue(findForward(t, 103, NOW) >= 0 && findReverse(t, 103, NOW) >= 0, "service 2's flows stay");
        assertEquals(0, t.clearService(1));
    }

    @Test
    void aReplyKeepsTheFlowAliveAndLimitsHold() {
        FlowTable t = new FlowTable(1024);
        t.serviceLimit(2, 3);
        long[] sc = new long[1];
        for (int c = 0; c < 3; c++) {
            assertTrue(insert(t, c, 2, NOW, sc) >= 0);
        }
        assertEquals(FlowTable.SERVICE_FULL, insert(t, 9, 2, NOW, sc));
        assertEquals(1, t.serviceRefused(2));
        long later = NOW + 800_000_000_000L;
        t.touch(findReverse(t, 0, NOW), later); // only the backend spoke lately
        long end = NOW + 1000_000_000_000L;
        assertTrue(findForward(t, 0, end) >= 0);
        assertEquals(-1, findForward(t, 1, end));
        assertEquals(2, t.expire(end));
        assertEquals(1, t.serviceCount(2));
    }

    @Test
    void fullWindowIsRefused() {
        FlowTable t = new FlowTable(64);
        long[] sc = new long[1];
        int ok = 0, full = 0;
        for (int c = 0; c < 100; c++) {
            int s = insert(t, c, 0, NOW, sc);
            if (s >= 0) {
                ok++;
            } else {
                assertEquals(FlowTable.TABLE_FULL, s);
                full++;
            }
        }
        assertTrue(ok <= 32 && full >= 68, ok + " in, " + full + " refused");
        assertEquals(ok, t.size());
    }

    /**
     * A crowded, churned table (no slot EMPTY any more, windows spilling into their second runs): every
     * live flow is still found both ways through its home's reach, and every ended one is gone.
     */
    @Test
    void lookupsFollowTheReachThroughChurn() {
        FlowTable t = new FlowTable(256);
        long[] sc = new long[1];
        java.util.Set<Integer> live = new java.util.HashSet<>();
        java.util.Random rnd = new java.util.Random(15);
        for (int step = 0; step < 20_000; step++) {
            int c = rnd.nextInt(400);
            int s = findForward(t, c, NOW);
            if (s >= 0) {
                assertTrue(live.contains(c), "client " + c + " found but ended");
                assertTrue(t.kill(s, t.word(s)));
                live.remove(c);
            } else {
                assertTrue(!live.contains(c), "client " + c + " live but not found, step " + step);
                if (insert(t, c, 0, NOW, sc) >= 0) {
                    live.add(c);
                }
            }
        }
        assertTrue(live.size() > 60, live.size() + " live");
        for (int c = 0; c < 400; c++) {
            assertEquals(live.contains(c), findForward(t, c, NOW) >= 0, "client " + c);
            assertEquals(live.contains(c), findReverse(t, c, NOW) >= 0, "client " + c + "'s reverse entry");
        }
        assertEquals(live.size(), t.size());
    }

    /** The sweep in steps: a tenth at a time from a cursor that wraps, every expired flow reclaimed once. */
    @Test
    void theSweepInStepsReclaimsEveryExpiredFlow() {
        FlowTable t = new FlowTable(1024);
        long[] sc = new long[1];
        for (int c = 0; c < 200; c++) {
            assertTrue(insert(t, c, 1, NOW, sc) >= 0);
        }
        long later = NOW + FlowTable.DEFAULT_OPEN_NANOS + 1;
        int n = 0;
        for (int i = 0; i < 11; i++) {
            n += t.expireSome(later, 1024 / 10);
        }
        assertEquals(200, n);
        assertEquals(0, t.serviceCount(1));
        assertEquals(0, t.expireSome(later, 5000), "nothing left, and a step longer than the table wraps");
    }

    /** Two workers meeting the same new flows at once: one entry per flow survives. */
    @Test
    void racingInsertsLeaveOneEntry() throws Exception {
        for (int round = 0; round < 20; round++) {
            FlowTable t = new FlowTable(1 << 14);
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            Runnable r = () -> {
                long[] sc = new long[1];
                try {
                    start.await();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                for (int c = 0; c < 2000; c++) {
                    if (findForward(t, c, NOW) < 0) {
                        insert(t, c, 0, NOW, sc);
                    }
                }
            };
            Thread a = new Thread(r), b = new Thread(r);
            a.start();
            b.start();
            a.join();
            b.join();
            assertEquals(2000, t.size(), "round " + round);
            int[] n = {0};
            t.forEach(NOW, Integer.MAX_VALUE, (slot, k, v, closing, seen, rev, rk, rv) -> n[0]++);
            assertEquals(2000, n[0]);
            for (int c = 0; c < 2000; c++) {
                assertTrue(findReverse(t, c, NOW) >= 0);
            }
        }
    }
}
