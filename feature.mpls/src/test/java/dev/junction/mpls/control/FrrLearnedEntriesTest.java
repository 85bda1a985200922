package dev.junction.mpls.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.DeviceCounters;
import dev.junction.mpls.Mpls;
import dev.junction.mpls.nodes.Fixture;
import dev.junction.mpls.tables.LabelEntry;
import dev.junction.routing.LabelRoute;
import dev.junction.routing.internal.FpmServer;
import dev.junction.routing.internal.VrfControl;
import dev.junction.routing.internal.Vrfs;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FRR's label switched paths and labelled routes become entries of kind {@code frr}: first from
 * decoded {@link LabelRoute}s, then through routing's FPM server from frames recorded from FRR 8.4's
 * zebra ({@code mpls lsp 100 10.0.1.2 200}, {@code mpls lsp 101 10.0.1.2 implicit-null}, {@code ip
 * route 10.9.0.0/16 10.0.1.2 label 16/17}; the gateway rewritten from the recording's 10.77.1.2 to
 * the fixture's 10.0.1.2): they appear, are withdrawn, are swept when the session ends; a statement
 * wins over FRR for a label or a prefix, and FRR's entry comes back when it goes.
 */
class FrrLearnedEntriesTest {
    private static final String LSP_100 = "010100444000000018000105000000001ffbeea91c140000fec40001000000000800010000064100"
            + "08001300000c81000a00120002000a4d010200000800040004000000";
    private static final String LSP_101_PHP = "0101003c3800000018000105000000001ffbeea91c140000fec400010000000008000100000651"
            + "000a00120002000a4d010212000800040004000000";
    private static final String ROUTE_16_17 = "010100585400000018000105000000001ffbeea902100000fec4000100000000080001000a0900"
            + "0008000600140000000600150001000102100016800c0001000001000000011100080005000a4d01020800040004000000";
    private static final String DEL_ROUTE_16_17 = "010100302c00000019000104000000001ffbeea902100000fec40000000000000800"
            + "01000a0900000800060014000000";

    private static final Dataplane ONE_INTERFACE = (Dataplane) Proxy.newProxyInstance(Dataplane.class.getClassLoader(),
            new Class<?>[] {Dataplane.class}, (proxy, method, args) -> {
                if (method.getName().equals("interfaces")) {
                    return List.of(new InterfaceStatus(0, "j1", "test", "02:00:00:00:00:01", 1500, true, true, "l3", 1,
                            DeviceCounters.ZERO));
                }
                return method.getReturnType() == long.class ? 0L : null;
            });

    private final Fixture f = new Fixture();
    private FpmServer fpm;

    @AfterEach
    void close() {
        if (fpm != null) {
            fpm.close();
        }
    }

    private static LabelRoute path(int label, String gw, Integer... out) {
        return new LabelRoute(label, null, null, List.of(new LabelRoute.Path(gw, List.of(out))));
    }

    private static LabelRoute route(String prefix, String gw, Integer... out) {
        return new LabelRoute(-1, "default", prefix, List.of(new LabelRoute.Path(gw, List.of(out))));
    }

    private Mpls.LabelStatus label(int l) {
        return f.control.labels().stream().filter(s -> s.label() == l).findFirst().orElse(null);
    }

    private Mpls.FtnStatus ftn(String prefix) {
        return f.control.ftns().stream().filter(s -> s.prefix().equals(prefix)).findFirst().orElse(null);
    }

    @Test
    void pathsAndRoutesBecomeEntriesAndGo() {
        f.control.applyLearned(List.of(path(100, "10.0.1.2", 200), path(101, "10.0.1.2"),
                new LabelRoute(102, null, null, List.of(new LabelRoute.Path("10.0.1.2", List.of(300)),
                        new LabelRoute.Path("10.0.2.2", List.of(301, 302)))),
                route("10.9.0.0/16", "10.0.1.2", 16, 17)));
        Mpls.LabelStatus swap = label(100);
        assertEquals("frr:100", swap.name());
        assertEquals(Mpls.FRR, swap.kind());
        assertEquals("swap", swap.action());
        assertEquals(List.of(new Mpls.NextHop("10.0.1.2", List.of(200), "j1", "02:bb:00:00:00:01")), swap.nextHops());
        assertEquals(List.of(), label(101).nextHops().getFirst().labels(), "implicit null: PHP");
        assertEquals(2, label(102).nextHops().size(), "ECMP");
        assertEquals(List.of(301, 302), label(102).nextHops().get(1).labels());
        LabelEntry e = f.tables.labels.get(100);
        assertEquals(LabelEntry.SWAP, e.action());
        Mpls.FtnStatus imp = ftn("10.9.0.0/16");
        assertEquals("frr:default:10.9.0.0/16", imp.name());
        assertEquals(Mpls.FRR, imp.kind());
        assertEquals(List.of(16, 17), imp.nextHops().getFirst().labels());
        assertEquals("uniform", imp.ttl());
        assertEquals(List.of("default 10.9.0.0/16 " + f.tables.ftns.entries().getFirst().slot()), f.steered);

        // Replaced (200 -> 201) and withdrawn (101, the route): the set is the whole truth.
        f.control.applyLearned(List.of(path(100, "10.0.1.2", 201), path(102, "10.0.1.2", 300)));
        assertEquals(List.of(201), label(100).nextHops().getFirst().labels());
        assertNull(label(101));
        assertEquals(1, label(102).nextHops().size());
        assertNull(ftn("10.9.0.0/16"));
        assertEquals(List.of(), f.steered, "the steering withdrawn");
        f.control.applyLearned(List.of());
        assertEquals(List.of(), f.control.labels());
        assertNull(f.tables.labels.get(100), "gone from the table the workers read");
    }

    @Test
    void whatCannotBeAnEntryIsListedAndTheRestApplied() {
        f.control.applyLearned(List.of(path(100, "fd00::2", 200), path(5, "10.0.1.2", 200),
                path(103, "10.0.1.2", 16, 17, 18, 19, 20), path(104, "10.0.1.2", 400)));
        assertEquals(List.of(104), f.control.labels().stream().map(Mpls.LabelStatus::label).toList());
        Map<String, String> refused = f.control.refusedFromFrr();
        assertEquals(3, refused.size(), refused.toString());
        assertTrue(refused.get("frr:100").contains("is not an IPv4 gateway"), refused.toString());
        assertTrue(refused.get("frr:5").contains("reserved"), refused.toString());
        assertTrue(refused.get("frr:103").contains("at most 4 labels"), refused.toString());
    }

    @Test
    void aStatementWinsOverFrrAndFrrComesBackWhenItGoes() {
        f.control.applyLearned(List.of(path(100, "10.0.1.2", 200), route("10.9.0.0/16", "10.0.1.2", 16)));
        f.control.putLabel("mine", 100, "swap", "10.0.2.2", "500", null, true);
        assertEquals("mine", label(100).name());
        assertEquals(Mpls.CONFIGURED, label(100).kind());
        f.control.putFtn("to-b", null, "10.9.0.0/16", "10.0.2.2", "600", true, dev.junction.mpls.tables.FtnEntry.TC_COPY);
        assertEquals("to-b", ftn("10.9.0.0/16").name());
        assertEquals(1, f.steered.size(), "one steering of the prefix: the statement's");
        // FRR sends the same set again: its entries stay shadowed.
        f.control.applyLearned(List.of(path(100, "10.0.1.2", 200), route("10.9.0.0/16", "10.0.1.2", 16)));
        assertEquals("mine", label(100).name());
        assertEquals("to-b", ftn("10.9.0.0/16").name());
        assertTrue(f.control.refusedFromFrr().get("frr:100").contains("mine"), f.control.refusedFromFrr().toString());
        // A learned entry never takes a statement's label (the other way round).
        assertThrows(IllegalArgumentException.class, () -> f.control.putLabel("mine2", 100, "swap", "10.0.2.2", "501", null, true));

        f.control.removeLabel("mine");
        f.control.removeFtn("to-b");
        assertEquals("frr:100", label(100).name(), "FRR's path back");
        assertEquals(List.of(200), label(100).nextHops().getFirst().labels());
        assertEquals("frr:default:10.9.0.0/16", ftn("10.9.0.0/16").name(), "FRR's route back");
        assertEquals(Map.of(), f.control.refusedFromFrr());
    }

    /** The recorded frames with the gateway 10.77.1.2 (0a4d0102) written as the fixture's 10.0.1.2. */
    private static byte[] frame(String hex) {
        return HexFormat.of().parseHex(hex.replace("0a4d0102", "0a000102"));
    }

    private static void send(SocketChannel c, byte[]... frames) throws Exception {
        for (byte[] m : frames) {
            ByteBuffer b = ByteBuffer.wrap(m);
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 10 s; labels " + f.control.labels() + "; ftns " + f.control.ftns()
                        + "; fpm " + fpm.status());
            }
            Thread.sleep(10);
        }
    }

    @Test
    void zebrasMessagesThroughRoutingsFpmServer() throws Exception {
        VrfControl routing = new VrfControl(new Vrfs(), ONE_INTERFACE);
        routing.addAddress("j1", "10.0.1.1/24");
        routing.labelRoutes.add(f.control::applyLearned); // what MplsComponent registers as a service
        fpm = new FpmServer(routing, new InetSocketAddress("127.0.0.1", 0), 300_000_000L);
        try (SocketChannel zebra = SocketChannel.open(fpm.address())) {
            send(zebra, frame(LSP_100), frame(LSP_101_PHP), frame(ROUTE_16_17));
            await(() -> label(100) != null && label(101) != null && ftn("10.9.0.0/16") != null, "FRR's entries");
            assertEquals(List.of(200), label(100).nextHops().getFirst().labels());
            assertEquals(Mpls.FRR, label(101).kind());
            assertEquals(List.of(16, 17), ftn("10.9.0.0/16").nextHops().getFirst().labels());
            send(zebra, frame(DEL_ROUTE_16_17));
            await(() -> ftn("10.9.0.0/16") == null, "the withdrawn route's entry gone");
            assertEquals(List.of(), f.steered);
        }
        await(() -> f.control.labels().isEmpty(), "the paths swept after the session ended");
    }
}
