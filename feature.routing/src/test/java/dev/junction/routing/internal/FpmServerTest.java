package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.routing.Routing;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FPM messages as zebra writes them (netlink in an FPM header), sent over TCP to an FpmServer: each
 * goes to the VRF of its kernel table, by rtm_table or by RTA_TABLE for tables past 255; routes of a
 * table no VRF has are kept aside and counted; after a reconnection the sweep removes, table by
 * table, what the daemon did not send again.
 */
class FpmServerTest {
    private static final long SWEEP_NANOS = 1_000_000_000L;
    private final VrfControl vrfs = new VrfControl(new Vrfs(), VrfTablesTest.FOUR_INTERFACES, 3);
    private FpmServer fpm;

    @AfterEach
    void close() {
        if (fpm != null) {
            fpm.close();
        }
    }

    /** One route message: netlink header, rtmsg, RTA_DST, RTA_TABLE when the table does not fit rtm_table, gateways. */
    private static byte[] route(boolean add, String prefix, long table, String... gateways) throws Exception {
        String[] p = prefix.split("/");
        byte[] dst = InetAddress.getByName(p[0]).getAddress();
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        b.position(16); // the netlink header, written last
        b.put((byte) (dst.length == 4 ? FpmMessage.AF_INET : FpmMessage.AF_INET6)).put((byte) Integer.parseInt(p[1]))
                .put((byte) 0).put((byte) 0).put((byte) (table < 256 ? table : 0)).put((byte) 4 /* static */)
                .put((byte) 0).put((byte) FpmMessage.RTN_UNICAST).putInt(0);
        attribute(b, FpmMessage.RTA_DST, dst);
        if (table >= 256) {
            attribute(b, FpmMessage.RTA_TABLE, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) table).array());
        }
        if (gateways.length == 1) {
            attribute(b, FpmMessage.RTA_GATEWAY, InetAddress.getByName(gateways[0]).getAddress());
        } else if (gateways.length > 1) {
            ByteBuffer nexthops = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
            for (String gw : gateways) {
                byte[] a = InetAddress.getByName(gw).getAddress();
                nexthops.putShort((short) (FpmMessage.RTNEXTHOP + 4 + a.length)).put((byte) 0).put((byte) 0).putInt(2);
                attribute(nexthops, FpmMessage.RTA_GATEWAY, a);
            }
            attribute(b, FpmMessage.RTA_MULTIPATH, java.util.Arrays.copyOf(nexthops.array(), nexthops.position()));
        }
        int length = b.position();
        b.putInt(0, length).putShort(4, (short) (add ? FpmMessage.RTM_NEWROUTE : FpmMessage.RTM_DELROUTE));
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(new byte[] {1, 1, (byte) ((length + 4) >> 8), (byte) (length + 4)});
        frame.write(b.array(), 0, length);
        return frame.toByteArray();
    }

    private static void attribute(ByteBuffer b, int type, byte[] value) {
        b.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        while (b.position() % 4 != 0) {
            b.put((byte) 0);
        }
    }

    private SocketChannel connect() throws Exception {
        return SocketChannel.open(fpm.address());
    }

    private static void send(SocketChannel c, byte[]... messages) throws Exception {
        for (byte[] m : messages) {
            ByteBuffer b = ByteBuffer.wrap(m);
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }

    private Optional<Routing.RouteEntry> frr(String vrf, String prefix) {
        return vrfs.routes(vrf).stream().filter(r -> r.prefix().equals(prefix) && r.kind().equals(FpmServer.KIND)).findFirst();
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 10 s; default " + vrfs.routes() + "; red " + vrfs.routes("red")
                        + "; fpm " + fpm.status());
            }
            Thread.sleep(20);
        }
    }

    @Test
    void eachTableGoesToItsVrfAndTheSweepGoesTableByTable() throws Exception {
        vrfs.addAddress("if0", "10.1.0.1/24");
        vrfs.bindVrf("red", List.of("if1"), 10);
        vrfs.addAddress("if1", "10.1.0.1/24");
        vrfs.addAddress("if1", "fd01::1/64");
        vrfs.bindVrf("far", List.of("if2"), 4_000_000_000L);
        vrfs.addAddress("if2", "10.1.0.1/24");
        fpm = new FpmServer(vrfs, new InetSocketAddress("127.0.0.1", 0), SWEEP_NANOS);

        try (SocketChannel zebra = connect()) {
            send(zebra, route(true, "10.50.0.0/16", 254, "10.1.0.2"),
                    route(true, "10.60.0.0/16", 10, "10.1.0.2", "10.1.0.3"),
                    route(true, "10.61.0.0/16", 10, "10.1.0.2"),
                    route(true, "fd60::/32", 10, "fd01::2"),
                    route(true, "10.70.0.0/16", 4_000_000_000L, "10.1.0.4"),
                    route(true, "10.80.0.0/16", 11, "10.1.0.2"));
            await(() -> frr("red", "fd60::/32").isPresent() && frr("far", "10.70.0.0/16").isPresent()
                    && fpm.status().keptAside().equals(Map.of(11L, 1)), "every route placed");
            assertEquals("10.1.0.2,10.1.0.3", frr("red", "10.60.0.0/16").orElseThrow().via(), "multipath in VRF red");
            assertTrue(frr("red", "10.60.0.0/16").orElseThrow().active());
            assertTrue(frr("default", "10.50.0.0/16").orElseThrow().active());
            assertTrue(frr("default", "10.60.0.0/16").isEmpty() && frr("red", "10.50.0.0/16").isEmpty(), "each in its own table");
            assertEquals(Map.of("route of table 11, which no VRF has: kept aside until one takes it (vrf NAME table=11)", 1L),
                    fpm.status().refused());
            assertEquals(6, fpm.status().routes());

            // Withdrawn and replaced in the VRF; one route too many to keep aside is counted.
            send(zebra, route(false, "10.61.0.0/16", 10), route(true, "fd60::/32", 10, "fd01::3"),
                    route(true, "10.81.0.0/16", 11, "10.1.0.2"), route(true, "10.82.0.0/16", 11, "10.1.0.2"),
                    route(true, "10.83.0.0/16", 12, "10.1.0.2"), route(true, "10.84.0.0/16", 255, "10.1.0.2"));
            await(() -> frr("red", "10.61.0.0/16").isEmpty() && frr("red", "fd60::/32").orElseThrow().via().equals("fd01::3")
                    && fpm.status().refused().size() == 3, "withdrawal, replacement, one dropped, one refused");
            assertEquals(Map.of(11L, 3), fpm.status().keptAside());
            assertEquals(1L, fpm.status().refused().get("route of a table no VRF has, dropped: 3 such routes are kept aside already"));
            assertEquals(1L, fpm.status().refused().get("route of table 255 (the kernel's own, or none: no VRF takes it)"));
        }

        // zebra reconnects and sends again only some of each table's routes: the sweep removes the rest.
        try (SocketChannel zebra = connect()) {
            send(zebra, route(true, "10.50.0.0/16", 254, "10.1.0.2"), route(true, "fd60::/32", 10, "fd01::3"),
                    route(true, "10.81.0.0/16", 11, "10.1.0.2"));
            await(() -> frr("red", "10.60.0.0/16").isEmpty() && frr("far", "10.70.0.0/16").isEmpty()
                    && fpm.status().keptAside().equals(Map.of(11L, 1)), "the routes not sent again swept");
            assertTrue(frr("default", "10.50.0.0/16").isPresent());
            assertTrue(frr("red", "fd60::/32").isPresent());
            assertEquals(3, fpm.status().routes());

            // A VRF that takes table 11 gets the route kept aside, without the daemon sending it again.
            vrfs.bindVrf("green", List.of("if3"), 11);
            assertEquals("10.1.0.2", frr("green", "10.81.0.0/16").orElseThrow().via());
            assertEquals(Map.of(), fpm.status().keptAside());
        }
    }
}
