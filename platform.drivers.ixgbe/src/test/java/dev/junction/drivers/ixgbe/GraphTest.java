package dev.junction.drivers.ixgbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.DeviceCounters;
import dev.junction.graph.PacketNode;
import dev.junction.l2.xconnect.XconnectControl;
import dev.junction.packet.Ipv4;
import dev.junction.routing.internal.RoutingControl;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import dev.junction.test.ixgbe.ModelConfig;
import dev.junction.test.ixgbe.Registers;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two model 82599 ports in Junction's graph, one worker polling both: a million frames put on port
 * 0's receive wire come out of port 1's transmit wire, cross-connected byte for byte, or routed with
 * TTL and checksum rewritten; the statistics registers, the driver's counters and the engine's
 * interface counters all agree, and the worker allocates nothing per packet.
 */
class GraphTest {
    private static final int FRAMES = 1_000_000;
    /** Frames in flight at most: fewer than a receive ring holds, so DROP_EN never drops. */
    private static final int WINDOW = 256;
    private static final long TIMEOUT_NANOS = 30_000_000_000L;
    private static final long MAC0 = 0x02_00_5E_82_59_00L;
    private static final long MAC1 = 0x02_00_5E_82_59_01L;
    private static final long HOST_B_MAC = 0x02_00_00_00_0B_0BL;

    private Engine engine;
    private ModelPort p0;
    private ModelPort p1;

    @AfterEach
    void tearDown() {
        if (engine != null) {
            engine.close(); // the workers stop before the devices reset and the models go
        }
        if (p0 != null) {
            p0.close();
        }
        if (p1 != null) {
            p1.close();
        }
    }

    private void twoPorts() {
        p0 = new ModelPort("x0", ModelConfig.defaults().withQueues(1).withMac(MAC0), IxgbeDevice.Settings.defaults());
        p1 = new ModelPort("x1", ModelConfig.defaults().withQueues(1).withMac(MAC1), IxgbeDevice.Settings.defaults());
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        engine.addDevice(p0.device);
        engine.addDevice(p1.device);
    }

    @Test
    void aMillionFramesCrossConnectedComeOutByteIdentical() throws Exception {
        twoPorts();
        XconnectControl xconnects = new XconnectControl(s -> engine.register(s, "test"), engine::unregister);
        xconnects.connect("x0", "x1");
        xconnects.connect("x1", "x0");
        engine.start();
        Run run = pump(FRAMES, i -> TestFrames.udp(0x02_00_00_00_0A_0AL, 3, i, 1514), f -> f);
        agree(run);
    }

    /**
     * The engine restarts its workers (a new pool size): each old worker releases its queues before
     * its pool is freed, the new worker's pool takes the rings over, and frames flow on byte for byte
     * with no fault (a device writing into the freed pool would be one).
     */
    @Test
    void framesFlowOnAfterTheWorkersAndTheirPoolsAreReplaced() throws Exception {
        twoPorts();
        XconnectControl xconnects = new XconnectControl(s -> engine.register(s, "test"), engine::unregister);
        xconnects.connect("x0", "x1");
        engine.start();
        IntFunction<byte[]> in = i -> TestFrames.udp(0x02_00_00_00_0A_0AL, 5, i, 1514);
        Run before = pump(100_000, in, f -> f);
        EngineConfig c = engine.config();
        engine.reconfigure(new EngineConfig(c.cpus(), c.idle(), 8192, c.dropQuarantined()));
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (p0.device.rxRing(0).adoptions < 2) {
            assertTrue(System.nanoTime() < deadline, "the new worker never took x0's ring over");
            Thread.sleep(1);
        }
        Run after = pump(100_000, i -> in.apply(100_000 + i), f -> f);
        p0.model.assertNoFaults();
        p1.model.assertNoFaults();
        assertEquals(0, p0.device.rxRing(0).restarts, "released, not restarted by force");
        p0.device.statistics().update();
        p1.device.statistics().update();
        assertEquals(200_000, p0.device.statistics().goodPacketsReceived());
        assertEquals(0, p0.device.statistics().receiveDrops());
        assertEquals(200_000, p1.device.statistics().goodPacketsTransmitted());
        assertEquals(before.octets() + after.octets() + 4L * 200_000, p1.device.statistics().goodOctetsTransmitted());
    }

