package dev.junction.drivers.vhost.guest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest harness against a real vhost-user backend that exists today, dpdk-testpmd:
 *   icmp-client  testpmd listens (icmpecho), QEMU connects: boot, ping testpmd (IPv4)
 *   icmp-server  QEMU listens, testpmd connects (client=1): boot, ping
 *   reconnect    testpmd killed and started again under a running guest (QEMU reconnects): ping resumes
 *   two-guests   two guests on two net_vhost ports of testpmd in io mode: ping each other, IPv4 and IPv6
 *   tcp          the same two guests: a 4 MiB TCP transfer (busybox nc), SHA-256 compared
 * Run as root: java tools/guest/SelfTest.java [scenario...]  (tools/guest/selftest.sh does so).
 * Prints one line per scenario and a summary; exit status 1 when any failed.
 */
public final class SelfTest {
    private static final Duration BOOT = Duration.ofSeconds(90);
    private static final Path DIR = Path.of(System.getProperty("java.io.tmpdir"), "jn-guest-selftest-" + ProcessHandle.current().pid());

    interface Scenario {
        String run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        List<String> names = args.length > 0 ? List.of(args) : List.of("icmp-client", "icmp-server", "reconnect", "two-guests", "tcp");
        Files.createDirectories(DIR);
        long t0 = System.nanoTime();
        Path img = QemuGuest.image();
        System.out.printf("guest image %s (ready in %.1f s)%n", img, (System.nanoTime() - t0) / 1e9);
        int failed = 0;
        List<String> report = new ArrayList<>();
        try {
            for (String n : names) {
                Scenario s = switch (n) {
                    case "icmp-client" -> SelfTest::icmpClient;
                    case "icmp-server" -> SelfTest::icmpServer;
                    case "reconnect" -> SelfTest::reconnect;
                    case "two-guests" -> SelfTest::twoGuests;
                    case "tcp" -> SelfTest::tcp;
                    default -> throw new IllegalArgumentException("unknown scenario " + n);
                };
                long start = System.nanoTime();
                String line;
                try {
                    line = "PASS " + n + ": " + s.run();
                } catch (Throwable e) {
                    failed++;
                    line = "FAIL " + n + ": " + e;
                    e.printStackTrace();
                }
                line += String.format(" [%.1f s]", (System.nanoTime() - start) / 1e9);
                System.out.println(line);
                report.add(line);
            }
        } finally {
            QemuGuest.deleteTree(DIR);
        }
        System.out.println("selftest: " + (names.size() - failed) + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static int received(String pingOutput) {
        var m = java.util.regex.Pattern.compile("(\\d+) packets received").matcher(pingOutput);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** testpmd listens; QEMU connects. */
    static String icmpClient() throws Exception {
        Path sock = DIR.resolve("icmp-c.sock");
        try (TestpmdBackend pmd = TestpmdBackend.start("icmpecho", false, sock);
                QemuGuest g = QemuGuest.builder("icmpc").nic(sock, QemuGuest.Mode.CLIENT)
                        .ipv4("10.71.0.2/24", "10.71.0.1").boot(BOOT)) {
            QemuGuest.Result r = g.ping("10.71.0.1", 3);
            check(r.ok() && received(r.output()) == 3, "ping testpmd: " + r);
            QemuGuest.Result second = g.run(Duration.ofSeconds(10), "ip -4 addr show dev eth0; exit 7");
            check(second.exit() == 7 && second.output().contains("10.71.0.2/24"), "second command: " + second);
            return String.format("boot %.2f s (guest uptime %s s at ready), ping 3/3, exit status 7 carried",
                    g.bootTime().toMillis() / 1e3, g.readyUptime());
        }
    }

    /** QEMU listens; testpmd connects. */
    static String icmpServer() throws Exception {
        Path sock = DIR.resolve("icmp-s.sock");
        try (QemuGuest g = QemuGuest.builder("icmps").nic(sock, QemuGuest.Mode.SERVER)
                .ipv4("10.72.0.2/24", "10.72.0.1").start()) {
            g.awaitSocket(sock, Duration.ofSeconds(30));
            try (TestpmdBackend pmd = TestpmdBackend.start("icmpecho", true, sock)) {
                g.awaitReady(BOOT);
                QemuGuest.Result r = g.ping("10.72.0.1", 3);
                check(r.ok() && received(r.output()) == 3, "ping testpmd: " + r);
                return String.format("boot %.2f s, ping 3/3", g.bootTime().toMillis() / 1e3);
            }
        }
    }

    /** testpmd goes away and comes back on the same socket; the running guest's ping resumes. */
    static String reconnect() throws Exception {
        Path sock = DIR.resolve("recon.sock");
        TestpmdBackend pmd = TestpmdBackend.start("icmpecho", false, sock);
        try (QemuGuest g = QemuGuest.builder("recon").nic(sock, QemuGuest.Mode.CLIENT)
                .ipv4("10.73.0.2/24", "10.73.0.1").boot(BOOT)) {
            QemuGuest.Result r = g.ping("10.73.0.1", 2);
            check(r.ok(), "ping before: " + r);
            pmd.close();
            QemuGuest.Result down = g.ping("10.73.0.1", 1);
            check(!down.ok(), "ping answered with testpmd gone: " + down);
            long restart = System.nanoTime();
            pmd = TestpmdBackend.start("icmpecho", false, sock);
            // QEMU reconnects within a second or so; ping until an answer comes, bounded.
            QemuGuest.Result after = g.awaitPing("10.73.0.1", 30);
            check(after.ok(), "ping after the restart: " + after + "\n" + g.serialLog());
            QemuGuest.Result steady = g.ping("10.73.0.1", 3);
            check(steady.ok() && received(steady.output()) == 3, "steady ping after the restart: " + steady);
            return String.format("ping lost while testpmd was gone, answered again %.1f s after its restart (%s), then 3/3",
                    (System.nanoTime() - restart) / 1e9, after.output().strip());
        } finally {
            pmd.close();
        }
    }

    /** Two guests on testpmd's two ports in io mode (a wire): IPv4 and IPv6 pings both ways. */
    static String twoGuests() throws Exception {
        Path s0 = DIR.resolve("io0.sock");
        Path s1 = DIR.resolve("io1.sock");
        try (TestpmdBackend pmd = TestpmdBackend.start("io", false, s0, s1)) {
            QemuGuest a = null;
            QemuGuest b = null;
            try {
                a = QemuGuest.builder("ga").nic(s0, QemuGuest.Mode.CLIENT)
                        .ipv4("10.74.0.1/24", null).ipv6("fd00:74::1/64", null).start();
                b = QemuGuest.builder("gb").nic(s1, QemuGuest.Mode.CLIENT)
                        .ipv4("10.74.0.2/24", null).ipv6("fd00:74::2/64", null).start();
                a.awaitReady(BOOT);
                b.awaitReady(BOOT);
                QemuGuest.Result r4 = a.ping("10.74.0.2", 3);
                check(r4.ok() && received(r4.output()) == 3, "a -> b IPv4: " + r4);
                QemuGuest.Result r6 = b.ping("fd00:74::1", 3);
                check(r6.ok() && received(r6.output()) == 3, "b -> a IPv6: " + r6);
                return String.format("boots %.2f s and %.2f s (together), IPv4 a->b 3/3, IPv6 b->a 3/3",
                        a.bootTime().toMillis() / 1e3, b.bootTime().toMillis() / 1e3);
            } finally {
                if (a != null) {
                    a.close();
                }
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    /** A TCP transfer between two guests through testpmd (io mode), checked end to end. */
    static String tcp() throws Exception {
        Path s0 = DIR.resolve("tcp0.sock");
        Path s1 = DIR.resolve("tcp1.sock");
        try (TestpmdBackend pmd = TestpmdBackend.start("io", false, s0, s1)) {
            QemuGuest a = null;
            QemuGuest b = null;
            try {
                a = QemuGuest.builder("ta").nic(s0, QemuGuest.Mode.CLIENT).ipv4("10.75.0.1/24", null).start();
                b = QemuGuest.builder("tb").nic(s1, QemuGuest.Mode.CLIENT).ipv4("10.75.0.2/24", null).start();
                a.awaitReady(BOOT);
                b.awaitReady(BOOT);
                QemuGuest.Transfer t = QemuGuest.transfer(a, b, "10.75.0.2", 4096);
                check(t.equal(), t.detail());
                return String.format("%d KiB in %.1f s (%.1f Mbit/s), SHA-256 equal", t.kib(), t.seconds(), t.mbitPerSecond());
            } finally {
                if (a != null) {
                    a.close();
                }
                if (b != null) {
                    b.close();
                }
            }
        }
    }

}
