package dev.junction.l2.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.InterfaceListener;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.BridgeStatus;
import dev.junction.l2.MacEntry;
import dev.junction.packet.MacAddress;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bridge domains on a real engine with test ports, through the core's extension points only. */
class BridgeControlTest {
    static final long A = 0x02_00_00_00_00_0AL, B = 0x02_00_00_00_00_0BL, C = 0x02_00_00_00_00_0CL;
    private final Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
    private BridgeControl control;
    private final FrameDevice p0 = new FrameDevice("p0", 0x02_00_00_00_01_00L);
    private final FrameDevice p1 = new FrameDevice("p1", 0x02_00_00_00_01_01L);
    private final FrameDevice p2 = new FrameDevice("p2", 0x02_00_00_00_01_02L);
    private int marker;

    static BridgeControl control(Engine engine) {
        return new BridgeControl(s -> {
            if (s instanceof InterfaceListener l) {
                engine.addInterfaceListener(l);
            } else {
                engine.register(s, "test");
            }
        }, s -> {
            if (s instanceof InterfaceListener l) {
                engine.removeInterfaceListener(l);
            } else {
                engine.unregister(s);
            }
        });
    }

    @BeforeEach
    void setUp() {
        control = control(engine);
        engine.addDevice(p0);
        engine.addDevice(p1);
        engine.addDevice(p2);
        engine.start();
    }

    @AfterEach
    void tearDown() {
        if (control != null) {
            control.close();
        }
        engine.close();
    }

    private void bridge(BridgeSettings s, String... ports) {
        control.domain(s);
        for (String p : ports) {
            control.port(p, s.name(), 0);
        }
    }

    static void await(BooleanSupplier c, String what) throws InterruptedException {
        await(c, () -> what);
    }

