package dev.junction.drivers.linux;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.RootOnly;
import dev.junction.testing.TcpTransfer;
import dev.junction.l2.xconnect.XconnectControl;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two real Linux hosts on one subnet, each wired by a veth pair to an AF_XDP device, cross-connected
 * at layer 2 by Junction: ping and a TCP transfer (SHA-256) through the graph in native and generic
 * mode; the program is on the interface while the device lives and gone after it is closed, and
 * the kernel has the interface back; each failure says why in one line.
 */
class AfXdpXconnectTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jx-h1-" + id;
    private final String h2 = "jx-h2-" + id;
    private final String v1 = "jx1-" + id;
    private final String v2 = "jx2-" + id;
    private Engine engine;
    private AfXdpDevice d1;
    private AfXdpDevice d2;
    private final LinuxHosts hosts = new LinuxHosts();

    private void start(AfXdpDevice.Mode mode) throws Exception {
        RootOnly.require("AfXdpXconnectTest", "network namespaces, veth, AF_XDP, bpf");
        hosts.host(h1, v1).address("10.78.0.1/24");
        hosts.host(h2, v2).address("10.78.0.2/24");
        // An AF_XDP socket sees no checksum status: the hosts must fill in their own checksums.
        must(ns(h1, "ethtool", "-K", "e0", "tx", "off"));
        must(ns(h2, "ethtool", "-K", "e0", "tx", "off"));
        d1 = new AfXdpDevice("j1", v1, mode);
        d2 = new AfXdpDevice("j2", v2, mode);
        startEngine();
    }

    private void startEngine() {
        startEngine(List.of(-1));
    }

    /** An engine with a worker per entry of {@code cpus}, d1 and d2 cross-connected both ways, started. */
    private void startEngine(List<Integer> cpus) {
        engine = new Engine(EngineConfig.defaults().withCpus(cpus));
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

    @ParameterizedTest
    @EnumSource(value = AfXdpDevice.Mode.class, names = {"NATIVE", "GENERIC"})
    void pingAndTcpCrossJunctionOverAfXdp(AfXdpDevice.Mode mode) throws Exception {
        start(mode);
        assertEquals(mode.name().toLowerCase(), d1.xdpMode());
        String link = must("ip", "-d", "link", "show", v1);
        assertTrue(link.contains(mode == AfXdpDevice.Mode.NATIVE ? "xdp " : "xdpgeneric"), link);
        Result ping = run(30, ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.78.0.2"));
        assertTrue(ping.out().contains("3 received"), ping.out() + d1.drops() + d2.drops());
        assertTrue(d1.driver().startsWith("af_xdp " + v1 + " " + d1.xdpMode() + " "), d1.driver());
        assertFalse(d1.driver().contains("unbound") || d1.driver().contains("failed"), d1.driver());
        TcpTransfer t = TcpTransfer.send(h1, h2, "10.78.0.2", 5001);
        assertEquals(0, t.sent().exit(), t.sent().out());
        assertTrue(t.serverFinished(), "server finished; j1 " + d1.counters() + d1.drops() + " j2 " + d2.counters() + d2.drops()
                + "\n" + engine.drops());
        assertEquals(t.sent().out().strip(), t.received(), "bytes and SHA-256 sent vs received");
        assertTrue(d1.counters().rxPackets() > 2000, "the transfer went through the AF_XDP sockets: " + d1.counters());
        assertTrue(d2.counters().txPackets() > 2000, d2.counters().toString());
        assertEquals(0L, d1.drops().get("invalid descriptors"), d1.drops().toString());
    }

    @Test
    void closingTheDeviceDetachesTheProgramAndTheKernelHasTheInterfaceBack() throws Exception {
        start(AfXdpDevice.Mode.AUTO);
        assertTrue(must("ip", "link", "show", v1).contains("prog/xdp"), must("ip", "link", "show", v1));
        assertTrue(run(30, ns(h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.78.0.2")).out().contains("2 received"));
        engine.close();
        engine = null;
        d1.close();
        d1 = null;
        String after = must("ip", "-d", "link", "show", v1);
        assertFalse(after.contains("prog/xdp") || after.contains("xdpgeneric") || after.contains(" xdp "), after);
        // The kernel answers on the interface again: give it an address and ping it from h1.
        must("sysctl", "-qw", "net.ipv4.conf." + v1 + ".rp_filter=0");
        must("ip", "addr", "add", "10.78.0.9/24", "dev", v1);
        Result r = run(30, ns(h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.78.0.9"));
        assertTrue(r.out().contains("2 received"), "the kernel answers on " + v1 + " after the device left: " + r.out());
    }

    @Test
    void aWorkerThatStopsGivesTheSocketBackAndTheNextWorkerBindsAgain() throws Exception {
        start(AfXdpDevice.Mode.AUTO);
        assertTrue(run(30, ns(h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.78.0.2")).out().contains("2 received"));
        long rxBefore = d1.counters().rxPackets();
        // The worker stops and its pool (the UMEM) is freed: the socket must have let go of it.
        engine.close();
        assertTrue(d1.driver().endsWith(" unbound"), d1.driver());
        startEngine();
        // The sockets bind on the new worker's first poll of each device: wait for both (a frame
        // for j2 before j2's socket is bound would be dropped and counted, not forwarded).
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(d1.driver().endsWith("copy") && d2.driver().endsWith("copy")) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        Result again = run(30, ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.78.0.2"));
        assertTrue(again.out().contains("3 received"), again.out() + " j1 " + d1.driver() + d1.drops() + " " + d1.counters()
                + " j2 " + d2.driver() + d2.drops() + " " + d2.counters() + "\n" + engine.drops());
        assertTrue(d1.driver().endsWith(" copy") || d1.driver().endsWith(" zero-copy"), d1.driver());
        assertTrue(d1.counters().rxPackets() >= rxBefore + 3, "counters carry on over the rebind: " + d1.counters());
        // Linux 6.17 took XDP_MAX_TX_SKB_BUDGET: a copy-mode sendto then sends up to the TX ring's size.
        assertEquals(kernelAtLeast(6, 17) ? d1.ringSize() : 32, d1.txBudget(),
                "frames a sendto sends on kernel " + System.getProperty("os.version"));
    }

    @Test
    void twoWorkersEachPollAQueueAndFlowsSpreadOverBoth() throws Exception {
        RootOnly.require("AfXdpXconnectTest", "network namespaces, veth, AF_XDP, bpf");
        hosts.host(h1, v1, 2).address("10.78.0.1/24");
        hosts.host(h2, v2, 2).address("10.78.0.2/24");
        must(ns(h1, "ethtool", "-K", "e0", "tx", "off"));
        must(ns(h2, "ethtool", "-K", "e0", "tx", "off"));
        d1 = new AfXdpDevice("j1", v1, AfXdpDevice.Mode.NATIVE, 2);
        d2 = new AfXdpDevice("j2", v2, AfXdpDevice.Mode.NATIVE, 2);
        startEngine(List.of(-1, -1));
        Result ping = run(30, ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.78.0.2"));
        assertTrue(ping.out().contains("3 received"), ping.out() + d1.drops() + d1.driver());
        assertTrue(d1.driver().contains("queues 2/2 bound"), d1.driver());
        // 64 UDP flows (source ports) of 20 datagrams: the sender's flow hash spreads them over e0's two
        // queues (all on one: 2^-63), so both of j1's sockets, polled by different workers, receive.
        long h2Before = Long.parseLong(must(ns(h2, "cat", "/sys/class/net/e0/statistics/rx_packets")).strip());
        must(ns(h1, "python3", "-c", "import socket\n"
                + "for p in range(64):\n"
                + "  s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('10.78.0.1', 20000 + p))\n"
                + "  for i in range(20): s.sendto(b'x' * 32, ('10.78.0.2', 9))\n"
                + "  s.close()\n"));
        long[] perQueue = d1.rxPacketsPerQueue();
        assertTrue(perQueue[0] > 0 && perQueue[1] > 0, "both queues received: " + java.util.Arrays.toString(perQueue));
        // Each frame crossed to h2 through the worker that received it (its socket on j2 is that worker's).
        TcpTransfer t = TcpTransfer.send(h1, h2, "10.78.0.2", 5001);
        assertTrue(t.serverFinished(), "server finished; " + d1.drops() + d2.drops());
        assertEquals(t.sent().out().strip(), t.received(), "bytes and SHA-256 sent vs received");
        long h2Rx = Long.parseLong(must(ns(h2, "cat", "/sys/class/net/e0/statistics/rx_packets")).strip()) - h2Before;
        assertTrue(h2Rx >= 64 * 20, "h2 got the datagrams and the transfer: " + h2Rx);
        assertEquals(0L, d2.drops().get("no socket of this worker's pool"), d2.drops().toString());
        assertEquals(0L, d1.drops().get("invalid descriptors"), d1.drops().toString());
    }

    @Test
    void moreQueuesThanTheInterfaceHasAreRefused() throws Exception {
        RootOnly.require("AfXdpXconnectTest", "network namespaces, veth");
        hosts.host(h1, v1).address("10.78.0.1/24");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new AfXdpDevice("x", v1, AfXdpDevice.Mode.AUTO, 2));
        assertEquals("AF_XDP on " + v1 + ": queues must be 1..1 (the interface has 1 receive queue), not 2", e.getMessage());
    }

    @Test
    void aMissingInterfaceIsRefusedInOneLine() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new AfXdpDevice("x", "no-such-if0", AfXdpDevice.Mode.AUTO));
        assertEquals("AF_XDP on no-such-if0: no Linux interface named 'no-such-if0' (see ip link)", e.getMessage());
    }

    @Test
    void loopbackHasNoNativeXdpAndGenericModeAttaches() throws Exception {
        RootOnly.require("AfXdpXconnectTest", "bpf");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new AfXdpDevice("x", "lo", AfXdpDevice.Mode.NATIVE));
        assertEquals("AF_XDP on lo: the driver of lo has no native XDP (try mode generic or auto)", e.getMessage());
        try (AfXdpDevice lo = new AfXdpDevice("x", "lo", AfXdpDevice.Mode.AUTO)) {
            assertEquals("generic", lo.xdpMode());
            assertTrue(must("ip", "link", "show", "lo").contains("xdpgeneric"));
        }
        assertFalse(must("ip", "link", "show", "lo").contains("xdp"), "detached from lo");
    }

    /** Whether the running kernel is at least {@code major.minor} ({@code os.version}, e.g. 6.18.44-fc). */
    static boolean kernelAtLeast(int major, int minor) {
        String[] v = System.getProperty("os.version").split("[.-]");
        int a = Integer.parseInt(v[0]), b = v.length > 1 ? Integer.parseInt(v[1]) : 0;
        return a > major || a == major && b >= minor;
    }
}
