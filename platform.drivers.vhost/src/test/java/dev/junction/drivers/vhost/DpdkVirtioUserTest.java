package dev.junction.drivers.vhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.testing.Packages;
import dev.junction.l2.xconnect.XconnectControl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Junction's vhost-user backend against a real frontend: dpdk-testpmd's virtio-user port (the guest
 * side, as a VM's virtio-net driver would be). Both directions, both socket modes, counters checked
 * on both ends.
 */
class DpdkVirtioUserTest {
    @TempDir
    Path dir;
    private Engine engine;
    private VhostUserDevice vhost;
    private MemoryDevice mem;
    private Testpmd testpmd;

    @BeforeEach
    void setUp() throws Exception {
        Packages.require("DpdkVirtioUserTest", "dpdk-testpmd");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (testpmd != null) {
            testpmd.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (vhost != null) {
            vhost.close();
        }
        if (mem != null) {
            mem.close();
        }
        assertTrue(vhost == null || !Files.exists(vhost.socketPath()) || vhost.mode() == VhostUserDevice.Mode.CLIENT,
                "socket file removed");
    }

    @Test
    void framesTheGuestSendsReachJunction() throws Exception {
        Path sock = dir.resolve("vhost0.sock");
        vhost = new VhostUserDevice("vhost0", sock, VhostUserDevice.Mode.SERVER);
        mem = new MemoryDevice("sink0", 0x02_00_00_00_aa_01L, null, false);
        engine.addDevice(vhost);
        engine.addDevice(mem);
        new XconnectControl(s -> engine.register(s, "test"), engine::unregister).connect("vhost0", "sink0");
        engine.start();

        testpmd = Testpmd.start("net_virtio_user0,path=" + sock + ",queues=1,queue_size=256", "txonly");
        Poll.until(30_000, () -> vhost.counters().rxPackets() >= 200_000,
                () -> "Junction received " + vhost.counters() + "; testpmd: " + testpmd.output());
        assertEquals("connected", vhost.state());
        assertTrue((vhost.negotiatedFeatures() & VhostUserBackend.VIRTIO_F_VERSION_1) != 0, "VERSION_1 negotiated");
        String out = testpmd.stop();
        long sent = testpmd.lastTx();
        assertTrue(sent > 0, out);
        // Everything testpmd put on the ring up to its stop was taken, but for what was still in flight.
        Poll.until(5_000, () -> mem.counters().txPackets() == vhost.counters().rxPackets(),
                () -> "forwarded " + mem.counters() + " of " + vhost.counters());
        long received = vhost.counters().rxPackets();
        assertTrue(received <= sent && received >= sent - 256, "testpmd sent " + sent + ", Junction received " + received);
        assertEquals(0, vhost.counters().rxErrors());
        assertEquals(0, vhost.violations());
        assertEquals(0, vhost.protocolErrors(), vhost.lastProtocolError());
        assertEquals(64L * received, vhost.counters().rxBytes(), "64-byte frames, header stripped");
        Poll.until(5_000, () -> vhost.state().equals("listening"), vhost::state);
    }

    @Test
    void framesJunctionSendsReachTheGuestInClientMode() throws Exception {
        Path sock = dir.resolve("vhost1.sock");
        long frames = 100_000;
        testpmd = Testpmd.start("net_virtio_user0,path=" + sock + ",queues=1,queue_size=256,server=1", "rxonly");
        mem = new MemoryDevice("gen0", 0x02_00_00_00_aa_02L, TrafficProfile.defaults().withRate(50_000).withCount(frames), false);
        vhost = new VhostUserDevice("vhost1", sock, VhostUserDevice.Mode.CLIENT);
        engine.addDevice(vhost);
        engine.start();
        Poll.until(30_000, vhost::linkUp, () -> vhost.state() + " " + vhost.rings() + "; testpmd: " + testpmd.output());
        // testpmd prints port statistics once it forwards, i.e. once its receive ring is filled.
        Poll.until(30_000, () -> testpmd.lastRx() >= 0, testpmd::output);
        engine.addDevice(mem); // the generator starts now that the guest has posted buffers
        new XconnectControl(s -> engine.register(s, "test"), engine::unregister).connect("gen0", "vhost1");
        Poll.until(30_000, mem::generatorDone, () -> "generated " + mem.generated());
        Poll.until(10_000, () -> vhost.counters().txPackets() > 0 && testpmd.lastRx() == vhost.counters().txPackets(),
                () -> "Junction sent " + vhost.counters() + ", testpmd last counted " + testpmd.lastRx() + "; rings "
                        + vhost.rings() + "; drops " + engine.drops() + "; interfaces " + engine.interfaces());
        long sent = vhost.counters().txPackets();
        // On a busy 2-core machine testpmd's poller is not always scheduled: frames that find the guest's
        // ring full are dropped and counted by the core; none may go missing.
        long full = engine.drops().stream().filter(d -> d.reason().equals("transmit queue full")).mapToLong(d -> d.count()).sum();
        long early = engine.drops().stream().filter(d -> d.node().equals("ip4-drop")).mapToLong(d -> d.count()).sum();
        assertEquals(frames, sent + full + early, "every generated frame sent or counted: " + engine.drops());
        assertTrue(sent >= frames / 10, "a good part went out: " + sent + " of " + frames + "; rings " + vhost.rings());
        assertEquals(64L * sent, vhost.counters().txBytes(), "the generator's 64-byte frames");
        String out = testpmd.stop();
        assertTrue(out.contains("RX-packets: " + sent), "testpmd's final count: " + out);
        assertEquals(0, vhost.violations());
        assertEquals(0, vhost.protocolErrors(), vhost.lastProtocolError());
    }
}
