package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.routing.LabelRoute;
import dev.junction.routing.LabelRouteListener;
import dev.junction.routing.Routing;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Labelled routes over FPM as FRR 8.4's zebra (dplane_fpm_nl) sent them here, recorded byte for byte
 * ({@code mpls lsp 100 10.77.1.2 200}, {@code mpls lsp 101 10.77.1.2 implicit-null}, {@code ip route
 * 10.9.0.0/16 10.77.1.2 label 16/17}, {@code ... 10.10.0.0/16 ... label 18}, and the withdrawal of
 * 10.9.0.0/16): the label switched paths and the labels reach a {@link LabelRouteListener}, the IP
 * routes the FIB as learned routes; withdrawal, replacement without labels, the sweep after the
 * session ends, and several netlink messages in one FPM frame.
 */
class FpmLabelRoutesTest {
    // Recorded from zebra 8.4.4 (each an FPM frame: version 1, type 1, length; then the netlink message).
    static final String LSP_100 = "010100444000000018000105000000001ffbeea91c140000fec4000100000000080001000006410008001300000c81"
            + "000a00120002000a4d010200000800040004000000";
    static final String LSP_101_PHP = "0101003c3800000018000105000000001ffbeea91c140000fec4000100000000080001000006510"
            + "00a00120002000a4d010212000800040004000000";
    static final String ROUTE_16_17 = "010100585400000018000105000000001ffbeea902100000fec4000100000000080001000a090000080006"
            + "00140000000600150001000102100016800c0001000001000000011100080005000a4d01020800040004000000";
    static final String ROUTE_18 = "010100545000000018000105000000001ffbeea902100000fec4000100000000080001000a0a000008000600"
            + "1400000006001500010001020c0016800800010000012100080005000a4d01020800040004000000";
    static final String DEL_ROUTE_16_17 = "010100302c00000019000104000000001ffbeea902100000fec4000000000000080001000a09000008"
            + "00060014000000";
    static final String ROUTE_UNLABELLED = "010100403c00000018000105000000001ffbeea902100000fec4000100000000080001000a0a0000"
            + "0800060014000000080005000a4d01020800040004000000"; // 10.10.0.0/16 via 10.77.1.2, no labels

    private final VrfControl vrfs = new VrfControl(new Vrfs(), VrfTablesTest.FOUR_INTERFACES, 3);
    private final AtomicReference<List<LabelRoute>> told = new AtomicReference<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final LabelRouteListener listener = routes -> {
        told.set(routes);
        calls.incrementAndGet();
    };
    private FpmServer fpm;

    @AfterEach
    void close() {
        if (fpm != null) {
            fpm.close();
        }
    }

