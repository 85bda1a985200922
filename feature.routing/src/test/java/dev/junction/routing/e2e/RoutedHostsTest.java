package dev.junction.routing.e2e;

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
import dev.junction.graph.PacketNode;
import dev.junction.routing.internal.Vrfs;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.RoutingControl;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import dev.junction.testing.TcpTransfer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two real Linux hosts on two subnets, Junction routing between them:
 * h1 10.81.1.2/24 fd81:1::2/64 -- j1 [10.81.1.1 fd81:1::1 Junction 10.81.2.1 fd81:2::1] j2 -- h2 10.81.2.2/24 fd81:2::2/64.
 * ARP and neighbour discovery with the real kernels, ping across (IPv4 and IPv6), ping Junction
 * itself, TTL / hop limit 1 and unrouted destinations answered with ICMP / ICMPv6, a TCP transfer
 * verified end to end.
 */
class RoutedHostsTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    final String h1 = "jr-h1-" + id;
    private final String h2 = "jr-h2-" + id;
    final String v1 = "jr1-" + id;
    private final String v2 = "jr2-" + id;
    Engine engine;
    NetDevice d1;
    private NetDevice d2;
    private RoutingControl routing;
    private dev.junction.routing.internal.Announcements announcements;
    private final LinuxHosts hosts = new LinuxHosts();

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("RoutedHostsTest", "network namespaces");
        hosts.host(h1, v1).address("10.81.1.2/24").defaultRoute("10.81.1.1").address("fd81:1::2/64").defaultRoute("fd81:1::1");
        hosts.host(h2, v2).address("10.81.2.2/24").defaultRoute("10.81.2.1").address("fd81:2::2/64").defaultRoute("fd81:2::1");
        prepareHosts(h1, h2);
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        d1 = attach("j1", v1);
        d2 = attach("j2", v2);
        engine.addDevice(d1);
        engine.addDevice(d2);
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "test");
        }
        announcements = vrfs.announcements;
        routing = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine, announcements);
        routing.addAddress("j1", "10.81.1.1/24");
        routing.addAddress("j2", "10.81.2.1/24");
        routing.addAddress("j1", "fd81:1::1/64");
        routing.addAddress("j2", "fd81:2::1/64");
        engine.start();
    }

    /** The device Junction attaches to Linux interface {@code ifname}: AF_PACKET here, others in subclasses. */
    NetDevice attach(String name, String ifname) {
        return new AfPacketDevice(name, ifname);
    }

    /**
     * The MTU the barrage's jumbo frames need on the link (4,000 bytes, or MTU - 400 when less: more than a
     * buffer holds): 9000 here; native XDP on veth allows no more than a page less its headroom.
     */
    int jumboMtu() {
        return 9000;
    }

    /** What a driver needs of the hosts before the devices attach (nothing for AF_PACKET). */
    void prepareHosts(String h1, String h2) throws Exception {
    }

    @AfterEach
    void tearDown() throws Exception {
        if (engine != null) {
            engine.close();
        }
        if (d1 != null) {
            ((AutoCloseable) d1).close();
        }
        if (d2 != null) {
            ((AutoCloseable) d2).close();
        }
        hosts.close();
    }

    String drops() {
        StringBuilder sb = new StringBuilder();
        for (DropCount d : engine.drops()) {
            sb.append(d.node()).append(": ").append(d.reason()).append(" = ").append(d.count()).append('\n');
        }
        for (InterfaceStatus s : engine.interfaces()) {
            sb.append(s.name()).append(' ').append(s.counters()).append('\n');
        }
        return sb.toString();
    }

    @Test
    void hostsOnTwoSubnetsPingEachOtherAndTheRouter() throws Exception {
        Result r = run(30, ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.81.1.1"));
        assertEquals(0, r.exit(), "Junction's own address answers: " + r.out() + drops());
        // The first echo waits in Junction's hold queue while it resolves h2 by ARP: none is lost.
        r = run(30, ns(h1, "ping", "-c", "4", "-i", "0.2", "-W", "2", "10.81.2.2"));
        assertTrue(r.out().contains("4 received"), "h1 reaches h2 through Junction: " + r.out() + drops());
        r = run(30, ns(h2, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.81.1.2"));
        assertEquals(0, r.exit(), "and back: " + r.out() + drops());
        assertTrue(routing.neighbours().stream().anyMatch(n -> n.address().equals("10.81.2.2")), routing.neighbours().toString());
    }

    @Test
    void ipv6HostsPingEachOtherAndTheRouterWithNeighbourDiscovery() throws Exception {
        Result r = run(30, ns(h1, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "fd81:1::1"));
        assertEquals(0, r.exit(), "Junction's own IPv6 address answers: " + r.out() + drops());
        // The first echo waits while Junction solicits h2: none is lost.
        r = run(30, ns(h1, "ping", "-6", "-c", "4", "-i", "0.2", "-W", "2", "fd81:2::2"));
        assertTrue(r.out().contains("4 received"), "h1 reaches h2 over IPv6: " + r.out() + drops());
        r = run(30, ns(h2, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "fd81:1::2"));
        assertEquals(0, r.exit(), "and back: " + r.out() + drops());
        // Both kernels resolved Junction's addresses by neighbour discovery, and Junction theirs.
        assertTrue(run(10, ns(h1, "ip", "-6", "neigh", "show", "fd81:1::1")).out().matches("(?s).*lladdr.*(REACHABLE|STALE|DELAY|PROBE).*"),
                run(10, ns(h1, "ip", "-6", "neigh")).out());
        assertTrue(routing.neighbours().stream().anyMatch(n -> n.address().equals("fd81:2::2") && n.iface().equals("j2")),
                routing.neighbours().toString());
        // Junction's link-local address (fe80:: from its MAC) answers on the link too.
        String ll = "fe80::" + linkLocalSuffix(d1.mac()) + "%e0";
        r = run(30, ns(h1, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", ll));
        assertEquals(0, r.exit(), "link-local " + ll + ": " + r.out() + drops());
    }

    @Test
    void anAddressThatComesUpIsAnnouncedByGratuitousArpAndUnsolicitedNa() throws Exception {
        // Let h1's kernel take announcements for addresses it has never asked for (by default it
        // only refreshes entries it has), so that the entries below can only come from them.
        must(ns(h1, "sysctl", "-qw", "net.ipv4.conf.e0.arp_accept=1"));
        // (For IPv6 Linux does so only as a router, RFC 9131: forwarding on.)
        must(ns(h1, "sysctl", "-qw", "net.ipv6.conf.e0.accept_untracked_na=1"));
        must(ns(h1, "sysctl", "-qw", "net.ipv6.conf.e0.forwarding=1"));
        long sentBefore = announcements.sentCount();
        routing.addAddress("j1", "10.81.1.77/24");
        routing.addAddress("j1", "fd81:1::77/64");
        String mac = dev.junction.packet.MacAddress.format(d1.mac());
        long deadline = System.nanoTime() + 10_000_000_000L;
        String v4 = "", v6 = "";
        while (System.nanoTime() < deadline) {
            v4 = run(10, ns(h1, "ip", "neigh", "show", "10.81.1.77", "dev", "e0")).out();
            v6 = run(10, ns(h1, "ip", "-6", "neigh", "show", "fd81:1::77", "dev", "e0")).out();
            if (v4.contains(mac) && v6.contains(mac)) {
                break;
            }
            Thread.onSpinWait();
        }
        assertTrue(v4.contains("lladdr " + mac), "h1 learned 10.81.1.77 from gratuitous ARP, without asking: '" + v4 + "'");
        assertTrue(v6.contains("lladdr " + mac) && v6.contains("router"),
                "h1 learned fd81:1::77 (a router) from an unsolicited NA: '" + v6 + "'");
        assertTrue(announcements.sentCount() >= sentBefore + 2, "counted: " + announcements.sentCount());
        // The new address is the router's: it answers ping.
        Result r = run(30, ns(h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.81.1.77"));
        assertEquals(0, r.exit(), r.out() + drops());
    }

    /** The last 64 bits of the EUI-64 link-local address of a MAC, as ping wants them. */
    private static String linkLocalSuffix(long mac) {
        long id = dev.junction.packet.Ipv6.interfaceId(mac);
        return String.format("%x:%x:%x:%x", (id >>> 48) & 0xFFFF, (id >>> 32) & 0xFFFF, (id >>> 16) & 0xFFFF, id & 0xFFFF);
    }

    @Test
    void ipv6HopLimitOneAndUnroutedDestinationsAreAnsweredWithIcmpv6() throws Exception {
        Result r = run(30, ns(h1, "ping", "-6", "-c", "1", "-t", "1", "-W", "2", "fd81:2::2"));
        assertTrue(r.out().contains("Time exceeded: Hop limit") && r.out().contains("fd81:1::1"), r.out() + drops());
        r = run(30, ns(h1, "ping", "-6", "-c", "1", "-W", "2", "fd99::1"));
        assertTrue(r.out().contains("Destination unreachable: No route") && r.out().contains("fd81:1::1"), r.out() + drops());
    }

    @Test
    void ipv6PacketsLargerThanTheOutputMtuGetPacketTooBig() throws Exception {
        // h2's link, and j2 with it, carry at most 1400 bytes: h1's 1500-byte packets cannot pass.
        must("ip", "link", "set", v2, "mtu", "1400");
        must(ns(h2, "ip", "link", "set", "e0", "mtu", "1400"));
        engine.refreshInterfaces();
        run(30, ns(h1, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "fd81:2::2")); // resolve h2 first
        Result r = run(30, ns(h1, "ping", "-6", "-c", "1", "-s", "1452", "-M", "do", "-W", "2", "fd81:2::2"));
        assertTrue(r.out().contains("Packet too big: mtu=1400") || r.out().contains("mtu=1400"), r.out() + drops());
        // The kernel learned the path MTU: its next large ping is fragmented at the source and gets through.
        r = run(30, ns(h1, "ping", "-6", "-c", "2", "-i", "0.2", "-s", "1452", "-W", "2", "fd81:2::2"));
        assertTrue(r.out().matches("(?s).*[12] received.*"), r.out() + drops());
    }

    @Test
    void ipv4PacketsLargerThanTheOutputMtuAreFragmentedOrRefusedWithDf() throws Exception {
        must("ip", "link", "set", v2, "mtu", "1400");
        must(ns(h2, "ip", "link", "set", "e0", "mtu", "1400"));
        engine.refreshInterfaces();
        run(30, ns(h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.81.2.2")); // resolve h2 first
        long before = d2.counters().txPackets();
        // 1500-byte packets without DF: Junction splits each in two; h2 reassembles and answers.
        Result r = run(30, ns(h1, "ping", "-c", "3", "-i", "0.2", "-s", "1472", "-M", "dont", "-W", "2", "10.81.2.2"));
        assertTrue(r.out().contains("3 received"), "fragmented pings answered: " + r.out() + drops());
        assertTrue(d2.counters().txPackets() - before >= 6, "two fragments per request left j2: " + d2.counters());
        // With DF set the sender hears the MTU instead.
        r = run(30, ns(h1, "ping", "-c", "1", "-s", "1472", "-M", "do", "-W", "2", "10.81.2.2"));
        assertTrue(r.out().contains("mtu = 1400") || r.out().contains("Frag needed"), r.out() + drops());
    }

    @Test
    void ttlOneAndUnroutedDestinationsAreAnsweredWithIcmp() throws Exception {
        Result r = run(30, ns(h1, "ping", "-c", "1", "-t", "1", "-W", "2", "10.81.2.2"));
        assertTrue(r.out().contains("Time to live exceeded") && r.out().contains("10.81.1.1"), r.out() + drops());
        r = run(30, ns(h1, "ping", "-c", "1", "-W", "2", "10.99.0.1"));
        assertTrue(r.out().contains("Destination Net Unreachable") && r.out().contains("10.81.1.1"), r.out() + drops());
    }

    /** Counted drops for a node and reason. */
    private long dropped(String node, String reason) {
        return engine.drops().stream().filter(d -> d.node().equals(node) && d.reason().equals(reason))
                .mapToLong(DropCount::count).sum();
    }

    @Test
    void aBarrageOfBadFramesIsCountedByReasonWhileAPingLosesNothing() throws Exception {
        Packages.require("RoutedHostsTest", "python3:scapy");
        // Jumbo frames reach Junction only when both veth ends allow them.
        must(ns(h1, "ip", "link", "set", "e0", "mtu", Integer.toString(jumboMtu())));
        must("ip", "link", "set", v1, "mtu", Integer.toString(jumboMtu()));
        // Resolve both neighbours first: the first packet towards an unknown neighbour becomes the ARP
        // request (Junction does not queue), and that loss is not what this test is about.
        run(30, ns(h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.81.2.2"));
        engine.clearRuntime();
        int n = 50;
        String barrage = """
                import sys
                from scapy.all import Ether, IP, UDP, Raw, IPOption_NOP, sendp
                n, dmac, jumbo = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
                e = lambda t=0x0800: Ether(dst=dmac, type=t)
                good = bytes(IP(src="10.81.1.2", dst="10.81.2.2") / UDP(sport=7, dport=9) / (b"x" * 20))
                def edit(i, v):
                    b = bytearray(good); b[i] = v; return bytes(b)
                def total(v):
                    b = bytearray(good); b[2:4] = v.to_bytes(2, "big"); return bytes(b)
                frames = []
                frames += [e() / Raw(edit(10, good[10] ^ 0xFF))] * n            # bad header checksum
                frames += [e() / Raw(edit(0, 0x43))] * n                        # IHL 3
                frames += [e() / Raw(edit(0, 0x65))] * n                        # version 6 in an IPv4 frame
                frames += [e() / Raw(total(1000))] * n                          # total length past the frame
                frames += [e() / Raw(good[:12])] * n                            # truncated header
                frames += [e(0x1234) / Raw(b"y" * 46)] * n                      # bogus ethertype
                frames += [Raw(b"z" * 10)] * n                                  # runt
                frames += [e() / Raw(b"j" * jumbo)] * n                         # jumbo, larger than a buffer
                frames += [e() / IP(src="10.81.1.2", dst="10.81.2.2", ttl=0) / UDP(dport=9)] * n
                frames += [e() / IP(src="10.81.1.2", dst="10.81.2.2", flags="MF") / UDP(dport=9) / (b"f" * 16)] * n
                frames += [e() / IP(src="10.81.1.2", dst="10.81.2.2", options=[IPOption_NOP()] * 4) / UDP(dport=9)] * n
                sendp(frames, iface="e0", verbose=False)
                print("sent", len(frames))
                """;
        Process ping = new ProcessBuilder(ns(h1, "ping", "-c", "20", "-i", "0.1", "-W", "2", "10.81.2.2"))
                .redirectErrorStream(true).start();
        Result sent = run(60, ns(h1, "/usr/bin/python3", "-c", barrage, Integer.toString(n),
                dev.junction.packet.MacAddress.format(d1.mac()), Integer.toString(Math.min(4000, jumboMtu() - 400))));
        assertTrue(ping.waitFor(30, TimeUnit.SECONDS), "ping finished");
        String pingOut = new String(ping.getInputStream().readAllBytes());
        assertEquals(0, sent.exit(), sent.out());
        assertTrue(pingOut.contains("20 received"), "the ping alongside lost nothing: " + pingOut + drops());
        assertEquals(n, dropped("ip4-input", "bad IPv4 header checksum"), drops());
        assertEquals(n, dropped("ip4-input", "bad IPv4 header length"), drops());
        assertEquals(n, dropped("ip4-input", "IP version is not 4"), drops());
        assertEquals(n, dropped("ip4-input", "bad IPv4 total length"), drops());
        assertEquals(n, dropped("ip4-input", "truncated IPv4 header"), drops());
        // A 10-byte runt reaches Junction either as it is or padded by the kernel to a frame with
        // ethertype 0: counted as a runt or as an unknown ethertype, never lost.
        assertEquals(2L * n, dropped("ethernet-input", "unknown ethertype")
                + dropped("ethernet-input", "runt frame (shorter than an Ethernet header)"), drops());
        assertEquals(n, d1.counters().rxErrors(), "jumbo frames counted by the driver: " + d1.counters());
        assertTrue(dropped("ip4-ttl-expired", "TTL expired: ICMP rate-limited") < n, drops());
        assertTrue(d2.counters().txPackets() >= 2L * n + 20, "fragments, options and the ping were forwarded: " + d2.counters());
    }

    @Test
    void aCaptureOnARoutedInterfaceShowsThePing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path pcap = dir.resolve("j2.pcap");
        engine.startCapture("j2", pcap, dev.junction.dataplane.CaptureDirection.BOTH, 0);
        Result r = run(30, ns(h1, "ping", "-c", "4", "-i", "0.2", "-W", "2", "10.81.2.2"));
        engine.stopCapture("j2");
        assertTrue(r.out().matches("(?s).*[34] received.*"), r.out());
        Result t = run(30, "tshark", "-n", "-r", pcap.toString(), "-Y", "icmp", "-T", "fields", "-e", "ip.src", "-e",
                "ip.dst", "-e", "icmp.type", "-e", "ip.ttl");
        assertEquals(0, t.exit(), t.out());
        // Requests leave j2 with TTL 63 (decremented by Junction), replies arrive from h2 with 64.
        assertTrue(t.out().lines().filter(l -> l.equals("10.81.1.2\t10.81.2.2\t8\t63")).count() >= 3, t.out());
        assertTrue(t.out().lines().filter(l -> l.equals("10.81.2.2\t10.81.1.2\t0\t64")).count() >= 3, t.out());
    }

    @Test
    void tcpTransferCrossesTheRouterIntact() throws Exception {
        TcpTransfer t = TcpTransfer.send(h1, h2, "10.81.2.2", 5001);
        assertEquals(0, t.sent().exit(), t.sent().out() + drops());
        assertTrue(t.serverFinished(), "server finished");
        assertEquals(t.sent().out().strip(), t.received());
    }
}
