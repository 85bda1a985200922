package dev.junction.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.TraceEntry;
import dev.junction.dataplane.NodeStatus;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.graph.Arcs;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EngineTest {
    private Engine engine;
    private MemoryDevice gen;
    private MemoryDevice sink;

    private void topology(TrafficProfile profile) {
        topology(profile, true);
    }

    private void topology(TrafficProfile profile, boolean xconnect, dev.junction.graph.PacketNode... first) {
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        gen = new MemoryDevice("mem0", 0x020000000001L, profile, false);
        sink = new MemoryDevice("mem1", 0x020000000002L, null, true);
        engine.addDevice(gen);
        engine.addDevice(sink);
        if (xconnect) {
            TestXconnect.connect(engine, "mem0", "mem1");
        }
        for (dev.junction.graph.PacketNode n : first) {
            engine.addNode(n, "test"); // in the graph before the first frame
        }
        engine.start();
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
        if (gen != null) {
            gen.close();
            sink.close();
        }
    }

    static void await(BooleanSupplier cond, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    long dropped() {
        long n = 0;
        for (DropCount d : engine.drops()) {
            n += d.count();
        }
        return n;
    }

    @Test
    void crossConnectDeliversEveryGeneratedFrame() throws Exception {
        topology(TrafficProfile.defaults().withCount(1_000_000));
        await(() -> sink.delivered() == 1_000_000, Duration.ofSeconds(30), "1M frames at the sink");
        assertEquals(1_000_000, gen.generated());
        assertEquals(0, sink.verifyFailures());
        assertEquals(0, dropped());
    }

    /** Each trace numbers its packets from 1, whatever earlier traces took (trace:show reads so). */
    @Test
    void everyTraceNumbersItsPacketsFromOne() throws Exception {
        topology(TrafficProfile.defaults().withRate(100_000));
        for (int round = 0; round < 2; round++) {
            engine.trace(3);
            await(() -> engine.traceEntries().stream().filter(e -> e.verdict().startsWith("tx ")).count() == 3,
                    Duration.ofSeconds(10), "three traced packets transmitted");
            List<Integer> ids = engine.traceEntries().stream().map(TraceEntry::packet).distinct().sorted().toList();
            assertEquals(List.of(1, 2, 3), ids, "round " + round + ": " + engine.traceEntries());
        }
    }

    @Test
    void framesOfAnUnhandledEthertypeAreDroppedWithAReason() throws Exception {
        topology(TrafficProfile.defaults().withCount(1000), false); // layer 3, and no routing feature
        await(() -> dropped() == 1000, Duration.ofSeconds(10), "1000 drops");
        List<DropCount> drops = engine.drops();
        assertEquals(1, drops.size());
        assertEquals("ip4-drop", drops.getFirst().node());
        assertEquals("no IPv4 forwarding feature installed", drops.getFirst().reason());
        assertEquals(0, sink.delivered());
    }

    @Test
    void featuresAreAddedAndRemovedWhileTrafficFlowsWithoutLoss() throws Exception {
        long total = 3_000_000;
        topology(TrafficProfile.defaults().withCount(total).withRate(2_000_000));
        for (int i = 0; i < 200; i++) {
            PassThroughNode a = new PassThroughNode("pt-a", Arcs.L2_INPUT);
            PassThroughNode b = new PassThroughNode("pt-b", Arcs.L2_INPUT, "pt-a");
            engine.addNode(a, "test");
            engine.addNode(b, "test");
            engine.removeNode(a);
            engine.removeNode(b);
        }
        await(() -> gen.generatorDone() && sink.delivered() + dropped() == total, Duration.ofSeconds(60),
                "every frame accounted for");
        assertEquals(total, sink.delivered());
        assertEquals(0, dropped());
    }

    @Test
    void packetsANodeHoldsWhenItIsRemovedGoOnInsteadOfLeaking() throws Exception {
        // The holder joins before the generator starts: added after, on a loaded machine all 1000 frames
        // (10 ms of traffic) could pass before it was in the graph, and it would hold none.
        HoldingNode holder = new HoldingNode(Arcs.L2_INPUT);
        topology(TrafficProfile.defaults().withCount(1000).withRate(100_000), true, holder);
        await(() -> gen.generatorDone(), Duration.ofSeconds(30), "1000 frames generated");
        await(() -> holder.count + sink.delivered() == 1000, Duration.ofSeconds(10), "every frame held or delivered");
        assertTrue(holder.count > 0, "the holder keeps frames");
        engine.removeNode(holder);
        // release() handed them out on the worker before the removal returned: each one reaches the sink.
        await(() -> sink.delivered() == 1000, Duration.ofSeconds(10), "every held frame delivered");
        assertEquals(0, holder.count);
        assertEquals(0, dropped());
    }

    @Test
    void aFeatureThatThrowsIsQuarantinedAndTrafficGoesOn() throws Exception {
        long total = 200_000;
        topology(TrafficProfile.defaults().withCount(total).withRate(1_000_000));
        PassThroughNode bad = new PassThroughNode("bad", Arcs.L2_INPUT);
        bad.throwOnCall = 5;
        engine.addNode(bad, "test");
        await(() -> gen.generatorDone() && sink.delivered() + dropped() == total, Duration.ofSeconds(30),
                "every frame accounted for");
        // The worker drops the faulting vector at once; the graph without the node is compiled on the
        // control thread, a moment later.
        await(() -> engine.nodes().stream().anyMatch(n -> n.name().equals("bad") && n.state().equals(NodeStatus.QUARANTINED))
                && engine.arcs().stream().filter(a -> a.name().equals(Arcs.L2_INPUT)).findFirst().orElseThrow().features().isEmpty(),
                Duration.ofSeconds(10), "bad quarantined and bypassed");
        NodeStatus st = engine.nodes().stream().filter(n -> n.name().equals("bad")).findFirst().orElseThrow();
        assertTrue(st.problem().contains("boom"), st.problem());
        List<DropCount> drops = engine.drops();
        assertEquals(1, drops.size(), drops.toString());
        assertEquals("node fault (quarantined)", drops.getFirst().reason());
        assertTrue(drops.getFirst().count() > 0 && drops.getFirst().count() <= 256);
        assertEquals(total, sink.delivered() + drops.getFirst().count());
        assertTrue(engine.arcs().stream().filter(a -> a.name().equals(Arcs.L2_INPUT)).findFirst().orElseThrow()
                .features().isEmpty(), "the arc bypasses the quarantined node");
    }
}
