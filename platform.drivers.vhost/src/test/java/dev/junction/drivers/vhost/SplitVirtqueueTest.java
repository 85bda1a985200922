package dev.junction.drivers.vhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.os.Libc;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The virtqueue code against a guest laid out in process memory: frames both ways with their
 * virtio-net header, chains of several buffers, mergeable receive buffers, index wrap-around,
 * notification suppression, and every rule a guest can break (with proof that nothing outside the
 * guest's memory was touched).
 */
class SplitVirtqueueTest {
    private static final long GPA = 0x4000_0000L;
    private static final long RAM = 1 << 20;
    private static final long BUFS = 256 * 1024;

    private final GuestRam ram = GuestRam.inProcess(RAM, GPA);
    private final GuestMemory memory = ram.memory();
    private final Arena arena = Arena.ofConfined();
    private final PacketPool pool = new PacketPool(arena, 1024);
    private final PacketVector vector = new PacketVector();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    private DeviceHealth health = new DeviceHealth("test");
    private RingSlot slot = new RingSlot();

    @AfterEach
    void tearDown() {
        arena.close();
        ram.close();
    }

    private static byte pattern(int seed, int i) {
        return (byte) (seed * 31 + i * 7);
    }

    private void guestBytes(long offset, int seed, int from, int len) {
        for (int i = 0; i < len; i++) {
            ram.region.set(ValueLayout.JAVA_BYTE, offset + i, pattern(seed, from + i));
        }
    }

    private int poolFrame(int len, int seed) {
        int b = pool.allocate();
        for (int i = 0; i < len; i++) {
            pool.memory().set(ValueLayout.JAVA_BYTE, pool.data(b) + i, pattern(seed, i));
        }
        pool.length(b, len);
        return b;
    }

    private void assertPoolFrame(int b, int len, int seed) {
        assertEquals(len, pool.length(b));
        for (int i = 0; i < len; i++) {
            assertEquals(pattern(seed, i), pool.memory().get(ValueLayout.JAVA_BYTE, pool.data(b) + i), "byte " + i);
        }
    }

    private void assertGuestBytes(long offset, int seed, int from, int len) {
        for (int i = 0; i < len; i++) {
            assertEquals(pattern(seed, from + i), ram.region.get(ValueLayout.JAVA_BYTE, offset + i), "guest byte " + (from + i));
        }
    }

    @Test
    void guestFramesArriveWithoutTheirHeader() {
        DriverRing tx = new DriverRing(ram, 256, 0);
        slot.swap(tx.backend(memory, false, -1, true));
        GuestTransmitQueue q = new GuestTransmitQueue(health, slot);
        // Frame 1: header and frame in one buffer. Frame 2: header alone, the frame in two pieces.
        guestBytes(BUFS + 12, 1, 0, 60);
        int h1 = tx.post(new long[] {BUFS}, new int[] {72}, false);
        guestBytes(BUFS + 8192, 2, 0, 100);
        guestBytes(BUFS + 12288, 2, 100, 400);
        int h2 = tx.post(new long[] {BUFS + 4096, BUFS + 8192, BUFS + 12288}, new int[] {12, 100, 400}, false);

        assertEquals(2, q.receive(pool, vector, 256));
        assertPoolFrame(vector.buffer(0), 60, 1);
        assertPoolFrame(vector.buffer(1), 500, 2);
        assertEquals(2, tx.usedIdx());
        assertEquals(h1, tx.usedId(0));
        assertEquals(h2, tx.usedId(1));
        assertEquals(0, tx.usedLen(1), "the device writes nothing into transmit buffers");
        assertEquals(2, q.counters.packets);
        assertEquals(560, q.counters.bytes);
        assertEquals(0, q.receive(pool, vector, 256), "nothing more");
        assertFalse(health.isBroken());
        assertTrue(ram.guardsIntact());
    }

    @Test
    void runtAndOversizedFramesAreDroppedAndCounted() {
        DriverRing tx = new DriverRing(ram, 256, 0);
        slot.swap(tx.backend(memory, false, -1, true));
        GuestTransmitQueue q = new GuestTransmitQueue(health, slot);
        tx.post(new long[] {BUFS}, new int[] {12 + 10}, false); // 10 bytes: no Ethernet header
        tx.post(new long[] {BUFS + 4096, BUFS + 8192}, new int[] {12 + 2000, 100}, false); // 2100 > a buffer
        tx.post(new long[] {BUFS}, new int[] {8}, false); // shorter than the virtio-net header
        guestBytes(BUFS + 16384 + 12, 3, 0, 64);
        tx.post(new long[] {BUFS + 16384}, new int[] {12 + 64}, false);
        assertEquals(1, q.receive(pool, vector, 256));
        assertPoolFrame(vector.buffer(0), 64, 3);
        assertEquals(3, q.counters.errors);
        assertEquals(4, tx.usedIdx(), "dropped frames are still returned to the guest");
        assertEquals(1023, pool.available(), "only the delivered frame holds a buffer");
        assertFalse(health.isBroken());
    }

    @Test
    void mergeableBuffersCarryAFrameLargerThanOne() {
        DriverRing rx = new DriverRing(ram, 256, 0);
        slot.swap(rx.backend(memory, false, -1, true));
        GuestReceiveQueue q = new GuestReceiveQueue(health, slot);
        int[] heads = new int[4];
        for (int k = 0; k < 4; k++) {
            heads[k] = rx.post(new long[] {BUFS + 4096L * k}, new int[] {512}, true);
        }
        vector.add(poolFrame(1000, 5));
        vector.add(poolFrame(60, 6));
        assertEquals(2, q.transmit(pool, vector));
        assertEquals(3, rx.usedIdx(), "1012 bytes over two 512-byte buffers, then one for the small frame");
        assertEquals(heads[0], rx.usedId(0));
        assertEquals(512, rx.usedLen(0));
        assertEquals(heads[1], rx.usedId(1));
        assertEquals(500, rx.usedLen(1));
        assertEquals(72, rx.usedLen(2));
        assertEquals(2, ram.region.get(ValueLayout.JAVA_SHORT, BUFS + 10), "num_buffers");
        assertEquals(0L, ram.region.get(ValueLayout.JAVA_LONG, BUFS), "no offloads in the header");
        assertGuestBytes(BUFS + 12, 5, 0, 500);
        assertGuestBytes(BUFS + 4096, 5, 500, 500);
        assertEquals(1, ram.region.get(ValueLayout.JAVA_SHORT, BUFS + 8192 + 10), "num_buffers");
        assertGuestBytes(BUFS + 8192 + 12, 6, 0, 60);
        assertEquals(1024, pool.available(), "sent frames go back to the pool");
        assertEquals(2, q.counters.packets);
        assertEquals(1060, q.counters.bytes);
        assertTrue(ram.guardsIntact());
    }

    @Test
    void withoutMergeableBuffersAFrameMustFitOneChain() {
        DriverRing rx = new DriverRing(ram, 256, 0);
        slot.swap(rx.backend(memory, false, -1, false));
        GuestReceiveQueue q = new GuestReceiveQueue(health, slot);
        rx.post(new long[] {BUFS, BUFS + 4096}, new int[] {300, 300}, true); // one chain of 600 bytes
        vector.add(poolFrame(1000, 7));
        vector.add(poolFrame(500, 8));
        assertEquals(2, q.transmit(pool, vector));
        assertEquals(1, q.counters.errors, "the 1000-byte frame fits no chain");
        assertEquals(1, rx.usedIdx());
        assertEquals(512, rx.usedLen(0));
        assertGuestBytes(BUFS + 12, 8, 0, 288);
        assertGuestBytes(BUFS + 4096, 8, 288, 212);
    }

    @Test
    void aFullRingTakesNoMore() {
        DriverRing rx = new DriverRing(ram, 256, 0);
        slot.swap(rx.backend(memory, false, -1, true));
        GuestReceiveQueue q = new GuestReceiveQueue(health, slot);
        rx.post(new long[] {BUFS}, new int[] {2048}, true);
        for (int i = 0; i < 3; i++) {
            vector.add(poolFrame(100, i));
        }
        assertEquals(1, q.transmit(pool, vector), "one buffer: one frame taken, two left to the caller");
        assertEquals(1, rx.usedIdx());
        assertEquals(1022, pool.available());
    }

    @Test
    void indexesWrapAroundTheRingAndSixteenBits() {
        DriverRing tx = new DriverRing(ram, 8, 0);
        tx.startAt(65530);
        slot.swap(tx.backend(memory, false, -1, true));
        GuestTransmitQueue in = new GuestTransmitQueue(health, slot);
        RingSlot rxSlot = new RingSlot();
        DriverRing rx = new DriverRing(ram, 8, tx.end());
        rx.startAt(65533);
        rxSlot.swap(rx.backend(memory, false, -1, true));
        GuestReceiveQueue out = new GuestReceiveQueue(health, rxSlot);
        for (int round = 0; round < 40; round++) {
            for (int k = 0; k < 3; k++) {
                guestBytes(BUFS + 4096L * k + 12, round + k, 0, 100);
                tx.post(new long[] {BUFS + 4096L * k}, new int[] {112}, false);
            }
            vector.clear();
            assertEquals(3, in.receive(pool, vector, 256), "round " + round);
            for (int k = 0; k < 3; k++) {
                assertPoolFrame(vector.buffer(k), 100, round + k);
                pool.free(vector.buffer(k));
            }
            assertEquals(tx.availIdx, tx.usedIdx());

            int before = rx.usedIdx();
            for (int k = 0; k < 5; k++) {
                rx.post(new long[] {BUFS + 65536 + 4096L * k}, new int[] {256}, true);
            }
            vector.clear();
            vector.add(poolFrame(600, round));
            assertEquals(1, out.transmit(pool, vector));
            assertEquals((before + 3) & 0xFFFF, rx.usedIdx(), "612 bytes in three 256-byte buffers");
            assertGuestBytes(BUFS + 65536 + 12, round, 0, 244);
            assertGuestBytes(BUFS + 65536 + 4096, round, 244, 256);
            assertGuestBytes(BUFS + 65536 + 8192, round, 500, 100);
            // the guest takes the two buffers left over back: one ring's worth at most stays posted
            rx.publish(rx.availIdx - 2);
        }
        assertTrue(tx.usedIdx() < 65530, "the 16-bit index wrapped");
        assertFalse(health.isBroken());
        assertTrue(ram.guardsIntact());
    }

    @Test
    void callsOnlyWhenTheGuestWantsThem() {
        int efd = Libc.eventfd(state, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        try {
            DriverRing tx = new DriverRing(ram, 256, 0);
            slot.swap(tx.backend(memory, false, efd, true));
            GuestTransmitQueue q = new GuestTransmitQueue(health, slot);
            assertEquals(SplitVirtqueue.USED_F_NO_NOTIFY, tx.usedFlags(), "we poll: no kicks wanted");
            tx.post(new long[] {BUFS}, new int[] {80}, false);
            q.receive(pool, vector, 256);
            assertEquals(1, readEventfd(efd), "no suppression: one call");
            tx.availFlags(SplitVirtqueue.AVAIL_F_NO_INTERRUPT);
            tx.post(new long[] {BUFS}, new int[] {80}, false);
            q.receive(pool, vector, 256);
            assertEquals(0, readEventfd(efd), "NO_INTERRUPT: no call");

            // EVENT_IDX: a call only when the used index passes used_event.
            RingSlot s2 = new RingSlot();
            DriverRing tx2 = new DriverRing(ram, 256, tx.end());
            s2.swap(tx2.backend(memory, true, efd, true));
            GuestTransmitQueue q2 = new GuestTransmitQueue(health, s2);
            tx2.usedEvent(2); // call me when entry 2 is used
            for (int i = 0; i < 2; i++) {
                tx2.post(new long[] {BUFS}, new int[] {80}, false);
                q2.receive(pool, vector, 256);
                assertEquals(0, readEventfd(efd), "entry " + i + " used: not yet");
            }
            tx2.post(new long[] {BUFS}, new int[] {80}, false);
            q2.receive(pool, vector, 256);
            assertEquals(1, readEventfd(efd), "entry 2 used: call");
            assertEquals((tx2.usedIdx() - 1) & 0xFFFF, tx2.availEvent(), "avail_event kept behind: no kicks");
        } finally {
            Libc.close(state, efd);
        }
    }

    private long readEventfd(int fd) {
        MemorySegment v = arena.allocate(8, 8);
        long r = Libc.read(state, fd, v.address(), 8);
        return r == 8 ? v.get(ValueLayout.JAVA_LONG, 0) : 0;
    }

    @Test
    void translationChecksEveryByteOfARange() {
        MemorySegment a = arena.allocate(8192);
        MemorySegment b = arena.allocate(4096);
        GuestMemory m = new GuestMemory(new long[] {0x10000, 0x20000}, new long[] {0x7000_0000L, 0x7001_0000L},
                new MemorySegment[] {a, b}, new MemorySegment[0]);
        assertEquals(0, GuestMemory.region(m.translate(0x10000, 8192)));
        assertEquals(100, GuestMemory.offset(m.translate(0x20000 + 100, 3996)));
        assertEquals(1, GuestMemory.region(m.translate(0x20000 + 100, 3996)));
        assertEquals(GuestMemory.INVALID, m.translate(0x20000 + 100, 3997), "one byte past the end");
        assertEquals(GuestMemory.INVALID, m.translate(0x10000 + 8192, 1), "between regions");
        assertEquals(GuestMemory.INVALID, m.translate(0x10000 - 1, 2), "starts before");
        assertEquals(GuestMemory.INVALID, m.translate(0x10000, 0xFFFF_FFFFL), "a huge length");
        assertEquals(GuestMemory.INVALID, m.translate(-1L, 2), "the top of the address space");
        assertEquals(GuestMemory.INVALID, m.translate(0x10000, -1L), "a negative length");
        assertEquals(4096, m.userRange(0x7001_0000L, 4096).byteSize());
        assertEquals(null, m.userRange(0x7001_0001L, 4096));
    }

    /** A transmit ring the guest corrupts with {@code corrupt}; the device must stop with {@code reason}. */
    private void assertTxViolation(int reason, java.util.function.Consumer<DriverRing> corrupt) {
        health = new DeviceHealth("test");
        slot = new RingSlot();
        DriverRing tx = new DriverRing(ram, 256, 0);
        tx.startAt(0);
        slot.swap(tx.backend(memory, false, -1, true));
        GuestTransmitQueue q = new GuestTransmitQueue(health, slot);
        corrupt.accept(tx);
        vector.clear();
        int before = pool.available();
        assertEquals(0, q.receive(pool, vector, 256));
        assertTrue(health.isBroken());
        assertEquals(reason, health.reason(), GuestViolation.reason(health.reason()));
        assertEquals(1, health.violations());
        assertEquals(0, tx.usedIdx(), "nothing returned to the guest");
        assertEquals(before, pool.available(), "no buffer leaked");
        tx.post(new long[] {BUFS}, new int[] {80}, false);
        assertEquals(0, q.receive(pool, vector, 256), "a broken device stops");
        assertTrue(ram.guardsIntact());
    }

    @Test
    void guestTransmitViolationsBreakTheDevice() {
        assertTxViolation(GuestViolation.HEAD_INDEX, r -> {
            r.putAvail(0, 256);
            r.publish(1);
        });
        assertTxViolation(GuestViolation.NEXT_INDEX, r -> {
            r.writeDesc(0, GPA + BUFS, 40, SplitVirtqueue.DESC_F_NEXT, 999);
            r.putAvail(0, 0);
            r.publish(1);
        });
        assertTxViolation(GuestViolation.CHAIN_LOOP, r -> {
            r.writeDesc(0, GPA + BUFS, 40, SplitVirtqueue.DESC_F_NEXT, 1);
            r.writeDesc(1, GPA + BUFS, 40, SplitVirtqueue.DESC_F_NEXT, 0);
            r.putAvail(0, 0);
            r.publish(1);
        });
        assertTxViolation(GuestViolation.ADDRESS, r -> {
            r.writeDesc(0, GPA - 4096, 100, 0, 0); // below the region: the guard
            r.putAvail(0, 0);
            r.publish(1);
        });
        assertTxViolation(GuestViolation.ADDRESS, r -> {
            r.writeDesc(0, GPA + RAM - 10, 100, 0, 0); // runs past the region's end
            r.putAvail(0, 0);
            r.publish(1);
        });
        assertTxViolation(GuestViolation.ADDRESS, r -> {
            r.writeDesc(0, GPA + 12, -1, 0, 0); // a 4 GiB length
            r.putAvail(0, 0);
            r.publish(1);
        });
        assertTxViolation(GuestViolation.AVAIL_INDEX, r -> r.publish(257));
        assertTxViolation(GuestViolation.WRITABLE_TX, r -> {
            r.writeDesc(0, GPA + BUFS, 80, SplitVirtqueue.DESC_F_WRITE, 0);
            r.putAvail(0, 0);
            r.publish(1);
        });
        assertTxViolation(GuestViolation.INDIRECT, r -> {
            r.writeDesc(0, GPA + BUFS, 32, SplitVirtqueue.DESC_F_INDIRECT, 0);
            r.putAvail(0, 0);
            r.publish(1);
        });
    }

    @Test
    void guestReceiveViolationsBreakTheDevice() {
        int[][] cases = {
            {GuestViolation.READ_ONLY_RX, 0},
            {GuestViolation.ADDRESS, 1},
            {GuestViolation.CHAIN_LOOP, 2},
        };
        for (int[] c : cases) {
            health = new DeviceHealth("test");
            slot = new RingSlot();
            DriverRing rx = new DriverRing(ram, 256, 0);
            rx.startAt(0);
            slot.swap(rx.backend(memory, false, -1, true));
            GuestReceiveQueue q = new GuestReceiveQueue(health, slot);
            switch (c[1]) {
                case 0 -> rx.writeDesc(0, GPA + BUFS, 2048, 0, 0);
                case 1 -> rx.writeDesc(0, GPA + RAM - 100, 2048, SplitVirtqueue.DESC_F_WRITE, 0);
                default -> {
                    rx.writeDesc(0, GPA + BUFS, 4, SplitVirtqueue.DESC_F_WRITE | SplitVirtqueue.DESC_F_NEXT, 0);
                }
            }
            rx.putAvail(0, 0);
            rx.publish(1);
            vector.clear();
            int b = poolFrame(1500, 9);
            vector.add(b);
            assertEquals(0, q.transmit(pool, vector), "nothing taken");
            pool.free(b);
            assertEquals(c[0], health.reason(), GuestViolation.reason(health.reason()));
            assertEquals(0, rx.usedIdx());
        }
        assertTrue(ram.guardsIntact());
    }
}
