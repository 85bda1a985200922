package dev.junction.lb.e2e;

import static dev.junction.testing.Commands.ns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.graph.PacketNode;
import dev.junction.lb.LoadBalancer;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import dev.junction.lb.nodes.LbNode;
import dev.junction.lb.nodes.LbReverseNode;
import dev.junction.routing.Routing;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.VrfControl;
import dev.junction.routing.internal.Vrfs;
import dev.junction.testing.Commands;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GRE mode on the wire: a client sends UDP datagrams to a GRE-mode VIP; tshark captures what the
 * client sent (on its link) and what reaches the backend (on the backend's link). Each packet at the
 * backend must be an outer IPv4 header from the service's source to the backend, protocol 47, a
 * 4-byte GRE header with protocol IPv4, and then the client's IP packet byte for byte. The kernel
 * here has no GRE module (no decapsulating peer in a namespace), so the check is on the frames.
 * <pre>
 *   client 10.87.0.2 -- lgc   Junction (VIP 10.87.9.9:5000, source 10.87.1.1)   lgb -- backend 10.87.1.2
 * </pre>
 */
class LbGreTest {
    private static final int PACKETS = 5;
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final LinuxHosts hosts = new LinuxHosts();
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private final List<Process> captures = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private Engine engine;
    private LbControl lb;
    private String client, backend;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("LbGreTest", "network namespaces, veth, AF_PACKET");
        Packages.require("LbGreTest", "/usr/bin/python3", "tshark", "ethtool");
        client = "lg-c-" + id;
        backend = "lg-b-" + id;
        hosts.host(client, "lgc-" + id).address("10.87.0.2/24").defaultRoute("10.87.0.1");
        hosts.host(backend, "lgb-" + id).address("10.87.1.2/24").defaultRoute("10.87.1.1");
        // With transmit checksum offload the client's capture shows the UDP checksum unfinished (the
        // pseudo-header sum), which the receiving side completes: the bytes on the wire are then the
        // ones software checksumming gives, and the comparison below is of those.
        Commands.run(10, ns(client, "ethtool", "-K", "e0", "tx", "off"));
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        VrfControl routing = new VrfControl(vrfs, engine);
        lb = new LbControl(new FlowTable(1 << 12), vrf -> 0, new LbControl.Steering() {
            public void steer(int index, String vrf, String prefix, int family) {
                routing.steer(vrf, prefix, family == 4 ? LbNode.IP4 : LbNode.IP6, index);
            }

            public void unsteer(int index) {
            }
        }, (vrf, address) -> {
            Routing.AdjacencyEntry a = routing.resolve(vrf, address);
            return a != null && a.kind().equals("forward") && a.via() == null ? a.iface() : null;
        });
        for (PacketNode n : List.of(LbNode.ip4(lb), LbNode.ip6(lb), LbReverseNode.ip4(lb), LbReverseNode.ip6(lb))) {
            engine.addNode(n, "lb");
        }
        String[] links = {"lgc-" + id, "lgb-" + id};
        for (int i = 0; i < links.length; i++) {
            AfPacketDevice d = new AfPacketDevice("j" + i, links[i]);
            devices.add(d);
            engine.addDevice(d);
            routing.addAddress("j" + i, "10.87." + i + ".1/24");
        }
        engine.start();
        lb.addService(new LoadBalancer.ServiceSpec("gre", null, "10.87.9.9", "udp", 5000, "gre", 0, 0, "10.87.1.1"));
        lb.addBackend(new LoadBalancer.BackendSpec("gre", "10.87.1.2", 0, 1, false));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : captures) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (engine != null) {
            engine.close();
        }
        for (AfPacketDevice d : devices) {
            d.close();
        }
        hosts.close();
        for (Path f : files) {
            Files.deleteIfExists(f);
        }
    }

    /** Starts tshark in {@code namespace} on e0 with {@code filter}, and returns once it captures. */
    private Path capture(String namespace, String filter) throws Exception {
        Path pcap = Files.createTempFile("lb-gre", ".pcap");
        Path err = Files.createTempFile("lb-gre", ".err");
        files.add(pcap);
        files.add(err);
        Process p = new ProcessBuilder(ns(namespace, "tshark", "-n", "-i", "e0", "-f", filter, "-c", Integer.toString(PACKETS),
                "-a", "duration:30", "-F", "pcap", "-w", pcap.toString())).redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        captures.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(err).contains("Capturing on")) { // tshark says so once the socket is open
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "tshark in " + namespace + " started: " + Files.readString(err));
            Thread.sleep(50);
        }
        return pcap;
    }

    /** The frames of a classic pcap file (either byte order). */
    private static List<byte[]> frames(Path pcap) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0xa1b2c3d4) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        assertEquals(0xa1b2c3d4, b.getInt(0), "a classic pcap");
        assertEquals(1, b.getInt(20), "Ethernet frames");
        List<byte[]> out = new ArrayList<>();
        int at = 24;
        while (at + 16 <= b.limit()) {
            int len = b.getInt(at + 8);
            byte[] f = new byte[len];
            b.get(at + 16, f);
            out.add(f);
            at += 16 + len;
        }
        return out;
    }

    private static int u16(byte[] f, int at) {
        return (f[at] & 0xFF) << 8 | (f[at + 1] & 0xFF);
    }

    private static String ip(byte[] f, int at) {
        return (f[at] & 0xFF) + "." + (f[at + 1] & 0xFF) + "." + (f[at + 2] & 0xFF) + "." + (f[at + 3] & 0xFF);
    }

    /** The IPv4 packet at {@code at}, as long as its total length says. */
    private static byte[] packet(byte[] f, int at) {
        return java.util.Arrays.copyOfRange(f, at, at + u16(f, at + 2));
    }

    private static boolean headerChecksumOk(byte[] f, int at) {
        int ihl = (f[at] & 0x0F) * 4;
        long s = 0;
        for (int o = 0; o < ihl; o += 2) {
            s += u16(f, at + o);
        }
        while (s >> 16 != 0) {
            s = (s & 0xFFFF) + (s >> 16);
        }
        return s == 0xFFFF;
    }

    @Test
    void theBackendGetsTheClientsPacketByteForByteInsideGreFromTheServicesSource() throws Exception {
        Path sent = capture(client, "udp dst port 5000");
        Path arrived = capture(backend, "ip proto 47");
        String send = String.join("\n",
                "import socket, time",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('10.87.0.2', 41000))",
                "for i in range(" + PACKETS + "):",
                "    s.sendto(('gre datagram %d ' % i).encode() + bytes(range(i * 7 % 200)), ('10.87.9.9', 5000)); time.sleep(0.05)");
        Commands.Result r = Commands.run(30, ns(client, "/usr/bin/python3", "-c", send));
        assertEquals(0, r.exit(), r.out());
        for (Process p : captures) {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "tshark saw " + PACKETS + " packets: " + engine.drops() + " " + lb.services());
            assertEquals(0, p.exitValue(), "tshark exit");
        }
        TreeSet<String> fromClient = new TreeSet<>();
        for (byte[] f : frames(sent)) {
            assertEquals(0x0800, u16(f, 12));
            fromClient.add(HexFormat.of().formatHex(packet(f, 14)));
        }
        assertEquals(PACKETS, fromClient.size(), "the client sent " + PACKETS + " distinct datagrams");
        TreeSet<String> inner = new TreeSet<>();
        for (byte[] f : frames(arrived)) {
            assertEquals(0x0800, u16(f, 12), "IPv4 to the backend");
            assertEquals(0x45, f[14] & 0xFF, "an outer IPv4 header of 20 bytes");
            assertEquals(47, f[14 + 9] & 0xFF, "protocol GRE");
            assertEquals("10.87.1.1", ip(f, 14 + 12), "from the service's source address");
            assertEquals("10.87.1.2", ip(f, 14 + 16), "to the backend");
            assertTrue(headerChecksumOk(f, 14), "the outer header checksum");
            assertEquals(0, u16(f, 34), "GRE: no checksum, key or sequence, version 0 (RFC 2784)");
            assertEquals(0x0800, u16(f, 36), "GRE protocol: IPv4");
            byte[] in = packet(f, 38);
            assertEquals(u16(f, 16) - 24, in.length, "the outer length is the inner packet plus 24 bytes");
            inner.add(HexFormat.of().formatHex(in));
        }
        assertEquals(fromClient, inner, "the inner packets are the client's, byte for byte");
        assertEquals(PACKETS, lb.services().get(0).backends().get(0).packets(), "counted on the backend");
    }
}