    static void await(BooleanSupplier c, java.util.function.Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            Thread.sleep(2);
        }
    }

    private long drops(String node, String reason) {
        return engine.drops().stream().filter(d -> d.node().equals(node) && d.reason().equals(reason))
                .mapToLong(DropCount::count).sum();
    }

    private BridgeStatus status(String name) {
        return control.domains().stream().filter(s -> s.settings().name().equals(name)).findFirst().orElseThrow();
    }

    private boolean learned(String bridge, long mac, String iface) {
        return control.macs().stream().anyMatch(e -> e.bridge().equals(bridge) && e.mac() == mac && e.iface().equals(iface));
    }

    /** Sends a frame and returns, per port, how many frames carrying its marker each one sent. */
    private int[] send(FrameDevice from, long dst, long src) throws InterruptedException {
        return send(from, dst, src, null);
    }

    /** As above; the barrier broadcast is awaited at {@code barrierAt} (null: every other bridge port). */
    private int[] send(FrameDevice from, long dst, long src, boolean[] barrierAt) throws InterruptedException {
        int m = ++marker;
        from.receive(FrameDevice.frame(dst, src, m));
        // A broadcast from the same port behind it: when it has left every other port, so has the frame.
        int barrier = ++marker;
        from.receive(FrameDevice.frame(MacAddress.BROADCAST, src, barrier));
        FrameDevice[] all = {p0, p1, p2};
        int[] got = new int[3];
        boolean[] done = new boolean[3];
        long deadline = System.nanoTime() + 20_000_000_000L;
        for (int k = 0; k < 3; k++) {
            done[k] = barrierAt != null ? !barrierAt[k]
                    : all[k] == from || !engine.interfaces().get(k).mode().startsWith("l2 bridge");
        }
        while (!(done[0] && done[1] && done[2])) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the barrier frame did not come out of every port");
            }
            for (int k = 0; k < 3; k++) {
                for (byte[] f : all[k].takeSent()) {
                    if (f[14] == (byte) m) {
                        got[k]++;
                    } else if (f[14] == (byte) barrier) {
                        done[k] = true;
                    }
                }
            }
            Thread.sleep(1);
        }
        return got;
    }

    @Test
    void unknownUnicastFloodsUntilBothEndsAreLearnedThenGoesToOnePort() throws Exception {
        bridge(BridgeSettings.defaults("blue"), "p0", "p1", "p2");
        assertEquals("l2 bridge blue", engine.interfaces().get(0).mode());
        assertArrayEquals(new int[] {0, 1, 1}, send(p0, B, A), "B unknown: flooded to p1 and p2");
        await(() -> learned("blue", A, "p0"), "A learned on p0");
        assertArrayEquals(new int[] {1, 0, 0}, send(p1, A, B), "A known: to p0 only");
        await(() -> learned("blue", B, "p1"), "B learned on p1");
        assertArrayEquals(new int[] {0, 1, 0}, send(p0, B, A), "B known: to p1 only");
        BridgeStatus s = status("blue");
        assertEquals(1, s.counter("unknown-unicast-flooded"), s.counters()::toString);
        assertEquals(2, s.counter("forwarded"), s.counters()::toString);
        assertEquals(2, s.counter("learned"), s.counters()::toString);
        assertEquals(2, s.macs());
        assertEquals(3, s.counter("flooded"), "the three barrier broadcasts");
    }

    @Test
    void aBurstOfBroadcastsLargerThanAVectorReachesEveryPortWhole() throws Exception {
        bridge(BridgeSettings.defaults("blue"), "p0", "p1", "p2");
        int n = 5_000;
        for (int i = 0; i < n; i++) {
            p0.receive(FrameDevice.frame(MacAddress.BROADCAST, A, i));
        }
        int[] got = new int[3];
        await(() -> {
            got[1] += p1.takeSent().size();
            got[2] += p2.takeSent().size();
            return got[1] >= n && got[2] >= n;
        }, () -> "5,000 broadcasts out of p1 and p2: " + got[1] + ", " + got[2] + " drops " + engine.drops()
                + " counters " + engine.counters() + " received " + p0.received());
        Thread.sleep(50);
        got[1] += p1.takeSent().size();
        got[2] += p2.takeSent().size();
        assertEquals(n, got[1], "each once at p1");
        assertEquals(n, got[2], "each once at p2");
        assertTrue(p0.takeSent().isEmpty(), "none back to p0");
        assertTrue(engine.drops().isEmpty(), engine.drops()::toString);
        assertEquals(n, status("blue").counter("flooded"));
    }

    @Test
    void splitHorizonPortsNeverFloodToEachOther() throws Exception {
        control.domain(BridgeSettings.defaults("blue"));
        control.port("p0", "blue", 0);
        control.port("p1", "blue", 1);
        control.port("p2", "blue", 1);
        assertArrayEquals(new int[] {1, 0, 0}, send(p1, MacAddress.BROADCAST, A, new boolean[] {true, false, false}), "p1's broadcast reaches p0, not p2");
        assertArrayEquals(new int[] {0, 1, 1}, send(p0, MacAddress.BROADCAST, B), "p0's reaches both");
    }

    @Test
    void theMacLimitDropsFramesFromNewSourcesAndCountsThem() throws Exception {
        bridge(BridgeSettings.defaults("blue").withMacLimit(2), "p0", "p1", "p2");
        send(p0, MacAddress.BROADCAST, A);
        send(p1, MacAddress.BROADCAST, B);
        await(() -> status("blue").macs() == 2, "two MACs learned");
        p2.receive(FrameDevice.frame(A, C, 99));
        await(() -> drops(L2BridgeNode.NAME, "MAC limit reached") == 1, "the third source dropped");
        BridgeStatus s = status("blue");
        assertEquals(1, s.counter("limit-drops"));
        assertEquals(2, s.macs());
        assertEquals(1, control.portCounters().get("p2")[5], "counted on the port it came in on");
        assertTrue(p0.takeSent().stream().noneMatch(f -> f[14] == 99), "the dropped frame went nowhere");
    }

    @Test
    void entriesAgeOutAndAMoveIsFollowed() throws Exception {
        bridge(BridgeSettings.defaults("blue").withAgeing(1), "p0", "p1", "p2");
        send(p0, MacAddress.BROADCAST, A);
        await(() -> learned("blue", A, "p0"), "A on p0");
        send(p1, MacAddress.BROADCAST, A);
        await(() -> learned("blue", A, "p1"), "A moved to p1");
        assertEquals(1, status("blue").counter("moved"));
        assertArrayEquals(new int[] {0, 1, 0}, send(p2, A, C), "frames to A now go to p1");
        await(() -> control.macs().isEmpty(), "every entry aged out after 1 s");
        BridgeStatus s = status("blue");
        assertEquals(2, s.counter("aged"), s.counters()::toString);
        assertEquals(0, s.macs());
    }

    @Test
    void anInterfaceGoingDownFlushesItsEntries() throws Exception {
        bridge(BridgeSettings.defaults("blue"), "p0", "p1", "p2");
        send(p0, MacAddress.BROADCAST, A);
        send(p1, MacAddress.BROADCAST, B);
        await(() -> learned("blue", A, "p0") && learned("blue", B, "p1"), "A and B");
        engine.setInterfaceUp("p0", false);
        await(() -> !learned("blue", A, "p0"), "A flushed with p0 down");
        assertTrue(learned("blue", B, "p1"), "B stays");
        assertEquals(1, status("blue").counter("flushed"));
        p1.link = false;
        engine.refreshInterfaces();
        await(() -> control.macs().isEmpty(), "B flushed when p1's link went down");
    }

    @Test
    void staticEntriesForwardWithoutLearningAndAreNotTakenOver() throws Exception {
        bridge(BridgeSettings.defaults("blue").withLearning(false), "p0", "p1", "p2");
        control.staticMac("blue", C, "p2");
        await(() -> learned("blue", C, "p2"), "C static on p2");
        assertArrayEquals(new int[] {0, 0, 1}, send(p0, C, A), "to C: p2 only");
        assertEquals(1, control.macs().size(), "nothing learned with learning off: " + control.macs());
        // With learning on, a frame from the static MAC on another port is refused (not a move).
        control.domain(BridgeSettings.defaults("blue"));
        p1.receive(FrameDevice.frame(A, C, 77));
        await(() -> drops(L2BridgeNode.NAME, "static MAC seen on another port") == 1, "C claimed from p1: dropped");
        assertTrue(learned("blue", C, "p2") && control.macs().stream().filter(e -> e.mac() == C).allMatch(MacEntry::isStatic));
        assertEquals(0, control.flush("blue", null), "a flush leaves static entries");
        assertTrue(control.removeStaticMac("blue", C));
        await(() -> control.macs().isEmpty(), "static entry removed");
        assertThrows(IllegalArgumentException.class, () -> control.staticMac("blue", MacAddress.BROADCAST, "p2"));
        assertThrows(IllegalArgumentException.class, () -> control.staticMac("red", C, "p2"));
    }

    @Test
    void floodingCanBeTurnedOff() throws Exception {
        bridge(BridgeSettings.defaults("blue").withUnknownUnicastFlood(false).withFlood(false), "p0", "p1", "p2");
        p0.receive(FrameDevice.frame(B, A, 1));
        p0.receive(FrameDevice.frame(MacAddress.BROADCAST, A, 2));
        await(() -> drops(L2BridgeNode.NAME, "unknown unicast, flooding off") == 1
                && drops(L2BridgeNode.NAME, "broadcast/multicast, flooding off") == 1, "both dropped and counted");
        assertTrue(p1.takeSent().isEmpty() && p2.takeSent().isEmpty());
    }

    @Test
    void learnedEntriesAreHandedToANewInstanceAndNothingFloodsAfter() throws Exception {
        bridge(BridgeSettings.defaults("blue"), "p0", "p1", "p2");
        send(p0, MacAddress.BROADCAST, A);
        send(p1, MacAddress.BROADCAST, B);
        await(() -> learned("blue", A, "p0") && learned("blue", B, "p1"), "A and B");
        List<MacEntry> before = control.macs();
        long flooded = status("blue").counter("flooded");
        BridgeControl.Handover h = control.handover();
        control.close();
        control = control(engine);
        control.adopt(h);
        bridge(BridgeSettings.defaults("blue"), "p0", "p1", "p2");
        assertEquals(before.stream().map(e -> e.mac() + "@" + e.iface()).toList(),
                control.macs().stream().map(e -> e.mac() + "@" + e.iface()).toList(), "the same table");
        assertEquals(flooded, status("blue").counter("flooded"), "counters carried over");
        assertArrayEquals(new int[] {0, 1, 0}, send(p0, B, A), "B known at once: no flood");
        assertEquals(0, status("blue").counter("unknown-unicast-flooded"));
    }

    @Test
    void badPortsAndDomainsAreRefusedAndRemovingADomainReturnsItsPortsToLayer3() {
        assertThrows(IllegalArgumentException.class, () -> control.port("p0", "nowhere", 0));
        assertThrows(IllegalArgumentException.class, () -> BridgeSettings.defaults("x").withMacLimit(0));
        bridge(BridgeSettings.defaults("blue"), "p0");
        assertThrows(IllegalArgumentException.class, () -> control.port("p1", "blue", 300));
        assertTrue(control.removeDomain("blue"));
        assertEquals("l3", engine.interfaces().get(0).mode());
        assertTrue(control.domains().isEmpty());
    }

    private static void assertArrayEquals(int[] want, int[] got, String what) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, what + ": " + java.util.Arrays.toString(got));
    }
}
