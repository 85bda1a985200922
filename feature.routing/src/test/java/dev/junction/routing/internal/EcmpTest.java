package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.Routing;
import dev.junction.routing.fib.Ipv6Prefix;
import dev.junction.routing.nodes.Ip4LookupNode;
import dev.junction.routing.nodes.Ip6LookupNode;
import dev.junction.routing.nodes.TestContext;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ECMP: a route with several gateways spreads flows over all of them, a flow always takes the same
 * path, fragments of a packet stay together; learned routes sit below static ones; paths whose
 * gateway no connected route covers are left out.
 */
class EcmpTest {
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private final Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
    private final Vrfs vrfs = new Vrfs();
    private final Ip4Tables tables = vrfs.ip4(0);
    private final Ip6Tables tables6 = vrfs.ip6(0);
    private final RoutingControl control = new RoutingControl(tables, tables6, engine);
    private final TestContext ctx = new TestContext(4096);
    private final PacketPool pool = ctx.pool;
    private final MemorySegment m = ctx.memory;

    @BeforeEach
    void twoInterfaces() {
        engine.addDevice(new MemoryDevice("a", 0x02_00_00_00_00_0AL, TrafficProfile.defaults(), false));
        engine.addDevice(new MemoryDevice("b", 0x02_00_00_00_00_0BL, TrafficProfile.defaults(), false));
        control.addAddress("a", "10.1.0.1/24");
        control.addAddress("b", "10.2.0.1/24");
        control.addAddress("a", "fd01::1/64");
        control.addAddress("b", "fd02::1/64");
    }

    @AfterEach
    void close() {
        engine.close();
    }

    /** Routes a UDP packet (or a later fragment without ports) and returns its next hop. */
    private int route4(int src, int dst, int sport, int dport, boolean laterFragment) {
        int b = pool.allocate();
        long ip = pool.data(b) + 14;
        Ipv4.writeHeader(m, ip, 28, 64, Ipv4.PROTO_UDP, src, dst);
        m.set(NET_SHORT, ip + 6, (short) (laterFragment ? 0x0010 : 0x2000)); // offset 128, or first with MF
        m.set(NET_SHORT, ip + 20, (short) sport);
        m.set(NET_SHORT, ip + 22, (short) dport);
        pool.l3Offset(b, 14);
        pool.length(b, 14 + 28);
        PacketVector v = new PacketVector();
        v.add(b);
        ctx.ready(new Ip4LookupNode(vrfs)).process(v, ctx);
        int hop = pool.nextHop(b);
        pool.free(b);
        return hop;
    }

    @Test
    void flowsSpreadOverEveryGatewayAndStickToOne() {
        control.addRoute("10.200.0.0/16", "10.1.0.2,10.1.0.3,10.2.0.2,10.2.0.3", null);
        Map<Integer, Integer> perGateway = new HashMap<>();
        for (int flow = 0; flow < 4000; flow++) {
            int hop = route4(0x0A01_0064, 0x0AC8_0000 + flow % 250, 10000 + flow, 53, false);
            perGateway.merge(hop, 1, Integer::sum);
            assertEquals(hop, route4(0x0A01_0064, 0x0AC8_0000 + flow % 250, 10000 + flow, 53, false), "same flow, same path");
        }
        assertEquals(4, perGateway.size(), perGateway.toString());
        for (int n : perGateway.values()) {
            assertTrue(n > 700 && n < 1300, "roughly a quarter each: " + perGateway);
        }
        Routing.RouteEntry r = control.routes().stream().filter(e -> e.prefix().equals("10.200.0.0/16")).findFirst().orElseThrow();
        assertEquals("10.1.0.2,10.1.0.3,10.2.0.2,10.2.0.3", r.via());
        assertEquals("a,b", r.iface());
    }

    @Test
    void fragmentsOfOnePacketTakeOnePath() {
        control.addRoute("10.200.0.0/16", "10.1.0.2,10.2.0.2", null);
        for (int i = 0; i < 200; i++) {
            // The first fragment carries ports but is a fragment: hashed like the later ones.
            assertEquals(route4(0x0A01_0064 + i, 0x0AC8_0001, 1000 + i, 53, false),
                    route4(0x0A01_0064 + i, 0x0AC8_0001, 0, 0, true));
        }
    }

