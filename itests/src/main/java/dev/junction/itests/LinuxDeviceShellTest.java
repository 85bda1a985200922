package dev.junction.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Linux devices created and removed from the shell while Junction runs (root: a veth pair). */
class LinuxDeviceShellTest {
    private final String veth = "jti-" + ProcessHandle.current().pid() % 100000;
    private CommandSession session;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Traffic traffic;

    private static int sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @BeforeEach
    void setUp() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI runs as root: Linux device tests must run there");
            }
            System.err.println("SKIPPED LOUDLY: LinuxDeviceShellTest needs root (veth, AF_PACKET)");
            Assumptions.abort("needs root");
        }
        assertEquals(0, sh("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p"));
        traffic = new Traffic();
        session = Osgi.service(CommandProcessor.class).createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (session != null) {
            session.execute("linux:delete lx0");
            session.close();
            Osgi.await(() -> traffic.find("lx0") == null, Duration.ofSeconds(10), "lx0 removed");
        }
        sh("ip", "link", "del", veth);
    }

    @Test
    void anAfPacketDeviceIsAttachedAndDetachedFromTheShell() throws Exception {
        session.execute("linux:afpacket --iface " + veth + " lx0");
        Osgi.await(() -> traffic.find("lx0") != null, Duration.ofSeconds(10), () -> "lx0 attached; " + err);
        assertEquals("af_packet " + veth, traffic.find("lx0").driver());
        String drops = String.valueOf(session.execute("linux:drops lx0"));
        assertTrue(drops.matches("(?s)REASON +FRAMES\nrx ring full \\(kernel\\) +0\n.*\ntx frame larger than the TX ring's frame +0\n"),
                drops);
        session.execute("linux:drops lx9");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no running Linux device named 'lx9' (see linux:list;"), err.toString());
        session.execute("linux:delete lx0");
        Osgi.await(() -> traffic.find("lx0") == null, Duration.ofSeconds(10), "lx0 detached");
        session.execute("linux:afpacket --iface no-such-if lx1");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no Linux interface named 'no-such-if'"), err.toString());
        session.execute("linux:afxdp --iface " + veth + " --queues 2 lx1");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--queues must be 1..1 (" + veth + " has 1 receive queue), not '2'"),
                err.toString());
        assertTrue(traffic.find("lx1") == null, "nothing attached");
    }

    @Test
    void aConfigurationFileAttachesLinuxDevices() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("linux", ".conf");
        try {
            java.nio.file.Files.writeString(f, "dataplane cpus=auto\nlinux lx0 iface=" + veth + "\n");
            session.execute("config:load " + f);
            Osgi.await(() -> traffic.find("lx0") != null, Duration.ofSeconds(10), () -> "lx0 from the file; " + err);
            assertTrue(((String) session.execute("config:show")).contains("linux lx0 type=afpacket iface=" + veth));
            java.nio.file.Files.writeString(f, "dataplane cpus=auto\nlinux lx0 iface=no-such-if\n");
            session.execute("config:load " + f);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains(f + ":2: no Linux interface named 'no-such-if'"), err.toString());
            assertTrue(traffic.find("lx0") != null, "the running configuration is kept");
        } finally {
            java.nio.file.Files.delete(f);
        }
    }
}
