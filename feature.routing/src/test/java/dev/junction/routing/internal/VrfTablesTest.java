package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.DeviceCounters;
import dev.junction.routing.Routing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * A VRF stands for a kernel table ({@code vrf NAME table=N}, {@code ip:vrf --table N}): the values
 * refused and why, one table per VRF, and FRR's routes of a table following it: kept aside while no
 * VRF has the table, applied when one takes it, put aside again when it leaves it.
 */
class VrfTablesTest {
    /** Four interfaces, if0..if3, that never change. */
    static final Dataplane FOUR_INTERFACES = (Dataplane) Proxy.newProxyInstance(Dataplane.class.getClassLoader(),
            new Class<?>[] {Dataplane.class}, (proxy, method, args) -> {
                if (method.getName().equals("interfaces")) {
                    List<InterfaceStatus> out = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        out.add(new InterfaceStatus(i, "if" + i, "test", "02:00:00:00:00:0" + i, 1500, true, true, "l3", 1,
                                DeviceCounters.ZERO));
                    }
                    return out;
                }
                return method.getReturnType() == long.class ? 0L : null;
            });

    private final RoutingStatements.Vrf statement = new RoutingStatements.Vrf();

    private static String refusal(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void theStatementTakesATableAndSaysWhatIsWrongWithABadOne() {
        assertEquals(Map.of("interfaces", "if1", "table", 10L), statement.check("red", Map.of("interfaces", "if1", "table", "10")));
        assertEquals(4_294_967_295L, statement.check("red", Map.of("table", "4294967295")).get("table"));
        assertEquals(Map.of("interfaces", "if1"), statement.check("red", Map.of("interfaces", "if1")), "no table: none");
        assertEquals(java.util.Set.of("table"), statement.uniqueKeys(), "a file giving one table to two VRFs is refused whole");
        String write = "; write: vrf NAME interfaces=IF[,IF...] [table=N]";
        for (String bad : List.of("0", "-1", "4294967296", "ten", "")) {
            assertEquals("table must be a whole number from 1 to 4294967295, not '" + bad + "'" + write,
                    refusal(() -> statement.check("red", Map.of("table", bad))));
        }
        assertEquals("table 254 is the kernel's main table, the default VRF's; a VRF takes another (1..252 or 256..4294967295, e.g. 10)"
                + write, refusal(() -> statement.check("red", Map.of("table", "254"))));
        assertTrue(refusal(() -> statement.check("red", Map.of("table", "255"))).startsWith("table 255 is the kernel's local table;"));
        assertTrue(refusal(() -> statement.check("red", Map.of("table", "253"))).startsWith("table 253 is the kernel's default table;"));
    }

    @Test
    void aTableBelongsToOneVrfAndARefusalChangesNothing() {
        VrfControl vrfs = new VrfControl(new Vrfs(), FOUR_INTERFACES);
        vrfs.bindVrf("red", List.of("if1"), 10);
        assertEquals("table 10 is VRF red's already: a table belongs to one VRF (see ip:vrfs)",
                refusal(() -> vrfs.bindVrf("blue", List.of("if2"), 10)));
        assertEquals(List.of("default", "red"), vrfs.vrfs().stream().map(Routing.VrfEntry::name).toList(), "blue not made");
        assertTrue(vrfs.vrfs().getFirst().interfaces().contains("if2"), "if2 stays in the default VRF");
        assertEquals(List.of(254L, 10L), vrfs.vrfs().stream().map(Routing.VrfEntry::table).toList());
        assertTrue(refusal(() -> vrfs.bindVrf("blue", List.of("if2"), 254)).startsWith("table 254 is the kernel's main table"));
        vrfs.bindVrf("red", List.of("if1"), 10); // its own table again: nothing changes
        vrfs.bindVrf("red", List.of(), 0);
        vrfs.bindVrf("blue", List.of("if2"), 10);
        assertEquals(List.of(254L, 0L, 10L), vrfs.vrfs().stream().map(Routing.VrfEntry::table).toList());
    }

    private static Optional<Routing.RouteEntry> frr(VrfControl vrfs, String vrf, String prefix) {
        return vrfs.routes(vrf).stream().filter(r -> r.prefix().equals(prefix) && r.kind().equals(FpmServer.KIND)).findFirst();
    }

    @Test
    void routesOfATableWaitForItsVrfAndFollowIt() {
        VrfControl vrfs = new VrfControl(new Vrfs(), FOUR_INTERFACES);
        vrfs.addAddress("if0", "10.1.0.1/24");
        assertEquals(VrfControl.Placement.IN_VRF, vrfs.replaceLearnedRoute(254, "10.50.0.0/16", List.of("10.1.0.2")));
        assertEquals(VrfControl.Placement.KEPT_ASIDE, vrfs.replaceLearnedRoute(10, "10.60.0.0/16", List.of("10.1.0.2", "10.1.0.3")));
        assertEquals(VrfControl.Placement.KEPT_ASIDE, vrfs.replaceLearnedRoute(10, "fd60::/32", List.of("fd01::2")));
        assertEquals(Map.of(10L, 2), vrfs.keptAside());
        assertTrue(frr(vrfs, "default", "10.60.0.0/16").isEmpty(), "not in the default VRF");
        assertTrue(frr(vrfs, "default", "10.50.0.0/16").orElseThrow().active(), "main's route in the default VRF");

        // red takes table 10: both routes join its FIB, multipath as sent.
        vrfs.bindVrf("red", List.of("if1"), 10);
        vrfs.addAddress("if1", "10.1.0.1/24");
        vrfs.addAddress("if1", "fd01::1/64");
        assertEquals("10.1.0.2,10.1.0.3", frr(vrfs, "red", "10.60.0.0/16").orElseThrow().via());
        assertTrue(frr(vrfs, "red", "10.60.0.0/16").orElseThrow().active());
        assertTrue(frr(vrfs, "red", "fd60::/32").orElseThrow().active());
        assertEquals(Map.of(), vrfs.keptAside());
        assertTrue(frr(vrfs, "red", "10.50.0.0/16").isEmpty(), "main's route stays in the default VRF");
        assertEquals(List.of(List.of("10.60.0.0/16", "10.1.0.2,10.1.0.3", "10"), List.of("fd60::/32", "fd01::2", "10")),
                vrfs.tableRoutes().stream().map(java.util.Arrays::asList).sorted((a, b) -> a.getFirst().compareTo(b.getFirst())).toList(),
                "what an update hands over");

        // Replaced and withdrawn in the VRF.
        assertEquals(VrfControl.Placement.IN_VRF, vrfs.replaceLearnedRoute(10, "10.60.0.0/16", List.of("10.1.0.3")));
        assertEquals("10.1.0.3", frr(vrfs, "red", "10.60.0.0/16").orElseThrow().via());
        vrfs.removeLearnedRoute(10, "fd60::/32");
        assertTrue(frr(vrfs, "red", "fd60::/32").isEmpty());

        // red takes table 12 instead: table 10's route leaves its FIB and waits again.
        vrfs.bindVrf("red", List.of("if1"), 12);
        assertTrue(frr(vrfs, "red", "10.60.0.0/16").isEmpty());
        assertEquals(Map.of(10L, 1), vrfs.keptAside());
        vrfs.bindVrf("red", List.of("if1"), 10);
        assertEquals("10.1.0.3", frr(vrfs, "red", "10.60.0.0/16").orElseThrow().via());

        // Removing the VRF puts its table's routes aside too; a withdrawal reaches them there.
        vrfs.removeVrf("red");
        assertEquals(Map.of(10L, 1), vrfs.keptAside());
        vrfs.removeLearnedRoute(10, "10.60.0.0/16");
        assertEquals(Map.of(), vrfs.keptAside());
        vrfs.bindVrf("blue", List.of("if2"), 10);
        assertTrue(vrfs.routes("blue").stream().noneMatch(r -> r.kind().equals(FpmServer.KIND)));
    }

    @Test
    void routesKeptAsideAreBounded() {
        VrfControl vrfs = new VrfControl(new Vrfs(), FOUR_INTERFACES, 2);
        assertEquals(VrfControl.Placement.KEPT_ASIDE, vrfs.replaceLearnedRoute(10, "10.60.0.0/16", List.of("10.1.0.2")));
        assertEquals(VrfControl.Placement.KEPT_ASIDE, vrfs.replaceLearnedRoute(11, "10.61.0.0/16", List.of("10.1.0.2")));
        assertEquals(VrfControl.Placement.DROPPED, vrfs.replaceLearnedRoute(12, "10.62.0.0/16", List.of("10.1.0.2")));
        assertEquals(VrfControl.Placement.KEPT_ASIDE, vrfs.replaceLearnedRoute(11, "10.61.0.0/16", List.of("10.1.0.3")),
                "a replacement takes no more room");
        assertEquals(Map.of(10L, 1, 11L, 1), vrfs.keptAside());
        assertTrue(refusal(() -> vrfs.replaceLearnedRoute(12, "10.62.0.1/16", List.of("10.1.0.2"))).contains("host bits"),
                "a bad route is refused, not kept");
    }

    // ---- ip:vrf and ip:vrfs ----

    /** A ConfigurationAdmin that only records the factory configurations the shell stores. */
    private static ConfigurationAdmin recording(Map<String, Dictionary<String, Object>> stored) {
        return (ConfigurationAdmin) Proxy.newProxyInstance(ConfigurationAdmin.class.getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("getFactoryConfiguration")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    String name = (String) args[1];
                    return Proxy.newProxyInstance(Configuration.class.getClassLoader(), new Class<?>[] {Configuration.class},
                            (c, m, a) -> {
                                if (m.getName().equals("update") && a != null && a.length == 1) {
                                    @SuppressWarnings("unchecked")
                                    Dictionary<String, Object> props = (Dictionary<String, Object>) a[0];
                                    stored.put(name, props);
                                    return null;
                                }
                                throw new UnsupportedOperationException(m.getName());
                            });
                });
    }

    /** Runs a command; returns what it printed on stderr (its refusal), or "" when it printed none. */
    private static String stderrOf(Runnable command) {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            command.run();
        } finally {
            System.setErr(err);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void ipVrfStoresTheTableAndRefusesBadOnes() {
        VrfControl vrfs = new VrfControl(new Vrfs(), FOUR_INTERFACES);
        vrfs.bindVrf("blue", List.of("if2"), 20);
        Map<String, Dictionary<String, Object>> stored = new HashMap<>();
        RoutingCommands ip = new RoutingCommands(vrfs, FOUR_INTERFACES, recording(stored));

        assertEquals("", stderrOf(() -> ip.vrf("red", "if1", "--table", "10")));
        assertEquals("if1", stored.get("red").get("interfaces"));
        assertEquals(10L, stored.get("red").get("table"));

        assertEquals("", stderrOf(() -> ip.vrf("blue", "if3")), "no --table: blue keeps table 20");
        assertEquals("if3,if2", stored.get("blue").get("interfaces"));
        assertEquals(20L, stored.get("blue").get("table"));
        assertEquals("", stderrOf(() -> ip.vrf("blue", "--table", "none")), "a table alone; none takes it away");
        assertEquals("if2", stored.get("blue").get("interfaces"));
        assertEquals(null, stored.get("blue").get("table"));

        stored.clear();
        assertTrue(stderrOf(() -> ip.vrf("red", "if1", "--table", "254")).startsWith(
                "ip:vrf: table 254 is the kernel's main table, the default VRF's; a VRF takes another"));
        assertTrue(stderrOf(() -> ip.vrf("red", "if1", "--table", "x")).startsWith(
                "ip:vrf: table must be a whole number from 1 to 4294967295, not 'x'\nusage: ip:vrf [--table N|none] VRF [INTERFACE...]"));
        assertTrue(stderrOf(() -> ip.vrf("red", "if1", "--table", "20")).startsWith(
                "ip:vrf: table 20 is VRF blue's already: a table belongs to one VRF (see ip:vrfs)"));
        assertTrue(stderrOf(() -> ip.vrf("red")).startsWith("ip:vrf: name the interfaces to put in VRF red, or give --table N"));
        assertEquals(Map.of(), stored, "nothing stored for a refused command");

        String table = String.valueOf(ip.vrfs());
        assertTrue(table.startsWith("VRF      ID  TABLE  ROUTES  INTERFACES\n"), table);
        assertTrue(table.contains("\nblue      1     20       0  if2\n"), table);
        assertTrue(table.contains("\ndefault   0    254"), table);
    }
}
