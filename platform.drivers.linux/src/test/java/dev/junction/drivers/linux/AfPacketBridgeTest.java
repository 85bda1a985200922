package dev.junction.drivers.linux;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.BridgeStatus;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.packet.MacAddress;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.RootOnly;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three real Linux hosts (namespaces with the kernel's stack, IPv6 off so that they stay quiet
 * between pings) on one subnet, each wired by a veth pair to an AF_PACKET device of Junction, the
 * three in one bridge domain of feature.l2: they ping each other through Junction's MAC learning,
 * and the table, its counters, ageing, the MAC limit and flushes on an interface going down are
 * checked against what the hosts really are.
 */
class AfPacketBridgeTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String[] host = {"jb-h1-" + id, "jb-h2-" + id, "jb-h3-" + id};
    private final String[] link = {"jb1-" + id, "jb2-" + id, "jb3-" + id};
    private final long[] mac = new long[3];
    private Engine engine;
    private final AfPacketDevice[] devs = new AfPacketDevice[3];
    private BridgeControl bridges;
    private final LinuxHosts hosts = new LinuxHosts();

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("AfPacketBridgeTest", "network namespaces, veth, AF_PACKET");
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        bridges = new BridgeControl(s -> engine.register(s, "test"), engine::unregister);
        for (int i = 0; i < 3; i++) {
            hosts.host(host[i], link[i]).address("10.78.0." + (i + 1) + "/24");
            must(ns(host[i], "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"));
            mac[i] = MacAddress.parse(must(ns(host[i], "cat", "/sys/class/net/e0/address")).strip());
            devs[i] = new AfPacketDevice("j" + (i + 1), link[i]);
            engine.addDevice(devs[i]);
        }
        engine.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (bridges != null) {
            bridges.close();
        }
        if (engine != null) {
            engine.close();
        }
        for (AfPacketDevice d : devs) {
            if (d != null) {
                d.close();
            }
        }
        hosts.close();
    }

    private void bridge(BridgeSettings s) {
        bridges.domain(s);
        for (int i = 0; i < 3; i++) {
            bridges.port("j" + (i + 1), s.name(), 0);
        }
    }

    private Result ping(int from, int to) throws Exception {
        return run(30, ns(host[from], "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.78.0." + (to + 1)));
    }

    private boolean learnedOn(int h, String port) {
        return bridges.macs().stream().anyMatch(e -> e.mac() == mac[h] && e.iface().equals(port));
    }

    private BridgeStatus blue() {
        return bridges.domains().getFirst();
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
    void threeHostsPingEachOtherAndFloodingStopsOnceTheyAreLearned() throws Exception {
        bridge(BridgeSettings.defaults("blue"));
        for (int[] p : new int[][] {{0, 1}, {0, 2}, {1, 2}}) {
            Result r = ping(p[0], p[1]);
            assertEquals(0, r.exit(), r.out());
            assertTrue(r.out().contains("3 received"), r.out());
        }
        await(() -> learnedOn(0, "j1") && learnedOn(1, "j2") && learnedOn(2, "j3"), () -> "each host's MAC on its port: " + bridges.macs());
        assertEquals(3, blue().macs(), bridges.macs()::toString);
        BridgeStatus before = blue();
        assertTrue(before.counter("flooded") >= 3, "the ARP requests were flooded: " + before.counters());
        assertTrue(before.counter("forwarded") >= 12, "echo requests and replies went to one port: " + before.counters());
        // Once both ends are learned (and the hosts know each other's MACs), nothing floods any more.
        for (int[] p : new int[][] {{0, 1}, {2, 0}}) {
            assertEquals(0, ping(p[0], p[1]).exit());
        }
        BridgeStatus after = blue();
        assertEquals(before.counter("unknown-unicast-flooded"), after.counter("unknown-unicast-flooded"), after.counters()::toString);
        assertEquals(before.counter("flooded"), after.counter("flooded"), after.counters()::toString);
        assertEquals(before.counter("forwarded") + 12, after.counter("forwarded"), "12 more frames, each to one port");
        assertTrue(devs[1].counters().txPackets() < devs[0].counters().txPackets() + 20, "no storm");
    }

    @Test
    void entriesAgeOutAndTheMacLimitHolds() throws Exception {
        // The limit first, with the default ageing: h1 and h2 must not age out while h3 tries.
        bridge(BridgeSettings.defaults("blue").withMacLimit(2));
        assertEquals(0, ping(0, 1).exit());
        await(() -> blue().macs() == 2, () -> "h1 and h2 learned: " + bridges.macs());
        Result r = ping(2, 0);
        assertNotEquals(0, r.exit(), "h3 is a third MAC: its frames are dropped: " + r.out());
        assertTrue(blue().counter("limit-drops") >= 1, blue().counters()::toString);
        assertTrue(!learnedOn(2, "j3"));
        // Ageing down to 2 s (the table is kept): the quiet hosts age out; then h3 fits in the limit.
        bridges.domain(BridgeSettings.defaults("blue").withAgeing(2).withMacLimit(2));
        await(() -> blue().macs() == 0, () -> "aged out: " + bridges.macs());
        assertEquals(2, blue().counter("aged"), blue().counters()::toString);
        must(ns(host[2], "ip", "neigh", "flush", "all")); // its failed ARP for h1 would answer "unreachable" at once
        Result again = ping(2, 0);
        assertEquals(0, again.exit(), () -> again.out() + " " + blue().counters() + " " + bridges.macs() + " " + engine.drops());
    }

    @Test
    void aPortGoingDownFlushesItsEntries() throws Exception {
        bridge(BridgeSettings.defaults("blue"));
        assertEquals(0, ping(0, 1).exit());
        assertEquals(0, ping(0, 2).exit());
        await(() -> learnedOn(0, "j1") && learnedOn(1, "j2") && learnedOn(2, "j3"), () -> "all three: " + bridges.macs());
        engine.setInterfaceUp("j2", false);
        await(() -> !learnedOn(1, "j2"), () -> "h2 flushed with j2 administratively down: " + bridges.macs());
        assertTrue(learnedOn(0, "j1") && learnedOn(2, "j3"), "the others stay");
        // The link of j3's veth goes down (the interface watch sees it within a second).
        must("ip", "link", "set", link[2], "down");
        await(() -> !learnedOn(2, "j3"), () -> "h3 flushed with j3's link down: " + bridges.macs());
        assertEquals(2, blue().counter("flushed"), blue().counters()::toString);
        must("ip", "link", "set", link[2], "up");
        engine.setInterfaceUp("j2", true);
        await(() -> {
            try {
                return ping(1, 2).exit() == 0;
            } catch (Exception e) {
                return false;
            }
        }, () -> "h2 and h3 back");
    }
}
