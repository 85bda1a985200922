package dev.junction.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exported jar, as the README runs it: the embedded default forwards, and configuration made in
 * the shell survives a restart (ConfigAdmin persists it in the framework storage).
 */
class RunnableJarTest {
    private static final Path JAR = Path.of("../app/target/junction.jar").toAbsolutePath().normalize();
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("junction-jar-test");
    }

    @AfterEach
    void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Runs Junction with a Gogo command line instead of the console; returns what it printed. */
    private String junction(String goshCommand) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow", "-Dgosh.args=-c " + goshCommand,
                // as ./junction run does: the configuration outside the framework cache
                "-Dfelix.cm.dir=" + dir.resolve("junction-data/config"), "-jar", JAR.toString()));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("junction did not stop within 60 s:\n" + out);
        }
        assertTrue(out.contains("gosh: stopping framework"), () -> "exit " + p.exitValue() + ":\n" + out);
        return out;
    }

    @Test
    void theEmbeddedDefaultForwardsAndShellChangesSurviveARestart() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "no " + JAR + ": the app module builds it");
        String first = junction("interface:memdev --frame-size 128 persist0; sleep 1; format (interface:list)");
        assertTrue(first.contains("first start: embedded default configuration applied"), first);
        long delivered = first.lines().filter(l -> l.matches(" *\\d+ +mem1 +memory-sink .*"))
                .mapToLong(l -> Long.parseLong(l.trim().split(" +")[9])).findFirst()
                .orElseThrow(() -> new AssertionError("no mem1 line:\n" + first));
        assertTrue(delivered > 0, "mem1 received frames from mem0 through the graph:\n" + first);

        String second = junction("format (config:show)");
        assertTrue(!second.contains("first start"), second);
        assertTrue(second.contains("memdev persist0 generate=false rate=0 count=0 frame-size=128 flows=16 verify=false"), second);
        assertTrue(second.contains("cross-connect mem0 peer=mem1"), second);
    }

    /**
     * The ixgbe driver in the jar: with no card it starts and does nothing; a port added from the
     * shell is persisted as an {@code ixgbe} statement, reported as not created (no such PCI
     * device here), survives a restart, and goes again with ixgbe:delete.
     */
    @Test
    void theIxgbeDriverStartsWithNoCardAndItsPortsPersist() throws Exception {
        String first = junction("format (ixgbe:devices); ixgbe:add --pci 0000:7f:00.0 --queues 2 x9; sleep 1; format (ixgbe:list)");
        assertTrue(first.contains("ixgbe device x9 not created: no PCI device 0000:7f:00.0"), first);
        assertTrue(first.lines().anyMatch(l -> l.matches("x9 +0000:7f:00\\.0 +2 +not created \\(see the log\\).*")), first);
        String second = junction("format (config:show); ixgbe:delete x9; format (ixgbe:list)");
        assertTrue(second.contains("ixgbe x9 pci=0000:7f:00.0 queues=2"), second);
        assertTrue(second.contains("no ixgbe ports (ixgbe:add --help)"), second);
    }
}
