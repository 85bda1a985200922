package dev.junction.drivers.vhost.e2e;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.NetDevice;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.drivers.vhost.VhostUserDevice;
import dev.junction.drivers.vhost.guest.HostTransfer;
import dev.junction.drivers.vhost.guest.QemuGuest;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.BridgeStatus;
import dev.junction.l2.MacEntry;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.packet.MacAddress;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * East-west through Junction's virtual switch: two QEMU guests (vhost-user, one socket mode each)
 * and a Linux host in a network namespace (AF_PACKET on a veth) are the three ports of one bridge
 * domain of feature.l2, on one subnet:
 * <pre>
 *   guest g1 10.87.0.1 --vhost v1--+
 *   guest g3 10.87.0.3 --vhost v3--+-- bridge blue
 *   host  h2 10.87.0.2 --veth  j2--+
 * </pre>
 * They ping each other and move 4 MiB over TCP each way between the guests and between a guest and
 * the host, every byte checked (SHA-256 on both ends); the MAC table holds each where it is, and once
 * learned nothing is flooded as unknown unicast.
 */
class QemuGuestBridgeTest {
    private static final Duration BOOT = Duration.ofSeconds(120);
    private static final int KIB = 4096;
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h2 = "jvb-h2-" + id;
    private final String v2 = "jvb2-" + id;
    private Path dir;
    private Engine engine;
    private BridgeControl bridges;
    private final Deque<AutoCloseable> guests = new ArrayDeque<>();
    private final List<AutoCloseable> devices = new ArrayList<>();
    private final LinuxHosts hosts = new LinuxHosts();

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("QemuGuestBridgeTest", "QEMU, namespaces, apt-get");
        dir = Files.createTempDirectory(Path.of("/tmp"), "jvb" + id + "-"); // sun_path holds 108 bytes
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        bridges = new BridgeControl(s -> engine.register(s, "test"), engine::unregister);
    }

    @AfterEach
    void tearDown() throws Exception {
        // Guests first (they hold the sockets), then the bridges and the engine, the devices, the host.
        while (!guests.isEmpty()) {
            try {
                guests.pop().close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
        if (bridges != null) {
            bridges.close();
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

    private <T extends NetDevice & AutoCloseable> T device(T d) {
        devices.add(d);
        engine.addDevice(d);
        return d;
    }

    private QemuGuest guest(QemuGuest.Builder b) throws Exception {
        QemuGuest g = b.start();
        guests.push(g);
        return g;
    }

    private BridgeStatus blue() {
        return bridges.domains().getFirst();
    }

    private String state() {
        StringBuilder sb = new StringBuilder("\n--- junction ---\n");
        for (DropCount d : engine.drops()) {
            sb.append(d.node()).append(": ").append(d.reason()).append(" = ").append(d.count()).append('\n');
        }
        for (InterfaceStatus s : engine.interfaces()) {
            sb.append(s.name()).append(' ').append(s.counters()).append('\n');
        }
        sb.append("bridge blue: ").append(blue().counters()).append('\n');
        for (MacEntry e : bridges.macs()) {
            sb.append(MacAddress.format(e.mac())).append(" on ").append(e.iface()).append('\n');
        }
        return sb.toString();
    }

    private boolean learned(String mac, String port) {
        long m = MacAddress.parse(mac);
        return bridges.macs().stream().anyMatch(e -> e.mac() == m && e.iface().equals(port) && e.bridge().equals("blue"));
    }

    @Test
    void twoGuestsAndAHostSwitchThroughOneBridgeDomain() throws Exception {
        hosts.host(h2, v2).address("10.87.0.2/24");
        String h2Mac = must(ns(h2, "cat", "/sys/class/net/e0/address")).strip();
        device(new AfPacketDevice("j2", v2));
        // One of each socket mode: v1 listens and QEMU connects; QEMU listens on s3 and v3 connects.
        Path s1 = dir.resolve("v1.sock");
        Path s3 = dir.resolve("v3.sock");
        device(new VhostUserDevice("v1", s1, VhostUserDevice.Mode.SERVER));
        QemuGuest g3 = guest(QemuGuest.builder("gb3-" + id).nic(s3, QemuGuest.Mode.SERVER).ipv4("10.87.0.3/24", null));
        g3.awaitSocket(s3, Duration.ofSeconds(30));
        device(new VhostUserDevice("v3", s3, VhostUserDevice.Mode.CLIENT));
        bridges.domain(BridgeSettings.defaults("blue"));
        for (String port : List.of("v1", "v3", "j2")) {
            bridges.port(port, "blue", 0);
        }
        engine.start();
        QemuGuest g1 = guest(QemuGuest.builder("gb1-" + id).nic(s1, QemuGuest.Mode.CLIENT).ipv4("10.87.0.1/24", null));
        g1.awaitReady(BOOT);
        g3.awaitReady(BOOT);

        // Each pings the other two: the first frames flood, the answers are switched.
        QemuGuest.Result r = g1.ping("10.87.0.3", 3);
        assertTrue(r.ok(), "g1 reaches g3 across the bridge: " + r + state());
        r = g3.ping("10.87.0.2", 3);
        assertTrue(r.ok(), "g3 reaches h2: " + r + state());
        r = g1.ping("10.87.0.2", 3);
        assertTrue(r.ok(), "g1 reaches h2: " + r + state());
        Result back = run(30, ns(h2, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.87.0.1"));
        assertEquals(0, back.exit(), "h2 reaches g1: " + back.out() + state());
        back = run(30, ns(h2, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.87.0.3"));
        assertEquals(0, back.exit(), "h2 reaches g3: " + back.out() + state());
        assertTrue(learned(g1.nics().getFirst().mac(), "v1") && learned(g3.nics().getFirst().mac(), "v3")
                && learned(h2Mac, "j2"), "each MAC learned on its own port: " + state());

        // With every MAC learned, 16 MiB of TCP are switched port to port: no unknown unicast floods.
        long unknown = blue().counter("unknown-unicast-flooded");
        long forwarded = blue().counter("forwarded");
        QemuGuest.Transfer t = QemuGuest.transfer(g1, g3, "10.87.0.3", KIB);
        assertTrue(t.equal(), "4 MiB g1 -> g3: " + t.detail() + state());
        QemuGuest.Transfer t2 = QemuGuest.transfer(g3, g1, "10.87.0.1", KIB);
        assertTrue(t2.equal(), "4 MiB g3 -> g1: " + t2.detail() + state());
        String up = HostTransfer.guestToHost(g1, h2, "10.87.0.2", KIB, this::state);
        String down = HostTransfer.hostToGuest(g1, h2, "10.87.0.1", KIB, this::state);
        System.out.printf("QemuGuestBridgeTest: TCP g1 -> g3 %.1f Mbit/s, g3 -> g1 %.1f Mbit/s, g1 -> h2 %s, h2 -> g1 %s%n",
                t.mbitPerSecond(), t2.mbitPerSecond(), up, down);
        assertEquals(unknown, blue().counter("unknown-unicast-flooded"), "nothing flooded once learned: " + state());
        // 16 MiB in frames of at most 1514 bytes, acknowledgements aside.
        assertTrue(blue().counter("forwarded") - forwarded > 4L * KIB * 1024 / 1514, "switched port to port: " + state());
    }
}
