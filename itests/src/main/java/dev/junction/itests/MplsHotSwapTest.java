package dev.junction.itests;

import static dev.junction.itests.Netns.ns;
import static dev.junction.itests.Netns.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.mpls.Mpls;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.RootOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * feature.mpls from statements in the real framework, updated under a 10 ms ping. Junction is both
 * label edge and label switch: h1's packets for 10.77.20.0/24 (h2's loopback address) get labels
 * 100/200 pushed towards 10.77.9.2, which is Junction's own interface mb at the other end of a veth
 * loop (in VRF core, so that both ends may sit in one subnet); arriving there, label 100 is popped
 * and the lookup continues (pop-continue), label 200 is popped and the packet forwarded to h2
 * (pop). Every gateway is found by mpls-lookup's own ARP requests. Replies come back as plain IP.
 * <pre>
 *   h1 10.77.1.2 -- m1 [ftn push 100/200 via 10.77.9.2] ma 10.77.9.1 ==veth== mb 10.77.9.2 (vrf core)
 *                                     [100 pop-continue, 200 pop via 10.77.2.2] m2 10.77.2.1 -- h2 10.77.2.2, lo 10.77.20.2
 * </pre>
 */
class MplsHotSwapTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String h1 = "mp-h1-" + id, h2 = "mp-h2-" + id;
    private final String loopA = "mpa-" + id, loopB = "mpb-" + id;
    private final LinuxHosts hosts = new LinuxHosts();
    private Traffic traffic;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("MplsHotSwapTest", "network namespaces");
        hosts.host(h1, "mp1-" + id).address("10.77.1.2/24").defaultRoute("10.77.1.1");
        hosts.host(h2, "mp2-" + id).address("10.77.2.2/24").defaultRoute("10.77.2.1");
        for (String[] c : List.of(ns(h2, "ip", "addr", "add", "10.77.20.2/32", "dev", "lo"),
                new String[] {"ip", "link", "add", loopA, "type", "veth", "peer", "name", loopB},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + loopA + ".disable_ipv6=1"},
                new String[] {"sysctl", "-qw", "net.ipv6.conf." + loopB + ".disable_ipv6=1"},
                new String[] {"ip", "link", "set", loopA, "up"}, new String[] {"ip", "link", "set", loopB, "up"})) {
            String r = sh(c);
            assertTrue(r.startsWith("0:"), String.join(" ", c) + " -> " + r);
        }
        traffic = new Traffic();
        Path f = Files.createTempFile("mpls", ".conf");
        Files.writeString(f, String.join("\n", "dataplane cpus=auto",
                "linux m1 iface=mp1-" + id, "linux m2 iface=mp2-" + id, "linux ma iface=" + loopA, "linux mb iface=" + loopB,
                "vrf core interfaces=mb",
                "address m1-a iface=m1 ip=10.77.1.1/24", "address m2-a iface=m2 ip=10.77.2.1/24",
                "address ma-a iface=ma ip=10.77.9.1/24", "address mb-a iface=mb ip=10.77.9.2/24",
                "mpls-ftn to-h2 prefix=10.77.20.0/24 via=10.77.9.2 out=100/200",
                "mpls-label outer label=100 action=pop-continue",
                "mpls-label inner label=200 action=pop via=10.77.2.2", ""));
        Osgi.load(traffic.config, f);
        Files.delete(f);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (traffic != null) {
                traffic.stop();
            }
        } finally { // the interfaces and namespaces go even when the stop failed
            sh("ip", "link", "del", loopA);
            hosts.close();
        }
    }

    private static boolean resolved() {
        try {
            Mpls mpls = Osgi.service(Mpls.class);
            return mpls.labels().size() == 2 && mpls.ftns().size() == 1
                    && mpls.ftns().getFirst().nextHops().getFirst().iface() != null
                    && mpls.labels().stream().allMatch(l -> l.nextHops().stream().allMatch(h -> h.iface() != null));
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** The tables without their counters. */
    private static List<String> table() throws InterruptedException {
        Mpls mpls = Osgi.service(Mpls.class);
        List<String> out = new ArrayList<>();
        for (Mpls.LabelStatus l : mpls.labels()) {
            out.add(l.name() + " " + l.label() + " " + l.action() + " " + l.nextHops() + " " + l.vrf() + " " + l.ttl());
        }
        for (Mpls.FtnStatus f : mpls.ftns()) {
            out.add(f.name() + " " + f.vrf() + " " + f.prefix() + " " + f.nextHops() + " " + f.ttl() + " " + f.tc());
        }
        return out;
    }

    private static long packets(int label) throws InterruptedException {
        return Osgi.service(Mpls.class).labels().stream().filter(l -> l.label() == label).findFirst().orElseThrow().packets();
    }

    private String state() {
        try {
            return "\ndrops: " + traffic.dataplane.drops() + "\ntable: " + table();
        } catch (InterruptedException e) {
            return "";
        }
    }

    @Test
    void labelledPingsCrossAnUpdateOfFeatureMplsWithTheTableKept() throws Exception {
        // Both ends of the loop and h2 are ARPed for by mpls-lookup once a second.
        Osgi.await(MplsHotSwapTest::resolved, Duration.ofSeconds(30), () -> "every next hop resolved" + state());
        String warm = sh(ns(h1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.20.2"));
        assertTrue(warm.contains("3 received"), "h1 reaches h2 over labels 100/200: " + warm + state());
        assertTrue(packets(100) >= 3 && packets(200) >= 3, "both labels switched the pings" + state());
        List<String> before = table();
        long counted = packets(200);
        Process ping = new ProcessBuilder(ns(h1, "ping", "-c", "300", "-i", "0.01", "-W", "2", "10.77.20.2"))
                .redirectErrorStream(true).start();
        Thread.sleep(1000);
        Osgi.bundle("dev.junction.feature.mpls").update();
        Osgi.await(MplsHotSwapTest::resolved, Duration.ofSeconds(10), () -> "the table back after the update" + state());
        assertTrue(ping.waitFor(60, TimeUnit.SECONDS), "ping finished");
        String out = new String(ping.getInputStream().readAllBytes());
        assertTrue(out.contains("300 packets transmitted, 300 received"), "no echo lost across an update of feature.mpls: "
                + out + state());
        assertEquals(before, table(), "the same table after the update");
        assertTrue(packets(200) >= counted + 300, "the counters handed over and counting on: " + packets(200) + state());
    }
}
