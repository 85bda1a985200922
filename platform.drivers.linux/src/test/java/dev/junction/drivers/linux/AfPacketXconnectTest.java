package dev.junction.drivers.linux;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.CaptureDirection;
import dev.junction.device.DeviceCounters;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.Packages;
import dev.junction.testing.RootOnly;
import dev.junction.testing.TcpTransfer;
import dev.junction.l2.xconnect.XconnectControl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real Linux hosts (network namespaces with the kernel's own stack) on one subnet, each wired by
 * a veth pair to Junction, which cross-connects the two AF_PACKET devices at layer 2: ARP, ping and a
 * TCP transfer go through Junction's graph.
 */
class AfPacketXconnectTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jt-h1-" + id;
    private final String h2 = "jt-h2-" + id;
    private final String v1 = "jt1-" + id;
    private final String v2 = "jt2-" + id;
    private Engine engine;
    private AfPacketDevice d1;
    private AfPacketDevice d2;
    private final LinuxHosts hosts = new LinuxHosts();

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("AfPacketXconnectTest", "network namespaces, veth, AF_PACKET");
        hosts.host(h1, v1).address("10.77.0.1/24");
        hosts.host(h2, v2).address("10.77.0.2/24");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        d1 = new AfPacketDevice("j1", v1);
        d2 = new AfPacketDevice("j2", v2);
        engine.addDevice(d1);
        engine.addDevice(d2);
        XconnectControl xconnects = new XconnectControl(s -> engine.register(s, "test"), engine::unregister);
        xconnects.connect("j1", "j2");
        xconnects.connect("j2", "j1");
        engine.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (engine != null) {
            engine.close();
        }
        if (d1 != null) {
            d1.close();
        }
        if (d2 != null) {
            d2.close();
        }
        hosts.close();
    }

    @Test
    void pingCrossesJunction(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("j1.pcap");
        engine.startCapture("j1", pcap, CaptureDirection.RX, 0);
        Result ping = run(30, ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2"));
        engine.stopCapture("j1");
        assertEquals(0, ping.exit(), ping.out());
        assertTrue(ping.out().contains("3 received"), ping.out());
        DeviceCounters c1 = d1.counters();
        assertTrue(c1.rxPackets() >= 4, "ARP request + 3 echo requests received on j1: " + c1);
        assertTrue(d2.counters().txPackets() >= 4, "and sent on j2: " + d2.counters());
        Packages.require("AfPacketXconnectTest", "tshark");
        String echo = must("tshark", "-n", "-r", pcap.toString(), "-Y", "icmp.type == 8", "-T", "fields", "-e", "ip.dst");
        assertEquals(3, echo.strip().lines().filter(l -> l.equals("10.77.0.2")).count(), echo);
    }

    @Test
    void tcpTransferArrivesIntact() throws Exception {
        // h2 listens and prints the SHA-256 of what it received; h1 sends 4 MiB of random bytes.
        TcpTransfer t = TcpTransfer.send(h1, h2, "10.77.0.2", 5001);
        assertEquals(0, t.sent().exit(), t.sent().out());
        assertTrue(t.serverFinished(), "server finished");
        assertEquals(t.sent().out().strip(), t.received(), "bytes and SHA-256 sent vs received");
        assertTrue(d1.counters().rxPackets() > 2000, "the transfer went through Junction: " + d1.counters());
        assertEquals(0, d1.counters().rxErrors());
    }

    /**
     * The kernel takes the outer VLAN tag out of every frame before a packet socket reads it; the
     * driver puts it back from the ring's header, so a tagged frame crosses Junction with its tag,
     * priority and an inner 802.1Q tag (QinQ) as they were sent.
     */
    @Test
    void vlanTagsCrossJunctionAsTheyWereSent(@TempDir Path dir) throws Exception {
        int each = 20;
        String send = """
                import socket, sys
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("e0", 0))
                macs = bytes.fromhex("ffffffffffff020000000001")
                dot1q = macs + bytes.fromhex("8100a02a" + "88b5") + bytes(46)          # VLAN 42, priority 5
                qinq = macs + bytes.fromhex("88a80064" + "81000007" + "88b5") + bytes(46)  # S-VLAN 100, C-VLAN 7
                for _ in range(int(sys.argv[1])): s.send(dot1q); s.send(qinq)
                """;
        Path pcap = dir.resolve("j2.pcap");
        engine.startCapture("j2", pcap, CaptureDirection.TX, 0);
        long before = d2.counters().txPackets();
        must(ns(h1, "/usr/bin/python3", "-c", send, Integer.toString(each)));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (d2.counters().txPackets() - before < 2L * each && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        engine.stopCapture("j2");
        assertTrue(d2.counters().txPackets() - before >= 2L * each, "all tagged frames forwarded: " + d2.counters());
        Packages.require("AfPacketXconnectTest", "tshark");
        String out = must("tshark", "-n", "-r", pcap.toString(), "-Y", "eth.src == 02:00:00:00:00:01", "-T", "fields",
                "-e", "frame.len", "-e", "eth.type", "-e", "ieee8021ad.id", "-e", "vlan.id", "-e", "vlan.priority");
        // tshark dissects an 802.1ad outer tag as ieee8021ad, an 802.1Q tag as vlan.
        assertEquals(each, out.lines().filter(l -> l.equals("64\t0x8100\t\t42\t5")).count(), out);
        assertEquals(each, out.lines().filter(l -> l.equals("68\t0x88a8\t100\t7\t0")).count(), out);
    }

    @Test
    void framesTheKernelDropsOnAFullRingAreCounted() throws Exception {
        // Receiving held (as in a swap window): the kernel fills the ring, then drops. Every frame
        // h1 sends must show up either as received or as an rx error, none silently lost.
        int sent = 60_000;
        String flood = """
                import socket, sys
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("e0", 0))
                f = bytes.fromhex("ffffffffffff020000000001" + "88b5") + bytes(46)   # local experimental ethertype
                for _ in range(int(sys.argv[1])): s.send(f)
                """;
        Object key = new Object();
        engine.holdRx(key, 30_000_000_000L);
        DeviceCounters before = d1.counters();
        try {
            must(ns(h1, "/usr/bin/python3", "-c", flood, Integer.toString(sent)));
        } finally {
            engine.releaseRx(key);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        DeviceCounters c = d1.counters();
        while (c.rxPackets() + c.rxErrors() - before.rxPackets() - before.rxErrors() < sent && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            c = d1.counters();
        }
        long received = c.rxPackets() - before.rxPackets();
        long dropped = c.rxErrors() - before.rxErrors();
        assertTrue(dropped > 0, "the ring overflowed while held: " + c);
        assertTrue(received + dropped >= sent, "every frame received or counted: " + received + " + " + dropped + " of " + sent);
    }

    @Test
    void gsoSuperFramesAreCountedNotFatal() throws Exception {
        must(ns(h1, "ethtool", "-K", "e0", "tso", "on", "gso", "on"));
        // With TSO on the sender hands over 64 KB frames; Junction drops and counts them.
        String client = """
                import os, socket
                try:
                    c = socket.create_connection(("10.77.0.2", 5002), timeout=3)
                    c.settimeout(3); c.sendall(os.urandom(1 << 20))
                except OSError as e:
                    print("client:", e)
                """;
        String server = """
                import socket
                s = socket.socket(); s.bind(("10.77.0.2", 5002)); s.listen(1); s.settimeout(8)
                try:
                    c, _ = s.accept(); c.settimeout(3)
                    while c.recv(65536): pass
                except OSError as e:
                    print("server:", e)
                """;
        Process srv = new ProcessBuilder(ns(h2, "/usr/bin/python3", "-c", server)).redirectErrorStream(true).start();
        try {
            Thread.sleep(300); // the server binds; the client retries nothing here on purpose
            run(20, ns(h1, "/usr/bin/python3", "-c", client));
            assertTrue(d1.counters().rxErrors() > 0, "oversized frames counted: " + d1.counters());
            Result ping = run(30, ns(h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.77.0.2"));
            assertEquals(0, ping.exit(), "Junction still forwards: " + ping.out());
        } finally {
            srv.destroyForcibly();
            srv.waitFor();
        }
    }
}
