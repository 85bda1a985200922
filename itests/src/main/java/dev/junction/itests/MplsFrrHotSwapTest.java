package dev.junction.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.mpls.Mpls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FRR's labels in the real framework: routing listens for FPM ({@code fpm listen=...}), a stand-in
 * for zebra sends frames recorded from FRR 8.4's zebra (two static LSPs and a labelled route), and
 * feature.mpls shows them as entries of kind {@code frr} ({@code Mpls}, {@code mpls:labels},
 * {@code mpls:ftns}); after an update of feature.mpls the same entries are back without zebra
 * sending anything again (routing hands the set to the new instance), and when zebra withdraws them
 * they go.
 */
class MplsFrrHotSwapTest {
    // Recorded from zebra 8.4.4 with dplane_fpm_nl: mpls lsp 100 10.77.1.2 200; mpls lsp 101 10.77.1.2
    // implicit-null; ip route 10.9.0.0/16 10.77.1.2 label 16/17; and that route's withdrawal.
    private static final String LSP_100 = "010100444000000018000105000000001ffbeea91c140000fec40001000000000800010000064100"
            + "08001300000c81000a00120002000a4d010200000800040004000000";
    private static final String LSP_101_PHP = "0101003c3800000018000105000000001ffbeea91c140000fec400010000000008000100000651"
            + "000a00120002000a4d010212000800040004000000";
    private static final String ROUTE_16_17 = "010100585400000018000105000000001ffbeea902100000fec4000100000000080001000a0900"
            + "0008000600140000000600150001000102100016800c0001000001000000011100080005000a4d01020800040004000000";
    private static final String DEL_ROUTE_16_17 = "010100302c00000019000104000000001ffbeea902100000fec40000000000000800"
            + "01000a0900000800060014000000";

    private Traffic traffic;
    private SocketChannel zebra;
    private CommandSession session;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        traffic = new Traffic();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path f = Files.createTempFile("mpls-frr", ".conf");
        Files.writeString(f, String.join("\n", "dataplane cpus=auto", "memdev mf1",
                "address mf1-a iface=mf1 ip=10.77.1.1/24", "fpm listen=127.0.0.1:" + port, ""));
        Osgi.load(traffic.config, f);
        Files.delete(f);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (zebra == null) {
            try {
                zebra = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("routing's FPM listener on port " + port + ": " + e);
                }
                Thread.sleep(50);
            }
        }
        session = Osgi.service(CommandProcessor.class).createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream(), true));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (zebra != null) {
            // Withdraw whatever is left, so that no learned entry outlives the test in this framework.
            send(withdrawn(LSP_100), withdrawn(LSP_101_PHP), DEL_ROUTE_16_17);
            Osgi.await(() -> mpls().labels().isEmpty() && mpls().ftns().isEmpty(), Duration.ofSeconds(10),
                    () -> "FRR's entries withdrawn: " + mpls().labels());
            zebra.close();
        }
        if (session != null) {
            session.close();
        }
        if (traffic != null) {
            traffic.stop();
        }
        // A configuration load keeps single statements it does not name: the fpm listener would
        // outlive this test and show in every later test's configuration.
        org.osgi.service.cm.Configuration fpm = Osgi.service(org.osgi.service.cm.ConfigurationAdmin.class)
                .getConfiguration("junction.fpm", "?");
        if (fpm.getProperties() != null) {
            fpm.delete();
        }
    }

    private static Mpls mpls() {
        try {
            return Osgi.service(Mpls.class);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String withdrawn(String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        b[8] = 25; // RTM_DELROUTE
        return HexFormat.of().formatHex(b);
    }

    private void send(String... frames) throws Exception {
        for (String hex : frames) {
            ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex(hex));
            while (b.hasRemaining()) {
                zebra.write(b);
            }
        }
    }

    private String run(String line) throws Exception {
        out.reset();
        Object result = session.execute(line);
        String printed = out.toString(StandardCharsets.UTF_8);
        return result == null ? printed : printed + session.format(result, 0);
    }

    /** The tables without their counters. */
    private static List<String> table() {
        List<String> t = new ArrayList<>();
        for (Mpls.LabelStatus l : mpls().labels()) {
            t.add(l.kind() + " " + l.name() + " " + l.label() + " " + l.action() + " " + l.nextHops().stream()
                    .map(h -> h.labels() + "@" + h.via()).toList());
        }
        for (Mpls.FtnStatus f : mpls().ftns()) {
            t.add(f.kind() + " " + f.name() + " " + f.vrf() + " " + f.prefix() + " " + f.nextHops().stream()
                    .map(h -> h.labels() + "@" + h.via()).toList());
        }
        return t;
    }

    @Test
    void frrsEntriesComeOverFpmAndSurviveAnUpdateOfFeatureMpls() throws Exception {
        send(LSP_100, LSP_101_PHP, ROUTE_16_17);
        List<String> expected = List.of("frr frr:100 100 swap [[200]@10.77.1.2]", "frr frr:101 101 swap [[]@10.77.1.2]",
                "frr frr:default:10.9.0.0/16 default 10.9.0.0/16 [[16, 17]@10.77.1.2]");
        Osgi.await(() -> table().equals(expected), Duration.ofSeconds(10), () -> "FRR's entries: " + table());
        String labels = run("mpls:labels");
        assertTrue(labels.lines().anyMatch(l -> l.strip().startsWith("100 ") && l.contains("frr:100") && l.contains(" frr ")
                && l.contains("200@10.77.1.2")), labels);
        String ftns = run("mpls:ftns");
        assertTrue(ftns.lines().anyMatch(l -> l.contains("frr:default:10.9.0.0/16") && l.contains("16/17@10.77.1.2")), ftns);
        assertTrue(run("ip:routes").lines().anyMatch(l -> l.contains("10.9.0.0/16") && l.contains("steered")),
                "the labelled prefix steered to mpls-impose: " + run("ip:routes"));

        Osgi.bundle("dev.junction.feature.mpls").update();
        Osgi.await(() -> table().equals(expected), Duration.ofSeconds(10), () -> "FRR's entries after the update: " + table());
        assertTrue(run("ip:routes").lines().anyMatch(l -> l.contains("10.9.0.0/16") && l.contains("steered")),
                "steered again after the update: " + run("ip:routes"));

        send(DEL_ROUTE_16_17, withdrawn(LSP_101_PHP));
        Osgi.await(() -> table().equals(List.of(expected.getFirst())), Duration.ofSeconds(10),
                () -> "the withdrawn entries gone: " + table());
        assertEquals(List.of(expected.getFirst()), table());
    }
}