    static byte[] frame(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** The netlink messages of several recorded frames in one FPM frame. */
    static byte[] oneFrame(String... hex) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String h : hex) {
            byte[] f = frame(h);
            body.write(f, 4, f.length - 4);
        }
        int length = body.size() + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {1, 1, (byte) (length >> 8), (byte) length}, 0, 4);
        out.write(body.toByteArray(), 0, body.size());
        return out.toByteArray();
    }

    /** A recorded LSP turned into its withdrawal (RTM_DELROUTE, as the kernel format has it). */
    static String withdrawn(String hex) {
        byte[] f = frame(hex);
        f[8] = FpmMessage.RTM_DELROUTE;
        return HexFormat.of().formatHex(f);
    }

    private static void send(SocketChannel c, byte[]... messages) throws Exception {
        for (byte[] m : messages) {
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
                throw new AssertionError(what + " within 10 s; told " + told.get() + "; routes " + vrfs.routes()
                        + "; fpm " + fpm.status());
            }
            Thread.sleep(10);
        }
    }

    private static LabelRoute path(int label, String gw, Integer... out) {
        return new LabelRoute(label, null, null, List.of(new LabelRoute.Path(gw, List.of(out))));
    }

    private static LabelRoute route(String prefix, String gw, Integer... out) {
        return new LabelRoute(-1, "default", prefix, List.of(new LabelRoute.Path(gw, List.of(out))));
    }

    @Test
    void parsesWhatZebraSent() throws Exception {
        FpmMessage lsp = FpmMessage.parse(ByteBuffer.wrap(frame(LSP_100), 4, frame(LSP_100).length - 4));
        assertEquals(FpmMessage.AF_MPLS, lsp.family());
        assertEquals(100, lsp.label());
        assertEquals(List.of("10.77.1.2"), lsp.gateways());
        assertEquals(List.of(List.of(200)), lsp.stacks());
        FpmMessage php = FpmMessage.parse(ByteBuffer.wrap(frame(LSP_101_PHP), 4, frame(LSP_101_PHP).length - 4));
        assertEquals(List.of(List.of()), php.stacks(), "implicit null: no RTA_NEWDST");
        FpmMessage r = FpmMessage.parse(ByteBuffer.wrap(frame(ROUTE_16_17), 4, frame(ROUTE_16_17).length - 4));
        assertEquals("10.9.0.0/16", r.prefix());
        assertEquals(List.of(List.of(16, 17)), r.stacks());
        assertTrue(r.labelled());
    }

    @Test
    void labelRoutesComeGoAndAreSweptAfterTheSession() throws Exception {
        vrfs.addAddress("if0", "10.77.1.1/24");
        vrfs.labelRoutes.add(listener);
        await(() -> told.get() != null && told.get().isEmpty(), "the first call, empty, on registration");
        fpm = new FpmServer(vrfs, new InetSocketAddress("127.0.0.1", 0), 500_000_000L);
        try (SocketChannel zebra = SocketChannel.open(fpm.address())) {
            send(zebra, oneFrame(LSP_100, LSP_101_PHP), frame(ROUTE_16_17), frame(ROUTE_18));
            await(() -> told.get().size() == 4, "two paths and two labelled routes");
            assertEquals(List.of(path(100, "10.77.1.2", 200), path(101, "10.77.1.2"),
                    route("10.10.0.0/16", "10.77.1.2", 18), route("10.9.0.0/16", "10.77.1.2", 16, 17)), told.get());
            Routing.RouteEntry learned = vrfs.routes().stream().filter(e -> e.prefix().equals("10.9.0.0/16")).findFirst()
                    .orElseThrow();
            assertEquals(FpmServer.KIND, learned.kind());
            assertEquals("10.77.1.2", learned.via(), "the FIB has the route itself, without its labels");
            assertEquals(java.util.Map.of(), fpm.status().refused());
            assertEquals(4, fpm.status().labelRoutes(), "ip:fpm's label routes");

            // Withdrawn (route, path), and replaced by a route without labels.
            send(zebra, frame(DEL_ROUTE_16_17), frame(withdrawn(LSP_101_PHP)), frame(ROUTE_UNLABELLED));
            await(() -> told.get().size() == 1, "what FRR withdrew gone");
            assertEquals(List.of(path(100, "10.77.1.2", 200)), told.get());
            assertTrue(vrfs.routes().stream().noneMatch(e -> e.prefix().equals("10.9.0.0/16")));
            assertTrue(vrfs.routes().stream().anyMatch(e -> e.prefix().equals("10.10.0.0/16")), "unlabelled, still routed");
        }
        // The session ends and the daemon does not come back: swept after the delay.
        await(() -> told.get().isEmpty(), "the label switched path swept after the session");
        vrfs.labelRoutes.remove(listener);
        int before = calls.get();
        vrfs.labelRoutes.put(LabelRoutes.pathKey(7), path(7, "10.77.1.2", 8), 1);
        Thread.sleep(100); // nothing to wait for: a removed listener must stay silent
        assertEquals(before, calls.get(), "a removed listener is not called");
    }

    private static void attribute(ByteBuffer b, int type, byte[] value) {
        b.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        while (b.position() % 4 != 0) {
            b.put((byte) 0);
        }
    }

    private static byte[] labels(int... labels) {
        ByteBuffer b = ByteBuffer.allocate(4 * labels.length); // big-endian label stack entries
        for (int i = 0; i < labels.length; i++) {
            b.putInt(labels[i] << 12 | (i == labels.length - 1 ? 0x100 : 0));
        }
        return b.array();
    }

    /**
     * A label switched path with two next hops (RTA_MULTIPATH, each with RTA_VIA and RTA_NEWDST) and
     * an IPv4 route with two labelled next hops (each with RTA_ENCAP_TYPE and RTA_ENCAP), as the
     * kernel's format has them (zebra sends multipath this way; not recorded here).
     */
    @Test
    void multipathPathsAndRoutesKeepEachNextHopsLabels() throws Exception {
        ByteBuffer lsp = ByteBuffer.allocate(256).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        lsp.position(16);
        lsp.put((byte) FpmMessage.AF_MPLS).put((byte) 20).put((byte) 0).put((byte) 0).put((byte) 254).put((byte) 196)
                .put((byte) 0).put((byte) FpmMessage.RTN_UNICAST).putInt(0);
        attribute(lsp, FpmMessage.RTA_DST, labels(300));
        ByteBuffer hops = ByteBuffer.allocate(128).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (Object[] h : new Object[][] {{new byte[] {10, 0, 1, 2}, new int[] {400}}, {new byte[] {10, 0, 2, 2}, new int[] {401, 402}}}) {
            int start = hops.position();
            hops.putShort((short) 0).put((byte) 0).put((byte) 0).putInt(4);
            ByteBuffer via = ByteBuffer.allocate(6).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort((short) FpmMessage.AF_INET)
                    .put((byte[]) h[0]);
            attribute(hops, FpmMessage.RTA_VIA, via.array());
            attribute(hops, FpmMessage.RTA_NEWDST, labels((int[]) h[1]));
            hops.putShort(start, (short) (hops.position() - start));
        }
        attribute(lsp, FpmMessage.RTA_MULTIPATH, java.util.Arrays.copyOf(hops.array(), hops.position()));
        lsp.putInt(0, lsp.position()).putShort(4, (short) FpmMessage.RTM_NEWROUTE);
        FpmMessage m = FpmMessage.parse(ByteBuffer.wrap(lsp.array(), 0, lsp.position()));
        assertEquals(300, m.label());
        assertEquals(List.of("10.0.1.2", "10.0.2.2"), m.gateways());
        assertEquals(List.of(List.of(400), List.of(401, 402)), m.stacks());

        ByteBuffer route = ByteBuffer.allocate(256).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        route.position(16);
        route.put((byte) FpmMessage.AF_INET).put((byte) 16).put((byte) 0).put((byte) 0).put((byte) 254).put((byte) 196)
                .put((byte) 0).put((byte) FpmMessage.RTN_UNICAST).putInt(0);
        attribute(route, FpmMessage.RTA_DST, new byte[] {10, 9, 0, 0});
        hops = ByteBuffer.allocate(128).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (Object[] h : new Object[][] {{new byte[] {10, 0, 1, 2}, new int[] {16, 17}}, {new byte[] {10, 0, 2, 2}, new int[0]}}) {
            int start = hops.position();
            hops.putShort((short) 0).put((byte) 0).put((byte) 0).putInt(4);
            attribute(hops, FpmMessage.RTA_GATEWAY, (byte[]) h[0]);
            if (((int[]) h[1]).length > 0) {
                ByteBuffer encap = ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                attribute(encap, FpmMessage.MPLS_IPTUNNEL_DST, labels((int[]) h[1]));
                attribute(hops, FpmMessage.RTA_ENCAP | 0x8000, java.util.Arrays.copyOf(encap.array(), encap.position()));
                attribute(hops, FpmMessage.RTA_ENCAP_TYPE, new byte[] {FpmMessage.LWTUNNEL_ENCAP_MPLS, 0});
            }
            hops.putShort(start, (short) (hops.position() - start));
        }
        attribute(route, FpmMessage.RTA_MULTIPATH, java.util.Arrays.copyOf(hops.array(), hops.position()));
        route.putInt(0, route.position()).putShort(4, (short) FpmMessage.RTM_NEWROUTE);
        m = FpmMessage.parse(ByteBuffer.wrap(route.array(), 0, route.position()));
        assertEquals("10.9.0.0/16", m.prefix());
        assertEquals(List.of("10.0.1.2", "10.0.2.2"), m.gateways());
        assertEquals(List.of(List.of(16, 17), List.of()), m.stacks(), "the encapsulation after its type, or before: the same");
    }

    @Test
    void badLabelMessagesAreRefusedByReason() throws Exception {
        fpm = new FpmServer(vrfs, new InetSocketAddress("127.0.0.1", 0), 500_000_000L);
        byte[] noVia = frame(LSP_100);
        // Cut the message after RTA_NEWDST: no gateway. Lengths: FPM 4 + netlink 16 + rtmsg 12 + DST 8 + NEWDST 8.
        int cut = 4 + 16 + 12 + 8 + 8;
        byte[] m = java.util.Arrays.copyOf(noVia, cut);
        m[2] = (byte) (cut >> 8);
        m[3] = (byte) cut;
        ByteBuffer.wrap(m).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4, cut - 4);
        byte[] badStack = frame(LSP_100);
        badStack[4 + 16 + 12 + 8] = 7; // RTA_NEWDST of 3 bytes
        try (SocketChannel zebra = SocketChannel.open(fpm.address())) {
            send(zebra, m, badStack);
            await(() -> fpm.status().refused().size() == 2, "both refused");
        }
        assertEquals(java.util.Map.of("labels on a next hop without a gateway", 1L,
                "label stack of 3 bytes (1 to 30 entries of 4)", 1L), fpm.status().refused());
        assertTrue(vrfs.labelRoutes.routes().isEmpty());
    }
}
