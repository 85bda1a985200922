package dev.junction.routing.e2e;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.device.NetDevice;
import dev.junction.drivers.linux.AfXdpDevice;
import dev.junction.testing.Commands.Result;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link RoutedHostsTest} (ping both ways in IPv4 and IPv6, ICMP errors, MTU,
 * fragmentation, the scapy barrage, a capture, a TCP transfer checked by SHA-256) with Junction
 * attached to the two veth pairs through AF_XDP devices in auto mode (native XDP on veth), and the
 * interface back with the kernel after its device is removed.
 */
class RoutedHostsAfXdpTest extends RoutedHostsTest {

    @Override
    NetDevice attach(String name, String ifname) {
        return new AfXdpDevice(name, ifname, AfXdpDevice.Mode.AUTO);
    }

    /** An AF_XDP socket sees no checksum status: the hosts fill in their own TCP/UDP checksums. */
    @Override
    void prepareHosts(String h1, String h2) throws Exception {
        must(ns(h1, "ethtool", "-K", "e0", "tx", "off"));
        must(ns(h2, "ethtool", "-K", "e0", "tx", "off"));
    }

    /** veth refuses a peer MTU above about 3,500 while a native XDP program without frags support is attached. */
    @Override
    int jumboMtu() {
        return 3400;
    }

    @Test
    void theDevicesRanNativeXdpOnVeth() {
        AfXdpDevice d = (AfXdpDevice) d1;
        assertEquals("native", d.xdpMode(), d.driver());
    }

    @Test
    void removingTheDeviceDetachesItsProgramAndTheKernelAnswersOnTheInterfaceAgain() throws Exception {
        Result r = run(30, ns(h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.81.1.1"));
        assertEquals(0, r.exit(), "Junction answers on j1 first: " + r.out() + drops());
        assertTrue(must("ip", "link", "show", v1).contains("prog/xdp"), must("ip", "link", "show", v1));
        engine.removeDevice(d1);
        ((AfXdpDevice) d1).close();
        d1 = null;
        String link = must("ip", "-d", "link", "show", v1);
        assertFalse(link.contains("prog/xdp") || link.contains("xdpgeneric"), "no XDP program left on " + v1 + ": " + link);
        // The kernel takes Junction's place on the link: its own address there answers h1.
        must("ip", "addr", "add", "10.81.1.1/24", "dev", v1);
        must(ns(h1, "ip", "neigh", "flush", "dev", "e0"));
        r = run(30, ns(h1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.81.1.1"));
        assertTrue(r.out().contains("2 received"), "the kernel answers on " + v1 + ": " + r.out());
    }
}
