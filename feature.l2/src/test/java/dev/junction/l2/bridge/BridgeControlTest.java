package dev.junction.l2.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.DropCount;
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
        return new BridgeControl(s -> engine.register(s, "test"), engine::unregister);
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

    /** A frame with an outer tag (TPID, TCI) and the test ethertype, {@code marker} after the tag. */
    static byte[] tagged(long dst, long src, int tpid, int tci, int marker) {
        byte[] plain = FrameDevice.frame(dst, src, 0);
        byte[] f = new byte[plain.length + 4];
        System.arraycopy(plain, 0, f, 0, 12);
        f[12] = (byte) (tpid >>> 8);
        f[13] = (byte) tpid;
        f[14] = (byte) (tci >>> 8);
        f[15] = (byte) tci;
        System.arraycopy(plain, 12, f, 16, plain.length - 12);
        f[18] = (byte) marker;
        return f;
    }

    private static int u16(byte[] f, int at) {
        return (f[at] & 0xFF) << 8 | (f[at + 1] & 0xFF);
    }

    /** The frames {@code d} sends until there are {@code n}, then a moment more for any extra one. */
    private static List<byte[]> sent(FrameDevice d, int n) throws InterruptedException {
        List<byte[]> got = new java.util.ArrayList<>();
        await(() -> {
            got.addAll(d.takeSent());
            return got.size() >= n;
        }, () -> n + " frames out of " + d.name() + ", got " + got.size());
        return got;
    }

    @Test
    void vlansOfATrunkSwitchInTheirDomainsAndTagsArePushedAndPopped() throws Exception {
        control.domain(BridgeSettings.defaults("blue"));
        control.domain(BridgeSettings.defaults("red"));
        control.port("p0", "blue", 0); // access, blue
        control.vlan("p1", 10, false, "blue", 0); // trunk: 10 blue, 20 red, no native VLAN
        control.vlan("p1", 20, false, "red", 0);
        control.port("p2", "red", 0); // access, red
        assertEquals("l2 bridge vlan 10:blue vlan 20:red", engine.interfaces().get(1).mode());

        // Untagged from the blue access port leaves the trunk tagged 10, four bytes longer.
        p0.receive(FrameDevice.frame(MacAddress.BROADCAST, A, 1));
        byte[] out = sent(p1, 1).getFirst();
        assertEquals(64, out.length);
        assertEquals(0x8100, u16(out, 12));
        assertEquals(10, u16(out, 14));
        assertEquals(0x88b5, u16(out, 16));
        assertEquals(1, out[18]);
        // Tagged 20 from the trunk leaves the red access port untagged; blue's port sees nothing.
        p1.receive(tagged(MacAddress.BROADCAST, B, 0x8100, 20, 2));
        out = sent(p2, 1).getFirst();
        assertEquals(60, out.length);
        assertEquals(0x88b5, u16(out, 12));
        assertEquals(2, out[14]);
        await(() -> learned("red", B, "p1.20") && learned("blue", A, "p0"), "B on the trunk's VLAN 20, A on p0");
        // Known unicast from the trunk, with priority 5, to A: popped towards p0.
        p1.receive(tagged(A, C, 0x8100, 0xA00A, 3));
        out = sent(p0, 1).getFirst();
        assertEquals(60, out.length);
        assertEquals(3, out[14]);
        // A VLAN not on the trunk, and an untagged frame on a trunk without a native VLAN: dropped, counted.
        p1.receive(tagged(MacAddress.BROADCAST, C, 0x8100, 30, 4));
        p1.receive(FrameDevice.frame(MacAddress.BROADCAST, C, 5));
        await(() -> drops(L2BridgeNode.NAME, "VLAN not on this port") == 1
                && drops(L2BridgeNode.NAME, "untagged frame, no native VLAN on this port") == 1, () -> "drops " + engine.drops());
        assertTrue(p0.takeSent().isEmpty() && p2.takeSent().isEmpty(), "neither reached another port");
        assertEquals(1, status("red").counter("flooded"));
        assertEquals(2, status("blue").counter("flooded") + status("blue").counter("forwarded"));
        // The trunk's VLAN taken out: its MACs go, and its frames are dropped.
        assertTrue(control.removeVlan("p1", 20, false));
        await(() -> !learned("red", B, "p1.20"), "B forgotten with the VLAN");
        assertEquals("l2 bridge vlan 10:blue", engine.interfaces().get(1).mode());
    }

    @Test
    void aVlanIsRewrittenBetweenTrunksWithItsPriorityAndANativeVlanTakesUntaggedFrames() throws Exception {
        control.domain(BridgeSettings.defaults("blue"));
        control.vlan("p0", 10, false, "blue", 0); // 802.1Q 10
        control.vlan("p1", 110, true, "blue", 0); // 802.1ad service tag 110
        control.port("p2", "blue", 0);
        control.vlan("p2", 7, false, "blue", 0); // p2: native blue, and VLAN 7 also blue
        p0.receive(tagged(MacAddress.BROADCAST, A, 0x8100, 0xA000 | 10, 1));
        byte[] out = sent(p1, 1).getFirst();
        assertEquals(64, out.length, "rewritten, not pushed");
        assertEquals(0x88A8, u16(out, 12));
        assertEquals(0xA000 | 110, u16(out, 14), "priority 5 kept, VLAN 110");
        List<byte[]> atP2 = sent(p2, 2);
        assertEquals(2, atP2.size(), "p2 once untagged (native) and once tagged 7");
        assertTrue(atP2.stream().anyMatch(f -> f.length == 60 && u16(f, 12) == 0x88b5 && f[14] == 1), "untagged");
        assertTrue(atP2.stream().anyMatch(f -> f.length == 64 && u16(f, 12) == 0x8100 && u16(f, 14) == (0xA000 | 7)), "tagged 7");
        // Untagged on p2 is its native VLAN: it reaches p0 tagged 10 and p1 tagged 110.
        p2.receive(FrameDevice.frame(MacAddress.BROADCAST, B, 2));
        out = sent(p0, 1).getFirst();
        assertEquals(0x8100, u16(out, 12));
        assertEquals(10, u16(out, 14));
        assertEquals(2, out[18]);
        await(() -> learned("blue", A, "p0.10") && learned("blue", B, "p2"), "A on p0.10, B on p2");
        assertThrows(IllegalArgumentException.class, () -> control.vlan("p0", 4095, false, "blue", 0));
        assertThrows(IllegalArgumentException.class, () -> control.vlan("p0", 5, false, "nowhere", 0));
    }

    private static void assertArrayEquals(int[] want, int[] got, String what) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, what + ": " + java.util.Arrays.toString(got));
    }
}
