package dev.junction.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.config.JunctionConfig;
import dev.junction.dataplane.CounterValue;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.EtherTypeStatus;
import dev.junction.dataplane.NodeStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The example plugin's protocol, a bundle using every graph extension point (its own arc with an
 * end node, an ethertype claim, a feature enabled on one interface only, named counters),
 * installed, updated and uninstalled 100 times while two flows run: xg0 cross-connected to xs0
 * (another interface, which must never meet the example's nodes and never lose a frame) and xg1,
 * whose frames the example marks and forwards to xs1 while it is there.
 */
class ExtensionPointsTest {
    private static final int CYCLES = 100;
    private Dataplane dataplane;
    private JunctionConfig config;
    private Configuration example;
    private CommandSession session;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        dataplane = Osgi.service(Dataplane.class);
        config = Osgi.service(JunctionConfig.class);
        example = Osgi.service(ConfigurationAdmin.class).getConfiguration("junction.example.protocol", "?");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("mark", "xg1");
        props.put("out", "xs1");
        example.update(props);
        session = Osgi.service(CommandProcessor.class).createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream(), true));
    }

    @AfterEach
    void tearDown() throws Exception {
        session.close();
        example.delete();
        load("dataplane cpus=auto idle=backoff\n");
    }

    private void load(String text) throws Exception {
        Path f = Files.createTempFile("junction-itest", ".conf");
        Files.writeString(f, text);
        Osgi.load(config, f);
        Files.delete(f);
    }

    private long rx(String name) {
        return dataplane.interfaces().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow().counters().rxPackets();
    }

    private long tx(String name) {
        return dataplane.interfaces().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow().counters().txPackets();
    }

    private long counter(String node, String name) {
        for (CounterValue c : dataplane.counters()) {
            if (c.node().equals(node) && c.counter().equals(name)) {
                return c.value();
            }
        }
        return -1;
    }

    private boolean active(String node) {
        return dataplane.nodes().stream().anyMatch(n -> n.name().equals(node) && n.state().equals(NodeStatus.ACTIVE));
    }

    private String shell(String line) throws Exception {
        out.reset();
        Object r = session.execute(line);
        return out.toString(StandardCharsets.UTF_8) + (r == null ? "" : session.format(r, 0));
    }

    private long drops() {
        return dataplane.drops().stream().mapToLong(DropCount::count).sum();
    }

    @Test
    void anExampleProtocolBundleComesAndGoes100TimesUnderTraffic() throws Exception {
        load(String.join("\n", "dataplane cpus=auto idle=backoff",
                "memdev xg0 generate=true rate=200000", "memdev xs0 verify=true", "cross-connect xg0 peer=xs0", "interface xg0 state=down",
                "memdev xg1 generate=true rate=200000", "memdev xs1", "interface xg1 state=down", ""));
        // By name: a count can be met by another test's devices still going away (a clean-clone run
        // once found four interfaces before xg1 was there).
        Osgi.await(() -> dataplane.interfaces().stream().map(dev.junction.dataplane.InterfaceStatus::name).toList()
                .containsAll(java.util.List.of("xg0", "xs0", "xg1", "xs1")), Duration.ofSeconds(10),
                () -> "the four memory devices: " + dataplane.interfaces());
        dataplane.clearRuntime();
        dataplane.setInterfaceUp("xg0", true);
        dataplane.setInterfaceUp("xg1", true);
        Path jar = Osgi.exampleBundle();
        long carried = 0;
        for (int i = 0; i < CYCLES; i++) {
            Bundle b = Osgi.install(jar);
            b.start();
            int cycle = i;
            Osgi.await(() -> active("example-mark") && active("example-forward"), Duration.ofSeconds(10),
                    () -> "example nodes active (cycle " + cycle + "): " + dataplane.nodes());
            // The claimed ethertype carries xg1's marked frames to xs1 through the example's own arc.
            long before = tx("xs1");
            Osgi.await(() -> tx("xs1") > before + 100, Duration.ofSeconds(10), "xg1's frames reach xs1 (cycle " + cycle + ")");
            assertEquals(0, counter("example-mark", "foreign"), "a frame of another interface entered example-mark");
            assertTrue(counter("example-forward", "frames") > 0, dataplane.counters()::toString);
            assertTrue(dataplane.etherTypes().contains(new EtherTypeStatus(0x88B5, "example-input",
                    b.getSymbolicName() + " " + b.getVersion(), EtherTypeStatus.ACTIVE)), dataplane.etherTypes()::toString);
            if (i == 0) {
                String shown = shell("runtime:counters");
                assertTrue(shown.contains("example-forward") && shown.contains("frames") && shown.contains("example-mark"), shown);
                assertTrue(shell("feature:list").contains("xg1"), "feature:list shows where example-mark is enabled");
            }
            try (InputStream in = Files.newInputStream(jar)) {
                b.update(in);
            }
            Osgi.await(() -> active("example-mark") && active("example-forward"), Duration.ofSeconds(10),
                    () -> "example nodes active after the update (cycle " + cycle + ")");
            carried += counter("example-forward", "frames");
            b.uninstall();
            assertTrue(dataplane.counters().stream().noneMatch(c -> c.node().startsWith("example-")),
                    () -> "the example's counters left with it: " + dataplane.counters());
            assertTrue(dataplane.arcs().stream().noneMatch(a -> a.name().equals("example-input")), "the arc left with it");
            Osgi.refresh(b);
        }
        String left = shell("runtime:counters");
        assertTrue(!left.contains("example-"), () -> "shell without the example's counters: " + left);
        dataplane.setInterfaceUp("xg0", false);
        dataplane.setInterfaceUp("xg1", false);
        Osgi.await(() -> rx("xg0") == tx("xs0"), Duration.ofSeconds(10),
                () -> "xg0's frames all delivered: " + rx("xg0") + " generated, " + tx("xs0") + " delivered");
        Osgi.await(() -> rx("xg1") == tx("xs1") + drops(), Duration.ofSeconds(10),
                () -> "xg1's frames delivered or dropped with a reason: " + dataplane.drops());
        System.out.printf("extension points: %d cycles; xg0 %d generated, %d delivered; xg1 %d generated, %d through the"
                + " example's arc, %d dropped while it was away (%s)%n", CYCLES, rx("xg0"), tx("xs0"), rx("xg1"), tx("xs1"),
                drops(), dataplane.drops());
        assertTrue(rx("xg0") > 100_000, "traffic flowed on the other interface: " + rx("xg0"));
        assertEquals(rx("xg0"), tx("xs0"), "the other interface lost nothing");
        assertTrue(carried > 0);
        for (DropCount d : dataplane.drops()) {
            // xg1's frames, while the example is away, are IPv4 that routing has no route for; a frame
            // marked just before the arc left is an unknown ethertype. Nothing else may drop.
            assertTrue(d.node().startsWith("ip4-") || d.reason().equals("unknown ethertype"), d::toString);
        }
    }
}