    @Test
    void gatewaysOutsideEveryConnectedRouteAreLeftOut() {
        control.addRoute("10.200.0.0/16", "10.1.0.2,10.9.9.9", null);
        for (int flow = 0; flow < 100; flow++) {
            assertEquals(0x0A01_0002, route4(0x0A01_0064, 0x0AC8_0001, flow, 53, false));
        }
        control.removeAddress("a", "10.1.0.1/24");
        assertTrue(control.routes().stream().anyMatch(e -> e.prefix().equals("10.200.0.0/16") && !e.active()),
                "no gateway reachable: inactive " + control.routes());
    }

    @Test
    void learnedRoutesYieldToStaticOnesAndReplaceThemselves() {
        control.replaceLearnedRoute("frr", "10.200.0.0/16", List.of("10.2.0.2"));
        assertEquals(0x0A02_0002, route4(0x0A01_0064, 0x0AC8_0001, 1, 53, false));
        control.addRoute("10.200.0.0/16", "10.1.0.2", null);
        assertEquals(0x0A01_0002, route4(0x0A01_0064, 0x0AC8_0001, 1, 53, false), "static wins");
        control.removeRoute("10.200.0.0/16");
        control.replaceLearnedRoute("frr", "10.200.0.0/16", List.of("10.2.0.3"));
        assertEquals(0x0A02_0003, route4(0x0A01_0064, 0x0AC8_0001, 1, 53, false), "replaced");
        assertTrue(control.removeLearnedRoute("10.200.0.0/16"));
        int b = route4(0x0A01_0064, 0x0AC8_0001, 1, 53, false); // no route: the node leaves the next hop alone
        assertTrue(control.routes().stream().noneMatch(e -> e.prefix().equals("10.200.0.0/16")), control.routes().toString());
    }

    @Test
    void ipv6FlowsSpreadToo() {
        control.addRoute("fd99::/32", "fd01::2,fd02::2", null);
        Ipv6Prefix dst = Ipv6Prefix.parse("fd99::1/128");
        Map<Integer, Integer> perPath = new HashMap<>();
        for (int flow = 0; flow < 1000; flow++) {
            int b = pool.allocate();
            long ip = pool.data(b) + 14;
            Ipv6.writeHeader(m, ip, 8, Ipv6.NEXT_UDP, 64, 0xFD01_0000_0000_0000L, 0x64, dst.high(), dst.low());
            m.set(NET_SHORT, ip + 40, (short) (20000 + flow));
            pool.l3Offset(b, 14);
            pool.length(b, 14 + 48);
            PacketVector v = new PacketVector();
            v.add(b);
            ctx.ready(new Ip6LookupNode(vrfs)).process(v, ctx);
            perPath.merge(pool.txInterface(b), 1, Integer::sum);
            pool.free(b);
        }
        assertEquals(2, perPath.size(), perPath.toString());
        for (int n : perPath.values()) {
            assertTrue(n > 350 && n < 650, perPath.toString());
        }
    }

    @Test
    void groupsAreListedWithTheirPathsAndTheRoutesThatShareThem() {
        assertTrue(control.ecmpGroups().isEmpty());
        control.addRoute("10.200.0.0/16", "10.1.0.2,10.2.0.2", null);
        control.addRoute("10.100.0.0/16", "10.1.0.2,10.2.0.2", null);
        control.addRoute("10.150.0.0/16", "10.1.0.2,10.9.9.9", null); // one reachable path: no group
        control.addRoute("fd99::/32", "fd01::2,fd02::2", null);
        assertEquals(List.of(
                new Routing.EcmpGroup(List.of("10.1.0.2", "10.2.0.2"), List.of("a", "b"), 2, "10.100.0.0/16"),
                new Routing.EcmpGroup(List.of("fd01::2", "fd02::2"), List.of("a", "b"), 1, "fd99::/32")), control.ecmpGroups());
        control.removeAddress("b", "10.2.0.1/24"); // one path left: the routes leave the group
        assertEquals(1, control.ecmpGroups().size(), control.ecmpGroups().toString());
    }
}
