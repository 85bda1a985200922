package dev.junction.l2.xconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.DropCount;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cross-connects on a real engine with memory devices, through the core's extension points only. */
class XconnectControlTest {
    private final Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
    private final XconnectControl control = new XconnectControl(s -> engine.register(s, "test"), engine::unregister);
    private MemoryDevice gen;
    private MemoryDevice sink;

    @AfterEach
    void close() {
        engine.close();
        if (gen != null) {
            gen.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    private static void await(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private long drops(String node, String reason) {
        return engine.drops().stream().filter(d -> d.node().equals(node) && d.reason().equals(reason))
                .mapToLong(DropCount::count).sum();
    }

    @Test
    void everyFrameOfACrossConnectedInterfaceLeavesByItsPeerWhateverItsEthertype() throws Exception {
        gen = new MemoryDevice("g0", 0x02_00_00_00_20_01L, TrafficProfile.defaults().withCount(100_000), false);
        sink = new MemoryDevice("s0", 0x02_00_00_00_20_02L, null, true);
        control.connect("g0", "s0");
        engine.addDevice(gen);
        engine.addDevice(sink);
        assertEquals("l2 cross-connect s0", engine.interfaces().get(0).mode());
        engine.start();
        await(() -> sink.delivered() == 100_000, "100,000 frames at s0");
        assertEquals(0, sink.verifyFailures());
        assertTrue(engine.drops().isEmpty(), engine.drops()::toString);
        assertEquals(Map.of("g0", "s0"), control.peers());
    }

    @Test
    void aMissingPeerIsACountedDropAndDisconnectingReturnsTheInterfaceToLayer3() throws Exception {
        gen = new MemoryDevice("g0", 0x02_00_00_00_20_01L, TrafficProfile.defaults().withCount(1_000), false);
        control.connect("g0", "nowhere");
        engine.addDevice(gen);
        engine.start();
        await(() -> drops("l2-xconnect", "cross-connect peer down or missing") == 1_000, "1,000 drops for the missing peer");
        assertTrue(control.disconnect("g0"));
        assertEquals("l3", engine.interfaces().get(0).mode());
        assertTrue(!control.disconnect("g0"), "a second disconnect has nothing to remove");
    }

    @Test
    void badCrossConnectsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> control.connect("a", "a"));
        assertThrows(IllegalArgumentException.class, () -> control.connect("", "b"));
        assertTrue(control.peers().isEmpty());
    }

    @Test
    void closingTakesTheArcEndAwayAndL2InputDropsAgain() throws Exception {
        control.connect("g0", "s0");
        control.close();
        assertTrue(engine.arcs().stream().anyMatch(a -> a.name().equals("l2-input") && a.end().equals("l2-drop")),
                engine.arcs()::toString);
        assertTrue(engine.nodes().stream().noneMatch(n -> n.name().equals("l2-xconnect")));
    }
}