    @Test
    void aMillionFramesRoutedComeOutWithTtlAndChecksumRewritten() throws Exception {
        twoPorts();
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "test");
        }
        RoutingControl routing = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine);
        routing.addAddress("x0", "10.1.0.1/24");
        routing.addAddress("x1", "10.2.0.1/24");
        int x1 = engine.interfaces().stream().filter(s -> s.name().equals("x1")).mapToInt(InterfaceStatus::index).findFirst().orElseThrow();
        vrfs.ip4(0).neighbours.learn(x1, Ipv4.parse("10.2.0.2"), HOST_B_MAC, System.nanoTime());
        engine.start();
        Run run = pump(FRAMES, GraphTest::routedIn, GraphTest::routedOut);
        agree(run);
    }

    /**
     * Two workers, two queue pairs a port, RSS: each worker polls one receive queue of each port and
     * sends on its own transmit queue, filled from its own pool. Every frame out once, byte for
     * byte (order is kept per flow only, so frames are matched by a number they carry).
     */
    @Test
    void twoWorkersEachOwnAQueuePairUnderRss() throws Exception {
        int frames = 200_000;
        p0 = new ModelPort("x0", ModelConfig.defaults().withQueues(2).withMac(MAC0), IxgbeDevice.Settings.defaults().withQueues(2));
        p1 = new ModelPort("x1", ModelConfig.defaults().withQueues(2).withMac(MAC1), IxgbeDevice.Settings.defaults().withQueues(2));
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1, -1)));
        engine.addDevice(p0.device);
        engine.addDevice(p1.device);
        XconnectControl xconnects = new XconnectControl(s -> engine.register(s, "test"), engine::unregister);
        xconnects.connect("x0", "x1");
        engine.start();
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (p0.device.bar().read(Registers.rdt(0)) == 0 || p0.device.bar().read(Registers.rdt(1)) == 0) {
            assertTrue(System.nanoTime() < deadline, "the workers never polled both queues of x0");
            Thread.sleep(1);
        }
        java.util.Map<Integer, byte[]> inFlight = new java.util.HashMap<>();
        long octets = 0;
        int injected = 0;
        int out = 0;
        deadline = System.nanoTime() + TIMEOUT_NANOS * 2;
        while (out < frames) {
            while (injected < frames && inFlight.size() < WINDOW) {
                byte[] f = TestFrames.udp(0x02_00_00_00_0A_0AL, 17, injected, 600);
                f[14 + 12] = (byte) injected; // a source address per frame: flows spread by RSS
                f[14 + 13] = (byte) (injected >>> 8);
                putNumber(f, injected);
                p0.model.injectRx(f);
                inFlight.put(injected++, f);
                octets += f.length;
            }
            byte[] sent = p1.model.pollTx();
            if (sent == null) {
                assertTrue(System.nanoTime() - deadline < 0, out + " of " + frames + " out; faults " + p0.model.faults() + p1.model.faults());
                Thread.onSpinWait();
                continue;
            }
            byte[] expected = inFlight.remove(number(sent));
            assertArrayEquals(expected, sent, "frame " + number(sent));
            out++;
        }
        p0.model.assertNoFaults();
        p1.model.assertNoFaults();
        p0.device.statistics().update();
        p1.device.statistics().update();
        long q0 = p0.device.statistics().queueReceived(0);
        long q1 = p0.device.statistics().queueReceived(1);
        assertEquals(frames, q0 + q1);
        assertTrue(q0 > frames * 0.4 && q1 > frames * 0.4, "RSS spread the flows: " + q0 + " / " + q1);
        assertEquals(q0, p0.device.rxRing(0).counters.packets, "queue 0 as its worker counted");
        assertEquals(q1, p0.device.rxRing(1).counters.packets);
        long t0 = p1.device.statistics().queueTransmitted(0);
        long t1 = p1.device.statistics().queueTransmitted(1);
        assertEquals(frames, t0 + t1);
        assertTrue(t0 > 0 && t1 > 0, "both workers sent on their own queue: " + t0 + " / " + t1);
        assertEquals(t0, p1.device.txRing(0).counters.packets);
        assertEquals(t1, p1.device.txRing(1).counters.packets);
        assertEquals(octets + 4L * frames, p1.device.statistics().goodOctetsTransmitted());
    }

    private static void putNumber(byte[] f, int n) {
        for (int i = 0; i < 4; i++) {
            f[50 + i] = (byte) (n >>> (8 * i));
        }
    }

    private static int number(byte[] f) {
        int n = 0;
        for (int i = 0; i < 4; i++) {
            n |= (f[50 + i] & 0xFF) << (8 * i);
        }
        return n;
    }

    /** What a run put in and what the worker allocated meanwhile. */
    record Run(long octets, long workerBytes) {
    }

    /**
     * Keeps at most {@link #WINDOW} frames in flight, compares each frame out of port 1 with the
     * expected one, in order (one queue, one worker: order is kept).
     */
    private Run pump(int frames, IntFunction<byte[]> in, java.util.function.UnaryOperator<byte[]> expect) throws Exception {
        // The first poll hands the worker's buffers to the receive ring: until then RDT is 0 and
        // every frame would be dropped for want of a descriptor.
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (p0.device.rxRing(0).adoptions == 0) {
            assertTrue(System.nanoTime() < deadline, "the worker never polled x0");
            Thread.sleep(1);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long worker = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("junction-worker-0"))
                .findFirst().orElseThrow().threadId();
        ArrayDeque<byte[]> inFlight = new ArrayDeque<>();
        long octets = 0;
        int injected = 0;
        int out = 0;
        long allocated0 = 0;
        deadline = System.nanoTime() + TIMEOUT_NANOS * 4;
        while (out < frames) {
            while (injected < frames && inFlight.size() < WINDOW) {
                byte[] f = in.apply(injected++);
                p0.model.injectRx(f);
                inFlight.add(expect.apply(f));
                octets += f.length;
            }
            byte[] sent = p1.model.pollTx();
            if (sent == null) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(out + " of " + frames + " out; " + p0.device.rxRing(0).describe() + "; "
                            + p1.device.txRing(0).describe() + "; faults " + p0.model.faults() + p1.model.faults()
                            + "; x0 " + p0.device.counters() + " x1 " + p1.device.counters());
                }
                Thread.onSpinWait();
                continue;
            }
            byte[] expected = inFlight.poll();
            if (!java.util.Arrays.equals(expected, sent)) {
                assertArrayEquals(expected, sent, "frame " + out);
            }
            out++;
            if (out == 10_000) {
                allocated0 = mx.getThreadAllocatedBytes(worker); // after warm-up
            }
        }
        long allocated = mx.getThreadAllocatedBytes(worker) - allocated0;
        assertEquals(frames, out);
        assertEquals(0, p1.model.pollTx() == null ? 0 : 1, "no frame more than was sent");
        return new Run(octets, allocated);
    }

    private void agree(Run run) {
        p0.model.assertNoFaults();
        p1.model.assertNoFaults();
        var s0 = p0.device.statistics();
        var s1 = p1.device.statistics();
        s0.update();
        s1.update();
        DeviceCounters c0 = p0.device.counters();
        DeviceCounters c1 = p1.device.counters();
        assertEquals(FRAMES, s0.goodPacketsReceived(), "x0 GPRC");
        assertEquals(run.octets() + 4L * FRAMES, s0.goodOctetsReceived(), "x0 GORC");
        assertEquals(run.octets(), s0.queueReceivedBytes(0), "x0 QBRC");
        assertEquals(0, s0.receiveDrops(), "x0 MPC + QPRDC");
        assertEquals(FRAMES, c0.rxPackets(), "x0 received as the driver counted");
        assertEquals(run.octets(), c0.rxBytes());
        assertEquals(FRAMES, s1.goodPacketsTransmitted(), "x1 GPTC");
        assertEquals(FRAMES, s1.queueTransmitted(0), "x1 QPTC");
        assertEquals(FRAMES, c1.txPackets(), "x1 sent as the driver counted");
        // Cross-connected and routed frames keep their length: what went in comes out, plus the FCS.
        assertEquals(run.octets() + 4L * FRAMES, s1.goodOctetsTransmitted(), "x1 GOTC");
        assertEquals(run.octets(), s1.queueTransmittedBytes(0), "x1 QBTC");
        assertEquals(run.octets(), c1.txBytes());
        for (InterfaceStatus i : engine.interfaces()) {
            if (i.name().equals("x0")) {
                assertEquals(FRAMES, i.counters().rxPackets(), "interface:list x0");
            } else if (i.name().equals("x1")) {
                assertEquals(FRAMES, i.counters().txPackets(), "interface:list x1");
            }
        }
        double perPacket = (double) run.workerBytes() / (FRAMES - 10_000);
        System.out.printf("GraphTest: worker allocated %d bytes over %d frames (%.4f bytes/frame)%n",
                run.workerBytes(), FRAMES - 10_000, perPacket);
        assertTrue(perPacket < 0.01, "the worker allocates nothing per packet: " + perPacket + " bytes/frame");
    }

    /** A UDP/IPv4 datagram from 10.1.0.2 to 10.2.0.2 to x0's MAC, TTL 64, checksum right, 60..1514 bytes. */
    static byte[] routedIn(int i) {
        SplittableRandom random = new SplittableRandom(11L * 1_000_003L + i);
        int length = 60 + random.nextInt(1514 - 60 + 1);
        byte[] f = new byte[length];
        random.nextBytes(f);
        TestFrames.putMac(f, 0, MAC0);
        TestFrames.putMac(f, 6, 0x02_00_00_00_0A_0AL);
        f[12] = 0x08;
        f[13] = 0x00;
        int ip = 14;
        f[ip] = 0x45;
        f[ip + 1] = 0;
        int total = length - 14;
        f[ip + 2] = (byte) (total >>> 8);
        f[ip + 3] = (byte) total;
        f[ip + 6] = 0; // not a fragment, DF clear
        f[ip + 7] = 0;
        f[ip + 8] = 64;
        f[ip + 9] = 17;
        putInt(f, ip + 12, Ipv4.parse("10.1.0.2"));
        putInt(f, ip + 16, Ipv4.parse("10.2.0.2"));
        checksum(f, ip);
        f[ip + 20 + 4] = (byte) ((total - 20) >>> 8);
        f[ip + 20 + 5] = (byte) (total - 20);
        f[ip + 20 + 6] = 0; // no UDP checksum
        f[ip + 20 + 7] = 0;
        return f;
    }

    /** The same datagram as host B should get it: Ethernet rewritten, TTL 63, checksum computed afresh. */
    static byte[] routedOut(byte[] in) {
        byte[] f = in.clone();
        TestFrames.putMac(f, 0, HOST_B_MAC);
        TestFrames.putMac(f, 6, MAC1);
        f[14 + 8] = 63;
        checksum(f, 14);
        return f;
    }

    private static void putInt(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 24);
        f[at + 1] = (byte) (v >>> 16);
        f[at + 2] = (byte) (v >>> 8);
        f[at + 3] = (byte) v;
    }

    /** RFC 791 header checksum over 20 bytes, written in place. */
    private static void checksum(byte[] f, int ip) {
        f[ip + 10] = 0;
        f[ip + 11] = 0;
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += (f[ip + i] & 0xFF) << 8 | (f[ip + i + 1] & 0xFF);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        int c = ~sum & 0xFFFF;
        f[ip + 10] = (byte) (c >>> 8);
        f[ip + 11] = (byte) c;
    }
}
