package dev.junction.drivers.linux;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.CaptureDirection;
import dev.junction.dataplane.DropCount;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VLANs between real hosts: a trunk peer in a namespace (tagged frames from a packet socket, as this
 * kernel has no 802.1Q module for a VLAN device) on Junction's j1, with VLAN 10 in domain blue and
 * VLAN 20 in red; access hosts hA (blue, j2) and hB (red, j3) with the kernel's own ARP:
 * <pre>
 *   trunk peer --j1 [10: blue, 20: red]-- Junction --j2 blue-- hA 10.79.0.2
 *                                                  --j3 red --- hB 10.79.0.3
 * </pre>
 * Tagged ARP requests from the trunk reach only their VLAN's host, whose untagged reply leaves the
 * trunk tagged with that VLAN; an access host's own echo leaves the trunk tagged; a VLAN not on the
 * trunk is dropped and counted. tshark reads the tags off Junction's capture of the trunk.
 */
class AfPacketVlanBridgeTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String trunk = "jq-t-" + id;
    private final String hA = "jq-a-" + id;
    private final String hB = "jq-b-" + id;
    private Engine engine;
    private BridgeControl bridges;
    private final AfPacketDevice[] devs = new AfPacketDevice[3];
    private final LinuxHosts hosts = new LinuxHosts();

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("AfPacketVlanBridgeTest", "network namespaces, veth, AF_PACKET");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        bridges = new BridgeControl(s -> engine.register(s, "test"), engine::unregister);
        String[] names = {trunk, hA, hB};
        String[] links = {"jq1-" + id, "jq2-" + id, "jq3-" + id};
        for (int i = 0; i < 3; i++) {
            LinuxHosts.Host h = hosts.host(names[i], links[i]);
            if (i > 0) {
                h.address("10.79.0." + (i + 1) + "/24");
            }
            // No IPv6: no neighbour discovery or MLD frames besides the test's own.
            must(ns(names[i], "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"));
            must("sysctl", "-qw", "net.ipv6.conf." + links[i] + ".disable_ipv6=1");
            devs[i] = new AfPacketDevice("j" + (i + 1), links[i]);
            engine.addDevice(devs[i]);
        }
        bridges.domain(BridgeSettings.defaults("blue"));
        bridges.domain(BridgeSettings.defaults("red"));
        bridges.vlan("j1", 10, false, "blue", 0);
        bridges.vlan("j1", 20, false, "red", 0);
        bridges.port("j2", "blue", 0);
        bridges.port("j3", "red", 0);
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
        hosts.close();
    }

    private long dropped(String reason) {
        return engine.drops().stream().filter(d -> d.reason().equals(reason)).mapToLong(DropCount::count).sum();
    }

    private static void await(LongSupplier value, long atLeast, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (value.getAsLong() < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + ": " + value.getAsLong() + " of " + atLeast);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void tagsMapFramesToTheirDomainAndLeaveTheTrunkTagged(@TempDir Path dir) throws Exception {
        // VLAN:target pairs: tagged ARP requests for the access hosts' addresses from 10.79.0.100.
        String send = """
                import socket, sys
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("e0", 0))
                mac = bytes.fromhex(open("/sys/class/net/e0/address").read().strip().replace(":", ""))
                for pair in sys.argv[1:]:
                    vid, target = pair.split(":")
                    body = bytes.fromhex("0001080006040001") + mac + socket.inet_aton("10.79.0.100") + bytes(6) + socket.inet_aton(target)
                    s.send(b"\\xff" * 6 + mac + bytes.fromhex("8100") + int(vid).to_bytes(2, "big") + bytes.fromhex("0806") + body)
                """;
        Path pcap = dir.resolve("j1.pcap");
        engine.startCapture("j1", pcap, CaptureDirection.TX, 0);
        long a0 = devs[1].counters().txPackets();
        long b0 = devs[2].counters().txPackets();
        must(ns(trunk, "/usr/bin/python3", "-c", send, "10:10.79.0.2", "20:10.79.0.3", "10:10.79.0.3", "30:10.79.0.2", "30:10.79.0.3"));
        // hA and hB answer their own VLAN's request: two tagged replies leave the trunk.
        await(() -> devs[0].counters().txPackets(), 2, "the two ARP replies out of the trunk");
        await(() -> dropped("VLAN not on this port"), 2, "VLAN 30 dropped");
        assertEquals(2, devs[1].counters().txPackets() - a0, "hA got blue's two requests (VLAN 10), no other");
        assertEquals(1, devs[2].counters().txPackets() - b0, "hB got red's one request (VLAN 20), no other");
        // An access host's own frame (to the trunk peer's MAC, learned on j1.10) leaves the trunk tagged 10.
        run(10, ns(hA, "ping", "-c", "1", "-W", "1", "10.79.0.100"));
        await(() -> devs[0].counters().txPackets(), 3, "hA's echo request out of the trunk");
        engine.stopCapture("j1");
        assertEquals(2, dropped("VLAN not on this port"));

        Packages.require("AfPacketVlanBridgeTest", "tshark");
        String out = must("tshark", "-n", "-r", pcap.toString(), "-Y", "arp", "-T", "fields",
                "-e", "vlan.id", "-e", "arp.opcode", "-e", "arp.src.proto_ipv4", "-e", "arp.dst.proto_ipv4");
        List<String> lines = out.lines().filter(l -> !l.startsWith("Running as")).sorted().toList();
        assertTrue(lines.contains("10\t2\t10.79.0.2\t10.79.0.100"), "hA's reply tagged 10: " + out);
        assertTrue(lines.contains("20\t2\t10.79.0.3\t10.79.0.100"), "hB's reply tagged 20: " + out);
        // hA learned 10.79.0.100 from the request it answered: its echo is known unicast to the trunk.
        String icmp = must("tshark", "-n", "-r", pcap.toString(), "-Y", "icmp", "-T", "fields", "-e", "vlan.id", "-e", "ip.src",
                "-e", "ip.dst", "-e", "icmp.type");
        assertTrue(icmp.lines().anyMatch(l -> l.equals("10\t10.79.0.2\t10.79.0.100\t8")), "hA's echo tagged 10: " + icmp);
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("\t") || l.startsWith("30")), "nothing untagged or in VLAN 30: " + out);
        assertTrue(bridges.macs().stream().anyMatch(e -> e.iface().equals("j1.10") && e.bridge().equals("blue"))
                && bridges.macs().stream().anyMatch(e -> e.iface().equals("j1.20") && e.bridge().equals("red")),
                "the trunk peer's MAC learned once per VLAN: " + bridges.macs());
    }
}
