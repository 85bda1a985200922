package dev.junction.overlay.e2e;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.l2.BridgeSettings;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.TunnelStatus;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.OpenVswitch;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import dev.junction.testing.TcpTransfer;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Junction's VXLAN against a second, independent implementation: Open vSwitch's userspace datapath
 * (netdev, no kernel module) with a vxlan port, its ovs-vswitchd running in a namespace of its own:
 * <pre>
 *   h1 192.168.97.1 -- j-h1 [bridge ov: j-h1, vxo] j-u1 10.97.0.1 -- e0 [OVS br-phy 10.97.0.2]
 *                                                         OVS br-int: vxlan0 (remote 10.97.0.1, key 300), o1 -- o1 192.168.97.2
 * </pre>
 * Pings and 4 MiB of TCP each way cross the overlay; both ends count the tunnel's packets.
 */
class VxlanOvsPeerTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jq-h1-" + id, ovs = "jq-ovs-" + id, o1 = "jq-o1-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private OpenVswitch ovsd;
    private OverlayRig rig;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("VxlanOvsPeerTest", "network namespaces, veth, Open vSwitch, AF_PACKET");
        Packages.require("VxlanOvsPeerTest", OpenVswitch.TOOLS);
        hosts.host(h1, "jqh1-" + id).address("192.168.97.1/24");
        hosts.host(ovs, "jqu1-" + id);
        hosts.namespace(o1);
        for (String h : List.of(h1, ovs, o1)) {
            must(ns(h, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"));
        }
        must(ns(h1, "ip", "link", "set", "e0", "mtu", "1450"));
        // OVS's own overlay host: a veth from OVS's namespace into o1.
        must(ns(ovs, "ip", "link", "add", "o1", "type", "veth", "peer", "name", "e0", "netns", o1));
        must(ns(ovs, "ip", "link", "set", "o1", "up"));
        must(ns(o1, "ip", "link", "set", "lo", "up"));
        must(ns(o1, "ip", "link", "set", "e0", "mtu", "1450", "up"));
        must(ns(o1, "ip", "addr", "add", "192.168.97.2/24", "dev", "e0"));
        // OVS userspace reads frames as the kernel hands them over: checksums in software on its peers.
        for (String[] c : List.of(ns(o1, "ethtool", "-K", "e0", "tx", "off", "tso", "off", "gso", "off"),
                ns(ovs, "ethtool", "-K", "e0", "tx", "off"), ns(ovs, "ethtool", "-K", "o1", "tx", "off", "tso", "off", "gso", "off"),
                ns(h1, "ethtool", "-K", "e0", "tx", "off"))) {
            must(c);
        }
        ovsd = OpenVswitch.start(ovs);
        ovsd.vsctl("add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev", "--", "add-port", "br-phy", "e0");
        ovsd.vsctl("add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev", "--", "add-port", "br-int", "o1",
                "--", "add-port", "br-int", "vxlan0", "--", "set", "interface", "vxlan0", "type=vxlan",
                "options:remote_ip=10.97.0.1", "options:key=300", "options:dst_port=4789");
        must(ns(ovs, "ip", "addr", "add", "10.97.0.2/24", "dev", "br-phy"));
        must(ns(ovs, "ip", "link", "set", "br-phy", "up"));
        must(ns(ovs, "ip", "link", "set", "br-int", "up"));

        rig = new OverlayRig();
        rig.device("j-h1", "jqh1-" + id);
        rig.device("j-u1", "jqu1-" + id);
        rig.routing.addAddress("j-u1", "10.97.0.1/24");
        rig.bridges.domain(BridgeSettings.defaults("ov"));
        rig.bridges.port("j-h1", "ov", 0);
        rig.tunnels.tunnel(TunnelSettings.vxlan("vxo", "10.97.0.1", "10.97.0.2", 300));
        rig.bridges.port("vxo", "ov", 1);
        rig.engine.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (rig != null) {
            rig.close();
        }
        if (ovsd != null) {
            ovsd.close();
        }
        hosts.close();
    }

    /** OVS's datapath flows now: its userspace tunnel actions show that its own VXLAN code did the work. */
    private String ovsFlows() throws Exception {
        return ovsd.appctl("dpctl/dump-flows");
    }

    private TunnelStatus vxo() {
        return rig.tunnels.tunnels().getFirst();
    }

    @Test
    void aHostBehindOvsAndAHostOnJunctionsBridgeTalkAcrossTheOverlay() throws Exception {
        Result r = run(30, ns(h1, "ping", "-c", "4", "-i", "0.2", "-W", "2", "192.168.97.2"));
        if (r.exit() != 0) {
            // OVS resolves its tunnel's next hop by ARP on its first packets: give it one more round.
            r = run(30, ns(h1, "ping", "-c", "4", "-i", "0.2", "-W", "2", "192.168.97.2"));
        }
        assertEquals(0, r.exit(), "h1 reaches the host behind OVS: " + r.out() + rig.state());
        r = run(30, ns(o1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "192.168.97.1"));
        assertEquals(0, r.exit(), "and back: " + r.out() + rig.state());
        for (String[] p : new String[][] {{h1, o1, "192.168.97.2"}, {o1, h1, "192.168.97.1"}}) {
            TcpTransfer t = TcpTransfer.send(p[0], p[1], p[2], 5203);
            assertEquals(0, t.sent().exit(), t.sent().out() + rig.state());
            assertTrue(t.serverFinished(), rig.state());
            assertEquals(t.sent().out().strip(), t.received(), "4 MiB " + p[0] + " -> " + p[1] + " intact" + rig.state());
        }
        assertTrue(vxo().rxPackets() > 2000 && vxo().txPackets() > 2000, "Junction's tunnel carried the transfers: " + vxo());
        String flows = ovsFlows();
        // (OVS keeps no statistics on a userspace tunnel port; its datapath flows name the tunnel actions.)
        assertTrue(flows.contains("tnl_pop("), "OVS decapsulated Junction's VXLAN: " + flows);
        Matcher push = Pattern.compile("tnl_push\\(.*vxlan\\(flags=0x8000000,vni=0x12c\\)").matcher(flows);
        assertTrue(push.find(), "OVS encapsulated toward Junction with VNI 300: " + flows);
        assertEquals(0, rig.drops("vxlan-input", ""), "nothing of OVS's refused: " + rig.state());
    }
}
