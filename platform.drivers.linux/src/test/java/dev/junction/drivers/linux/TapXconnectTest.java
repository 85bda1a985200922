package dev.junction.drivers.linux;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.RootOnly;
import dev.junction.l2.xconnect.XconnectControl;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A TAP made by Junction, moved into one host's namespace while Junction holds its file descriptor,
 * cross-connected to an AF_PACKET veth of a second host: the two ping each other through Junction.
 */
class TapXconnectTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jt-t1-" + id;
    private final String h2 = "jt-t2-" + id;
    private final String tap = "jtap-" + id;
    private final String v2 = "jtv-" + id;
    private Engine engine;
    private TapDevice t;
    private AfPacketDevice d2;
    private final LinuxHosts hosts = new LinuxHosts();

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("TapXconnectTest", "network namespaces, veth, TAP, AF_PACKET");
        t = new TapDevice(tap);
        hosts.namespace(h1);
        must("ip", "link", "set", tap, "netns", h1);
        must(ns(h1, "ip", "link", "set", tap, "up"));
        must(ns(h1, "ip", "addr", "add", "10.78.0.1/24", "dev", tap));
        hosts.host(h2, v2).address("10.78.0.2/24");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        d2 = new AfPacketDevice("j2", v2);
        engine.addDevice(t);
        engine.addDevice(d2);
        XconnectControl xconnects = new XconnectControl(s -> engine.register(s, "test"), engine::unregister);
        xconnects.connect(tap, "j2");
        xconnects.connect("j2", tap);
        engine.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (engine != null) {
            engine.close();
        }
        if (t != null) {
            t.close(); // the TAP disappears with its last file descriptor
        }
        if (d2 != null) {
            d2.close();
        }
        hosts.close();
    }

    @Test
    void hostsOnATapAndAVethPingThroughJunction() throws Exception {
        Result ping = run(30, ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.78.0.2"));
        assertEquals(0, ping.exit(), ping.out());
        assertTrue(t.counters().rxPackets() >= 4, "ARP + echo requests read from the TAP: " + t.counters());
        assertTrue(t.counters().txPackets() >= 4, "ARP + echo replies written to the TAP: " + t.counters());
        assertEquals(0, t.counters().rxErrors() + t.counters().txErrors());
    }
}
