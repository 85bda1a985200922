package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.packet.Ipv4;
import dev.junction.routing.fib.Ipv6Prefix;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The full table (data/, both families) loaded as learned routes: every prefix then leads to the
 * gateway's adjacency; a reader looking up a static route all through the load never sees it
 * missing (the new FIB is built aside and published whole); a bad line refuses the whole load and
 * keeps the old table; a new load of the same kind replaces the old one; learned routes then come
 * and go one at a time without touching the rest.
 */
class TableLoadTest {
    private final Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
    private final Ip4Tables tables = new Ip4Tables();
    private final Ip6Tables tables6 = new Ip6Tables();
    private final RoutingControl control = new RoutingControl(tables, tables6, engine);

    @BeforeEach
    void setUp() {
        engine.addDevice(new MemoryDevice("a", 0x02_00_00_00_00_0AL, TrafficProfile.defaults(), false));
        control.addAddress("a", "10.1.0.1/24");
        control.addAddress("a", "fd01::1/64");
        control.addRoute("198.51.100.0/24", "10.1.0.9", null);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private static List<String> lines(String name) throws Exception {
        Path file = Path.of("../data").resolve(name);
        if (!Files.isReadable(file)) {
            System.out.println("SKIPPED LOUDLY: " + file + " is missing");
            Assumptions.abort(file + " is missing");
        }
        Process xz = new ProcessBuilder("xz", "-dc", file.toString()).start();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(xz.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String l; (l = r.readLine()) != null; ) {
                out.add(l);
            }
        }
        assertEquals(0, xz.waitFor());
        return out;
    }

    private int gatewayOf(int address) {
        int id = tables.fib.lookup(address);
        return id <= 0 ? 0 : tables.adjacencies.gateway()[id];
    }

    @Test
    void theFullTableLoadsAtomicallyAndEveryPrefixLeadsToItsGateway() throws Exception {
        List<String> v4 = lines("iprbench-tier1-ipv4.txt.xz");
        List<String> v6 = lines("iprbench-tier1-ipv6.txt.xz");
        List<String[]> routes = new ArrayList<>();
        v4.forEach(p -> routes.add(new String[] {p, "10.1.0.2"}));
        v6.forEach(p -> routes.add(new String[] {p, "fd01::2"}));
        int staticHop = Ipv4.parse("198.51.100.7");
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicLong wrong = new AtomicLong(), reads = new AtomicLong();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (loading.get()) {
                if (gatewayOf(staticHop) != Ipv4.parse("10.1.0.9")) {
                    wrong.incrementAndGet();
                }
                reads.incrementAndGet();
            }
        });
        List<String> progress = new ArrayList<>();
        RoutingControl.LoadResult r = control.loadTable("table", routes, progress::add);
        loading.set(false);
        reader.join();
        assertEquals(0, wrong.get(), "the static route was never missing during the load (" + reads.get() + " reads)");
        assertEquals(v4.size() + v6.size(), r.routes());
        assertTrue(progress.size() >= 4, progress.toString());
        System.out.printf("full table: %d routes loaded in %.2f s, FIB %d MiB%n", r.routes(), r.nanos() / 1e9, r.fibBytes() >> 20);
        int gw = Ipv4.parse("10.1.0.2");
        for (int i = 0; i < v4.size(); i += 97) {
            String p = v4.get(i);
            int addr = Ipv4.parse(p.substring(0, p.indexOf('/')));
            assertEquals(gw, gatewayOf(addr), p);
        }
        for (int i = 0; i < v6.size(); i += 31) {
            Ipv6Prefix p = Ipv6Prefix.parse(v6.get(i));
            int id = tables6.fib.lookup(p.high(), p.low());
            assertTrue(id > 0 && tables6.adjacencies.gatewayLow()[id] == 2, v6.get(i));
        }
        assertEquals(Ipv4.parse("10.1.0.9"), gatewayOf(staticHop), "the static route still wins over the table");

        // A bad line refuses the whole load: the table stays as it was.
        List<String[]> bad = new ArrayList<>(routes.subList(0, 1000));
        bad.add(new String[] {"10.300.0.0/16", "10.1.0.2"});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> control.loadTable("table", bad, s -> { }));
        assertTrue(e.getMessage().contains("route 1001") && e.getMessage().contains("nothing loaded"), e.getMessage());
        String last = v4.get(v4.size() - 1);
        assertEquals(gw, gatewayOf(Ipv4.parse(last.substring(0, last.indexOf('/')))), "old table kept");

        // A new load of the kind replaces the old one; single learned routes come and go on top.
        control.loadTable("table", List.<String[]>of(new String[] {"203.0.113.0/24", "10.1.0.3"}), s -> { });
        assertEquals(0, gatewayOf(Ipv4.parse(last.substring(0, last.indexOf('/')))), "the old table is gone");
        assertEquals(Ipv4.parse("10.1.0.3"), gatewayOf(Ipv4.parse("203.0.113.5")));
        control.replaceLearnedRoute("frr", "203.0.112.0/23", List.of("10.1.0.4"));
        assertEquals(Ipv4.parse("10.1.0.3"), gatewayOf(Ipv4.parse("203.0.113.5")), "the longer prefix still wins");
        assertEquals(Ipv4.parse("10.1.0.4"), gatewayOf(Ipv4.parse("203.0.112.5")));
        control.removeLearnedRoute("203.0.112.0/23");
        assertEquals(0, gatewayOf(Ipv4.parse("203.0.112.5")));
    }
}
