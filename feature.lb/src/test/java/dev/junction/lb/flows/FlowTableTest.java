package dev.junction.lb.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FlowTableTest {
    static final long NOW = 1_000_000_000L;

    static int insert(FlowTable t, int client, int svc, long now, long[] scratch) {
        long f0 = FlowTable.misc(4, 0, 6, client & 0xffff, 80);
        return t.insert(f0, 0, 0xc0a80000L | client >>> 16, 0, 0x0a000064L, 0, 0x0a010002L, FlowTable.value(svc, 3, 8080),
                true, now, scratch);
    }

    /** The same through a worker's writer (its counts plain). */
    static int insert(FlowTable t, int client, int svc, long now, FlowTable.Writer w) {
        long f0 = FlowTable.misc(4, 0, 6, client & 0xffff, 80), c = 0xc0a80000L | client >>> 16;
        return t.insert(FlowTable.forwardHash(f0, 0, c), f0, 0, c, 0, 0x0a000064L, 0, 0x0a010002L,
                FlowTable.value(svc, 3, 8080), true, now, w);
    }

    static int findForward(FlowTable t, int client, long now) {
        return t.find(FlowTable.misc(4, 0, 6, client & 0xffff, 80), 0, 0xc0a80000L | client >>> 16, 0, 0x0a000064L, now);
    }

    /** The reply of client {@code client}'s flow: from the backend 10.1.0.2:8080. */
    static int findReverse(FlowTable t, int client, long now) {
        return reply(t, 0x0a010002L, 8080, client, now);
    }

    static int reply(FlowTable t, long backend, int bport, int client, long now) {
        long r0 = FlowTable.misc(4, 0, 6, bport, client & 0xffff), c = 0xc0a80000L | client >>> 16;
        return t.findReply(FlowTable.replyHash(r0, 0, c), r0, 0, backend, 0, c, now);
    }

    @Test
    void bothDirectionsFindOneEntryThatDiesOnce() {
        FlowTable t = new FlowTable(1024);
        int s = insert(t, 5, 1, NOW, new long[1]);
        assertTrue(s >= 0);
        assertEquals(s, findForward(t, 5, NOW));
        assertEquals(s, findReverse(t, 5, NOW), "the reply finds the client's entry");
        assertEquals(FlowTable.NAT, t.word(s) & FlowTable.NAT);
        assertEquals(0x0a000064L, t.key(s, 4), "the VIP, what a reply is rewritten to, is the key's destination");
        assertEquals(-1, reply(t, 0x0a010003L, 8080, 5, NOW), "another backend's packet is no reply");
        assertEquals(-1, reply(t, 0x0a010002L, 8081, 5, NOW), "nor the backend's from another port");
        assertEquals(-1, reply(t, 0x0a010002L, 8080, 6, NOW), "nor one to another client port");
        assertEquals(1, t.serviceCount(1));
        assertTrue(t.kill(s, t.word(s)));
        assertTrue(!t.kill(s, t.word(s)), "a dead entry dies once");
        assertEquals(-1, findForward(t, 5, NOW));
        assertEquals(-1, findReverse(t, 5, NOW));
        assertEquals(0, t.serviceCount(1));
    }

    /**
     * What a visitor (the handover file, the shell's listing) sees of a NAT flow: its replies' 5-tuple
     * and what they are rewritten to, as the two-entry table of before had them, so that its file's
     * layout stays the one other versions read.
     */
    @Test
    void aVisitorSeesANatFlowsReplyKeyAndValue() {
        FlowTable t = new FlowTable(1024);
        assertTrue(insert(t, 5, 1, NOW, new long[1]) >= 0);
        int[] n = {0};
        t.forEach(NOW, 10, (slot, k, v, closing, seen, rev, rk, rv) -> {
            n[0]++;
            assertTrue(rev);
            assertEquals(java.util.List.of(FlowTable.misc(4, 0, 6, 8080, 5), 0L, 0x0a010002L, 0L, 0xc0a80000L),
                    java.util.Arrays.stream(rk).boxed().toList(), "backend:8080 to client:5");
            assertEquals(java.util.List.of(0L, 0x0a000064L, FlowTable.value(1, 3, 80)),
                    java.util.Arrays.stream(rv).boxed().toList(), "the VIP and its port");
            long[] k2 = k.clone(), v2 = v.clone();
            FlowTable other = new FlowTable(1024);
            assertTrue(other.restore(k2, v2, false, NOW, true, NOW));
            assertEquals(findForward(other, 5, NOW), findReverse(other, 5, NOW), "restored: both ways again");
        });
        assertEquals(1, n[0]);
    }

    /**
     * Every field of the client's side moves a flow's window: the VRF, the family, the protocol, the
     * port and the address (a first version OR-ed them into the hash's constant, and VRFs 0 and 1 or
     * IPv4 and IPv6 shared their windows).
     */
    @Test
    void theClientsSideWhollyPlacesAFlow() {
        long base = FlowTable.forwardHash(FlowTable.misc(4, 0, 6, 40000, 80), 0, 0xc0a80001L);
        java.util.Set<Long> seen = new java.util.HashSet<>(java.util.List.of(base));
        for (long h : new long[] {
                FlowTable.forwardHash(FlowTable.misc(4, 1, 6, 40000, 80), 0, 0xc0a80001L),
                FlowTable.forwardHash(FlowTable.misc(6, 0, 6, 40000, 80), 0, 0xc0a80001L),
                FlowTable.forwardHash(FlowTable.misc(4, 0, 17, 40000, 80), 0, 0xc0a80001L),
                FlowTable.forwardHash(FlowTable.misc(4, 0, 6, 40001, 80), 0, 0xc0a80001L),
                FlowTable.forwardHash(FlowTable.misc(4, 0, 6, 40000, 80), 0, 0xc0a80002L),
                FlowTable.forwardHash(FlowTable.misc(4, 0, 6, 40000, 80), 1, 0xc0a80001L)}) {
            assertTrue(seen.add(h), "a field of the client's side left out of the hash");
        }
        assertEquals(base, FlowTable.forwardHash(FlowTable.misc(4, 0, 6, 40000, 443), 0, 0xc0a80001L),
                "the VIP's port is not the client's side");
        assertEquals(base, FlowTable.replyHash(FlowTable.misc(4, 0, 6, 8080, 40000), 0, 0xc0a80001L), "nor the backend's");
    }

    /**
     * A service's count is the atomic changes plus every writer's: flows a worker made and took over
     * (plain, in its writer), flows the control path ended (atomic), a limit that counts them all.
     */
    @Test
    void countsAddUpOverWritersAndTheControlPath() {
        FlowTable t = new FlowTable(1 << 12);
        FlowTable.Writer a = t.writer(), b = t.writer();
        for (int c = 0; c < 30; c++) {
            assertTrue(insert(t, c, 4, NOW, c % 2 == 0 ? a : b) >= 0);
        }
        assertTrue(insert(t, 100, 4, NOW, new long[1]) >= 0, "a control-path insert");
        assertEquals(31, t.serviceCount(4));
        assertTrue(t.kill(findForward(t, 3, NOW), t.word(findForward(t, 3, NOW))));
        assertEquals(30, t.serviceCount(4));
        t.serviceLimit(4, 30);
        assertEquals(FlowTable.SERVICE_FULL, insert(t, 200, 4, NOW, a), "the limit sees every writer's flows");
        long later = NOW + FlowTable.DEFAULT_OPEN_NANOS + 1;
        for (int c = 0; c < 30; c++) {
            // The same clients again, once their flows expired, for service 5: each new flow takes over
            // the expired one in its window (client 3's was killed: its slot is reused), through
            // writer b, whose count of service 4 goes down as its count of service 5 goes up.
            assertTrue(insert(t, c, 5, later, b) >= 0);
        }
        assertEquals(30, t.serviceCount(5));
        assertEquals(1, t.serviceCount(4), "client 100's flow, expired, not taken over");
        assertEquals(1, t.expire(later), "the sweep takes it, atomically");
        assertEquals(0, t.serviceCount(4));
        assertEquals(30, t.size());
    }

    /** A DSR or GRE flow (not NAT): its backend's packets to the client are not replies of ours. */
    @Test
    void onlyNatFlowsHaveReplies() {
        FlowTable t = new FlowTable(1024);
        long f0 = FlowTable.misc(4, 0, 6, 5, 80);
        int s = t.insert(f0, 0, 0xc0a80000L, 0, 0x0a000064L, 0, 0x0a010002L, FlowTable.value(1, 3, 8080), false, NOW,
                new long[1]);
        assertEquals(s, findForward(t, 5, NOW));
        assertEquals(-1, findReverse(t, 5, NOW));
    }

    /**
     * One client address and port to several VIPs: one window (the client's side places a flow), each
     * flow found by its own key both ways, and the window's {@value FlowTable#WINDOW} the limit.
     */
    @Test
    void aClientPortsFlowsShareAWindow() {
        FlowTable t = new FlowTable(1 << 12);
        long[] sc = new long[1];
        long f0 = FlowTable.misc(4, 0, 6, 40000, 80);
        int made = 0;
        for (int vip = 0; vip < FlowTable.WINDOW + 4; vip++) {
            int s = t.insert(f0, 0, 0xc0a80001L, 0, 0x0a000000L + vip, 0, 0x0a010000L + vip, FlowTable.value(1, vip, 8080),
                    true, NOW, sc);
            if (vip < FlowTable.WINDOW) {
                assertTrue(s >= 0, "flow to VIP " + vip);
                made++;
            } else {
                assertEquals(FlowTable.TABLE_FULL, s, "flow to VIP " + vip);
            }
        }
        assertEquals(made, t.size());
        for (int vip = 0; vip < FlowTable.WINDOW; vip++) {
            int s = t.find(f0, 0, 0xc0a80001L, 0, 0x0a000000L + vip, NOW);
            assertTrue(s >= 0);
            long r0 = FlowTable.misc(4, 0, 6, 8080, 40000);
            assertEquals(s, t.findReply(FlowTable.replyHash(r0, 0, 0xc0a80001L), r0, 0, 0x0a010000L + vip, 0, 0xc0a80001L, NOW));
            assertEquals(0x0a000000L + vip, t.key(s, 4));
        }
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
        assertEquals(-1, findReverse(t, 3, NOW), "its replies find nothing either");
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
        assertTrue(ok <= 64 && full >= 36 && ok > 32, ok + " in, " + full + " refused"); // one slot a flow
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
            assertEquals(live.contains(c), findReverse(t, c, NOW) >= 0, "client " + c + "'s reply");
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

    /**
     * Two workers meeting the same new flows at once, each through its writer (entries published by
     * release stores, counts plain): one entry per flow survives, and the counts add up.
     */
    @Test
    void racingInsertsLeaveOneEntry() throws Exception {
        for (int round = 0; round < 20; round++) {
            FlowTable t = new FlowTable(1 << 14);
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            Runnable r = () -> {
                FlowTable.Writer w = t.writer();
                try {
                    start.await();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                for (int c = 0; c < 2000; c++) {
                    if (findForward(t, c, NOW) < 0) {
                        insert(t, c, 0, NOW, w);
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
