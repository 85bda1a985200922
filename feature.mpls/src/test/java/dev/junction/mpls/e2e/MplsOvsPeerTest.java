package dev.junction.mpls.e2e;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.graph.PacketNode;
import dev.junction.mpls.Mpls;
import dev.junction.mpls.control.MplsControl;
import dev.junction.mpls.nodes.MplsImposeNode;
import dev.junction.mpls.nodes.MplsLookupNode;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.packet.Ipv4;
import dev.junction.packet.MacAddress;
import dev.junction.routing.Routing;
import dev.junction.routing.internal.RoutingControl;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import dev.junction.testing.Commands;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.OpenVswitch;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import dev.junction.testing.TcpTransfer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Junction as a label switch router between two Open vSwitch userspace bridges (netdev datapath; this
 * kernel has no MPLS forwarding), which push and pop the labels in front of and behind it:
 * <pre>
 *   h1 10.78.0.1 -- [OVS bA: IP from h1 -> push 100; 400 -> pop] -- mpj1 10.78.1.1 [Junction: 100 -> 200 via 10.78.2.2,
 *                                                                              300 -> 400 via 10.78.1.2] mpj2 10.78.2.1
 *   -- [OVS bB: 200 -> pop; IP from h2 -> push 300] -- h2 10.78.0.2
 * </pre>
 * h1 and h2 share 10.78.0.0/24 (static neighbours, as the labels carry them), and each has an address
 * on Junction's side (10.78.1.2, 10.78.2.2) that Junction's next hops ARP for through OVS's NORMAL
 * ARP flows. Pings and TCP cross in both directions; tshark on Junction's link to bB sees label 200
 * with the TTL Junction decremented (OVS copies the IP TTL, 64, on push) and OVS's label 300. A
 * ping with TTL 1 is answered by Junction with ICMP time exceeded carrying the label stack (RFC 4950),
 * and a real {@code traceroute -e} from h1 shows Junction as hop 1 with label 100 and h2 as hop 2.
 */
class MplsOvsPeerTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "mp-oh1-" + id, h2 = "mp-oh2-" + id, ovs = "mp-ovs-" + id;
    private final String j1 = "mpj1-" + id, j2 = "mpj2-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private OpenVswitch ovsd;
    private Engine engine;
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private MplsControl control;
    private Thread resolver;

    private static String mac(String namespace) throws Exception {
        return must(ns(namespace, "cat", "/sys/class/net/e0/address")).strip();
    }

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("MplsOvsPeerTest", "network namespaces, veth, Open vSwitch, AF_PACKET");
        List<String> tools = new ArrayList<>(List.of(OpenVswitch.TOOLS));
        tools.addAll(List.of("ovs-ofctl", "tshark", "ping", "ethtool", "/usr/bin/python3", "traceroute.db"));
        Packages.require("MplsOvsPeerTest", tools.toArray(String[]::new));
        for (String n : List.of(h1, h2, ovs)) {
            hosts.namespace(n);
            must(ns(n, "ip", "link", "set", "lo", "up"));
            must(ns(n, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"));
        }
        must(ns(ovs, "ip", "link", "add", "a1", "type", "veth", "peer", "name", "e0", "netns", h1));
        must(ns(ovs, "ip", "link", "add", "b1", "type", "veth", "peer", "name", "e0", "netns", h2));
        must("ip", "link", "add", j1, "type", "veth", "peer", "name", "a2", "netns", ovs);
        must("ip", "link", "add", j2, "type", "veth", "peer", "name", "b2", "netns", ovs);
        for (String l : List.of(j1, j2)) {
            must("sysctl", "-qw", "net.ipv6.conf." + l + ".disable_ipv6=1");
            must("ip", "link", "set", l, "up");
            must("ethtool", "-K", l, "tx", "off", "tso", "off", "gso", "off");
        }
        for (String l : List.of("a1", "a2", "b1", "b2")) {
            must(ns(ovs, "ip", "link", "set", l, "up"));
            must(ns(ovs, "ethtool", "-K", l, "tx", "off", "tso", "off", "gso", "off"));
        }
        // MTU 1400 on the hosts: a label more still fits Junction's 1500.
        for (String[] h : new String[][] {{h1, "10.78.0.1/24", "10.78.1.2/24"}, {h2, "10.78.0.2/24", "10.78.2.2/24"}}) {
            must(ns(h[0], "ip", "link", "set", "e0", "mtu", "1400", "up"));
            must(ns(h[0], "ethtool", "-K", "e0", "tx", "off", "tso", "off", "gso", "off"));
            must(ns(h[0], "ip", "addr", "add", h[1], "dev", "e0"));
            must(ns(h[0], "ip", "addr", "add", h[2], "dev", "e0"));
        }
        must(ns(h1, "ip", "neigh", "replace", "10.78.0.2", "lladdr", mac(h2), "dev", "e0", "nud", "permanent"));
        must(ns(h2, "ip", "neigh", "replace", "10.78.0.1", "lladdr", mac(h1), "dev", "e0", "nud", "permanent"));

        ovsd = OpenVswitch.start(ovs);
        ovsd.vsctl("add-br", "bA", "--", "set", "bridge", "bA", "datapath_type=netdev", "--", "add-port", "bA", "a1",
                "--", "add-port", "bA", "a2");
        ovsd.vsctl("add-br", "bB", "--", "set", "bridge", "bB", "datapath_type=netdev", "--", "add-port", "bB", "b1",
                "--", "add-port", "bB", "b2");
        for (String[] f : new String[][] {
            {"bA", "priority=10,arp,actions=NORMAL"},
            {"bA", "priority=20,in_port=a1,ip,nw_dst=10.78.0.2,actions=push_mpls:0x8847,set_field:100->mpls_label,output:a2"},
            {"bA", "priority=20,in_port=a2,mpls,mpls_label=400,actions=pop_mpls:0x0800,output:a1"},
            {"bA", "priority=15,in_port=a2,ip,actions=output:a1"}, // Junction's own ICMP errors to h1
            {"bB", "priority=10,arp,actions=NORMAL"},
            {"bB", "priority=20,in_port=b1,ip,nw_dst=10.78.0.1,actions=push_mpls:0x8847,set_field:300->mpls_label,output:b2"},
            {"bB", "priority=20,in_port=b2,mpls,mpls_label=200,actions=pop_mpls:0x0800,output:b1"}}) {
            must(ovsd.command("ovs-ofctl", "add-flow", f[0], f[1]));
        }
        for (String b : List.of("bA", "bB")) { // the default NORMAL flow out: only the flows above
            must(ovsd.command("ovs-ofctl", "--strict", "del-flows", b, "priority=0"));
        }

        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        RoutingControl routing = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine, vrfs.announcements);
        for (String[] d : new String[][] {{"mj1", j1}, {"mj2", j2}}) {
            AfPacketDevice dev = new AfPacketDevice(d[0], d[1]);
            devices.add(dev);
            engine.addDevice(dev);
        }
        routing.addAddress("mj1", "10.78.1.1/24");
        routing.addAddress("mj2", "10.78.2.1/24");
        routing.addRoute("10.78.0.0/24", "10.78.1.2", null); // where Junction's ICMP errors go
        MplsTables tables = new MplsTables();
        control = new MplsControl(tables, new MplsControl.Resolver() {
            public int vrfId(String vrf) {
                return 0;
            }

            public long resolve(int gw, int[] wish) {
                Routing.AdjacencyEntry a = routing.resolve(Ipv4.format(gw));
                if (a == null || !a.kind().equals("forward")) {
                    return -1;
                }
                int ifIndex = -1;
                for (InterfaceStatus s : engine.interfaces()) {
                    ifIndex = s.name().equals(a.iface()) ? s.index() : ifIndex;
                }
                for (Routing.NeighbourEntry n : routing.neighbours()) {
                    if (n.iface().equals(a.iface()) && n.address().equals(Ipv4.format(gw))) {
                        return (long) ifIndex << 48 | MacAddress.parse(n.mac());
                    }
                }
                wish[0] = ifIndex;
                wish[1] = gw;
                wish[2] = Ipv4.parse(a.iface().equals("mj1") ? "10.78.1.1" : "10.78.2.1");
                return -1;
            }

            public int[] interfaceAddresses() {
                int[] out = new int[engine.interfaces().size() + 1];
                for (InterfaceStatus s : engine.interfaces()) {
                    out[s.index()] = s.name().equals("mj1") ? Ipv4.parse("10.78.1.1") : Ipv4.parse("10.78.2.1");
                }
                return out;
            }

            public String ifName(int ifIndex) {
                return "#" + ifIndex;
            }
        }, (vrf, prefix, index) -> () -> { });
        control.putLabel("to-h2", 100, "swap", "10.78.2.2", "200", null, true);
        control.putLabel("to-h1", 300, "swap", "10.78.1.2", "400", null, true);
        engine.addNode(new MplsLookupNode(tables), "mpls");
        engine.addNode(new MplsImposeNode(tables), "mpls");
        engine.start();
        resolver = Thread.ofPlatform().daemon().name("mpls-test-resolver").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                control.resolveAll();
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void tearDown() throws Exception {
        if (resolver != null) {
            resolver.interrupt();
        }
        if (engine != null) {
            engine.close();
        }
        for (AfPacketDevice d : devices) {
            d.close();
        }
        if (ovsd != null) {
            ovsd.close();
        }
        hosts.close();
        run(10, "ip", "link", "del", j1);
        run(10, "ip", "link", "del", j2);
    }

    private static Process tshark(String[] cmd) throws Exception {
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private boolean resolved() {
        return control.labels().stream().allMatch(l -> l.nextHops().stream().allMatch(h -> h.mac() != null));
    }

    private String state() {
        StringBuilder sb = new StringBuilder("\n");
        for (DropCount d : engine.drops()) {
            sb.append(d.node()).append(": ").append(d.reason()).append(" = ").append(d.count()).append('\n');
        }
        sb.append(control.labels()).append('\n');
        try {
            sb.append(ovsd.appctl("dpctl/dump-flows"));
        } catch (Exception e) {
            sb.append(e);
        }
        return sb.toString();
    }

    @Test
    void hostsBehindOvsLabelPushersPingAndTalkTcpThroughJunctionsSwaps() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!resolved() && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertTrue(resolved(), "Junction ARPed for both next hops through OVS" + state());
        // Junction's AF_PACKET transmit bypasses the taps of its own link: what it sends is seen at
        // OVS's end (b2), what OVS sends at Junction's (j2).
        Process fromJunction = tshark(ns(ovs, "tshark", "-n", "-i", "b2", "-a", "duration:12", "-c", "8", "-f", "mpls",
                "-T", "fields", "-e", "mpls.label", "-e", "mpls.ttl"));
        Process fromOvs = tshark(new String[] {"tshark", "-n", "-i", j2, "-a", "duration:12", "-c", "8", "-f", "mpls",
                "-T", "fields", "-e", "mpls.label", "-e", "mpls.ttl"});
        Thread.sleep(2500); // both start capturing
        Commands.Result ping = run(30, ns(h1, "ping", "-c", "4", "-i", "0.2", "-W", "2", "10.78.0.2"));
        assertEquals(0, ping.exit(), "h1 reaches h2 over Junction's label swaps: " + ping.out() + state());
        assertTrue(fromJunction.waitFor(20, TimeUnit.SECONDS) && fromOvs.waitFor(20, TimeUnit.SECONDS), "tshark done");
        String sent = new String(fromJunction.getInputStream().readAllBytes());
        String received = new String(fromOvs.getInputStream().readAllBytes());
        assertTrue(sent.lines().anyMatch(l -> l.strip().equals("200\t63")), "Junction swapped 100 to 200, TTL 64-1: " + sent);
        assertTrue(sent.lines().noneMatch(l -> l.startsWith("100")), "no label 100 left: " + sent);
        assertTrue(received.lines().anyMatch(l -> l.strip().equals("300\t64")), "OVS pushed 300 for the replies: " + received);
        for (String[] p : new String[][] {{h1, h2, "10.78.0.2"}, {h2, h1, "10.78.0.1"}}) {
            TcpTransfer t = TcpTransfer.send(p[0], p[1], p[2], 5307);
            assertEquals(0, t.sent().exit(), t.sent().out() + state());
            assertTrue(t.serverFinished(), state());
            assertEquals(t.sent().out().strip(), t.received(), "4 MiB " + p[0] + " -> " + p[1] + " intact" + state());
        }
        // TTL 1: OVS copies it to the label, Junction answers with time exceeded and the label stack.
        Process icmp = tshark(ns(h1, "tshark", "-n", "-i", "e0", "-a", "duration:10", "-c", "1", "-f", "icmp[0] == 11",
                "-T", "fields", "-e", "ip.src", "-e", "icmp.ext.class", "-e", "icmp.mpls.label"));
        Thread.sleep(2500);
        Commands.Result ttl1 = run(30, ns(h1, "ping", "-c", "1", "-t", "1", "-W", "2", "10.78.0.2"));
        assertTrue(ttl1.out().contains("From 10.78.1.1") && ttl1.out().contains("Time to live exceeded"),
                "h1 told by Junction: " + ttl1.out() + state());
        assertTrue(icmp.waitFor(20, TimeUnit.SECONDS), "tshark done");
        String err = new String(icmp.getInputStream().readAllBytes());
        // ip.src: the error's, then the quoted packet's
        assertTrue(err.strip().startsWith("10.78.1.1,10.78.0.1\t") && err.strip().endsWith("\t1\t100"), "time exceeded with the MPLS object, label 100: " + err);
        // traceroute through the LSP (Debian's traceroute, -e for ICMP extensions): hop 1 is Junction,
        // whose answer carries label 100 with TTL 1 (RFC 4950), hop 2 h2 itself.
        Commands.Result trace = run(60, ns(h1, "traceroute.db", "-n", "-e", "-q", "1", "-N", "1", "-w", "3", "-m", "4",
                "10.78.0.2"));
        assertEquals(0, trace.exit(), trace.out() + state());
        System.out.println("MplsOvsPeerTest traceroute from h1:\n" + trace.out());
        List<String> hops = trace.out().lines().filter(l -> l.matches("^\\s*\\d+\\s.*")).map(String::strip).toList();
        assertTrue(hops.size() >= 2 && hops.get(0).startsWith("1  10.78.1.1 ") && hops.get(0).contains("<MPLS:L=100,E=0,S=1,T=1>"),
                "hop 1 is Junction, with the label stack it saw: " + trace.out() + state());
        assertTrue(hops.get(1).startsWith("2  10.78.0.2 "), "hop 2 is h2: " + trace.out());
        for (Mpls.LabelStatus l : control.labels()) {
            assertTrue(l.packets() > 2000, "label " + l.label() + " carried the transfers: " + l);
        }
    }
}
