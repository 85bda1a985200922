package dev.junction.mpls.e2e;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.DropCount;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.graph.PacketNode;
import dev.junction.mpls.Mpls;
import dev.junction.mpls.control.MplsControl;
import dev.junction.mpls.nodes.MplsImposeNode;
import dev.junction.mpls.nodes.MplsLookupNode;
import dev.junction.mpls.osgi.RoutingResolver;
import dev.junction.mpls.tables.FtnEntry;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.VrfControl;
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
 * Junction as a label edge router, with an Open vSwitch userspace bridge (netdev datapath; this
 * kernel has no MPLS) as the far end of its LSPs:
 * <pre>
 *   h1 10.78.1.2 -- ml1 10.78.1.1 [Junction]  ml2 10.78.2.1 -- [OVS bB: 16/17 -> pop, pop; 301, 302 -> pop;
 *                                                                    IP from 10.79.0.2 / .3 to 10.90.0.2 -> push 103 / 104]
 *                                                              -- h2 10.79.0.2, 10.79.0.3 (10.78.2.2 for ARP)
 *   h3 10.90.0.2 -- ml3 10.90.0.1 [VRF red]      h4 10.90.0.2 -- ml4 10.90.0.1 [VRF blue]
 * </pre>
 * Imposition: h1's packets routed to 10.79.0.0/24 get 16/17 pushed (mpls-ftn), OVS pops both and
 * delivers to h2, whose answers come back as plain IP: ping and 4 MiB of TCP each way, tshark sees
 * the stack 16/17 with TTL 63 leave Junction. Per-VRF labels: OVS labels h2's packets to 10.90.0.2 by
 * source, 103 (pop-lookup in red) and 104 (blue); the two VRFs have the same addresses, and each
 * host answers with its name, so that the answer tells which VRF the packet landed in; the way
 * back is each VRF's own imposition entry (301, 302) towards OVS, as an L3VPN's PE does. And OVS's
 * IPv4 explicit null (label 0) on what h2 sends h1 from 10.79.0.3 is popped and routed by Junction.
 */
class MplsLerOvsTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "mp-lh1-" + id, h2 = "mp-lh2-" + id, h3 = "mp-lh3-" + id, h4 = "mp-lh4-" + id,
            ovs = "mp-lovs-" + id;
    private final String l1 = "mpl1-" + id, l2 = "mpl2-" + id, l3 = "mpl3-" + id, l4 = "mpl4-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private OpenVswitch ovsd;
    private Engine engine;
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private MplsControl control;
    private Thread resolver;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("MplsLerOvsTest", "network namespaces, veth, Open vSwitch, AF_PACKET");
        List<String> tools = new ArrayList<>(List.of(OpenVswitch.TOOLS));
        tools.addAll(List.of("ovs-ofctl", "tshark", "ping", "ethtool", "/usr/bin/python3"));
        Packages.require("MplsLerOvsTest", tools.toArray(String[]::new));
        hosts.host(h1, l1).address("10.78.1.2/24").defaultRoute("10.78.1.1");
        hosts.host(h3, l3).address("10.90.0.2/24").defaultRoute("10.90.0.1");
        hosts.host(h4, l4).address("10.90.0.2/24").defaultRoute("10.90.0.1");
        for (String n : List.of(h2, ovs)) {
            hosts.namespace(n);
            must(ns(n, "ip", "link", "set", "lo", "up"));
        }
        must(ns(ovs, "ip", "link", "add", "b1", "type", "veth", "peer", "name", "e0", "netns", h2));
        must("ip", "link", "add", l2, "type", "veth", "peer", "name", "b2", "netns", ovs);
        must("sysctl", "-qw", "net.ipv6.conf." + l2 + ".disable_ipv6=1");
        must("ip", "link", "set", l2, "up");
        for (String l : List.of(l1, l2, l3, l4)) {
            must("ethtool", "-K", l, "tx", "off", "tso", "off", "gso", "off");
        }
        for (String l : List.of("b1", "b2")) {
            must(ns(ovs, "ip", "link", "set", l, "up"));
            must(ns(ovs, "ethtool", "-K", l, "tx", "off", "tso", "off", "gso", "off"));
        }
        for (String h : List.of(h1, h3, h4)) {
            must(ns(h, "ethtool", "-K", "e0", "tx", "off"));
        }
        // MTU 1400 on the hosts: two labels more still fit Junction's 1500.
        for (String h : List.of(h1, h2, h3, h4)) {
            must(ns(h, "ip", "link", "set", "e0", "mtu", "1400", "up"));
        }
        must(ns(h2, "ethtool", "-K", "e0", "tx", "off", "tso", "off", "gso", "off"));
        for (String a : List.of("10.79.0.2/24", "10.79.0.3/24", "10.78.2.2/24")) {
            must(ns(h2, "ip", "addr", "add", a, "dev", "e0"));
        }
        must(ns(h2, "ip", "route", "add", "10.78.1.0/24", "via", "10.78.2.1"));
        must(ns(h2, "ip", "route", "add", "10.90.0.0/24", "via", "10.78.2.1"));

        ovsd = OpenVswitch.start(ovs);
        ovsd.vsctl("add-br", "bB", "--", "set", "bridge", "bB", "datapath_type=netdev", "--", "add-port", "bB", "b1",
                "--", "add-port", "bB", "b2");
        for (String f : List.of(
                "priority=10,arp,actions=NORMAL",
                // the far end of Junction's LSPs: its stack 16/17, and the two VRFs' way back
                "priority=20,in_port=b2,mpls,mpls_label=16,actions=pop_mpls:0x8847,pop_mpls:0x0800,output:b1",
                "priority=20,in_port=b2,mpls,mpls_label=301,actions=pop_mpls:0x0800,output:b1",
                "priority=20,in_port=b2,mpls,mpls_label=302,actions=pop_mpls:0x0800,output:b1",
                "priority=15,in_port=b2,ip,actions=output:b1",
                // h2's packets to 10.90.0.2 get Junction's per-VRF label by source
                "priority=30,in_port=b1,ip,nw_src=10.79.0.2,nw_dst=10.90.0.2,actions=push_mpls:0x8847,set_field:103->mpls_label,output:b2",
                "priority=30,in_port=b1,ip,nw_src=10.79.0.3,nw_dst=10.90.0.2,actions=push_mpls:0x8847,set_field:104->mpls_label,output:b2",
                // and IPv4 explicit null (label 0) on what h2 sends h1 from 10.79.0.3
                "priority=30,in_port=b1,ip,nw_src=10.79.0.3,nw_dst=10.78.1.2,actions=push_mpls:0x8847,set_field:0->mpls_label,output:b2",
                "priority=15,in_port=b1,ip,actions=output:b2")) {
            must(ovsd.command("ovs-ofctl", "add-flow", "bB", f));
        }
        must(ovsd.command("ovs-ofctl", "--strict", "del-flows", "bB", "priority=0"));

        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        for (String[] d : new String[][] {{"ml1", l1}, {"ml2", l2}, {"ml3", l3}, {"ml4", l4}}) {
            AfPacketDevice dev = new AfPacketDevice(d[0], d[1]);
            devices.add(dev);
            engine.addDevice(dev);
        }
        VrfControl routing = new VrfControl(vrfs, engine);
        routing.bindVrf("red", List.of("ml3"));
        routing.bindVrf("blue", List.of("ml4"));
        routing.addAddress("ml1", "10.78.1.1/24");
        routing.addAddress("ml2", "10.78.2.1/24");
        routing.addAddress("ml3", "10.90.0.1/24");
        routing.addAddress("ml4", "10.90.0.1/24");
        MplsTables tables = new MplsTables();
        control = new MplsControl(tables, new RoutingResolver(routing, engine), (vrf, prefix, index) -> {
            routing.steer(vrf, prefix, MplsImposeNode.NAME, index);
            return () -> routing.unsteer(vrf, prefix);
        });
        control.putFtn("to-h2", null, "10.79.0.0/24", "10.78.2.2", "16/17", true, FtnEntry.TC_COPY);
        control.putLabel("red", 103, "pop-lookup", null, null, "red", true);
        control.putLabel("blue", 104, "pop-lookup", null, null, "blue", true);
        control.putFtn("red-back", "red", "10.79.0.0/24", "10.78.2.2", "301", true, FtnEntry.TC_COPY);
        control.putFtn("blue-back", "blue", "10.79.0.0/24", "10.78.2.2", "302", true, FtnEntry.TC_COPY);
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
        if (control != null) {
            control.close();
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
        run(10, "ip", "link", "del", l2);
    }

    private boolean resolved() {
        return control.ftns().stream().allMatch(f -> f.nextHops().stream().allMatch(h -> h.mac() != null));
    }

    private String state() {
        StringBuilder sb = new StringBuilder("\n");
        for (DropCount d : engine.drops()) {
            sb.append(d.node()).append(": ").append(d.reason()).append(" = ").append(d.count()).append('\n');
        }
        sb.append(control.labels()).append('\n').append(control.ftns()).append('\n');
        try {
            sb.append(ovsd.appctl("dpctl/dump-flows"));
        } catch (Exception e) {
            sb.append(e);
        }
        return sb.toString();
    }

    private long counter(String node, String name) {
        return engine.counters().stream().filter(c -> c.node().equals(node) && c.counter().equals(name))
                .mapToLong(dev.junction.dataplane.CounterValue::value).sum();
    }

    private Mpls.FtnStatus ftn(String name) {
        return control.ftns().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    private Mpls.LabelStatus label(int l) {
        return control.labels().stream().filter(s -> s.label() == l).findFirst().orElseThrow();
    }

    // Answers each connection with the host's name.
    private static final String NAME_SERVER = """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('10.90.0.2', 7000)); s.listen(4); s.settimeout(60)
            while True:
                c, _ = s.accept(); c.sendall(sys.argv[1].encode()); c.close()
            """;
    // Connects from a given source, retrying for 10 s while the server starts; prints what it hears.
    private static final String NAME_CLIENT = """
            import socket, sys, time
            for i in range(100):
                try:
                    c = socket.create_connection(('10.90.0.2', 7000), timeout=3, source_address=(sys.argv[1], 0)); break
                except OSError: time.sleep(0.1)
            print(c.recv(100).decode(), flush=True)
            """;

    @Test
    void imposesAStackTowardsOvsAndPerVrfLabelsLandInTheirVrf() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!resolved() && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertTrue(resolved(), "Junction ARPed for OVS's side of h2 (10.78.2.2)" + state());
        // Junction's AF_PACKET transmit bypasses the taps of its own link: what it sends is seen at OVS's end.
        Process pushed = new ProcessBuilder(ns(ovs, "tshark", "-n", "-i", "b2", "-a", "duration:12", "-c", "4", "-f",
                "mpls", "-T", "fields", "-e", "mpls.label", "-e", "mpls.ttl", "-e", "mpls.bottom")).redirectError(
                ProcessBuilder.Redirect.DISCARD).start();
        Thread.sleep(2500); // tshark starts capturing
        Commands.Result ping = run(30, ns(h1, "ping", "-c", "4", "-i", "0.2", "-W", "2", "10.79.0.2"));
        assertEquals(0, ping.exit(), "h1 reaches h2 through Junction's imposition and OVS's pops: " + ping.out() + state());
        assertTrue(pushed.waitFor(20, TimeUnit.SECONDS), "tshark done");
        String stacks = new String(pushed.getInputStream().readAllBytes());
        assertTrue(stacks.lines().anyMatch(l -> l.strip().equals("16,17\t63,63\t0,1")),
                "Junction pushed 16 over 17 (bottom), TTL 64-1 in both: " + stacks);
        for (String[] p : new String[][] {{h1, h2, "10.79.0.2"}, {h2, h1, "10.78.1.2"}}) {
            TcpTransfer t = TcpTransfer.send(p[0], p[1], p[2], 5308);
            assertEquals(0, t.sent().exit(), t.sent().out() + state());
            assertTrue(t.serverFinished(), state());
            assertEquals(t.sent().out().strip(), t.received(), "4 MiB " + p[0] + " -> " + p[1] + " intact" + state());
        }
        assertTrue(ftn("to-h2").packets() > 2000, "the imposition carried the transfer: " + ftn("to-h2"));

        // Per-VRF labels: the same address in red and blue; the label alone says which.
        for (String[] v : new String[][] {{"10.79.0.2", "red"}, {"10.79.0.3", "blue"}}) {
            Commands.Result vping = run(30, ns(h2, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", v[0], "10.90.0.2"));
            assertEquals(0, vping.exit(), "h2 (" + v[0] + ") reaches 10.90.0.2 in VRF " + v[1] + ": " + vping.out() + state());
        }
        Process red = new ProcessBuilder(ns(h3, "/usr/bin/python3", "-c", NAME_SERVER, "red")).redirectErrorStream(true).start();
        Process blue = new ProcessBuilder(ns(h4, "/usr/bin/python3", "-c", NAME_SERVER, "blue")).redirectErrorStream(true).start();
        try {
            for (String[] v : new String[][] {{"10.79.0.2", "red"}, {"10.79.0.3", "blue"}}) {
                Commands.Result who = run(30, ns(h2, "/usr/bin/python3", "-c", NAME_CLIENT, v[0]));
                assertEquals(0, who.exit(), who.out() + state());
                assertEquals(v[1], who.out().strip(), "from " + v[0] + " the label leads into VRF " + v[1] + state());
            }
        } finally {
            red.destroyForcibly().waitFor();
            blue.destroyForcibly().waitFor();
        }
        // Explicit null (RFC 3032 2.1): OVS labels h2's packets from 10.79.0.3 to h1 with 0 at the
        // bottom; Junction pops it and routes the IPv4 packet in the receiving interface's VRF.
        long before = counter("mpls-lookup", "explicit null popped");
        Commands.Result nullPing = run(30, ns(h2, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", "10.79.0.3", "10.78.1.2"));
        assertEquals(0, nullPing.exit(), "h2 reaches h1 under explicit null: " + nullPing.out() + state());
        assertTrue(counter("mpls-lookup", "explicit null popped") - before >= 3, "explicit null popped by Junction" + state());
        assertTrue(label(103).packets() >= 3 + 3 && label(104).packets() >= 3 + 3, "each VRF label counted: " + control.labels());
        assertTrue(ftn("red-back").packets() >= 3 && ftn("blue-back").packets() >= 3,
                "each VRF's answers imposed on its own way back: " + control.ftns());
    }
}
