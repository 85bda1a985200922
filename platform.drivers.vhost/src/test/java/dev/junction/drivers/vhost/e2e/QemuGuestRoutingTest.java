package dev.junction.drivers.vhost.e2e;

import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.drivers.vhost.VhostUserDevice;
import dev.junction.drivers.vhost.guest.HostTransfer;
import dev.junction.drivers.vhost.guest.QemuGuest;
import dev.junction.graph.PacketNode;
import dev.junction.routing.internal.RoutingControl;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.RootOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real QEMU guests (TCG, a tiny Linux from tools/guest) on Junction's vhost-user devices, with
 * Junction routing IPv4 and IPv6 between them and a Linux host in a network namespace (AF_PACKET on
 * a veth):
 * <pre>
 *   guest g1 10.86.1.2 fd86:1::2 --vhost v1-- [.1 Junction .1] --veth j2-- h2 10.86.2.2 fd86:2::2
 *                                             [.1] --vhost v3-- guest g3 10.86.3.2 fd86:3::2
 * </pre>
 * The guests run the commands over their serial consoles (ping, traceroute, busybox nc for TCP; exit
 * status checked). Every guest,
 * namespace, link and socket is removed after each test.
 */
class QemuGuestRoutingTest {
    private static final Duration BOOT = Duration.ofSeconds(120);
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h2 = "jv-h2-" + id;
    private final String v2 = "jv2-" + id;
    private Path dir;
    private Engine engine;
    private RoutingControl routing;
    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
    private final LinuxHosts hosts = new LinuxHosts();

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("QemuGuestRoutingTest", "QEMU, namespaces, apt-get");
        // Socket paths must fit in sun_path (108 bytes): a short directory of our own.
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv" + id + "-");
        newEngine(1);
    }

    /** An engine of {@code workers} unpinned workers with the routing nodes, not started. */
    private void newEngine(int workers) {
        List<Integer> cpus = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            cpus.add(-1);
        }
        engine = new Engine(EngineConfig.defaults().withCpus(cpus));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "test");
        }
        routing = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine);
    }

    @AfterEach
    void tearDown() throws Exception {
        // Guests first (they hold the sockets), then the engine, then the devices, then the host.
        while (!cleanup.isEmpty()) {
            try {
                cleanup.pop().close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
        if (engine != null) {
            engine.close();
        }
        for (AutoCloseable c : devices) {
            c.close();
        }
        hosts.close();
        if (dir != null) {
            QemuGuest.deleteTree(dir);
        }
    }

    private final List<AutoCloseable> devices = new ArrayList<>();

    /** A Linux host h2 (10.86.2.2/24 and fd86:2::2/64, routes via Junction) behind Junction's j2 (AF_PACKET). */
    private void linuxHost() throws Exception {
        hosts.host(h2, v2).address("10.86.2.2/24").defaultRoute("10.86.2.1").address("fd86:2::2/64").defaultRoute("fd86:2::1");
        AfPacketDevice d = new AfPacketDevice("j2", v2);
        devices.add(d);
        engine.addDevice(d);
    }

    /** Junction's addresses on subnet n: 10.86.n.1/24 and fd86:n::1/64. */
    private void addresses(String iface, int n) {
        routing.addAddress(iface, "10.86." + n + ".1/24");
        routing.addAddress(iface, "fd86:" + n + "::1/64");
    }

    private VhostUserDevice vhost(String name, Path sock, VhostUserDevice.Mode mode) {
        return vhost(name, sock, mode, 1);
    }

    private VhostUserDevice vhost(String name, Path sock, VhostUserDevice.Mode mode, int queuePairs) {
        VhostUserDevice d = new VhostUserDevice(name, sock, mode, queuePairs);
        devices.add(d);
        engine.addDevice(d);
        return d;
    }

    private QemuGuest guest(QemuGuest.Builder b) throws Exception {
        QemuGuest g = b.start();
        cleanup.push(g);
        return g;
    }

    private String state() {
        StringBuilder sb = new StringBuilder("\n--- junction ---\n");
        for (DropCount d : engine.drops()) {
            sb.append(d.node()).append(": ").append(d.reason()).append(" = ").append(d.count()).append('\n');
        }
        for (InterfaceStatus s : engine.interfaces()) {
            sb.append(s.name()).append(' ').append(s.counters()).append('\n');
        }
        for (AutoCloseable d : devices) {
            if (d instanceof VhostUserDevice v) {
                sb.append(v.name()).append(": ").append(v.state()).append(", connections ").append(v.connections()).append('\n');
            }
        }
        return sb.toString();
    }

    private static int received(String pingOutput) {
        Matcher m = Pattern.compile("(\\d+) packets received").matcher(pingOutput);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Whether a traceroute output shows {@code addr} at hop {@code n}. */
    private static boolean hop(String traceroute, int n, String addr) {
        return traceroute.lines().anyMatch(l -> l.matches("\\s*" + n + "\\s+" + Pattern.quote(addr) + "\\s.*"));
    }

    @Test
    void aGuestPingsALinuxHostThroughJunction() throws Exception {
        linuxHost();
        Path s1 = dir.resolve("v1.sock");
        vhost("v1", s1, VhostUserDevice.Mode.SERVER);
        addresses("v1", 1);
        addresses("j2", 2);
        engine.start();
        QemuGuest g1 = guest(QemuGuest.builder("g1-" + id).nic(s1, QemuGuest.Mode.CLIENT)
                .ipv4("10.86.1.2/24", "10.86.1.1").ipv6("fd86:1::2/64", "fd86:1::1"));
        g1.awaitReady(BOOT);
        System.out.printf("QemuGuestRoutingTest: guest boot %.2f s%n", g1.bootTime().toMillis() / 1e3);

        QemuGuest.Result r = g1.ping("10.86.1.1", 3);
        assertTrue(r.ok() && received(r.output()) == 3, "the guest pings Junction's v1 address: " + r + state());
        // The first echo towards h2 may be spent on ARP for it: ask for 4, require at least 3.
        r = g1.run(Duration.ofSeconds(20), "ping -c 4 -i 0.2 -W 2 10.86.2.2");
        assertTrue(received(r.output()) >= 3, "the guest reaches h2 through Junction: " + r + state());
        Result back = run(30, ns(h2, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.86.1.2"));
        assertEquals(0, back.exit(), "h2 reaches the guest: " + back.out() + state());
        // IPv6: Junction's own address, then h2 (the first echo may be spent on neighbour discovery).
        r = g1.ping("fd86:1::1", 3);
        assertTrue(r.ok() && received(r.output()) == 3, "the guest pings Junction's v1 IPv6 address: " + r + state());
        r = g1.run(Duration.ofSeconds(20), "ping -c 4 -i 0.2 -W 2 fd86:2::2");
        assertTrue(received(r.output()) >= 3, "the guest reaches h2 over IPv6: " + r + state());
        back = run(30, ns(h2, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "fd86:1::2"));
        assertEquals(0, back.exit(), "h2 reaches the guest over IPv6: " + back.out() + state());
        // TCP both ways between the guest and h2 (h2's kernel sends partial checksums: AF_PACKET completes them).
        String fromGuest = HostTransfer.guestToHost(g1, h2, "10.86.2.2", 4096, this::state);
        String toGuest = HostTransfer.hostToGuest(g1, h2, "10.86.1.2", 4096, this::state);
        System.out.printf("QemuGuestRoutingTest: TCP guest -> h2: %s; h2 -> guest: %s%n", fromGuest, toGuest);
        // busybox traceroute (UDP): hop 1 is Junction's time exceeded, hop 2 h2's port unreachable.
        r = g1.run(Duration.ofSeconds(20), "traceroute -n -q 1 -w 2 -m 3 10.86.2.2");
        assertTrue(hop(r.output(), 1, "10.86.1.1") && hop(r.output(), 2, "10.86.2.2"), "traceroute through Junction: " + r + state());
    }

    /**
     * A guest of two vCPUs on a two-pair vhost-user device (queues=2, mq=on), two workers: the guest
     * turns both pairs on, pings sent from each vCPU leave by that vCPU's queue (the driver's XPS
     * map), so both of v1's receive queues, polled by different workers, carry traffic; TCP both ways
     * checked by SHA-256.
     */
    @Test
    void aMultiQueueGuestSendsOnBothQueuePairsToTwoWorkers() throws Exception {
        engine.close();
        newEngine(2);
        linuxHost();
        Path s1 = dir.resolve("v1.sock");
        VhostUserDevice v1 = vhost("v1", s1, VhostUserDevice.Mode.SERVER, 2);
        addresses("v1", 1);
        addresses("j2", 2);
        engine.start();
        QemuGuest g1 = guest(QemuGuest.builder("g1-" + id).cpus(2).multiQueueNic(s1, QemuGuest.Mode.CLIENT, 2)
                .ipv4("10.86.1.2/24", "10.86.1.1"));
        g1.awaitReady(BOOT);
        String queues = g1.must(Duration.ofSeconds(10), "ls /sys/class/net/eth0/queues | tr '\\n' ' '");
        assertTrue(queues.contains("rx-1") && queues.contains("tx-1"), "the guest runs two queue pairs: " + queues + state());
        assertTrue(v1.rings().contains("rx1:") && !v1.rings().contains("tx1:256 stopped"), "pair 1 runs: " + v1.rings());
        QemuGuest.Result r = g1.run(Duration.ofSeconds(60), "for c in 1 2 1 2 1 2 1 2; do taskset $c ping -q -c 10 -i 0.05 -W 2 10.86.2.2 & done; wait");
        assertTrue(received(r.output()) > 0, "the guest reaches h2 through Junction: " + r + state());
        long[] perQueue = v1.rxPacketsPerQueue();
        assertTrue(perQueue[0] > 0 && perQueue[1] > 0, "v1 received on both queue pairs: " + java.util.Arrays.toString(perQueue)
                + " " + v1.rings() + state());
        String fromGuest = HostTransfer.guestToHost(g1, h2, "10.86.2.2", 4096, this::state);
        String toGuest = HostTransfer.hostToGuest(g1, h2, "10.86.1.2", 4096, this::state);
        System.out.printf("QemuGuestRoutingTest multiqueue: per queue %s; TCP guest -> h2: %s; h2 -> guest: %s%n",
                java.util.Arrays.toString(v1.rxPacketsPerQueue()), fromGuest, toGuest);
    }

    @Test
    void twoGuestsPingEachOtherThroughJunction() throws Exception {
        // One of each mode: v1 listens and QEMU connects; QEMU listens on s3 and v3 connects.
        Path s1 = dir.resolve("v1.sock");
        Path s3 = dir.resolve("v3.sock");
        vhost("v1", s1, VhostUserDevice.Mode.SERVER);
        QemuGuest g3 = guest(QemuGuest.builder("g3-" + id).nic(s3, QemuGuest.Mode.SERVER)
                .ipv4("10.86.3.2/24", "10.86.3.1").ipv6("fd86:3::2/64", "fd86:3::1"));
        g3.awaitSocket(s3, Duration.ofSeconds(30));
        vhost("v3", s3, VhostUserDevice.Mode.CLIENT);
        addresses("v1", 1);
        addresses("v3", 3);
        engine.start();
        QemuGuest g1 = guest(QemuGuest.builder("g1-" + id).nic(s1, QemuGuest.Mode.CLIENT)
                .ipv4("10.86.1.2/24", "10.86.1.1").ipv6("fd86:1::2/64", "fd86:1::1"));
        g1.awaitReady(BOOT);
        g3.awaitReady(BOOT);
        System.out.printf("QemuGuestRoutingTest: two guests booted in %.2f s and %.2f s%n",
                g1.bootTime().toMillis() / 1e3, g3.bootTime().toMillis() / 1e3);

        QemuGuest.Result r = g1.run(Duration.ofSeconds(20), "ping -c 4 -i 0.2 -W 2 10.86.3.2");
        assertTrue(received(r.output()) >= 3, "g1 reaches g3 through Junction: " + r + state());
        r = g3.ping("10.86.1.2", 3);
        assertTrue(r.ok() && received(r.output()) == 3, "g3 reaches g1: " + r + state());
        r = g1.run(Duration.ofSeconds(20), "ping -c 4 -i 0.2 -W 2 fd86:3::2");
        assertTrue(received(r.output()) >= 3, "g1 reaches g3 over IPv6: " + r + state());
        r = g3.ping("fd86:1::2", 3);
        assertTrue(r.ok() && received(r.output()) == 3, "g3 reaches g1 over IPv6: " + r + state());
        r = g3.run(Duration.ofSeconds(20), "traceroute -n -q 1 -w 2 -m 3 10.86.1.2");
        assertTrue(hop(r.output(), 1, "10.86.3.1") && hop(r.output(), 2, "10.86.1.2"), "traceroute through Junction: " + r + state());
        // TCP both ways through Junction, every byte checked (SHA-256 on both ends).
        QemuGuest.Transfer t = QemuGuest.transfer(g1, g3, "10.86.3.2", 4096);
        assertTrue(t.equal(), "4 MiB g1 -> g3: " + t.detail() + state());
        QemuGuest.Transfer back = QemuGuest.transfer(g3, g1, "fd86:1::2", 1024);
        assertTrue(back.equal(), "1 MiB g3 -> g1 over IPv6: " + back.detail() + state());
        System.out.printf("QemuGuestRoutingTest: TCP g1 -> g3 %.1f Mbit/s, g3 -> g1 (IPv6) %.1f Mbit/s%n",
                t.mbitPerSecond(), back.mbitPerSecond());
    }

    /**
     * Junction's vhost device goes away and comes back twice under a running guest, in both socket
     * modes: as server (QEMU connects, and reconnects every second) and as client (QEMU listens and
     * waits; the new device connects). First the interface is also set down and up.
     */
    @ParameterizedTest
    @EnumSource(VhostUserDevice.Mode.class)
    void theVhostDeviceIsStoppedAndStartedUnderARunningGuest(VhostUserDevice.Mode mode) throws Exception {
        linuxHost();
        Path s1 = dir.resolve("v1.sock");
        boolean junctionListens = mode == VhostUserDevice.Mode.SERVER;
        QemuGuest.Builder b = QemuGuest.builder("g1-" + id)
                .nic(s1, junctionListens ? QemuGuest.Mode.CLIENT : QemuGuest.Mode.SERVER)
                .ipv4("10.86.1.2/24", "10.86.1.1").ipv6("fd86:1::2/64", "fd86:1::1");
        QemuGuest g1;
        VhostUserDevice v1;
        if (junctionListens) {
            v1 = vhost("v1", s1, mode);
            g1 = guest(b);
        } else {
            g1 = guest(b);
            g1.awaitSocket(s1, Duration.ofSeconds(30));
            v1 = vhost("v1", s1, mode);
        }
        addresses("v1", 1);
        addresses("j2", 2);
        engine.start();
        g1.awaitReady(BOOT);
        long qemuPid = g1.pid();
        QemuGuest.Result r = g1.awaitPing("10.86.2.2", 10);
        assertTrue(r.ok(), "before: " + r + state());

        // Administratively down: nothing goes through; up: the ping is answered again.
        engine.setInterfaceUp("v1", false);
        r = g1.run(Duration.ofSeconds(10), "ping -c 1 -W 1 10.86.2.2");
        assertFalse(r.ok(), "v1 is down, yet: " + r + state());
        engine.setInterfaceUp("v1", true);
        r = g1.awaitPing("10.86.2.2", 10);
        assertTrue(r.ok(), "v1 up again: " + r + state());

        for (int round = 1; round <= 2; round++) {
            // Stop: out of the engine and closed; QEMU sees the connection close.
            engine.removeDevice(v1);
            devices.remove(v1);
            v1.close();
            routing.refresh();
            if (junctionListens) {
                assertFalse(Files.exists(s1), "the closed device removed its socket");
            }
            r = g1.run(Duration.ofSeconds(10), "ping -c 1 -W 1 10.86.2.2");
            assertFalse(r.ok(), "round " + round + ": nothing answers while v1 is stopped: " + r + state());

            // Start: a new device on the same socket; the connection is made again, the guest goes on.
            long t = System.nanoTime();
            v1 = vhost("v1", s1, mode);
            routing.refresh();
            r = g1.awaitPing("10.86.2.2", 30);
            assertTrue(r.ok(), "round " + round + ": the guest's ping resumes: " + r + state() + "\n" + g1.serialLog());
            System.out.printf("QemuGuestRoutingTest: Junction as %s, round %d: ping answered %.1f s after v1 started again (%s)%n",
                    mode, round, (System.nanoTime() - t) / 1e9, r.output().strip());
            r = g1.run(Duration.ofSeconds(20), "ping -c 5 -i 0.2 -W 2 10.86.2.2");
            assertTrue(r.ok() && received(r.output()) == 5, "round " + round + ": steady again: " + r + state());
            r = g1.awaitPing("fd86:2::2", 10);
            assertTrue(r.ok(), "round " + round + ": IPv6 too: " + r + state());
        }
        // The same guest all along: the same QEMU, booted once.
        assertEquals(qemuPid, g1.pid());
        assertTrue(g1.isAlive());
        assertEquals(1, g1.serialLog().lines().filter(l -> l.startsWith("JN-BOOT")).count(), g1.serialLog());
        Result back = run(30, ns(h2, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.86.1.2"));
        assertEquals(0, back.exit(), "h2 reaches the guest after the restarts: " + back.out() + state());
    }
}
