package dev.junction.drivers.linux;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.CaptureDirection;
import dev.junction.dataplane.DropCount;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.OpenVswitch;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VLANs against a second switch: Open vSwitch's userspace datapath, whose access ports (tag 10, 20,
 * 30) lead to hosts and whose trunk port is a veth to Junction's trunk j0, where VLAN 10 is bridge
 * domain blue and VLAN 20 red, each with an access port of Junction's to a host. All hosts share one
 * subnet, so only the VLANs keep them apart:
 * <pre>
 *   o10 10.77.0.10 --(tag 10)--+                 +-- j10 [blue] -- k10 10.77.0.11
 *   o20 10.77.0.20 --(tag 20)--+ OVS br0 -- e0 = j0 (trunk: .10 blue, .20 red)
 *   o30 10.77.0.30 --(tag 30)--+                 +-- j20 [red]  -- k20 10.77.0.21
 * </pre>
 */
class OvsVlanTrunkTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String ovsNs = "jv-ovs-" + id;
    private final String[] ovsHosts = {"jv-o10-" + id, "jv-o20-" + id, "jv-o30-" + id};
    private final String k10 = "jv-k10-" + id, k20 = "jv-k20-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private OpenVswitch ovs;
    private Engine engine;
    private BridgeControl bridges;
    private final AfPacketDevice[] devs = new AfPacketDevice[3];

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("OvsVlanTrunkTest", "network namespaces, veth, Open vSwitch, AF_PACKET");
        Packages.require("OvsVlanTrunkTest", OpenVswitch.TOOLS);
        hosts.host(ovsNs, "jvt-" + id);
        hosts.host(k10, "jvk10-" + id).address("10.77.0.11/24");
        hosts.host(k20, "jvk20-" + id).address("10.77.0.21/24");
        int[] tags = {10, 20, 30};
        for (int i = 0; i < 3; i++) {
            hosts.namespace(ovsHosts[i]);
            must(ns(ovsNs, "ip", "link", "add", "a" + tags[i], "type", "veth", "peer", "name", "e0", "netns", ovsHosts[i]));
            must(ns(ovsNs, "ip", "link", "set", "a" + tags[i], "up"));
            must(ns(ovsHosts[i], "ip", "link", "set", "lo", "up"));
            must(ns(ovsHosts[i], "ip", "link", "set", "e0", "up"));
            must(ns(ovsHosts[i], "ip", "addr", "add", "10.77.0." + tags[i] + "/24", "dev", "e0"));
        }
        for (String h : List.of(ovsNs, k10, k20, ovsHosts[0], ovsHosts[1], ovsHosts[2])) {
            must(ns(h, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"));
        }
        ovs = OpenVswitch.start(ovsNs);
        ovs.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev", "--", "add-port", "br0", "e0",
                "--", "add-port", "br0", "a10", "tag=10", "--", "add-port", "br0", "a20", "tag=20",
                "--", "add-port", "br0", "a30", "tag=30");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        bridges = new BridgeControl(s -> engine.register(s, "test"), engine::unregister);
        String[] links = {"jvt-" + id, "jvk10-" + id, "jvk20-" + id};
        String[] names = {"j0", "j10", "j20"};
        for (int i = 0; i < 3; i++) {
            devs[i] = new AfPacketDevice(names[i], links[i]);
            engine.addDevice(devs[i]);
        }
        bridges.domain(BridgeSettings.defaults("blue"));
        bridges.domain(BridgeSettings.defaults("red"));
        bridges.vlan("j0", 10, false, "blue", 0);
        bridges.vlan("j0", 20, false, "red", 0);
        bridges.port("j10", "blue", 0);
        bridges.port("j20", "red", 0);
        engine.start();
    }

    @AfterEach
    void tearDown() throws Exception {
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
        if (ovs != null) {
            ovs.close();
        }
        hosts.close();
    }

    private long dropped(String reason) {
        return engine.drops().stream().filter(d -> d.reason().equals(reason)).mapToLong(DropCount::count).sum();
    }

    private Result ping(String from, String to) throws Exception {
        return run(30, ns(from, "ping", "-c", "3", "-i", "0.2", "-W", "2", to));
    }

    @Test
    void ovsAccessPortsReachJunctionsAccessPortsOfTheirVlanOnly(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("j0.pcap");
        engine.startCapture("j0", pcap, CaptureDirection.TX, 0);
        Result r = ping(ovsHosts[0], "10.77.0.11");
        assertEquals(0, r.exit(), "VLAN 10 behind OVS reaches blue's host: " + r.out() + "\n" + engine.drops());
        r = ping(k20, "10.77.0.20");
        assertEquals(0, r.exit(), "red's host reaches VLAN 20 behind OVS: " + r.out() + "\n" + engine.drops());
        // One subnet, two VLANs: only the tags keep them apart.
        r = run(10, ns(ovsHosts[0], "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.77.0.21"));
        assertNotEquals(0, r.exit(), "VLAN 10 does not reach red's host: " + r.out());
        long before = dropped("VLAN not on this port");
        run(10, ns(ovsHosts[2], "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.77.0.11"));
        assertTrue(dropped("VLAN not on this port") >= before + 2, "OVS's VLAN 30 is not on Junction's trunk: dropped, counted: "
                + engine.drops());
        engine.stopCapture("j0");
        Packages.require("OvsVlanTrunkTest", "tshark");
        String out = must("tshark", "-n", "-r", pcap.toString(), "-Y", "icmp.type == 0 || icmp.type == 8", "-T", "fields",
                "-e", "vlan.id", "-e", "ip.src", "-e", "ip.dst");
        List<String> lines = out.lines().filter(l -> l.contains("\t")).toList();
        assertTrue(lines.contains("10\t10.77.0.11\t10.77.0.10"), "blue's replies leave the trunk tagged 10: " + out);
        assertTrue(lines.contains("20\t10.77.0.21\t10.77.0.20"), "red's requests leave the trunk tagged 20: " + out);
        for (String l : lines) {
            assertTrue(l.startsWith("10\t10.77.0.11") || l.startsWith("20\t10.77.0.21"), "every ICMP frame out of the trunk tagged by its domain: " + l);
        }
    }
}
