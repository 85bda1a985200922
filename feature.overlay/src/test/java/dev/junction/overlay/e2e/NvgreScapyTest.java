package dev.junction.overlay.e2e;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.CaptureDirection;
import dev.junction.l2.BridgeSettings;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.TunnelStatus;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NVGRE against frames scapy builds (this kernel has no GRE module, so no Linux NVGRE end): from u1,
 * echo requests in NVGRE (GRE key = VSID 0x5001 and a FlowID, protocol 0x6558) to h1 on Junction's
 * bridge come out of the tunnel, h1's replies go back in Junction's own NVGRE, which tshark
 * dissects (key, protocol, the inner echo reply); GRE that is not NVGRE's form is dropped by reason.
 * <pre>
 *   h1 192.168.92.1 -- j-h1 [bridge ov: j-h1, gre1] j-u1 10.90.1.1 -- u1 10.90.1.2 (scapy)
 * </pre>
 */
class NvgreScapyTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jn-h1-" + id, u1 = "jn-u1-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private OverlayRig rig;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("NvgreScapyTest", "network namespaces, veth, AF_PACKET");
        Packages.require("NvgreScapyTest", "python3:scapy", "tshark");
        hosts.host(h1, "jnh1-" + id).address("192.168.92.1/24");
        hosts.host(u1, "jnu1-" + id).address("10.90.1.2/24");
        for (String h : List.of(h1, u1)) {
            must(ns(h, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"));
        }
        // The inner sender lives only in scapy's frames: h1 knows its MAC.
        must(ns(h1, "ip", "neigh", "add", "192.168.92.50", "lladdr", "02:00:00:00:92:50", "dev", "e0"));
        rig = new OverlayRig();
        rig.device("j-h1", "jnh1-" + id);
        rig.device("j-u1", "jnu1-" + id);
        rig.routing.addAddress("j-u1", "10.90.1.1/24");
        rig.bridges.domain(BridgeSettings.defaults("ov"));
        rig.bridges.port("j-h1", "ov", 0);
        rig.tunnels.tunnel(TunnelSettings.nvgre("gre1", "10.90.1.1", "10.90.1.2", 0x5001));
        rig.bridges.port("gre1", "ov", 1);
        rig.engine.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (rig != null) {
            rig.close();
        }
        hosts.close();
    }

    private TunnelStatus gre1() {
        return rig.tunnels.tunnels().getFirst();
    }

    @Test
    void scapysNvgreFramesReachTheBridgeAndJunctionsRepliesDissect() throws Exception {
        Path pcap = Files.createTempFile("nvgre-", ".pcap");
        rig.engine.startCapture("j-u1", pcap, CaptureDirection.TX, 0);
        String send = """
                from scapy.all import Ether, IP, GRE, ICMP, Raw, send, conf
                conf.verb = 0
                def nvgre(flow, seq, proto=0x6558, **gre):
                    g = GRE(key_present=1, key=(0x5001 << 8) | flow, proto=proto, **gre)
                    return IP(src='10.90.1.2', dst='10.90.1.1') / g / Ether(src='02:00:00:00:92:50', dst=DST) \\
                        / IP(src='192.168.92.50', dst='192.168.92.1') / ICMP(type=8, id=7, seq=seq) / Raw(b'x' * 32)
                DST = open('/dev/stdin').read().strip()
                for seq in range(5):
                    send(nvgre(seq * 37 & 0xff, seq))
                send(nvgre(1, 90, proto=0x0800))              # GRE, but not bridging
                send(nvgre(1, 91, chksum_present=1))          # a checksum: not NVGRE's form
                g = GRE(key_present=1, key=(0x5002 << 8), proto=0x6558)   # another VSID
                send(IP(src='10.90.1.2', dst='10.90.1.1') / g / Ether(src='02:00:00:00:92:51') / IP() / ICMP())
                """;
        String h1Mac = must(ns(h1, "cat", "/sys/class/net/e0/address")).strip();
        Process p = new ProcessBuilder(ns(u1, "/usr/bin/python3", "-c", send)).redirectErrorStream(true).start();
        p.getOutputStream().write((h1Mac + "\n").getBytes());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (gre1().txPackets() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(5, gre1().rxPackets(), "five echo requests decapsulated: " + rig.state());
        assertEquals(5, gre1().txPackets(), "five replies encapsulated: " + rig.state());
        assertTrue(rig.bridges.macs().stream().anyMatch(m -> m.iface().equals("gre1")), "scapy's MAC learned on gre1");
        assertEquals(1, rig.drops("nvgre-input", "GRE protocol other than"), rig.state());
        assertEquals(1, rig.drops("nvgre-input", "GRE flags or version"), rig.state());
        assertEquals(1, rig.drops("nvgre-input", "no tunnel"), rig.state());
        rig.engine.stopCapture("j-u1");
        String dissected = must("tshark", "-n", "-r", pcap.toString(), "-Y", "gre", "-T", "fields", "-e", "ip.src", "-e", "ip.dst",
                "-e", "gre.flags.key", "-e", "gre.proto", "-e", "gre.key", "-e", "icmp.type", "-e", "icmp.seq", "-e", "ip.flags.df");
        Files.deleteIfExists(pcap);
        List<String> lines = dissected.lines().filter(l -> l.contains("\t")).toList();
        assertEquals(5, lines.size(), dissected);
        for (String line : lines) {
            String[] f = line.split("\t");
            assertEquals("10.90.1.1,192.168.92.1", f[0], line);
            assertEquals("10.90.1.2,192.168.92.50", f[1], line);
            assertTrue(f[2].equals("1") || f[2].startsWith("True"), "key present: " + line);
            assertEquals("0x6558", f[3], line);
            assertEquals(0x5001, Long.decode(f[4]) >>> 8, "VSID in the key: " + line);
            assertEquals("0", f[5], "the inner packet is h1's echo reply: " + line);
        }
    }
}
