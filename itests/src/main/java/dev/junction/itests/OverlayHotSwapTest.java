package dev.junction.itests;

import static dev.junction.itests.Netns.ns;
import static dev.junction.itests.Netns.sh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.l2.Bridges;
import dev.junction.overlay.TunnelStatus;
import dev.junction.overlay.Tunnels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The overlay from configuration in the real framework: a host h1 on bridge blue, and u1 whose Linux
 * vxlan device is the far end of Junction's tunnel vxa (routing's LocalService tracking and the
 * tunnel as a bridge port, all from statements). Pings cross it; then feature.overlay and
 * feature.l2 are each updated under a 10 ms ping.
 * <pre>
 *   h1 192.168.95.1 -- o1 [bridge blue: o1, vxa] o2 10.95.0.1 -- u1 10.95.0.2, vx0 192.168.95.2
 * </pre>
 */
class OverlayHotSwapTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "jv-h1-" + id, u1 = "jv-u1-" + id;
    private final String v1 = "jv1-" + id, v2 = "jv2-" + id;
    private Traffic traffic;

    @BeforeEach
    void setUp() throws Exception {
        Netns.requireRoot("OverlayHotSwapTest", "network namespaces, vxlan devices");
        for (String[] c : List.of(new String[] {"ip", "netns", "add", h1}, new String[] {"ip", "netns", "add", u1},
                new String[] {"ip", "link", "add", v1, "type", "veth", "peer", "name", "e0", "netns", h1},
                new String[] {"ip", "link", "add", v2, "type", "veth", "peer", "name", "e0", "netns", u1},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + v1 + ".disable_ipv6=1"},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + v2 + ".disable_ipv6=1"},
                ns(h1, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"),
                ns(u1, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"),
                new String[] {"ip", "link", "set", v1, "up"}, new String[] {"ip", "link", "set", v2, "up"},
                ns(h1, "ip", "link", "set", "e0", "up", "mtu", "1450"), ns(u1, "ip", "link", "set", "e0", "up"),
                ns(h1, "ethtool", "-K", "e0", "tso", "off", "gso", "off"),
                ns(u1, "ethtool", "-K", "e0", "tso", "off", "gso", "off"),
                ns(h1, "ip", "addr", "add", "192.168.95.1/24", "dev", "e0"),
                ns(u1, "ip", "addr", "add", "10.95.0.2/24", "dev", "e0"),
                ns(u1, "ip", "link", "add", "vx0", "type", "vxlan", "id", "95", "local", "10.95.0.2", "remote", "10.95.0.1",
                        "dstport", "4789"),
                ns(u1, "ip", "link", "set", "vx0", "mtu", "1450", "up"),
                ns(u1, "ethtool", "-K", "vx0", "tx", "off", "tso", "off", "gso", "off"),
                ns(u1, "ip", "addr", "add", "192.168.95.2/24", "dev", "vx0"))) {
            String r = sh(c);
            assertTrue(r.startsWith("0:"), String.join(" ", c) + " -> " + r);
        }
        traffic = new Traffic();
        Path f = Files.createTempFile("overlay", ".conf");
        Files.writeString(f, String.join("\n", "dataplane cpus=auto", "linux o1 iface=" + v1, "linux o2 iface=" + v2,
                "address o2-a iface=o2 ip=10.95.0.1/24", "vxlan vxa local=10.95.0.1 remote=10.95.0.2 vni=95",
                "bridge blue", "bridge-port o1 bridge=blue", "bridge-port vxa bridge=blue split-horizon=1", ""));
        Osgi.load(traffic.config, f);
        Files.delete(f);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (traffic != null) {
            traffic.stop();
        }
        sh("ip", "netns", "del", h1);
        sh("ip", "netns", "del", u1);
        sh("ip", "link", "del", v1);
        sh("ip", "link", "del", v2);
    }

    private static boolean ready() {
        try {
            return Osgi.service(Bridges.class).domains().stream().anyMatch(s -> s.ports().containsKey("vxa") && s.ports().containsKey("o1"))
                    && Osgi.service(Tunnels.class).tunnels().stream().anyMatch(TunnelStatus::present);
        } catch (InterruptedException e) {
            return false;
        }
    }

    private String state() throws InterruptedException {
        return "\ndrops: " + traffic.dataplane.drops() + "\ntunnels: " + Osgi.service(Tunnels.class).tunnels()
                + "\nmacs: " + Osgi.service(Bridges.class).macs();
    }

    private String safeState() {
        try {
            return state() + "\nbridges: " + Osgi.service(Bridges.class).domains();
        } catch (InterruptedException e) {
            return "";
        }
    }

    @Test
    void theOverlayFromStatementsCarriesPingsAcrossUpdatesOfOverlayAndL2() throws Exception {
        Osgi.await(OverlayHotSwapTest::ready, Duration.ofSeconds(30), () -> "bridge blue with o1 and the tunnel vxa: " + safeState());
        String warm = sh(ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "192.168.95.2"));
        assertTrue(warm.contains("3 received"), "h1 reaches u1's vxlan host: " + warm + state());
        bypassLastBeforeLookup();
        long bypassed = bypassed();
        assertTrue(bypassed >= 3, "u1's echo replies reached vxlan-input by ip4-vxlan-bypass: " + bypassed + state());
        for (String bsn : List.of("dev.junction.feature.overlay", "dev.junction.feature.l2")) {
            Process ping = new ProcessBuilder(ns(h1, "ping", "-c", "300", "-i", "0.01", "-W", "2", "192.168.95.2"))
                    .redirectErrorStream(true).start();
            Thread.sleep(1000);
            Osgi.bundle(bsn).update();
            Osgi.await(OverlayHotSwapTest::ready, Duration.ofSeconds(10), () -> "the overlay back after updating " + bsn + safeState());
            assertTrue(ping.waitFor(60, TimeUnit.SECONDS), "ping finished");
            String out = new String(ping.getInputStream().readAllBytes());
            assertTrue(out.contains("300 packets transmitted, 300 received"), "no echo lost across an update of " + bsn + ": "
                    + out + state());
        }
        TunnelStatus vxa = Osgi.service(Tunnels.class).tunnels().getFirst();
        assertEquals("vxa", vxa.settings().name());
        bypassLastBeforeLookup(); // back with the updated bundle, in its place
    }

    /**
     * ip4-vxlan-bypass, on the arc while the tunnel exists, after the firewall's and the load
     * balancer's features (which must still see the underlay's packets) and right before ip4-lookup.
     */
    private void bypassLastBeforeLookup() {
        List<String> f = traffic.dataplane.arcs().stream().filter(a -> a.name().equals("ip4-unicast")).findFirst().orElseThrow().features();
        int bypass = f.indexOf("ip4-vxlan-bypass");
        assertTrue(bypass > f.indexOf("fw-ip4-input") && bypass > f.indexOf("lb-nat4-reverse") && f.indexOf("fw-ip4-input") >= 0
                && f.indexOf("lb-nat4-reverse") >= 0 && f.indexOf("ip4-lookup") == bypass + 1, "ip4-unicast: " + f);
    }

    private long bypassed() {
        return traffic.dataplane.counters().stream().filter(c -> c.node().equals("ip4-vxlan-bypass")).mapToLong(c -> c.value()).sum();
    }
}
