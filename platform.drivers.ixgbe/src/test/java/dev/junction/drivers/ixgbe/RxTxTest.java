package dev.junction.drivers.ixgbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.drivers.ixgbe.dma.DmaMemory;
import dev.junction.drivers.ixgbe.dma.DmaRegion;
import dev.junction.drivers.ixgbe.pci.Resource0;
import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.test.ixgbe.Ixgbe82599Model;
import dev.junction.test.ixgbe.ModelConfig;
import dev.junction.test.ixgbe.Registers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Frames through one model port without the engine: received into the pool's own buffers (zero
 * copy), sent back from those same buffers, byte for byte, with the statistics registers agreeing
 * with what the queues counted and every buffer back in the pool once the device is done.
 */
class RxTxTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void framesComeInAndGoOutByteIdenticalFromThePoolsOwnBuffers() {
        int frames = 20_000;
        ModelConfig config = ModelConfig.defaults().withQueues(1).withPowerOfTwoRings(true);
        try (ModelPort port = new ModelPort("x0", config, IxgbeDevice.Settings.defaults());
                Arena arena = Arena.ofShared()) {
            PacketPool pool = new PacketPool(arena, 4096);
            long octets = loop(port.model, port.device, pool, frames, 1514);
            port.device.statistics().update();
            var s = port.device.statistics();
            assertEquals(frames, s.goodPacketsReceived(), "GPRC");
            assertEquals(octets + 4L * frames, s.goodOctetsReceived(), "GORC counts the FCS");
            assertEquals(frames, s.queueReceived(0), "QPRC");
            assertEquals(octets, s.queueReceivedBytes(0), "QBRC: bytes written to memory, FCS stripped");
            assertEquals(frames, s.goodPacketsTransmitted(), "GPTC");
            assertEquals(octets + 4L * frames, s.goodOctetsTransmitted(), "GOTC counts the FCS the device appends");
            assertEquals(frames, s.queueTransmitted(0), "QPTC");
            assertEquals(octets, s.queueTransmittedBytes(0), "QBTC");
            var c = port.device.counters();
            assertEquals(frames, c.rxPackets());
            assertEquals(octets, c.rxBytes());
            assertEquals(frames, c.txPackets());
            assertEquals(octets, c.txBytes());
            assertEquals(0, c.rxErrors() + c.txErrors());
            drainCompletions(port.device, pool);
            assertEquals(pool.capacity() - 512, pool.available(), "every buffer back but the ring's");
            port.model.assertNoFaults();
        }
    }

    /**
     * The model holds each write-back back for 200 µs with a poisoned length and hash meanwhile:
     * a driver that read either before DD would hand on 0xBEEF-byte frames or a 0xDEADBEEF hash.
     */
    @Test
    void noFieldIsReadBeforeDdEvenWhenTheWriteBackLags() {
        ModelConfig config = ModelConfig.defaults().withQueues(4).withRxWriteBackNanos(200_000);
        try (ModelPort port = new ModelPort("x0", config, IxgbeDevice.Settings.defaults().withQueues(4));
                Arena arena = Arena.ofShared()) {
            PacketPool pool = new PacketPool(arena, 4096);
            PacketVector v = new PacketVector();
            for (int q = 0; q < 4; q++) {
                port.device.rxRing(q).receive(pool, v, 1);
            }
            int frames = 2000;
            byte[][] sent = new byte[frames][];
            java.util.Map<Integer, byte[]> byNumber = new java.util.HashMap<>();
            for (int i = 0; i < frames; i++) {
                sent[i] = TestFrames.udp(config.mac(), 8, i, 1514);
                sent[i][50] = (byte) i;
                sent[i][51] = (byte) (i >>> 8);
                byNumber.put(i, sent[i]);
            }
            int got = 0;
            int injected = 0;
            long deadline = System.nanoTime() + WAIT.toNanos() * 4;
            while (got < frames) {
                while (injected < frames && injected - got < 64) {
                    port.model.injectRx(sent[injected++]);
                }
                for (int q = 0; q < 4; q++) {
                    v.clear();
                    int n = port.device.rxRing(q).receive(pool, v, 32);
                    for (int i = 0; i < n; i++) {
                        int b = v.buffer(i);
                        assertTrue(pool.length(b) != ModelConfig.RX_POISON_LENGTH, "a length read before DD");
                        assertTrue(pool.flowHash(b) != ModelConfig.RX_POISON_HASH, "a hash read before DD");
                        int number = pool.memory().get(ValueLayout.JAVA_BYTE, pool.data(b) + 50) & 0xFF
                                | (pool.memory().get(ValueLayout.JAVA_BYTE, pool.data(b) + 51) & 0xFF) << 8;
                        assertFrame(byNumber.remove(number), pool, b);
                        pool.free(b);
                    }
                    got += n;
                }
                assertTrue(System.nanoTime() < deadline, got + " of " + frames);
            }
            assertTrue(byNumber.isEmpty());
            port.model.assertNoFaults();
        }
    }

    @Test
    void anEmptyPacketIsTakenFreedAndCountedNeverGivenToTheDevice() {
        ModelConfig config = ModelConfig.defaults().withQueues(1);
        try (ModelPort port = new ModelPort("x0", config, IxgbeDevice.Settings.defaults());
                Arena arena = Arena.ofShared()) {
            PacketPool pool = new PacketPool(arena, 1024);
            PacketVector v = new PacketVector();
            byte[] f = TestFrames.udp(config.mac(), 4, 0, 300);
            int empty = pool.allocate();
            int full = pool.allocate();
            MemorySegment.copy(f, 0, pool.memory(), ValueLayout.JAVA_BYTE, pool.data(full), f.length);
            pool.length(full, f.length);
            v.add(empty);
            v.add(full);
            assertEquals(2, port.device.txRing(0).transmit(pool, v));
            assertArrayEquals(f, port.model.awaitTx(WAIT));
            assertEquals(1, port.device.txRing(0).counters.errors);
            assertEquals(1, port.device.txRing(0).counters.packets);
            drainCompletions(port.device, pool);
            assertEquals(1024, pool.available());
            port.model.assertNoFaults();
        }
    }

    @Test
    void aFrameLongerThanABufferIsDroppedWholeAndCounted() {
        ModelConfig config = ModelConfig.defaults().withQueues(1);
        try (ModelPort port = new ModelPort("x0", config, IxgbeDevice.Settings.defaults());
                Arena arena = Arena.ofShared()) {
            PacketPool pool = new PacketPool(arena, 2048);
            PacketVector v = new PacketVector();
            port.device.rxRing(0).receive(pool, v, 256); // the first poll fills the ring
            byte[] jumbo = TestFrames.udp(config.mac(), 7, 0, 9000);
            jumbo = java.util.Arrays.copyOf(jumbo, 5000);
            byte[] after = TestFrames.udp(config.mac(), 7, 1, 200);
            port.model.injectRx(jumbo);
            port.model.injectRx(after);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (v.count() == 0 && System.nanoTime() < deadline) {
                port.device.rxRing(0).receive(pool, v, 256);
            }
            assertEquals(1, v.count(), "only the frame that fits");
            assertFrame(after, pool, v.buffer(0));
            assertEquals(1, port.device.rxRing(0).oversize);
            assertEquals(1, port.device.counters().rxErrors());
            port.model.assertNoFaults();
        }
    }

    /**
     * A worker's pool goes (the engine restarts its workers): release stops the queue, so frames
     * that arrive meanwhile are dropped by the device, never written into the old pool, which gets
     * every buffer back; the next worker's pool takes the ring over where the device stopped.
     */
    @Test
    void releaseStopsTheQueueBeforeThePoolGoesAndTheNextPoolTakesOver() {
        ModelConfig config = ModelConfig.defaults().withQueues(1);
        try (ModelPort port = new ModelPort("x0", config, IxgbeDevice.Settings.defaults());
                Arena a = Arena.ofShared(); Arena b = Arena.ofShared()) {
            PacketPool first = new PacketPool(a, 2048);
            loop(port.model, port.device, first, 700, 1514); // past the ring's end once
            drainCompletions(port.device, first);
            port.device.rxRing(0).releaseRx(first);
            port.device.txRing(0).releaseTx(first);
            assertEquals(first.capacity(), first.available(), "every buffer back in the pool that goes");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (port.model.rxQueueRunning(0)) {
                assertTrue(System.nanoTime() < deadline, "the device never saw the queue stop");
                Thread.onSpinWait();
            }
            port.device.statistics().update();
            long dropped0 = port.device.statistics().queueDropped(0); // before the frame, or its drop may be in it
            byte[] lost = TestFrames.udp(config.mac(), 3, 0, 200);
            port.model.injectRx(lost);
            deadline = System.nanoTime() + WAIT.toNanos();
            while (port.device.statistics().queueDropped(0) == dropped0) {
                assertTrue(System.nanoTime() < deadline, "a frame for a stopped queue is dropped");
                port.device.statistics().update();
            }
            PacketPool second = new PacketPool(b, 2048);
            loop(port.model, port.device, second, 700, 1514);
            assertEquals(2, port.device.rxRing(0).adoptions);
            assertEquals(0, port.device.rxRing(0).restarts, "the release path, not a forced restart");
            port.model.assertNoFaults();
        }
    }

    /**
     * Another live pool polls the queue with no release before (the engine moved the queue to another
     * worker, whose pool is not going away): the queue is stopped, the old slab unmapped, and the
     * queue restarted on the new pool's buffers where the device left off; twenty times over, frames
     * byte for byte each time and no fault. (A pool freed without a release is what release is for.)
     */
    @Test
    void aNewPoolWithoutAReleaseRestartsTheQueue() {
        ModelConfig config = ModelConfig.defaults().withQueues(1);
        java.util.List<Arena> pools = new java.util.ArrayList<>();
        try (ModelPort port = new ModelPort("x0", config, IxgbeDevice.Settings.defaults())) {
            for (int round = 0; round < 20; round++) {
                Arena a = Arena.ofShared();
                pools.add(a);
                PacketPool pool = new PacketPool(a, 1024);
                loop(port.model, port.device, pool, 300, 1514);
                drainCompletions(port.device, pool);
            }
            assertEquals(19, port.device.rxRing(0).restarts);
            assertEquals(20, port.device.rxRing(0).adoptions);
            port.model.assertNoFaults();
        } finally {
            pools.forEach(Arena::close); // after the device stopped
        }
    }

    /**
     * Physical addressing as pagemap gives it: every 4 KiB page of the pool at an address that does
     * not follow its neighbour's. Receive keeps buffers that cross a page out of the ring; transmit
     * splits a frame at the page boundary into two descriptors. Still byte for byte.
     */
    @Test
    void pagedDmaSplitsFramesAtPageBoundariesAndSkipsBuffersThatCrossThem() {
        ModelConfig config = ModelConfig.defaults().withQueues(1);
        Ixgbe82599Model model = new Ixgbe82599Model(config);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment bar0 = Resource0.map(model.bar0Path(), arena);
            DmaMemory paged = new DmaMemory() {
                @Override
                public MemorySegment allocate(Arena a, long bytes) {
                    return a.allocate(bytes, 4096);
                }

                @Override
                public DmaRegion map(MemorySegment segment) {
                    if (segment.byteSize() <= 64 * 1024) {
                        // A ring: allocate() promises it contiguous, as one huge page is.
                        return DmaRegion.contiguous(segment, model.dma().registerIdentity(segment));
                    }
                    long pages = (segment.byteSize() + 4095) / 4096;
                    long[] iova = new long[(int) pages];
                    for (int p = 0; p < pages; p++) {
                        long size = Math.min(4096, segment.byteSize() - p * 4096L);
                        // Odd pages far away: no two neighbours are contiguous for the device.
                        iova[p] = segment.address() + p * 4096L + ((p & 1) == 1 ? 1L << 44 : 0);
                        model.dma().register(iova[p], segment.asSlice(p * 4096L, size));
                    }
                    return DmaRegion.paged(segment, 12, iova);
                }

                @Override
                public void unmap(DmaRegion region) {
                    long size = region.segment().byteSize();
                    if (size <= 64 * 1024) {
                        model.dma().unregister(region.iova(0));
                        return;
                    }
                    for (long off = 0; off < size; off += 4096) {
                        model.dma().unregister(region.iova(off));
                    }
                }
            };
            IxgbeDevice device = new IxgbeDevice("x0", new Bar(bar0, model::readToClear), paged, IxgbeDevice.Settings.defaults());
            try {
                PacketPool pool = new PacketPool(arena, 4096);
                loop(model, device, pool, 5000, 1514);
                // Receive only gave the device buffers within a page (a crossing one would have hit
                // unmapped IOVA: a fault). Now send from buffers taken as they come, crossing or not.
                PacketVector v = new PacketVector();
                byte[][] sent = new byte[200][];
                for (int i = 0; i < sent.length; i++) {
                    sent[i] = TestFrames.udp(config.mac(), 9, i, 1514);
                    int b = pool.allocate();
                    MemorySegment.copy(sent[i], 0, pool.memory(), ValueLayout.JAVA_BYTE, pool.data(b), sent[i].length);
                    pool.length(b, sent[i].length);
                    v.add(b);
                    if (v.isFull() || i == sent.length - 1) {
                        assertEquals(v.count(), device.txRing(0).transmit(pool, v));
                        v.clear();
                    }
                }
                for (byte[] f : sent) {
                    assertArrayEquals(f, model.awaitTx(WAIT));
                }
                assertTrue(device.txRing(0).split > 0, "some frames crossed a page: " + device.txRing(0).split);
                model.assertNoFaults();
            } finally {
                device.close();
            }
        } finally {
            model.close();
        }
    }

    /**
     * Injects {@code frames} frames in bursts, receives each burst, checks it, sends it back from the
     * same buffers and checks what the wire shows. Returns the bytes of all frames (no FCS).
     */
    static long loop(Ixgbe82599Model model, IxgbeDevice device, PacketPool pool, int frames, int maxLength) {
        PacketVector v = new PacketVector();
        device.rxRing(0).receive(pool, v, 256); // the first poll puts the pool's buffers in the ring
        assertEquals(0, v.count());
        // A restart (another pool's buffers were in the ring) clears ENABLE and sets it again at once:
        // two passes of the model's thread first, so that it has looked at the registers since, and a
        // queue seen running below is not the one from before the restart whose disable it is yet to
        // see (frames injected meanwhile would be dropped).
        long passes = model.passes();
        long seen = System.nanoTime() + WAIT.toNanos();
        while (model.passes() < passes + 2) {
            if (System.nanoTime() - seen > 0) {
                throw new AssertionError("the model's thread made no pass; " + device.rxRing(0).describe());
            }
            Thread.onSpinWait();
        }
        // The enable's delay: the model drops frames before the queue runs (as a card would).
        long running = System.nanoTime() + WAIT.toNanos();
        while (!model.rxQueueRunning(0)) {
            if (System.nanoTime() - running > 0) {
                throw new AssertionError("rx queue 0 not running after the first poll; " + device.rxRing(0).describe());
            }
            Thread.onSpinWait();
        }
        long octets = 0;
        int burst = 64;
        for (int start = 0; start < frames; start += burst) {
            int n = Math.min(burst, frames - start);
            byte[][] sent = new byte[n][];
            for (int i = 0; i < n; i++) {
                sent[i] = TestFrames.udp(model.config().mac(), 1, start + i, maxLength);
                model.injectRx(sent[i]);
                octets += sent[i].length;
            }
            v.clear();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (v.count() < n) {
                device.rxRing(0).receive(pool, v, n - v.count());
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("received " + v.count() + " of " + n + " at frame " + start
                            + "; " + device.rxRing(0).describe() + "; faults " + model.faults());
                }
            }
            for (int i = 0; i < n; i++) {
                assertFrame(sent[i], pool, v.buffer(i));
            }
            int taken = 0;
            PacketVector rest = new PacketVector();
            while (taken < n) {
                rest.clear();
                for (int i = taken; i < n; i++) {
                    rest.add(v.buffer(i));
                }
                taken += device.txRing(0).transmit(pool, rest);
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("transmit took " + taken + " of " + n);
                }
            }
            for (int i = 0; i < n; i++) {
                byte[] out = model.awaitTx(WAIT);
                assertNotNull(out, "frame " + (start + i) + " on the transmit wire");
                assertArrayEquals(sent[i], out, "frame " + (start + i));
            }
        }
        return octets;
    }

    static void assertFrame(byte[] expected, PacketPool pool, int b) {
        assertEquals(expected.length, pool.length(b));
        assertEquals(PacketPool.HEADROOM, pool.headroom(b), "the device wrote after the headroom");
        byte[] got = new byte[pool.length(b)];
        MemorySegment.copy(pool.memory(), ValueLayout.JAVA_BYTE, pool.data(b), got, 0, got.length);
        assertArrayEquals(expected, got);
    }

    /** Transmits nothing until the device has completed every descriptor: the queue frees what is done. */
    static void drainCompletions(IxgbeDevice device, PacketPool pool) {
        PacketVector empty = new PacketVector();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (device.txRing(0).inFlight() > 0 && System.nanoTime() < deadline) {
            device.txRing(0).transmit(pool, empty);
        }
        assertEquals(0, device.txRing(0).inFlight());
        assertEquals(0, device.bar().read(Registers.tdt(0)) - device.bar().read(Registers.tdh(0)));
    }
}
