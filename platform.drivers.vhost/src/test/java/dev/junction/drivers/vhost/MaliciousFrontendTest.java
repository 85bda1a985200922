package dev.junction.drivers.vhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.os.Libc;
import dev.junction.l2.xconnect.XconnectControl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malicious frontend over a real Unix socket against one device, while a well-behaved frontend
 * sends frames through a second device alongside: bad memory tables, addresses outside every region,
 * descriptor loops, lengths past a region's end, out-of-range indexes, bad and unexpected messages,
 * random garbage. The attacked device must answer every request that wants an answer, refuse and
 * count, stop when its guest breaks the ring rules and recover on the next connection; the other
 * device must keep forwarding every frame.
 */
class MaliciousFrontendTest {
    private static final int FRAME = 64;
    @TempDir
    Path dir;
    private Engine engine;
    private VhostUserDevice evil;
    private VhostUserDevice good;
    private MemoryDevice sink;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    private GuestRam goodRam;
    private TestFrontend goodFrontend;
    private Thread goodGuest;
    private final AtomicBoolean guestRuns = new AtomicBoolean(true);
    private final AtomicLong posted = new AtomicLong();

    @BeforeEach
    void setUp() throws Exception {
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        evil = new VhostUserDevice("evil0", dir.resolve("evil.sock"), VhostUserDevice.Mode.SERVER);
        good = new VhostUserDevice("good0", dir.resolve("good.sock"), VhostUserDevice.Mode.SERVER);
        sink = new MemoryDevice("sink0", 0x02_00_00_00_bb_01L, null, false);
        engine.addDevice(evil);
        engine.addDevice(good);
        engine.addDevice(sink);
        XconnectControl xconnects = new XconnectControl(s -> engine.register(s, "test"), engine::unregister);
        xconnects.connect("good0", "sink0");
        xconnects.connect("evil0", "sink0");
        engine.start();

        goodRam = GuestRam.memfd(2 << 20);
        DriverRing rx = new DriverRing(goodRam, 256, 0);
        DriverRing tx = new DriverRing(goodRam, 256, rx.end());
        long buffers = tx.end();
        goodFrontend = TestFrontend.connect(good.socketPath());
        goodFrontend.setUp(goodRam, rx, tx);
        // The good guest keeps up to 128 frames in flight on its transmit ring, until told to stop.
        goodGuest = Thread.ofPlatform().name("good-guest").start(() -> {
            while (guestRuns.get()) {
                if (((tx.availIdx - tx.usedIdx()) & 0xFFFF) >= 128) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    continue;
                }
                long slot = buffers + 2048L * (tx.availIdx & 255);
                goodRam.region.set(ValueLayout.JAVA_LONG_UNALIGNED, slot + 12, 0xFFFF_FFFF_FFFFL); // a broadcast frame
                tx.post(new long[] {slot}, new int[] {12 + FRAME}, false);
                posted.incrementAndGet();
            }
        });
    }

    @AfterEach
    void tearDown() throws Exception {
        guestRuns.set(false);
        if (goodGuest != null) {
            goodGuest.join(5000);
        }
        if (goodFrontend != null) {
            goodFrontend.close();
        }
        if (engine != null) {
            engine.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {evil, good, sink}) {
            if (c != null) {
                c.close();
            }
        }
        if (goodRam != null) {
            goodRam.close();
        }
        arena.close();
    }

    /** The good device forwarded more frames since {@code before}: it is not disturbed. */
    private long goodStillForwards(long before) throws InterruptedException {
        Poll.until(10_000, () -> sink.counters().txPackets() > before + 1000,
                () -> "the good device stalled: " + good.counters() + " sink " + sink.counters() + " " + good.state() + " "
                        + good.rings() + " posted " + posted.get() + " errors " + good.protocolErrors() + " " + good.lastProtocolError()
                        + " broken " + good.brokenReason());
        return sink.counters().txPackets();
    }

    @Test
    void badRequestsAreRefusedAndAnswered() throws Exception {
        long forwarded = goodStillForwards(0);
        int fd = Libc.eventfd(state, Libc.EFD_CLOEXEC);
        try (GuestRam ram = GuestRam.memfd(1 << 20); TestFrontend f = TestFrontend.connect(evil.socketPath())) {
            long size = ram.region.byteSize();
            assertEquals(0, f.call(VhostUserMessage.SET_PROTOCOL_FEATURES, TestFrontend.u64(VhostUserBackend.PROTOCOL_F_REPLY_ACK)));
            // Memory tables: no region, too many, descriptors missing, past the end of the file,
            // an offset that overflows, overlapping regions.
            assertNotEquals(0, f.call(VhostUserMessage.SET_MEM_TABLE, TestFrontend.memTable(0)));
            assertNotEquals(0, f.call(VhostUserMessage.SET_MEM_TABLE, TestFrontend.memTable(9, new long[9][4]), ram.fd));
            assertNotEquals(0, f.call(VhostUserMessage.SET_MEM_TABLE, TestFrontend.memTable(1, new long[] {0, size, 0, 0})));
            assertNotEquals(0, f.call(VhostUserMessage.SET_MEM_TABLE,
                    TestFrontend.memTable(1, new long[] {ram.gpa, size + 4096, ram.gpa, 0}), ram.fd));
            assertNotEquals(0, f.call(VhostUserMessage.SET_MEM_TABLE,
                    TestFrontend.memTable(1, new long[] {ram.gpa, 4096, ram.gpa, Long.MAX_VALUE - 100}), ram.fd));
            assertNotEquals(0, f.call(VhostUserMessage.SET_MEM_TABLE, TestFrontend.memTable(1, new long[] {-4096L, 8192, 0, 0}), ram.fd));
            assertNotEquals(0, f.call(VhostUserMessage.SET_MEM_TABLE, TestFrontend.memTable(2,
                    new long[] {0x10000, 8192, 0x10000, 0}, new long[] {0x11000, 8192, 0x20000, 0}), ram.fd, ram.fd));
            // Rings: sizes, indexes, short payloads, descriptors that do not match the flags.
            assertNotEquals(0, f.call(VhostUserMessage.SET_VRING_NUM, TestFrontend.state(0, 1000)));
            assertNotEquals(0, f.call(VhostUserMessage.SET_VRING_NUM, TestFrontend.state(0, 65536)));
            assertNotEquals(0, f.call(VhostUserMessage.SET_VRING_NUM, TestFrontend.state(7, 256)));
            assertNotEquals(0, f.call(VhostUserMessage.SET_VRING_NUM, new byte[4]));
            assertNotEquals(0, f.call(VhostUserMessage.SET_VRING_BASE, TestFrontend.state(0, 70000)));
            assertNotEquals(0, f.call(VhostUserMessage.SET_VRING_KICK, TestFrontend.u64(0))); // a descriptor promised, none sent
            assertNotEquals(0, f.call(VhostUserMessage.SET_VRING_CALL, TestFrontend.u64(0x100), fd)); // none promised, one sent
            assertNotEquals(0, f.call(VhostUserMessage.SET_VRING_ENABLE, TestFrontend.state(1, 2)));
            assertNotEquals(0, f.call(VhostUserMessage.SET_FEATURES, TestFrontend.u64(1L << 63)));
            assertNotEquals(0, f.call(VhostUserMessage.SET_LOG_BASE, new byte[16], fd));
            assertNotEquals(0, f.call(VhostUserMessage.SET_LOG_FD, new byte[0], fd));
            assertNotEquals(0, f.call(77, new byte[8]), "an unknown request with need-reply is refused");
            f.send(78, TestFrontend.VERSION, new byte[8]); // and without, ignored: no answer is waited for
            assertEquals(VhostUserBackend.OFFERED_FEATURES, f.get(VhostUserMessage.GET_FEATURES), "the next request is answered");
        } finally {
            Libc.close(state, fd);
        }
        assertTrue(evil.protocolErrors() >= 19, "refusals counted: " + evil.protocolErrors() + " last: " + evil.lastProtocolError());
        Poll.until(5000, () -> evil.state().equals("listening"), evil::state);
        goodStillForwards(forwarded);
    }

    @Test
    void everyRequestThatWantsAnAnswerGetsOne() throws Exception {
        try (GuestRam ram = GuestRam.memfd(1 << 20); TestFrontend f = TestFrontend.connect(evil.socketPath())) {
            // A GET_VRING_BASE for a ring that does not exist still gets its reply.
            f.send(VhostUserMessage.GET_VRING_BASE, TestFrontend.VERSION, TestFrontend.state(200, 0));
            f.reply(VhostUserMessage.GET_VRING_BASE);
            // Ring areas outside the memory: the ring does not start (counted), the device still answers.
            assertEquals(0, f.call(VhostUserMessage.SET_PROTOCOL_FEATURES, TestFrontend.u64(VhostUserBackend.PROTOCOL_F_REPLY_ACK)));
            assertEquals(0, f.call(VhostUserMessage.SET_MEM_TABLE,
                    TestFrontend.memTable(1, new long[] {ram.gpa, ram.region.byteSize(), ram.gpa, 0}), ram.fd));
            long errors = evil.protocolErrors();
            assertEquals(0, f.call(VhostUserMessage.SET_VRING_NUM, TestFrontend.state(1, 256)));
            assertEquals(0, f.call(VhostUserMessage.SET_VRING_ADDR, TestFrontend.addr(1, ram.gpa - 8192, ram.gpa, ram.gpa + 8192)));
            assertEquals(0, f.call(VhostUserMessage.SET_VRING_ENABLE, TestFrontend.state(1, 1)));
            assertEquals(0, f.call(VhostUserMessage.SET_VRING_KICK, TestFrontend.u64(1 | 0x100)));
            assertEquals(errors + 1, evil.protocolErrors(), errors + " " + evil.lastProtocolError());
            assertTrue(evil.lastProtocolError().contains("outside the guest memory"), evil.lastProtocolError());
            // The last bytes of the region: the used ring would run past the end.
            long end = ram.gpa + ram.region.byteSize();
            assertEquals(0, f.call(VhostUserMessage.SET_VRING_ADDR, TestFrontend.addr(1, ram.gpa, end - 64, ram.gpa + 8192)));
            assertEquals(0, f.call(VhostUserMessage.SET_VRING_KICK, TestFrontend.u64(1 | 0x100)));
            assertEquals(errors + 2, evil.protocolErrors(), evil.lastProtocolError());
            assertEquals(0, evil.violations());
            assertTrue(f.get(VhostUserMessage.GET_FEATURES) != 0);
            // Random messages (no need-reply, so that the stream stays parseable), then it still answers.
            Random random = new Random(42);
            for (int i = 0; i < 3000; i++) {
                byte[] payload = new byte[random.nextInt(48)];
                random.nextBytes(payload);
                int request = random.nextInt(45);
                if (request == VhostUserMessage.GET_FEATURES || request == VhostUserMessage.GET_PROTOCOL_FEATURES
                        || request == VhostUserMessage.GET_QUEUE_NUM || request == VhostUserMessage.GET_VRING_BASE) {
                    continue; // their replies would interleave with the ones we wait for
                }
                if (request == VhostUserMessage.SET_VRING_KICK || request == VhostUserMessage.SET_VRING_CALL) {
                    payload = TestFrontend.u64(random.nextLong() | 0x100); // no descriptor promised
                }
                assertTrue(f.send(request, TestFrontend.VERSION, payload), "message " + i + " sent");
            }
            assertEquals(VhostUserBackend.OFFERED_FEATURES, f.get(VhostUserMessage.GET_FEATURES), "still answers after garbage");
            // A header that cannot be a message: the device closes the connection, and serves the next.
            f.sendRaw(VhostUserMessage.GET_FEATURES, TestFrontend.VERSION, 1 << 20, new byte[0]);
            assertTrue(f.closedByPeer());
        }
        try (TestFrontend f = TestFrontend.connect(evil.socketPath())) {
            f.sendRaw(VhostUserMessage.GET_FEATURES, 0, 0, new byte[0]); // version 0
            assertTrue(f.closedByPeer());
        }
        try (TestFrontend f = TestFrontend.connect(evil.socketPath())) {
            assertEquals(VhostUserBackend.OFFERED_FEATURES, f.get(VhostUserMessage.GET_FEATURES));
            assertEquals(1, f.get(VhostUserMessage.GET_QUEUE_NUM));
        }
        assertEquals(0, evil.violations(), "nothing of this touched a ring");
    }

    /** Sets the evil device up properly, lets {@code corrupt} break its transmit ring, checks it stops. */
    private void ringAttack(String what, Consumer<DriverRing> corrupt) throws Exception {
        long violations = evil.violations();
        long forwarded = sink.counters().txPackets();
        try (GuestRam ram = GuestRam.memfd(1 << 20); TestFrontend f = TestFrontend.connect(evil.socketPath())) {
            DriverRing rx = new DriverRing(ram, 256, 0);
            DriverRing tx = new DriverRing(ram, 256, rx.end());
            f.setUp(ram, rx, tx);
            // One good frame first: the device works.
            long before = evil.counters().rxPackets();
            tx.post(new long[] {tx.end()}, new int[] {12 + FRAME}, false);
            Poll.until(5000, () -> evil.counters().rxPackets() == before + 1, () -> what + ": " + evil.counters());
            corrupt.accept(tx);
            Poll.until(5000, () -> evil.violations() == violations + 1, () -> what + ": not detected, " + evil.rings());
            assertEquals("broken", evil.state(), what);
            long seen = evil.counters().rxPackets();
            tx.post(new long[] {tx.end()}, new int[] {12 + FRAME}, false);
            goodStillForwards(forwarded);
            assertEquals(seen, evil.counters().rxPackets(), what + ": a broken device takes nothing");
        }
        Poll.until(5000, () -> evil.state().equals("listening"), evil::state);
    }

    @Test
    void ringViolationsStopTheDeviceUntilItsFrontendReconnects() throws Exception {
        long base = 0x1000_0000L;
        ringAttack("address outside every region", tx -> {
            tx.writeDesc(5, 0x10, 64, 0, 0);
            tx.putAvail(tx.availIdx, 5);
            tx.publish(tx.availIdx + 1);
        });
        ringAttack("length past the region's end", tx -> {
            tx.writeDesc(5, tx.ram.gpa + tx.ram.region.byteSize() - 32, 4096, 0, 0);
            tx.putAvail(tx.availIdx, 5);
            tx.publish(tx.availIdx + 1);
        });
        ringAttack("descriptor loop", tx -> {
            tx.writeDesc(5, tx.ram.gpa + tx.end(), 8, SplitVirtqueue.DESC_F_NEXT, 6);
            tx.writeDesc(6, tx.ram.gpa + tx.end(), 8, SplitVirtqueue.DESC_F_NEXT, 5);
            tx.putAvail(tx.availIdx, 5);
            tx.publish(tx.availIdx + 1);
        });
        ringAttack("head index out of range", tx -> {
            tx.putAvail(tx.availIdx, 4000);
            tx.publish(tx.availIdx + 1);
        });
        ringAttack("next index out of range", tx -> {
            tx.writeDesc(5, tx.ram.gpa + tx.end(), 8, SplitVirtqueue.DESC_F_NEXT, 60000);
            tx.putAvail(tx.availIdx, 5);
            tx.publish(tx.availIdx + 1);
        });
        ringAttack("available index far ahead", tx -> tx.publish(tx.availIdx + 3000));
        assertEquals(6, evil.violations());
        // The attacked device is whole again for a well-behaved frontend.
        try (GuestRam ram = GuestRam.memfd(1 << 20); TestFrontend f = TestFrontend.connect(evil.socketPath())) {
            DriverRing rx = new DriverRing(ram, 256, 0);
            DriverRing tx = new DriverRing(ram, 256, rx.end());
            f.setUp(ram, rx, tx);
            long before = evil.counters().rxPackets();
            for (int i = 0; i < 100; i++) {
                tx.post(new long[] {tx.end() + 2048L * i}, new int[] {12 + FRAME}, false);
            }
            Poll.until(5000, () -> evil.counters().rxPackets() == before + 100, () -> "after recovery: " + evil.counters());
            assertEquals("connected", evil.state());
        }
        // And the good device lost nothing: every frame its guest posted was forwarded.
        guestRuns.set(false);
        goodGuest.join(5000);
        Poll.until(5000, () -> good.counters().rxPackets() == posted.get(), () -> good.counters() + " of " + posted.get());
        assertEquals(0, good.violations());
        assertEquals(0, good.protocolErrors());
        assertEquals(0, good.counters().rxErrors());
    }
}
