package dev.junction.overlay.e2e;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.CaptureDirection;
import dev.junction.l2.BridgeSettings;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.TunnelStatus;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import dev.junction.testing.TcpTransfer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Junction as a VXLAN tunnel end against Linux's own: a host h1 on Junction's bridge, and two
 * namespaces whose Linux {@code vxlan} devices are the far ends, each one routed underlay hop away
 * (u1 on Junction's j-u1, u2 on j-u2, reaching Junction's VTEP address 10.90.1.1 through routing):
 * <pre>
 *   h1 192.168.90.1 -- j-h1 [bridge ov: j-h1, vxa, vxb (split horizon)] j-u1 10.90.1.1 -- u1 10.90.1.2, vx0 192.168.90.2
 *                                                                       j-u2 10.90.2.1 -- u2 10.90.2.2, vx0 192.168.90.3
 * </pre>
 * u1's vxlan device has a static remote; u2's has none and replicates to Junction by
 * {@code bridge fdb append}, as head-end replication does. Pings and 4 MiB of TCP each way (SHA-256)
 * cross the overlay; tshark decodes Junction's outer headers as VXLAN with the VNI; frames with a
 * wrong VNI or wrong flags are dropped and counted; the same over an IPv6 underlay.
 */
class VxlanLinuxPeerTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jo-h1-" + id, u1 = "jo-u1-" + id, u2 = "jo-u2-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private OverlayRig rig;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("VxlanLinuxPeerTest", "network namespaces, veth, vxlan devices, AF_PACKET");
        hosts.host(h1, "joh1-" + id).address("192.168.90.1/24");
        must(ns(h1, "ip", "link", "set", "e0", "mtu", "1450"));
        hosts.host(u1, "jou1-" + id).address("10.90.1.2/24").defaultRoute("10.90.1.1")
                .address("fd90:1::2/64").defaultRoute("fd90:1::1");
        hosts.host(u2, "jou2-" + id).address("10.90.2.2/24").defaultRoute("10.90.2.1");
        for (String h : new String[] {h1, u1, u2}) {
            must(ns(h, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=" + (h.equals(u1) ? 0 : 1)));
        }
        rig = new OverlayRig();
        rig.device("j-h1", "joh1-" + id);
        rig.device("j-u1", "jou1-" + id);
        rig.device("j-u2", "jou2-" + id);
        rig.routing.addAddress("j-u1", "10.90.1.1/24");
        rig.routing.addAddress("j-u2", "10.90.2.1/24");
        rig.routing.addAddress("j-u1", "fd90:1::1/64");
        rig.bridges.domain(BridgeSettings.defaults("ov"));
        rig.bridges.port("j-h1", "ov", 0);
        rig.engine.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (rig != null) {
            rig.close();
        }
        hosts.close();
    }

    /** A Linux vxlan device vx0 in {@code host} with VNI {@code vni} and {@code address}; {@code args} say local/remote. */
    private static void linuxVxlan(String host, String name, int vni, String address, String... args) throws Exception {
        String[] cmd = new String[] {"ip", "link", "add", name, "type", "vxlan", "id", Integer.toString(vni), "dstport", "4789"};
        String[] all = new String[cmd.length + args.length];
        System.arraycopy(cmd, 0, all, 0, cmd.length);
        System.arraycopy(args, 0, all, cmd.length, args.length);
        must(ns(host, all));
        must(ns(host, "ip", "link", "set", name, "mtu", "1450", "up"));
        // Inner checksums in software: the frame leaves in a UDP payload, where no NIC completes them.
        must(ns(host, "ethtool", "-K", name, "tx", "off", "tso", "off", "gso", "off"));
        must(ns(host, "ip", "addr", "add", address, "dev", name));
    }

    private Result ping(String from, String to) throws Exception {
        return run(30, ns(from, "ping", "-c", "3", "-i", "0.2", "-W", "2", to));
    }

    private List<String> ip4Features() {
        return rig.engine.arcs().stream().filter(a -> a.name().equals("ip4-unicast")).findFirst().orElseThrow().features();
    }

    private long counter(String node) {
        return rig.engine.counters().stream().filter(c -> c.node().equals(node)).mapToLong(c -> c.value()).sum();
    }

    private TunnelStatus tunnel(String name) {
        return rig.tunnels.tunnels().stream().filter(t -> t.settings().name().equals(name)).findFirst().orElseThrow();
    }

    private static void await(BooleanSupplier c, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            Thread.sleep(20);
        }
    }

    @Test
    void hostsBehindLinuxVtepsReachAHostOnJunctionsBridgeAndTsharkSeesTheVni() throws Exception {
        linuxVxlan(u1, "vx0", 100, "192.168.90.2/24", "local", "10.90.1.2", "remote", "10.90.1.1");
        linuxVxlan(u2, "vx0", 100, "192.168.90.3/24", "local", "10.90.2.2");
        must(ns(u2, "bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", "10.90.1.1"));
        rig.tunnels.tunnel(TunnelSettings.vxlan("vxa", "10.90.1.1", "10.90.1.2", 100));
        rig.tunnels.tunnel(TunnelSettings.vxlan("vxb", "10.90.1.1", "10.90.2.2", 100));
        // Both remotes are on-link: resolved once, the outer packets skip ip4-lookup.
        assertEquals("10.90.1.2 out of j-u1", rig.tunnels.underlay("vxa"));
        assertEquals("10.90.2.2 out of j-u2", rig.tunnels.underlay("vxb"));
        rig.bridges.port("vxa", "ov", 1);
        rig.bridges.port("vxb", "ov", 1);
        Path pcap = Files.createTempFile("vxlan-", ".pcap");
        rig.engine.startCapture("j-u1", pcap, CaptureDirection.TX, 0);

        Result r = ping(h1, "192.168.90.2");
        assertEquals(0, r.exit(), "h1 reaches the host behind u1's VTEP: " + r.out() + rig.state());
        r = ping(h1, "192.168.90.3");
        assertEquals(0, r.exit(), "and the one behind u2's, replicating to Junction by fdb append: " + r.out() + rig.state());
        r = ping(u2, "192.168.90.1");
        assertEquals(0, r.exit(), "and the reverse: " + r.out() + rig.state());
        // h1's ARP requests were replicated to both tunnels (head-end replication).
        assertTrue(tunnel("vxa").txPackets() >= 4 && tunnel("vxb").txPackets() >= 4, rig.state());
        assertTrue(rig.bridges.macs().stream().anyMatch(m -> m.iface().equals("vxa"))
                && rig.bridges.macs().stream().anyMatch(m -> m.iface().equals("vxb")), "MACs learned behind each tunnel: " + rig.state());

        // Split horizon: a broadcast from behind vxa floods to h1 but not into vxb.
        long vxbBefore = tunnel("vxb").txPackets();
        run(10, ns(u1, "ping", "-c", "2", "-i", "0.2", "-W", "1", "192.168.90.78"));
        assertEquals(vxbBefore, tunnel("vxb").txPackets(), "no frame from vxa went into vxb: " + rig.state());

        for (String[] p : new String[][] {{h1, u1, "192.168.90.2"}, {u1, h1, "192.168.90.1"}}) {
            TcpTransfer t = TcpTransfer.send(p[0], p[1], p[2], 5201);
            assertEquals(0, t.sent().exit(), t.sent().out() + rig.state());
            assertTrue(t.serverFinished(), rig.state());
            assertEquals(t.sent().out().strip(), t.received(), "4 MiB " + p[0] + " -> " + p[1] + " intact" + rig.state());
        }
        assertEquals(0, tunnel("vxa").tooBig(), "frames within the MTU: " + rig.state());
        assertTrue(tunnel("vxa").present(), "vxa is an interface of the graph");
        // ip4-vxlan-bypass sent the tunnels' packets to vxlan-input before ip4-lookup and ip4-local.
        assertEquals(List.of("ip4-input", "ip4-vxlan-bypass", "ip4-lookup"), ip4Features());
        // Both tunnels' next hops are known to ARP after the first pings: their frames left whole from
        // vxlan-encap (MACs, TTL 64), not through ip4-rewrite; tshark below checks the TTL.
        long sent = tunnel("vxa").txPackets() + tunnel("vxb").txPackets();
        assertTrue(counter("vxlan-encap") > sent / 2 && counter("vxlan-encap") <= sent,
                "sent whole by vxlan-encap: " + counter("vxlan-encap") + " of " + sent + rig.state());
        long received = tunnel("vxa").rxPackets() + tunnel("vxb").rxPackets();
        assertTrue(received > 1000 && counter("ip4-vxlan-bypass") >= received,
                "bypassed " + counter("ip4-vxlan-bypass") + " of " + received + " received by the tunnels" + rig.state());
        rig.engine.stopCapture("j-u1");

        Packages.require("VxlanLinuxPeerTest", "tshark");
        String out = must("tshark", "-n", "-r", pcap.toString(), "-Y", "vxlan", "-T", "fields", "-e", "ip.src", "-e", "ip.dst",
                "-e", "udp.dstport", "-e", "vxlan.flags", "-e", "vxlan.vni", "-e", "ip.flags.df", "-e", "udp.srcport", "-e", "ip.ttl");
        Files.deleteIfExists(pcap);
        // tshark's own notes (running as root) come on the same stream: the fields are the tab-separated lines.
        String[] lines = out.lines().filter(l -> l.contains("\t")).toArray(String[]::new);
        assertTrue(lines.length > 100, "Junction's outer packets toward u1: " + lines.length);
        java.util.Set<String> ports = new java.util.HashSet<>();
        for (String line : lines) {
            String[] f = line.split("\t");
            assertEquals("10.90.1.1", f[0].split(",")[0], line);
            assertEquals("10.90.1.2", f[1].split(",")[0], line);
            assertEquals("4789", f[2], line);
            assertEquals("0x0800", f[3], line); // tshark shows the first 16 bits: the I flag alone
            assertEquals("100", f[4], line);
            assertTrue(f[5].split(",")[0].equals("1") || f[5].startsWith("True"), "never fragmented: DF set: " + line);
            assertTrue(Integer.parseInt(f[6]) >= 49152, "source port in the dynamic range: " + line);
            assertEquals("64", f[7].split(",")[0], "the outer TTL as routing's rewrite leaves it: " + line);
            ports.add(f[6]);
        }
        assertTrue(ports.size() >= 2, "the source port follows the inner flow (pings, two TCP flows): " + ports);

        // The bypass leaves the arc with the last IPv4 VXLAN tunnel: routed traffic no longer pays for it.
        rig.tunnels.remove("vxa");
        assertEquals(List.of("ip4-input", "ip4-vxlan-bypass", "ip4-lookup"), ip4Features(), "vxb is still there");
        rig.tunnels.remove("vxb");
        assertEquals(List.of("ip4-input", "ip4-lookup"), ip4Features());
    }

    @Test
    void framesWithAWrongVniOrFlagsAreDroppedAndCounted() throws Exception {
        rig.tunnels.tunnel(TunnelSettings.vxlan("vxa", "10.90.1.1", "10.90.1.2", 100));
        rig.bridges.port("vxa", "ov", 1);
        // A Linux VTEP on VNI 101, which Junction has no tunnel for.
        linuxVxlan(u1, "vx1", 101, "192.168.91.2/24", "local", "10.90.1.2", "remote", "10.90.1.1");
        run(10, ns(u1, "ping", "-c", "3", "-i", "0.2", "-W", "1", "192.168.91.1"));
        await(() -> rig.drops("vxlan-input", "no tunnel") >= 3, () -> "VNI 101 dropped as no tunnel" + rig.state());
        // Raw datagrams to port 4789: VXLAN headers with the I flag clear, and with a reserved flag.
        String send = """
                import socket, sys
                frame = bytes.fromhex('ffffffffffff' + '02000000aa01' + '0806') + bytes(46)
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                for flags in (0x00, 0x0C, 0x00):
                    s.sendto(bytes([flags, 0, 0, 0, 0, 0, 100, 0]) + frame, ('10.90.1.1', 4789))
                """;
        must(ns(u1, "/usr/bin/python3", "-c", send));
        await(() -> rig.drops("vxlan-input", "VXLAN I flag not set") == 2 && rig.drops("vxlan-input", "VXLAN reserved flags set") == 1,
                () -> "bad flags counted by reason" + rig.state());
        assertEquals(0, tunnel("vxa").rxPackets(), "nothing came out of the tunnel: " + rig.state());
        assertTrue(rig.bridges.macs().isEmpty(), "nothing learned from a refused frame: " + rig.bridges.macs());
    }

    /**
     * A BVI in the bridge takes the smallest MTU of the domain's ports, the tunnel's 1450: a routed
     * packet too big for the tunnel is answered with ICMP frag-needed (DF set) or fragmented (DF
     * clear) by routing before it enters the bridge, as a router's BVI would.
     * u2 (routed, 10.90.2.2) -> Junction -> bvi0 192.168.90.254 -> bridge ov -> vxa -> u1's vx0 192.168.90.2.
     */
    @Test
    void aRoutedPacketTooBigForTheTunnelGetsFragNeededFromTheBvi() throws Exception {
        linuxVxlan(u1, "vx0", 100, "192.168.90.2/24", "local", "10.90.1.2", "remote", "10.90.1.1");
        rig.tunnels.tunnel(TunnelSettings.vxlan("vxa", "10.90.1.1", "10.90.1.2", 100));
        rig.bridges.port("vxa", "ov", 1);
        rig.bvis.bvi("bvi0", "ov", 0x02_4a_b0_00_00_90L);
        rig.routing.refresh();
        rig.routing.addAddress("bvi0", "192.168.90.254/24");
        await(() -> rig.engine.interfaces().stream().anyMatch(i -> i.name().equals("bvi0") && i.mtu() == 1450),
                () -> "bvi0 at the tunnel's MTU: " + rig.engine.interfaces());
        rig.engine.refreshInterfaces(); // the graph takes device MTUs up once a second; now, for the test
        Result r = run(30, ns(u2, "ping", "-c", "2", "-i", "0.3", "-W", "2", "192.168.90.2"));
        assertEquals(0, r.exit(), "u2 is routed through the BVI and the tunnel: " + r.out() + rig.state());
        r = run(30, ns(u2, "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1472", "192.168.90.2"));
        assertTrue(r.out().contains("Frag needed and DF set (mtu = 1450)") || r.out().contains("mtu=1450"),
                "1500 bytes with DF: Junction says the tunnel's MTU: " + r.out() + rig.state());
        r = run(30, ns(u2, "ping", "-c", "2", "-i", "0.3", "-W", "2", "-M", "do", "-s", "1422", "192.168.90.2"));
        assertEquals(0, r.exit(), "1450 bytes fit: " + r.out() + rig.state());
        r = run(30, ns(u2, "ping", "-c", "2", "-i", "0.3", "-W", "2", "-M", "dont", "-s", "1472", "192.168.90.2"));
        assertEquals(0, r.exit(), "1500 bytes without DF are fragmented to fit and reassembled by u1: " + r.out() + rig.state());
        assertEquals(0, tunnel("vxa").tooBig(), "nothing reached the tunnel too big: " + rig.state());
    }

    @Test
    void anIpv6UnderlayCarriesTheOverlayToo() throws Exception {
        linuxVxlan(u1, "vx6", 200, "192.168.90.2/24", "local", "fd90:1::2", "remote", "fd90:1::1");
        rig.tunnels.tunnel(TunnelSettings.vxlan("vx6", "fd90:1::1", "fd90:1::2", 200));
        assertEquals(1430, tunnel("vx6").settings().effectiveMtu(), "1500 less 70 over IPv6");
        rig.bridges.port("vx6", "ov", 1);
        must(ns(u1, "ip", "link", "set", "vx6", "mtu", "1430"));
        must(ns(h1, "ip", "link", "set", "e0", "mtu", "1430"));
        Result r = ping(h1, "192.168.90.2");
        assertEquals(0, r.exit(), "over IPv6 (Linux checks the UDP checksum Junction writes): " + r.out() + rig.state());
        TcpTransfer t = TcpTransfer.send(u1, h1, "192.168.90.1", 5202);
        assertEquals(t.sent().out().strip(), t.received(), "4 MiB u1 -> h1 intact" + rig.state());
        assertTrue(tunnel("vx6").rxPackets() > 2000, rig.state());
    }
}
