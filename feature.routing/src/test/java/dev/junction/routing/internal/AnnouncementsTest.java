package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnouncementsTest {

    @Test
    void eachAnnouncementIsSentTheGivenNumberOfTimesAnIntervalApartThenFreed() {
        Announcements a = new Announcements();
        assertFalse(a.any());
        assertTrue(a.announce4(3, 0x0A00_0001));
        assertTrue(a.any());
        long now = System.nanoTime();
        assertEquals(-1, a.claim(true, now), "an IPv4 announcement is not the IPv6 node's");
        for (int i = 0; i < Announcements.REPEATS; i++) {
            int slot = a.claim(false, now);
            assertTrue(slot >= 0, "due at repeat " + i);
            assertEquals(3, a.ifIndex(slot));
            assertEquals(0x0A00_0001, a.address4(slot));
            assertEquals(-1, a.claim(false, now), "claimed: no one else sends it");
            a.sent(slot, now);
            assertEquals(-1, a.claim(false, now + Announcements.INTERVAL_NS - 1), "not due before the interval");
            now += Announcements.INTERVAL_NS;
        }
        assertFalse(a.any(), "done after " + Announcements.REPEATS);
        assertEquals(Announcements.REPEATS, a.sentCount());
    }

    @Test
    void aFullSetRefusesAndCountsAndLaterKeepsItDue() {
        Announcements a = new Announcements();
        for (int i = 0; i < Announcements.CAPACITY; i++) {
            assertTrue(a.announce6(1, 0xFD00L << 48, i));
        }
        assertFalse(a.announce6(1, 0xFD00L << 48, 999));
        assertEquals(1, a.refusedCount());
        long now = System.nanoTime();
        int slot = a.claim(true, now);
        a.later(slot);
        assertEquals(slot, a.claim(true, now), "no buffer then: still due");
        a.skipped(slot, now);
        assertEquals(0, a.sentCount());
    }

    @Test
    void workersRacingForAnnouncementsSendEachRepeatExactlyOnce() throws Exception {
        Announcements a = new Announcements();
        for (int i = 0; i < 40; i++) {
            a.announce4(1, i);
        }
        ConcurrentHashMap<Integer, AtomicInteger> sends = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        Thread[] workers = new Thread[4];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                // Every repeat due at once: time moves on by an interval per claim.
                long now = System.nanoTime();
                while (a.any()) {
                    int slot = a.claim(false, now);
                    if (slot >= 0) {
                        sends.computeIfAbsent(a.address4(slot), k -> new AtomicInteger()).incrementAndGet();
                        a.sent(slot, now);
                    }
                    now += Announcements.INTERVAL_NS;
                }
            });
            workers[w].start();
        }
        go.countDown();
        for (Thread t : workers) {
            t.join(10_000);
        }
        assertEquals(40, sends.size());
        sends.forEach((address, n) -> assertEquals(Announcements.REPEATS, n.get(), "address " + address));
    }

    @Test
    void announceQueuesEveryAddressOfTheInterfaceOrSaysWhyNot() throws Exception {
        try (Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)))) {
            engine.addDevice(new MemoryDevice("m0", 0x02_00_00_00_99_01L, TrafficProfile.defaults(), false));
            engine.addDevice(new MemoryDevice("m1", 0x02_00_00_00_99_02L, TrafficProfile.defaults(), false));
            Vrfs vrfs = new Vrfs();
            VrfControl routing = new VrfControl(vrfs, engine);
            routing.addAddress("m0", "10.99.0.1/24");
            routing.addAddress("m0", "fd99::1/64");
            drain(vrfs.announcements); // what coming up queued
            assertEquals(2, routing.announce("m0"));
            long now = System.nanoTime();
            int v4 = vrfs.announcements.claim(false, now), v6 = vrfs.announcements.claim(true, now);
            assertEquals(0x0A63_0001, vrfs.announcements.address4(v4));
            assertEquals(0xFD99_0000_0000_0000L, vrfs.announcements.high(v6));
            assertEquals(1L, vrfs.announcements.low(v6));
            assertEquals("m1 has no addresses to announce (see ip:addresses)",
                    assertThrows(IllegalArgumentException.class, () -> routing.announce("m1")).getMessage());
            assertEquals("no interface named 'm9' (see interface:list)",
                    assertThrows(IllegalArgumentException.class, () -> routing.announce("m9")).getMessage());
        }
    }

    /** Sends everything queued, as a worker would. */
    private static void drain(Announcements a) {
        for (long now = System.nanoTime(); a.any(); now += Announcements.INTERVAL_NS) {
            for (boolean v6 : new boolean[] {false, true}) {
                for (int slot; (slot = a.claim(v6, now)) >= 0; ) {
                    a.sent(slot, now);
                }
            }
        }
    }
}
