package dev.junction.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.CounterValue;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.EtherTypeStatus;
import dev.junction.dataplane.NodeStatus;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.graph.ArcDefinition;
import dev.junction.graph.Arcs;
import dev.junction.graph.EtherTypeClaim;
import dev.junction.graph.InterfaceMode;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.packet.Ethernet;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a bundle can add besides nodes, on a real engine with memory devices: an arc of its own with
 * its end node, an ethertype claim, a claim on an interface's layer 2, per-interface features,
 * named counters and per-worker state sized by the real worker count.
 */
class ExtensionPointsTest {
    private static final int EXPERIMENTAL = 0x88B5; // IEEE 802 local experimental ethertype
    private Engine engine;
    private final List<MemoryDevice> devices = new ArrayList<>();

    private MemoryDevice device(String name, TrafficProfile profile) {
        MemoryDevice d = new MemoryDevice(name, 0x02_00_00_00_10_00L + devices.size(), profile, false);
        devices.add(d);
        engine.addDevice(d);
        return d;
    }

    private void engine(int workers) {
        List<Integer> cpus = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            cpus.add(-1);
        }
        engine = new Engine(EngineConfig.defaults().withCpus(cpus));
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
        devices.forEach(MemoryDevice::close);
    }

    private long drops(String node) {
        return engine.drops().stream().filter(d -> d.node().equals(node)).mapToLong(DropCount::count).sum();
    }

    private long counter(String node, String name) {
        for (CounterValue c : engine.counters()) {
            if (c.node().equals(node) && c.counter().equals(name)) {
                return c.value();
            }
        }
        return -1;
    }

    /** Rewrites the ethertype of every frame to 0x88B5, on device-input, for the interfaces it is enabled on. */
    static final class Marker implements PacketNode {
        @Override
        public String name() {
            return "example-mark";
        }

        @Override
        public String arc() {
            return Arcs.DEVICE_INPUT;
        }

        @Override
        public boolean perInterface() {
            return true;
        }

        @Override
        public List<String> counters() {
            return List.of("marked");
        }

        @Override
        public void process(PacketVector v, NodeContext ctx) {
            PacketPool pool = ctx.pool();
            for (int i = 0; i < v.count(); i++) {
                Ethernet.etherType(ctx.memory(), pool.data(v.buffer(i)), EXPERIMENTAL);
            }
            ctx.count(0, v.count());
        }
    }

    /** End of the arc "example": counts frames and sends them out of interface {@code out}. */
    static final class Forward implements PacketNode {
        private final String name;
        private final String out;

        Forward(String out) {
            this("example-forward", out);
        }

        Forward(String name, String out) {
            this.name = name;
            this.out = out;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<String> next() {
            return List.of(Arcs.start(Arcs.OUTPUT));
        }

        @Override
        public List<String> counters() {
            return List.of("frames", "bytes");
        }

        @Override
        public void process(PacketVector v, NodeContext ctx) {
            PacketPool pool = ctx.pool();
            int tx = ctx.interfaces().indexOf(out);
            long bytes = 0;
            for (int i = 0; i < v.count(); i++) {
                int b = v.buffer(i);
                bytes += pool.length(b);
                pool.txInterface(b, tx);
                v.next(i, 0);
            }
            ctx.count(0, v.count());
            ctx.count(1, bytes);
        }
    }

    @Test
    void aBundlesArcClaimAndPerInterfaceFeatureCarryOneInterfacesFramesAndNoOthers() throws Exception {
        engine(1);
        MemoryDevice genA = device("genA", TrafficProfile.defaults().withCount(10_000).withRate(200_000));
        MemoryDevice genB = device("genB", TrafficProfile.defaults().withCount(10_000).withRate(200_000));
        MemoryDevice sink = device("sink", null);
        Marker marker = new Marker();
        Forward forward = new Forward("sink");
        ArcDefinition arc = ArcDefinition.of("example", "example-forward", ArcDefinition.Direction.INPUT);
        EtherTypeClaim claim = EtherTypeClaim.of(EXPERIMENTAL, "example");
        engine.addNode(forward, "test");
        engine.addArc(arc, "test");
        engine.addEtherTypeClaim(claim, "test");
        engine.addNode(marker, "test");
        engine.enableFeature("example-mark", "genA", true);
        assertEquals(List.of("genA"), engine.featureInterfaces("example-mark"));
        assertTrue(engine.etherTypes().contains(new EtherTypeStatus(EXPERIMENTAL, "example", "test", EtherTypeStatus.ACTIVE)),
                engine.etherTypes()::toString);
        engine.start();
        EngineTest.await(() -> genA.generatorDone() && genB.generatorDone() && sink.delivered() == 10_000
                && drops("ip4-drop") == 10_000, Duration.ofSeconds(30), "genA's frames at the sink, genB's dropped as IPv4");
        assertEquals(10_000, counter("example-mark", "marked"), "only genA's frames entered the marker");
        assertEquals(10_000, counter("example-forward", "frames"));
        assertEquals(10_000L * 64, counter("example-forward", "bytes"));
        assertEquals(20_000, sink.delivered() + drops("ip4-drop"));

        // Removing the arc: the claim has no arc any more, genA's frames would be unknown ethertypes.
        engine.removeEtherTypeClaim(claim);
        engine.removeArc(arc);
        assertTrue(engine.etherTypes().stream().noneMatch(e -> e.etherType() == EXPERIMENTAL));
        engine.removeNode(forward);
        engine.removeNode(marker);
        assertTrue(engine.counters().isEmpty(), "the counters left with their nodes: " + engine.counters());
    }

    @Test
    void aFeatureOnAnArcWithoutItsEndIsRejectedUntilTheEndComes() {
        engine(1);
        PacketNode feature = new PassThroughNode("pt", "late");
        engine.addArc(ArcDefinition.of("late", "late-end", ArcDefinition.Direction.INPUT), "test");
        engine.addNode(feature, "test");
        NodeStatus s = engine.nodes().stream().filter(n -> n.name().equals("pt")).findFirst().orElseThrow();
        assertEquals(NodeStatus.REJECTED, s.state());
        assertTrue(s.problem().contains("late-end"), s.problem());
        engine.addNode(new Forward("late-end", "x"), "test");
        s = engine.nodes().stream().filter(n -> n.name().equals("pt")).findFirst().orElseThrow();
        assertEquals(NodeStatus.ACTIVE, s.state());
        assertTrue(engine.arcs().stream().anyMatch(a -> a.name().equals("late") && a.features().equals(List.of("pt"))));
    }

    @Test
    void anInterfaceModeSendsAllItsFramesToTheClaimingArc() throws Exception {
        engine(1);
        MemoryDevice gen = device("gen", TrafficProfile.defaults().withCount(5_000).withRate(200_000));
        MemoryDevice sink = device("sink", null);
        engine.addNode(new Forward("sink"), "test");
        engine.addArc(ArcDefinition.of("example", "example-forward", ArcDefinition.Direction.INPUT), "test");
        InterfaceMode mode = InterfaceMode.of("gen", "example", "example port");
        engine.addInterfaceMode(mode, "test");
        assertEquals("example port", engine.interfaces().stream().filter(i -> i.name().equals("gen")).findFirst()
                .orElseThrow().mode());
        engine.start();
        EngineTest.await(() -> sink.delivered() == 5_000, Duration.ofSeconds(30), "every IPv4 frame through the mode's arc");
        assertEquals(0, drops("ip4-drop"));
        engine.removeInterfaceMode(mode);
        assertEquals("l3", engine.interfaces().stream().filter(i -> i.name().equals("gen")).findFirst().orElseThrow().mode());
    }

    @Test
    void aBundlesClaimTakesAnEthertypeOverFromTheCoreAndAnotherBundlesIsAConflict() {
        engine(1);
        engine.addNode(new Forward("x"), "test");
        engine.addArc(ArcDefinition.of("example", "example-forward", ArcDefinition.Direction.INPUT), "test");
        engine.addEtherTypeClaim(EtherTypeClaim.of(0x8847, "example"), "first");
        engine.addEtherTypeClaim(EtherTypeClaim.of(0x8847, "example"), "second");
        List<EtherTypeStatus> mpls = engine.etherTypes().stream().filter(e -> e.etherType() == 0x8847).toList();
        assertEquals(List.of(new EtherTypeStatus(0x8847, "example", "first", EtherTypeStatus.ACTIVE),
                new EtherTypeStatus(0x8847, "example", "second", EtherTypeStatus.CONFLICT),
                new EtherTypeStatus(0x8847, Arcs.MPLS_INPUT, "core", EtherTypeStatus.CONFLICT)), mpls);
    }

    /** Per-worker state sized by the worker count the engine runs, here more than 64. */
    static final class PerWorkerCounter implements PacketNode {
        final PerWorker<long[]> seen = new PerWorker<>(w -> new long[8]);
        final AtomicInteger sizedFor = new AtomicInteger();

        @Override
        public String name() {
            return "per-worker";
        }

        @Override
        public String arc() {
            return Arcs.L2_INPUT;
        }

        @Override
        public void workers(int count) {
            sizedFor.set(count);
            seen.resize(count);
        }

        @Override
        public void process(PacketVector v, NodeContext ctx) {
            seen.get(ctx.worker())[0] += v.count();
        }
    }

    @Test
    void moreThan64WorkersEachGetTheirOwnState() throws Exception {
        int workers = 70;
        engine(workers);
        List<MemoryDevice> sinks = new ArrayList<>();
        // 70 generator/sink pairs, each generator on its own worker (queues go round robin).
        for (int i = 0; i < workers; i++) {
            device("g" + i, TrafficProfile.defaults().withCount(500).withRate(50_000));
        }
        TestXconnect x = TestXconnect.connect(engine, "g0", "s0");
        for (int i = 0; i < workers; i++) {
            sinks.add(device("s" + i, null));
            if (i > 0) {
                x.also(engine, "g" + i, "s" + i);
            }
        }
        PerWorkerCounter node = new PerWorkerCounter();
        engine.addNode(node, "test");
        assertEquals(workers, node.sizedFor.get());
        engine.start();
        EngineTest.await(() -> sinks.stream().mapToLong(MemoryDevice::delivered).sum() == 500L * workers,
                Duration.ofSeconds(60), "every frame delivered");
        long total = 0;
        int busy = 0;
        for (int w = 0; w < workers; w++) {
            long n = node.seen.get(w)[0];
            total += n;
            busy += n > 0 ? 1 : 0;
        }
        assertEquals(500L * workers, total);
        assertTrue(busy > 64, "workers past 64 counted in their own state: " + busy);
    }

    /** End of arc "example": sends every frame to the next node {@link #use}, from a list that grows. */
    static final class Chooser implements PacketNode {
        volatile List<String> next = List.of("f1");
        volatile int use;

        @Override
        public String name() {
            return "chooser";
        }

        @Override
        public List<String> next() {
            return next;
        }

        @Override
        public void process(PacketVector v, NodeContext ctx) {
            int k = use;
            for (int i = 0; i < v.count(); i++) {
                v.next(i, k);
            }
        }
    }

    @Test
    void aNodesNextNodesGrowAtRunTime() throws Exception {
        engine(1);
        MemoryDevice sink = device("sink", null);
        Forward f1 = new Forward("f1", "sink");
        Forward f2 = new Forward("f2", "sink");
        Chooser chooser = new Chooser();
        engine.addNode(f1, "test");
        engine.addNode(f2, "test");
        engine.addNode(chooser, "test");
        engine.addArc(ArcDefinition.of("example", "chooser", ArcDefinition.Direction.INPUT), "test");
        engine.addInterfaceMode(InterfaceMode.of("gen1", "example", "example port"), "test");
        engine.addInterfaceMode(InterfaceMode.of("gen2", "example", "example port"), "test");
        device("gen1", TrafficProfile.defaults().withCount(1_000).withRate(200_000));
        device("gen2", TrafficProfile.defaults().withCount(1_000).withRate(200_000));
        engine.setInterfaceUp("gen2", false); // generates once up, after the refresh
        engine.start();
        EngineTest.await(() -> counter("f1", "frames") == 1_000, Duration.ofSeconds(30), "gen1's frames through f1");

        chooser.next = List.of("f2");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> engine.refreshNext("chooser"));
        assertTrue(e.getMessage().contains("may only be appended to"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> engine.refreshNext("nobody"));

        chooser.next = List.of("f1", "f2");
        engine.refreshNext("chooser");
        chooser.use = 1;
        engine.setInterfaceUp("gen2", true);
        EngineTest.await(() -> counter("f2", "frames") == 1_000, Duration.ofSeconds(30), "gen2's frames through f2");
        assertEquals(1_000, counter("f1", "frames"), "f1 saw gen1's frames only");
        assertEquals(2_000, sink.delivered());
        assertEquals(0, engine.drops().stream().mapToLong(DropCount::count).sum(), engine.drops()::toString);
    }

    @Test
    void opaqueWordsAreClaimedByNameAndTheSameNameGetsItsWordBack() {
        engine(1);
        assertEquals(0, engine.claimOpaqueWord("lb"));
        assertEquals(1, engine.claimOpaqueWord("mpls"));
        assertEquals(0, engine.claimOpaqueWord("lb"), "an updated bundle claims its word again");
        engine.claimOpaqueWord("fw");
        engine.claimOpaqueWord("qos");
        IllegalStateException full = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> engine.claimOpaqueWord("nat"));
        assertTrue(full.getMessage().contains("lb, mpls, fw, qos"), full.getMessage());
        assertTrue(engine.releaseOpaqueWord("mpls"));
        assertEquals(1, engine.claimOpaqueWord("nat"));
        assertEquals(java.util.Arrays.asList("lb", "nat", "fw", "qos"), engine.opaqueWords());
    }

    @Test
    void interfaceListenersAreToldOfEachChangeOfTheInterfacesAndOfNothingElse() throws Exception {
        engine(1);
        java.util.concurrent.BlockingQueue<List<String>> told = new java.util.concurrent.LinkedBlockingQueue<>();
        dev.junction.dataplane.InterfaceListener l = ifs -> told.add(ifs.stream()
                .map(i -> i.name() + (i.adminUp() ? " up " : " down ") + i.mtu() + " " + i.mode()).toList());
        engine.addInterfaceListener(l);
        assertEquals(List.of(), told.poll(10, java.util.concurrent.TimeUnit.SECONDS), "told at once: no interfaces");
        device("a", null);
        assertEquals(List.of("a up 1500 l3"), told.poll(10, java.util.concurrent.TimeUnit.SECONDS));
        engine.setInterfaceUp("a", false);
        assertEquals(List.of("a down 1500 l3"), told.poll(10, java.util.concurrent.TimeUnit.SECONDS));
        engine.addInterfaceMode(InterfaceMode.of("a", Arcs.L2_INPUT, "l2 test"), "test");
        assertEquals(List.of("a down 1500 l2 test"), told.poll(10, java.util.concurrent.TimeUnit.SECONDS));
        // A graph change that leaves the interfaces as they were tells nobody: the next call is the device.
        engine.addNode(new PassThroughNode("pt", Arcs.IP4_UNICAST), "test");
        device("b", null);
        assertEquals(List.of("a down 1500 l2 test", "b up 1500 l3"), told.poll(10, java.util.concurrent.TimeUnit.SECONDS));
        engine.removeInterfaceListener(l);
        device("c", null);
        engine.addInterfaceListener(ifs -> told.add(List.of("second")));
        assertEquals(List.of("second"), told.poll(10, java.util.concurrent.TimeUnit.SECONDS), "the removed one heard nothing of c");
    }

    /** A link going down or up is no graph change, yet listeners hear of it (a bridge flushes the port's MACs). */
    @Test
    void interfaceListenersAreToldWhenALinkGoesDownOrUp() throws Exception {
        engine(1);
        MemoryDevice inner = new MemoryDevice("x", 0x02_00_00_00_10_99L, null, false);
        devices.add(inner);
        java.util.concurrent.atomic.AtomicBoolean link = new java.util.concurrent.atomic.AtomicBoolean(true);
        engine.addDevice(new dev.junction.device.NetDevice() {
            public String name() { return inner.name(); }
            public String driver() { return inner.driver(); }
            public long mac() { return inner.mac(); }
            public int mtu() { return inner.mtu(); }
            public boolean linkUp() { return link.get(); }
            public int rxQueueCount() { return inner.rxQueueCount(); }
            public dev.junction.device.RxQueue rxQueue(int q) { return inner.rxQueue(q); }
            public dev.junction.device.TxQueue txQueue(int w) { return inner.txQueue(w); }
            public dev.junction.device.DeviceCounters counters() { return inner.counters(); }
        });
        java.util.concurrent.BlockingQueue<String> told = new java.util.concurrent.LinkedBlockingQueue<>();
        engine.addInterfaceListener(ifs -> told.add(ifs.getFirst().linkUp() ? "up" : "down"));
        assertEquals("up", told.poll(10, java.util.concurrent.TimeUnit.SECONDS), "told at once");
        engine.refreshInterfaces();
        link.set(false);
        engine.refreshInterfaces();
        assertEquals("down", told.poll(10, java.util.concurrent.TimeUnit.SECONDS), "told of the link going down");
        engine.refreshInterfaces();
        link.set(true);
        engine.refreshInterfaces();
        assertEquals("up", told.poll(10, java.util.concurrent.TimeUnit.SECONDS), "and up again");
        assertEquals(null, told.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS), "once per change");
    }

    /**
     * A device that arrives while traffic runs, its mode claimed before (a cross-connect or bridge
     * port configured before its device): its first frame goes by the mode. The dispatch tables
     * used to follow the new snapshot, so its first frames went by ethertype.
     */
    @Test
    void aDeviceAddedWhileRunningMeetsTheModeClaimedForItBefore() throws Exception {
        engine(1);
        MemoryDevice sink = device("sink", null);
        engine.addNode(new Forward("sink"), "test");
        engine.addArc(ArcDefinition.of("example", "example-forward", ArcDefinition.Direction.INPUT), "test");
        engine.addInterfaceMode(InterfaceMode.of("late", "example", "example port"), "test");
        engine.start();
        device("late", TrafficProfile.defaults().withCount(1_000).withRate(200_000));
        try {
            EngineTest.await(() -> sink.delivered() == 1_000, Duration.ofSeconds(20), "late's frames through the mode's arc");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": delivered " + sink.delivered() + ", interfaces " + engine.interfaces()
                    + ", drops " + engine.drops() + ", counters " + engine.counters() + ", workers " + engine.workers(), e);
        }
        assertEquals(0, drops("ip4-drop"), "no frame of late's took the layer-3 path before its mode applied");
    }
}
