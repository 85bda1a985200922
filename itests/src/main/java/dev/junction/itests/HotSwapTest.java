package dev.junction.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.NodeStatus;
import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketVector;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * The core's promise, in a real framework with the real bundles: feature bundles come and go while
 * traffic flows, and every generated packet is delivered or dropped with a counted reason.
 */
class HotSwapTest {
    private static final int CYCLES = 100;
    private Traffic traffic;

    @BeforeEach
    void setUp() throws Exception {
        traffic = new Traffic();
    }

    @AfterEach
    void tearDown() throws Exception {
        traffic.stop();
    }

    private boolean active(String node) {
        for (NodeStatus n : traffic.dataplane.nodes()) {
            if (n.name().equals(node) && n.state().equals(NodeStatus.ACTIVE)) {
                return true;
            }
        }
        return false;
    }

    private boolean present(String node) {
        return traffic.dataplane.nodes().stream().anyMatch(n -> n.name().equals(node));
    }

    /** Loader of the example feature's service object, held weakly. */
    private static WeakReference<ClassLoader> loaderOfPassthrough() {
        var ctx = Osgi.context();
        for (ServiceReference<PacketNode> ref : ctxRefs()) {
            PacketNode n = ctx.getService(ref);
            try {
                if (n != null && n.name().equals("passthrough")) {
                    return new WeakReference<>(n.getClass().getClassLoader());
                }
            } finally {
                ctx.ungetService(ref);
            }
        }
        throw new AssertionError("no passthrough service");
    }

    private static List<ServiceReference<PacketNode>> ctxRefs() {
        try {
            return List.copyOf(Osgi.context().getServiceReferences(PacketNode.class, null));
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void featureBundleInstalledUpdatedAndUninstalled100TimesUnderTrafficLosesNothing() throws Exception {
        traffic.start("gen0", "sink0", 1_000_000, 0);
        Path jar = Osgi.exampleBundle();
        WeakReference<ClassLoader> firstLoader = null;
        for (int i = 0; i < CYCLES; i++) {
            Bundle b = Osgi.install(jar);
            b.start();
            Osgi.await(() -> active("passthrough"), Duration.ofSeconds(10), "passthrough active (cycle " + i + ")");
            if (firstLoader == null) {
                firstLoader = loaderOfPassthrough();
            }
            try (InputStream in = Files.newInputStream(jar)) {
                b.update(in);
            }
            Osgi.await(() -> active("passthrough"), Duration.ofSeconds(10), "passthrough active after update (cycle " + i + ")");
            b.uninstall();
            assertTrue(!present("passthrough"), "uninstall returns only after the node left the graph");
            Osgi.refresh(b);
        }
        String gen = "gen0";
        traffic.drain(gen, "sink0");
        long generated = traffic.generated(gen);
        System.out.printf("hot swap: %d cycles, %d frames generated, %d delivered, %d dropped%n", CYCLES, generated,
                traffic.delivered("sink0"), traffic.dropped());
        assertTrue(generated > 100_000, "traffic flowed during the test: " + generated);
        assertEquals(0, traffic.dropped(), () -> "drops: " + traffic.dataplane.drops());
        assertEquals(generated, traffic.delivered("sink0"));
        assertEquals(0, traffic.verifyFailures("sink0"));

        // The first instance's class loader must become unreachable once its bundle is gone.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (firstLoader.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertNull(firstLoader.get(), "the uninstalled bundle's class loader is still reachable");
    }

    /** A feature that throws on its third vector. */
    static final class FaultyFeature implements PacketNode {
        private int calls;

        @Override
        public String name() {
            return "faulty";
        }

        @Override
        public String arc() {
            return Arcs.L2_INPUT;
        }

        @Override
        public void process(PacketVector vector, NodeContext context) {
            if (++calls == 3) {
                throw new IllegalStateException("injected fault");
            }
        }
    }

    @Test
    void aFeatureThatThrowsIsQuarantinedAndTrafficContinues() throws Exception {
        traffic.start("gen1", "sink1", 500_000, 0);
        ServiceRegistration<PacketNode> reg = Osgi.context().registerService(PacketNode.class, new FaultyFeature(), null);
        try {
            Osgi.await(() -> traffic.dataplane.nodes().stream()
                    .anyMatch(n -> n.name().equals("faulty") && n.state().equals(NodeStatus.QUARANTINED)),
                    Duration.ofSeconds(10), "faulty quarantined");
            long before = traffic.delivered("sink1");
            Osgi.await(() -> traffic.delivered("sink1") > before + 10_000, Duration.ofSeconds(10),
                    "traffic delivered after the fault");
            traffic.drain("gen1", "sink1");
            List<DropCount> drops = traffic.dataplane.drops();
            assertEquals(1, drops.size(), drops::toString);
            assertEquals("faulty", drops.getFirst().node());
            assertEquals("node fault (quarantined)", drops.getFirst().reason());
            NodeStatus st = traffic.dataplane.nodes().stream().filter(n -> n.name().equals("faulty")).findFirst().orElseThrow();
            assertTrue(st.problem().contains("injected fault"), st.problem());
        } finally {
            reg.unregister();
        }
        assertTrue(!present("faulty"));
    }
}
