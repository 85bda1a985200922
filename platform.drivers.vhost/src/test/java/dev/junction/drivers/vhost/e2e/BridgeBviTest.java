package dev.junction.drivers.vhost.e2e;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.graph.PacketNode;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.l2.bvi.BviControl;
import dev.junction.packet.MacAddress;
import dev.junction.routing.internal.RoutingControl;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.RootOnly;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A routed interface in a bridge: host hA on bridge blue reaches Junction's BVI address and, routed
 * through it, host hB on another subnet; and back. Only the bundles' own control classes, on the
 * core's engine:
 * <pre>
 *   hA 10.80.1.2 --veth j1-- [bridge blue: j1, bvi0-br] == bvi0 10.80.1.1 [routing] j2 10.80.2.1 --veth-- hB 10.80.2.2
 * </pre>
 */
class BridgeBviTest {
    private static final long BVI_MAC = 0x02_4a_00_00_b0_01L;
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String hA = "jbv-a-" + id;
    private final String hB = "jbv-b-" + id;
    private Engine engine;
    private BridgeControl bridges;
    private BviControl bvis;
    private final AfPacketDevice[] devs = new AfPacketDevice[2];
    private final LinuxHosts hosts = new LinuxHosts();

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("BridgeBviTest", "network namespaces, veth, AF_PACKET");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "test");
        }
        RoutingControl routing = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine);
        bridges = new BridgeControl(s -> engine.register(s, "test"), engine::unregister);
        bvis = new BviControl(bridges, engine::addDevice, engine::removeDevice);
        hosts.host(hA, "jbv1-" + id).address("10.80.1.2/24").defaultRoute("10.80.1.1");
        hosts.host(hB, "jbv2-" + id).address("10.80.2.2/24").defaultRoute("10.80.2.1");
        devs[0] = new AfPacketDevice("j1", "jbv1-" + id);
        devs[1] = new AfPacketDevice("j2", "jbv2-" + id);
        engine.addDevice(devs[0]);
        engine.addDevice(devs[1]);
        bridges.domain(BridgeSettings.defaults("blue"));
        bridges.port("j1", "blue", 0);
        bvis.bvi("bvi0", "blue", BVI_MAC);
        engine.start();
        routing.addAddress("bvi0", "10.80.1.1/24");
        routing.addAddress("j2", "10.80.2.1/24");
        routing.refresh();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (bvis != null) {
            bvis.close();
        }
        if (bridges != null) {
            bridges.close();
        }
        if (engine != null) {
            engine.close();
        }
        for (AfPacketDevice d : devs) {
            if (d != null) {
                d.close();
            }
        }
        hosts.close();
    }

    @Test
    void aHostOnTheBridgeIsRoutedThroughTheBviAndBack() throws Exception {
        Result r = run(30, ns(hA, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.80.1.1"));
        assertTrue(r.out().contains("3 received"), "hA pings the BVI's address across the bridge: " + r.out() + engine.drops());
        String neigh = must(ns(hA, "ip", "neigh", "show", "10.80.1.1"));
        assertTrue(neigh.contains(MacAddress.format(BVI_MAC)), "ARP for the router's address answered from the bridge: " + neigh);
        r = run(30, ns(hA, "ping", "-c", "4", "-i", "0.2", "-W", "2", "10.80.2.2"));
        assertTrue(r.out().matches("(?s).*[34] received.*"), "hA reaches hB, routed through the BVI: " + r.out() + engine.drops());
        r = run(30, ns(hB, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.80.1.2"));
        assertEquals(0, r.exit(), "hB reaches hA, routed into the bridge: " + r.out() + engine.drops());
        assertTrue(bridges.macs().stream().anyMatch(e -> e.iface().equals("bvi0-br") && e.mac() == BVI_MAC && e.isStatic()),
                "the BVI's MAC is static on its bridge port: " + bridges.macs());
        assertTrue(bridges.macs().stream().anyMatch(e -> e.iface().equals("j1") && !e.isStatic()), "hA learned on j1");
    }
}
